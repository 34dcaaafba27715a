"""The audit trail's month partitions (migration 0034, decisions 193-196): made ahead of time,
listed, and the old ones detached for archive.

``audit_event`` is partitioned by the month of ``occurred_at`` (UTC), with a DEFAULT partition
that takes any row no month partition does, so no insert ever fails. Every Hearth process's
sealer calls :func:`ensure_ahead` (at most once an hour: one cheap statement when the months are
there), and so does ``hearth audit partitions``.

:func:`detach_before` detaches the month partitions before a month, for archive: only months
whose rows are all sealed, after recomputing every sealed block that holds any of their rows.
For each such block it records, in ``audit_archive_block``, the count and hash of the block's
rows that stay in ``audit_event``; ``hearth audit verify`` then checks those blocks against that
record and every other block as before, so the chain stays verifiable from the detached point
on. The detached tables stay in the database, outside the trail, until they are archived
(``pg_dump --table``) and dropped (docs/operations.md).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from services.errors import Conflict, ValidationFailed

__all__ = [
    "AHEAD",
    "Detached",
    "Partition",
    "archived_rows",
    "detach_before",
    "ensure_ahead",
    "parse_month",
    "partitions",
]

# Months made ahead of the current one (the DEFAULT partition catches anything beyond).
AHEAD = 3
_CHECK_EVERY = 3600.0  # seconds between the sealer's checks
_last_check: float | None = None
_NAME = re.compile(r"^audit_event_y(\d{4})m(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_SEAL_LOCK = 4805207213  # hearth_audit_seal's: no block is sealed while months are detached


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    month: date | None  # None: the DEFAULT partition
    rows: int  # the planner's estimate (exact after VACUUM or ANALYZE)


@dataclass(frozen=True, slots=True)
class Detached:
    archive_id: int
    tables: tuple[str, ...]
    rows: int
    blocks: int  # sealed blocks that held detached rows, recorded for verification
    left_in_default: int  # rows of those months in the DEFAULT partition (they stay)


def parse_month(value: str) -> date:
    """``2025-01``: the first day of that month."""
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed("A month is written like 2025-01.", field="before")
    return date(int(match.group(1)), int(match.group(2)), 1)


async def ensure_ahead(ahead: int = AHEAD, *, force: bool = False) -> int:
    """Make the month partitions up to ``ahead`` months after this one; how many were made.
    Without ``force``, at most once every hour per process (the sealer calls it each round; a
    call that failed, e.g. on the function's two-second lock timeout, is tried again at the next
    round)."""
    global _last_check
    now = time.monotonic()
    if not force and _last_check is not None and now - _last_check < _CHECK_EVERY:
        return 0
    rows = await get_connection("default").execute_query_dict(
        "SELECT hearth_audit_partitions($1) AS made", [ahead]
    )
    _last_check = now
    return int(rows[0]["made"])


async def archived_rows() -> int:
    """Rows of the months detached so far (all sealed when detached)."""
    rows = await get_connection("default").execute_query_dict(
        "SELECT coalesce(sum(row_count), 0) AS n FROM audit_archive"
    )
    return int(rows[0]["n"])


async def partitions() -> list[Partition]:
    """The trail's partitions, oldest month first, the DEFAULT one last."""
    rows = await get_connection("default").execute_query_dict(
        "SELECT c.relname AS name, greatest(c.reltuples, 0)::bigint AS rows FROM pg_inherits i"
        " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_event'::regclass"
    )
    found = [Partition(r["name"], _month_of(r["name"]), int(r["rows"])) for r in rows]
    return sorted(found, key=lambda p: (p.month is None, p.month or date.min))


def _month_of(name: str) -> date | None:
    match = _NAME.match(name)
    return date(int(match.group(1)), int(match.group(2)), 1) if match else None


