"""Walls 2 and 3 for client data: which clients a caller sees (SQL) and which fields (masking).

A client is visible to an agency that holds the client's consent to enter data, to agencies a
release of information in force today covers, and to the backbone staff of the CAN it was created
under (policy 207 e). Child records (enrollments, services, notes ...) belong to the agency that
wrote them: another agency sees them only through a release *recorded by that agency* naming
their category (a release shares the releasing agency's records, never another holder's), and
backbone staff see those written by agencies of the client's CAN. Substance-use data (42 CFR
Part 2) is shared only by a release that names SUBSTANCE_USE.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.clients import Client, ConsentToEnter
from models.enums import AccessLevel, ReleaseCategory, ReleaseScope
from models.governance import Agency
from models.releases import Release, ReleaseRecipient

__all__ = [
    "BACKBONE_CATEGORIES",
    "HOLDERS_COLUMN",
    "RELEASES_COLUMN",
    "ClientAccess",
    "ClientScope",
    "access_columns_sql",
    "access_for",
    "client_scope",
    "identifying_clients",
    "releases_in_force",
    "visible_clients",
    "visible_row_sql",
]

# Backbone staff see everything created under their CAN except Part 2 data.
BACKBONE_CATEGORIES = frozenset(set(ReleaseCategory) - {ReleaseCategory.SUBSTANCE_USE})


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

    @property
    def empty(self) -> bool:
        return not self.read_agencies and not self.backbone_cans


async def client_scope(decisions: Decisions, today: date) -> ClientScope:
    """The caller's agencies for reading and writing clients, and the CANs that widen it."""
    principal = decisions.principal
    read = decisions.agencies(Resource.CLIENT, Action.READ)
    backbone: dict[UUID, set[UUID]] = {can: set() for can in principal.can_staff}
    if principal.can_staff:
        for row in await Agency.filter(can_id__in=list(principal.can_staff)).values("id", "can_id"):
            backbone[row["can_id"]].add(row["id"])
        # Backbone staff hold FULL or VIEW_ONLY at the backbone agency (a REPORTING_ONLY member is
        # never staff: authz/enforcer.py, services/principals.py), so their own level already
        # decides what they read of the backbone agency's own clients.
    write = decisions.agencies(Resource.CLIENT, Action.UPDATE)
    full = frozenset(a for a in write if principal.memberships.get(a) == AccessLevel.FULL)
    # The CANs of the caller's reading agencies: known from the principal for its memberships
    # (loaded with them); asked of the database only for others (a service account's agencies).
    known = principal.agency_cans
    cans = {known[a] for a in read if a in known and known[a] is not None}
    unknown = [a for a in read if a not in known]
    if unknown:
        rows = await Agency.filter(id__in=unknown, can_id__isnull=False).values_list(
            "can_id", flat=True
        )
        cans.update(rows)  # type: ignore[arg-type]
    return ClientScope(
        read_agencies=read,
        write_agencies=write,
        full_agencies=full,
        recipient_cans=frozenset(cans),  # type: ignore[arg-type]
        backbone_cans=principal.can_staff,
        today=today,
        backbone_agencies={can: frozenset(agencies) for can, agencies in backbone.items()},
    )


def releases_in_force(scope: ClientScope) -> QuerySet[Release]:
    """Releases in force today that cover one of the caller's agencies."""
    covering = Q(scope=ReleaseScope.STATEWIDE)
    if scope.recipient_cans:
        covering |= Q(scope=ReleaseScope.CAN, scope_can_id__in=list(scope.recipient_cans))
    if scope.read_agencies:
        named = ReleaseRecipient.filter(agency_id__in=list(scope.read_agencies)).values(
            "release_id"
        )
        covering |= Q(scope=ReleaseScope.AGENCIES, id__in=Subquery(named))
    if not scope.read_agencies:
        return Release.filter(id=None)  # backbone staff alone: releases are not addressed to them
    return Release.filter(
        covering,
        revoked_at__isnull=True,
        starts_on__lte=scope.today,
        expires_on__gte=scope.today,
    )


def _holders(scope: ClientScope) -> Q:
    held = ConsentToEnter.filter(agency_id__in=list(scope.read_agencies))
    return Q(id__in=Subquery(held.values("client_id")))


