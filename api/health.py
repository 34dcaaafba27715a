"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: the database answers and has
every migration of this code applied), for load balancers and orchestrators (decision 126)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.dbmigrate import APPLIED_SQL, pending_migrations

__all__ = ["healthz", "readiness"]

log = logging.getLogger("hearth.health")

_NO_STORE = {"cache-control": "no-store"}


async def healthz(_: Request) -> Response:
    """The process is up and its event loop answers; nothing else is asked."""
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


def readiness(database_url: str, timeout: float) -> Callable[[Request], Awaitable[Response]]:
    """The ``/readyz`` endpoint for ``database_url``.

    A connection of its own (not the pool's), so that a busy pool does not take the instance
    out of the balancer, and a database that refuses new connections does. 503 with a reason
    when the database cannot be reached in ``timeout`` seconds or lacks a migration; the reason
    names no host or error text (the endpoint is public): the log has the detail.
    """

    async def readyz(_: Request) -> Response:
        try:
            async with asyncio.timeout(timeout):
                conn = await asyncpg.connect(database_url)
                try:
                    applied = [row["name"] for row in await conn.fetch(APPLIED_SQL)]
                except asyncpg.UndefinedTableError:  # a database never migrated
                    applied = []
                finally:
                    await conn.close(timeout=timeout)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("readiness: database unreachable (%s: %s)", type(error).__name__, error)
            return _not_ready("database unreachable")
        pending = pending_migrations(applied)
        if pending:
            return _not_ready(
                f"migrations pending: {', '.join(pending)} (run 'hearth migrate')", pending=pending
            )
        return JSONResponse({"status": "ready", "migration": max(applied)}, headers=_NO_STORE)

    return readyz


def _not_ready(reason: str, **extra: object) -> Response:
    return JSONResponse(
        {"status": "unavailable", "reason": reason, **extra}, status_code=503, headers=_NO_STORE
    )
