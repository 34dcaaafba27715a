"""Cases and their findings: what a sweep found, recorded on the user's open case (opened, and
notified, when there is none), and closing a case."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from models.compliance import CaseKind, CaseRule, CaseStatus, ComplianceCase, ComplianceFinding
from models.enums import UserStatus
from models.users import User
from services.compliance.notices import _case_notices
from services.compliance.rules import _DAYS
from services.notifications import Notice, queue

__all__ = ["SweepCounts"]


@dataclass(slots=True)
class SweepCounts:
    """What a run did; a job records it."""

    opened: int = 0
    findings: int = 0
    resolved: int = 0
    enforced: int = 0
    withdrawn: int = 0
    messages: int = 0
    users_checked: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if k != "errors"} | (
            {"errors": self.errors} if self.errors else {}
        )


@dataclass(frozen=True, slots=True)
class _Found:
    user_id: UUID
    rule: CaseRule
    key: str
    evidence: dict[str, Any]


async def _record_findings(
    kind: CaseKind, found: Iterable[_Found], *, now: datetime, tz: ZoneInfo, counts: SweepCounts
) -> None:
    """Attach findings to the user's open case of this kind, opening one (and notifying) when
    there is none. A finding seen before (same user, rule and key) or a rule already in the open
    case adds nothing."""
    by_user: dict[UUID, list[_Found]] = defaultdict(list)
    for f in found:
        by_user[f.user_id].append(f)
    if not by_user:
        return
    users = {u.id: u for u in await User.filter(id__in=list(by_user))}
    open_cases = {
        c.user_id: c
        for c in await ComplianceCase.filter(
            user_id__in=list(by_user), kind=kind, status=CaseStatus.OPEN
        )
    }
    seen = {
        (r["user_id"], r["rule"], r["key"])
        for r in await ComplianceFinding.filter(user_id__in=list(by_user)).values(
            "user_id", "rule", "key"
        )
    }
    open_rules: dict[UUID, set[CaseRule]] = defaultdict(set)
    for r in await ComplianceFinding.filter(case_id__in=[c.id for c in open_cases.values()]).values(
        "case__user_id", "rule"
    ):
        open_rules[r["case__user_id"]].add(CaseRule(r["rule"]))
    today = now.astimezone(tz).date()
    notices: list[Notice] = []
    for user_id, items in by_user.items():
        user = users.get(user_id)
        if user is None or user.status != UserStatus.ACTIVE:
            continue
        fresh = [
            f
            for f in items
            if (f.user_id, f.rule.value, f.key) not in seen and f.rule not in open_rules[user_id]
        ]
        # One finding per rule in a sweep: the first is evidence enough.
        by_rule: dict[CaseRule, _Found] = {}
        for f in fresh:
            by_rule.setdefault(f.rule, f)
        if not by_rule:
            continue
        case = open_cases.get(user_id)
        opened = case is None
        if case is None:
            case = await ComplianceCase.create(
                user_id=user_id,
                kind=kind,
                opened_at=now,
                due_on=today + timedelta(days=_DAYS[kind]),
            )
            counts.opened += 1
        else:
            counts.findings += len(by_rule)
        await ComplianceFinding.bulk_create(
            [
                ComplianceFinding(
                    case=case,
                    user_id=user_id,
                    rule=f.rule,
                    key=f.key,
                    evidence=f.evidence,
                    found_at=now,
                )
                for f in by_rule.values()
            ]
        )
        if opened:
            notices += await _case_notices(
                case, user, "opened", [(f.rule, f.evidence) for f in by_rule.values()]
            )
    counts.messages += await queue(notices, now=now)


async def _close(case: ComplianceCase, status: CaseStatus, resolution: str, now: datetime) -> None:
    case.status, case.closed_at, case.resolution = status, now, resolution[:500]
    await case.save(update_fields=["status", "closed_at", "resolution"])


async def _findings_of(case: ComplianceCase) -> list[tuple[CaseRule, dict[str, Any]]]:
    rows = await ComplianceFinding.filter(case=case).order_by("found_at").values("rule", "evidence")
    return [(CaseRule(r["rule"]), r["evidence"]) for r in rows]
