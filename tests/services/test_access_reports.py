"""The User Access Report flags each pattern of policy 212's "What to look for" on constructed
audit data, and leaves ordinary use alone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.clients import Client, ConsentToEnter
from models.enrollments import Enrollment
from models.enums import AccessLevel, AuditAction, ConsentKind, ConsentRelationship
from models.governance import Agency, Project
from models.users import User
from services.access_reports import Quarter, Thresholds, parse_quarter, user_access_report
from services.audit import AuditRow, append
from services.errors import ValidationFailed
from tests.factories import make_agency, make_user

TZ = ZoneInfo("America/New_York")
Q1 = Quarter(2026, 1)
# A Tuesday in the middle of 2026Q1, 10:00 local
IN_Q1 = datetime(2026, 2, 10, 15, 0, tzinfo=UTC)
T = Thresholds()


async def _clients(agency: Agency, user: User, n: int, *, enrolled: bool) -> list[uuid.UUID]:
    project = await Project.create(
        agency=agency,
        name=f"P{uuid.uuid4().hex[:6]}",
        project_type=0,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )
    ids = []
    for _ in range(n):
        client = await Client.create(
            created_by_agency=agency,
            created_by_user=user,
            created_at=IN_Q1,
            updated_at=IN_Q1,
            last_activity_at=IN_Q1,
        )
        if enrolled:
            await Enrollment.create(
                client=client,
                project=project,
                agency=agency,
                entry_date=date(2026, 1, 5),
                household_id=uuid.uuid4().hex,
                relationship_to_hoh=1,
                created_by_user=user,
                created_at=IN_Q1,
                updated_at=IN_Q1,
            )
        ids.append(client.id)
    return ids


async def _views(
    user: User,
    agency: Agency,
    clients: list[uuid.UUID],
    *,
    at: datetime = IN_Q1,
    spread: timedelta = timedelta(hours=3),
    action: AuditAction = AuditAction.VIEW,
) -> None:
    await append(
        [
            AuditRow(
                occurred_at=at + spread * i,
                action=action,
                entity_type="Client",
                entity_id=str(c),
                client_id=c,
                actor_id=user.id,
                agency_id=agency.id,
            )
            for i, c in enumerate(clients)
        ]
    )


async def _report(agency: Agency, thresholds: Thresholds = T) -> dict[str, object]:
    report = await user_access_report(agency_id=agency.id, quarter=Q1, thresholds=thresholds, tz=TZ)
    return {row.username: row for row in report.rows}


async def _world() -> dict:
    a = await make_agency("Agency A")
    return {
        "a": a,
        "full": await make_user("full", agencies={a: AccessLevel.FULL}),
        "viewer": await make_user("viewer", agencies={a: AccessLevel.VIEW_ONLY}),
        "reporter": await make_user("reporter", agencies={a: AccessLevel.REPORTING_ONLY}),
    }


def _patterns(row: object) -> list[str]:
    return [f.pattern for f in row.flags]  # type: ignore[attr-defined]


async def test_ordinary_use_is_counted_and_not_flagged(app: object) -> None:
    w = await _world()
    enrolled = await _clients(w["a"], w["full"], 12, enrolled=True)
    # earlier quarters: about the same
    for months_back in (3, 6, 9, 12):
        await _views(w["full"], w["a"], enrolled[:10], at=IN_Q1 - timedelta(days=30 * months_back))
    await _views(w["full"], w["a"], enrolled)
    await append(
        [
            AuditRow(
                occurred_at=IN_Q1,
                action=AuditAction.CREATE,
                entity_type="Client",
                entity_id=str(enrolled[0]),
                client_id=enrolled[0],
                actor_id=w["full"].id,
                agency_id=w["a"].id,
            ),
            AuditRow(
                occurred_at=IN_Q1,
                action=AuditAction.UPDATE,
                entity_type="Client",
                entity_id=str(enrolled[1]),
                client_id=enrolled[1],
                actor_id=w["full"].id,
                agency_id=w["a"].id,
            ),
        ]
    )
    rows = await _report(w["a"])
    full = rows["full"]
    assert (full.records_viewed, full.records_created, full.records_changed) == (12, 1, 1)
    assert full.access_level == "FULL"
    assert full.previous_average == 10.0
    assert full.flags == ()
    assert set(rows) == {"full", "viewer", "reporter"}


async def test_a_sudden_increase_over_previous_quarters_is_flagged(app: object) -> None:
    w = await _world()
    clients = await _clients(w["a"], w["full"], 45, enrolled=True)
    for months_back in (3, 6, 9, 12):
        await _views(w["full"], w["a"], clients[:10], at=IN_Q1 - timedelta(days=30 * months_back))
    await _views(w["full"], w["a"], clients, spread=timedelta(hours=2))
    flag = (await _report(w["a"]))["full"].flags
    assert [f.pattern for f in flag] == ["SUDDEN_INCREASE"]
    assert "45" in flag[0].reason
    assert "10.0" in flag[0].reason
    # not flagged when within the factor
    relaxed = await _report(w["a"], Thresholds(increase_factor=5.0))
    assert relaxed["full"].flags == ()


async def test_records_viewed_without_enrollment_at_the_agency_are_flagged(app: object) -> None:
    w = await _world()
    strangers = await _clients(w["a"], w["full"], 10, enrolled=False)
    known = await _clients(w["a"], w["viewer"], 10, enrolled=True)
    await _views(w["full"], w["a"], strangers)
    await _views(w["viewer"], w["a"], known)
    rows = await _report(w["a"])
    assert _patterns(rows["full"]) == ["VIEWED_WITHOUT_ENROLLMENT"]
    assert "10 client records" in rows["full"].flags[0].reason
    assert rows["viewer"].flags == ()


async def test_access_inconsistent_with_the_access_level_is_flagged(app: object) -> None:
    w = await _world()
    clients = await _clients(w["a"], w["full"], 3, enrolled=True)
    # a view-only user with a write, a reporting-only user with reads, a user refused 5 times
    await _views(w["viewer"], w["a"], clients[:1], action=AuditAction.UPDATE)
    await _views(w["reporter"], w["a"], clients[:2])
    await _views(w["full"], w["a"], clients[:1] * 5, action=AuditAction.DENIED)
    rows = await _report(w["a"])
    assert _patterns(rows["viewer"]) == ["INCONSISTENT_WITH_ROLE"]
    assert "view-only" in rows["viewer"].flags[0].reason
    assert _patterns(rows["reporter"]) == ["INCONSISTENT_WITH_ROLE"]
    assert "reporting-only" in rows["reporter"].flags[0].reason
    assert _patterns(rows["full"]) == ["INCONSISTENT_WITH_ROLE"]
    assert "refused 5 times" in rows["full"].flags[0].reason
    # the FULL user's own writes and four refusals are ordinary
    assert (await _report(w["a"], Thresholds(denied_attempts=6)))["full"].flags == ()


async def test_concentration_in_one_hour_or_on_one_client_is_flagged(app: object) -> None:
    w = await _world()
    many = await _clients(w["a"], w["full"], 50, enrolled=True)
    await _views(w["full"], w["a"], many, spread=timedelta(seconds=30))  # 50 clients in 25 minutes
    one = many[:1]
    await _views(w["viewer"], w["a"], one * 20, spread=timedelta(days=1))  # one record, 20 times
    rows = await _report(w["a"])
    assert _patterns(rows["full"]) == ["CONCENTRATION"]
    assert "within one hour (2026-02-10 10:00 EST)" in rows["full"].flags[0].reason
    assert _patterns(rows["viewer"]) == ["CONCENTRATION"]
    assert "20 times" in rows["viewer"].flags[0].reason
    # spread over the day, and fewer openings: nothing
    calm = await _report(w["a"], Thresholds(views_per_hour=51, views_of_one_client=21))
    assert calm["full"].flags == ()
    assert calm["viewer"].flags == ()


async def test_activity_outside_the_quarter_or_for_another_agency_is_not_counted(
    app: object,
) -> None:
    w = await _world()
    b = await make_agency("Agency B")
    clients = await _clients(w["a"], w["full"], 2, enrolled=True)
    await _views(
        w["full"], w["a"], clients[:1], at=datetime(2026, 4, 1, 4, 30, tzinfo=UTC)
    )  # 00:30 EDT: Q2
    await _views(w["full"], b, clients[1:])
    assert (await _report(w["a"]))["full"].records_viewed == 0


@pytest.mark.parametrize("bad", ["2026Q5", "Q1 2026", "2026-03", ""])
def test_a_malformed_quarter_is_refused(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_quarter(bad, today=date(2026, 3, 2))


def test_a_future_quarter_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_quarter("2026Q2", today=date(2026, 3, 31))
    assert caught.value.field == "quarter"
    assert parse_quarter("2026q1", today=date(2026, 3, 31)) == Q1


async def test_a_second_agencys_consent_is_flagged_for_the_user_who_recorded_it(
    app: object,
) -> None:
    # given A's clients, and B's user who recorded B's consent for two of them (one last quarter)
    w = await _world()
    b = await make_agency("Agency B")
    recorder = await make_user(agencies={b: AccessLevel.FULL})
    other = await make_user(agencies={b: AccessLevel.FULL})
    clients = await _clients(w["a"], w["full"], 3, enrolled=False)
    for client, at, relationship in (
        (clients[0], IN_Q1, ConsentRelationship.REFERRAL),
        (clients[1], IN_Q1, ConsentRelationship.ENROLLMENT),
        (clients[2], IN_Q1 - timedelta(days=90), ConsentRelationship.REFERRAL),
    ):
        await ConsentToEnter.create(
            client_id=client,
            agency=b,
            kind=ConsentKind.WRITTEN,
            taken_by=recorder,
            taken_on=at.date(),
            evidence_reference="binder",
            recorded_at=at,
            relationship=relationship,
        )
    # when B's report for the quarter is made
    report = await user_access_report(agency_id=b.id, quarter=Q1, thresholds=T, tz=TZ)
    rows = {row.username: row for row in report.rows}
    # then the recorder's row carries the flag with the quarter's count; the other user's none
    [flag] = [f for f in rows[recorder.username].flags if f.pattern == "SECOND_AGENCY_CONSENT"]
    assert "Recorded 2 consent(s)" in flag.reason
    assert _patterns(rows[other.username]) == []
