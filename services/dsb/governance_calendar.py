"""The governance calendar: the manual's recurring reviews, each due date a case that opens
itself and tells its owner, run by the ``governance-calendar`` job.

Every item falls due on a fixed rhythm from its first due date (``period_months`` apart; a
month's last day stays the last day): the policies every three years (111), the Disaster
Recovery Plan every March at the board's March meeting (113), the Security Plan yearly (105),
the agencies' certifications yearly (210), the User Access Report quarterly (212). A due date's
case opens ``opens_days_before`` it, once, and its owner's role hears of it; a case still open
after its due date is overdue, and the owner and the Lead Agency hear of that once. A case is
closed by its owner recording what was done; the User Access Report's closes itself when the
quarter's report is published, the Disaster Recovery Plan's needs the board's decision at a
March meeting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from models.access_reports import AccessReportPublication
from models.certification import SecurityPlanReview
from models.dsb import (
    CalendarCase,
    CalendarCaseStatus,
    CalendarItem,
    CalendarKind,
    Meeting,
    Motion,
    MotionStatus,
)
from models.enums import AgencyStatus, Duty, SystemRole, UserStatus
from models.users import SystemRoleGrant, UserDuty
from services.access_reports import Quarter
from services.caller import Caller
from services.dsb.common import add_months, log, need
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.notifications import Notice, due_phrase, queue

__all__ = [
    "DEFAULTS",
    "CalendarCounts",
    "complete_case",
    "due_dates",
    "ensure_calendar",
    "sweep_calendar",
    "update_item",
]


@dataclass(frozen=True, slots=True)
class _Default:
    kind: CalendarKind
    title: str
    policy: str
    owner: SystemRole
    period_months: int
    first_due_on: date
    opens_days_before: int


# First due dates: the manual was approved in January 2026, so its review falls due in January
# 2029; the Disaster Recovery Plan at the end of each March; the Security Plan's review a year
# after the manual's approval; the certification year is the calendar year; the User Access
# Report of each quarter by the end of the month that follows it.
DEFAULTS = (
    _Default(
        CalendarKind.POLICY_REVIEW,
        "Review of the CT HMIS Policies and Procedures",
        "111",
        SystemRole.LEAD_AGENCY,
        36,
        date(2029, 1, 31),
        90,
    ),
    _Default(
        CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW,
        "Data Strategy Board review of the Disaster Recovery Plan (March meeting)",
        "113",
        SystemRole.SYSTEM_ADMINISTRATOR,
        12,
        date(2026, 3, 31),
        60,
    ),
    _Default(
        CalendarKind.SECURITY_PLAN_REVIEW,
        "Annual review of the CT HMIS Security Plan",
        "105",
        SystemRole.SECURITY_OFFICER,
        12,
        date(2027, 1, 31),
        60,
    ),
    _Default(
        CalendarKind.ANNUAL_CERTIFICATION,
        "Annual administrative and security certifications (Exhibits A and B)",
        "210",
        SystemRole.SYSTEM_ADMINISTRATOR,
        12,
        date(2026, 12, 31),
        60,
    ),
    _Default(
        CalendarKind.USER_ACCESS_REPORT,
        "Quarterly User Access Report run and distributed",
        "212",
        SystemRole.SYSTEM_ADMINISTRATOR,
        3,
        date(2026, 4, 30),
        30,
    ),
)


@dataclass(slots=True)
class CalendarCounts:
    opened: int = 0
    completed: int = 0
    overdue: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "opened": self.opened,
            "completed": self.completed,
            "overdue": self.overdue,
            "messages": self.messages,
        }


async def ensure_calendar(today: date) -> list[CalendarItem]:
    """The calendar's items, the manual's defaults put in for any missing (concurrent first
    calls insert each once: the kind is unique and conflicts are skipped)."""
    known = {CalendarKind(i.kind) for i in await CalendarItem.all()}
    missing = [d for d in DEFAULTS if d.kind not in known]
    if missing:
        await CalendarItem.bulk_create(
            [
                CalendarItem(
                    kind=d.kind,
                    title=d.title,
                    policy=d.policy,
                    owner_role=d.owner,
                    period_months=d.period_months,
                    first_due_on=d.first_due_on,
                    opens_days_before=d.opens_days_before,
                    created_on=today,
                )
                for d in missing
            ],
            ignore_conflicts=True,
        )
    items = {CalendarKind(i.kind): i for i in await CalendarItem.all()}
    return [items[d.kind] for d in DEFAULTS]


def due_dates(item: CalendarItem, *, opened_by: date) -> list[date]:
    """The item's due dates from the day it was put on the calendar whose cases open by
    ``opened_by``."""
    dates: list[date] = []
    k = 0
    while True:
        due = add_months(item.first_due_on, k * item.period_months)
        if due - _opens(item) > opened_by:
            return dates
        if due >= item.created_on:
            dates.append(due)
        k += 1


def _opens(item: CalendarItem) -> timedelta:
    return timedelta(days=item.opens_days_before)


async def _owners(item: CalendarItem, *roles: SystemRole) -> list[UUID]:
    ids = [
        g.user_id
        for g in await SystemRoleGrant.filter(
            role__in=[item.owner_role, *roles], user__status=UserStatus.ACTIVE
        )
    ]
    if item.kind == CalendarKind.ANNUAL_CERTIFICATION and not roles:
        # each agency's HDC and Security Coordinator certify (policy 210)
        ids += [
            d.user_id
            for d in await UserDuty.filter(
                duty__in=[Duty.HMIS_DATA_COORDINATOR, Duty.AGENCY_SECURITY_COORDINATOR],
                agency__status=AgencyStatus.ACTIVE,
                user__status=UserStatus.ACTIVE,
            )
        ]
    return list(dict.fromkeys(ids))


async def _notices(case: CalendarCase, item: CalendarItem, event: str) -> list[Notice]:
    due = due_phrase(case.due_on)
    if event == "opened":
        subject = f"Due by {due}: {item.title} (CT HMIS policy {item.policy})"
        body = (
            f"{item.title} falls due on {due} (CT HMIS Policies and Procedures, policy "
            f"{item.policy}). Record it as done in Hearth's governance calendar when it is."
        )
        recipients = await _owners(item)
    else:
        subject = f"Overdue since {due}: {item.title} (CT HMIS policy {item.policy})"
        body = (
            f"{item.title} was due on {due} (policy {item.policy}) and is not recorded as "
            "done. The Lead Agency, which monitors the calendar, has been told as well."
        )
        recipients = await _owners(item, SystemRole.LEAD_AGENCY)
    body += "\n\nThis message was sent by the CT HMIS system. It contains no client information.\n"
    return [
        Notice(
            kind=f"governance_calendar.{event}",
            subject=subject,
            body=body,
            dedupe_key=f"calendar:{case.id}:{event}:{user_id}",
            recipient_id=user_id,
            payload={"caseId": str(case.id), "kind": item.kind, "dueOn": case.due_on.isoformat()},
        )
        for user_id in recipients
    ]


def _report_quarter(due_on: date) -> str:
    """The quarter whose User Access Report a due date stands for: the one before it."""
    return Quarter(due_on.year, (due_on.month - 1) // 3 + 1).shifted(-1).label


async def _close(
    case: CalendarCase, caller: Caller | None, now: datetime, evidence: str, **extra: Any
) -> None:
    before = {"status": case.status}
    case.status, case.completed_at, case.evidence = CalendarCaseStatus.COMPLETED, now, evidence
    for name, value in extra.items():
        setattr(case, name, value)
    await case.save()
    await log(
        caller,
        "calendar_case.complete",
        case,
        now=now,
        before=before,
        after={"status": case.status, "evidence": evidence, "motionId": case.motion_id},
    )


def _year_before(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


async def _close_reviewed_security_plans(now: datetime) -> int:
    """The Security Plan's yearly case (105) closes itself once the Security Officer records a
    review (``recordSecurityPlanReview``) in the year it stands for."""
    closed = 0
    for case in await CalendarCase.filter(
        status=CalendarCaseStatus.OPEN, item__kind=CalendarKind.SECURITY_PLAN_REVIEW
    ):
        review = (
            await SecurityPlanReview.filter(
                reviewed_on__gt=_year_before(case.due_on), reviewed_on__lte=case.due_on
            )
            .order_by("-reviewed_on")
            .first()
        )
        if review is not None:
            await _close(
                case,
                None,
                now,
                f"The Security Plan was reviewed on {review.reviewed_on.isoformat()}.",
                completed_by_id=review.reviewer_id,
            )
            closed += 1
    return closed


async def sweep_calendar(*, now: datetime, tz: ZoneInfo) -> CalendarCounts:
    """Open the cases that are due to open, close the reports' that were published, and tell
    owners and the Lead Agency of overdue ones."""
    counts = CalendarCounts()
    today = now.astimezone(tz).date()
    async with in_transaction():
        notices: list[Notice] = []
        for item in await ensure_calendar(today):
            for due in due_dates(item, opened_by=today):
                case, created = await CalendarCase.get_or_create(
                    item=item, due_on=due, defaults={"opened_at": now}
                )
                if created:
                    counts.opened += 1
                    await log(
                        None,
                        "calendar_case.open",
                        case,
                        now=now,
                        after={"kind": item.kind, "dueOn": due, "owner": item.owner_role},
                    )
                    notices += await _notices(case, item, "opened")
        for case in await CalendarCase.filter(
            status=CalendarCaseStatus.OPEN, item__kind=CalendarKind.USER_ACCESS_REPORT
        ):
            quarter = _report_quarter(case.due_on)
            published = await AccessReportPublication.filter(quarter=quarter).first()
            if published is not None:
                await _close(
                    case,
                    None,
                    now,
                    f"The User Access Report for {quarter} was published.",
                    completed_by_id=published.published_by_id,
                )
                counts.completed += 1
        counts.completed += await _close_reviewed_security_plans(now)
        for case in await CalendarCase.filter(
            status=CalendarCaseStatus.OPEN, due_on__lt=today, overdue_notified_at__isnull=True
        ).select_related("item"):
            case.overdue_notified_at = now
            await case.save(update_fields=["overdue_notified_at"])
            await log(None, "calendar_case.overdue", case, now=now, after={"dueOn": case.due_on})
            notices += await _notices(case, case.item, "overdue")
            counts.overdue += 1
        counts.messages += await queue(notices, now=now)
    return counts


async def complete_case(
    *, caller: Caller, case_id: UUID, evidence: str, motion_id: UUID | None
) -> CalendarCase:
    """Record a due review as done: by its owner's role, or the Lead Agency."""
    note = need(evidence, "evidence", CalendarCase, "evidence")
    async with in_transaction():
        case = await CalendarCase.filter(id=case_id).select_for_update().first()
        if case is None:
            raise NotFound("No such calendar case.", field="caseId")
        item = await CalendarItem.get(id=case.item_id)
        roles = caller.principal.system_roles
        if item.owner_role not in roles and SystemRole.LEAD_AGENCY not in roles:
            raise Forbidden("This review is recorded by its owner or the Lead Agency.")
        if case.status != CalendarCaseStatus.OPEN:
            raise Conflict("The case is closed.", field="caseId")
        if motion_id is not None or item.kind == CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW:
            await _check_motion(item, case, motion_id)
        await _close(
            case,
            caller,
            caller.now,
            note,
            completed_by_id=caller.principal.user_id,
            motion_id=motion_id,
        )
    case.item = item  # the answer shows which review
    return case


