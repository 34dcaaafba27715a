"""The audit trail: append rows (one multi-row INSERT), seal them into the hash chain and verify
it, read a client's history (DESIGN.md section 5; policies 207 d, 212).

Request metadata (request id, operation, client IP) reaches services through
:data:`current_request`, which the GraphQL layer sets for each operation; services pass what
they know (actor, action, entity) to :func:`record` inside their own transaction, so a change
and its audit row commit or roll back together.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import weakref
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.connection import get_connection

from authz.clients import row_security
from authz.principal import Principal
from models.audit import AuditEvent
from models.enums import AuditAction
from services.errors import ValidationFailed
from services.progress import Progress, tell

__all__ = [
    "CHANGE_ACTIONS",
    "READ_ACTIONS",
    "AuditRow",
    "Broken",
    "ChainCheck",
    "ReadEntry",
    "RequestMeta",
    "acting_agency",
    "append",
    "client_trail",
    "current_horizon",
    "current_request",
    "forget_horizons",
    "read_entries",
    "record",
    "seal",
    "sealed_through",
    "unsealed",
    "verify_chain",
]

CHANGE_ACTIONS = (
    AuditAction.CREATE,
    AuditAction.UPDATE,
    AuditAction.DELETE_REQUEST,
    AuditAction.DELETE,
)
READ_ACTIONS = (AuditAction.VIEW, AuditAction.SEARCH, AuditAction.EXPORT)


@dataclass(slots=True)
class RequestMeta:
    """What the API knows about the request a service runs in."""

    request_id: str | None = None
    operation: str | None = None
    client_ip: str | None = None
    # The id the caller sent (X-Request-ID), kept beside Hearth's own.
    caller_request_id: str | None = None


current_request: ContextVar[RequestMeta | None] = ContextVar("hearth_audit_request", default=None)


@functools.lru_cache(maxsize=4096)
def _field_names(fields: tuple[str, ...]) -> tuple[str, ...]:
    """The field names as stored (a JSON array): sorted, each once (a page's rows share a few
    sets of names, so each set is sorted once)."""
    return tuple(sorted(set(fields)))


class AuditRow(NamedTuple):
    """One row to append. ``fields`` are names, never values. (A named tuple: a page of clients
    makes about 130 of them per request.)"""

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
    caller_request_id: str | None = None
    # A client's VIEW row: the records of the client read with it (type, id, field names), in
    # the order read (decision 189); None on every other row.
    reads: tuple[tuple[str, str, tuple[str, ...]], ...] | None = None

    def request(self) -> tuple[Any, ...]:
        """The columns that are the same for every row of one request."""
        return (
            self.occurred_at,
            self.actor_id,
            self.true_actor_id or self.actor_id,
            self.request_id,
            (self.operation or "")[:100] or None,
            self.client_ip,
            self.caller_request_id,
        )

    def own(self) -> tuple[Any, ...]:
        """The columns of this row alone."""
        return (
            self.agency_id,
            self.action.value,
            self.entity_type,
            self.entity_id,
            self.client_id,
            _field_names(tuple(self.fields)),
            self.release_id,
            *_read_columns(self.reads),
        )


def _array_literal(values: Iterable[str]) -> str:
    """A PostgreSQL text[] literal (each element quoted): cheaper to send inside the JSON of a
    request's rows, and to parse, than a JSON array taken apart by a subquery per row."""
    quoted = (v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


_NO_READS = (None, None, None)
_EMPTY_READS = ("{}", "{}", "{}")


def _read_columns(
    reads: tuple[tuple[str, str, tuple[str, ...]], ...] | None,
) -> tuple[str | None, str | None, str | None]:
    """``read_types``, ``read_ids``, ``read_fields`` as array literals (None: not a client's
    VIEW row)."""
    if reads is None:
        return _NO_READS
    if not reads:
        return _EMPTY_READS
    kinds, ids, names = zip(*reads, strict=True)
    return (
        _array_literal(kinds),
        _array_literal(ids),
        _array_literal([",".join(_field_names(tuple(n))) for n in names]),
    )


class ReadEntry(NamedTuple):
    """One record a VIEW row says was read: its type, id and field names."""

    entity_type: str
    entity_id: str | None
    fields: tuple[str, ...]


def read_entries(row: AuditEvent) -> list[ReadEntry]:
    """What an audit row says was touched, record by record, whatever its shape: the row's
    own entity, then (a client's VIEW row since migration 0032) each record of the client read
    with it. A per-record VIEW row written before is one entry, as it always was."""
    entries = [ReadEntry(row.entity_type, row.entity_id, tuple(row.fields_touched or ()))]
    if row.read_types:
        entries.extend(
            ReadEntry(kind, entity_id, tuple(names.split(",")) if names else ())
            for kind, entity_id, names in zip(
                row.read_types, row.read_ids or (), row.read_fields or (), strict=False
            )
        )
    return entries


# The rows of one request (the usual case: a page's VIEW rows, an export's rows) share six
# columns, which go as single values; the rest of each row goes in one JSON array of arrays, which
# PostgreSQL takes apart (orjson writes it in a third of the time asyncpg takes to encode seven
# arrays, which checks every element of every array for nesting; the server's time is lower too).
# Rows that do not share those columns go as one array per column. Either statement is the same
# for any number of rows (prepared once per connection).
_REQUEST = (
    ("occurred_at", "timestamptz"),
    ("actor_id", "uuid"),
    ("true_actor_id", "uuid"),
    ("request_id", "text"),
    ("operation", "text"),
    ("client_ip", "text"),
    ("caller_request_id", "text"),
)
_OWN = (
    ("agency_id", "uuid"),
    ("action", "text"),
    ("entity_type", "text"),
    ("entity_id", "text"),
    ("client_id", "uuid"),
    ("fields_touched", "jsonb"),
    ("release_id", "uuid"),
    # sent as array literals (text), cast after
    ("read_types", "text[]"),
    ("read_ids", "text[]"),
    ("read_fields", "text[]"),
)
_NAMES = ", ".join(name for name, _ in (*_REQUEST, *_OWN))
_FIELDS_TOUCHED = [name for name, _ in _OWN].index("fields_touched")
_APPEND_ONE_REQUEST_SQL = (
    f"INSERT INTO audit_event ({_NAMES}) SELECT "  # noqa: S608 (constants only)
    + ", ".join(f"${i + 1}::{kind}" for i, (_, kind) in enumerate(_REQUEST))
    + ", "
    + ", ".join(
        f"u.e -> {i}" if kind == "jsonb" else f"(u.e ->> {i})::{kind}"
        for i, (_, kind) in enumerate(_OWN)
    )
    + f" FROM jsonb_array_elements(${len(_REQUEST) + 1}::jsonb) WITH ORDINALITY AS u(e, n) ORDER BY u.n"
)
_ALL = (*_REQUEST, *_OWN)
_APPEND_SQL = (
    f"INSERT INTO audit_event ({_NAMES}) SELECT "  # noqa: S608 (constants only)
    + ", ".join(
        f"c{i}::{kind}" if kind.endswith("[]") else f"c{i}" for i, (_, kind) in enumerate(_ALL)
    )
    + " FROM unnest("
    + ", ".join(
        f"${i + 1}::text[]" if kind.endswith("[]") else f"${i + 1}::{kind}[]"
        for i, (_, kind) in enumerate(_ALL)
    )
    + ") AS u("
    + ", ".join(f"c{i}" for i in range(len(_ALL)))
    + ")"
)


def _json_default(value: Any) -> str:
    if isinstance(value, UUID):  # asyncpg's own UUID class, which orjson does not take as one
        return str(value)
    raise TypeError(type(value).__name__)


async def append(rows: Sequence[AuditRow]) -> None:
    """Append rows in one INSERT, on the current transaction's connection if any."""
    if not rows:
        return
    request = rows[0].request()
    if all(row.request() == request for row in rows):
        own = orjson.dumps([row.own() for row in rows], default=_json_default).decode()
        await get_connection("default").execute_query(_APPEND_ONE_REQUEST_SQL, [*request, own])
        return
    columns = [
        list(column) for column in zip(*(row.request() + row.own() for row in rows), strict=True)
    ]
    touched = len(_REQUEST) + _FIELDS_TOUCHED
    columns[touched] = [orjson.dumps(names).decode() for names in columns[touched]]
    await get_connection("default").execute_query(_APPEND_SQL, columns)


class _GroupWriter:
    """The read audit of requests finishing together, written in one INSERT (group commit).

    The first request to write leads: it writes its rows at once. Requests that come while that
    INSERT is in flight wait in line; when it ends, the first of them leads the next INSERT with
    every row waiting, so a request waits for at most the INSERT in flight and its own. Each
    returns only once its own rows are written, and raises if they were not (the caller
    withholds its answer, as before). When the database refuses an INSERT of several requests'
    rows, each request's are written on their own: one request's rows never fail another's.
    One per database client (so per event loop and per Tortoise context): rows never reach
    another database.
    """

    __slots__ = ("busy", "waiting")

    def __init__(self) -> None:
        self.busy = False
        # each request's rows, and the future its task waits on (None for the leader's own)
        self.waiting: list[tuple[Sequence[AuditRow], asyncio.Future[bool] | None]] = []

    async def write(self, rows: Sequence[AuditRow]) -> None:
        if self.busy:
            turn: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self.waiting.append((rows, turn))
            try:
                lead = await turn
            except asyncio.CancelledError:
                # cancelled once handed the lead: the next in line (or a task) takes it over
                if turn.done() and not turn.cancelled() and turn.exception() is None:
                    self._hand_over()
                raise
            if not lead:  # written by the INSERT another request led
                return
        else:
            self.busy = True
            self.waiting.append((rows, None))
        batch, self.waiting = self.waiting, []
        try:
            try:
                with row_security.unguarded_tables():  # audit_event has no row-level security
                    await append([row for entry, _ in batch for row in entry])
            except Exception:
                if len(batch) == 1:
                    raise
                # The database refused the rows of several requests: each request's on their own,
                # so that rows it refuses fail their own request only, never the others'.
                await self._one_by_one(batch, rows)
            else:
                for _, other in batch:
                    if other is not None and not other.done():
                        other.set_result(False)
        except BaseException as error:
            failed = AuditWriteFailed("the audit INSERT of requests written together failed")
            failed.__cause__ = error
            for _, other in batch:
                if other is not None and not other.done():
                    other.set_exception(failed)
            raise
        finally:
            self._hand_over()

    @staticmethod
    async def _one_by_one(
        batch: list[tuple[Sequence[AuditRow], asyncio.Future[bool] | None]],
        mine: Sequence[AuditRow],
    ) -> None:
        """Each request's rows in an INSERT of its own; raises the error of the leader's own
        (``mine``), if any."""
        own: Exception | None = None
        for rows, turn in batch:
            try:
                with row_security.unguarded_tables():
                    await append(rows)
            except Exception as error:
                if rows is mine:
                    own = error
                elif turn is not None and not turn.done():
                    failed = AuditWriteFailed("the audit INSERT of this request failed")
                    failed.__cause__ = error
                    turn.set_exception(failed)
            else:
                if rows is not mine and turn is not None and not turn.done():
                    turn.set_result(False)
        if own is not None:
            raise own

    def _hand_over(self) -> None:
        """The next INSERT is led by the first request still waiting; with none left (each
        waiting request cancelled), their rows are written by a task of their own."""
        for _, turn in self.waiting:
            if turn is not None and not turn.done():
                turn.set_result(True)
                return
        if not self.waiting:
            self.busy = False
            return
        orphans, self.waiting = self.waiting, []
        self.busy = False
        task = asyncio.get_running_loop().create_task(
            self.write([row for entry, _ in orphans for row in entry])
        )
        _orphan_tasks.add(task)
        task.add_done_callback(_orphan_tasks.discard)


class AuditWriteFailed(RuntimeError):
    """The INSERT that carried a request's audit rows failed."""


_writers: weakref.WeakKeyDictionary[Any, _GroupWriter] = weakref.WeakKeyDictionary()
_orphan_tasks: set[asyncio.Task[None]] = set()


async def append_together(rows: Sequence[AuditRow]) -> None:
    """Append a request's read audit rows, in one INSERT with those of the requests finishing
    at the same moment (:class:`_GroupWriter`, decision 209); inside a transaction, on its
    connection as :func:`append` does."""
    if not rows:
        return
    client = get_connection("default")
    if isinstance(client, TransactionalDBClient):
        await append(rows)
        return
    writer = _writers.get(client)
    if writer is None:
        writer = _writers[client] = _GroupWriter()
    await writer.write(rows)


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
                caller_request_id=meta.caller_request_id if meta else None,
            )
        ]
    )


