"""The audit trail is append-only and sealed into a hash chain: tampering is refused or detected
(migration 0009, decision 65). Writers append without a lock; the sealer chains committed rows
in blocks, and never seals past a row a running transaction may still add."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from tortoise.connection import get_connection
from typer.testing import CliRunner

from api.cli import app as cli
from authz import enforcer
from models.audit import AuditEvent
from models.enums import AuditAction
from services.audit import (
    AuditRow,
    append,
    current_horizon,
    read_entries,
    seal,
    sealed_through,
    unsealed,
    verify_chain,
)

AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
INSERT_ONE = (
    "INSERT INTO audit_event (occurred_at, action, entity_type, fields_touched) "
    "VALUES (now(), 'VIEW', 'Client', '[]')"
)


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
    """What a superuser could do: switch the guards off, change the tables, switch them on."""
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        await conn.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        await conn.execute("ALTER TABLE audit_seal DISABLE TRIGGER audit_seal_append_only")
        await conn.execute(sql)
        await conn.execute("ALTER TABLE audit_seal ENABLE TRIGGER audit_seal_append_only")
        await conn.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def _open_writer(database_url: str) -> AsyncIterator[asyncpg.transaction.Transaction]:
    """Another connection's transaction that has appended one row (number drawn) and is still
    open; the test commits or rolls it back."""
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(INSERT_ONE)
        yield transaction
    finally:
        await conn.close()


async def _seals() -> list[dict]:
    return await get_connection("default").execute_query_dict(
        "SELECT first_seq, last_seq, row_count, prev_hash, hash FROM audit_seal ORDER BY last_seq"
    )


async def test_rows_are_numbered_by_the_database_and_sealed_in_chained_blocks(app: object) -> None:
    # when: three rows in one statement, then two more
    await append([_row(1), _row(2), _row(3)])
    await append([_row(4), _row(5)])
    # then: numbered in order, not sealed yet
    rows = await AuditEvent.all().order_by("seq")
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].fields_touched == ["dob", "firstName"]
    assert await unsealed() == 5
    assert await verify_chain() == (0, None, 5)

    # when: sealed in blocks of two
    assert await seal(block=2) == 5
    # then: three blocks, each linked to the one before
    seals = await _seals()
    assert [(s["first_seq"], s["last_seq"], s["row_count"]) for s in seals] == [
        (1, 2, 2),
        (3, 4, 2),
        (5, 5, 1),
    ]
    assert seals[0]["prev_hash"] is None
    assert [s["prev_hash"] for s in seals[1:]] == [s["hash"] for s in seals[:-1]]
    assert await verify_chain() == (5, None, 0)
    # and nothing is sealed twice
    assert await seal() == 0
    await append([_row(6)])
    assert await seal() == 1
    assert await verify_chain() == (6, None, 0)


async def test_sealed_through_a_horizon(app: object) -> None:
    await append([_row(1), _row(2)])
    horizon = await current_horizon()
    assert horizon == 2
    assert not await sealed_through(horizon)
    await seal()
    await append([_row(3)])  # after the horizon: does not matter to it
    assert await sealed_through(horizon)
    assert not await sealed_through(await current_horizon())


async def test_update_delete_and_truncate_are_refused_even_for_the_app(app: object) -> None:
    await append([_row(1)])
    await seal()
    conn = get_connection("default")
    for statement in (
        "UPDATE audit_event SET entity_type = 'X'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "UPDATE audit_seal SET hash = 'x'",
        "DELETE FROM audit_seal",
        "TRUNCATE audit_seal",
    ):
        # the app's role (UPDATE and DELETE: the trigger; TRUNCATE: no privilege) ...
        with pytest.raises(Exception, match=r"append-only|permission denied"):
            await conn.execute_script(statement)
        # ... and the tables' owner alike
        with pytest.raises(Exception, match="append-only"):
            await conn.execute_script(f"BEGIN; SET LOCAL ROLE NONE; {statement}; COMMIT")
    assert await AuditEvent.all().count() == 1
    assert len(await _seals()) == 1


async def test_a_writer_cannot_choose_its_number(app: object) -> None:
    with pytest.raises(Exception, match="GENERATED ALWAYS"):
        await get_connection("default").execute_script(
            "INSERT INTO audit_event (seq, occurred_at, action, entity_type, fields_touched) "
            "VALUES (1000000, now(), 'VIEW', 'Client', '[]')"
        )


async def test_concurrent_appends_are_all_sealed(app: object) -> None:
    # when: twenty writers at once (no lock between them)
    await asyncio.gather(*(append([_row(i), _row(100 + i)]) for i in range(20)))
    # then
    assert await seal() == 40
    assert await verify_chain() == (40, None, 0)


async def test_rows_a_running_transaction_may_still_add_are_not_sealed(
    app: object, database_url: str
) -> None:
    # given: a writer whose transaction is still open holds number 2; rows 1 and 3 are committed
    await append([_row(1)])
    async with _open_writer(database_url) as open_tx:
        await append([_row(3)])

        # when: the sealer runs
        sealed = await seal()

        # then: row 1 may be sealed, row 3 may not (row 2 could still commit before it)
        assert sealed <= 1
        assert all(s["last_seq"] < 2 for s in await _seals())
        # when: the writer commits, the next run seals rows 2 and 3 in order
        await open_tx.commit()
    await seal()
    assert [s["last_seq"] for s in await _seals()][-1] == 3
    assert await verify_chain() == (3, None, 0)


async def test_transactions_that_do_not_write_the_trail_do_not_hold_sealing_back(
    app: object, database_url: str
) -> None:
    # given: long transactions holding transaction ids, in this database and in another one on
    # the same server, that never touch the audit trail
    await append([_row(1), _row(2)])
    here = await asyncpg.connect(database_url, timeout=10)
    elsewhere = await asyncpg.connect(
        urlunsplit(urlsplit(database_url)._replace(path="/postgres")), timeout=10
    )
    try:
        for conn in (here, elsewhere):
            await conn.execute("BEGIN; SELECT pg_current_xact_id()")
        # then: the committed rows are sealed anyway
        assert await seal() == 2
        assert await verify_chain() == (2, None, 0)
    finally:
        await here.close()
        await elsewhere.close()


async def test_an_aborted_writers_gap_is_sealed_as_it_is(app: object, database_url: str) -> None:
    # given: number 2 was drawn by a transaction that rolled back
    await append([_row(1)])
    async with _open_writer(database_url) as open_tx:
        await append([_row(3)])
        await open_tx.rollback()
    # then: the gap is part of what is sealed
    assert await seal() == 2
    assert [r.seq for r in await AuditEvent.all().order_by("seq")] == [1, 3]
    assert await verify_chain() == (2, None, 0)


async def test_a_changed_row_is_detected(app: object, database_url: str) -> None:
    await append([_row(1), _row(2), _row(3)])
    await seal(block=1)
    await _tamper(database_url, "UPDATE audit_event SET fields_touched = '[]' WHERE seq = 2")
    result = await verify_chain()
    assert result.checked == 1
    assert result.broken is not None
    assert (result.broken.seq, result.broken.last_seq) == (2, 2)
    assert "changed" in result.broken.reason


async def test_a_changed_row_in_a_block_of_many_is_detected(app: object, database_url: str) -> None:
    await append([_row(n) for n in range(1, 11)])
    await seal()
    await _tamper(
        database_url,
        "UPDATE audit_event SET occurred_at = occurred_at + interval '1 second' WHERE seq = 7",
    )
    result = await verify_chain()
    assert result.broken is not None
    assert (result.broken.seq, result.broken.last_seq) == (1, 10)


async def test_a_deleted_row_is_detected(app: object, database_url: str) -> None:
    await append([_row(1), _row(2), _row(3)])
    await seal()
    await _tamper(database_url, "DELETE FROM audit_event WHERE seq = 2")
    result = await verify_chain()
    assert result.broken is not None
    assert "deleted" in result.broken.reason


async def test_a_row_slipped_into_a_gap_is_detected(app: object, database_url: str) -> None:
    # given: a sealed gap (an aborted writer's number 2)
    await append([_row(1)])
    async with _open_writer(database_url) as open_tx:
        await open_tx.rollback()
    await append([_row(3)])
    await seal()
    # when: someone adds a row with that number afterwards
    await _tamper(
        database_url,
        "INSERT INTO audit_event (seq, occurred_at, action, entity_type, fields_touched) "
        "OVERRIDING SYSTEM VALUE VALUES (2, now(), 'VIEW', 'Client', '[]')",
    )
    result = await verify_chain()
    assert result.broken is not None
    assert "added" in result.broken.reason


async def test_reordered_rows_are_detected(app: object, database_url: str) -> None:
    # given: rows 2 and 3 swap places (their contents are exchanged: the numbers cannot be
    # updated, the column is GENERATED ALWAYS)
    await append([_row(1), _row(2), _row(3)])
    await seal()
    await _tamper(
        database_url,
        "UPDATE audit_event a SET entity_id = b.entity_id, client_id = b.client_id, actor_id = b.actor_id,"
        " true_actor_id = b.true_actor_id FROM audit_event b WHERE (a.seq, b.seq) IN ((2, 3), (3, 2))",
    )
    result = await verify_chain()
    assert result.broken is not None
    assert "changed" in result.broken.reason


async def test_a_removed_block_is_detected(app: object, database_url: str) -> None:
    await append([_row(1), _row(2), _row(3)])
    await seal(block=1)
    await _tamper(database_url, "DELETE FROM audit_seal WHERE last_seq = 2")
    result = await verify_chain()
    assert result.broken is not None
    assert result.broken.seq == 3
    assert "follow" in result.broken.reason


async def test_a_rehashed_block_still_breaks_the_next_link(app: object, database_url: str) -> None:
    # given: the tamperer changes row 1 and recomputes its block's hash, but not the next block
    await append([_row(1), _row(2), _row(3)])
    await seal(block=1)
    await _tamper(
        database_url,
        "UPDATE audit_event SET entity_type = 'Other' WHERE seq = 1;"
        "UPDATE audit_seal s SET hash = (SELECT b.hash FROM hearth_audit_block(s.after_seq, s.last_seq, s.prev_hash) b)"
        " WHERE last_seq = 1",
    )
    result = await verify_chain()
    assert result.checked == 1
    assert result.broken is not None
    assert result.broken.seq == 2
    assert "follow" in result.broken.reason


async def test_the_database_refuses_a_horizon_that_is_not_final(
    app: object, database_url: str
) -> None:
    # given: a horizon marked while a writer's transaction is open
    async with _open_writer(database_url) as open_tx:
        conn = get_connection("default")
        mark = (await conn.execute_query_dict("SELECT horizon, writers FROM hearth_audit_mark()"))[
            0
        ]
        # then: sealing up to it is refused (NULL) until the writer ends
        refused = await conn.execute_query_dict(
            "SELECT hearth_audit_seal($1, $2::text[], 100) AS n", [mark["horizon"], mark["writers"]]
        )
        assert refused[0]["n"] is None
        await open_tx.commit()
    accepted = await conn.execute_query_dict(
        "SELECT hearth_audit_seal($1, $2::text[], 100) AS n", [mark["horizon"], mark["writers"]]
    )
    assert accepted[0]["n"] == 1


async def _cli(runner: CliRunner, *args: str) -> tuple[int, dict]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)
        result = await asyncio.to_thread(runner.invoke, cli, ["audit", *args])
    return result.exit_code, json.loads(result.stdout.splitlines()[-1])


async def test_the_verify_command_seals_then_exits_non_zero_at_the_first_broken_block(
    app: object, database_url: str, runner: CliRunner
) -> None:
    await append([_row(1), _row(2), _row(3)])
    code, body = await _cli(runner, "verify")
    assert (code, body) == (0, {"ok": True, "checked": 3, "unsealed": 0})
    await _tamper(database_url, "UPDATE audit_event SET client_ip = '10.0.0.9' WHERE seq = 3")
    code, body = await _cli(runner, "verify")
    assert code == 1
    assert (body["brokenAt"], body["brokenTo"]) == (1, 3)
    assert body["ok"] is False


async def test_the_seal_command(app: object, runner: CliRunner) -> None:
    await append([_row(1), _row(2)])
    assert await _cli(runner, "seal") == (0, {"sealed": 2, "unsealed": 0})
    assert await _cli(runner, "seal") == (0, {"sealed": 0, "unsealed": 0})


async def test_the_served_app_seals_by_itself(
    app: object, settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """create_app starts the sealer (HEARTH_AUDIT_SEAL_SECONDS; off under env=test, 5 s otherwise)."""
    import api.app
    from api.app import create_app

    assert settings.seal_interval == 0
    assert settings.model_copy(update={"env": "production"}).seal_interval == 5.0
    await append([_row(1), _row(2)])
    sealed = asyncio.Event()

    async def seal_and_say() -> int:
        rows = await seal()
        sealed.set()
        return rows

    monkeypatch.setattr(api.app, "audit_seal", seal_and_say)
    served = create_app(
        settings.model_copy(update={"audit_seal_seconds": 0.05}), database_url=database_url
    )
    async with served.router.lifespan_context(served):
        assert any(t.get_name() == "hearth-audit-sealer" for t in asyncio.all_tasks())
        async with asyncio.timeout(10):  # a guard: the first round runs at once
            while await unsealed():  # each round that leaves rows unsealed: the next one
                sealed.clear()
                await sealed.wait()
    assert not any(
        t.get_name() == "hearth-audit-sealer" and not t.done() for t in asyncio.all_tasks()
    )
    assert await verify_chain() == (2, None, 0)


async def test_rows_of_one_request_and_of_several_are_stored_as_given(app: object) -> None:
    # rows sharing the request's columns go as single values plus arrays, others as arrays only:
    # both must store every column of every row, in order
    actor, proxy = uuid.uuid4(), uuid.uuid4()
    one_request = [
        AuditRow(
            occurred_at=AT,
            action=AuditAction.VIEW,
            entity_type="Client",
            entity_id=str(n),
            client_id=uuid.UUID(int=n),
            actor_id=actor,
            true_actor_id=proxy,
            agency_id=uuid.UUID(int=50 + n),
            fields=("dob", "firstName", "dob"),
            release_id=uuid.UUID(int=90) if n == 2 else None,
            request_id="req-1",
            operation="x" * 150,
            client_ip="10.0.0.1",
        )
        for n in (1, 2, 3)
    ]
    several = [
        _row(4),
        one_request[0]._replace(entity_id="5", request_id="req-2"),
        _row(6)._replace(fields=()),
    ]
    for rows in (one_request, several):
        before = await AuditEvent.all().count()
        await append(rows)
        stored = await AuditEvent.filter(seq__gt=before).order_by("seq")
        assert [
            (
                r.occurred_at,
                r.actor_id,
                r.true_actor_id,
                r.agency_id,
                r.action,
                r.entity_type,
                r.entity_id,
                r.client_id,
                r.fields_touched,
                r.release_id,
                r.request_id,
                r.operation,
                r.client_ip,
            )
            for r in stored
        ] == [
            (
                g.occurred_at,
                g.actor_id,
                g.true_actor_id or g.actor_id,
                g.agency_id,
                g.action,
                g.entity_type,
                g.entity_id,
                g.client_id,
                sorted(set(g.fields)),
                g.release_id,
                g.request_id,
                g.operation[:100] if g.operation else None,
                g.client_ip,
            )
            for g in rows
        ]


def _client_view(n: int) -> AuditRow:
    """A client's VIEW row (decision 189): the client and the records read with it."""
    return _row(n)._replace(
        reads=(
            ("Enrollment", str(uuid.UUID(int=100 + n)), ("entryDate", "projectId", "entryDate")),
            ("CaseNote", f'odd "id" \\ {n}', ()),
        )
    )


