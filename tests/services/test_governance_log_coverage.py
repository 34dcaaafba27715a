"""Every kind of administrative write lands in the governance log ("administrative
actions leave no trace"), and the Security Officer reads each of them in ``governanceLog``."""

from __future__ import annotations

from datetime import date

import pytest

from models.enums import (
    AccessLevel,
    AccessRequestKind,
    DeactivationReason,
    Duty,
    ServiceRole,
    SystemRole,
)
from models.governance import Agency
from services import (
    access,
    access_reviews,
    agencies,
    agreements,
    can_staff,
    onboarding,
    service_accounts,
    training,
    user_sync,
    users,
)
from services.access_reports import Quarter, publish_user_access_report
from services.auth import AuthPolicy
from services.caller import Caller
from tests.factories import Api, make_agency, make_user
from tests.services.support import caller_of, decisions_for

pytestmark = pytest.mark.usefixtures("app")

LOG = """query($after: String) {
  governanceLog(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { action actorKind entityType before after }
  }
}"""

EXPECTED = {
    "agency.create",
    "agency.update",
    "mou.record",
    "can.create",
    "project.create",
    "project.update",
    "access_request.request",
    "access_request.approve",
    "access_request.deny",
    "duty.assign",
    "duty.remove",
    "duty.designate",
    "membership.designate",
    "system_role.grant",
    "system_role.revoke",
    "user.deactivate",
    "user.invite",
    "user.sync_create",
    "user.sync_update",
    "service_account.create",
    "service_account.rotate",
    "service_account.revoke",
    "training_course.upsert",
    "training.record",
    "can_staff.assign",
    "can_staff.remove",
    "access_report.publish",
    "access_review.record",
    "escalation.open",
    "escalation.raise",
    "agreement.publish",
    "agreement.record",
}


async def _as(user: object) -> Caller:
    return caller_of(await decisions_for(user))  # type: ignore[arg-type]


