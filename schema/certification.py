"""Annual certification and security contacts as GraphQL (policies 105, 108, 201, 210)."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from authz.resources import Action, Resource
from models import certification as models
from models.certification import AgencyClearance
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import optional_id, parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from services import certification as service
from services import security_contacts
from services.agencies import get_agency
from services.pagination import paginate

__all__ = ["CertificationMutation", "CertificationQuery"]

CertificationExhibit = models.Exhibit
described_enum(
    CertificationExhibit,
    name="CertificationExhibit",
    description="The MOU's checklists (policy 210). A: the Annual Administrative Certification "
    "Checklist, certified by the agency's HMIS Data Coordinator. B: the Annual Security "
    "Certification Checklist, certified by its Agency Security Coordinator.",
    values={
        "A": "The Annual Administrative Certification Checklist, certified by the agency's HMIS Data Coordinator.",
        "B": "The Annual Security Certification Checklist, certified by the Agency Security Coordinator.",
    },
)
AgencyCaseKind = models.AgencyCaseKind
described_enum(
    AgencyCaseKind,
    name="AgencyCaseKind",
    description="REMEDIATION: policy 210, an established agency that could not certify every "
    "item corrects the shortfall in 45 to 60 days, its access continuing. COORDINATOR_CHANGE: "
    "policy 108, a change of Agency Security Coordinator reaches the System Administrator and "
    "the Security Officer within 30 days.",
    values={
        "REMEDIATION": "Policy 210: an established agency corrects a shortfall in 45 to 60 days, its access continuing.",
        "COORDINATOR_CHANGE": "Policy 108: a change of Agency Security Coordinator, acknowledged by the System Administrator and the Security Officer.",
    },
)
AgencyCaseStatus = models.AgencyCaseStatus
described_enum(
    AgencyCaseStatus,
    name="AgencyCaseStatus",
    description="OPEN: the deadline runs. RESOLVED: recertified as met, or acknowledged by both.",
    values={
        "OPEN": "The deadline runs.",
        "RESOLVED": "Recertified as met, or acknowledged by both.",
    },
)
MonitoringResult = models.MonitoringResult
described_enum(
    MonitoringResult,
    name="MonitoringResult",
    description="What the Lead Agency's monitoring found: COMPLIANT or NOT_COMPLIANT.",
    values={
        "COMPLIANT": "The agency meets the requirements.",
        "NOT_COMPLIANT": "The agency falls short.",
    },
)
ClearanceBasis = models.ClearanceBasis
described_enum(
    ClearanceBasis,
    name="ClearanceBasis",
    description="CERTIFIED: both exhibits self-certified as met (first-time access, policy "
    "210). ESTABLISHED: the agency had access before Hearth recorded certifications.",
    values={
        "CERTIFIED": "Both exhibits self-certified as met (first-time access, policy 210).",
        "ESTABLISHED": "The agency had access before Hearth recorded certifications.",
    },
)


@strawberry.type(description="One requirement of Exhibit A or B.")
class CertificationItem:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    exhibit: CertificationExhibit = strawberry.field(description="Its exhibit.")
    code: str = strawberry.field(description="Its code, e.g. A-03.")
    text: str = strawberry.field(description="What the agency certifies.")
    policy: str = strawberry.field(description="The manual's policies it comes from.")
    position: int = strawberry.field(description="Its place in the exhibit.")
    retired_at: datetime.datetime | None = strawberry.field(
        description="When the System Administrator retired it (null: in force)."
    )


@strawberry.type(description="One item of a certification.")
class CertificationAnswer:
    item_id: strawberry.ID = strawberry.field(description="The item.")
    item_text: str = strawberry.field(description="The item's text as it was answered.")
    met: bool = strawberry.field(description="Certified as met.")
    evidence: str | None = strawberry.field(description="Where the evidence is (met items).")
    note: str | None = strawberry.field(description="Why not met, or a remark.")


@strawberry.type(description="An agency's self-certification of one exhibit for one year.")
class Certification:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    year: int = strawberry.field(description="The certification year.")
    exhibit: CertificationExhibit = strawberry.field(description="The exhibit.")
    certified_by_id: strawberry.ID = strawberry.field(description="The HDC or Coordinator.")
    certified_at: datetime.datetime = strawberry.field(description="When.")
    certified_on: datetime.date = strawberry.field(description="The day (Connecticut).")
    met: bool = strawberry.field(description="Every item certified as met.")
    coordinator_name: str | None = strawberry.field(
        description="Exhibit B: the Agency Security Coordinator's name, as confirmed (108)."
    )
    coordinator_email: str | None = strawberry.field(description="Exhibit B: their e-mail.")
    coordinator_phone: str | None = strawberry.field(description="Exhibit B: their phone.")

    @strawberry.field(
        description="The items, in the exhibit's order.", graphql_type=list[CertificationAnswer]
    )
    async def answers(
        self, row: strawberry.Parent[models.Certification]
    ) -> list[models.CertificationAnswer]:
        return list(
            await models.CertificationAnswer.filter(certification_id=row.id).order_by(
                "item__exhibit", "item__position", "item__code"
            )
        )


@strawberry.type(description="A remediation step recommended by the System Administrator.")
class RemediationStep:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    position: int = strawberry.field(description="Its order.")
    text: str = strawberry.field(description="What to do.")
    done_at: datetime.datetime | None = strawberry.field(description="When the agency did it.")
    done_by_id: strawberry.ID | None = strawberry.field(description="Who marked it done.")


@strawberry.type(description="An agency's obligation with a deadline (policies 108, 210).")
class AgencyCase:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    kind: AgencyCaseKind = strawberry.field(description="What is required.")
    status: AgencyCaseStatus = strawberry.field(description="Where it stands.")
    opened_at: datetime.datetime = strawberry.field(description="When it opened.")
    opened_on: datetime.date = strawberry.field(description="The day it opened (Connecticut).")
    due_on: datetime.date = strawberry.field(
        description="The deadline (a remediation: 45 to 60 days after it opened, as the System "
        "Administrator sets it; 60 until then. A coordinator change: 30 days)."
    )
    year: int | None = strawberry.field(description="Remediation: the certification year.")
    exhibit: CertificationExhibit | None = strawberry.field(
        description="Remediation: the exhibit that fell short."
    )
    certification_id: strawberry.ID | None = strawberry.field(
        description="Remediation: the certification that fell short."
    )
    planned_at: datetime.datetime | None = strawberry.field(
        description="Remediation: when the System Administrator set the date and steps."
    )
    previous_coordinator_id: strawberry.ID | None = strawberry.field(
        description="Coordinator change: who held the duty before."
    )
    new_coordinator_id: strawberry.ID | None = strawberry.field(
        description="Coordinator change: who holds it now (null: nobody)."
    )
    admin_acknowledged_at: datetime.datetime | None = strawberry.field(
        description="Coordinator change: when a System Administrator acknowledged it."
    )
    officer_acknowledged_at: datetime.datetime | None = strawberry.field(
        description="Coordinator change: when a Security Officer acknowledged it."
    )
    escalated_at: datetime.datetime | None = strawberry.field(
        description="When it was escalated as overdue (to the Lead Agency, the System "
        "Administrator and the Security Officer)."
    )
    closed_at: datetime.datetime | None = strawberry.field(description="When it closed.")
    resolution: str | None = strawberry.field(description="How it closed.")

    @strawberry.field(
        description="Remediation: the steps, in order.", graphql_type=list[RemediationStep]
    )
    async def steps(
        self, row: strawberry.Parent[models.AgencyCase]
    ) -> list[models.RemediationStep]:
        return list(await models.RemediationStep.filter(case_id=row.id).order_by("position"))


@strawberry.type(description="One exhibit of one agency: its latest certification and due date.")
class ExhibitStatus:
    exhibit: CertificationExhibit = strawberry.field(description="The exhibit.")
    latest: Certification | None = strawberry.field(description="The latest certification.")
    last_met_on: datetime.date | None = strawberry.field(
        description="The day of the latest certification with every item met."
    )
    due_on: datetime.date | None = strawberry.field(
        description="The next yearly certification's due date (null: the agency has never had "
        "access; it certifies first)."
    )
    overdue: bool = strawberry.field(description="The due date has passed.")


@strawberry.type(description="Where an agency stands in the annual certification (policy 210).")
class AgencyCertificationStatus:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    access_cleared: bool = strawberry.field(
        description="Its first-time access is cleared: until then no access level of the "
        "agency is in force (its HDC and Security Coordinator can still certify)."
    )
    clearance_basis: ClearanceBasis | None = strawberry.field(description="How it was cleared.")
    cleared_at: datetime.datetime | None = strawberry.field(description="When.")
    exhibits: list[ExhibitStatus] = strawberry.field(description="Exhibits A and B.")
    open_cases: list[AgencyCase] = strawberry.field(description="Its open agency cases.")


@strawberry.type(description="An agency in the Lead Agency's monitoring sample.")
class MonitoringSelection:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    documentation_requested_at: datetime.datetime | None = strawberry.field(
        description="When the Lead Agency requested documentation."
    )
    request_note: str | None = strawberry.field(description="What it asked for.")
    result: MonitoringResult | None = strawberry.field(description="What it found.")
    findings: str | None = strawberry.field(description="Its findings.")
    result_recorded_at: datetime.datetime | None = strawberry.field(description="When recorded.")


@strawberry.type(description="The year's monitoring sample (policy 201: at least 25%).")
class MonitoringSample:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    year: int = strawberry.field(description="The year monitored.")
    seed: str = strawberry.field(
        description="The seed the agencies were drawn with: with the population it draws them "
        "again, the same."
    )
    percent: int = strawberry.field(description="The share drawn, at least 25.")
    population: list[strawberry.ID] = strawberry.field(
        description="The participating agencies it was drawn from (sorted ids)."
    )
    drawn_by_id: strawberry.ID = strawberry.field(description="Who drew it.")
    drawn_at: datetime.datetime = strawberry.field(description="When.")

    @strawberry.field(description="The agencies drawn.", graphql_type=list[MonitoringSelection])
    async def selections(
        self, row: strawberry.Parent[models.MonitoringSample]
    ) -> list[models.MonitoringSelection]:
        return list(await models.MonitoringSelection.filter(sample_id=row.id).order_by("agency_id"))


@strawberry.type(description="An agency's Security Coordinator in the Security Officer's file.")
class SecurityCoordinatorEntry:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    agency_name: str = strawberry.field(description="Its name.")
    coordinator_id: strawberry.ID | None = strawberry.field(
        description="The user holding the duty now (null: none; policies 106 and 108 require one)."
    )
    coordinator_username: str | None = strawberry.field(description="Their username.")
    confirmed_name: str | None = strawberry.field(
        description="The name confirmed in the latest Exhibit B certification."
    )
    confirmed_email: str | None = strawberry.field(description="The e-mail confirmed.")
    confirmed_phone: str | None = strawberry.field(description="The phone confirmed.")
    confirmed_on: datetime.date | None = strawberry.field(description="When confirmed.")
    confirmation_due_on: datetime.date | None = strawberry.field(
        description="A year after it (at least yearly, policy 108)."
    )
    confirmation_overdue: bool = strawberry.field(description="The year has run out.")
    open_change_case_id: strawberry.ID | None = strawberry.field(
        description="A change of coordinator not yet acknowledged by both."
    )


@strawberry.type(description="A milestone of a mitigation plan.")
class MitigationMilestone:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    position: int = strawberry.field(description="Its order.")
    description: str = strawberry.field(description="What.")
    due_on: datetime.date = strawberry.field(description="By when.")
    met_on: datetime.date | None = strawberry.field(description="When it was met.")


@strawberry.type(description="The Security Plan's annual review (policy 105).")
class SecurityPlanReview:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    reviewed_on: datetime.date = strawberry.field(description="The review's date.")
    reviewer_id: strawberry.ID = strawberry.field(description="The Security Officer.")
    adheres: bool = strawberry.field(description="The Lead Agency adheres to the plan.")
    shortfalls: str | None = strawberry.field(description="The shortfalls found.")
    mitigation_plan: str | None = strawberry.field(description="The plan to mitigate them.")
    recorded_at: datetime.datetime = strawberry.field(description="When it was recorded.")

    @strawberry.field(description="A year after the review (policy 105: annually).")
    def next_review_due_on(
        self, row: strawberry.Parent[models.SecurityPlanReview]
    ) -> datetime.date:
        due = security_contacts.next_plan_review_due(row)
        assert due is not None
        return due

    @strawberry.field(
        description="The mitigation plan's milestones.", graphql_type=list[MitigationMilestone]
    )
    async def milestones(
        self, row: strawberry.Parent[models.SecurityPlanReview]
    ) -> list[models.MitigationMilestone]:
        return list(await models.MitigationMilestone.filter(review_id=row.id).order_by("position"))


# --- inputs


@strawberry.input(description="A new item of Exhibit A or B.")
class CreateCertificationItemInput:
    exhibit: CertificationExhibit = strawberry.field(description="Its exhibit.")
    code: str = strawberry.field(description="A unique code, e.g. B-13 (1 to 16 characters).")
    text: str = strawberry.field(description="What the agency certifies (1 to 500 characters).")
    policy: str = strawberry.field(description="The manual's policies it comes from.")
    reason: str | None = strawberry.field(
        default=None, description="Why (the governance log).", metadata=MULTILINE
    )


@strawberry.input(description="A change to an item; fields left out stay as they are.")
class UpdateCertificationItemInput:
    id: strawberry.ID = strawberry.field(description="The item.")
    text: str | None = strawberry.field(default=None, description="New text.")
    policy: str | None = strawberry.field(default=None, description="New policies.")
    position: int | None = strawberry.field(default=None, description="New place (1 to 1000).")
    reason: str | None = strawberry.field(
        default=None, description="Why (the governance log).", metadata=MULTILINE
    )


@strawberry.input(description="One item's answer.")
class CertificationAnswerInput:
    item_id: strawberry.ID = strawberry.field(description="The item.")
    met: bool = strawberry.field(description="Certified as met.")
    evidence: str | None = strawberry.field(
        default=None, description="Where the evidence is; required when met (never client data)."
    )
    note: str | None = strawberry.field(
        default=None, description="Required when not met: the shortfall.", metadata=MULTILINE
    )


@strawberry.input(description="The Agency Security Coordinator's name and contact (108).")
class CoordinatorContactInput:
    name: str = strawberry.field(description="Name.")
    email: str = strawberry.field(description="E-mail.")
    phone: str | None = strawberry.field(default=None, description="Phone.")


@strawberry.input(description="A self-certification of one exhibit for this year.")
class CertifyExhibitInput:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    exhibit: CertificationExhibit = strawberry.field(description="A (HDC) or B (Coordinator).")
    answers: list[CertificationAnswerInput] = strawberry.field(
        description="Every item of the exhibit in force, once."
    )
    coordinator: CoordinatorContactInput | None = strawberry.field(
        default=None, description="Exhibit B only, and required there."
    )


@strawberry.type(description="What a certification did.")
class CertifyExhibitPayload:
    certification: Certification = strawberry.field(description="The certification.")
    access_cleared: bool = strawberry.field(
        description="True when it cleared the agency's first-time access (both exhibits met)."
    )
    remediation_case: AgencyCase | None = strawberry.field(
        description="The remediation case opened (an established agency that fell short)."
    )
    resolved_case: AgencyCase | None = strawberry.field(
        description="The remediation case it resolved."
    )


@strawberry.input(description="The remediation's due date and steps (System Administrator).")
class PlanRemediationInput:
    case_id: strawberry.ID = strawberry.field(description="The remediation case.")
    due_on: datetime.date = strawberry.field(
        description="45 to 60 days after the case opened (policy 210)."
    )
    steps: list[str] = strawberry.field(description="The remediation steps, 1 to 50.")
    reason: str | None = strawberry.field(
        default=None, description="Why (the governance log).", metadata=MULTILINE
    )


@strawberry.input(description="Draw the year's monitoring sample.")
class DrawMonitoringSampleInput:
    year: int = strawberry.field(description="The year to monitor.")
    percent: int = strawberry.field(default=25, description="The share, 25 to 100.")
    seed: str | None = strawberry.field(
        default=None, description="A seed (1 to 64 characters); Hearth draws one when left out."
    )


@strawberry.input(description="The result of monitoring one agency.")
class RecordMonitoringResultInput:
    selection_id: strawberry.ID = strawberry.field(description="The agency in the sample.")
    result: MonitoringResult = strawberry.field(description="What was found.")
    findings: str | None = strawberry.field(
        default=None, description="Required when NOT_COMPLIANT.", metadata=MULTILINE
    )


@strawberry.input(description="A milestone of a mitigation plan.")
class MitigationMilestoneInput:
    description: str = strawberry.field(description="What (1 to 500 characters).")
    due_on: datetime.date = strawberry.field(description="By when.")


@strawberry.input(description="The Security Plan's annual review.")
class RecordSecurityPlanReviewInput:
    reviewed_on: datetime.date = strawberry.field(description="The review's date.")
    adheres: bool = strawberry.field(description="The Lead Agency adheres to the plan.")
    shortfalls: str | None = strawberry.field(
        default=None, description="Required unless it adheres.", metadata=MULTILINE
    )
    mitigation_plan: str | None = strawberry.field(
        default=None, description="Required unless it adheres.", metadata=MULTILINE
    )
    milestones: list[MitigationMilestoneInput] = strawberry.field(
        default_factory=list, description="Required unless it adheres."
    )


# --- resolvers


@strawberry.type
class CertificationQuery:
    @query(
        Requires(Resource.CERTIFICATION_ITEM, Action.READ),
        description="The items of Exhibits A and B, in order.",
        graphql_type=list[CertificationItem],
    )
    async def certification_items(
        self,
        info: ResolverInfo,
        exhibit: Annotated[
            CertificationExhibit | None,
            strawberry.argument(description="Only this exhibit's items."),
        ] = None,
        include_retired: Annotated[
            bool, strawberry.argument(description="Include retired items.")
        ] = False,
    ) -> list[models.CertificationItem]:
        return await service.items(exhibit, include_retired=include_retired)

    @query(
        Requires(Resource.CERTIFICATION, Action.READ),
        description="Certifications (pages of at most 100): every agency's for the Lead Agency, "
        "the System Administrator and the Security Officer; your agency's for its HDC and "
        "Security Coordinator (another agency: FORBIDDEN).",
    )
    async def certifications(
        self,
        info: ResolverInfo,
        agency_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this agency's certifications."),
        ] = None,
        year: Annotated[int | None, strawberry.argument(description="Only this year's.")] = None,
        exhibit: Annotated[
            CertificationExhibit | None, strawberry.argument(description="Only this exhibit's.")
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[Certification]:
        rows = service.certifications_visible_to(
            info.context.decisions,
            agency_id=optional_id(agency_id, "agencyId"),
            year=year,
            exhibit=exhibit,
        )
        return to_connection(await paginate(rows, first=first, after=after))

    @query(
        Requires(Resource.CERTIFICATION, Action.READ),
        description="Where an agency stands: access cleared, each exhibit's latest "
        "certification and next due date, its open cases.",
    )
    async def agency_certification_status(
        self,
        info: ResolverInfo,
        agency_id: Annotated[strawberry.ID, strawberry.argument(description="The agency's id.")],
    ) -> AgencyCertificationStatus:
        ctx = info.context
        agency = parse_id(agency_id, "agencyId")
        service.check_agency_readable(ctx.decisions, Resource.CERTIFICATION, agency)
        await get_agency(agency)
        clearance = await AgencyClearance.get_or_none(agency_id=agency)
        statuses = await service.exhibit_status(agency, ctx.caller.today, clearance)
        cases = await models.AgencyCase.filter(
            agency_id=agency, status=models.AgencyCaseStatus.OPEN
        ).order_by("opened_at")
        return AgencyCertificationStatus(
            agency_id=strawberry.ID(str(agency)),
            access_cleared=clearance is not None,
            clearance_basis=models.ClearanceBasis(clearance.basis) if clearance else None,
            cleared_at=clearance.cleared_at if clearance else None,
            exhibits=[
                ExhibitStatus(
                    exhibit=s.exhibit,
                    latest=s.latest,  # type: ignore[arg-type]
                    last_met_on=s.last_met.certified_on if s.last_met else None,
                    due_on=s.due_on,
                    overdue=s.overdue,
                )
                for s in statuses
            ],
            open_cases=cases,  # type: ignore[arg-type]
        )

    @query(
        Requires(Resource.AGENCY_CASE, Action.READ),
        description="Agency cases (remediations, coordinator changes; pages of at most 100): "
        "all for the Lead Agency, the System Administrator and the Security Officer, your "
        "agency's for its HDC and Security Coordinator.",
    )
    async def agency_cases(
        self,
        info: ResolverInfo,
        agency_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this agency's cases.")
        ] = None,
        kind: Annotated[
            AgencyCaseKind | None, strawberry.argument(description="Only cases of this kind.")
        ] = None,
        status: Annotated[
            AgencyCaseStatus | None, strawberry.argument(description="Only cases in this state.")
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[AgencyCase]:
        rows = service.cases_visible_to(
            info.context.decisions,
            agency_id=optional_id(agency_id, "agencyId"),
            kind=kind,
            status=status,
        )
        return to_connection(await paginate(rows, first=first, after=after))

    @query(
        Requires(Resource.MONITORING_SAMPLE, Action.READ),
        description="The Lead Agency's monitoring samples, newest year first.",
        graphql_type=list[MonitoringSample],
    )
    async def monitoring_samples(
        self,
        info: ResolverInfo,
        year: Annotated[
            int | None, strawberry.argument(description="Only this year's sample.")
        ] = None,
    ) -> list[models.MonitoringSample]:
        rows = models.MonitoringSample.all()
        if year is not None:
            rows = rows.filter(year=year)
        return list(await rows.order_by("-year"))

    @query(
        Requires(Resource.SECURITY_CONTACT, Action.READ),
        description="The Security Officer's file (policy 108): every active agency's current "
        "Agency Security Coordinator and the name and contact confirmed most recently.",
    )
    async def security_coordinators(self, info: ResolverInfo) -> list[SecurityCoordinatorEntry]:
        entries = await security_contacts.coordinator_file(info.context.caller)
        return [
            SecurityCoordinatorEntry(
                agency_id=strawberry.ID(str(e.agency.id)),
                agency_name=e.agency.name,
                coordinator_id=strawberry.ID(str(e.coordinator.id)) if e.coordinator else None,
                coordinator_username=e.coordinator.username if e.coordinator else None,
                confirmed_name=e.confirmation.coordinator_name if e.confirmation else None,
                confirmed_email=e.confirmation.coordinator_email if e.confirmation else None,
                confirmed_phone=e.confirmation.coordinator_phone if e.confirmation else None,
                confirmed_on=e.confirmation.certified_on if e.confirmation else None,
                confirmation_due_on=e.confirmation_due_on,
                confirmation_overdue=e.confirmation_overdue,
                open_change_case_id=strawberry.ID(str(e.open_change.id)) if e.open_change else None,
            )
            for e in entries
        ]

    @query(
        Requires(Resource.SECURITY_PLAN_REVIEW, Action.READ),
        description="The Security Plan's reviews (pages of at most 100).",
    )
    async def security_plan_reviews(
        self, info: ResolverInfo, first: First = 50, after: After = None
    ) -> Connection[SecurityPlanReview]:
        return to_connection(
            await paginate(models.SecurityPlanReview.all(), first=first, after=after)
        )


@strawberry.type
class CertificationMutation:
    @mutation(
        Requires(Resource.CERTIFICATION_ITEM, Action.MANAGE),
        description="Add an item to Exhibit A or B. A code in use: CONFLICT.",
        graphql_type=CertificationItem,
    )
    async def create_certification_item(
        self, info: ResolverInfo, input: CreateCertificationItemInput
    ) -> models.CertificationItem:
        return await service.create_item(
            caller=info.context.caller,
            exhibit=input.exhibit,
            code=input.code,
            text=input.text,
            policy=input.policy,
            reason=input.reason,
        )

    @mutation(
        Requires(Resource.CERTIFICATION_ITEM, Action.MANAGE),
        description="Reword or move an item (answers keep the text they answered).",
        graphql_type=CertificationItem,
    )
    async def update_certification_item(
        self, info: ResolverInfo, input: UpdateCertificationItemInput
    ) -> models.CertificationItem:
        return await service.update_item(
            caller=info.context.caller,
            item_id=parse_id(input.id, "id"),
            text=input.text,
            policy=input.policy,
            position=input.position,
            reason=input.reason,
        )

    @mutation(
        Requires(Resource.CERTIFICATION_ITEM, Action.MANAGE),
        description="Retire an item: later certifications no longer answer it.",
        graphql_type=CertificationItem,
    )
    async def retire_certification_item(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The item.")],
        reason: Annotated[
            str | None, strawberry.argument(description="Why.", metadata=MULTILINE)
        ] = None,
    ) -> models.CertificationItem:
        return await service.retire_item(
            caller=info.context.caller, item_id=parse_id(id, "id"), reason=reason
        )

    @mutation(
        Requires(Resource.CERTIFICATION, Action.RECORD),
        description="Self-certify this year's Exhibit A (the agency's HDC) or B (its Agency "
        "Security Coordinator, confirming their name and contact) item by item. Both met: a "
        "first-time agency's access is cleared. An item not met at an agency with access: a "
        "remediation case (45-60 days). Not the agency's HDC or Coordinator: FORBIDDEN; an item "
        "missing or unknown, a met item without evidence: VALIDATION.",
    )
    async def certify_exhibit(
        self, info: ResolverInfo, input: CertifyExhibitInput
    ) -> CertifyExhibitPayload:
        coordinator = input.coordinator
        result = await service.certify(
            caller=info.context.caller,
            agency_id=parse_id(input.agency_id, "agencyId"),
            exhibit=input.exhibit,
            answers=[
                service.AnswerInput(
                    item_id=parse_id(a.item_id, f"answers[{i}].itemId"),
                    met=a.met,
                    evidence=a.evidence,
                    note=a.note,
                )
                for i, a in enumerate(input.answers)
            ],
            coordinator=service.CoordinatorContact(
                name=coordinator.name, email=coordinator.email, phone=coordinator.phone
            )
            if coordinator is not None
            else None,
        )
        return CertifyExhibitPayload(
            certification=result.certification,  # type: ignore[arg-type]
            access_cleared=result.cleared,
            remediation_case=result.case,  # type: ignore[arg-type]
            resolved_case=result.resolved,  # type: ignore[arg-type]
        )

    @mutation(
        Requires(Resource.AGENCY_CASE, Action.MANAGE),
        description="Set a remediation's due date, 45 to 60 days after it opened (outside: "
        "VALIDATION), and its steps.",
        graphql_type=AgencyCase,
    )
    async def plan_remediation(
        self, info: ResolverInfo, input: PlanRemediationInput
    ) -> models.AgencyCase:
        return await service.plan_remediation(
            caller=info.context.caller,
            case_id=parse_id(input.case_id, "caseId"),
            due_on=input.due_on,
            steps=input.steps,
            reason=input.reason,
        )

    @mutation(
        Requires(Resource.AGENCY_CASE, Action.UPDATE),
        description="Mark a remediation step done (the agency's HDC or Security Coordinator).",
        graphql_type=RemediationStep,
    )
    async def complete_remediation_step(
        self,
        info: ResolverInfo,
        step_id: Annotated[strawberry.ID, strawberry.argument(description="The step.")],
    ) -> models.RemediationStep:
        return await service.complete_step(
            caller=info.context.caller, step_id=parse_id(step_id, "stepId")
        )

    @mutation(
        Requires(Resource.AGENCY_CASE, Action.ACKNOWLEDGE),
        description="Acknowledge a change of Agency Security Coordinator (the System "
        "Administrator, the Security Officer); with both, the case closes.",
        graphql_type=AgencyCase,
    )
    async def acknowledge_coordinator_change(
        self,
        info: ResolverInfo,
        case_id: Annotated[
            strawberry.ID, strawberry.argument(description="The coordinator change case.")
        ],
    ) -> models.AgencyCase:
        return await security_contacts.acknowledge_change(
            caller=info.context.caller, case_id=parse_id(case_id, "caseId")
        )

    @mutation(
        Requires(Resource.MONITORING_SAMPLE, Action.MANAGE),
        description="Draw the year's monitoring sample of participating agencies (at least 25%, "
        "once a year: again is CONFLICT), seeded and recorded so that it can be drawn again.",
        graphql_type=MonitoringSample,
    )
    async def draw_monitoring_sample(
        self, info: ResolverInfo, input: DrawMonitoringSampleInput
    ) -> models.MonitoringSample:
        return await service.draw_sample(
            caller=info.context.caller, year=input.year, seed=input.seed, percent=input.percent
        )

    @mutation(
        Requires(Resource.MONITORING_SAMPLE, Action.MANAGE),
        description="Request documentation from a sampled agency (its HDC and Security "
        "Coordinator are notified).",
        graphql_type=MonitoringSelection,
    )
    async def request_monitoring_documentation(
        self,
        info: ResolverInfo,
        selection_id: Annotated[
            strawberry.ID, strawberry.argument(description="The sampled agency's selection.")
        ],
        note: Annotated[
            str | None, strawberry.argument(description="What is asked for.", metadata=MULTILINE)
        ] = None,
    ) -> models.MonitoringSelection:
        return await service.request_documentation(
            caller=info.context.caller,
            selection_id=parse_id(selection_id, "selectionId"),
            note=note,
        )

    @mutation(
        Requires(Resource.MONITORING_SAMPLE, Action.MANAGE),
        description="Record the result of monitoring a sampled agency (after requesting its "
        "documentation).",
        graphql_type=MonitoringSelection,
    )
    async def record_monitoring_result(
        self, info: ResolverInfo, input: RecordMonitoringResultInput
    ) -> models.MonitoringSelection:
        return await service.record_monitoring_result(
            caller=info.context.caller,
            selection_id=parse_id(input.selection_id, "selectionId"),
            result=input.result,
            findings=input.findings,
        )

    @mutation(
        Requires(Resource.SECURITY_PLAN_REVIEW, Action.RECORD),
        description="Record the Security Plan's annual review (policy 105): adherence, or the "
        "shortfalls with a mitigation plan and its milestones.",
        graphql_type=SecurityPlanReview,
    )
    async def record_security_plan_review(
        self, info: ResolverInfo, input: RecordSecurityPlanReviewInput
    ) -> models.SecurityPlanReview:
        return await security_contacts.record_plan_review(
            caller=info.context.caller,
            reviewed_on=input.reviewed_on,
            adheres=input.adheres,
            shortfalls=input.shortfalls,
            mitigation_plan=input.mitigation_plan,
            milestones=[
                security_contacts.MilestoneInput(description=m.description, due_on=m.due_on)
                for m in input.milestones
            ],
        )

    @mutation(
        Requires(Resource.SECURITY_PLAN_REVIEW, Action.RECORD),
        description="Record that a mitigation milestone was met.",
        graphql_type=MitigationMilestone,
    )
    async def record_mitigation_milestone_met(
        self,
        info: ResolverInfo,
        milestone_id: Annotated[strawberry.ID, strawberry.argument(description="The milestone.")],
        met_on: Annotated[datetime.date, strawberry.argument(description="The day it was met.")],
    ) -> models.MitigationMilestone:
        return await security_contacts.record_milestone_met(
            caller=info.context.caller,
            milestone_id=parse_id(milestone_id, "milestoneId"),
            met_on=met_on,
        )
