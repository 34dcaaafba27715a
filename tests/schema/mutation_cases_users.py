"""The valid calls of tests/schema/mutation_cases.py, continued: users, access, training, the
User Access Report and compliance."""

from __future__ import annotations

from typing import Any

from models.access_reports import AccessEscalation
from models.enums import AccessLevel, SystemRole
from models.governance_rules import PendingRoleGrant
from models.users import User
from tests.factories import make_agency, make_user
from tests.schema.mutation_cases import REQUEST_ACCESS, Call, World, case

__all__: list[str] = []

# Users, access and training ----------------------------------------------------------------


def _vendor_user(w: World) -> dict[str, Any]:
    """A user the vendor has not sent before."""
    w.calls += 1
    n = w.calls
    return {
        "externalId": f"V-{n}",
        "username": f"ann.lee{n}",
        "email": f"ann.lee{n}@hartford.example.org",
        "mfaContact": f"(860) 555-{n:04d}",
        "firstName": "Ann",
        "lastName": "Lee",
        "status": "ACTIVE",
    }


@case("syncUser")
async def _sync_user(w: World) -> Call:
    return await w.token("admin"), {"input": _vendor_user(w)}


@case("syncUsers")
async def _sync_users(w: World) -> Call:
    return await w.token("admin"), {"input": [_vendor_user(w), _vendor_user(w)]}


@case("deactivateUser")
async def _deactivate_user(w: World) -> Call:
    await User.filter(id=w.member.id).update(external_id="V-9")
    return await w.token("admin"), {
        "input": {"externalId": "V-9", "reasonCode": "LEFT_AGENCY", "reason": "Left the agency."}
    }


@case("inviteUser")
async def _invite(w: World) -> Call:
    return await w.token("admin"), {"input": {"userId": str(w.member.id)}}


@case("grantSystemRole")
async def _grant_role(w: World) -> Call:
    return await w.token("admin"), {"input": {"userId": str(w.member.id), "role": "DSB_MEMBER"}}


@case("revokeSystemRole")
async def _revoke_role(w: World) -> Call:
    return await w.token("admin"), {"input": {"userId": str(w.member.id), "role": "DSB_MEMBER"}}


@case("requestAccess")
async def _request_access(w: World) -> Call:
    # a request is pending once per user and agency: someone new each time
    someone = await make_user(w.unique("someone").replace(" ", ""))
    return await w.token("hdc"), {
        "input": {
            "userId": str(someone.id),
            "agencyId": str(w.a.id),
            "level": "FULL",
            "reason": "Intake work.",
        }
    }


@case("requestAccessRemoval")
async def _request_removal(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {"userId": str(w.member.id), "agencyId": str(w.a.id), "reason": "Moved on."}
    }


async def _access_request(w: World) -> str:
    _, variables = await _request_access(w)
    data = await w.api.ok(REQUEST_ACCESS, variables, await w.token("hdc"))
    return str(data["requestAccess"]["id"])


@case("approveAccessRequest")
async def _approve_access(w: World) -> Call:
    request_id = await _access_request(w)
    return await w.token("admin"), {"input": {"requestId": request_id, "note": "Granted."}}


@case("denyAccessRequest")
async def _deny_access(w: World) -> Call:
    request_id = await _access_request(w)
    return await w.token("admin"), {"input": {"requestId": request_id, "note": "Not needed."}}


@case("assignDuty")
async def _assign_duty(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "userId": str(w.member.id),
            "agencyId": str(w.a.id),
            "duty": "AGENCY_SECURITY_COORDINATOR",
        }
    }


@case("designateAgencyCoordinators")
async def _designate_coordinators(w: World) -> Call:
    agency = await make_agency(w.unique("New agency"), certified=False)
    first = await make_user()
    return await w.token("admin"), {
        "input": {
            "agencyId": str(agency.id),
            "hmisDataCoordinatorId": str(first.id),
            "securityCoordinatorId": str(first.id),
            "accessLevel": "FULL",
            "authorizedBy": "Executive Director",
        }
    }


@case("removeDuty")
async def _remove_duty(w: World) -> Call:
    return await w.token("admin"), {
        "input": {"agencyId": str(w.b.id), "duty": "HMIS_DATA_COORDINATOR"}
    }


@case("recordTrainingCompletion")
async def _record_training(w: World) -> Call:
    await User.filter(id=w.member.id).update(external_id="V-9")
    return await w.token("admin"), {
        "input": {
            "externalId": "V-9",
            "courseCode": "PRIVACY-SECURITY",
            "completedOn": "2026-02-01",
        }
    }


@case("upsertTrainingCourse")
async def _upsert_course(w: World) -> Call:
    return await w.token("admin"), {
        "input": {"code": "HUD-REFRESHER", "title": "HUD refresher", "requiredFor": ["FULL"]}
    }


@case("assignCanBackboneStaff")
async def _assign_backbone(w: World) -> Call:
    return await w.token("admin"), {"input": {"userId": str(w.worker_b.id), "canId": str(w.can.id)}}


