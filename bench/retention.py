"""The retention plan's computation over a seeded database (policy 303, issue 18 item 6).

Times ``services.retention.create_plan`` (the inactive clients found by their change records,
stored with their counts by agency and project) as the database's System Administrator, on a
day whose cut-off falls inside the generated data (the generator's activity spans the three
years before its anchor), in a transaction that is rolled back: the bench data is never changed
(on a database without migration 0027, its tables and columns are stand-ins of that same
transaction, so they vanish with it; the seeded data and schema are left as they were).

    PYTHONPATH=. python -m bench.retention --database hearth_bench_hud_100000
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from api.db import tortoise_config
from api.settings import Settings

__all__ = ["run"]


# Migration 0027's tables and columns, for a database that does not have them yet, without a
# lock on the seeded tables (other benches read them meanwhile): temporary objects of the timed
# transaction's session, which shadow the public ones (pg_temp comes first on the search path)
# and are rolled back with it. A temporary table may not refer to a permanent one: the plan's
# client ids are not checked against ``client`` here (the migrated table does; a few ms more).
_SCRATCH_DDL = (
    "CREATE TEMPORARY VIEW client AS SELECT c.*, NULL::timestamptz AS deidentified_at,"
    " NULL::uuid AS deidentified_by_plan_id FROM public.client c",
    "CREATE TEMPORARY TABLE retention_plan (id uuid PRIMARY KEY, status varchar(24) NOT NULL,"
    " as_of date NOT NULL, cutoff date NOT NULL, planned_by_id uuid NOT NULL,"
    " planned_at timestamptz NOT NULL, client_count int NOT NULL DEFAULT 0, note varchar(1000),"
    " motion_id uuid, decided_at timestamptz, dry_run_at timestamptz, dry_run_by_id uuid,"
    " dry_run_report jsonb, run_by_id uuid, run_started_at timestamptz,"
    " run_completed_at timestamptz, deidentified int NOT NULL DEFAULT 0,"
    " skipped int NOT NULL DEFAULT 0)",
    "CREATE TEMPORARY TABLE retention_plan_client (id bigserial PRIMARY KEY,"
    " plan_id uuid NOT NULL REFERENCES retention_plan (id) ON DELETE CASCADE,"
    " client_id uuid NOT NULL, outcome varchar(16), done_at timestamptz,"
    " UNIQUE (plan_id, client_id))",
    "CREATE TEMPORARY TABLE retention_plan_line (id serial PRIMARY KEY,"
    " plan_id uuid NOT NULL REFERENCES retention_plan (id) ON DELETE CASCADE,"
    " agency_id uuid NOT NULL, project_id uuid, clients int NOT NULL)",
)


class _RolledBack(Exception):
    """Raised inside the plan's transaction to undo it once timed."""


async def run(server: str, database: str, *, runs: int = 3) -> dict[str, Any]:
    """Time the plan ``runs`` times (each rolled back); the figures."""
    from tortoise.connection import get_connection
    from tortoise.context import TortoiseContext
    from tortoise.transactions import in_transaction

    from authz.enforcer import Authorizer, Decisions
    from models.enums import SystemRole
    from models.users import SystemRoleGrant
    from services import retention
    from services.caller import Caller
    from services.principals import load_principal

    url = urlunsplit(urlsplit(server)._replace(path=f"/{database}"))
    settings = Settings(env="test")
    config = tortoise_config(url, settings, app=True)  # as the API runs it: the app role
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        rows = await get_connection("default").execute_query_dict(
            "SELECT count(*) AS n, max(last_activity_at) AS latest FROM client"
        )
        clients, latest = int(rows[0]["n"]), rows[0]["latest"]
        # A plan day in the window whose cut-off is a year and a half before the data's last
        # activity: a real share of the clients is inactive, the rest are not.
        anchor = latest.date() if latest else date.today()
        as_of = date(anchor.year + 5, 10, 15)
        grant = await SystemRoleGrant.filter(role=SystemRole.SYSTEM_ADMINISTRATOR).first()
        if grant is None:
            return {"figure": "not available (no System Administrator in the database)"}
        loaded = await load_principal(grant.user_id)
        assert loaded is not None
        authorizer = Authorizer()
        await authorizer.reload()
        tz = ZoneInfo(settings.timezone)
        now = datetime(as_of.year, as_of.month, as_of.day, 16, tzinfo=UTC)
        caller = Caller(Decisions(authorizer, loaded[0]), now, tz)
        times: list[float] = []
        planned = lines = 0
        migrated = (
            await get_connection("default").execute_query_dict(
                "SELECT to_regclass('retention_plan') IS NOT NULL AS migrated"
            )
        )[0]["migrated"]
        for _ in range(runs):
            try:
                async with in_transaction() as conn:
                    if not migrated:
                        for statement in _SCRATCH_DDL:
                            await conn.execute_script(statement)
                    t0 = time.perf_counter()
                    plan = await retention.create_plan(caller=caller)
                    times.append(time.perf_counter() - t0)
                    planned = plan.client_count
                    lines = len(await retention.plan_lines(plan))
                    raise _RolledBack
            except _RolledBack:
                pass
    best, worst = min(times), max(times)
    return {
        "clients": clients,
        "as_of": as_of.isoformat(),
        "planned": planned,
        "lines": lines,
        "best_s": round(best, 2),
        "max_s": round(worst, 2),
        "runs": runs,
        "scratch_tables": not migrated,
        "figure": f"{planned:,} of {clients:,} clients planned as of {as_of.isoformat()} "
        f"({lines} agency and project counts): best {best:.2f} s, max {worst:.2f} s of {runs} "
        "(rolled back)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="hearth_bench_hud_100000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(asyncio.run(run(args.server, args.database, runs=args.runs)))


if __name__ == "__main__":
    main()
