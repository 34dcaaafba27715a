"""The quarterly data quality review (policy 302).

"The Statewide Lead Agency reviews data on a quarterly basis and will report anomalies as they
are discovered to the Data Strategy Board. The Data Strategy Board will review and may make the
decision to follow the recommendations of the Data Quality Management Committee regarding
anomalies."

1. **Publish** (Lead Agency, once per calendar quarter, after it has ended): the HUD data quality
   report (``services.reports.data_quality``) for the quarter, statewide and for every agency
   with clients in it, kept as counts and rates (never a client). Each agency's HMIS Data
   Coordinators are notified of their agency's report (outbox).
2. **Anomalies**: a rate cell is flagged when it moved by at least ``JUMP`` (ten percentage
   points) from its baseline, the mean of the same cell in the same report (statewide, or the
   same agency) over up to ``BASELINE_QUARTERS`` previous published quarters, and its
   denominator is at least ``MIN_DENOMINATOR`` (a rate over a handful of clients jumps by
   chance). A cell with no previous quarter has no baseline and is never flagged.
3. **Recommendations**: the Lead Agency records the Data Quality Management Committee's
   recommendations on the anomalies.
4. **The board decides** through a motion on the review (``MotionSubject.QUALITY_REVIEW``,
   ``services.dsb.subjects``): put only once recommendations are recorded; carried, the review is
   FOLLOWED; failed, NOT_FOLLOWED. Each step is a row of the governance log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.dsb import Meeting, Motion, MotionStatus, MotionSubject
from models.enums import Duty
from models.governance import Agency, Project
from models.quality_review import QualityReview, QualityReviewReport, QualityReviewStatus
from services import governance_log, notifications
from services.access_reports import Quarter, parse_quarter
from services.caller import Caller
from services.certification import agency_coordinators, notice_to
from services.dsb import subjects
from services.errors import Conflict, NotFound, ValidationFailed
from services.reports import data_quality

__all__ = [
    "BASELINE_QUARTERS",
    "JUMP",
    "MIN_DENOMINATOR",
    "Anomaly",
    "find_anomalies",
    "publish_review",
    "record_recommendations",
]

JUMP = 0.10  # ten percentage points
MIN_DENOMINATOR = 20
BASELINE_QUARTERS = 4
RECOMMENDATIONS_MAX = 20_000


@dataclass(frozen=True, slots=True)
class Anomaly:
    key: str
    numerator: int
    denominator: int
    rate: float
    baseline: float
    quarters: int  # how many previous quarters the baseline averages

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": round(self.rate, 4),
            "baseline": round(self.baseline, 4),
            "quarters": self.quarters,
        }


def find_anomalies(
    cells: dict[str, Sequence[int]], previous: Iterable[dict[str, Sequence[int]]]
) -> list[Anomaly]:
    """The cells of ``cells`` ({key: (numerator, denominator)}) whose rate moved by ``JUMP`` or
    more from the mean of the same key's rates in ``previous`` (most recent first)."""
    history: dict[str, list[float]] = defaultdict(list)
    for quarter in previous:
        for key, (num, den) in quarter.items():
            if den:
                history[key].append(num / den)
    found = []
    for key, (num, den) in sorted(cells.items()):
        past = history.get(key, [])[:BASELINE_QUARTERS]
        if den < MIN_DENOMINATOR or not past:
            continue
        rate, baseline = num / den, sum(past) / len(past)
        if abs(rate - baseline) >= JUMP - 1e-9:
            found.append(Anomaly(key, num, den, rate, baseline, len(past)))
    return found


def _period(quarter: Quarter) -> tuple[date, date]:
    return quarter.first_day, quarter.shifted(1).first_day - timedelta(days=1)


