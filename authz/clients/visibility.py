"""Which clients a caller sees, as SQL: the one statement of the rule.

A client is visible to an agency that holds the client's consent to enter data, to agencies a
release of information in force today covers (statewide, by CAN, or naming the agency), and to
the backbone staff of the CAN it was created under (policy 207 e). Searching by name, DOB or SSN
needs the client's identifying data (consent, or a release naming IDENTIFYING, or the CAN
backbone), so that a search never confirms who is in HMIS behind a mask.

The rule is written as a test of one ``client`` row, with correlated subqueries that probe
indexes for that row only (``LIMIT 1``): PostgreSQL then checks just the rows a search's other
criteria let through, where ``id IN (SELECT ...)`` made it collect every client the caller's
agencies hold or are released on every search. Values are inlined as literals of checked types
(UUIDs re-parsed, a date, enum values), since a raw SQL term takes no parameters. The same
fragment for "a release in force covering the caller" (:func:`in_force_sql`) serves the row test
and the statements that work out each client's access (``authz.clients.access``).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from authz.clients.scope import ClientScope
from models.enums import ReleaseCategory, ReleaseScope

__all__ = [
    "HOLDERS_COLUMN",
    "RELEASES_COLUMN",
    "access_columns_sql",
    "in_force_sql",
    "visible_client_sql",
    "visible_row_sql",
]

HOLDERS_COLUMN = "hearth_holders"
RELEASES_COLUMN = "hearth_releases"


def _literal_ids(ids: frozenset[UUID] | set[UUID]) -> str:
    """UUIDs as SQL literals (each re-parsed as a UUID: nothing else reaches the SQL text)."""
    return ", ".join(f"'{UUID(str(i))}'" for i in sorted(ids, key=str))


def _in(ids: frozenset[UUID]) -> str:
    """A membership test against checked literals (an empty set matches nothing)."""
    return f"IN ({_literal_ids(ids)})" if ids else "= ANY('{}'::uuid[])"


def in_force_sql(today: str, cans: str, agencies: str) -> str:
    """Whether a release aliased ``r`` is in force and covers the caller: not revoked, started,
    not expired, and statewide, or for one of ``cans`` (scope CAN), or naming one of
    ``agencies`` (scope AGENCIES). The arguments are SQL: a parameter or a literal for
    ``today``, membership tests (``= ANY($n)`` or ``IN (...)``) for the others."""
    return (
        f'r."revoked_at" IS NULL AND r."starts_on" <= {today} AND r."expires_on" >= {today}'  # noqa: S608
        f""" AND (r."scope" = '{ReleaseScope.STATEWIDE.value}'"""
        f""" OR (r."scope" = '{ReleaseScope.CAN.value}' AND r."scope_can_id" {cans})"""
        f""" OR (r."scope" = '{ReleaseScope.AGENCIES.value}' AND EXISTS (SELECT 1 FROM "release_recipient" rr"""
        f' WHERE rr."release_id" = r."id" AND rr."agency_id" {agencies})))'
    )


def _today(scope: ClientScope) -> str:
    if not isinstance(scope.today, date):
        raise TypeError("scope.today must be a date")
    return f"'{scope.today.isoformat()}'"


def visible_row_sql(scope: ClientScope, *, identifying: bool, client: str = '"client"') -> str:
    """Whether the caller sees the client row ``client`` (a table alias; ``"client"`` unless
    the client table is joined under another name), or with ``identifying`` its identifying
    data."""
    tests: list[str] = []
    if scope.backbone_cans:
        tests.append(f'{client}."created_under_can_id" {_in(scope.backbone_cans)}')
    if scope.read_agencies:
        agencies = _in(scope.read_agencies)
        tests.append(
            'COALESCE((SELECT true FROM "consent_to_enter" "t"'  # noqa: S608 (checked literals)
            f' WHERE "t"."client_id" = {client}."id" AND "t"."agency_id" {agencies} LIMIT 1), false)'
        )
        categories = (
            f""" AND r."categories" @> '["{ReleaseCategory.IDENTIFYING.value}"]'"""
            if identifying
            else ""
        )
        in_force = in_force_sql(_today(scope), _in(scope.recipient_cans), agencies)
        tests.append(
            'COALESCE((SELECT true FROM "release_of_information" r'  # noqa: S608
            f' WHERE r."client_id" = {client}."id" AND {in_force}{categories} LIMIT 1), false)'
        )
    return "(" + (" OR ".join(tests) or "false") + ")"


def access_columns_sql(scope: ClientScope) -> tuple[str, str]:
    """The caller's access to a ``client`` row as two columns: the caller's agencies holding the
    client's consent (``uuid[]``), and the releases in force covering the caller, each as ``[id,
    categories, releasing agency]`` (``json``, NULL for none)."""
    agencies = _in(scope.read_agencies)
    in_force = in_force_sql(_today(scope), _in(scope.recipient_cans), agencies)
    holders = (
        'ARRAY(SELECT "t"."agency_id" FROM "consent_to_enter" "t"'  # noqa: S608
        f' WHERE "t"."client_id" = "client"."id" AND "t"."agency_id" {agencies})'
    )
    releases = (
        '(SELECT json_agg(json_build_array(r."id", r."categories", r."releasing_agency_id"))'  # noqa: S608
        f' FROM "release_of_information" r WHERE r."client_id" = "client"."id" AND {in_force})'
    )
    return holders, releases


def visible_client_sql(scope: ClientScope, client_id: str) -> str:
    """Whether the caller sees the client whose id is the SQL expression ``client_id`` (a column
    of another table's row: the row's client is tested, as :func:`visible_row_sql` tests it)."""
    test = visible_row_sql(scope, identifying=False, client='"visible_client"')
    return (
        'EXISTS (SELECT 1 FROM "client" "visible_client"'  # noqa: S608 (checked literals)
        f' WHERE "visible_client"."id" = {client_id} AND {test})'
    )
