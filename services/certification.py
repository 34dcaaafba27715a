"""Annual certification (policies 201, 210): Exhibits A and B, each agency's self-certification
item by item each year, first-time access, the 45-60 day remediation, and the Lead Agency's
yearly monitoring sample of at least 25% of participating agencies.

Every write here is logged in the governance log in its own transaction (decision 103).
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from authz.enforcer import Decisions, notify_change
from authz.resources import Action, Resource
from models.certification import (
    AgencyCase,
    AgencyCaseKind,
    AgencyCaseStatus,
    AgencyClearance,
    Certification,
    CertificationAnswer,
    CertificationItem,
    ClearanceBasis,
    Exhibit,
    MonitoringResult,
    MonitoringSample,
    MonitoringSelection,
    RemediationStep,
)
from models.enums import AgencyStatus, Duty, SystemRole, UserStatus
from models.governance import Agency
from models.users import SystemRoleGrant, User, UserDuty
from services import governance_log
from services.agencies import get_agency
from services.caller import Caller
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.notifications import Notice, queue
from services.values import bounded

__all__ = [
    "REMEDIATION_MAX_DAYS",
    "REMEDIATION_MIN_DAYS",
    "SAMPLE_MIN_PERCENT",
    "AnswerInput",
    "CertifyResult",
    "CoordinatorContact",
    "ExhibitStatus",
    "cases_visible_to",
    "certifications_visible_to",
    "certify",
    "complete_step",
    "create_item",
    "draw_sample",
    "draw_selection",
    "exhibit_status",
    "items",
    "plan_remediation",
    "record_monitoring_result",
    "request_documentation",
    "retire_item",
    "update_item",
]

# Policy 210: "a 45-60 day remediation process".
REMEDIATION_MIN_DAYS = 45
REMEDIATION_MAX_DAYS = 60
# Policy 201: "The HMIS Lead Agency is required to monitor 25% of Participating Agencies annually."
SAMPLE_MIN_PERCENT = 25

_DUTY_FOR = {Exhibit.A: Duty.HMIS_DATA_COORDINATOR, Exhibit.B: Duty.AGENCY_SECURITY_COORDINATOR}
_EXHIBIT_NAME = {
    Exhibit.A: "Exhibit A (Annual Administrative Certification Checklist)",
    Exhibit.B: "Exhibit B (Annual Security Certification Checklist)",
}
_FOOTER = "\nThis message was sent by the CT HMIS system. It contains no client information.\n"


def _text(value: str | None, model: type, column: str, field: str, *, required: bool) -> str | None:
    value = value.strip() if value is not None else None
    if not value:
        if required:
            raise ValidationFailed(f"{field} is required.", field=field)
        return None
    bounded(value, model, column, field)
    return value


async def system_role_holders(role: SystemRole) -> list[User]:
    """Active users holding a system role (the recipients of system-wide notices)."""
    return list(
        await User.filter(
            status=UserStatus.ACTIVE,
            id__in=Subquery(SystemRoleGrant.filter(role=role).values("user_id")),
        ).order_by("username")
    )


async def agency_coordinators(agency_id: UUID) -> list[tuple[Duty, User]]:
    """The agency's HDC and Agency Security Coordinator, active ones only."""
    rows = await UserDuty.filter(agency_id=agency_id).select_related("user")
    return [
        (Duty(d.duty), d.user)
        for d in sorted(rows, key=lambda d: d.duty)
        if d.user.status == UserStatus.ACTIVE
    ]


def notice_to(
    user: User, *, kind: str, subject: str, body: str, key: str, agency_id: UUID | None
) -> Notice:
    return Notice(
        kind=kind,
        subject=subject,
        body=f"Hello {user.first_name or user.username},\n\n{body}\n{_FOOTER}",
        dedupe_key=f"{key}:user:{user.id}"[:200],
        recipient_id=user.id,
        agency_id=agency_id,
        payload={"event": kind},
    )


# ---------------------------------------------------------------------------------------------
# The exhibits' items (the System Administrator maintains them)


