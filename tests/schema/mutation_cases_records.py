"""The valid calls of tests/schema/mutation_cases.py, continued: an enrollment's newer records
and a project's HUD records (the HDC's, policy 107)."""

from __future__ import annotations

from datetime import timedelta

from tests.schema.mutation_cases import Call, World, case
from tests.schema.query_cases import query_case
from tests.schema.writes_support import make_project, today

__all__: list[str] = []


async def _enrolled(w: World) -> tuple[str, str]:
    return await w.enrollment(), str(today(w.api))


@case("recordCurrentLivingSituation")
async def _cls(w: World) -> Call:
    enrollment, day = await _enrolled(w)
    return await w.token("worker"), {
        "input": {
            "enrollmentId": enrollment,
            "informationDate": day,
            "currentLivingSituation": "PLACE_NOT_MEANT_FOR_HABITATION",
            "verifiedBy": "Outreach team",
            "locationDetails": "Main St bridge",
        }
    }


@case("recordAssessment")
async def _assessment(w: World) -> Call:
    enrollment, day = await _enrolled(w)
    return await w.token("worker"), {
        "input": {
            "enrollmentId": enrollment,
            "assessmentDate": day,
            "assessmentLocation": "Access point",
            "questions": [
                {
                    "assessmentQuestionGroup": "Health",
                    "assessmentQuestion": "Any chronic condition?",
                    "assessmentAnswer": "yes",
                }
            ],
            "results": [{"assessmentResultType": "Score", "assessmentResult": "11"}],
        }
    }


@case("recordEvent")
async def _event(w: World) -> Call:
    enrollment, day = await _enrolled(w)
    return await w.token("worker"), {
        "input": {
            "enrollmentId": enrollment,
            "eventDate": day,
            "event": "REFERRAL_TO_PSH_PROJECT_RESOURCE_OPENING",
            "locationCrisisOrPHHousing": "Harbor PSH",
        }
    }


@case("recordEmploymentEducation")
async def _employment(w: World) -> Call:
    enrollment, day = await _enrolled(w)
    return await w.token("worker"), {
        "input": {
            "enrollmentId": enrollment,
            "informationDate": day,
            "dataCollectionStage": "PROJECT_ENTRY",
        }
    }


@case("recordYouthEducationStatus")
async def _youth(w: World) -> Call:
    enrollment, day = await _enrolled(w)
    return await w.token("worker"), {
        "input": {
            "enrollmentId": enrollment,
            "informationDate": day,
            "dataCollectionStage": "PROJECT_ENTRY",
        }
    }


async def _project(w: World) -> str:
    return str((await make_project(w.a, w.unique("Shelter"))).id)


@case("recordProjectCoc")
async def _project_coc(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {
            "projectId": await _project(w),
            "cocCode": "CT-503",
            "geocode": "090001",
            "address1": "1 Main St",
            "address2": "Rear",
            "city": "Hartford",
            "state": "CT",
            "zip": "06103",
        }
    }


@case("updateProjectCoc")
async def _update_project_coc(w: World) -> Call:
    token, variables = await _project_coc(w)
    made = await w.api.ok(
        "mutation($input: RecordProjectCocInput!) { recordProjectCoc(input: $input) { id } }",
        variables,
        token,
    )
    return token, {"input": {"id": made["recordProjectCoc"]["id"], "city": "New Haven"}}


def _funder(project_id: str) -> dict[str, object]:
    return {
        "projectId": project_id,
        "funder": "HUD_COC_PERMANENT_SUPPORTIVE_HOUSING",
        "grantId": "CT0001",
        "otherFunder": "x",
        "startDate": "2025-07-01",
    }


@case("recordFunder")
async def _record_funder(w: World) -> Call:
    return await w.token("hdc"), {"input": _funder(await _project(w))}


@case("updateFunder")
async def _update_funder(w: World) -> Call:
    token = await w.token("hdc")
    made = await w.api.ok(
        "mutation($input: RecordFunderInput!) { recordFunder(input: $input) { id } }",
        {"input": _funder(await _project(w))},
        token,
    )
    return token, {"input": {"id": made["recordFunder"]["id"], "grantId": "CT0002"}}


def _inventory(project_id: str) -> dict[str, object]:
    return {
        "projectId": project_id,
        "cocCode": "CT-503",
        "householdType": "HOUSEHOLDS_WITHOUT_CHILDREN",
        "unitInventory": 5,
        "bedInventory": 6,
        "inventoryStartDate": "2025-07-01",
    }


@case("recordInventory")
async def _record_inventory(w: World) -> Call:
    return await w.token("hdc"), {"input": _inventory(await _project(w))}


@case("updateInventory")
async def _update_inventory(w: World) -> Call:
    token = await w.token("hdc")
    made = await w.api.ok(
        "mutation($input: RecordInventoryInput!) { recordInventory(input: $input) { id } }",
        {"input": _inventory(await _project(w))},
        token,
    )
    return token, {"input": {"id": made["recordInventory"]["id"], "cocCode": "CT-505"}}


@case("recordAffiliation")
async def _affiliation(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {"projectId": await _project(w), "resProjectId": await _project(w)}
    }


def _hmis(project_id: str) -> dict[str, object]:
    return {
        "projectId": project_id,
        "hmisParticipationType": "HMIS_PARTICIPATING",
        "hmisParticipationStatusStartDate": "2020-01-01",
    }


@case("recordHmisParticipation")
async def _record_hmis(w: World) -> Call:
    return await w.token("hdc"), {"input": _hmis(await _project(w))}


@case("updateHmisParticipation")
async def _update_hmis(w: World) -> Call:
    token = await w.token("hdc")
    made = await w.api.ok(
        "mutation($input: RecordHmisParticipationInput!) { recordHmisParticipation(input: $input) { id } }",
        {"input": _hmis(await _project(w))},
        token,
    )
    return token, {
        "input": {
            "id": made["recordHmisParticipation"]["id"],
            "hmisParticipationStatusEndDate": "2026-01-01",
        }
    }


def _ce(project_id: str) -> dict[str, object]:
    return {
        "projectId": project_id,
        "accessPoint": "YES",
        "receivesReferrals": "YES",
        "ceParticipationStatusStartDate": "2020-01-01",
    }


@case("recordCeParticipation")
async def _record_ce(w: World) -> Call:
    return await w.token("hdc"), {"input": _ce(await _project(w))}


@case("updateCeParticipation")
async def _update_ce(w: World) -> Call:
    token = await w.token("hdc")
    made = await w.api.ok(
        "mutation($input: RecordCeParticipationInput!) { recordCeParticipation(input: $input) { id } }",
        {"input": _ce(await _project(w))},
        token,
    )
    return token, {
        "input": {
            "id": made["recordCeParticipation"]["id"],
            "ceParticipationStatusEndDate": "2026-01-01",
        }
    }


@query_case("coordinatedEntry")
async def _coordinated_entry(w: World) -> Call:
    await w.enrollment()
    until = today(w.api)
    return await w.token("worker"), {
        "canId": str(w.can.id),
        "since": str(until - timedelta(days=30)),
        "until": str(until),
        "first": 10,
    }
