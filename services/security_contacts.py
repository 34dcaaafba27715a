"""Security contacts (policies 105, 108): a change of Agency Security Coordinator reaches the
System Administrator and the Security Officer within 30 days, the Security Officer's file of
current coordinators, and the Security Plan's annual review; and the certification sweep that
escalates overdue agency cases and reminds agencies of their yearly certification.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from authz.principal import Principal
from authz.resources import Action, Resource
from models.certification import (
    AgencyCase,
    AgencyCaseKind,
    AgencyCaseStatus,
    AgencyClearance,
    Certification,
    Exhibit,
    MitigationMilestone,
    SecurityPlanReview,
)
from models.enums import AgencyStatus, Duty, SystemRole
from models.governance import Agency
from models.users import User, UserDuty
from services import governance_log
from services.caller import Caller
from services.certification import (
    agency_coordinators,
    exhibit_status,
    notice_to,
    system_role_holders,
)
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.notifications import Notice, queue
from services.values import bounded

__all__ = [
    "CHANGE_DAYS",
    "CoordinatorEntry",
    "MilestoneInput",
    "SweepCounts",
    "acknowledge_change",
    "coordinator_changed",
    "coordinator_file",
    "record_milestone_met",
    "record_plan_review",
    "sweep",
]

# Policy 108: a change "will be communicated ... within thirty days of the change".
CHANGE_DAYS = 30


def _name(user: User | None) -> str:
    if user is None:
        return "nobody"
    full = " ".join(p for p in (user.first_name, user.last_name) if p)
    return f"{full} ({user.username})" if full else user.username


async def coordinator_changed(
    actor: Principal | None,
    *,
    agency_id: UUID,
    previous_id: UUID | None,
    new_id: UUID | None,
    now: datetime,
    today: date,
) -> AgencyCase | None:
    """In the transaction that changes who holds the agency's Security Coordinator duty: open
    (or bring up to date) the agency's open change case, due 30 days after the change, and tell
    the System Administrators and Security Officers. A System Administrator who makes the change
    has acknowledged it by making it."""
    if previous_id == new_id:
        return None
    case = (
        await AgencyCase.filter(
            agency_id=agency_id,
            kind=AgencyCaseKind.COORDINATOR_CHANGE,
            status=AgencyCaseStatus.OPEN,
        )
        .select_for_update()
        .first()
    )
    admin = (
        actor is not None
        and actor.kind == "user"
        and SystemRole.SYSTEM_ADMINISTRATOR in actor.system_roles
    )
    if case is None:
        case = await AgencyCase.create(
            agency_id=agency_id,
            kind=AgencyCaseKind.COORDINATOR_CHANGE,
            opened_at=now,
            opened_on=today,
            due_on=today + timedelta(days=CHANGE_DAYS),
            previous_coordinator_id=previous_id,
            new_coordinator_id=new_id,
        )
        verb = "agency_case.open"
        before: dict[str, Any] | None = None
    else:
        verb = "agency_case.update"
        before = {"newCoordinatorId": case.new_coordinator_id}
        case.new_coordinator_id = new_id
        # the latest change must reach both again
        case.admin_acknowledged_by_id = case.officer_acknowledged_by_id = None
        case.admin_acknowledged_at = case.officer_acknowledged_at = None
    if admin and actor is not None:
        case.admin_acknowledged_by_id = actor.user_id
        case.admin_acknowledged_at = now
    await case.save()
    await governance_log.record(
        actor,
        verb,
        entity_type="agency_case",
        entity_id=case.id,
        now=now,
        agency_id=agency_id,
        before=before,
        after={
            "kind": case.kind,
            "previousCoordinatorId": case.previous_coordinator_id,
            "newCoordinatorId": new_id,
            "dueOn": case.due_on,
        },
        reason="The Agency Security Coordinator changed (policy 108).",
    )
    agency = await Agency.get(id=agency_id)
    people = {u.id: u for u in await User.filter(id__in=[i for i in (previous_id, new_id) if i])}
    body = (
        f"The Agency Security Coordinator of {agency.name} changed: "
        f"{_name(people.get(previous_id) if previous_id else None)} -> "
        f"{_name(people.get(new_id) if new_id else None)}. Under policy 108 the change reaches the "
        f"System Administrator and the Security Officer within 30 days, by "
        f"{case.due_on.isoformat()}: acknowledge it in CT HMIS (acknowledgeCoordinatorChange)."
    )
    recipients: dict[UUID, User] = {}
    for role in (SystemRole.SYSTEM_ADMINISTRATOR, SystemRole.SECURITY_OFFICER):
        recipients |= {u.id: u for u in await system_role_holders(role)}
    await queue(
        [
            notice_to(
                u,
                kind="security_contact.change",
                subject=f"CT HMIS: Agency Security Coordinator changed at {agency.name}"[:200],
                body=body,
                key=f"agency_case:{case.id}:change:{new_id}",
                agency_id=agency_id,
            )
            for u in recipients.values()
        ],
        now=now,
    )
    return case


async def acknowledge_change(*, caller: Caller, case_id: UUID) -> AgencyCase:
    """The System Administrator or the Security Officer acknowledges a change of coordinator;
    with both acknowledged the case closes."""
    principal = caller.principal
    if not caller.decisions.system_wide(Resource.AGENCY_CASE, Action.ACKNOWLEDGE):
        raise Forbidden("Only the System Administrator and the Security Officer acknowledge.")
    async with in_transaction():
        case = await AgencyCase.filter(id=case_id).select_for_update().first()
        if case is None or case.kind != AgencyCaseKind.COORDINATOR_CHANGE:
            raise NotFound("No such coordinator change.", field="caseId")
        if case.status != AgencyCaseStatus.OPEN:
            raise Conflict("The case is closed.", field="caseId")
        before = {
            "adminAcknowledgedAt": case.admin_acknowledged_at,
            "officerAcknowledgedAt": case.officer_acknowledged_at,
        }
        roles = principal.system_roles
        if SystemRole.SYSTEM_ADMINISTRATOR in roles and case.admin_acknowledged_at is None:
            case.admin_acknowledged_by_id, case.admin_acknowledged_at = (
                principal.user_id,
                caller.now,
            )
        if SystemRole.SECURITY_OFFICER in roles and case.officer_acknowledged_at is None:
            case.officer_acknowledged_by_id = principal.user_id
            case.officer_acknowledged_at = caller.now
        if case.admin_acknowledged_at and case.officer_acknowledged_at:
            case.status = AgencyCaseStatus.RESOLVED
            case.closed_at = caller.now
            case.resolution = "Acknowledged by the System Administrator and the Security Officer."
        await case.save()
        await governance_log.record(
            principal,
            "agency_case.acknowledge",
            entity_type="agency_case",
            entity_id=case.id,
            now=caller.now,
            agency_id=case.agency_id,
            before=before,
            after={
                "adminAcknowledgedAt": case.admin_acknowledged_at,
                "officerAcknowledgedAt": case.officer_acknowledged_at,
                "status": case.status,
            },
        )
    return case


# ---------------------------------------------------------------------------------------------
# The Security Officer's file of coordinators (policy 108: part of the Security Plan)


@dataclass(frozen=True, slots=True)
class CoordinatorEntry:
    agency: Agency
    # The user holding the duty now (None: the agency has no Security Coordinator).
    coordinator: User | None
    # The latest Exhibit B certification: the name and contact confirmed, and when.
    confirmation: Certification | None
    # A year after the last confirmation (or the agency's clearance).
    confirmation_due_on: date | None
    confirmation_overdue: bool
    open_change: AgencyCase | None


async def coordinator_file(caller: Caller) -> list[CoordinatorEntry]:
    """Every active agency with its current Agency Security Coordinator and the name and contact
    confirmed most recently (policy 108)."""
    if not caller.decisions.system_wide(Resource.SECURITY_CONTACT, Action.READ):
        raise Forbidden("The file of Security Coordinators is the Security Officer's.")
    agencies = await Agency.filter(status=AgencyStatus.ACTIVE).order_by("name")
    ids = [a.id for a in agencies]
    holders = {
        d.agency_id: d.user
        for d in await UserDuty.filter(
            agency_id__in=ids, duty=Duty.AGENCY_SECURITY_COORDINATOR
        ).select_related("user")
    }
    latest: dict[UUID, Certification] = {}
    for c in await Certification.filter(agency_id__in=ids, exhibit=Exhibit.B).order_by(
        "certified_at", "id"
    ):
        latest[c.agency_id] = c
    clearances = {c.agency_id: c for c in await AgencyClearance.filter(agency_id__in=ids)}
    changes = {
        c.agency_id: c
        for c in await AgencyCase.filter(
            agency_id__in=ids, kind=AgencyCaseKind.COORDINATOR_CHANGE, status=AgencyCaseStatus.OPEN
        )
    }
    entries = []
    for agency in agencies:
        confirmation = latest.get(agency.id)
        base = (
            confirmation.certified_on
            if confirmation
            else (clearances[agency.id].cleared_at.date() if agency.id in clearances else None)
        )
        due = _plus_year(base) if base else None
        entries.append(
            CoordinatorEntry(
                agency=agency,
                coordinator=holders.get(agency.id),
                confirmation=confirmation,
                confirmation_due_on=due,
                confirmation_overdue=due is not None and caller.today > due,
                open_change=changes.get(agency.id),
            )
        )
    return entries


def _plus_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


# ---------------------------------------------------------------------------------------------
# The Security Plan's annual review (policy 105)


@dataclass(frozen=True, slots=True)
class MilestoneInput:
    description: str
    due_on: date


def _text(value: str | None, model: type, column: str, name: str, *, required: bool) -> str | None:
    value = value.strip() if value is not None else None
    if not value:
        if required:
            raise ValidationFailed(f"{name} is required.", field=name)
        return None
    bounded(value, model, column, name)
    return value


async def record_plan_review(
    *,
    caller: Caller,
    reviewed_on: date,
    adheres: bool,
    shortfalls: str | None,
    mitigation_plan: str | None,
    milestones: Sequence[MilestoneInput],
) -> SecurityPlanReview:
    """The Security Officer records the year's review of the Security Plan: the Lead Agency
    adheres to it, or the shortfalls with a plan to mitigate them and its milestones."""
    if not caller.decisions.system_wide(Resource.SECURITY_PLAN_REVIEW, Action.RECORD):
        raise Forbidden("Only the Security Officer records the Security Plan's review.")
    if reviewed_on > caller.today:
        raise ValidationFailed("The review date is in the future.", field="reviewedOn")
    if reviewed_on < caller.today - timedelta(days=366):
        raise ValidationFailed("The review date is more than a year ago.", field="reviewedOn")
    short = _text(shortfalls, SecurityPlanReview, "shortfalls", "shortfalls", required=not adheres)
    plan = _text(
        mitigation_plan,
        SecurityPlanReview,
        "mitigation_plan",
        "mitigationPlan",
        required=not adheres,
    )
    if not adheres and not milestones:
        raise ValidationFailed(
            "A plan for mitigating shortfalls has milestones (policy 105).", field="milestones"
        )
    if len(milestones) > 50:
        raise ValidationFailed("At most 50 milestones.", field="milestones")
    checked = []
    for i, m in enumerate(milestones):
        text = _text(
            m.description,
            MitigationMilestone,
            "description",
            f"milestones[{i}].description",
            required=True,
        )
        if m.due_on < reviewed_on:
            raise ValidationFailed(
                "A milestone falls due after the review.", field=f"milestones[{i}].dueOn"
            )
        checked.append((text or "", m.due_on))
    async with in_transaction():
        review = await SecurityPlanReview.create(
            reviewed_on=reviewed_on,
            reviewer_id=caller.principal.user_id,
            adheres=adheres,
            shortfalls=short,
            mitigation_plan=plan,
            recorded_at=caller.now,
        )
        await MitigationMilestone.bulk_create(
            [
                MitigationMilestone(review=review, position=i, description=text, due_on=due)
                for i, (text, due) in enumerate(checked, 1)
            ]
        )
        await governance_log.record(
            caller.principal,
            "security_plan_review.record",
            entity_type="security_plan_review",
            entity_id=review.id,
            now=caller.now,
            after={
                "reviewedOn": reviewed_on,
                "adheres": adheres,
                "shortfalls": short,
                "mitigationPlan": plan,
                "milestones": [{"description": t, "dueOn": d} for t, d in checked],
            },
        )
    return review


async def record_milestone_met(
    *, caller: Caller, milestone_id: UUID, met_on: date
) -> MitigationMilestone:
    """The Security Officer records that a mitigation milestone was met."""
    if not caller.decisions.system_wide(Resource.SECURITY_PLAN_REVIEW, Action.RECORD):
        raise Forbidden("Only the Security Officer records the mitigation's progress.")
    if met_on > caller.today:
        raise ValidationFailed("The date is in the future.", field="metOn")
    async with in_transaction():
        milestone = await MitigationMilestone.filter(id=milestone_id).select_for_update().first()
        if milestone is None:
            raise NotFound("No such milestone.", field="milestoneId")
        if milestone.met_on is not None:
            raise Conflict("The milestone is already met.", field="milestoneId")
        milestone.met_on = met_on
        await milestone.save()
        await governance_log.record(
            caller.principal,
            "mitigation_milestone.met",
            entity_type="mitigation_milestone",
            entity_id=milestone.id,
            now=caller.now,
            before={"metOn": None},
            after={"metOn": met_on},
        )
    return milestone


def next_plan_review_due(last: SecurityPlanReview | None) -> date | None:
    """The Security Plan is reviewed annually (policy 105): a year after the last review."""
    return _plus_year(last.reviewed_on) if last is not None else None


# ---------------------------------------------------------------------------------------------
# The sweep (job "certifications"): escalate overdue cases, remind of yearly certification


@dataclass(slots=True)
class SweepCounts:
    escalated: int = 0
    reminded: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"escalated": self.escalated, "reminded": self.reminded, "messages": self.messages}


async def sweep(*, now: datetime, tz: ZoneInfo) -> SweepCounts:
    """Escalate every open agency case past its due date, once: to the Lead Agency, the System
    Administrator and the Security Officer (and the agency's coordinators for a remediation);
    access continues. Remind each active agency's HDC (Exhibit A) and Security Coordinator
    (Exhibit B) once when the year since the last certification met has run out."""
    counts = SweepCounts()
    today = now.astimezone(tz).date()
    async with in_transaction():
        overdue = (
            await AgencyCase.filter(
                status=AgencyCaseStatus.OPEN, due_on__lt=today, escalated_at__isnull=True
            )
            .select_for_update()
            .order_by("due_on", "id")
        )
        officials: dict[UUID, User] = {}
        for role in (
            SystemRole.LEAD_AGENCY,
            SystemRole.SYSTEM_ADMINISTRATOR,
            SystemRole.SECURITY_OFFICER,
        ):
            officials |= {u.id: u for u in await system_role_holders(role)}
        notices: list[Notice] = []
        for case in overdue:
            case.escalated_at = now
            await case.save(update_fields=["escalated_at"])
            await governance_log.record(
                None,
                "agency_case.escalate",
                entity_type="agency_case",
                entity_id=case.id,
                now=now,
                agency_id=case.agency_id,
                before={"escalatedAt": None},
                after={"escalatedAt": now, "dueOn": case.due_on},
                reason="Past its due date (policies 108, 210).",
            )
            counts.escalated += 1
            agency = await Agency.get(id=case.agency_id)
            if case.kind == AgencyCaseKind.REMEDIATION:
                what = (
                    f"The remediation of {agency.name} (Exhibit {case.exhibit}, {case.year}) was "
                    f"due on {case.due_on.isoformat()} and is not complete (policy 210). CT HMIS "
                    "access continues; the Lead Agency monitors compliance and remediation."
                )
                people = dict(officials) | {
                    u.id: u for _, u in await agency_coordinators(agency.id)
                }
            else:
                what = (
                    f"The change of Agency Security Coordinator at {agency.name} was to be "
                    f"acknowledged by the System Administrator and the Security Officer by "
                    f"{case.due_on.isoformat()} (policy 108) and is not."
                )
                people = officials
            notices += [
                notice_to(
                    u,
                    kind=f"agency_case.{case.kind.lower()}.escalated",
                    subject=f"CT HMIS: overdue {case.kind.lower().replace('_', ' ')} at "
                    f"{agency.name}"[:200],
                    body=what,
                    key=f"agency_case:{case.id}:escalated",
                    agency_id=agency.id,
                )
                for u in people.values()
            ]
        # Yearly certification reminders, once per agency, exhibit and due date.
        clearances = {
            c.agency_id: c for c in await AgencyClearance.filter(agency__status=AgencyStatus.ACTIVE)
        }
        for agency_id, clearance in clearances.items():
            coordinators = dict(await agency_coordinators(agency_id))
            for status in await exhibit_status(agency_id, today, clearance):
                if not status.overdue or status.due_on is None:
                    continue
                duty = (
                    Duty.HMIS_DATA_COORDINATOR
                    if status.exhibit == Exhibit.A
                    else Duty.AGENCY_SECURITY_COORDINATOR
                )
                user = coordinators.get(duty)
                if user is None:
                    continue
                counts.reminded += 1
                notices.append(
                    notice_to(
                        user,
                        kind="certification.reminder",
                        subject=f"CT HMIS: the annual Exhibit {status.exhibit.value} "
                        "certification is due",
                        body=f"The annual self-certification of Exhibit {status.exhibit.value} "
                        f"was due on {status.due_on.isoformat()} (policy 210"
                        + (
                            "; it also confirms the Agency Security Coordinator's name and "
                            "contact, policy 108)."
                            if status.exhibit == Exhibit.B
                            else ")."
                        ),
                        key=f"certification:{agency_id}:{status.exhibit.value}:{status.due_on}",
                        agency_id=agency_id,
                    )
                )
        counts.messages += await queue(notices, now=now)
    return counts
