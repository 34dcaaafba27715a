"""The client-data policy as SQL expressions, for readers that let PostgreSQL produce the rows
(the HUD CSV export's ``COPY``): the same rules as :class:`~authz.clients.access.ClientAccess`,
:func:`~authz.clients.rows.sees` and :mod:`~authz.clients.fields`, emitted as SQL from the same
declarations (the scope, each table's :class:`~authz.clients.rows.RowRule`, each element's
category). A test proves the two agree for every role (``tests/hudcsv/test_copy.py``: the COPY
export and the Python export give the same bytes).

The arguments named ``client`` and ``agency`` are SQL: a ``client`` row's alias (its ``id`` and
``created_under_can_id`` are read) and an expression for the agency that wrote a record. Values
are inlined as checked literals (:mod:`authz.clients.visibility`), since a ``COPY`` takes no
parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from tortoise.models import Model

from authz.clients.access import BACKBONE_CATEGORIES
from authz.clients.rows import rule
from authz.clients.scope import ClientScope
from authz.clients.visibility import _in, _today, in_force_sql
from models.enums import ReleaseCategory
from models.hud.elements import Element

__all__ = [
    "Flags",
    "full_ssn_sql",
    "holder_sql",
    "row_categories",
    "sees_category_sql",
    "sees_row_sql",
    "sees_sql",
    "shown_sql",
]

# A category's test, as SQL, already worked out for the row at hand (a column of a CTE that
# computed each test once per client or per enrollment).
Flags = Callable[[ReleaseCategory], str]


def _category(category: ReleaseCategory) -> str:
    return f"""'["{ReleaseCategory(category).value}"]'"""


def _excluded(scope: ClientScope, category: ReleaseCategory) -> bool:
    """A lens without Part 2 never shows substance use data (``ClientAccess.row_agencies``,
    ``ClientAccess.sees_category``)."""
    return category == ReleaseCategory.SUBSTANCE_USE and not scope.part2


def _released(scope: ClientScope, client: str, condition: str) -> str:
    """A release in force covering the caller, of the client, meeting ``condition``."""
    in_force = in_force_sql(_today(scope), _in(scope.recipient_cans), _in(scope.read_agencies))
    return (
        'EXISTS (SELECT 1 FROM "release_of_information" r'  # noqa: S608 (checked literals)
        f' WHERE r."client_id" = {client}."id" AND {in_force} AND {condition})'
    )


def _consent(client: str, agencies: frozenset[UUID]) -> str:
    if not agencies:
        return "false"
    return (
        'EXISTS (SELECT 1 FROM "consent_to_enter" "t"'  # noqa: S608 (checked literals)
        f' WHERE "t"."client_id" = {client}."id" AND "t"."agency_id" {_in(agencies)})'
    )


def holder_sql(scope: ClientScope, client: str) -> str:
    """``ClientAccess.holder``: one of the caller's agencies holds the client's consent."""
    return _consent(client, scope.read_agencies)


def full_ssn_sql(scope: ClientScope, client: str) -> str:
    """``ClientAccess.can_view_full_ssn``: FULL access at an agency holding the consent."""
    return _consent(client, scope.read_agencies & scope.full_agencies)


def _backbone(scope: ClientScope, client: str) -> str:
    return f'{client}."created_under_can_id" {_in(scope.backbone_cans)}'


def sees_category_sql(scope: ClientScope, category: ReleaseCategory, client: str) -> str:
    """``ClientAccess.sees_category``: the client's own data of this category."""
    if _excluded(scope, category):
        return "false"
    tests = []
    if scope.read_agencies:
        tests.append(holder_sql(scope, client))
        shared = f'r."releasing_agency_id" NOT {_in(scope.read_agencies)}'
        tests.append(
            _released(scope, client, f'{shared} AND r."categories" @> {_category(category)}')
        )
    if scope.backbone_cans and category in BACKBONE_CATEGORIES:
        tests.append(_backbone(scope, client))
    return "(" + (" OR ".join(tests) or "false") + ")"


def sees_row_sql(scope: ClientScope, category: ReleaseCategory, agency: str, client: str) -> str:
    """``ClientAccess.sees_row``: a record of this category written by ``agency``: the caller's
    own agencies', another agency's through its own release naming the category, the CAN's
    agencies' for its backbone staff (in ``BACKBONE_CATEGORIES``)."""
    if _excluded(scope, category):
        return "false"
    tests = []
    if scope.read_agencies:
        tests.append(f"{agency} {_in(scope.read_agencies)}")
        tests.append(
            _released(
                scope,
                client,
                f'r."releasing_agency_id" = {agency} AND r."categories" @> {_category(category)}',
            )
        )
    if scope.backbone_cans and category in BACKBONE_CATEGORIES:
        tests.extend(
            f'({client}."created_under_can_id" {_in(frozenset({can}))}'
            f" AND {agency} {_in(agencies)})"
            for can, agencies in sorted(scope.backbone_agencies.items(), key=lambda x: str(x[0]))
            if can in scope.backbone_cans and agencies
        )
    return "(" + (" OR ".join(tests) or "false") + ")"


def row_categories(model: type[Model]) -> tuple[ReleaseCategory, ...]:
    """The categories a row of ``model`` may be of (the flags :func:`sees_sql` asks for)."""
    return rule(model).categories


def sees_sql(model: type[Model], row: str, flags: Flags) -> str:
    """``authz.clients.rows.sees`` for the row aliased ``row``: the test (``flags``) of the row's
    category, which a table's rule may take from one of its columns (a substance use disorder
    is Part 2 data)."""
    table = rule(model)
    if table.column is None or table.other is None:
        return flags(table.category)
    values = ", ".join(str(int(v)) for v in sorted(table.values))
    return (
        f'(CASE WHEN {row}."{table.column}" IN ({values}) THEN {flags(table.other)}'
        f" ELSE {flags(table.category)} END)"
    )


def shown_sql(item: Element, value: str, flags: Flags, full: str | None = None) -> str:
    """An element's value as the caller may see it (NULL when masked): shown when it has no
    category, else when the caller sees its category (``flags``: of the client for a client's
    element, ``authz.clients.fields.shows``; of the writing agency's records for a record's,
    ``row_fields`` with ``own`` false); a full-access-only element when ``full`` holds."""
    if item.category is None:
        return value
    test = full if item.full_access_only and full is not None else flags(item.category)
    if item.full_access_only and full is None:
        raise ValueError(f"{item.model}.{item.name} is shown to full access only: give `full`")
    return f"(CASE WHEN {test} THEN {value} END)"
