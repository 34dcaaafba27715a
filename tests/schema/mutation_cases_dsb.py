"""The valid calls of tests/schema/mutation_cases.py, continued: the Data Strategy Board and the
governance calendar, mutations and the queries that take text or ids."""

from __future__ import annotations

from datetime import date

from models.dsb import (
    BoardSeat,
    CalendarCase,
    CalendarItem,
    CalendarKind,
    CoChairTerm,
    CustomizationCriterion,
    CustomizationRequest,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    Motion,
    SeatCategory,
)
from services import dsb
from tests.schema.mutation_cases import Call, World, case
from tests.schema.query_cases import query_case

__all__: list[str] = []

TODAY = date(2026, 3, 2)  # the suite's frozen day


async def _seat(w: World, category: SeatCategory = SeatCategory.PROVIDER_DATA_EXPERT) -> BoardSeat:
    return await BoardSeat.create(
        category=category,
        member_name=w.unique("Member"),
        appointing_body="Board",
        term_start=date(2020, 1, 1),
        term_end=date(2035, 12, 31),
        appointed_at=w.api.clock.now(),
    )


async def _meeting(w: World, kind: MeetingKind = MeetingKind.REGULAR) -> Meeting:
    return await Meeting.create(
        held_on=TODAY, kind=kind, title=w.unique("Meeting"), created_at=w.api.clock.now()
    )


async def _motion(w: World) -> tuple[Motion, BoardSeat]:
    meeting = await _meeting(w)
    seat = await _seat(w)
    await MeetingAttendance.create(meeting=meeting, seat=seat)
    motion = await Motion.create(meeting=meeting, text="Adopt", opened_at=w.api.clock.now())
    return motion, seat


@case("appointDsbMember")
async def _appoint(w: World) -> Call:
    w.calls += 1
    year = 2030 + w.calls
    return await w.token("admin"), {
        "input": {
            "category": "PROVIDER_DATA_EXPERT",
            "memberName": "Pat Member",
            "appointingBody": "CT BOS board",
            "termStart": f"{year}-01-01",
            "termEnd": f"{year}-12-31",
            "livedExperience": True,
        }
    }


@case("endDsbSeat")
async def _end(w: World) -> Call:
    seat = await _seat(w)
    return await w.token("admin"), {
        "input": {
            "seatId": str(seat.id),
            "endedOn": "2026-06-01",
            "reason": "Moved away.",
        }
    }


@case("designateInitialDsbCoChairs")
async def _initial(w: World) -> Call:
    first, second = await _seat(w), await _seat(w)
    return await w.token("admin"), {
        "input": {
            "firstSeatId": str(first.id),
            "secondSeatId": str(second.id),
            "startsOn": "2026-07-01",
        }
    }


@case("designateDsbCoChair")
async def _co_chair(w: World) -> Call:
    if not await CoChairTerm.exists():
        for seat, ends in (
            (await _seat(w), date(2022, 6, 30)),
            (await _seat(w), date(2023, 6, 30)),
        ):
            await CoChairTerm.create(
                seat=seat,
                starts_on=date(2020, 7, 1),
                ends_on=ends,
                initial=True,
                designated_at=w.api.clock.now(),
            )
    return await w.token("admin"), {
        "input": {"seatId": str((await _seat(w)).id), "startsOn": "2026-07-01"}
    }


@case("scheduleDsbMeeting")
async def _schedule(w: World) -> Call:
    return await w.token("admin"), {
        "input": {"heldOn": "2026-04-06", "kind": "QUARTERLY", "title": "Q2", "agenda": ["DRP"]}
    }


@case("addDsbAgendaItem")
async def _agenda(w: World) -> Call:
    meeting = await _meeting(w)
    return await w.token("admin"), {
        "input": {"meetingId": str(meeting.id), "title": "DRP", "notes": "Read"}
    }


@case("recordDsbAttendance")
async def _attend(w: World) -> Call:
    meeting = await _meeting(w)
    return await w.token("admin"), {
        "input": {
            "meetingId": str(meeting.id),
            "seatIds": [str((await _seat(w)).id)],
        }
    }


@case("openDsbMotion")
async def _open(w: World) -> Call:
    meeting = await _meeting(w)
    return await w.token("admin"), {"input": {"meetingId": str(meeting.id), "text": "Adopt"}}


@case("recordDsbVote")
async def _vote(w: World) -> Call:
    motion, seat = await _motion(w)
    return await w.token("admin"), {
        "input": {
            "motionId": str(motion.id),
            "seatId": str(seat.id),
            "choice": "YES",
        }
    }


@case("closeDsbMotion")
async def _close(w: World) -> Call:
    motion, _ = await _motion(w)
    return await w.token("admin"), {"input": {"motionId": str(motion.id)}}


@case("submitCustomizationRequest")
async def _submit(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "title": "Bed nights",
            "description": "A report of bed nights.",
            "requestedBy": "An HDC",
            "agencyId": str(w.a.id),
        }
    }


@case("scoreCustomizationRequest")
async def _score(w: World) -> Call:
    request = await CustomizationRequest.create(
        title="Report", description="A report", requested_by="HDC", submitted_at=w.api.clock.now()
    )
    return await w.token("admin"), {
        "input": {
            "requestId": str(request.id),
            "scores": [{"criterion": c.value, "score": 3} for c in CustomizationCriterion],
            "notes": "Useful.",
        }
    }


@case("updateGovernanceCalendarItem")
async def _update_item(w: World) -> Call:
    return await w.token("admin"), {
        "input": {"kind": "SECURITY_PLAN_REVIEW", "firstDueOn": "2027-01-31"}
    }


@case("completeGovernanceCalendarCase")
async def _complete(w: World) -> Call:
    await dsb.ensure_calendar(TODAY)
    item = await CalendarItem.get(kind=CalendarKind.SECURITY_PLAN_REVIEW)
    w.calls += 1
    row = await CalendarCase.create(
        item=item, due_on=date(2027 + w.calls, 1, 31), opened_at=w.api.clock.now()
    )
    return await w.token("admin"), {"input": {"caseId": str(row.id), "evidence": "Reviewed."}}


@query_case("dsbSeats")
async def _seats(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("dsbCoChairs")
async def _co_chairs(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("dsbMeetings")
async def _meetings(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("dsbMeeting")
async def _one_meeting(w: World) -> Call:
    return await w.token("admin"), {"id": str((await _meeting(w)).id)}


@query_case("customizationRequests")
async def _requests(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("governanceCalendarCases")
async def _calendar_cases(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


# The governance log (commit 263ffb5) came without a case of its own; it is here until it has.
@query_case("governanceLog")
async def _governance_log(w: World) -> Call:
    return await w.token("admin"), {"first": 10, "filter": {"entityType": "Agency"}}
