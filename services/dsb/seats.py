"""Seats on the board and co-chairs (policy 102).

A seat is one appointment: a category, the member, the body that appointed them, a term and
the lived-experience flag. At no day may a category hold more seats than its cap; the two CAN
backbone seats represent two different backbone agencies, the CoC seats CT BOS and ODFC
respectively, the funder seats DOH and DMHAS respectively; the System Administration seat is
filled only by an entity other than the HMIS Lead's. A person holds one seat at a time.

Co-chairs: the first pair for two and three years from the same day, then one new co-chair a
year, each for two years, so that two serve at a time on staggered terms.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from models.dsb import BoardSeat, CoChairTerm, SeatCategory
from models.governance import Agency, Can, ContinuumOfCare
from models.users import User
from services.caller import Caller
from services.dsb.common import SEAT_CAPS, add_years, last_day, log, need, seated_on
from services.errors import Conflict, NotFound, ValidationFailed

__all__ = [
    "appoint_seat",
    "designate_co_chair",
    "designate_initial_co_chairs",
    "end_seat",
    "seat_values",
]

# Appointing bodies the manual names (policy 102, categories 4 and 6).
FIXED_BODIES: dict[SeatCategory, frozenset[str]] = {
    SeatCategory.STATEWIDE_CAN_MANAGER: frozenset({"DOH"}),
    SeatCategory.HMIS_FUNDER: frozenset({"DOH", "DMHAS"}),
}
CO_CHAIR_YEARS = 2
INITIAL_CO_CHAIR_YEARS = (2, 3)


def seat_values(seat: BoardSeat) -> dict[str, Any]:
    return {
        "category": seat.category,
        "memberName": seat.member_name,
        "userId": seat.user_id,
        "appointingBody": seat.appointing_body,
        "agencyId": seat.agency_id,
        "cocId": seat.coc_id,
        "livedExperience": seat.lived_experience,
        "termStart": seat.term_start,
        "termEnd": seat.term_end,
        "endedOn": seat.ended_on,
    }


def _overlapping(seats: list[BoardSeat], start: date, end: date) -> list[BoardSeat]:
    return [s for s in seats if s.term_start <= end and last_day(s) >= start]


def _most_at_once(seats: list[BoardSeat], start: date, end: date) -> int:
    """The most of ``seats`` held on any one day of [start, end]."""
    events: list[tuple[date, int]] = []
    for s in seats:
        events.append((max(s.term_start, start), 1))
        events.append((min(last_day(s), end) + timedelta(days=1), -1))
    most = held = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):
        held += step
        most = max(most, held)
    return most


# The key that must differ between seats of a category held at the same time.
_DISTINCT: dict[SeatCategory, tuple[str, Callable[[BoardSeat], Any]]] = {
    SeatCategory.CAN_BACKBONE: ("agencyId", lambda s: s.agency_id),
    SeatCategory.COC_REPRESENTATIVE: ("cocId", lambda s: s.coc_id),
    SeatCategory.HMIS_FUNDER: ("appointingBody", lambda s: s.appointing_body.upper()),
}


async def _check_category_fields(
    category: SeatCategory, body: str, agency_id: UUID | None, coc_id: UUID | None
) -> str:
    """The appointing body as stored; VALIDATION for what the category requires."""
    fixed = FIXED_BODIES.get(category)
    if fixed is not None:
        if body.upper() not in fixed:
            raise ValidationFailed(
                f"This seat is appointed by {' or '.join(sorted(fixed))} (policy 102).",
                field="appointingBody",
            )
        body = body.upper()
    if category == SeatCategory.CAN_BACKBONE:
        if agency_id is None or not await Can.exists(backbone_agency_id=agency_id):
            raise ValidationFailed(
                "A CAN backbone seat names the CAN backbone agency it represents.",
                field="agencyId",
            )
    elif agency_id is not None:
        if not await Agency.exists(id=agency_id):
            raise NotFound("No such agency.", field="agencyId")
    if category == SeatCategory.COC_REPRESENTATIVE:
        if coc_id is None or not await ContinuumOfCare.exists(id=coc_id):
            raise ValidationFailed(
                "A CoC seat names the CoC it represents (CT BOS or ODFC).", field="cocId"
            )
    elif coc_id is not None:
        raise ValidationFailed("Only a CoC seat names a CoC.", field="cocId")
    return body


async def appoint_seat(
    *,
    caller: Caller,
    category: SeatCategory,
    member_name: str,
    appointing_body: str,
    term_start: date,
    term_end: date,
    lived_experience: bool,
    user_id: UUID | None = None,
    agency_id: UUID | None = None,
    coc_id: UUID | None = None,
) -> BoardSeat:
    """Record an appointment, within the category's cap on every day of the term."""
    name = need(member_name, "memberName", BoardSeat, "member_name")
    body = need(appointing_body, "appointingBody", BoardSeat, "appointing_body")
    if term_end <= term_start:
        raise ValidationFailed("The term ends after it starts.", field="termEnd")
    body = await _check_category_fields(category, body, agency_id, coc_id)
    if user_id is not None and not await User.exists(id=user_id):
        raise NotFound("No such user.", field="userId")
    async with in_transaction() as conn:
        # One writer at a time: the caps are checked against every seat, so appointments wait.
        await conn.execute_query("LOCK TABLE dsb_seat IN SHARE ROW EXCLUSIVE MODE")
        candidate = BoardSeat(
            category=category,
            member_name=name,
            user_id=user_id,
            appointing_body=body,
            agency_id=agency_id,
            coc_id=coc_id,
            lived_experience=lived_experience,
            term_start=term_start,
            term_end=term_end,
            appointed_at=caller.now,
        )
        everyone = _overlapping(list(await BoardSeat.all()), term_start, term_end)
        same = [s for s in everyone if s.category == category]
        cap = SEAT_CAPS[category]
        if _most_at_once(same, term_start, term_end) >= cap:
            raise Conflict(
                f"The {category.value} category holds at most {cap} seat(s) (policy 102).",
                field="category",
            )
        distinct = _DISTINCT.get(category)
        if distinct is not None:
            field, key = distinct
            if any(key(s) == key(candidate) for s in same):
                raise Conflict(
                    "That is already represented on the board for part of this term.",
                    field=field,
                )
        if category in (SeatCategory.HMIS_LEAD, SeatCategory.SYSTEM_ADMINISTRATION):
            other = (
                SeatCategory.SYSTEM_ADMINISTRATION
                if category == SeatCategory.HMIS_LEAD
                else SeatCategory.HMIS_LEAD
            )
            if any(
                s.category == other and s.appointing_body.casefold() == body.casefold()
                for s in everyone
            ):
                raise Conflict(
                    "The System Administration seat is for an entity other than the HMIS Lead "
                    "(policy 102).",
                    field="appointingBody",
                )
        if user_id is not None and any(s.user_id == user_id for s in everyone):
            raise Conflict(
                "That person already holds a seat for part of this term.", field="userId"
            )
        await candidate.save()
        await log(
            caller, "dsb_seat.appoint", candidate, now=caller.now, after=seat_values(candidate)
        )
    return candidate