async def items(exhibit: Exhibit | None, *, include_retired: bool) -> list[CertificationItem]:
    query = CertificationItem.all()
    if exhibit is not None:
        query = query.filter(exhibit=exhibit)
    if not include_retired:
        query = query.filter(retired_at__isnull=True)
    return list(await query.order_by("exhibit", "position", "code"))


def _item_values(item: CertificationItem) -> dict[str, object]:
    return {
        "exhibit": item.exhibit,
        "code": item.code,
        "text": item.text,
        "policy": item.policy,
        "position": item.position,
        "retiredAt": item.retired_at,
    }


def _require_manager(decisions: Decisions) -> None:
    if not decisions.system_wide(Resource.CERTIFICATION_ITEM, Action.MANAGE):
        raise Forbidden("Only the System Administrator maintains Exhibits A and B.")


async def create_item(
    *, caller: Caller, exhibit: Exhibit, code: str, text: str, policy: str, reason: str | None
) -> CertificationItem:
    """Add an item at the end of its exhibit. A code already used: CONFLICT."""
    _require_manager(caller.decisions)
    code_value = _text(code, CertificationItem, "code", "code", required=True)
    text_value = _text(text, CertificationItem, "text", "text", required=True)
    policy_value = _text(policy, CertificationItem, "policy", "policy", required=True)
    async with in_transaction():
        last = await CertificationItem.filter(exhibit=exhibit).order_by("-position").first()
        try:
            item = await CertificationItem.create(
                exhibit=exhibit,
                code=code_value,
                text=text_value,
                policy=policy_value,
                position=(last.position + 1) if last else 1,
                created_at=caller.now,
                updated_at=caller.now,
            )
        except IntegrityError:
            raise Conflict("An item with this code exists.", field="code") from None
        await governance_log.record(
            caller.principal,
            "certification_item.create",
            entity_type="certification_item",
            entity_id=item.id,
            now=caller.now,
            after=_item_values(item),
            reason=reason,
        )
    return item


async def update_item(
    *,
    caller: Caller,
    item_id: UUID,
    text: str | None,
    policy: str | None,
    position: int | None,
    reason: str | None,
) -> CertificationItem:
    """Reword an item, change its policies or its place. Answers keep the text they answered."""
    _require_manager(caller.decisions)
    async with in_transaction():
        item = await CertificationItem.filter(id=item_id).select_for_update().first()
        if item is None:
            raise NotFound("No such certification item.", field="id")
        if item.retired_at is not None:
            raise Conflict("The item is retired.", field="id")
        before = _item_values(item)
        if text is not None:
            item.text = _text(text, CertificationItem, "text", "text", required=True) or item.text
        if policy is not None:
            item.policy = (
                _text(policy, CertificationItem, "policy", "policy", required=True) or item.policy
            )
        if position is not None:
            if not 1 <= position <= 1000:
                raise ValidationFailed("position is from 1 to 1000.", field="position")
            item.position = position
        item.updated_at = caller.now
        await item.save()
        await governance_log.record(
            caller.principal,
            "certification_item.update",
            entity_type="certification_item",
            entity_id=item.id,
            now=caller.now,
            before=before,
            after=_item_values(item),
            reason=reason,
        )
    return item


async def retire_item(*, caller: Caller, item_id: UUID, reason: str | None) -> CertificationItem:
    """Take an item out of the exhibit: later certifications no longer answer it."""
    _require_manager(caller.decisions)
    async with in_transaction():
        item = await CertificationItem.filter(id=item_id).select_for_update().first()
        if item is None:
            raise NotFound("No such certification item.", field="id")
        if item.retired_at is not None:
            return item
        remaining = await CertificationItem.filter(
            exhibit=item.exhibit, retired_at__isnull=True
        ).count()
        if remaining <= 1:
            raise Conflict("An exhibit keeps at least one item.", field="id")
        before = _item_values(item)
        item.retired_at = item.updated_at = caller.now
        await item.save()
        await governance_log.record(
            caller.principal,
            "certification_item.retire",
            entity_type="certification_item",
            entity_id=item.id,
            now=caller.now,
            before=before,
            after=_item_values(item),
            reason=reason,
        )
    return item


