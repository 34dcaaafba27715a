"""The audit trail partitioned by month (migration 0034, decisions 193-196): partitions made
ahead, no insert refused for a missing one, the seal and its verification across months, the
append-only guards on every partition, old months detached for archive with the chain still
verifiable, and the application's role unchanged."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import asyncpg
import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction
from typer.testing import CliRunner

from api.cli import app as cli
from api.db import tortoise_config
from api.dbmigrate import apply_migrations
from api.settings import Settings
from models.enums import AuditAction
from services.audit import AuditRow, append, seal, verify_chain
from services.audit_partitions import (
    archived_rows,
    ensure_ahead,
    parse_month,
    partitions,
)
from services.errors import ValidationFailed

JAN_END = datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC)
FEB_START = datetime(2026, 2, 1, 0, 0, 0, tzinfo=UTC)
MARCH = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _row(n: int, at: datetime) -> AuditRow:
    return AuditRow(
        occurred_at=at,
        action=AuditAction.VIEW,
        entity_type="Client",
        entity_id=str(uuid.UUID(int=n)),
        client_id=uuid.UUID(int=n),
        actor_id=uuid.UUID(int=1000 + n),
        fields=("firstName",),
    )


async def _owner(sql: str, *args: object) -> list[dict]:
    """As the tables' owner (the app's sessions run as hearth_app)."""
    async with in_transaction() as tx:
        await tx.execute_script("SET LOCAL ROLE NONE")
        return await tx.execute_query_dict(sql, list(args))


async def _months_2026() -> None:
    await _owner("SELECT hearth_audit_partitions(0, timestamptz '2026-01-01 00:00+00')")


async def _where(seq: int) -> str:
    rows = await _owner(
        "SELECT tableoid::regclass::text AS part FROM audit_event WHERE seq = $1", seq
    )
    return str(rows[0]["part"])


async def _detach(runner: CliRunner, before: str) -> tuple[int, dict]:
    """`hearth audit detach-partition --before` (as the tables' owner, as in production); the
    exit code and the JSON line (standard output, or the error on standard error)."""
    result = await asyncio.to_thread(
        runner.invoke, cli, ["audit", "detach-partition", "--before", before]
    )
    out = result.stdout if result.exit_code == 0 else result.stderr
    return result.exit_code, json.loads(out.splitlines()[-1])


@pytest.fixture
async def detached() -> AsyncIterator[list[str]]:
    """The tables a test detaches, dropped afterwards (the worker's database lives on)."""
    tables: list[str] = []
    yield tables
    for table in tables:
        await _owner(f"DROP TABLE IF EXISTS {table}")


async def test_partitions_are_made_ahead_of_time(app: object) -> None:
    today = datetime.now(UTC).date()
    names = {p.name for p in await partitions()}
    month = date(today.year, today.month, 1)
    for _ in range(4):  # this month and the three after it (migration 0034)
        assert f"audit_event_y{month.year}m{month.month:02d}" in names
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    assert "audit_event_default" in names
    assert (await partitions())[-1].month is None  # the DEFAULT partition last
    # the sealer's call (as hearth_app): more months when asked for more, nothing the second time
    made = await ensure_ahead(6, force=True)
    assert made >= 0
    assert await ensure_ahead(6, force=True) == 0
    assert f"audit_event_y{month.year}m{month.month:02d}" in {p.name for p in await partitions()}


async def test_the_partitions_command_makes_months_ahead_and_lists_them(
    app: object, runner: CliRunner
) -> None:
    result = await asyncio.to_thread(runner.invoke, cli, ["audit", "partitions", "--ahead", "5"])
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout.splitlines()[-1])
    assert body["made"] >= 0
    listed = body["partitions"]
    # (rows: the planner's estimate)
    assert (listed[-1]["name"], listed[-1]["month"]) == ("audit_event_default", None)
    months = [p["month"] for p in listed[:-1]]
    assert months == sorted(months)
    today = datetime.now(UTC).date()
    month = date(today.year + (today.month + 5 > 12), (today.month + 4) % 12 + 1, 1)
    assert f"{month:%Y-%m}" in months


async def test_an_insert_never_fails_for_a_missing_partition(app: object) -> None:
    await _months_2026()
    future = datetime(2091, 5, 1, tzinfo=UTC)  # no partition: the DEFAULT one takes it
    past = datetime(1999, 5, 1, tzinfo=UTC)
    await append([_row(1, MARCH), _row(2, future), _row(3, past)])
    assert await _where(1) == "audit_event_y2026m03"
    assert await _where(2) == "audit_event_default"
    assert await _where(3) == "audit_event_default"
    # a month made later while the DEFAULT partition holds rows of it is left there, with a warning
    await _owner("SELECT hearth_audit_partitions(0, timestamptz '2091-05-01 00:00+00')")
    assert await _where(2) == "audit_event_default"
    # a month made ahead takes that month's rows
    await _owner("SELECT hearth_audit_partitions(0, timestamptz '2091-06-01 00:00+00')")
    try:
        await append([_row(4, datetime(2091, 6, 3, tzinfo=UTC))])
        assert await _where(4) == "audit_event_y2091m06"
    finally:
        await _owner("ALTER TABLE audit_event DETACH PARTITION audit_event_y2091m06")
        await _owner("DROP TABLE audit_event_y2091m06")


async def test_seal_and_verify_across_a_month_boundary(app: object, database_url: str) -> None:
    await _months_2026()
    await append([_row(1, JAN_END), _row(2, FEB_START), _row(3, JAN_END), _row(4, MARCH)])
    assert [await _where(n) for n in (1, 2, 3, 4)] == [
        "audit_event_y2026m01",
        "audit_event_y2026m02",
        "audit_event_y2026m01",
        "audit_event_y2026m03",
    ]
    assert await seal(block=3) == 4  # a block of three rows over two months, then one
    assert await verify_chain() == (4, None, 0)
    # a row changed in one partition breaks the block holding it
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        await conn.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        await conn.execute("UPDATE audit_event_y2026m02 SET client_ip = '10.0.0.9'")
        await conn.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    finally:
        await conn.close()
    check = await verify_chain()
    assert check.broken is not None
    assert (check.broken.seq, check.broken.last_seq) == (1, 3)


@pytest.mark.parametrize(
    "table", ["audit_event", "audit_event_y2026m01", "audit_event_y2026m02", "audit_event_default"]
)
async def test_update_delete_and_truncate_are_refused_on_every_partition(
    app: object, table: str
) -> None:
    await _months_2026()
    await append([_row(1, JAN_END), _row(2, FEB_START), _row(3, datetime(2091, 1, 1, tzinfo=UTC))])
    conn = get_connection("default")
    for statement in (
        f"UPDATE {table} SET entity_type = 'X'",  # noqa: S608 (a parameter of the test)
        f"DELETE FROM {table}",  # noqa: S608
        f"TRUNCATE {table}",
    ):
        # the app's role has no privilege on a partition, nor UPDATE/DELETE/TRUNCATE on the trail
        with pytest.raises(Exception, match=r"append-only|permission denied"):
            await conn.execute_script(statement)
        # the owner is refused by the triggers, on a partition as on the partitioned table
        with pytest.raises(Exception, match="append-only"):
            await conn.execute_script(f"BEGIN; SET LOCAL ROLE NONE; {statement}; COMMIT")
    rows = await _owner("SELECT count(*) AS n FROM audit_event")
    assert rows[0]["n"] == 3


async def test_the_app_role_keeps_its_privileges_and_no_more(app: object) -> None:
    await _months_2026()
    rows = await _owner(
        "SELECT c.relname AS name, c.relrowsecurity AS rls,"
        " has_table_privilege('hearth_app', c.oid, 'SELECT') AS sel,"
        " has_table_privilege('hearth_app', c.oid, 'INSERT') AS ins,"
        " has_table_privilege('hearth_app', c.oid, 'UPDATE') AS upd,"
        " has_table_privilege('hearth_app', c.oid, 'DELETE') AS del,"
        " has_table_privilege('hearth_app', c.oid, 'TRUNCATE') AS trunc"
        " FROM pg_class c WHERE c.relkind IN ('r', 'p') AND c.relname LIKE 'audit\\_%'"
        " AND c.relname <> 'audit_seal'"
    )
    found = {
        r["name"]: (r["rls"], r["sel"], r["ins"], r["upd"], r["del"], r["trunc"]) for r in rows
    }
    # as before the partitioning (migrations 0005, 0013): read and append, no row-level security
    assert found["audit_event"] == (False, True, True, False, False, False)
    partitions_ = [n for n in found if n.startswith("audit_event_")]
    assert "audit_event_y2026m02" in partitions_
    assert "audit_event_default" in partitions_
    for name in partitions_:  # reached through audit_event only
        assert found[name][1:] == (False, False, False, False, False), name
    for name in ("audit_archive", "audit_archive_block"):
        assert found[name][1:] == (True, False, False, False, False), name
    # the application's own appends and reads go through the partitioned table
    await append([_row(1, FEB_START)])
    assert (
        await get_connection("default").execute_query_dict("SELECT count(*) AS n FROM audit_event")
    )[0]["n"] == 1


async def test_an_old_sealed_month_is_detached_and_the_chain_still_verifies(
    app: object, database_url: str, runner: CliRunner, detached: list[str]
) -> None:
    await _months_2026()
    # rows of January and February interleaved in numbering, and March's
    await append([_row(1, JAN_END), _row(2, FEB_START), _row(3, JAN_END), _row(4, MARCH)])
    await append([_row(5, JAN_END), _row(6, MARCH)])
    await seal(block=2)  # blocks (1-2) (3-4) (5-6): each holds January and a later month
    detached.append("audit_event_y2026m01")
    code, body = await _detach(runner, "2026-02")
    assert code == 0
    assert body == {
        "archive": body["archive"],
        "detached": ["audit_event_y2026m01"],
        "rows": 3,
        "blocks": 3,
        "leftInDefault": 0,
    }
    names = {p.name for p in await partitions()}
    assert "audit_event_y2026m01" not in names
    assert "audit_event_y2026m02" in names
    # the detached table is outside the trail, its rows intact, for pg_dump
    kept = await _owner("SELECT count(*) AS n FROM audit_event_y2026m01")
    assert kept[0]["n"] == 3
    # the chain verifies from the detached point: the three rows left, the three archived
    assert await verify_chain() == (3, None, 0)
    assert await archived_rows() == 3
    result = await asyncio.to_thread(runner.invoke, cli, ["audit", "verify"])
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "ok": True,
        "checked": 3,
        "unsealed": 0,
        "archived": 3,
    }
    # new rows are sealed and verified after the archived blocks
    await append([_row(7, MARCH)])
    await seal()
    assert await verify_chain() == (4, None, 0)
    # a row left in an archived block, changed, is still caught
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        await conn.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        await conn.execute("UPDATE audit_event SET client_ip = '10.0.0.9' WHERE seq = 4")
        await conn.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    finally:
        await conn.close()
    check = await verify_chain()
    assert check.broken is not None
    assert check.broken.last_seq == 4
    assert "archived" in check.broken.reason


