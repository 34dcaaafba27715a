"""Benchmark: the User Access Report over ten million audit rows.

Builds a scratch database, fills it with SQL ``generate_series`` (agencies, users, clients,
enrollments and audit rows spread over five quarters), then times the report for several
agencies. The database is kept: a later run with the same sizes reuses it (a one-row table
``hearth_bench_uar`` records them; ``--rebuild`` starts afresh), so only the first run pays for
ten million rows. Not part of ``make test``::

    .venv/bin/python -m bench.user_access_report --server postgres://postgres@127.0.0.1:5432

``make bench`` runs it (through :func:`run`).

The audit table's secondary indexes are dropped while the rows are generated and built again
afterwards (one sort per index instead of ten million insertions into each). The rows are not
sealed into the hash chain (the chain is not what is measured). The database named by
``--database`` is dropped when it does not hold the same data set: never point it at real data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import asyncpg
from tortoise.models import Model

from api.db import tortoise_config
from api.dbmigrate import apply_migrations
from api.settings import Settings
from devdata.copy import table
from models.audit import AuditEvent
from models.clients import Client
from models.enrollments import Enrollment
from models.governance import Agency, Project
from models.users import Membership, User


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _insert(model: type[Model], values: dict[str, str], source: str) -> str:
    """``INSERT INTO <table> (...) SELECT ... FROM <source>``: ``values`` are SQL expressions for
    the columns the report needs; every other column gets its model field's default, as the
    generator's rows do (``devdata.copy``), or NULL."""
    spec = table(model)
    unknown = set(values) - set(spec.columns)
    if unknown:
        raise KeyError(f"{spec.name} has no column {sorted(unknown)}")
    columns = {
        column: values[column] if column in values else _literal(spec.defaults[column])
        for column in spec.columns
        if column in values or spec.defaults[column] is not None
    }
    return (
        f"INSERT INTO {spec.name} ({', '.join(columns)})"  # noqa: S608 (our own columns and SQL)
        f" SELECT {', '.join(columns.values())} FROM {source}"
    )


