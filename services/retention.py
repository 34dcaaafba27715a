"""Policy 303's retention plan: after the federal fiscal year closes (1 October - 31 December),
the System Administrator lists the clients with no activity for seven years, counted by agency
and project; the Data Strategy Board authorizes it by a motion (docs/retention.md).

The plan stores its exact clients, so the run (``services.retention_run``) works on what the
board authorized and not on a set that moved since.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.clients import row_security
from authz.resources import Action, Resource
from models.dsb import Meeting, Motion, MotionStatus, MotionSubject
from models.retention import RetentionPlan, RetentionPlanLine, RetentionStatus
from services import elements, governance_log
from services.caller import Caller
from services.dsb.common import add_years
from services.dsb.subjects import register
from services.errors import Conflict, Forbidden, NotFound
from services.progress import Progress, tell
from services.retention_activity import INACTIVE_CLIENTS_SQL

__all__ = [
    "RETENTION_YEARS",
    "PlanProgress",
    "check_window",
    "create_plan",
    "cutoff_instant",
    "get_plan",
    "in_window",
    "log_plan",
    "plan_lines",
    "plan_progress",
    "require_read",
]

RETENTION_YEARS = 7


def in_window(day: date) -> bool:
    """1 October to 31 December: after the federal fiscal year closes, before the year ends."""
    return day.month >= 10


def check_window(caller: Caller) -> None:
    """CONFLICT outside the window (nothing is changed)."""
    if not in_window(caller.today):
        raise Conflict(
            "Retention plans and runs are made between 1 October and 31 December (policy 303).",
            field="today",
        )


def cutoff_instant(plan: RetentionPlan, caller: Caller) -> datetime:
    """The first instant after the cut-off day (local midnight): activity before it is old."""
    return datetime.combine(plan.cutoff + timedelta(days=1), time(0), tzinfo=caller.timezone)


def _require(caller: Caller, action: Action, doing: str) -> None:
    if not caller.decisions.system_wide(Resource.RETENTION, action):
        raise Forbidden(f"You may not {doing}.")


async def log_plan(
    caller: Caller, action: str, plan: RetentionPlan, after: Mapping[str, object]
) -> None:
    """One governance-log row for a step of the plan (made, decided, dry-run, run, completed)."""
    await governance_log.record(
        caller.principal,
        action,
        entity_type="RetentionPlan",
        entity_id=plan.id,
        now=caller.now,
        after=after,
    )


async def create_plan(
    *, caller: Caller, note: str | None = None, progress: Progress | None = None
) -> RetentionPlan:
    """List (and store) the clients with no activity since the cut-off, seven years before
    today, with their counts by agency and project; the plan awaits the board."""
    _require(caller, Action.CREATE, "make a retention plan")
    check_window(caller)
    as_of = caller.today
    text = elements.text(note, "note", 1000)
    plan = RetentionPlan(
        note=text or None,
        as_of=as_of,
        cutoff=add_years(as_of, -RETENTION_YEARS),
        planned_by_id=caller.principal.user_id,
        planned_at=caller.now,
    )
    tell(progress, "inactive clients", 0)
    # An administrative act over every agency's clients, reading ids and counts only.
    with row_security.system():
        async with in_transaction() as conn:
            await plan.save(using_db=conn)
            _, rows = await conn.execute_query(
                _PLAN_SQL,
                [cutoff_instant(plan, caller), plan.id],
            )
            count = int(rows[0]["n"])
            await conn.execute_query(_LINES_SQL, [plan.id])
            plan.client_count = count
            await plan.save(update_fields=["client_count"], using_db=conn)
            await log_plan(
                caller,
                "retention_plan.create",
                plan,
                {"asOf": as_of, "cutoff": plan.cutoff, "clients": count},
            )
    tell(progress, "inactive clients", count, count)
    return plan


_PLAN_SQL = (
    "WITH planned AS (INSERT INTO retention_plan_client (plan_id, client_id)"  # noqa: S608 (constants)
    f" SELECT $2::uuid, x.id FROM ({INACTIVE_CLIENTS_SQL}) x ORDER BY x.id"
    " RETURNING 1) SELECT count(*) AS n FROM planned"
)
# Per project: distinct clients with an enrollment there; per agency (project null): distinct
# clients it holds records of, as the creating agency or through an enrollment.
_LINES_SQL = """
INSERT INTO retention_plan_line (plan_id, agency_id, project_id, clients)
SELECT $1::uuid, e.agency_id, e.project_id, count(DISTINCT e.client_id)
  FROM retention_plan_client rc JOIN enrollment e ON e.client_id = rc.client_id
 WHERE rc.plan_id = $1::uuid
 GROUP BY e.agency_id, e.project_id
