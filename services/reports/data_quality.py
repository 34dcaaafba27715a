"""The HUD data quality report (policies 301, 302): Q1 and Q6a-Q6f for a scope and a period.

Every rule is one of ``hud-data-standards.md`` section 3, cell by cell (docs/data-quality.md
names each cell's rule and source). The report is computed in SQL, a few statements over the
scope's projects with ``count(*) FILTER (WHERE ...)``: each section is one common table of rows
(one per client on their latest enrollment, or one per enrollment record for timeliness) whose
columns are the facts the cells test, and each cell is a condition on them. The same condition
lists the enrollments behind a cell (the drill-down), so the two can never disagree.

- **Universe**: enrollments in the scope's projects active in the period (entered on or before
  its end, not exited before its start); a Street Outreach (type 4) enrollment only with a
  DateOfEngagement on or before the period's end. Cells over persons count distinct clients,
  each on their latest enrollment (latest EntryDate). Adult: aged 18 or more at the later of
  the period's start and the entry date; unknown age: no DOB.
- **Who asks**: ``data_quality_report:read`` over the scope (``services.reports.scope``): a scope
  the caller may not use is FORBIDDEN and audited as DENIED. Counts are of every record of the
  scope's projects, whoever asks (the counting statements pass row security: decision 158).
- **Drill-down**: only for a caller who reads client data in the whole scope (``ScopePlan.reads``);
  anyone else gets counts only, and a drill-down is FORBIDDEN (field ``key``) and audited.
  Rows shown are decided by the client-data policy (``services.rosters.visible_enrollments``:
  ``authz.clients``), and audited as read by the GraphQL executor like every client read.

SSNs are sealed, so the SSN validity rule reads ``client.ssn_valid``, decided when the SSN is
written (``models.clients.ssn_valid``; decision 155).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection

from authz.clients import ClientAccess, row_security
from authz.resources import Action, Resource
from models.clients import Client
from models.enrollments import INCOME_SOURCES, Enrollment
from models.enums import AuditAction
from models.hud import codes
from services import audit
from services.caller import Caller
from services.errors import Forbidden, ValidationFailed
from services.pagination import Page, check_page_size, decode_cursor
from services.replica import on_replica
from services.reports.scope import ScopePlan, check_period, parse_scope, plan_scope
from services.rosters import visible_enrollments

__all__ = [
    "CELLS",
    "Cell",
    "CellSpec",
    "DataQualityReport",
    "DrillDown",
    "cell_enrollment_ids",
    "cell_spec",
    "compute_report",
    "data_quality_report",
    "drill_down",
]

CHRONIC_SINCE = date(2016, 10, 1)  # Q6d: entries from 1 October 2016


@dataclass(frozen=True, slots=True)
class CellSpec:
    """One cell: its stable key, its section, the SQL condition on the section's rows that puts
    a row in it, and the condition of its denominator (None: a count with no rate)."""

    key: str
    section: str  # "persons" or "records"
    condition: str
    denominator: str | None = None


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's count, its denominator where the HUD table has a rate, and the rate."""

    key: str
    count: int
    denominator: int | None = None

    @property
    def rate(self) -> float | None:
        if self.denominator is None:
            return None
        return self.count / self.denominator if self.denominator else 0.0


@dataclass(frozen=True, slots=True)
class DataQualityReport:
    """The report's cells by key (in the order of :data:`CELLS`)."""

    start: date
    end: date
    project_ids: tuple[UUID, ...]
    cells: dict[str, Cell]
    scope: str = ""
    drill_down: bool = False  # whether the caller may list the enrollments behind a cell

    def __getitem__(self, key: str) -> Cell:
        return self.cells[key]

    def count(self, key: str) -> int:
        return self.cells[key].count

    def rate_cells(self) -> list[tuple[str, int, int]]:
        """Every cell with a rate, as (key, numerator, denominator): what a quarter is compared
        with the previous ones on."""
        return [
            (c.key, c.count, c.denominator)
            for c in self.cells.values()
            if c.denominator is not None
        ]


