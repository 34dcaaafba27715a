"""The vendor sync alone, measured as ``make bench`` measures it (``make bench-sync``).

``make bench``'s "Vendor sync (syncUsers, batches of 100)" row, without the rest of the bench: a
small generated database of its own (the sync needs the vendor's service account, not 100,000
clients), the statements a batch of 100 and of 10 sends (captured on the wire, as
``bench.measure.capture_requests`` does), then one Hearth server (``uvicorn api.asgi:make_app``,
``HEARTH_WORKERS`` workers) driven at one connection with batches of 100 new users, ``--runs``
runs of ``--duration`` seconds (``--concurrency`` batches in flight: 1 as in ``make bench``),
CPU per batch by process (bench/cpu.py). ``--cprofile FILE``
then profiles ``--requests`` batches in process (``python -m pstats FILE``), with the CPU each
batch cost this process. Writes ``--out`` (json) when given::

    .venv/bin/python -m bench.sync --out bench/results/sync-after.json
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import itertools
import json
import os
import secrets
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from api.identity.tokens import load_signing_key
from api.settings import Settings
from bench import workload
from bench.measure import Scenario, capture_sync, figures, measure
from bench.seed import bench_server, ensure_seeded, hearth_data_dir
from bench.servers import Server, in_process_hearth, servers

DATABASE = "hearth_bench_sync"


async def _captured(url: str, summary: dict[str, Any]) -> tuple[dict[str, int], str]:
    local = Settings(audit_seal_seconds=0, scheduler_enabled=False)
    async with in_process_hearth(local, url) as app:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as http:
            vendor = await workload.service_token(
                http, summary["vendor"]["client_id"], summary["vendor"]["client_secret"]
            )
        counts = {
            f"batch of {size} new users": (await capture_sync(app, vendor, size)).count
            for size in (100, 10)
        }
    return counts, vendor


async def _profile(url: str, summary: dict[str, Any], requests: int, out: str) -> dict[str, Any]:
    """CPU of this process per batch of 100, in process (no HTTP server, no load generator),
    with cProfile on for the measured batches."""
    local = Settings(audit_seal_seconds=0, scheduler_enabled=False)
    tag = secrets.token_hex(3)
    profiler = cProfile.Profile()
    spent: list[float] = []
    async with in_process_hearth(local, url) as app:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as http:
            vendor = await workload.service_token(
                http, summary["vendor"]["client_id"], summary["vendor"]["client_secret"]
            )
            headers = {"authorization": f"Bearer {vendor}", "content-type": "application/json"}
            warm_up = 10
            for n in range(warm_up + requests):
                body = workload.sync_body(n, 100, tag)
                if n == warm_up:
                    gc.collect()
                if n >= warm_up and out:
                    profiler.enable()
                started = time.process_time()
                response = await http.post("/graphql", content=body, headers=headers)
                used = (time.process_time() - started) * 1000
                if n >= warm_up and out:
                    profiler.disable()
                if response.status_code != 200 or response.json().get("errors"):
                    raise RuntimeError(f"sync failed: {response.text[:300]}")
                if n >= warm_up:
                    spent.append(used)
    if out:
        profiler.dump_stats(out)
    return {
        "in_process_cpu_ms_median": round(statistics.median(spent), 2),
        "in_process_cpu_ms_mean": round(statistics.fmean(spent), 2),
        "requests": len(spent),
        "profiled": bool(out),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    workers = args.workers or os.cpu_count() or 1
    state = Path(args.state).resolve()  # noqa: ASYNC240 (a harness, not a server)
    with bench_server(settings) as bench_url:
        # its own database on the benchmark's server, unless HEARTH_BENCH_DATABASE_URL names one
        url = bench_url
        if not os.environ.get("HEARTH_BENCH_DATABASE_URL"):
            url = urlunsplit(urlsplit(bench_url)._replace(path=f"/{DATABASE}"))
        summary = await ensure_seeded(url, args.clients, args.seed, args.reseed, state)
        data_dir = hearth_data_dir(state)
        load_signing_key(None, data_dir)
        server_env = {
            "HEARTH_DATABASE_URL": url,
            "HEARTH_DATA_DIR": str(data_dir),
            "HEARTH_ENV": "development",
            "HEARTH_WORKERS": str(workers),
        }
        os.environ.update({k: v for k, v in server_env.items() if k != "HEARTH_WORKERS"})
        statements, _ = await _captured(url, summary)
        print(f"SQL statements per syncUsers: {statements}", flush=True)
        report: dict[str, Any] = {
            "label": args.label,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_before": [round(x, 2) for x in os.getloadavg()],
            "workers": workers,
            "concurrency": args.concurrency,
            "statements": statements,
        }
        if args.runs:
            database = urlsplit(url).path.lstrip("/") or None
            hearth = Server("hearth", "api.asgi:make_app", server_env, workers)
            targets = [hearth]
            if args.versus:  # another checkout's code, on the same database, runs interleaved
                targets.append(
                    Server(
                        "versus",
                        "api.asgi:make_app",
                        server_env,
                        workers,
                        root=Path(args.versus).resolve(),  # noqa: ASYNC240 (a harness)
                    )
                )
            tag = secrets.token_hex(3)
            batches = itertools.count()
            async with servers(targets, state / "sync-servers.log"):
                async with httpx.AsyncClient(base_url=hearth.url) as http:
                    vendor = await workload.service_token(
                        http, summary["vendor"]["client_id"], summary["vendor"]["client_secret"]
                    )
                auth = {"authorization": f"Bearer {vendor}"}
                scenario = Scenario(
                    "sync",
                    "Vendor sync (syncUsers, batches of 100)",
                    args.concurrency,
                    # new users in every batch of every run and target (n restarts each run)
                    lambda n: workload.sync_body(next(batches), 100, tag),
                    [(server.name, server, auth) for server in targets],
                    args.duration,
                    statements["batch of 100 new users"],
                )
                await measure(scenario, args.runs, min(args.warmup, 2.0), database)
            for server in targets:
                served = figures(scenario.results[server.name], scenario.cpu[server.name])
                served["users_per_s"] = round(served["rps"] * 100)
                report["served" if server is hearth else "versus"] = served
                print(
                    f"  {server.name}: {served['users_per_s']:,} users/s, CPU ms per batch: "
                    f"server {served.get('cpu_server_ms')} + PostgreSQL {served.get('cpu_db_ms')}"
                    f" (load generator {served.get('cpu_load_ms')})",
                    flush=True,
                )
            if args.versus:
                report["versus_root"] = args.versus
                ours, theirs = report["served"], report["versus"]
                report["ratios"] = {
                    "users_per_s": round(ours["rps"] / theirs["rps"], 2),
                    "cpu_server": round(ours["cpu_server_ms"] / theirs["cpu_server_ms"], 2),
                    "cpu_db": round(ours["cpu_db_ms"] / theirs["cpu_db_ms"], 2),
                }
                print(f"  this checkout / versus: {report['ratios']}", flush=True)
        if args.requests:
            report["in_process"] = await _profile(url, summary, args.requests, args.cprofile)
            print(f"  in process: {report['in_process']}", flush=True)
        report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return report


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("HEARTH_WORKERS", 0)))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--concurrency", type=int, default=1, help="batches in flight (make bench: 1)"
    )
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--requests", type=int, default=100, help="in-process batches (0: none)")
    parser.add_argument("--cprofile", metavar="FILE", default="")
    parser.add_argument(
        "--versus",
        metavar="DIR",
        help="another checkout (e.g. the commit before) served alongside, runs interleaved",
    )
    parser.add_argument("--state", default=".hearth/bench-sync")
    parser.add_argument("--label", default="sync")
    parser.add_argument("--out", default="", help="write the figures to this json file")
    args = parser.parse_args()
    report = asyncio.run(main(args))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
        print(f"written {args.out}")


if __name__ == "__main__":
    cli()
