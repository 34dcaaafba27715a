"""The quarterly data quality review (policy 302): published reports, anomalies, the committee's
recommendations and the board's decision (``services.quality_review``)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import strawberry

from authz.resources import Action, Resource
from models import quality_review as models
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import one, parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from services import quality_review as service
from services.pagination import paginate

__all__ = ["QualityReviewMutation", "QualityReviewQuery"]

QualityReviewStatus = models.QualityReviewStatus
described_enum(
    QualityReviewStatus,
    name="QualityReviewStatus",
    description="Where a quarter's review stands.",
    values={
        "PUBLISHED": "Reports published and HDCs notified.",
        "RECOMMENDED": "The committee's recommendations recorded, for the board.",
        "FOLLOWED": "The board decided to follow the recommendations (a carried motion).",
        "NOT_FOLLOWED": "The board's motion failed.",
    },
)


@strawberry.type(description="One rate cell of a published report.")
class QualityRateCell:
    key: str = strawberry.field(
        description="The cell's stable name, as in dataQualityReport (e.g. Q6a.ssn.data_issues)."
    )
    numerator: int = strawberry.field(description="Clients (or records) with the issue.")
    denominator: int = strawberry.field(description="Clients (or records) the rate is over.")
    rate: float | None = strawberry.field(description="numerator / denominator; null when 0/0.")


@strawberry.type(description="A rate that moved by ten points or more from previous quarters.")
class QualityAnomaly:
    key: str = strawberry.field(description="The cell's stable name.")
    numerator: int = strawberry.field(description="This quarter's numerator.")
    denominator: int = strawberry.field(description="This quarter's denominator.")
    rate: float = strawberry.field(description="This quarter's rate.")
    baseline: float = strawberry.field(
        description="The mean of the same rate over the previous quarters compared."
    )
    quarters: int = strawberry.field(description="How many previous quarters (1 to 4).")


@strawberry.type(description="A published report of a review: statewide, or one agency's.")
class QualityReviewReport:
    agency_id: strawberry.ID | None = strawberry.field(description="The agency; null: statewide.")
    clients: int = strawberry.field(description="Clients in the report's universe (Q1 persons).")

    @strawberry.field(description="Every rate cell, by key.")
    def cells(self, row: strawberry.Parent[models.QualityReviewReport]) -> list[QualityRateCell]:
        return [
            QualityRateCell(key=k, numerator=n, denominator=d, rate=(n / d if d else None))
            for k, (n, d) in sorted(row.cells.items())
        ]

    @strawberry.field(description="The rates flagged as anomalies.")
    def anomalies(self, row: strawberry.Parent[models.QualityReviewReport]) -> list[QualityAnomaly]:
        return [QualityAnomaly(**a) for a in row.anomalies]


@strawberry.type(description="One quarter's data quality review (policy 302).")
class QualityReview:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    status: QualityReviewStatus = strawberry.field(description="Where it stands.")
    period_start: datetime.date = strawberry.field(description="The quarter's first day.")
    period_end: datetime.date = strawberry.field(description="The quarter's last day.")
    published_at: datetime.datetime = strawberry.field(description="When published.")
    anomaly_count: int = strawberry.field(description="Anomalies flagged over all its reports.")
    recommendations: str | None = strawberry.field(
        description="The Data Quality Management Committee's recommendations."
    )
    recommended_at: datetime.datetime | None = strawberry.field(description="When recorded.")
    motion_id: strawberry.ID | None = strawberry.field(
        description="The board's motion that decided it."
    )
    decided_at: datetime.datetime | None = strawberry.field(description="When decided.")

    @strawberry.field(description="The quarter, e.g. 2026Q3.")
    def quarter(self, row: strawberry.Parent[models.QualityReview]) -> str:
        return f"{row.year}Q{row.quarter}"

    @strawberry.field(
        description="Its reports you may read: the statewide one and, for a system-wide reader "
        "(Lead Agency, DSB member), every agency's; for an HDC, its agencies'."
    )
    async def reports(
        self, info: ResolverInfo, row: strawberry.Parent[models.QualityReview]
    ) -> list[QualityReviewReport]:
        decisions = info.context.caller.decisions
        agencies = (
            None
            if decisions.system_wide(Resource.QUALITY_REVIEW, Action.READ)
            else decisions.agencies(Resource.QUALITY_REVIEW, Action.READ)
        )
        return await service.visible_reports(row, agencies=agencies)  # type: ignore[return-value]


@strawberry.input(description="The quarter to publish.")
class PublishQualityReviewInput:
    quarter: str = strawberry.field(description="A quarter that has ended, e.g. 2026Q3.")


@strawberry.input(description="The committee's recommendations on a review's anomalies.")
class RecordQualityReviewRecommendationsInput:
    review_id: strawberry.ID = strawberry.field(description="The review.")
    recommendations: str = strawberry.field(
        description="The recommendations (1 to 20,000 characters).", metadata=MULTILINE
    )


_READ = Requires(Resource.QUALITY_REVIEW, Action.READ)


@strawberry.type
class QualityReviewQuery:
    @query(_READ, description="The quarterly data quality reviews, latest first (pages of 100).")
    async def quality_reviews(
        self, info: ResolverInfo, first: First = 50, after: After = None
    ) -> Connection[QualityReview]:
        page: Any = await paginate(
            models.QualityReview.all().order_by("-year", "-quarter"), first=first, after=after
        )
        return to_connection(page)

    @query(_READ, description="One review; unknown: NOT_FOUND.")
    async def quality_review(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The review's id.")],
    ) -> QualityReview:
        return await one(models.QualityReview.all(), id, "review")  # type: ignore[return-value]


@strawberry.type
class QualityReviewMutation:
    @mutation(
        Requires(Resource.QUALITY_REVIEW, Action.PUBLISH),
        description="Publish an ended quarter's statewide and per-agency data quality reports, "
        "flag anomalies against the previous quarters and notify each agency's HDCs. A quarter "
        "published already: CONFLICT.",
    )
    async def publish_quality_review(
        self, info: ResolverInfo, input: PublishQualityReviewInput
    ) -> QualityReview:
        return await service.publish_review(  # type: ignore[return-value]
            caller=info.context.caller, quarter_text=input.quarter
        )

    @mutation(
        Requires(Resource.QUALITY_REVIEW, Action.RECORD),
        description="Record the Data Quality Management Committee's recommendations; then put "
        "the review to the board with openDsbMotion(subjectKind: QUALITY_REVIEW). Decided: "
        "CONFLICT.",
    )
    async def record_quality_review_recommendations(
        self, info: ResolverInfo, input: RecordQualityReviewRecommendationsInput
    ) -> QualityReview:
        return await service.record_recommendations(  # type: ignore[return-value]
            caller=info.context.caller,
            review_id=parse_id(input.review_id, "reviewId"),
            recommendations=input.recommendations,
        )