# --- the sections ------------------------------------------------------------------------------
# Parameters: $1 the scope's projects, $2 the period's start, $3 its end, $4 the time zone of
# DateCreated (local dates), $5 HUD's CoC codes.

_RACES = (
    "am_ind_ak_native",
    "asian",
    "black_af_american",
    "hispanic_latinao",
    "mid_east_n_african",
    "native_hi_pacific",
    "white",
)
_SOURCES = " OR ".join(f"i.{column} = 1" for column in INCOME_SOURCES)


_WHEN = {
    # an IncomeBenefits row of the stage, dated as the rule says
    "start": "i.data_collection_stage = 1 AND i.information_date = f.entry_date",
    "annual": "i.data_collection_stage = 5 AND i.information_date BETWEEN f.anniversary - 30 "
    "AND least(f.anniversary + 30, $3::date)",
    "exit": "i.data_collection_stage = 3 AND i.information_date = f.exit_date",
}
_LATEST = "ORDER BY i.information_date DESC, i.created_at DESC, i.id DESC"


def _income_columns() -> str:
    """For each stage: whether the enrollment has a row dated as the rule says, and what the
    latest such row says (IncomeFromAnySource; whether any source is 1)."""
    return ",\n    ".join(
        f"count(*) FILTER (WHERE {when}) > 0 AS {name}_row, "
        f"(array_agg(i.income_from_any_source {_LATEST}) FILTER (WHERE {when}))[1] AS {name}_any, "
        f"(array_agg(({_SOURCES}) {_LATEST}) FILTER (WHERE {when}))[1] AS {name}_some"
        for name, when in _WHEN.items()
    )


_ACTIVE = """
active AS (
  SELECT e.id, e.client_id, e.project_id, e.household_id, e.entry_date, e.relationship_to_hoh,
         e.enrollment_coc, e.living_situation, e.length_of_stay, e.previous_street_essh,
         e.date_to_street_essh, e.times_homeless_past_three_years AS times_homeless,
         e.months_homeless_past_three_years AS months_homeless, e.disabling_condition,
         e.created_at, p.project_type, x.id AS exit_id, x.exit_date, x.destination,
         x.created_at AS exit_created_at
  FROM enrollment e
  JOIN project p ON p.id = e.project_id
  LEFT JOIN enrollment_exit x ON x.enrollment_id = e.id
  WHERE e.project_id = ANY($1::uuid[]) AND e.entry_date <= $3::date
    AND (x.exit_date IS NULL OR x.exit_date >= $2::date)
    AND (p.project_type <> 4 OR e.date_of_engagement <= $3::date)
)"""

