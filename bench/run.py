"""``make bench``: Hearth under load against the bare stack and the database's own limit.

What it does, in order (docs/benchmarks.md has the settings and how to read the figures):

1. Finds or makes the benchmark database: ``HEARTH_BENCH_DATABASE_URL`` if set, else a database
   ``hearth_bench_load`` on the configured server (``HEARTH_DATABASE_URL``) or on the embedded
   PostgreSQL. It is seeded with the generator (``devdata``, ``--clients`` clients, seed
   ``--seed``) once and reused while it still holds that data set; ``--reseed`` drops it first.
   Never point it at real data: the bench adds a service account and vendor users.
2. Signs in as the generator's case manager (password + TOTP) through an in-process Hearth,
   and captures the SQL each benchmark query sends (asyncpg query logger): statements per
   request, and the plans the bare stack and the raw asyncpg ceiling replay.
3. Starts, on loopback, Hearth (``uvicorn api.asgi:make_app``), Hearth with the read audit off
   (``bench.hearth_app``, bench only), Hearth with row-level security off (the same factory with
   ``HEARTH_DB_ROW_SECURITY=false``) and the bare stack (``bench.bare``), each with the same
   worker count (``HEARTH_WORKERS``, default one per core), and drives them with
   ``bench.load`` (closed loop, bounded): a warm-up, then ``--runs`` runs of ``--duration``
   seconds per target, interleaved so that machine noise hits every target alike; each figure
   is the median of the runs.
4. Times the User Access Report (``bench.user_access_report``, ``--uar-rows`` audit rows in its
   own scratch database, generated once and reused) and the HUD CSV export (``bench.hud_csv``).
5. Writes ``bench/results/latest.json`` and ``bench/results/latest.md`` (``--out``) and prints
   the table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from api.identity.tokens import load_signing_key
from api.settings import Settings
from bench.jobs import batch_jobs
from bench.measure import capture_requests, cpu_figures, plans, raw_ceiling, run_scenarios
from bench.report import build_report, markdown
from bench.search_replay import FROZEN
from bench.search_replay import compare as compare_replays
from bench.search_replay import load as load_replay
from bench.seed import bench_server, ensure_seeded, hearth_data_dir
from bench.servers import ROOT

RESULTS = ROOT / "bench" / "results"


async def main(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    workers = args.workers or os.cpu_count() or 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    state = Path(args.state).resolve()  # noqa: ASYNC240 (a harness, not a server)
    state.mkdir(parents=True, exist_ok=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    with bench_server(settings) as url:
        summary = await ensure_seeded(url, args.clients, args.seed, args.reseed, state)
        data_dir = hearth_data_dir(state)
        load_signing_key(None, data_dir)  # one key, made before several workers race for it
        server_env = {
            "HEARTH_DATABASE_URL": url,
            "HEARTH_DATA_DIR": str(data_dir),
            "HEARTH_ENV": "development",
            "HEARTH_WORKERS": str(workers),
        }
        os.environ.update({k: v for k, v in server_env.items() if k != "HEARTH_WORKERS"})
        token, captured = await capture_requests(url, summary)
        search, record = captured["search"], captured["record"]
        plan_file = Path(tempfile.mkstemp(prefix="hearth-bench-plan-", suffix=".pickle")[1])
        plan_file.write_bytes(pickle.dumps(plans(search, record)))  # noqa: ASYNC240 (a harness, not a server)
        print(
            f"SQL statements per request: search {search.count} (page of 10: "
            f"{captured['search10'].count}), record {captured['record_served'].count} (graphql-core's "
            f"path: {record.count}), syncUsers of 100: "
            f"{captured['sync'].count} (of 10: {captured['sync10'].count})",
            flush=True,
        )
        try:
            scenarios = await run_scenarios(
                args, url, summary, token, captured, server_env, plan_file, state / "servers.log"
            )
        finally:
            plan_file.unlink(missing_ok=True)  # noqa: ASYNC240 (a harness, not a server)
        ceilings: dict[str, float] = {}
        ceiling_cpu: dict[str, dict[str, Any]] = {}
        for key, requests in (("search", search), ("record10", record)):
            measured = [
                await raw_ceiling(url, requests.reads(), 10, min(args.duration, 5.0))
                for _ in range(args.runs)
            ]
            ceilings[key] = statistics.median(rate for rate, _ in measured)
            ceiling_cpu[key] = cpu_figures([used for _, used in measured if used is not None])
        print(
            f"  raw asyncpg ceiling: search {ceilings['search']:.0f}/s, record {ceilings['record10']:.0f}/s",
            flush=True,
        )
        # The search page's SQL against the frozen replay of the statements before the count
        # that stops early (decision 185), both as hearth_app with the caller's settings.
        frozen = load_replay(FROZEN)
        replays = {}
        for key in ("search", "search10"):
            replays[key] = await compare_replays(
                url,
                {"frozen": frozen[key].reads(), "today": captured[key].reads()},
                10,
                min(args.duration, 5.0),
                args.runs if key == "search" else min(args.runs, 3),
            )
            print(
                f"  search replay ({key}): PostgreSQL ms/page frozen "
                f"{replays[key]['frozen']['cpu_db_ms']}, today {replays[key]['today']['cpu_db_ms']}"
                f" (ratio {replays[key].get('db_cpu_ratio')})",
                flush=True,
            )
        async with asyncpg.create_pool(url, min_size=1, max_size=1) as pool:
            postgres = await pool.fetchval("SHOW server_version")

    jobs = await batch_jobs(args, args.uar_server or urlunsplit(urlsplit(url)._replace(path="")))
    report = build_report(
        args, workers, summary, scenarios, ceilings, ceiling_cpu, captured, jobs, replays
    )
    report.update(
        postgres=postgres,
        load_before=load_before,
        load_after=[round(x, 2) for x in os.getloadavg()],
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        label=args.label,
    )
    return report


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clients", type=int, default=int(os.environ.get("HEARTH_BENCH_CLIENTS", 100_000))
    )
    parser.add_argument("--seed", type=int, default=int(os.environ.get("HEARTH_BENCH_SEED", 1)))
    parser.add_argument(
        "--reseed", action="store_true", help="drop and re-seed the benchmark database"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("HEARTH_WORKERS", 0)) or None,
        help="uvicorn workers per server (default HEARTH_WORKERS, else one per core)",
    )
    parser.add_argument("--runs", type=int, default=int(os.environ.get("HEARTH_BENCH_RUNS", 5)))
    parser.add_argument(
        "--duration", type=float, default=float(os.environ.get("HEARTH_BENCH_DURATION", 5))
    )
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--uar-rows",
        type=int,
        default=int(os.environ.get("HEARTH_BENCH_UAR_ROWS", 10_000_000)),
        help="audit rows for the User Access Report (generated once, then reused; 0 skips)",
    )
    parser.add_argument(
        "--hud-clients",
        type=int,
        default=int(os.environ.get("HEARTH_BENCH_HUD_CLIENTS", 100_000)),
        help="clients for the HUD CSV export (bench/hud_csv.py, its own scratch database; 0 skips)",
    )
    parser.add_argument(
        "--uar-server",
        default=None,
        help="PostgreSQL server for the report's and the export's scratch databases",
    )
    parser.add_argument("--uar-database", default="hearth_bench")
    parser.add_argument("--state", default=os.environ.get("HEARTH_BENCH_STATE", ".hearth/bench"))
    parser.add_argument(
        "--out", default=str(RESULTS / "latest"), help="results path without extension"
    )
    parser.add_argument("--label", default="latest")
    return parser.parse_args(argv)


def cli() -> None:
    args = parse()
    started = time.perf_counter()
    report = asyncio.run(main(args))
    report["seconds"] = round(time.perf_counter() - started, 1)
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    table = markdown(report)
    out.with_suffix(".md").write_text(table)
    print()
    print(table)
    print(
        f"written {out.with_suffix('.json')} and {out.with_suffix('.md')} in {report['seconds']:.0f} s"
    )


if __name__ == "__main__":
    cli()
