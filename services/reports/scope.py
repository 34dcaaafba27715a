"""The scope of a report or an export: ``project:ID``, ``agency:ID``, ``can:ID``, ``coc:ID`` or
``all`` (statewide), who may ask for it, and through which lens its client data is seen.

One implementation for every reader that works over a scope: the HUD CSV export
(``hud_csv:export``), the data quality report, the aggregate reports. The permission is the
caller's (resource, action) line of policies.csv:

- ``all`` and ``coc:ID``: a system-wide grant (the Lead Agency);
- ``can:ID``: a system-wide grant, or the CAN's backbone staff holding the grant in the backbone
  agency;
- ``agency:ID`` and ``project:ID``: a system-wide grant, the grant in that agency, or the
  backbone staff of the agency's CAN.

``reads`` says whether the caller reads client data in the whole scope (its own client scope
covers every agency of it: an HDC of the agency with a full or view-only licence, the CAN's
backbone staff). Then the lens is the caller's own ``ClientScope``; otherwise it is the
client-data policy's reporting lens (``authz.clients.reporting_lens``): what the scope's
agencies hold, never a full SSN, never 42 CFR Part 2 rows. Readers that show rows use ``reads``
to decide whether to show them at all (drill-down) and the lens to mask them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast
from uuid import UUID

from authz.clients import ClientScope, client_scope, reporting_lens
from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.governance import Agency, Can, ContinuumOfCare, Project
from services.errors import Forbidden, ValidationFailed

__all__ = ["KINDS", "ReportScope", "ScopePlan", "check_period", "parse_scope", "plan_scope"]

KINDS = ("project", "agency", "can", "coc", "all")


@dataclass(frozen=True, slots=True)
class ReportScope:
    kind: str  # project, agency, can, coc, all
    id: UUID | None = None

    def __str__(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"


def parse_scope(text: str, *, field: str = "scope") -> ReportScope:
    """``project:ID``, ``agency:ID``, ``can:ID``, ``coc:ID`` or ``all``; VALIDATION otherwise."""
    kind, _, raw = text.strip().partition(":")
    kind = kind.lower()
    if kind == "all" and not raw:
        return ReportScope("all")
    if kind in KINDS and kind != "all" and raw:
        try:
            return ReportScope(kind, UUID(raw))
        except ValueError:
            pass
    raise ValidationFailed("scope is project:ID, agency:ID, can:ID, coc:ID or all.", field=field)


def check_period(start: date, end: date) -> None:
    """A period is inclusive; its end may not precede its start."""
    if end < start:
        raise ValidationFailed("endDate is before startDate.", field="endDate")


@dataclass(frozen=True, slots=True)
class ScopePlan:
    """A scope the caller may work over: its agencies and projects, and the lens."""

    scope: ReportScope
    agency_ids: tuple[UUID, ...]
    project_ids: tuple[UUID, ...]
    reads: bool  # the caller reads client data in every agency of the scope
    lens: ClientScope  # the caller's own scope if ``reads``, else the reporting lens

    @property
    def single_agency(self) -> UUID | None:
        return self.agency_ids[0] if len(self.agency_ids) == 1 else None


def _forbidden(message: str) -> Forbidden:
    return Forbidden(message, field="scope")


async def plan_scope(
    decisions: Decisions,
    scope: ReportScope,
    *,
    resource: Resource,
    action: Action,
    today: date,
    forbidden: str = "You may not work over that scope.",
) -> ScopePlan:
    """Check the caller may use ``scope`` for (resource, action) and choose the lens. A scope
    that does not exist is FORBIDDEN like one the caller may not use (no probing for ids)."""
    principal = decisions.principal
    lead = decisions.system_wide(resource, action)
    own = await client_scope(decisions, today)

    def backbone_of(can: Can | None) -> bool:
        return (
            can is not None
            and can.id in principal.can_staff
            and can.backbone_agency_id is not None
            and decisions.in_agency(resource, action, can.backbone_agency_id)
        )

    # (the casts: Tortoise types a flat values_list as a list of tuples)
    agencies: list[UUID]
    projects: list[UUID]
    if scope.kind in ("all", "coc"):
        if not lead:
            raise _forbidden(forbidden)
        if scope.kind == "all":
            agencies = cast("list[UUID]", await Agency.all().values_list("id", flat=True))
        else:
            if not await ContinuumOfCare.exists(id=scope.id):
                raise _forbidden(forbidden)
            agencies = cast(
                "list[UUID]", await Agency.filter(coc_id=scope.id).values_list("id", flat=True)
            )
        projects = cast(
            "list[UUID]", await Project.filter(agency_id__in=agencies).values_list("id", flat=True)
        )
        reads = bool(agencies) and all(a in own.read_agencies for a in agencies)
    elif scope.kind == "can":
        can = await Can.filter(id=scope.id).first()
        if can is None or not (lead or backbone_of(can)):
            raise _forbidden(forbidden)
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
            raise _forbidden(forbidden)
        can = await Can.filter(id=agency.can_id).first() if agency.can_id else None
        if not (lead or decisions.in_agency(resource, action, agency.id) or backbone_of(can)):
            raise _forbidden(forbidden)
        agencies = [agency.id]
        projects = (
            [project.id]
            if project
            else cast(
                "list[UUID]", await Project.filter(agency_id=agency.id).values_list("id", flat=True)
            )
        )
        reads = agency.id in own.read_agencies or (can is not None and can.id in own.backbone_cans)
    lens = own if reads else await reporting_lens(frozenset(agencies), today)
    return ScopePlan(
        scope=scope,
        agency_ids=tuple(agencies),
        project_ids=tuple(projects),
        reads=reads,
        lens=lens,
    )
