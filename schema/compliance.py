"""Account lifecycle compliance: help-desk tickets, CoC retraining requests, the deadlines view
(policies 109, 202, 211) and the record of job runs."""

from __future__ import annotations

import datetime
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from authz.resources import Action, Resource
from models import compliance as models
from models import users as user_models
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import optional_id, parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from schema.types import User
from services import compliance as service
from services.pagination import paginate
from services.values import bounded

__all__ = ["ComplianceCase", "ComplianceMutation", "ComplianceQuery", "open_cases_of"]

# GraphQL enums are the models' enums (annotations name the Python enum); described_enum
# registers each with its description and returns the class itself.
ComplianceCaseKind = models.CaseKind
described_enum(
    ComplianceCaseKind,
    name="ComplianceCaseKind",
    description="SHARED_CONTACT: policies 109 and 202, 14 days to provide a unique e-mail address "
    "or MFA contact. RETRAINING: policy 211, 45 days to complete the training. "
    "AGENCY_COORDINATORS: policies 106, 107, 108 and 210, an agency without its HMIS Data "
    "Coordinator or Agency Security Coordinator names them (30 days; open until both are named). "
    "DSA_DESTRUCTION: policy 405, a DSA's requestor destroys the extract within 90 days of the "
    "project's completion (open until destruction is attested).",
    values={
        "SHARED_CONTACT": "Policies 109 and 202: 14 days to give a unique e-mail address or MFA contact.",
        "RETRAINING": "Policy 211: 45 days to complete the training again.",
        "AGENCY_COORDINATORS": "Policies 106-108, 210: an agency without its HDC or Security Coordinator names them (30 days).",
        "DSA_DESTRUCTION": "Policy 405: a DSA requestor destroys the extract within 90 days of the project's completion (no account: the DSA names the case).",
    },
)
ComplianceCaseStatus = models.CaseStatus
described_enum(
    ComplianceCaseStatus,
    name="ComplianceCaseStatus",
    description="OPEN: the deadline runs. RESOLVED: the user complied. ENFORCED: the deadline "
    "passed and the account was deactivated or made inactive. WITHDRAWN: the account was "
    "deactivated for another reason first.",
    values={
        "OPEN": "The deadline runs.",
        "RESOLVED": "The user complied.",
        "ENFORCED": "The deadline passed; the account was deactivated or made inactive.",
        "WITHDRAWN": "The account was deactivated for another reason first.",
    },
)
ComplianceRule = models.CaseRule
described_enum(
    ComplianceRule,
    name="ComplianceRule",
    description="The rule of the manual a finding matched: SHARED_EMAIL, SHARED_MFA_CONTACT "
    "(109, 202); NO_LOGIN_AFTER_TRAINING, REPEATED_TICKETS, HELPDESK_HOURS, COC_REQUEST "
    "(211 a-d); NO_HDC, NO_SECURITY_COORDINATOR (106, 107, 108, 210).",
    values={
        "SHARED_EMAIL": "Two accounts share an e-mail address (policies 109, 202).",
        "SHARED_MFA_CONTACT": "Two accounts share an MFA contact (policies 109, 202).",
        "NO_LOGIN_AFTER_TRAINING": "No sign-in within the period after training (policy 211 a).",
        "REPEATED_TICKETS": "Repeated help-desk tickets on the same subject (policy 211 b).",
        "HELPDESK_HOURS": "Help-desk time over the threshold (policy 211 c).",
        "COC_REQUEST": "The Continuum of Care asked for retraining (policy 211 d).",
        "NO_HDC": "The agency has no HMIS Data Coordinator (policies 106, 107, 210).",
        "NO_SECURITY_COORDINATOR": "The agency has no Agency Security Coordinator (policies 106, 108, 210).",
    },
)
JobRunStatus = models.JobStatus
described_enum(
    JobRunStatus,
    name="JobRunStatus",
    description="RUNNING, SUCCEEDED or FAILED.",
    values={
        "RUNNING": "Started, not finished.",
        "SUCCEEDED": "Finished without error.",
        "FAILED": "Stopped by an error (see the run's error).",
    },
)

_POLICY = {
    models.CaseKind.SHARED_CONTACT: "109, 202",
    models.CaseKind.RETRAINING: "211",
    models.CaseKind.AGENCY_COORDINATORS: "106, 107, 108, 210",
    models.CaseKind.DSA_DESTRUCTION: "405",
}


