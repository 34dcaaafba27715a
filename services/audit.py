"""The audit trail: append rows (one multi-row INSERT), verify the hash chain, read a client's
history (DESIGN.md section 5; policies 207 d, 212).

Request metadata (request id, operation, client IP) reaches services through
:data:`current_request`, which the GraphQL layer sets for each operation; services pass what
they know (actor, action, entity) to :func:`record` inside their own transaction, so a change
and its audit row commit or roll back together.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection

from authz.principal import Principal
from models.audit import AuditEvent
from models.enums import AuditAction
from services.errors import ValidationFailed

__all__ = [
    "CHANGE_ACTIONS",
    "READ_ACTIONS",
    "AuditRow",
    "Broken",
    "RequestMeta",
    "acting_agency",
    "append",
    "client_trail",
    "current_request",
    "record",
    "verify_chain",
]

CHANGE_ACTIONS = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE_REQUEST, AuditAction.DELETE)
READ_ACTIONS = (AuditAction.VIEW, AuditAction.SEARCH, AuditAction.EXPORT)

_COLUMNS = (
    "occurred_at", "actor_id", "true_actor_id", "agency_id", "action", "entity_type", "entity_id",
    "client_id", "fields_touched", "release_id", "request_id", "operation", "client_ip",
)


@dataclass(slots=True)
class RequestMeta:
    """What the API knows about the request a service runs in."""

    request_id: str | None = None
    operation: str | None = None
    client_ip: str | None = None
    # Entities changed in this request: the response's read of them is not a separate VIEW.
    changed: set[tuple[str, str]] = field(default_factory=set)


current_request: ContextVar[RequestMeta | None] = ContextVar("hearth_audit_request", default=None)


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One row to append. ``fields`` are names, never values."""

    occurred_at: datetime
    action: AuditAction
    entity_type: str
    entity_id: str | None = None
    client_id: UUID | None = None
    actor_id: UUID | None = None
    true_actor_id: UUID | None = None
    agency_id: UUID | None = None
    fields: tuple[str, ...] = ()
    release_id: UUID | None = None
    request_id: str | None = None
    operation: str | None = None
    client_ip: str | None = None

    def values(self) -> list[Any]:
        return [
            self.occurred_at, self.actor_id, self.true_actor_id or self.actor_id, self.agency_id,
            self.action.value, self.entity_type, self.entity_id, self.client_id,
            json.dumps(sorted(set(self.fields))), self.release_id, self.request_id,
            (self.operation or "")[:100] or None, self.client_ip,
        ]


async def append(rows: Sequence[AuditRow]) -> None:
    """Append rows in one multi-row INSERT, on the current transaction's connection if any."""
    if not rows:
        return
    width = len(_COLUMNS)
    placeholders = ", ".join(
        "(" + ", ".join(f"${i * width + j + 1}" + ("::jsonb" if _COLUMNS[j] == "fields_touched" else "") for j in range(width)) + ")"
        for i in range(len(rows))
    )
    params = [value for row in rows for value in row.values()]
    sql = f"INSERT INTO audit_event ({', '.join(_COLUMNS)}) VALUES {placeholders}"  # noqa: S608 (placeholders only)
    await get_connection("default").execute_query(sql, params)


def acting_agency(principal: Principal, preferred: Iterable[UUID] = ()) -> UUID | None:
    """The agency the principal acted for: the one given, else their only agency."""
    for agency in preferred:
        if agency is not None:
            return agency
    agencies = principal.agency_ids
    return next(iter(agencies)) if len(agencies) == 1 else None


async def record(
    principal: Principal,
    action: AuditAction,
    *,
    entity_type: str,
    entity_id: Any,
    client_id: UUID | None,
    now: datetime,
    fields: Iterable[str] = (),
    agency_id: UUID | None = None,
    release_id: UUID | None = None,
) -> None:
    """Audit one change (call inside the service's transaction: it commits with the change)."""
    meta = current_request.get()
    if meta is not None and entity_id is not None:
        meta.changed.add((entity_type, str(entity_id)))
    await append(
        [
            AuditRow(
                occurred_at=now,
                action=action,
                entity_type=entity_type,
                entity_id=str(entity_id) if entity_id is not None else None,
                client_id=client_id,
                actor_id=principal.user_id,
                agency_id=acting_agency(principal, [agency_id] if agency_id else []),
                fields=tuple(fields),
                release_id=release_id,
                request_id=meta.request_id if meta else None,
                operation=meta.operation if meta else None,
                client_ip=meta.client_ip if meta else None,
            )
        ]
    )


@dataclass(frozen=True, slots=True)
class Broken:
    """The first row where the chain does not hold, and why."""

    seq: int
    reason: str


async def verify_chain(*, batch: int = 10_000) -> tuple[int, Broken | None]:
    """Walk the chain in order; the number of rows checked and the first broken row, if any.

    Detects a changed row (its hash no longer matches its content), a deleted row (a gap in the
    numbering, and the next row's ``prev_hash`` no longer matches) and reordered rows (the
    number is part of the hashed content). Truncation of the newest rows leaves no gap: compare
    the count with an external anchor (a periodic copy of the last hash) to catch that.
    """
    conn = get_connection("default")
    checked = 0
    last_seq: int | None = None
    last_hash: str | None = None
    while True:
        rows = await conn.execute_query_dict(
            "SELECT seq, row_hash, prev_hash, "
            "encode(sha256(convert_to(hearth_audit_canonical(a), 'UTF8')), 'hex') AS computed "
            "FROM audit_event a WHERE seq > $1 ORDER BY seq LIMIT $2",
            [last_seq if last_seq is not None else -1, batch],
        )
        if not rows:
            return checked, None
        for row in rows:
            expected_seq = 1 if last_seq is None else last_seq + 1
            if row["seq"] != expected_seq:
                return checked, Broken(row["seq"], f"row {expected_seq} is missing (rows deleted or renumbered)")
            if row["prev_hash"] != last_hash:
                return checked, Broken(row["seq"], "prev_hash does not match the previous row's hash")
            if row["computed"] != row["row_hash"]:
                return checked, Broken(row["seq"], "the row's content does not match its hash (changed)")
            last_seq, last_hash = row["seq"], row["row_hash"]
            checked += 1


def encode_seq_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"a1:{seq}".encode()).decode()


def decode_seq_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not raw.startswith("a1:"):
            raise ValueError(cursor)
        return int(raw[3:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("The cursor is not one this API issued.", field="after") from None


async def client_trail(
    *, client_id: UUID, actions: Sequence[AuditAction], first: int, after: str | None, max_size: int = 100
) -> tuple[list[AuditEvent], bool, int]:
    """A client's audit rows of these actions, newest first: (page, more follow, total)."""
    if first < 0 or first > max_size:
        raise ValidationFailed(f"first must be between 0 and {max_size}.", field="first")
    qs = AuditEvent.filter(client_id=client_id, action__in=[a.value for a in actions])
    total = await qs.count()
    if after is not None:
        qs = qs.filter(seq__lt=decode_seq_cursor(after))
    rows = list(await qs.order_by("-seq").limit(first + 1))
    return rows[:first], len(rows) > first, total
