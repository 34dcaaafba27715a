"""Measuring: the SQL each request sends (captured in process), closed-loop load on each target
in interleaved runs (with CPU per request by process), the raw asyncpg ceiling of the same SQL,
and the plans the bare stack replays."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import asyncpg
import httpx

from api.settings import Settings
from bench import cpu, workload
from bench.load import LoadResult, drive
from bench.servers import Server, in_process_hearth, servers

__all__ = [
    "Scenario",
    "capture_requests",
    "capture_sync",
    "cpu_figures",
    "figures",
    "measure",
    "plans",
    "raw_ceiling",
    "run_scenarios",
]


@dataclass
class Scenario:
    key: str
    title: str
    concurrency: int
    body: Callable[[int], bytes]
    targets: list[tuple[str, Server, dict[str, str]]]  # (target name, its server, headers)
    duration: float
    statements: int | None = None
    results: dict[str, list[LoadResult]] = field(default_factory=dict)
    cpu: dict[str, list[cpu.CpuCost]] = field(default_factory=dict)  # per run, when /proc tells


async def measure(
    scenario: Scenario, runs: int, warmup: float, database: str | None = None
) -> None:
    """A warm-up per target, then ``runs`` rounds in which every target gets one run; each run's
    CPU per request by process (bench/cpu.py; PostgreSQL's for ``database``) is kept with it."""
    for name, server, headers in scenario.targets:
        await drive(
            f"{server.url}/graphql",
            scenario.body,
            headers=headers,
            concurrency=scenario.concurrency,
            duration=warmup,
        )
        scenario.results[name] = []
        scenario.cpu[name] = []
    for _ in range(runs):
        for name, server, headers in scenario.targets:
            group = server.process.pid if server.process else None
            before = cpu.snapshot([group] if group else [], database)
            result = await drive(
                f"{server.url}/graphql",
                scenario.body,
                headers=headers,
                concurrency=scenario.concurrency,
                duration=scenario.duration,
            )
            after = cpu.snapshot([group] if group else [], database)
            used = cpu.cost(before, after, result.requests, group)
            scenario.results[name].append(result)
            if used is not None:
                scenario.cpu[name].append(used)
            if result.first_error:
                print(
                    f"    {scenario.key}/{name}: {result.errors} errors, first: {result.first_error}",
                    flush=True,
                )
        summary = ", ".join(f"{n} {r[-1].rps:.0f}/s" for n, r in scenario.results.items())
        print(f"  {scenario.title} @{scenario.concurrency}: {summary}", flush=True)


def figures(results: list[LoadResult], costs: list[cpu.CpuCost] | None = None) -> dict[str, Any]:
    figures_: dict[str, Any] = {
        "rps": round(statistics.median(r.rps for r in results), 1),
        "p50_ms": round(statistics.median(r.p50 for r in results), 2),
        "p99_ms": round(statistics.median(r.p99 for r in results), 2),
        "errors": sum(r.errors for r in results),
        "requests": sum(r.requests for r in results),
        "runs": [round(r.rps, 1) for r in results],
    }
    figures_.update(cpu_figures(costs or []))
    return figures_


def cpu_figures(costs: list[cpu.CpuCost]) -> dict[str, Any]:
    """Median CPU ms per request of the runs: the server, PostgreSQL, the load generator."""
    if not costs:
        return {}
    servers = [c.server for c in costs if c.server is not None]
    return {
        "cpu_server_ms": round(statistics.median(servers), 2) if servers else None,
        "cpu_db_ms": round(statistics.median(c.database for c in costs), 2),
        "cpu_load_ms": round(statistics.median(c.load for c in costs), 2),
    }


async def raw_ceiling(
    url: str, statements: list[workload.Statement], concurrency: int, duration: float
) -> tuple[float, cpu.CpuCost | None]:
    """Requests per second when each request is just ``statements``, sent with raw asyncpg on
    one pooled connection per request, at ``concurrency``; and the CPU per request of PostgreSQL
    and of this process (the client)."""
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    database = urlsplit(url).path.lstrip("/") or None
    done = 0
    try:
        before = cpu.snapshot(database=database)
        deadline = time.perf_counter() + duration
        start = time.perf_counter()

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                async with pool.acquire() as conn:
                    for s in statements:
                        await conn.fetch(s.sql, *s.args)
                done += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rate = done / (time.perf_counter() - start)
        # before the pool's backends end
        return rate, cpu.cost(before, cpu.snapshot(database=database), done)
    finally:
        await pool.close()


async def capture_requests(
    url: str, summary: dict[str, Any]
) -> tuple[str, dict[str, workload.Captured]]:
    """Sign in as the generated case manager through an in-process Hearth and capture the SQL
    of each benchmark request: the case manager's token and the statements by request."""
    manager = summary["users"]["case_manager"]
    # No sealer or scheduler in the capturing app: their statements would be counted as the
    # request's when they ran during a capture.
    local = Settings(audit_seal_seconds=0, scheduler_enabled=False)
    async with in_process_hearth(local, url) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            token = await workload.sign_in(
                http, manager["username"], manager["password"], manager["totp_secret"]
            )
            vendor = await workload.service_token(
                http, summary["vendor"]["client_id"], summary["vendor"]["client_secret"]
            )
        captured = {
            "search": await workload.capture(
                app, token, workload.search_body(summary["search_name"], 50)
            ),
            "search10": await workload.capture(
                app, token, workload.search_body(summary["search_name"], 10)
            ),
            # the page asking the exact total (decision 185), for bench/search_replay.py
            "search_exact": await workload.capture(
                app, token, workload.search_body(summary["search_name"], 50, exact=True)
            ),
            # graphql-core's path (decision 208): the bare stack and the raw ceiling replay the
            # record's statements table by table, as the ceiling was measured before the plan
            "record": await _ordinary(
                workload.capture(app, token, workload.record_body(summary["record_id"]))
            ),
            # what Hearth sends for it, through the compiled path (the table's statement count)
            "record_served": await workload.capture(
                app, token, workload.record_body(summary["record_id"])
            ),
            "sync": await capture_sync(app, vendor, 100),
            "sync10": await capture_sync(app, vendor, 10),
        }
    return token, captured


async def capture_sync(app: Any, vendor: str, size: int) -> workload.Captured:
    """The statements of a batch of ``size`` new users (warmed up by another such batch)."""
    tag = f"cap{secrets.token_hex(3)}"
    return await workload.capture(
        app, vendor, workload.sync_body(1, size, tag), warm=workload.sync_body(0, size, tag)
    )


async def _ordinary(capture: Any) -> workload.Captured:
    """The capture with the compiled path off (``schema.compiled``: no plan is found)."""
    import schema.compiled

    with mock.patch.object(schema.compiled, "_plan_for", return_value=None):
        captured: workload.Captured = await capture
    return captured


def plans(search: workload.Captured, record: workload.Captured) -> dict[str, Any]:
    """What the bare stack replays: the data statements Hearth sent, by what they load; and the
    caller's row-security settings the session held for them (``settings``), which the bare
    stack gives each of its connections once: the name search's function finds the clients
    the settings let through (decision 97)."""

    def by_role(captured: workload.Captured, *, page: bool) -> dict[str, tuple[Any, ...]]:
        plan: dict[str, tuple[Any, ...]] = {}
        for s in captured.data():
            role = s.table or ""
            if role == "client":
                # a separate count (pages after the first), or the page (with its total)
                role = (
                    ("count" if s.sql.upper().startswith("SELECT COUNT(") else "page")
                    if page
                    else "client"
                )
            plan[role] = (s.sql, *s.args)  # the last one: the resolver's, after access_for's
        return plan

    search_plan, record_plan = by_role(search, page=True), by_role(record, page=False)
    for plan, captured in ((search_plan, search), (record_plan, record)):
        held = captured.settings_at("client")
        if held is not None:
            plan["settings"] = (held.sql, *held.args)
    missing = {"page", "enrollment"} - set(search_plan) | {
        "client",
        "enrollment",
        "release_of_information",
        "case_note",
    } - set(record_plan)
    if missing:
        raise RuntimeError(f"could not find Hearth's data statements for {sorted(missing)}")
    return {"search": search_plan, "record": record_plan}


async def run_scenarios(
    args: argparse.Namespace,
    url: str,
    summary: dict[str, Any],
    token: str,
    captured: dict[str, workload.Captured],
    server_env: dict[str, str],
    plan_file: Path,
    log: Path,
) -> list[Scenario]:
    """Start Hearth, Hearth with the read audit off, Hearth with row-level security off and the
    bare stack, and drive each scenario against them."""
    workers = int(server_env["HEARTH_WORKERS"])
    database = urlsplit(url).path.lstrip("/") or None  # PostgreSQL's CPU: this database's
    hearth = Server("hearth", "api.asgi:make_app", server_env, workers)
    no_audit = Server(
        "hearth-audit-off", "bench.hearth_app:make_app_without_audit", server_env, workers
    )
    # The same app whose sessions do not take the role hearth_app, which the policies bind
    # (decision 97); it still sends the caller's settings, which the name search reads.
    no_rls = Server(
        "hearth-rls-off",
        "api.asgi:make_app",
        {**server_env, "HEARTH_DB_ROW_SECURITY": "false"},
        workers,
    )
    bare = Server(
        "bare",
        "bench.bare:make_app",
        {
            **server_env,
            "HEARTH_BENCH_PLAN": str(plan_file),
            "HEARTH_BENCH_DATABASE_URL": url,
            # Hearth's per-worker pool
            "HEARTH_DB_POOL_MAX": str(Settings(workers=workers).pool_max),
        },
        workers,
    )
    auth = {"authorization": f"Bearer {token}"}
    search_body = workload.search_body(summary["search_name"], 50)
    record_body = workload.record_body(summary["record_id"])
    tag = secrets.token_hex(3)
    d = args.duration
    record_title = "Single record (enrollments, releases, notes)"
    async with servers([hearth, no_audit, no_rls, bare], log):
        scenarios = [
            Scenario(
                "search",
                "Client search page (50, with enrollments)",
                10,
                lambda n: search_body,
                [
                    ("hearth", hearth, auth),
                    ("hearth-audit-off", no_audit, auth),
                    ("hearth-rls-off", no_rls, auth),
                    ("bare", bare, {}),
                ],
                d,
                captured["search"].count,
            ),
            Scenario(
                "record1",
                record_title,
                1,
                lambda n: record_body,
                [("hearth", hearth, auth), ("hearth-rls-off", no_rls, auth), ("bare", bare, {})],
                d,
                captured["record_served"].count,
            ),
            Scenario(
                "record10",
                record_title,
                10,
                lambda n: record_body,
                [
                    ("hearth", hearth, auth),
                    ("hearth-audit-off", no_audit, auth),
                    ("hearth-rls-off", no_rls, auth),
                    ("bare", bare, {}),
                ],
                d,
                captured["record_served"].count,
            ),
        ]
        for scenario in scenarios:
            await measure(scenario, args.runs, args.warmup, database)
        async with httpx.AsyncClient(base_url=hearth.url) as http:
            vendor = await workload.service_token(
                http, summary["vendor"]["client_id"], summary["vendor"]["client_secret"]
            )
        # New users in every batch: ``n`` restarts with each run, and a batch sent again would
        # be an unchanged re-sync (what the runs after the first measured until decision 183).
        # One batch in flight (a sync job that waits for each answer) and two (a job that sends
        # the next batch while the last one is answered: each batch is its own transaction).
        batches = itertools.count()
        for key, in_flight in (("sync", 1), ("sync2", 2)):
            sync = Scenario(
                key,
                "Vendor sync (syncUsers, batches of 100)",
                in_flight,
                lambda n: workload.sync_body(next(batches), 100, tag),
                [("hearth", hearth, {"authorization": f"Bearer {vendor}"})],
                d,
                captured["sync"].count,
            )
            await measure(sync, args.runs, min(args.warmup, 2.0), database)
            scenarios.append(sync)
    return scenarios
