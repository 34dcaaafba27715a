"""Benchmark: HUD HMIS CSV import and export for 10,000 and 100,000 clients.

For each size, in a fresh process (so that peak memory is that size's own): build a scratch
database (dropped first), write a synthetic HUD CSV FY2026 zip of N clients (1-3 enrollments
each, with exits, services, income, disabilities and health records; deterministic for a
seed), import it for one agency (timed: validation and the one-transaction write), then export
the agency as its HMIS Data Coordinator (timed), and once more under tracemalloc for the
export's peak Python memory. Not part of ``make test``::

    .venv/bin/python bench/hud_csv.py --clients 10000 100000
    make bench-hud                      # the same

``run(clients)`` returns the figures as a dict (for ``make bench``). The database named by
``--database`` is dropped: never point it at real data.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
EXPORT_ID = "BENCH"
PROJECTS = 20
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
FIRST = ("Ash", "Basil", "Cedar", "Dill", "Elm", "Fern", "Ginger", "Hazel", "Iris", "Juniper", "Kale", "Laurel")
LAST = ("Amber", "Blue", "Coral", "Dune", "Ember", "Flint", "Garnet", "Heath", "Indigo", "Jade", "Khaki", "Lilac")


def _trailer() -> dict[str, str]:
    return {"DateCreated": "2026-01-05 09:30:00", "DateUpdated": "2026-01-05 09:30:00", "UserID": "U1", "ExportID": EXPORT_ID}


def _client(i: int, seed: int) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Client i and its enrollments with their records, derived from (seed, i) alone."""
    rng = random.Random(seed * 1_000_003 + i)  # noqa: S311 (synthetic data, not secrets)
    dob = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 60))
    client = {
        "PersonalID": f"C{i}", "FirstName": rng.choice(FIRST), "LastName": rng.choice(LAST), "NameDataQuality": "1",
        "SSN": f"{rng.randrange(100, 666)}{rng.randrange(10, 99)}{rng.randrange(1000, 9999)}", "SSNDataQuality": "1",
        "DOB": dob.isoformat(), "DOBDataQuality": "1", "Sex": str(rng.choice((0, 1))),
        **{flag: str(int(rng.random() < p)) for flag, p in (
            ("AmIndAKNative", 0.02), ("Asian", 0.02), ("BlackAfAmerican", 0.35), ("HispanicLatinao", 0.3),
            ("MidEastNAfrican", 0.01), ("NativeHIPacific", 0.01), ("White", 0.4))},
        "VeteranStatus": str(rng.choice((0, 0, 0, 1))), **_trailer(),
    }
    if not any(client[f] == "1" for f in ("AmIndAKNative", "Asian", "BlackAfAmerican", "HispanicLatinao", "MidEastNAfrican", "NativeHIPacific", "White")):
        client["RaceNone"] = "99"
    enrollments = []
    for n in range(rng.choice((1, 1, 2, 3))):
        entry = date(2024, 1, 1) + timedelta(days=rng.randrange(800))
        stay = rng.randrange(5, 400)
        enrollments.append({
            "n": n, "entry": entry, "exit": entry + timedelta(days=stay) if rng.random() < 0.6 else None,
            "project": rng.randrange(PROJECTS), "services": rng.randrange(0, 6), "disabilities": rng.choice((0, 1, 2)),
        })
    return client, enrollments


def _rows(file: str, clients: int, seed: int) -> Iterator[dict[str, str]]:
    for i in range(clients):
        client, enrollments = _client(i, seed)
        if file == "Client":
            yield client
            continue
        for e in enrollments:
            eid = f"E{i}_{e['n']}"
            base = {"EnrollmentID": eid, "PersonalID": f"C{i}", **_trailer()}
            if file == "Enrollment":
                yield {**base, "ProjectID": f"P{e['project']}", "EntryDate": e["entry"].isoformat(), "HouseholdID": f"H{i}_{e['n']}",
                       "RelationshipToHoH": "1", "EnrollmentCoC": "CT-503", "LivingSituation": "116", "DisablingCondition": "0"}
            elif file == "Exit" and e["exit"]:
                yield {**base, "ExitID": f"X{eid}", "ExitDate": e["exit"].isoformat(), "Destination": "410"}
            elif file == "Services":
                for s in range(e["services"]):
                    yield {**base, "ServicesID": f"S{eid}_{s}", "DateProvided": (e["entry"] + timedelta(days=s)).isoformat(),
                           "RecordType": "200", "TypeProvided": "200"}
            elif file == "IncomeBenefits":
                yield {**base, "IncomeBenefitsID": f"I{eid}", "InformationDate": e["entry"].isoformat(), "IncomeFromAnySource": "1",
                       "TotalMonthlyIncome": "850.00", "Earned": "1", "EarnedAmount": "850.00", "DataCollectionStage": "1"}
            elif file == "Disabilities":
                for d in range(e["disabilities"]):
                    yield {**base, "DisabilitiesID": f"D{eid}_{d}", "InformationDate": e["entry"].isoformat(),
                           "DisabilityType": str(5 + d), "DisabilityResponse": "1", "IndefiniteAndImpairs": "1", "DataCollectionStage": "1"}
            elif file == "HealthAndDV":
                yield {**base, "HealthAndDVID": f"HD{eid}", "InformationDate": e["entry"].isoformat(),
                       "DomesticViolenceSurvivor": "0", "DataCollectionStage": "1"}