# ---------------------------------------------------------------------------------------------
# Certifying


@dataclass(frozen=True, slots=True)
class AnswerInput:
    item_id: UUID
    met: bool
    evidence: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class CoordinatorContact:
    name: str
    email: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class CertifyResult:
    certification: Certification
    # The agency's first-time access was cleared by this certification.
    cleared: bool
    # The remediation case this certification opened (an established agency that fell short).
    case: AgencyCase | None
    # The remediation case this certification resolved.
    resolved: AgencyCase | None


def _check_answers(
    answers: Sequence[AnswerInput], in_force: list[CertificationItem]
) -> list[tuple[CertificationItem, AnswerInput, str | None, str | None]]:
    by_id = {i.id: i for i in in_force}
    seen: set[UUID] = set()
    checked = []
    for index, answer in enumerate(answers):
        field = f"answers[{index}]"
        item = by_id.get(answer.item_id)
        if item is None:
            raise ValidationFailed("Not an item of this exhibit in force.", field=f"{field}.itemId")
        if answer.item_id in seen:
            raise ValidationFailed("The item is answered twice.", field=f"{field}.itemId")
        seen.add(answer.item_id)
        evidence = _text(
            answer.evidence,
            CertificationAnswer,
            "evidence",
            f"{field}.evidence",
            required=answer.met,
        )
        note = _text(
            answer.note, CertificationAnswer, "note", f"{field}.note", required=not answer.met
        )
        checked.append((item, answer, evidence, note))
    missing = [i.code for i in in_force if i.id not in seen]
    if missing:
        raise ValidationFailed(
            "Answer every item of the exhibit; missing: " + ", ".join(missing) + ".",
            field="answers",
        )
    return checked


