"""The benchmark database: found or made, seeded once with the generator (``devdata``) and
reused while it still holds that data set, plus what the benchmark needs beyond the generated
data (a vendor service account, the search words, a well-filled record)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from api.db import embedded_postgres, to_tortoise_url, tortoise_config
from api.dbmigrate import apply_migrations
from api.settings import Settings

__all__ = ["BENCH_DATABASE", "bench_server", "ensure_seeded", "hearth_data_dir"]

BENCH_DATABASE = "hearth_bench_load"


def hearth_data_dir(state: Path) -> Path:
    """The data folder of the benchmark's Hearth (signing key, SSN keys): the seed seals SSNs
    with the keys kept there, so that the servers, which read the same folder, can open them."""
    return state / "hearth-data"


def _settings(state: Path) -> Settings:
    return Settings(env="test", data_dir=hearth_data_dir(state))


@contextlib.contextmanager
def bench_server(settings: Settings) -> Iterator[str]:
    """The URL of the benchmark database (not created yet)."""
    override = os.environ.get("HEARTH_BENCH_DATABASE_URL")
    if override:
        yield to_tortoise_url(override)
        return
    if settings.database_url:
        parts = urlsplit(to_tortoise_url(settings.database_url))
        yield urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))
        return
    with embedded_postgres(settings.data_dir) as url:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{BENCH_DATABASE}"))


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


async def _admin(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))


async def ensure_seeded(
    url: str, clients: int, seed: int, reseed: bool, state: Path
) -> dict[str, Any]:
    """The generator's summary for this database, seeding it first when needed."""
    marker = state / f"seed-{_database_name(url)}.json"
    name = _database_name(url)
    admin = await _admin(url)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and not reseed and marker.exists():
            summary = json.loads(marker.read_text())
            conn = await asyncpg.connect(url)
            try:
                have = await conn.fetchval("SELECT count(*) FROM client")
            finally:
                await conn.close()
            if (
                summary.get("clients") == clients
                and summary.get("seed") == seed
                and have >= clients
            ):
                print(f"reusing {name}: {have:,} clients (seed {seed})", flush=True)
                await apply_migrations(tortoise_config(url, _settings(state)))  # new indexes
                await _seal_left(url, state)
                return summary
        print(f"seeding {name} with {clients:,} clients (seed {seed}) ...", flush=True)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await apply_migrations(tortoise_config(url, _settings(state)))
    from api.ssn_keys import load_key_ring
    from devdata import generate_at
    from models.sealed import installed

    started = time.perf_counter()
    # the SSN keys of the data folder, which the benchmark's Hearth servers read too
    with installed(load_key_ring(_settings(state))):
        generated = await generate_at(
            url, clients=clients, seed=seed, anchor=datetime.now(UTC).date()
        )
    summary = _summary(generated)
    summary.update(clients=clients, seed=seed, seconds=round(time.perf_counter() - started, 1))
    summary.update(await _bench_fixtures(url, summary))
    state.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a harness, not a server)
    marker.write_text(json.dumps(summary, indent=1, default=str))
    marker.chmod(0o600)  # holds the generated users' sign-in secrets
    return summary


async def _seal_left(url: str, state: Path) -> None:
    """Seal the SSNs a database seeded before they were sealed still holds in clear (as
    `hearth migrate` does)."""
    from tortoise.context import TortoiseContext

    from api.ssn_keys import load_key_ring
    from models.sealed import installed
    from services.sealing import check_keys, seal_clear_ssns

    settings = _settings(state)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url, settings))
        with installed(load_key_ring(settings)):
            await check_keys()
            await seal_clear_ssns()


def _summary(generated: Any) -> dict[str, Any]:
    users = {
        key: {
            "username": u.username,
            "password": u.password,
            "totp_secret": u.totp_secret,
            "user_id": str(u.user_id),
            "agency_id": str(u.agency_id) if u.agency_id else None,
        }
        for key, u in generated.users.items()
    }
    return {"users": users, "counts": dict(generated.counts)}


async def _bench_fixtures(url: str, summary: dict[str, Any]) -> dict[str, Any]:
    """What the benchmark needs beyond the generator's data: a VENDOR_SYNC service account
    (created directly: the bench is its own System Administrator), the search words that fill
    a 50-client page for the case manager, and a well-filled record of theirs."""
    from services.passwords import hash_password
    from services.service_accounts import CLIENT_ID_PREFIX

    manager = summary["users"]["case_manager"]
    conn = await asyncpg.connect(url)
    try:
        secret = secrets.token_urlsafe(32)
        client_id = CLIENT_ID_PREFIX + "bench-" + secrets.token_hex(8)
        await conn.execute(
            "INSERT INTO service_account (id, name, role, client_id, secret_hash, secret_version,"
            " secret_rotated_at, created_at, created_by_id) VALUES"
            " (gen_random_uuid(), $1, 'VENDOR_SYNC', $2, $3, 1, now(), now(), $4)",
            f"Bench vendor sync {client_id}",
            client_id,
            hash_password(secret),
            summary["users"]["system_admin"]["user_id"],
        )
        await conn.execute("SELECT pg_notify('hearth_authz', '')")
        # What autovacuum would do in time: fresh tables have no statistics, and the planner
        # then scans whole tables for lookups the new indexes serve.
        await conn.execute("VACUUM ANALYZE")
        agency = manager["agency_id"]
        prefix = await conn.fetchval(
            "SELECT left(c.last_name, 3) FROM client c JOIN consent_to_enter t ON t.client_id = c.id"
            " WHERE t.agency_id = $1 AND length(c.last_name) >= 3 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            agency,
        )
        record = await conn.fetchval(
            "SELECT c.id FROM client c JOIN consent_to_enter t ON t.client_id = c.id AND t.agency_id = $1"
            " ORDER BY (SELECT count(*) FROM enrollment e WHERE e.client_id = c.id)"
            "        + (SELECT count(*) FROM case_note n WHERE n.client_id = c.id) DESC, c.id LIMIT 1",
            agency,
        )
    finally:
        await conn.close()
    return {
        "vendor": {"client_id": client_id, "client_secret": secret},
        "search_name": prefix,
        "record_id": str(record),
    }
