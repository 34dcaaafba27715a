"""Agencies, MOUs (policy 101), CANs and projects over HTTP: who manages them, scope, pages."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from models.enums import AccessLevel, Duty, SystemRole
from models.governance import Agency, Can, ContinuumOfCare, Project
from tests.factories import Api, make_agency, make_user

CREATE_AGENCY = """
mutation($input: CreateAgencyInput!) {
  createAgency(input: $input) {
    id name commonName status victimServiceProvider executiveDirectorEmail
    mou { signedOn } continuumOfCare { code } coordinatedAccessNetwork { name }
  }
}"""
UPDATE_AGENCY = """
mutation($input: UpdateAgencyInput!) {
  updateAgency(input: $input) {
    id name commonName victimServiceProvider coordinatedAccessNetwork { name }
  }
}"""
RECORD_MOU = """
mutation($input: RecordMouInput!) {
  recordMou(input: $input) { id mou { signedOn signedBy accessLevels } }
}"""
CREATE_CAN = """
mutation($input: CreateCanInput!) {
  createCan(input: $input) { id name continuumOfCare { code } backboneAgency { name } }
}"""
CREATE_PROJECT = """
mutation($input: CreateProjectInput!) {
  createProject(input: $input) {
    id name projectType projectTypeName operatingStartDate operatingEndDate cocCode agency { name }
  }
}"""
UPDATE_PROJECT = """
mutation($input: UpdateProjectInput!) {
  updateProject(input: $input) { id name projectType operatingStartDate operatingEndDate }
}"""
AGENCIES = """
query($first: Int, $after: String) {
  agencies(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name } }
  }
}"""
AGENCY = "query($id: ID!) { agency(id: $id) { id name } }"
PROJECTS = "query { projects(first: 100) { totalCount nodes { name agency { name } } } }"
PROJECT = "query($id: ID!) { project(id: $id) { id name } }"


async def signed_in(api: Api, **user: Any) -> str:
    return await api.sign_in(await make_user(**user))


async def make_project(agency: Agency, name: str = "Night Shelter", **fields: Any) -> Project:
    return await Project.create(
        agency=agency,
        name=name,
        project_type=1,
        operating_start_date=date(2025, 7, 1),
        coc_code="CT-503",
        **fields,
    )


async def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every governance row, to prove a refused call wrote nothing."""
    return {
        "agencies": await Agency.all().order_by("id").values(),
        "projects": await Project.all().order_by("id").values(),
        "cans": await Can.all().order_by("id").values(),
    }