async def certify(
    *,
    caller: Caller,
    agency_id: UUID,
    exhibit: Exhibit,
    answers: Sequence[AnswerInput],
    coordinator: CoordinatorContact | None,
) -> CertifyResult:
    """The agency's HDC (Exhibit A) or Agency Security Coordinator (Exhibit B) certifies the
    year's exhibit item by item. Every item met: the exhibit is certified; with the other
    exhibit met the same year, a first-time agency gains access. An item not met at an agency
    that already has access opens a remediation case (45-60 days, access continuing)."""
    principal = caller.principal
    duty = _DUTY_FOR[exhibit]
    if (
        not caller.decisions.in_agency(Resource.CERTIFICATION, Action.RECORD, agency_id)
        or (
            agency_id,
            duty,
        )
        not in principal.duties
    ):
        raise Forbidden(
            "Only the agency's HMIS Data Coordinator certifies Exhibit A, and only its Agency "
            "Security Coordinator Exhibit B (policy 210)."
        )
    contact: tuple[str | None, str | None, str | None] = (None, None, None)
    if exhibit == Exhibit.B:
        if coordinator is None:
            raise ValidationFailed(
                "Exhibit B confirms the Agency Security Coordinator's name and contact "
                "(policy 108).",
                field="coordinator",
            )
        contact = (
            _text(
                coordinator.name,
                Certification,
                "coordinator_name",
                "coordinator.name",
                required=True,
            ),
            _text(
                coordinator.email,
                Certification,
                "coordinator_email",
                "coordinator.email",
                required=True,
            ),
            _text(
                coordinator.phone,
                Certification,
                "coordinator_phone",
                "coordinator.phone",
                required=False,
            ),
        )
        if "@" not in (contact[1] or ""):
            raise ValidationFailed("Not an e-mail address.", field="coordinator.email")
    elif coordinator is not None:
        raise ValidationFailed("Only Exhibit B names the coordinator.", field="coordinator")
    now, today = caller.now, caller.today
    year = today.year
    async with in_transaction():
        agency = await get_agency(agency_id, lock=True)
        if agency.status != AgencyStatus.ACTIVE:
            raise Conflict("The agency's HMIS access is not active.", field="agencyId")
        in_force = await items(exhibit, include_retired=False)
        checked = _check_answers(answers, in_force)
        met = all(a.met for _, a, _, _ in checked)
        certification = await Certification.create(
            agency=agency,
            year=year,
            exhibit=exhibit,
            certified_by_id=principal.user_id,
            certified_at=now,
            certified_on=today,
            met=met,
            coordinator_name=contact[0],
            coordinator_email=contact[1],
            coordinator_phone=contact[2],
        )
        await CertificationAnswer.bulk_create(
            [
                CertificationAnswer(
                    certification=certification,
                    item=item,
                    item_text=item.text,
                    met=answer.met,
                    evidence=evidence,
                    note=note,
                )
                for item, answer, evidence, note in checked
            ]
        )
        await governance_log.record(
            principal,
            "certification.record",
            entity_type="certification",
            entity_id=certification.id,
            now=now,
            agency_id=agency.id,
            after={
                "year": year,
                "exhibit": exhibit,
                "met": met,
                "itemsNotMet": [i.code for i, a, _, _ in checked if not a.met],
                "coordinatorConfirmed": exhibit == Exhibit.B,
            },
        )
        clearance = await AgencyClearance.get_or_none(agency_id=agency.id)
        cleared, case, resolved = False, None, None
        if met:
            resolved = await _resolve_remediation(caller, agency, exhibit, certification)
            if clearance is None and await Certification.exists(
                agency_id=agency.id,
                year=year,
                exhibit=Exhibit.B if exhibit == Exhibit.A else Exhibit.A,
                met=True,
            ):
                await AgencyClearance.create(
                    agency=agency, basis=ClearanceBasis.CERTIFIED, cleared_at=now, year=year
                )
                await governance_log.record(
                    principal,
                    "agency_clearance.grant",
                    entity_type="agency_clearance",
                    entity_id=agency.id,
                    now=now,
                    agency_id=agency.id,
                    after={"basis": ClearanceBasis.CERTIFIED, "year": year},
                    reason="Exhibits A and B self-certified as met (policy 210).",
                )
                cleared = True
        elif clearance is not None:
            case = await _open_remediation(caller, agency, certification)
    if cleared:
        await notify_change()
    return CertifyResult(certification, cleared, case, resolved)


async def _open_remediation(
    caller: Caller, agency: Agency, certification: Certification
) -> AgencyCase:
    """The remediation case of an established agency that could not certify (policy 210): due
    at the window's far end until the System Administrator sets the date and the steps. A case
    already open for the exhibit keeps running (its date is not moved by a second shortfall)."""
    exhibit = Exhibit(certification.exhibit)
    existing = await AgencyCase.filter(
        agency_id=agency.id,
        kind=AgencyCaseKind.REMEDIATION,
        exhibit=exhibit,
        status=AgencyCaseStatus.OPEN,
    ).first()
    if existing is not None:
        return existing
    today = caller.today
    case = await AgencyCase.create(
        agency=agency,
        kind=AgencyCaseKind.REMEDIATION,
        opened_at=caller.now,
        opened_on=today,
        due_on=today + timedelta(days=REMEDIATION_MAX_DAYS),
        certification=certification,
        year=certification.year,
        exhibit=exhibit,
    )
    await governance_log.record(
        caller.principal,
        "agency_case.open",
        entity_type="agency_case",
        entity_id=case.id,
        now=caller.now,
        agency_id=agency.id,
        after={"kind": case.kind, "exhibit": exhibit, "year": case.year, "dueOn": case.due_on},
        reason="An established agency could not self-certify every item (policy 210).",
    )
    body = (
        f"{agency.name} could not self-certify every item of {_EXHIBIT_NAME[exhibit]} for "
        f"{certification.year}. Under policy 210 the agency works with the System Administrator in "
        f"a 45-60 day remediation; its CT HMIS access continues meanwhile. The System "
        f"Administrator sets the due date (no later than {case.due_on.isoformat()}) and the "
        "remediation steps; the Lead Agency monitors."
    )
    recipients = [u for _, u in await agency_coordinators(agency.id)]
    for role in (SystemRole.SYSTEM_ADMINISTRATOR, SystemRole.LEAD_AGENCY):
        recipients += await system_role_holders(role)
    await queue(
        [
            notice_to(
                u,
                kind="certification.remediation.opened",
                subject=f"CT HMIS remediation opened for {agency.name}"[:200],
                body=body,
                key=f"agency_case:{case.id}:opened",
                agency_id=agency.id,
            )
            for u in {u.id: u for u in recipients}.values()
        ],
        now=caller.now,
    )
    return case


