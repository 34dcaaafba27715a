"""The governance log: every administrative write, who, what, before and after, and why.

Services call :func:`record` inside the transaction of the write they log, so the row commits
with it (and goes with it on rollback). Values are the administrative record's own, never client
data; :func:`record` refuses values it cannot store as JSON rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from tortoise.connection import get_connection

from authz.principal import Principal
from models.governance_log import GovernanceEvent
from services.audit import current_request, decode_seq_cursor
from services.pagination import check_page_size

__all__ = ["Entry", "LogFilter", "page", "record", "record_many"]


def _json(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A JSON-safe copy: UUIDs, dates and enums as orjson writes them."""
    if value is None:
        return None
    loaded: dict[str, Any] = orjson.loads(
        orjson.dumps(dict(value), default=lambda v: getattr(v, "value", str(v)))
    )
    return loaded


async def record(
    actor: Principal | None,
    action: str,
    *,
    entity_type: str,
    entity_id: Any,
    now: datetime,
    agency_id: UUID | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> GovernanceEvent:
    """Log one administrative write (``actor`` None: Hearth itself, a job or the command line)."""
    meta = current_request.get()
    return await GovernanceEvent.create(
        occurred_at=now,
        actor_id=actor.user_id if actor is not None else None,
        actor_kind=actor.kind if actor is not None else "system",
        agency_id=agency_id,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id is not None else None,
        before=_json(before),
        after=_json(after),
        reason=reason,
        request_id=meta.request_id if meta else None,
        caller_request_id=meta.caller_request_id if meta else None,
        operation=meta.operation if meta else None,
    )


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of :func:`record_many`: the arguments of :func:`record` but the actor and time."""

    action: str
    entity_type: str
    entity_id: Any
    agency_id: UUID | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    reason: str | None = None


# One row per entry, in the entries' order; what the request shares is sent once.
_RECORD_MANY_SQL = (
    "INSERT INTO governance_event (occurred_at, actor_id, actor_kind, request_id,"
    " caller_request_id, operation, agency_id, action, entity_type, entity_id, before, after,"
    " reason) SELECT $1::timestamptz, $2::uuid, $3::text, $4::text, $5::text, $6::text,"
    " e.agency_id, e.action, e.entity_type, e.entity_id, e.before::jsonb, e.after::jsonb, e.reason"
    " FROM unnest($7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],"
    " $13::text[]) WITH ORDINALITY"
    " AS e(agency_id, action, entity_type, entity_id, before, after, reason, n) ORDER BY e.n"
)


def _json_text(value: Mapping[str, Any] | None) -> str | None:
    """:func:`_json`'s value as JSON text (what a jsonb array element is sent as)."""
    if value is None:
        return None
    return orjson.dumps(dict(value), default=lambda v: getattr(v, "value", str(v))).decode()


async def record_many(
    actor: Principal | None, entries: list[Entry], *, now: datetime, connection: Any = None
) -> None:
    """Log several writes of one request in one statement (the vendor sync's batches): the
    columns as arrays, unnested in the entries' order (no model instance per row: decision
    183)."""
    if not entries:
        return
    meta = current_request.get()
    await (connection or get_connection("default")).execute_query(
        _RECORD_MANY_SQL,
        [
            now,
            actor.user_id if actor is not None else None,
            actor.kind if actor is not None else "system",
            meta.request_id if meta else None,
            meta.caller_request_id if meta else None,
            meta.operation if meta else None,
            [e.agency_id for e in entries],
            [e.action for e in entries],
            [e.entity_type for e in entries],
            [str(e.entity_id) if e.entity_id is not None else None for e in entries],
            [_json_text(e.before) for e in entries],
            [_json_text(e.after) for e in entries],
            [e.reason for e in entries],
        ],
    )


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Which rows of the log: any combination, all of them when empty."""

    entity_type: str | None = None
    entity_id: str | None = None
    actor_id: UUID | None = None
    agency_id: UUID | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def page(
    where: LogFilter, *, first: int, after: str | None
) -> tuple[list[GovernanceEvent], bool, int]:
    """The log's rows matching ``where``, newest first: (page, more follow, total)."""
    check_page_size(first)
    qs = GovernanceEvent.all()
    for name in ("entity_type", "entity_id", "actor_id", "agency_id", "action"):
        value = getattr(where, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if where.since is not None:
        qs = qs.filter(occurred_at__gte=where.since)
    if where.until is not None:
        qs = qs.filter(occurred_at__lt=where.until)
    total = await qs.count()
    if after is not None:
        qs = qs.filter(seq__lt=decode_seq_cursor(after))
    rows = list(await qs.order_by("-seq").limit(first + 1))
    return rows[:first], len(rows) > first, total
