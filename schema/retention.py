"""The 7-year retention run (policy 303): the System Administrator's plan, its progress, the dry
run and the run. The board authorizes a plan by a motion on it (`openDsbMotion` with
`subjectKind: RETENTION_PLAN`)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import strawberry

from authz.resources import Action, Resource
from models import governance as gov
from models import retention as models
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import parse_id
from schema.loaders import by_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from schema.types import Agency, Project
from services import retention as service
from services import retention_run as run_service
from services.pagination import paginate

__all__ = ["RetentionMutation", "RetentionQuery"]

RetentionPlanStatus = models.RetentionStatus
described_enum(
    RetentionPlanStatus,
    name="RetentionPlanStatus",
    description="Where a retention plan is: put to the board, decided, run.",
    values={
        "AWAITING_AUTHORIZATION": "Made; a motion of the Data Strategy Board decides it.",
        "AUTHORIZED": "Authorized by a carried motion: dry-run it, then run it.",
        "REJECTED": "The motion failed: the plan is never run.",
        "RUNNING": "The run began and has clients left; running it again resumes.",
        "COMPLETED": "Run: every client de-identified or skipped.",
    },
)


@strawberry.type(
    description="One count of a plan: clients of an agency, or of one of its projects."
)
class RetentionPlanLine:
    clients: int = strawberry.field(
        description="Distinct clients: of the agency (its records: created or enrolled there) "
        "when `project` is null, else with an enrollment in the project."
    )

    @strawberry.field(description="The agency (organization).", graphql_type=Agency)
    async def agency(
        self, info: ResolverInfo, row: strawberry.Parent[models.RetentionPlanLine]
    ) -> gov.Agency | None:
        return await by_id(info.context, gov.Agency).load(row.agency_id)

    @strawberry.field(
        description="The project; null on the agency's total.", graphql_type=Project | None
    )
    async def project(
        self, info: ResolverInfo, row: strawberry.Parent[models.RetentionPlanLine]
    ) -> gov.Project | None:
        if row.project_id is None:
            return None
        return await by_id(info.context, gov.Project).load(row.project_id)


@strawberry.type(description="What a dry run found the run would do (counts, no client data).")
class RetentionDryRun:
    clients: int = strawberry.field(description="Clients whose identifiers would be removed.")
    skipped_active: int = strawberry.field(
        description="Clients with activity since the cut-off: skipped."
    )
    skipped_done: int = strawberry.field(description="Clients already de-identified: skipped.")
    names: int = strawberry.field(description="Of the clients, those with a name stored.")
    ssns: int = strawberry.field(description="Those with an SSN stored.")
    phones: int = strawberry.field(description="Those with a phone number.")
    emails: int = strawberry.field(description="Those with an e-mail address.")
    addresses: int = strawberry.field(description="Those with an address.")
    case_notes: int = strawberry.field(description="Case notes whose text would be removed.")
    annotations: int = strawberry.field(
        description="Corrections and supplements whose note would be emptied."
    )


def _dry_run(report: dict[str, int]) -> RetentionDryRun:
    return RetentionDryRun(
        clients=report["clients"],
        skipped_active=report["skippedActive"],
        skipped_done=report["skippedDone"],
        names=report["names"],
        ssns=report["ssns"],
        phones=report["phones"],
        emails=report["emails"],
        addresses=report["addresses"],
        case_notes=report["caseNotes"],
        annotations=report["annotations"],
    )


@strawberry.type(
    description="A retention plan (policy 303): the clients with no activity for seven years "
    "before its cut-off, counted by agency and project, and the run's progress."
)
class RetentionPlan:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    status: RetentionPlanStatus = strawberry.field(description="Where the plan is.")
    as_of: datetime.date = strawberry.field(description="The day it was made.")
    cutoff: datetime.date = strawberry.field(
        description="Seven years before: clients whose last activity is on or before this day."
    )
    planned_at: datetime.datetime = strawberry.field(description="When it was made.")
    client_count: int = strawberry.field(description="Clients in the plan.")
    note: str | None = strawberry.field(description="What the board was told with it.")
    motion_id: strawberry.ID | None = strawberry.field(
        description="The board's motion that authorized or rejected it."
    )
    decided_at: datetime.datetime | None = strawberry.field(description="When decided.")
    dry_run_at: datetime.datetime | None = strawberry.field(description="The last dry run.")
    run_started_at: datetime.datetime | None = strawberry.field(description="When the run began.")
    run_completed_at: datetime.datetime | None = strawberry.field(
        description="When the run finished."
    )
    deidentified: int = strawberry.field(description="Clients de-identified so far.")
    skipped: int = strawberry.field(description="Clients skipped so far (active again, or done).")

    @strawberry.field(description="Clients the run has not reached yet.")
    def pending(self, row: strawberry.Parent[models.RetentionPlan]) -> int:
        return service.plan_progress(row).pending

    @strawberry.field(description="What the last dry run found; null before one.")
    def dry_run(self, row: strawberry.Parent[models.RetentionPlan]) -> RetentionDryRun | None:
        return _dry_run(row.dry_run_report) if row.dry_run_report else None

    @strawberry.field(
        description="The counts: each agency's total, then its projects.",
        graphql_type=list[RetentionPlanLine],
    )
    async def lines(
        self, row: strawberry.Parent[models.RetentionPlan]
    ) -> list[models.RetentionPlanLine]:
        return await service.plan_lines(row)


_READ = Requires(Resource.RETENTION, Action.READ)
_RUN = Requires(Resource.RETENTION, Action.RUN)
_PlanId = Annotated[strawberry.ID, strawberry.argument(description="The retention plan.")]


@strawberry.type
class RetentionQuery:
    @query(
        _READ,
        description="Retention plans (pages of at most 100), each with its day (`asOf`), status "
        "and progress.",
    )
    async def retention_plans(
        self, info: ResolverInfo, first: First = 50, after: After = None
    ) -> Connection[RetentionPlan]:
        return to_connection(await paginate(models.RetentionPlan.all(), first=first, after=after))

    @query(_READ, description="One retention plan, its counts and progress; unknown: NOT_FOUND.")
    async def retention_plan(self, info: ResolverInfo, id: _PlanId) -> RetentionPlan:
        plan: Any = await service.get_plan(
            caller=info.context.caller, plan_id=parse_id(id, "id"), field="id"
        )
        return plan  # type: ignore[no-any-return]


@strawberry.type
class RetentionMutation:
    @mutation(
        Requires(Resource.RETENTION, Action.CREATE),
        description="Make this year's retention plan: the clients with no activity for seven "
        "years, by agency and project, stored for the board. Between 1 October and 31 December "
        "only (CONFLICT otherwise).",
    )
    async def plan_retention(
        self,
        info: ResolverInfo,
        note: Annotated[
            str | None,
            strawberry.argument(
                description="What the board should know with it (at most 1000 characters).",
                metadata=MULTILINE,
            ),
        ] = None,
    ) -> RetentionPlan:
        return await service.create_plan(  # type: ignore[return-value]
            caller=info.context.caller, note=note
        )

    @mutation(
        _RUN,
        description="Report exactly what running the plan would remove, changing nothing; the "
        "run needs one after the board's authorization. A plan not authorized or already run: "
        "CONFLICT.",
    )
    async def dry_run_retention_plan(self, info: ResolverInfo, plan_id: _PlanId) -> RetentionDryRun:
        result = await run_service.dry_run(
            caller=info.context.caller, plan_id=parse_id(plan_id, "planId")
        )
        return _dry_run(result.report())

    @mutation(
        _RUN,
        description="Run an authorized, dry-run plan: the clients' identifiers removed, their "
        "history kept, one audit row each; a run that stopped resumes. Not authorized, not "
        "dry-run, already run or outside 1 October - 31 December: CONFLICT, nothing changed.",
    )
    async def run_retention_plan(self, info: ResolverInfo, plan_id: _PlanId) -> RetentionPlan:
        result = await run_service.run_plan(
            caller=info.context.caller, plan_id=parse_id(plan_id, "planId")
        )
        return result.plan  # type: ignore[return-value]