async def _check_motion(item: CalendarItem, case: CalendarCase, motion_id: UUID | None) -> None:
    if motion_id is None:
        raise ValidationFailed(
            "The board reviews the Disaster Recovery Plan at its March meeting (policy 113): "
            "name the motion that decided it.",
            field="motionId",
        )
    motion = await Motion.filter(id=motion_id).first()
    if motion is None:
        raise NotFound("No such motion.", field="motionId")
    if motion.status != MotionStatus.CARRIED:
        raise ValidationFailed("The motion did not carry.", field="motionId")
    if item.kind == CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW:
        meeting = await Meeting.get(id=motion.meeting_id)
        if (meeting.held_on.year, meeting.held_on.month) != (case.due_on.year, 3):
            raise ValidationFailed(
                "The Disaster Recovery Plan is reviewed at the board's March meeting of the "
                "year it is due (policy 113).",
                field="motionId",
            )


async def update_item(
    *,
    caller: Caller,
    kind: CalendarKind,
    first_due_on: date | None,
    opens_days_before: int | None,
) -> CalendarItem:
    """Set an item's first due date or how early its cases open; its rhythm is the manual's."""
    async with in_transaction():
        await ensure_calendar(caller.today)
        item = await CalendarItem.filter(kind=kind).select_for_update().first()
        assert item is not None
        before = {"firstDueOn": item.first_due_on, "opensDaysBefore": item.opens_days_before}
        if first_due_on is not None:
            if kind == CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW and first_due_on.month != 3:
                raise ValidationFailed(
                    "The Disaster Recovery Plan is reviewed in March (policy 113).",
                    field="firstDueOn",
                )
            item.first_due_on = first_due_on
        if opens_days_before is not None:
            if not 0 <= opens_days_before <= 365:
                raise ValidationFailed("Between 0 and 365 days.", field="opensDaysBefore")
            item.opens_days_before = opens_days_before
        await item.save()
        await log(
            caller,
            "calendar_item.update",
            item,
            now=caller.now,
            before=before,
            after={"firstDueOn": item.first_due_on, "opensDaysBefore": item.opens_days_before},
        )
    return item
