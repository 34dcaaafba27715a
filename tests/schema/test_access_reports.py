"""Policy 212 end to end: the report is distributed, reviewed within a week, and unexpected
usage is escalated through levels 1-4 with deactivation only after the HDC's and the manager's
review."""

from __future__ import annotations

from datetime import timedelta

from models.enums import AccessLevel, Duty, SystemRole, UserStatus
from models.outbox import OutboxMessage
from models.users import User
from tests.factories import Api, make_agency, make_user

REPORT = """
query($a: ID!, $q: String!) {
  userAccessReport(agencyId: $a, quarter: $q) {
    agencyName quarter publishedAt reviewDueBy reviewOverdue
    users { username accessLevel duties recordsViewed flags { pattern reason } }
    reviews { reviewer notes actions reviewedAt }
    thresholds { increaseFactor viewsPerHour }
  }
}"""
PUBLISH = """mutation($q: String!) { publishUserAccessReport(input: {quarter: $q}) { quarter publishedAt } }"""
REVIEW = """
mutation($a: ID!, $q: String!) {
  recordAccessReview(input: {agencyId: $a, quarter: $q, notes: "Looked at every user.", actions: "None needed."}) { id reviewer }
}"""
OPEN = """
mutation($a: ID!, $u: ID!) {
  openAccessEscalation(input: {agencyId: $a, quarter: "2026Q1", userId: $u, findings: "50 records in an hour."}) { id level user }
}"""
ESCALATE = """
mutation($id: ID!, $level: Int!, $ticket: String) {
  escalateAccess(input: {escalationId: $id, level: $level, notes: "Still unclear.", ticketReference: $ticket}) { id level ticketReference }
}"""
ESCALATION_REVIEW = """
mutation($id: ID!, $who: EscalationReviewer!, $manager: String) {
  recordEscalationReview(input: {escalationId: $id, reviewer: $who, managerName: $manager}) { hdcReviewedAt managerName managerReviewedAt }
}"""
DEACTIVATE = """
mutation($id: ID!) {
  deactivateForInappropriateUse(input: {escalationId: $id, reason: "Browsing records without cause.", correctiveAction: "Written warning."}) { deactivatedAt level }
}"""
NOTIFY = """
mutation($id: ID!) { notifyDataStrategyBoard(input: {escalationId: $id, summary: "One user deactivated; retraining for the team."}) { level dsbNotifiedAt } }"""
SUMMARY = """
query($q: String!) {
  dataStrategyBoardAccessSummary(quarter: $q) {
    usersDeactivated reasons correctiveActions escalationsByLevel { level count } agenciesReviewed agenciesOverdue
  }
}"""


async def _world() -> dict:
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    return {
        "a": a,
        "b": b,
        "hdc": await make_user("hdc.a", duties={a: Duty.HMIS_DATA_COORDINATOR}),
        "asc": await make_user("asc.a", duties={a: Duty.AGENCY_SECURITY_COORDINATOR}),
        "worker": await make_user("worker.a", agencies={a: AccessLevel.FULL}),
        "hdc_b": await make_user("hdc.b", duties={b: Duty.HMIS_DATA_COORDINATOR}),
        "admin": await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,)),
        "lead": await make_user("lead", roles=(SystemRole.LEAD_AGENCY,)),
        "dsb": await make_user("dsb", roles=(SystemRole.DSB_MEMBER,)),
    }


async def test_the_report_is_for_administrators_of_the_agency_and_past_quarters(api: Api) -> None:
    w = await _world()
    a = str(w["a"].id)
    hdc = await api.sign_in(w["hdc"])
    report = (await api.ok(REPORT, {"a": a, "q": "2026Q1"}, hdc))["userAccessReport"]
    assert report["agencyName"] == "Agency A"
    assert {u["username"]: u["accessLevel"] for u in report["users"]} == {
        "asc.a": "FULL",
        "hdc.a": "FULL",
        "worker.a": "FULL",
    }
    assert report["thresholds"] == {"increaseFactor": 2.0, "viewsPerHour": 50}
    # a quarter not begun, another agency, a user with no administrative duty
    assert (await api.error(REPORT, {"a": a, "q": "2026Q2"}, hdc))["code"] == "VALIDATION"
    assert (await api.error(REPORT, {"a": a, "q": "2026Q1"}, await api.sign_in(w["hdc_b"])))[
        "code"
    ] == "FORBIDDEN"
    assert (await api.error(REPORT, {"a": a, "q": "2026Q1"}, await api.sign_in(w["worker"])))[
        "code"
    ] == "FORBIDDEN"
    # the System Administrator sees every agency's
    admin = await api.sign_in(w["admin"])
    assert (await api.ok(REPORT, {"a": str(w["b"].id), "q": "2026Q1"}, admin))["userAccessReport"][
        "agencyName"
    ] == "Agency B"