# --- who may manage -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [SystemRole.SYSTEM_ADMINISTRATOR, SystemRole.LEAD_AGENCY])
async def test_admin_and_lead_agency_set_up_agencies_cans_and_projects(
    api: Api, role: SystemRole
) -> None:
    # given a System Administrator or Lead Agency staff member
    token = await signed_in(api, roles=(role,))

    # when they create an agency, a CAN, attach it, record the MOU and add and change a project
    created = (
        await api.ok(
            CREATE_AGENCY,
            {
                "input": {
                    "name": "Hartford Shelter",
                    "cocCode": "ct-503",
                    "executiveDirectorEmail": "ED@Hartford.ORG",
                }
            },
            token,
        )
    )["createAgency"]
    can = (
        await api.ok(
            CREATE_CAN,
            {
                "input": {
                    "name": "Greater Hartford CAN",
                    "cocCode": "CT-503",
                    "backboneAgencyId": created["id"],
                }
            },
            token,
        )
    )["createCan"]
    updated = (
        await api.ok(
            UPDATE_AGENCY,
            {
                "input": {
                    "id": created["id"],
                    "commonName": "HS",
                    "canId": can["id"],
                    "victimServiceProvider": True,
                }
            },
            token,
        )
    )["updateAgency"]
    mou = (
        await api.ok(
            RECORD_MOU,
            {
                "input": {
                    "agencyId": created["id"],
                    "signedOn": "2026-03-02",
                    "signedBy": "Executive Director",
                    "accessLevels": ["VIEW_ONLY", "FULL", "FULL"],
                }
            },
            token,
        )
    )["recordMou"]
    project = (
        await api.ok(
            CREATE_PROJECT,
            {
                "input": {
                    "agencyId": created["id"],
                    "name": "Night Shelter",
                    "projectType": "EMERGENCY_SHELTER_NIGHT_BY_NIGHT",
                    "operatingStartDate": "2025-07-01",
                }
            },
            token,
        )
    )["createProject"]
    changed = (
        await api.ok(
            UPDATE_PROJECT,
            {
                "input": {
                    "id": project["id"],
                    "projectType": "EMERGENCY_SHELTER_ENTRY_EXIT",
                    "operatingEndDate": "2026-06-30",
                }
            },
            token,
        )
    )["updateProject"]

    # then each answer shows the change, and the database holds it
    assert created["status"] == "ACTIVE"
    assert created["mou"] is None  # no access until the MOU is recorded (policy 101)
    assert created["continuumOfCare"] == {"code": "CT-503"}
    assert created["executiveDirectorEmail"] == "ed@hartford.org"
    assert can["continuumOfCare"] == {"code": "CT-503"}
    assert can["backboneAgency"] == {"name": "Hartford Shelter"}
    assert updated == {
        "id": created["id"],
        "name": "Hartford Shelter",
        "commonName": "HS",
        "victimServiceProvider": True,
        "coordinatedAccessNetwork": {"name": "Greater Hartford CAN"},
    }
    assert mou["mou"] == {
        "signedOn": "2026-03-02",
        "signedBy": "Executive Director",
        "accessLevels": ["FULL", "VIEW_ONLY"],
    }
    assert project["projectTypeName"] == "Emergency Shelter - Night-by-Night"
    assert project["cocCode"] == "CT-503"
    assert project["agency"] == {"name": "Hartford Shelter"}
    assert changed["projectType"] == "EMERGENCY_SHELTER_ENTRY_EXIT"
    assert changed["operatingStartDate"] == "2025-07-01"
    assert changed["operatingEndDate"] == "2026-06-30"
    stored = await Agency.get(id=created["id"])
    assert stored.mou_access_levels == ["FULL", "VIEW_ONLY"]
    assert stored.can_id == uuid.UUID(can["id"])  # type: ignore[attr-defined]


def _managing_calls(agency: Agency, project: Project) -> list[tuple[str, dict[str, Any]]]:
    return [
        (CREATE_AGENCY, {"input": {"name": "Rogue Agency", "cocCode": "CT-503"}}),
        (UPDATE_AGENCY, {"input": {"id": str(agency.id), "name": "Renamed"}}),
        (
            RECORD_MOU,
            {
                "input": {
                    "agencyId": str(agency.id),
                    "signedOn": "2026-03-01",
                    "signedBy": "X",
                    "accessLevels": ["FULL"],
                }
            },
        ),
        (CREATE_CAN, {"input": {"name": "Rogue CAN", "cocCode": "CT-503"}}),
        (
            CREATE_PROJECT,
            {
                "input": {
                    "agencyId": str(agency.id),
                    "name": "Rogue",
                    "projectType": "EMERGENCY_SHELTER_NIGHT_BY_NIGHT",
                    "operatingStartDate": "2025-07-01",
                }
            },
        ),
        (UPDATE_PROJECT, {"input": {"id": str(project.id), "name": "Renamed"}}),
    ]


@pytest.mark.parametrize(
    "holding",
    [
        pytest.param({"agencies": "FULL"}, id="full-licensed-user"),
        pytest.param({"duties": Duty.HMIS_DATA_COORDINATOR}, id="hdc"),
        pytest.param({"roles": (SystemRole.SECURITY_OFFICER,)}, id="security-officer"),
        pytest.param({"roles": (SystemRole.DSB_MEMBER,)}, id="dsb-member"),
    ],
)
async def test_everyone_else_is_forbidden_to_manage_and_nothing_changes(
    api: Api, holding: dict[str, Any]
) -> None:
    # given an agency with a project, and a caller who is not Lead Agency or System Administrator
    agency = await make_agency("Hartford Shelter")
    project = await make_project(agency)
    user: dict[str, Any] = {}
    if "agencies" in holding:
        user["agencies"] = {agency: AccessLevel.FULL}
    if "duties" in holding:
        user["duties"] = {agency: holding["duties"]}
    if "roles" in holding:
        user["roles"] = holding["roles"]
    token = await signed_in(api, **user)
    before = await snapshot()

    for document, variables in _managing_calls(agency, project):
        if "duties" in holding and document is UPDATE_PROJECT:
            continue  # the HDC keeps its agency's programs current (policy 107)
        # when they try each managing mutation
        error = await api.error(document, variables, token)
        # then each is FORBIDDEN
        assert error["code"] == "FORBIDDEN", (document, error)

    # and nothing was written
    assert await snapshot() == before


