"""Aggregate reports (policies 109 and 405): counts of distinct clients served in a period over a
scope, by one dimension or a cross-tab of two, with small cells suppressed. Never a row, never
PII: the answer is categories and counts.

The universe: the clients with an enrollment at one of the scope's projects active in the
period (entry on or before its end, no exit before its start) whom the scope's reporting lens
sees (``authz.clients.reporting_lens``: what the scope's agencies hold, never 42 CFR Part 2
data), for every caller alike: a scope's figures do not depend on who asks.
Each client counts once, on their latest such enrollment (latest entry; HUD's rule for
client-level counts), so every table adds up: its cells sum to its margins, which is what the
suppression audit (``services.reports.suppression``) assumes. With ``DESTINATION`` among the
dimensions the universe is the leavers: clients whose latest enrollment ended in the period.

Computed in one SQL statement (``DISTINCT ON`` for the latest enrollment, then ``GROUP BY``
the dimensions; the margins are sums of the cells); ``docs/aggregate-reports.md`` defines every
category.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.clients import ClientScope, reporting_lens, row_security, visible_client_sql
from authz.resources import Action, Resource
from models.enums import AuditAction
from models.governance import Project
from services.audit import AuditRow, append, current_request
from services.caller import Caller
from services.errors import Forbidden, ValidationFailed
from services.replica import on_replica
from services.reports.scope import ScopePlan, check_period, parse_scope, plan_scope
from services.reports.suppression import THRESHOLD, suppress_one_way, suppress_two_way

__all__ = [
    "RULE",
    "AggregateCell",
    "AggregateReport",
    "Dimension",
    "aggregate_report",
    "categories",
    "count_clients",
    "tabulate",
]

RULE = (
    f"Counts from 1 to {THRESHOLD - 1} are hidden (0 is shown), in cells and totals alike; other "
    "counts are hidden as complements until no hidden count can be worked out from the published "
    "cells and totals: each hidden count could take more than one value, and each hidden count "
    f"under {THRESHOLD} could be {THRESHOLD} or more."
)


class Dimension(str, Enum):
    PROJECT = "PROJECT"
    HOUSEHOLD_TYPE = "HOUSEHOLD_TYPE"
    AGE_BAND = "AGE_BAND"
    RACE_ETHNICITY = "RACE_ETHNICITY"
    SEX = "SEX"
    VETERAN_STATUS = "VETERAN_STATUS"
    DESTINATION = "DESTINATION"
    LENGTH_OF_STAY = "LENGTH_OF_STAY"


# Age in whole years: at the later of entry and the period's start (HUD's APR rule) for the
# age band and veteran status; at each member's own entry for the household type.
_AGE = (
    "CASE WHEN c.dob IS NULL OR c.dob > {at} THEN NULL"
    " ELSE date_part('year', age({at}, c.dob))::int END"
)
_AGE_IN_PERIOD = _AGE.format(at="GREATEST(s.entry_date, $2::date)")

_AGE_BANDS: tuple[tuple[str, str, int | None, int | None], ...] = (
    ("UNDER_5", "Under 5", None, 4),
    ("5_12", "5-12", 5, 12),
    ("13_17", "13-17", 13, 17),
    ("18_24", "18-24", 18, 24),
    ("25_34", "25-34", 25, 34),
    ("35_44", "35-44", 35, 44),
    ("45_54", "45-54", 45, 54),
    ("55_64", "55-64", 55, 64),
    ("65_PLUS", "65 and over", 65, None),
)
# HUD's APR length of stay bands (Q22a), in days from entry to exit or the period's end.
_STAY_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("DAYS_0_7", "7 days or less", 0, 7),
    ("DAYS_8_14", "8 to 14 days", 8, 14),
    ("DAYS_15_21", "15 to 21 days", 15, 21),
    ("DAYS_22_30", "22 to 30 days", 22, 30),
    ("DAYS_31_60", "31 to 60 days", 31, 60),
    ("DAYS_61_90", "61 to 90 days", 61, 90),
    ("DAYS_91_180", "91 to 180 days", 91, 180),
    ("DAYS_181_365", "181 to 365 days", 181, 365),
    ("DAYS_366_730", "366 to 730 days (1-2 years)", 366, 730),
    ("DAYS_731_1095", "731 to 1,095 days (2-3 years)", 731, 1095),
    ("DAYS_1096_1460", "1,096 to 1,460 days (3-4 years)", 1096, 1460),
    ("DAYS_1461_1825", "1,461 to 1,825 days (4-5 years)", 1461, 1825),
    ("DAYS_1826_PLUS", "More than 1,825 days (more than 5 years)", 1826, None),
)
# 3.04: the races other than Hispanic/Latina/e/o, as HUD's APR (Q12) crosses them with it.
_RACES: tuple[tuple[str, str, str], ...] = (
    ("AM_IND_AK_NATIVE", "American Indian, Alaska Native, or Indigenous", "am_ind_ak_native"),
    ("ASIAN", "Asian or Asian American", "asian"),
    ("BLACK_AF_AMERICAN", "Black, African American, or African", "black_af_american"),
    ("MID_EAST_N_AFRICAN", "Middle Eastern or North African", "mid_east_n_african"),
    ("NATIVE_HI_PACIFIC", "Native Hawaiian or Pacific Islander", "native_hi_pacific"),
    ("WHITE", "White", "white"),
)
_HISPANIC = "Hispanic/Latina/e/o"
_MISSING = (
    ("DOESNT_KNOW_OR_PREFERS_NOT", "Client doesn't know or prefers not to answer"),
    ("NOT_COLLECTED", "Data not collected"),
)
# HUD's destination groups (the FY2026 3.12 codes by hundreds: DestinationClassification).
_DESTINATIONS = (
    ("HOMELESS", "Homeless situations"),
    ("INSTITUTIONAL", "Institutional situations"),
    ("TEMPORARY", "Temporary housing situations"),
    ("PERMANENT", "Permanent housing situations"),
    (
        "OTHER",
        "Other (other, deceased, no exit interview, doesn't know, prefers not, not collected)",
    ),
)


def _bands(expression: str, bands: Sequence[tuple[str, str, int | None, int | None]]) -> str:
    whens = []
    for key, _, low, high in bands:
        tests = [
            f"{expression} >= {low}" if low is not None else "",
            f"{expression} <= {high}" if high is not None else "",
        ]
        whens.append(f"WHEN {' AND '.join(t for t in tests if t)} THEN '{key}'")
    return f"CASE {' '.join(whens)} ELSE 'UNKNOWN' END"


_RACE_COUNT = " + ".join(f"c.{column}" for _, _, column in _RACES)
_RACE_SQL = (
    "CASE"
    f" WHEN ({_RACE_COUNT}) = 0 AND c.hispanic_latinao = 1 THEN 'HISPANIC_LATINAEO_ONLY'"
    f" WHEN ({_RACE_COUNT}) = 0 AND c.race_none IN (8, 9) THEN 'DOESNT_KNOW_OR_PREFERS_NOT'"
    f" WHEN ({_RACE_COUNT}) = 0 THEN 'NOT_COLLECTED'"
    f" WHEN ({_RACE_COUNT}) >= 2 AND c.hispanic_latinao = 1 THEN 'MULTIRACIAL_AND_HISPANIC'"
    f" WHEN ({_RACE_COUNT}) >= 2 THEN 'MULTIRACIAL'"
    + "".join(
        f" WHEN c.{column} = 1 THEN '{key}'"
        " || CASE WHEN c.hispanic_latinao = 1 THEN '_AND_HISPANIC' ELSE '' END"
        for key, _, column in _RACES
    )
    + " END"
)
_STAY_DAYS = "(LEAST(COALESCE(s.exit_date, $3::date), $3::date) - s.entry_date)"

_SQL: dict[Dimension, str] = {
    Dimension.PROJECT: "s.project_id::text",
    Dimension.HOUSEHOLD_TYPE: (
        "CASE WHEN h.adult AND h.child THEN 'ADULTS_AND_CHILDREN'"
        " WHEN h.unknown THEN 'UNKNOWN' WHEN h.adult THEN 'ADULTS_ONLY'"
        " WHEN h.child THEN 'CHILDREN_ONLY' ELSE 'UNKNOWN' END"
    ),
    Dimension.AGE_BAND: _bands(_AGE_IN_PERIOD, _AGE_BANDS),
    Dimension.RACE_ETHNICITY: _RACE_SQL,
    Dimension.SEX: (
        "CASE WHEN c.sex = 0 THEN 'FEMALE' WHEN c.sex = 1 THEN 'MALE'"
        " WHEN c.sex IN (8, 9) THEN 'DOESNT_KNOW_OR_PREFERS_NOT' ELSE 'NOT_COLLECTED' END"
    ),
    Dimension.VETERAN_STATUS: (
        f"CASE WHEN {_AGE_IN_PERIOD} < 18 THEN 'CHILD'"
        " WHEN c.veteran_status = 1 THEN 'YES' WHEN c.veteran_status = 0 THEN 'NO'"
        " WHEN c.veteran_status IN (8, 9) THEN 'DOESNT_KNOW_OR_PREFERS_NOT'"
        " ELSE 'NOT_COLLECTED' END"
    ),
    Dimension.DESTINATION: (
        "CASE WHEN s.destination BETWEEN 100 AND 199 THEN 'HOMELESS'"
        " WHEN s.destination BETWEEN 200 AND 299 THEN 'INSTITUTIONAL'"
        " WHEN s.destination BETWEEN 300 AND 399 THEN 'TEMPORARY'"
        " WHEN s.destination BETWEEN 400 AND 499 THEN 'PERMANENT' ELSE 'OTHER' END"
    ),
    Dimension.LENGTH_OF_STAY: _bands(_STAY_DAYS, _STAY_BANDS),
}


def _race_categories() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, label, _ in _RACES:
        out += [(key, label), (f"{key}_AND_HISPANIC", f"{label} & {_HISPANIC}")]
    return [
        *out,
        ("HISPANIC_LATINAEO_ONLY", f"{_HISPANIC} only"),
        ("MULTIRACIAL", f"Multi-racial (two or more races, not {_HISPANIC})"),
        ("MULTIRACIAL_AND_HISPANIC", f"Multi-racial & {_HISPANIC}"),
        *_MISSING,
    ]


_CATEGORIES: dict[Dimension, list[tuple[str, str]]] = {
    Dimension.HOUSEHOLD_TYPE: [
        ("ADULTS_ONLY", "Adults only"),
        ("ADULTS_AND_CHILDREN", "Adults and children"),
        ("CHILDREN_ONLY", "Children only"),
        ("UNKNOWN", "Unknown household type"),
    ],
    Dimension.AGE_BAND: [(k, label) for k, label, _, _ in _AGE_BANDS]
    + [("UNKNOWN", "Unknown (no date of birth)")],
    Dimension.RACE_ETHNICITY: _race_categories(),
    Dimension.SEX: [("FEMALE", "Female"), ("MALE", "Male"), *_MISSING],
    Dimension.VETERAN_STATUS: [("YES", "Yes"), ("NO", "No"), *_MISSING, ("CHILD", "Child")],
    Dimension.DESTINATION: list(_DESTINATIONS),
    Dimension.LENGTH_OF_STAY: [(k, label) for k, label, _, _ in _STAY_BANDS],
}


async def categories(dimension: Dimension, project_ids: Sequence[UUID]) -> list[tuple[str, str]]:
    """A dimension's categories in report order, (key, label); a project's are its id and name."""
    if dimension != Dimension.PROJECT:
        return list(_CATEGORIES[dimension])
    projects = await Project.filter(id__in=list(project_ids)).order_by("name", "id")
    return [(str(p.id), p.name) for p in projects]


@dataclass(frozen=True, slots=True)
class AggregateCell:
    """One figure: the category of each dimension it counts (empty: the grand total; one
    value in a two-way table: a margin), the count (None when hidden) and whether hidden."""

    values: tuple[tuple[Dimension, str, str], ...]  # (dimension, key, label)
    count: int | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class AggregateReport:
    scope: str
    start: date
    end: date
    dimensions: tuple[Dimension, ...]
    cells: tuple[AggregateCell, ...]
    totals: tuple[AggregateCell, ...]  # a two-way table's row and column totals
    total: AggregateCell
    universe: str
    rule: str = RULE


def _check_dimensions(dimensions: Sequence[Dimension]) -> tuple[Dimension, ...]:
    try:
        dims = tuple(Dimension(d) for d in dimensions)
    except ValueError:
        raise ValidationFailed(
            f"A dimension is one of {', '.join(d.value for d in Dimension)}.", field="dimensions"
        ) from None
    if not 1 <= len(dims) <= 2 or len(set(dims)) != len(dims):
        raise ValidationFailed("Give one dimension, or two different ones.", field="dimensions")
    return dims


def _statement(lens: ClientScope, dims: tuple[Dimension, ...]) -> str:
    """One statement: the latest enrollment of each client the lens sees, then the count of
    each cell. $1 the projects, $2 the period's start, $3 its end."""
    visible = visible_client_sql(lens, '"e"."client_id"')
    households = ""
    if Dimension.HOUSEHOLD_TYPE in dims:
        member_age = _AGE.format(at="m.entry_date")
        households = (
            ", h AS (SELECT m.household_id, m.project_id,"  # noqa: S608 (no input in it)
            f" bool_or({member_age} >= 18) AS adult, bool_or({member_age} < 18) AS child,"
            f" bool_or(({member_age}) IS NULL) AS unknown"
            " FROM enrollment m JOIN client c ON c.id = m.client_id"
            " WHERE (m.household_id, m.project_id) IN (SELECT household_id, project_id FROM s)"
            f" AND {visible_client_sql(lens, 'm.client_id')}"
            " GROUP BY m.household_id, m.project_id)"
        )
    join_h = (
        " LEFT JOIN h ON h.household_id = s.household_id AND h.project_id = s.project_id"
        if households
        else ""
    )
    leavers = (
        " WHERE s.exit_date IS NOT NULL AND s.exit_date <= $3::date"
        if Dimension.DESTINATION in dims
        else ""
    )
    names = [f"d{i}" for i in range(len(dims))]
    selected = ", ".join(f"{_SQL[d]} AS {n}" for d, n in zip(dims, names, strict=True))
    # Each client is in exactly one cell, so every margin is the sum of its cells: the
    # statement counts the cells only, and the margins are added up from them.
    return (
        "WITH s AS (SELECT DISTINCT ON (e.client_id) e.client_id, e.project_id,"  # noqa: S608 (checked literals)
        " e.household_id, e.entry_date, x.exit_date, x.destination"
        " FROM enrollment e LEFT JOIN enrollment_exit x ON x.enrollment_id = e.id"
        " WHERE e.project_id = ANY($1::uuid[]) AND e.entry_date <= $3::date"
        " AND (x.exit_date IS NULL OR x.exit_date >= $2::date)"
        f" AND {visible}"
        " ORDER BY e.client_id, e.entry_date DESC, e.id DESC)"
        f"{households}"
        f", r AS (SELECT {selected} FROM s JOIN client c ON c.id = s.client_id{join_h}{leavers})"
        f" SELECT {', '.join(names)}, count(*) AS n FROM r GROUP BY {', '.join(names)}"
    )


