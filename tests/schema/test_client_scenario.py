"""Sharing a client end to end: agency A enters a client under consent and shares part of the
record with agency B until a date; B sees exactly that, and nothing once it ends."""

from __future__ import annotations

from datetime import date, timedelta

from models.enums import AccessLevel, Duty, SystemRole
from models.governance import Project
from tests.factories import Api, make_agency, make_user

CREATE_CLIENT = """
mutation($input: CreateClientInput!) {
  createClient(input: $input) { id version firstName lastName ssn ssnLastFour access { canEdit canViewSsn holdsConsent } }
}"""
CREATE_ENROLLMENT = """
mutation($input: CreateEnrollmentInput!) { createEnrollment(input: $input) { id householdId entryDate } }"""
RECORD_SERVICE = """
mutation($input: RecordServiceInput!) { recordService(input: $input) { id dateProvided } }"""
ADD_NOTE = """
mutation($input: AddCaseNoteInput!) { addCaseNote(input: $input) { id text createdAt } }"""
RECORD_RELEASE = """
mutation($input: RecordReleaseInput!) { recordRelease(input: $input) { id inForce categories } }"""
REVOKE = """mutation($id: ID!) { revokeRelease(input: {releaseId: $id, reason: "client asked"}) { id revokedAt inForce } }"""
READ_CLIENT = """
query($id: ID!) {
  client(id: $id) {
    id firstName lastName dob ssn ssnLastFour
    access { canViewIdentifying canViewSsn canEdit viaRelease sharedCategories }
    enrollments { id entryDate services { id } }
    caseNotes { id text }
    releases { id inForce }
  }
}"""
SEARCH = """
query($name: String) { clients(search: {name: $name}) { totalCount nodes { id firstName } } }"""


async def _setup(api: Api) -> dict:
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    project = await Project.create(
        agency=a,
        name="A Shelter",
        project_type=0,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )
    worker_a = await make_user(agencies={a: AccessLevel.FULL})
    viewer_a = await make_user(agencies={a: AccessLevel.VIEW_ONLY})
    reporter_a = await make_user(agencies={a: AccessLevel.REPORTING_ONLY})
    worker_b = await make_user(agencies={b: AccessLevel.FULL})
    hdc_a = await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR})
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    return {
        "a": a,
        "b": b,
        "project": project,
        "worker_a": worker_a,
        "viewer_a": viewer_a,
        "reporter_a": reporter_a,
        "worker_b": worker_b,
        "hdc_a": hdc_a,
        "admin": admin,
    }


async def test_a_release_shows_agency_b_exactly_what_it_covers_until_it_ends(api: Api) -> None:
    w = await _setup(api)
    token_a = await api.sign_in(w["worker_a"])
    today = api.clock.now().date()

    # A client entered under written consent
    created = (
        await api.ok(
            CREATE_CLIENT,
            {
                "input": {
                    "firstName": "Rosa",
                    "lastName": "Parks",
                    "nameDataQuality": "FULL_NAME_REPORTED",
                    "ssn": "123-45-6789",
                    "ssnDataQuality": "FULL_SSN_REPORTED",
                    "dob": "1980-02-04",
                    "dobDataQuality": "FULL_DOB_REPORTED",
                    "consent": {
                        "kind": "WRITTEN",
                        "takenOn": str(today),
                        "evidenceReference": "file 12",
                    },
                }
            },
            token_a,
        )
    )["createClient"]
    assert created["ssn"] == "123456789"
    assert created["access"]["canEdit"]
    client_id = created["id"]
    enrollment = (
        await api.ok(
            CREATE_ENROLLMENT,
            {
                "input": {
                    "clientId": client_id,
                    "projectId": str(w["project"].id),
                    "entryDate": str(today - timedelta(days=3)),
                    "relationshipToHoH": "SELF",
                    "enrollmentCoC": "CT-503",
                }
            },
            token_a,
        )
    )["createEnrollment"]
    await api.ok(
        RECORD_SERVICE,
        {
            "input": {
                "enrollmentId": enrollment["id"],
                "dateProvided": str(today),
                "recordType": "BED_NIGHT",
                "typeProvided": 200,
            }
        },
        token_a,
    )
    await api.ok(ADD_NOTE, {"input": {"clientId": client_id, "text": "Met at intake."}}, token_a)

    token_b = await api.sign_in(w["worker_b"])
    # B sees nothing before any release
    assert (await api.error(READ_CLIENT, {"id": client_id}, token_b))["code"] == "NOT_FOUND"
    assert (await api.ok(SEARCH, {"name": "rosa"}, token_b))["clients"]["totalCount"] == 0

    # A records a release to B: identifying + enrollment data, for 30 days
    release = (
        await api.ok(
            RECORD_RELEASE,
            {
                "input": {
                    "clientId": client_id,
                    "scope": "AGENCIES",
                    "agencyIds": [str(w["b"].id)],
                    "categories": ["IDENTIFYING", "ENROLLMENT_AND_SERVICES"],
                    "startsOn": str(today),
                    "expiresOn": str(today + timedelta(days=30)),
                    "kind": "WRITTEN",
                }
            },
            token_a,
        )
    )["recordRelease"]
    assert release["inForce"]

    seen = (await api.ok(READ_CLIENT, {"id": client_id}, token_b))["client"]
    assert seen["firstName"] == "Rosa"
    assert seen["ssnLastFour"] == "6789"
    assert seen["ssn"] is None  # full SSN only to FULL users of a holding agency
    assert seen["access"]["viaRelease"]
    assert not seen["access"]["canEdit"]
    assert [e["id"] for e in seen["enrollments"]] == [enrollment["id"]]
    assert len(seen["enrollments"][0]["services"]) == 1
    assert seen["caseNotes"] == []  # CASE_NOTES not released
    assert (await api.ok(SEARCH, {"name": "rosa"}, token_b))["clients"]["totalCount"] == 1

    # after expiry: nothing at all
    api.clock.advance(timedelta(days=31))
    token_b = await api.sign_in(w["worker_b"])
    assert (await api.error(READ_CLIENT, {"id": client_id}, token_b))["code"] == "NOT_FOUND"


