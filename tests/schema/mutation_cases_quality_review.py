"""The valid calls of tests/schema/mutation_cases.py, continued: the quarterly data quality
review (policy 302)."""

from __future__ import annotations

from datetime import date

from models.quality_review import QualityReview
from tests.schema.mutation_cases import Call, World, case
from tests.schema.query_cases import query_case

__all__: list[str] = []


async def _review(w: World) -> QualityReview:
    w.calls += 1
    return await QualityReview.create(
        year=2000 + w.calls,
        quarter=1,
        period_start=date(2000 + w.calls, 1, 1),
        period_end=date(2000 + w.calls, 3, 31),
        published_at=w.api.clock.now(),
    )


@case("publishQualityReview")
async def _publish(w: World) -> Call:
    w.calls += 1
    return await w.token("admin"), {
        "input": {"quarter": f"{2025 - w.calls % 20}Q{1 + w.calls % 4}"}
    }


@case("recordQualityReviewRecommendations")
async def _recommend(w: World) -> Call:
    review = await _review(w)
    return await w.token("admin"), {
        "input": {"reviewId": str(review.id), "recommendations": "Retrain intake staff."}
    }


@query_case("qualityReviews")
async def _reviews(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("qualityReview")
async def _one(w: World) -> Call:
    return await w.token("admin"), {"id": str((await _review(w)).id)}