@dataclass(frozen=True, slots=True)
class Broken:
    """The first sealed block where the chain does not hold (rows ``seq`` to ``last_seq``), and why."""

    seq: int
    last_seq: int
    reason: str


class ChainCheck(NamedTuple):
    """What :func:`verify_chain` found: rows checked, the first broken block, rows not sealed yet
    (rows sealed and since detached for archive are not counted: services.audit_partitions)."""

    checked: int
    broken: Broken | None
    unsealed: int


# Horizons taken by this process that were not final yet, oldest first (see :func:`seal`).
_marks: list[tuple[int, list[str]]] = []
SEAL_BLOCK = 10_000
_SEQ_MIN = -(2**63)  # below every number: the "previous block" of the first one


async def seal(*, block: int = SEAL_BLOCK, progress: Progress | None = None) -> int:
    """Seal the committed rows that no running transaction can still add to; the rows sealed.

    Writers append without a lock (migration 0009). A horizon is the last number handed out,
    marked with the transactions then writing to the trail (``hearth_audit_mark``); it is final
    once they have all ended, and the database refuses to seal up to one that is not. So each
    call marks a new horizon and seals up to the newest final one, this call's or an earlier
    call's: under load the previous call's horizon is final by now, when idle this one is.
    Blocks of at most ``block`` rows, one short transaction each, one sealer at a time.
    ``progress`` hears of the rows sealed (step ``audit rows sealed``).
    """
    conn = get_connection("default")
    total = await unsealed() if progress is not None else None
    mark = (await conn.execute_query_dict("SELECT horizon, writers FROM hearth_audit_mark()"))[0]
    if (
        _marks and _marks[-1][0] > mark["horizon"]
    ):  # the numbering restarted: older marks mean nothing
        _marks.clear()
    _marks.append((mark["horizon"], list(mark["writers"])))
    sealed = 0
    for index in range(len(_marks) - 1, -1, -1):
        horizon, writers = _marks[index]
        while True:
            rows = await conn.execute_query_dict(
                "SELECT hearth_audit_seal($1, $2::text[], $3) AS n", [horizon, writers, block]
            )
            n = rows[0]["n"]
            if not n:
                break
            sealed += n
            tell(progress, "audit rows sealed", sealed, max(total or 0, sealed))
        if n is not None:  # final: it and every older horizon are done with
            del _marks[: index + 1]
            break
    del _marks[:-100]  # a stuck transaction must not make the list grow without bound
    return sealed


