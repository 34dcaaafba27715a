"""Benchmark: HUD HMIS CSV export and import on data from the real generator (``hearth seed``).

For each size N (10,000 and 100,000 clients by default):

1. seed: a scratch database ``<database>_<N>`` filled by ``devdata.generate_at`` (seed
   ``--seed``, anchor 2026-03-02). The database records what it holds in a one-row table
   ``hearth_bench_seed`` (seed, clients, anchor, and a hash of ``devdata/``'s source); a later
   run with the same seed, N, anchor and generator reuses it (seeding 100,000 clients takes
   minutes), anything else drops and re-seeds it;
2. export ``all`` (statewide) as ``bench.reader``, a Lead Agency user given a VIEW_ONLY licence
   at every agency (created in the data set the first time): a client-level file goes only to
   someone who reads every agency's clients (decision 162; the Lead Agency alone is refused
   and has the aggregate report, ``bench/aggregates.py``), hashed, for the data set's three
   years;
3. export ``agency:<a01>`` as that agency's HMIS Data Coordinator (``a01.hdc``: unhashed);
4. import the agency export into a second scratch database ``<database>_import`` (dropped and
   migrated each time; one agency and its HDC created) for that agency.

And the statewide file (``--steps statewide``; decision 153):

5. statewide-write: ``devdata.statewide.write_statewide_zip`` writes a statewide HUD CSV file of N
   clients (every file and column populated, several organizations, people at two of them);
6. statewide-import: imports it into a scratch database ``<database>_statewide`` (dropped and
   migrated each time) as ``benchlead`` (a Lead Agency user), an agency created from each
   organization, one client per PersonalID;
7. statewide-export: exports ``all`` (everything imported) as ``benchlead``, given a VIEW_ONLY
   licence at every agency the import created (decision 162).

Every step runs in a fresh Python process, so ``ru_maxrss`` is that step's own peak. Each export
runs once timed, then once more under ``tracemalloc`` for its peak Python memory: the agency
export always, the statewide one up to ``--trace-statewide-max`` clients (default 10,000; a traced
statewide export of 100,000 clients would add about ten minutes). Not part of ``make test``::

    .venv/bin/python bench/hud_csv.py --clients 10000 100000 [--steps all|devdata|statewide]
    make bench-hud                      # the same, every step

``run(clients)`` returns the figures as a dict (for ``make bench``). The databases named above are
dropped and re-created: never point ``--database`` at real data.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
ANCHOR = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
START = ANCHOR - timedelta(
    days=3 * 365 + 1
)  # the generator's stays fall in the three years before the anchor
HDC = "a01.hdc"  # a generated user (devdata)
# Takes the statewide file: a Lead Agency user who reads every agency (decision 162).
LEAD = "bench.reader"
IMPORTER = "benchhdc"  # the importing agency's HMIS Data Coordinator (the agency file's import)
LEAD_IMPORTER = "benchlead"  # a Lead Agency user: imports and exports the statewide file
DEVDATA_STEPS = ("seed", "export-all", "export-agency", "import")
STATEWIDE_STEPS = ("statewide-write", "statewide-import", "statewide-export")
STEPS = DEVDATA_STEPS + STATEWIDE_STEPS


def _generator() -> str:
    """Which generator wrote a data set: a hash of its source."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "devdata").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _url(server: str, database: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{database}"))


