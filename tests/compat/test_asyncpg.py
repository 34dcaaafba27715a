"""A request waiting for a pooled connection gives up at a deadline instead of hanging."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from api.db import tortoise_config
from api.pgclient import HearthAsyncpgClient
from api.settings import Settings

ACQUIRE_TIMEOUT = 0.2


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[HearthAsyncpgClient]:
    """A one-connection pool, configured the way Hearth configures Tortoise."""
    settings = Settings(
        env="test", db_pool_min=1, db_pool_max=1, db_acquire_timeout=ACQUIRE_TIMEOUT
    )
    connection = tortoise_config(database_url, settings)["connections"]["default"]
    assert connection["engine"] == "api.pgclient"
    db = HearthAsyncpgClient(connection_name="pool_test", **connection["credentials"])
    await db.create_connection(with_db=True)
    try:
        yield db
    finally:
        await db.close()


async def test_waiting_for_a_connection_has_a_deadline(client: HearthAsyncpgClient) -> None:
    async def acquire_and_release() -> None:
        # as Tortoise does it, with no timeout of its own
        async with client.acquire_connection():
            pass

    loop = asyncio.get_running_loop()
    async with client.acquire_connection() as held:
        # given: the only connection is in use
        assert await held.fetchval("SELECT 1") == 1
        started = loop.time()
        # when
        attempt = asyncio.ensure_future(acquire_and_release())
        done, _ = await asyncio.wait({attempt}, timeout=ACQUIRE_TIMEOUT + 5)
        waited = loop.time() - started
        if not done:
            attempt.cancel()
            pytest.fail("acquire waited on without a deadline")
        # then
        with pytest.raises(asyncio.TimeoutError):
            attempt.result()
    assert ACQUIRE_TIMEOUT * 0.9 <= waited < ACQUIRE_TIMEOUT + 2
    # and once the connection is back, the pool serves again
    async with client.acquire_connection() as again:
        assert await again.fetchval("SELECT 2") == 2


async def test_the_jit_compiler_is_off_on_pooled_connections(client: HearthAsyncpgClient) -> None:
    async with client.acquire_connection() as conn:
        assert await conn.fetchval("SHOW jit") == "off"
