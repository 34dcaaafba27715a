"""Policies 109 and 202: no e-mail address or MFA contact shared between active accounts."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from models.compliance import CaseKind, CaseRule, CaseStatus, ComplianceCase
from models.enums import UserStatus
from models.users import User
from services.compliance.cases import SweepCounts, _close, _Found, _record_findings
from services.compliance.notices import _case_notices
from services.contacts import normalize_email, normalize_mfa_contact
from services.errors import ValidationFailed
from services.notifications import Notice, queue

__all__ = ["resolve_unshared_contacts", "sweep_shared_contacts"]


def _contact_points(email: str | None, mfa: str | None) -> dict[str, CaseRule]:
    """The normalised contact points of one account: ``A@x.org`` = ``a@X.org``,
    ``(860) 555-0100`` = ``8605550100``. A value that does not validate (an account loaded from
    elsewhere) is compared by its case-folded form, so it is still caught."""
    points: dict[str, CaseRule] = {}
    for value, normalize, rule in (
        (email, normalize_email, CaseRule.SHARED_EMAIL),
        (mfa, normalize_mfa_contact, CaseRule.SHARED_MFA_CONTACT),
    ):
        if not value or not value.strip():
            continue
        try:
            point = normalize(value)
        except ValidationFailed:
            point = value.strip().casefold()
        points.setdefault(point, rule)
    return points


async def _sharing() -> tuple[dict[UUID, list[_Found]], int]:
    """Active accounts that share a contact point with another active account."""
    rows = await User.filter(status=UserStatus.ACTIVE).values(
        "id", "username", "email", "mfa_contact"
    )
    holders: dict[str, set[UUID]] = defaultdict(set)
    points_of: dict[UUID, dict[str, CaseRule]] = {}
    usernames = {r["id"]: r["username"] for r in rows}
    for r in rows:
        points_of[r["id"]] = _contact_points(r["email"], r["mfa_contact"])
        for point in points_of[r["id"]]:
            holders[point].add(r["id"])
    found: dict[UUID, list[_Found]] = defaultdict(list)
    for user_id, points in points_of.items():
        for point, rule in points.items():
            others = holders[point] - {user_id}
            if others:
                found[user_id].append(
                    _Found(
                        user_id=user_id,
                        rule=rule,
                        key=f"{point}",
                        evidence={
                            "field": "email" if rule == CaseRule.SHARED_EMAIL else "mfaContact",
                            "sharedWith": sorted(usernames[o] for o in others),
                        },
                    )
                )
    return found, len(rows)


async def sweep_shared_contacts(*, now: datetime, tz: ZoneInfo) -> SweepCounts:
    """The quarterly audit of policy 202: a case for every active account sharing an e-mail
    address or MFA contact, due in 14 days; cases whose contact became unique close."""
    counts = SweepCounts()
    async with in_transaction():
        found, counts.users_checked = await _sharing()
        await _resolve_unshared(now=now, counts=counts, found=found)
        # A key stands for "this contact, shared, found in this open case": the day makes a
        # later re-sharing (after a resolved case) a new finding; the open-case rule keeps a
        # daily re-run from adding copies.
        day = now.astimezone(tz).date().isoformat()
        items = [
            _Found(f.user_id, f.rule, f"{f.key}@{day}", f.evidence)
            for fs in found.values()
            for f in fs
        ]
        await _record_findings(CaseKind.SHARED_CONTACT, items, now=now, tz=tz, counts=counts)
    return counts


async def _resolve_unshared(
    *, now: datetime, counts: SweepCounts, found: dict[UUID, list[_Found]] | None = None
) -> None:
    """Close open shared-contact cases whose user shares nothing now (``found``: the current
    sharing, when the caller has it already)."""
    open_cases = await ComplianceCase.filter(
        kind=CaseKind.SHARED_CONTACT, status=CaseStatus.OPEN
    ).select_related("user")
    if not open_cases:
        return
    if found is None:
        found, _ = await _sharing()
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
        elif case.user_id not in found:
            await _close(
                case, CaseStatus.RESOLVED, "The e-mail address and MFA contact are unique now.", now
            )
            counts.resolved += 1
            notices += await _case_notices(case, user, "resolved", [])
    counts.messages += await queue(notices, now=now)


async def resolve_unshared_contacts(*, now: datetime) -> int:
    """Close open shared-contact cases whose contact became unique (after a contact change)."""
    counts = SweepCounts()
    if await ComplianceCase.filter(kind=CaseKind.SHARED_CONTACT, status=CaseStatus.OPEN).exists():
        async with in_transaction():
            await _resolve_unshared(now=now, counts=counts)
    return counts.resolved