@strawberry.type(description="One rule that matched, with its evidence.")
class ComplianceFinding:
    rule: ComplianceRule = strawberry.field(description="The rule.")
    evidence: JSON = strawberry.field(
        description="What was found: shared: field, sharedWith (usernames); no login: "
        "initialTrainingOn, signInDeadline, firstSignInAt; tickets: ticketIds, topic; hours: "
        "month, minutes, ticketIds; CoC request: requestId, coc, agency, reason; missing "
        "coordinator: agency, agencyId."
    )
    found_at: datetime.datetime = strawberry.field(description="When a sweep found it.")

    @strawberry.field(description="The finding in words, as the notifications give it.")
    def description(self, row: strawberry.Parent[models.ComplianceFinding]) -> str:
        return service.describe_finding(models.CaseRule(row.rule), row.evidence)


@strawberry.type(
    description="A user's obligation with a deadline (policies 109, 202, 211), or an agency's "
    "(AGENCY_COORDINATORS: policies 106, 107, 108, 210)."
)
class ComplianceCase:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    kind: ComplianceCaseKind = strawberry.field(description="What is required.")
    status: ComplianceCaseStatus = strawberry.field(description="Where it stands.")
    user: user_models.User | None = strawberry.field(
        description="Whose account; null for an agency's case.", graphql_type=User | None
    )

    @strawberry.field(description="The agency, for an agency's case (else null).")
    def agency_id(self, row: strawberry.Parent[models.ComplianceCase]) -> strawberry.ID | None:
        return strawberry.ID(str(row.agency_id)) if row.agency_id else None

    opened_at: datetime.datetime = strawberry.field(description="When the case was opened.")
    due_on: datetime.date = strawberry.field(
        description="The deadline: on this day the account is deactivated or made inactive."
    )
    closed_at: datetime.datetime | None = strawberry.field(description="When it closed.")
    resolution: str | None = strawberry.field(description="How it closed.")

    @strawberry.field(description="The policies behind it.")
    def policy(self) -> str:
        return _POLICY[models.CaseKind(self.kind)]

    @strawberry.field(
        description="The rules that matched, oldest first.", graphql_type=list[ComplianceFinding]
    )
    def findings(
        self, row: strawberry.Parent[models.ComplianceCase]
    ) -> list[models.ComplianceFinding]:
        # prefetched with the case
        return sorted(row.findings, key=lambda f: (f.found_at, str(f.id)))


@strawberry.type(description="A help-desk ticket (policy 211's evidence).")
class HelpdeskTicket:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    external_ref: str | None = strawberry.field(description="The help desk's ticket number.")
    opened_at: datetime.datetime = strawberry.field(description="When the ticket was opened.")
    topic: str = strawberry.field(description="What it was about.")
    minutes_spent: int = strawberry.field(description="Help-desk time spent on it.")
    system_performance_issue: bool = strawberry.field(
        description="True when about system performance (policy 211 does not count those)."
    )

    @strawberry.field(description="The user the ticket is about.")
    def user_id(self, row: strawberry.Parent[models.HelpdeskTicket]) -> strawberry.ID:
        return strawberry.ID(str(row.user_id))


@strawberry.type(description="What recordHelpdeskTicket did: the ticket, and whether it is new.")
class RecordHelpdeskTicketPayload:
    ticket: models.HelpdeskTicket = strawberry.field(
        description="The ticket.", graphql_type=HelpdeskTicket
    )
    created: bool = strawberry.field(
        description="False when a ticket with this externalRef was recorded before (nothing changed)."
    )


@strawberry.input(description="A help-desk ticket. Exactly one of userId and externalId.")
class RecordHelpdeskTicketInput:
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Hearth user id.")
    external_id: str | None = strawberry.field(default=None, description="The vendor's user id.")
    opened_at: datetime.datetime = strawberry.field(description="When opened, with an offset.")
    topic: str = strawberry.field(description="The issue, 1 to 200 characters.")
    minutes_spent: int = strawberry.field(description="Help-desk minutes, 0 to 1440.")
    system_performance_issue: bool = strawberry.field(
        description="True when the issue is the system's performance, not the user's."
    )
    external_ref: str | None = strawberry.field(
        default=None, description="The help desk's ticket number: makes recording idempotent."
    )


@strawberry.input(description="A CoC's request that an agency's users be retrained (211 d).")
class RequestAgencyRetrainingInput:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    coc_code: str = strawberry.field(description="The requesting CoC, e.g. CT-503.")
    reason: str = strawberry.field(
        description="Why, e.g. consistently low UDE or ESG performance (1 to 500 characters).",
        metadata=MULTILINE,
    )


@strawberry.type(description="What requestAgencyRetraining did: the request and whom it flagged.")
class RequestAgencyRetrainingPayload:
    request_id: strawberry.ID = strawberry.field(description="The request's id.")
    users_flagged: int = strawberry.field(
        description="Active users of the agency who got a retraining finding."
    )


