"""The Data Strategy Board (policy 102): seats within their caps, staggered co-chairs, meetings
whose motions only voting members present decide, with a quorum, and customization requests
scored on the seven criteria and decided at a quarterly meeting. Every write is logged."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError, OperationalError

from models.dsb import (
    BoardSeat,
    CustomizationCriterion,
    CustomizationStatus,
    MeetingKind,
    MotionStatus,
    SeatCategory,
    Vote,
    VoteChoice,
)
from models.enums import SystemRole
from models.governance import Can, ContinuumOfCare
from models.governance_log import GovernanceEvent
from services import dsb
from services.caller import Caller
from services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_agency, make_user
from tests.services.support import caller_of, decisions_for

pytestmark = pytest.mark.usefixtures("app")

START, END = date(2026, 1, 1), date(2028, 12, 31)


async def _lead(today: date = date(2026, 3, 2)) -> Caller:
    user = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    return caller_of(await decisions_for(user), today=today)


async def _seat(caller: Caller, category: SeatCategory, **changes: Any) -> BoardSeat:
    values: dict[str, Any] = {
        "category": category,
        "member_name": f"Member {category.value.lower()}",
        "appointing_body": "CT BOS and ODFC boards",
        "term_start": START,
        "term_end": END,
        "lived_experience": False,
    }
    values.update(changes)
    return await dsb.appoint_seat(caller=caller, **values)


async def _backbone(name: str) -> Any:
    agency = await make_agency(name)
    await Can.create(
        name=f"CAN of {name}", coc=await ContinuumOfCare.get(code="CT-503"), backbone_agency=agency
    )
    return agency


async def _full_board(caller: Caller) -> list[BoardSeat]:
    """Every seat the manual allows: 13 voting, 2 non-voting."""
    coc_bos = await ContinuumOfCare.get(code="CT-503")
    coc_odfc = await ContinuumOfCare.get(code="CT-505")
    seats = [await _seat(caller, SeatCategory.PROVIDER_DATA_EXPERT) for _ in range(4)]
    for name in ("Backbone One", "Backbone Two"):
        seats.append(
            await _seat(caller, SeatCategory.CAN_BACKBONE, agency_id=(await _backbone(name)).id)
        )
    seats.append(await _seat(caller, SeatCategory.COC_REPRESENTATIVE, coc_id=coc_bos.id))
    seats.append(await _seat(caller, SeatCategory.COC_REPRESENTATIVE, coc_id=coc_odfc.id))
    seats.append(await _seat(caller, SeatCategory.STATEWIDE_CAN_MANAGER, appointing_body="DOH"))
    seats.append(await _seat(caller, SeatCategory.PROVIDER_COALITION, lived_experience=True))
    seats.append(await _seat(caller, SeatCategory.HMIS_FUNDER, appointing_body="doh"))
    seats.append(await _seat(caller, SeatCategory.HMIS_FUNDER, appointing_body="DMHAS"))
    seats.append(await _seat(caller, SeatCategory.STATEWIDE_CAN_BACKBONE))
    seats.append(await _seat(caller, SeatCategory.HMIS_LEAD, appointing_body="Lead Co"))
    seats.append(
        await _seat(caller, SeatCategory.SYSTEM_ADMINISTRATION, appointing_body="Admin Co")
    )
    return seats


async def test_the_board_fills_to_thirteen_voting_and_two_non_voting_seats_and_no_further() -> None:
    caller = await _lead()
    seats = await _full_board(caller)
    assert sum(dsb.is_voting(s.category) for s in seats) == 13
    assert [s.category for s in seats if not dsb.is_voting(s.category)] == [
        SeatCategory.HMIS_LEAD,
        SeatCategory.SYSTEM_ADMINISTRATION,
    ]
    assert seats[4 + 2 + 2 + 2 - 1].lived_experience is True  # the coalition's seat
    assert {s.appointing_body for s in seats if s.category == SeatCategory.HMIS_FUNDER} == {
        "DOH",
        "DMHAS",
    }
    # every category is at its cap: one more, on any day of the term, is refused
    for category, cap in dsb.SEAT_CAPS.items():
        assert sum(s.category == category for s in seats) == cap
        with pytest.raises(Conflict, match="at most"):
            await _seat(
                caller,
                category,
                term_start=date(2027, 6, 1),
                term_end=date(2027, 6, 30),
                appointing_body={
                    SeatCategory.STATEWIDE_CAN_MANAGER: "DOH",
                    SeatCategory.HMIS_FUNDER: "DMHAS",
                }.get(category, "X"),
                agency_id=(await _backbone(f"B {category.value}")).id
                if category == SeatCategory.CAN_BACKBONE
                else None,
                coc_id=(await ContinuumOfCare.get(code="CT-503")).id
                if category == SeatCategory.COC_REPRESENTATIVE
                else None,
            )


async def test_a_cap_counts_seats_held_on_the_same_days_only() -> None:
    caller = await _lead()
    seats = [await _seat(caller, SeatCategory.PROVIDER_DATA_EXPERT) for _ in range(4)]
    # a seat whose term begins after the others' end is not a fifth
    later = await _seat(
        caller,
        SeatCategory.PROVIDER_DATA_EXPERT,
        term_start=date(2029, 1, 1),
        term_end=date(2030, 12, 31),
    )
    assert later.term_start == date(2029, 1, 1)
    # a member who leaves frees the seat from that day
    with pytest.raises(Conflict):
        await _seat(caller, SeatCategory.PROVIDER_DATA_EXPERT, term_start=date(2027, 1, 1))
    await dsb.end_seat(
        caller=caller, seat_id=seats[0].id, ended_on=date(2027, 1, 1), reason="Moved"
    )
    successor = await _seat(caller, SeatCategory.PROVIDER_DATA_EXPERT, term_start=date(2027, 1, 1))
    assert successor.term_start == date(2027, 1, 1)
    assert len(await dsb.seated_on(date(2027, 1, 1))) == 4
    assert len(await dsb.seated_on(date(2026, 12, 31))) == 4


async def test_the_manual_s_appointing_bodies_and_distinct_representation() -> None:
    caller = await _lead()
    with pytest.raises(ValidationFailed) as funder:
        await _seat(caller, SeatCategory.HMIS_FUNDER, appointing_body="HUD")
    assert funder.value.field == "appointingBody"
    await _seat(caller, SeatCategory.HMIS_FUNDER, appointing_body="DOH")
    with pytest.raises(Conflict):  # one by DOH, one by DMHAS
        await _seat(caller, SeatCategory.HMIS_FUNDER, appointing_body="DOH")
    with pytest.raises(ValidationFailed) as backbone:  # an agency that is no CAN's backbone
        await _seat(caller, SeatCategory.CAN_BACKBONE, agency_id=(await make_agency("Plain")).id)
    assert backbone.value.field == "agencyId"
    one = await _backbone("Backbone One")
    await _seat(caller, SeatCategory.CAN_BACKBONE, agency_id=one.id)
    with pytest.raises(Conflict):  # two different CAN backbone agencies
        await _seat(caller, SeatCategory.CAN_BACKBONE, agency_id=one.id)
    bos = await ContinuumOfCare.get(code="CT-503")
    await _seat(caller, SeatCategory.COC_REPRESENTATIVE, coc_id=bos.id)
    with pytest.raises(Conflict):  # CT BOS and ODFC respectively
        await _seat(caller, SeatCategory.COC_REPRESENTATIVE, coc_id=bos.id)
    await _seat(caller, SeatCategory.HMIS_LEAD, appointing_body="Lead Co")
    with pytest.raises(Conflict):  # only if different from the HMIS Lead entity
        await _seat(caller, SeatCategory.SYSTEM_ADMINISTRATION, appointing_body="lead co")
    member = await make_user()
    await _seat(caller, SeatCategory.PROVIDER_COALITION, user_id=member.id)
    with pytest.raises(Conflict):  # one seat per person
        await _seat(caller, SeatCategory.PROVIDER_DATA_EXPERT, user_id=member.id)
    with pytest.raises(ValidationFailed):
        await _seat(caller, SeatCategory.PROVIDER_COALITION, term_end=START)


async def test_co_chairs_first_two_and_three_years_then_one_new_a_year() -> None:
    caller = await _lead()
    a, b, c, d, e, f = [
        await _seat(
            caller,
            SeatCategory.PROVIDER_DATA_EXPERT if i < 4 else SeatCategory.HMIS_FUNDER,
            appointing_body=("DOH", "DMHAS")[i - 4] if i >= 4 else "X",
            term_start=date(2026, 1, 1),
            term_end=date(2033, 12, 31),
        )
        for i in range(6)
    ]
    with pytest.raises(Conflict, match="first two"):
        await dsb.designate_co_chair(caller=caller, seat_id=c.id, starts_on=date(2026, 7, 1))
    first, second = await dsb.designate_initial_co_chairs(
        caller=caller, first_seat_id=a.id, second_seat_id=b.id, starts_on=date(2026, 7, 1)
    )
    assert (first.ends_on, second.ends_on) == (date(2028, 6, 30), date(2029, 6, 30))
    with pytest.raises(Conflict):
        await dsb.designate_initial_co_chairs(
            caller=caller, first_seat_id=c.id, second_seat_id=d.id, starts_on=date(2026, 7, 1)
        )
    # both serve until mid-2028: no room for a third
    with pytest.raises(Conflict, match="Two co-chairs"):
        await dsb.designate_co_chair(caller=caller, seat_id=c.id, starts_on=date(2027, 7, 1))
    third = await dsb.designate_co_chair(caller=caller, seat_id=c.id, starts_on=date(2028, 7, 1))
    assert third.ends_on == date(2030, 6, 30)  # two years, staggered against the second
    fourth = await dsb.designate_co_chair(caller=caller, seat_id=d.id, starts_on=date(2029, 7, 1))
    assert fourth.ends_on == date(2031, 6, 30)
    # with two seats free in mid-2031 (nobody designated in 2030), still one new a year
    await dsb.designate_co_chair(caller=caller, seat_id=e.id, starts_on=date(2031, 7, 1))
    with pytest.raises(Conflict, match="one new co-chair a year"):
        await dsb.designate_co_chair(caller=caller, seat_id=f.id, starts_on=date(2031, 8, 1))
    with pytest.raises(ValidationFailed):  # the seat must be held that day
        await dsb.designate_co_chair(caller=caller, seat_id=f.id, starts_on=date(2034, 7, 1))


async def _meeting_with(
    caller: Caller, kind: MeetingKind = MeetingKind.REGULAR, held_on: date = date(2026, 3, 2)
) -> tuple[Any, list[BoardSeat], BoardSeat]:
    voting = [await _seat(caller, SeatCategory.PROVIDER_DATA_EXPERT) for _ in range(4)]
    voting.append(await _seat(caller, SeatCategory.PROVIDER_COALITION))
    lead = await _seat(caller, SeatCategory.HMIS_LEAD, appointing_body="Lead Co")
    meeting = await dsb.schedule_meeting(
        caller=caller, held_on=held_on, kind=kind, title="March meeting", agenda=["Minutes"]
    )
    return meeting, voting, lead


async def test_only_voting_members_present_vote_once_and_a_quorum_decides() -> None:
    caller = await _lead()
    meeting, voting, lead = await _meeting_with(caller)
    # two of five voting members present: no quorum
    await dsb.record_attendance(
        caller=caller, meeting_id=meeting.id, seat_ids=[voting[0].id, voting[1].id, lead.id]
    )
    motion = await dsb.open_motion(caller=caller, meeting_id=meeting.id, text_="Adopt the minutes")
    with pytest.raises(Conflict, match="No quorum: 2 of 5"):
        await dsb.close_motion(caller=caller, motion_id=motion.id)
    # three of five: a quorum
    present = [voting[0].id, voting[1].id, voting[2].id, lead.id]
    await dsb.record_attendance(caller=caller, meeting_id=meeting.id, seat_ids=present)
    assert (await dsb.quorum_of(meeting)).met
    with pytest.raises(ValidationFailed, match="do not vote"):
        await dsb.record_vote(
            caller=caller, motion_id=motion.id, seat_id=lead.id, choice=VoteChoice.YES
        )
    with pytest.raises(ValidationFailed, match="present"):
        await dsb.record_vote(
            caller=caller, motion_id=motion.id, seat_id=voting[4].id, choice=VoteChoice.YES
        )
    await dsb.record_vote(
        caller=caller, motion_id=motion.id, seat_id=voting[0].id, choice=VoteChoice.YES
    )
    with pytest.raises(Conflict, match="has voted"):
        await dsb.record_vote(
            caller=caller, motion_id=motion.id, seat_id=voting[0].id, choice=VoteChoice.NO
        )
    await dsb.record_vote(
        caller=caller, motion_id=motion.id, seat_id=voting[1].id, choice=VoteChoice.YES
    )
    await dsb.record_vote(
        caller=caller, motion_id=motion.id, seat_id=voting[2].id, choice=VoteChoice.NO
    )
    decided = await dsb.close_motion(caller=caller, motion_id=motion.id)
    assert decided.status == MotionStatus.CARRIED
    assert (decided.yes, decided.no, decided.abstain) == (2, 1, 0)
    assert (decided.voting_present, decided.voting_seated) == (3, 5)
    with pytest.raises(Conflict):  # decided: no more votes, attendance stands
        await dsb.record_vote(
            caller=caller, motion_id=motion.id, seat_id=voting[2].id, choice=VoteChoice.YES
        )
    with pytest.raises(Conflict):
        await dsb.record_attendance(caller=caller, meeting_id=meeting.id, seat_ids=[])
    # a tie fails
    tie = await dsb.open_motion(caller=caller, meeting_id=meeting.id, text_="Meet weekly")
    await dsb.record_vote(
        caller=caller, motion_id=tie.id, seat_id=voting[0].id, choice=VoteChoice.YES
    )
    await dsb.record_vote(
        caller=caller, motion_id=tie.id, seat_id=voting[1].id, choice=VoteChoice.NO
    )
    await dsb.record_vote(
        caller=caller, motion_id=tie.id, seat_id=voting[2].id, choice=VoteChoice.ABSTAIN
    )
    assert (await dsb.close_motion(caller=caller, motion_id=tie.id)).status == MotionStatus.FAILED
    actions = [e.action for e in await GovernanceEvent.all().order_by("seq")]
    assert actions.count("dsb_vote.record") == 6
    assert actions.count("dsb_motion.close") == 2
    assert actions.count("dsb_meeting.attendance") == 2
    assert "dsb_meeting.schedule" in actions
    assert "dsb_seat.appoint" in actions


async def test_attendance_waits_for_the_meeting_and_names_seated_members() -> None:
    caller = await _lead()
    meeting, voting, _ = await _meeting_with(caller, held_on=date(2026, 4, 6))
    with pytest.raises(ValidationFailed, match="not taken place"):
        await dsb.record_attendance(caller=caller, meeting_id=meeting.id, seat_ids=[voting[0].id])
    later = await _lead(today=date(2026, 4, 6))
    gone = await _seat(
        caller,
        SeatCategory.STATEWIDE_CAN_BACKBONE,
        term_start=date(2025, 1, 1),
        term_end=date(2025, 12, 31),
    )
    with pytest.raises(ValidationFailed) as error:
        await dsb.record_attendance(
            caller=later, meeting_id=meeting.id, seat_ids=[voting[0].id, gone.id]
        )
    assert error.value.field == "seatIds[1]"


async def test_votes_are_append_only() -> None:
    caller = await _lead()
    meeting, voting, _ = await _meeting_with(caller)
    await dsb.record_attendance(caller=caller, meeting_id=meeting.id, seat_ids=[voting[0].id])
    motion = await dsb.open_motion(caller=caller, meeting_id=meeting.id, text_="Adopt")
    await dsb.record_vote(
        caller=caller, motion_id=motion.id, seat_id=voting[0].id, choice=VoteChoice.YES
    )
    conn = get_connection("default")
    for statement in ("UPDATE dsb_vote SET choice = 'NO'", "DELETE FROM dsb_vote"):
        with pytest.raises((IntegrityError, OperationalError), match="append-only"):
            await conn.execute_script(f"BEGIN; SET LOCAL ROLE NONE; {statement}; COMMIT")
    assert (await Vote.get(motion_id=motion.id)).choice == VoteChoice.YES


SCORES = {c: 4 for c in CustomizationCriterion}


async def test_customization_requests_are_scored_on_seven_criteria_and_decided_quarterly() -> None:
    caller = await _lead()
    request = await dsb.submit_request(
        caller=caller,
        title="Custom bed-night report",
        description="A report of bed nights by CAN",
        requested_by="Harbor House HDC",
        agency_id=None,
    )
    assert request.status == CustomizationStatus.SUBMITTED
    with pytest.raises(ValidationFailed, match="missing: RESOURCES"):
        await dsb.score_request(
            caller=caller,
            request_id=request.id,
            scores={c: 3 for c in CustomizationCriterion if c.value != "RESOURCES"},
            notes=None,
        )
    with pytest.raises(ValidationFailed) as bad:
        await dsb.score_request(
            caller=caller,
            request_id=request.id,
            scores=SCORES | {CustomizationCriterion.TIME_TO_BUILD: 6},
            notes=None,
        )
    assert bad.value.field == "scores.TIME_TO_BUILD"
    regular, voting, _ = await _meeting_with(caller)
    quarterly = await dsb.schedule_meeting(
        caller=caller, held_on=date(2026, 3, 2), kind=MeetingKind.QUARTERLY, title="Q1", agenda=[]
    )
    with pytest.raises(Conflict, match="scored"):
        await dsb.open_motion(
            caller=caller,
            meeting_id=quarterly.id,
            text_="Build it",
            customization_request_id=request.id,
        )
    scored = await dsb.score_request(
        caller=caller, request_id=request.id, scores=SCORES, notes="Broadly useful"
    )
    assert (scored.status, scored.score_total) == (CustomizationStatus.SCORED, 28)
    assert set(scored.scores or {}) == {c.value for c in CustomizationCriterion}
    with pytest.raises(Conflict, match="quarterly"):
        await dsb.open_motion(
            caller=caller,
            meeting_id=regular.id,
            text_="Build it",
            customization_request_id=request.id,
        )
    with pytest.raises(NotFound):
        await dsb.open_motion(
            caller=caller, meeting_id=quarterly.id, text_="x", agenda_item_id=request.id
        )
    motion = await dsb.open_motion(
        caller=caller,
        meeting_id=quarterly.id,
        text_="Build it",
        customization_request_id=request.id,
    )
    await dsb.record_attendance(
        caller=caller, meeting_id=quarterly.id, seat_ids=[s.id for s in voting[:3]]
    )
    for seat in voting[:3]:
        await dsb.record_vote(
            caller=caller, motion_id=motion.id, seat_id=seat.id, choice=VoteChoice.YES
        )
    await dsb.close_motion(caller=caller, motion_id=motion.id)
    await request.refresh_from_db()
    assert request.status == CustomizationStatus.APPROVED
    assert request.decided_at == caller.now
    with pytest.raises(Conflict, match="decided"):
        await dsb.score_request(caller=caller, request_id=request.id, scores=SCORES, notes=None)
    actions = {e.action for e in await GovernanceEvent.all()}
    assert {
        "customization_request.submit",
        "customization_request.score",
        "customization_request.decide",
    } <= actions
