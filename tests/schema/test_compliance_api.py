"""The compliance surface over HTTP: who records tickets and CoC requests, who sees which cases,
`me` shows a user their own open cases, typed errors, and statements per page that do not grow."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from bench.statement_log import log_statements
from models.compliance import ComplianceCase, HelpdeskTicket
from models.enums import AccessLevel, Duty, SystemRole
from services import compliance
from services.clock import FrozenClock
from tests.api.test_service_accounts import access, create
from tests.factories import Api, make_agency, make_user

TZ = ZoneInfo("America/New_York")

TICKET = """
mutation($input: RecordHelpdeskTicketInput!) { recordHelpdeskTicket(input: $input) {
  created ticket { id userId topic minutesSpent systemPerformanceIssue externalRef } } }"""
RETRAIN = """
mutation($input: RequestAgencyRetrainingInput!) { requestAgencyRetraining(input: $input) {
  requestId usersFlagged } }"""
CASES = """
query($status: ComplianceCaseStatus, $agency: ID, $first: Int) {
  complianceCases(status: $status, agencyId: $agency, first: $first) {
    totalCount nodes { id kind status dueOn policy user { username }
      findings { rule description evidence foundAt } } } }"""
ME = "query { me { complianceCases { kind dueOn status findings { rule description } } } }"
RUNS = "query { jobRuns { totalCount nodes { job status counts } } }"


async def _world() -> dict:
    harbor = await make_agency("Harbor House")
    other = await make_agency("Elm Street")
    return {
        "harbor": harbor,
        "other": other,
        "admin": await make_user("root", roles=(SystemRole.SYSTEM_ADMINISTRATOR,)),
        "officer": await make_user("officer", roles=(SystemRole.SECURITY_OFFICER,)),
        "lead": await make_user("lead", roles=(SystemRole.LEAD_AGENCY,)),
        "hdc": await make_user("hdc", duties={harbor: Duty.HMIS_DATA_COORDINATOR}),
        "ann": await make_user(
            "ann", agencies={harbor: AccessLevel.FULL}, email="A@x.org", email_normalized="a@x.org"
        ),
        "bob": await make_user(
            "bob", agencies={other: AccessLevel.FULL}, email="a@X.org", email_normalized="a@x.org"
        ),
    }


def _ticket(user_id: object, **changes: object) -> dict:
    return {
        "input": {
            "userId": str(user_id),
            "openedAt": "2026-03-01T15:00:00+00:00",
            "topic": "Password reset",
            "minutesSpent": 20,
            "systemPerformanceIssue": False,
            **changes,
        }
    }


async def test_the_system_administrator_and_the_vendor_feed_record_tickets(
    api: Api, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    w = await _world()
    admin = await api.sign_in(w["admin"])
    data = (await api.ok(TICKET, _ticket(w["ann"].id, externalRef="HD-1"), admin))[
        "recordHelpdeskTicket"
    ]
    assert data["created"] is True
    assert data["ticket"]["userId"] == str(w["ann"].id)
    again = (await api.ok(TICKET, _ticket(w["ann"].id, externalRef="HD-1"), admin))[
        "recordHelpdeskTicket"
    ]
    assert again["created"] is False
    assert again["ticket"]["id"] == data["ticket"]["id"]
    # the vendor's service account (VENDOR_SYNC) feeds the help desk too
    created = await create(api, admin, name="Help desk", role="VENDOR_SYNC")
    vendor = await access(http, created["clientId"], created["clientSecret"])
    await api.ok(TICKET, _ticket(w["ann"].id, externalRef="HD-2"), vendor)
    assert await HelpdeskTicket.all().count() == 2


@pytest.mark.parametrize("who", ["hdc", "ann", "officer", "lead"])
async def test_nobody_else_records_tickets(api: Api, who: str) -> None:
    w = await _world()
    error = await api.error(TICKET, _ticket(w["ann"].id), await api.sign_in(w[who]))
    assert error["code"] == "FORBIDDEN"
    assert await HelpdeskTicket.all().count() == 0


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"minutesSpent": -1}, "VALIDATION", "minutesSpent"),
        ({"userId": "00000000-0000-0000-0000-000000000000"}, "NOT_FOUND", "userId"),
        ({"userId": "not-an-id"}, "VALIDATION", "userId"),
        ({"openedAt": "2027-01-01T00:00:00+00:00"}, "VALIDATION", "openedAt"),
        ({"topic": ""}, "VALIDATION", "topic"),
    ],
)
async def test_bad_tickets_get_typed_errors(api: Api, changes: dict, code: str, field: str) -> None:
    w = await _world()
    body = _ticket(w["ann"].id)
    body["input"].update(changes)
    error = await api.error(TICKET, body, await api.sign_in(w["admin"]))
    assert (error["code"], error.get("field")) == (code, field)
    assert await HelpdeskTicket.all().count() == 0


async def test_a_coc_request_outside_the_coc_is_refused_and_inside_flags_users(api: Api) -> None:
    w = await _world()
    lead = await api.sign_in(w["lead"])
    error = await api.error(
        RETRAIN,
        {"input": {"agencyId": str(w["harbor"].id), "cocCode": "CT-505", "reason": "Low UDE"}},
        lead,
    )
    assert (error["code"], error["field"]) == ("VALIDATION", "agencyId")
    done = await api.ok(
        RETRAIN,
        {"input": {"agencyId": str(w["harbor"].id), "cocCode": "CT-503", "reason": "Low UDE"}},
        lead,
    )
    assert done["requestAgencyRetraining"]["usersFlagged"] == 2  # ann and the HDC
    hdc_error = await api.error(
        RETRAIN,
        {"input": {"agencyId": str(w["harbor"].id), "cocCode": "CT-503", "reason": "x"}},
        await api.sign_in(w["hdc"]),
    )
    assert hdc_error["code"] == "FORBIDDEN"


async def test_who_sees_which_cases(api: Api, clock: FrozenClock) -> None:
    # given: ann (Harbor House) and bob (Elm Street) share an address
    w = await _world()
    await compliance.sweep_shared_contacts(now=clock.now(), tz=TZ)
    # System Administrator and Security Officer: all open cases, with the deadline
    for who in ("admin", "officer"):
        data = (await api.ok(CASES, {"status": "OPEN"}, await api.sign_in(w[who])))[
            "complianceCases"
        ]
        assert data["totalCount"] == 2
        assert {n["user"]["username"] for n in data["nodes"]} == {"ann", "bob"}
        node = data["nodes"][0]
        assert node["policy"] == "109, 202"
        assert node["dueOn"] == "2026-03-16"
        assert node["findings"][0]["rule"] == "SHARED_EMAIL"
        assert "also used by 1 other account" in node["findings"][0]["description"]
    # the HDC of Harbor House: ann's case only; another agency's: FORBIDDEN
    hdc = await api.sign_in(w["hdc"])
    mine = (await api.ok(CASES, {}, hdc))["complianceCases"]
    assert [n["user"]["username"] for n in mine["nodes"]] == ["ann"]
    assert (await api.ok(CASES, {"agency": str(w["harbor"].id)}, hdc))["complianceCases"][
        "totalCount"
    ] == 1
    assert (await api.error(CASES, {"agency": str(w["other"].id)}, hdc))["code"] == "FORBIDDEN"
    # an end user: FORBIDDEN, but `me` shows them their own case
    ann = await api.sign_in(w["ann"])
    assert (await api.error(CASES, {}, ann))["code"] == "FORBIDDEN"
    me = (await api.ok(ME, {}, ann))["me"]["complianceCases"]
    assert me == [
        {
            "kind": "SHARED_CONTACT",
            "dueOn": "2026-03-16",
            "status": "OPEN",
            "findings": [
                {
                    "rule": "SHARED_EMAIL",
                    "description": "the e-mail address is also used by 1 other account(s)",
                }
            ],
        }
    ]
    # the admin filters by agency
    admin = await api.sign_in(w["admin"])
    by_agency = (await api.ok(CASES, {"agency": str(w["other"].id)}, admin))["complianceCases"]
    assert [n["user"]["username"] for n in by_agency["nodes"]] == ["bob"]


async def test_job_runs_are_visible_to_the_administrator_and_officer_only(
    api: Api, clock: FrozenClock
) -> None:
    from services.jobs import JobContext, run_job
    from services.notifications import SmtpConfig

    w = await _world()
    await run_job("shared-contacts", JobContext(clock=clock, tz=TZ, smtp=SmtpConfig(host=None)))
    data = (await api.ok(RUNS, {}, await api.sign_in(w["officer"])))["jobRuns"]
    assert data["totalCount"] == 1
    assert data["nodes"][0]["status"] == "SUCCEEDED"
    assert data["nodes"][0]["counts"]["opened"] == 2
    assert (await api.error(RUNS, {}, await api.sign_in(w["hdc"])))["code"] == "FORBIDDEN"


@pytest.mark.parametrize("n", [1, 30])
async def test_statements_per_page_do_not_grow_with_the_number_of_cases(
    api: Api, clock: FrozenClock, n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await _world()
    for i in range(n):
        await make_user(
            f"twin{i}a",
            agencies={w["harbor"]: AccessLevel.FULL},
            email=f"t{i}@x.org",
            email_normalized=f"t{i}@x.org",
        )
        await make_user(
            f"twin{i}b",
            agencies={w["harbor"]: AccessLevel.FULL},
            email=f"T{i}@x.org",
            email_normalized=f"t{i}@x.org",
        )
    await compliance.sweep_shared_contacts(now=clock.now() - timedelta(hours=1), tz=TZ)
    assert await ComplianceCase.all().count() == 2 * n + 2
    token = await api.sign_in(w["admin"])
    log = log_statements(monkeypatch)
    data, statements = await log.during(api.ok(CASES, {"first": 100}, token))
    assert len(data["complianceCases"]["nodes"]) == 2 * n + 2
    # principal, count, page with users joined, findings: the same few for 4 or 62 cases
    assert len(statements) <= 8, statements
