"""The users list a sync job walks: pages in (updatedAt, id) order, and the walk's ``asOf``.

``asOf`` is the time a sync job keeps as its next ``updatedSince``. The database stamps a user's
``updated_at`` itself, under a shared advisory lock, when a field the API shows changes
(migration 0021); the first page of a walk takes that lock exclusively for a moment and reads
the database's clock. Every writer that stamped earlier has committed by then, so its change is
visible to the walk, and every later writer stamps a later time, so the next walk from ``asOf``
sees it. The pages after the first carry the walk's ``asOf`` in their cursor: every page of one
walk answers the same time. Decision 112.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.users import User
from services.errors import ValidationFailed
from services.pagination import MAX_PAGE_SIZE, Page, check_page_size

__all__ = ["UserPage", "sync_as_of", "users_page"]

_PREFIX = "u1:"
# The same key as migration 0021's trigger takes in shared mode.
_AS_OF_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('hearth_user.updated_at', 109))"
_CLOCK_SQL = "SELECT clock_timestamp() AS now"


@dataclass(frozen=True, slots=True)
class _Position:
    updated_at: datetime
    id: UUID
    as_of: datetime


def _encode(position: _Position) -> str:
    raw = f"{_PREFIX}{position.updated_at.isoformat()}|{position.id}|{position.as_of.isoformat()}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(cursor: str) -> _Position:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not raw.startswith(_PREFIX):
            raise ValueError(cursor)
        updated_at, key, as_of = raw[len(_PREFIX) :].split("|")
        position = _Position(
            datetime.fromisoformat(updated_at), UUID(key), datetime.fromisoformat(as_of)
        )
        if position.updated_at.tzinfo is None or position.as_of.tzinfo is None:
            raise ValueError(cursor)
        return position
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("The cursor is not one this API issued.", field="after") from None


@dataclass(frozen=True, slots=True)
class UserPage(Page[User]):
    """A page of users and the walk's ``as_of``; its cursors carry both."""

    as_of: datetime = field(kw_only=True)

    def cursor(self, item: Any) -> str:
        return _encode(_Position(item.updated_at, item.pk, self.as_of))


async def sync_as_of() -> datetime:
    """A time no later than the stamp of any change not yet visible (see the module docstring)."""
    async with in_transaction() as connection:
        await connection.execute_query(_AS_OF_SQL)
        rows = await connection.execute_query_dict(_CLOCK_SQL)
    now: datetime = rows[0]["now"]
    return now


async def users_page(
    queryset: QuerySet[User],
    *,
    first: int,
    after: str | None,
    updated_since: datetime | None,
    count: bool = True,
) -> UserPage:
    """One page of ``queryset`` in (updated_at, id) order, changed at or after
    ``updated_since`` when given, with the walk's ``as_of`` (read now for a first page, carried
    by the cursor after)."""
    check_page_size(first, MAX_PAGE_SIZE)
    position = _decode(after) if after is not None else None
    # asOf before the page's rows: the lock makes every earlier stamp visible to what follows.
    as_of = position.as_of if position is not None else await sync_as_of()
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    total = await queryset.count() if count else -1
    page_qs = queryset.order_by("updated_at", "id")
    if position is not None:
        page_qs = page_qs.filter(
            Q(updated_at__gt=position.updated_at)
            | Q(updated_at=position.updated_at, id__gt=position.id)
        )
    rows = list(await page_qs.limit(first + 1))
    return UserPage(
        items=rows[:first],
        has_next_page=len(rows) > first,
        total_count=total,
        has_previous_page=position is not None,
        as_of=as_of,
    )
