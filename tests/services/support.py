"""Helpers for service-level tests: a user's casbin decisions and a caller, as a request would
have them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from authz.enforcer import Decisions, current_authorizer
from models.users import User
from services.caller import CONNECTICUT, Caller
from services.principals import load_principal

# The suite's frozen instant (tests/conftest.py START): a Monday.
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


async def decisions_for(user: User) -> Decisions:
    loaded = await load_principal(user.id)
    assert loaded is not None
    return Decisions(current_authorizer(), loaded[0])


def caller_of(
    decisions: Decisions,
    *,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
    today: date | None = None,
) -> Caller:
    """A caller at ``now`` (or at noon of ``today``, or at the suite's instant)."""
    zone = tz or CONNECTICUT
    if now is None:
        now = datetime.combine(today, time(12), tzinfo=zone) if today else NOW
    return Caller(decisions, now, zone)
