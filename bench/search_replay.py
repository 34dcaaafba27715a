"""The search page's SQL, frozen and replayed (issue 20 goal 2).

``capture`` runs the benchmark's search requests (``bench.workload.SEARCH``: pages of 50 and of 10
clients, name prefix ``search_name``) once through an in-process Hearth on a copy of the benchmark
database, and writes every statement they sent, in order, with its arguments, to a JSON file
(``bench/replay/search-<label>.json``). The file for the statements of 7 December 2026, before the
count that stops early (decision 185), is ``bench/replay/search-before.json``: it is kept as it was
captured, so that later benchmarks compare the search of the day with that one, on the same data,
in the same run.

``replay`` sends a file's read statements (the row-security settings of the caller included, as
Hearth's connection sends them) with raw asyncpg, on a pool whose sessions take the role
``hearth_app`` like the API's (the policies of migration 0013 bind them), one pooled connection per
page, at a given concurrency, and returns pages per second and the CPU per page of PostgreSQL
(``bench.cpu``: this database's backends and the server's own processes) and of the client.

``python -m bench.search_replay capture --url URL --label LABEL`` (writes; the database must be a
scratch copy: the sign-in and the read audit write rows), ``python -m bench.search_replay compare
--url URL before after`` (reads only: the replays are SELECTs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import asyncpg

from bench import cpu, workload

__all__ = ["APP_ROLE", "FROZEN", "REPLAY", "compare", "dump", "load", "replay"]

REPLAY = Path(__file__).resolve().parent / "replay"
APP_ROLE = "hearth_app"
# The search page's statements before decision 185, as captured on 7 December 2026.
FROZEN = REPLAY / "search-before.json"


def _encode(value: Any) -> Any:
    if isinstance(value, UUID):
        return {"uuid": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        ((kind, text),) = value.items()
        return {
            "uuid": UUID,
            "datetime": datetime.fromisoformat,
            "date": date.fromisoformat,
            "decimal": Decimal,
        }[kind](text)
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dump(captured: dict[str, workload.Captured], meta: dict[str, Any]) -> dict[str, Any]:
    """The captured requests as JSON (arguments tagged with their types)."""
    return {
        **meta,
        "requests": {
            key: [{"sql": s.sql, "args": [_encode(a) for a in s.args]} for s in c.statements]
            for key, c in captured.items()
        },
    }


def load(path: Path) -> dict[str, workload.Captured]:
    data = json.loads(path.read_text())
    return {
        key: workload.Captured(
            [workload.Statement(s["sql"], tuple(_decode(a) for a in s["args"])) for s in statements]
        )
        for key, statements in data["requests"].items()
    }


async def replay(
    url: str,
    statements: list[workload.Statement],
    concurrency: int,
    duration: float,
) -> tuple[float, cpu.CpuCost | None, list[float]]:
    """Pages per second sending ``statements`` (reads only) as ``hearth_app`` with raw asyncpg,
    one pooled connection per page at ``concurrency``; the CPU per page, and each page's
    latency in ms."""
    pool = await asyncpg.create_pool(
        url, min_size=concurrency, max_size=concurrency, server_settings={"role": APP_ROLE}
    )
    database = urlsplit(url).path.lstrip("/") or None
    latencies: list[float] = []
    try:
        async with pool.acquire() as conn:  # prepared once per connection before timing
            for s in statements:
                await conn.fetch(s.sql, *s.args)
        before = cpu.snapshot(database=database)
        deadline = time.perf_counter() + duration
        start = time.perf_counter()

        async def worker() -> None:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                async with pool.acquire() as conn:
                    for s in statements:
                        await conn.fetch(s.sql, *s.args)
                latencies.append((time.perf_counter() - began) * 1000)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rate = len(latencies) / (time.perf_counter() - start)
        return rate, cpu.cost(before, cpu.snapshot(database=database), len(latencies)), latencies
    finally:
        await pool.close()


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


async def compare(
    url: str,
    requests: dict[str, list[workload.Statement]],
    concurrency: int,
    duration: float,
    runs: int,
) -> dict[str, Any]:
    """Interleaved replays of each named list of read statements: the median of ``runs``
    each; with two, ``db_cpu_ratio`` is the second's PostgreSQL CPU per page over the first's."""
    measured: dict[str, list[tuple[float, cpu.CpuCost | None, list[float]]]] = {
        name: [] for name in requests
    }
    for _ in range(runs):
        for name, statements in requests.items():
            measured[name].append(await replay(url, statements, concurrency, duration))
    out: dict[str, Any] = {}
    for name, results in measured.items():
        costs = [c for _, c, _ in results if c is not None]
        out[name] = {
            "pages_per_s": round(statistics.median(r for r, _, _ in results), 1),
            "p99_ms": round(statistics.median(_p99(lat) for _, _, lat in results), 1),
            "cpu_db_ms": round(statistics.median(c.database for c in costs), 2) if costs else None,
            "cpu_client_ms": round(statistics.median(c.load for c in costs), 2) if costs else None,
            "statements": len(requests[name]),
            "runs_db_ms": [c.database for c in costs],
        }
    names = list(requests)
    if len(names) == 2 and out[names[0]]["cpu_db_ms"] and out[names[1]]["cpu_db_ms"]:
        out["db_cpu_ratio"] = round(out[names[1]]["cpu_db_ms"] / out[names[0]]["cpu_db_ms"], 3)
    return out


async def _capture(url: str, label: str) -> Path:
    from api.identity.tokens import load_signing_key
    from bench.measure import capture_requests
    from bench.seed import hearth_data_dir

    state = Path(os.environ.get("HEARTH_BENCH_STATE", ".hearth/bench")).resolve()  # noqa: ASYNC240 (a harness)
    summary = json.loads((state / "seed-hearth_bench_load.json").read_text())
    data_dir = hearth_data_dir(state)
    load_signing_key(None, data_dir)
    os.environ.update(
        HEARTH_DATABASE_URL=url, HEARTH_DATA_DIR=str(data_dir), HEARTH_ENV="development"
    )
    _, captured = await capture_requests(url, summary)
    REPLAY.mkdir(exist_ok=True)
    out = REPLAY / f"search-{label}.json"
    meta = {
        "label": label,
        "captured_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "search_name": summary["search_name"],
        "seed": summary["seed"],
        "clients": summary["clients"],
        "query": workload.SEARCH,
    }
    keep = {k: captured[k] for k in ("search", "search10", "search_exact")}
    out.write_text(json.dumps(dump(keep, meta), indent=1) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cap = sub.add_parser("capture")
    cap.add_argument("--url", required=True)
    cap.add_argument("--label", required=True)
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("--url", required=True)
    cmp_.add_argument("--key", default="search")
    cmp_.add_argument("--concurrency", type=int, default=10)
    cmp_.add_argument("--duration", type=float, default=5.0)
    cmp_.add_argument("--runs", type=int, default=3)
    cmp_.add_argument("labels", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "capture":
        print(asyncio.run(_capture(args.url, args.label)))
        return
    requests = {
        label: load(REPLAY / f"search-{label}.json")[args.key].reads() for label in args.labels
    }
    result = asyncio.run(compare(args.url, requests, args.concurrency, args.duration, args.runs))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
