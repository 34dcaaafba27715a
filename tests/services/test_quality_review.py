"""The quarterly data quality review (policy 302): the Lead Agency publishes a quarter's
statewide and per-agency reports once the quarter has ended, rates that jump against the
previous quarters are flagged, each agency's HDCs are notified, the committee's recommendations
are recorded and the board decides through a motion on the review."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from models.clients import Client
from models.dsb import MeetingKind, MotionStatus, MotionSubject, SeatCategory, VoteChoice
from models.enrollments import Enrollment
from models.enums import AccessLevel, Duty, SystemRole
from models.governance import Agency, Project
from models.governance_log import GovernanceEvent
from models.outbox import OutboxMessage
from models.quality_review import QualityReview, QualityReviewReport, QualityReviewStatus
from models.users import User
from services import dsb, quality_review
from services.caller import CONNECTICUT, Caller
from services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_agency, make_user
from tests.schema.writes_support import make_project
from tests.services.support import caller_of, decisions_for

pytestmark = pytest.mark.usefixtures("app")


def _at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=CONNECTICUT)


async def _lead(today: date) -> Caller:
    user = await User.filter(username="qr.lead").first() or await make_user(
        "qr.lead", roles=(SystemRole.LEAD_AGENCY,)
    )
    return caller_of(await decisions_for(user), today=today)


async def _client(agency: Agency, user: User, *, named: bool, created: date) -> Client:
    return await Client.create(
        first_name="Ada" if named else None,
        last_name="Quality" if named else None,
        name_data_quality=1 if named else 99,
        dob=date(1980, 5, 5),
        dob_data_quality=1,
        created_by_agency=agency,
        created_by_user=user,
        last_activity_at=_at(created),
        created_at=_at(created),
        updated_at=_at(created),
    )


async def _people(
    agency: Agency, project: Project, user: User, *, named: int, unnamed: int, entry: date
) -> None:
    for i in range(named + unnamed):
        client = await _client(agency, user, named=i < named, created=entry)
        await Enrollment.create(
            client=client,
            project=project,
            agency=agency,
            entry_date=entry,
            household_id=client.id.hex,
            relationship_to_hoh=1,
            created_by_user=user,
            created_at=_at(entry),
            updated_at=_at(entry),
        )


async def _world() -> dict[str, Any]:
    a = await make_agency("Review Agency A")
    b = await make_agency("Review Agency B")
    hdc_a = await make_user(
        "qr.hdc.a", agencies={a: AccessLevel.FULL}, duties={a: Duty.HMIS_DATA_COORDINATOR}
    )
    hdc_b = await make_user(
        "qr.hdc.b", agencies={b: AccessLevel.FULL}, duties={b: Duty.HMIS_DATA_COORDINATOR}
    )
    return {
        "a": a,
        "b": b,
        "pa": await make_project(a, "Review Shelter A"),
        "pb": await make_project(b, "Review Shelter B"),
        "hdc_a": hdc_a,
        "hdc_b": hdc_b,
    }


def _name_missing(report: QualityReviewReport) -> tuple[str, list[int]]:
    """The report's cell for names (3.01, Q6a): missing, DK/PNTA or with issues."""
    key = "Q6a.name.total"
    return key, report.cells[key]


async def test_anomalies_are_rates_that_move_ten_points_from_their_baseline() -> None:
    previous = [{"x": [10, 100], "y": [0, 100]}, {"x": [30, 100], "y": [0, 100]}]
    found = quality_review.find_anomalies(
        {"x": [29, 100], "y": [10, 100], "z": [50, 100], "small": [19, 19]}, previous
    )
    # x: baseline 0.20, now 0.29 (9 points): not flagged; y: baseline 0, now 0.10: flagged;
    # z: no history: never flagged; small: denominator under 20: never flagged
    assert [(a.key, a.baseline, a.quarters) for a in found] == [("y", 0.0, 2)]
    assert quality_review.find_anomalies({"y": [0, 100]}, [{"y": [10, 100]}])[0].rate == 0.0
    # the baseline averages at most four previous quarters, most recent first
    five = [{"x": [0, 100]}] * 4 + [{"x": [100, 100]}]
    assert [a.baseline for a in quality_review.find_anomalies({"x": [50, 100]}, five)] == [0.0]