async def _resolve_remediation(
    caller: Caller, agency: Agency, exhibit: Exhibit, certification: Certification
) -> AgencyCase | None:
    case = (
        await AgencyCase.filter(
            agency_id=agency.id,
            kind=AgencyCaseKind.REMEDIATION,
            exhibit=exhibit,
            status=AgencyCaseStatus.OPEN,
        )
        .select_for_update()
        .first()
    )
    if case is None:
        return None
    case.status = AgencyCaseStatus.RESOLVED
    case.closed_at = caller.now
    case.resolution = (
        f"Recertified as met on {caller.today.isoformat()} (certification {certification.id})."
    )
    await case.save()
    await governance_log.record(
        caller.principal,
        "agency_case.resolve",
        entity_type="agency_case",
        entity_id=case.id,
        now=caller.now,
        agency_id=agency.id,
        before={"status": AgencyCaseStatus.OPEN},
        after={"status": case.status, "certificationId": certification.id},
        reason="Every item self-certified as met (policy 210).",
    )
    return case


# ---------------------------------------------------------------------------------------------
# Where an agency stands


@dataclass(frozen=True, slots=True)
class ExhibitStatus:
    """One exhibit of one agency: its latest certification and when the next is due."""

    exhibit: Exhibit
    latest: Certification | None
    # The latest certification of the exhibit with every item met.
    last_met: Certification | None
    # A year after the last certification met (or the agency's clearance); None: never cleared
    # nor certified (a first-time agency certifies before it has access).
    due_on: date | None
    overdue: bool


async def exhibit_status(
    agency_id: UUID, today: date, clearance: AgencyClearance | None
) -> list[ExhibitStatus]:
    rows = await Certification.filter(agency_id=agency_id).order_by("-certified_at", "-id")
    result = []
    for exhibit in (Exhibit.A, Exhibit.B):
        mine = [c for c in rows if c.exhibit == exhibit]
        latest = mine[0] if mine else None
        last_met = next((c for c in mine if c.met), None)
        base: date | None = last_met.certified_on if last_met else None
        if base is None and clearance is not None:
            base = clearance.cleared_at.date()
        due = _plus_year(base) if base else None
        result.append(
            ExhibitStatus(exhibit, latest, last_met, due, due is not None and today > due)
        )
    return result


def _plus_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _readable_agencies(decisions: Decisions, resource: Resource) -> frozenset[UUID] | None:
    """None: every agency (a system-wide reader); otherwise the agencies the caller reads in."""
    if decisions.system_wide(resource, Action.READ):
        return None
    return frozenset(decisions.agencies(resource, Action.READ))


def check_agency_readable(decisions: Decisions, resource: Resource, agency_id: UUID) -> None:
    scope = _readable_agencies(decisions, resource)
    if scope is not None and agency_id not in scope:
        raise Forbidden("You may see your own agency's certification records only.")


def certifications_visible_to(
    decisions: Decisions, *, agency_id: UUID | None, year: int | None, exhibit: Exhibit | None
) -> QuerySet[Certification]:
    """The Lead Agency, System Administrator and Security Officer: every agency's; an HDC or
    Security Coordinator: their agency's. Another agency: FORBIDDEN."""
    query = Certification.all()
    scope = _readable_agencies(decisions, Resource.CERTIFICATION)
    if agency_id is not None:
        check_agency_readable(decisions, Resource.CERTIFICATION, agency_id)
        query = query.filter(agency_id=agency_id)
    elif scope is not None:
        query = query.filter(agency_id__in=list(scope))
    if year is not None:
        query = query.filter(year=year)
    if exhibit is not None:
        query = query.filter(exhibit=exhibit)
    return query


