"""What the tests of the HTTP layer share: a real socket and uvicorn serving an app on it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import uvicorn

from api.serving import HTTP_PROTOCOL


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


@asynccontextmanager
async def served(app: Any, sock: socket.socket) -> AsyncIterator[str]:
    """``app`` served by uvicorn (Hearth's protocol, lifespan already run) on ``sock``."""
    config = uvicorn.Config(app, http=HTTP_PROTOCOL, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(10_000):  # start-up is a few loop turns
            if server.started:
                break
            await asyncio.sleep(0)
        host, port = sock.getsockname()
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await serving
