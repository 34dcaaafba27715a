"""The governance calendar walked with the frozen clock: the Disaster Recovery Plan every March
(113), the policies every three years (111), the Security Plan (105) and the certifications
(210) yearly, the User Access Report quarterly (212). Each due date's case opens itself through
the ``governance-calendar`` job, tells its owner, and an overdue one tells the Lead Agency."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.access_reports import AccessReportPublication
from models.certification import SecurityPlanReview
from models.dsb import (
    CalendarCase,
    CalendarCaseStatus,
    CalendarItem,
    CalendarKind,
    MeetingKind,
    SeatCategory,
    VoteChoice,
)
from models.enums import Duty, SystemRole
from models.governance_log import GovernanceEvent
from models.outbox import OutboxMessage
from services import dsb
from services.clock import FrozenClock
from services.errors import Forbidden, ValidationFailed
from services.jobs import JobContext, run_job
from services.notifications import SmtpConfig
from tests.factories import make_agency, make_user
from tests.services.support import caller_of, decisions_for

pytestmark = pytest.mark.usefixtures("app")

TZ = ZoneInfo("America/New_York")


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 17, 0, tzinfo=UTC)


async def _run(clock: FrozenClock, day: date) -> dict[str, int]:
    clock.set(_noon(day))
    run = await run_job(
        "governance-calendar", JobContext(clock=clock, tz=TZ, smtp=SmtpConfig(None))
    )
    assert run is not None
    assert run.error is None
    return run.counts


async def _cases(kind: CalendarKind) -> list[tuple[date, CalendarCaseStatus]]:
    rows = await CalendarCase.filter(item__kind=kind).order_by("due_on")
    return [(r.due_on, CalendarCaseStatus(r.status)) for r in rows]


async def test_each_rhythm_s_due_dates() -> None:
    items = {i.kind: i for i in await dsb.ensure_calendar(date(2026, 3, 2))}
    far = date(2035, 12, 31)

    def dues(kind: CalendarKind) -> list[date]:
        return dsb.due_dates(items[kind], opened_by=far)

    # every March, at the end of the month of the board's March meeting
    assert {(d.month, d.day) for d in dues(CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW)} == {(3, 31)}
    assert dues(CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW)[:3] == [
        date(2026, 3, 31),
        date(2027, 3, 31),
        date(2028, 3, 31),
    ]
    # every three years from the manual's approval
    assert dues(CalendarKind.POLICY_REVIEW) == [
        date(2029, 1, 31),
        date(2032, 1, 31),
        date(2035, 1, 31),
    ]
    # yearly
    assert dues(CalendarKind.SECURITY_PLAN_REVIEW)[:2] == [date(2027, 1, 31), date(2028, 1, 31)]
    assert dues(CalendarKind.ANNUAL_CERTIFICATION)[:2] == [date(2026, 12, 31), date(2027, 12, 31)]
    # quarterly, by the end of the month after each quarter
    assert dues(CalendarKind.USER_ACCESS_REPORT)[:5] == [
        date(2026, 4, 30),
        date(2026, 7, 31),
        date(2026, 10, 31),
        date(2027, 1, 31),
        date(2027, 4, 30),
    ]
    assert dsb.add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


async def test_cases_open_themselves_tell_their_owners_and_escalate_when_overdue(
    clock: FrozenClock,
) -> None:
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    officer = await make_user(roles=(SystemRole.SECURITY_OFFICER,))
    lead = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    agency = await make_agency("Harbor House")
    hdc = await make_user(duties={agency: Duty.HMIS_DATA_COORDINATOR})
    # March 2: the March review's case is open, due on the 31st; nothing else is due yet
    counts = await _run(clock, date(2026, 3, 2))
    assert counts["opened"] == 1
    assert await _cases(CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW) == [
        (date(2026, 3, 31), CalendarCaseStatus.OPEN)
    ]
    mail = await OutboxMessage.filter(kind="governance_calendar.opened")
    assert [m.recipient_id for m in mail] == [admin.id]
    assert "Disaster Recovery Plan" in mail[0].subject
    # run again the same day: nothing new
    assert (await _run(clock, date(2026, 3, 2)))["opened"] == 0
    # March 31: the User Access Report's first quarter case opens (30 days ahead)
    await _run(clock, date(2026, 3, 31))
    assert await _cases(CalendarKind.USER_ACCESS_REPORT) == [
        (date(2026, 4, 30), CalendarCaseStatus.OPEN)
    ]
    # April 1: the March review is overdue: the owner and the Lead Agency hear, once
    counts = await _run(clock, date(2026, 4, 1))
    assert counts["overdue"] == 1
    overdue = await OutboxMessage.filter(kind="governance_calendar.overdue")
    assert {m.recipient_id for m in overdue} == {admin.id, lead.id}
    assert (await _run(clock, date(2026, 4, 2)))["overdue"] == 0
    # the quarter's report is published: its case closes itself
    await AccessReportPublication.create(
        quarter="2026Q1", published_by=admin, published_at=_noon(date(2026, 4, 10))
    )
    assert (await _run(clock, date(2026, 4, 10)))["completed"] == 1
    assert await _cases(CalendarKind.USER_ACCESS_REPORT) == [
        (date(2026, 4, 30), CalendarCaseStatus.COMPLETED)
    ]
    # November 1: the certifications (due December 31) open for the administrator and each HDC
    await _run(clock, date(2026, 11, 1))
    assert await _cases(CalendarKind.ANNUAL_CERTIFICATION) == [
        (date(2026, 12, 31), CalendarCaseStatus.OPEN)
    ]
    certification = await OutboxMessage.filter(
        kind="governance_calendar.opened", subject__contains="certifications"
    )
    assert {m.recipient_id for m in certification} == {admin.id, hdc.id}
    # December 2: the Security Plan's yearly review (January 31) opens for the Security Officer
    await _run(clock, date(2026, 12, 2))
    assert await _cases(CalendarKind.SECURITY_PLAN_REVIEW) == [
        (date(2027, 1, 31), CalendarCaseStatus.OPEN)
    ]
    plan = await OutboxMessage.filter(
        kind="governance_calendar.opened", subject__contains="Security"
    )
    assert [m.recipient_id for m in plan] == [officer.id]
    # the next March's review opens 60 days ahead, at the end of January
    await _run(clock, date(2027, 1, 29))
    assert len(await _cases(CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW)) == 1
    await _run(clock, date(2027, 1, 30))
    assert [d for d, _ in await _cases(CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW)] == [
        date(2026, 3, 31),
        date(2027, 3, 31),
    ]
    # every quarter's report in between had its case
    assert [d for d, _ in await _cases(CalendarKind.USER_ACCESS_REPORT)] == [
        date(2026, 4, 30),
        date(2026, 7, 31),
        date(2026, 10, 31),
        date(2027, 1, 31),
    ]
    # the policy review stays quiet until 90 days before January 2029, then opens once
    assert await _cases(CalendarKind.POLICY_REVIEW) == []
    await _run(clock, date(2028, 11, 2))
    assert await _cases(CalendarKind.POLICY_REVIEW) == [
        (date(2029, 1, 31), CalendarCaseStatus.OPEN)
    ]
    await _run(clock, date(2031, 11, 3))
    assert [d for d, _ in await _cases(CalendarKind.POLICY_REVIEW)] == [
        date(2029, 1, 31),
        date(2032, 1, 31),
    ]
    log = {e.action for e in await GovernanceEvent.filter(actor_kind="system")}
    assert {"calendar_case.open", "calendar_case.overdue", "calendar_case.complete"} <= log


async def test_the_march_review_is_closed_by_the_board_s_march_decision(clock: FrozenClock) -> None:
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    officer = await make_user(roles=(SystemRole.SECURITY_OFFICER,))
    lead = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    await _run(clock, date(2026, 3, 2))
    case = await CalendarCase.get(item__kind=CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW)
    board = caller_of(await decisions_for(lead), today=date(2026, 4, 6))
    seat = await dsb.appoint_seat(
        caller=board,
        category=SeatCategory.PROVIDER_COALITION,
        member_name="Member",
        appointing_body="Coalition",
        term_start=date(2026, 1, 1),
        term_end=date(2027, 12, 31),
        lived_experience=False,
    )

    async def decided_at(day: date) -> object:
        meeting = await dsb.schedule_meeting(
            caller=board, held_on=day, kind=MeetingKind.REGULAR, title="Meeting", agenda=["DRP"]
        )
        await dsb.record_attendance(caller=board, meeting_id=meeting.id, seat_ids=[seat.id])
        motion = await dsb.open_motion(caller=board, meeting_id=meeting.id, text_="Approve the DRP")
        await dsb.record_vote(
            caller=board, motion_id=motion.id, seat_id=seat.id, choice=VoteChoice.YES
        )
        return await dsb.close_motion(caller=board, motion_id=motion.id)

    april = await decided_at(date(2026, 4, 6))
    march = await decided_at(date(2026, 3, 16))
    owner = caller_of(await decisions_for(admin), today=date(2026, 4, 6))
    with pytest.raises(ValidationFailed, match="motion") as missing:
        await dsb.complete_case(caller=owner, case_id=case.id, evidence="Reviewed", motion_id=None)
    assert missing.value.field == "motionId"
    with pytest.raises(ValidationFailed, match="March"):
        await dsb.complete_case(
            caller=owner, case_id=case.id, evidence="Reviewed", motion_id=april.id
        )
    # the Security Officer does not own this review
    with pytest.raises(Forbidden):
        await dsb.complete_case(
            caller=caller_of(await decisions_for(officer)),
            case_id=case.id,
            evidence="Reviewed",
            motion_id=march.id,
        )
    done = await dsb.complete_case(
        caller=owner, case_id=case.id, evidence="Approved with revisions", motion_id=march.id
    )
    assert (done.status, done.motion_id, done.completed_by_id) == (
        CalendarCaseStatus.COMPLETED,
        march.id,
        admin.id,
    )


async def test_dates_are_set_within_the_manual_s_rhythm() -> None:
    lead = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    caller = caller_of(await decisions_for(lead))
    with pytest.raises(ValidationFailed, match="March"):
        await dsb.update_item(
            caller=caller,
            kind=CalendarKind.DISASTER_RECOVERY_PLAN_REVIEW,
            first_due_on=date(2026, 4, 30),
            opens_days_before=None,
        )
    item = await dsb.update_item(
        caller=caller,
        kind=CalendarKind.SECURITY_PLAN_REVIEW,
        first_due_on=date(2026, 6, 30),
        opens_days_before=45,
    )
    assert (item.first_due_on, item.opens_days_before, item.period_months) == (
        date(2026, 6, 30),
        45,
        12,
    )
    event = await GovernanceEvent.get(action="calendar_item.update")
    assert event.before == {"firstDueOn": "2027-01-31", "opensDaysBefore": 60}
    assert await CalendarItem.all().count() == 5


async def test_the_security_plan_case_closes_when_the_officer_records_the_review(
    clock: FrozenClock,
) -> None:
    officer = await make_user(roles=(SystemRole.SECURITY_OFFICER,))
    # December 2: the yearly review (due January 31) is open
    await _run(clock, date(2026, 12, 2))
    assert await _cases(CalendarKind.SECURITY_PLAN_REVIEW) == [
        (date(2027, 1, 31), CalendarCaseStatus.OPEN)
    ]
    # a review of the year before does not count
    await SecurityPlanReview.create(
        reviewed_on=date(2026, 1, 20),
        reviewer=officer,
        adheres=True,
        recorded_at=_noon(date(2026, 1, 20)),
    )
    await _run(clock, date(2026, 12, 3))
    assert await _cases(CalendarKind.SECURITY_PLAN_REVIEW) == [
        (date(2027, 1, 31), CalendarCaseStatus.OPEN)
    ]
    # when the officer records this year's review, the next sweep closes the case
    await SecurityPlanReview.create(
        reviewed_on=date(2027, 1, 12),
        reviewer=officer,
        adheres=True,
        recorded_at=_noon(date(2027, 1, 12)),
    )
    assert (await _run(clock, date(2027, 1, 12)))["completed"] >= 1
    assert await _cases(CalendarKind.SECURITY_PLAN_REVIEW) == [
        (date(2027, 1, 31), CalendarCaseStatus.COMPLETED)
    ]
    case = await CalendarCase.get(item__kind=CalendarKind.SECURITY_PLAN_REVIEW)
    assert case.completed_by_id == officer.id
