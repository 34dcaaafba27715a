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

Every select without joined models makes its rows into instances directly (``_Executor``):
Tortoise's own executor copies each row into a dict, a list of items and a dict again before
building the instance (its path for joined models, which every select takes), about a third of
its cost per row (a page of 50 clients of 38 columns, and their enrollments).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.asyncpg.executor import AsyncpgExecutor
from tortoise.backends.base.executor import CHUNK_SIZE

from models.rows import from_row

__all__ = ["HearthAsyncpgClient", "client_class"]


async def _no_session_reset(_connection: asyncpg.Connection) -> None:
    """The pool's ``reset``: nothing beyond asyncpg's rollback of an open transaction."""


class _DeadlinePool(asyncpg.Pool):
    acquire_timeout: float = 10.0

    def acquire(self, *, timeout: float | None = None) -> Any:
        return super().acquire(timeout=self.acquire_timeout if timeout is None else timeout)

    async def _acquire(self, timeout: float | None) -> Any:  # noqa: ASYNC109 (asyncpg's signature)
        # With a deadline asyncpg waits through a task and a timer, on every statement. When a
        # connection is free no one waits, so none is needed (getting it does not suspend).
        if timeout is not None and not self._queue.empty():
            timeout = None
        return await super()._acquire(timeout)


class _Executor(AsyncpgExecutor):
    """Tortoise's executor; a select of one model's rows (no joined models) builds each instance
    from its row as Tortoise does for a select of chosen fields, annotations included."""

    async def execute_select(
        self, sql: str, values: list[Any] | None = None, custom_fields: list[Any] | None = None
    ) -> list[Any]:
        joined = self.select_related_idx
        if (
            not joined
            or len(joined) != 1
            or joined[0][0] is not self.model
            or self.prefetch_map
            or self._prefetch_queries
        ):
            return await super().execute_select(sql, values, custom_fields)
        _, rows = await self.db.execute_query(sql, values)
        model = self.model
        instances = []
        for index, row in enumerate(rows):
            if index and index % CHUNK_SIZE == 0:  # as Tortoise: let others run between chunks
                await asyncio.sleep(0)
            instance = from_row(model, row)
            for name in custom_fields or ():
                object.__setattr__(instance, name, row[name])
            instances.append(instance)
        return instances


class HearthAsyncpgClient(AsyncpgDBClient):
    """The stock client, with ``_DeadlinePool`` as its pool and ``_Executor`` for selects."""

    executor_class = _Executor

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._acquire_timeout = float(kwargs.pop("acquire_timeout", 10.0))
        super().__init__(*args, **kwargs)

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        server_settings = {"jit": "off", **(kwargs.pop("server_settings", None) or {})}
        pool = _DeadlinePool(
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
