"""Corrections (policy 207 f) and the client's copy of their record (policy 207 e) over HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from authz.enforcer import notify_change
from models.clients import CanStaff, Client
from models.enums import AccessLevel, Duty, SystemRole
from models.governance import Agency, Can, ContinuumOfCare
from tests.factories import Api, make_agency, make_user
from tests.schema.writes_support import (
    create_client,
    expect_refused,
    make_project,
    release_to,
    today,
    worker,
)

MARK = """
mutation($input: MarkRecordInput!) {
  markRecordInaccurate(input: $input) { id field kind note createdAt agency { id } }
}"""
SUPPLEMENT = """
mutation($input: SupplementRecordInput!) {
  supplementRecord(input: $input) { id field kind note agency { id } }
}"""
READ_CLIENT = """
query($id: ID!) {
  client(id: $id) { id firstName lastName dob version annotations { field kind note agency { id } } }
}"""
EXPORT = """query($id: ID!) { clientRecordExport(clientId: $id) }"""
READ_EVERYTHING = """
query($id: ID!) {
  client(id: $id) {
    id caseNotes { id text }
    enrollments { id disabilities { id disabilityType } healthAndDv { id generalHealthStatus } }
  }
}"""
RECORD_CONSENT = """mutation($input: RecordConsentInput!) { recordConsent(input: $input) { id } }"""
CREATE_ENROLLMENT = (
    """mutation($input: CreateEnrollmentInput!) { createEnrollment(input: $input) { id } }"""
)
EXIT = """mutation($input: ExitEnrollmentInput!) { exitEnrollment(input: $input) { id } }"""
RECORD_SERVICE = """mutation($input: RecordServiceInput!) { recordService(input: $input) { id } }"""
RECORD_INCOME = """mutation($input: RecordIncomeBenefitsInput!) { recordIncomeBenefits(input: $input) { id } }"""
RECORD_DISABILITY = (
    """mutation($input: RecordDisabilityInput!) { recordDisability(input: $input) { id } }"""
)
RECORD_HEALTH = (
    """mutation($input: RecordHealthAndDvInput!) { recordHealthAndDv(input: $input) { id } }"""
)
ADD_NOTE = """mutation($input: AddCaseNoteInput!) { addCaseNote(input: $input) { id } }"""
REQUEST_DELETION = """
mutation($input: RequestCaseNoteDeletionInput!) { requestCaseNoteDeletion(input: $input) { id } }"""
APPROVE_DELETION = """
mutation($input: DecideCaseNoteDeletionInput!) { approveCaseNoteDeletion(input: $input) { status } }"""
UNKNOWN = "00000000-0000-4000-8000-000000000000"


# ---------------------------------------------------------------------------------- corrections


async def test_corrections_keep_the_original_value_and_show_with_the_record(api: Api) -> None:
    # given a client entered by A
    a = await make_agency("Agency A")
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))
    client = await create_client(api, token, dob="1980-02-04", dobDataQuality="FULL_DOB_REPORTED")

    # when the client says the last name is wrong, the DOB incomplete, and adds to the address
    marked = (
        await api.ok(
            MARK,
            {
                "input": {
                    "clientId": client["id"],
                    "field": "lastName",
                    "note": "Client says the name is Parkes.",
                }
            },
            token,
        )
    )["markRecordInaccurate"]
    assert (marked["field"], marked["kind"], marked["agency"]["id"]) == (
        "lastName",
        "INACCURATE",
        str(a.id),
    )
    await api.ok(
        MARK,
        {
            "input": {
                "clientId": client["id"],
                "field": "dob",
                "kind": "INCOMPLETE",
                "note": "Year uncertain.",
            }
        },
        token,
    )
    supplement = await api.ok(
        SUPPLEMENT,
        {
            "input": {
                "clientId": client["id"],
                "field": "address",
                "note": "Stays with her sister on weekends.",
            }
        },
        token,
    )
    assert supplement["supplementRecord"]["kind"] == "SUPPLEMENT"

    # then the values are untouched and the annotations come with the client
    seen = (await api.ok(READ_CLIENT, {"id": client["id"]}, token))["client"]
    assert (seen["lastName"], seen["dob"], seen["version"]) == ("Parks", "1980-02-04", 1)
    assert [(n["field"], n["kind"], n["note"]) for n in seen["annotations"]] == [
        ("lastName", "INACCURATE", "Client says the name is Parkes."),
        ("dob", "INCOMPLETE", "Year uncertain."),
        ("address", "SUPPLEMENT", "Stays with her sister on weekends."),
    ]
    stored = await Client.get(id=client["id"])
    assert stored.last_name == "Parks"


async def test_bad_corrections_are_refused_and_nothing_is_written(api: Api) -> None:
    a = await make_agency("Agency A")
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))
    client = await create_client(api, token)

    def mark(**fields: Any) -> dict[str, Any]:
        return {
            "input": {"clientId": client["id"], "field": "lastName", "note": "Wrong.", **fields}
        }

    for document, variables, code, field in (
        (MARK, mark(field="favouriteColour"), "VALIDATION", "field"),
        (SUPPLEMENT, mark(field="passwordHash"), "VALIDATION", "field"),
        (MARK, mark(note="   "), "VALIDATION", "note"),
        (MARK, mark(note="x" * 4001), "VALIDATION", "note"),
        (MARK, mark(kind="SUPPLEMENT"), "VALIDATION", "kind"),
        (MARK, mark(clientId=UNKNOWN), "NOT_FOUND", "clientId"),
    ):
        await expect_refused(api, document, variables, token, code=code, field=field)


async def test_only_full_users_of_a_holding_agency_annotate(api: Api) -> None:
    # given B sees A's client by release, a view-only user at A, and agency C that sees nothing
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    c = await make_agency("Agency C")
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    token_c = await api.sign_in(await worker({c: AccessLevel.FULL}))
    token_view = await api.sign_in(await worker({a: AccessLevel.VIEW_ONLY}))
    client = await create_client(api, token_a)
    await release_to(api, token_a, client["id"], b)
    variables = {"input": {"clientId": client["id"], "field": "firstName", "note": "Wrong."}}

    await expect_refused(api, MARK, variables, token_view, code="FORBIDDEN")
    await expect_refused(api, SUPPLEMENT, variables, token_view, code="FORBIDDEN")
    # B holds no consent: it must record one first
    await expect_refused(api, MARK, variables, token_b, code="VALIDATION", field="clientId")
    await expect_refused(api, MARK, variables, token_c, code="NOT_FOUND", field="clientId")
    assert (await api.ok(READ_CLIENT, {"id": client["id"]}, token_a))["client"]["annotations"] == []


async def test_an_annotation_is_shown_as_the_field_it_annotates(api: Api) -> None:
    """A note on caseNotes is case-notes data ("misstates methadone dose" is Part 2-adjacent): it
    goes where A's case notes go, not wherever A's identifying data goes; and the reverse."""
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    c = await make_agency("Agency C")
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    token_c = await api.sign_in(await worker({c: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    for field, note in (("caseNotes", "Misstates methadone dose."), ("lastName", "Parkes.")):
        await api.ok(
            MARK, {"input": {"clientId": client["id"], "field": field, "note": note}}, token_a
        )
    # B: a release naming IDENTIFYING only; C: IDENTIFYING and CASE_NOTES
    await release_to(api, token_a, client["id"], b, ("IDENTIFYING",))
    await release_to(api, token_a, client["id"], c, ("IDENTIFYING", "CASE_NOTES"))

    def notes(seen: dict[str, Any]) -> list[str]:
        return [n["field"] for n in seen["client"]["annotations"]]

    assert notes(await api.ok(READ_CLIENT, {"id": client["id"]}, token_a)) == [
        "caseNotes",
        "lastName",
    ]
    assert notes(await api.ok(READ_CLIENT, {"id": client["id"]}, token_b)) == ["lastName"]
    assert notes(await api.ok(READ_CLIENT, {"id": client["id"]}, token_c)) == [
        "caseNotes",
        "lastName",
    ]


TRAIL = """
query($id: ID!, $kind: AuditTrailKind!, $after: String) {
  client(id: $id) {
    auditTrail(kind: $kind, first: 3, after: $after) {
      nodes { entityType entityId readWith { entityType entityId } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


async def _whole_trail(api: Api, token: str, client_id: str, kind: str) -> list[tuple[str, str]]:
    """Every entry of the trail the caller may see, walked three at a time, and the records
    each lists as read with the client."""
    entries: list[tuple[str, str]] = []
    after = None
    while True:
        variables = {"id": client_id, "kind": kind, "after": after}
        page = (await api.ok(TRAIL, variables, token))["client"]["auditTrail"]
        for n in page["nodes"]:
            entries.append((n["entityType"], n["entityId"]))
            entries += [(r["entityType"], r["entityId"]) for r in n["readWith"]]
        if not page["pageInfo"]["hasNextPage"]:
            return entries
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("kind", ["CHANGES", "READS"])
async def test_the_trail_lists_only_entries_about_rows_the_reader_may_see(
    api: Api, kind: str
) -> None:
    # given A's client with a full record (a case note, health and DV, a Part 2 disability), read
    # by A, and agency B under a release of IDENTIFYING and ENROLLMENT_AND_SERVICES only
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    ids = await _full_record(api, token_a, client["id"], a, "A Shelter")
    await api.ok(READ_EVERYTHING, {"id": client["id"]}, token_a)
    await release_to(api, token_a, client["id"], b, ("IDENTIFYING", "ENROLLMENT_AND_SERVICES"))

    # when each reads the whole trail
    seen_a = await _whole_trail(api, token_a, client["id"], kind)
    seen_b = await _whole_trail(api, token_b, client["id"], kind)

    # then A sees entries about its note (and, among the changes, its Part 2 disability: an
    # enrollment's rows are read under the enrollment's entry); B sees none of them exist
    hidden = {ids["note"], ids["substance"]} if kind == "CHANGES" else {ids["note"]}
    assert hidden <= {entity_id for _, entity_id in seen_a}
    assert not hidden & {entity_id for _, entity_id in seen_b}
    assert {"Enrollment", "Client"} <= {entity_type for entity_type, _ in seen_b}
    assert "CaseNote" not in {entity_type for entity_type, _ in seen_b}


# ---------------------------------------------------------------------------------------- export


async def _full_record(
    api: Api, token: str, client_id: str, agency: Agency, name: str
) -> dict[str, str]:
    """An enrollment at the agency with an exit, a service, income, two disabilities (one
    substance use), health and DV, and a note; returns the ids."""
    project = await make_project(agency, name)
    entry = today(api) - timedelta(days=20)
    enrollment = (
        await api.ok(
            CREATE_ENROLLMENT,
            {
                "input": {
                    "clientId": client_id,
                    "projectId": str(project.id),
                    "entryDate": str(entry),
                    "relationshipToHoH": "SELF",
                }
            },
            token,
        )
    )["createEnrollment"]["id"]
    at_entry = {
        "enrollmentId": enrollment,
        "informationDate": str(entry),
        "dataCollectionStage": "PROJECT_ENTRY",
    }
    service = await api.ok(
        RECORD_SERVICE,
        {
            "input": {
                "enrollmentId": enrollment,
                "dateProvided": str(entry),
                "recordType": "BED_NIGHT",
                "typeProvided": 200,
            }
        },
        token,
    )
    income = await api.ok(
        RECORD_INCOME,
        {
            "input": {
                **at_entry,
                "incomeFromAnySource": "YES",
                "ssi": "YES",
                "ssiAmount": "943",
            }
        },
        token,
    )
    mental = await api.ok(
        RECORD_DISABILITY,
        {
            "input": {
                **at_entry,
                "disabilityType": "MENTAL_HEALTH_DISORDER",
                "disabilityResponse": 1,
            }
        },
        token,
    )
    substance = await api.ok(
        RECORD_DISABILITY,
        {
            "input": {
                **at_entry,
                "disabilityType": "SUBSTANCE_USE_DISORDER",
                "disabilityResponse": 3,
            }
        },
        token,
    )
    health = await api.ok(
        RECORD_HEALTH,
        {
            "input": {
                **at_entry,
                "domesticViolenceSurvivor": "YES",
                "generalHealthStatus": "VERY_GOOD",
            }
        },
        token,
    )
    exit_ = await api.ok(
        EXIT,
        {
            "input": {
                "enrollmentId": enrollment,
                "exitDate": str(entry + timedelta(days=5)),
                "destination": "PLACE_NOT_MEANT_FOR_HABITATION",
            }
        },
        token,
    )
    note = await api.ok(
        ADD_NOTE,
        {
            "input": {
                "clientId": client_id,
                "enrollmentId": enrollment,
                "text": f"Intake at {name}.",
            }
        },
        token,
    )
    return {
        "enrollment": enrollment,
        "service": service["recordService"]["id"],
        "income": income["recordIncomeBenefits"]["id"],
        "mental": mental["recordDisability"]["id"],
        "substance": substance["recordDisability"]["id"],
        "health": health["recordHealthAndDv"]["id"],
        "exit": exit_["exitEnrollment"]["id"],
        "note": note["addCaseNote"]["id"],
    }


async def _delete_note(api: Api, agency: Agency, client_id: str, note_id: str) -> None:
    """The agency's HDC asks, the System Administrator approves (policy 404)."""
    hdc = await api.sign_in(await make_user(duties={agency: Duty.HMIS_DATA_COORDINATOR}))
    admin = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    request = (
        await api.ok(
            REQUEST_DELETION,
            {
                "input": {
                    "clientId": client_id,
                    "noteId": note_id,
                    "noteCreatedOn": str(today(api)),
                    "reason": "Wrong client.",
                }
            },
            hdc,
        )
    )["requestCaseNoteDeletion"]
    approved = await api.ok(APPROVE_DELETION, {"input": {"requestId": request["id"]}}, admin)
    assert approved["approveCaseNoteDeletion"]["status"] == "APPROVED"


async def _export(api: Api, client_id: str, token: str) -> dict[str, Any]:
    return (await api.ok(EXPORT, {"id": client_id}, token))["clientRecordExport"]


async def test_the_creating_agency_exports_what_it_holds_and_nothing_of_other_agencies(
    api: Api,
) -> None:
    # given A's client with a full record at A, a deleted note, a correction and a release to B
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    client = await create_client(api, token_a, ssn="123456789", ssnDataQuality="FULL_SSN_REPORTED")
    ids = await _full_record(api, token_a, client["id"], a, "A Shelter")
    gone = (
        await api.ok(
            ADD_NOTE, {"input": {"clientId": client["id"], "text": "Wrong client."}}, token_a
        )
    )["addCaseNote"]["id"]
    await _delete_note(api, a, client["id"], gone)
    await api.ok(
        MARK, {"input": {"clientId": client["id"], "field": "lastName", "note": "Parkes."}}, token_a
    )
    release = await release_to(
        api, token_a, client["id"], b, ("IDENTIFYING", "ENROLLMENT_AND_SERVICES", "CASE_NOTES")
    )
    # and B, after recording its own consent, has a record of its own
    await api.ok(
        RECORD_CONSENT,
        {
            "input": {
                "clientId": client["id"],
                "consent": {
                    "kind": "WRITTEN",
                    "takenOn": str(today(api)),
                    "evidenceReference": "Signed form, intake binder",
                },
                "referralReference": "CAN referral 7",
            }
        },
        token_b,
    )
    b_ids = await _full_record(api, token_b, client["id"], b, "B Shelter")

    # when a full user at A exports the record
    export = await _export(api, client["id"], token_a)

    # then it holds the client, A's enrollment with everything under it, A's notes, consent and release
    assert export["scope"] == "agency"
    assert export["client"]["id"] == client["id"]
    assert (export["client"]["first_name"], export["client"]["ssn"]) == ("Rosa", "123456789")
    [enrollment] = export["enrollments"]
    assert enrollment["id"] == ids["enrollment"]
    assert enrollment["exit"]["id"] == ids["exit"]
    assert enrollment["exit"]["destination"] == 116
    assert [s["id"] for s in enrollment["services"]] == [ids["service"]]
    assert [i["id"] for i in enrollment["incomeBenefits"]] == [ids["income"]]
    income = enrollment["incomeBenefits"][0]
    assert (income["ssi"], income["ssi_amount"], income["earned"]) == (1, "943.00", None)
    assert sorted(d["disability_type"] for d in enrollment["disabilities"]) == [
        9,
        10,
    ]  # A's own Part 2 data too
    assert [(h["id"], h["domestic_violence_survivor"]) for h in enrollment["healthAndDv"]] == [
        (ids["health"], 1)
    ]
    notes = {n["id"]: n for n in export["caseNotes"]}
    assert set(notes) == {ids["note"], gone}
    assert notes[ids["note"]]["text"] == "Intake at A Shelter."
    assert notes[gone] == {**notes[gone], "text": None, "deleted": True}
    assert [c["agency_id"] for c in export["consents"]] == [str(a.id)]
    assert [r["id"] for r in export["releases"]] == [release["id"]]
    assert [(n["field"], n["note"]) for n in export["annotations"]] == [("lastName", "Parkes.")]
    # and nothing B wrote
    dumped = json.dumps(export)
    for value in b_ids.values():
        assert value not in dumped
    assert "B Shelter" not in dumped


async def test_can_backbone_staff_export_the_cans_records_without_part_2_data(api: Api) -> None:
    # given a CAN (backbone agency K, member agency A) and agency X outside it
    coc = await ContinuumOfCare.get(code="CT-503")
    k = await make_agency("Backbone K")
    can = await Can.create(name="Central CAN", coc=coc, backbone_agency=k)
    k.can = can  # type: ignore[assignment]
    await k.save()
    a = await make_agency("Agency A", can=can)
    x = await make_agency("Agency X")
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_x = await api.sign_in(await worker({x: AccessLevel.FULL}))
    staff = await worker({k: AccessLevel.VIEW_ONLY})
    await CanStaff.create(user=staff, can=can, assigned_at=api.clock.now())
    await notify_change()
    # A's client with a full record; X also holds the client and has its own record
    client = await create_client(api, token_a, ssn="123456789", ssnDataQuality="FULL_SSN_REPORTED")
    ids = await _full_record(api, token_a, client["id"], a, "A Shelter")
    await release_to(api, token_a, client["id"], x)
    await api.ok(
        RECORD_CONSENT,
        {
            "input": {
                "clientId": client["id"],
                "consent": {
                    "kind": "WRITTEN",
                    "takenOn": str(today(api)),
                    "evidenceReference": "Signed form, intake binder",
                },
                "referralReference": "CAN referral 7",
            }
        },
        token_x,
    )
    x_ids = await _full_record(api, token_x, client["id"], x, "X Shelter")

    # when the backbone staff member exports the record
    token_k = await api.sign_in(staff)
    export = await _export(api, client["id"], token_k)

    # then it covers what the CAN's agencies recorded as the API shows it to backbone staff:
    # without substance use (42 CFR Part 2) or case notes, which need a release naming them
    # (decision 98), and with the SSN's last four digits only
    assert export["scope"] == "can"
    assert [e["id"] for e in export["enrollments"]] == [ids["enrollment"]]
    [enrollment] = export["enrollments"]
    assert [d["id"] for d in enrollment["disabilities"]] == [ids["mental"]]
    assert [s["id"] for s in enrollment["services"]] == [ids["service"]]
    assert export["caseNotes"] == []
    # consents and releases as `client(id)` lists them: those of the caller's own agencies, and
    # releases shared with it (none here)
    assert export["consents"] == []
    assert export["releases"] == []
    assert export["client"]["ssn"] is None
    assert export["client"]["ssn_last_four"] == "6789"
    dumped = json.dumps(export)
    assert ids["substance"] not in dumped
    assert ids["note"] not in dumped
    assert "123456789" not in dumped
    for value in x_ids.values():
        assert value not in dumped


async def test_only_a_holding_agencys_full_users_or_the_backbone_export(api: Api) -> None:
    # given A's client, a view-only user at A, B seeing it by release, C seeing nothing
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    c = await make_agency("Agency C")
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_view = await api.sign_in(await worker({a: AccessLevel.VIEW_ONLY}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    token_c = await api.sign_in(await worker({c: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    await release_to(
        api, token_a, client["id"], b, ("IDENTIFYING", "ENROLLMENT_AND_SERVICES", "CASE_NOTES")
    )
    variables = {"id": client["id"]}

    assert (await api.error(EXPORT, variables, token_view))["code"] == "FORBIDDEN"
    assert (await api.error(EXPORT, variables, token_b))["code"] == "FORBIDDEN"
    missing = await api.error(EXPORT, variables, token_c)
    assert (missing["code"], missing["field"]) == ("NOT_FOUND", "clientId")
    assert (await api.error(EXPORT, {"id": UNKNOWN}, token_a))["code"] == "NOT_FOUND"
    assert (await _export(api, client["id"], token_a))["client"]["id"] == client["id"]