def visible_clients(scope: ClientScope) -> QuerySet[Client]:
    """Clients the caller may see at all, as one set-based SQL filter (the HUD CSV export uses
    it as a subquery over all clients). Searches and lookups by id use
    :func:`visible_row_sql` (``authz.client_rows``), the same rule tested row by row; the tests
    compare the two."""
    if scope.empty:
        return Client.filter(id=None)
    visible = (
        Q(created_under_can_id__in=list(scope.backbone_cans)) if scope.backbone_cans else Q(id=None)
    )
    if scope.read_agencies:
        visible |= _holders(scope) | Q(
            id__in=Subquery(releases_in_force(scope).values("client_id"))
        )
    return Client.filter(visible)


def _literal_ids(ids: frozenset[UUID] | set[UUID]) -> str:
    """UUIDs as SQL literals (each re-parsed as a UUID: nothing else reaches the SQL text)."""
    return ", ".join(f"'{UUID(str(i))}'" for i in sorted(ids, key=str))


def _in_force_sql(today: str, cans: str, agencies: str) -> str:
    """The condition of :func:`releases_in_force` on a release aliased ``r``, in SQL: not
    revoked, started, not expired, and covering the caller (statewide, one of ``cans`` for scope
    CAN, one of ``agencies`` among its recipients). The arguments are SQL expressions: a
    parameter or a literal for ``today``, membership tests (``= ANY($n)`` or ``IN (...)``) for
    the others."""
    return (
        f'r."revoked_at" IS NULL AND r."starts_on" <= {today} AND r."expires_on" >= {today}'  # noqa: S608
        f""" AND (r."scope" = '{ReleaseScope.STATEWIDE.value}'"""
        f""" OR (r."scope" = '{ReleaseScope.CAN.value}' AND r."scope_can_id" {cans})"""
        f""" OR (r."scope" = '{ReleaseScope.AGENCIES.value}' AND EXISTS (SELECT 1 FROM "release_recipient" rr"""
        f' WHERE rr."release_id" = r."id" AND rr."agency_id" {agencies})))'
    )


def visible_row_sql(scope: ClientScope, *, identifying: bool) -> str:
    """The visibility test for one ``client`` row, as SQL probing indexes for that row only.

    The same rule as :func:`visible_clients` / :func:`identifying_clients` (consent held by one
    of the caller's agencies, a release in force covering one of them, or a client of a CAN the
    caller is backbone staff of), written as correlated subqueries with ``LIMIT 1``: PostgreSQL
    then checks only the rows the search's other criteria let through, where ``id IN (SELECT
    ...)`` made it collect every client the caller's agencies hold or are released (tens of
    thousands) on every search. Values are inlined as literals of checked types (UUIDs, a date,
    enum values), since a raw SQL term takes no parameters.
    """
    if not isinstance(scope.today, date):
        raise TypeError("scope.today must be a date")
    today = scope.today.isoformat()
    tests: list[str] = []
    if scope.backbone_cans:
        tests.append(f'"client"."created_under_can_id" IN ({_literal_ids(scope.backbone_cans)})')
    if scope.read_agencies:
        agencies = _literal_ids(scope.read_agencies)
        tests.append(
            'COALESCE((SELECT true FROM "consent_to_enter" "t" WHERE "t"."client_id" = "client"."id"'  # noqa: S608 (checked literals)
            f' AND "t"."agency_id" IN ({agencies}) LIMIT 1), false)'
        )
        cans = (
            f"IN ({_literal_ids(scope.recipient_cans)})"
            if scope.recipient_cans
            else "= ANY('{}'::uuid[])"
        )
        categories = (
            f""" AND r."categories" @> '["{ReleaseCategory.IDENTIFYING.value}"]'"""
            if identifying
            else ""
        )
        in_force = _in_force_sql(f"'{today}'", cans, f"IN ({agencies})")
        tests.append(
            'COALESCE((SELECT true FROM "release_of_information" r WHERE r."client_id" = "client"."id"'  # noqa: S608
            f" AND {in_force}{categories} LIMIT 1), false)"
        )
    return "(" + (" OR ".join(tests) or "false") + ")"


HOLDERS_COLUMN = "hearth_holders"
RELEASES_COLUMN = "hearth_releases"


