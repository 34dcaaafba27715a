"""The audit trail is append-only and hash-chained: tampering is refused or detected."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from tortoise.connection import get_connection
from typer.testing import CliRunner

from api.cli import app as cli
from authz import enforcer
from models.audit import AuditEvent
from models.enums import AuditAction
from services.audit import AuditRow, append, verify_chain

AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _row(n: int) -> AuditRow:
    return AuditRow(
        occurred_at=AT,
        action=AuditAction.VIEW,
        entity_type="Client",
        entity_id=str(uuid.UUID(int=n)),
        client_id=uuid.UUID(int=n),
        actor_id=uuid.UUID(int=1000 + n),
        fields=("firstName", "dob"),
    )


async def _tamper(database_url: str, sql: str) -> None:
    """What a superuser could do: switch the guard off, change the table, switch it on."""
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        await conn.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        await conn.execute(sql)
        await conn.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    finally:
        await conn.close()


async def test_rows_are_numbered_and_chained_in_one_insert(app: object) -> None:
    # when: three rows in one statement, then two more
    await append([_row(1), _row(2), _row(3)])
    await append([_row(4), _row(5)])
    # then
    rows = await AuditEvent.all().order_by("seq")
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash is None
    assert all(rows[i].prev_hash == rows[i - 1].row_hash for i in range(1, 5))
    assert len({r.row_hash for r in rows}) == 5
    assert rows[0].fields_touched == ["dob", "firstName"]
    assert await verify_chain() == (5, None)


async def test_update_delete_and_truncate_are_refused_even_for_the_app(app: object) -> None:
    await append([_row(1)])
    conn = get_connection("default")
    for statement in (
        "UPDATE audit_event SET entity_type = 'X'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ):
        with pytest.raises(Exception, match="append-only"):
            await conn.execute_script(statement)
    assert await AuditEvent.all().count() == 1


async def test_concurrent_appends_keep_one_unbroken_chain(app: object) -> None:
    # when: twenty writers at once
    await asyncio.gather(*(append([_row(i), _row(100 + i)]) for i in range(20)))
    # then
    assert await verify_chain() == (40, None)


async def test_a_changed_row_is_detected(app: object, database_url: str) -> None:
    await append([_row(1), _row(2), _row(3)])
    await _tamper(database_url, "UPDATE audit_event SET fields_touched = '[]' WHERE seq = 2")
    checked, broken = await verify_chain()
    assert checked == 1
    assert broken is not None
    assert broken.seq == 2
    assert "changed" in broken.reason


async def test_a_deleted_row_is_detected(app: object, database_url: str) -> None:
    await append([_row(1), _row(2), _row(3)])
    await _tamper(database_url, "DELETE FROM audit_event WHERE seq = 2")
    _, broken = await verify_chain()
    assert broken is not None
    assert broken.seq == 3
    assert "missing" in broken.reason


async def test_reordered_rows_are_detected(app: object, database_url: str) -> None:
    # given: rows 2 and 3 swap places (their numbers are exchanged)
    await append([_row(1), _row(2), _row(3)])
    await _tamper(
        database_url,
        "UPDATE audit_event SET seq = CASE seq WHEN 2 THEN -3 ELSE -2 END WHERE seq IN (2, 3);"
        "UPDATE audit_event SET seq = -seq WHERE seq < 0",
    )
    _, broken = await verify_chain()
    assert broken is not None
    assert broken.seq == 2


async def test_a_rehashed_row_still_breaks_the_next_link(app: object, database_url: str) -> None:
    # given: the tamperer changes row 2 and recomputes its own hash, but not the rest of the chain
    await append([_row(1), _row(2), _row(3)])
    await _tamper(
        database_url,
        "UPDATE audit_event SET entity_type = 'Other' WHERE seq = 2;"
        "UPDATE audit_event a SET row_hash = encode(sha256(convert_to(hearth_audit_canonical(a), 'UTF8')), 'hex') WHERE seq = 2",
    )
    _, broken = await verify_chain()
    assert broken is not None
    assert broken.seq == 3
    assert "prev_hash" in broken.reason


async def _verify(runner: CliRunner) -> tuple[int, dict]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)
        result = await asyncio.to_thread(runner.invoke, cli, ["audit", "verify"])
    return result.exit_code, json.loads(result.stdout.splitlines()[-1])


async def test_the_verify_command_exits_non_zero_at_the_first_broken_row(
    app: object, database_url: str, runner: CliRunner
) -> None:
    await append([_row(1), _row(2), _row(3)])
    code, body = await _verify(runner)
    assert (code, body) == (0, {"ok": True, "checked": 3})
    await _tamper(database_url, "UPDATE audit_event SET client_ip = '10.0.0.9' WHERE seq = 3")
    code, body = await _verify(runner)
    assert code == 1
    assert body["brokenAt"] == 3
    assert body["ok"] is False