async def current_horizon() -> int:
    """The last number handed out so far."""
    rows = await get_connection("default").execute_query_dict(
        "SELECT horizon FROM hearth_audit_mark()"
    )
    return int(rows[0]["horizon"])


async def sealed_through(horizon: int) -> bool:
    """Whether every committed row numbered up to ``horizon`` is sealed."""
    rows = await get_connection("default").execute_query_dict(
        "SELECT NOT EXISTS (SELECT 1 FROM audit_event WHERE seq <= $1"
        " AND seq > coalesce((SELECT max(last_seq) FROM audit_seal), $2)) AS done",
        [horizon, _SEQ_MIN],
    )
    return bool(rows[0]["done"])


def forget_horizons() -> None:
    """Drop this process's pending horizons (after the numbering restarted: tests)."""
    _marks.clear()


async def unsealed() -> int:
    """Rows newer than the last sealed block."""
    rows = await get_connection("default").execute_query_dict(
        "SELECT count(*) AS n FROM audit_event WHERE seq > coalesce((SELECT max(last_seq) FROM audit_seal), $1)",
        [_SEQ_MIN],
    )
    return int(rows[0]["n"])


async def verify_chain(*, batch: int = 200, progress: Progress | None = None) -> ChainCheck:
    """Recompute every sealed block in order; rows checked, the first broken block, rows unsealed.

    A block covers the rows numbered after the previous block's last row up to its own last
    row; its hash covers the previous block's hash and each row's content, number included. So
    a changed row (hash), a deleted or inserted row (count and hash), reordered rows (numbers are
    hashed) and a changed or deleted block (the next block's link) are all detected. Removing
    the newest rows together with their blocks leaves no trace: compare the last block's hash
    with an external copy (docs/operations.md) to catch that. ``progress`` hears of the rows
    checked (step ``audit rows verified``).
    """
    conn = get_connection("default")
    checked = 0
    total = None
    if progress is not None:
        rows = await conn.execute_query_dict(
            "SELECT coalesce(sum(row_count), 0) AS n FROM audit_seal"
        )
        total = int(rows[0]["n"])
        tell(progress, "audit rows verified", 0, total)
    last_seq, last_hash = _SEQ_MIN, None
    archived = 0
    while True:
        # A block that held rows of months detached for archive (migration 0034) is checked
        # against what the detachment recorded of its rows left: their count and their hash as
        # a block with no previous hash (services.audit_partitions.detach_before).
        blocks = await conn.execute_query_dict(
            "SELECT s.last_seq, s.after_seq, s.first_seq, s.row_count, s.prev_hash, s.hash, b.row_count AS rows,"
            " b.hash AS computed, k.kept_rows, k.kept_hash"
            " FROM (SELECT * FROM audit_seal WHERE last_seq > $1 ORDER BY last_seq LIMIT $2) s"
            " LEFT JOIN LATERAL (SELECT kept_rows, kept_hash FROM audit_archive_block a"
            " WHERE a.last_seq = s.last_seq ORDER BY a.archive_id DESC LIMIT 1) k ON true"
            " CROSS JOIN LATERAL hearth_audit_block(s.after_seq, s.last_seq,"
            " CASE WHEN k.kept_rows IS NULL THEN s.prev_hash END) b ORDER BY s.last_seq",
            [last_seq, batch],
        )
        if not blocks:
            return ChainCheck(checked, None, await unsealed())
        for b in blocks:
            broken = None
            kept = b["kept_rows"]
            if b["after_seq"] != last_seq or b["prev_hash"] != last_hash:
                broken = (
                    "the block does not follow the previous one (a block was removed or changed)"
                )
            elif kept is not None and b["rows"] != kept:
                broken = f"{kept} rows were left here when older months were archived, {b['rows']} are left"
            elif kept is not None and b["computed"] != b["kept_hash"]:
                broken = (
                    "the rows left here when older months were archived do not match their record"
                )
            elif kept is None and b["rows"] != b["row_count"]:
                broken = f"{b['row_count']} rows were sealed here, {b['rows']} are left (rows deleted or added)"
            elif kept is None and b["computed"] != b["hash"]:
                broken = "the rows do not match the block's hash (a row was changed)"
            if broken:
                return ChainCheck(
                    checked, Broken(b["first_seq"], b["last_seq"], broken), await unsealed()
                )
            last_seq, last_hash = b["last_seq"], b["hash"]
            checked += b["row_count"] if kept is None else kept
            archived += 0 if kept is None else b["row_count"] - kept
        tell(progress, "audit rows verified", checked + archived, total)


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
    *,
    client_id: UUID,
    actions: Sequence[AuditAction],
    first: int,
    after: str | None,
    max_size: int = 100,
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
