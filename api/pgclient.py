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

Row-level security (decision 97): the app's connections run as ``hearth_app`` (the ``role``
credential, :func:`api.db.tortoise_config`), and :class:`HearthConnection` tells each session
who the caller is (``authz.clients.row_security``) before every statement, and when the pool
hands it out, whenever the session holds other settings than the current task wants: outside a
transaction for the session (one round trip, only on a change), inside one for the transaction
alone (a rollback would otherwise undo it without a trace).

Every select without joined models makes its rows into instances directly
(``compat.tortoise.RowsExecutor``), and a free pooled connection is taken without asyncpg's
timer (``compat.asyncpg.DeadlinePool``): both reach into the libraries' internals, which
``compat`` fences and checks.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

from authz.clients import row_security
from compat.asyncpg import DeadlinePool
from compat.tortoise import RowsExecutor

__all__ = ["HearthAsyncpgClient", "HearthConnection", "client_class"]

_SET = "SELECT " + ", ".join(
    f"set_config('{name}', ${n}, ${len(row_security.SETTINGS) + 1})"
    for n, name in enumerate(row_security.SETTINGS, start=1)
)


class HearthConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg ships no types
    """asyncpg's connection (its documented ``connection_class``), telling the session the
    caller's row-security settings before each statement."""

    __slots__ = ("_row_security",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._row_security: row_security.Settings | None = None

    async def hold_row_security(self) -> None:
        """Make the session's settings the current task's, if they are not already."""
        settings = row_security.desired()
        if settings is None or settings is self._row_security or settings == self._row_security:
            return
        local = self.is_in_transaction()
        await super().execute(_SET, *settings, local)
        # Inside a transaction the settings last until it ends: nothing is known after that.
        self._row_security = None if local else settings

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().execute(*args, **kwargs)

    async def executemany(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().executemany(*args, **kwargs)

    async def fetch(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().fetch(*args, **kwargs)

    async def fetchval(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().fetchval(*args, **kwargs)

    async def fetchrow(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().fetchrow(*args, **kwargs)

    async def fetchmany(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().fetchmany(*args, **kwargs)

    async def prepare(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().prepare(*args, **kwargs)

    async def copy_from_query(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().copy_from_query(*args, **kwargs)

    async def copy_from_table(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().copy_from_table(*args, **kwargs)

    async def copy_to_table(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().copy_to_table(*args, **kwargs)

    async def copy_records_to_table(self, *args: Any, **kwargs: Any) -> Any:
        await self.hold_row_security()
        return await super().copy_records_to_table(*args, **kwargs)


async def _no_session_reset(_connection: asyncpg.Connection) -> None:
    """The pool's ``reset``: nothing beyond asyncpg's rollback of an open transaction."""


class HearthAsyncpgClient(AsyncpgDBClient):
    """The stock client, with ``DeadlinePool`` as its pool and ``RowsExecutor`` for selects."""

    executor_class = RowsExecutor

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._acquire_timeout = float(kwargs.pop("acquire_timeout", 10.0))
        # The role the app's sessions run as (row-level security binds it); None: the login's own.
        self._role: str | None = kwargs.pop("role", None) or None
        super().__init__(*args, **kwargs)

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        server_settings = {"jit": "off", **(kwargs.pop("server_settings", None) or {})}
        if self._role is not None:
            server_settings["role"] = self._role
        kwargs.pop("connection_class", None)
        pool = DeadlinePool(
            None,
            min_size=kwargs.pop("min_size", 1),
            max_size=kwargs.pop("max_size", 10),
            max_queries=kwargs.pop("max_queries", 50000),
            max_inactive_connection_lifetime=kwargs.pop("max_inactive_connection_lifetime", 300.0),
            loop=kwargs.pop("loop", None),
            connection_class=HearthConnection,  # (Tortoise passes its own: replaced)
            record_class=kwargs.pop("record_class", asyncpg.Record),
            reset=_no_session_reset,
            server_settings=server_settings,
            **kwargs,
        )
        pool.acquire_timeout = self._acquire_timeout
        return await pool


client_class = HearthAsyncpgClient
