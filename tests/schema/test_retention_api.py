"""The retention run through the API (policy 303): the System Administrator plans, the board's
motion on the plan authorizes it, the dry run and the run; afterwards the client is found by its
HMIS id only, shows `deidentifiedAt`, and its record export says it was de-identified and when."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from models.dsb import MeetingKind, MotionSubject
from services import dsb
from tests.factories import Api
from tests.services.test_retention import PLAN_DAY, World, _board_decides, at, build

PLAN = """mutation { planRetention(input: {note: "For the October meeting."}) { id status clientCount cutoff
  lines { clients agency { name } project { name } } } }"""
READ = """query($id: ID!) { retentionPlan(id: $id) { status clientCount deidentified pending
  motionId dryRun { clients names ssns caseNotes } } }"""
PLANS = """{ retentionPlans(first: 10) { nodes { id status } } }"""
OPEN_MOTION = """mutation($input: OpenDsbMotionInput!) { openDsbMotion(input: $input) {
  id subjectKind subjectId } }"""
DRY_RUN = """mutation($id: ID!) { dryRunRetentionPlan(input: {planId: $id}) {
  clients skippedActive names ssns phones emails addresses caseNotes annotations } }"""
RUN = """mutation($id: ID!) { runRetentionPlan(input: {planId: $id}) {
  status deidentified skipped pending runCompletedAt } }"""
SEARCH = """query($search: ClientSearchInput!) { clients(search: $search, first: 10) {
  nodes { id firstName lastName ssnLastFour dob deidentifiedAt } } }"""
EXPORT = """query($id: ID!) { clientRecordExport(clientId: $id) }"""

NOON = datetime(2026, 10, 15, 16, 0, tzinfo=UTC)  # noon in Connecticut on the plan's day


async def _planned(api: Api, w: World) -> tuple[str, str]:
    api.clock.set(NOON)
    admin = await api.sign_in(w.admin)
    plan = (await api.ok(PLAN, {}, admin))["planRetention"]
    return admin, plan["id"]


async def test_the_plan_is_read_by_the_board_and_the_lead_agency_not_by_agencies(
    api: Api,
) -> None:
    w = await build()
    admin, plan_id = await _planned(api, w)
    plan = (await api.ok(READ, {"id": plan_id}, await api.sign_in(w.lead)))["retentionPlan"]
    assert (plan["status"], plan["clientCount"], plan["pending"]) == (
        "AWAITING_AUTHORIZATION",
        4,
        4,
    )
    for who in (w.worker_a, w.worker_b):
        token = await api.sign_in(who)
        assert (await api.error(PLANS, {}, token))["code"] == "FORBIDDEN"
        assert (await api.error(PLAN, {}, token))["code"] == "FORBIDDEN"
    assert (await api.error(DRY_RUN, {"id": plan_id}, await api.sign_in(w.lead)))[
        "code"
    ] == "FORBIDDEN"
    assert [p["id"] for p in (await api.ok(PLANS, {}, admin))["retentionPlans"]["nodes"]] == [
        plan_id
    ]


async def test_plan_authorize_dry_run_run_then_search_and_export(api: Api) -> None:
    w = await build()
    admin, plan_id = await _planned(api, w)
    lead = await api.sign_in(w.lead)
    # without the board: refused
    for doc in (DRY_RUN, RUN):
        error = await api.error(doc, {"id": plan_id}, admin)
        assert (error["code"], error["field"]) == ("CONFLICT", "planId")
    # the board's motion names the plan (the generic motion); it carries
    await _board_decides(w, plan_id, carried=True)  # type: ignore[arg-type]
    plan = (await api.ok(READ, {"id": plan_id}, lead))["retentionPlan"]
    assert plan["status"] == "AUTHORIZED"
    assert plan["motionId"]
    # a second motion on a decided plan, through the API: CONFLICT on subjectId
    meeting = await dsb.schedule_meeting(
        caller=await w.as_(w.lead, at(PLAN_DAY)),
        held_on=PLAN_DAY,
        kind=MeetingKind.REGULAR,
        title="Again",
        agenda=[],
    )
    error = await api.error(
        OPEN_MOTION,
        {
            "input": {
                "meetingId": str(meeting.id),
                "text": "Authorize it again.",
                "subjectKind": MotionSubject.RETENTION_PLAN.value,
                "subjectId": plan_id,
            }
        },
        lead,
    )
    assert (error["code"], error["field"]) == ("CONFLICT", "subjectId")
    # the run needs its dry run first
    assert (await api.error(RUN, {"id": plan_id}, admin))["message"].startswith("Dry-run")
    dry = (await api.ok(DRY_RUN, {"id": plan_id}, admin))["dryRunRetentionPlan"]
    assert dry == {
        "clients": 4,
        "skippedActive": 0,
        "names": 4,
        "ssns": 2,
        "phones": 1,
        "emails": 1,
        "addresses": 1,
        "caseNotes": 1,
        "annotations": 1,
    }
    ran_at = api.clock.now()
    done = (await api.ok(RUN, {"id": plan_id}, admin))["runRetentionPlan"]
    assert (done["status"], done["deidentified"], done["pending"]) == ("COMPLETED", 4, 0)
    error = await api.error(RUN, {"id": plan_id}, admin)
    assert (error["code"], error["field"]) == ("CONFLICT", "planId")

    # Rosa's agency no longer finds her by name, DOB or SSN's last four; by her HMIS id, yes
    worker = await api.sign_in(w.worker_a)
    rosa = str(w.old["rosa"])
    for search in ({"name": "Rosa"}, {"dob": "1980-02-04"}, {"ssnLastFour": "6789"}):
        found = (await api.ok(SEARCH, {"search": search}, worker))["clients"]["nodes"]
        assert rosa not in {c["id"] for c in found}, search
    [node] = (await api.ok(SEARCH, {"search": {"hmisId": rosa}}, worker))["clients"]["nodes"]
    assert node["firstName"] is None
    assert node["lastName"] is None
    assert node["ssnLastFour"] is None
    assert node["dob"] == "1980-02-04"
    assert datetime.fromisoformat(node["deidentifiedAt"]) == ran_at
    # Sentinel's client is found as before by Sentinel
    sentinel = await api.sign_in(w.worker_b)
    found = (await api.ok(SEARCH, {"search": {"name": "Sam"}}, sentinel))["clients"]["nodes"]
    assert [c["id"] for c in found] == [str(w.old["sam"])]
    assert found[0]["deidentifiedAt"] is None

    # the client's copy says it was de-identified, when, and under which plan
    export: Any = (await api.ok(EXPORT, {"id": rosa}, worker))["clientRecordExport"]
    assert export["deidentified"]["retentionPlanId"] == plan_id
    assert datetime.fromisoformat(export["deidentified"]["deidentifiedAt"]) == ran_at
    for name in ("first_name", "firstName", "last_name", "lastName", "ssn", "phone", "email"):
        assert export["client"].get(name) is None, name
    assert [n["text"] for n in export["caseNotes"]] == [None]
    sam: Any = (await api.ok(EXPORT, {"id": str(w.old["sam"])}, sentinel))["clientRecordExport"]
    assert sam["deidentified"] is None


@pytest.mark.parametrize(
    "day", [datetime(2026, 9, 30, 16, tzinfo=UTC), datetime(2027, 1, 1, 17, tzinfo=UTC)]
)
async def test_outside_the_window_planning_is_refused(api: Api, day: datetime) -> None:
    w = await build()
    api.clock.set(day)
    error = await api.error(PLAN, {}, await api.sign_in(w.admin))
    assert error["code"] == "CONFLICT"
