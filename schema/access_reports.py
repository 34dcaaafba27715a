"""The quarterly User Access Report, its review and escalation (policies 212, 213)."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from authz.resources import Action, Resource
from models import access_reports as report_models
from models.enums import EscalationReviewer as EscalationReviewerEnum
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import parse_id
from schema.loaders import username
from schema.operations import mutation, query
from schema.permissions import Requires
from services import access_reports as service
from services import access_reviews as review_service
from services.access_reports import Thresholds

__all__ = ["AccessReportMutation", "AccessReportQuery"]

# GraphQL enums are the models' enums (annotations name the Python enum); described_enum
# registers each with its description and returns the class itself.
EscalationReviewer = EscalationReviewerEnum
described_enum(
    EscalationReviewer,
    description="HDC: the HDC's own review. MANAGER: the user's manager's, recorded by the HDC or Security Coordinator.",
    values={
        "HDC": "The HDC's own review.",
        "MANAGER": "The user's manager's, recorded by the HDC or Security Coordinator.",
    },
)


@strawberry.type(description="An unusual pattern, with the reason in plain language.")
class AccessFlag:
    pattern: str = strawberry.field(
        description="SUDDEN_INCREASE, VIEWED_WITHOUT_ENROLLMENT, INCONSISTENT_WITH_ROLE, CONCENTRATION or SECOND_AGENCY_CONSENT."
    )
    reason: str = strawberry.field(description="Why it was flagged, with the numbers.")


@strawberry.type(description="One user's access in the quarter (policy 212).")
class UserAccessRow:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    username: str = strawberry.field(description="Sign-in name.")
    name: str | None = strawberry.field(description="First and last name.")
    status: str = strawberry.field(description="ACTIVE or INACTIVE.")
    access_level: str | None = strawberry.field(
        description="FULL, VIEW_ONLY or REPORTING_ONLY at this agency."
    )
    duties: list[str] = strawberry.field(
        description="HMIS_DATA_COORDINATOR, AGENCY_SECURITY_COORDINATOR at this agency."
    )
    last_login_at: datetime.datetime | None = strawberry.field(description="Last sign-in.")
    records_viewed: int = strawberry.field(
        description="Distinct client records viewed in the quarter."
    )
    records_created: int = strawberry.field(description="Client records created.")
    records_changed: int = strawberry.field(
        description="Distinct client records changed (edits, additions, deletion requests)."
    )
    denied_attempts: int = strawberry.field(description="Refused attempts on client data.")
    previous_average: float = strawberry.field(
        description="Average records viewed per quarter over the earlier quarters compared."
    )
    flags: list[AccessFlag] = strawberry.field(
        description="Patterns flagged; empty when nothing is unusual."
    )


@strawberry.type(description="An agency's documented review (policy 212: date, reviewer, actions).")
class AccessReview:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    quarter: str = strawberry.field(description="The quarter reviewed, e.g. 2026Q3.")
    reviewed_at: datetime.datetime = strawberry.field(description="When.")
    notes: str = strawberry.field(description="What was examined and found.")
    actions: str | None = strawberry.field(description="Actions taken.")

    @strawberry.field(description="The reviewer (username).")
    async def reviewer(
        self, info: ResolverInfo, row: strawberry.Parent[report_models.AccessReview]
    ) -> str:
        return await username(info.context, row.reviewer_id)


@strawberry.type(
    description="Unexpected usage by one user, escalated through levels 1-4 (policy 212)."
)
class AccessEscalation:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    quarter: str = strawberry.field(description="The quarter whose report raised it.")
    level: int = strawberry.field(
        description="1 internal review, 2 system verification, 3 collaborative review, 4 Board notified."
    )
    opened_at: datetime.datetime = strawberry.field(description="When opened.")
    findings: str = strawberry.field(description="Findings, with each level's notes.")
    ticket_reference: str | None = strawberry.field(description="Level 2: the verification ticket.")
    hdc_reviewed_at: datetime.datetime | None = strawberry.field(
        description="Level 3: when the HDC reviewed."
    )
    manager_name: str | None = strawberry.field(description="Level 3: the manager who reviewed.")
    manager_reviewed_at: datetime.datetime | None = strawberry.field(
        description="Level 3: when the manager reviewed."
    )
    deactivated_at: datetime.datetime | None = strawberry.field(
        description="When the user was deactivated."
    )
    deactivation_reason: str | None = strawberry.field(description="Why.")
    corrective_action: str | None = strawberry.field(
        description="The manager's corrective or disciplinary action."
    )
    dsb_notified_at: datetime.datetime | None = strawberry.field(
        description="Level 4: when the Board was informed."
    )
    dsb_summary: str | None = strawberry.field(description="Level 4: what the Board was told.")

    @strawberry.field(description="The user whose access is in question (username).")
    async def user(
        self, info: ResolverInfo, row: strawberry.Parent[report_models.AccessEscalation]
    ) -> str:
        return await username(info.context, row.subject_id)


@strawberry.type(description="The thresholds in force (settings HEARTH_ACCESS_REPORT_*).")
class AccessReportThresholds:
    increase_factor: float = strawberry.field(
        description="(a) flagged above this many times the earlier average."
    )
    previous_quarters: int = strawberry.field(
        description="(a) how many earlier quarters are averaged."
    )
    increase_min_records: int = strawberry.field(
        description="(a) not flagged below this many records."
    )
    unenrolled_views: int = strawberry.field(
        description="(b) clients viewed without enrollment or service at the agency."
    )
    denied_attempts: int = strawberry.field(description="(c) refused attempts.")
    views_per_hour: int = strawberry.field(description="(d) clients viewed within one hour.")
    views_of_one_client: int = strawberry.field(description="(d) openings of one client's record.")


@strawberry.type(description="The quarterly User Access Report for one agency (policies 212, 213).")
class UserAccessReport:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    agency_name: str = strawberry.field(description="Its name.")
    quarter: str = strawberry.field(description="e.g. 2026Q3.")
    starts_at: datetime.datetime = strawberry.field(
        description="Start of the quarter (local midnight)."
    )
    ends_at: datetime.datetime = strawberry.field(description="End of the quarter (exclusive).")
    users: list[UserAccessRow] = strawberry.field(
        description="Every user of the agency, flagged or not."
    )
    thresholds: AccessReportThresholds = strawberry.field(description="When patterns are flagged.")
    published_at: datetime.datetime | None = strawberry.field(
        description="When the System Administrator distributed it."
    )
    review_due_by: datetime.datetime | None = strawberry.field(
        description="One week after distribution (policy 212)."
    )
    review_overdue: bool = strawberry.field(
        description="Past the due date with no review recorded."
    )
    reviews: list[report_models.AccessReview] = strawberry.field(
        description="The agency's recorded reviews of this quarter.",
        graphql_type=list[AccessReview],
    )

    @strawberry.field(
        description="Escalations opened for this agency and quarter.",
        graphql_type=list[AccessEscalation],
    )
    async def escalations(self) -> list[report_models.AccessEscalation]:
        return await report_models.AccessEscalation.filter(
            agency_id=self.agency_id, quarter=self.quarter
        ).order_by("opened_at")


@strawberry.type(
    description="A quarter's report published (distributed) by the System Administrator."
)
class AccessReportPublication:
    quarter: str = strawberry.field(description="The quarter.")
    published_at: datetime.datetime = strawberry.field(
        description="When; agencies' reviews are due a week later."
    )


@strawberry.type(description="One escalation level count.")
class LevelCount:
    level: int = strawberry.field(description="1-4.")
    count: int = strawberry.field(description="Escalations now at that level.")


@strawberry.type(description="The quarter for the Data Strategy Board (policy 212, level 4).")
class DsbAccessSummary:
    quarter: str = strawberry.field(description="The quarter.")
    users_deactivated: int = strawberry.field(
        description="Licensed end users deactivated for inappropriate usage."
    )
    reasons: list[str] = strawberry.field(description="Reasons for deactivation.")
    corrective_actions: list[str] = strawberry.field(
        description="Corrective measures or additional actions taken."
    )
    escalations_by_level: list[LevelCount] = strawberry.field(
        description="Escalations by current level."
    )
    agencies_reviewed: list[str] = strawberry.field(
        description="Agencies that recorded their review."
    )
    agencies_overdue: list[str] = strawberry.field(
        description="Agencies past the one-week deadline without a review."
    )


def _thresholds(t: Thresholds) -> AccessReportThresholds:
    return AccessReportThresholds(
        **{name: getattr(t, name) for name in AccessReportThresholds.__annotations__}
    )


def _row(row: service.UserAccessRow) -> UserAccessRow:
    return UserAccessRow(
        user_id=strawberry.ID(str(row.user_id)),
        username=row.username,
        name=row.name,
        status=row.status,
        access_level=row.access_level,
        duties=list(row.duties),
        last_login_at=row.last_login_at,
        records_viewed=row.records_viewed,
        records_created=row.records_created,
        records_changed=row.records_changed,
        denied_attempts=row.denied_attempts,
        previous_average=row.previous_average,
        flags=[AccessFlag(pattern=f.pattern, reason=f.reason) for f in row.flags],
    )


def _quarter(info: ResolverInfo, value: str) -> service.Quarter:
    return service.parse_quarter(value, today=info.context.today)


@strawberry.input(description="An agency's review of a quarter's report.")
class RecordAccessReviewInput:
    agency_id: strawberry.ID = strawberry.field(description="Your agency.")
    quarter: str = strawberry.field(description="e.g. 2026Q3.")
    notes: str = strawberry.field(
        description="What was examined and found (1 to 4000 characters).", metadata=MULTILINE
    )
    actions: str | None = strawberry.field(
        default=None, description="Actions taken, if any.", metadata=MULTILINE
    )


@strawberry.input(description="Level 1: open an escalation about one user.")
class OpenAccessEscalationInput:
    agency_id: strawberry.ID = strawberry.field(description="Your agency.")
    quarter: str = strawberry.field(description="The quarter whose report raised it.")
    user_id: strawberry.ID = strawberry.field(description="The user (a member of the agency).")
    findings: str = strawberry.field(description="What looks irregular.", metadata=MULTILINE)


@strawberry.input(description="Raise an escalation one level (2 or 3).")
class EscalateAccessInput:
    escalation_id: strawberry.ID = strawberry.field(description="The escalation.")
    level: int = strawberry.field(description="The next level: 2 or 3.")
    notes: str = strawberry.field(description="Why.", metadata=MULTILINE)
    ticket_reference: str | None = strawberry.field(
        default=None, description="Level 2: the ticket submitted to the System Administrator."
    )


@strawberry.input(description="Level 3: a review needed before deactivation.")
class RecordEscalationReviewInput:
    escalation_id: strawberry.ID = strawberry.field(description="The escalation.")
    reviewer: EscalationReviewer = strawberry.field(
        description="HDC (yourself, as the agency's HDC) or MANAGER."
    )
    manager_name: str | None = strawberry.field(
        default=None, description="MANAGER: the manager's name."
    )


@strawberry.input(description="Level 3: deactivate the user for confirmed inappropriate usage.")
class DeactivateForMisuseInput:
    escalation_id: strawberry.ID = strawberry.field(description="The escalation.")
    reason: str = strawberry.field(description="Reason for deactivation.", metadata=MULTILINE)
    corrective_action: str | None = strawberry.field(
        default=None,
        description="The manager's corrective or disciplinary action.",
        metadata=MULTILINE,
    )


@strawberry.type
class AccessReportQuery:
    @query(
        Requires(Resource.ACCESS_REPORT, Action.READ),
        description="The User Access Report of one agency for a quarter (policies 212, 213): per user, activity and flagged patterns. VALIDATION for a quarter not begun; FORBIDDEN for an agency you do not administer.",
    )
    async def user_access_report(
        self,
        info: ResolverInfo,
        agency_id: Annotated[
            strawberry.ID, strawberry.argument(description="The agency whose report to read.")
        ],
        quarter: Annotated[
            str, strawberry.argument(description="The quarter, as YYYYQn (2026Q1).")
        ],
    ) -> UserAccessReport:
        ctx = info.context
        agency = parse_id(agency_id, "agencyId")
        service.require_report_access(ctx.decisions, agency)
        q = _quarter(info, quarter)
        thresholds = ctx.report_thresholds or Thresholds()
        report = await service.user_access_report(
            agency_id=agency, quarter=q, thresholds=thresholds, tz=ctx.timezone
        )
        status = await service.report_status(agency_id=agency, quarter=q, now=ctx.now)
        return UserAccessReport(
            agency_id=strawberry.ID(str(report.agency_id)),
            agency_name=report.agency_name,
            quarter=report.quarter,
            starts_at=report.starts_at,
            ends_at=report.ends_at,
            users=[_row(r) for r in report.rows],
            thresholds=_thresholds(report.thresholds),
            published_at=status.published_at,
            review_due_by=status.review_due_by,
            review_overdue=status.overdue,
            reviews=list(status.reviews),
        )

    @query(
        Requires(Resource.ACCESS_REVIEW, Action.READ),
        description="The quarter's summary for the Data Strategy Board: users deactivated, reasons, corrective measures, reviews done and overdue. System-wide roles only.",
    )
    async def data_strategy_board_access_summary(
        self,
        info: ResolverInfo,
        quarter: Annotated[
            str, strawberry.argument(description="The quarter, as YYYYQn (2026Q1).")
        ],
    ) -> DsbAccessSummary:
        ctx = info.context
        summary = await review_service.dsb_summary(
            caller=ctx.caller, quarter=_quarter(info, quarter)
        )
        return DsbAccessSummary(
            quarter=summary.quarter,
            users_deactivated=summary.users_deactivated,
            reasons=list(summary.reasons),
            corrective_actions=list(summary.corrective_actions),
            escalations_by_level=[
                LevelCount(level=k, count=v) for k, v in summary.escalations_by_level.items()
            ],
            agencies_reviewed=list(summary.agencies_reviewed),
            agencies_overdue=list(summary.agencies_overdue),
        )


@strawberry.type
class AccessReportMutation:
    @mutation(
        Requires(Resource.ACCESS_REPORT, Action.PUBLISH),
        description="Distribute a quarter's User Access Report: each agency's HDC and Security Coordinator are notified; reviews are due within a week.",
    )
    async def publish_user_access_report(
        self,
        info: ResolverInfo,
        quarter: Annotated[
            str, strawberry.argument(description="The quarter, as YYYYQn (2026Q1).")
        ],
    ) -> AccessReportPublication:
        ctx = info.context
        publication = await service.publish_user_access_report(
            caller=ctx.caller, quarter=_quarter(info, quarter)
        )
        return AccessReportPublication(
            quarter=publication.quarter, published_at=publication.published_at
        )

    @mutation(
        Requires(Resource.ACCESS_REVIEW, Action.RECORD),
        description="Record your agency's review of a quarter's report (policy 212: date, reviewer, actions). The agency's HDC or Security Coordinator only.",
        graphql_type=AccessReview,
    )
    async def record_access_review(
        self, info: ResolverInfo, input: RecordAccessReviewInput
    ) -> report_models.AccessReview:
        ctx = info.context
        return await review_service.record_access_review(
            caller=ctx.caller,
            agency_id=parse_id(input.agency_id, "agencyId"),
            quarter=_quarter(info, input.quarter),
            notes=input.notes,
            actions=input.actions,
        )

    @mutation(
        Requires(Resource.ACCESS_REVIEW, Action.RECORD),
        description="Level 1: open an escalation about one of your agency's users.",
        graphql_type=AccessEscalation,
    )
    async def open_access_escalation(
        self, info: ResolverInfo, input: OpenAccessEscalationInput
    ) -> report_models.AccessEscalation:
        ctx = info.context
        return await review_service.open_escalation(
            caller=ctx.caller,
            agency_id=parse_id(input.agency_id, "agencyId"),
            quarter=_quarter(info, input.quarter),
            user_id=parse_id(input.user_id, "userId"),
            findings=input.findings,
        )

    @mutation(
        Requires(Resource.ACCESS_REVIEW, Action.RECORD),
        description="Raise an escalation one level: 2 (verification ticket) or 3 (collaborative review).",
        graphql_type=AccessEscalation,
    )
    async def escalate_access(
        self, info: ResolverInfo, input: EscalateAccessInput
    ) -> report_models.AccessEscalation:
        ctx = info.context
        return await review_service.escalate(
            caller=ctx.caller,
            escalation_id=parse_id(input.escalation_id, "escalationId"),
            level=input.level,
            notes=input.notes,
            ticket_reference=input.ticket_reference,
        )

    @mutation(
        Requires(Resource.ACCESS_REVIEW, Action.RECORD),
        description="Level 3: record the HDC's or the manager's review (both are needed before deactivation).",
        graphql_type=AccessEscalation,
    )
    async def record_escalation_review(
        self, info: ResolverInfo, input: RecordEscalationReviewInput
    ) -> report_models.AccessEscalation:
        ctx = info.context
        return await review_service.record_escalation_review(
            caller=ctx.caller,
            escalation_id=parse_id(input.escalation_id, "escalationId"),
            reviewer=EscalationReviewerEnum(input.reviewer),
            manager_name=input.manager_name,
        )

    @mutation(
        Requires(Resource.ACCESS_REVIEW, Action.DEACTIVATE),
        description="Level 3: deactivate the user for confirmed inappropriate usage. CONFLICT unless the HDC and the manager have reviewed.",
        graphql_type=AccessEscalation,
    )
    async def deactivate_for_inappropriate_use(
        self, info: ResolverInfo, input: DeactivateForMisuseInput
    ) -> report_models.AccessEscalation:
        ctx = info.context
        return await review_service.deactivate_for_misuse(
            caller=ctx.caller,
            escalation_id=parse_id(input.escalation_id, "escalationId"),
            reason=input.reason,
            corrective_action=input.corrective_action,
        )

    @mutation(
        Requires(Resource.ACCESS_REVIEW, Action.NOTIFY),
        description="Level 4: record that the Data Strategy Board was informed of confirmed inappropriate usage.",
        graphql_type=AccessEscalation,
    )
    async def notify_data_strategy_board(
        self,
        info: ResolverInfo,
        escalation_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The level 3 escalation that confirmed the misuse."),
        ],
        summary: Annotated[
            str,
            strawberry.argument(
                description="What the Board is told (no client information).", metadata=MULTILINE
            ),
        ],
    ) -> report_models.AccessEscalation:
        ctx = info.context
        return await review_service.notify_dsb(
            caller=ctx.caller,
            escalation_id=parse_id(escalation_id, "escalationId"),
            summary=summary,
        )
