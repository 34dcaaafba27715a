"""Policy 211: each retraining rule, triggered and not; 45 days to complete the training; the
user, the HDC and the Executive Director on record are told why; completion closes the case;
otherwise the account becomes inactive."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.compliance import (
    CaseKind,
    CaseRule,
    CaseStatus,
    ComplianceCase,
    ComplianceFinding,
    HelpdeskTicket,
)
from models.enums import AccessLevel, Duty, SystemRole, UserStatus
from models.outbox import OutboxMessage
from models.training import TrainingCompletion, TrainingCourse
from models.users import User
from services import compliance
from services.errors import Forbidden, NotFound, ValidationFailed
from services.training import record_completion
from tests.factories import make_agency, make_user
from tests.services.support import caller_of, decisions_for

TZ = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)


async def _world() -> dict:
    agency = await make_agency(
        "Harbor House",
        executive_director_name="Dana Director",
        executive_director_email="director@harbor.example.org",
    )
    hdc = await make_user("hdc", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    admin = await make_user("root", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    ann = await make_user(
        "ann", agencies={agency: AccessLevel.FULL}, first_name="Ann", last_name="Lee"
    )
    return {"agency": agency, "hdc": hdc, "admin": admin, "ann": ann}


async def _ticket(
    w: dict,
    user: User,
    opened_at: datetime,
    topic: str = "Password reset",
    minutes: int = 15,
    performance: bool = False,
) -> None:
    await compliance.record_helpdesk_ticket(
        caller=caller_of(await decisions_for(w["admin"]), now=max(NOW, opened_at)),
        user_id=user.id,
        external_id=None,
        opened_at=opened_at,
        topic=topic,
        minutes_spent=minutes,
        system_performance_issue=performance,
        external_ref=None,
    )


async def _sweep(now: datetime = NOW) -> compliance.SweepCounts:
    return await compliance.sweep_retraining(now=now, tz=TZ)


async def _rules(user: User) -> set[CaseRule]:
    return set(await ComplianceFinding.filter(user=user).values_list("rule", flat=True))


async def _trained(user: User, on: date) -> None:
    await TrainingCompletion.filter(user=user).update(completed_on=on)


# (a) no sign-in in the first 45 days after the initial training


async def test_no_login_within_45_days_of_training_is_flagged(app: object) -> None:
    # given: trained on April 1, never signed in; June 1 is day 61
    w = await _world()
    await _trained(w["ann"], date(2026, 4, 1))
    # when
    counts = await _sweep()
    # then
    assert counts.opened == 1
    case = await ComplianceCase.get(user=w["ann"])
    assert case.kind == CaseKind.RETRAINING
    assert case.due_on == date(2026, 7, 16)
    finding = await ComplianceFinding.get(user=w["ann"])
    assert finding.rule == CaseRule.NO_LOGIN_AFTER_TRAINING
    assert finding.evidence["initialTrainingOn"] == "2026-04-01"
    assert finding.evidence["signInDeadline"] == "2026-05-16"


@pytest.mark.parametrize(
    ("trained_on", "first_login"),
    [
        (date(2026, 4, 1), datetime(2026, 5, 10, 13, 0, tzinfo=UTC)),  # signed in on day 39
        (date(2026, 4, 20), None),  # day 42: the 45 days are not over
        (date(2026, 1, 2), None),  # before the look-back window (an account from before Hearth)
    ],
)
async def test_a_sign_in_in_time_or_a_window_still_open_is_not_flagged(
    app: object, trained_on: date, first_login: datetime | None
) -> None:
    w = await _world()
    await _trained(w["ann"], trained_on)
    await User.filter(id=w["ann"].id).update(first_login_at=first_login)
    await _sweep()
    assert await _rules(w["ann"]) == set()


async def test_a_first_sign_in_after_day_45_is_still_flagged(app: object) -> None:
    w = await _world()
    await _trained(w["ann"], date(2026, 4, 1))
    await User.filter(id=w["ann"].id).update(
        first_login_at=datetime(2026, 5, 20, 13, 0, tzinfo=UTC)
    )
    await _sweep()
    assert await _rules(w["ann"]) == {CaseRule.NO_LOGIN_AFTER_TRAINING}


# (b) three tickets on the same or a similar issue within 60 days


async def test_three_similar_tickets_within_60_days_are_flagged(app: object) -> None:
    w = await _world()
    await User.filter(id=w["ann"].id).update(first_login_at=datetime(2026, 1, 21, tzinfo=UTC))
    await _ticket(w, w["ann"], datetime(2026, 4, 10, tzinfo=UTC), "Password reset")
    await _ticket(w, w["ann"], datetime(2026, 5, 1, tzinfo=UTC), "reset my password please")
    await _ticket(w, w["ann"], datetime(2026, 5, 30, tzinfo=UTC), "Password resets")
    await _sweep()
    assert await _rules(w["ann"]) == {CaseRule.REPEATED_TICKETS}
    finding = await ComplianceFinding.get(user=w["ann"])
    assert len(finding.evidence["ticketIds"]) == 3


@pytest.mark.parametrize(
    "tickets",
    [
        # two only
        [("2026-05-01", "Password reset", False), ("2026-05-02", "password reset", False)],
        # three, but spread over more than 60 days
        [
            ("2026-03-01", "Password reset", False),
            ("2026-04-10", "password reset", False),
            ("2026-05-01", "password reset", False),
        ],
        # three on unrelated issues
        [
            ("2026-05-01", "Password reset", False),
            ("2026-05-02", "Printing a report", False),
            ("2026-05-03", "Adding a household member", False),
        ],
        # three, one of them about system performance
        [
            ("2026-05-01", "Password reset", False),
            ("2026-05-02", "password reset", False),
            ("2026-05-03", "password reset", True),
        ],
    ],
)
async def test_fewer_spread_unrelated_or_performance_tickets_are_not_flagged(
    app: object, tickets: list[tuple[str, str, bool]]
) -> None:
    w = await _world()
    await User.filter(id=w["ann"].id).update(first_login_at=datetime(2026, 1, 21, tzinfo=UTC))
    for day, topic, perf in tickets:
        await _ticket(
            w,
            w["ann"],
            datetime.fromisoformat(day).replace(hour=14, tzinfo=UTC),
            topic,
            performance=perf,
        )
    await _sweep()
    assert await _rules(w["ann"]) == set()


# (c) four or more hours of help desk in a calendar month


async def test_four_hours_of_help_desk_in_a_month_are_flagged(app: object) -> None:
    w = await _world()
    await User.filter(id=w["ann"].id).update(first_login_at=datetime(2026, 1, 21, tzinfo=UTC))
    await _ticket(
        w, w["ann"], datetime(2026, 5, 4, 14, tzinfo=UTC), "Entering an exit", minutes=120
    )
    await _ticket(
        w, w["ann"], datetime(2026, 5, 20, 14, tzinfo=UTC), "Running the APR", minutes=120
    )
    await _sweep()
    assert await _rules(w["ann"]) == {CaseRule.HELPDESK_HOURS}
    finding = await ComplianceFinding.get(user=w["ann"])
    assert finding.evidence["month"] == "2026-05"
    assert finding.evidence["minutes"] == 240


async def test_hours_under_four_split_across_months_or_on_performance_are_not_flagged(
    app: object,
) -> None:
    w = await _world()
    await User.filter(id=w["ann"].id).update(first_login_at=datetime(2026, 1, 21, tzinfo=UTC))
    # 239 minutes in May; 200 at the end of April (local time) and 200 in May; 300 on performance
    await _ticket(
        w, w["ann"], datetime(2026, 5, 4, 14, tzinfo=UTC), "Entering an exit", minutes=119
    )
    await _ticket(w, w["ann"], datetime(2026, 5, 5, 14, tzinfo=UTC), "Running the APR", minutes=120)
    await _ticket(
        w, w["ann"], datetime(2026, 5, 1, 3, tzinfo=UTC), "Bed list", minutes=200
    )  # April 30, 23:00 local
    await _ticket(
        w,
        w["ann"],
        datetime(2026, 4, 10, 14, tzinfo=UTC),
        "Slow pages",
        minutes=300,
        performance=True,
    )
    await _sweep()
    assert await _rules(w["ann"]) == set()


# (d) a CoC's request for an agency


async def test_a_coc_request_flags_every_active_user_of_the_agency(app: object) -> None:
    w = await _world()
    other = await make_agency("Elsewhere")
    await make_user("zed", agencies={other: AccessLevel.FULL})
    await make_user("gone", agencies={w["agency"]: AccessLevel.FULL}, status=UserStatus.INACTIVE)
    _request, flagged = await compliance.request_agency_retraining(
        caller=caller_of(await decisions_for(w["admin"]), now=NOW, tz=TZ),
        agency_id=w["agency"].id,
        coc_code="ct-503",
        reason="Consistently low UDE completeness",
    )
    assert flagged == 2  # ann and the HDC
    flagged_users = set(await ComplianceCase.all().values_list("user__username", flat=True))
    assert flagged_users == {"ann", "hdc"}
    finding = await ComplianceFinding.filter(user=w["ann"]).first()
    assert finding.rule == CaseRule.COC_REQUEST
    assert finding.evidence["coc"] == "CT-503"


async def test_a_coc_request_for_an_agency_outside_that_coc_is_refused(app: object) -> None:
    w = await _world()
    with pytest.raises(ValidationFailed) as refused:
        await compliance.request_agency_retraining(
            caller=caller_of(await decisions_for(w["admin"]), now=NOW, tz=TZ),
            agency_id=w["agency"].id,
            coc_code="CT-505",
            reason="Low ESG performance",
        )
    assert refused.value.field == "agencyId"
    assert await ComplianceCase.all().count() == 0
    with pytest.raises(ValidationFailed):
        await compliance.request_agency_retraining(
            caller=caller_of(await decisions_for(w["admin"]), now=NOW, tz=TZ),
            agency_id=w["agency"].id,
            coc_code="XX-999",
            reason="Low ESG performance",
        )
    with pytest.raises(Forbidden):
        await compliance.request_agency_retraining(
            caller=caller_of(await decisions_for(w["hdc"]), now=NOW, tz=TZ),
            agency_id=w["agency"].id,
            coc_code="CT-503",
            reason="Low ESG performance",
        )


# tickets: bad input


async def test_bad_tickets_are_refused_and_nothing_is_written(app: object) -> None:
    w = await _world()
    decisions = await decisions_for(w["admin"])
    base = {
        "caller": caller_of(decisions, now=NOW),
        "external_id": None,
        "opened_at": NOW - timedelta(days=1),
        "topic": "Login",
        "minutes_spent": 10,
        "system_performance_issue": False,
        "external_ref": None,
    }
    import uuid

    with pytest.raises(NotFound):
        await compliance.record_helpdesk_ticket(**{**base, "user_id": uuid.uuid4()})
    for bad, field in (
        ({"minutes_spent": -5}, "minutesSpent"),
        ({"topic": "  "}, "topic"),
        ({"opened_at": NOW + timedelta(hours=1)}, "openedAt"),
        ({"opened_at": datetime(2026, 5, 1)}, "openedAt"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            await compliance.record_helpdesk_ticket(**{**base, "user_id": w["ann"].id, **bad})
        assert refused.value.field == field
    with pytest.raises(Forbidden):
        await compliance.record_helpdesk_ticket(
            **{
                **base,
                "caller": caller_of(await decisions_for(w["hdc"]), now=NOW),
                "user_id": w["ann"].id,
            }
        )
    assert await HelpdeskTicket.all().count() == 0


async def test_a_ticket_recorded_twice_by_its_reference_is_kept_once(app: object) -> None:
    w = await _world()
    decisions = await decisions_for(w["admin"])
    args = {
        "caller": caller_of(decisions, now=NOW),
        "user_id": w["ann"].id,
        "external_id": None,
        "opened_at": NOW - timedelta(days=1),
        "topic": "Login",
        "minutes_spent": 10,
        "system_performance_issue": False,
        "external_ref": "HD-1001",
    }
    first, created = await compliance.record_helpdesk_ticket(**args)
    again, created_again = await compliance.record_helpdesk_ticket(**args)
    assert created
    assert not created_again
    assert first.id == again.id
    assert await HelpdeskTicket.all().count() == 1


# notices, completion, enforcement


async def test_user_hdc_and_executive_director_are_told_why(app: object) -> None:
    w = await _world()
    await _trained(w["ann"], date(2026, 4, 1))
    await _sweep()
    messages = await OutboxMessage.filter(kind="compliance.retraining.opened")
    assert {(m.recipient_id, m.to_address) for m in messages} == {
        (w["ann"].id, None),
        (w["hdc"].id, None),
        (None, "director@harbor.example.org"),
    }
    for m in messages:
        assert "policy 211" in m.body
        assert "July 16, 2026" in m.body
        assert "no sign-in within 45 days of the initial training completed on 2026-04-01" in m.body
    director = next(m for m in messages if m.to_address)
    assert director.body.startswith("Dear Dana Director,")
    assert "Ann Lee (ann)" in director.body


async def test_completing_the_training_closes_the_case(app: object) -> None:
    w = await _world()
    await _trained(w["ann"], date(2026, 4, 1))
    await _sweep()
    course = await TrainingCourse.filter(required_for__contains=["FULL"]).first()
    assert course is not None
    # when: the LMS reports a completion on June 20
    await record_completion(
        caller=caller_of(await decisions_for(w["admin"]), now=NOW + timedelta(days=20), tz=TZ),
        user_id=w["ann"].id,
        external_id=None,
        course_code=course.code,
        completed_on=date(2026, 6, 20),
    )
    # then
    case = await ComplianceCase.get(user=w["ann"])
    assert case.status == CaseStatus.RESOLVED
    assert (await compliance.enforce_deadlines(now=NOW + timedelta(days=60), tz=TZ)).enforced == 0
    assert (await User.get(id=w["ann"].id)).status == UserStatus.ACTIVE
    # and the same old finding does not reopen a case
    await _sweep(NOW + timedelta(days=21))
    assert await ComplianceCase.filter(status=CaseStatus.OPEN).count() == 0


async def test_without_the_training_the_account_becomes_inactive_on_day_45(app: object) -> None:
    w = await _world()
    await _trained(w["ann"], date(2026, 4, 1))
    await _sweep()
    assert (await compliance.enforce_deadlines(now=NOW + timedelta(days=44), tz=TZ)).enforced == 0
    counts = await compliance.enforce_deadlines(now=NOW + timedelta(days=45), tz=TZ)
    assert counts.enforced == 1
    ann = await User.get(id=w["ann"].id)
    assert ann.status == UserStatus.INACTIVE
    assert "Policy 211" in ann.deactivation_reason
    assert (await ComplianceCase.get(user=ann)).status == CaseStatus.ENFORCED
    enforced = await OutboxMessage.filter(kind="compliance.retraining.enforced")
    assert {(m.recipient_id, m.to_address) for m in enforced} == {
        (ann.id, None),
        (w["hdc"].id, None),
        (None, "director@harbor.example.org"),
    }


async def test_a_new_rule_while_a_case_is_open_joins_it_without_a_new_case_or_message(
    app: object,
) -> None:
    w = await _world()
    await _trained(w["ann"], date(2026, 4, 1))
    await _sweep()
    messages = await OutboxMessage.all().count()
    await _ticket(
        w, w["ann"], datetime(2026, 6, 2, 14, tzinfo=UTC), "Entering an exit", minutes=250
    )
    await _sweep(NOW + timedelta(days=2))
    assert await ComplianceCase.all().count() == 1
    assert await _rules(w["ann"]) == {CaseRule.NO_LOGIN_AFTER_TRAINING, CaseRule.HELPDESK_HOURS}
    assert await OutboxMessage.all().count() == messages
    await _sweep(NOW + timedelta(days=2))  # and again: idempotent
    assert await ComplianceFinding.all().count() == 2
