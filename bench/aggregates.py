"""Benchmark: statewide aggregate reports (issue 18) over the 100,000-client generated database.

Reads an existing database seeded by ``bench/hud_csv.py`` (``hearth_bench_hud_100000``: the
generator's data set; nothing is written to it, not even the report's audit row): plans the
statewide scope as the generated Lead Agency user (``lead.agency``: the reporting lens), then
times one-way and two-way reports, counted in SQL and suppressed
(``services.reports.aggregates.tabulate``), each run twice (cold, then warm)::

    .venv/bin/python -m bench.aggregates --server postgres://postgres@127.0.0.1:5432 \
        --database hearth_bench_hud_100000

``run(server, database)`` returns the figures as a dict (for ``make bench``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "hearth_bench_hud_100000"
LEAD = "lead.agency"  # the generator's Lead Agency user
ANCHOR = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
START = ANCHOR - timedelta(days=3 * 365 + 1)  # the generator's three years
# What is timed: the report's name, its dimensions.
REPORTS = (
    ("project", ("PROJECT",)),
    ("age_band", ("AGE_BAND",)),
    ("household_type", ("HOUSEHOLD_TYPE",)),
    ("race_ethnicity", ("RACE_ETHNICITY",)),
    ("destination", ("DESTINATION",)),
    ("length_of_stay", ("LENGTH_OF_STAY",)),
    ("age_band_x_household_type", ("AGE_BAND", "HOUSEHOLD_TYPE")),
    ("project_x_race_ethnicity", ("PROJECT", "RACE_ETHNICITY")),
    ("sex_x_veteran_status", ("SEX", "VETERAN_STATUS")),
)


def _url(server: str, database: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{database}"))


async def run(server: str = SERVER, database: str = DATABASE) -> dict[str, Any]:
    """Time each report of :data:`REPORTS` statewide, over the last three years; seconds."""
    from tortoise.context import TortoiseContext

    from api.db import tortoise_config
    from api.settings import Settings
    from authz.enforcer import Authorizer, Decisions
    from authz.resources import Action, Resource
    from models.users import User
    from services.principals import load_principal
    from services.reports.aggregates import Dimension, tabulate
    from services.reports.scope import ReportScope, plan_scope

    figures: dict[str, Any] = {"aggregate_database": database}
    async with TortoiseContext() as ctx:
        # as the API runs it: the app role, under row-level security (system mode for counts)
        await ctx.init(
            config=tortoise_config(_url(server, database), Settings(env="test"), app=True)
        )
        user = await User.get(username=LEAD)
        authorizer = Authorizer()
        await authorizer.reload()
        loaded = await load_principal(user.id)
        assert loaded is not None
        decisions = Decisions(authorizer, loaded[0])
        t0 = time.perf_counter()
        plan = await plan_scope(
            decisions,
            ReportScope("all"),
            resource=Resource.AGGREGATE_REPORT,
            action=Action.READ,
            today=ANCHOR,
        )
        figures["aggregate_plan_s"] = round(time.perf_counter() - t0, 3)
        for name, dims in REPORTS:
            for attempt in ("cold", "warm"):
                t0 = time.perf_counter()
                report = await tabulate(plan, [Dimension(d) for d in dims], start=START, end=ANCHOR)
                seconds = round(time.perf_counter() - t0, 3)
                if attempt == "cold":
                    figures[f"aggregate_{name}_cold_s"] = seconds
                else:
                    figures[f"aggregate_{name}_s"] = seconds
            figures[f"aggregate_{name}_clients"] = report.total.count
            figures[f"aggregate_{name}_suppressed"] = sum(
                c.suppressed for c in (*report.cells, *report.totals)
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--database", default=DATABASE)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.server, args.database)), indent=2))


if __name__ == "__main__":
    main()
