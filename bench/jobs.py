"""The batch jobs ``make bench`` times after the load: the User Access Report over its audit
rows, the HUD CSV export (``bench.user_access_report``, ``bench.hud_csv``), and the statewide
reports over the HUD CSV step's data set: data quality, aggregates, the retention plan
(``bench.data_quality``, ``bench.aggregates``, ``bench.retention``)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

__all__ = ["batch_jobs"]


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
    jobs.extend(await _reports(args, uar_server))
    return jobs


async def _reports(args: argparse.Namespace, server: str) -> list[dict[str, Any]]:
    """Issue 18's statewide reports over the HUD CSV step's seeded data set (the seed step has
    brought it up to the code's migrations): the data quality report, the aggregate reports,
    the retention plan (rolled back). Each reads the data set and leaves it as it was."""
    if not args.hud_clients:
        return [{"name": "Reports", "figure": "skipped (--hud-clients 0)"}]
    from bench import aggregates, data_quality, retention

    database = f"hearth_bench_hud_{args.hud_clients}"
    size = f"{args.hud_clients:,} clients"
    dq = await data_quality.run(server, database, quiet=True)
    agg = await aggregates.run(server, database)
    slowest = max((name for name, _ in aggregates.REPORTS), key=lambda n: agg[f"aggregate_{n}_s"])
    plan = await retention.run(server, database)
    return [
        {
            "name": f"Data quality report, statewide, {size}",
            "figure": f"median {dq['median_s']} s, max {dq['max_s']} s ({dq['persons']:,} "
            f"clients in the year, {dq['cells']} cells, {dq['runs']} runs)",
            **{f"data_quality_{k}": v for k, v in dq.items()},
        },
        {
            "name": f"Aggregate reports, statewide, {size}",
            "figure": f"{len(aggregates.REPORTS)} reports; the slowest, by {slowest}: "
            f"{agg[f'aggregate_{slowest}_s']} s warm ({agg[f'aggregate_{slowest}_cold_s']} s "
            "cold), small cells suppressed",
            **agg,
        },
        {
            "name": f"Retention plan, {size}",
            "figure": plan["figure"],
            **{f"retention_{k}": v for k, v in plan.items() if k != "figure"},
        },
    ]


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
