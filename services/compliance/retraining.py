"""Policy 211: who needs retraining (no sign-in after the initial training, repeated tickets,
help-desk hours), and closing a case once the training is done."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from models.compliance import CaseKind, CaseRule, CaseStatus, ComplianceCase, HelpdeskTicket
from models.enums import UserStatus
from models.training import TrainingCompletion, TrainingCourse
from models.users import Membership, SystemRoleGrant, UserDuty
from services.compliance.cases import SweepCounts, _close, _Found, _record_findings
from services.compliance.helpdesk import _similar
from services.compliance.notices import _case_notices
from services.compliance.rules import (
    HELPDESK_MINUTES_PER_MONTH,
    NO_LOGIN_DAYS,
    TICKET_WINDOW_DAYS,
    TICKETS_SAME_ISSUE,
)
from services.notifications import Notice, queue

__all__ = ["resolve_retraining_on_completion", "sweep_retraining"]


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


async def _no_login_findings(*, today: date, tz: ZoneInfo, lookback_days: int) -> list[_Found]:
    """(a) No sign-in in the first 45 days from the initial training."""
    first_training = await TrainingCompletion.filter(user__status=UserStatus.ACTIVE).values(
        "user_id", "completed_on", "user__first_login_at"
    )
    initial: dict[UUID, tuple[date, datetime | None]] = {}
    for r in first_training:
        current = initial.get(r["user_id"])
        if current is None or r["completed_on"] < current[0]:
            initial[r["user_id"]] = (r["completed_on"], r["user__first_login_at"])
    found = []
    for user_id, (trained_on, first_login) in initial.items():
        deadline = trained_on + timedelta(days=NO_LOGIN_DAYS)
        if today <= deadline or trained_on < today - timedelta(days=lookback_days):
            continue
        if first_login is not None and _local_date(first_login, tz) <= deadline:
            continue
        found.append(
            _Found(
                user_id=user_id,
                rule=CaseRule.NO_LOGIN_AFTER_TRAINING,
                key=f"training:{trained_on.isoformat()}",
                evidence={
                    "initialTrainingOn": trained_on.isoformat(),
                    "signInDeadline": deadline.isoformat(),
                    "firstSignInAt": first_login.isoformat() if first_login else None,
                },
            )
        )
    return found


async def _ticket_findings(*, now: datetime, tz: ZoneInfo) -> list[_Found]:
    """(b) 3+ tickets on the same or a similar issue in 60 days and (c) 4+ hours in a calendar
    month, both counting only tickets unrelated to system performance and opened after the
    user's last retraining case closed (a completed retraining starts the count again)."""
    horizon = now - timedelta(days=2 * TICKET_WINDOW_DAYS)
    tickets = (
        await HelpdeskTicket.filter(
            opened_at__gte=horizon, system_performance_issue=False, user__status=UserStatus.ACTIVE
        )
        .order_by("opened_at", "id")
        .values("id", "user_id", "opened_at", "topic", "topic_key", "minutes_spent")
    )
    if not tickets:
        return []
    closed = await ComplianceCase.filter(
        kind=CaseKind.RETRAINING,
        status__in=[CaseStatus.RESOLVED, CaseStatus.ENFORCED],
        user_id__in={t["user_id"] for t in tickets},
    ).values("user_id", "closed_at")
    since: dict[UUID, datetime] = {}
    for c in closed:
        if c["closed_at"] and (c["user_id"] not in since or c["closed_at"] > since[c["user_id"]]):
            since[c["user_id"]] = c["closed_at"]
    by_user: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for t in tickets:
        if t["user_id"] not in since or t["opened_at"] > since[t["user_id"]]:
            by_user[t["user_id"]].append(t)
    window = timedelta(days=TICKET_WINDOW_DAYS)
    found = []
    for user_id, items in by_user.items():
        words = [frozenset(t["topic_key"].split()) for t in items]
        for i, last in enumerate(items):
            cluster = [
                items[j]
                for j in range(i + 1)
                if last["opened_at"] - items[j]["opened_at"] < window
                and _similar(words[j], words[i])
            ]
            if len(cluster) >= TICKETS_SAME_ISSUE:
                found.append(
                    _Found(
                        user_id=user_id,
                        rule=CaseRule.REPEATED_TICKETS,
                        key=f"tickets:{cluster[0]['id']}",
                        evidence={
                            "ticketIds": [str(t["id"]) for t in cluster],
                            "topic": cluster[0]["topic"],
                        },
                    )
                )
                break
        months: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for t in items:
            months[_local_date(t["opened_at"], tz).strftime("%Y-%m")].append(t)
        for month, month_tickets in sorted(months.items()):
            minutes = sum(t["minutes_spent"] for t in month_tickets)
            if minutes >= HELPDESK_MINUTES_PER_MONTH:
                found.append(
                    _Found(
                        user_id=user_id,
                        rule=CaseRule.HELPDESK_HOURS,
                        key=f"month:{month}",
                        evidence={
                            "month": month,
                            "minutes": minutes,
                            "ticketIds": [str(t["id"]) for t in month_tickets],
                        },
                    )
                )
    return found


