"""Workers and pool sizing: one uvicorn worker per core unless HEARTH_WORKERS says
otherwise, and each worker's pool sized so that more workers do not multiply connections."""

from __future__ import annotations

import os
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.db import tortoise_config
from api.settings import Settings, get_settings


def test_one_worker_per_core_by_default() -> None:
    assert Settings(_env_file=None).worker_count == (os.cpu_count() or 1)  # type: ignore[call-arg]
    assert Settings(workers=3).worker_count == 3


@pytest.mark.parametrize(("workers", "pool"), [(1, 20), (2, 10), (4, 5), (16, 5)])
def test_the_pool_is_shared_among_the_workers(workers: int, pool: int) -> None:
    settings = Settings(workers=workers)
    assert settings.pool_max == pool
    assert (
        tortoise_config("postgres://u@127.0.0.1/db", settings)["connections"]["default"][
            "credentials"
        ]["maxsize"]
        == pool
    )


def test_a_configured_pool_size_wins() -> None:
    assert Settings(workers=8, db_pool_max=12).pool_max == 12


def test_serve_starts_the_configured_workers_and_tells_them_how_many(
    monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    started: dict[str, Any] = {}

    def run(app: str, **options: Any) -> int:
        started.update(options, app=app, env_workers=os.environ.get("HEARTH_WORKERS"))
        return 0

    monkeypatch.setattr("api.serving.run_server", run)
    monkeypatch.setenv("HEARTH_WORKERS", "3")  # the database and the SSN keys: the runner's
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli, ["serve"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert started["app"] == "api.asgi:make_app"
    assert started["workers"] == 3
    assert started["env_workers"] == "3"  # the workers size their pools for three
    assert started["http"] == "api.serving:NoDelayHttpToolsProtocol"
    assert started["loop"] == "uvloop"


async def _accepted_nodelay(http: str) -> int:
    """Serve one request through uvicorn on a listening socket made the way uvicorn's
    multi-worker mode makes it (protocol number 0); TCP_NODELAY of the accepted connection."""
    import asyncio
    import socket

    import uvicorn

    async def tiny(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})

    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    assert listening.proto == 0
    server = uvicorn.Server(uvicorn.Config(tiny, http=http, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        for _ in range(
            10_000
        ):  # start-up is a few loop turns (bounded: a broken start fails below)
            if server.started:
                break
            await asyncio.sleep(0)
        reader, writer = await asyncio.open_connection(*listening.getsockname())
        writer.write(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        await writer.drain()
        assert (await reader.readuntil(b"ok")).startswith(b"HTTP/1.1 200")
        (connection,) = server.server_state.connections
        value = connection.transport.get_extra_info("socket").getsockopt(
            socket.IPPROTO_TCP, socket.TCP_NODELAY
        )
        writer.close()
        return value
    finally:
        server.should_exit = True
        await serving


async def test_served_connections_have_tcp_nodelay_where_stock_uvicorn_leaves_nagle_on() -> None:
    assert await _accepted_nodelay("httptools") == 0  # the stock protocol on uvicorn's own socket
    assert await _accepted_nodelay("api.serving:NoDelayHttpToolsProtocol") != 0


def test_serve_hands_uvicorn_the_proxy_and_logging_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    from api.logs import logging_config
    from api.serving import run_server

    seen: dict[str, Any] = {}

    class Server:
        def __init__(self, config: uvicorn.Config) -> None:
            seen["config"] = config
            self.started = True

        def run(self) -> None:
            seen["ran"] = True

    # the logging configuration is checked, not applied to the test process
    monkeypatch.setattr(uvicorn.Config, "configure_logging", lambda self: None)
    monkeypatch.setattr(uvicorn, "Server", Server)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        forwarded_allow_ips="10.0.0.0/24",
        log_format="json",
    )
    assert run_server("api.asgi:make_app", settings=settings, workers=1, port=0) == 0
    config = seen["config"]
    assert seen["ran"]
    assert config.forwarded_allow_ips == "10.0.0.0/24"
    assert config.proxy_headers is True
    assert config.access_log is False  # hearth.access replaces uvicorn's access line
    assert config.log_config == logging_config(settings)
    assert config.factory is True
    off = settings.model_copy(update={"proxy_headers": False})
    run_server("api.asgi:make_app", settings=off, workers=1, port=0)
    assert seen["config"].proxy_headers is False
