"""Read-only heavy work on a streaming replica (``HEARTH_REPLICA_URL``), the primary otherwise.

One mechanism, :func:`on_replica`: a report service hands it the function that does its reads,
and it runs that function with Tortoise's ``default`` connection pointing at the replica, for
that task alone (the context variable Tortoise's transactions use: every ORM query, raw
statement and ``in_transaction()`` inside it goes to the replica, nothing outside it does).
The work's writes (the audit rows of a report, an export's record) come after it returns, on
the primary, as before.

The replica's client is Hearth's own engine (:mod:`api.pgclient`): the same role (``hearth_app``)
and the same row-security settings told before every statement, so PostgreSQL's fourth wall
reads there as it reads on the primary. Its sessions are also read-only
(``default_transaction_read_only``): a physical standby refuses writes anyway, and a replica URL
that names a writable server by mistake refuses them too, loudly
(``TransactionManagementError``), never silently writing where nobody reads.

Lag: with ``HEARTH_REPLICA_MAX_LAG_SECONDS`` (60 by default; 0 turns the check off) the replica
is asked how far behind it is, at most every :data:`LAG_CHECK_SECONDS`: nothing when it has
replayed all the WAL it received, else the time since the last transaction it replayed. Work
arriving while it is further behind than that runs on the primary (counted in ``behind``; logged
once per episode). ``/metrics`` shows the same measure (``hearth_replica_lag_seconds``).

Falling back: when the replica cannot be reached (refused at start-up or at use, shut down,
a connection lost mid-report, a statement cancelled by a recovery conflict), the work runs
again on the primary (it only read), the failure is logged once, and the replica is left alone
for ``HEARTH_REPLICA_RETRY_SECONDS`` before it is tried again. Never on the replica: work
called inside a transaction on the primary (a mutation that wrote first must read its own
writes), and the audit trail's writes and sealing, which never call this.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.connection import get_connection, get_connections

__all__ = [
    "LAG_CHECK_SECONDS",
    "LAG_SQL",
    "Replica",
    "current_replica",
    "installed",
    "on_replica",
    "unavailable",
]

log = logging.getLogger("hearth.replica")

T = TypeVar("T")

# How often the replica's lag is measured (at most; only when work arrives).
LAG_CHECK_SECONDS = 5.0
# Seconds behind the primary: 0 when everything received is replayed (or on a primary), else the
# age of the last replayed transaction (a standby whose replay is stuck grows older).
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() IS NOT NULL
       AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
END::float8 AS lag
"""


class Replica:
    """The replica's client and whether it answered lately."""

    def __init__(
        self, client: BaseDBAsyncClient, *, retry_seconds: float = 30.0, max_lag: float = 60.0
    ) -> None:
        self.client = client
        self.retry_seconds = retry_seconds
        self.max_lag = max_lag  # seconds; 0: not checked
        self._down_until = 0.0
        self.lag: float | None = None  # the last measure, seconds
        self._lag_at = float("-inf")
        self._lagging = False
        self.served = 0  # works run here (a test's and an operator's check)
        self.fell_back = 0  # works that fell back to the primary
        self.behind = 0  # works sent to the primary because the replica lagged

    @property
    def up(self) -> bool:
        return time.monotonic() >= self._down_until

    def down(self, error: BaseException, what: str) -> None:
        if self.up:
            log.warning(
                "replica unavailable (%s: %s); %s and other reads use the primary for %.0f s",
                type(error).__name__,
                error,
                what,
                self.retry_seconds,
            )
        self._down_until = time.monotonic() + self.retry_seconds

    async def measure_lag(self) -> float:
        """How far behind the primary the replica is now, in seconds (raises if unreachable)."""
        rows = await self.client.execute_query_dict(LAG_SQL)
        self.lag = float(rows[0]["lag"])
        self._lag_at = time.monotonic()
        return self.lag

    async def caught_up(self, what: str) -> bool:
        """Whether the replica is within ``max_lag`` of the primary (measured at most every
        :data:`LAG_CHECK_SECONDS`). An unreachable replica is marked down: False."""
        if self.max_lag <= 0:
            return True
        if self.lag is None or time.monotonic() - self._lag_at >= LAG_CHECK_SECONDS:
            try:
                await self.measure_lag()
            except Exception as error:
                if not unavailable(error):
                    raise
                self.down(error, what)
                return False
        assert self.lag is not None
        lagging = self.lag > self.max_lag
        if lagging and not self._lagging:
            log.warning(
                "replica %.1f s behind (more than %.0f s); %s and other reads use the primary",
                self.lag,
                self.max_lag,
                what,
            )
        self._lagging = lagging
        return not lagging

    async def probe(self) -> None:
        """Open the pool now (start-up), so that a replica down from the start is logged then."""
        try:
            await self.client.execute_query("SELECT 1")
        except Exception as error:
            if not unavailable(error):
                raise
            self.down(error, "start-up")


_current: Replica | None = None


def current_replica() -> Replica | None:
    return _current


@asynccontextmanager
async def installed(replica: Replica | None) -> AsyncIterator[Replica | None]:
    """``replica`` serves :func:`on_replica` in this process until exit, then is closed."""
    global _current
    previous, _current = _current, replica
    try:
        if replica is not None:
            await replica.probe()
        yield replica
    finally:
        _current = previous
        if replica is not None:
            await replica.client.close()


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) says the server could not be reached or went away,
    as opposed to a statement's own failure (a write refused, bad SQL), which is raised."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(
            seen,
            OSError  # refused, unreachable, reset
            | TimeoutError  # no answer to a connection attempt
            | asyncpg.PostgresConnectionError  # class 08
            | asyncpg.exceptions.CannotConnectNowError  # a standby still starting
            | asyncpg.exceptions.AdminShutdownError,  # the replica stopping
        ):
            return True
        if isinstance(seen, asyncpg.InterfaceError) and "closed" in str(seen):
            return True
        if isinstance(seen, asyncpg.exceptions.SerializationError) and "recovery" in str(seen):
            return True  # a hot standby's query cancelled by a conflict with recovery
        seen = seen.__cause__ or seen.__context__
    return False


async def on_replica(work: Callable[[], Awaitable[T]], *, what: str) -> T:
    """``work()`` (reads only) on the replica if one is configured and up, else on the primary;
    on the primary again if the replica fails under it. ``what`` names it in the log."""
    replica = _current
    if replica is None or not replica.up or _in_primary_transaction():
        return await work()
    if not await replica.caught_up(what):
        if replica.up:
            replica.behind += 1
        else:
            replica.fell_back += 1
        return await work()
    token = get_connections().set("default", replica.client)
    try:
        result = await work()
    except Exception as error:
        if not unavailable(error):
            raise
        replica.down(error, what)
    else:
        replica.served += 1
        return result
    finally:
        get_connections().reset(token)
    replica.fell_back += 1
    return await work()


def _in_primary_transaction() -> bool:
    """Inside a transaction on the primary: the caller may have written; read there."""
    connection: Any = get_connection("default")
    return isinstance(connection, TransactionalDBClient)
