"""The servers the benchmark drives, on loopback: Hearth, Hearth with the read audit off, Hearth
with row-level security off and the bare stack, each a uvicorn process group; and an in-process
Hearth for capturing SQL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api.serving import HTTP_PROTOCOL, LOOP
from api.settings import Settings

__all__ = ["HOST", "ROOT", "Server", "in_process_hearth", "servers"]

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    factory: str
    env: dict[str, str]
    workers: int
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    root: Path = ROOT  # the checkout whose code it runs

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, log: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.factory,
            "--factory",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--http",
            HTTP_PROTOCOL,  # the same server layer for all
            "--loop",
            LOOP,
        ]
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command,
            cwd=self.root,
            env={**os.environ, **self.env},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def ready(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline:
                if self.process and self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited ({self.process.returncode}); see the server log"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.url}/healthz")).status_code == 200:
                        return
                await asyncio.sleep(0.3)
        raise RuntimeError(f"{self.name} did not start in {within:.0f} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(
                self.process.pid, signal.SIGTERM
            )  # the session we started (uvicorn and its workers)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


@contextlib.asynccontextmanager
async def servers(items: list[Server], log: Path) -> AsyncIterator[list[Server]]:
    try:
        for server in items:
            server.start(log)
        for server in items:
            await server.ready()
        yield items
    finally:
        for server in items:
            server.stop()


@contextlib.asynccontextmanager
async def in_process_hearth(settings: Settings, url: str) -> AsyncIterator[Any]:
    from api.app import create_app

    app = create_app(settings, database_url=url)
    async with app.router.lifespan_context(app):
        yield app
