"""Benchmark: the User Access Report over a partitioned audit trail of up to 100 million rows.

``make bench-audit`` (not part of ``make test`` nor ``make bench``). The data set is the one
``bench.user_access_report`` builds for ten million rows (200 agencies of 10 users, 200,000
clients, the same audit rows), at the same density per month (``rows / months``, by default
100,000,000 over 150 months: 666,667 rows a month, as ten million over its 15 months), over more
months: twelve and a half years back from June 2026, the way a trail grows. Months are generated
newest first, one month partition at a time (``INSERT ... SELECT generate_series`` into the
partition, its secondary indexes built after its load, then ``VACUUM (ANALYZE)``), and each month
is recorded in the database as it is done: a run stopped (``--stop-after-rows``, a deadline,
Ctrl-C) resumes where it stopped, and a finished database is reused as it is (``--rebuild``
starts afresh). The report for 2026Q1 (and its four earlier quarters) reads the same months
whatever the size, so the timings at each size say whether the trail's size costs anything.

The timing: the report for ``--runs`` agencies, each run twice (the first warms the caches),
with the Python process's CPU time and the PostgreSQL backend's (``/proc``), and the report's
statement under ``EXPLAIN (ANALYZE, BUFFERS)`` for one agency (partition pruning, index-only
scans), written next to the figures with ``--out``::

    .venv/bin/python -m bench.audit_partitions --out bench/results/audit-partitions

The database named by ``--database`` is dropped when it holds another data set: never point it
at real data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import asyncpg

from api.db import tortoise_config
from api.dbmigrate import apply_migrations
from api.settings import Settings
from bench.user_access_report import _audit, _fill

_END = date(2026, 7, 1)  # the first month after the data (bench.user_access_report's end)
_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _months_back(end: date, months: int) -> list[date]:
    """The ``months`` months before ``end``, newest first."""
    out, year, month = [], end.year, end.month
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(date(year, month, 1))
    return out


def _next_month(m: date) -> date:
    return date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def _backend_cpu_ms(pid: int) -> float:
    """CPU time (user + system) of a PostgreSQL backend on this machine, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * _TICK_MS


async def _size(conn: asyncpg.Connection) -> tuple[int, int]:
    """(rows, bytes with indexes) of the audit trail."""
    row = await conn.fetchrow(
        "SELECT coalesce(sum(c.reltuples) FILTER (WHERE c.reltuples > 0), 0)::bigint AS rows,"
        " sum(pg_total_relation_size(t.relid))::bigint AS bytes"
        " FROM pg_partition_tree('audit_event') t JOIN pg_class c ON c.oid = t.relid"
        " WHERE t.isleaf"
    )
    return int(row["rows"]), int(row["bytes"] or 0)


async def _month_indexes(
    conn: asyncpg.Connection, part: str, indexes: list[dict[str, str]]
) -> None:
    """The trail's secondary indexes on one month partition (those it lacks)."""
    for index_def in indexes:
        name = f"{part}_{index_def['indexname']}"[:63]
        await conn.execute(
            index_def["indexdef"]
            .replace(f"INDEX {index_def['indexname']} ", f'INDEX IF NOT EXISTS "{name}" ', 1)
            # (a partitioned index is defined ON ONLY the partitioned table)
            .replace(" ON ONLY public.audit_event ", f" ON public.{part} ", 1)
        )


