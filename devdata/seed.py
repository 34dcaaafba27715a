"""Loading a generated data set into a database: ``generate`` on a connection, ``generate_at`` on a
URL, and ``has_data``, which tells whether a database already holds agencies or clients."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import asyncpg

from devdata.plan import CANS, HERBS, MAX_CLIENTS, SeedSummary
from devdata.rows import Generator, Progress
from services.errors import Conflict, ValidationFailed

__all__ = ["generate", "generate_at", "has_data"]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while rows are drawn: up to three batches of records
    (hundreds of thousands of tuples and UUIDs) are alive at a time, and the collector would
    traverse them again and again, a quarter of the generator's time. The generator makes no
    reference cycles; reference counting frees its rows as each COPY finishes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def has_data(conn: asyncpg.Connection) -> bool:
    """Whether the database holds agencies or clients (seeding then needs ``append``)."""
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM agency) OR EXISTS (SELECT 1 FROM client)")
    )


async def generate(
    conn: asyncpg.Connection,
    *,
    clients: int,
    seed: int,
    anchor: date,
    append: bool = False,
    progress: Progress | None = None,
    batch: int = 50_000,
) -> SeedSummary:
    """Fill a migrated database with a synthetic data set, in one transaction.

    ``anchor`` is the data set's today: stays fall in the three years before it, releases in
    force run past it. Refuses (``Conflict``) a database that already has agencies or clients
    unless ``append``, which adds a separate data set whose names and usernames carry the suffix
    ``-s<seed>`` (refused too if that seed was already appended).
    """
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValidationFailed(f"clients must be between 1 and {MAX_CLIENTS}.", field="clients")
    started = time.perf_counter()
    tag = ""
    if await has_data(conn):
        if not append:
            raise Conflict(
                "The database already has agencies or clients; seed an empty database, or pass append.",
                field="database",
            )
        tag = f"-s{seed}"
    if await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM hearth_user WHERE username = $1)", f"sysadmin{tag}"
    ):
        raise Conflict(
            f"A data set with seed {seed} is already loaded (user sysadmin{tag} exists).",
            field="seed",
        )
    # Known from the seed on purpose: benchmarks sign in as the generated users. Never production.
    password = f"hearth-seed-{seed}-{HERBS[seed % len(HERBS)].lower()}"
    generator = Generator(conn, clients=clients, seed=seed, anchor=anchor, tag=tag, batch=batch)
    try:
        with _collector_paused():
            async with conn.transaction():
                # the generated users keep their generated times (migration 0021's trigger)
                await conn.execute("SET LOCAL hearth.bulk_load = 'on'")
                await generator.structure(password)
                await generator.clients(progress)
    finally:
        await generator.bulk.close()
    # Running servers reload role assignments (authz/enforcer.py).
    await conn.execute("SELECT pg_notify('hearth_authz', '')")
    counts = dict(generator.small_counts)
    for table_name, rows in generator.bulk.counts.items():
        # a table written once (the project files) is also one the bulk loader knows, with none
        counts[table_name] = counts.get(table_name, 0) + rows
    vsp = next(a for a in generator.agencies if a.vsp)
    return SeedSummary(
        seed=seed,
        clients=clients,
        anchor=anchor,
        tag=tag,
        password=password,
        counts=counts,
        defects=dict(generator.defects),
        populations=dict(generator.populations),
        users=generator.summary_users,
        agencies={a.slug: a.id for a in generator.agencies},
        cans={name: cid for (name, _), cid in zip(CANS, generator.can_ids, strict=True)},
        vsp_agency_id=vsp.id,
        seconds=time.perf_counter() - started,
    )


async def generate_at(database_url: str, **options: Any) -> SeedSummary:
    """``generate`` on a fresh connection to ``database_url`` (postgres://...)."""
    conn = await asyncpg.connect(database_url, timeout=30)
    try:
        return await generate(conn, **options)
    finally:
        await conn.close()
