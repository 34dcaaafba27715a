"""Annual certification and security contacts (policies 105, 108, 201, 210), through
the API, with the frozen clock walking the deadlines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from models.certification import (
    AgencyCase,
    AgencyCaseKind,
    AgencyCaseStatus,
    CertificationItem,
    Exhibit,
)
from models.enums import AccessLevel, Duty, SystemRole
from models.governance_log import GovernanceEvent
from models.outbox import OutboxMessage
from services import certification as service
from services.clock import FrozenClock
from services.jobs import JobContext, run_job
from services.notifications import SmtpConfig
from tests.factories import Api, make_agency, make_user
from tests.schema.writes_support import today

pytestmark = pytest.mark.usefixtures("app")

TZ = ZoneInfo("America/New_York")
CERTIFY = """mutation($input: CertifyExhibitInput!) { certifyExhibit(input: $input) {
  accessCleared certification { id met year } remediationCase { id dueOn status }
  resolvedCase { id status } } }"""
PLAN = """mutation($input: PlanRemediationInput!) { planRemediation(input: $input) {
  id dueOn steps { text } } }"""
PROJECTS = """query($a: ID!) { projects(agencyId: $a) { nodes { id } } }"""
DRAW = """mutation($input: DrawMonitoringSampleInput!) { drawMonitoringSample(input: $input) {
  id seed percent population selections { id agencyId } } }"""
ACK = """mutation($id: ID!) { acknowledgeCoordinatorChange(input: {caseId: $id}) { status
  adminAcknowledgedAt officerAcknowledgedAt } }"""
ASSIGN = """mutation($u: ID!, $a: ID!) { assignDuty(input: {userId: $u, agencyId: $a,
  duty: AGENCY_SECURITY_COORDINATOR}) { duty } }"""
FILE = """{ securityCoordinators { agencyId coordinatorUsername confirmedName confirmedEmail
  confirmationDueOn confirmationOverdue openChangeCaseId } }"""


async def _answers(exhibit: Exhibit, *, unmet: int = 0) -> list[dict[str, Any]]:
    items = await CertificationItem.filter(exhibit=exhibit, retired_at__isnull=True).order_by(
        "position"
    )
    return [
        {"itemId": str(i.id), "met": True, "evidence": f"Binder, tab {n}"}
        if n >= unmet
        else {"itemId": str(i.id), "met": False, "note": "Not in place yet."}
        for n, i in enumerate(items)
    ]


def _input(agency_id: Any, exhibit: Exhibit, answers: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "agencyId": str(agency_id),
        "exhibit": exhibit.value,
        "answers": answers,
    }
    if exhibit == Exhibit.B:
        data["coordinator"] = {"name": "Sam Guard", "email": "sam@agency.example.org"}
    return {"input": data}


async def test_the_exhibits_are_seeded_from_the_manual() -> None:
    a = await CertificationItem.filter(exhibit=Exhibit.A).count()
    b = await CertificationItem.filter(exhibit=Exhibit.B).count()
    assert a >= 10
    assert b >= 10
    assert await CertificationItem.exists(code="B-01", policy="105, 108")


async def test_first_time_access_waits_for_both_exhibits_certified_as_met(api: Api) -> None:
    # given a new agency with a signed MOU but no certification
    agency = await make_agency("New Shelter", certified=False)
    worker = await make_user("w", agencies={agency: AccessLevel.FULL})
    hdc = await make_user("h", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    asc = await make_user("s", duties={agency: Duty.AGENCY_SECURITY_COORDINATOR})
    worker_token = await api.sign_in(worker)
    error = await api.error(PROJECTS, {"a": str(agency.id)}, worker_token)
    assert error["code"] == "FORBIDDEN"
    assert "policy 210" in error["message"]
    # an item not met: no access, no remediation (a first-time agency resolves first)
    hdc_token, asc_token = await api.sign_in(hdc), await api.sign_in(asc)
    short = await api.ok(
        CERTIFY, _input(agency.id, Exhibit.A, await _answers(Exhibit.A, unmet=1)), hdc_token
    )
    assert short["certifyExhibit"]["remediationCase"] is None
    # the Security Coordinator may not certify Exhibit A
    wrong = await api.error(
        CERTIFY, _input(agency.id, Exhibit.A, await _answers(Exhibit.A)), asc_token
    )
    assert wrong["code"] == "FORBIDDEN"
    first = await api.ok(
        CERTIFY, _input(agency.id, Exhibit.A, await _answers(Exhibit.A)), hdc_token
    )
    assert first["certifyExhibit"]["accessCleared"] is False
    both = await api.ok(CERTIFY, _input(agency.id, Exhibit.B, await _answers(Exhibit.B)), asc_token)
    assert both["certifyExhibit"]["accessCleared"] is True
    # then the agency's users act
    assert (await api.ok(PROJECTS, {"a": str(agency.id)}, worker_token))["projects"]["nodes"] == []
    actions = set(
        await GovernanceEvent.filter(agency_id=agency.id).values_list("action", flat=True)
    )
    assert {"certification.record", "agency_clearance.grant"} <= actions


async def test_a_met_item_needs_evidence_and_every_item_is_answered(api: Api) -> None:
    agency = await make_agency("Evidence House")
    hdc = await make_user("h", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    token = await api.sign_in(hdc)
    answers = await _answers(Exhibit.A)
    answers[0].pop("evidence")
    assert (await api.error(CERTIFY, _input(agency.id, Exhibit.A, answers), token))["field"] == (
        "answers[0].evidence"
    )
    missing = (await _answers(Exhibit.A))[1:]
    assert (await api.error(CERTIFY, _input(agency.id, Exhibit.A, missing), token))["code"] == (
        "VALIDATION"
    )


async def test_an_established_agency_that_falls_short_is_remediated_in_45_to_60_days(
    api: Api, clock: FrozenClock
) -> None:
    # given an established agency whose HDC cannot certify one item
    agency = await make_agency("Old Shelter")
    worker = await make_user("w", agencies={agency: AccessLevel.FULL})
    hdc = await make_user("h", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    lead = await make_user("lead", roles=(SystemRole.LEAD_AGENCY,))
    hdc_token = await api.sign_in(hdc)
    data = await api.ok(
        CERTIFY, _input(agency.id, Exhibit.A, await _answers(Exhibit.A, unmet=1)), hdc_token
    )
    case = data["certifyExhibit"]["remediationCase"]
    opened = today(api)
    assert case["dueOn"] == str(opened + timedelta(days=60))
    # access continues meanwhile
    assert await api.ok(PROJECTS, {"a": str(agency.id)}, await api.sign_in(worker))
    # the System Administrator sets the date in the 45-60 day window, not outside it
    admin_token = await api.sign_in(admin)
    for days in (44, 61):
        error = await api.error(
            PLAN,
            {
                "input": {
                    "caseId": case["id"],
                    "dueOn": str(opened + timedelta(days=days)),
                    "steps": ["Fix"],
                }
            },
            admin_token,
        )
        assert error["code"] == "VALIDATION"
        assert error["field"] == "dueOn"
    planned = await api.ok(
        PLAN,
        {
            "input": {
                "caseId": case["id"],
                "dueOn": str(opened + timedelta(days=45)),
                "steps": ["Adopt a policy."],
            }
        },
        admin_token,
    )
    assert planned["planRemediation"]["steps"] == [{"text": "Adopt a policy."}]
    # on the due date nothing escalates; the day after, the Lead Agency hears, once
    ctx = JobContext(clock=clock, tz=TZ, smtp=SmtpConfig(host=None))
    clock.advance(timedelta(days=45))
    run = await run_job("certifications", ctx)
    assert run is not None
    assert run.counts["escalated"] == 0
    clock.advance(timedelta(days=1))
    run = await run_job("certifications", ctx)
    assert run is not None
    assert run.counts["escalated"] == 1
    stored = await AgencyCase.get(id=case["id"])
    assert stored.escalated_at is not None
    assert stored.status == AgencyCaseStatus.OPEN
    assert await OutboxMessage.exists(
        recipient_id=lead.id, kind="agency_case.remediation.escalated"
    )
    run = await run_job("certifications", ctx)
    assert run is not None
    assert run.counts["escalated"] == 0
    # recertified as met: the case resolves
    hdc_token = await api.sign_in(hdc)
    done = await api.ok(CERTIFY, _input(agency.id, Exhibit.A, await _answers(Exhibit.A)), hdc_token)
    assert done["certifyExhibit"]["resolvedCase"] == {"id": case["id"], "status": "RESOLVED"}


async def test_the_monitoring_sample_is_a_quarter_at_least_and_reproducible(api: Api) -> None:
    agencies = [await make_agency(f"Agency {n}") for n in range(9)]
    await make_agency("Not yet", certified=False)
    lead = await make_user("lead", roles=(SystemRole.LEAD_AGENCY,))
    token = await api.sign_in(lead)
    low = await api.error(DRAW, {"input": {"year": 2026, "percent": 24}}, token)
    assert low["code"] == "VALIDATION"
    sample = (await api.ok(DRAW, {"input": {"year": 2026, "seed": "march"}}, token))[
        "drawMonitoringSample"
    ]
    assert sorted(sample["population"]) == sorted(str(a.id) for a in agencies)
    chosen = sorted(s["agencyId"] for s in sample["selections"])
    assert len(chosen) == 3  # ceil(25% of 9)
    assert chosen == service.draw_selection(sample["population"], "march", 2026, 25)
    again = await api.error(DRAW, {"input": {"year": 2026}}, token)
    assert again["code"] == "CONFLICT"
    assert await GovernanceEvent.exists(action="monitoring_sample.draw")


async def test_a_change_of_coordinator_is_acknowledged_within_30_days(
    api: Api, clock: FrozenClock
) -> None:
    agency = await make_agency("Harbor House")
    new = await make_user("new.asc", agencies={agency: AccessLevel.FULL})
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    officer = await make_user("officer", roles=(SystemRole.SECURITY_OFFICER,))
    lead = await make_user("lead", roles=(SystemRole.LEAD_AGENCY,))
    admin_token = await api.sign_in(admin)
    await api.ok(ASSIGN, {"u": str(new.id), "a": str(agency.id)}, admin_token)
    case = await AgencyCase.get(agency_id=agency.id, kind=AgencyCaseKind.COORDINATOR_CHANGE)
    assert case.due_on == today(api) + timedelta(days=30)
    assert case.admin_acknowledged_at is not None  # the System Administrator made the change
    assert await OutboxMessage.exists(recipient_id=officer.id, kind="security_contact.change")
    officer_token = await api.sign_in(officer)
    listed = (await api.ok(FILE, token=officer_token))["securityCoordinators"]
    assert listed[0]["coordinatorUsername"] == "new.asc"
    assert listed[0]["openChangeCaseId"] == str(case.id)
    # 31 days on, unacknowledged: escalated to the Lead Agency
    ctx = JobContext(clock=clock, tz=TZ, smtp=SmtpConfig(host=None))
    clock.advance(timedelta(days=30))
    assert (await run_job("certifications", ctx)).counts["escalated"] == 0  # type: ignore[union-attr]
    clock.advance(timedelta(days=1))
    assert (await run_job("certifications", ctx)).counts["escalated"] == 1  # type: ignore[union-attr]
    assert await OutboxMessage.exists(
        recipient_id=lead.id, kind="agency_case.coordinator_change.escalated"
    )
    officer_token = await api.sign_in(officer)
    acked = (await api.ok(ACK, {"id": str(case.id)}, officer_token))["acknowledgeCoordinatorChange"]
    assert acked["status"] == "RESOLVED"


async def test_the_coordinator_is_confirmed_yearly_in_exhibit_b(
    api: Api, clock: FrozenClock
) -> None:
    agency = await make_agency("Yearly House")
    asc = await make_user("asc", duties={agency: Duty.AGENCY_SECURITY_COORDINATOR})
    officer = await make_user("officer", roles=(SystemRole.SECURITY_OFFICER,))
    no_contact = _input(agency.id, Exhibit.B, await _answers(Exhibit.B))
    no_contact["input"].pop("coordinator")
    token = await api.sign_in(asc)
    assert (await api.error(CERTIFY, no_contact, token))["field"] == "coordinator"
    await api.ok(CERTIFY, _input(agency.id, Exhibit.B, await _answers(Exhibit.B)), token)
    entry = (await api.ok(FILE, token=await api.sign_in(officer)))["securityCoordinators"][0]
    assert entry["confirmedName"] == "Sam Guard"
    assert entry["confirmationDueOn"] == str(today(api).replace(year=today(api).year + 1))
    assert entry["confirmationOverdue"] is False
    # a year and a day later the confirmation is overdue and the Coordinator is reminded
    clock.advance(timedelta(days=367))
    entry = (await api.ok(FILE, token=await api.sign_in(officer)))["securityCoordinators"][0]
    assert entry["confirmationOverdue"] is True
    ctx = JobContext(clock=clock, tz=TZ, smtp=SmtpConfig(host=None))
    await run_job("certifications", ctx)
    assert await OutboxMessage.exists(recipient_id=asc.id, kind="certification.reminder")


async def test_the_security_plan_review_is_recorded_with_milestones(api: Api) -> None:
    officer = await make_user("officer", roles=(SystemRole.SECURITY_OFFICER,))
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    review = """mutation($input: RecordSecurityPlanReviewInput!) {
      recordSecurityPlanReview(input: $input) { id nextReviewDueOn milestones { description } } }"""
    day = today(api)
    data = {
        "input": {
            "reviewedOn": str(day),
            "adheres": False,
            "shortfalls": "No penetration test this year.",
            "mitigationPlan": "Contract one.",
            "milestones": [{"description": "Contract signed.", "dueOn": str(day + timedelta(30))}],
        }
    }
    assert (await api.error(review, data, await api.sign_in(admin)))["code"] == "FORBIDDEN"
    token = await api.sign_in(officer)
    no_milestones = {"input": {**data["input"], "milestones": []}}
    assert (await api.error(review, no_milestones, token))["field"] == "milestones"
    saved = (await api.ok(review, data, token))["recordSecurityPlanReview"]
    assert saved["nextReviewDueOn"] == str(day.replace(year=day.year + 1))
    assert saved["milestones"] == [{"description": "Contract signed."}]
    assert await GovernanceEvent.exists(action="security_plan_review.record")


ITEM = """mutation($input: CreateCertificationItemInput!) { createCertificationItem(input: $input) {
  id code position } }"""
RETIRE = """mutation($id: ID!) { retireCertificationItem(input: {id: $id, reason: "Obsolete."}) { retiredAt } }"""
ITEMS = """query($e: CertificationExhibit) { certificationItems(exhibit: $e) { code } }"""
CERTS = """query($a: ID) { certifications(agencyId: $a) { totalCount } }"""
REQUEST = """mutation($id: ID!) { requestMonitoringDocumentation(input: {selectionId: $id, note: "Policies."}) {
  documentationRequestedAt } }"""
RESULT = """mutation($input: RecordMonitoringResultInput!) { recordMonitoringResult(input: $input) {
  result findings } }"""


async def test_the_system_administrator_maintains_the_exhibits(api: Api) -> None:
    agency = await make_agency("Item House")
    hdc = await make_user("h", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    data = {
        "input": {"exhibit": "B", "code": "B-13", "text": "Backups encrypted.", "policy": "208"}
    }
    hdc_token = await api.sign_in(hdc)
    assert (await api.error(ITEM, data, hdc_token))["code"] == "FORBIDDEN"
    admin_token = await api.sign_in(admin)
    item = (await api.ok(ITEM, data, admin_token))["createCertificationItem"]
    assert item["position"] == 13
    assert (await api.error(ITEM, data, admin_token))["code"] == "CONFLICT"
    codes = [i["code"] for i in (await api.ok(ITEMS, {"e": "B"}, hdc_token))["certificationItems"]]
    assert codes[-1] == "B-13"
    await api.ok(RETIRE, {"id": item["id"]}, admin_token)
    codes = [i["code"] for i in (await api.ok(ITEMS, {"e": "B"}, hdc_token))["certificationItems"]]
    assert "B-13" not in codes
    actions = await GovernanceEvent.filter(entity_id=item["id"]).values_list("action", flat=True)
    assert sorted(actions) == ["certification_item.create", "certification_item.retire"]


async def test_an_agency_sees_only_its_own_certifications(api: Api) -> None:
    mine, other = await make_agency("Mine"), await make_agency("Other")
    hdc = await make_user("h", duties={mine: Duty.HMIS_DATA_COORDINATOR})
    token = await api.sign_in(hdc)
    await api.ok(CERTIFY, _input(mine.id, Exhibit.A, await _answers(Exhibit.A)), token)
    assert (await api.ok(CERTS, {"a": str(mine.id)}, token))["certifications"]["totalCount"] == 1
    assert (await api.ok(CERTS, {}, token))["certifications"]["totalCount"] == 1
    assert (await api.error(CERTS, {"a": str(other.id)}, token))["code"] == "FORBIDDEN"
    # nor certifies for another agency
    refused = await api.error(
        CERTIFY, _input(other.id, Exhibit.A, await _answers(Exhibit.A)), token
    )
    assert refused["code"] == "FORBIDDEN"


async def test_certifications_are_append_only() -> None:
    from tortoise.connection import get_connection
    from tortoise.exceptions import IntegrityError, OperationalError

    agency = await make_agency("Kept")
    hdc = await make_user("h", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    conn = get_connection("default")
    await conn.execute_query(
        "INSERT INTO certification (id, agency_id, year, exhibit, certified_by_id, certified_at,"
        " certified_on, met) VALUES (gen_random_uuid(), $1, 2026, 'A', $2, now(), current_date,"
        " false)",
        [agency.id, hdc.id],
    )
    with pytest.raises((IntegrityError, OperationalError)):
        await conn.execute_query("UPDATE certification SET met = true")
    with pytest.raises((IntegrityError, OperationalError)):
        await conn.execute_query("DELETE FROM certification")


async def test_the_lead_agency_requests_documentation_then_records_the_result(api: Api) -> None:
    agency = await make_agency("Sampled")
    hdc = await make_user("h", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    lead = await make_user("lead", roles=(SystemRole.LEAD_AGENCY,))
    token = await api.sign_in(lead)
    sample = (await api.ok(DRAW, {"input": {"year": 2026, "seed": "x"}}, token))[
        "drawMonitoringSample"
    ]
    selection = sample["selections"][0]["id"]
    early = {"input": {"selectionId": selection, "result": "COMPLIANT"}}
    assert (await api.error(RESULT, early, token))["code"] == "CONFLICT"
    await api.ok(REQUEST, {"id": selection}, token)
    assert await OutboxMessage.exists(
        recipient_id=hdc.id, kind="certification.monitoring.documentation_requested"
    )
    no_findings = {"input": {"selectionId": selection, "result": "NOT_COMPLIANT"}}
    assert (await api.error(RESULT, no_findings, token))["field"] == "findings"
    done = await api.ok(
        RESULT,
        {"input": {"selectionId": selection, "result": "NOT_COMPLIANT", "findings": "No logs."}},
        token,
    )
    assert done["recordMonitoringResult"] == {"result": "NOT_COMPLIANT", "findings": "No logs."}


async def test_removing_the_coordinator_opens_the_change_and_a_new_one_updates_it(
    api: Api,
) -> None:
    agency = await make_agency("Turnover")
    old = await make_user("old", duties={agency: Duty.AGENCY_SECURITY_COORDINATOR})
    new = await make_user("new", agencies={agency: AccessLevel.FULL})
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    token = await api.sign_in(admin)
    remove = """mutation($a: ID!) { removeDuty(input: {agencyId: $a, duty: AGENCY_SECURITY_COORDINATOR}) }"""
    await api.ok(remove, {"a": str(agency.id)}, token)
    case = await AgencyCase.get(agency_id=agency.id, kind=AgencyCaseKind.COORDINATOR_CHANGE)
    assert (case.previous_coordinator_id, case.new_coordinator_id) == (old.id, None)
    await api.ok(ASSIGN, {"u": str(new.id), "a": str(agency.id)}, token)
    cases = await AgencyCase.filter(agency_id=agency.id, kind=AgencyCaseKind.COORDINATOR_CHANGE)
    assert len(cases) == 1
    assert cases[0].new_coordinator_id == new.id
    assert cases[0].due_on == case.due_on