def cases_visible_to(
    decisions: Decisions,
    *,
    agency_id: UUID | None,
    kind: AgencyCaseKind | None,
    status: AgencyCaseStatus | None,
) -> QuerySet[AgencyCase]:
    """Agency cases: all for the Lead Agency, System Administrator and Security Officer; an
    agency's own for its HDC and Security Coordinator."""
    query = AgencyCase.all()
    scope = _readable_agencies(decisions, Resource.AGENCY_CASE)
    if agency_id is not None:
        if scope is not None and agency_id not in scope:
            raise Forbidden("You may see your own agency's cases only.")
        query = query.filter(agency_id=agency_id)
    elif scope is not None:
        query = query.filter(agency_id__in=list(scope))
    if kind is not None:
        query = query.filter(kind=kind)
    if status is not None:
        query = query.filter(status=status)
    return query


# ---------------------------------------------------------------------------------------------
# Remediation


async def plan_remediation(
    *, caller: Caller, case_id: UUID, due_on: date, steps: Sequence[str], reason: str | None
) -> AgencyCase:
    """The System Administrator sets the remediation's due date, 45 to 60 days from the day the
    case opened (outside: VALIDATION), and the steps the agency is to complete. Planning again
    replaces the steps not yet done."""
    if not caller.decisions.system_wide(Resource.AGENCY_CASE, Action.MANAGE):
        raise Forbidden("Only the System Administrator plans a remediation.")
    texts = [
        _text(s, RemediationStep, "text", f"steps[{i}]", required=True) or ""
        for i, s in enumerate(steps)
    ]
    if not texts:
        raise ValidationFailed("Name at least one remediation step.", field="steps")
    if len(texts) > 50:
        raise ValidationFailed("At most 50 steps.", field="steps")
    async with in_transaction():
        case = await AgencyCase.filter(id=case_id).select_for_update().first()
        if case is None or case.kind != AgencyCaseKind.REMEDIATION:
            raise NotFound("No such remediation case.", field="caseId")
        if case.status != AgencyCaseStatus.OPEN:
            raise Conflict("The case is closed.", field="caseId")
        earliest = case.opened_on + timedelta(days=REMEDIATION_MIN_DAYS)
        latest = case.opened_on + timedelta(days=REMEDIATION_MAX_DAYS)
        if not earliest <= due_on <= latest:
            raise ValidationFailed(
                f"A remediation is due 45 to 60 days after it opened: from {earliest.isoformat()} "
                f"to {latest.isoformat()} (policy 210).",
                field="dueOn",
            )
        before = {
            "dueOn": case.due_on,
            "steps": [s.text for s in await RemediationStep.filter(case=case).order_by("position")],
        }
        done = list(
            await RemediationStep.filter(case=case, done_at__isnull=False).order_by("position")
        )
        await RemediationStep.filter(case=case, done_at__isnull=True).delete()
        start = max((s.position for s in done), default=0)
        await RemediationStep.bulk_create(
            [
                RemediationStep(case=case, position=start + i, text=text)
                for i, text in enumerate(texts, 1)
            ]
        )
        case.due_on = due_on
        case.planned_at = caller.now
        case.planned_by_id = caller.principal.user_id
        await case.save()
        await governance_log.record(
            caller.principal,
            "agency_case.plan",
            entity_type="agency_case",
            entity_id=case.id,
            now=caller.now,
            agency_id=case.agency_id,
            before=before,
            after={"dueOn": due_on, "steps": [s.text for s in done] + texts},
            reason=reason,
        )
        agency = await Agency.get(id=case.agency_id)
        body = (
            f"The System Administrator set the remediation of {agency.name} "
            f"({_EXHIBIT_NAME[Exhibit(case.exhibit or 'A')]}) to be completed by "
            f"{due_on.isoformat()} (policy 210). Steps:\n" + "".join(f"  - {t}\n" for t in texts)
        )
        await queue(
            [
                notice_to(
                    u,
                    kind="certification.remediation.planned",
                    subject=f"CT HMIS remediation plan for {agency.name}"[:200],
                    body=body,
                    key=f"agency_case:{case.id}:planned:{caller.now.isoformat()}",
                    agency_id=agency.id,
                )
                for _, u in await agency_coordinators(agency.id)
            ],
            now=caller.now,
        )
    return case


