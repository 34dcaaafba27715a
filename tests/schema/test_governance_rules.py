"""The governance contradictions closed (policies 105, 107, 110, 202, 212, 401), over HTTP: who names
system roles, training for system roles, deactivation with a reason code, the HDC keeping agency
and program information current, the Security Officer's oversight, the missing coordinators
flag, and the End User Agreement."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.enums import AccessLevel, DeactivationReason, Duty, SystemRole, UserStatus
from models.governance import Project
from models.governance_log import GovernanceEvent
from models.governance_rules import AgreementSignature
from models.users import SystemRoleGrant, User
from tests.factories import Api, make_agency, make_user

pytestmark = pytest.mark.usefixtures("app")

GRANT = """mutation($u: ID!, $r: SystemRole!, $why: String) {
  grantSystemRole(input: {userId: $u, role: $r, reason: $why}) { id }
}"""
REVOKE = """mutation($u: ID!, $r: SystemRole!) { revokeSystemRole(input: {userId: $u, role: $r}) { id } }"""
PROPOSE = """mutation($u: ID!) {
  proposeSystemRoleGrant(input: {userId: $u, role: LEAD_AGENCY, reason: "Named by the Director."}) {
    id status role proposedById
  }
}"""
CONFIRM = """mutation($id: ID!) {
  confirmSystemRoleGrant(input: {id: $id}) { id status decidedById user { username } }
}"""
PENDING = "query { pendingSystemRoleGrants { totalCount nodes { id role status } } }"


async def _roles(user: User) -> set[SystemRole]:
    return {SystemRole(g.role) for g in await SystemRoleGrant.filter(user_id=user.id)}


# --- policy 105: who names system roles -------------------------------------------------------


@pytest.mark.parametrize("role", [SystemRole.SECURITY_OFFICER, SystemRole.SYSTEM_ADMINISTRATOR])
async def test_the_lead_agency_names_the_security_officer_and_system_administrator(
    api: Api, role: SystemRole
) -> None:
    # given a System Administrator, the Lead Agency and a candidate
    admin = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    lead = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY,)))
    candidate = await make_user()
    # when the System Administrator tries to name them, it is refused
    refused = await api.error(GRANT, {"u": str(candidate.id), "r": role.value}, admin)
    assert refused["code"] == "FORBIDDEN"
    assert "Lead Agency names" in refused["message"]
    assert role not in await _roles(candidate)
    # when the Lead Agency names them, they hold it, and the log says who, what and why
    await api.ok(GRANT, {"u": str(candidate.id), "r": role.value, "why": "Appointed."}, lead)
    assert role in await _roles(candidate)
    row = await GovernanceEvent.get(action="system_role.grant", entity_id=str(candidate.id))
    assert row.after == {"role": role.value, "held": True}
    assert row.reason == "Appointed."
    assert row.actor_kind == "user"


async def test_nobody_grants_or_revokes_their_own_system_role(api: Api) -> None:
    lead_user = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    lead = await api.sign_in(lead_user)
    admin_user = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    admin = await api.sign_in(admin_user)
    # the Lead Agency may name a Security Officer, but not itself
    own = await api.error(GRANT, {"u": str(lead_user.id), "r": "SECURITY_OFFICER"}, lead)
    assert own["code"] == "FORBIDDEN"
    # the System Administrator grants DSB_MEMBER, but not to themself, nor revokes their own
    assert (await api.error(GRANT, {"u": str(admin_user.id), "r": "DSB_MEMBER"}, admin))[
        "code"
    ] == "FORBIDDEN"
    assert (await api.error(REVOKE, {"u": str(admin_user.id), "r": "SYSTEM_ADMINISTRATOR"}, admin))[
        "code"
    ] == "FORBIDDEN"
    assert await _roles(admin_user) == {SystemRole.SYSTEM_ADMINISTRATOR}
    assert await _roles(lead_user) == {SystemRole.LEAD_AGENCY}


async def test_granting_lead_agency_takes_a_second_person(api: Api) -> None:
    # given two System Administrators and a candidate
    first_user = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    first = await api.sign_in(first_user)
    second = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    candidate_user = await make_user()
    candidate = str(candidate_user.id)
    # a System Administrator can no longer make themself (or anyone) Lead Agency alone
    assert (await api.error(GRANT, {"u": str(first_user.id), "r": "LEAD_AGENCY"}, first))[
        "code"
    ] == "FORBIDDEN"
    alone = await api.error(GRANT, {"u": candidate, "r": "LEAD_AGENCY"}, first)
    assert alone["code"] == "VALIDATION"
    assert "second person" in alone["message"]
    # one proposes; the grant is pending, not held
    proposal = (await api.ok(PROPOSE, {"u": candidate}, first))["proposeSystemRoleGrant"]
    assert proposal["status"] == "PENDING"
    assert proposal["proposedById"] == str(first_user.id)
    assert SystemRole.LEAD_AGENCY not in await _roles(candidate_user)
    assert (await api.ok(PENDING, token=second))["pendingSystemRoleGrants"]["totalCount"] == 1
    # the proposer cannot confirm their own proposal
    assert (await api.error(CONFIRM, {"id": proposal["id"]}, first))["code"] == "FORBIDDEN"
    # the second person confirms: now it is held, and both halves are in the log
    confirmed = (await api.ok(CONFIRM, {"id": proposal["id"]}, second))["confirmSystemRoleGrant"]
    assert confirmed["status"] == "CONFIRMED"
    assert SystemRole.LEAD_AGENCY in await _roles(candidate_user)
    actions = [e.action for e in await GovernanceEvent.all().order_by("seq")]
    assert actions[-2:] == ["system_role.propose", "system_role.grant"]
    # decided once only
    assert (await api.error(CONFIRM, {"id": proposal["id"]}, second))["code"] == "CONFLICT"


async def test_the_grantee_cannot_confirm_their_own_lead_agency_grant(api: Api) -> None:
    first = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    grantee = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    proposal = (await api.ok(PROPOSE, {"u": str(grantee.id)}, first))["proposeSystemRoleGrant"]
    refused = await api.error(CONFIRM, {"id": proposal["id"]}, await api.sign_in(grantee))
    assert refused["code"] == "FORBIDDEN"
    assert SystemRole.LEAD_AGENCY not in await _roles(grantee)


# --- policy 110: training for system roles ----------------------------------------------------

COURSE = """mutation($r: [String!]!) {
  upsertTrainingCourse(input: {code: "SYSADMIN-101", title: "System Administration", requiredFor: $r}) {
    code requiredFor
  }
}"""
AGENCIES = "query { agencies { totalCount } }"


async def test_a_course_can_be_required_for_a_system_role_and_gates_it(api: Api) -> None:
    # given a course required for System Administrators
    admin = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    course = (await api.ok(COURSE, {"r": ["SYSTEM_ADMINISTRATOR"]}, admin))["upsertTrainingCourse"]
    assert course["requiredFor"] == ["SYSTEM_ADMINISTRATOR"]
    # when a System Administrator who has not completed it signs in
    newcomer = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,), trained=False)
    token = await api.sign_in(newcomer)
    # then every operation is refused, naming the course
    refused = await api.error(AGENCIES, token=token)
    assert refused["code"] == "FORBIDDEN"
    assert "SYSADMIN-101" in refused["missingTraining"]
    # and a Security Officer, whom it does not concern, goes on
    officer = await make_user(roles=(SystemRole.SECURITY_OFFICER,), trained=False)
    assert (await api.ok(AGENCIES, token=await api.sign_in(officer)))["agencies"]


# --- policies 107, 212: deactivation with a reason code ---------------------------------------

DEACTIVATE = """mutation($input: DeactivateUserInput!) {
  deactivateUser(input: $input) { status deactivationCode deactivationReason }
}"""
SYNC = """mutation($input: SyncUserInput!) {
  syncUser(input: $input) { user { status deactivationCode deactivationReason } }
}"""


async def test_deactivate_user_takes_a_reason_code_and_refuses_misuse(api: Api) -> None:
    admin = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    target = await make_user()
    # misuse only through policy 212's escalation: refused, the account stays active
    misuse = {"userId": str(target.id), "reasonCode": "MISUSE", "reason": "Snooping."}
    refused = await api.error(DEACTIVATE, {"input": misuse}, admin)
    assert refused["code"] == "FORBIDDEN"
    assert "policy 212" in refused["message"]
    for code in ("SHARED_CONTACT", "TRAINING_OVERDUE"):
        bad = await api.error(DEACTIVATE, {"input": {**misuse, "reasonCode": code}}, admin)
        assert bad["code"] == "VALIDATION"
    assert (await User.get(id=target.id)).status == UserStatus.ACTIVE
    # someone who left: deactivated, saying so
    left = {"userId": str(target.id), "reasonCode": "LEFT_AGENCY"}
    done = (await api.ok(DEACTIVATE, {"input": left}, admin))["deactivateUser"]
    assert done == {
        "status": "INACTIVE",
        "deactivationCode": "LEFT_AGENCY",
        "deactivationReason": "Left the agency (policy 107).",
    }
    row = await GovernanceEvent.get(action="user.deactivate")
    assert row.after == {"status": "INACTIVE", "deactivationCode": "LEFT_AGENCY"}


async def test_the_vendor_sync_deactivates_for_leaving_and_says_so(api: Api) -> None:
    vendor = await api.sign_in(await make_user(roles=(SystemRole.VENDOR_SYNC,)))
    ann = {"externalId": "v-1", "username": "ann", "email": "ann@hartford.example.org"}
    await api.ok(SYNC, {"input": ann}, vendor)
    gone = (await api.ok(SYNC, {"input": {**ann, "status": "INACTIVE"}}, vendor))["syncUser"]
    assert gone["user"]["status"] == "INACTIVE"
    assert gone["user"]["deactivationCode"] == DeactivationReason.LEFT_AGENCY.value
    assert "policy 107" in gone["user"]["deactivationReason"]
    actions = [e.action for e in await GovernanceEvent.all().order_by("seq")]
    assert actions == ["user.sync_create", "user.deactivate"]
    back = (await api.ok(SYNC, {"input": ann}, vendor))["syncUser"]["user"]
    assert (back["status"], back["deactivationCode"]) == ("ACTIVE", None)


# --- policy 107: the HDC keeps agency and program information current -------------------------

UPDATE_PROJECT = """mutation($id: ID!) {
  updateProject(input: {id: $id, name: "Night shelter (40 beds)"}) { name }
}"""
UPDATE_AGENCY = """mutation($input: UpdateAgencyInput!) {
  updateAgency(input: $input) { executiveDirectorEmail name }
}"""


async def _project(agency: Any) -> Project:
    return await Project.create(
        agency=agency,
        name="Night shelter",
        project_type=1,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )


async def test_the_hdc_updates_their_own_agencys_projects_only(api: Api) -> None:
    home, other = await make_agency(), await make_agency()
    mine, theirs = await _project(home), await _project(other)
    hdc = await api.sign_in(await make_user(duties={home: Duty.HMIS_DATA_COORDINATOR}))
    done = (await api.ok(UPDATE_PROJECT, {"id": str(mine.id)}, hdc))["updateProject"]
    assert done["name"] == "Night shelter (40 beds)"
    assert (await api.error(UPDATE_PROJECT, {"id": str(theirs.id)}, hdc))["code"] == "NOT_FOUND"
    row = await GovernanceEvent.get(action="project.update")
    assert (row.before, row.after) == (
        {"name": "Night shelter"},
        {"name": "Night shelter (40 beds)"},
    )
    # a case manager of the agency does not
    cm = await api.sign_in(await make_user(agencies={home: AccessLevel.FULL}))
    assert (await api.error(UPDATE_PROJECT, {"id": str(mine.id)}, cm))["code"] == "FORBIDDEN"


async def test_the_hdc_keeps_the_agencys_contact_information_current(api: Api) -> None:
    home, other = await make_agency("Harbor House"), await make_agency()
    hdc = await api.sign_in(await make_user(duties={home: Duty.HMIS_DATA_COORDINATOR}))
    contact = {"id": str(home.id), "executiveDirectorEmail": "ed@harbor.example.org"}
    done = (await api.ok(UPDATE_AGENCY, {"input": contact}, hdc))["updateAgency"]
    assert done["executiveDirectorEmail"] == "ed@harbor.example.org"
    renamed = await api.error(UPDATE_AGENCY, {"input": {**contact, "name": "Harbor"}}, hdc)
    assert renamed["code"] == "FORBIDDEN"
    elsewhere = await api.error(UPDATE_AGENCY, {"input": {**contact, "id": str(other.id)}}, hdc)
    assert elsewhere["code"] == "FORBIDDEN"


# --- policy 202: the Security Officer reads the User Access Report and the reviews ------------

REPORT = """query($a: ID!) {
  userAccessReport(agencyId: $a, quarter: "2026Q1") { agencyName reviews { notes } }
}"""
SUMMARY = """query { dataStrategyBoardAccessSummary(quarter: "2026Q1") { usersDeactivated } }"""


async def test_the_security_officer_reads_the_access_report_and_the_reviews(api: Api) -> None:
    agency = await make_agency("Harbor House")
    officer = await api.sign_in(await make_user(roles=(SystemRole.SECURITY_OFFICER,)))
    report = (await api.ok(REPORT, {"a": str(agency.id)}, officer))["userAccessReport"]
    assert report["agencyName"] == "Harbor House"
    assert (await api.ok(SUMMARY, token=officer))["dataStrategyBoardAccessSummary"] == {
        "usersDeactivated": 0
    }


# --- policies 106, 108, 210: one HDC and one Security Coordinator -----------------------------

MISSING = """query($id: ID!) { agency(id: $id) { missingDuties } }"""


async def test_an_agency_without_its_coordinators_is_flagged(api: Api) -> None:
    agency = await make_agency()
    admin = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    flagged = (await api.ok(MISSING, {"id": str(agency.id)}, admin))["agency"]["missingDuties"]
    assert flagged == ["HMIS_DATA_COORDINATOR", "AGENCY_SECURITY_COORDINATOR"]
    await make_user(duties={agency: Duty.HMIS_DATA_COORDINATOR})
    flagged = (await api.ok(MISSING, {"id": str(agency.id)}, admin))["agency"]["missingDuties"]
    assert flagged == ["AGENCY_SECURITY_COORDINATOR"]
    await make_user(duties={agency: Duty.AGENCY_SECURITY_COORDINATOR})
    assert (await api.ok(MISSING, {"id": str(agency.id)}, admin))["agency"]["missingDuties"] == []


# --- policy 401: the End User Agreement --------------------------------------------------------

ME = "query { me { endUserAgreement { signed signedOn current { version } } } }"
SIGN = """mutation($v: String!) { signEndUserAgreement(input: {version: $v}) { signedOn agreement { version } } }"""
RECORD = """mutation($input: RecordAgreementSignatureInput!) {
  recordEndUserAgreementSignature(input: $input) { signedOn agreement { version } }
}"""
PUBLISH = """mutation { publishEndUserAgreement(input: {version: "2027-01", title: "Revised"}) { version } }"""


async def test_nothing_before_the_end_user_agreement_is_signed(api: Api) -> None:
    # given a trained user who has not signed the agreement in force
    agency = await make_agency()
    user = await make_user(agencies={agency: AccessLevel.FULL}, signed=False)
    token = await api.sign_in(user)
    # then every operation is refused, naming the version
    refused = await api.error(AGENCIES, token=token)
    assert refused["code"] == "FORBIDDEN"
    assert refused["missingAgreement"] == "2026-01"
    status = (await api.ok(ME, token=token))["me"]["endUserAgreement"]
    assert status == {"signed": False, "signedOn": None, "current": {"version": "2026-01"}}
    # when they sign it, they go on, and the signature is dated and logged
    signed = (await api.ok(SIGN, {"v": "2026-01"}, token))["signEndUserAgreement"]
    assert signed == {"signedOn": "2026-03-02", "agreement": {"version": "2026-01"}}
    assert (await api.ok(AGENCIES, token=token))["agencies"]["totalCount"] == 1
    assert await GovernanceEvent.exists(action="agreement.sign", actor_id=user.id)


async def test_the_agreement_is_signed_after_the_training(api: Api) -> None:
    agency = await make_agency()
    user = await make_user(agencies={agency: AccessLevel.FULL}, signed=False, trained=False)
    token = await api.sign_in(user)
    refused = await api.error(SIGN, {"v": "2026-01"}, token)
    assert refused["code"] == "FORBIDDEN"
    assert refused["missingTraining"]
    assert not await AgreementSignature.exists(user_id=user.id)


async def test_the_lms_feed_records_signatures_and_a_new_version_is_signed_again(
    api: Api,
) -> None:
    # given the LMS feed and a user who signed in the LMS
    vendor = await api.sign_in(await make_user(roles=(SystemRole.VENDOR_SYNC,)))
    agency = await make_agency()
    user = await make_user(agencies={agency: AccessLevel.FULL}, signed=False, external_id="x-9")
    signature = {"externalId": "x-9", "version": "2026-01", "signedOn": "2026-02-01"}
    recorded = (await api.ok(RECORD, {"input": signature}, vendor))[
        "recordEndUserAgreementSignature"
    ]
    assert recorded["signedOn"] == "2026-02-01"
    token = await api.sign_in(user)
    assert (await api.ok(AGENCIES, token=token))["agencies"]["totalCount"] == 1
    # a future date and an unknown version are refused
    future = await api.error(RECORD, {"input": {**signature, "signedOn": "2027-01-01"}}, vendor)
    assert future["code"] == "VALIDATION"
    unknown = await api.error(RECORD, {"input": {**signature, "version": "1999"}}, vendor)
    assert unknown["code"] == "VALIDATION"
    # when the System Administrator publishes a new version, it must be signed before going on
    admin = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    await api.ok(PUBLISH, token=admin)
    assert (await api.error(AGENCIES, token=token))["missingAgreement"] == "2027-01"
    stale = await api.error(SIGN, {"v": "2026-01"}, token)
    assert stale["code"] == "CONFLICT"
    await api.ok(SIGN, {"v": "2027-01"}, token)
    assert (await api.ok(AGENCIES, token=token))["agencies"]["totalCount"] == 1


COORDINATOR_CASES = """query($a: ID) {
  complianceCases(agencyId: $a, kind: AGENCY_COORDINATORS) {
    nodes { kind status agencyId user { id } dueOn policy findings { rule description } }
  }
}"""


async def test_a_job_opens_a_case_for_an_agency_without_its_coordinators(api: Api) -> None:
    from datetime import timedelta

    from models.compliance import CaseStatus, ComplianceCase
    from models.outbox import OutboxMessage
    from services.caller import CONNECTICUT
    from services.compliance import sweep_agency_coordinators

    # given an agency with its HDC only, one with both, and a System Administrator
    lacking = await make_agency("Harbor House")
    complete = await make_agency("Bridge Street")
    await make_user(duties={lacking: Duty.HMIS_DATA_COORDINATOR})
    await make_user(duties={complete: Duty.HMIS_DATA_COORDINATOR})
    await make_user(duties={complete: Duty.AGENCY_SECURITY_COORDINATOR})
    admin_user = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    admin = await api.sign_in(admin_user)
    # when the job runs (twice: the second finds nothing new)
    now = api.clock.now()
    first = await sweep_agency_coordinators(now=now, tz=CONNECTICUT)
    again = await sweep_agency_coordinators(now=now, tz=CONNECTICUT)
    assert (first.opened, first.findings, again.opened, again.findings) == (1, 1, 0, 0)
    # then the lacking agency has one open case naming the missing coordinator, due in 30 days
    (case,) = (await api.ok(COORDINATOR_CASES, {"a": str(lacking.id)}, admin))["complianceCases"][
        "nodes"
    ]
    assert case["status"] == "OPEN"
    assert (case["agencyId"], case["user"]) == (str(lacking.id), None)
    assert case["dueOn"] == (now.astimezone(CONNECTICUT).date() + timedelta(days=30)).isoformat()
    assert [f["rule"] for f in case["findings"]] == ["NO_SECURITY_COORDINATOR"]
    assert "Harbor House has no Agency Security Coordinator" in case["findings"][0]["description"]
    none = await api.ok(COORDINATOR_CASES, {"a": str(complete.id)}, admin)
    assert none["complianceCases"]["nodes"] == []
    # and the System Administrator is told, once
    assert await OutboxMessage.filter(recipient_id=admin_user.id).count() == 1
    # when the due date passes, nobody's account is touched
    from services.compliance import enforce_deadlines

    await enforce_deadlines(now=now + timedelta(days=31), tz=CONNECTICUT)
    assert await ComplianceCase.filter(status=CaseStatus.OPEN).count() == 1
    # when a Security Coordinator is named, the next run closes the case
    await make_user(duties={lacking: Duty.AGENCY_SECURITY_COORDINATOR})
    closed = await sweep_agency_coordinators(now=now, tz=CONNECTICUT)
    assert closed.resolved == 1
    assert await ComplianceCase.filter(status=CaseStatus.RESOLVED).count() == 1
