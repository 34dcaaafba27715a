"""``make bench``: Hearth under load against the bare stack and the database's own limit.

What it does, in order (README "Benchmarks" has the figures and the settings):

1. Finds or makes the benchmark database: ``HEARTH_BENCH_DATABASE_URL`` if set, else a database
   ``hearth_bench_load`` on the configured server (``HEARTH_DATABASE_URL``) or on the embedded
   PostgreSQL. It is seeded with the generator (``devdata``, ``--clients`` clients, seed
   ``--seed``) once and reused while it still holds that data set; ``--reseed`` drops it first.
   Never point it at real data: the bench adds a service account and vendor users.
2. Signs in as the generator's case manager (password + TOTP) through an in-process Hearth,
   and captures the SQL each benchmark query sends (asyncpg query logger): statements per
   request, and the plans the bare stack and the raw asyncpg ceiling replay.
3. Starts, on loopback, Hearth (``uvicorn api.asgi:make_app``), Hearth with the read audit off
   (``bench.hearth_app``, bench only) and the bare stack (``bench.bare``), each with the same
   worker count (``HEARTH_WORKERS``, default one per core), and drives them with
   ``bench.load`` (closed loop, bounded): a warm-up, then ``--runs`` runs of ``--duration``
   seconds per target, interleaved so that machine noise hits every target alike; each figure
   is the median of the runs.
4. Times the User Access Report (``bench.user_access_report``, ``--uar-rows`` audit rows in its
   own scratch database, generated once and reused) and the HUD CSV export (``bench.hud_csv``).
5. Writes ``bench/results/latest.json`` and ``bench/results/latest.md`` and prints the table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pickle
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

from api.db import embedded_postgres, to_tortoise_url, tortoise_config
from api.dbmigrate import apply_migrations
from api.identity.tokens import load_signing_key
from api.serving import HTTP_PROTOCOL
from api.settings import Settings
from bench import cpu, workload
from bench.load import LoadResult, drive

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCH_DATABASE = "hearth_bench_load"
HOST = "127.0.0.1"
FLOOR, GOAL, AUDIT_BUDGET = 0.8, 1.5, 0.15


# ------------------------------------------------------------------------------ database


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
                await apply_migrations(tortoise_config(url, Settings(env="test")))  # new indexes
                return summary
        print(f"seeding {name} with {clients:,} clients (seed {seed}) ...", flush=True)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await apply_migrations(tortoise_config(url, Settings(env="test")))
    from devdata import generate_at

    started = time.perf_counter()
    generated = await generate_at(url, clients=clients, seed=seed, anchor=datetime.now(UTC).date())
    summary = _summary(generated)
    summary.update(clients=clients, seed=seed, seconds=round(time.perf_counter() - started, 1))
    summary.update(await _bench_fixtures(url, summary))
    state.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a harness, not a server)
    marker.write_text(json.dumps(summary, indent=1, default=str))
    marker.chmod(0o600)  # holds the generated users' sign-in secrets
    return summary


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


# ------------------------------------------------------------------------------ servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    factory: str
    env: dict[str, str]
    workers: int
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, log: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.factory,
            "--factory",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--http",
            HTTP_PROTOCOL,  # the same server layer for all
        ]
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def ready(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline:
                if self.process and self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited ({self.process.returncode}); see the server log"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.url}/healthz")).status_code == 200:
                        return
                await asyncio.sleep(0.3)
        raise RuntimeError(f"{self.name} did not start in {within:.0f} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(
                self.process.pid, signal.SIGTERM
            )  # the session we started (uvicorn and its workers)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


@contextlib.asynccontextmanager
async def servers(items: list[Server], log: Path) -> AsyncIterator[list[Server]]:
    try:
        for server in items:
            server.start(log)
        for server in items:
            await server.ready()
        yield items
    finally:
        for server in items:
            server.stop()


@contextlib.asynccontextmanager
async def in_process_hearth(settings: Settings, url: str) -> AsyncIterator[Any]:
    from api.app import create_app

    app = create_app(settings, database_url=url)
    async with app.router.lifespan_context(app):
        yield app


# ------------------------------------------------------------------------------ measuring


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


async def measure(scenario: Scenario, runs: int, warmup: float) -> None:
    """A warm-up per target, then ``runs`` rounds in which every target gets one run; each run's
    CPU per request by process (bench/cpu.py) is kept with it."""
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
            before = cpu.snapshot([group] if group else [])
            result = await drive(
                f"{server.url}/graphql",
                scenario.body,
                headers=headers,
                concurrency=scenario.concurrency,
                duration=scenario.duration,
            )
            used = cpu.cost(before, cpu.snapshot([group] if group else []), result.requests, group)
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
    done = 0
    try:
        before = cpu.snapshot()
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
        return rate, cpu.cost(before, cpu.snapshot(), done)  # before the pool's backends end
    finally:
        await pool.close()


def _plans(search: workload.Captured, record: workload.Captured) -> dict[str, Any]:
    """What the bare stack replays: the data statements Hearth sent, by what they load."""

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
    missing = {"page", "enrollment"} - set(search_plan) | {
        "client",
        "enrollment",
        "release_of_information",
        "case_note",
    } - set(record_plan)
    if missing:
        raise RuntimeError(f"could not find Hearth's data statements for {sorted(missing)}")
    return {"search": search_plan, "record": record_plan}


# ------------------------------------------------------------------------------ report


def machine() -> dict[str, Any]:
    memory_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}" if value >= 10 else f"{value:,.2f}{unit}"
    return f"{value:,}{unit}"


def markdown(report: dict[str, Any]) -> str:
    m, cfg = report["machine"], report["config"]
    lines = [
        f"Machine: {m['cores']} cores, {m['memory_gib']} GiB ({m['cpu']}); Python {m['python']}; "
        f"PostgreSQL {report.get('postgres', '?')}. Load average before/after: "
        f"{report['load_before']} / {report['load_after']}.",
        f"Data: {cfg['clients']:,} generated clients (seed {cfg['seed']}); {cfg['workers']} worker(s) per server; "
        f"median of {cfg['runs']} runs of {cfg['duration']:.0f} s after a {cfg['warmup']:.0f} s warm-up. CPU per request "
        "by process, read from /proc over each run (the raw ceiling's server column is its client's).",
        "",
        "| Benchmark | Server | Connections | Requests/s | p50 ms | p99 ms | Errors | SQL statements/request "
        "| CPU ms/request: server | PostgreSQL |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["rows"]:
        server_cpu = (
            row.get("cpu_load_ms") if row["server"].startswith("raw") else row.get("cpu_server_ms")
        )
        lines.append(
            f"| {row['benchmark']} | {row['server']} | {row['connections']} | {_fmt(row.get('rps'))} | "
            f"{_fmt(row.get('p50_ms'))} | {_fmt(row.get('p99_ms'))} | {_fmt(row.get('errors'))} | {_fmt(row.get('statements'))} "
            f"| {_fmt(server_cpu)} | {_fmt(row.get('cpu_db_ms'))} |"
        )
    lines += ["", "| Ratio (same run) | Value | Target |", "|---|---:|---|"]
    for ratio in report["ratios"]:
        lines.append(f"| {ratio['name']} | {_fmt(ratio['value'])} | {ratio['target']} |")
    lines += ["", "| Batch job | Figure |", "|---|---|"]
    for job in report["jobs"]:
        lines.append(f"| {job['name']} | {job['figure']} |")
    if report.get("seconds"):
        lines += ["", f"The whole run took {report['seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ main


async def main(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    workers = args.workers or os.cpu_count() or 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    state = Path(args.state).resolve()  # noqa: ASYNC240 (a harness, not a server)
    state.mkdir(parents=True, exist_ok=True)
    load_before = [round(x, 2) for x in os.getloadavg()]
    with bench_server(settings) as url:
        summary = await ensure_seeded(url, args.clients, args.seed, args.reseed, state)
        manager = summary["users"]["case_manager"]
        data_dir = state / "hearth-data"
        load_signing_key(None, data_dir)  # one key, made before several workers race for it
        server_env = {
            "HEARTH_DATABASE_URL": url,
            "HEARTH_DATA_DIR": str(data_dir),
            "HEARTH_ENV": "development",
            "HEARTH_WORKERS": str(workers),
        }
        os.environ.update({k: v for k, v in server_env.items() if k != "HEARTH_WORKERS"})
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
            search = await workload.capture(
                app, token, workload.search_body(summary["search_name"], 50)
            )
            search10 = await workload.capture(
                app, token, workload.search_body(summary["search_name"], 10)
            )
            record = await workload.capture(app, token, workload.record_body(summary["record_id"]))
            sync = await workload.capture(
                app, vendor, workload.sync_body(0, 100, f"cap{secrets.token_hex(3)}")
            )
            sync10 = await workload.capture(
                app, vendor, workload.sync_body(0, 10, f"cap{secrets.token_hex(3)}")
            )
        plan_file = Path(tempfile.mkstemp(prefix="hearth-bench-plan-", suffix=".pickle")[1])
        plan_file.write_bytes(pickle.dumps(_plans(search, record)))  # noqa: ASYNC240 (a harness, not a server)
        print(
            f"SQL statements per request: search {search.count} (page of 10: {search10.count}), "
            f"record {record.count}, syncUsers of 100: {sync.count} (of 10: {sync10.count})",
            flush=True,
        )

        hearth = Server("hearth", "api.asgi:make_app", server_env, workers)
        no_audit = Server(
            "hearth-audit-off", "bench.hearth_app:make_app_without_audit", server_env, workers
        )
        bare = Server(
            "bare",
            "bench.bare:make_app",
            {
                **server_env,
                "HEARTH_BENCH_PLAN": str(plan_file),
                "HEARTH_BENCH_DATABASE_URL": url,
                "HEARTH_DB_POOL_MAX": str(
                    Settings(workers=workers).pool_max
                ),  # Hearth's per-worker pool
            },
            workers,
        )
        auth = {"authorization": f"Bearer {token}"}
        log = state / "servers.log"
        search_body = workload.search_body(summary["search_name"], 50)
        record_body = workload.record_body(summary["record_id"])
        tag = secrets.token_hex(3)
        scenarios: list[Scenario] = []
        try:
            async with servers([hearth, no_audit, bare], log):
                d = args.duration
                scenarios = [
                    Scenario(
                        "search",
                        "Client search page (50, with enrollments)",
                        10,
                        lambda n: search_body,
                        [
                            ("hearth", hearth, auth),
                            ("hearth-audit-off", no_audit, auth),
                            ("bare", bare, {}),
                        ],
                        d,
                        search.count,
                    ),
                    Scenario(
                        "record1",
                        "Single record (enrollments, releases, notes)",
                        1,
                        lambda n: record_body,
                        [("hearth", hearth, auth), ("bare", bare, {})],
                        d,
                        record.count,
                    ),
                    Scenario(
                        "record10",
                        "Single record (enrollments, releases, notes)",
                        10,
                        lambda n: record_body,
                        [("hearth", hearth, auth), ("bare", bare, {})],
                        d,
                        record.count,
                    ),
                ]
                for scenario in scenarios:
                    await measure(scenario, args.runs, args.warmup)
                async with httpx.AsyncClient(base_url=hearth.url) as http:
                    vendor = await workload.service_token(
                        http, summary["vendor"]["client_id"], summary["vendor"]["client_secret"]
                    )
                sync_scenario = Scenario(
                    "sync",
                    "Vendor sync (syncUsers, batches of 100)",
                    1,
                    lambda n: workload.sync_body(n, 100, tag),
                    [("hearth", hearth, {"authorization": f"Bearer {vendor}"})],
                    d,
                    sync.count,
                )
                await measure(sync_scenario, args.runs, min(args.warmup, 2.0))
                scenarios.append(sync_scenario)
        finally:
            plan_file.unlink(missing_ok=True)  # noqa: ASYNC240 (a harness, not a server)
        ceilings: dict[str, float] = {}
        ceiling_cpu: dict[str, dict[str, Any]] = {}
        for key, captured in (("search", search), ("record10", record)):
            measured = [
                await raw_ceiling(url, captured.reads(), 10, min(d, 5.0)) for _ in range(args.runs)
            ]
            ceilings[key] = statistics.median(rate for rate, _ in measured)
            ceiling_cpu[key] = cpu_figures([used for _, used in measured if used is not None])
        print(
            f"  raw asyncpg ceiling: search {ceilings['search']:.0f}/s, record {ceilings['record10']:.0f}/s",
            flush=True,
        )
        async with asyncpg.create_pool(url, min_size=1, max_size=1) as pool:
            postgres = await pool.fetchval("SHOW server_version")

    jobs = await batch_jobs(args, args.uar_server or urlunsplit(urlsplit(url)._replace(path="")))
    report = build_report(
        args,
        workers,
        summary,
        scenarios,
        ceilings,
        ceiling_cpu,
        {
            "search": search,
            "search10": search10,
            "record": record,
            "sync": sync,
            "sync10": sync10,
        },
        jobs,
    )
    report.update(
        postgres=postgres,
        load_before=load_before,
        load_after=[round(x, 2) for x in os.getloadavg()],
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        label=args.label,
    )
    return report


async def batch_jobs(args: argparse.Namespace, uar_server: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = []
    if args.uar_rows:
        from bench.user_access_report import run as uar

        figures_ = await uar(
            server=uar_server, database=args.uar_database, rows=args.uar_rows, runs=3, quiet=True
        )
        jobs.append(
            {
                "name": f"User Access Report over {args.uar_rows:,} audit rows",
                "figure": f"median {figures_['median_ms']:.0f} ms, max {figures_['max_ms']:.0f} ms per agency "
                f"({figures_['audit_size']} of audit rows, generated in {figures_['generate_s']:.0f} s"
                f"{', reused' if figures_.get('reused') else ''})",
                **figures_,
            }
        )
    else:
        jobs.append({"name": "User Access Report", "figure": "skipped (--uar-rows 0)"})
    name = f"HUD CSV export of {args.hud_clients:,} clients"
    try:
        from bench import hud_csv  # run(clients, server=...) -> figures
    except ImportError:
        hud_csv = None
    if not args.hud_clients:
        jobs.append({"name": "HUD CSV export", "figure": "skipped (--hud-clients 0)"})
    elif hud_csv is None or not hasattr(hud_csv, "run"):
        jobs.append({"name": name, "figure": "not available (bench/hud_csv.py has not landed)"})
    else:
        # the export is the issue's figure; the import of its file is `make bench-hud`'s (it would
        # take the run past ten minutes)
        result = await asyncio.to_thread(
            hud_csv.run,
            args.hud_clients,
            server=uar_server,
            steps=("seed", "export-all", "export-agency"),
        )
        jobs.append(
            {
                "name": name,
                "figure": f"statewide export {result.get('export_all_s')} s ({result.get('export_all_rows', 0):,} rows, "
                f"peak RSS {result.get('export_all_peak_rss_mb')} MB{_rss_growth(result, 'all')}); agency export "
                f"{result.get('export_agency_s')} s (peak traced {result.get('export_agency_peak_traced_mb')} MiB); "
                "the import: make bench-hud",
                **result,
            }
        )
    jobs.append(
        {"name": "Retention plan", "figure": "not available (no retention plan exists yet)"}
    )
    return jobs


def _rss_growth(result: dict[str, Any], key: str) -> str:
    """What the export added to its process's peak memory: the process (Hearth's modules, the
    database pool, the authorizer) peaks before the export starts, and a streamed export may add
    nothing above that."""
    before, peak = (
        result.get(f"export_{key}_rss_before_mb"),
        result.get(f"export_{key}_peak_rss_mb"),
    )
    if before is None or peak is None:
        return ""
    return f", {peak - before:+.1f} MB over the {before} MB the process had before the export"


def build_report(
    args: argparse.Namespace,
    workers: int,
    summary: dict[str, Any],
    scenarios: list[Scenario],
    ceilings: dict[str, float],
    ceiling_cpu: dict[str, dict[str, Any]],
    captured: dict[str, workload.Captured],
    jobs: list[dict[str, Any]],
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    by_key = {s.key: s for s in scenarios}
    for scenario in scenarios:
        for name, results in scenario.results.items():
            row = {
                "benchmark": scenario.title,
                "key": scenario.key,
                "server": name,
                "connections": scenario.concurrency,
                **figures(results, scenario.cpu.get(name)),
            }
            row["statements"] = scenario.statements if name.startswith("hearth") else None
            if scenario.key == "sync":
                row["users_per_s"] = round(row["rps"] * 100, 1)
                row["benchmark"] += f": {row['users_per_s']:,.0f} users/s"
            rows.append(row)
    for key, rps in ceilings.items():
        scenario = by_key[key]
        reads = captured["search" if key == "search" else "record"].reads()
        rows.append(
            {
                "benchmark": scenario.title,
                "key": key,
                "server": "raw asyncpg (same SQL)",
                "connections": 10,
                "rps": round(rps, 1),
                "statements": len(reads),
                **ceiling_cpu.get(key, {}),
            }
        )

    def rps(key: str, server: str) -> float:
        return next(r["rps"] for r in rows if r["key"] == key and r["server"] == server)

    ratios = []
    for key, label in (("search", "search page"), ("record10", "single record @10")):
        ratios.append(
            {
                "name": f"Hearth / bare stack, {label}",
                "value": round(rps(key, "hearth") / rps(key, "bare"), 2),
                "target": f"floor {FLOOR}, goal {GOAL}",
            }
        )
    for key, label in (("search", "search page"), ("record10", "single record @10")):
        ratios.append(
            {
                "name": f"Hearth / raw asyncpg ceiling, {label}",
                "value": round(rps(key, "hearth") / ceilings[key], 3),
                "target": "the ceiling we chase",
            }
        )
    cost = 1 - rps("search", "hearth") / rps("search", "hearth-audit-off")
    ratios.append(
        {
            "name": "Audit cost (1 - audit on / audit off), search page",
            "value": round(cost, 3),
            "target": f"at most {AUDIT_BUDGET}",
        }
    )

    def cpu_total(key: str, server: str) -> float | None:
        row = next(r for r in rows if r["key"] == key and r["server"] == server)
        if row.get("cpu_server_ms") is None or row.get("cpu_db_ms") is None:
            return None
        return float(row["cpu_server_ms"] + row["cpu_db_ms"])

    # The same comparisons by CPU per request (server + PostgreSQL), which the VM's drift moves
    # far less than throughput: on a saturated machine throughput goes as its inverse.
    for key, label in (("search", "search page"), ("record10", "single record @10")):
        hearth_cpu, bare_cpu = cpu_total(key, "hearth"), cpu_total(key, "bare")
        if hearth_cpu and bare_cpu:
            ratios.append(
                {
                    "name": f"Hearth / bare stack by CPU per request (bare's / Hearth's), {label}",
                    "value": round(bare_cpu / hearth_cpu, 2),
                    "target": f"floor {FLOOR}, goal {GOAL}",
                }
            )
    on, off = cpu_total("search", "hearth"), cpu_total("search", "hearth-audit-off")
    if on and off:
        ratios.append(
            {
                "name": "Audit cost by CPU per request (1 - audit off / audit on), search page",
                "value": round(1 - off / on, 3),
                "target": f"at most {AUDIT_BUDGET}",
            }
        )
    statements = {
        key: {
            "count": c.count,
            "reads": len(c.reads()),
            "data": len(c.data()),
            "writes": c.count - len(c.reads()),
        }
        for key, c in captured.items()
    }
    return {
        "machine": machine(),
        "config": {
            "clients": args.clients,
            "seed": args.seed,
            "workers": workers,
            "runs": args.runs,
            "duration": args.duration,
            "warmup": args.warmup,
            "uar_rows": args.uar_rows,
        },
        "rows": rows,
        "ratios": ratios,
        "statements": statements,
        "jobs": jobs,
    }


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
    if out == RESULTS / "latest":
        update_readme(table)


def update_readme(table: str) -> None:
    """Put the latest table in README.md, between its ``bench:latest`` markers."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = "<!-- bench:latest -->\n", "<!-- /bench:latest -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        readme.write_text(head + start + table + rest[rest.index(end) :])


if __name__ == "__main__":
    cli()