async def complete_step(*, caller: Caller, step_id: UUID) -> RemediationStep:
    """The agency's HDC or Security Coordinator marks a remediation step done."""
    async with in_transaction():
        step = await RemediationStep.filter(id=step_id).select_for_update().first()
        if step is None:
            raise NotFound("No such remediation step.", field="stepId")
        case = await AgencyCase.get(id=step.case_id)
        if not caller.decisions.in_agency(Resource.AGENCY_CASE, Action.UPDATE, case.agency_id):
            raise Forbidden("Only the agency's HDC or Security Coordinator marks its steps done.")
        if case.status != AgencyCaseStatus.OPEN:
            raise Conflict("The case is closed.", field="stepId")
        if step.done_at is not None:
            return step
        step.done_at = caller.now
        step.done_by_id = caller.principal.user_id
        await step.save()
        await governance_log.record(
            caller.principal,
            "remediation_step.done",
            entity_type="remediation_step",
            entity_id=step.id,
            now=caller.now,
            agency_id=case.agency_id,
            before={"doneAt": None},
            after={"doneAt": step.done_at, "caseId": case.id},
        )
    return step


# ---------------------------------------------------------------------------------------------
# The Lead Agency's monitoring sample (policy 201)


def draw_selection(population: Sequence[str], seed: str, year: int, percent: int) -> list[str]:
    """The agencies a seed draws: ceil(percent% of the population), from the ids sorted, by a
    generator seeded with year and seed. The same inputs always give the same agencies."""
    ordered = sorted(population)
    size = min(len(ordered), math.ceil(len(ordered) * percent / 100))
    rng = random.Random(f"hearth-monitoring:{year}:{seed}")  # noqa: S311 (a sample, not a secret)
    return sorted(rng.sample(ordered, size))


async def participating_agencies() -> list[str]:
    """Agencies participating now: active, with a signed MOU, their access cleared."""
    rows = await Agency.filter(
        status=AgencyStatus.ACTIVE,
        mou_signed_on__isnull=False,
        id__in=Subquery(AgencyClearance.all().values("agency_id")),
    ).values_list("id", flat=True)
    return sorted(str(r) for r in rows)


async def draw_sample(
    *, caller: Caller, year: int, seed: str | None, percent: int
) -> MonitoringSample:
    """The Lead Agency draws the year's sample, once per year (again: CONFLICT)."""
    if not caller.decisions.system_wide(Resource.MONITORING_SAMPLE, Action.MANAGE):
        raise Forbidden("Only the Lead Agency draws the monitoring sample.")
    if not SAMPLE_MIN_PERCENT <= percent <= 100:
        raise ValidationFailed(
            "The Lead Agency monitors at least 25% of participating agencies a year (policy "
            "201): percent is from 25 to 100.",
            field="percent",
        )
    if not 2000 <= year <= caller.today.year + 1:
        raise ValidationFailed("Not a year to monitor.", field="year")
    seed_value = _text(seed, MonitoringSample, "seed", "seed", required=False) or secrets.token_hex(
        16
    )
    async with in_transaction():
        population = await participating_agencies()
        if not population:
            raise Conflict("No agency participates yet.", field="year")
        chosen = draw_selection(population, seed_value, year, percent)
        try:
            sample = await MonitoringSample.create(
                year=year,
                seed=seed_value,
                percent=percent,
                population=population,
                drawn_by_id=caller.principal.user_id,
                drawn_at=caller.now,
            )
        except IntegrityError:
            raise Conflict("The year's sample is already drawn.", field="year") from None
        await MonitoringSelection.bulk_create(
            [MonitoringSelection(sample=sample, agency_id=UUID(a)) for a in chosen]
        )
        await governance_log.record(
            caller.principal,
            "monitoring_sample.draw",
            entity_type="monitoring_sample",
            entity_id=sample.id,
            now=caller.now,
            after={
                "year": year,
                "seed": seed_value,
                "percent": percent,
                "population": len(population),
                "agencies": chosen,
            },
        )
    return sample