@case("removeCanBackboneStaff")
async def _remove_backbone(w: World) -> Call:
    return await w.token("admin"), {"input": {"userId": str(w.member.id), "canId": str(w.can.id)}}


# The User Access Report and compliance -------------------------------------------------------


@case("publishUserAccessReport")
async def _publish(w: World) -> Call:
    # each call a quarter further back: a quarter is published once
    year, quarter = divmod(2026 * 4 - w.calls, 4)
    w.calls += 1
    return await w.token("admin"), {"input": {"quarter": f"{year}Q{quarter + 1}"}}


@case("recordAccessReview")
async def _review(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {
            "agencyId": str(w.a.id),
            "quarter": "2026Q1",
            "notes": "Looked at every user.",
            "actions": "None needed.",
        }
    }


@case("openAccessEscalation")
async def _open(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {
            "agencyId": str(w.a.id),
            "quarter": "2026Q1",
            "userId": str(w.member.id),
            "findings": "Many records in an hour.",
        }
    }


@case("escalateAccess")
async def _escalate(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {
            "escalationId": await w.escalation(),
            "level": 2,
            "notes": "Still unclear.",
            "ticketReference": "HD-1234",
        }
    }


@case("recordEscalationReview")
async def _escalation_review(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {
            "escalationId": await w.escalation(level=3),
            "reviewer": "MANAGER",
            "managerName": "Pat Manager",
        }
    }


@case("deactivateForInappropriateUse")
async def _deactivate_for_misuse(w: World) -> Call:
    escalation_id = await w.escalation(level=3)
    now = w.api.clock.now()
    await AccessEscalation.filter(id=escalation_id).update(
        hdc_reviewed_at=now, manager_reviewed_at=now, manager_name="Pat Manager"
    )
    return await w.token("admin"), {
        "input": {
            "escalationId": escalation_id,
            "reason": "Browsing without cause.",
            "correctiveAction": "Written warning.",
        }
    }


@case("notifyDataStrategyBoard")
async def _notify(w: World) -> Call:
    escalation_id = await w.escalation(level=3)
    await AccessEscalation.filter(id=escalation_id).update(deactivated_at=w.api.clock.now())
    return await w.token("admin"), {
        "input": {
            "escalationId": escalation_id,
            "summary": "One user deactivated.",
        }
    }


@case("recordHelpdeskTicket")
async def _ticket(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "userId": str(w.member.id),
            "openedAt": "2026-03-01T15:00:00+00:00",
            "topic": "Password reset",
            "minutesSpent": 20,
            "systemPerformanceIssue": False,
            "externalRef": "HD-1",
        }
    }


@case("requestAgencyRetraining")
async def _retraining(w: World) -> Call:
    return await w.token("admin"), {
        "input": {"agencyId": str(w.a.id), "cocCode": "CT-503", "reason": "Low data quality."}
    }


@case("requestHudCsvExport")
async def _hud_export(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {
            "scope": f"agency:{w.a.id}",
            "startDate": "2025-10-01",
            "endDate": "2026-09-30",
            "hashed": False,
        }
    }


# governance rules (105, 401) ------------------------------------------------------


async def _pending(w: World) -> str:
    """A Lead Agency grant another System Administrator proposed, for the admin to decide."""
    proposer = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    grant = await PendingRoleGrant.create(
        user=await make_user(),
        role=SystemRole.LEAD_AGENCY,
        reason="Named by the Director.",
        proposed_by_id=proposer.id,
        proposed_at=w.api.clock.now(),
    )
    return str(grant.id)


@case("proposeSystemRoleGrant")
async def _propose_grant(w: World) -> Call:
    user = await make_user()
    return await w.token("admin"), {
        "input": {"userId": str(user.id), "role": "LEAD_AGENCY", "reason": "Named."}
    }


@case("confirmSystemRoleGrant")
async def _confirm_grant(w: World) -> Call:
    return await w.token("admin"), {"input": {"id": await _pending(w)}}


@case("withdrawSystemRoleGrant")
async def _withdraw_grant(w: World) -> Call:
    return await w.token("admin"), {"input": {"id": await _pending(w), "reason": "Not needed."}}


@case("signEndUserAgreement")
async def _sign_agreement(w: World) -> Call:
    user = await make_user(agencies={w.a: AccessLevel.FULL}, signed=False)
    return await w.api.sign_in(user), {"input": {"version": "2026-01"}}


@case("recordEndUserAgreementSignature")
async def _record_signature(w: World) -> Call:
    await User.filter(id=w.member.id).update(external_id="V-9")
    return await w.token("admin"), {
        "input": {"externalId": "V-9", "version": "2026-01", "signedOn": "2026-02-01"}
    }


@case("publishEndUserAgreement")
async def _publish_agreement(w: World) -> Call:
    # a System Administrator of their own each time: a published version binds every earlier one
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    return await w.api.sign_in(admin), {"input": {"version": w.unique("v"), "title": "Revised"}}