_PERSONS = f"""
WITH {_ACTIVE},
latest AS MATERIALIZED (
  SELECT DISTINCT ON (client_id) * FROM active
  ORDER BY client_id, entry_date DESC, created_at DESC, id DESC
),
heads AS (
  SELECT project_id, household_id,
         count(*) FILTER (WHERE relationship_to_hoh = 1) AS hoh_count,
         max(entry_date) FILTER (WHERE relationship_to_hoh = 1) AS hoh_entry
  FROM active GROUP BY project_id, household_id
),
aged AS (
  SELECT l.*, c.first_name, c.last_name, c.name_data_quality, c.ssn IS NULL AS no_ssn,
         c.ssn_valid, c.ssn_data_quality, c.dob, c.dob_data_quality, c.race_none,
         ({" + ".join(f"c.{r}" for r in _RACES)}) AS races, c.veteran_status,
         (c.created_at AT TIME ZONE $4::text)::date AS client_created,
         CASE WHEN c.dob IS NULL THEN NULL
              ELSE extract(year FROM age(greatest($2::date, l.entry_date), c.dob))::int END AS age,
         coalesce(h.hoh_count, 0) AS hoh_count, coalesce(h.hoh_entry, l.entry_date) AS hoh_entry
  FROM latest l
  JOIN client c ON c.id = l.client_id
  LEFT JOIN heads h ON h.project_id = l.project_id AND h.household_id = l.household_id
),
overlapping AS (
  -- an earlier enrollment of the client in the same project still open at this entry
  SELECT DISTINCT l.id FROM latest l
  JOIN enrollment o ON o.client_id = l.client_id AND o.project_id = l.project_id
    AND o.id <> l.id AND o.entry_date < l.entry_date
  LEFT JOIN enrollment_exit ox ON ox.enrollment_id = o.id
  WHERE ox.exit_date IS NULL OR ox.exit_date > l.entry_date
),
disability_conflicts AS (
  -- DisablingCondition 0 although the latest Disabilities row of a type says otherwise
  SELECT ld.enrollment_id FROM (
    SELECT DISTINCT ON (d.enrollment_id, d.disability_type) d.enrollment_id, d.disability_type,
           d.disability_response, d.indefinite_and_impairs
    FROM disability d
    WHERE d.enrollment_id IN (SELECT id FROM latest WHERE disabling_condition = 0)
    ORDER BY d.enrollment_id, d.disability_type, d.information_date DESC, d.created_at DESC,
             d.id DESC
  ) ld
  WHERE (ld.disability_type IN (6, 8) AND ld.disability_response = 1)
     OR (ld.disability_type IN (5, 7, 9) AND ld.disability_response = 1
         AND ld.indefinite_and_impairs = 1)
     OR (ld.disability_type = 10 AND ld.disability_response IN (1, 2, 3)
         AND ld.indefinite_and_impairs = 1)
),
households AS (
  SELECT project_id, household_id, max(age) AS oldest, bool_or(age IS NULL) AS unknown_age,
         bool_or(relationship_to_hoh = 2) AS with_child
  FROM aged GROUP BY project_id, household_id
),
facts AS (
  SELECT a.*,
    a.age >= 18 AS adult, a.age < 18 AS child, a.age IS NULL AS age_unknown,
    a.relationship_to_hoh = 1 AS hoh,
    (a.age >= 18 OR a.relationship_to_hoh = 1) AS adult_or_hoh,
    a.exit_date IS NOT NULL AND a.exit_date <= $3::date AS leaver,
    a.age BETWEEN 12 AND 24 AND hh.oldest <= 24 AND NOT hh.unknown_age AS youth,
    hh.with_child,
    extract(year FROM age($3::date, a.hoh_entry))::int AS years_in,
    (a.hoh_entry + make_interval(years => extract(year FROM age($3::date, a.hoh_entry))::int))::date
      AS anniversary,
    a.id IN (SELECT id FROM overlapping) AS overlapping,
    a.id IN (SELECT enrollment_id FROM disability_conflicts) AS disability_conflict,
    a.project_id IN (SELECT project_id FROM funder WHERE funder = 21) AS path,
    a.id IN (
      SELECT enrollment_id FROM current_living_situation
      WHERE information_date BETWEEN $3::date - 90 AND $3::date
    ) AS recent_contact,
    a.id IN (
      SELECT enrollment_id FROM service
      WHERE record_type = 200 AND date_provided BETWEEN $3::date - 90 AND $3::date
    ) AS recent_bed_night
  FROM aged a
  LEFT JOIN households hh ON hh.project_id = a.project_id AND hh.household_id = a.household_id
),
incomes AS (
  SELECT f.id,
    {_income_columns()}
  FROM facts f JOIN income_benefits i ON i.enrollment_id = f.id
  WHERE f.adult_or_hoh
  GROUP BY f.id
),
cellrows AS MATERIALIZED (
  SELECT f.*,
    f.years_in >= 1 AND f.entry_date <= f.anniversary AND NOT f.leaver AND f.adult_or_hoh
      AND $3::date - f.entry_date >= 365 AS annual_due,
    coalesce(n.start_row, FALSE) AS start_row, n.start_any, n.start_some,
    coalesce(n.annual_row, FALSE) AS annual_row, n.annual_any, n.annual_some,
    coalesce(n.exit_row, FALSE) AS exit_row, n.exit_any, n.exit_some
  FROM facts f LEFT JOIN incomes n ON n.id = f.id
)"""  # noqa: S608 (constants only)

