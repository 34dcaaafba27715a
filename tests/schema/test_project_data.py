"""A project's HUD records the HDC keeps current (policy 107): funders, inventory, participation,
CoCs and affiliations, recorded and changed by the HDC of the project's agency or the System
Administrator, refused to everyone else, checked, in the governance log, read on Project."""

from __future__ import annotations

from typing import Any

from models.enums import AccessLevel, Duty, SystemRole
from models.governance_log import GovernanceEvent
from models.project_data import Funder, Inventory
from tests.factories import Api, make_agency, make_user
from tests.schema.writes_support import make_project

FUNDER = """mutation($input: RecordFunderInput!) { recordFunder(input: $input) { id funder startDate endDate } }"""
UPDATE_FUNDER = """mutation($input: UpdateFunderInput!) { updateFunder(input: $input) { id endDate grantId } }"""
INVENTORY = """
mutation($input: RecordInventoryInput!) { recordInventory(input: $input) { id bedInventory unitInventory } }"""
HMIS = """
mutation($input: RecordHmisParticipationInput!) { recordHmisParticipation(input: $input) { id } }"""
CE = """mutation($input: RecordCeParticipationInput!) { recordCeParticipation(input: $input) { id } }"""
COC = """mutation($input: RecordProjectCocInput!) { recordProjectCoc(input: $input) { id cocCode } }"""
AFFILIATION = """
mutation($input: RecordAffiliationInput!) { recordAffiliation(input: $input) { id resProject { id } } }"""
READ = """
query($id: ID!) {
  project(id: $id) {
    funders { funder grantId startDate endDate }
    inventories { bedInventory householdType }
    hmisParticipations { hmisParticipationType }
    ceParticipations { accessPoint receivesReferrals }
    projectCocs { cocCode city }
    affiliations { resProject { name } }
  }
}"""


async def _world(api: Api) -> dict[str, Any]:
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    return {
        "a": a,
        "project": await make_project(a, "Shelter"),
        "residence": await make_project(a, "Residence"),
        "hdc": await api.sign_in(await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR})),
        "other_hdc": await api.sign_in(await make_user(duties={b: Duty.HMIS_DATA_COORDINATOR})),
        "worker": await api.sign_in(await make_user(agencies={a: AccessLevel.FULL})),
        "admin": await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))),
    }


async def test_the_hdc_records_the_projects_data_and_anyone_reading_the_project_sees_it(
    api: Api,
) -> None:
    w = await _world(api)
    p = str(w["project"].id)

    funder = (
        await api.ok(
            FUNDER,
            {
                "input": {
                    "projectId": p,
                    "funder": "HUD_COC_PERMANENT_SUPPORTIVE_HOUSING",
                    "grantId": "CT0001",
                    "startDate": "2025-07-01",
                }
            },
            w["hdc"],
        )
    )["recordFunder"]
    await api.ok(UPDATE_FUNDER, {"input": {"id": funder["id"], "endDate": "2026-06-30"}}, w["hdc"])
    await api.ok(
        INVENTORY,
        {
            "input": {
                "projectId": p,
                "householdType": "HOUSEHOLDS_WITHOUT_CHILDREN",
                "unitInventory": 10,
                "bedInventory": 12,
                "inventoryStartDate": "2025-07-01",
            }
        },
        w["admin"],
    )
    await api.ok(
        HMIS,
        {
            "input": {
                "projectId": p,
                "hmisParticipationType": "HMIS_PARTICIPATING",
                "hmisParticipationStatusStartDate": "2020-01-01",
            }
        },
        w["hdc"],
    )
    await api.ok(
        CE,
        {
            "input": {
                "projectId": p,
                "accessPoint": "YES",
                "receivesReferrals": "YES",
                "ceParticipationStatusStartDate": "2020-01-01",
            }
        },
        w["hdc"],
    )
    await api.ok(
        COC, {"input": {"projectId": p, "cocCode": "CT-503", "city": "Hartford"}}, w["hdc"]
    )
    await api.ok(
        AFFILIATION, {"input": {"projectId": p, "resProjectId": str(w["residence"].id)}}, w["hdc"]
    )

    project = (await api.ok(READ, {"id": p}, w["worker"]))["project"]
    assert project["funders"] == [
        {
            "funder": "HUD_COC_PERMANENT_SUPPORTIVE_HOUSING",
            "grantId": "CT0001",
            "startDate": "2025-07-01",
            "endDate": "2026-06-30",
        }
    ]
    assert project["inventories"] == [
        {"bedInventory": 12, "householdType": "HOUSEHOLDS_WITHOUT_CHILDREN"}
    ]
    assert project["hmisParticipations"] == [{"hmisParticipationType": "HMIS_PARTICIPATING"}]
    assert project["ceParticipations"] == [{"accessPoint": "YES", "receivesReferrals": "YES"}]
    assert project["projectCocs"] == [{"cocCode": "CT-503", "city": "Hartford"}]
    assert project["affiliations"] == [{"resProject": {"name": "Residence"}}]
    logged = await GovernanceEvent.filter(entity_type="Funder").values_list("action", flat=True)
    assert sorted(logged) == ["funder.record", "funder.update"]


async def test_no_one_else_keeps_it_and_nothing_is_written(api: Api) -> None:
    w = await _world(api)
    variables = {
        "input": {
            "projectId": str(w["project"].id),
            "funder": "HUD_COC_PERMANENT_SUPPORTIVE_HOUSING",
            "startDate": "2025-07-01",
        }
    }

    assert (await api.error(FUNDER, variables, w["worker"]))["code"] == "FORBIDDEN"
    refused = await api.error(FUNDER, variables, w["other_hdc"])
    assert (refused["code"], refused["field"]) == ("NOT_FOUND", "projectId")
    assert await Funder.all().count() == 0


async def test_a_period_ending_before_it_starts_is_refused(api: Api) -> None:
    w = await _world(api)
    p = str(w["project"].id)
    bad = {
        "projectId": p,
        "funder": "HUD_COC_PERMANENT_SUPPORTIVE_HOUSING",
        "startDate": "2025-07-01",
        "endDate": "2025-06-30",
    }

    refused = await api.error(FUNDER, {"input": bad}, w["hdc"])
    assert (refused["code"], refused["field"]) == ("VALIDATION", "endDate")
    inventory = {
        "projectId": p,
        "householdType": "HOUSEHOLDS_WITHOUT_CHILDREN",
        "unitInventory": 1,
        "bedInventory": 1,
        "inventoryStartDate": "2025-07-01",
    }
    row = (await api.ok(INVENTORY, {"input": inventory}, w["hdc"]))["recordInventory"]
    update = """mutation($input: UpdateInventoryInput!) { updateInventory(input: $input) { id } }"""
    refused = await api.error(
        update, {"input": {"id": row["id"], "inventoryEndDate": "2025-01-01"}}, w["hdc"]
    )
    assert (refused["code"], refused["field"]) == ("VALIDATION", "inventoryEndDate")
    assert await Funder.all().count() == 0
    assert (await Inventory.get(id=row["id"])).inventory_end_date is None