async def build(
    url: str,
    server: str,
    database: str,
    params: dict[str, Any],
    *,
    rebuild: bool,
    say: Any,
    stop_after_rows: int | None,
    deadline: float | None,
) -> dict[str, Any]:
    """Generate the months not generated yet (newest first); what the database holds."""
    wanted = json.dumps(params, sort_keys=True)
    conn = None
    if not rebuild:
        try:
            conn = await asyncpg.connect(url)
            here = await conn.fetchval("SELECT to_regclass('hearth_bench_audit') IS NOT NULL")
            if not here or await conn.fetchval("SELECT params FROM hearth_bench_audit") != wanted:
                await conn.close()
                conn = None
        except asyncpg.InvalidCatalogNameError:
            conn = None
    settings = Settings(env="test")
    if conn is None:
        admin = await asyncpg.connect(urlunsplit(urlsplit(server)._replace(path="/postgres")))
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
        await admin.close()
        await apply_migrations(tortoise_config(url, settings))
        conn = await asyncpg.connect(url)
        for statement in _fill(**params):
            await conn.execute(statement)
        months = _months_back(_END, params["months"])
        await conn.execute("SELECT hearth_audit_partitions(0, $1::date::timestamptz)", months[-1])
        # The secondary indexes go (on every partition) and are built per month after its load.
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_event'"
            " AND indexname <> 'audit_event_pkey'"
        )
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')
        await conn.execute(
            "CREATE TABLE hearth_bench_audit (params text NOT NULL, indexes text NOT NULL)"
        )
        await conn.execute(
            "CREATE TABLE hearth_bench_audit_month (month date PRIMARY KEY, rows bigint NOT NULL,"
            " seconds float8 NOT NULL, bytes bigint NOT NULL)"
        )
        await conn.execute(
            "INSERT INTO hearth_bench_audit VALUES ($1, $2)",
            wanted,
            json.dumps([dict(i) for i in indexes]),
        )
    assert conn is not None
    try:
        indexes = json.loads(await conn.fetchval("SELECT indexes FROM hearth_bench_audit"))
        done = {r["month"] for r in await conn.fetch("SELECT month FROM hearth_bench_audit_month")}
        per_month = params["rows"] // params["months"]
        months = _months_back(_END, params["months"])
        await conn.execute("SET maintenance_work_mem = '256MB'")
        await conn.execute("SET synchronous_commit = off")
        generated = len(done) * per_month
        for month in sorted(done):  # a run stopped between a month's load and its indexes
            await _month_indexes(conn, f"audit_event_y{month.year}m{month.month:02d}", indexes)
        for i, month in enumerate(months):
            if month in done:
                continue
            if stop_after_rows is not None and generated >= stop_after_rows:
                break
            if deadline is not None and time.time() > deadline:
                say("  deadline reached: stopping")
                break
            # g numbers the month's rows as bench.user_access_report numbers its ten million
            # (users, clients and actions follow from g), oldest month first.
            index = params["months"] - 1 - i
            first, last = index * per_month + 1, (index + 1) * per_month
            part = f"audit_event_y{month.year}m{month.month:02d}"
            span = (_next_month(month).toordinal() - month.toordinal()) * 86400
            t0 = time.perf_counter()
            async with conn.transaction():
                await conn.execute(
                    _audit(
                        first,
                        last,
                        params["agencies"],
                        params["users"],
                        params["per_agency"],
                        params["clients"],
                        span,
                        start=f"{month.isoformat()} 00:00+00",
                    )
                )
            await _month_indexes(conn, part, indexes)
            await conn.execute(f"VACUUM (ANALYZE) {part}")
            seconds = time.perf_counter() - t0
            bytes_ = await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", part)
            await conn.execute(
                "INSERT INTO hearth_bench_audit_month VALUES ($1, $2, $3, $4)",
                month,
                per_month,
                seconds,
                bytes_,
            )
            generated += per_month
            say(
                f"  {month:%Y-%m}: {per_month:,} rows in {seconds:.1f} s,"
                f" {bytes_ / per_month:.0f} bytes/row; {generated:,} rows in all",
                flush=True,
            )
        # Once every month is there, the partitioned indexes again: each partition's own is
        # attached, the empty months' are built. (Until then the months' own indexes serve.)
        if not set(months) - {
            r["month"] for r in await conn.fetch("SELECT month FROM hearth_bench_audit_month")
        }:
            for index_def in indexes:
                await conn.execute(
                    index_def["indexdef"]
                    .replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
                    .replace(" ON ONLY ", " ON ", 1)
                )
        if generated > len(done) * per_month:  # the parent's statistics, once months were added
            await conn.execute("ANALYZE audit_event")
        stats = await conn.fetchrow(
            "SELECT count(*) AS months, coalesce(sum(rows), 0)::bigint AS rows,"
            " coalesce(sum(seconds), 0) AS seconds, coalesce(sum(bytes), 0)::bigint AS bytes"
            " FROM hearth_bench_audit_month"
        )
        return dict(stats)
    finally:
        await conn.close()


