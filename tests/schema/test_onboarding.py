"""A new agency's first coordinators (policies 101, 105-108): designateAgencyCoordinators over
HTTP, its rules, and what it leaves in the governance log (tests/test_readme_walk.py: the whole
set-up from an empty database)."""

from __future__ import annotations

from typing import Any

import pytest

from models.certification import AgencyCase, AgencyCaseKind
from models.enums import AccessLevel, Duty, SystemRole, UserStatus
from models.governance import Agency
from models.governance_log import GovernanceEvent
from models.users import Membership, User, UserDuty
from tests.factories import Api, make_agency, make_user

DESIGNATE = """
mutation($input: DesignateAgencyCoordinatorsInput!) {
  designateAgencyCoordinators(input: $input) {
    agency { id missingDuties }
    duties { duty user { username } }
  }
}"""
REQUEST_ACCESS = """
mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id status } }"""


def _input(agency: Agency, hdc: User | None, asc: User | None, **more: Any) -> dict[str, Any]:
    return {
        "input": {
            "agencyId": str(agency.id),
            "hmisDataCoordinatorId": str(hdc.id) if hdc else None,
            "securityCoordinatorId": str(asc.id) if asc else None,
            "authorizedBy": "Dana Fox, Executive Director",
            **more,
        }
    }


@pytest.fixture
async def admin(api: Api) -> str:
    return await api.sign_in(await make_user("sysadmin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))


async def test_the_first_coordinators_are_licensed_and_then_file_designations(
    api: Api, admin: str
) -> None:
    # given a new agency with a signed MOU, and two users without access anywhere
    agency = await make_agency("Harbor House", certified=False)
    ann, ben, cam = await make_user("ann"), await make_user("ben"), await make_user("cam")
    # when the System Administrator designates them
    done = (await api.ok(DESIGNATE, _input(agency, ann, ben, accessLevel="VIEW_ONLY"), admin))[
        "designateAgencyCoordinators"
    ]
    # then they are the agency's coordinators, licensed there at the level given (policy 107)
    assert done["agency"]["missingDuties"] == []
    assert {(d["duty"], d["user"]["username"]) for d in done["duties"]} == {
        ("HMIS_DATA_COORDINATOR", "ann"),
        ("AGENCY_SECURITY_COORDINATOR", "ben"),
    }
    levels = await Membership.filter(agency=agency).values_list("user__username", "access_level")
    assert sorted(levels) == [("ann", AccessLevel.VIEW_ONLY), ("ben", AccessLevel.VIEW_ONLY)]
    # and the governance log names who authorised it, the Security Officer's file learns of the
    # new Security Coordinator (policy 108)
    events = await GovernanceEvent.filter(agency_id=agency.id)
    actions = sorted(e.action for e in events)
    assert actions.count("membership.designate") == 2
    assert actions.count("duty.designate") == 2
    assert all(
        e.reason == "Authorised by Dana Fox, Executive Director."
        for e in events
        if "designate" in e.action
    )
    assert await AgencyCase.exists(agency=agency, kind=AgencyCaseKind.COORDINATOR_CHANGE)
    # and the HDC now files a Designation of Access, as every agency's HDC does
    hdc = await api.sign_in(await User.get(username="ann"))
    request = {"userId": str(cam.id), "agencyId": str(agency.id), "level": "FULL"}
    assert (await api.ok(REQUEST_ACCESS, {"input": request}, hdc))["requestAccess"]["status"] == (
        "PENDING"
    )
    # and the bootstrap is closed: a second designation is a CONFLICT
    again = await api.error(DESIGNATE, _input(agency, cam, None), admin)
    assert (again["code"], again["field"]) == ("CONFLICT", "agencyId")


async def test_one_person_may_hold_both_duties(api: Api, admin: str) -> None:
    agency = await make_agency(certified=False)
    ann = await make_user("ann")
    await api.ok(DESIGNATE, _input(agency, ann, ann), admin)
    assert sorted(
        await UserDuty.filter(agency=agency, user=ann).values_list("duty", flat=True)
    ) == [
        Duty.AGENCY_SECURITY_COORDINATOR,
        Duty.HMIS_DATA_COORDINATOR,
    ]
    assert await Membership.filter(agency=agency).count() == 1


async def test_an_agency_with_one_coordinator_is_not_onboarded_again(api: Api, admin: str) -> None:
    # the Security Coordinator alone can already file Designations of Access
    agency = await make_agency()
    await make_user(duties={agency: Duty.AGENCY_SECURITY_COORDINATOR})
    refused = await api.error(DESIGNATE, _input(agency, await make_user(), None), admin)
    assert (refused["code"], refused["field"]) == ("CONFLICT", "agencyId")


@pytest.mark.parametrize(
    ("case", "code", "field"),
    [
        ("no MOU", "VALIDATION", "agencyId"),
        ("level not in the MOU", "VALIDATION", "accessLevel"),
        ("nobody named", "VALIDATION", "hmisDataCoordinatorId"),
        ("inactive user", "VALIDATION", "securityCoordinatorId"),
        ("unknown user", "NOT_FOUND", "hmisDataCoordinatorId"),
        ("no one who authorised it", "VALIDATION", "authorizedBy"),
        ("unknown agency", "NOT_FOUND", "agencyId"),
    ],
)
async def test_refusals_leave_nothing_behind(
    api: Api, admin: str, case: str, code: str, field: str
) -> None:
    agency = await make_agency(
        mou=case != "no MOU", levels=(AccessLevel.VIEW_ONLY,), certified=False
    )
    ann = await make_user("ann")
    gone = await make_user("gone", status=UserStatus.INACTIVE)
    variables = _input(agency, ann, ann, accessLevel="VIEW_ONLY")
    given = variables["input"]
    if case == "level not in the MOU":
        given["accessLevel"] = "FULL"
    elif case == "nobody named":
        given["hmisDataCoordinatorId"] = given["securityCoordinatorId"] = None
    elif case == "inactive user":
        given["securityCoordinatorId"] = str(gone.id)
    elif case == "unknown user":
        given["hmisDataCoordinatorId"] = "00000000-0000-4000-8000-000000000000"
    elif case == "no one who authorised it":
        given["authorizedBy"] = "  "
    elif case == "unknown agency":
        given["agencyId"] = "00000000-0000-4000-8000-000000000000"
    refused = await api.error(DESIGNATE, variables, admin)
    assert (refused["code"], refused["field"]) == (code, field)
    assert not await UserDuty.exists()
    assert not await Membership.exists()


@pytest.mark.parametrize("role", [SystemRole.LEAD_AGENCY, SystemRole.SECURITY_OFFICER])
async def test_only_the_system_administrator_designates(api: Api, role: SystemRole) -> None:
    agency = await make_agency(certified=False)
    token = await api.sign_in(await make_user(roles=(role,)))
    refused = await api.error(DESIGNATE, _input(agency, await make_user(), None), token)
    assert refused["code"] == "FORBIDDEN"


async def test_no_one_designates_themself(api: Api) -> None:
    agency = await make_agency(certified=False)
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    refused = await api.error(DESIGNATE, _input(agency, admin, None), await api.sign_in(admin))
    assert (refused["code"], refused["field"]) == ("FORBIDDEN", "hmisDataCoordinatorId")
    assert not await UserDuty.exists()
