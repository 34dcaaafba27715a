"""What the board's services share: checked text, month arithmetic, the board's rules of
membership (caps, voting, who is seated on a day) and the log of every write."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.dsb import BoardSeat, SeatCategory
from services import governance_log
from services.caller import Caller
from services.errors import ValidationFailed

__all__ = [
    "NON_VOTING",
    "SEAT_CAPS",
    "add_months",
    "add_years",
    "is_voting",
    "last_day",
    "log",
    "need",
    "seated_on",
    "text",
]

# Policy 102: up to 13 voting members (4, 2, 2, 1, 1, 2, 1) and 2 non-voting (1 + 1).
SEAT_CAPS: dict[SeatCategory, int] = {
    SeatCategory.PROVIDER_DATA_EXPERT: 4,
    SeatCategory.CAN_BACKBONE: 2,
    SeatCategory.COC_REPRESENTATIVE: 2,
    SeatCategory.STATEWIDE_CAN_MANAGER: 1,
    SeatCategory.PROVIDER_COALITION: 1,
    SeatCategory.HMIS_FUNDER: 2,
    SeatCategory.STATEWIDE_CAN_BACKBONE: 1,
    SeatCategory.HMIS_LEAD: 1,
    SeatCategory.SYSTEM_ADMINISTRATION: 1,
}
NON_VOTING = frozenset({SeatCategory.HMIS_LEAD, SeatCategory.SYSTEM_ADMINISTRATION})


def is_voting(category: SeatCategory | str) -> bool:
    return SeatCategory(category) not in NON_VOTING


def text(
    value: str | None, field: str, model: type[Model], column: str, *, required: bool = True
) -> str | None:
    """Stripped text no longer than its column; VALIDATION when required and empty."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"Give the {field}.", field=field)
    field_type = model._meta.fields_map[column]
    limit = getattr(field_type, "max_length", None) or 8000
    if len(value) > limit:
        raise ValidationFailed(f"{field} has at most {limit} characters.", field=field)
    return value or None


def need(value: str | None, field: str, model: type[Model], column: str) -> str:
    """Required text: stripped, not empty, no longer than its column."""
    checked = text(value, field, model, column)
    assert checked is not None  # text() refuses empty required text
    return checked


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; a month's last day stays its month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    at_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month, last if at_end else min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def last_day(seat: BoardSeat) -> date:
    """The last day the seat is held: its term's end, or the day before it was left."""
    if seat.ended_on is not None:
        return min(seat.term_end, seat.ended_on - timedelta(days=1))
    return seat.term_end


def seated_on(day: date) -> QuerySet[BoardSeat]:
    """The seats held on ``day``."""
    return BoardSeat.filter(term_start__lte=day, term_end__gte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day)
    )


async def log(
    caller: Caller | None,
    action: str,
    row: Model,
    *,
    now: Any,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """One governance-log row for a write to a board record (``caller`` None: the job)."""
    await governance_log.record(
        caller.principal if caller is not None else None,
        action,
        entity_type=type(row).__name__,
        entity_id=row.pk,
        now=now,
        before=before,
        after=after,
        reason=reason,
    )
