"""The read audit's share of a request, before and after a change of the audit, in one run.

``make bench`` measures the read audit's cost as Hearth against ``bench.hearth_app`` (the read
audit off), the search page only. This script measures that share for the search page and the
single record, for this checkout's code and for another checkout's (``--base``, a git worktree
of the commit before the change), all four servers on one database in the same interleaved
runs: so the before and after figures share the machine's state (issue 20 goal 3; decision 192).

    PYTHONPATH=$PWD python -m bench.audit_share --database-url postgres://.../hearth_bench_x \\
        --data-dir .hearth/bench/hearth-data --summary .hearth/bench/seed-hearth_bench_load.json \\
        --base ../hearth-before --out bench/results/audit-per-client

The database must be migrated to this checkout's schema (the older code must run on it: a
change that only adds nullable columns allows that). Bench only: it signs in as the seed's case
manager and writes audit rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx

from api.identity.tokens import load_signing_key
from bench import servers as servers_module
from bench import workload
from bench.measure import Scenario, figures, measure
from bench.servers import ROOT, Server, servers


class _At(Server):
    """A server run from another checkout (its code first on the path)."""

    root: Path = ROOT

    def start(self, log: Path) -> None:
        saved = servers_module.ROOT
        servers_module.ROOT = self.root
        try:
            super().start(log)
        finally:
            servers_module.ROOT = saved


def _server(name: str, factory: str, env: dict[str, str], workers: int, root: Path) -> Server:
    server = _At(name, factory, env, workers)
    server.root = root
    return server


async def _rows_per_request(url: str, server: Server, body: bytes, headers: dict[str, str]) -> int:
    """Audit rows one request writes (the trail's numbering before and after it)."""
    conn = await asyncpg.connect(url)
    try:
        before = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM audit_event")
        async with httpx.AsyncClient(base_url=server.url) as http:
            response = await http.post(
                "/graphql", content=body, headers={"content-type": "application/json", **headers}
            )
            response.raise_for_status()
            if response.json().get("errors"):
                raise RuntimeError(f"{server.name}: {response.json()['errors']}")
        return int(await conn.fetchval("SELECT count(*) FROM audit_event WHERE seq > $1", before))
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    url = args.database_url
    summary, data_dir, base = args.summary_data, args.data_dir_path, args.base_path
    load_signing_key(None, data_dir)
    env = {
        "HEARTH_DATABASE_URL": url,
        "HEARTH_DATA_DIR": str(data_dir),
        "HEARTH_ENV": "development",
        # four servers on a shared PostgreSQL: a bounded pool per worker (enough for 10
        # concurrent requests over the workers)
        "HEARTH_DB_POOL_MAX": str(args.pool_max),
    }
    os.environ.update(env)
    workers = args.workers
    on = _server("after", "api.asgi:make_app", env, workers, ROOT)
    off = _server("after-audit-off", "bench.hearth_app:make_app_without_audit", env, workers, ROOT)
    base_on = _server("before", "api.asgi:make_app", env, workers, base)
    base_off = _server(
        "before-audit-off", "bench.hearth_app:make_app_without_audit", env, workers, base
    )
    database = urlsplit(url).path.lstrip("/") or None
    log = Path(tempfile.mkstemp(prefix="hearth-audit-share-", suffix=".log")[1])
    manager = summary["users"]["case_manager"]
    search = workload.search_body(summary["search_name"], 50)
    record = workload.record_body(summary["record_id"])
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "workers": workers,
        "runs": args.runs,
        "duration_s": args.duration,
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "scenarios": {},
    }
    async with servers([on, off, base_on, base_off], log):
        async with httpx.AsyncClient(base_url=on.url) as http:
            token = await workload.sign_in(
                http, manager["username"], manager["password"], manager["totp_secret"]
            )
        auth = {"authorization": f"Bearer {token}"}
        targets = [(s.name, s, auth) for s in (on, off, base_on, base_off)]
        result["audit_rows_per_request"] = {
            key: {
                "after": await _rows_per_request(url, on, body, auth),
                "before": await _rows_per_request(url, base_on, body, auth),
            }
            for key, body in (("search", search), ("record", record))
        }
        scenarios = [
            Scenario(
                "search",
                "Client search page (50, with enrollments)",
                10,
                lambda n: search,
                targets,
                args.duration,
            ),
            Scenario("record10", "Single record", 10, lambda n: record, targets, args.duration),
        ]
        for scenario in scenarios:
            await measure(scenario, args.runs, args.warmup, database)
            measured = {
                name: figures(scenario.results[name], scenario.cpu.get(name))
                for name, _, _ in targets
            }
            shares = {}
            for code in ("before", "after"):
                a, b = measured[code], measured[f"{code}-audit-off"]
                cpu_on = (a.get("cpu_server_ms") or 0) + (a.get("cpu_db_ms") or 0)
                cpu_off = (b.get("cpu_server_ms") or 0) + (b.get("cpu_db_ms") or 0)
                shares[code] = {
                    "throughput": round(1 - a["rps"] / b["rps"], 3),
                    "cpu": round(1 - cpu_off / cpu_on, 3) if cpu_on else None,
                    "cpu_server": round(1 - b["cpu_server_ms"] / a["cpu_server_ms"], 3)
                    if a.get("cpu_server_ms") and b.get("cpu_server_ms")
                    else None,
                    "cpu_db": round(1 - b["cpu_db_ms"] / a["cpu_db_ms"], 3)
                    if a.get("cpu_db_ms")
                    else None,
                }
            result["scenarios"][scenario.key] = {
                "title": scenario.title,
                "concurrency": scenario.concurrency,
                "targets": measured,
                "audit_share": shares,
            }
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# Read audit share, before and after one row per client ({result['when']})",
        "",
        f"Database `{result['database']}`, {result['workers']} workers per server, "
        f"{result['runs']} interleaved runs of {result['duration_s']} s per target (medians); "
        f"load average {result['load_before']} before, {result['load_after']} after.",
        "",
        "| workload | code | audit on req/s | audit off req/s | CPU ms/req on (server + db) "
        "| off | share by throughput | share by CPU |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in result["scenarios"].values():
        for code in ("before", "after"):
            a, b = s["targets"][code], s["targets"][f"{code}-audit-off"]
            share = s["audit_share"][code]
            lines.append(
                f"| {s['title']} @{s['concurrency']} | {code} | {a['rps']} | {b['rps']} "
                f"| {a.get('cpu_server_ms')} + {a.get('cpu_db_ms')} "
                f"| {b.get('cpu_server_ms')} + {b.get('cpu_db_ms')} "
                f"| {share['throughput']} | {share['cpu']} |"
            )
    lines += ["", "Audit rows per request:", ""]
    for key, counts in result["audit_rows_per_request"].items():
        lines.append(f"- {key}: before {counts['before']}, after {counts['after']}")
    return "\n".join(lines) + "\n"


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--summary", required=True)
    parser.add_argument("--base", required=True, help="a checkout of the code before the change")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool-max", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--out", required=True, help="path without suffix (.json and .md)")
    args = parser.parse_args()
    args.summary_data = json.loads(Path(args.summary).read_text())
    args.data_dir_path = Path(args.data_dir).resolve()
    args.base_path = Path(args.base).resolve()
    result = asyncio.run(main(args))
    out = Path(args.out)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    cli()