def access_columns_sql(scope: ClientScope) -> tuple[str, str]:
    """:func:`access_for`'s two statements as columns of a ``client`` row: the caller's agencies
    holding the client's consent (``uuid[]``), and the releases in force covering the caller, each
    as ``[id, categories, releasing agency]`` (``json``, NULL for none). Literals of checked types,
    as in :func:`visible_row_sql`."""
    agencies = _literal_ids(scope.read_agencies)
    cans = (
        f"IN ({_literal_ids(scope.recipient_cans)})"
        if scope.recipient_cans
        else "= ANY('{}'::uuid[])"
    )
    in_force = _in_force_sql(f"'{scope.today.isoformat()}'", cans, f"IN ({agencies})")
    holders = (
        'ARRAY(SELECT "t"."agency_id" FROM "consent_to_enter" "t" WHERE "t"."client_id" = "client"."id"'  # noqa: S608
        f' AND "t"."agency_id" IN ({agencies}))'
    )
    releases = (
        '(SELECT json_agg(json_build_array(r."id", r."categories", r."releasing_agency_id"))'  # noqa: S608
        f' FROM "release_of_information" r WHERE r."client_id" = "client"."id" AND {in_force})'
    )
    return holders, releases


def identifying_clients(scope: ClientScope) -> QuerySet[Client]:
    """Clients whose identifying data the caller may see (searching by name, DOB or SSN is
    limited to these, so a search never confirms who is in HMIS behind a mask). The set-based
    statement of the rule; searches run it as ``visible_row_sql(identifying=True)``."""
    if scope.empty:
        return Client.filter(id=None)
    visible = (
        Q(created_under_can_id__in=list(scope.backbone_cans)) if scope.backbone_cans else Q(id=None)
    )
    if scope.read_agencies:
        identifying = releases_in_force(scope).filter(
            categories__contains=[ReleaseCategory.IDENTIFYING.value]
        )
        visible |= _holders(scope) | Q(id__in=Subquery(identifying.values("client_id")))
    return Client.filter(visible)


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
    visible: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    # Releasing agency -> the categories its releases in force share with the caller.
    shared: Mapping[UUID, frozenset[ReleaseCategory]] = field(default_factory=dict)
    # Agencies of the client's CAN, when the caller is that CAN's backbone staff.
    backbone_agencies: frozenset[UUID] = frozenset()

    @property
    def holder(self) -> bool:
        return bool(self.holder_agencies)

    def sees_row(self, agency_id: UUID, category: ReleaseCategory) -> bool:
        """A row of this category written by this agency: the caller's own agencies' rows; another
        agency's through its own release naming the category; the CAN's rows for backbone staff
        (never Part 2)."""
        return agency_id in self.row_agencies(category)

    def row_agencies(self, category: ReleaseCategory) -> frozenset[UUID]:
        """The agencies whose rows of this category the caller sees."""
        agencies = set(self.scope.read_agencies)
        agencies.update(a for a, categories in self.shared.items() if category in categories)
        if self.backbone and category in BACKBONE_CATEGORIES:
            agencies.update(self.backbone_agencies)
        return frozenset(agencies)

    @property
    def can_view_identifying(self) -> bool:
        return self.holder or ReleaseCategory.IDENTIFYING in self.categories

    @property
    def can_view_full_ssn(self) -> bool:
        """Full SSN: FULL access at an agency holding the client's consent. Others who may see
        identifying data see the last four digits only."""
        return bool(self.holder_agencies & self.scope.full_agencies)

    @property
    def can_edit(self) -> bool:
        return bool(self.holder_agencies & self.scope.write_agencies)


# access_for's two statements, written out: the same rule as releases_in_force and the consent
# filter, with arrays for the id lists, so the text is the same for any number of clients (one
# prepared statement) and nothing has to be built per request.
_HOLDERS_SQL = (
    'SELECT "client_id", "agency_id" FROM "consent_to_enter"'
    ' WHERE "client_id" = ANY($1::uuid[]) AND "agency_id" = ANY($2::uuid[])'
)
_RELEASES_SQL = (
    'SELECT r."id", r."client_id", r."categories", r."releasing_agency_id" FROM "release_of_information" r'  # noqa: S608
    ' WHERE r."client_id" = ANY($1::uuid[]) AND '
    + _in_force_sql("$2", "= ANY($3::uuid[])", "= ANY($4::uuid[])")
)


def _read_with_access(clients: list[Client]) -> bool:
    """Whether every client was read with its access columns (``authz.client_rows``)."""
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
        can_id = client.created_under_can_id  # type: ignore[attr-defined]
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
            if backbone
            else frozenset(),
        )
    return result
