"""What a caller may see of each client: the categories shared with them, and by whom.

Child records (enrollments, services, notes ...) belong to the agency that wrote them. The
caller's own agencies' records are theirs; another agency's are shared only by a release *that
agency recorded* naming their category (a release shares the releasing agency's records, never
another holder's); backbone staff see those written by agencies of the client's CAN, in
:data:`BACKBONE_CATEGORIES`. Substance-use data (42 CFR Part 2) is shared only by a release that
names SUBSTANCE_USE, and a lens without Part 2 (``ClientScope.part2``) never shows it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection

from authz.clients.scope import ClientScope
from authz.clients.visibility import HOLDERS_COLUMN, RELEASES_COLUMN, in_force_sql
from models.clients import Client
from models.enums import ReleaseCategory

__all__ = ["BACKBONE_CATEGORIES", "ClientAccess", "access_for"]

# What CAN backbone staff see of the records created under their CAN with no release (policy
# 207 e; decision 98): who the client is, their enrollments and services, and health data. Case
# notes, domestic violence and substance use (42 CFR Part 2) only where a release names them.
BACKBONE_CATEGORIES = frozenset(
    {
        ReleaseCategory.IDENTIFYING,
        ReleaseCategory.ENROLLMENT_AND_SERVICES,
        ReleaseCategory.HEALTH,
    }
)


@dataclass(frozen=True, slots=True)
class ClientAccess:
    """What the caller may see and do with one client; the UI's ``access { ... }``."""

    scope: ClientScope
    holder_agencies: frozenset[UUID]
    # Categories shared with the caller: by releases in force (not the caller's own agencies')
    # and, for backbone staff, BACKBONE_CATEGORIES.
    categories: frozenset[ReleaseCategory]
    release_ids: tuple[UUID, ...]
    backbone: bool
    # Releasing agency -> the categories its releases in force share with the caller.
    shared: Mapping[UUID, frozenset[ReleaseCategory]] = field(default_factory=dict)
    # Agencies of the client's CAN, when the caller is that CAN's backbone staff.
    backbone_agencies: frozenset[UUID] = frozenset()
    # row_agencies' answers, worked out once per category (an export asks for every row).
    _row_agencies: dict[ReleaseCategory, frozenset[UUID]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def holder(self) -> bool:
        return bool(self.holder_agencies)

    def sees_row(self, agency_id: UUID, category: ReleaseCategory) -> bool:
        """A row of this category written by this agency."""
        return agency_id in self.row_agencies(category)

    def row_agencies(self, category: ReleaseCategory) -> frozenset[UUID]:
        """The agencies whose rows of this category the caller sees: their own agencies', another
        agency's through its own release naming the category, the CAN's agencies' for backbone
        staff (in :data:`BACKBONE_CATEGORIES`); none of Part 2 through a lens without it."""
        known = self._row_agencies.get(category)
        if known is not None:
            return known
        agencies: set[UUID] = set()
        if category != ReleaseCategory.SUBSTANCE_USE or self.scope.part2:
            agencies.update(self.scope.read_agencies)
            agencies.update(a for a, shared in self.shared.items() if category in shared)
            if self.backbone and category in BACKBONE_CATEGORIES:
                agencies.update(self.backbone_agencies)
        known = self._row_agencies[category] = frozenset(agencies)
        return known

    def sees_category(self, category: ReleaseCategory) -> bool:
        """The client's own data of this category (a client row's fields): the caller's agencies
        hold the client's consent, or the category is shared with them."""
        if category == ReleaseCategory.SUBSTANCE_USE and not self.scope.part2:
            return False
        return self.holder or category in self.categories

    @property
    def can_view_identifying(self) -> bool:
        return self.sees_category(ReleaseCategory.IDENTIFYING)

    @property
    def can_view_full_ssn(self) -> bool:
        """Full SSN: FULL access at an agency holding the client's consent. Others who may see
        identifying data see the last four digits only."""
        return bool(self.holder_agencies & self.scope.full_agencies)

    @property
    def can_edit(self) -> bool:
        return bool(self.holder_agencies & self.scope.write_agencies)


# access_for's two statements: arrays for the id lists, so the text is the same for any number
# of clients (one prepared statement) and nothing has to be built per request.
_HOLDERS_SQL = (
    'SELECT "client_id", "agency_id" FROM "consent_to_enter"'
    ' WHERE "client_id" = ANY($1::uuid[]) AND "agency_id" = ANY($2::uuid[])'
)
_RELEASES_SQL = (
    'SELECT r."id", r."client_id", r."categories", r."releasing_agency_id"'  # noqa: S608
    ' FROM "release_of_information" r WHERE r."client_id" = ANY($1::uuid[]) AND '
    + in_force_sql("$2", "= ANY($3::uuid[])", "= ANY($4::uuid[])")
)


def _read_with_access(clients: list[Client]) -> bool:
    """Whether every client was read with its access columns (``authz.clients.reads``)."""
    return all(HOLDERS_COLUMN in vars(c) and RELEASES_COLUMN in vars(c) for c in clients)


def _release_rows(client: Client) -> list[dict[str, Any]]:
    """The client's release column, as the rows ``_RELEASES_SQL`` gives."""
    raw = vars(client)[RELEASES_COLUMN]
    if raw is None:
        return []
    return [
        {
            "id": UUID(str(release)),
            "client_id": client.id,
            "categories": categories,
            "releasing_agency_id": UUID(str(agency)),
        }
        for release, categories, agency in (json.loads(raw) if isinstance(raw, str) else raw)
    ]


async def access_for(scope: ClientScope, clients: list[Client]) -> dict[UUID, ClientAccess]:
    """Access to each client: from the columns it was read with, else in two queries for any
    number of clients. A release recorded by one of the caller's own agencies shares nothing
    with the caller that it does not hold."""
    ids = [c.id for c in clients]
    holders: dict[UUID, set[UUID]] = {i: set() for i in ids}
    shared: dict[UUID, dict[UUID, set[ReleaseCategory]]] = {i: {} for i in ids}
    releases: dict[UUID, list[UUID]] = {i: [] for i in ids}
    if ids and scope.read_agencies:
        if _read_with_access(clients):
            holder_rows = [
                {"client_id": c.id, "agency_id": a}
                for c in clients
                for a in vars(c)[HOLDERS_COLUMN]
            ]
            release_rows = [row for c in clients for row in _release_rows(c)]
        else:
            conn = get_connection("default")
            agencies = list(scope.read_agencies)
            holder_rows = await conn.execute_query_dict(_HOLDERS_SQL, [ids, agencies])
            release_rows = await conn.execute_query_dict(
                _RELEASES_SQL, [ids, scope.today, list(scope.recipient_cans), agencies]
            )
        for row in holder_rows:
            holders[row["client_id"]].add(row["agency_id"])
        for row in release_rows:
            if row["releasing_agency_id"] in scope.read_agencies:
                continue
            categories = row["categories"]
            if isinstance(categories, str):
                categories = json.loads(categories)
            releases[row["client_id"]].append(row["id"])
            shared[row["client_id"]].setdefault(row["releasing_agency_id"], set()).update(
                ReleaseCategory(c) for c in categories
            )
    result = {}
    for client in clients:
        can_id: UUID | None = client.created_under_can_id
        backbone = can_id in scope.backbone_cans
        by_agency = {agency: frozenset(cats) for agency, cats in shared[client.id].items()}
        cats: set[ReleaseCategory] = set().union(*by_agency.values())
        if backbone:
            cats |= BACKBONE_CATEGORIES
        result[client.id] = ClientAccess(
            scope=scope,
            holder_agencies=frozenset(holders[client.id]),
            categories=frozenset(cats),
            release_ids=tuple(sorted(releases[client.id], key=str)),
            backbone=backbone,
            shared=by_agency,
            backbone_agencies=scope.backbone_agencies.get(can_id, frozenset())
            if backbone and can_id is not None
            else frozenset(),
        )
    return result