_RECORDS = f"""
WITH {_ACTIVE},
cellrows AS MATERIALIZED (
  SELECT a.*,
    a.entry_date BETWEEN $2::date AND $3::date AS started,
    (a.created_at AT TIME ZONE $4::text)::date - a.entry_date AS start_days,
    a.exit_date BETWEEN $2::date AND $3::date AS exited,
    (a.exit_created_at AT TIME ZONE $4::text)::date - a.exit_date AS exit_days
  FROM active a
)"""  # noqa: S608 (constants only)

_SECTIONS = {"persons": _PERSONS, "records": _RECORDS}


def _taken(sql: str, params: list[Any]) -> list[Any]:
    """The parameters a statement takes (PostgreSQL refuses any it does not use)."""
    return [p for n, p in enumerate(params, 1) if f"${n}" in sql]


# --- the cells ---------------------------------------------------------------------------------


def _row(
    key: str,
    *,
    dk: str | None,
    missing: str | None,
    issues: str | None,
    denominator: str,
    within: str = "TRUE",
) -> list[CellSpec]:
    """A Q6a-Q6c row: its DK/PNTA, missing and data issues columns (None: n/a), and its total
    (any of them) with the row's denominator. ``within``: who the row is about."""
    parts = {"dk_pnta": dk, "missing": missing, "data_issues": issues}
    cells = [
        CellSpec(f"{key}.{name}", "persons", f"({within}) AND ({cond})")
        for name, cond in parts.items()
        if cond is not None
    ]
    anyone = " OR ".join(f"({c})" for c in parts.values() if c is not None)
    cells.append(CellSpec(f"{key}.total", "persons", f"({within}) AND ({anyone})", denominator))
    return cells


def _dkp(column: str) -> str:
    return f"{column} IN (8, 9)"


def _income_issues(any_col: str, some_col: str) -> str:
    return (
        f"(({any_col} = 0 AND {some_col}) OR ({any_col} = 1 AND NOT coalesce({some_col}, FALSE)))"
    )


_NAME = (
    "name_data_quality IN (8, 9)",
    "(name_data_quality = 99 OR ((first_name IS NULL OR "
    "last_name IS NULL) AND name_data_quality NOT IN (8, 9)))",
    "name_data_quality = 2",
)
_SSN = (
    "ssn_data_quality IN (8, 9)",
    "(ssn_data_quality = 99 OR (no_ssn AND ssn_data_quality NOT IN (8, 9)))",
    "(ssn_data_quality = 2 OR (ssn_data_quality = 1 AND NOT no_ssn AND NOT coalesce(ssn_valid, TRUE)))",
)
_DOB = (
    "(dob_data_quality IN (8, 9) AND dob IS NULL)",
    "(dob IS NULL AND dob_data_quality NOT IN (8, 9))",
    "(dob_data_quality = 2 OR (dob_data_quality IN (8, 9, 99) AND dob IS NOT NULL) "
    "OR dob < DATE '1915-01-01' OR dob > client_created "
    "OR (adult_or_hoh AND dob >= entry_date))",
)
_RACE = (
    "race_none IN (8, 9)",
    "(race_none = 99 OR (races = 0 AND coalesce(race_none, 0) NOT IN (8, 9)))",
)

_Q1 = {
    "persons": "TRUE",
    "adults": "adult",
    "children": "child",
    "unknown_age": "age_unknown",
    "leavers": "leaver",
    "adult_leavers": "adult AND leaver",
    "adult_and_hoh_leavers": "adult_or_hoh AND leaver",
    "stayers": "NOT leaver",
    "adult_stayers": "adult AND NOT leaver",
    "veterans": "adult AND veteran_status = 1",
    # HUD's definition approximated from 3.917 and 3.08 (docs/data-quality.md)
    "chronically_homeless": "adult_or_hoh AND disabling_condition = 1 AND ("
    "living_situation BETWEEN 100 AND 199 OR previous_street_essh = 1) AND ("
    "date_to_street_essh <= entry_date - 365 OR (times_homeless = 4 AND months_homeless >= 112))",
    "youth_under_25": "youth",
    "parenting_youth": "youth AND hoh AND coalesce(with_child, FALSE)",
    "adult_hoh": "adult AND hoh",
    "child_or_unknown_age_hoh": "hoh AND (child OR age_unknown)",
    "stayers_365_days": "adult_or_hoh AND NOT leaver AND $3::date - entry_date >= 365",
}

