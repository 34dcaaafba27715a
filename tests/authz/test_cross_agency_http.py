"""Over HTTP: a role held in one agency does not reach another, and licensed users run no agency."""

from __future__ import annotations

from models.access import AccessRequest
from models.enums import AccessLevel, Duty
from models.governance import Agency
from tests.factories import Api, make_agency, make_user

REQUEST_ACCESS = """
mutation($user: ID!, $agency: ID!, $level: AccessLevel!) {
  requestAccess(
    input: {userId: $user, agencyId: $agency, level: $level, reason: "new case manager"}
  ) { id status }
}"""

CREATE_AGENCY = """
mutation($name: String!) {
  createAgency(input: {name: $name, cocCode: "CT-503"}) { id name }
}"""


async def test_an_hdc_cannot_request_access_at_another_agency(api: Api) -> None:
    # given the HDC of agency A, and a user at agency B
    home, other = await make_agency("Agency A"), await make_agency("Agency B")
    hdc = await make_user(duties={home: Duty.HMIS_DATA_COORDINATOR})
    user = await make_user(agencies={other: AccessLevel.VIEW_ONLY})
    token = await api.sign_in(hdc)
    # when the HDC asks for that user's access at B
    error = await api.error(
        REQUEST_ACCESS, {"user": str(user.id), "agency": str(other.id), "level": "FULL"}, token
    )
    # then it is forbidden and nothing is written
    assert error["code"] == "FORBIDDEN"
    assert await AccessRequest.all().count() == 0


async def test_an_hdc_who_is_a_plain_member_elsewhere_cannot_request_there(api: Api) -> None:
    # given the HDC of agency A who is also a FULL (but not HDC) user of agency B
    home, other = await make_agency(), await make_agency()
    hdc = await make_user(
        duties={home: Duty.HMIS_DATA_COORDINATOR}, agencies={other: AccessLevel.FULL}
    )
    user = await make_user()
    token = await api.sign_in(hdc)
    # when they ask at B
    error = await api.error(
        REQUEST_ACCESS, {"user": str(user.id), "agency": str(other.id), "level": "FULL"}, token
    )
    # then it is forbidden and nothing is written; at A the same request goes through
    assert error["code"] == "FORBIDDEN"
    assert await AccessRequest.all().count() == 0
    data = await api.ok(
        REQUEST_ACCESS, {"user": str(user.id), "agency": str(home.id), "level": "FULL"}, token
    )
    assert data["requestAccess"]["status"] == "PENDING"
    assert await AccessRequest.filter(agency_id=home.id).count() == 1


async def test_a_licensed_user_with_full_access_cannot_create_an_agency(api: Api) -> None:
    # given a FULL user of an agency
    agency = await make_agency()
    user = await make_user(agencies={agency: AccessLevel.FULL})
    token = await api.sign_in(user)
    # when they try to create an agency
    error = await api.error(CREATE_AGENCY, {"name": "Rogue Shelter"}, token)
    # then it is forbidden and no agency is created
    assert error["code"] == "FORBIDDEN"
    assert await Agency.filter(name="Rogue Shelter").count() == 0
    assert await Agency.all().count() == 1
