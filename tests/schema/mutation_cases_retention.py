"""The valid calls of tests/schema/mutation_cases.py, continued: the 7-year retention run
(policy 303), its mutations and the queries that take ids. Each moves the suite's clock into the
window (1 October - 31 December) and signs the System Administrator in again there."""

from __future__ import annotations

from datetime import UTC, date, datetime

from models.retention import RetentionPlan, RetentionStatus
from tests.schema.mutation_cases import Call, World, case
from tests.schema.query_cases import query_case

__all__: list[str] = []

IN_WINDOW = datetime(2026, 10, 15, 16, 0, tzinfo=UTC)


async def _admin_in_window(w: World) -> str:
    if w.api.clock.now() < IN_WINDOW:
        w.api.clock.set(IN_WINDOW)
        w.tokens.pop("admin", None)
    return await w.token("admin")


async def _plan(w: World, status: RetentionStatus, *, dry_run: bool = False) -> RetentionPlan:
    now = w.api.clock.now()
    return await RetentionPlan.create(
        status=status,
        as_of=date(2026, 10, 15),
        cutoff=date(2019, 10, 15),
        planned_by=w.admin,
        planned_at=now,
        decided_at=now,
        dry_run_at=now if dry_run else None,
    )


@case("planRetention")
async def _plan_retention(w: World) -> Call:
    return await _admin_in_window(w), {"input": {"note": "Seven years since 2019."}}


@case("dryRunRetentionPlan")
async def _dry_run(w: World) -> Call:
    token = await _admin_in_window(w)
    plan = await _plan(w, RetentionStatus.AUTHORIZED)
    return token, {"input": {"planId": str(plan.id)}}


@case("runRetentionPlan")
async def _run(w: World) -> Call:
    token = await _admin_in_window(w)
    plan = await _plan(w, RetentionStatus.AUTHORIZED, dry_run=True)
    return token, {"input": {"planId": str(plan.id)}}


@query_case("retentionPlans")
async def _retention_plans(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("retentionPlan")
async def _retention_plan(w: World) -> Call:
    plan = await _plan(w, RetentionStatus.AWAITING_AUTHORIZATION)
    return await w.token("admin"), {"id": str(plan.id)}
