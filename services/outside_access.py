"""Outside requests for HMIS access: the attachment "Procedure for Granting CT HMIS Access".

The Lead Agency records an application as it receives it (3.1-3.3; decision 109: there is no
portal, 4.4), involves the CAN's leadership when a CAN is concerned (1.5, 4.2), and assesses it
against the ten core criteria (1.0) and the two disqualifiers (2.0). Hearth works out the
criteria the application itself answers (1.2, 1.5, 1.6, 1.7, 1.9 when not research) and checks
1.10 against its own records; the Lead Agency judges the rest. A disqualified application is
denied; one that meets every criterion goes to the Lead Agency, which grants through an MOU
stating the level (1.6, 4.1); any other goes to the HMIS Steering Committee subcommittee (4.3).
Every write is in the governance log, in the write's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.enforcer import notify_change
from authz.resources import Action, Resource
from models.access_reports import AccessEscalation
from models.compliance import CaseStatus, ComplianceCase
from models.enums import AccessLevel, AgencyStatus, SystemRole, UserStatus
from models.governance import Agency, Can
from models.outside_access import (
    AccessTerm,
    CanPosition,
    Criterion,
    Disqualifier,
    Finding,
    OutsideAccessApplication,
    OutsideAccessRoute,
    OutsideAccessStatus,
)
from models.users import SystemRoleGrant, User
from services import agencies, governance_log, notifications
from services.caller import Caller
from services.contacts import normalize_email
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.values import max_length

__all__ = [
    "ASSESSED_BY_LEAD_AGENCY",
    "CRITERIA_TEXT",
    "MAX_STAFF",
    "MAX_TEXT",
    "Application",
    "Judgement",
    "assess",
    "get_application",
    "grant",
    "record_application",
    "record_can_involvement",
    "record_subcommittee_decision",
    "revocations",
]

MAX_TEXT = 4000
MAX_STAFF = 50

# The attachment's words, shown with each finding.
CRITERIA_TEXT = {
    Criterion.NO_OTHER_REPORTING_OPTION: "The request cannot be met with other existing "
    "reporting options (custom data pulls or reports, CTCANDATA.org).",
    Criterion.ONGOING_ACCESS: "The request is for on-going access; one-time access will not be "
    "considered.",
    Criterion.FUNDING_OR_PROVIDER: "The request is directly related to a funding requirement or "
    "a homeless services provider.",
    Criterion.WORKS_WITH_PEOPLE_EXPERIENCING_HOMELESSNESS: "The requestor has a direct "
    "connection or a working relationship with people experiencing homelessness.",
    Criterion.CAN_PARTICIPATION: "If access to a particular CAN is requested, the CAN may "
    "participate in the decision.",
    Criterion.LEVEL_IN_MOU: "The access level (full access, view only, reporting only) is "
    "reflected in the MOU.",
    Criterion.TRAINING: "The requestor participates in HMIS training.",
    Criterion.CONTRIBUTES_TO_ENDING_HOMELESSNESS: "The requestor's access contributes to the "
    "cause of ending homelessness.",
    Criterion.RESEARCH_AGGREGATE_DATA: "A researcher's request is limited to aggregated and "
    "de-identified data whenever possible.",
    Criterion.GOOD_STANDING: "The requestor is in good standing and has not had previous HMIS "
    "access that was revoked.",
}
# The criteria only a person can judge; Hearth works out the others.
ASSESSED_BY_LEAD_AGENCY = frozenset(
    {
        Criterion.NO_OTHER_REPORTING_OPTION,
        Criterion.FUNDING_OR_PROVIDER,
        Criterion.WORKS_WITH_PEOPLE_EXPERIENCING_HOMELESSNESS,
        Criterion.CONTRIBUTES_TO_ENDING_HOMELESSNESS,
        Criterion.RESEARCH_AGGREGATE_DATA,
    }
)
_MEETS = frozenset({Finding.MET.value, Finding.NOT_APPLICABLE.value})


@dataclass(frozen=True, slots=True)
class Application:
    """What the requestor sent the Lead Agency (3.1-3.3), with the facts 1.2, 1.5, 1.7, 1.9 ask."""

    organisation_name: str
    contact_name: str
    contact_email: str
    purpose: str
    contribution: str
    program: str
    staff: list[tuple[str, str]]  # (name, e-mail)
    level_requested: AccessLevel
    term: AccessTerm
    researcher: bool
    training_agreed: bool
    coc_code: str
    can_id: UUID | None
    received_on: date


@dataclass(frozen=True, slots=True)
class Judgement:
    """The Lead Agency's finding on one criterion, with its reason."""

    criterion: Criterion
    finding: Finding
    note: str | None