# Q6d's rows: project types
CHRONIC_ROWS: dict[str, tuple[int, ...]] = {
    "es_sh_so": (0, 1, 4, 8),
    "th": (2,),
    "ph": (3, 9, 10, 13),
    "ce": (14,),
    "sso_day_hp": (6, 11, 12),
}
_INSTITUTION = "living_situation BETWEEN 200 AND 299"
_HOUSING = (
    "(living_situation IS NULL OR living_situation BETWEEN 0 AND 99 "
    "OR living_situation BETWEEN 300 AND 499)"
)
_LOS_MISSING = "coalesce(length_of_stay, 99) IN (8, 9, 99)"
_APPLIES = (
    f"(living_situation BETWEEN 100 AND 199 OR ({_INSTITUTION} AND length_of_stay IN (10, 11, 2, 3) "
    f"AND previous_street_essh = 1) OR ({_HOUSING} AND length_of_stay IN (10, 11) "
    "AND previous_street_essh = 1))"
)


def _chronic(name: str, types: Sequence[int]) -> list[CellSpec]:
    listed = ", ".join(str(t) for t in types)
    within = f"adult_or_hoh AND entry_date >= DATE '{CHRONIC_SINCE}' AND project_type IN ({listed})"
    es = f"project_type IN {CHRONIC_ROWS['es_sh_so']}"
    applies = f"({es} OR {_APPLIES})"
    columns = {
        "institution_missing": f"NOT {es} AND {_INSTITUTION} AND {_LOS_MISSING}",
        "housing_missing": f"NOT {es} AND {_HOUSING} AND {_LOS_MISSING}",
        "street_date_missing": f"{applies} AND date_to_street_essh IS NULL",
        "times_missing": f"{applies} AND coalesce(times_homeless, 99) IN (8, 9, 99)",
        "months_missing": f"{applies} AND coalesce(months_homeless, 99) IN (8, 9, 99)",
    }
    key = f"Q6d.{name}"
    cells = [CellSpec(f"{key}.count", "persons", within)]
    for column, cond in columns.items():
        if name == "es_sh_so" and column in ("institution_missing", "housing_missing"):
            continue  # n/a on the ES/SH/SO row
        cells.append(CellSpec(f"{key}.{column}", "persons", f"{within} AND {cond}"))
    anyone = " OR ".join(f"({c})" for c in columns.values())
    cells.append(CellSpec(f"{key}.any", "persons", f"{within} AND ({anyone})", within))
    return cells


BUCKETS: dict[str, str] = {
    "lt0": "< 0",
    "d0": "= 0",
    "d1_3": "BETWEEN 1 AND 3",
    "d4_6": "BETWEEN 4 AND 6",
    "d7_10": "BETWEEN 7 AND 10",
    "d11_plus": ">= 11",
}


def _timeliness() -> list[CellSpec]:
    cells = []
    for event, (happened, days) in {
        "start": ("started", "start_days"),
        "exit": ("exited", "exit_days"),
    }.items():
        for bucket, test in BUCKETS.items():
            cells.append(
                CellSpec(f"Q6e.{event}.{bucket}", "records", f"{happened} AND {days} {test}")
            )
        cells.append(CellSpec(f"Q6e.{event}.total", "records", happened))
    return cells


_OPEN_90 = "(exit_date IS NULL OR exit_date > $3::date) AND entry_date <= $3::date - 90"
_CONTACT = f"{_OPEN_90} AND adult_or_hoh AND (project_type = 4 OR (project_type = 6 AND path))"
_BED_NIGHT = f"{_OPEN_90} AND project_type = 1"
_PERSONS_ALL = "TRUE"


