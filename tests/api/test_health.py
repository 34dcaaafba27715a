"""/healthz answers while the process runs; /readyz only while the database answers and has
every migration of this code applied."""

from __future__ import annotations

import socket

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.dbmigrate import code_migrations
from api.settings import Settings
from tests.factories import Api


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _get(database_url: str, settings: Settings, path: str) -> httpx.Response:
    """``path`` of an app for ``database_url``, never started: nothing connects before."""
    app = create_app(settings, database_url=database_url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth.test") as client:
        return await client.get(path)


async def test_healthz_answers_ok(api: Api) -> None:
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_answers_ready_with_the_databases_migration(api: Api) -> None:
    response = await api.http.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "migration": code_migrations()[-1]}


async def test_readyz_answers_503_when_the_database_cannot_be_reached(settings: Settings) -> None:
    port = _closed_port()
    response = await _get(f"postgres://postgres:pw@127.0.0.1:{port}/hearth", settings, "/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database unreachable"}
    health = await _get(f"postgres://postgres:pw@127.0.0.1:{port}/hearth", settings, "/healthz")
    assert health.status_code == 200  # the process itself is fine


async def test_readyz_answers_503_when_the_database_does_not_exist(
    settings: Settings, database_url: str
) -> None:
    missing = database_url.rsplit("/", 1)[0] + "/hearth_no_such_database"
    response = await _get(missing, settings, "/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "database unreachable"


async def test_readyz_answers_503_naming_a_pending_migration(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    latest = code_migrations()[-1]
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "DELETE FROM tortoise_migrations WHERE app = 'hearth' AND name = $1"
            " RETURNING app, name, applied_at",
            latest,
        )
        assert row is not None
        try:
            response = await api.http.get("/readyz")
        finally:
            await conn.execute(
                "INSERT INTO tortoise_migrations (app, name, applied_at) VALUES ($1, $2, $3)",
                *row,
            )
    finally:
        await conn.close()
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "reason": f"migrations pending: {latest} (run 'hearth migrate')",
        "pending": [latest],
    }
    assert (await api.http.get("/readyz")).status_code == 200
