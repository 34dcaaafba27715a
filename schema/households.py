"""A project's roster on a date, and households: enrollments as the client-data policy shows them
(``services.rosters``). What a roster or a household reads is audited as every client read is:
each enrollment and client it answers is noted by the executor (``schema.audit``)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry.dataloader import DataLoader

from authz.resources import Action, Resource
from authz.visibility import sees_project
from models import enrollments as enrollment_models
from models import governance as gov
from schema.arguments import After, First
from schema.client_loaders import prime_clients
from schema.context import Context, ResolverInfo
from schema.inputs import parse_id
from schema.loaders import by_id
from schema.operations import query
from schema.permissions import Requires
from schema.relay import Connection, connection
from schema.types import Project
from services import rosters as service

if TYPE_CHECKING:
    from schema.client_types import Enrollment

__all__ = ["Household", "HouseholdQuery", "household_of"]

_Key = tuple[UUID, str]  # (project, HouseholdID)


@strawberry.type(
    description="A household (HUD HouseholdID within a project): the members' enrollments you "
    "may see. Members you may not see are left out without a trace: neither they nor their "
    "number is shown."
)
class Household:
    household_id: str = strawberry.field(description="5.09 HouseholdID.")
    _project_id: strawberry.Private[UUID]
    _members: strawberry.Private[list[enrollment_models.Enrollment]]

    @strawberry.field(description="The project the household is enrolled in.", graphql_type=Project)
    async def project(self, info: ResolverInfo) -> gov.Project | None:
        return await by_id(info.context, gov.Project).load(self._project_id)

    @strawberry.field(
        description="The members' enrollments you may see (exited ones too, with their exit): "
        "the head of household first, then by entry date. `relationshipToHoH` is each "
        "member's relationship to the head (3.15; 1: the head).",
        graphql_type=list[Annotated["Enrollment", strawberry.lazy("schema.client_types")]],
    )
    def members(self) -> list[enrollment_models.Enrollment]:
        return self._members

    @strawberry.field(
        description="The head of household's enrollment (relationshipToHoH 1), if you may see "
        "it; the most recent head when the household had several over time.",
        graphql_type=Annotated["Enrollment", strawberry.lazy("schema.client_types")] | None,
    )
    def head(self) -> enrollment_models.Enrollment | None:
        heads = [m for m in self._members if m.relationship_to_hoh == service.HOH]
        return max(heads, key=lambda m: (m.entry_date, str(m.id))) if heads else None


def _households(context: Context) -> DataLoader[_Key, list[enrollment_models.Enrollment]]:
    """Households' visible members by (project, HouseholdID), batched: one statement for the
    members and one for their clients, for every household of the answer."""
    key = "households"
    if key not in context.loaders:

        async def load(keys: Sequence[_Key]) -> list[list[enrollment_models.Enrollment]]:
            scope = await context.client_scope()
            members, clients = await service.household_members(scope, list(keys))
            prime_clients(context, clients)
            return members

        context.loaders[key] = DataLoader(load_fn=load)
    loader: DataLoader[_Key, list[enrollment_models.Enrollment]] = context.loaders[key]
    return loader


async def household_of(context: Context, row: enrollment_models.Enrollment) -> Household:
    """The household of an enrollment the caller sees (so it has one member at least)."""
    members = await _households(context).load((row.project_id, row.household_id))
    return Household(household_id=row.household_id, _project_id=row.project_id, _members=members)


@strawberry.type
class HouseholdQuery:
    @query(
        Requires(Resource.CLIENT, Action.READ),
        description="A project's roster: the enrollments open on a date that you may see, "
        "households together (the head first). Open on a date: entered on or before it, and "
        "not exited, or exited after it (a client exiting on the date has left: HUD counts the "
        "nights before the exit date). NOT_FOUND for a project you may not see. Pages of at "
        "most 100; `totalCount` counts the entries you may see.",
        graphql_type=Connection[Annotated["Enrollment", strawberry.lazy("schema.client_types")]],
    )
    async def project_roster(
        self,
        info: ResolverInfo,
        project_id: Annotated[strawberry.ID, strawberry.argument(description="The project.")],
        on: Annotated[
            datetime.date | None,
            strawberry.argument(description="The date (Connecticut); null: today."),
        ] = None,
        head_of_household: Annotated[
            bool | None,
            strawberry.argument(
                description="True: heads of household only; false: the other members only; "
                "null: everyone."
            ),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[Any]:
        ctx = info.context
        roster = await service.project_roster(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            project_id=parse_id(project_id, "projectId"),
            on=on or ctx.today,
            head_of_household=head_of_household,
            first=first,
            after=after,
        )
        prime_clients(ctx, roster.clients)
        page = roster.page
        nodes = list(page.items)
        return connection(
            nodes,
            lambda i: service.roster_cursor(nodes[i]),
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            total_count=page.total_count,
        )

    @query(
        Requires(Resource.CLIENT, Action.READ),
        description="A household of a project: its members' enrollments that you may see. "
        "NOT_FOUND when you may see none of them (or not the project): a household is never "
        "confirmed to exist behind the mask.",
    )
    async def household(
        self,
        info: ResolverInfo,
        project_id: Annotated[strawberry.ID, strawberry.argument(description="The project.")],
        household_id: Annotated[
            str, strawberry.argument(description="5.09 HouseholdID within the project.")
        ],
    ) -> Household:
        ctx = info.context
        household_id = service.household_key(household_id)
        project = await by_id(ctx, gov.Project).load(parse_id(project_id, "projectId"))
        if project is None or not sees_project(ctx.decisions, project):
            raise service.no_project()
        await ctx.client_scope()
        members = await _households(ctx).load((project.id, household_id))
        if not members:
            raise service.no_household()
        return Household(household_id=household_id, _project_id=project.id, _members=members)