async def sweep_retraining(*, now: datetime, tz: ZoneInfo, lookback_days: int = 90) -> SweepCounts:
    """Policy 211: flag users who need retraining; each flag names its rule and evidence."""
    counts = SweepCounts()
    today = _local_date(now, tz)
    async with in_transaction():
        await _resolve_trained(now=now, tz=tz, counts=counts)
        found = await _no_login_findings(today=today, tz=tz, lookback_days=lookback_days)
        found += await _ticket_findings(now=now, tz=tz)
        counts.users_checked = len({f.user_id for f in found})
        await _record_findings(CaseKind.RETRAINING, found, now=now, tz=tz, counts=counts)
    return counts


async def _required_courses(user_id: UUID, courses: list[TrainingCourse]) -> set[UUID]:
    levels = await Membership.filter(user_id=user_id).values_list("access_level", flat=True)
    duties = await UserDuty.filter(user_id=user_id).values_list("duty", flat=True)
    roles = await SystemRoleGrant.filter(user_id=user_id).values_list("role", flat=True)
    keys = {str(getattr(v, "value", v)) for v in (*levels, *duties, *roles)}
    return {c.id for c in courses if keys & set(c.required_for)}


async def _completed_since(
    case: ComplianceCase, tz: ZoneInfo, courses: list[TrainingCourse]
) -> bool:
    """The retraining counts when a course the user's access requires (or, if none is set up,
    any course) is completed on or after the day the case opened."""
    opened_on = _local_date(case.opened_at, tz)
    user_id = case.user_id
    assert user_id is not None  # a retraining case is a user's
    completions = TrainingCompletion.filter(user_id=user_id, completed_on__gte=opened_on)
    required = await _required_courses(user_id, courses)
    if required:
        completions = completions.filter(course_id__in=list(required))
    return await completions.exists()


async def _resolve_trained(
    *, now: datetime, tz: ZoneInfo, counts: SweepCounts, user_id: UUID | None = None
) -> None:
    cases = ComplianceCase.filter(kind=CaseKind.RETRAINING, status=CaseStatus.OPEN).select_related(
        "user"
    )
    if user_id is not None:
        cases = cases.filter(user_id=user_id)
    open_cases = await cases
    if not open_cases:
        return
    courses = list(await TrainingCourse.all())
    notices: list[Notice] = []
    for case in open_cases:
        user = case.user
        if user is None:  # (a user's kind of case always has its user)
            continue
        if user.status != UserStatus.ACTIVE:
            await _close(
                case, CaseStatus.WITHDRAWN, "The account was deactivated for another reason.", now
            )
            counts.withdrawn += 1
        elif await _completed_since(case, tz, courses):
            await _close(case, CaseStatus.RESOLVED, "The required training was completed.", now)
            counts.resolved += 1
            notices += await _case_notices(case, user, "resolved", [])
    counts.messages += await queue(notices, now=now)


async def resolve_retraining_on_completion(*, user_id: UUID, now: datetime, tz: ZoneInfo) -> int:
    """Called when the LMS reports a completion: the user's open retraining case closes."""
    counts = SweepCounts()
    async with in_transaction():
        await _resolve_trained(now=now, tz=tz, counts=counts, user_id=user_id)
    return counts.resolved
