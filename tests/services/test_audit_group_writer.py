"""The read audit of requests finishing together goes in one INSERT (decision 209), and each
request still returns only once its own rows are written, or raises when they were not."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
import pytest
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

import services.audit as audit_service
from bench.statement_log import log_statements
from services.audit import AuditRow, AuditWriteFailed, append_together
from tests.services.test_audit_chain import _row


def _rows(n: int) -> list[AuditRow]:
    """One request's rows (one row), told apart by the request id."""
    return [_row(n)._replace(request_id=f"request-{n}")]


async def _written(database_url: str) -> set[str]:
    """The request ids with a row in the trail, read on a connection of its own."""
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        found = await conn.fetch("SELECT request_id FROM audit_event")
    finally:
        await conn.close()
    return {row["request_id"] for row in found}


def _inserts(statements: Sequence[str]) -> int:
    return sum(1 for sql in statements if sql.startswith("INSERT INTO audit_event"))


async def test_requests_finishing_together_share_an_insert_and_each_waits_for_its_own(
    app: object, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = log_statements(monkeypatch)
    seen_after: dict[int, set[str]] = {}

    async def request(n: int) -> None:
        await append_together(_rows(n))
        seen_after[n] = await _written(database_url)

    _, statements = await log.during(asyncio.gather(*(request(n) for n in range(8))))
    # the first leads alone; the seven that came while its INSERT was in flight go in one
    assert _inserts(statements) == 2
    for n in range(8):
        assert f"request-{n}" in seen_after[n]
    assert await _written(database_url) == {f"request-{n}" for n in range(8)}


async def test_when_the_database_fails_every_request_it_carried_fails_and_the_next_are_written(
    app: object, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    append = audit_service.append
    down = False

    async def first_then_down(rows: Sequence[AuditRow]) -> None:
        nonlocal down
        if down:
            raise asyncpg.PostgresError("the disk is full")
        down = True
        await append(rows)

    monkeypatch.setattr(audit_service, "append", first_then_down)
    outcomes = await asyncio.gather(
        *(append_together(_rows(n)) for n in range(4)), return_exceptions=True
    )
    assert outcomes[0] is None
    # the one that led the failed INSERT raises its error, the others that they were not written
    assert isinstance(outcomes[1], asyncpg.PostgresError)
    assert all(isinstance(outcome, AuditWriteFailed) for outcome in outcomes[2:])
    assert await _written(database_url) == {"request-0"}
    # the writer is free again
    monkeypatch.setattr(audit_service, "append", append)
    await append_together(_rows(9))
    assert await _written(database_url) == {"request-0", "request-9"}


async def test_rows_the_database_refuses_fail_their_own_request_only(
    app: object, database_url: str
) -> None:
    refused = [_rows(2)[0]._replace(entity_type="X" * 41)]  # longer than the column
    outcomes = await asyncio.gather(
        *(append_together(refused if n == 2 else _rows(n)) for n in range(5)),
        return_exceptions=True,
    )
    assert [n for n, outcome in enumerate(outcomes) if outcome is not None] == [2]
    assert isinstance(outcomes[2], AuditWriteFailed)
    # the same, the refused rows being the leading request's own
    outcomes = await asyncio.gather(
        *(append_together(refused if n == 6 else _rows(n)) for n in range(5, 9)),
        return_exceptions=True,
    )
    assert [n for n, outcome in enumerate(outcomes, 5) if outcome is not None] == [6]
    assert isinstance(outcomes[1], OperationalError)  # the database's own refusal
    assert await _written(database_url) == {f"request-{n}" for n in range(9)} - {
        "request-2",
        "request-6",
    }


async def test_a_request_cancelled_in_line_has_its_rows_written_and_the_line_moves(
    app: object, database_url: str
) -> None:
    leader = asyncio.ensure_future(append_together(_rows(0)))
    await asyncio.sleep(0)  # the leader's INSERT is in flight
    gone = asyncio.ensure_future(append_together(_rows(1)))
    last = asyncio.ensure_future(append_together(_rows(2)))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.gather(leader, last)
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert await _written(database_url) == {"request-0", "request-1", "request-2"}


async def test_a_request_cancelled_once_handed_the_lead_hands_it_on(
    app: object, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks: dict[str, asyncio.Future[None]] = {}
    append = audit_service.append

    async def first_cancels_the_next(rows: Sequence[AuditRow]) -> None:
        await append(rows)
        if rows[0].request_id == "request-0":
            # the leader's INSERT is done: hand over happens next, then "next" is cancelled
            # before it runs (its turn already says it leads)
            asyncio.get_running_loop().call_soon(tasks["next"].cancel)

    monkeypatch.setattr(audit_service, "append", first_cancels_the_next)
    tasks["leader"] = asyncio.ensure_future(append_together(_rows(0)))
    await asyncio.sleep(0)
    tasks["next"] = asyncio.ensure_future(append_together(_rows(1)))
    tasks["after"] = asyncio.ensure_future(append_together(_rows(2)))
    await asyncio.wait_for(asyncio.gather(tasks["leader"], tasks["after"]), timeout=10)
    with pytest.raises(asyncio.CancelledError):
        await tasks["next"]
    assert await _written(database_url) == {"request-0", "request-1", "request-2"}


async def test_inside_a_transaction_the_rows_commit_or_roll_back_with_it(
    app: object, database_url: str
) -> None:
    async def change_that_fails() -> None:
        async with in_transaction():
            await append_together(_rows(1))
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await change_that_fails()
    assert await _written(database_url) == set()
