"""Policy 303's retention run: the plan in the window (1 October - 31 December) lists the clients
with no activity for seven years by agency and project; the Data Strategy Board authorizes it
by a motion; the run, dry-run first, removes the identifiers and keeps the history, audited one
row per client with the hash chain intact, resumable, once."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import pytest
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction
from typer.testing import CliRunner

from api.cli import app as cli
from authz import enforcer
from models.audit import AuditEvent
from models.case_notes import CaseNote
from models.clients import Client, ClientAnnotation
from models.dsb import Meeting, MeetingKind, MotionStatus, MotionSubject, SeatCategory, VoteChoice
from models.enrollments import Enrollment, Exit, Service
from models.enums import AccessLevel, AnnotationKind, ConsentKind, SystemRole
from models.governance import Agency, Project
from models.governance_log import GovernanceEvent
from models.retention import RetentionOutcome, RetentionPlanClient, RetentionStatus
from services import dsb, retention, retention_run
from services.audit import seal, verify_chain
from services.caller import CONNECTICUT, Caller
from services.case_notes import add_case_note
from services.clients import ConsentData, SearchCriteria, annotate_client, create_client
from services.clients import search_clients as search
from services.clock import SystemClock
from services.enrollments import create_enrollment, exit_enrollment, record_service
from services.errors import Conflict, Forbidden, NotFound
from tests.factories import make_agency, make_user
from tests.schema.writes_support import make_project
from tests.services.support import caller_of, decisions_for

pytestmark = pytest.mark.usefixtures("app")

PLAN_DAY = date(2026, 10, 15)
CUTOFF = date(2019, 10, 15)  # seven years before the plan's day


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CONNECTICUT)


OLD = at(CUTOFF - timedelta(days=1))  # 7 years and a day before the plan
RECENT = at(date(2024, 5, 1))


@dataclass
class World:
    a: Agency
    b: Agency
    shelter: Project
    outreach: Project
    sentinel_project: Project
    admin: Any
    lead: Any
    worker_a: Any
    worker_b: Any
    old: dict[str, UUID]  # name -> client id
    seats: list[Any] = field(default_factory=list)  # the board's, appointed on first use

    async def as_(self, user: Any, when: datetime) -> Caller:
        return caller_of(await decisions_for(user), now=when)

    async def admin_at(self, day: date = PLAN_DAY) -> Caller:
        return await self.as_(self.admin, at(day))


async def _client(caller: Caller, agency: Agency, first: str, last: str, **data: Any) -> UUID:
    values = {"first_name": first, "last_name": last, "name_data_quality": 1, **data}
    client = await create_client(
        caller=caller,
        agency_id=agency.id,
        data=values,
        consent=ConsentData(kind=ConsentKind.WRITTEN, taken_on=caller.today),
    )
    return client.id


async def _enrol(caller: Caller, client_id: UUID, project: Project) -> Enrollment:
    return await create_enrollment(
        caller=caller,
        client_id=client_id,
        project_id=project.id,
        entry_date=caller.today,
        household_id=None,
        relationship_to_hoh=1,
        data={"disabling_condition": 0},
    )


async def _service(caller: Caller, enrollment: Enrollment) -> Service:
    return await record_service(
        caller=caller,
        enrollment_id=enrollment.id,
        data={"date_provided": caller.today, "record_type": 200, "type_provided": 200},
    )


async def build() -> World:
    a = await make_agency("Harbor House")
    b = await make_agency("Sentinel Shelter")
    shelter = await make_project(a, "Harbor Shelter", operating_start_date=date(2010, 1, 1))
    outreach = await make_project(a, "Harbor Outreach", operating_start_date=date(2010, 1, 1))
    sentinel_project = await make_project(b, "Sentinel Beds", operating_start_date=date(2010, 1, 1))
    w = World(
        a=a,
        b=b,
        shelter=shelter,
        outreach=outreach,
        sentinel_project=sentinel_project,
        admin=await make_user("sysadmin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,)),
        lead=await make_user("lead", roles=(SystemRole.LEAD_AGENCY,)),
        worker_a=await make_user("worker.a", agencies={a: AccessLevel.FULL}),
        worker_b=await make_user("worker.b", agencies={b: AccessLevel.FULL}),
        old={},
    )
    then = await w.as_(w.worker_a, OLD)
    # Rosa: every identifier Hearth stores, a full history at the shelter, all seven years ago.
    rosa = await _client(
        then,
        a,
        "Rosa",
        "Parks",
        middle_name="Louise",
        name_suffix="Jr",
        ssn="123456789",
        ssn_data_quality=1,
        dob=date(1980, 2, 4),
        dob_data_quality=1,
        phone="860-555-0100",
        email="rosa@example.org",
        address_line1="1 Main St",
        address_line2="Apt 2",
        city="Hartford",
        state="CT",
        zip_code="06103",
    )
    stay = await _enrol(then, rosa, shelter)
    await _service(then, stay)
    await exit_enrollment(
        caller=then, enrollment_id=stay.id, data={"exit_date": then.today, "destination": 30}
    )
    await add_case_note(
        caller=then, client_id=rosa, agency_id=a.id, enrollment_id=stay.id, text="Rosa, 1 Main St."
    )
    await annotate_client(
        caller=then,
        client_id=rosa,
        field="lastName",
        kind=AnnotationKind.INACCURATE,
        note="Her name is Rosa Parks-Smith.",
        agency_id=a.id,
    )
    # Ned: old, at both of Harbor's projects.
    ned = await _client(then, a, "Ned", "Land", ssn="987654321", ssn_data_quality=1)
    await _enrol(then, ned, shelter)
    await _enrol(then, ned, outreach)
    # Olga: old, never enrolled: counted for Harbor, in no project.
    olga = await _client(then, a, "Olga", "Orr")
    # Victor: old, but a service was recorded for him in 2024 by an import (the client row was
    # never touched): active, not in the plan.
    victor = await _client(then, a, "Victor", "Vale")
    victor_stay = await _enrol(then, victor, shelter)
    await Service.create(
        enrollment=victor_stay,
        date_provided=RECENT.date(),
        record_type=200,
        type_provided=200,
        created_by_user_id=w.worker_a.id,
        created_at=RECENT,
    )
    # Walt: created on the cut-off day, seven years to the day: in the plan ("7 or more").
    walt = await _client(await w.as_(w.worker_a, at(CUTOFF, 9)), a, "Walt", "Wise")
    # Yves: created the day after the cut-off: six years and 364 days, not in the plan.
    await _client(await w.as_(w.worker_a, at(CUTOFF + timedelta(days=1))), a, "Yves", "Young")
    # Sam: Sentinel's client, active this year: never touched.
    sam = await _client(
        await w.as_(w.worker_b, at(date(2026, 3, 2))),
        b,
        "Sam",
        "Sentinel",
        ssn="111223333",
        ssn_data_quality=1,
        dob=date(1990, 1, 1),
        dob_data_quality=1,
    )
    await _enrol(await w.as_(w.worker_b, at(date(2026, 3, 2))), sam, sentinel_project)
    w.old = {"rosa": rosa, "ned": ned, "olga": olga, "walt": walt, "victor": victor, "sam": sam}
    return w


async def _board_decides(w: World, plan_id: UUID, *, carried: bool) -> Any:
    """A meeting of the board with a quorum votes on a motion on the plan."""
    lead = await w.as_(w.lead, at(PLAN_DAY))
    w.seats = w.seats or [
        await dsb.appoint_seat(
            caller=lead,
            category=SeatCategory.PROVIDER_DATA_EXPERT,
            member_name=f"Member {i}",
            appointing_body="CT BOS and ODFC boards",
            term_start=date(2026, 1, 1),
            term_end=date(2028, 12, 31),
            lived_experience=False,
        )
        for i in range(3)
    ]
    seats = w.seats
    meeting = await dsb.schedule_meeting(
        caller=lead, held_on=PLAN_DAY, kind=MeetingKind.REGULAR, title="Retention", agenda=[]
    )
    await dsb.record_attendance(caller=lead, meeting_id=meeting.id, seat_ids=[s.id for s in seats])
    motion = await dsb.open_motion(
        caller=lead,
        meeting_id=meeting.id,
        text_="Authorize the retention plan.",
        subject=(MotionSubject.RETENTION_PLAN, plan_id),
    )
    for seat in seats:
        await dsb.record_vote(
            caller=lead,
            motion_id=motion.id,
            seat_id=seat.id,
            choice=VoteChoice.YES if carried else VoteChoice.NO,
        )
    return await dsb.close_motion(caller=lead, motion_id=motion.id)


async def _authorized_plan(w: World) -> Any:
    plan = await retention.create_plan(caller=await w.admin_at())
    await _board_decides(w, plan.id, carried=True)
    return plan


async def _snapshot(model: Any, **filters: Any) -> list[dict[str, Any]]:
    rows = await model.filter(**filters).order_by("id").values()
    return rows


async def _history(client_ids: list[UUID]) -> dict[str, Any]:
    enrollments = await _snapshot(Enrollment, client_id__in=client_ids)
    ids = [e["id"] for e in enrollments]
    return {
        "enrollments": enrollments,
        "services": await _snapshot(Service, enrollment_id__in=ids),
        "exits": await _snapshot(Exit, enrollment_id__in=ids),
    }


# --- the window --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "allowed"),
    [
        (date(2026, 9, 30), False),
        (date(2026, 10, 1), True),
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), False),
    ],
)
async def test_a_plan_is_made_only_between_1_october_and_31_december(
    day: date, allowed: bool
) -> None:
    w = await build()
    caller = await w.admin_at(day)
    if allowed:
        plan = await retention.create_plan(caller=caller)
        assert plan.status == RetentionStatus.AWAITING_AUTHORIZATION
        assert plan.as_of == day
    else:
        with pytest.raises(Conflict, match="1 October and 31 December"):
            await retention.create_plan(caller=caller)
        assert not await RetentionPlanClient.exists()


async def test_only_the_system_administrator_plans_and_runs() -> None:
    w = await build()
    lead = await w.as_(w.lead, at(PLAN_DAY))
    with pytest.raises(Forbidden):
        await retention.create_plan(caller=lead)
    plan = await retention.create_plan(caller=await w.admin_at())
    with pytest.raises(Forbidden):
        await retention_run.run_plan(caller=lead, plan_id=plan.id)
    with pytest.raises(Forbidden):
        await retention_run.dry_run(caller=lead, plan_id=plan.id)
    # the board's Lead Agency reads it
    assert (await retention.get_plan(caller=lead, plan_id=plan.id)).id == plan.id


# --- the plan ----------------------------------------------------------------------------------


async def test_the_plan_lists_the_clients_inactive_for_seven_years_by_agency_and_project() -> None:
    w = await build()
    plan = await retention.create_plan(caller=await w.admin_at())
    planned = {r.client_id for r in await RetentionPlanClient.filter(plan_id=plan.id)}
    o = w.old
    # Victor's 2024 service (client row untouched) and Yves (6 years 364 days) are activity;
    # Sam, Sentinel's active client, is not in it
    assert planned == {o["rosa"], o["ned"], o["olga"], o["walt"]}
    assert plan.client_count == 4
    assert plan.cutoff == CUTOFF
    lines = {
        (line.agency_id, line.project_id): line.clients for line in await retention.plan_lines(plan)
    }
    assert lines == {
        (w.a.id, None): 4,  # Rosa, Ned, Olga, Walt: records Harbor holds
        (w.a.id, w.shelter.id): 2,  # Rosa, Ned
        (w.a.id, w.outreach.id): 1,  # Ned
    }
    assert await GovernanceEvent.exists(action="retention_plan.create", entity_id=str(plan.id))


async def test_any_change_record_since_the_cut_off_is_activity_a_read_is_not() -> None:
    w = await build()
    o = w.old
    since = at(date(2025, 1, 1))
    # a case note, a correction, an exit's update, each recorded recently on one old client
    await CaseNote.create(
        client_id=o["ned"], agency_id=w.a.id, author_id=w.worker_a.id, created_at=since, text="x"
    )
    await Exit.filter(enrollment__client_id=o["rosa"]).update(updated_at=since)
    await ClientAnnotation.create(
        client_id=o["walt"],
        agency_id=w.a.id,
        field="firstName",
        kind=AnnotationKind.SUPPLEMENT,
        note="n",
        created_by_id=w.worker_a.id,
        created_at=since,
    )
    # a read of Olga's record this year is no activity
    await AuditEvent.create(
        occurred_at=since, action="VIEW", entity_type="Client", client_id=o["olga"]
    )
    plan = await retention.create_plan(caller=await w.admin_at())
    planned = {r.client_id for r in await RetentionPlanClient.filter(plan_id=plan.id)}
    assert planned == {o["olga"]}


# --- the board's authorization -----------------------------------------------------------------


async def test_the_run_needs_the_boards_authorization_and_a_failed_motion_rejects_the_plan() -> (
    None
):
    w = await build()
    admin = await w.admin_at()
    plan = await retention.create_plan(caller=admin)
    for attempt in (retention_run.dry_run, retention_run.run_plan):
        with pytest.raises(Conflict, match="not authorized"):
            await attempt(caller=admin, plan_id=plan.id)
    motion = await _board_decides(w, plan.id, carried=False)
    assert motion.status == MotionStatus.FAILED
    await plan.refresh_from_db()
    assert (plan.status, plan.motion_id) == (RetentionStatus.REJECTED, motion.id)
    with pytest.raises(Conflict, match="not authorized"):
        await retention_run.run_plan(caller=admin, plan_id=plan.id)
    # a decided plan takes no second motion
    with pytest.raises(Conflict, match="decided"):
        await _board_decides(w, plan.id, carried=True)
    # a new plan, carried
    second = await retention.create_plan(caller=admin)
    carried = await _board_decides(w, second.id, carried=True)
    await second.refresh_from_db()
    assert (second.status, second.motion_id) == (RetentionStatus.AUTHORIZED, carried.id)
    with pytest.raises(NotFound):
        await dsb.open_motion(
            caller=await w.as_(w.lead, at(PLAN_DAY)),
            meeting_id=(await Meeting.first()).id,  # type: ignore[union-attr]
            text_="x",
            subject=(MotionSubject.RETENTION_PLAN, w.a.id),
        )
    assert await Client.filter(deidentified_at__isnull=False).count() == 0


# --- dry run, run ------------------------------------------------------------------------------


async def test_the_dry_run_reports_what_the_run_would_remove_and_changes_nothing() -> None:
    w = await build()
    admin = await w.admin_at()
    plan = await _authorized_plan(w)
    with pytest.raises(Conflict, match="Dry-run"):
        await retention_run.run_plan(caller=admin, plan_id=plan.id)
    before = await _snapshot(Client)
    notes = await _snapshot(CaseNote)
    audit_rows = await AuditEvent.all().count()
    report = await retention_run.dry_run(caller=admin, plan_id=plan.id)
    assert report.report() == {
        "clients": 4,
        "skippedActive": 0,
        "skippedDone": 0,
        "names": 4,
        "ssns": 2,
        "phones": 1,
        "emails": 1,
        "addresses": 1,
        "caseNotes": 1,
        "annotations": 1,
    }
    assert await _snapshot(Client) == before
    assert await _snapshot(CaseNote) == notes
    assert await AuditEvent.all().count() == audit_rows
    await plan.refresh_from_db()
    assert plan.status == RetentionStatus.AUTHORIZED
    assert plan.dry_run_report == report.report()


async def test_the_run_removes_the_identifiers_keeps_the_history_and_audits_each_client() -> None:
    w = await build()
    admin = await w.admin_at()
    plan = await _authorized_plan(w)
    o = w.old
    planned = [o["rosa"], o["ned"], o["olga"], o["walt"]]
    history = await _history(planned)
    sentinel = await _snapshot(Client, id=o["sam"])
    sentinel_history = await _history([o["sam"]])
    victor = await _snapshot(Client, id=o["victor"])
    await retention_run.dry_run(caller=admin, plan_id=plan.id)
    result = await retention_run.run_plan(caller=admin, plan_id=plan.id, batch=3)
    assert (result.deidentified, result.skipped) == (4, 0)
    await plan.refresh_from_db()
    assert (plan.status, plan.deidentified, plan.skipped) == (RetentionStatus.COMPLETED, 4, 0)

    rosa = await Client.get(id=o["rosa"])
    for name in (
        "first_name", "middle_name", "last_name", "name_suffix", "ssn", "ssn_last_four",
        "ssn_hash", "ssn_valid", "phone", "email", "address_line1", "address_line2", "city",
        "state", "zip_code",
    ):  # fmt: skip
        assert getattr(rosa, name) is None, name
    assert (rosa.name_data_quality, rosa.ssn_data_quality) == (99, 99)
    assert rosa.deidentified_at == admin.now
    assert rosa.deidentified_by_plan_id == plan.id
    # kept: the DOB, the demographics, the dates
    assert (rosa.dob, rosa.dob_data_quality) == (date(1980, 2, 4), 1)
    assert rosa.created_at == OLD
    note = await CaseNote.get(client_id=o["rosa"])
    assert (note.text, note.deleted_at) == (None, admin.now)
    assert (await ClientAnnotation.get(client_id=o["rosa"])).note == ""
    # every enrollment, service and exit as it was
    assert await _history(planned) == history
    # another agency's active client, and the active old one, untouched
    assert await _snapshot(Client, id=o["sam"]) == sentinel
    assert await _history([o["sam"]]) == sentinel_history
    assert await _snapshot(Client, id=o["victor"]) == victor

    # one audit row per client de-identified, naming the fields, never values; chain verifies
    rows = await AuditEvent.filter(operation="retention run").order_by("seq")
    assert sorted(r.client_id for r in rows) == sorted(planned)  # type: ignore[type-var]
    by_client = {r.client_id: r for r in rows}
    assert {r.actor_id for r in rows} == {w.admin.id}
    assert set(by_client[o["rosa"]].fields_touched) >= {
        "firstName", "lastName", "ssn", "phone", "email", "addressLine1", "caseNotes",
        "annotations", "deidentifiedAt",
    }  # fmt: skip
    assert "ssn" not in by_client[o["olga"]].fields_touched
    await seal()
    check = await verify_chain()
    assert check.broken is None
    assert check.checked > 0

    # a second run over the completed plan: refused, nothing changed
    audit_count = await AuditEvent.all().count()
    with pytest.raises(Conflict, match="already run"):
        await retention_run.run_plan(caller=admin, plan_id=plan.id)
    with pytest.raises(Conflict, match="already run"):
        await retention_run.dry_run(caller=admin, plan_id=plan.id)
    assert await AuditEvent.all().count() == audit_count


async def test_the_append_only_tables_stay_closed_outside_the_run() -> None:
    w = await build()
    # the run's session setting alone opens nothing: the client must be a pending client of a
    # running plan
    for sql, refusal in (
        ("UPDATE client_annotation SET note = '' WHERE client_id = $1", "never changed"),
        (
            "UPDATE case_note SET text = NULL, deleted_at = now() WHERE client_id = $1",
            "approved deletion",
        ),
    ):
        with pytest.raises(OperationalError, match=refusal):  # noqa: PT012 (setting, then update)
            async with in_transaction() as conn:
                await conn.execute_query("SELECT set_config('hearth.retention_run', 'on', true)")
                await conn.execute_query(sql, [w.old["rosa"]])


async def test_an_interrupted_run_resumes_where_it_stopped() -> None:
    w = await build()
    admin = await w.admin_at()
    plan = await _authorized_plan(w)
    await retention_run.dry_run(caller=admin, plan_id=plan.id)

    class Crash(Exception):
        pass

    def crash(step: str, done: int, total: int | None = None) -> None:
        raise Crash

    with pytest.raises(Crash):
        await retention_run.run_plan(caller=admin, plan_id=plan.id, batch=1, progress=crash)
    await plan.refresh_from_db()
    assert (plan.status, plan.deidentified) == (RetentionStatus.RUNNING, 1)
    assert await Client.filter(deidentified_at__isnull=False).count() == 1
    # resumed later in the window: the rest, each client once
    later = await w.admin_at(date(2026, 11, 2))
    result = await retention_run.run_plan(caller=later, plan_id=plan.id, batch=2)
    assert result.deidentified == 3
    await plan.refresh_from_db()
    assert (plan.status, plan.deidentified) == (RetentionStatus.COMPLETED, 4)
    rows = await AuditEvent.filter(operation="retention run")
    assert len(rows) == len({r.client_id for r in rows}) == 4


async def test_a_client_active_again_after_the_plan_is_skipped() -> None:
    w = await build()
    plan = await _authorized_plan(w)
    # Ned comes back: a service at the shelter after the plan was made
    stay = await Enrollment.filter(client_id=w.old["ned"]).first()
    assert stay is not None
    await _service(await w.as_(w.worker_a, at(date(2026, 10, 20))), stay)
    later = await w.admin_at(date(2026, 10, 21))
    report = await retention_run.dry_run(caller=later, plan_id=plan.id)
    assert (report.clients, report.skipped_active) == (3, 1)
    await retention_run.run_plan(caller=later, plan_id=plan.id)
    ned = await Client.get(id=w.old["ned"])
    assert (ned.first_name, ned.deidentified_at) == ("Ned", None)
    outcome = await RetentionPlanClient.get(plan_id=plan.id, client_id=w.old["ned"])
    assert outcome.outcome == RetentionOutcome.SKIPPED_ACTIVE


async def test_the_run_is_refused_outside_the_window() -> None:
    w = await build()
    plan = await _authorized_plan(w)
    await retention_run.dry_run(caller=await w.admin_at(), plan_id=plan.id)
    for day in (date(2027, 1, 1), date(2027, 9, 30)):
        with pytest.raises(Conflict, match="1 October and 31 December"):
            await retention_run.run_plan(caller=await w.admin_at(day), plan_id=plan.id)
    # next year's window: the plan is stale
    with pytest.raises(Conflict, match="earlier year"):
        await retention_run.run_plan(caller=await w.admin_at(date(2027, 10, 1)), plan_id=plan.id)
    assert await Client.filter(deidentified_at__isnull=False).count() == 0


# --- after the run: search and the client's copy -----------------------------------------------


async def test_a_deidentified_client_is_found_by_its_hmis_id_only() -> None:
    w = await build()
    admin = await w.admin_at()
    plan = await _authorized_plan(w)
    worker = await w.as_(w.worker_a, at(PLAN_DAY))
    scope = await worker.client_scope()
    rosa = w.old["rosa"]
    criteria = {
        "name": SearchCriteria(name="Rosa"),
        "dob": SearchCriteria(dob=date(1980, 2, 4)),
        "ssn last four": SearchCriteria(ssn_last_four="6789"),
        "ssn": SearchCriteria(ssn="123456789"),
        "hmis id": SearchCriteria(hmis_id=rosa),
    }
    for label, c in criteria.items():
        page = await search(scope, c, first=10, after=None)
        assert rosa in {x.id for x in page.items}, label
    await retention_run.dry_run(caller=admin, plan_id=plan.id)
    await retention_run.run_plan(caller=admin, plan_id=plan.id)
    for label, c in criteria.items():
        page = await search(scope, c, first=10, after=None)
        assert (rosa in {x.id for x in page.items}) is (label == "hmis id"), label


async def test_the_window_instant_is_the_connecticut_date() -> None:
    # 1 October 02:00 UTC is still 30 September (22:00) in Connecticut: refused; 04:30 UTC is
    # 1 October (00:30) there: allowed
    w = await build()
    decisions = await decisions_for(w.admin)
    with pytest.raises(Conflict):
        await retention.create_plan(
            caller=Caller(decisions, datetime(2026, 10, 1, 2, 0, tzinfo=UTC), CONNECTICUT)
        )
    plan = await retention.create_plan(
        caller=Caller(decisions, datetime(2026, 10, 1, 4, 30, tzinfo=UTC), CONNECTICUT)
    )
    assert plan.as_of == date(2026, 10, 1)


async def test_an_unknown_plan_is_not_found_and_nothing_changes() -> None:
    w = await build()
    admin = await w.admin_at()
    for attempt in (retention_run.dry_run, retention_run.run_plan):
        with pytest.raises(NotFound) as refused:
            await attempt(caller=admin, plan_id=w.a.id)
        assert refused.value.field == "planId"
    with pytest.raises(NotFound):
        await retention.get_plan(caller=admin, plan_id=w.a.id)
    assert await Client.filter(deidentified_at__isnull=False).count() == 0


# --- the command line --------------------------------------------------------------------------


async def test_the_command_line_plans_dry_runs_and_runs_as_the_system_administrator(
    runner: CliRunner,
) -> None:
    w = await build()

    async def hearth(*args: str) -> Any:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(SystemClock, "now", lambda self: at(PLAN_DAY))
            patch.setattr(enforcer, "_current", None)
            return await asyncio.to_thread(runner.invoke, cli, ["retention", *args])

    planned = await hearth("plan", "--user", "sysadmin", "--note", "For the DSB.")
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert (plan["clients"], plan["cutoff"]) == (4, CUTOFF.isoformat())
    # an agency's user is refused; the plan is not authorized yet
    refused = await hearth("plan", "--user", "worker.a")
    assert refused.exit_code == 2
    assert json.loads(refused.stderr)["error"]["code"] == "FORBIDDEN"
    early = await hearth("run", "--plan", plan["planId"], "--user", "sysadmin")
    assert json.loads(early.stderr)["error"]["code"] == "CONFLICT"
    await _board_decides(w, UUID(plan["planId"]), carried=True)
    dry = await hearth("dry-run", "--plan", plan["planId"], "--user", "sysadmin")
    assert json.loads(dry.stdout)["clients"] == 4
    ran = await hearth("run", "--plan", plan["planId"], "--user", "sysadmin", "--batch", "2")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["status"] == "COMPLETED"
    assert await Client.filter(deidentified_at__isnull=False).count() == 4
