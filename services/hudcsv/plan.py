"""What a HUD CSV export may hold and through which lens: the scope's permission check
(``hud_csv:export`` in policies.csv) and the choice of lens (the caller's own client scope, or
the client-data policy's reporting lens). See ``services.hudcsv.export``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from authz.clients import ClientScope
from authz.enforcer import Decisions
from authz.resources import Action, Resource
from services.reports.scope import ReportScope, check_period, parse_scope, plan_scope

__all__ = [
    "CSV_VERSION",
    "HASHED",
    "SOFTWARE_NAME",
    "SOFTWARE_VERSION",
    "UNHASHED",
    "ExportPlan",
    "ExportScope",
    "parse_scope",
    "plan_export",
]

CSV_VERSION = "2026"
SOFTWARE_NAME = "Hearth"
SOFTWARE_VERSION = "0.1.0"
HASHED, UNHASHED = 4, 1


ExportScope = ReportScope


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """What to export, seen through which lens."""

    scope: ExportScope
    start: date
    end: date
    project_ids: tuple[UUID, ...]
    lens: ClientScope
    hash_status: int
    actor_id: UUID | None
    actor_agency: UUID | None


async def plan_export(
    decisions: Decisions, scope: ExportScope, *, start: date, end: date, hashed: bool, today: date
) -> ExportPlan:
    """Check the caller may export ``scope`` and choose the lens (``services.reports.scope``):
    the caller's own client scope where it reads client data in the whole scope (hashed or not,
    as asked), the reporting lens otherwise (always hashed)."""
    check_period(start, end)
    plan = await plan_scope(
        decisions,
        scope,
        resource=Resource.HUD_CSV,
        action=Action.EXPORT,
        today=today,
        forbidden="You may not export that scope.",
    )
    hash_status = HASHED if hashed or not plan.reads else UNHASHED
    return ExportPlan(
        scope=scope,
        start=start,
        end=end,
        project_ids=plan.project_ids,
        lens=plan.lens,
        hash_status=hash_status,
        actor_id=decisions.principal.user_id,
        actor_agency=plan.single_agency,
    )
