"""Relay's object identification: ``node(id:)`` answers as each type's own field answers.

A global id names a type and a Hearth id (``schema.relay``). ``node`` does not look anything up
itself: it runs the root field that reads that type by id (``client(id:)``, ``agency(id:)``, ...),
its permission first and then its resolver, so the visibility, masking, errors and read audit are
that field's. Enrollments and case notes have no root field: they are found in their client's
list, through the same DataLoader as ``Client.enrollments`` and ``Client.caseNotes``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

import strawberry
from graphql import GraphQLObjectType, GraphQLSchema
from strawberry.permission import PermissionExtension
from tortoise.models import Model

from authz.resources import Action, Resource
from models import case_notes as note_models
from models import dsb as dsb_models
from models import enrollments as enrollment_models
from models import governance as gov
from models import incidents_grievances as incident_models
from models import users as user_models
from schema.client_types import client_list
from schema.clients import ClientQuery
from schema.context import ResolverInfo
from schema.dsb import DsbQuery
from schema.governance import GovernanceQuery
from schema.grievances import GrievanceQuery
from schema.incidents import IncidentQuery
from schema.operations import query
from schema.outside_access import OutsideAccessQuery
from schema.permissions import Authenticated, HearthPermission, Requires
from schema.relay import Node, from_global_id, register_node_model
from schema.users import UserQuery
from services.errors import Forbidden, NotFound, ValidationFailed

__all__ = ["CLIENT_DATA_NODES", "NODE_TYPES", "NodeQuery", "detach_type_checks"]

Read = Callable[[ResolverInfo, strawberry.ID], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class _NodeType:
    permission: HearthPermission
    read: Read  # the object with this Hearth id, as the caller may see it


def _root_field(query_type: type, python_name: str) -> _NodeType:
    """The permission and resolver of the root field that reads a type by id."""
    field = query_type.__strawberry_definition__.get_field(python_name)  # type: ignore[attr-defined]
    assert field is not None, python_name
    assert field.base_resolver is not None, python_name
    permission = next(
        p
        for extension in field.extensions
        if isinstance(extension, PermissionExtension)
        for p in extension.permissions
        if isinstance(p, HearthPermission)
    )
    resolver = field.base_resolver.wrapped_func

    async def read(info: ResolverInfo, id: strawberry.ID) -> Any:
        return await resolver(None, info, id=id)

    return _NodeType(permission, read)


def _in_client_list(list_name: str, model: type[Model], what: str) -> _NodeType:
    """A row of a client's list (``Client.<list_name>``): found in that list as the caller
    sees it, through the list's own DataLoader (which asks the client-data policy)."""

    async def read(info: ResolverInfo, id: strawberry.ID) -> Any:
        key = UUID(id)
        context = info.context
        await context.client_scope()  # tells the fourth wall who asks, before any client row
        owners: list[UUID] = await model.filter(id=key).values_list(  # type: ignore[assignment]
            "client_id", flat=True
        )
        rows = await client_list(context, list_name).load(owners[0]) if owners else []
        for row in rows:
            if row.pk == key:
                return row
        raise NotFound(f"No such {what}, or you may not see it.", field="id")

    return _NodeType(Requires(Resource.CLIENT, Action.READ), read)


# GraphQL type name -> how node(id:) reads it. Every type implementing Node is here (a test
# walks the schema to prove it).
NODE_TYPES: dict[str, _NodeType] = {
    "Agency": _root_field(GovernanceQuery, "agency"),
    "Project": _root_field(GovernanceQuery, "project"),
    "User": _root_field(UserQuery, "user"),
    "Client": _root_field(ClientQuery, "client"),
    "Enrollment": _in_client_list("enrollments", enrollment_models.Enrollment, "enrollment"),
    "CaseNote": _in_client_list("caseNotes", note_models.CaseNote, "case note"),
    "DsbMeeting": _root_field(DsbQuery, "dsb_meeting"),
    "OutsideAccessApplication": _root_field(OutsideAccessQuery, "outside_access_application"),
    "SecurityIncident": _root_field(IncidentQuery, "security_incident"),
    "Grievance": _root_field(GrievanceQuery, "grievance"),
}
# Node types that are client data: a refused node(id:) of one is audited as DENIED.
CLIENT_DATA_NODES = frozenset({"Client", "Enrollment", "CaseNote"})

for _model, _name in (
    (gov.Agency, "Agency"),
    (gov.Project, "Project"),
    (user_models.User, "User"),
    (enrollment_models.Enrollment, "Enrollment"),
    (note_models.CaseNote, "CaseNote"),
    (dsb_models.Meeting, "DsbMeeting"),
    (incident_models.SecurityIncident, "SecurityIncident"),
    (incident_models.Grievance, "Grievance"),
):
    register_node_model(_model, _name)


def detach_type_checks(schema: GraphQLSchema) -> None:
    """Which type a Node is, ``Node.resolve_type`` says. strawberry also gives each type that
    implements an interface an ``is_type_of`` (an ``isinstance`` of its Python class), which the
    model rows most of them are made of fail, and which would take their lists off the
    executor's fast path (decision 83): removed, as for the types that implement nothing."""
    for graphql_type in schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType) and any(
            interface.name == "Node" for interface in graphql_type.interfaces
        ):
            graphql_type.is_type_of = None


@strawberry.type
class NodeQuery:
    @query(
        Authenticated(),
        description="Any object by its global id (`nodeId`), answered exactly as the type's own "
        "field answers (client(id:), agency(id:), ...): that field's permission, visibility, "
        "masking and NOT_FOUND. Enrollments and case notes need client:read and are found as "
        "their client's lists show them. A string that is not a global id, or names no Node "
        "type, is VALIDATION.",
    )
    async def node(
        self,
        info: ResolverInfo,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="A global id: the `nodeId` of any Node."),
        ],
    ) -> Node | None:
        type_name, key = from_global_id(id)
        node_type = NODE_TYPES.get(type_name)
        if node_type is None:
            raise ValidationFailed("Not a global id: its type is not a Node type.", field="id")
        if not node_type.permission.has_permission(None, info):
            raise Forbidden("You may not do this.")
        found: Node | None = await node_type.read(info, strawberry.ID(str(key)))
        return found
