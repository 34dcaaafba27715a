"""A HUD CSV file's organizations, each mapped to the Hearth agency whose records its rows become.

In order, an organization goes to: the agency the mapping names for it (``--map ORG=AGENCY``, a
mapping file); the agency an earlier import created from it (same source, same OrganizationID);
the one agency of ``--agency`` (the single-agency form: every organization is it); the agency
whose id it is (a Hearth export's OrganizationID); a new agency created from its row when asked
(``--create-agencies``), without an MOU, so it has no access until the Lead Agency records one
(policy 101). Anything else is a problem on its Organization row, as is a new agency whose name
is taken. An organization the source deleted before Hearth knew it is left out. A victim
service provider's organization is mapped (or created, flagged as one) for its projects' data
(bed inventory, funders); client data at its projects is refused by the writer (policy 208).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from models.governance import Agency, ContinuumOfCare
from services import governance_log
from services.hudcsv.problems import _Problems
from services.hudcsv.read import _Archive

__all__ = ["OrganizationMap"]

_HEX32 = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class OrganizationMap:
    """How the file's organizations become agencies (see the module docstring)."""

    agencies: dict[str, UUID] = field(default_factory=dict)
    default: UUID | None = None
    create: bool = False


def _hex(text: str) -> UUID | None:
    lowered = text.lower().replace("-", "")
    return UUID(lowered) if _HEX32.match(lowered) else None


async def map_organizations(
    archive: _Archive,
    problems: _Problems,
    mapping: OrganizationMap,
    *,
    source_system: str,
    conn: Any,
    now: Any,
) -> tuple[dict[str, Agency], dict[str, str]]:
    """(OrganizationID -> agency, OrganizationID -> name of each agency created); the agencies
    created are written on ``conn`` (rolled back with the import)."""
    orgs = [(line, row) for line, row in archive.rows("Organization", problems)]
    cocs = _cocs_by_organization(archive, problems)
    named = {a.id: a for a in await Agency.filter(id__in=list(mapping.agencies.values()))}
    if mapping.default is not None:
        default = await Agency.get_or_none(id=mapping.default)
        if default is not None:
            named[default.id] = default
    ours = {
        a.source_id: a
        for a in await Agency.filter(
            source_system=source_system, source_id__in=[r["OrganizationID"] for _, r in orgs]
        )
    }
    hexes = [_hex(r["OrganizationID"]) for _, r in orgs]
    hearth = {a.id: a for a in await Agency.filter(id__in=[h for h in hexes if h is not None])}
    taken: set[str] = {
        str(name)
        for name in await Agency.filter(
            name__in=[r["OrganizationName"] for _, r in orgs]
        ).values_list("name", flat=True)
    }
    result: dict[str, Agency] = {}
    created: dict[str, str] = {}
    for line, row in orgs:
        org = row["OrganizationID"]
        agency: Agency | None = None
        if row.get("DateDeleted") and org not in ours:
            continue  # deleted in the source before Hearth knew it: nothing to map
        if org in mapping.agencies:
            agency = named.get(mapping.agencies[org])
            if agency is None:
                problems.add(
                    "Organization.csv",
                    line,
                    "OrganizationID",
                    f"mapped to agency {mapping.agencies[org]}, which does not exist",
                )
                continue
        elif org in ours:
            agency = ours[org]
        elif mapping.default is not None:
            agency = named.get(mapping.default)
        elif (h := _hex(org)) is not None and h in hearth:
            agency = hearth[h]
        elif mapping.create:
            agency = await _create(row, line, problems, cocs, taken, source_system, conn, now)
            if agency is not None:
                created[org] = agency.name
        else:
            problems.add(
                "Organization.csv",
                line,
                "OrganizationID",
                f"no agency for organization {org[:40]!r}: map it (--map {org[:40]}=AGENCY_ID or "
                "--mapping) or create it (--create-agencies)",
            )
        if agency is None:
            continue
        result[org] = agency
    return result, created


def _cocs_by_organization(archive: _Archive, problems: _Problems) -> dict[str, str]:
    """The CoC code of each organization's first project (ProjectCoC), for an agency created."""
    org_of = {
        row["ProjectID"]: row["OrganizationID"] for _, row in archive.rows("Project", problems)
    }
    cocs: dict[str, str] = {}
    for _, row in archive.rows("ProjectCoC", problems):
        org = org_of.get(row["ProjectID"])
        if org is not None and row["CoCCode"]:
            cocs.setdefault(org, row["CoCCode"])
    return cocs


async def _create(
    row: dict[str, str],
    line: int,
    problems: _Problems,
    cocs: dict[str, str],
    taken: set[str],
    source_system: str,
    conn: Any,
    now: Any,
) -> Agency | None:
    org, name = row["OrganizationID"], row["OrganizationName"][:200]
    if name in taken:
        problems.add(
            "Organization.csv",
            line,
            "OrganizationName",
            "an agency of this name exists: map the organization to it (--map) or rename it",
        )
        return None
    coc = await ContinuumOfCare.get_or_none(code=cocs.get(org, "").upper())
    if coc is None:
        problems.add(
            "Organization.csv",
            line,
            "OrganizationID",
            "no project of the organization names a known Continuum of Care (ProjectCoC.CoCCode)",
        )
        return None
    taken.add(name)
    agency = Agency(
        id=uuid4(),
        name=name,
        common_name=(row.get("OrganizationCommonName") or None),
        victim_service_provider=row.get("VictimServiceProvider") == "1",
        coc_id=coc.id,
        source_system=source_system,
        source_id=org,
    )
    await agency.save(using_db=conn)
    await governance_log.record(
        None,
        "agency.create",
        entity_type="Agency",
        entity_id=agency.id,
        now=now,
        agency_id=agency.id,
        after={"name": name, "source": f"HUD CSV import, organization {org}"[:200]},
        reason="Created by a HUD CSV import; its MOU is still to be recorded (policy 101).",
    )
    return agency