async def _previous_cells(
    year: int, number: int, agency_id: UUID | None
) -> list[dict[str, Sequence[int]]]:
    """The same report's cells in the previous published quarters, most recent first."""
    index = year * 4 + number - 1
    reviews = await QualityReview.filter(
        year__gte=(index - BASELINE_QUARTERS) // 4, year__lte=year
    ).order_by("-year", "-quarter")
    wanted = [r for r in reviews if index - BASELINE_QUARTERS <= r.year * 4 + r.quarter - 1 < index]
    found = []
    for review in wanted:
        row = await QualityReviewReport.filter(review_id=review.id, agency_id=agency_id).first()
        if row is not None:
            found.append(row.cells)
    return found


async def publish_review(*, caller: Caller, quarter_text: str) -> QualityReview:
    """Publish a quarter's statewide and per-agency reports (see the module docstring)."""
    quarter = parse_quarter(quarter_text, today=caller.today)
    start, end = _period(quarter)
    if end >= caller.today:
        raise ValidationFailed("A quarter is reviewed once it has ended.", field="quarter")
    if await QualityReview.exists(year=quarter.year, quarter=quarter.number):
        raise Conflict(f"{quarter.label} is already published.", field="quarter")
    tz = caller.timezone.key
    projects: dict[UUID, list[UUID]] = defaultdict(list)
    for project_id, agency_id in await Project.all().values_list("id", "agency_id"):
        projects[agency_id].append(project_id)
    statewide = await _cells_of([p for ids in projects.values() for p in ids], start, end, tz)
    by_agency = {}
    for agency_id, ids in projects.items():
        clients, cells = await _cells_of(ids, start, end, tz)
        if clients:  # an agency with no client in the quarter has no report
            by_agency[agency_id] = (clients, cells)
    notices = []
    try:
        async with in_transaction():
            review = await QualityReview.create(
                year=quarter.year,
                quarter=quarter.number,
                period_start=start,
                period_end=end,
                published_at=caller.now,
                published_by_id=caller.principal.user_id,
            )
            anomalies = 0
            for agency_id, (clients, cells) in [(None, statewide), *sorted(by_agency.items())]:
                found = find_anomalies(
                    cells, await _previous_cells(quarter.year, quarter.number, agency_id)
                )
                anomalies += len(found)
                await QualityReviewReport.create(
                    review=review,
                    agency_id=agency_id,
                    clients=clients,
                    cells={k: list(v) for k, v in cells.items()},
                    anomalies=[a.as_json() for a in found],
                )
                if agency_id is not None:
                    notices.extend(await _notices(review, quarter, agency_id, len(found)))
            review.anomaly_count = anomalies
            await review.save(update_fields=["anomaly_count"])
            await governance_log.record(
                caller.principal,
                "quality_review.publish",
                entity_type="QualityReview",
                entity_id=review.id,
                now=caller.now,
                after={
                    "quarter": quarter.label,
                    "agencies": len(by_agency),
                    "anomalies": anomalies,
                },
            )
            await notifications.queue(notices, now=caller.now)
    except IntegrityError:  # published concurrently
        raise Conflict(f"{quarter.label} is already published.", field="quarter") from None
    return review


async def _cells_of(
    project_ids: Sequence[UUID], start: date, end: date, tz: str
) -> tuple[int, dict[str, Sequence[int]]]:
    """The report's universe (Q1 persons) and its rate cells over ``project_ids``."""
    report = await data_quality.compute_report(project_ids, start, end, end, timezone=tz)
    cells: dict[str, Sequence[int]] = {k: (n, d) for k, n, d in report.rate_cells()}
    return report.count("Q1.persons"), cells


async def _notices(
    review: QualityReview, quarter: Quarter, agency_id: UUID, anomalies: int
) -> list[notifications.Notice]:
    agency = await Agency.get(id=agency_id)
    flagged = (
        f"{anomalies} rate(s) moved by ten points or more from the previous quarters."
        if anomalies
        else "No rate moved by ten points or more from the previous quarters."
    )
    return [
        notice_to(
            user,
            kind="quality_review.published",
            subject=f"{agency.name}: data quality report for {quarter.label}",
            body=(
                f"The Lead Agency published the data quality report of {agency.name} for "
                f"{quarter.label} (policy 302). {flagged} Read it in Hearth: "
                f"qualityReview(id: {review.id})."
            ),
            key=f"quality-review:{review.id}:{agency_id}",
            agency_id=agency_id,
        )
        for duty, user in await agency_coordinators(agency_id)
        if duty == Duty.HMIS_DATA_COORDINATOR
    ]