UNION ALL
SELECT $1::uuid, h.agency_id, NULL, count(DISTINCT h.client_id) FROM (
  SELECT c.created_by_agency_id AS agency_id, c.id AS client_id
    FROM retention_plan_client rc JOIN client c ON c.id = rc.client_id WHERE rc.plan_id = $1::uuid
  UNION ALL
  SELECT e.agency_id, e.client_id
    FROM retention_plan_client rc JOIN enrollment e ON e.client_id = rc.client_id
   WHERE rc.plan_id = $1::uuid) h
 GROUP BY h.agency_id
"""


def require_read(caller: Caller) -> None:
    """The System Administrator, the board's members and the Lead Agency read plans (counts,
    no client data)."""
    _require(caller, Action.READ, "read retention plans")


async def get_plan(*, caller: Caller, plan_id: UUID, field: str = "planId") -> RetentionPlan:
    require_read(caller)
    plan = await RetentionPlan.get_or_none(id=plan_id)
    if plan is None:
        raise NotFound("No such retention plan.", field=field)
    return plan


async def plan_lines(plan: RetentionPlan) -> list[RetentionPlanLine]:
    """The plan's counts: agency totals and their projects."""
    return await RetentionPlanLine.filter(plan_id=plan.id).order_by("agency_id", "project_id")


@dataclass(frozen=True, slots=True)
class PlanProgress:
    clients: int
    deidentified: int
    skipped: int

    @property
    def pending(self) -> int:
        return self.clients - self.deidentified - self.skipped


def plan_progress(plan: RetentionPlan) -> PlanProgress:
    return PlanProgress(plan.client_count, plan.deidentified, plan.skipped)


# --- the board's motion (services.dsb.subjects) ------------------------------------------------


async def _opened(caller: Caller, meeting: Meeting, subject_id: UUID) -> None:
    """A motion may be put only on a plan awaiting authorization."""
    plan = await RetentionPlan.filter(id=subject_id).select_for_update().first()
    if plan is None:
        raise NotFound("No such retention plan.", field="subjectId")
    if plan.status != RetentionStatus.AWAITING_AUTHORIZATION:
        raise Conflict("The retention plan is decided.", field="subjectId")


async def _decided(caller: Caller, motion: Motion) -> None:
    """A carried motion authorizes the plan, a failed one rejects it; the plan names it."""
    assert motion.subject_id is not None  # a subject's motion
    plan = await RetentionPlan.filter(id=motion.subject_id).select_for_update().get()
    if plan.status != RetentionStatus.AWAITING_AUTHORIZATION:
        return  # decided by an earlier motion: opening a second was refused
    carried = motion.status == MotionStatus.CARRIED
    plan.status = RetentionStatus.AUTHORIZED if carried else RetentionStatus.REJECTED
    plan.motion_id = motion.id
    plan.decided_at = caller.now
    await plan.save(update_fields=["status", "motion_id", "decided_at"])
    await log_plan(
        caller, "retention_plan.decide", plan, {"status": plan.status, "motionId": motion.id}
    )


register(MotionSubject.RETENTION_PLAN, opened=_opened, decided=_decided)