async def end_seat(*, caller: Caller, seat_id: UUID, ended_on: date, reason: str) -> BoardSeat:
    """A member leaves before the term's end: the seat is not held from ``ended_on``."""
    why = (reason or "").strip()
    if not why or len(why) > 2000:
        raise ValidationFailed("Give the reason, at most 2000 characters.", field="reason")
    async with in_transaction():
        seat = await BoardSeat.filter(id=seat_id).select_for_update().first()
        if seat is None:
            raise NotFound("No such seat.", field="seatId")
        if seat.ended_on is not None:
            raise Conflict("The seat was already left.", field="seatId")
        if not seat.term_start < ended_on <= seat.term_end:
            raise ValidationFailed("The day falls outside the seat's term.", field="endedOn")
        before = seat_values(seat)
        seat.ended_on = ended_on
        await seat.save(update_fields=["ended_on"])
        await log(
            caller,
            "dsb_seat.end",
            seat,
            now=caller.now,
            before=before,
            after=seat_values(seat),
            reason=why,
        )
    return seat


def _term_values(term: CoChairTerm) -> dict[str, Any]:
    return {
        "seatId": term.seat_id,
        "startsOn": term.starts_on,
        "endsOn": term.ends_on,
        "initial": term.initial,
    }


async def _seated(seat_id: UUID, day: date, field: str) -> BoardSeat:
    seat = await seated_on(day).filter(id=seat_id).first()
    if seat is None:
        if not await BoardSeat.exists(id=seat_id):
            raise NotFound("No such seat.", field=field)
        raise ValidationFailed("That seat is not held on that day.", field=field)
    return seat