async def _selection(selection_id: UUID) -> MonitoringSelection:
    selection = await MonitoringSelection.filter(id=selection_id).select_for_update().first()
    if selection is None:
        raise NotFound("No such agency in a monitoring sample.", field="selectionId")
    return selection


async def request_documentation(
    *, caller: Caller, selection_id: UUID, note: str | None
) -> MonitoringSelection:
    """The Lead Agency asks a sampled agency for the documentation behind its self-
    certifications (policy 201); the agency's HDC and Security Coordinator are told."""
    if not caller.decisions.system_wide(Resource.MONITORING_SAMPLE, Action.MANAGE):
        raise Forbidden("Only the Lead Agency requests documentation.")
    text = _text(note, MonitoringSelection, "request_note", "note", required=False)
    async with in_transaction():
        selection = await _selection(selection_id)
        if selection.result is not None:
            raise Conflict("The result is already recorded.", field="selectionId")
        selection.documentation_requested_at = caller.now
        selection.documentation_requested_by_id = caller.principal.user_id
        selection.request_note = text
        await selection.save()
        await governance_log.record(
            caller.principal,
            "monitoring.request_documentation",
            entity_type="monitoring_selection",
            entity_id=selection.id,
            now=caller.now,
            agency_id=selection.agency_id,
            after={"requestedAt": caller.now, "note": text},
        )
        agency = await Agency.get(id=selection.agency_id)
        body = (
            f"The CT HMIS Lead Agency monitors {agency.name} this year (policy 201) and asks for "
            "the documentation behind its Exhibit A and B self-certifications."
            + (f"\n\nThe Lead Agency's note: {text}" if text else "")
        )
        await queue(
            [
                notice_to(
                    u,
                    kind="certification.monitoring.documentation_requested",
                    subject=f"CT HMIS monitoring: documentation requested from {agency.name}"[:200],
                    body=body,
                    key=f"monitoring:{selection.id}:{caller.now.isoformat()}",
                    agency_id=agency.id,
                )
                for _, u in await agency_coordinators(agency.id)
            ],
            now=caller.now,
        )
    return selection


async def record_monitoring_result(
    *, caller: Caller, selection_id: UUID, result: MonitoringResult, findings: str | None
) -> MonitoringSelection:
    """The Lead Agency records what the monitoring found (findings required when not
    compliant)."""
    if not caller.decisions.system_wide(Resource.MONITORING_SAMPLE, Action.MANAGE):
        raise Forbidden("Only the Lead Agency records monitoring results.")
    text = _text(
        findings,
        MonitoringSelection,
        "findings",
        "findings",
        required=result == MonitoringResult.NOT_COMPLIANT,
    )
    async with in_transaction():
        selection = await _selection(selection_id)
        if selection.documentation_requested_at is None:
            raise Conflict("Request the documentation first.", field="selectionId")
        if selection.result is not None:
            raise Conflict("The result is already recorded.", field="selectionId")
        selection.result = result
        selection.findings = text
        selection.result_recorded_at = caller.now
        selection.result_recorded_by_id = caller.principal.user_id
        await selection.save()
        await governance_log.record(
            caller.principal,
            "monitoring.record_result",
            entity_type="monitoring_selection",
            entity_id=selection.id,
            now=caller.now,
            agency_id=selection.agency_id,
            after={"result": result, "findings": text},
        )
    return selection