def _maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def _recreate(server: str, database: str) -> str:
    """Drop and create ``database``, migrate it; its URL."""
    import asyncpg

    from api.db import tortoise_config
    from api.dbmigrate import apply_migrations
    from api.settings import Settings

    admin = await asyncpg.connect(_url(server, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    url = _url(server, database)
    await apply_migrations(tortoise_config(url, Settings(env="test")))
    return url


async def _seeded(server: str, database: str, clients: int, seed: int) -> bool:
    """Whether ``database`` already holds exactly this data set."""
    import asyncpg

    try:
        conn = await asyncpg.connect(_url(server, database))
    except asyncpg.InvalidCatalogNameError:
        return False
    try:
        if not await conn.fetchval("SELECT to_regclass('hearth_bench_seed') IS NOT NULL"):
            return False
        row = await conn.fetchrow("SELECT * FROM hearth_bench_seed")
        wanted = {"seed": seed, "clients": clients, "anchor": ANCHOR, "generator": _generator()}
        if row is None or dict(row) != wanted:
            return False
        # a data set sealed under another data folder's SSN key (another checkout's) cannot be
        # exported here: seeded again rather than failing at the export
        blob = await conn.fetchval("SELECT ssn FROM client WHERE ssn IS NOT NULL LIMIT 1")
        if blob is not None and not _opens_here(bytes(blob)):
            print(f"{database}: sealed with another SSN key; seeding it again", flush=True)
            return False
        return True
    finally:
        await conn.close()


def _opens_here(blob: bytes) -> bool:
    """Whether this data folder's SSN key ring opens ``blob`` (a client's sealed SSN)."""
    from api.settings import Settings
    from api.ssn_keys import load_key_ring
    from models.clients import Client
    from models.sealed import SealedCharField, SealingError

    field = Client._meta.fields_map["ssn"]
    assert isinstance(field, SealedCharField)
    try:
        load_key_ring(Settings(env="test")).open(blob, field.context)
    except SealingError:
        return False
    return True


async def _migrate_reused(url: str) -> dict[str, Any]:
    """Bring a reused data set up to the code's migrations, as `hearth migrate` does (the
    migrations, then the SSNs' derived columns filled under this process's key ring)."""
    from tortoise.context import TortoiseContext

    from api.db import tortoise_config
    from api.dbmigrate import apply_migrations
    from api.settings import Settings
    from services.sealing import seal_clear_ssns

    settings = Settings(env="test")
    started = time.perf_counter()
    await apply_migrations(tortoise_config(url, settings))
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url, settings))
        sealed = await seal_clear_ssns()
    return {"migrate_s": round(time.perf_counter() - started, 1), "ssns_resealed": sealed}


async def step_seed(server: str, database: str, clients: int, seed: int) -> dict[str, Any]:
    import asyncpg

    from devdata import generate_at

    if await _seeded(server, database, clients, seed):
        return {"seed_reused": True, **await _migrate_reused(_url(server, database))}
    url = await _recreate(server, database)
    summary = await generate_at(url, clients=clients, seed=seed, anchor=ANCHOR)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE TABLE hearth_bench_seed (seed int NOT NULL, clients int NOT NULL, anchor date NOT NULL,"
            " generator text NOT NULL)"
        )
        await conn.execute(
            "INSERT INTO hearth_bench_seed VALUES ($1, $2, $3, $4)",
            seed,
            clients,
            ANCHOR,
            _generator(),
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return {
        "seed_reused": False,
        "seed_s": round(summary.seconds, 1),
        "seed_rows": sum(summary.counts.values()),
    }


async def step_export(
    server: str,
    database: str,
    statewide: bool,
    out: Path,
    *,
    trace: bool,
    lead: str = LEAD,
    key: str | None = None,
    engine: str = "copy",
) -> dict[str, Any]:
    """Export ``all`` as ``lead`` (a Lead Agency user given a VIEW_ONLY licence at every agency
    first: decision 162), or the biggest agency as its HDC: timed, then traced; the figures
    named ``export_<key>_...``."""
    from tortoise.context import TortoiseContext

    from api.db import tortoise_config
    from api.settings import Settings
    from authz.enforcer import Authorizer, Decisions
    from models.enums import Duty
    from models.users import User, UserDuty
    from services.caller import Caller
    from services.hudcsv.export import run_export
    from services.principals import load_principal

    settings = Settings(env="test")
    tz = ZoneInfo(settings.timezone)
    key = key or ("all" if statewide else "agency")
    figures: dict[str, Any] = {}
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(_url(server, database), settings))
        if statewide:
            user = await _statewide_reader(lead)
            scope = "all"
        else:
            user = await User.get(username=HDC)
            duty = await UserDuty.get(user_id=user.id, duty=Duty.HMIS_DATA_COORDINATOR)
            scope = f"agency:{duty.agency_id}"  # type: ignore[attr-defined]
        authorizer = Authorizer()
        await authorizer.reload()
        loaded = await load_principal(user.id)
        assert loaded is not None
        decisions = Decisions(authorizer, loaded[0])

        async def export(path: Path) -> Any:
            return await run_export(
                Caller(decisions, NOW, tz),
                scope=scope,
                start=START,
                end=ANCHOR,
                hashed=statewide,
                out=path,
                implementation_id="hearth-bench",
                engine=engine,
            )

        rss_before = _maxrss_mb()
        cpu = _CpuMeter(database)
        await cpu.start()
        t0 = time.perf_counter()
        result = await export(out)
        figures[f"export_{key}_s"] = round(time.perf_counter() - t0, 1)
        figures[f"export_{key}_engine"] = engine
        figures.update({f"export_{key}_{name}": v for name, v in (await cpu.stop()).items()})
        figures[f"export_{key}_peak_rss_mb"] = _maxrss_mb()
        figures[f"export_{key}_rss_before_mb"] = rss_before
        figures[f"export_{key}_clients"] = result.row_counts["Client"]
        figures[f"export_{key}_rows"] = sum(result.row_counts.values())
        figures[f"export_{key}_hash_status"] = result.hash_status
        figures[f"export_{key}_zip_mb"] = round(result.size_bytes / 2**20, 1)
        if trace:
            tracemalloc.start()
            await export(out.with_suffix(".traced.zip"))
            figures[f"export_{key}_peak_traced_mb"] = round(
                tracemalloc.get_traced_memory()[1] / 2**20, 1
            )
            tracemalloc.stop()
            out.with_suffix(".traced.zip").unlink()
    return figures


