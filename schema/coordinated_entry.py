"""A Coordinated Access Network's coordinated entry: assessments, referrals and other events of
the CAN's agencies that the caller may see (``services.coordinated_entry``). Each activity read
is audited as a read of its client (``AuditedRecord``)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry

from authz.clients import ClientAccess
from authz.resources import Action, Resource
from models import coordinated_entry as ce_models
from models import enrollments as enrollment_models
from schema.arguments import After, First
from schema.client_loaders import prime_clients
from schema.context import ResolverInfo
from schema.enrollment_records import Assessment, Event, record_view
from schema.enums import described_enum
from schema.inputs import parse_id
from schema.operations import query
from schema.permissions import Requires
from schema.relay import Connection, connection
from services import coordinated_entry as service

if TYPE_CHECKING:
    from schema.client_types import Enrollment

__all__ = [
    "CoordinatedEntryActivity",
    "CoordinatedEntryKind",
    "CoordinatedEntryQuery",
    "activity_view",
]

CoordinatedEntryKind = service.ActivityKind
described_enum(
    CoordinatedEntryKind,
    name="CoordinatedEntryKind",
    description="What a coordinated entry activity is.",
    values={
        "ASSESSMENT": "A coordinated entry assessment (4.19).",
        "REFERRAL": "An event that refers the client somewhere (4.20.2, every event but 2).",
        "EVENT": "Another event: problem solving, diversion or rapid resolution (4.20.2 code 2).",
    },
)


@strawberry.type(
    description="One coordinated entry activity of a client: an assessment or an event (a "
    "referral among them), with the enrollment it was recorded in."
)
class CoordinatedEntryActivity:
    kind: CoordinatedEntryKind = strawberry.field(description="ASSESSMENT, REFERRAL or EVENT.")
    date: datetime.date = strawberry.field(
        description="The assessment's date (AssessmentDate) or the event's (EventDate)."
    )
    assessment: Assessment | None = strawberry.field(description="The assessment (ASSESSMENT).")
    event: Event | None = strawberry.field(description="The event (REFERRAL or EVENT).")
    _enrollment: strawberry.Private[enrollment_models.Enrollment]
    _row: strawberry.Private[Any]

    @strawberry.field(
        description="The enrollment the activity was recorded in (its client, project and "
        "household as you may see them).",
        graphql_type=Annotated["Enrollment", strawberry.lazy("schema.client_types")],
    )
    def enrollment(self) -> enrollment_models.Enrollment:
        return self._enrollment

    def audit_entry(self) -> tuple[str, str, UUID, UUID]:
        """What the read audit notes of this object: the row's type and id, its client and the
        agency that wrote it (``schema.audit``)."""
        row = self._row
        return (
            type(row).__name__,
            str(row.id),
            self._enrollment.client_id,
            self._enrollment.agency_id,
        )


def activity_view(activity: service.Activity, access: ClientAccess) -> CoordinatedEntryActivity:
    """An activity as the caller may see it (its record's elements masked by the policy)."""
    row, enrollment = activity.row, activity.enrollment
    is_assessment = isinstance(row, ce_models.Assessment)
    return CoordinatedEntryActivity(
        kind=activity.kind,
        date=activity.day,
        assessment=record_view(Assessment, row, enrollment, access) if is_assessment else None,
        event=None if is_assessment else record_view(Event, row, enrollment, access),
        _enrollment=enrollment,
        _row=row,
    )


@strawberry.type
class CoordinatedEntryQuery:
    @query(
        Requires(Resource.CLIENT, Action.READ),
        description="A Coordinated Access Network's coordinated entry: the assessments, referrals "
        "and other events recorded by the CAN's agencies that you may see, by date, in pages of "
        "at most 100. For the CAN's backbone staff (the records created under their CAN, as "
        "the client-data policy shows them) and the users of its agencies (their agency's). "
        f"The range is at most {service.MAX_DAYS} days (default: the last "
        f"{service.DEFAULT_DAYS} days). NOT_FOUND on canId when the CAN is not yours.",
    )
    async def coordinated_entry(
        self,
        info: ResolverInfo,
        can_id: Annotated[
            strawberry.ID, strawberry.argument(description="The Coordinated Access Network.")
        ],
        since: Annotated[
            datetime.date | None,
            strawberry.argument(
                description="From this date (inclusive); null: 90 days before `until`."
            ),
        ] = None,
        until: Annotated[
            datetime.date | None,
            strawberry.argument(description="To this date (inclusive); null: today."),
        ] = None,
        kinds: Annotated[
            list[CoordinatedEntryKind] | None,
            strawberry.argument(description="Only these kinds; null: all."),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[CoordinatedEntryActivity]:
        ctx = info.context
        result = await service.can_activity(
            scope=await ctx.client_scope(),
            can_id=parse_id(can_id, "canId"),
            since=since,
            until=until,
            kinds=frozenset(kinds) if kinds else None,
            first=first,
            after=after,
        )
        prime_clients(ctx, result.clients)
        items = result.page.items
        nodes = [activity_view(a, result.clients[a.enrollment.client_id][1]) for a in items]
        return connection(
            nodes,
            lambda i: service.activity_cursor(items[i]),
            has_next_page=result.page.has_next_page,
            has_previous_page=result.page.has_previous_page,
            total_count=result.page.total_count,
        )