async def test_every_kind_of_administrative_write_is_in_the_governance_log(api: Api) -> None:
    # given the System Administrator, the Lead Agency and an agency's HDC
    admin = await _as(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    lead = await _as(await make_user(roles=(SystemRole.LEAD_AGENCY,)))
    home = await make_agency("Harbor House")
    hdc = await _as(await make_user(duties={home: Duty.HMIS_DATA_COORDINATOR}))
    worker = await make_user(agencies={home: AccessLevel.FULL})
    # agencies, MOUs, CANs and projects
    agency: Agency = await agencies.create_agency(
        caller=lead, data={"name": "Bridge Street", "coc_code": "CT-503"}
    )
    await agencies.update_agency(caller=lead, agency_id=agency.id, changes={"common_name": "BSS"})
    await agencies.record_mou(
        caller=lead,
        agency_id=agency.id,
        signed_on=date(2026, 2, 1),
        signed_by="Executive Director",
        access_levels=[AccessLevel.FULL],
    )
    can = await agencies.create_can(
        caller=lead, name="Greater Hartford", coc_code="CT-503", backbone_agency_id=home.id
    )
    project = await agencies.create_project(
        caller=lead,
        agency_id=home.id,
        data={"name": "Shelter", "project_type": 1, "operating_start_date": date(2020, 1, 1)},
    )
    await agencies.update_project(caller=hdc, project_id=project.id, changes={"name": "Shelter 2"})
    # access requests and duties
    grant = await access.request_access(
        caller=hdc,
        user_id=worker.id,
        agency_id=home.id,
        kind=AccessRequestKind.GRANT,
        level=AccessLevel.VIEW_ONLY,
        reason="Designation of Access",
    )
    await access.decide_access_request(caller=admin, request_id=grant.id, approve=True, note=None)
    again = await access.request_access(
        caller=hdc,
        user_id=worker.id,
        agency_id=home.id,
        kind=AccessRequestKind.GRANT,
        level=AccessLevel.FULL,
        reason=None,
    )
    await access.decide_access_request(caller=admin, request_id=again.id, approve=False, note="No")
    await access.assign_duty(
        caller=admin, user_id=worker.id, agency_id=home.id, duty=Duty.AGENCY_SECURITY_COORDINATOR
    )
    await access.remove_duty(caller=admin, agency_id=home.id, duty=Duty.AGENCY_SECURITY_COORDINATOR)
    first = await make_user()
    await onboarding.designate_agency_coordinators(
        caller=admin,
        agency_id=agency.id,
        hmis_data_coordinator_id=first.id,
        security_coordinator_id=None,
        access_level=AccessLevel.FULL,
        authorized_by="Executive Director",
    )
    # system roles, invitations, the vendor sync and deactivation
    member = await make_user()
    await users.grant_system_role(caller=admin, user_id=member.id, role=SystemRole.DSB_MEMBER)
    await users.revoke_system_role(caller=admin, user_id=member.id, role=SystemRole.DSB_MEMBER)
    await users.invite_user(caller=admin, user_id=member.id, policy=AuthPolicy())
    data = user_sync.UserData(external_id="v-1", username="ann", email="ann@h.example.org")
    await user_sync.sync_user(caller=admin, data=data)
    await user_sync.sync_user(
        caller=admin,
        data=user_sync.UserData(external_id="v-1", username="ann", email="ann@j.example.org"),
    )
    await users.deactivate_user(
        caller=admin, user_id=member.id, code=DeactivationReason.ACCESS_NO_LONGER_NEEDED
    )
    # service accounts
    issued = await service_accounts.create_service_account(
        caller=admin, name="Vendor sync", role=ServiceRole.VENDOR_SYNC, can_id=None
    )
    await service_accounts.rotate_secret(caller=admin, account_id=issued.account.id)
    await service_accounts.revoke_service_account(
        caller=admin, account_id=issued.account.id, reason="Replaced."
    )
    # training, CAN backbone staff, the User Access Report and its review
    await training.upsert_course(
        caller=admin, code="SYSADMIN-101", title="Administration", required_for=[]
    )
    await training.record_completion(
        caller=admin,
        user_id=worker.id,
        external_id=None,
        course_code="SYSADMIN-101",
        completed_on=date(2026, 2, 1),
    )
    await can_staff.assign_can_staff(caller=admin, user_id=worker.id, can_id=can.id)
    await can_staff.remove_can_staff(caller=admin, user_id=worker.id, can_id=can.id)
    quarter = Quarter(2025, 4)
    await publish_user_access_report(caller=admin, quarter=quarter)
    await access_reviews.record_access_review(
        caller=hdc, agency_id=home.id, quarter=quarter, notes="Looked.", actions=None
    )
    escalation = await access_reviews.open_escalation(
        caller=hdc, agency_id=home.id, quarter=quarter, user_id=worker.id, findings="Odd hours."
    )
    await access_reviews.escalate(
        caller=hdc, escalation_id=escalation.id, level=2, notes="Verify.", ticket_reference="T-1"
    )
    # the End User Agreement
    await agreements.publish_agreement(caller=admin, version="2027-01", title="Revised")
    await agreements.record_signature(
        caller=admin,
        user_id=worker.id,
        external_id=None,
        version="2027-01",
        signed_on=date(2026, 3, 1),
    )

    # when the Security Officer reads the log, page by page
    token = await api.sign_in(await make_user(roles=(SystemRole.SECURITY_OFFICER,)))
    seen: list[dict[str, object]] = []
    after = None
    while True:
        page = (await api.ok(LOG, {"after": after}, token))["governanceLog"]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then every kind of write is there, each by a person
    actions = {str(n["action"]) for n in seen}
    assert EXPECTED <= actions, sorted(EXPECTED - actions)
    assert {n["actorKind"] for n in seen} == {"user"}
    # and no value of the vendor sync's update is in it: which fields changed, not to what
    update = next(n for n in seen if n["action"] == "user.sync_update")
    assert update["after"] == {"changed": ["email"]}