def _proc_cpu(pid: int) -> float | None:
    """A process's CPU seconds (user + system), from /proc; None if it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _CpuMeter:
    """CPU seconds of this process and of the PostgreSQL backends serving ``database`` (read
    from /proc: the server is on this machine), between :meth:`start` and :meth:`stop`."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.backends: dict[int, float] = {}
        self.process = 0.0

    async def _backends(self) -> dict[int, float]:
        from tortoise.connection import get_connection

        rows = await get_connection("default").execute_query_dict(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", [self.database]
        )
        cpu = {row["pid"]: _proc_cpu(row["pid"]) for row in rows}
        return {pid: seconds for pid, seconds in cpu.items() if seconds is not None}

    def _own(self) -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    async def start(self) -> None:
        self.backends = await self._backends()
        self.process = self._own()

    async def stop(self) -> dict[str, float]:
        own = self._own() - self.process
        after = await self._backends()
        server = sum(cpu - self.backends.get(pid, 0.0) for pid, cpu in after.items())
        return {"cpu_s": round(own, 1), "pg_cpu_s": round(server, 1)}


async def _statewide_reader(username: str) -> Any:
    """``username`` (created if missing) as a Lead Agency user with a VIEW_ONLY licence at every
    agency: who may take a statewide client-level file (decision 162)."""
    from models.enums import AccessLevel, SystemRole
    from models.governance import Agency
    from models.users import Membership, SystemRoleGrant, User

    user = await User.filter(username=username).first()
    if user is None:
        email = f"{username}@bench.example.org"
        user = await User.create(username=username, email=email, email_normalized=email)
    await SystemRoleGrant.get_or_create(user=user, role=SystemRole.LEAD_AGENCY)
    held = set(await Membership.filter(user=user).values_list("agency_id", flat=True))
    for agency in await Agency.exclude(id__in=list(held)):
        await Membership.create(user=user, agency=agency, access_level=AccessLevel.VIEW_ONLY)
    return user