@functools.cache
def _cells() -> tuple[CellSpec, ...]:
    adult_child = "age IS NOT NULL"
    cells: list[CellSpec] = [CellSpec(f"Q1.{k}", "persons", c) for k, c in _Q1.items()]
    # Q6a: PII
    for name, (dk, missing, issues) in {"name": _NAME, "ssn": _SSN, "dob": _DOB}.items():
        cells += _row(
            f"Q6a.{name}", dk=dk, missing=missing, issues=issues, denominator=_PERSONS_ALL
        )
    cells += _row("Q6a.race", dk=_RACE[0], missing=_RACE[1], issues=None, denominator=_PERSONS_ALL)
    flags = " OR ".join(f"({c})" for c in (*_NAME, *_SSN, *_DOB, *_RACE))
    cells.append(CellSpec("Q6a.overall", "persons", flags, _PERSONS_ALL))
    # Q6b: universal data elements
    cells += _row(
        "Q6b.veteran",
        dk="adult AND veteran_status IN (8, 9)",
        missing="adult AND (veteran_status = 99 OR veteran_status IS NULL)",
        issues="child AND veteran_status = 1",
        denominator=adult_child,
    )
    cells += _row(
        "Q6b.project_start",
        dk=None,
        missing=None,
        issues="(overlapping OR exit_date < entry_date)",
        denominator=_PERSONS_ALL,
    )
    cells += _row(
        "Q6b.relationship",
        dk=None,
        missing="relationship_to_hoh IS NULL",
        issues="(relationship_to_hoh NOT BETWEEN 1 AND 5 OR hoh_count <> 1)",
        denominator=_PERSONS_ALL,
    )
    cells += _row(
        "Q6b.enrollment_coc",
        dk=None,
        missing="hoh AND enrollment_coc IS NULL",
        issues="hoh AND enrollment_coc IS NOT NULL AND NOT enrollment_coc = ANY($5::text[])",
        denominator="hoh",
    )
    cells += _row(
        "Q6b.disabling_condition",
        dk=_dkp("disabling_condition"),
        missing="(disabling_condition = 99 OR disabling_condition IS NULL)",
        issues="disability_conflict",
        denominator=_PERSONS_ALL,
    )
    # Q6c: income and housing
    cells += _row(
        "Q6c.destination",
        dk="leaver AND destination IN (8, 9)",
        missing="leaver AND (destination IN (30, 99) OR destination IS NULL)",
        issues=None,
        denominator="leaver",
    )
    for name, population, row, any_col, some_col in (
        ("income_start", "adult_or_hoh", "start_row", "start_any", "start_some"),
        ("income_annual", "annual_due", "annual_row", "annual_any", "annual_some"),
        ("income_exit", "adult_or_hoh AND leaver", "exit_row", "exit_any", "exit_some"),
    ):
        cells += _row(
            f"Q6c.{name}",
            dk=f"{row} AND {_dkp(any_col)}",
            missing=f"(NOT {row} OR {any_col} = 99 OR {any_col} IS NULL)",
            issues=f"{row} AND {_income_issues(any_col, some_col)}",
            denominator=population,
            within=population,
        )
    # Q6d: chronic homelessness
    for name, types in CHRONIC_ROWS.items():
        cells += _chronic(name, types)
    cells += _chronic("total", tuple(t for types in CHRONIC_ROWS.values() for t in types))
    # Q6e: timeliness
    cells += _timeliness()
    # Q6f: inactive records
    cells += [
        CellSpec("Q6f.contact.records", "persons", _CONTACT),
        CellSpec("Q6f.contact.inactive", "persons", f"{_CONTACT} AND NOT recent_contact", _CONTACT),
        CellSpec("Q6f.bed_night.records", "persons", _BED_NIGHT),
        CellSpec(
            "Q6f.bed_night.inactive",
            "persons",
            f"{_BED_NIGHT} AND NOT recent_bed_night",
            _BED_NIGHT,
        ),
    ]
    keys = [c.key for c in cells]
    assert len(set(keys)) == len(keys), "cell keys are unique"
    return tuple(cells)


CELLS: tuple[CellSpec, ...] = _cells()
_BY_KEY = {c.key: c for c in CELLS}


