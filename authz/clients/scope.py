"""Whose client data a caller reads for: their agencies, their CANs, worked out once per request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.enums import AccessLevel
from models.governance import Agency

__all__ = ["ClientScope", "client_scope", "dsa_lens", "reporting_lens"]


@dataclass(frozen=True, slots=True)
class ClientScope:
    """What one caller may do with client data, worked out once per request."""

    read_agencies: frozenset[UUID]
    write_agencies: frozenset[UUID]
    full_agencies: frozenset[UUID]
    recipient_cans: frozenset[UUID]
    backbone_cans: frozenset[UUID]
    today: date
    # For each CAN the caller is backbone staff of: the agencies of that CAN.
    backbone_agencies: Mapping[UUID, frozenset[UUID]] = field(default_factory=dict)
    # False for a lens that never shows 42 CFR Part 2 data, not even its own agencies' (the
    # reporting lens of a HUD CSV export).
    part2: bool = True

    @property
    def empty(self) -> bool:
        return not self.read_agencies and not self.backbone_cans


async def client_scope(decisions: Decisions, today: date) -> ClientScope:
    """The caller's agencies for reading and writing clients, and the CANs that widen it."""
    principal = decisions.principal
    read = decisions.agencies(Resource.CLIENT, Action.READ)
    backbone: dict[UUID, set[UUID]] = {can: set() for can in principal.can_staff}
    if principal.can_staff:
        rows = await Agency.filter(can_id__in=list(principal.can_staff)).values("id", "can_id")
        for row in rows:
            backbone[row["can_id"]].add(row["id"])
        # Backbone staff hold FULL or VIEW_ONLY at the backbone agency (a REPORTING_ONLY member is
        # never staff: the enforcer's assignments leave it out), so their own level already
        # decides what they read of the backbone agency's own clients.
    write = decisions.agencies(Resource.CLIENT, Action.UPDATE)
    full = frozenset(a for a in write if principal.memberships.get(a) == AccessLevel.FULL)
    # The CANs of the caller's reading agencies: known from the principal for its memberships
    # (loaded with them); asked of the database only for others (a service account's agencies).
    known = principal.agency_cans
    cans: set[UUID] = {can for a in read if a in known and (can := known[a]) is not None}
    unknown = [a for a in read if a not in known]
    if unknown:
        found = Agency.filter(id__in=unknown, can_id__isnull=False).values_list("can_id", flat=True)
        cans.update(UUID(str(can)) for can in await found)
    return ClientScope(
        read_agencies=read,
        write_agencies=write,
        full_agencies=full,
        recipient_cans=frozenset(cans),
        backbone_cans=principal.can_staff,
        today=today,
        backbone_agencies={can: frozenset(agencies) for can, agencies in backbone.items()},
    )


async def reporting_lens(agencies: frozenset[UUID], today: date) -> ClientScope:
    """What ``agencies`` hold, seen by someone who reads no client there (an HDC whose licence is
    reporting-only, the Lead Agency): their clients and records, releases made to them, no full
    SSN (no FULL access) and never 42 CFR Part 2 data."""
    found = Agency.filter(id__in=list(agencies), can_id__isnull=False).values_list(
        "can_id", flat=True
    )
    return ClientScope(
        read_agencies=agencies,
        write_agencies=frozenset(),
        full_agencies=frozenset(),
        recipient_cans=frozenset(UUID(str(can)) for can in await found),
        backbone_cans=frozenset(),
        today=today,
        part2=False,
    )


async def dsa_lens(agencies: frozenset[UUID], today: date) -> ClientScope:
    """What a Data Sharing Agreement approved by the Data Strategy Board releases (policy 405):
    what ``agencies`` (the DSA's scope) hold, as the agencies themselves see it, for an extract
    the Lead Agency produces without reading any client itself. The DSA is the legal basis for
    the PII it names, so the scope's agencies stand as FULL access: a client's full SSN where an
    agency of the scope holds the client's consent (the last four digits elsewhere, as for
    anyone), identifying data where the client's consent or a release in force shares it with
    them. Never 42 CFR Part 2 data: substance use records need the client's own written consent
    to each disclosure, which a DSA is not. Which columns leave is the DSA's approved variables,
    decided by the extract, not here."""
    found = Agency.filter(id__in=list(agencies), can_id__isnull=False).values_list(
        "can_id", flat=True
    )
    return ClientScope(
        read_agencies=agencies,
        write_agencies=frozenset(),
        full_agencies=agencies,
        recipient_cans=frozenset(UUID(str(can)) for can in await found),
        backbone_cans=frozenset(),
        today=today,
        part2=False,
    )