async def time_report(url: str, params: dict[str, Any], runs: int, say: Any) -> dict[str, Any]:
    """The report for ``runs`` agencies, each twice; the second run's figures."""
    from tortoise.context import TortoiseContext

    from services.access_reports import (
        _REPORT_SQL,
        _STAFF_SQL,
        Quarter,
        Thresholds,
        user_access_report,
    )

    settings = Settings(env="test", db_pool_max=1)  # one backend: the one measured
    tz = ZoneInfo(settings.timezone)
    quarter = Quarter(2026, 1)
    agencies = params["agencies"]
    walls, py_cpu, pg_cpu, users = [], [], [], []
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url, settings))
        from tortoise.connection import get_connection

        client: Any = get_connection("default")
        async with client.acquire_connection() as raw:
            pid = await raw.fetchval("SELECT pg_backend_pid()")
        for n in range(1, runs + 1):
            agency = await client.execute_query_dict(
                "SELECT md5('a' || $1::text)::uuid AS id", [str(n * (agencies // runs))]
            )
            for attempt in range(2):
                # one connection in the pool's use (db_pool_min 1): the backend measured is it
                before_pg = _backend_cpu_ms(pid)
                before_py = time.process_time()
                t0 = time.perf_counter()
                report = await user_access_report(
                    agency_id=agency[0]["id"], quarter=quarter, thresholds=Thresholds(), tz=tz
                )
                wall = time.perf_counter() - t0
                if attempt:
                    walls.append(wall * 1000)
                    py_cpu.append((time.process_time() - before_py) * 1000)
                    pg_cpu.append(_backend_cpu_ms(pid) - before_pg)
                    users.append(len(report.rows))
            say(
                f"  agency {n}: {users[-1]} users, {walls[-1]:.0f} ms"
                f" (CPU: Python {py_cpu[-1]:.0f} ms, PostgreSQL {pg_cpu[-1]:.0f} ms)"
            )
        # The report's statement for the first agency, as the report sends it.
        agency_id = (
            await client.execute_query_dict(
                "SELECT md5('a' || $1::text)::uuid AS id", [str(agencies // runs)]
            )
        )[0]["id"]
        staff = [r["user_id"] for r in await client.execute_query_dict(_STAFF_SQL, [agency_id])]
        start, end = quarter.bounds(tz)
        earlier, _ = quarter.shifted(-4).bounds(tz)
        plan = await client.execute_query_dict(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + _REPORT_SQL,
            [agency_id, start, end, earlier, str(tz), staff],
        )
    return {
        "median_ms": round(statistics.median(walls), 1),
        "max_ms": round(max(walls), 1),
        "python_cpu_ms": round(statistics.median(py_cpu), 1),
        "postgres_cpu_ms": round(statistics.median(pg_cpu), 1),
        "agencies_timed": runs,
        "plan": "\n".join(r["QUERY PLAN"] for r in plan),
    }


async def compare_flat(url: str, params: dict[str, Any], runs: int, say: Any) -> dict[str, Any]:
    """The report's statement over the partitioned trail and over an unpartitioned copy of the
    months it reads (the layout before migration 0034, at the ten-million bench's size: December
    2024 to June 2026, with the same covering index), alternately in one run, on one backend;
    the medians of wall time and PostgreSQL CPU per report, and their ratios."""
    from services.access_reports import _REPORT_SQL, _STAFF_SQL, Quarter

    settings = Settings(env="test")
    tz = ZoneInfo(settings.timezone)
    quarter = Quarter(2026, 1)
    start, end = quarter.bounds(tz)
    earlier, _ = quarter.shifted(-4).bounds(tz)
    flat_sql = _REPORT_SQL.replace("FROM audit_event e", "FROM hearth_bench_audit_flat e")
    assert flat_sql != _REPORT_SQL
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT to_regclass('hearth_bench_audit_flat') IS NOT NULL"):
            say("  copying December 2024 to June 2026 into an unpartitioned table ...", flush=True)
            t0 = time.perf_counter()
            await conn.execute("SET maintenance_work_mem = '256MB'")
            await conn.execute(
                "CREATE TABLE hearth_bench_audit_flat AS SELECT * FROM audit_event"
                " WHERE occurred_at >= '2024-12-01 00:00+00' AND occurred_at < '2026-07-01 00:00+00'"
            )
            await conn.execute(
                "CREATE INDEX ON hearth_bench_audit_flat (actor_id, occurred_at)"
                " INCLUDE (agency_id, action, entity_type, client_id)"
            )
            await conn.execute("VACUUM (ANALYZE) hearth_bench_audit_flat")
            say(f"  done in {time.perf_counter() - t0:.0f} s")
        flat_rows = await conn.fetchval(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'hearth_bench_audit_flat'"
        )
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        figures: dict[str, dict[str, list[float]]] = {
            "partitioned": {"wall": [], "cpu": []},
            "flat": {"wall": [], "cpu": []},
        }
        for n in range(1, runs + 1):
            agency = await conn.fetchval(
                "SELECT md5('a' || $1::text)::uuid", str(n * (params["agencies"] // runs))
            )
            staff = [r["user_id"] for r in await conn.fetch(_STAFF_SQL, agency)]
            args = [agency, start, end, earlier, str(tz), staff]
            for attempt in range(3):
                for name, sql in (("partitioned", _REPORT_SQL), ("flat", flat_sql)):
                    before = _backend_cpu_ms(pid)
                    t0 = time.perf_counter()
                    await conn.fetch(sql, *args)
                    wall = (time.perf_counter() - t0) * 1000
                    if attempt:  # the first of each warms the caches
                        figures[name]["wall"].append(wall)
                        figures[name]["cpu"].append(_backend_cpu_ms(pid) - before)
    finally:
        await conn.close()
    out: dict[str, Any] = {"flat_rows": flat_rows}
    for name, f in figures.items():
        out[f"{name}_median_ms"] = round(statistics.median(f["wall"]), 1)
        out[f"{name}_cpu_ms"] = round(statistics.median(f["cpu"]), 1)
    out["wall_ratio"] = round(out["partitioned_median_ms"] / out["flat_median_ms"], 2)
    out["cpu_ratio"] = round(out["partitioned_cpu_ms"] / max(out["flat_cpu_ms"], 0.1), 2)
    say(
        f"  same run, the report's statement: partitioned {out['partitioned_median_ms']:.0f} ms"
        f" ({out['partitioned_cpu_ms']:.0f} ms CPU), unpartitioned {flat_rows:,} rows"
        f" {out['flat_median_ms']:.0f} ms ({out['flat_cpu_ms']:.0f} ms CPU):"
        f" ratio {out['wall_ratio']} (CPU {out['cpu_ratio']})"
    )
    return out


async def run(
    *,
    server: str,
    database: str,
    rows: int,
    months: int,
    runs: int,
    rebuild: bool,
    stop_after_rows: int | None,
    deadline: float | None,
    out: Path | None,
    compare: bool = False,
    quiet: bool = False,
) -> dict[str, Any]:
    say = (lambda *_, **__: None) if quiet else print
    url = urlunsplit(urlsplit(server)._replace(path=f"/{database}"))
    params = {
        "rows": rows,
        "months": months,
        "agencies": 200,
        "users": 2000,
        "per_agency": 10,
        "clients": 200_000,
    }
    built = await build(
        url,
        server,
        database,
        params,
        rebuild=rebuild,
        say=say,
        stop_after_rows=stop_after_rows,
        deadline=deadline,
    )
    conn = await asyncpg.connect(url)
    try:
        _, size = await _size(conn)
        partitions = await conn.fetchval(
            "SELECT count(*) FROM pg_partition_tree('audit_event') WHERE isleaf"
        )
    finally:
        await conn.close()
    say(
        f"audit trail: {built['rows']:,} rows in {built['months']} months"
        f" ({partitions} partitions, {size / 2**30:.1f} GiB with indexes;"
        f" generated in {built['seconds']:.0f} s)"
    )
    timing = await time_report(url, params, runs, say)
    if compare:
        timing["compare"] = await compare_flat(url, params, runs, say)
    result = {
        "rows": built["rows"],
        "months_generated": built["months"],
        "months_planned": months,
        "rows_planned": rows,
        "partitions": partitions,
        "bytes": size,
        "bytes_per_row": round(size / built["rows"]) if built["rows"] else None,
        "generate_s": round(built["seconds"], 1),
        **timing,
    }
    say(
        f"user access report (2026Q1) over {built['rows']:,} audit rows: median"
        f" {timing['median_ms']:.0f} ms, max {timing['max_ms']:.0f} ms; CPU per report: Python"
        f" {timing['python_cpu_ms']:.0f} ms, PostgreSQL {timing['postgres_cpu_ms']:.0f} ms"
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        stem = f"{out}-{round(built['rows'] / 1_000_000)}M"
        Path(stem + "-plan.txt").write_text(timing["plan"] + "\n")  # noqa: ASYNC240 (a bench)
        Path(stem + ".json").write_text(  # noqa: ASYNC240
            json.dumps({k: v for k, v in result.items() if k != "plan"}, indent=2) + "\n"
        )
        say(f"wrote {stem}.json and {stem}-plan.txt")
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="hearth_bench_audit")
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--months", type=int, default=150)
    parser.add_argument("--runs", type=int, default=5, help="agencies to time the report for")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--stop-after-rows", type=int, default=None, help="generate up to this many rows this run"
    )
    parser.add_argument(
        "--minutes", type=float, default=None, help="stop generating after this many minutes"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="write <out>-<N>M.json and -plan.txt"
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also time the report's statement over an unpartitioned copy of the months it reads",
    )
    args = parser.parse_args()
    await run(
        server=args.server,
        database=args.database,
        rows=args.rows,
        months=args.months,
        runs=args.runs,
        rebuild=args.rebuild,
        stop_after_rows=args.stop_after_rows,
        deadline=None if args.minutes is None else time.time() + args.minutes * 60,
        out=args.out,
        compare=args.compare,
    )


if __name__ == "__main__":
    asyncio.run(main())
