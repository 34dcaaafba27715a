"""Keyset pages over querysets: stable under concurrent inserts, so a sync job can walk them."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from tortoise.queryset import QuerySet

from services.errors import ValidationFailed

__all__ = ["Page", "check_page_size", "decode_cursor", "encode_cursor", "paginate"]

T = TypeVar("T")

MAX_PAGE_SIZE = 100
_PREFIX = "v1:"


def encode_cursor(key: UUID) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{key}".encode()).decode()


def decode_cursor(cursor: str) -> UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not raw.startswith(_PREFIX):
            raise ValueError(cursor)
        return UUID(raw[len(_PREFIX) :])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("The cursor is not one this API issued.", field="after") from None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next_page: bool
    total_count: int
    # the page was asked for after a cursor (Relay's hasPreviousPage for forward paging)
    has_previous_page: bool = False
    # False when the count stopped early: more than ``total_count`` match (decision 185)
    total_is_exact: bool = True

    def cursor(self, item: Any) -> str:
        return encode_cursor(item.pk)


def check_page_size(first: int, max_size: int = MAX_PAGE_SIZE) -> None:
    if first < 0 or first > max_size:
        raise ValidationFailed(f"first must be between 0 and {max_size}.", field="first")


async def paginate(
    queryset: QuerySet[Any],
    *,
    first: int,
    after: str | None,
    max_size: int = MAX_PAGE_SIZE,
    count: bool = True,
) -> Page[Any]:
    """One page ordered by primary key, plus whether more follow and how many match in all.
    ``count=False`` (the caller does not ask for the total) leaves out the count's statement,
    which on a broad search costs more than the page; ``total_count`` is then -1."""
    check_page_size(first, max_size)
    total = await queryset.count() if count else -1
    page_qs = queryset.order_by("id")
    if after is not None:
        page_qs = page_qs.filter(id__gt=decode_cursor(after))
    rows = list(await page_qs.limit(first + 1))
    return Page(
        items=rows[:first],
        has_next_page=len(rows) > first,
        total_count=total,
        has_previous_page=after is not None,
    )
