"""The Data Strategy Board over GraphQL: the Lead Agency keeps the record, the board's members
read it and may not write it; the rules' refusals arrive as typed errors."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from models.enums import SystemRole
from services.clock import FrozenClock
from services.jobs import JobContext, run_job
from services.notifications import SmtpConfig
from tests.factories import Api, make_user

pytestmark = pytest.mark.usefixtures("app")

APPOINT = """mutation($input: AppointDsbMemberInput!) {
  appointDsbMember(input: $input) { id category voting livedExperience termStart termEnd }
}"""
SEATS = """query($on: Date) {
  dsbSeats(activeOn: $on) { totalCount nodes { memberName category voting appointingBody } }
}"""
MEETING = """mutation($input: ScheduleDsbMeetingInput!) {
  scheduleDsbMeeting(input: $input) { id agenda { position title } }
}"""
ATTEND = """mutation($m: ID!, $s: [ID!]!) {
  recordDsbAttendance(input: {meetingId: $m, seatIds: $s}) { quorum { votingSeated votingPresent met } }
}"""
MOTION = """mutation($input: OpenDsbMotionInput!) { openDsbMotion(input: $input) { id status } }"""
VOTE = """mutation($m: ID!, $s: ID!, $c: DsbVoteChoice!) {
  recordDsbVote(input: {motionId: $m, seatId: $s, choice: $c}) { seatId choice }
}"""
CLOSE = """mutation($m: ID!) { closeDsbMotion(input: {motionId: $m}) { status yes no votes { choice } } }"""
MEETINGS = """{ dsbMeetings { nodes { title presentSeatIds motions { text status yes } } } }"""
CALENDAR = """{ governanceCalendar { kind policy ownerRole periodMonths nextDueOn } }"""
SUBMIT = """mutation($input: SubmitCustomizationRequestInput!) {
  submitCustomizationRequest(input: $input) { id status }
}"""
SCORE = """mutation($input: ScoreCustomizationRequestInput!) {
  scoreCustomizationRequest(input: $input) { status scoreTotal scores { criterion score } }
}"""


def _seat(category: str, body: str = "Board", **extra: object) -> dict[str, object]:
    return {
        "category": category,
        "memberName": f"Member {category}",
        "appointingBody": body,
        "termStart": "2026-01-01",
        "termEnd": "2027-12-31",
        **extra,
    }


async def test_the_lead_agency_keeps_the_record_and_members_read_it(api: Api) -> None:
    lead = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY,)))
    member = await api.sign_in(await make_user(roles=(SystemRole.DSB_MEMBER,)))
    # a member may read the board but not appoint to it
    denied = await api.error(APPOINT, {"input": _seat("PROVIDER_COALITION")}, member)
    assert denied["code"] == "FORBIDDEN"
    voting = [
        (await api.ok(APPOINT, {"input": _seat("PROVIDER_DATA_EXPERT")}, lead))["appointDsbMember"]
        for _ in range(4)
    ]
    full = await api.error(APPOINT, {"input": _seat("PROVIDER_DATA_EXPERT")}, lead)
    assert (full["code"], full["field"]) == ("CONFLICT", "category")
    funder = await api.error(APPOINT, {"input": _seat("HMIS_FUNDER", "HUD")}, lead)
    assert (funder["code"], funder["field"]) == ("VALIDATION", "appointingBody")
    non_voting = (await api.ok(APPOINT, {"input": _seat("HMIS_LEAD", livedExperience=True)}, lead))[
        "appointDsbMember"
    ]
    assert (non_voting["voting"], non_voting["livedExperience"]) == (False, True)
    seats = (await api.ok(SEATS, {"on": "2026-03-02"}, member))["dsbSeats"]
    assert seats["totalCount"] == 5
    assert (await api.ok(SEATS, {"on": "2028-01-01"}, member))["dsbSeats"]["totalCount"] == 0

    meeting = (
        await api.ok(
            MEETING,
            {
                "input": {
                    "heldOn": "2026-03-02",
                    "kind": "REGULAR",
                    "title": "March",
                    "agenda": ["DRP"],
                }
            },
            lead,
        )
    )["scheduleDsbMeeting"]
    assert meeting["agenda"] == [{"position": 1, "title": "DRP"}]
    quorum = (
        await api.ok(
            ATTEND,
            {
                "m": meeting["id"],
                "s": [voting[0]["id"], voting[1]["id"], voting[2]["id"], non_voting["id"]],
            },
            lead,
        )
    )["recordDsbAttendance"]["quorum"]
    assert quorum == {"votingSeated": 4, "votingPresent": 3, "met": True}
    motion = (
        await api.ok(MOTION, {"input": {"meetingId": meeting["id"], "text": "Approve"}}, lead)
    )["openDsbMotion"]
    lead_vote = await api.error(VOTE, {"m": motion["id"], "s": non_voting["id"], "c": "YES"}, lead)
    assert (lead_vote["code"], lead_vote["field"]) == ("VALIDATION", "seatId")
    member_vote = await api.error(
        VOTE, {"m": motion["id"], "s": voting[0]["id"], "c": "YES"}, member
    )
    assert member_vote["code"] == "FORBIDDEN"
    for seat, choice in zip(voting[:3], ("YES", "YES", "NO"), strict=True):
        await api.ok(VOTE, {"m": motion["id"], "s": seat["id"], "c": choice}, lead)
    again = await api.error(VOTE, {"m": motion["id"], "s": voting[0]["id"], "c": "NO"}, lead)
    assert again["code"] == "CONFLICT"
    closed = (await api.ok(CLOSE, {"m": motion["id"]}, lead))["closeDsbMotion"]
    assert (closed["status"], closed["yes"], closed["no"]) == ("CARRIED", 2, 1)
    assert len(closed["votes"]) == 3
    seen = (await api.ok(MEETINGS, {}, member))["dsbMeetings"]["nodes"][0]
    assert seen["motions"] == [{"text": "Approve", "status": "CARRIED", "yes": 2}]
    assert len(seen["presentSeatIds"]) == 4


async def test_customization_requests_and_the_calendar_over_the_api(api: Api) -> None:
    admin = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    lead = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY,)))
    member = await api.sign_in(await make_user(roles=(SystemRole.DSB_MEMBER,)))
    request = (
        await api.ok(
            SUBMIT,
            {"input": {"title": "Bed nights", "description": "By CAN", "requestedBy": "An HDC"}},
            admin,
        )
    )["submitCustomizationRequest"]
    assert request["status"] == "SUBMITTED"
    assert (
        await api.error(
            SUBMIT, {"input": {"title": "x", "description": "y", "requestedBy": "z"}}, member
        )
    )["code"] == "FORBIDDEN"
    criteria = [
        "APPLICABILITY",
        "STAFF_CAPACITY",
        "TIME_TO_BUILD",
        "RELEVANCE",
        "GRANT_REPORTING",
        "STRATEGIC_PLAN",
        "RESOURCES",
    ]
    short = await api.error(
        SCORE,
        {"input": {"requestId": request["id"], "scores": [{"criterion": "RESOURCES", "score": 3}]}},
        lead,
    )
    assert (short["code"], short["field"]) == ("VALIDATION", "scores")
    scored = (
        await api.ok(
            SCORE,
            {
                "input": {
                    "requestId": request["id"],
                    "scores": [{"criterion": c, "score": 5} for c in criteria],
                }
            },
            lead,
        )
    )["scoreCustomizationRequest"]
    assert (scored["status"], scored["scoreTotal"]) == ("SCORED", 35)
    assert [s["criterion"] for s in scored["scores"]] == criteria
    calendar = {i["kind"]: i for i in (await api.ok(CALENDAR, {}, member))["governanceCalendar"]}
    assert calendar["DISASTER_RECOVERY_PLAN_REVIEW"]["nextDueOn"] == "2026-03-31"
    assert calendar["POLICY_REVIEW"] == {
        "kind": "POLICY_REVIEW",
        "policy": "111",
        "ownerRole": "LEAD_AGENCY",
        "periodMonths": 36,
        "nextDueOn": "2029-01-31",
    }
    assert calendar["USER_ACCESS_REPORT"]["periodMonths"] == 3
    update = """mutation { updateGovernanceCalendarItem(input: {kind: DISASTER_RECOVERY_PLAN_REVIEW,
      firstDueOn: "2026-04-30"}) { firstDueOn } }"""
    refused = await api.error(update, {}, admin)
    assert (refused["code"], refused["field"]) == ("VALIDATION", "firstDueOn")
    assert (await api.error(update, {}, member))["code"] == "FORBIDDEN"


CASES = """{ governanceCalendarCases(status: OPEN) {
  nodes { id kind title policy dueOn status overdue } } }"""
COMPLETE = """mutation($c: ID!, $e: String!) {
  completeGovernanceCalendarCase(input: {caseId: $c, evidence: $e}) { kind status evidence completedById }
}"""


async def test_calendar_cases_over_the_api(api: Api, clock: FrozenClock) -> None:
    officer_user = await make_user(roles=(SystemRole.SECURITY_OFFICER,))
    lead_user = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    context = JobContext(clock=clock, tz=ZoneInfo("America/New_York"), smtp=SmtpConfig(None))
    await run_job("governance-calendar", context)
    # a month on, the March review is overdue
    clock.set(datetime(2026, 4, 1, 16, 0, tzinfo=UTC))
    officer = await api.sign_in(officer_user)
    [case] = (await api.ok(CASES, {}, officer))["governanceCalendarCases"]["nodes"]
    assert (case["kind"], case["policy"], case["dueOn"]) == (
        "DISASTER_RECOVERY_PLAN_REVIEW",
        "113",
        "2026-03-31",
    )
    assert case["overdue"] is True
    # not the Security Officer's review to record
    refused = await api.error(COMPLETE, {"c": case["id"], "e": "Reviewed"}, officer)
    assert refused["code"] == "FORBIDDEN"
    # the board's March decision is needed
    lead = await api.sign_in(lead_user)
    missing = await api.error(COMPLETE, {"c": case["id"], "e": "Reviewed"}, lead)
    assert (missing["code"], missing["field"]) == ("VALIDATION", "motionId")
    # the Security Officer records its own review
    clock.set(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    await run_job("governance-calendar", context)
    officer = await api.sign_in(officer_user)
    plan = next(
        n
        for n in (await api.ok(CASES, {}, officer))["governanceCalendarCases"]["nodes"]
        if n["kind"] == "SECURITY_PLAN_REVIEW"
    )
    done = (await api.ok(COMPLETE, {"c": plan["id"], "e": "Plan v7 reviewed"}, officer))[
        "completeGovernanceCalendarCase"
    ]
    assert (done["kind"], done["status"], done["completedById"]) == (
        "SECURITY_PLAN_REVIEW",
        "COMPLETED",
        str(officer_user.id),
    )