# --- bad input ----------------------------------------------------------------------------------

UNKNOWN = str(uuid.UUID(int=7))


def _bad_inputs(agency: Agency, other: Agency, project: Project) -> list[Any]:
    a, p = str(agency.id), str(project.id)
    start = "2025-07-01"
    return [
        (
            "unknown CoC",
            CREATE_AGENCY,
            {"name": "New", "cocCode": "CT-999"},
            "VALIDATION",
            "cocCode",
        ),
        ("blank name", CREATE_AGENCY, {"name": "   ", "cocCode": "CT-503"}, "VALIDATION", "name"),
        (
            "bad ED e-mail",
            CREATE_AGENCY,
            {"name": "New", "cocCode": "CT-503", "executiveDirectorEmail": "nope"},
            "VALIDATION",
            "executiveDirectorEmail",
        ),
        (
            "duplicate agency name",
            CREATE_AGENCY,
            {"name": agency.name, "cocCode": "CT-505"},
            "CONFLICT",
            "name",
        ),
        (
            "duplicate name, other case",
            CREATE_AGENCY,
            {"name": f"  {agency.name.upper()} ", "cocCode": "CT-503"},
            "CONFLICT",
            "name",
        ),
        (
            "bad CAN id",
            CREATE_AGENCY,
            {"name": "New", "cocCode": "CT-503", "canId": "can-1"},
            "VALIDATION",
            "canId",
        ),
        (
            "unknown CAN",
            CREATE_AGENCY,
            {"name": "New", "cocCode": "CT-503", "canId": UNKNOWN},
            "VALIDATION",
            "canId",
        ),
        (
            "rename onto another agency",
            UPDATE_AGENCY,
            {"id": a, "name": other.name},
            "CONFLICT",
            "name",
        ),
        (
            "rename onto another, other case",
            UPDATE_AGENCY,
            {"id": a, "name": other.name.lower()},
            "CONFLICT",
            "name",
        ),
        ("null name", UPDATE_AGENCY, {"id": a, "name": None}, "VALIDATION", "name"),
        (
            "unknown CoC on update",
            UPDATE_AGENCY,
            {"id": a, "cocCode": "XX-1"},
            "VALIDATION",
            "cocCode",
        ),
        ("bad agency id", UPDATE_AGENCY, {"id": "not-an-id", "name": "X"}, "VALIDATION", "id"),
        ("unknown agency", UPDATE_AGENCY, {"id": UNKNOWN, "name": "X"}, "NOT_FOUND", "id"),
        (
            "MOU signed in the future",
            RECORD_MOU,
            {"agencyId": a, "signedOn": "2026-03-03", "signedBy": "ED", "accessLevels": ["FULL"]},
            "VALIDATION",
            "signedOn",
        ),
        (
            "MOU granting nothing",
            RECORD_MOU,
            {"agencyId": a, "signedOn": "2026-03-01", "signedBy": "ED", "accessLevels": []},
            "VALIDATION",
            "accessLevels",
        ),
        (
            "MOU unsigned",
            RECORD_MOU,
            {"agencyId": a, "signedOn": "2026-03-01", "signedBy": " ", "accessLevels": ["FULL"]},
            "VALIDATION",
            "signedBy",
        ),
        (
            "MOU bad agency id",
            RECORD_MOU,
            {"agencyId": "7", "signedOn": "2026-03-01", "signedBy": "ED", "accessLevels": ["FULL"]},
            "VALIDATION",
            "agencyId",
        ),
        (
            "MOU unknown agency",
            RECORD_MOU,
            {
                "agencyId": UNKNOWN,
                "signedOn": "2026-03-01",
                "signedBy": "ED",
                "accessLevels": ["FULL"],
            },
            "NOT_FOUND",
            "agencyId",
        ),
        (
            "CAN unknown CoC",
            CREATE_CAN,
            {"name": "CAN", "cocCode": "CT-000"},
            "VALIDATION",
            "cocCode",
        ),
        (
            "duplicate CAN, other case",
            CREATE_CAN,
            {"name": "greater hartford can", "cocCode": "CT-503"},
            "CONFLICT",
            "name",
        ),
        (
            "CAN unknown backbone",
            CREATE_CAN,
            {"name": "CAN", "cocCode": "CT-503", "backboneAgencyId": UNKNOWN},
            "NOT_FOUND",
            "backboneAgencyId",
        ),
        (
            "bad project type",
            CREATE_PROJECT,
            {"agencyId": a, "name": "P", "projectType": 5, "operatingStartDate": start},
            "GRAPHQL_VALIDATION_FAILED",
            None,
        ),
        (
            "project ends before it starts",
            CREATE_PROJECT,
            {
                "agencyId": a,
                "name": "P",
                "projectType": "EMERGENCY_SHELTER_NIGHT_BY_NIGHT",
                "operatingStartDate": start,
                "operatingEndDate": "2025-06-30",
            },
            "VALIDATION",
            "operatingEndDate",
        ),
        (
            "bad housing type",
            CREATE_PROJECT,
            {
                "agencyId": a,
                "name": "P",
                "projectType": "EMERGENCY_SHELTER_NIGHT_BY_NIGHT",
                "operatingStartDate": start,
                "housingType": "HOUSING_WITH_SERVICES",
            },
            "GRAPHQL_VALIDATION_FAILED",
            None,
        ),
        (
            "project unknown CoC",
            CREATE_PROJECT,
            {
                "agencyId": a,
                "name": "P",
                "projectType": "EMERGENCY_SHELTER_NIGHT_BY_NIGHT",
                "operatingStartDate": start,
                "cocCode": "CT-1",
            },
            "VALIDATION",
            "cocCode",
        ),
        (
            "duplicate project",
            CREATE_PROJECT,
            {
                "agencyId": a,
                "name": project.name,
                "projectType": "EMERGENCY_SHELTER_NIGHT_BY_NIGHT",
                "operatingStartDate": start,
            },
            "CONFLICT",
            "name",
        ),
        (
            "project bad agency id",
            CREATE_PROJECT,
            {
                "agencyId": "x",
                "name": "P",
                "projectType": "EMERGENCY_SHELTER_NIGHT_BY_NIGHT",
                "operatingStartDate": start,
            },
            "VALIDATION",
            "agencyId",
        ),
        (
            "project unknown agency",
            CREATE_PROJECT,
            {
                "agencyId": UNKNOWN,
                "name": "P",
                "projectType": "EMERGENCY_SHELTER_NIGHT_BY_NIGHT",
                "operatingStartDate": start,
            },
            "NOT_FOUND",
            "agencyId",
        ),
        (
            "update ends before start",
            UPDATE_PROJECT,
            {"id": p, "operatingEndDate": "2025-01-01"},
            "VALIDATION",
            "operatingEndDate",
        ),
        (
            "update starts after end",
            UPDATE_PROJECT,
            {"id": p, "operatingStartDate": "2027-01-01", "operatingEndDate": "2026-12-31"},
            "VALIDATION",
            "operatingEndDate",
        ),
        (
            "update bad type",
            UPDATE_PROJECT,
            {"id": p, "projectType": "STREET"},
            "GRAPHQL_VALIDATION_FAILED",
            None,
        ),
        (
            "update null start",
            UPDATE_PROJECT,
            {"id": p, "operatingStartDate": None},
            "VALIDATION",
            "operatingStartDate",
        ),
        ("update bad project id", UPDATE_PROJECT, {"id": "1", "name": "X"}, "VALIDATION", "id"),
        ("update unknown project", UPDATE_PROJECT, {"id": UNKNOWN, "name": "X"}, "NOT_FOUND", "id"),
    ]