async def count_clients(
    plan: ScopePlan, dimensions: Sequence[Dimension], *, start: date, end: date
) -> dict[tuple[str, ...], int]:
    """The unsuppressed counts by category keys (the categories with no client left out). For
    this module and its tests only: a caller is only ever given :func:`tabulate`'s table."""
    dims = _check_dimensions(dimensions)
    if not plan.project_ids:
        return {}
    # The scope's figures are the same whoever asks (decision 160): what the scope's agencies
    # hold, through the reporting lens, never the caller's own wider or narrower view.
    lens = await reporting_lens(frozenset(plan.agency_ids), plan.lens.today)
    # Past the fourth wall, on purpose (decision 160): the statement states the lens's own
    # visibility test for every client it reads (served clients and household members alike),
    # and the rows it reads are the scope's agencies' own enrollments, which the lens sees; the
    # permission and the scope are checked, and only counts come out. Under the policies,
    # PostgreSQL runs their functions on every enrollment, exit and client row: minutes
    # statewide instead of about a second.
    with row_security.system():
        async with in_transaction() as conn:
            rows = await conn.execute_query_dict(
                _statement(lens, dims), [list(plan.project_ids), start, end]
            )
    return {tuple(row[f"d{i}"] for i in range(len(dims))): int(row["n"]) for row in rows}