async def step_import(
    server: str, database: str, source: Path, *, statewide: bool = False
) -> dict[str, Any]:
    """Import ``source`` into an empty database: the agency file into ``<database>_import`` for
    one new agency whose HMIS Data Coordinator is ``benchhdc``; the statewide file into
    ``<database>_statewide`` with an agency created from each organization, as ``benchlead``
    (Lead Agency). The figures are named ``import_...`` or ``statewide_import_...``."""
    from tortoise.context import TortoiseContext

    from api.db import tortoise_config
    from api.settings import Settings
    from models.enums import AccessLevel, Duty, SystemRole
    from models.governance import Agency, ContinuumOfCare
    from models.users import Membership, SystemRoleGrant, User, UserDuty
    from services.hudcsv.importer import ImportRefused, import_hud_csv
    from services.hudcsv.organizations import OrganizationMap

    settings = Settings(env="test")
    key = "statewide_import" if statewide else "import"
    url = await _recreate(server, f"{database}_statewide" if statewide else f"{database}_import")
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url, settings))
        options: dict[str, Any]
        if statewide:
            lead = await User.create(
                username=LEAD_IMPORTER,
                email="lead@bench.example.org",
                email_normalized="lead@bench.example.org",
            )
            await SystemRoleGrant.create(user=lead, role=SystemRole.LEAD_AGENCY)
            options = {"organizations": OrganizationMap(create=True), "username": LEAD_IMPORTER}
        else:
            coc = await ContinuumOfCare.get(code="CT-505")
            agency = await Agency.create(
                name="Bench importing agency",
                coc=coc,
                mou_signed_on=ANCHOR,
                mou_signed_by="ED",
                mou_access_levels=["FULL", "VIEW_ONLY", "REPORTING_ONLY"],
            )
            user = await User.create(
                username=IMPORTER,
                email="hdc@bench.example.org",
                email_normalized="hdc@bench.example.org",
            )
            await Membership.create(user=user, agency=agency, access_level=AccessLevel.FULL)
            await UserDuty.create(user=user, agency=agency, duty=Duty.HMIS_DATA_COORDINATOR)
            options = {"agency_id": agency.id, "username": None}
        rss_before = _maxrss_mb()
        t0 = time.perf_counter()
        try:
            result = await import_hud_csv(
                source, now=NOW, tz=ZoneInfo(settings.timezone), **options
            )
        except ImportRefused as refused:
            raise SystemExit(f"{refused}: {refused.problems[:20]}") from None
        figures = {
            f"{key}_s": round(time.perf_counter() - t0, 1),
            f"{key}_rows_read": sum(result.rows_read.values()),
            f"{key}_rows": sum(result.created.values()),
            f"{key}_clients": result.created.get("Client", 0),
            f"{key}_agencies_created": len(result.agencies_created),
            f"{key}_peak_rss_mb": _maxrss_mb(),
            f"{key}_rss_before_mb": rss_before,
        }
    if statewide:
        conn = await _connect(url)
        try:
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
    return figures


async def _connect(url: str) -> Any:
    import asyncpg

    return await asyncpg.connect(url)


def step_statewide_write(out: Path, clients: int, seed: int) -> dict[str, Any]:
    """Write the statewide file (devdata.statewide): its time, rows and the writer's peak RSS."""
    from devdata.statewide import Variant, write_statewide_zip

    rss_before = _maxrss_mb()
    # Without the victim service provider's organization and the soft-deleted rows: the statewide
    # import refuses to create an agency from a victim service provider's organization, or from a
    # deleted organization without projects. Neither holds client data, and a first import skips
    # deleted rows, so the figures do not depend on them.
    summary = write_statewide_zip(
        out,
        clients=clients,
        seed=seed,
        anchor=ANCHOR,
        variant=Variant(victim_service_provider=False, deleted=False),
    )
    return {
        "statewide_write_s": summary.seconds,
        "statewide_rows": sum(summary.rows.values()),
        "statewide_files_with_rows": sum(1 for n in summary.rows.values() if n),
        "statewide_people_at_two_organizations": summary.people_at_two_organizations,
        "statewide_zip_mb": round(out.stat().st_size / 2**20, 1),
        "statewide_write_peak_rss_mb": _maxrss_mb(),
        "statewide_write_rss_before_mb": rss_before,
    }