async def test_a_second_detachment_takes_the_rest_of_a_block(
    app: object, runner: CliRunner, detached: list[str]
) -> None:
    await _months_2026()
    await append([_row(1, JAN_END), _row(2, FEB_START), _row(3, MARCH)])
    await seal()  # one block over three months
    detached.extend(["audit_event_y2026m01", "audit_event_y2026m02"])
    code, body = await _detach(runner, "2026-02")
    assert (code, body["blocks"]) == (0, 1)
    assert await verify_chain() == (2, None, 0)
    code, body = await _detach(runner, "2026-03")
    assert (code, body["detached"], body["rows"], body["blocks"]) == (
        0,
        ["audit_event_y2026m02"],
        1,
        1,
    )
    assert await verify_chain() == (1, None, 0)
    assert await archived_rows() == 2


async def test_a_month_with_rows_not_sealed_is_not_detached(
    app: object, runner: CliRunner, detached: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.cli

    await _months_2026()
    await append([_row(1, JAN_END)])
    await seal()
    await append([_row(2, JAN_END)])

    async def no_seal(**_: object) -> tuple[int, int]:  # a sealer that cannot catch up
        return 0, 1

    monkeypatch.setattr(api.cli, "_seal_settled", no_seal)
    detached.append("audit_event_y2026m01")
    code, body = await _detach(runner, "2026-02")
    assert (code, body["error"]["code"]) == (2, "CONFLICT")
    assert "not sealed" in body["error"]["message"]
    assert "audit_event_y2026m01" in {p.name for p in await partitions()}
    # and nothing to detach is said so
    code, body = await _detach(runner, "1990-01")
    assert (code, body["error"]["code"]) == (2, "CONFLICT")
    assert "No month partition" in body["error"]["message"]


async def test_a_block_that_does_not_verify_stops_the_detachment(
    app: object, database_url: str, runner: CliRunner, detached: list[str]
) -> None:
    await _months_2026()
    await append([_row(1, JAN_END), _row(2, FEB_START)])
    await seal()
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        await conn.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        await conn.execute("UPDATE audit_event SET client_ip = '10.0.0.9' WHERE seq = 1")
        await conn.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    finally:
        await conn.close()
    detached.append("audit_event_y2026m01")
    code, body = await _detach(runner, "2026-02")
    assert (code, body["error"]["code"]) == (2, "CONFLICT")
    assert "does not verify" in body["error"]["message"]
    assert "audit_event_y2026m01" in {p.name for p in await partitions()}


def test_a_month_is_written_like_2025_01() -> None:
    assert parse_month("2025-01") == date(2025, 1, 1)
    for wrong in ("2025-13", "2025-1", "January", ""):
        with pytest.raises(ValidationFailed):
            parse_month(wrong)


async def test_the_migration_moves_a_populated_trail(empty_database: str) -> None:
    # given: a trail of three months, sealed, before the partitioning
    config = tortoise_config(empty_database, Settings(env="test"))
    await apply_migrations(config, target="hearth.0033_row_security_flat")
    conn = await asyncpg.connect(empty_database, timeout=10)
    try:
        await conn.execute(
            "INSERT INTO audit_event (occurred_at, action, entity_type, fields_touched)"
            " SELECT timestamptz '2025-11-20 00:00+00' + g * interval '1 day', 'VIEW', 'Client',"
            " '[\"dob\"]' FROM generate_series(1, 60) g"
        )
        await conn.execute(
            "SELECT hearth_audit_seal((SELECT horizon FROM hearth_audit_mark()), '{}', 25)"
            " FROM generate_series(1, 3)"
        )
        before = await conn.fetch("SELECT * FROM audit_event ORDER BY seq")
        # when
        await apply_migrations(config)
        # then: the same rows, in their months, numbering going on, the seals verifying
        assert (
            await conn.fetchval("SELECT relkind::text FROM pg_class WHERE relname = 'audit_event'")
            == "p"
        )
        after = await conn.fetch("SELECT * FROM audit_event ORDER BY seq ASC")
        assert [dict(r) for r in after] == [dict(r) for r in before]
        months = await conn.fetch(
            "SELECT tableoid::regclass::text AS part, count(*) AS n FROM audit_event"
            " GROUP BY 1 ORDER BY 1"
        )
        assert [(r["part"], r["n"]) for r in months] == [
            ("audit_event_y2025m11", 10),
            ("audit_event_y2025m12", 31),
            ("audit_event_y2026m01", 19),
        ]
        seq = await conn.fetchval(
            "INSERT INTO audit_event (occurred_at, action, entity_type, fields_touched)"
            " VALUES (now(), 'VIEW', 'Client', '[]') RETURNING seq"
        )
        assert seq == 61
        bad = await conn.fetchval(
            "SELECT count(*) FROM audit_seal s CROSS JOIN LATERAL"
            " hearth_audit_block(s.after_seq, s.last_seq, s.prev_hash) b"
            " WHERE b.hash IS DISTINCT FROM s.hash OR b.row_count <> s.row_count"
        )
        assert bad == 0
        indexes = {
            r["indexname"]
            for r in await conn.fetch(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'audit_event'"
            )
        }
        assert {"audit_event_pkey", "audit_event_actor_cover"} <= indexes
        assert await conn.fetchval("SELECT to_regclass('audit_event_unpartitioned')") is None
    finally:
        await conn.close()
