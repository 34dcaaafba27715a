"""The quarterly data quality review through the API (policy 302): the Lead Agency publishes a
quarter and records the committee's recommendations; the board's motion on the review decides;
an HDC reads the statewide report and its own agency's, the board every report, an agency's
other users nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.enums import AccessLevel, SystemRole
from models.users import User
from tests.factories import Api, make_user
from tests.services.test_quality_review import _board, _lead, _people, _world

pytestmark = pytest.mark.usefixtures("app")

PUBLISH = """mutation($q: String!) { publishQualityReview(input: {quarter: $q}) {
  id quarter status anomalyCount periodStart periodEnd } }"""
READ = """query($id: ID!) { qualityReview(id: $id) { quarter status recommendations motionId
  reports { agencyId clients cells { key numerator denominator rate } anomalies { key } } } }"""
LIST = """{ qualityReviews(first: 5) { nodes { quarter } } }"""
RECOMMEND = """mutation($id: ID!) { recordQualityReviewRecommendations(input: {reviewId: $id,
  recommendations: "Retrain intake on 3.01."}) { status recommendations } }"""
OPEN = """mutation($input: OpenDsbMotionInput!) { openDsbMotion(input: $input) {
  id subjectKind subjectId } }"""
CLOSE = """mutation($id: ID!) { closeDsbMotion(input: {motionId: $id}) { status } }"""
VOTE = """mutation($input: RecordDsbVoteInput!) { recordDsbVote(input: $input) { choice } }"""

OCTOBER = datetime(2026, 10, 6, 16, 0, tzinfo=UTC)


async def test_publish_read_by_role_and_decide_through_the_board(api: Api) -> None:
    w = await _world()
    await _people(w["a"], w["pa"], w["hdc_a"], named=3, unnamed=1, entry=date(2026, 8, 3))
    await _people(w["b"], w["pb"], w["hdc_b"], named=2, unnamed=0, entry=date(2026, 8, 3))
    api.clock.set(OCTOBER)
    lead_caller = await _lead(date(2026, 10, 6))
    lead = await api.sign_in(await User.get(username="qr.lead"))
    review = (await api.ok(PUBLISH, {"q": "2026Q3"}, lead))["publishQualityReview"]
    assert (review["quarter"], review["status"]) == ("2026Q3", "PUBLISHED")
    assert (review["periodStart"], review["periodEnd"]) == ("2026-07-01", "2026-09-30")
    assert (await api.error(PUBLISH, {"q": "2026Q3"}, lead))["code"] == "CONFLICT"
    assert (await api.error(PUBLISH, {"q": "2026Q4"}, lead))["code"] == "VALIDATION"

    # the HDC of A: the statewide report and A's; A's cells count A's four clients
    hdc_a = await api.sign_in(w["hdc_a"])
    seen = (await api.ok(READ, {"id": review["id"]}, hdc_a))["qualityReview"]["reports"]
    assert {r["agencyId"] for r in seen} == {None, str(w["a"].id)}
    own = next(r for r in seen if r["agencyId"] == str(w["a"].id))
    names = next(c for c in own["cells"] if c["key"] == "Q6a.name.total")
    assert (own["clients"], names["numerator"], names["denominator"]) == (4, 1, 4)
    assert names["rate"] == 0.25
    # the board reads every report; a user of A without the HDC duty reads none
    member = await api.sign_in(await make_user("qr.member", roles=(SystemRole.DSB_MEMBER,)))
    every = (await api.ok(READ, {"id": review["id"]}, member))["qualityReview"]["reports"]
    assert {r["agencyId"] for r in every} == {None, str(w["a"].id), str(w["b"].id)}
    worker = await api.sign_in(await make_user("qr.worker", agencies={w["a"]: AccessLevel.FULL}))
    assert (await api.error(LIST, {}, worker))["code"] == "FORBIDDEN"
    assert (await api.error(RECOMMEND, {"id": review["id"]}, hdc_a))["code"] == "FORBIDDEN"
    assert (await api.ok(LIST, {}, member))["qualityReviews"]["nodes"] == [{"quarter": "2026Q3"}]

    # the recommendations, then the board's motion on the review
    meeting, seats = await _board(lead_caller, date(2026, 10, 6))
    motion_input = {
        "meetingId": str(meeting.id),
        "text": "Follow the committee's recommendations.",
        "subjectKind": "QUALITY_REVIEW",
        "subjectId": review["id"],
    }
    assert (await api.error(OPEN, {"input": motion_input}, lead))["code"] == "CONFLICT"
    half = {k: v for k, v in motion_input.items() if k != "subjectKind"}
    assert (await api.error(OPEN, {"input": half}, lead))["code"] == "VALIDATION"
    recorded = await api.ok(RECOMMEND, {"id": review["id"]}, lead)
    assert recorded["recordQualityReviewRecommendations"]["status"] == "RECOMMENDED"
    motion = (await api.ok(OPEN, {"input": motion_input}, lead))["openDsbMotion"]
    assert (motion["subjectKind"], motion["subjectId"]) == ("QUALITY_REVIEW", review["id"])
    for seat in seats:
        vote = {"motionId": motion["id"], "seatId": str(seat.id), "choice": "YES"}
        await api.ok(VOTE, {"input": vote}, lead)
    assert (await api.ok(CLOSE, {"id": motion["id"]}, lead))["closeDsbMotion"]["status"] == (
        "CARRIED"
    )
    decided = (await api.ok(READ, {"id": review["id"]}, member))["qualityReview"]
    assert (decided["status"], decided["motionId"]) == ("FOLLOWED", motion["id"])
