"""The HUD data quality report (policies 301, 302): Q1 and Q6a-Q6f for a scope and a period, and
the enrollments behind one cell (``services.reports.data_quality``). The drill-down's rows are
enrollments as the client-data policy shows them; the executor audits them as every client
read (``schema.audit``)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from authz.resources import Action, Resource
from schema.arguments import After, First
from schema.client_loaders import prime_clients
from schema.context import ResolverInfo
from schema.operations import query
from schema.permissions import Requires
from schema.relay import Connection, connection
from services.pagination import encode_cursor
from services.reports import data_quality as service

if TYPE_CHECKING:
    from schema.client_types import Enrollment

__all__ = ["DataQualityQuery"]

_SCOPE = Annotated[
    str,
    strawberry.argument(
        description="project:ID, agency:ID, can:ID, coc:ID or all (coc and all: Lead Agency "
        "and System Administrator)."
    ),
]
_START = Annotated[
    datetime.date, strawberry.argument(description="The period's first day (inclusive).")
]
_END = Annotated[
    datetime.date,
    strawberry.argument(description="The period's last day (inclusive); not before startDate."),
]


@strawberry.type(
    description="One cell of the report: its stable key, its count and, where the HUD table "
    "has a rate, the denominator and the rate."
)
class DataQualityCell:
    key: str = strawberry.field(
        description="The stable key, e.g. Q6a.ssn.data_issues (docs/data-quality.md)."
    )
    count: int = strawberry.field(
        description="Distinct clients (or, for Q6e, records) in the cell."
    )
    denominator: int | None = strawberry.field(
        description="What the rate divides by; null when the HUD table has no rate here."
    )
    rate: float | None = strawberry.field(
        description="count / denominator (0 when the denominator is 0); null with no denominator."
    )


def _cell(report: service.DataQualityReport, key: str) -> DataQualityCell:
    cell = report.cells[key]
    return DataQualityCell(
        key=cell.key, count=cell.count, denominator=cell.denominator, rate=cell.rate
    )


def _maybe(report: service.DataQualityReport, key: str) -> DataQualityCell | None:
    return _cell(report, key) if key in report.cells else None


@strawberry.type(description="Q1: the report's validation counts (distinct clients).")
class DataQualityQ1:
    persons: int = strawberry.field(description="Total persons.")
    adults: int = strawberry.field(description="Adults (18 or more).")
    children: int = strawberry.field(description="Children (under 18).")
    unknown_age: int = strawberry.field(description="Persons with no date of birth.")
    leavers: int = strawberry.field(description="Persons who left in the period.")
    adult_leavers: int = strawberry.field(description="Adult leavers.")
    adult_and_hoh_leavers: int = strawberry.field(
        description="Adult and head of household leavers."
    )
    stayers: int = strawberry.field(description="Persons still enrolled at the period's end.")
    adult_stayers: int = strawberry.field(description="Adult stayers.")
    veterans: int = strawberry.field(description="Veterans (adults with VeteranStatus 1).")
    chronically_homeless: int = strawberry.field(
        description="Chronically homeless adults and heads of household (docs/data-quality.md)."
    )
    youth_under_25: int = strawberry.field(
        description="Youth aged 12 to 24 in households of no one older."
    )
    parenting_youth: int = strawberry.field(
        description="Youth heads of household with a child in the household."
    )
    adult_hoh: int = strawberry.field(description="Adult heads of household.")
    child_or_unknown_age_hoh: int = strawberry.field(
        description="Heads of household who are children or of unknown age."
    )
    stayers_365_days: int = strawberry.field(
        description="Heads of household and adult stayers in for 365 days or more."
    )


@strawberry.type(
    description="A row of Q6a, Q6b or Q6c: its columns (null where the HUD table has none) "
    "and its total with the row's denominator and issue rate."
)
class DataQualityRow:
    key: str = strawberry.field(description="The row's key, e.g. Q6a.ssn.")
    element: str = strawberry.field(
        description="The data element, e.g. Social Security Number (3.02)."
    )
    dk_pnta: DataQualityCell | None = strawberry.field(
        description="Client Doesn't Know / Prefers Not to Answer."
    )
    missing: DataQualityCell | None = strawberry.field(description="Information Missing.")
    data_issues: DataQualityCell | None = strawberry.field(description="Data Issues.")
    total: DataQualityCell = strawberry.field(
        description="Any of the columns, with the denominator and the % of issue rate."
    )


@strawberry.type(description="Q6a: personally identifying information.")
class DataQualityPii:
    rows: list[DataQualityRow] = strawberry.field(description="Name, SSN, DOB, race and ethnicity.")
    overall: DataQualityCell = strawberry.field(
        description="Overall score: distinct clients with any Q6a flag, over all clients."
    )


@strawberry.type(description="A row of Q6d (chronic homelessness) for a group of project types.")
class DataQualityChronicRow:
    key: str = strawberry.field(description="The row's key, e.g. Q6d.th.")
    label: str = strawberry.field(description="ES-EE/ES-NbN/SH/SO, TH, PH, CE, SSO/Day/HP, Total.")
    project_types: list[int] = strawberry.field(description="The project types (2.02.6).")
    count: DataQualityCell = strawberry.field(
        description="B: adults and heads of household entering from 1 October 2016."
    )
    institution_missing: DataQualityCell | None = strawberry.field(
        description="C: missing time in institution (n/a on the ES/SH/SO row)."
    )
    housing_missing: DataQualityCell | None = strawberry.field(
        description="D: missing time in housing (n/a on the ES/SH/SO row)."
    )
    street_date_missing: DataQualityCell = strawberry.field(
        description="E: approximate date homelessness started missing."
    )
    times_missing: DataQualityCell = strawberry.field(
        description="F: number of times homeless missing."
    )
    months_missing: DataQualityCell = strawberry.field(
        description="G: number of months homeless missing."
    )
    any: DataQualityCell = strawberry.field(description="H: any of C-G, with its rate.")


@strawberry.type(
    description="A row of Q6e (timeliness): records by days from the event to the record's "
    "creation. Counts only: the CoC sets its own target."
)
class DataQualityTimelinessRow:
    key: str = strawberry.field(description="Q6e.start or Q6e.exit.")
    event: str = strawberry.field(
        description="START (enrollments begun in the period) or EXIT (exits in the period)."
    )
    less_than_zero: DataQualityCell = strawberry.field(description="Created before the event.")
    zero: DataQualityCell = strawberry.field(description="0 days.")
    one_to_three: DataQualityCell = strawberry.field(description="1-3 days.")
    four_to_six: DataQualityCell = strawberry.field(description="4-6 days.")
    seven_to_ten: DataQualityCell = strawberry.field(description="7-10 days.")
    eleven_plus: DataQualityCell = strawberry.field(description="11 days or more.")
    total: DataQualityCell = strawberry.field(description="Every record of the row.")


@strawberry.type(description="A row of Q6f (inactive records), with the inactive rate.")
class DataQualityInactiveRow:
    key: str = strawberry.field(description="Q6f.contact or Q6f.bed_night.")
    label: str = strawberry.field(
        description="Contact (SO and PATH-funded SSO) or Bed Night (ES-NbN)."
    )
    records: DataQualityCell = strawberry.field(
        description="Enrollments open at the period's end, begun 90 days or more before it."
    )
    inactive: DataQualityCell = strawberry.field(
        description="Of them, those with no contact or bed night in the final 90 days."
    )


_ELEMENTS = {
    "Q6a.name": "Name (3.01)",
    "Q6a.ssn": "Social Security Number (3.02)",
    "Q6a.dob": "Date of Birth (3.03)",
    "Q6a.race": "Race and Ethnicity (3.04)",
    "Q6b.veteran": "Veteran Status (3.07)",
    "Q6b.project_start": "Project Start Date (3.10)",
    "Q6b.relationship": "Relationship to Head of Household (3.15)",
    "Q6b.enrollment_coc": "Enrollment CoC (3.16)",
    "Q6b.disabling_condition": "Disabling Condition (3.08)",
    "Q6c.destination": "Destination (3.12)",
    "Q6c.income_start": "Income and Sources (4.02) at Start",
    "Q6c.income_annual": "Income and Sources (4.02) at Annual Assessment",
    "Q6c.income_exit": "Income and Sources (4.02) at Exit",
}
_CHRONIC_LABELS = {
    "es_sh_so": "ES-EE, ES-NbN, SH, Street Outreach",
    "th": "TH",
    "ph": "PH (all)",
    "ce": "CE",
    "sso_day_hp": "SSO, Day Shelter, HP",
    "total": "Total",
}


def _row(report: service.DataQualityReport, key: str) -> DataQualityRow:
    return DataQualityRow(
        key=key,
        element=_ELEMENTS[key],
        dk_pnta=_maybe(report, f"{key}.dk_pnta"),
        missing=_maybe(report, f"{key}.missing"),
        data_issues=_maybe(report, f"{key}.data_issues"),
        total=_cell(report, f"{key}.total"),
    )


def _chronic(report: service.DataQualityReport, name: str) -> DataQualityChronicRow:
    key = f"Q6d.{name}"
    types = service.CHRONIC_ROWS.get(name) or tuple(
        t for group in service.CHRONIC_ROWS.values() for t in group
    )
    return DataQualityChronicRow(
        key=key,
        label=_CHRONIC_LABELS[name],
        project_types=list(types),
        count=_cell(report, f"{key}.count"),
        institution_missing=_maybe(report, f"{key}.institution_missing"),
        housing_missing=_maybe(report, f"{key}.housing_missing"),
        street_date_missing=_cell(report, f"{key}.street_date_missing"),
        times_missing=_cell(report, f"{key}.times_missing"),
        months_missing=_cell(report, f"{key}.months_missing"),
        any=_cell(report, f"{key}.any"),
    )


def _timeliness(report: service.DataQualityReport, event: str) -> DataQualityTimelinessRow:
    key = f"Q6e.{event}"
    return DataQualityTimelinessRow(
        key=key,
        event=event.upper(),
        less_than_zero=_cell(report, f"{key}.lt0"),
        zero=_cell(report, f"{key}.d0"),
        one_to_three=_cell(report, f"{key}.d1_3"),
        four_to_six=_cell(report, f"{key}.d4_6"),
        seven_to_ten=_cell(report, f"{key}.d7_10"),
        eleven_plus=_cell(report, f"{key}.d11_plus"),
        total=_cell(report, f"{key}.total"),
    )


@strawberry.type(
    description="The HUD data quality report (Q1, Q6a-Q6f) for a scope and a period: distinct "
    "clients with an enrollment active in the period, each on their latest enrollment "
    "(docs/data-quality.md gives every cell's rule)."
)
class DataQualityReport:
    scope: str = strawberry.field(description="The scope reported on.")
    start_date: datetime.date = strawberry.field(description="The period's first day.")
    end_date: datetime.date = strawberry.field(description="The period's last day.")
    drill_down: bool = strawberry.field(
        description="Whether you may list the enrollments behind a cell (dataQualityCell): "
        "only if you read client data in the whole scope; otherwise you get counts only."
    )
    q1: DataQualityQ1 = strawberry.field(description="Q1: report validation counts.")
    q6a: DataQualityPii = strawberry.field(description="Q6a: personally identifying information.")
    q6b: list[DataQualityRow] = strawberry.field(description="Q6b: universal data elements.")
    q6c: list[DataQualityRow] = strawberry.field(description="Q6c: income and housing.")
    q6d: list[DataQualityChronicRow] = strawberry.field(description="Q6d: chronic homelessness.")
    q6e: list[DataQualityTimelinessRow] = strawberry.field(description="Q6e: timeliness.")
    q6f: list[DataQualityInactiveRow] = strawberry.field(description="Q6f: inactive records.")
    cells: list[DataQualityCell] = strawberry.field(
        description="Every cell by its stable key, in the report's order."
    )


def _report(report: service.DataQualityReport) -> DataQualityReport:
    q1 = {k.removeprefix("Q1."): c.count for k, c in report.cells.items() if k.startswith("Q1.")}
    return DataQualityReport(
        scope=report.scope,
        start_date=report.start,
        end_date=report.end,
        drill_down=report.drill_down,
        q1=DataQualityQ1(**q1),
        q6a=DataQualityPii(
            rows=[_row(report, f"Q6a.{r}") for r in ("name", "ssn", "dob", "race")],
            overall=_cell(report, "Q6a.overall"),
        ),
        q6b=[
            _row(report, f"Q6b.{r}")
            for r in (
                "veteran",
                "project_start",
                "relationship",
                "enrollment_coc",
                "disabling_condition",
            )
        ],
        q6c=[
            _row(report, f"Q6c.{r}")
            for r in ("destination", "income_start", "income_annual", "income_exit")
        ],
        q6d=[_chronic(report, name) for name in _CHRONIC_LABELS],
        q6e=[_timeliness(report, "start"), _timeliness(report, "exit")],
        q6f=[
            DataQualityInactiveRow(
                key="Q6f.contact",
                label="Contact",
                records=_cell(report, "Q6f.contact.records"),
                inactive=_cell(report, "Q6f.contact.inactive"),
            ),
            DataQualityInactiveRow(
                key="Q6f.bed_night",
                label="Bed Night",
                records=_cell(report, "Q6f.bed_night.records"),
                inactive=_cell(report, "Q6f.bed_night.inactive"),
            ),
        ],
        cells=[_cell(report, key) for key in report.cells],
    )


@strawberry.type
class DataQualityQuery:
    @query(
        Requires(Resource.DATA_QUALITY_REPORT, Action.READ),
        description="The HUD data quality report (Q1, Q6a-Q6f) of a scope over a period "
        "(inclusive): counts, denominators and rates by stable cell keys. A scope you may not "
        "read: FORBIDDEN (audited); an end before the start: VALIDATION.",
    )
    async def data_quality_report(
        self, info: ResolverInfo, scope: _SCOPE, start_date: _START, end_date: _END
    ) -> DataQualityReport:
        ctx = info.context
        report = await service.data_quality_report(
            ctx.caller, scope=scope, start=start_date, end=end_date
        )
        return _report(report)

    @query(
        Requires(Resource.DATA_QUALITY_REPORT, Action.READ),
        description="The enrollments behind one cell of the data quality report, by id, as "
        "the client-data policy shows them (each read is audited). Only if you read client "
        "data in the whole scope (`drillDown` of the report): otherwise FORBIDDEN (field key, "
        "audited). `totalCount` is the cell's count. Pages of at most 100.",
        graphql_type=Connection[Annotated["Enrollment", strawberry.lazy("schema.client_types")]],
    )
    async def data_quality_cell(
        self,
        info: ResolverInfo,
        scope: _SCOPE,
        start_date: _START,
        end_date: _END,
        key: Annotated[
            str, strawberry.argument(description="The cell's key, e.g. Q6a.ssn.data_issues.")
        ],
        first: First = 50,
        after: After = None,
    ) -> Connection[Any]:
        ctx = info.context
        result = await service.drill_down(
            ctx.caller,
            scope=scope,
            start=start_date,
            end=end_date,
            key=key,
            first=first,
            after=after,
        )
        prime_clients(ctx, result.clients)
        nodes = list(result.page.items)
        return connection(
            nodes,
            lambda i: encode_cursor(nodes[i].id),
            has_next_page=result.page.has_next_page,
            has_previous_page=result.page.has_previous_page,
            total_count=result.page.total_count,
        )