async def test_bad_input_gives_typed_errors_and_writes_nothing(api: Api) -> None:
    # given two agencies, a CAN and a project, and a System Administrator
    agency = await make_agency("Hartford Shelter")
    other = await make_agency("Bridgeport Rescue Mission", coc="CT-505")
    await Can.create(name="Greater Hartford CAN", coc=await ContinuumOfCare.get(code="CT-503"))
    project = await make_project(agency)
    token = await signed_in(api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    before = await snapshot()

    for label, document, variables, code, field in _bad_inputs(agency, other, project):
        # when a mutation gets bad input
        error = await api.error(document, {"input": variables}, token)
        # then it answers with the typed error naming the field
        assert (error["code"], error.get("field")) == (code, field), (label, error)

    # and nothing changed
    assert await snapshot() == before


async def test_a_can_of_another_coc_is_refused(api: Api) -> None:
    # given a CAN in CT-505 and an agency in CT-503
    agency = await make_agency("Hartford Shelter")
    can = await Can.create(name="Fairfield CAN", coc=await ContinuumOfCare.get(code="CT-505"))
    token = await signed_in(api, roles=(SystemRole.LEAD_AGENCY,))

    # when the agency is put in that CAN
    error = await api.error(
        UPDATE_AGENCY, {"input": {"id": str(agency.id), "canId": str(can.id)}}, token
    )

    # then VALIDATION, and the agency keeps no CAN
    assert (error["code"], error["field"]) == ("VALIDATION", "canId")
    assert (await Agency.get(id=agency.id)).can_id is None  # type: ignore[attr-defined]


# --- policy 101 ---------------------------------------------------------------------------------


async def test_no_data_operations_until_the_agency_mou_is_recorded(api: Api) -> None:
    # given a licensed user whose only agency has no recorded MOU
    agency = await make_agency("Hartford Shelter", mou=False)
    token = await signed_in(api, agencies={agency: AccessLevel.FULL})
    admin = await signed_in(api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,))

    # when they list agencies, they are refused, and told why
    error = await api.error(AGENCIES, {"first": 10}, token)
    assert error["code"] == "FORBIDDEN"
    assert "MOU" in error["message"]
    assert "policy 101" in error["message"]

    # when the Lead Agency's MOU is recorded
    await api.ok(
        RECORD_MOU,
        {
            "input": {
                "agencyId": str(agency.id),
                "signedOn": "2026-03-02",
                "signedBy": "ED",
                "accessLevels": ["FULL"],
            }
        },
        admin,
    )

    # then the same token works
    data = await api.ok(AGENCIES, {"first": 10}, token)
    assert [e["node"]["name"] for e in data["agencies"]["edges"]] == ["Hartford Shelter"]


