"""The foundation end to end: a System Administrator signs in and sets up an agency."""

from __future__ import annotations

from models.enums import SystemRole
from tests.factories import Api, make_user

CREATE_AGENCY = """
mutation($name: String!) {
  createAgency(input: {name: $name, cocCode: "CT-503"}) { id name status mou { signedOn } continuumOfCare { code } }
}"""


async def test_admin_signs_in_and_creates_an_agency(api: Api) -> None:
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    token = await api.sign_in(admin)
    data = await api.ok(CREATE_AGENCY, {"name": "Hartford Shelter"}, token)
    assert data["createAgency"]["name"] == "Hartford Shelter"
    assert data["createAgency"]["mou"] is None
    assert data["createAgency"]["continuumOfCare"]["code"] == "CT-503"
