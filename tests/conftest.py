"""One real PostgreSQL database per test session; tables emptied between tests.

``HEARTH_TEST_DATABASE_URL`` names a server (the suite creates the database it names, dropping
any earlier copy); without it the suite starts an embedded PostgreSQL in ``.hearth/test-pg``.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from joserfc.jwk import OKPKey
from tortoise.connection import get_connection
from typer.testing import CliRunner

import services.passwords as passwords
from api.app import create_app
from api.db import embedded_postgres, to_tortoise_url, tortoise_config
from api.dbmigrate import apply_migrations
from api.settings import Settings, get_settings
from services.clock import FrozenClock
from tests.factories import Api, truncation

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday


def _reference_sql() -> list[str]:
    """The seed statements of the reference-data migration, to restore after truncation."""
    import importlib

    module = importlib.import_module("migrations.0002_reference_data")
    return list(module.Migration.operations[0].sql)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    configured = os.environ.get("HEARTH_TEST_DATABASE_URL")
    if configured:
        yield to_tortoise_url(configured)
        return
    with embedded_postgres(ROOT / ".hearth" / "test-pg-data") as url:
        parts = urlsplit(url)
        yield urlunsplit(parts._replace(path="/hearth_test"))


@pytest.fixture(scope="session")
async def database_url(server_url: str) -> str:
    """Create the session's database afresh and migrate it."""
    parts = urlsplit(server_url)
    name = parts.path.lstrip("/") or "hearth_test"
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")), timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = urlunsplit(parts._replace(path=f"/{name}"))
    await apply_migrations(tortoise_config(url, Settings(env="test")))
    return url


# Sign-ins, users and service-account secrets are argon2-hashed hundreds of times: at the cheapest
# cost in tests. The rules under test (an unknown account still costs one verify, argon2id,
# constant work) do not depend on the cost parameters, which every hash carries with it.
_CHEAP = PasswordHasher.from_parameters(CHEAPEST)
_CHEAP_DUMMY = _CHEAP.hash("hearth-timing-equaliser-not-a-password")


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", _CHEAP)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", _CHEAP_DUMMY)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    key = OKPKey.generate_key("Ed25519")
    return Settings(
        env="test",
        data_dir=tmp_path_factory.mktemp("hearth"),
        signing_key=json.dumps(key.as_dict(private=True)),
    )


@pytest.fixture(scope="session")
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture(scope="session")
async def app(settings: Settings, database_url: str, clock: FrozenClock) -> AsyncIterator[object]:
    application = create_app(settings, database_url=database_url, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
async def _clean(request: pytest.FixtureRequest, clock: FrozenClock) -> AsyncIterator[None]:
    """Every test starts from empty tables (reference data restored) and the same instant."""
    clock.set(START)
    yield
    if "app" not in request.fixturenames:
        return
    conn = get_connection("default")
    tables = [
        row["tablename"]
        for row in await conn.execute_query_dict(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'"
        )
    ]
    await conn.execute_script(truncation(tables))
    for statement in _reference_sql():
        await conn.execute_script(statement)
    from authz.enforcer import current_authorizer

    await current_authorizer().reload()


@pytest.fixture
async def http(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth.test") as client:
        yield client


@pytest.fixture
def runner(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The CLI pointed at the test database."""
    monkeypatch.setenv("HEARTH_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def api(http: httpx.AsyncClient, clock: FrozenClock) -> Api:
    return Api(http, clock)