async def record_recommendations(
    *, caller: Caller, review_id: UUID, recommendations: str
) -> QualityReview:
    """The Data Quality Management Committee's recommendations, for the board; may be
    corrected until a motion on the review is put."""
    body = (recommendations or "").strip()
    if not body:
        raise ValidationFailed("Write the recommendations.", field="recommendations")
    if len(body) > RECOMMENDATIONS_MAX:
        raise ValidationFailed(
            f"At most {RECOMMENDATIONS_MAX} characters.", field="recommendations"
        )
    async with in_transaction():
        review = await QualityReview.filter(id=review_id).select_for_update().first()
        if review is None:
            raise NotFound("No such quality review.", field="reviewId")
        if review.status not in (QualityReviewStatus.PUBLISHED, QualityReviewStatus.RECOMMENDED):
            raise Conflict("The board has decided on this review.", field="reviewId")
        if await Motion.exists(
            subject_kind=MotionSubject.QUALITY_REVIEW,
            subject_id=review.id,
            status=MotionStatus.OPEN,
        ):
            raise Conflict("A motion on this review is open.", field="reviewId")
        before = {"status": review.status, "recommendations": review.recommendations}
        review.recommendations = body
        review.recommended_at = caller.now
        review.status = QualityReviewStatus.RECOMMENDED
        await review.save(update_fields=["recommendations", "recommended_at", "status"])
        await governance_log.record(
            caller.principal,
            "quality_review.recommend",
            entity_type="QualityReview",
            entity_id=review.id,
            now=caller.now,
            before=before,
            after={"status": review.status, "recommendations": body},
        )
    return review


async def _opened(caller: Caller, meeting: Meeting, subject_id: UUID) -> None:
    review = await QualityReview.filter(id=subject_id).select_for_update().first()
    if review is None:
        raise NotFound("No such quality review.", field="subjectId")
    if review.status != QualityReviewStatus.RECOMMENDED:
        raise Conflict(
            "A review goes to the board once its recommendations are recorded, and once.",
            field="subjectId",
        )


async def _decided(caller: Caller, motion: Motion) -> None:
    review = await QualityReview.filter(id=motion.subject_id).select_for_update().first()
    if review is None:  # (the motion's subject is checked when it is put)
        raise NotFound("No such quality review.", field="subjectId")
    before = {"status": review.status}
    review.status = (
        QualityReviewStatus.FOLLOWED
        if motion.status == MotionStatus.CARRIED
        else QualityReviewStatus.NOT_FOLLOWED
    )
    review.motion_id = motion.id
    review.decided_at = caller.now
    await review.save(update_fields=["status", "motion_id", "decided_at"])
    await governance_log.record(
        caller.principal,
        "quality_review.decide",
        entity_type="QualityReview",
        entity_id=review.id,
        now=caller.now,
        before=before,
        after={"status": review.status, "motionId": str(motion.id)},
    )


subjects.register(MotionSubject.QUALITY_REVIEW, opened=_opened, decided=_decided)


async def visible_reports(
    review: QualityReview, *, agencies: frozenset[UUID] | None
) -> list[QualityReviewReport]:
    """The review's reports a reader may see: all (``agencies`` None: a system-wide reader), or
    the statewide one and those of ``agencies``."""
    query = QualityReviewReport.filter(review_id=review.id)
    rows = await query.order_by("agency_id")
    if agencies is None:
        return rows
    return [r for r in rows if r.agency_id is None or r.agency_id in agencies]