async def test_the_records_read_with_a_client_are_stored_through_either_statement(
    app: object,
) -> None:
    # one request's rows (single values and JSON) and rows of several (arrays), and a row of
    # the older shape (no list) beside them
    several = [_client_view(3), _client_view(4)._replace(request_id="other"), _row(5)]
    for rows in ([_client_view(1), _client_view(2)], several):
        before = await AuditEvent.all().count()
        await append(rows)
        stored = await AuditEvent.filter(seq__gt=before).order_by("seq")
        assert [(r.read_types, r.read_ids, r.read_fields) for r in stored] == [
            (
                [kind for kind, _, _ in g.reads],
                [entity_id for _, entity_id, _ in g.reads],
                [",".join(sorted(set(names))) for _, _, names in g.reads],
            )
            if g.reads is not None
            else (None, None, None)
            for g in rows
        ]
        # and read back record by record
        assert [
            [(e.entity_type, e.entity_id, e.fields) for e in read_entries(r)] for r in stored
        ] == [
            [("Client", g.entity_id, ("dob", "firstName"))]
            + [(k, i, tuple(sorted(set(f)))) for k, i, f in (g.reads or ())]
            for g in rows
        ]


async def test_the_records_read_with_a_client_are_sealed(app: object, database_url: str) -> None:
    # given rows of both shapes, sealed
    await append([_row(1), _client_view(2), _client_view(3)])
    await seal(block=1)
    assert await verify_chain() == (3, None, 0)
    # when a listed record's fields are changed
    await _tamper(
        database_url, 'UPDATE audit_event SET read_fields = \'{"entryDate",""}\' WHERE seq = 2'
    )
    # then the block is broken
    result = await verify_chain()
    assert result.broken is not None
    assert (result.checked, result.broken.seq) == (1, 2)


async def test_an_emptied_list_of_records_is_detected(app: object, database_url: str) -> None:
    await append([_client_view(1)])
    await seal()
    await _tamper(
        database_url,
        "UPDATE audit_event SET read_types = NULL, read_ids = NULL, read_fields = NULL",
    )
    result = await verify_chain()
    assert result.broken is not None
    assert result.broken.seq == 1
