"""What a HUD CSV export may hold and through which lens: the scope's permission check
(``hud_csv:export`` in policies.csv) and the choice of lens (the caller's own client scope, or
the client-data policy's reporting lens). See ``services.hudcsv.export``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast
from uuid import UUID

from authz.clients import ClientScope, client_scope, reporting_lens
from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.governance import Agency, Can, Project
from services.errors import Forbidden, ValidationFailed

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


@dataclass(frozen=True, slots=True)
class ExportScope:
    kind: str  # agency, can, project, all
    id: UUID | None = None

    def __str__(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"


def parse_scope(text: str) -> ExportScope:
    """``agency:ID``, ``can:ID``, ``project:ID`` or ``all``."""
    kind, _, raw = text.strip().partition(":")
    kind = kind.lower()
    if kind == "all" and not raw:
        return ExportScope("all")
    if kind in ("agency", "can", "project") and raw:
        try:
            return ExportScope(kind, UUID(raw))
        except ValueError:
            pass
    raise ValidationFailed("scope is agency:ID, can:ID, project:ID or all.", field="scope")


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


def _forbidden() -> Forbidden:
    return Forbidden("You may not export that scope.", field="scope")


async def plan_export(
    decisions: Decisions, scope: ExportScope, *, start: date, end: date, hashed: bool, today: date
) -> ExportPlan:
    """Check the caller may export ``scope`` and choose the lens (see the module docstring)."""
    if end < start:
        raise ValidationFailed("endDate is before startDate.", field="endDate")
    principal = decisions.principal
    lead = decisions.system_wide(Resource.HUD_CSV, Action.EXPORT)
    own = await client_scope(decisions, today)

    def backbone_of(can: Can | None) -> bool:
        return (
            can is not None
            and can.id in principal.can_staff
            and can.backbone_agency_id is not None
            and decisions.in_agency(Resource.HUD_CSV, Action.EXPORT, can.backbone_agency_id)
        )

    agencies: list[UUID]
    projects: list[UUID]
    if scope.kind == "all":
        if not lead:
            raise _forbidden()
        # (the casts: Tortoise types a flat values_list as a list of tuples)
        agencies = cast("list[UUID]", await Agency.all().values_list("id", flat=True))
        projects = cast("list[UUID]", await Project.all().values_list("id", flat=True))
        reads = False
    elif scope.kind == "can":
        can = await Can.filter(id=scope.id).first()
        if can is None or not (lead or backbone_of(can)):
            raise _forbidden()
        agencies = cast(
            "list[UUID]", await Agency.filter(can_id=can.id).values_list("id", flat=True)
        )
        projects = cast(
            "list[UUID]", await Project.filter(agency_id__in=agencies).values_list("id", flat=True)
        )
        reads = can.id in own.backbone_cans
    else:
        if scope.kind == "project":
            project = await Project.filter(id=scope.id).first()
            agency = await Agency.filter(id=project.agency_id).first() if project else None
        else:
            project = None
            agency = await Agency.filter(id=scope.id).first()
        if agency is None:
            raise _forbidden()
        can = await Can.filter(id=agency.can_id).first() if agency.can_id else None
        if not (
            lead
            or decisions.in_agency(Resource.HUD_CSV, Action.EXPORT, agency.id)
            or backbone_of(can)
        ):
            raise _forbidden()
        agencies = [agency.id]
        projects = (
            [project.id]
            if project
            else cast(
                "list[UUID]", await Project.filter(agency_id=agency.id).values_list("id", flat=True)
            )
        )
        reads = agency.id in own.read_agencies or (can is not None and can.id in own.backbone_cans)
    if reads:
        lens, hash_status = own, HASHED if hashed else UNHASHED
    else:
        lens, hash_status = await reporting_lens(frozenset(agencies), today), HASHED
    return ExportPlan(
        scope=scope,
        start=start,
        end=end,
        project_ids=tuple(projects),
        lens=lens,
        hash_status=hash_status,
        actor_id=principal.user_id,
        actor_agency=agencies[0] if len(agencies) == 1 else None,
    )