def _line(value: str, column: str, field: str) -> str:
    value = value.strip()
    limit = max_length(OutsideAccessApplication, column)
    if not value or len(value) > limit:
        raise ValidationFailed(f"{field} must be 1 to {limit} characters.", field=field)
    return value


def _text(value: str | None, field: str, *, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(f"{field} is required.", field=field)
        return None
    if len(value) > MAX_TEXT:
        raise ValidationFailed(f"{field} has at most {MAX_TEXT} characters.", field=field)
    return value


def _required(value: str, field: str) -> str:
    text = _text(value, field)
    assert text is not None  # required: refused when empty
    return text


def _require(caller: Caller, action: Action, message: str) -> None:
    if not caller.decisions.system_wide(Resource.OUTSIDE_ACCESS, action):
        raise Forbidden(message)


def _date(value: date, caller: Caller, field: str, earliest: date | None = None) -> date:
    if value > caller.today:
        raise ValidationFailed(f"{field} cannot be in the future.", field=field)
    if earliest is not None and value < earliest:
        raise ValidationFailed(f"{field} is before the application was received.", field=field)
    return value


def _state(row: OutsideAccessApplication) -> dict[str, Any]:
    """What the governance log keeps of an application: its state, never its staff's contacts."""
    return {
        "status": row.status,
        "route": row.route,
        "levelRequested": row.level_requested,
        "canId": row.can_id,
        "canPosition": row.can_position,
        "agencyId": row.agency_id,
    }


async def get_application(application_id: UUID, *, lock: bool = False) -> OutsideAccessApplication:
    query = OutsideAccessApplication.filter(id=application_id)
    row = await (query.select_for_update() if lock else query).first()
    if row is None:
        raise NotFound("No such application.", field="applicationId")
    return row


async def record_application(*, caller: Caller, data: Application) -> OutsideAccessApplication:
    """Record an application as the Lead Agency received it (3.1: submitted to the Lead Agency)."""
    _require(caller, Action.CREATE, "Only the Lead Agency records outside access applications.")
    if not data.staff:
        raise ValidationFailed("Name the staff requesting access (3.3).", field="staff")
    if len(data.staff) > MAX_STAFF:
        raise ValidationFailed(f"At most {MAX_STAFF} staff.", field="staff")
    staff = []
    for index, (name, email) in enumerate(data.staff):
        staff.append(
            {
                "name": _line(name, "contact_name", f"staff[{index}].name"),
                "email": normalize_email(email, field=f"staff[{index}].email"),
            }
        )
    coc = await agencies.get_coc(data.coc_code)
    can = None
    if data.can_id is not None:
        can = await Can.get_or_none(id=data.can_id)
        if can is None:
            raise ValidationFailed("No such CAN.", field="canId")
        if can.coc_id != coc.id:
            raise ValidationFailed("The CAN belongs to another Continuum of Care.", field="canId")
    values: dict[str, Any] = {
        "organisation_name": _line(data.organisation_name, "organisation_name", "organisationName"),
        "contact_name": _line(data.contact_name, "contact_name", "contactName"),
        "contact_email": normalize_email(data.contact_email, field="contactEmail"),
        "purpose": _required(data.purpose, "purpose"),
        "contribution": _required(data.contribution, "contribution"),
        "program": _line(data.program, "program", "program"),
        "received_on": _date(data.received_on, caller, "receivedOn"),
    }
    async with in_transaction():
        row = await OutsideAccessApplication.create(
            **values,
            staff=staff,
            level_requested=data.level_requested,
            term=data.term,
            researcher=data.researcher,
            training_agreed=data.training_agreed,
            coc=coc,
            can=can,
            recorded_by_id=caller.principal.user_id,
            recorded_at=caller.now,
        )
        await governance_log.record(
            caller.principal,
            "outside_access.record",
            entity_type="OutsideAccessApplication",
            entity_id=row.id,
            now=caller.now,
            after={**_state(row), "term": row.term, "researcher": row.researcher},
        )
    return row


async def record_can_involvement(
    *,
    caller: Caller,
    application_id: UUID,
    leader_name: str,
    informed_on: date,
    position: CanPosition,
    note: str | None,
) -> OutsideAccessApplication:
    """CAN leadership informed and involved in the vetting and decision (1.5, 4.2)."""
    _require(caller, Action.DECIDE, "Only the Lead Agency records the CAN's involvement.")
    async with in_transaction():
        row = await get_application(application_id, lock=True)
        if row.can_id is None:
            raise ValidationFailed("The application concerns no CAN.", field="applicationId")
        if row.status not in (OutsideAccessStatus.RECEIVED, OutsideAccessStatus.REFERRED):
            raise Conflict("The application is past vetting.", field="applicationId")
        before = _state(row)
        row.can_leader_name = _line(leader_name, "can_leader_name", "leaderName")
        row.can_informed_on = _date(informed_on, caller, "informedOn", row.received_on)
        row.can_position = position
        row.can_note = _text(note, "note", required=position == CanPosition.OPPOSES)  # type: ignore[assignment]  # Tortoise types TextField(null=True) as str
        await row.save()
        await governance_log.record(
            caller.principal,
            "outside_access.can_involvement",
            entity_type="OutsideAccessApplication",
            entity_id=row.id,
            now=caller.now,
            before=before,
            after=_state(row),
            reason=row.can_note,
        )
    return row


async def revocations(row: OutsideAccessApplication) -> list[dict[str, Any]]:
    """What Hearth's records say for 1.10: earlier access of the organisation or its staff that
    was revoked (NOT_MET) or ended in a way a person should look at (UNCLEAR). Each entry names
    the record, never a person."""
    found: list[dict[str, Any]] = []
    for agency in await Agency.filter(name__iexact=row.organisation_name).order_by("id"):
        if agency.status == AgencyStatus.SUSPENDED:
            found.append(_revoked("Agency", agency.id, "AGENCY_SUSPENDED", Finding.NOT_MET))
        elif agency.status == AgencyStatus.INACTIVE:
            found.append(_revoked("Agency", agency.id, "AGENCY_INACTIVE", Finding.UNCLEAR))
    emails = [member["email"] for member in row.staff]
    users = await User.filter(email_normalized__in=emails).order_by("id")
    for user in users:
        escalations = AccessEscalation.filter(subject_id=user.id, deactivated_at__isnull=False)
        if await escalations.exists():
            # deactivated for inappropriate use after the HDC's and manager's review (212)
            found.append(_revoked("User", user.id, "DEACTIVATED_FOR_MISUSE", Finding.NOT_MET))
        elif await ComplianceCase.exists(user_id=user.id, status=CaseStatus.ENFORCED):
            # made inactive when a 109/202/211 deadline passed: a lapse, for a person to weigh
            found.append(_revoked("User", user.id, "DEACTIVATED_BY_DEADLINE", Finding.UNCLEAR))
    return found


def _revoked(record: str, id: Any, why: str, finding: Finding) -> dict[str, Any]:
    return {"record": record, "id": str(id), "why": why, "finding": finding.value}


def _worked_out(row: OutsideAccessApplication, found: list[dict[str, Any]]) -> dict[str, Any]:
    """The criteria the application and Hearth's records answer."""
    out: dict[str, Any] = {}

    def put(criterion: Criterion, finding: Finding, note: str | None, source: str) -> None:
        out[criterion.value] = {"finding": finding.value, "note": note, "source": source}

    if row.term == AccessTerm.ONGOING:
        put(Criterion.ONGOING_ACCESS, Finding.MET, None, "APPLICATION")
    else:
        put(Criterion.ONGOING_ACCESS, Finding.NOT_MET, "One-time access asked.", "APPLICATION")
    if row.can_id is None:
        put(Criterion.CAN_PARTICIPATION, Finding.NOT_APPLICABLE, "No CAN concerned.", "APPLICATION")
    elif row.can_position == CanPosition.OPPOSES:
        put(Criterion.CAN_PARTICIPATION, Finding.UNCLEAR, "CAN leadership opposes.", "CAN")
    else:
        put(
            Criterion.CAN_PARTICIPATION, Finding.MET, "CAN leadership informed and involved.", "CAN"
        )
    put(
        Criterion.LEVEL_IN_MOU,
        Finding.MET,
        f"The grant records an MOU stating {row.level_requested.value}.",
        "HEARTH",
    )
    if row.training_agreed:
        put(
            Criterion.TRAINING,
            Finding.MET,
            "Training required before use (policy 110).",
            "APPLICATION",
        )
    else:
        put(Criterion.TRAINING, Finding.NOT_MET, "Training not agreed.", "APPLICATION")
    findings = {entry["finding"] for entry in found}
    if Finding.NOT_MET.value in findings:
        put(Criterion.GOOD_STANDING, Finding.NOT_MET, "Earlier access revoked.", "RECORDS")
    elif findings:
        put(Criterion.GOOD_STANDING, Finding.UNCLEAR, "Earlier access ended.", "RECORDS")
    else:
        put(Criterion.GOOD_STANDING, Finding.MET, "No revoked access in Hearth.", "RECORDS")
    return out


def _judged(row: OutsideAccessApplication, judgements: list[Judgement]) -> dict[str, Any]:
    """The Lead Agency's findings: exactly the criteria only a person can judge."""
    wanted = set(ASSESSED_BY_LEAD_AGENCY)
    if not row.researcher:
        wanted.discard(Criterion.RESEARCH_AGGREGATE_DATA)
    out: dict[str, Any] = {}
    for index, judgement in enumerate(judgements):
        field = f"findings[{index}]"
        if judgement.criterion not in wanted:
            raise ValidationFailed(
                f"Criterion {judgement.criterion.value} is not one the Lead Agency judges here.",
                field=f"{field}.criterion",
            )
        if judgement.criterion.value in out:
            raise ValidationFailed("A criterion is judged once.", field=f"{field}.criterion")
        if judgement.finding == Finding.NOT_APPLICABLE:
            raise ValidationFailed("Judge the criterion as met, not met or unclear.", field=field)
        note = _text(judgement.note, f"{field}.note", required=judgement.finding != Finding.MET)
        out[judgement.criterion.value] = {
            "finding": judgement.finding.value,
            "note": note,
            "source": "LEAD_AGENCY",
        }
    missing = sorted(c.value for c in wanted if c.value not in out)
    if missing:
        raise ValidationFailed(f"Judge criteria {', '.join(missing)}.", field="findings")
    if not row.researcher:
        out[Criterion.RESEARCH_AGGREGATE_DATA.value] = {
            "finding": Finding.NOT_APPLICABLE.value,
            "note": "Not a researcher.",
            "source": "APPLICATION",
        }
    return out


async def assess(
    *,
    caller: Caller,
    application_id: UUID,
    judgements: list[Judgement],
    high_risk_of_abuse: bool,
    risk_note: str | None,
) -> OutsideAccessApplication:
    """Check the application against 1.0 and 2.0 and send it on its way (2.0, 4.3)."""
    _require(caller, Action.DECIDE, "Only the Lead Agency assesses outside access applications.")
    risk = _text(risk_note, "riskNote", required=high_risk_of_abuse)
    async with in_transaction():
        row = await get_application(application_id, lock=True)
        if row.status != OutsideAccessStatus.RECEIVED:
            raise Conflict("The application has been assessed.", field="applicationId")
        if row.can_id is not None and row.can_informed_on is None:
            raise ValidationFailed(
                "Inform and involve the CAN's leadership first (1.5, 4.2).", field="applicationId"
            )
        before = _state(row)
        found = await revocations(row)
        criteria = {**_worked_out(row, found), **_judged(row, judgements)}
        row.criteria = {c.value: criteria[c.value] for c in Criterion}
        row.revocations = found
        one_time = row.term == AccessTerm.ONE_TIME
        row.disqualifiers = {
            Disqualifier.ONE_TIME_ACCESS.value: {
                "applies": one_time,
                "note": "One-time access asked." if one_time else None,
                "source": "APPLICATION",
            },
            Disqualifier.HIGH_RISK_OF_ABUSE.value: {
                "applies": high_risk_of_abuse,
                "note": risk,
                "source": "LEAD_AGENCY",
            },
        }
        revoked = row.criteria[Criterion.GOOD_STANDING.value]["finding"] == Finding.NOT_MET.value
        row.assessed_by_id = caller.principal.user_id
        row.assessed_at = caller.now
        if one_time or high_risk_of_abuse or revoked:
            row.route = OutsideAccessRoute.DISQUALIFIED
            row.status = OutsideAccessStatus.DENIED
            row.decided_by_id = caller.principal.user_id
            row.decided_at = caller.now
            row.decision_reason = _disqualified(
                one_time, risk if high_risk_of_abuse else None, revoked
            )
        elif all(entry["finding"] in _MEETS for entry in row.criteria.values()):
            row.route = OutsideAccessRoute.LEAD_AGENCY
            row.status = OutsideAccessStatus.READY
        else:
            row.route = OutsideAccessRoute.SUBCOMMITTEE
            row.status = OutsideAccessStatus.REFERRED
        await row.save()
        await governance_log.record(
            caller.principal,
            "outside_access.assess",
            entity_type="OutsideAccessApplication",
            entity_id=row.id,
            now=caller.now,
            before=before,
            after={
                **_state(row),
                "criteria": {k: v["finding"] for k, v in row.criteria.items()},
                "disqualifiers": {k: v["applies"] for k, v in row.disqualifiers.items()},
                "revocations": row.revocations,
            },
            reason=row.decision_reason,
        )
        if row.status == OutsideAccessStatus.REFERRED:
            await _tell_the_subcommittee(row, caller)
    return row


def _disqualified(one_time: bool, risk: str | None, revoked: bool) -> str:
    reasons = []
    if one_time:
        reasons.append("2.1: one-time access only.")
    if risk is not None:
        reasons.append(f"2.2: possibility for high abuse of client data: {risk}")
    if revoked:
        reasons.append("1.10: earlier HMIS access revoked, in Hearth's records.")
    return "Not granted. " + " ".join(reasons)


async def _tell_the_subcommittee(row: OutsideAccessApplication, caller: Caller) -> None:
    """The Data Strategy Board's members (the Steering Committee's successor) hear of a referral."""
    grants = await SystemRoleGrant.filter(
        role=SystemRole.DSB_MEMBER, user__status=UserStatus.ACTIVE
    )
    members = sorted({grant.user_id for grant in grants})
    await notifications.queue(
        [
            notifications.Notice(
                kind="outside_access.referred",
                subject="Outside HMIS access application to vet",
                body=(
                    "An outside request for HMIS access does not clearly meet the core criteria "
                    "and is referred to the HMIS Steering Committee subcommittee (Procedure for "
                    f"Granting CT HMIS Access, 4.3). Application {row.id}."
                ),
                dedupe_key=f"outside_access.referred:{row.id}:{member}",
                recipient_id=member,
                payload={"applicationId": str(row.id)},
            )
            for member in members
        ],
        now=caller.now,
    )


async def record_subcommittee_decision(
    *,
    caller: Caller,
    application_id: UUID,
    approve: bool,
    reason: str,
    members: list[str],
    decided_on: date,
) -> OutsideAccessApplication:
    """The HMIS Steering Committee subcommittee's decision on a referred application (4.3)."""
    _require(
        caller, Action.VET, "Only a Data Strategy Board member records the subcommittee's decision."
    )
    why = _required(reason, "reason")
    if not members or len(members) > MAX_STAFF:
        raise ValidationFailed(f"Name 1 to {MAX_STAFF} members who vetted it.", field="members")
    names = [_line(m, "can_leader_name", f"members[{i}]") for i, m in enumerate(members)]
    async with in_transaction():
        row = await get_application(application_id, lock=True)
        if row.status != OutsideAccessStatus.REFERRED:
            raise Conflict("The application is not before the subcommittee.", field="applicationId")
        if row.assessed_by_id == caller.principal.user_id:
            raise Forbidden("The Lead Agency's assessor does not vet their own referral.")
        before = _state(row)
        row.subcommittee_decided_on = _date(decided_on, caller, "decidedOn", row.received_on)
        row.subcommittee_members = names
        row.subcommittee_approved = approve
        row.subcommittee_reason = why
        row.subcommittee_recorded_by_id = caller.principal.user_id
        if approve:
            row.status = OutsideAccessStatus.APPROVED
        else:
            row.status = OutsideAccessStatus.DENIED
            row.decided_by_id = caller.principal.user_id
            row.decided_at = caller.now
            row.decision_reason = f"Denied by the HMIS Steering Committee subcommittee: {why}"
        await row.save()
        await governance_log.record(
            caller.principal,
            "outside_access.subcommittee_decide",
            entity_type="OutsideAccessApplication",
            entity_id=row.id,
            now=caller.now,
            before=before,
            after={**_state(row), "approved": approve, "members": len(names)},
            reason=why,
        )
    return row


async def grant(
    *,
    caller: Caller,
    application_id: UUID,
    signed_on: date,
    signed_by: str,
    agency_id: UUID | None,
    note: str | None,
) -> OutsideAccessApplication:
    """The Lead Agency grants through an MOU stating the level requested (1.6, 4.1, 4.3): the
    requestor's agency is created (or the one given, which has no MOU yet, is used) and its MOU
    recorded by ``services.agencies.record_mou``, all in one transaction."""
    _require(caller, Action.DECIDE, "Only the Lead Agency grants outside access.")
    extra = _text(note, "note", required=False)
    reloaded = False
    try:
        async with in_transaction():
            row = await get_application(application_id, lock=True)
            if row.status not in (OutsideAccessStatus.READY, OutsideAccessStatus.APPROVED):
                raise Conflict(
                    "Only an application that meets the core criteria, or that the subcommittee "
                    "approved, is granted.",
                    field="applicationId",
                )
            _date(signed_on, caller, "signedOn", row.received_on)
            before = _state(row)
            if agency_id is None:
                agency = await agencies.create_agency(
                    caller=caller,
                    data={
                        "name": row.organisation_name,
                        "coc_code": (await row.coc).code,
                        "can_id": row.can_id,
                    },
                )
            else:
                agency = await agencies.get_agency(agency_id, lock=True)
                if agency.mou_signed_on is not None:
                    raise Conflict(
                        "The agency already has an MOU; outside access starts a new one.",
                        field="agencyId",
                    )
            basis = (
                "Meets the core criteria (4.3)."
                if row.status == OutsideAccessStatus.READY
                else f"Approved by the HMIS Steering Committee subcommittee: {row.subcommittee_reason}"
            )
            row.status = OutsideAccessStatus.GRANTED
            row.agency_id = agency.id
            row.decided_by_id = caller.principal.user_id
            row.decided_at = caller.now
            row.decision_reason = f"{basis} {extra}" if extra else basis
            await row.save()
            await governance_log.record(
                caller.principal,
                "outside_access.grant",
                entity_type="OutsideAccessApplication",
                entity_id=row.id,
                now=caller.now,
                agency_id=agency.id,
                before=before,
                after={
                    **_state(row),
                    "mou": {"signedOn": signed_on, "accessLevels": [row.level_requested]},
                },
                reason=row.decision_reason,
            )
            # Last: record_mou reloads this process's authorizer from inside the transaction.
            await agencies.record_mou(
                caller=caller,
                agency_id=agency.id,
                signed_on=signed_on,
                signed_by=signed_by,
                access_levels=[row.level_requested],
            )
            reloaded = True
    finally:
        # record_mou reloaded the authorizer from inside the transaction: again once it ended,
        # committed (every process learns of the MOU) or not (none keeps a grant never made)
        if reloaded:
            await notify_change()
    return row
