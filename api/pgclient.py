"""Tortoise's asyncpg client, with a bounded wait for a pooled connection and a cheap release.

Tortoise acquires pooled connections without a timeout, so an exhausted pool would hang a
request forever. This engine gives every acquire a deadline (``acquire_timeout`` credential).

Tortoise also acquires a connection per statement (outside transactions), and asyncpg's pool
resets the session on every release with a statement of its own (``SELECT
pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``): a second round trip for every
statement. Hearth keeps no session state on pooled connections (every advisory lock is
transaction-level: ``pg_advisory_xact_lock`` in the services and the audit trail's SQL, and a
job's ``pg_try_advisory_xact_lock`` in a transaction spanning its run; LISTEN has its own
connection; nothing SETs a session variable), so the release keeps only asyncpg's own part of
the reset: an open transaction is rolled back and listeners are dropped (``Connection._reset``,
which the pool always runs before ``reset``; if that fails or is cut short, asyncpg closes the
connection).

PostgreSQL's JIT compiler is off on Hearth's connections: it starts above a planner cost that a
visibility filter over a large client table reaches, and then spends hundreds of milliseconds
compiling a query that runs in tens (an OLTP API never gains from it).

Every select without joined models makes its rows into instances directly
(``compat.tortoise.RowsExecutor``), and a free pooled connection is taken without asyncpg's
timer (``compat.asyncpg.DeadlinePool``): both reach into the libraries' internals, which
``compat`` fences and checks.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

from compat.asyncpg import DeadlinePool
from compat.tortoise import RowsExecutor

__all__ = ["HearthAsyncpgClient", "client_class"]


async def _no_session_reset(_connection: asyncpg.Connection) -> None:
    """The pool's ``reset``: nothing beyond asyncpg's rollback of an open transaction."""


class HearthAsyncpgClient(AsyncpgDBClient):
    """The stock client, with ``DeadlinePool`` as its pool and ``RowsExecutor`` for selects."""

    executor_class = RowsExecutor

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._acquire_timeout = float(kwargs.pop("acquire_timeout", 10.0))
        super().__init__(*args, **kwargs)

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        server_settings = {"jit": "off", **(kwargs.pop("server_settings", None) or {})}
        pool = DeadlinePool(
            None,
            min_size=kwargs.pop("min_size", 1),
            max_size=kwargs.pop("max_size", 10),
            max_queries=kwargs.pop("max_queries", 50000),
            max_inactive_connection_lifetime=kwargs.pop("max_inactive_connection_lifetime", 300.0),
            loop=kwargs.pop("loop", None),
            connection_class=kwargs.pop("connection_class", asyncpg.connection.Connection),
            record_class=kwargs.pop("record_class", asyncpg.Record),
            reset=_no_session_reset,
            server_settings=server_settings,
            **kwargs,
        )
        pool.acquire_timeout = self._acquire_timeout
        return await pool


client_class = HearthAsyncpgClient
