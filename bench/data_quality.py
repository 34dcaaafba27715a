"""Benchmark: the statewide HUD data quality report (policies 301, 302) over an existing database.

Times ``services.reports.data_quality.compute_report`` over every project of the database (the
statewide scope) for the year before the generator's anchor date, on a database seeded by
``hearth seed``'s generator (``bench.hud_csv --steps seed``: 100,000 clients in
``hearth_bench_hud_100000``). It only reads: every statement runs in one transaction that is
rolled back. A database migrated before 0028_data_quality has no ``client.ssn_valid``; then a
temporary view of the client table with that column null stands in for it inside the
transaction (the SSN validity cells read 0, the timing is the same statement's)::

    .venv/bin/python -m bench.data_quality --server postgres://postgres@127.0.0.1:5432 \\
        --database hearth_bench_hud_100000

``make bench`` runs it (through :func:`run`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from api.db import tortoise_config
from api.settings import Settings


class _RolledBack(Exception):
    """Leaves the read-only transaction."""


async def run(server: str, database: str, *, runs: int = 3, quiet: bool = False) -> dict[str, Any]:
    """Time the statewide report ``runs`` times over ``database`` on ``server``; the figures."""
    from tortoise.connection import get_connection
    from tortoise.context import TortoiseContext
    from tortoise.transactions import in_transaction

    from models.governance import Project
    from services.reports.data_quality import compute_report

    say = (lambda *_, **__: None) if quiet else print
    url = urlunsplit(urlsplit(server)._replace(path=f"/{database}"))
    result: dict[str, Any] = {}
    async with TortoiseContext() as ctx:
        # as the API runs it: the app role, under row-level security (system mode for counts)
        await ctx.init(config=tortoise_config(url, Settings(env="test"), app=True))
        conn = get_connection("default")
        anchor = date.today()
        if await _has_table(conn, "hearth_bench_seed"):
            _, seeded = await conn.execute_query("SELECT anchor FROM hearth_bench_seed LIMIT 1")
            anchor = seeded[0]["anchor"]
        end = anchor - timedelta(days=1)
        start = end.replace(year=end.year - 1) + timedelta(days=1)
        projects = list(await Project.all().values_list("id", flat=True))
        _, counted = await conn.execute_query("SELECT count(*) AS n FROM client")
        clients = int(counted[0]["n"])
        times: list[float] = []
        try:
            async with in_transaction() as tx:
                _, has = await tx.execute_query(
                    "SELECT 1 FROM information_schema.columns "
                    "WHERE table_name = 'client' AND column_name = 'ssn_valid'"
                )
                stand_in = not has
                if stand_in:
                    await tx.execute_script(
                        "CREATE TEMPORARY VIEW client AS "
                        "SELECT *, NULL::boolean AS ssn_valid FROM public.client"
                    )
                for n in range(runs):
                    t0 = time.perf_counter()
                    report = await compute_report(projects, start, end, end)  # type: ignore[arg-type]
                    times.append(time.perf_counter() - t0)
                    say(f"  run {n + 1}: {times[-1]:.2f} s")
                result = {
                    "clients": clients,
                    "projects": len(projects),
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "persons": report.count("Q1.persons"),
                    "cells": len(report.cells),
                    "ssn_valid_stand_in": stand_in,
                    "median_s": round(statistics.median(times), 2),
                    "max_s": round(max(times), 2),
                    "runs": runs,
                }
                raise _RolledBack
        except _RolledBack:
            pass
    say(
        f"statewide data quality report over {clients:,} clients ({result['persons']:,} in the "
        f"period): median {result['median_s']} s, max {result['max_s']} s ({runs} runs)"
    )
    return result


async def _has_table(conn: Any, name: str) -> bool:
    _, rows = await conn.execute_query("SELECT to_regclass($1) IS NOT NULL AS found", [name])
    return bool(rows[0]["found"])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="hearth_bench_hud_100000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(await run(args.server, args.database, runs=args.runs)))


if __name__ == "__main__":
    asyncio.run(main())