async def test_a_quarter_is_published_once_after_it_ends_with_anomalies_and_hdcs_notified() -> None:
    w = await _world()
    # 2026Q2: 25 named clients at A, 2 at B; 2026Q3: 25 more at A, 15 of them nameless
    await _people(w["a"], w["pa"], w["hdc_a"], named=25, unnamed=0, entry=date(2026, 4, 10))
    await _people(w["b"], w["pb"], w["hdc_b"], named=2, unnamed=0, entry=date(2026, 4, 10))
    q2 = await quality_review.publish_review(
        caller=await _lead(date(2026, 7, 2)), quarter_text="2026Q2"
    )
    assert q2.anomaly_count == 0  # nothing to compare with
    await _people(w["a"], w["pa"], w["hdc_a"], named=10, unnamed=15, entry=date(2026, 8, 3))

    lead = await _lead(date(2026, 10, 5))
    with pytest.raises(ValidationFailed, match="ended"):
        await quality_review.publish_review(caller=lead, quarter_text="2026Q4")
    with pytest.raises(ValidationFailed):
        await quality_review.publish_review(caller=lead, quarter_text="2026-3")
    q3 = await quality_review.publish_review(caller=lead, quarter_text="2026Q3")
    with pytest.raises(Conflict, match="already published"):
        await quality_review.publish_review(caller=lead, quarter_text="2026Q3")

    assert (q3.period_start, q3.period_end) == (date(2026, 7, 1), date(2026, 9, 30))
    reports = {r.agency_id: r for r in await QualityReviewReport.filter(review=q3)}
    assert set(reports) == {None, w["a"].id, w["b"].id}
    # A's universe: the 25 still enrolled from Q2 and the 25 new ones; 15 without a name
    key, (missing, clients) = _name_missing(reports[w["a"].id])
    assert (missing, clients) == (15, 50)
    assert reports[w["a"].id].clients == 50
    flagged = {a["key"]: a for a in reports[w["a"].id].anomalies}
    assert flagged[key]["baseline"] == 0.0
    assert flagged[key]["rate"] == 0.3
    assert key in {a["key"] for a in reports[None].anomalies}  # statewide: 15 of 52
    assert reports[w["b"].id].anomalies == []  # two clients: too few to flag
    assert q3.anomaly_count == sum(len(r.anomalies) for r in reports.values())

    # each agency's HDC is told of its own agency's report, once
    sent = await OutboxMessage.filter(kind="quality_review.published").order_by("subject")
    by_user = {m.recipient_id: m for m in sent if str(q3.id) in m.body}
    assert set(by_user) == {w["hdc_a"].id, w["hdc_b"].id}
    assert "Review Agency A" in by_user[w["hdc_a"].id].subject
    assert "1 rate(s)" in by_user[w["hdc_a"].id].body or "rate(s)" in by_user[w["hdc_a"].id].body
    assert "No rate moved" in by_user[w["hdc_b"].id].body
    assert await GovernanceEvent.filter(action="quality_review.publish").count() == 2


async def _board(caller: Caller, day: date) -> tuple[Any, list[Any]]:
    seats = [
        await dsb.appoint_seat(
            caller=caller,
            category=SeatCategory.PROVIDER_DATA_EXPERT,
            member_name=f"Expert {i}",
            appointing_body="CT BOS and ODFC boards",
            term_start=date(2026, 1, 1),
            term_end=date(2028, 12, 31),
            lived_experience=False,
        )
        for i in range(3)
    ]
    meeting = await dsb.schedule_meeting(
        caller=caller, held_on=day, kind=MeetingKind.QUARTERLY, title="Q3 review", agenda=[]
    )
    await dsb.record_attendance(
        caller=caller, meeting_id=meeting.id, seat_ids=[s.id for s in seats]
    )
    return meeting, seats


async def _decide(
    caller: Caller, meeting: Any, seats: list[Any], review: Any, carried: bool
) -> Any:
    motion = await dsb.open_motion(
        caller=caller,
        meeting_id=meeting.id,
        text_="Follow the committee's recommendations.",
        subject=(MotionSubject.QUALITY_REVIEW, review.id),
    )
    for seat in seats:
        choice = VoteChoice.YES if carried else VoteChoice.NO
        await dsb.record_vote(caller=caller, motion_id=motion.id, seat_id=seat.id, choice=choice)
    return await dsb.close_motion(caller=caller, motion_id=motion.id)


