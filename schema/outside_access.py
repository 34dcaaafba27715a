"""Outside requests for HMIS access (the attachment "Procedure for Granting CT HMIS Access")."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import strawberry

from authz.resources import Action, Resource
from models import outside_access as models
from models.outside_access import (
    AccessTerm,
    CanPosition,
    Criterion,
    Disqualifier,
    Finding,
    OutsideAccessRoute,
    OutsideAccessStatus,
)
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import optional_id, parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, Node, to_connection
from schema.types import AccessLevel
from services import outside_access as service
from services.pagination import paginate

__all__ = ["OutsideAccessMutation", "OutsideAccessQuery"]

described_enum(
    OutsideAccessStatus,
    description="Where an outside access application stands: RECEIVED, then READY (meets the "
    "core criteria; the Lead Agency grants) or REFERRED (the subcommittee vets; APPROVED "
    "then granted), GRANTED (MOU recorded) or DENIED.",
    values={
        "RECEIVED": "Recorded, not yet assessed.",
        "READY": "Meets the core criteria: the Lead Agency grants.",
        "REFERRED": "Sent to the subcommittee to vet.",
        "APPROVED": "Approved by the subcommittee: to be granted.",
        "GRANTED": "Granted: the MOU is recorded.",
        "DENIED": "Denied (disqualified, or by the subcommittee).",
    },
)
described_enum(
    AccessTerm,
    name="OutsideAccessTerm",
    description="On-going or one-time access (1.2; one-time access disqualifies, 2.1).",
    values={
        "ONGOING": "On-going access (1.2).",
        "ONE_TIME": "One-time access: disqualifies (2.1).",
    },
)
described_enum(
    Criterion,
    name="OutsideAccessCriterion",
    description="The ten core criteria of the attachment's section 1.0 (1.1 to 1.10).",
    values={
        "NO_OTHER_REPORTING_OPTION": "1.1: no other way to get the reports it needs.",
        "ONGOING_ACCESS": "1.2: the access asked for is on-going.",
        "FUNDING_OR_PROVIDER": "1.3: a funder or provider of homeless services.",
        "WORKS_WITH_PEOPLE_EXPERIENCING_HOMELESSNESS": "1.4: works with people experiencing homelessness.",
        "CAN_PARTICIPATION": "1.5: takes part in its CAN.",
        "LEVEL_IN_MOU": "1.6: the MOU states the access level requested.",
        "TRAINING": "1.7: commits its staff to the required training.",
        "CONTRIBUTES_TO_ENDING_HOMELESSNESS": "1.8: its work contributes to ending homelessness.",
        "RESEARCH_AGGREGATE_DATA": "1.9: a researcher uses aggregate data only.",
        "GOOD_STANDING": "1.10: no record of revoked access or misuse.",
    },
)
described_enum(
    Disqualifier,
    name="OutsideAccessDisqualifier",
    description="The criteria of section 2.0 that prevent granting access (2.1, 2.2).",
    values={
        "ONE_TIME_ACCESS": "2.1: one-time access was asked for.",
        "HIGH_RISK_OF_ABUSE": "2.2: a high risk of abuse of the data.",
    },
)
described_enum(
    Finding,
    name="OutsideAccessFinding",
    description="Whether a criterion is met; UNCLEAR and NOT_MET send the application to the "
    "subcommittee (4.3).",
    values={
        "MET": "The criterion is met.",
        "NOT_MET": "The criterion is not met (to the subcommittee; 1.10 denies).",
        "UNCLEAR": "Cannot be judged from what is known (to the subcommittee).",
        "NOT_APPLICABLE": "The criterion does not apply to this applicant.",
    },
)
described_enum(
    CanPosition,
    name="OutsideAccessCanPosition",
    description="What the CAN's leadership said when informed (1.5, 4.2).",
    values={
        "SUPPORTS": "The CAN's leadership supports it.",
        "OPPOSES": "The CAN's leadership opposes it.",
        "NO_POSITION": "The CAN's leadership takes no position.",
    },
)
described_enum(
    OutsideAccessRoute,
    description="Where the assessment sent the application: the Lead Agency grants, the "
    "subcommittee vets, or it is disqualified (2.1, 2.2, 1.10).",
    values={
        "LEAD_AGENCY": "Meets every criterion: the Lead Agency grants.",
        "SUBCOMMITTEE": "Does not clearly meet them: the subcommittee vets.",
        "DISQUALIFIED": "Disqualified (2.1, 2.2, 1.10): denied.",
    },
)


@strawberry.type(description="A member of the requestor's staff who would use the access (3.3).")
class OutsideAccessStaff:
    name: str = strawberry.field(description="Their name.")
    email: str = strawberry.field(description="Their e-mail, in its normal form.")


@strawberry.type(description="One core criterion's finding, with the attachment's words.")
class OutsideAccessCriterionFinding:
    criterion: Criterion = strawberry.field(description="Which criterion.")
    number: str = strawberry.field(description="Its number in the attachment (1.1 to 1.10).")
    text: str = strawberry.field(description="What it asks.")
    finding: Finding = strawberry.field(description="Met, not met, unclear or not applicable.")
    note: str | None = strawberry.field(description="Why.")
    source: str = strawberry.field(
        description="Who answered it: LEAD_AGENCY, APPLICATION, CAN, RECORDS (Hearth's own "
        "records, 1.10) or HEARTH (the grant itself, 1.6)."
    )


@strawberry.type(description="Whether one disqualifier of section 2.0 applies.")
class OutsideAccessDisqualifierFinding:
    disqualifier: Disqualifier = strawberry.field(description="Which one.")
    number: str = strawberry.field(description="Its number (2.1, 2.2).")
    applies: bool = strawberry.field(description="It applies: access is not granted.")
    note: str | None = strawberry.field(description="Why.")
    source: str = strawberry.field(description="APPLICATION or LEAD_AGENCY.")


@strawberry.type(
    description="A record of Hearth's that bears on 1.10 (earlier access revoked or ended)."
)
class OutsideAccessRevocation:
    record: str = strawberry.field(description="The kind of record: Agency or User.")
    id: strawberry.ID = strawberry.field(description="Its id.")
    why: str = strawberry.field(
        description="AGENCY_SUSPENDED, USER DEACTIVATED_FOR_MISUSE (policy 212; both NOT_MET), "
        "AGENCY_INACTIVE or DEACTIVATED_BY_DEADLINE (policies 109, 202, 211; both UNCLEAR)."
    )
    finding: Finding = strawberry.field(description="What it makes of 1.10.")


@strawberry.type(description="CAN leadership informed and involved (1.5, 4.2).")
class OutsideAccessCanInvolvement:
    leader_name: str = strawberry.field(description="Who, for the CAN.")
    informed_on: datetime.date = strawberry.field(description="When they were informed.")
    position: CanPosition = strawberry.field(description="What they said.")
    note: str | None = strawberry.field(description="Their reasons.")


@strawberry.type(description="The HMIS Steering Committee subcommittee's vetting (4.3).")
class OutsideAccessSubcommitteeDecision:
    members: list[str] = strawberry.field(description="Who vetted it.")
    decided_on: datetime.date = strawberry.field(description="When.")
    approved: bool = strawberry.field(description="Approved (the Lead Agency then grants).")
    reason: str = strawberry.field(description="Why.")
    recorded_by_id: strawberry.ID = strawberry.field(description="The DSB member who recorded it.")


@strawberry.type(
    description="An outside organisation's request for HMIS access, as the Lead Agency received "
    "it, assessed against the attachment's criteria, and decided with reasons."
)
class OutsideAccessApplication(Node):
    id: strawberry.ID = strawberry.field(description="The application.")
    organisation_name: str = strawberry.field(description="The requesting organisation.")
    contact_name: str = strawberry.field(description="Its contact.")
    contact_email: str = strawberry.field(description="The contact's e-mail.")
    purpose: str = strawberry.field(description="Purpose of the request (3.1).")
    contribution: str = strawberry.field(
        description="How access will contribute to ending homelessness (3.2)."
    )
    program: str = strawberry.field(description="Program or department requesting (3.3).")
    staff: list[OutsideAccessStaff] = strawberry.field(description="Staff requesting (3.3).")
    level_requested: AccessLevel = strawberry.field(description="Level requested (3.3).")
    term: AccessTerm = strawberry.field(description="On-going or one-time (1.2, 2.1).")
    researcher: bool = strawberry.field(description="The requestor is a researcher (1.9).")
    training_agreed: bool = strawberry.field(description="Will take HMIS training (1.7).")
    coc_code: str = strawberry.field(description="The Continuum of Care.")
    can_id: strawberry.ID | None = strawberry.field(description="The CAN concerned (1.5, 4.2).")
    received_on: datetime.date = strawberry.field(description="When the Lead Agency received it.")
    recorded_by_id: strawberry.ID = strawberry.field(description="Who recorded it.")
    status: OutsideAccessStatus = strawberry.field(description="Where it stands.")
    can_involvement: OutsideAccessCanInvolvement | None = strawberry.field(
        description="The CAN's part; null until recorded or when no CAN is concerned."
    )
    criteria: list[OutsideAccessCriterionFinding] = strawberry.field(
        description="The ten core criteria's findings, in order; empty until assessed."
    )
    disqualifiers: list[OutsideAccessDisqualifierFinding] = strawberry.field(
        description="The two disqualifiers; empty until assessed."
    )
    revocations: list[OutsideAccessRevocation] = strawberry.field(
        description="What Hearth's records held for 1.10 when assessed."
    )
    route: OutsideAccessRoute | None = strawberry.field(description="Where the assessment sent it.")
    assessed_by_id: strawberry.ID | None = strawberry.field(description="The Lead Agency assessor.")
    assessed_at: datetime.datetime | None = strawberry.field(description="When assessed.")
    subcommittee: OutsideAccessSubcommitteeDecision | None = strawberry.field(
        description="The subcommittee's vetting, if referred and decided."
    )
    decided_by_id: strawberry.ID | None = strawberry.field(description="Who decided.")
    decided_at: datetime.datetime | None = strawberry.field(description="When.")
    decision_reason: str | None = strawberry.field(description="Why it was granted or denied.")
    agency_id: strawberry.ID | None = strawberry.field(
        description="The agency whose MOU states the level granted (1.6, 4.1)."
    )


def _id(value: Any) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _application(row: models.OutsideAccessApplication, coc_code: str) -> OutsideAccessApplication:
    can = None
    if row.can_informed_on is not None and row.can_position is not None:
        can = OutsideAccessCanInvolvement(
            leader_name=row.can_leader_name or "",
            informed_on=row.can_informed_on,
            position=row.can_position,
            note=row.can_note,
        )
    vetted = None
    if row.subcommittee_decided_on is not None and row.subcommittee_recorded_by_id is not None:
        vetted = OutsideAccessSubcommitteeDecision(
            members=list(row.subcommittee_members),
            decided_on=row.subcommittee_decided_on,
            approved=bool(row.subcommittee_approved),
            reason=row.subcommittee_reason or "",
            recorded_by_id=strawberry.ID(str(row.subcommittee_recorded_by_id)),
        )
    return OutsideAccessApplication(
        id=strawberry.ID(str(row.id)),
        organisation_name=row.organisation_name,
        contact_name=row.contact_name,
        contact_email=row.contact_email,
        purpose=row.purpose,
        contribution=row.contribution,
        program=row.program,
        staff=[OutsideAccessStaff(name=s["name"], email=s["email"]) for s in row.staff],
        level_requested=row.level_requested,
        term=row.term,
        researcher=row.researcher,
        training_agreed=row.training_agreed,
        coc_code=coc_code,
        can_id=_id(row.can_id),
        received_on=row.received_on,
        recorded_by_id=strawberry.ID(str(row.recorded_by_id)),
        status=row.status,
        can_involvement=can,
        criteria=[
            OutsideAccessCriterionFinding(
                criterion=c,
                number=c.value,
                text=service.CRITERIA_TEXT[c],
                finding=Finding(row.criteria[c.value]["finding"]),
                note=row.criteria[c.value]["note"],
                source=row.criteria[c.value]["source"],
            )
            for c in Criterion
            if c.value in row.criteria
        ],
        disqualifiers=[
            OutsideAccessDisqualifierFinding(
                disqualifier=d,
                number=d.value,
                applies=row.disqualifiers[d.value]["applies"],
                note=row.disqualifiers[d.value]["note"],
                source=row.disqualifiers[d.value]["source"],
            )
            for d in Disqualifier
            if d.value in row.disqualifiers
        ],
        revocations=[
            OutsideAccessRevocation(
                record=r["record"],
                id=strawberry.ID(r["id"]),
                why=r["why"],
                finding=Finding(r["finding"]),
            )
            for r in row.revocations
        ],
        route=row.route,
        assessed_by_id=_id(row.assessed_by_id),
        assessed_at=row.assessed_at,
        subcommittee=vetted,
        decided_by_id=_id(row.decided_by_id),
        decided_at=row.decided_at,
        decision_reason=row.decision_reason,
        agency_id=_id(row.agency_id),
    )


async def _one(row: models.OutsideAccessApplication) -> OutsideAccessApplication:
    return _application(row, (await row.coc).code)


@strawberry.input(description="A member of the requestor's staff (3.3).")
class OutsideAccessStaffInput:
    name: str = strawberry.field(description="Their name.")
    email: str = strawberry.field(
        description="Their e-mail: Hearth's records are checked against it for 1.10."
    )


@strawberry.input(
    description="An outside organisation's application, as the Lead Agency received it (3.0)."
)
class RecordOutsideAccessApplicationInput:
    organisation_name: str = strawberry.field(
        description="The requesting organisation; Hearth's agencies are checked against it (1.10)."
    )
    contact_name: str = strawberry.field(description="Its contact.")
    contact_email: str = strawberry.field(description="The contact's e-mail.")
    purpose: str = strawberry.field(description="Purpose of the request (3.1).", metadata=MULTILINE)
    contribution: str = strawberry.field(
        description="How access contributes to ending homelessness (3.2).", metadata=MULTILINE
    )
    program: str = strawberry.field(description="Program or department requesting (3.3).")
    staff: list[OutsideAccessStaffInput] = strawberry.field(
        description="Staff requesting access (3.3), 1 to 50."
    )
    level_requested: AccessLevel = strawberry.field(description="Level requested (3.3).")
    term: AccessTerm = strawberry.field(description="On-going or one-time (1.2, 2.1).")
    researcher: bool = strawberry.field(description="The requestor is a researcher (1.9).")
    training_agreed: bool = strawberry.field(description="Staff will take HMIS training (1.7).")
    coc_code: str = strawberry.field(description="CT-503 or CT-505.")
    can_id: strawberry.ID | None = strawberry.field(
        default=None, description="The CAN whose data is concerned, if one (1.5, 4.2)."
    )
    received_on: datetime.date = strawberry.field(description="When the Lead Agency received it.")


@strawberry.input(description="CAN leadership informed and involved (1.5, 4.2).")
class RecordOutsideAccessCanInvolvementInput:
    application_id: strawberry.ID = strawberry.field(description="The application.")
    leader_name: str = strawberry.field(description="Who, for the CAN.")
    informed_on: datetime.date = strawberry.field(description="When they were informed.")
    position: CanPosition = strawberry.field(description="What they said.")
    note: str | None = strawberry.field(
        default=None, description="Their reasons (required when opposed).", metadata=MULTILINE
    )


@strawberry.input(description="The Lead Agency's finding on one criterion.")
class OutsideAccessFindingInput:
    criterion: Criterion = strawberry.field(
        description="1.1, 1.3, 1.4, 1.8, and 1.9 for a researcher; Hearth answers the rest."
    )
    finding: Finding = strawberry.field(description="MET, NOT_MET or UNCLEAR.")
    note: str | None = strawberry.field(
        default=None, description="Why (required unless MET).", metadata=MULTILINE
    )


@strawberry.input(description="The Lead Agency's assessment (1.0, 2.0).")
class AssessOutsideAccessApplicationInput:
    application_id: strawberry.ID = strawberry.field(description="The application.")
    findings: list[OutsideAccessFindingInput] = strawberry.field(
        description="One per criterion the Lead Agency judges."
    )
    high_risk_of_abuse: bool = strawberry.field(
        description="2.2: possibility for high abuse if granted access to client data."
    )
    risk_note: str | None = strawberry.field(
        default=None, description="Why (required when true).", metadata=MULTILINE
    )


@strawberry.input(description="The HMIS Steering Committee subcommittee's decision (4.3).")
class RecordOutsideAccessSubcommitteeDecisionInput:
    application_id: strawberry.ID = strawberry.field(description="The referred application.")
    approve: bool = strawberry.field(description="Approve (the Lead Agency then grants) or deny.")
    reason: str = strawberry.field(description="Why.", metadata=MULTILINE)
    members: list[str] = strawberry.field(description="The members who vetted it, 1 to 50.")
    decided_on: datetime.date = strawberry.field(description="When.")


@strawberry.input(description="Grant through an MOU stating the level requested (1.6, 4.1).")
class GrantOutsideAccessInput:
    application_id: strawberry.ID = strawberry.field(description="A READY or APPROVED application.")
    signed_on: datetime.date = strawberry.field(description="When the MOU was signed.")
    signed_by: str = strawberry.field(description="Who signed it for the requestor.")
    agency_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An agency already created for the requestor, without an MOU; omitted, the "
        "agency is created from the application.",
    )
    note: str | None = strawberry.field(
        default=None, description="Kept with the decision.", metadata=MULTILINE
    )


@strawberry.type
class OutsideAccessQuery:
    @query(
        Requires(Resource.OUTSIDE_ACCESS, Action.READ),
        description="Outside access applications, oldest first (pages of at most 100).",
    )
    async def outside_access_applications(
        self,
        info: ResolverInfo,
        first: First = 50,
        after: After = None,
        status: Annotated[
            OutsideAccessStatus | None,
            strawberry.argument(description="Only applications in this state."),
        ] = None,
    ) -> Connection[OutsideAccessApplication]:
        qs = models.OutsideAccessApplication.all().prefetch_related("coc")
        if status is not None:
            qs = qs.filter(status=status)
        page = await paginate(qs, first=first, after=after)
        return to_connection(page, lambda row: _application(row, row.coc.code))

    @query(
        Requires(Resource.OUTSIDE_ACCESS, Action.READ),
        description="One outside access application.",
    )
    async def outside_access_application(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The application's id.")],
    ) -> OutsideAccessApplication:
        return await _one(await service.get_application(parse_id(id, "id")))


@strawberry.type
class OutsideAccessMutation:
    @mutation(
        Requires(Resource.OUTSIDE_ACCESS, Action.CREATE),
        description="Record an outside organisation's application as the Lead Agency received it.",
    )
    async def record_outside_access_application(
        self, info: ResolverInfo, input: RecordOutsideAccessApplicationInput
    ) -> OutsideAccessApplication:
        row = await service.record_application(
            caller=info.context.caller,
            data=service.Application(
                organisation_name=input.organisation_name,
                contact_name=input.contact_name,
                contact_email=input.contact_email,
                purpose=input.purpose,
                contribution=input.contribution,
                program=input.program,
                staff=[(s.name, s.email) for s in input.staff],
                level_requested=input.level_requested,
                term=input.term,
                researcher=input.researcher,
                training_agreed=input.training_agreed,
                coc_code=input.coc_code,
                can_id=optional_id(input.can_id, "canId"),
                received_on=input.received_on,
            ),
        )
        return await _one(row)

    @mutation(
        Requires(Resource.OUTSIDE_ACCESS, Action.DECIDE),
        description="Record that the CAN's leadership was informed and what it said (1.5, 4.2).",
    )
    async def record_outside_access_can_involvement(
        self, info: ResolverInfo, input: RecordOutsideAccessCanInvolvementInput
    ) -> OutsideAccessApplication:
        row = await service.record_can_involvement(
            caller=info.context.caller,
            application_id=parse_id(input.application_id, "applicationId"),
            leader_name=input.leader_name,
            informed_on=input.informed_on,
            position=input.position,
            note=input.note,
        )
        return await _one(row)

    @mutation(
        Requires(Resource.OUTSIDE_ACCESS, Action.DECIDE),
        description="Assess against the core criteria and the disqualifiers: disqualified is "
        "denied, all met is READY for the Lead Agency, anything else is REFERRED to the "
        "subcommittee.",
    )
    async def assess_outside_access_application(
        self, info: ResolverInfo, input: AssessOutsideAccessApplicationInput
    ) -> OutsideAccessApplication:
        row = await service.assess(
            caller=info.context.caller,
            application_id=parse_id(input.application_id, "applicationId"),
            judgements=[
                service.Judgement(criterion=f.criterion, finding=f.finding, note=f.note)
                for f in input.findings
            ],
            high_risk_of_abuse=input.high_risk_of_abuse,
            risk_note=input.risk_note,
        )
        return await _one(row)

    @mutation(
        Requires(Resource.OUTSIDE_ACCESS, Action.VET),
        description="Record the HMIS Steering Committee subcommittee's decision on a referral.",
    )
    async def record_outside_access_subcommittee_decision(
        self, info: ResolverInfo, input: RecordOutsideAccessSubcommitteeDecisionInput
    ) -> OutsideAccessApplication:
        row = await service.record_subcommittee_decision(
            caller=info.context.caller,
            application_id=parse_id(input.application_id, "applicationId"),
            approve=input.approve,
            reason=input.reason,
            members=input.members,
            decided_on=input.decided_on,
        )
        return await _one(row)

    @mutation(
        Requires(Resource.OUTSIDE_ACCESS, Action.DECIDE),
        description="Grant a READY or APPROVED application through an MOU stating the level.",
    )
    async def grant_outside_access(
        self, info: ResolverInfo, input: GrantOutsideAccessInput
    ) -> OutsideAccessApplication:
        row = await service.grant(
            caller=info.context.caller,
            application_id=parse_id(input.application_id, "applicationId"),
            signed_on=input.signed_on,
            signed_by=input.signed_by,
            agency_id=optional_id(input.agency_id, "agencyId"),
            note=input.note,
        )
        return await _one(row)