@strawberry.type(description="One run of a job (hearth jobs run, or the scheduler).")
class JobRun:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    job: str = strawberry.field(
        description="shared-contacts, retraining, deadlines, notifications."
    )
    slot: datetime.datetime | None = strawberry.field(
        description="The scheduled time it ran for; null when started by hand."
    )
    trigger: str = strawberry.field(description="scheduler or cli.")
    instance: str = strawberry.field(description="host:pid of the instance that ran it.")
    status: JobRunStatus = strawberry.field(description="How it ended.")
    started_at: datetime.datetime = strawberry.field(description="Start.")
    finished_at: datetime.datetime | None = strawberry.field(description="End.")
    counts: JSON = strawberry.field(description="What it did (cases opened, messages sent...).")
    error: str | None = strawberry.field(description="Why it failed.")


async def open_cases_of(user_id: UUID) -> list[models.ComplianceCase]:
    """A user's own open cases, for ``me``."""
    rows = (
        await models.ComplianceCase.filter(user_id=user_id, status=models.CaseStatus.OPEN)
        .select_related("user")
        .prefetch_related("findings")
        .order_by("due_on", "id")
    )
    return rows


@strawberry.type
class ComplianceQuery:
    @query(
        Requires(Resource.COMPLIANCE_CASE, Action.READ),
        description="Compliance cases and their deadlines (pages of at most 100): all of them for "
        "the System Administrator and the Security Officer, your agency's users' for an HDC.",
    )
    async def compliance_cases(
        self,
        info: ResolverInfo,
        status: Annotated[
            ComplianceCaseStatus | None,
            strawberry.argument(description="Only cases in this state."),
        ] = None,
        agency_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only cases of this agency's users."),
        ] = None,
        kind: Annotated[
            ComplianceCaseKind | None, strawberry.argument(description="Only cases of this kind.")
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[ComplianceCase]:
        cases = service.cases_visible_to(
            info.context.decisions,
            status=status,
            agency_id=optional_id(agency_id, "agencyId"),
            kind=kind,
        )
        page = await paginate(
            cases.select_related("user").prefetch_related("findings"), first=first, after=after
        )
        return to_connection(page)

    @query(
        Requires(Resource.JOB_RUN, Action.READ),
        description="Runs of the compliance and notification jobs, newest first within a page.",
    )
    async def job_runs(
        self,
        info: ResolverInfo,
        job: Annotated[
            str | None,
            strawberry.argument(
                description="Only runs of this job (its name, as `hearth jobs run` takes it)."
            ),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[JobRun]:
        runs = models.JobRun.all()
        if job is not None:
            runs = runs.filter(job=bounded(job, models.JobRun, "job", "job"))
        return to_connection(await paginate(runs, first=first, after=after))


@strawberry.type
class ComplianceMutation:
    @mutation(
        Requires(Resource.HELPDESK_TICKET, Action.RECORD),
        description="Record a help-desk ticket (the help-desk integration or the System "
        "Administrator). Unknown user: NOT_FOUND; negative minutes: VALIDATION.",
    )
    async def record_helpdesk_ticket(
        self, info: ResolverInfo, input: RecordHelpdeskTicketInput
    ) -> RecordHelpdeskTicketPayload:
        ctx = info.context
        ticket, created = await service.record_helpdesk_ticket(
            caller=ctx.caller,
            user_id=optional_id(input.user_id, "userId"),
            external_id=input.external_id,
            opened_at=input.opened_at,
            topic=input.topic,
            minutes_spent=input.minutes_spent,
            system_performance_issue=input.system_performance_issue,
            external_ref=input.external_ref,
        )
        return RecordHelpdeskTicketPayload(ticket=ticket, created=created)

    @mutation(
        Requires(Resource.RETRAINING, Action.REQUEST),
        description="Record a CoC's request to retrain an agency (policy 211 d): every active "
        "user of the agency gets a retraining case due in 45 days. An agency outside that CoC: "
        "VALIDATION.",
    )
    async def request_agency_retraining(
        self, info: ResolverInfo, input: RequestAgencyRetrainingInput
    ) -> RequestAgencyRetrainingPayload:
        ctx = info.context
        request, flagged = await service.request_agency_retraining(
            caller=ctx.caller,
            agency_id=parse_id(input.agency_id, "agencyId"),
            coc_code=input.coc_code,
            reason=input.reason,
        )
        return RequestAgencyRetrainingPayload(
            request_id=strawberry.ID(str(request.id)), users_flagged=flagged
        )