async def test_a_suspended_agency_blocks_its_users_again(api: Api) -> None:
    # given a licensed user of an agency with an MOU
    agency = await make_agency("Hartford Shelter")
    token = await signed_in(api, agencies={agency: AccessLevel.FULL})
    admin = await signed_in(api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    await api.ok(AGENCIES, {"first": 10}, token)

    # when the agency's access is suspended
    await api.ok(UPDATE_AGENCY, {"input": {"id": str(agency.id), "status": "SUSPENDED"}}, admin)

    # then its user may no longer act
    assert (await api.error(AGENCIES, {"first": 10}, token))["code"] == "FORBIDDEN"


# --- scope --------------------------------------------------------------------------------------


async def test_a_licensed_user_sees_only_their_agencies_and_projects(api: Api) -> None:
    # given three agencies with a project each, and a user of two of them
    mine, also_mine, theirs = [await make_agency(n) for n in ("Mine", "Also Mine", "Theirs")]
    for agency in (mine, also_mine, theirs):
        await make_project(agency, name=f"{agency.name} Shelter")
    token = await signed_in(
        api, agencies={mine: AccessLevel.FULL, also_mine: AccessLevel.VIEW_ONLY}
    )

    # when they list agencies and projects
    agencies = (await api.ok(AGENCIES, {"first": 100}, token))["agencies"]
    projects = (await api.ok(PROJECTS, {}, token))["projects"]

    # then they see their own only, and the others do not exist for them
    assert sorted(e["node"]["name"] for e in agencies["edges"]) == ["Also Mine", "Mine"]
    assert agencies["totalCount"] == 2
    assert sorted(n["name"] for n in projects["nodes"]) == ["Also Mine Shelter", "Mine Shelter"]
    assert projects["totalCount"] == 2
    assert (await api.ok(AGENCY, {"id": str(mine.id)}, token))["agency"]["name"] == "Mine"
    assert (await api.error(AGENCY, {"id": str(theirs.id)}, token))["code"] == "NOT_FOUND"
    their_project = await Project.get(agency_id=theirs.id)
    assert (await api.error(PROJECT, {"id": str(their_project.id)}, token))["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "role",
    [
        SystemRole.SYSTEM_ADMINISTRATOR,
        SystemRole.LEAD_AGENCY,
        SystemRole.SECURITY_OFFICER,
        SystemRole.DSB_MEMBER,
    ],
)
async def test_system_roles_see_every_agency_and_project(api: Api, role: SystemRole) -> None:
    # given three agencies with a project each
    for name in ("A", "B", "C"):
        await make_project(await make_agency(name), name=f"{name} Shelter")
    token = await signed_in(api, roles=(role,))

    # when a system-wide role lists them
    agencies = (await api.ok(AGENCIES, {"first": 100}, token))["agencies"]
    projects = (await api.ok(PROJECTS, {}, token))["projects"]

    # then all are there
    assert sorted(e["node"]["name"] for e in agencies["edges"]) == ["A", "B", "C"]
    assert sorted(n["name"] for n in projects["nodes"]) == ["A Shelter", "B Shelter", "C Shelter"]


# --- pages --------------------------------------------------------------------------------------


async def test_walking_agency_pages_yields_every_agency_once(api: Api) -> None:
    # given seven agencies
    names = {(await make_agency(f"Agency {i}")).name for i in range(7)}
    token = await signed_in(api, roles=(SystemRole.LEAD_AGENCY,))

    # when a sync job walks pages of two with the end cursor
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = (await api.ok(AGENCIES, {"first": 2, "after": after}, token))["agencies"]
        pages += 1
        assert len(page["edges"]) <= 2
        assert page["totalCount"] == 7
        seen.extend(edge["node"]["name"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]
        assert pages < 10, "the walk does not end"

    # then it saw each agency exactly once, in four pages
    assert sorted(seen) == sorted(names)
    assert len(seen) == len(set(seen)) == 7
    assert pages == 4


async def test_an_empty_last_page_says_no_more(api: Api) -> None:
    # given two agencies and a page that ends exactly at the last one
    for i in range(2):
        await make_agency(f"Agency {i}")
    token = await signed_in(api, roles=(SystemRole.LEAD_AGENCY,))
    first = (await api.ok(AGENCIES, {"first": 2}, token))["agencies"]

    # then the page says no more follow, and asking after it gives an empty page
    assert first["pageInfo"]["hasNextPage"] is False
    rest = (await api.ok(AGENCIES, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token))[
        "agencies"
    ]
    assert rest["edges"] == []
    assert rest["pageInfo"] == {"hasNextPage": False, "endCursor": None}


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"first": 2, "after": "garbage"}, "after"),
        ({"first": 2, "after": "djE6bm90LWEtdXVpZA=="}, "after"),  # "v1:not-a-uuid"
        ({"first": 2, "after": "bm90IG91cnM="}, "after"),  # "not ours"
        ({"first": 2, "after": "//79"}, "after"),  # not UTF-8
        ({"first": 2, "after": "é"}, "after"),
    ],
)
async def test_page_size_and_cursor_are_checked(
    api: Api, variables: dict[str, Any], field: str
) -> None:
    await make_agency("Only")
    token = await signed_in(api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,))

    error = await api.error(AGENCIES, variables, token)

    assert (error["code"], error["field"]) == ("VALIDATION", field)


async def test_moving_an_agency_to_another_coc_keeps_its_can_consistent(api: Api) -> None:
    # given an agency in a CT-503 CAN
    can = await Can.create(
        name="Greater Hartford CAN", coc=await ContinuumOfCare.get(code="CT-503")
    )
    agency = await make_agency("Hartford Shelter", can=can)
    token = await signed_in(api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,))

    # when only its CoC is changed, that is refused; with the CAN cleared it is allowed
    error = await api.error(
        UPDATE_AGENCY, {"input": {"id": str(agency.id), "cocCode": "CT-505"}}, token
    )
    moved = await api.ok(
        UPDATE_AGENCY, {"input": {"id": str(agency.id), "cocCode": "CT-505", "canId": None}}, token
    )

    assert (error["code"], error["field"]) == ("VALIDATION", "cocCode")
    assert moved["updateAgency"]["coordinatedAccessNetwork"] is None
    assert (await Agency.get(id=agency.id).prefetch_related("coc")).coc.code == "CT-505"