def _audit_row(
    caller: Caller, action: AuditAction, details: tuple[str, ...], now: datetime
) -> AuditRow:
    meta = current_request.get()
    principal = caller.principal
    return AuditRow(
        occurred_at=now,
        action=action,
        entity_type="AggregateReport",
        actor_id=principal.user_id,
        agency_id=next(iter(principal.agency_ids)) if len(principal.agency_ids) == 1 else None,
        fields=details,
        request_id=meta.request_id if meta else None,
        operation=meta.operation if meta else None,
        client_ip=meta.client_ip if meta else None,
        caller_request_id=meta.caller_request_id if meta else None,
    )


async def aggregate_report(
    caller: Caller, *, scope: str, start: date, end: date, dimensions: Sequence[Dimension]
) -> AggregateReport:
    """Counts of distinct clients served for a scope and period, by one or two dimensions,
    suppressed; audited (VIEW of an AggregateReport: who, which scope, period and dimensions;
    a refused scope: DENIED)."""
    dims = _check_dimensions(dimensions)
    check_period(start, end)
    parsed = parse_scope(scope)
    details = (
        f"scope:{parsed}",
        f"period:{start.isoformat()}..{end.isoformat()}",
        f"dimensions:{','.join(d.value for d in dims)}",
    )
    try:
        plan = await plan_scope(
            caller.decisions,
            parsed,
            resource=Resource.AGGREGATE_REPORT,
            action=Action.READ,
            today=caller.today,
            forbidden="You may not run an aggregate report over that scope.",
        )
    except Forbidden:
        async with in_transaction():
            await append([_audit_row(caller, AuditAction.DENIED, details, caller.now)])
        raise
    report = await tabulate(plan, dims, start=start, end=end)
    async with in_transaction():
        await append([_audit_row(caller, AuditAction.VIEW, details, caller.now)])
    return report