async def designate_initial_co_chairs(
    *, caller: Caller, first_seat_id: UUID, second_seat_id: UUID, starts_on: date
) -> list[CoChairTerm]:
    """The board's first pair: one for two years, the other for three (policy 102)."""
    if first_seat_id == second_seat_id:
        raise ValidationFailed("Two different members.", field="secondSeatId")
    async with in_transaction() as conn:
        await conn.execute_query("LOCK TABLE dsb_co_chair_term IN SHARE ROW EXCLUSIVE MODE")
        if await CoChairTerm.exists():
            raise Conflict("The first co-chairs were designated already.")
        terms = []
        for seat_id, years, field in zip(
            (first_seat_id, second_seat_id),
            INITIAL_CO_CHAIR_YEARS,
            ("firstSeatId", "secondSeatId"),
            strict=True,
        ):
            await _seated(seat_id, starts_on, field)
            term = await CoChairTerm.create(
                seat_id=seat_id,
                starts_on=starts_on,
                ends_on=add_years(starts_on, years) - timedelta(days=1),
                initial=True,
                designated_at=caller.now,
            )
            await log(
                caller, "dsb_co_chair.designate", term, now=caller.now, after=_term_values(term)
            )
            terms.append(term)
    return terms


def _board_year(first: date, day: date) -> int:
    """Whole years from the first co-chairs' start to ``day``."""
    return day.year - first.year - ((day.month, day.day) < (first.month, first.day))


async def designate_co_chair(*, caller: Caller, seat_id: UUID, starts_on: date) -> CoChairTerm:
    """The year's new co-chair, for two years, when a co-chair's term has ended."""
    async with in_transaction() as conn:
        await conn.execute_query("LOCK TABLE dsb_co_chair_term IN SHARE ROW EXCLUSIVE MODE")
        terms = list(await CoChairTerm.all())
        initial = [t for t in terms if t.initial]
        if not initial:
            raise Conflict("Designate the first two co-chairs first (two and three years).")
        first = initial[0].starts_on
        if starts_on < first:
            raise ValidationFailed("That is before the first co-chairs' terms.", field="startsOn")
        serving = [t for t in terms if t.starts_on <= starts_on <= t.ends_on]
        if len(serving) >= 2:
            raise Conflict("Two co-chairs serve on that day: no co-chair's term has ended.")
        if any(t.seat_id == seat_id for t in serving):
            raise Conflict("That member is a co-chair on that day.", field="seatId")
        year = _board_year(first, starts_on)
        if any(not t.initial and _board_year(first, t.starts_on) == year for t in terms):
            raise Conflict("The board designates one new co-chair a year (policy 102).")
        await _seated(seat_id, starts_on, "seatId")
        term = await CoChairTerm.create(
            seat_id=seat_id,
            starts_on=starts_on,
            ends_on=add_years(starts_on, CO_CHAIR_YEARS) - timedelta(days=1),
            initial=False,
            designated_at=caller.now,
        )
        await log(caller, "dsb_co_chair.designate", term, now=caller.now, after=_term_values(term))
    return term
