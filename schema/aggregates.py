"""Aggregate reports with small-cell suppression (policies 109, 405): counts, never rows."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from authz.resources import Action, Resource
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.operations import query
from schema.permissions import Requires
from services.reports import aggregates as service
from services.reports.aggregates import Dimension

__all__ = ["AggregateQuery"]

# The GraphQL enum is the service's (described_enum registers it and returns the class).
described_enum(
    Dimension,
    name="AggregateDimension",
    description="What an aggregate report counts clients by (docs/aggregate-reports.md defines each category).",
    values={
        "PROJECT": "The project of the client's latest enrollment in the period (its name).",
        "HOUSEHOLD_TYPE": "Adults only, adults and children, children only, or unknown: from the ages of the household's members at their entry.",
        "AGE_BAND": "HUD's age bands (under 5, 5-12, 13-17, 18-24, 25-34, 35-44, 45-54, 55-64, 65 and over, unknown), age at the later of entry and the period's start.",
        "RACE_ETHNICITY": "HUD 3.04 race and ethnicity as the APR crosses it: each race alone or with Hispanic/Latina/e/o, Hispanic/Latina/e/o only, multi-racial with or without, doesn't know or prefers not, not collected.",
        "SEX": "HUD FY2026 4.21 sex: female, male, doesn't know or prefers not, not collected.",
        "VETERAN_STATUS": "3.07 veteran status of adults; children counted apart.",
        "DESTINATION": "HUD's destination groups of the leavers' exits (homeless, institutional, temporary, permanent, other); the universe is then the leavers.",
        "LENGTH_OF_STAY": "HUD's APR length of stay bands, from entry to exit or the period's end.",
    },
)


@strawberry.type(description="A category of one dimension.")
class AggregateValue:
    dimension: Dimension = strawberry.field(description="The dimension.")
    key: str = strawberry.field(
        description="The category's key (a project's id for PROJECT), stable across reports."
    )
    label: str = strawberry.field(description="The category in words (a project's name).")


@strawberry.type(
    description="One published figure: a cell (a category of each dimension), a margin (one category) or the grand total (none)."
)
class AggregateCell:
    values: list[AggregateValue] = strawberry.field(
        description="The categories counted: one per dimension for a cell, one for a margin, none for the grand total."
    )
    count: int | None = strawberry.field(
        description="Distinct clients; null when suppressed (see `rule`)."
    )
    suppressed: bool = strawberry.field(
        description="Whether the count is hidden (1 to 10, or hidden as a complement)."
    )


@strawberry.type(
    description="Counts of distinct clients for a scope and period, small cells suppressed; never a row, never PII."
)
class AggregateReport:
    scope: str = strawberry.field(description="The scope counted (project:ID ... all).")
    start_date: datetime.date = strawberry.field(description="The period's first day.")
    end_date: datetime.date = strawberry.field(description="The period's last day.")
    dimensions: list[Dimension] = strawberry.field(
        description="The dimensions, in the order asked."
    )
    universe: str = strawberry.field(description="Who is counted.")
    cells: list[AggregateCell] = strawberry.field(
        description="Every cell, zeros included, in the dimensions' category order (the first dimension's categories outermost)."
    )
    totals: list[AggregateCell] = strawberry.field(
        description="A cross-tab's margins: the first dimension's row totals, then the second's column totals. Empty for one dimension (its cells are the margins)."
    )
    total: AggregateCell = strawberry.field(description="The grand total.")
    rule: str = strawberry.field(description="The suppression rule applied, in words.")


def _cell(cell: service.AggregateCell) -> AggregateCell:
    return AggregateCell(
        values=[AggregateValue(dimension=d, key=k, label=label) for d, k, label in cell.values],
        count=cell.count,
        suppressed=cell.suppressed,
    )


@strawberry.type
class AggregateQuery:
    @query(
        Requires(Resource.AGGREGATE_REPORT, Action.READ),
        description="Counts of distinct clients served in a period over a scope, by one dimension or a cross-tab of two, with small cells suppressed (HUD's rule; see `rule`); audited. A scope you may not use: FORBIDDEN; an end before the start, or not one or two different dimensions: VALIDATION.",
    )
    async def aggregate_report(
        self,
        info: ResolverInfo,
        scope: Annotated[
            str,
            strawberry.argument(
                description="project:ID, agency:ID, can:ID, coc:ID or all (coc and all: system-wide roles)."
            ),
        ],
        start_date: Annotated[
            datetime.date, strawberry.argument(description="The period's first day.")
        ],
        end_date: Annotated[
            datetime.date, strawberry.argument(description="The period's last day (inclusive).")
        ],
        dimensions: Annotated[
            list[Dimension],
            strawberry.argument(description="One dimension, or two different ones (a cross-tab)."),
        ],
    ) -> AggregateReport:
        report = await service.aggregate_report(
            info.context.caller, scope=scope, start=start_date, end=end_date, dimensions=dimensions
        )
        return AggregateReport(
            scope=report.scope,
            start_date=report.start,
            end_date=report.end,
            dimensions=list(report.dimensions),
            universe=report.universe,
            cells=[_cell(c) for c in report.cells],
            totals=[_cell(c) for c in report.totals],
            total=_cell(report.total),
            rule=report.rule,
        )
