"""Designation of Access (policies 107, 401) and agency duties over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from models.access import AccessRequest
from models.enums import AccessLevel, AccessRequestStatus, Duty, SystemRole
from models.governance import Agency
from models.users import Membership, User, UserDuty
from tests.factories import Api, make_agency, make_user

REQUEST_ACCESS = """
mutation($input: RequestAccessInput!) {
  requestAccess(input: $input) {
    id status kind accessLevel reason user { id } agency { id }
    requestedBy { username } decidedBy { username }
  }
}"""
REQUEST_REMOVAL = """
mutation($input: RequestAccessRemovalInput!) {
  requestAccessRemoval(input: $input) { id status kind accessLevel }
}"""
APPROVE = """
mutation($input: DecideAccessRequestInput!) {
  approveAccessRequest(input: $input) { id status decidedAt decisionNote decidedBy { username } }
}"""
DENY = """
mutation($input: DecideAccessRequestInput!) {
  denyAccessRequest(input: $input) { id status decidedAt decisionNote decidedBy { username } }
}"""
USER = """
query($id: ID!) {
  user(id: $id) { memberships { accessLevel agency { id } } duties { duty agency { id } } }
}"""
REQUESTS = """
query($status: AccessRequestStatus) {
  accessRequests(first: 100, status: $status) { totalCount nodes { id status agency { name } } }
}"""
AGENCIES = "query { agencies(first: 10) { nodes { id name } } }"
ASSIGN_DUTY = """
mutation($input: AssignDutyInput!) {
  assignDuty(input: $input) { duty user { username } agency { id } }
}"""
REMOVE_DUTY = (
    "mutation($agency: ID!, $duty: Duty!) { removeDuty(input: {agencyId: $agency, duty: $duty}) }"
)


async def signed_in(api: Api, **user: Any) -> str:
    return await api.sign_in(await make_user(**user))


async def grant(
    api: Api, token: str, user: User, agency: Agency, level: str = "FULL"
) -> dict[str, Any]:
    variables = {
        "input": {
            "userId": str(user.id),
            "agencyId": str(agency.id),
            "level": level,
            "reason": "Case manager",
        }
    }
    return (await api.ok(REQUEST_ACCESS, variables, token))["requestAccess"]


async def memberships(user: User) -> dict[uuid.UUID, AccessLevel]:
    return {m.agency_id: m.access_level for m in await Membership.filter(user_id=user.id)}  # type: ignore[attr-defined]


@pytest.fixture
async def agency() -> Agency:
    # The MOU grants FULL and VIEW_ONLY, not REPORTING_ONLY.
    return await make_agency("Hartford Shelter", levels=(AccessLevel.FULL, AccessLevel.VIEW_ONLY))


@pytest.fixture
async def admin(api: Api) -> str:
    return await signed_in(api, username="sysadmin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))


@pytest.fixture
async def hdc(api: Api, agency: Agency) -> str:
    return await signed_in(api, username="hdc", duties={agency: Duty.HMIS_DATA_COORDINATOR})


async def test_the_hdc_requests_and_the_administrator_approves(
    api: Api, agency: Agency, admin: str, hdc: str
) -> None:
    # given a trained user with no agency yet, signed in
    newcomer = await make_user()
    newcomer_token = await api.sign_in(newcomer)
    assert (await api.error(AGENCIES, {}, newcomer_token))["code"] == "FORBIDDEN"

    # when the agency's HDC requests VIEW_ONLY access for them
    request = await grant(api, hdc, newcomer, agency, "VIEW_ONLY")

    # then the request is pending and changes nothing yet
    assert request["status"] == "PENDING"
    assert request["kind"] == "GRANT"
    assert request["accessLevel"] == "VIEW_ONLY"
    assert request["requestedBy"] == {"username": "hdc"}
    assert request["decidedBy"] is None
    assert await memberships(newcomer) == {}

    # when the System Administrator approves it
    approved = (
        await api.ok(APPROVE, {"input": {"requestId": request["id"], "note": "OK per MOU"}}, admin)
    )["approveAccessRequest"]

    # then the user holds the membership, visible in the API and to casbin (same token)
    assert approved["status"] == "APPROVED"
    assert approved["decidedBy"] == {"username": "sysadmin"}
    assert approved["decisionNote"] == "OK per MOU"
    assert approved["decidedAt"] is not None
    shown = (await api.ok(USER, {"id": str(newcomer.id)}, admin))["user"]
    assert shown["memberships"] == [{"accessLevel": "VIEW_ONLY", "agency": {"id": str(agency.id)}}]
    assert (await api.ok(AGENCIES, {}, newcomer_token))["agencies"]["nodes"] == [
        {"id": str(agency.id), "name": "Hartford Shelter"}
    ]


async def test_approval_changes_an_existing_level(
    api: Api, agency: Agency, admin: str, hdc: str
) -> None:
    member = await make_user(agencies={agency: AccessLevel.FULL})

    request = await grant(api, hdc, member, agency, "VIEW_ONLY")
    await api.ok(APPROVE, {"input": {"requestId": request["id"]}}, admin)

    assert await memberships(member) == {agency.id: AccessLevel.VIEW_ONLY}


async def test_a_level_the_mou_does_not_grant_is_refused(
    api: Api, agency: Agency, hdc: str
) -> None:
    newcomer = await make_user()

    error = await api.error(
        REQUEST_ACCESS,
        {
            "input": {
                "userId": str(newcomer.id),
                "agencyId": str(agency.id),
                "level": "REPORTING_ONLY",
            }
        },
        hdc,
    )

    assert (error["code"], error["field"]) == ("VALIDATION", "level")
    assert "MOU" in error["message"]
    assert await AccessRequest.all().count() == 0


async def test_a_second_pending_request_for_the_same_user_conflicts(
    api: Api, agency: Agency, hdc: str
) -> None:
    newcomer = await make_user()
    await grant(api, hdc, newcomer, agency)

    error = await api.error(
        REQUEST_ACCESS,
        {"input": {"userId": str(newcomer.id), "agencyId": str(agency.id), "level": "VIEW_ONLY"}},
        hdc,
    )

    assert error["code"] == "CONFLICT"
    assert await AccessRequest.filter(user_id=newcomer.id).count() == 1


async def test_no_one_approves_their_own_request(api: Api, agency: Agency) -> None:
    # given an HDC who is also a System Administrator, and their request
    both = await signed_in(
        api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,), duties={agency: Duty.HMIS_DATA_COORDINATOR}
    )
    newcomer = await make_user()
    request = await grant(api, both, newcomer, agency)

    # when they approve it themselves, or deny it
    approve = await api.error(APPROVE, {"input": {"requestId": request["id"]}}, both)
    deny = await api.error(DENY, {"input": {"requestId": request["id"]}}, both)

    # then FORBIDDEN, and nothing changed
    assert approve["code"] == deny["code"] == "FORBIDDEN"
    assert (await AccessRequest.get(id=request["id"])).status == AccessRequestStatus.PENDING
    assert await memberships(newcomer) == {}


async def test_no_one_approves_a_request_about_themselves(
    api: Api, agency: Agency, hdc: str
) -> None:
    # given a System Administrator for whom the HDC requests agency access
    admin_user = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    token = await api.sign_in(admin_user)
    request = await grant(api, hdc, admin_user, agency)

    error = await api.error(APPROVE, {"input": {"requestId": request["id"]}}, token)

    assert error["code"] == "FORBIDDEN"
    assert await memberships(admin_user) == {}


@pytest.mark.parametrize(
    ("first", "second"), [(APPROVE, APPROVE), (APPROVE, DENY), (DENY, APPROVE), (DENY, DENY)]
)
async def test_a_request_is_decided_once(
    api: Api, agency: Agency, admin: str, hdc: str, first: str, second: str
) -> None:
    newcomer = await make_user()
    request = await grant(api, hdc, newcomer, agency)
    await api.ok(first, {"input": {"requestId": request["id"]}}, admin)
    after_first = await memberships(newcomer)

    error = await api.error(second, {"input": {"requestId": request["id"]}}, admin)

    assert error["code"] == "CONFLICT"
    assert await memberships(newcomer) == after_first


async def test_a_user_deactivated_while_pending_is_not_granted(
    api: Api, agency: Agency, admin: str, hdc: str
) -> None:
    # given a pending request for a user the vendor has since deactivated
    newcomer = await make_user()
    request = await grant(api, hdc, newcomer, agency)
    await User.filter(id=newcomer.id).update(status="INACTIVE")

    # when the administrator approves it
    error = await api.error(APPROVE, {"input": {"requestId": request["id"]}}, admin)

    # then VALIDATION, no membership, and the request may still be denied
    assert error["code"] == "VALIDATION"
    assert await memberships(newcomer) == {}
    assert (await api.ok(DENY, {"input": {"requestId": request["id"]}}, admin))[
        "denyAccessRequest"
    ]["status"] == "DENIED"


async def test_removal_takes_the_membership_and_its_duties(
    api: Api, agency: Agency, admin: str, hdc: str
) -> None:
    # given a member who is also the agency's Security Coordinator, signed in
    member = await make_user(duties={agency: Duty.AGENCY_SECURITY_COORDINATOR})
    member_token = await api.sign_in(member)
    await api.ok(AGENCIES, {}, member_token)

    # when the HDC asks for removal and the System Administrator approves
    request = (
        await api.ok(
            REQUEST_REMOVAL,
            {"input": {"userId": str(member.id), "agencyId": str(agency.id), "reason": "Left"}},
            hdc,
        )
    )["requestAccessRemoval"]
    assert (request["status"], request["kind"], request["accessLevel"]) == (
        "PENDING",
        "REMOVE",
        None,
    )
    await api.ok(APPROVE, {"input": {"requestId": request["id"]}}, admin)

    # then the membership and the duty are gone, and so is the access
    shown = (await api.ok(USER, {"id": str(member.id)}, admin))["user"]
    assert shown == {"memberships": [], "duties": []}
    assert not await UserDuty.filter(user_id=member.id).exists()
    assert (await api.error(AGENCIES, {}, member_token))["code"] == "FORBIDDEN"


async def test_removal_of_a_non_member_is_refused(api: Api, agency: Agency, hdc: str) -> None:
    stranger = await make_user()

    error = await api.error(
        REQUEST_REMOVAL, {"input": {"userId": str(stranger.id), "agencyId": str(agency.id)}}, hdc
    )

    assert (error["code"], error["field"]) == ("VALIDATION", "userId")


async def test_denial_leaves_memberships_unchanged(
    api: Api, agency: Agency, admin: str, hdc: str
) -> None:
    member = await make_user(agencies={agency: AccessLevel.FULL})
    newcomer = await make_user()
    change = await grant(api, hdc, member, agency, "VIEW_ONLY")
    new = await grant(api, hdc, newcomer, agency, "FULL")

    denied = [
        (await api.ok(DENY, {"input": {"requestId": r["id"], "note": "Not needed"}}, admin))[
            "denyAccessRequest"
        ]
        for r in (change, new)
    ]

    assert [d["status"] for d in denied] == ["DENIED", "DENIED"]
    assert await memberships(member) == {agency.id: AccessLevel.FULL}
    assert await memberships(newcomer) == {}


async def test_the_security_coordinator_may_request_too(api: Api, agency: Agency) -> None:
    coordinator = await signed_in(api, duties={agency: Duty.AGENCY_SECURITY_COORDINATOR})
    newcomer = await make_user()

    request = await grant(api, coordinator, newcomer, agency)

    assert request["status"] == "PENDING"


@pytest.mark.parametrize(
    "holding",
    [
        pytest.param("full", id="full-licensed-user"),
        pytest.param("other-hdc", id="hdc-of-another-agency"),
        pytest.param("admin", id="system-administrator"),
    ],
)
async def test_others_may_not_request(api: Api, agency: Agency, holding: str) -> None:
    # given a caller who is not this agency's HDC or Security Coordinator
    if holding == "full":
        token = await signed_in(api, agencies={agency: AccessLevel.FULL})
    elif holding == "other-hdc":
        token = await signed_in(
            api, duties={await make_agency("Elsewhere"): Duty.HMIS_DATA_COORDINATOR}
        )
    else:
        token = await signed_in(api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    newcomer = await make_user()

    # when they request access at this agency
    error = await api.error(
        REQUEST_ACCESS,
        {"input": {"userId": str(newcomer.id), "agencyId": str(agency.id), "level": "FULL"}},
        token,
    )

    # then FORBIDDEN, and no request exists
    assert error["code"] == "FORBIDDEN"
    assert await AccessRequest.all().count() == 0


async def test_the_hdc_may_not_decide(api: Api, agency: Agency, hdc: str) -> None:
    newcomer = await make_user()
    request = await grant(api, hdc, newcomer, agency)

    error = await api.error(APPROVE, {"input": {"requestId": request["id"]}}, hdc)

    assert error["code"] == "FORBIDDEN"
    assert await memberships(newcomer) == {}


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"userId": "x"}, "VALIDATION", "userId"),
        ({"userId": str(uuid.UUID(int=9))}, "NOT_FOUND", "userId"),
        ({"agencyId": "x"}, "VALIDATION", "agencyId"),
        ({"agencyId": str(uuid.UUID(int=9))}, "FORBIDDEN", None),
    ],
)
async def test_bad_request_input(
    api: Api, agency: Agency, hdc: str, variables: dict[str, Any], code: str, field: str | None
) -> None:
    newcomer = await make_user()
    base = {"userId": str(newcomer.id), "agencyId": str(agency.id), "level": "FULL"}

    error = await api.error(REQUEST_ACCESS, {"input": {**base, **variables}}, hdc)

    assert (error["code"], error.get("field")) == (code, field)
    assert await AccessRequest.all().count() == 0


@pytest.mark.parametrize(
    ("request_id", "code"), [("x", "VALIDATION"), (str(uuid.UUID(int=9)), "NOT_FOUND")]
)
async def test_deciding_a_bad_request_id(api: Api, admin: str, request_id: str, code: str) -> None:
    error = await api.error(APPROVE, {"input": {"requestId": request_id}}, admin)

    assert (error["code"], error["field"]) == (code, "requestId")


async def test_access_requests_are_listed_for_the_agency_only(
    api: Api, agency: Agency, admin: str, hdc: str
) -> None:
    other = await make_agency("Elsewhere")
    other_hdc = await signed_in(api, duties={other: Duty.HMIS_DATA_COORDINATOR})
    await grant(api, hdc, await make_user(), agency)
    await grant(api, other_hdc, await make_user(), other)

    mine = (await api.ok(REQUESTS, {}, hdc))["accessRequests"]
    everything = (await api.ok(REQUESTS, {"status": "PENDING"}, admin))["accessRequests"]

    assert [n["agency"]["name"] for n in mine["nodes"]] == ["Hartford Shelter"]
    assert everything["totalCount"] == 2


# --- duties -------------------------------------------------------------------------------------


async def test_one_hdc_per_agency(api: Api, agency: Agency, admin: str) -> None:
    # given two members of an agency with no HDC, and a user of another agency
    first = await make_user(username="first", agencies={agency: AccessLevel.FULL})
    second = await make_user(username="second", agencies={agency: AccessLevel.FULL})
    outsider = await make_user(agencies={await make_agency("Elsewhere"): AccessLevel.FULL})

    def duty_for(user: User) -> dict[str, Any]:
        return {
            "input": {
                "userId": str(user.id),
                "agencyId": str(agency.id),
                "duty": "HMIS_DATA_COORDINATOR",
            }
        }

    # when the first is made HDC
    assigned = (await api.ok(ASSIGN_DUTY, duty_for(first), admin))["assignDuty"]
    assert assigned == {
        "duty": "HMIS_DATA_COORDINATOR",
        "user": {"username": "first"},
        "agency": {"id": str(agency.id)},
    }

    # then a second HDC for the agency conflicts, and a non-member cannot hold the duty
    conflict = await api.error(ASSIGN_DUTY, duty_for(second), admin)
    assert (conflict["code"], conflict["field"]) == ("CONFLICT", "duty")
    outside = await api.error(ASSIGN_DUTY, duty_for(outsider), admin)
    assert (outside["code"], outside["field"]) == ("VALIDATION", "userId")
    holders = await UserDuty.filter(agency_id=agency.id).values_list("user_id", flat=True)
    assert holders == [first.id]

    # when the duty is removed, the second may take it
    assert (
        await api.ok(
            REMOVE_DUTY, {"agency": str(agency.id), "duty": "HMIS_DATA_COORDINATOR"}, admin
        )
    )["removeDuty"] is True
    await api.ok(ASSIGN_DUTY, duty_for(second), admin)
    holders = await UserDuty.filter(agency_id=agency.id).values_list("user_id", flat=True)
    assert holders == [second.id]


async def test_a_new_hdc_may_request_access_at_once(api: Api, agency: Agency, admin: str) -> None:
    # given a member, signed in, who may not request access yet
    member = await make_user(agencies={agency: AccessLevel.FULL})
    token = await api.sign_in(member)
    newcomer = await make_user()
    variables = {"input": {"userId": str(newcomer.id), "agencyId": str(agency.id), "level": "FULL"}}
    assert (await api.error(REQUEST_ACCESS, variables, token))["code"] == "FORBIDDEN"

    # when they are made HDC
    await api.ok(
        ASSIGN_DUTY,
        {
            "input": {
                "userId": str(member.id),
                "agencyId": str(agency.id),
                "duty": "HMIS_DATA_COORDINATOR",
            }
        },
        admin,
    )

    # then the same token may request (the enforcer was reloaded)
    assert (await api.ok(REQUEST_ACCESS, variables, token))["requestAccess"]["status"] == "PENDING"


async def test_removing_a_duty_no_one_holds_says_false(
    api: Api, agency: Agency, admin: str
) -> None:
    data = await api.ok(
        REMOVE_DUTY, {"agency": str(agency.id), "duty": "AGENCY_SECURITY_COORDINATOR"}, admin
    )

    assert data["removeDuty"] is False


@pytest.mark.parametrize("holding", ["hdc", "lead"])
async def test_only_the_administrator_assigns_duties(
    api: Api, agency: Agency, holding: str
) -> None:
    member = await make_user(agencies={agency: AccessLevel.FULL})
    if holding == "hdc":
        token = await signed_in(api, duties={agency: Duty.HMIS_DATA_COORDINATOR})
    else:
        token = await signed_in(api, roles=(SystemRole.LEAD_AGENCY,))

    error = await api.error(
        ASSIGN_DUTY,
        {
            "input": {
                "userId": str(member.id),
                "agencyId": str(agency.id),
                "duty": "AGENCY_SECURITY_COORDINATOR",
            }
        },
        token,
    )

    assert error["code"] == "FORBIDDEN"
    assert not await UserDuty.filter(user_id=member.id).exists()