def _params(project_ids: Sequence[UUID], start: date, end: date, tz: str) -> list[Any]:
    return [list(project_ids), start, end, tz, sorted(str(c) for c in codes.hud_list("2.03.1"))]


async def _count(section: str, specs: Sequence[CellSpec], params: list[Any]) -> dict[str, Cell]:
    conditions: dict[str, str] = {}  # the statement's columns: each condition once
    for spec in specs:
        for cond in (spec.condition, spec.denominator):
            if cond is not None and cond not in conditions:
                conditions[cond] = f"c{len(conditions)}"
    columns = ", ".join(f"count(*) FILTER (WHERE {c}) AS {n}" for c, n in conditions.items())
    sql = f"{_SECTIONS[section]} SELECT {columns} FROM cellrows"  # noqa: S608 (constants only)
    _, rows = await get_connection("default").execute_query(sql, _taken(sql, params))
    found = rows[0]
    return {
        spec.key: Cell(
            spec.key,
            int(found[conditions[spec.condition]]),
            int(found[conditions[spec.denominator]]) if spec.denominator is not None else None,
        )
        for spec in specs
    }


async def compute_report(
    plan_or_project_ids: ScopePlan | Iterable[UUID],
    start: date,
    end: date,
    today: date,
    *,
    timezone: str = "America/New_York",
) -> DataQualityReport:
    """The report's cells over a scope's projects (a checked :class:`ScopePlan`, or project ids
    for a caller that checked its own permission: the quarterly review). ``today`` is kept for
    callers that compare quarters (the counts depend on the period only).

    The counting statements pass PostgreSQL's row security (``row_security.system``): they
    return counts over every record of the scope's projects, whoever asks (a lens would make an
    agency's counts depend on the reader), and the per-row policy functions made the statewide
    statement take minutes instead of seconds (decision 158). The caller's permission over the
    scope was checked by the plan; no client row leaves this function."""
    check_period(start, end)
    del today  # the plan's lens carries its date; kept for callers that compare quarters
    if isinstance(plan_or_project_ids, ScopePlan):
        plan: ScopePlan | None = plan_or_project_ids
        project_ids = plan_or_project_ids.project_ids
    else:
        plan, project_ids = None, tuple(plan_or_project_ids)
    params = _params(project_ids, start, end, timezone)
    cells: dict[str, Cell] = {}

    async def count() -> dict[str, Cell]:
        found: dict[str, Cell] = {}
        for section in _SECTIONS:
            specs = [c for c in CELLS if c.section == section]
            with row_security.system():
                found.update(await _count(section, specs, params))
        return found

    found = await on_replica(count, what="the data quality report")
    for spec in CELLS:
        cells[spec.key] = found[spec.key]
    return DataQualityReport(
        start=start,
        end=end,
        project_ids=tuple(project_ids),
        cells=cells,
        scope=str(plan.scope) if plan is not None else "",
        drill_down=plan.reads if plan is not None else False,
    )


# --- the caller's report and drill-down -----------------------------------------------------------


async def _denied(caller: Caller, what: str, scope: str) -> None:
    """A refused report or drill-down is audited as DENIED (never its values)."""
    await audit.record(
        caller.principal,
        AuditAction.DENIED,
        entity_type="DataQualityReport",
        entity_id=scope[:100],
        client_id=None,
        now=caller.now,
        fields=(what,),
    )


async def _plan(caller: Caller, scope: str, start: date, end: date, what: str) -> ScopePlan:
    parsed = parse_scope(scope)
    check_period(start, end)
    try:
        return await plan_scope(
            caller.decisions,
            parsed,
            resource=Resource.DATA_QUALITY_REPORT,
            action=Action.READ,
            today=caller.today,
            forbidden="You may not read the data quality report of that scope.",
        )
    except Forbidden:
        await _denied(caller, what, str(parsed))
        raise


async def data_quality_report(
    caller: Caller, *, scope: str, start: date, end: date
) -> DataQualityReport:
    """The report for the caller over ``scope`` and the period (inclusive): VALIDATION for a bad
    scope or a period that ends before it starts, FORBIDDEN (audited) for a scope the caller may
    not read."""
    plan = await _plan(caller, scope, start, end, "dataQualityReport")
    return await compute_report(plan, start, end, caller.today, timezone=caller.timezone.key)