def _step(
    step: str,
    clients: int,
    *,
    server: str,
    database: str,
    seed: int,
    work: Path,
    trace_max: int,
    engine: str = "copy",
) -> dict[str, Any]:
    """One step in a fresh Python process (its own peak memory)."""
    out = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [
            sys.executable,
            __file__,
            "--step",
            step,
            "--clients",
            str(clients),
            "--server",
            server,
            "--database",
            database,
            "--seed",
            str(seed),
            "--work",
            str(work),
            "--trace-statewide-max",
            str(trace_max),
            "--engine",
            engine,
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode:
        raise RuntimeError(f"bench step {step} ({clients} clients) failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run(
    clients: int,
    *,
    server: str = SERVER,
    database: str = "hearth_bench_hud",
    seed: int = 7,
    trace_statewide_max: int = 10_000,
    steps: tuple[str, ...] = STEPS,
    engine: str = "copy",
) -> dict[str, Any]:
    """Every step (or those named) for one size; the figures as a dict."""
    figures: dict[str, Any] = {
        "clients": clients,
        "seed": seed,
        "anchor": ANCHOR.isoformat(),
        "nproc": os.cpu_count(),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory(prefix="hearth-bench-hud-") as tmp:
        for step in steps:
            figures.update(
                _step(
                    step,
                    clients,
                    server=server,
                    database=database,
                    seed=seed,
                    work=Path(tmp),
                    trace_max=trace_statewide_max,
                    engine=engine,
                )
            )
    figures["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    return figures


async def _one(step: str, args: argparse.Namespace) -> dict[str, Any]:
    from api.settings import Settings
    from api.ssn_keys import load_key_ring
    from models.sealed import installed

    # the SSN keys of the data folder (as `hearth` keeps them outside production)
    with installed(load_key_ring(Settings(env="test"))):
        return await _step_in_process(step, args)


async def _step_in_process(step: str, args: argparse.Namespace) -> dict[str, Any]:
    (n,) = args.clients
    seeded = f"{args.database}_{n}"
    work = Path(args.work)
    if step == "seed":
        return await step_seed(args.server, seeded, n, args.seed)
    if step == "import":
        return await step_import(args.server, args.database, work / "agency.zip")
    statewide = f"{args.database}_statewide"
    if step == "statewide-write":
        return step_statewide_write(work / "statewide.zip", n, args.seed)
    if step == "statewide-import":
        return await step_import(args.server, args.database, work / "statewide.zip", statewide=True)
    if step == "statewide-export":
        return await step_export(
            args.server,
            statewide,
            True,
            work / "statewide-export.zip",
            trace=n <= args.trace_statewide_max,
            lead=LEAD_IMPORTER,
            key="statewide",
        )
    statewide = step == "export-all"
    return await step_export(
        args.server,
        seeded,
        statewide,
        work / ("all.zip" if statewide else "agency.zip"),
        trace=not statewide or n <= args.trace_statewide_max,
        engine=args.engine,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL")
    parser.add_argument(
        "--database",
        default="hearth_bench_hud",
        help="prefix of the scratch databases (<prefix>_<N> seeded, <prefix>_import)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--trace-statewide-max",
        type=int,
        default=10_000,
        help="trace the statewide export's memory up to this many clients",
    )
    parser.add_argument(
        "--steps",
        choices=("all", "devdata", "statewide"),
        default="all",
        help="devdata: seed, export and import the generator's database; statewide: write the "
        "statewide file, import it, export what was imported; all: both",
    )
    parser.add_argument(
        "--engine",
        choices=("copy", "python"),
        default="copy",
        help="the exports' engine: copy (PostgreSQL writes the client files) or python (the "
        "reference path, each cell formatted in Python)",
    )
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step is not None:
        print(json.dumps(asyncio.run(_one(args.step, args))))
        return
    for n in args.clients:
        print(
            json.dumps(
                run(
                    n,
                    server=args.server,
                    database=args.database,
                    seed=args.seed,
                    trace_statewide_max=args.trace_statewide_max,
                    engine=args.engine,
                    steps={
                        "all": STEPS,
                        "devdata": DEVDATA_STEPS,
                        "statewide": STATEWIDE_STEPS,
                    }[args.steps],
                )
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