def _fill(agencies: int, users: int, per_agency: int, clients: int, **_: Any) -> list[str]:
    """Agencies, users and their memberships, a project per agency, clients and enrollments.
    Client c belongs to agency ((c - 1) % agencies) + 1; three clients in four have an
    enrollment at their agency."""
    agency_of_client = f"md5('a' || ((g - 1) % {agencies} + 1))::uuid"
    first_user_of_client = f"md5('u' || (((g - 1) % {agencies}) * {per_agency} + 1))::uuid"
    return [
        _insert(
            Agency,
            {
                "id": "md5('a' || g)::uuid",
                "name": "'Bench agency ' || g",
                "coc_id": "(SELECT id FROM continuum_of_care ORDER BY code LIMIT 1)",
                "mou_access_levels": """'["FULL", "VIEW_ONLY", "REPORTING_ONLY"]'""",
                "mou_signed_on": "'2025-01-01'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(1, {agencies}) g",
        ),
        _insert(
            User,
            {
                "id": "md5('u' || g)::uuid",
                "username": "'bench' || g",
                "email": "'bench' || g || '@example.org'",
                "email_normalized": "'bench' || g || '@example.org'",
                "last_login_at": "'2026-03-20'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(1, {users}) g",
        ),
        _insert(
            Membership,
            {
                "id": "md5('m' || g)::uuid",
                "user_id": "md5('u' || g)::uuid",
                "agency_id": f"md5('a' || ((g - 1) / {per_agency} + 1))::uuid",
                "access_level": "CASE WHEN g % 10 = 0 THEN 'VIEW_ONLY' ELSE 'FULL' END",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(1, {users}) g",
        ),
        _insert(
            Project,
            {
                "id": "md5('p' || g)::uuid",
                "agency_id": "md5('a' || g)::uuid",
                "name": "'Shelter ' || g",
                "project_type": "1",
                "operating_start_date": "'2020-01-01'",
                "coc_code": "'CT-503'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(1, {agencies}) g",
        ),
        _insert(
            Client,
            {
                "id": "md5('c' || g)::uuid",
                "created_by_agency_id": agency_of_client,
                "created_by_user_id": first_user_of_client,
                "created_at": "now()",
                "updated_at": "now()",
                "last_activity_at": "now()",
            },
            f"generate_series(1, {clients}) g",
        ),
        _insert(
            Enrollment,
            {
                "id": "md5('e' || g)::uuid",
                "client_id": "md5('c' || g)::uuid",
                "project_id": f"md5('p' || ((g - 1) % {agencies} + 1))::uuid",
                "agency_id": agency_of_client,
                "entry_date": "'2025-01-01'",
                "household_id": "md5('h' || g)",
                "relationship_to_hoh": "1",
                "created_by_user_id": first_user_of_client,
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(1, {clients}) g WHERE g % 4 <> 0",
        ),
    ]


def _audit(
    first: int,
    last: int,
    agencies: int,
    users: int,
    per_agency: int,
    clients: int,
    span: int,
    start: str = "2025-04-01 04:00+00",
) -> str:
    """Audit rows ``first`` to ``last``, spread over ``span`` seconds from ``start`` (five
    quarters): mostly views of the agency's own clients by its users, one in twenty of a client
    anywhere."""
    rows = f"""(
    SELECT g,
           timestamptz '{start}' + ((g * 104729) % {span}) * interval '1 second' AS ts,
           md5('u' || u)::uuid AS actor,
           md5('a' || ((u - 1) / {per_agency} + 1))::uuid AS agency,
           md5('c' || CASE WHEN g % 20 = 0 THEN (g * 7) % {clients} + 1
                           ELSE ((u - 1) / {per_agency}) + 1 + {agencies} * ((g * 31) % ({clients} / {agencies})) END)::uuid AS client,
           CASE WHEN g % 100 < 85 THEN 'VIEW' WHEN g % 100 < 90 THEN 'SEARCH' WHEN g % 100 < 94 THEN 'CREATE'
                WHEN g % 100 < 99 THEN 'UPDATE' ELSE 'DENIED' END AS action
      FROM (SELECT g, 1 + (g * 7919) % {users} AS u FROM generate_series({first}::bigint, {last}::bigint) g) s
  ) rows"""  # noqa: S608 (integers of our own)
    return _insert(
        AuditEvent,
        {
            "occurred_at": "ts",
            "actor_id": "actor",
            "true_actor_id": "actor",
            "agency_id": "agency",
            "action": "action",
            "entity_type": "'Client'",
            "entity_id": "client::text",
            "client_id": "client",
            "fields_touched": """'["firstName","dob"]'""",
            # a VIEW row is per client, listing the records read with it (decision 189)
            "read_types": "CASE WHEN action = 'VIEW' THEN ARRAY['Enrollment'] END",
            "read_ids": "CASE WHEN action = 'VIEW' THEN ARRAY[md5('e' || g)] END",
            "read_fields": "CASE WHEN action = 'VIEW' THEN ARRAY['entryDate,projectId'] END",
            "request_id": "md5('r' || g)",
            "operation": "'client'",
            "client_ip": "'10.0.0.1'",
        },
        rows,
    )


async def run(
    *,
    server: str,
    database: str = "hearth_bench",
    rows: int = 10_000_000,
    agencies: int = 200,
    users_per_agency: int = 10,
    clients: int = 200_000,
    runs: int = 5,
    quiet: bool = False,
    rebuild: bool = False,
) -> dict[str, float | int | str]:
    """Build the scratch database and time the report for ``runs`` agencies; the figures."""
    say = (lambda *_, **__: None) if quiet else print
    parts = urlsplit(server)
    url = urlunsplit(parts._replace(path=f"/{database}"))
    settings = Settings(env="test")
    users = agencies * users_per_agency
    params = {
        "agencies": agencies,
        "users": users,
        "per_agency": users_per_agency,
        "clients": clients,
        "span": 5 * 91 * 86400,
    }
    wanted = {"rows": rows, **params, "view_rows": "per client"}  # (decision 189)
    kept = None if rebuild else await _kept(url)
    if kept is not None and kept["params"] == wanted:
        await apply_migrations(tortoise_config(url, settings))
        size, generated = kept["size"], kept["generate_s"]
        say(f"reusing {database}: {rows:,} audit rows ({size}), generated in {generated:.1f} s")
    else:
        size, generated = await _generate(
            server, database, url, settings, rows, params, wanted, say
        )

    from tortoise.context import TortoiseContext

    from services.access_reports import Quarter, Thresholds, user_access_report

    tz = ZoneInfo(settings.timezone)
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url, settings))
        times = []
        for n in range(1, runs + 1):
            agency = await _agency_id(url, n * (agencies // runs))
            t0 = time.perf_counter()
            report = await user_access_report(
                agency_id=agency, quarter=Quarter(2026, 1), thresholds=Thresholds(), tz=tz
            )
            times.append(time.perf_counter() - t0)
            flagged = sum(1 for r in report.rows if r.flags)
            say(
                f"  agency {n}: {len(report.rows)} users, {flagged} flagged, {times[-1] * 1000:.0f} ms"
            )
    say(
        f"user access report over {rows:,} audit rows: median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms ({runs} agencies)"
    )
    return {
        "rows": rows,
        "audit_size": size,
        "generate_s": round(generated, 1),
        "reused": kept is not None and kept["params"] == wanted,
        "median_ms": round(statistics.median(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "agencies_timed": runs,
    }


async def _kept(url: str) -> dict[str, Any] | None:
    """What an earlier run left in the database, if it exists and finished."""
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        row = await conn.fetchrow("SELECT to_regclass('hearth_bench_uar') IS NOT NULL AS here")
        if not row["here"]:
            return None
        found = await conn.fetchrow("SELECT params, size, generate_s FROM hearth_bench_uar")
        return (
            None
            if found is None
            else {
                "params": json.loads(found["params"]),
                "size": found["size"],
                "generate_s": found["generate_s"],
            }
        )
    finally:
        await conn.close()


async def _generate(
    server: str,
    database: str,
    url: str,
    settings: Settings,
    rows: int,
    params: dict[str, Any],
    wanted: dict[str, Any],
    say: Any,
) -> tuple[str, float]:
    admin = await asyncpg.connect(urlunsplit(urlsplit(server)._replace(path="/postgres")))
    await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    await apply_migrations(tortoise_config(url, settings))
    conn = await asyncpg.connect(url)
    started = time.perf_counter()
    for statement in _fill(**params):
        await conn.execute(statement)
    indexes = [
        r["indexdef"]
        for r in await conn.fetch(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'audit_event' AND indexname <> 'audit_event_pkey'"
        )
    ]
    for name in await conn.fetch(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'audit_event' AND indexname <> 'audit_event_pkey'"
    ):
        await conn.execute(f'DROP INDEX "{name["indexname"]}"')
    # the months of the rows have their partitions (migration 0034), not the DEFAULT one
    await conn.execute("SELECT hearth_audit_partitions(0, timestamptz '2025-04-01 04:00+00')")
    chunk = 1_000_000
    for first in range(1, rows + 1, chunk):
        last = min(first + chunk - 1, rows)
        await conn.execute(_audit(first, last, **params))
        say(f"  {last:>11,} audit rows", flush=True)
    await conn.execute("SET maintenance_work_mem = '512MB'")
    for definition in indexes:
        # (pg_indexes defines a partitioned table's index ON ONLY it: built on every partition)
        await conn.execute(definition.replace(" ON ONLY ", " ON ", 1))
    # Autovacuum does this for an insert-only table in production; the report's index-only scan
    # needs the visibility map it sets.
    await conn.execute("VACUUM (ANALYZE) audit_event")
    await conn.execute("ANALYZE")
    size = await conn.fetchval(
        "SELECT pg_size_pretty(sum(pg_total_relation_size(relid)))"
        " FROM pg_partition_tree('audit_event')"
    )
    generated = time.perf_counter() - started
    await conn.execute(
        "CREATE TABLE hearth_bench_uar (params text NOT NULL, size text NOT NULL, generate_s float8 NOT NULL)"
    )
    await conn.execute(
        "INSERT INTO hearth_bench_uar VALUES ($1, $2, $3)", json.dumps(wanted), size, generated
    )
    await conn.close()
    say(f"generated {rows:,} audit rows ({size}) in {generated:.1f} s")
    return size, generated


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument(
        "--database",
        default="hearth_bench",
        help="scratch database (recreated unless it holds the same data set)",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="recreate the database even if it holds the same data set",
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--agencies", type=int, default=200)
    parser.add_argument("--users-per-agency", type=int, default=10)
    parser.add_argument("--clients", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5, help="agencies to time the report for")
    args = parser.parse_args()
    await run(
        server=args.server,
        database=args.database,
        rows=args.rows,
        agencies=args.agencies,
        users_per_agency=args.users_per_agency,
        clients=args.clients,
        runs=args.runs,
        rebuild=args.rebuild,
    )


async def _agency_id(url: str, n: int) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT md5('a' || $1::text)::uuid", str(n))
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
