"""The valid calls of tests/schema/mutation_cases.py, continued: client records and case
notes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.schema.mutation_cases import REQUEST_DELETION, Call, World, case
from tests.schema.writes_support import RECORD_RELEASE as RELEASE
from tests.schema.writes_support import make_project, release_to, today

__all__: list[str] = []


@case("createClient")
async def _create_client(w: World) -> Call:
    return await w.token("worker"), {
        "input": {
            "firstName": "Rosa",
            "middleName": "Lee",
            "lastName": "Parks",
            "nameSuffix": "Jr",
            "nameDataQuality": "FULL_NAME_REPORTED",
            "ssn": "123456789",
            "ssnDataQuality": "FULL_SSN_REPORTED",
            "dob": "1980-02-04",
            "dobDataQuality": "FULL_DOB_REPORTED",
            "white": "YES",
            "additionalRaceEthnicity": "Cape Verdean",
            "veteranStatus": "NO",
            "phone": "8605550100",
            "email": "rosa@example.org",
            "addressLine1": "1 Main St",
            "addressLine2": "Apt 2",
            "city": "Hartford",
            "state": "CT",
            "zipCode": "06103",
            "consent": {
                "kind": "WRITTEN",
                "takenOn": str(today(w.api)),
                "firstContactByPhone": False,
                "evidenceReference": "Binder 4",
            },
        }
    }


@case("updateClient")
async def _update_client(w: World) -> Call:
    client_id = await w.client()
    return await w.token("worker"), {
        "input": {
            "id": client_id,
            "version": 1,
            "firstName": "Rose",
            "middleName": "Lee",
            "lastName": "Parks",
            "nameSuffix": "Sr",
            "ssn": "123456789",
            "additionalRaceEthnicity": "Cape Verdean",
            "phone": "8605550100",
            "email": "rose@example.org",
            "addressLine1": "1 Main St",
            "addressLine2": "Apt 2",
            "city": "Hartford",
            "state": "CT",
            "zipCode": "06103",
        }
    }


@case("recordConsent")
async def _record_consent(w: World) -> Call:
    client_id = await w.client()
    await release_to(w.api, await w.token("worker"), client_id, w.b)
    return await w.token("worker_b"), {
        "input": {
            "clientId": client_id,
            "consent": {
                "kind": "WRITTEN",
                "takenOn": str(today(w.api)),
                "firstContactByPhone": False,
                "evidenceReference": "Binder 5",
            },
            "referralReference": "REF-1",
        }
    }


def _release(client_id: str, w: World) -> dict[str, Any]:
    return {
        "input": {
            "clientId": client_id,
            "scope": "AGENCIES",
            "agencyIds": [str(w.b.id)],
            "categories": ["IDENTIFYING"],
            "startsOn": str(today(w.api)),
            "expiresOn": str(today(w.api) + timedelta(days=30)),
            "kind": "WRITTEN",
            "evidenceReference": "Binder 4",
        }
    }


@case("recordRelease")
async def _record_release(w: World) -> Call:
    return await w.token("worker"), _release(await w.client(), w)


@case("revokeRelease")
async def _revoke_release(w: World) -> Call:
    token = await w.token("worker")
    release = await w.api.ok(RELEASE, _release(await w.client(), w), token)
    return token, {"input": {"releaseId": release["recordRelease"]["id"], "reason": "Withdrawn."}}


@case("createEnrollment")
async def _create_enrollment(w: World) -> Call:
    project = await make_project(w.a, w.unique("Shelter"))
    return await w.token("worker"), {
        "input": {
            "clientId": await w.client(),
            "projectId": str(project.id),
            "entryDate": str(today(w.api)),
            "relationshipToHoH": "SELF",
            "enrollmentCoC": "CT-503",
            "disablingCondition": "NO",
        }
    }


@case("exitEnrollment")
async def _exit_enrollment(w: World) -> Call:
    return await w.token("worker"), {
        "input": {
            "enrollmentId": await w.enrollment(),
            "exitDate": str(today(w.api)),
            "destination": "OTHER",
            "otherDestination": "With a friend.",
        }
    }


@case("recordService")
async def _record_service(w: World) -> Call:
    return await w.token("worker"), {
        "input": {
            "enrollmentId": await w.enrollment(),
            "dateProvided": str(today(w.api)),
            "recordType": "SSVF_FINANCIAL_ASSISTANCE",
            "typeProvided": 1,
            "faAmount": "120.50",
        }
    }


@case("recordIncomeBenefits")
async def _record_income(w: World) -> Call:
    return await w.token("worker"), {
        "input": {
            "enrollmentId": await w.enrollment(),
            "informationDate": str(today(w.api)),
            "dataCollectionStage": "PROJECT_ENTRY",
            "incomeFromAnySource": "YES",
            "earned": "YES",
            "earnedAmount": "800.50",
        }
    }


@case("recordDisability")
async def _record_disability(w: World) -> Call:
    return await w.token("worker"), {
        "input": {
            "enrollmentId": await w.enrollment(),
            "informationDate": str(today(w.api)),
            "dataCollectionStage": "PROJECT_ENTRY",
            "disabilityType": "PHYSICAL_DISABILITY",
            "disabilityResponse": 0,
        }
    }


@case("recordHealthAndDv")
async def _record_health(w: World) -> Call:
    return await w.token("worker"), {
        "input": {
            "enrollmentId": await w.enrollment(),
            "informationDate": str(today(w.api)),
            "dataCollectionStage": "PROJECT_ENTRY",
            "domesticViolenceSurvivor": "NO",
        }
    }


@case("addCaseNote")
async def _add_note(w: World) -> Call:
    return await w.token("worker"), {
        "input": {"clientId": await w.client(), "text": "Met.\nAll well."}
    }


@case("requestCaseNoteDeletion")
async def _request_deletion(w: World) -> Call:
    client_id, note = await w.note()
    return await w.token("hdc"), {
        "input": {
            "clientId": client_id,
            "noteCreatedOn": str(today(w.api)),
            "reason": "Wrong client.",
            "noteId": str(note.id),
        }
    }


async def _deletion_request(w: World) -> str:
    token, variables = await _request_deletion(w)
    data = await w.api.ok(REQUEST_DELETION, variables, token)
    return str(data["requestCaseNoteDeletion"]["id"])


@case("approveCaseNoteDeletion")
async def _approve_deletion(w: World) -> Call:
    request_id = await _deletion_request(w)
    return await w.token("admin"), {"input": {"requestId": request_id, "note": "Agreed."}}


@case("denyCaseNoteDeletion")
async def _deny_deletion(w: World) -> Call:
    request_id = await _deletion_request(w)
    return await w.token("admin"), {"input": {"requestId": request_id, "note": "Keep it."}}


@case("markRecordInaccurate")
async def _mark(w: World) -> Call:
    return await w.token("worker"), {
        "input": {
            "clientId": await w.client(),
            "field": "lastName",
            "note": "Misspelt.",
            "kind": "INACCURATE",
        }
    }


@case("supplementRecord")
async def _supplement(w: World) -> Call:
    return await w.token("worker"), {
        "input": {"clientId": await w.client(), "field": "record", "note": "Prefers Rose."}
    }