async def test_the_board_decides_on_the_committees_recommendations() -> None:
    w = await _world()
    await _people(w["a"], w["pa"], w["hdc_a"], named=3, unnamed=1, entry=date(2026, 7, 10))
    lead = await _lead(date(2026, 10, 20))
    review = await quality_review.publish_review(caller=lead, quarter_text="2026Q3")
    meeting, seats = await _board(lead, date(2026, 10, 20))

    # not before the recommendations are recorded
    with pytest.raises(Conflict, match="recommendations"):
        await _decide(lead, meeting, seats, review, carried=True)
    with pytest.raises(ValidationFailed):
        await quality_review.record_recommendations(
            caller=lead, review_id=review.id, recommendations="   "
        )
    with pytest.raises(NotFound):
        await quality_review.record_recommendations(
            caller=lead, review_id=w["a"].id, recommendations="x"
        )
    await quality_review.record_recommendations(
        caller=lead, review_id=review.id, recommendations="Retrain A's intake staff on 3.01."
    )
    motion = await dsb.open_motion(
        caller=lead,
        meeting_id=meeting.id,
        text_="Follow them.",
        subject=(MotionSubject.QUALITY_REVIEW, review.id),
    )
    # while the board weighs them, they stay as put; a second motion waits
    with pytest.raises(Conflict, match="open"):
        await quality_review.record_recommendations(
            caller=lead, review_id=review.id, recommendations="Something else."
        )
    with pytest.raises(Conflict):
        await dsb.open_motion(
            caller=lead,
            meeting_id=meeting.id,
            text_="Again.",
            subject=(MotionSubject.QUALITY_REVIEW, review.id),
        )
    for seat in seats:
        await dsb.record_vote(
            caller=lead, motion_id=motion.id, seat_id=seat.id, choice=VoteChoice.YES
        )
    closed = await dsb.close_motion(caller=lead, motion_id=motion.id)
    assert closed.status == MotionStatus.CARRIED
    decided = await QualityReview.get(id=review.id)
    assert decided.status == QualityReviewStatus.FOLLOWED
    assert decided.motion_id == motion.id
    assert decided.recommendations == "Retrain A's intake staff on 3.01."
    with pytest.raises(Conflict, match="decided"):
        await quality_review.record_recommendations(
            caller=lead, review_id=review.id, recommendations="Late."
        )
    with pytest.raises(Conflict):  # decided once
        await _decide(lead, meeting, seats, review, carried=True)
    actions = (
        await GovernanceEvent.filter(entity_id=str(review.id))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "quality_review.publish",
        "quality_review.recommend",
        "quality_review.decide",
    ]


async def test_a_failed_motion_records_that_the_board_did_not_follow_them() -> None:
    await _world()
    lead = await _lead(date(2027, 1, 4))
    review = await quality_review.publish_review(caller=lead, quarter_text="2026Q4")
    await quality_review.record_recommendations(
        caller=lead, review_id=review.id, recommendations="Nothing to change."
    )
    meeting, seats = await _board(lead, date(2027, 1, 4))
    motion = await _decide(lead, meeting, seats, review, carried=False)
    assert motion.status == MotionStatus.FAILED
    assert (await QualityReview.get(id=review.id)).status == QualityReviewStatus.NOT_FOLLOWED


async def test_an_hdc_reads_the_statewide_report_and_its_own_agencys_only() -> None:
    w = await _world()
    await _people(w["a"], w["pa"], w["hdc_a"], named=2, unnamed=0, entry=date(2026, 8, 1))
    await _people(w["b"], w["pb"], w["hdc_b"], named=2, unnamed=0, entry=date(2026, 8, 1))
    review = await quality_review.publish_review(
        caller=await _lead(date(2026, 10, 2)), quarter_text="2026Q3"
    )
    seen = await quality_review.visible_reports(review, agencies=frozenset({w["a"].id}))
    assert {r.agency_id for r in seen} == {None, w["a"].id}
    every = await quality_review.visible_reports(review, agencies=None)
    assert {r.agency_id for r in every} == {None, w["a"].id, w["b"].id}
    assert timedelta(0) <= review.published_at - _at(date(2026, 10, 2)) <= timedelta(0)