async def cell_enrollment_ids(
    key: str,
    project_ids: Sequence[UUID],
    start: date,
    end: date,
    *,
    timezone: str = "America/New_York",
) -> list[UUID]:
    """The enrollments behind the cell ``key`` (the same condition that counts it), by id."""
    spec = cell_spec(key)
    sql = (
        f"{_SECTIONS[spec.section]} SELECT id FROM cellrows "  # noqa: S608 (constants only)
        f"WHERE {spec.condition} ORDER BY id"
    )
    _, rows = await get_connection("default").execute_query(
        sql, _taken(sql, _params(project_ids, start, end, timezone))
    )
    return [UUID(str(r["id"])) for r in rows]


@dataclass(frozen=True, slots=True)
class DrillDown:
    """A page of the enrollments behind a cell that the caller sees, with their clients as the
    client-data policy shows them."""

    key: str
    page: Page[Enrollment]
    clients: dict[UUID, tuple[Client, ClientAccess]] = field(default_factory=dict)


def cell_spec(key: str) -> CellSpec:
    """The cell named ``key``; VALIDATION (field ``key``) for no such cell."""
    spec = _BY_KEY.get(key)
    if spec is None:
        raise ValidationFailed("No such cell of the data quality report.", field="key")
    return spec


async def drill_down(
    caller: Caller,
    *,
    scope: str,
    start: date,
    end: date,
    key: str,
    first: int,
    after: str | None,
) -> DrillDown:
    """The enrollments behind one cell, by id, for a caller who reads client data in the whole
    scope; FORBIDDEN (field ``key``, audited) for one who gets counts only. ``totalCount`` is
    the cell's count; a page holds only the rows the client-data policy shows."""
    spec = cell_spec(key)
    check_page_size(first)
    after_id = decode_cursor(after) if after is not None else None
    plan = await _plan(caller, scope, start, end, f"dataQualityCell:{key}")
    if not plan.reads:
        await _denied(caller, f"dataQualityCell:{key}", str(plan.scope))
        raise Forbidden(
            "You get the counts of this report only: its rows are client data you may not read.",
            field="key",
        )
    # Reads only (the caller's lens decides the rows; its audit is the resolver's, after):
    # the replica's, if there is one.
    total, ids, shown, clients = await on_replica(
        lambda: _drill(spec, plan, start, end, first, after_id, caller.timezone.key),
        what="the data quality drill-down",
    )
    return DrillDown(
        key=key,
        page=Page(
            items=shown[:first],
            has_next_page=len(shown) > first or bool(ids),
            total_count=total,
            has_previous_page=after is not None,
        ),
        clients=clients,
    )


async def _drill(
    spec: CellSpec,
    plan: ScopePlan,
    start: date,
    end: date,
    first: int,
    after_id: UUID | None,
    timezone: str,
) -> tuple[int, list[UUID], list[Enrollment], dict[UUID, tuple[Client, ClientAccess]]]:
    """The cell's count, the ids past the page, and the page's rows the caller's lens shows."""
    # the cell's enrollment ids as the report counts them (only ids: every row shown is then
    # decided by the client-data policy, through the caller's lens)
    with row_security.system():
        every = await cell_enrollment_ids(spec.key, plan.project_ids, start, end, timezone=timezone)
    total = len(every)
    ids = [i for i in every if after_id is None or i > after_id]
    with row_security.lens(plan.lens):
        shown: list[Enrollment] = []
        clients: dict[UUID, tuple[Client, ClientAccess]] = {}
        # the policy decides each row; read a little more than a page until one is full
        batch = first + 1
        while ids and len(shown) <= first:
            chunk, ids = ids[:batch], ids[batch:]
            found = {e.id: e for e in await Enrollment.filter(id__in=chunk)}
            rows_in = [found[i] for i in chunk if i in found]
            visible, seen = await visible_enrollments(plan.lens, rows_in)
            shown.extend(visible)
            clients.update(seen)
    return total, ids, shown, clients