async def test_revocation_ends_sharing_at_once(api: Api) -> None:
    w = await _setup(api)
    token_a = await api.sign_in(w["worker_a"])
    today = api.clock.now().date()
    client_id = (
        await api.ok(
            CREATE_CLIENT,
            {"input": {"firstName": "Ada", "consent": {"kind": "WRITTEN", "takenOn": str(today)}}},
            token_a,
        )
    )["createClient"]["id"]
    release = (
        await api.ok(
            RECORD_RELEASE,
            {
                "input": {
                    "clientId": client_id,
                    "scope": "STATEWIDE",
                    "categories": ["IDENTIFYING"],
                    "startsOn": str(today),
                    "expiresOn": str(today + timedelta(days=300)),
                    "kind": "WRITTEN",
                }
            },
            token_a,
        )
    )["recordRelease"]
    token_b = await api.sign_in(w["worker_b"])
    assert (await api.ok(READ_CLIENT, {"id": client_id}, token_b))["client"]["firstName"] == "Ada"
    revoked = (await api.ok(REVOKE, {"id": release["id"]}, token_a))["revokeRelease"]
    assert revoked["revokedAt"]
    assert not revoked["inForce"]
    assert (await api.error(READ_CLIENT, {"id": client_id}, token_b))["code"] == "NOT_FOUND"


async def test_view_only_reads_reporting_only_sees_nothing(api: Api) -> None:
    w = await _setup(api)
    token_a = await api.sign_in(w["worker_a"])
    today = api.clock.now().date()
    client = (
        await api.ok(
            CREATE_CLIENT,
            {
                "input": {
                    "firstName": "Ida",
                    "ssn": "987654321",
                    "ssnDataQuality": "FULL_SSN_REPORTED",
                    "consent": {
                        "kind": "VERBAL",
                        "firstContactByPhone": True,
                        "takenOn": str(today),
                    },
                }
            },
            token_a,
        )
    )["createClient"]
    token_v = await api.sign_in(w["viewer_a"])
    seen = (await api.ok(READ_CLIENT, {"id": client["id"]}, token_v))["client"]
    assert seen["firstName"] == "Ida"
    assert seen["ssn"] is None
    assert seen["ssnLastFour"] == "4321"
    assert not seen["access"]["canEdit"]
    update = """mutation($id: ID!, $v: Int!) { updateClient(input: {id: $id, version: $v, firstName: "X"}) { id } }"""
    assert (await api.error(update, {"id": client["id"], "v": client["version"]}, token_v))[
        "code"
    ] == "FORBIDDEN"
    token_r = await api.sign_in(w["reporter_a"])
    assert (await api.error(READ_CLIENT, {"id": client["id"]}, token_r))["code"] == "FORBIDDEN"