async def test_publishing_notifies_hdcs_and_security_coordinators_and_reviews_fall_due_in_a_week(
    api: Api,
) -> None:
    w = await _world()
    a = str(w["a"].id)
    admin = await api.sign_in(w["admin"])
    hdc = await api.sign_in(w["hdc"])
    assert (await api.error(PUBLISH, {"q": "2026Q1"}, hdc))["code"] == "FORBIDDEN"
    # when
    published = (await api.ok(PUBLISH, {"q": "2026Q1"}, admin))["publishUserAccessReport"]
    # then: one message per HDC and Security Coordinator, in the outbox
    messages = await OutboxMessage.all().prefetch_related("recipient")
    assert sorted(m.recipient.username for m in messages) == ["asc.a", "hdc.a", "hdc.b"]
    assert all(
        m.kind == "user_access_report.published" and m.delivered_at is None for m in messages
    )
    assert (await api.error(PUBLISH, {"q": "2026Q1"}, admin))["code"] == "CONFLICT"
    report = (await api.ok(REPORT, {"a": a, "q": "2026Q1"}, hdc))["userAccessReport"]
    assert report["publishedAt"] == published["publishedAt"]
    assert not report["reviewOverdue"]
    # a week passes: overdue
    api.clock.advance(timedelta(days=7, minutes=1))
    hdc = await api.sign_in(w["hdc"])
    assert (await api.ok(REPORT, {"a": a, "q": "2026Q1"}, hdc))["userAccessReport"]["reviewOverdue"]
    admin = await api.sign_in(w["admin"])
    assert (await api.ok(SUMMARY, {"q": "2026Q1"}, admin))["dataStrategyBoardAccessSummary"][
        "agenciesOverdue"
    ] == ["Agency A", "Agency B"]
    # the review is recorded: no longer overdue, and kept with reviewer and date
    await api.ok(REVIEW, {"a": a, "q": "2026Q1"}, hdc)
    report = (await api.ok(REPORT, {"a": a, "q": "2026Q1"}, hdc))["userAccessReport"]
    assert not report["reviewOverdue"]
    assert [(r["reviewer"], r["actions"]) for r in report["reviews"]] == [("hdc.a", "None needed.")]


async def test_only_the_agencys_hdc_or_security_coordinator_signs_a_review(api: Api) -> None:
    w = await _world()
    a = str(w["a"].id)
    for user in ("admin", "worker", "hdc_b", "lead"):
        token = await api.sign_in(w[user])
        assert (await api.error(REVIEW, {"a": a, "q": "2026Q1"}, token))["code"] == "FORBIDDEN", (
            user
        )
    assert (await api.ok(REVIEW, {"a": a, "q": "2026Q1"}, await api.sign_in(w["asc"])))[
        "recordAccessReview"
    ]["reviewer"] == "asc.a"
    assert (await api.error(REVIEW, {"a": a, "q": "2026Q3"}, await api.sign_in(w["hdc"])))[
        "code"
    ] == "VALIDATION"


async def test_escalation_runs_level_by_level_and_deactivation_waits_for_both_reviews(
    api: Api,
) -> None:
    w = await _world()
    hdc = await api.sign_in(w["hdc"])
    asc = await api.sign_in(w["asc"])
    admin = await api.sign_in(w["admin"])
    # level 1
    opened = (await api.ok(OPEN, {"a": str(w["a"].id), "u": str(w["worker"].id)}, hdc))[
        "openAccessEscalation"
    ]
    assert (opened["level"], opened["user"]) == (1, "worker.a")
    e = opened["id"]
    # levels are taken one at a time; level 2 needs its ticket
    assert (await api.error(ESCALATE, {"id": e, "level": 3}, hdc))["code"] == "CONFLICT"
    assert (await api.error(ESCALATE, {"id": e, "level": 2}, hdc))["field"] == "ticketReference"
    assert (await api.ok(ESCALATE, {"id": e, "level": 2, "ticket": "HD-1234"}, asc))[
        "escalateAccess"
    ]["level"] == 2
    assert (await api.error(ESCALATE, {"id": e, "level": 3}, await api.sign_in(w["hdc_b"])))[
        "code"
    ] == "FORBIDDEN"
    assert (await api.ok(ESCALATE, {"id": e, "level": 3}, hdc))["escalateAccess"]["level"] == 3
    # level 3: no deactivation before the HDC and the manager have reviewed
    assert (await api.error(DEACTIVATE, {"id": e}, admin))["code"] == "CONFLICT"
    assert (await api.error(ESCALATION_REVIEW, {"id": e, "who": "HDC"}, asc))["code"] == "FORBIDDEN"
    await api.ok(ESCALATION_REVIEW, {"id": e, "who": "HDC"}, hdc)
    assert (await api.error(DEACTIVATE, {"id": e}, admin))["code"] == "CONFLICT"
    await api.ok(ESCALATION_REVIEW, {"id": e, "who": "MANAGER", "manager": "Pat Manager"}, asc)
    assert (await api.error(DEACTIVATE, {"id": e}, hdc))["code"] == "FORBIDDEN"
    # level 4 only after a confirmed deactivation
    lead = await api.sign_in(w["lead"])
    assert (await api.error(NOTIFY, {"id": e}, lead))["code"] == "CONFLICT"
    deactivated = (await api.ok(DEACTIVATE, {"id": e}, admin))["deactivateForInappropriateUse"]
    assert deactivated["deactivatedAt"]
    assert (await User.get(id=w["worker"].id)).status == UserStatus.INACTIVE
    assert (await api.ok(NOTIFY, {"id": e}, lead))["notifyDataStrategyBoard"]["level"] == 4
    # the Board's quarterly summary
    summary = (await api.ok(SUMMARY, {"q": "2026Q1"}, await api.sign_in(w["dsb"])))[
        "dataStrategyBoardAccessSummary"
    ]
    assert summary["usersDeactivated"] == 1
    assert summary["reasons"] == ["Browsing records without cause."]
    assert summary["correctiveActions"] == [
        "Written warning.",
        "One user deactivated; retraining for the team.",
    ]
    assert summary["escalationsByLevel"] == [{"level": 4, "count": 1}]
    assert (await api.error(SUMMARY, {"q": "2026Q1"}, hdc))["code"] == "FORBIDDEN"
