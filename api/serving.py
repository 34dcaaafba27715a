"""Serving: uvicorn's HTTP protocol with TCP_NODELAY on uvloop's event loop, the checks before
start-up, and the supervisor of the workers that tells when start-up failed.

The server layer is uvicorn's httptools protocol (llhttp, the HTTP parser of Node.js) on uvloop's
event loop (libuv), the pair uvicorn itself installs as ``uvicorn[standard]``: the pure-Python h11
parser and asyncio's own loop cost a request about a millisecond of CPU more (decision 206).

TCP_NODELAY. With more than one worker, uvicorn binds the listening socket itself (``socket.socket(AF_INET,
SOCK_STREAM)``, protocol number 0) and hands it to the workers; asyncio sets TCP_NODELAY only on
sockets whose protocol number says TCP, so the accepted connections keep Nagle's algorithm. A
response written in two parts (head, then body) then waits for the client's delayed ACK: about 40
ms added to every request on a keep-alive connection (measured: 1.9 ms per request with one worker,
44 ms with two, for an app answering 2.5 kB). ``hearth serve`` and the benchmark's servers use this
protocol (``--http api.serving:NoDelayHttpToolsProtocol``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.settings import Settings

__all__ = [
    "HTTP_PROTOCOL",
    "LOOP",
    "NoDelayHttpToolsProtocol",
    "StartupError",
    "preflight",
    "run_server",
    "set_nodelay",
]

HTTP_PROTOCOL = "api.serving:NoDelayHttpToolsProtocol"
LOOP = "uvloop"


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class StartupError(Exception):
    """Hearth cannot start as configured; the message says why, on one line. ``code`` is the
    command line's (docs/cli.md): ``UNAVAILABLE`` when the database does not answer, ``SETTINGS``
    when a required setting is missing, ``STARTUP`` for the rest."""

    def __init__(self, message: str, code: str = "STARTUP") -> None:
        super().__init__(message)
        self.code = code


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn's own signature (asyncio's is BaseTransport)
        set_nodelay(transport)
        super().connection_made(transport)


def preflight(settings: Settings, database_url: str) -> None:
    """What would stop every worker's start-up, checked once before any starts:
    :class:`StartupError` with one line saying what (decision 128)."""
    from api.identity import load_signing_key
    from api.ssn_keys import load_key_ring

    if missing := settings.missing_production_secrets():
        raise StartupError(f"HEARTH_ENV=production needs {', '.join(missing)} set", code="SETTINGS")
    from api.persisted_queries import load_manifest

    try:
        load_key_ring(settings)
        if settings.signing_key:
            load_signing_key(settings.signing_key, settings.data_dir)
        if settings.persisted_queries == "allowlist" and settings.persisted_query_manifest:
            load_manifest(settings.persisted_query_manifest)
    except Exception as error:
        raise StartupError(_one_line(error)) from None
    pending = asyncio.run(_database_pending(database_url, settings.db_acquire_timeout))
    if pending:
        raise StartupError(
            f"the database lacks migrations {', '.join(pending)}: run 'hearth migrate' first"
        )
    asyncio.run(_check_ssn_keys(settings, database_url))


async def _check_ssn_keys(settings: Settings, database_url: str) -> None:
    """The workers' start-up check of the SSN keys against the database (services.sealing)."""
    from tortoise.context import TortoiseContext

    from api.db import tortoise_config
    from api.ssn_keys import load_key_ring
    from models.sealed import SealingError, installed
    from services.sealing import check_keys

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(database_url, settings))
        try:
            with installed(load_key_ring(settings)):
                await check_keys()
        except SealingError as error:
            raise StartupError(_one_line(error)) from None


async def _database_pending(database_url: str, seconds: float) -> list[str]:
    import asyncpg

    from api.dbmigrate import APPLIED_SQL, pending_migrations

    where = _where(database_url)
    try:
        async with asyncio.timeout(seconds):
            conn = await asyncpg.connect(database_url)
    except TimeoutError:
        raise StartupError(
            f"the database at {where} did not answer in {seconds:g} s", code="UNAVAILABLE"
        ) from None
    except Exception as error:
        raise StartupError(
            f"cannot reach the database at {where}: {_one_line(error)}", code="UNAVAILABLE"
        ) from None
    try:
        applied = [row["name"] for row in await conn.fetch(APPLIED_SQL)]
    except asyncpg.UndefinedTableError:
        applied = []
    finally:
        await conn.close()
    return pending_migrations(applied)


def _where(database_url: str) -> str:
    """host:port/database of a URL, without its credentials."""
    parts = urlsplit(database_url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.hostname or 'localhost'}:{port or 5432}{parts.path or '/'}"


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run_server(app: str, *, settings: Settings, workers: int, **options: Any) -> int:
    """Serve ``app`` (an app factory's import string) with uvicorn; the exit code.

    As ``uvicorn.run``, except that a worker that fails to start makes the exit code
    ``STARTUP_FAILURE`` (3) with several workers too (uvicorn's supervisor stops, but returns
    normally), and several workers share their metrics (``prometheus_client``'s multiprocess
    mode, in a folder of their own unless ``PROMETHEUS_MULTIPROC_DIR`` names one).
    """
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors.multiprocess import Multiprocess

    from api.logs import logging_config

    try:
        config = uvicorn.Config(
            app,
            factory=True,
            workers=workers,
            log_config=logging_config(settings),
            access_log=False,  # Hearth's own access line (api.logs) has the request's facts
            proxy_headers=settings.proxy_headers,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            **options,
        )
    except Exception as error:  # the logging configuration (a formatter that cannot load)
        raise StartupError(_one_line(error)) from None
    if workers == 1:
        server = uvicorn.Server(config)
        server.run()
        return 0 if server.started else STARTUP_FAILURE
    with _metrics_folder():
        supervisor = Multiprocess(config, sockets=[config.bind_socket()])
        supervisor.run()
    failed = any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes)
    return STARTUP_FAILURE if failed else 0


@contextlib.contextmanager
def _metrics_folder() -> Iterator[None]:
    """``PROMETHEUS_MULTIPROC_DIR`` for the workers, emptied of an earlier run's values."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield
        return
    with tempfile.TemporaryDirectory(prefix="hearth-metrics-") as folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