async def tabulate(
    plan: ScopePlan, dimensions: Sequence[Dimension], *, start: date, end: date
) -> AggregateReport:
    """The report over a planned scope (counted in SQL, then suppressed); not audited: the
    caller's permission and the audit are :func:`aggregate_report`'s."""
    dims = _check_dimensions(dimensions)
    check_period(start, end)

    async def read() -> tuple[dict[tuple[str, ...], int], list[list[tuple[str, str]]]]:
        counts = await count_clients(plan, dims, start=start, end=end)
        return counts, [await categories(d, plan.project_ids) for d in dims]

    counts, cats = await on_replica(read, what="the aggregate report")
    universe = (
        "Leavers: distinct clients whose latest enrollment at the scope's projects ended in"
        " the period (its exit date in the period)."
        if Dimension.DESTINATION in dims
        else "Distinct clients with an enrollment at the scope's projects active in the"
        " period, each counted once, on their latest such enrollment."
    )

    def report(
        cells: list[AggregateCell], totals: list[AggregateCell], grand: int, hidden: bool
    ) -> AggregateReport:
        total = AggregateCell((), None if hidden else grand, hidden)
        return AggregateReport(
            str(plan.scope), start, end, dims, tuple(cells), tuple(totals), total, universe
        )

    if len(dims) == 1:
        (dim,), (cat,) = dims, cats
        values = [counts.get((key,), 0) for key, _ in cat]
        one = suppress_one_way(values)
        cells = [
            AggregateCell(((dim, key, label),), None if h else n, h)
            for (key, label), n, h in zip(cat, values, one.cells, strict=True)
        ]
        return report(cells, [], sum(values), one.total)
    (d0, d1), (c0, c1) = dims, cats
    if not c0 or not c1:  # a scope without projects: nothing to count
        return report([], [], 0, False)
    matrix = [[counts.get((k0, k1), 0) for k1, _ in c1] for k0, _ in c0]
    # The margins are the one-way tables of the same universe, published on their own: they
    # are hidden exactly as those tables hide them, so that no two reports can be set side by
    # side to fill in each other's hidden figures (decision 163).
    rows = suppress_one_way([sum(row) for row in matrix]).cells
    columns = suppress_one_way([sum(col) for col in zip(*matrix, strict=True)]).cells
    two = suppress_two_way(matrix, margins=(rows, columns))
    cells = [
        AggregateCell(((d0, k0, l0), (d1, k1, l1)), None if two.cells[i][j] else n, two.cells[i][j])
        for i, (k0, l0) in enumerate(c0)
        for j, ((k1, l1), n) in enumerate(zip(c1, matrix[i], strict=True))
    ]
    totals = [
        AggregateCell(((d0, k0, l0),), None if h else sum(matrix[i]), h)
        for i, ((k0, l0), h) in enumerate(zip(c0, two.rows, strict=True))
    ]
    totals += [
        AggregateCell(((d1, k1, l1),), None if h else sum(r[j] for r in matrix), h)
        for j, ((k1, l1), h) in enumerate(zip(c1, two.columns, strict=True))
    ]
    return report(cells, totals, sum(map(sum, matrix)), two.total)
