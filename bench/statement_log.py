"""Counting the SQL a request sends, on the wire (asyncpg's query logger): the benchmark captures
the statements it replays with it, and the statement-count tests count with it."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tortoise.connection import get_connection

if TYPE_CHECKING:
    import pytest

__all__ = ["StatementLog", "application_statements", "log_statements"]

# asyncpg introspects a type the first time a pooled connection meets it (with JIT switched off
# around it): driver housekeeping that depends on which connection the pool hands out, not on
# the request. Everything else is the application's.
_DRIVER_INTROSPECTION = ("typeinfo_tree", "set_config('jit'", "current_setting('jit')")


def application_statements(statements: list[str]) -> list[str]:
    return [sql for sql in statements if not any(marker in sql for marker in _DRIVER_INTROSPECTION)]


@dataclass(eq=False)
class StatementLog:
    """The SQL sent to PostgreSQL while ``counting`` is on."""

    statements: list[str] = field(default_factory=list)
    counting: bool = False
    # each statement's arguments, in the same order (the benchmark replays them)
    arguments: list[tuple[Any, ...]] = field(default_factory=list)

    def __call__(self, record: Any) -> None:
        if self.counting:
            self.statements.append(record.query)
            self.arguments.append(tuple(record.args or ()))

    def application_records(self) -> list[tuple[str, tuple[Any, ...]]]:
        """The application's statements of the last ``during``, with their arguments."""
        kept = set(application_statements(self.statements))
        return [
            (sql, args)
            for sql, args in zip(self.statements, self.arguments, strict=True)
            if sql in kept
        ]

    async def during(self, work: Any) -> tuple[Any, list[str]]:
        """Run ``work``; its result and the application's statements, in order."""
        self.statements, self.arguments = [], []
        self.counting = True
        try:
            result = await work
            # asyncpg hands records to loggers with loop.call_soon: let them run.
            await asyncio.sleep(0)
        finally:
            self.counting = False
        return result, application_statements(self.statements)


# Set while the pool hands a connection out (the logger is not on it yet).
_acquiring: ContextVar[bool] = ContextVar("hearth_bench_acquiring", default=False)


def log_statements(
    monkeypatch: pytest.MonkeyPatch, *, session_settings: bool = False
) -> StatementLog:
    """Install a logger on every connection the pool hands out (removed before it goes back).

    ``session_settings``: also log the row-security settings the pool itself sends while it hands
    a connection out (``api.pgclient.HearthConnection.hold_row_security``, decision 97), before
    the logger is on the connection: a round trip of the request all the same (the benchmark
    counts and replays them; the statement-count tests count the application's statements)."""
    log = StatementLog()
    pool = get_connection("default")._pool  # type: ignore[attr-defined]
    acquire, release = pool.acquire, pool.release

    async def logged_acquire(*, timeout: float | None = None) -> Any:  # noqa: ASYNC109 (asyncpg's signature)
        token = _acquiring.set(True)
        try:
            connection = await acquire(timeout=timeout)
        finally:
            _acquiring.reset(token)
        connection.add_query_logger(log)
        return connection

    if session_settings:
        from api.pgclient import HearthConnection

        hold = HearthConnection.hold_row_security

        async def logged_hold(connection: HearthConnection) -> None:
            if not _acquiring.get():  # a statement's own: the logger is on the connection
                await hold(connection)
                return
            with connection.query_logger(log):
                await hold(connection)

        monkeypatch.setattr(HearthConnection, "hold_row_security", logged_hold)

    async def unlogged_release(connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        connection.remove_query_logger(log)
        await release(connection, timeout=timeout)

    monkeypatch.setattr(pool, "acquire", logged_acquire)
    monkeypatch.setattr(pool, "release", unlogged_release)  # monkeypatch restores both afterwards
    return log
