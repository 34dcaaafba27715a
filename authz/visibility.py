"""Row scoping: which agencies, projects, users and requests a caller may list, as SQL filters."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.access import AccessRequest
from models.governance import Agency, Can, Project
from models.users import Membership, User

__all__ = ["access_requests", "agencies", "cans", "projects", "sees_project", "users"]


def _scoped(
    qs: QuerySet[Any], decisions: Decisions, resource: Resource, field: str
) -> QuerySet[Any]:
    if decisions.system_wide(resource, Action.READ):
        return qs
    # None allowed: Tortoise makes an empty ``__in`` a condition no row meets.
    return qs.filter(**{f"{field}__in": list(decisions.agencies(resource, Action.READ))})


def agencies(decisions: Decisions) -> QuerySet[Agency]:
    return _scoped(Agency.all(), decisions, Resource.AGENCY, "id")


def projects(decisions: Decisions) -> QuerySet[Project]:
    return _scoped(Project.all(), decisions, Resource.PROJECT, "agency_id")


def sees_project(decisions: Decisions, project: Project) -> bool:
    """Whether :func:`projects` lists this project (for a project already loaded)."""
    return decisions.system_wide(Resource.PROJECT, Action.READ) or decisions.in_agency(
        Resource.PROJECT, Action.READ, project.agency_id
    )


def cans(decisions: Decisions) -> QuerySet[Can]:
    # CANs are public geography: anyone allowed to read them anywhere sees them all.
    return Can.all() if decisions.anywhere(Resource.CAN, Action.READ) else Can.filter(id__in=[])


def users(decisions: Decisions) -> QuerySet[User]:
    """Everyone for system-wide readers; else members of agencies where the caller reads users."""
    if decisions.system_wide(Resource.USER, Action.READ):
        return User.all()
    allowed = list(decisions.agencies(Resource.USER, Action.READ))
    own = Q(id=decisions.principal.user_id)
    if not allowed:
        return User.filter(own)
    members = Membership.filter(agency_id__in=allowed).values("user_id")
    return User.filter(own | Q(id__in=Subquery(members)))


def access_requests(decisions: Decisions) -> QuerySet[AccessRequest]:
    return _scoped(AccessRequest.all(), decisions, Resource.ACCESS_REQUEST, "agency_id")