def write_source_zip(path: Path, clients: int, seed: int) -> None:
    """The synthetic export, streamed file by file into the zip."""
    from services.hudcsv.columns import FILES, columns

    fixed = {
        "Export": [{"ExportID": EXPORT_ID, "SourceType": "1", "SourceID": "CT-503", "ExportDate": "2026-03-01 00:00:00",
                    "ExportStartDate": "2024-01-01", "ExportEndDate": "2026-03-01", "SoftwareName": "BenchSoft",
                    "CSVVersion": "2026 v1.3", "ExportPeriodType": "3", "ExportDirective": "2", "HashStatus": "1",
                    "ImplementationID": f"bench-{seed}"}],
        "Organization": [{"OrganizationID": "O1", "OrganizationName": "Bench Org", "VictimServiceProvider": "0", **_trailer()}],
        "User": [{"UserID": "U1", "DateCreated": "2026-01-05 09:30:00", "DateUpdated": "2026-01-05 09:30:00", "ExportID": EXPORT_ID}],
        "Project": [{"ProjectID": f"P{p}", "OrganizationID": "O1", "ProjectName": f"Bench project {p}", "OperatingStartDate": "2020-01-01",
                     "ContinuumProject": "1", "ProjectType": str((0, 1, 2, 3, 4, 13)[p % 6]), **_trailer()} for p in range(PROJECTS)],
        "ProjectCoC": [{"ProjectCoCID": f"PC{p}", "ProjectID": f"P{p}", "CoCCode": "CT-503", **_trailer()} for p in range(PROJECTS)],
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in FILES:
            names = [c.name for c in columns(file)]
            with archive.open(f"{file}.csv", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                writer = csv.writer(text)
                writer.writerow(names)
                rows = fixed.get(file) or (_rows(file, clients, seed) if file in (
                    "Client", "Enrollment", "Exit", "Services", "IncomeBenefits", "Disabilities", "HealthAndDV") else [])
                for row in rows:
                    writer.writerow([row.get(n, "") for n in names])


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(clients: int, *, server: str = SERVER, database: str = "hearth_bench_hud", seed: int = 7) -> dict[str, Any]:
    """Everything for one size, in this process."""
    import asyncpg
    from tortoise.context import TortoiseContext

    from api.db import tortoise_config
    from api.dbmigrate import apply_migrations
    from api.settings import Settings
    from authz.enforcer import Authorizer, Decisions
    from models.enums import AccessLevel, Duty
    from models.governance import Agency, ContinuumOfCare
    from models.users import Membership, User, UserDuty
    from services.hudcsv.export import run_export
    from services.hudcsv.importer import import_hud_csv
    from services.principals import load_principal

    parts = urlsplit(server)
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    url = urlunsplit(parts._replace(path=f"/{database}"))
    settings = Settings(env="test")
    await apply_migrations(tortoise_config(url, settings))
    tz = ZoneInfo(settings.timezone)
    figures: dict[str, Any] = {"clients": clients}
    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
        source = Path(tmp) / "source.zip"
        t0 = time.perf_counter()
        write_source_zip(source, clients, seed)
        figures["generate_s"] = round(time.perf_counter() - t0, 1)
        figures["source_zip_mb"] = round(source.stat().st_size / 2**20, 1)
        async with TortoiseContext() as ctx:
            await ctx.init(config=tortoise_config(url, settings))
            coc = await ContinuumOfCare.get(code="CT-503")
            agency = await Agency.create(name="Bench agency", coc=coc, mou_signed_on=date(2026, 1, 1), mou_signed_by="ED",
                                         mou_access_levels=["FULL", "VIEW_ONLY", "REPORTING_ONLY"])
            user = await User.create(username="benchhdc", email="hdc@bench.example.org", email_normalized="hdc@bench.example.org")
            await Membership.create(user=user, agency=agency, access_level=AccessLevel.FULL)
            await UserDuty.create(user=user, agency=agency, duty=Duty.HMIS_DATA_COORDINATOR)
            rss0 = _maxrss_mb()
            t0 = time.perf_counter()
            result = await import_hud_csv(source, agency_id=agency.id, username=None, now=NOW, tz=tz)
            figures["import_s"] = round(time.perf_counter() - t0, 1)
            figures["import_rows"] = sum(result.created.values())
            figures["import_peak_rss_mb"] = round(_maxrss_mb(), 1)
            figures["rss_before_import_mb"] = round(rss0, 1)
            conn = await asyncpg.connect(url)
            await conn.execute("ANALYZE")
            await conn.close()
            authorizer = Authorizer()
            await authorizer.reload()
            loaded = await load_principal(user.id)
            assert loaded is not None
            decisions = Decisions(authorizer, loaded[0])

            async def export(out: Path) -> Any:
                return await run_export(decisions, scope=f"agency:{agency.id}", start=date(2024, 1, 1), end=date(2026, 3, 1),
                                        hashed=False, now=NOW, tz=tz, out=out, implementation_id="bench")

            t0 = time.perf_counter()
            exported = await export(Path(tmp) / "export.zip")
            figures["export_s"] = round(time.perf_counter() - t0, 1)
            figures["export_rows"] = sum(exported.row_counts.values())
            figures["export_clients"] = exported.row_counts["Client"]
            figures["export_zip_mb"] = round(exported.size_bytes / 2**20, 1)
            tracemalloc.start()
            await export(Path(tmp) / "export2.zip")
            figures["export_peak_traced_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
    return figures


def run(clients: int, *, server: str = SERVER, database: str = "hearth_bench_hud", seed: int = 7) -> dict[str, Any]:
    """One size in a fresh Python process (its own peak memory); the figures as a dict."""
    out = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, __file__, "--one", str(clients), "--server", server, "--database", database, "--seed", str(seed)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL")
    parser.add_argument("--database", default="hearth_bench_hud", help="scratch database (dropped and recreated)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(asyncio.run(measure(args.one, server=args.server, database=args.database, seed=args.seed))))
        return
    for n in args.clients:
        figures = run(n, server=args.server, database=args.database, seed=args.seed)
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
