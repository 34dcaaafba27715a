"""What a HUD CSV export may hold and through which lens: the scope's permission check
(``hud_csv:export`` in policies.csv), and the rule that a client-level file goes only to a
caller who reads the client data of the whole scope, through their own client scope (decision
162). See ``services.hudcsv.export``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from authz.clients import ClientScope
from authz.enforcer import Decisions
from authz.resources import Action, Resource
from services.errors import Forbidden
from services.reports.scope import ReportScope, check_period, parse_scope, plan_scope

__all__ = [
    "CSV_VERSION",
    "HASHED",
    "NOT_A_READER",
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

# The refusal of a client-level file to a caller who reads no client data in the scope: what
# such a caller may have instead (policies 109 and 405; decision 162).
NOT_A_READER = (
    "A HUD CSV export holds client-level rows (PII under policy 405), so it goes only to a"
    " caller who reads the client data of the whole scope. Run the aggregate report"
    " (aggregateReport; hearth report aggregate) for counts with small cells suppressed."
)
LEAD_AGENCY_EXTRACT = (
    " Client-level data leaves the Lead Agency only as a DSA extract: the data a Data Sharing"
    " Agreement the Data Strategy Board approved names."
)


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
    """Check the caller may export ``scope`` (``services.reports.scope``) and reads the client
    data of the whole scope: their own client scope is the lens, hashed or not as asked. A
    caller who may export there but reads no client data in it (a reporting-only HDC, the Lead
    Agency) is refused (FORBIDDEN, field ``scope``) with a pointer to the aggregate report."""
    check_period(start, end)
    plan = await plan_scope(
        decisions,
        scope,
        resource=Resource.HUD_CSV,
        action=Action.EXPORT,
        today=today,
        forbidden="You may not export that scope.",
    )
    if not plan.reads:
        lead = decisions.system_wide(Resource.HUD_CSV, Action.EXPORT)
        raise Forbidden(NOT_A_READER + (LEAD_AGENCY_EXTRACT if lead else ""), field="scope")
    hash_status = HASHED if hashed else UNHASHED
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