async def detach_before(before: date) -> Detached:
    """Detach every month partition before ``before`` (the first day of a month) for archive.

    Refused (:class:`Conflict`) when there is none, when one holds a row not sealed yet, or
    when a sealed block holding their rows does not verify. One transaction: all or nothing.
    """
    cutoff = datetime(before.year, before.month, 1, tzinfo=UTC)
    async with in_transaction() as conn:
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [_SEAL_LOCK])
        found = await conn.execute_query_dict(
            "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'audit_event'::regclass"
        )
        tables = sorted(
            r["name"] for r in found if (m := _month_of(r["name"])) is not None and m < before
        )
        if not tables:
            raise Conflict(f"No month partition of the audit trail is older than {before:%Y-%m}.")
        # A writer still adding to one of them is waited for, and no other may start: the rows
        # counted and checked below are all the rows detached.
        for table in tables:
            await conn.execute_query(f"LOCK TABLE {table} IN SHARE MODE")
        union = " UNION ALL ".join(f"SELECT seq FROM {t}" for t in tables)  # noqa: S608 (catalogue names)
        span = (
            await conn.execute_query_dict(
                f"SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM ({union}) a"  # noqa: S608
            )
        )[0]
        sealed = (await conn.execute_query_dict("SELECT max(last_seq) AS sealed FROM audit_seal"))[
            0
        ]["sealed"]
        rows, lo, hi = int(span["n"]), span["lo"], span["hi"]
        if rows and (sealed is None or hi > sealed):
            raise Conflict(
                f"Months before {before:%Y-%m} hold audit rows not sealed yet: run"
                " `hearth audit seal` first."
            )
        blocks: list[dict[str, object]] = []
        if rows:
            # Every sealed block that may hold their rows, recomputed before anything changes
            # (against the latest record of an earlier detachment where there is one).
            blocks = await conn.execute_query_dict(
                "SELECT s.last_seq, s.after_seq, s.row_count, s.hash, k.kept_rows, k.kept_hash,"
                " b.row_count AS rows, b.hash AS computed"
                " FROM audit_seal s"
                " LEFT JOIN LATERAL (SELECT kept_rows, kept_hash FROM audit_archive_block a"
                "  WHERE a.last_seq = s.last_seq ORDER BY a.archive_id DESC LIMIT 1) k ON true"
                " CROSS JOIN LATERAL hearth_audit_block(s.after_seq, s.last_seq,"
                "  CASE WHEN k.kept_rows IS NULL THEN s.prev_hash END) b"
                " WHERE s.last_seq >= $1 AND s.after_seq < $2 ORDER BY s.last_seq",
                [lo, hi],
            )
            for b in blocks:
                expected = (
                    (b["row_count"], b["hash"])
                    if b["kept_rows"] is None
                    else (b["kept_rows"], b["kept_hash"])
                )
                if (b["rows"], b["computed"]) != expected:
                    raise Conflict(
                        f"The sealed block ending at {b['last_seq']} does not verify: nothing was"
                        " detached (run `hearth audit verify`)."
                    )
        for table in tables:
            await conn.execute_query(f"ALTER TABLE audit_event DETACH PARTITION {table}")
        archive = await conn.execute_query_dict(
            "INSERT INTO audit_archive (before, tables, row_count, min_seq, max_seq)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            [cutoff, tables, rows, lo, hi],
        )
        archive_id = int(archive[0]["id"])
        if blocks:
            # What each block keeps in the trail now, hashed as a block with no previous hash.
            await conn.execute_query(
                "INSERT INTO audit_archive_block (archive_id, last_seq, kept_rows, kept_hash)"
                " SELECT $1, s.last_seq, b.row_count, b.hash FROM audit_seal s"
                " CROSS JOIN LATERAL hearth_audit_block(s.after_seq, s.last_seq, NULL) b"
                " WHERE s.last_seq = ANY($2::bigint[])",
                [archive_id, [b["last_seq"] for b in blocks]],
            )
        left = await conn.execute_query_dict(
            "SELECT count(*) AS n FROM audit_event_default WHERE occurred_at < $1", [cutoff]
        )
    return Detached(archive_id, tuple(tables), rows, len(blocks), int(left[0]["n"]))
