"""createClient, updateClient and recordConsent over HTTP: what is stored, and every bad input
refused with a typed error and nothing written (policies 205, 207)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from models.audit import AuditEvent
from models.clients import Client, ConsentToEnter
from models.enrollments import Enrollment
from models.enums import AccessLevel
from tests.factories import Api, make_agency
from tests.schema.writes_support import (
    CREATE_CLIENT,
    create_client,
    expect_refused,
    make_project,
    release_to,
    today,
    two_agencies,
    worker,
)

UPDATE_CLIENT = """
mutation($input: UpdateClientInput!) {
  updateClient(input: $input) { id version firstName lastName ssn ssnLastFour white raceNone }
}"""
READ_CLIENT = """
query($id: ID!) {
  client(id: $id) { id version firstName lastName access { canEdit holdsConsent viaRelease } }
}"""
RECORD_CONSENT = """
mutation($input: RecordConsentInput!) {
  recordConsent(input: $input) { id kind takenOn firstContactByPhone agency { id } }
}"""
CREATE_ENROLLMENT = """
mutation($input: CreateEnrollmentInput!) { createEnrollment(input: $input) { id householdId } }"""


def _consent(api: Api, **fields: Any) -> dict[str, Any]:
    return {"kind": "WRITTEN", "takenOn": str(today(api)), **fields}


def _second(api: Api, client_id: str, **fields: Any) -> dict[str, Any]:
    """A second agency's consent: with its evidence, and the referral that brought the client."""
    return {
        "input": {
            "clientId": client_id,
            "consent": _consent(api, evidenceReference="Intake binder, page 12"),
            "referralReference": "CAN referral 2026-031",
            **fields,
        }
    }


# ---------------------------------------------------------------------------------- createClient


async def test_create_client_stores_the_client_with_its_consent(api: Api) -> None:
    # given a case manager with full access at one agency
    a = await make_agency("Agency A")
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))

    # when they enter a client under verbal consent taken on a first phone contact
    created = await create_client(
        api,
        token,
        ssn="123-45-6789",
        ssnDataQuality="FULL_SSN_REPORTED",
        consent=_consent(api, kind="VERBAL", firstContactByPhone=True),
    )

    # then the SSN is stored without dashes, the agency holds the consent and may edit
    assert created["ssn"] == "123456789"
    assert created["ssnLastFour"] == "6789"
    assert created["version"] == 1
    assert created["access"] == {"canEdit": True, "holdsConsent": True}
    assert created["createdByAgency"]["id"] == str(a.id)
    assert created["consents"] == [
        {
            "kind": "VERBAL",
            "firstContactByPhone": True,
            "takenOn": str(today(api)),
            "agency": {"id": str(a.id)},
        }
    ]
    assert await ConsentToEnter.filter(client_id=created["id"], agency_id=a.id).count() == 1


async def test_a_partial_ssn_is_accepted_as_approximate(api: Api) -> None:
    a = await make_agency("Agency A")
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))

    created = await create_client(
        api, token, ssn="XXX-XX-6789", ssnDataQuality="APPROXIMATE_OR_PARTIAL_SSN_REPORTED"
    )

    assert created["ssn"] == "xxxxx6789"
    assert created["ssnLastFour"] == "6789"
    assert created["ssnDataQuality"] == "APPROXIMATE_OR_PARTIAL_SSN_REPORTED"


BAD_CLIENTS = [
    pytest.param({"consent": None}, "consent", id="consent-null"),
    pytest.param({"consent": "omit"}, "consent", id="consent-omitted"),
    pytest.param(
        {"consent": {"kind": "VERBAL", "firstContactByPhone": False}},
        "consent.kind",
        id="verbal-not-by-phone",
    ),
    pytest.param({"consent": {"takenOn": "future"}}, "consent.takenOn", id="consent-in-future"),
    # checked inside the transaction, after the client row is written: that row must not stay
    pytest.param(
        {"consent": {"evidenceReference": "x" * 201}},
        "consent.evidenceReference",
        id="evidence-too-long",
    ),
    pytest.param({"ssn": "12345678"}, "ssn", id="ssn-eight-digits"),
    pytest.param({"ssn": "1234567890"}, "ssn", id="ssn-ten-digits"),
    pytest.param({"ssn": "12345678a"}, "ssn", id="ssn-letter"),
    pytest.param(
        {"ssn": "xxxxx6789", "ssnDataQuality": "FULL_SSN_REPORTED"},
        "ssnDataQuality",
        id="partial-ssn-not-approximate",
    ),
    pytest.param(
        {"raceNone": "DATA_NOT_COLLECTED", "asian": "YES"}, "raceNone", id="race-none-with-race"
    ),
    pytest.param({"dob": "tomorrow"}, "dob", id="dob-in-future"),
    pytest.param({"dob": "1899-12-31"}, "dob", id="dob-before-1900"),
    pytest.param({"zipCode": "0610"}, "zipCode", id="zip"),
    pytest.param({"phone": "555-1234"}, "phone", id="phone"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_CLIENTS)
async def test_create_client_refuses_bad_input_and_writes_nothing(
    api: Api, fields: dict[str, Any], field: str
) -> None:
    a = await make_agency("Agency A")
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))
    values: dict[str, Any] = {"firstName": "Rosa", "consent": _consent(api), **fields}
    if isinstance(values["consent"], dict):
        values["consent"] = {**_consent(api), **values["consent"]}
        if values["consent"]["takenOn"] == "future":
            values["consent"]["takenOn"] = str(today(api) + timedelta(days=1))
    if values["consent"] == "omit":
        del values["consent"]
    if values.get("dob") == "tomorrow":
        values["dob"] = str(today(api) + timedelta(days=1))

    await expect_refused(
        api, CREATE_CLIENT, {"input": values}, token, code="VALIDATION", field=field
    )


# Values outside a field's HUD list: the enum refuses them before anything runs, an integer
# (the codes' old form) as much as another list's value name.
BAD_CODES = [
    pytest.param({"nameDataQuality": 3}, id="name-quality-number"),
    pytest.param({"ssnDataQuality": "NO"}, id="ssn-quality-of-another-list"),
    pytest.param({"dobDataQuality": "FULL_SSN_REPORTED"}, id="dob-quality-of-ssn"),
    pytest.param({"sex": "PREFERS_NOT_TO_SAY"}, id="sex"),
    pytest.param({"veteranStatus": 2}, id="veteran-status"),
    pytest.param({"white": "DATA_NOT_COLLECTED"}, id="race-flag"),
    pytest.param({"raceNone": "NO"}, id="race-none-code"),
]


@pytest.mark.parametrize("fields", BAD_CODES)
async def test_a_value_outside_the_hud_list_is_refused_on_create_and_update(
    api: Api, fields: dict[str, Any]
) -> None:
    a = await make_agency("Agency A")
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))
    values: dict[str, Any] = {"firstName": "Rosa", "consent": _consent(api), **fields}
    error = await expect_refused(
        api, CREATE_CLIENT, {"input": values}, token, code="GRAPHQL_VALIDATION_FAILED"
    )
    assert "field" not in error
    client = await create_client(api, token)
    await expect_refused(
        api,
        UPDATE_CLIENT,
        {"input": {"id": client["id"], "version": 1, **fields}},
        token,
        code="GRAPHQL_VALIDATION_FAILED",
    )


async def test_a_user_of_two_agencies_must_name_one_they_have_full_access_in(api: Api) -> None:
    # given a user with full access at A and B, view-only at C, and nothing at D
    a, b = await two_agencies()
    c = await make_agency("Agency C")
    d = await make_agency("Agency D")
    token = await api.sign_in(
        await worker({a: AccessLevel.FULL, b: AccessLevel.FULL, c: AccessLevel.VIEW_ONLY})
    )
    values = {"firstName": "Rosa", "consent": _consent(api)}

    # without agencyId: which agency holds the consent is ambiguous
    await expect_refused(
        api, CREATE_CLIENT, {"input": values}, token, code="VALIDATION", field="agencyId"
    )
    # an agency where they may only view, or are not a member
    await expect_refused(
        api, CREATE_CLIENT, {"input": {**values, "agencyId": str(c.id)}}, token, code="FORBIDDEN"
    )
    await expect_refused(
        api, CREATE_CLIENT, {"input": {**values, "agencyId": str(d.id)}}, token, code="FORBIDDEN"
    )

    # naming B: B created the client and holds the consent
    created = (await api.ok(CREATE_CLIENT, {"input": {**values, "agencyId": str(b.id)}}, token))[
        "createClient"
    ]
    assert created["createdByAgency"]["id"] == str(b.id)
    assert [c["agency"]["id"] for c in created["consents"]] == [str(b.id)]


async def test_a_victim_service_provider_cannot_create_clients(api: Api) -> None:
    vsp = await make_agency("Safe Haven", victim_service_provider=True)
    token = await api.sign_in(await worker({vsp: AccessLevel.FULL}))

    await expect_refused(
        api,
        CREATE_CLIENT,
        {"input": {"firstName": "Rosa", "consent": _consent(api)}},
        token,
        code="FORBIDDEN",
    )


@pytest.mark.parametrize("level", [AccessLevel.VIEW_ONLY, AccessLevel.REPORTING_ONLY])
async def test_only_full_access_creates_clients(api: Api, level: AccessLevel) -> None:
    a = await make_agency("Agency A")
    token = await api.sign_in(await worker({a: level}))

    await expect_refused(
        api,
        CREATE_CLIENT,
        {"input": {"firstName": "Rosa", "consent": _consent(api)}},
        token,
        code="FORBIDDEN",
    )


# ---------------------------------------------------------------------------------- updateClient


async def test_a_stale_version_gets_conflict_and_the_first_write_is_kept(api: Api) -> None:
    # given two case managers who both read version 1
    a = await make_agency("Agency A")
    token_1 = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_2 = await api.sign_in(await worker({a: AccessLevel.FULL}))
    client = await create_client(api, token_1)
    assert client["version"] == 1

    # when the first saves, the version moves on
    first = await api.ok(
        UPDATE_CLIENT,
        {"input": {"id": client["id"], "version": 1, "lastName": "McCauley"}},
        token_1,
    )
    assert first["updateClient"]["version"] == 2
    assert first["updateClient"]["lastName"] == "McCauley"

    # then the second, still on version 1, is refused and loses nothing of the first
    await expect_refused(
        api,
        UPDATE_CLIENT,
        {"input": {"id": client["id"], "version": 1, "lastName": "Smith"}},
        token_2,
        code="CONFLICT",
        field="version",
    )
    seen = (await api.ok(READ_CLIENT, {"id": client["id"]}, token_2))["client"]
    assert (seen["lastName"], seen["version"]) == ("McCauley", 2)

    # after reloading, the second may save on version 2
    again = await api.ok(
        UPDATE_CLIENT, {"input": {"id": client["id"], "version": 2, "lastName": "Smith"}}, token_2
    )
    assert (again["updateClient"]["lastName"], again["updateClient"]["version"]) == ("Smith", 3)


async def test_update_of_an_unknown_client_is_not_found(api: Api) -> None:
    a = await make_agency("Agency A")
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))
    await create_client(api, token)

    await expect_refused(
        api,
        UPDATE_CLIENT,
        {"input": {"id": "00000000-0000-4000-8000-000000000000", "version": 1, "firstName": "X"}},
        token,
        code="NOT_FOUND",
        field="id",
    )
    await expect_refused(
        api,
        UPDATE_CLIENT,
        {"input": {"id": "not-a-uuid", "version": 1, "firstName": "X"}},
        token,
        code="VALIDATION",
        field="id",
    )


async def test_a_client_seen_through_a_release_cannot_be_edited(api: Api) -> None:
    # given B sees A's client through a release
    a, b = await two_agencies()
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    await release_to(api, token_a, client["id"], b, ("IDENTIFYING", "ENROLLMENT_AND_SERVICES"))
    seen = (await api.ok(READ_CLIENT, {"id": client["id"]}, token_b))["client"]
    assert seen["access"] == {"canEdit": False, "holdsConsent": False, "viaRelease": True}

    # when B tries to change it: FORBIDDEN, and the client is as it was
    await expect_refused(
        api,
        UPDATE_CLIENT,
        {"input": {"id": client["id"], "version": 1, "firstName": "Changed"}},
        token_b,
        code="FORBIDDEN",
    )
    stored = await Client.get(id=client["id"])
    assert (stored.first_name, stored.version) == ("Rosa", 1)


BAD_UPDATES = [
    pytest.param({"ssn": "1234"}, "ssn", id="ssn-short"),
    pytest.param({"ssn": "xxxxx1234"}, "ssnDataQuality", id="partial-ssn-keeps-quality-1"),
    pytest.param({"raceNone": "DATA_NOT_COLLECTED"}, "raceNone", id="race-none-with-stored-race"),
    pytest.param({"veteranStatus": None}, "veteranStatus", id="explicit-null"),
    pytest.param({"dob": "2999-01-01"}, "dob", id="dob-in-future"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_UPDATES)
async def test_update_refuses_bad_input_and_changes_nothing(
    api: Api, fields: dict[str, Any], field: str
) -> None:
    # given a client with a full SSN and a race flag
    a = await make_agency("Agency A")
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))
    client = await create_client(
        api, token, ssn="123456789", ssnDataQuality="FULL_SSN_REPORTED", white="YES"
    )

    await expect_refused(
        api,
        UPDATE_CLIENT,
        {"input": {"id": client["id"], "version": 1, "firstName": "Changed", **fields}},
        token,
        code="VALIDATION",
        field=field,
    )
    stored = await Client.get(id=client["id"])
    assert (stored.first_name, stored.ssn, stored.white, stored.race_none, stored.version) == (
        "Rosa",
        "123456789",
        1,
        None,
        1,
    )


# -------------------------------------------------------------------------------- recordConsent


async def test_an_agency_seeing_a_client_by_release_records_consent_and_then_enrolls(
    api: Api,
) -> None:
    # given B sees A's client through a release, and runs a project
    a, b = await two_agencies()
    project_b = await make_project(b)
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    await release_to(api, token_a, client["id"], b)
    enroll = {
        "input": {
            "clientId": client["id"],
            "projectId": str(project_b.id),
            "entryDate": str(today(api)),
            "relationshipToHoH": "SELF",
        }
    }
    # without its own consent B cannot enroll the client
    await expect_refused(
        api, CREATE_ENROLLMENT, enroll, token_b, code="VALIDATION", field="clientId"
    )

    # when B records the client's consent
    consent = await api.ok(RECORD_CONSENT, _second(api, client["id"]), token_b)
    assert consent["recordConsent"]["agency"]["id"] == str(b.id)
    assert consent["recordConsent"]["kind"] == "WRITTEN"

    # then B holds the client: it may edit and enroll
    seen = (await api.ok(READ_CLIENT, {"id": client["id"]}, token_b))["client"]
    assert seen["access"]["holdsConsent"]
    assert seen["access"]["canEdit"]
    assert (await api.ok(CREATE_ENROLLMENT, enroll, token_b))["createEnrollment"]["id"]


async def test_recording_the_same_consent_twice_is_a_conflict(api: Api) -> None:
    a, b = await two_agencies()
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    await release_to(api, token_a, client["id"], b)
    variables = _second(api, client["id"])
    await api.ok(RECORD_CONSENT, variables, token_b)

    await expect_refused(api, RECORD_CONSENT, variables, token_b, code="CONFLICT")
    # the creating agency already holds it too
    await expect_refused(api, RECORD_CONSENT, variables, token_a, code="CONFLICT")


async def test_consent_for_a_client_the_agency_cannot_see_is_not_found(api: Api) -> None:
    a, b = await two_agencies()
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    client = await create_client(api, token_a)

    for client_id in (client["id"], "00000000-0000-4000-8000-000000000000"):
        await expect_refused(
            api,
            RECORD_CONSENT,
            _second(api, client_id),
            token_b,
            code="NOT_FOUND",
            field="clientId",
        )


async def test_record_consent_validates_the_consent(api: Api) -> None:
    a, b = await two_agencies()
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    await release_to(api, token_a, client["id"], b)

    project_a = await make_project(a)
    enrollment = {"entryDate": str(today(api)), "relationshipToHoH": "SELF"}
    for fields, field in (
        ({"consent": None}, "consent"),
        ({"consent": _consent(api, kind="VERBAL")}, "consent.kind"),
        (
            {"consent": _consent(api, takenOn=str(today(api) + timedelta(days=1)))},
            "consent.takenOn",
        ),
        ({"consent": _consent(api, evidenceReference="x" * 201)}, "consent.evidenceReference"),
        # a second agency's consent needs its evidence ...
        ({"consent": _consent(api)}, "consent.evidenceReference"),
        # ... and its relationship with the client: an enrollment, or a referral; not both
        ({"referralReference": None}, "referralReference"),
        ({"referralReference": "   "}, "referralReference"),
        ({"enrollment": {"projectId": str(project_a.id), **enrollment}}, "referralReference"),
        (
            {
                "referralReference": None,
                "enrollment": {"projectId": str(project_a.id), **enrollment},
            },
            "enrollment.projectId",
        ),
    ):
        await expect_refused(
            api,
            RECORD_CONSENT,
            _second(api, client["id"], **fields),
            token_b,
            code="VALIDATION",
            field=field,
        )
    assert await ConsentToEnter.filter(client_id=client["id"], agency_id=b.id).count() == 0


async def test_view_only_users_cannot_record_consent(api: Api) -> None:
    a, b = await two_agencies()
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_v = await api.sign_in(await worker({b: AccessLevel.VIEW_ONLY}))
    client = await create_client(api, token_a)
    await release_to(api, token_a, client["id"], b)

    await expect_refused(
        api,
        RECORD_CONSENT,
        _second(api, client["id"]),
        token_v,
        code="FORBIDDEN",
    )


async def test_two_agencies_users_recording_the_same_consent_at_once_get_one_conflict(
    api: Api,
) -> None:
    # given B sees A's client by release, and two of B's users record B's consent at the same moment
    a, b = await two_agencies()
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    tokens = [await api.sign_in(await worker({b: AccessLevel.FULL})) for _ in range(2)]
    client = await create_client(api, token_a)
    await release_to(api, token_a, client["id"], b)
    variables = _second(api, client["id"])

    bodies = await asyncio.gather(*(api.gql(RECORD_CONSENT, variables, t) for t in tokens))

    # then one is stored and the other is a typed CONFLICT (not an internal error)
    codes = sorted(
        body["errors"][0]["extensions"]["code"] if body.get("errors") else "OK" for body in bodies
    )
    assert codes == ["CONFLICT", "OK"]
    assert await ConsentToEnter.filter(client_id=client["id"], agency_id=b.id).count() == 1


async def test_a_second_agency_enrolls_the_client_with_its_consent(api: Api) -> None:
    # given B sees A's client only by an IDENTIFYING release
    a, b = await two_agencies()
    project_b = await make_project(b)
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    await release_to(api, token_a, client["id"], b)
    # when B records its consent with the client's enrollment at its shelter
    enrollment = {
        "projectId": str(project_b.id),
        "entryDate": str(today(api)),
        "relationshipToHoH": "SELF",
        "livingSituation": "PLACE_NOT_MEANT_FOR_HABITATION",
    }
    await api.ok(
        RECORD_CONSENT,
        _second(api, client["id"], referralReference=None, enrollment=enrollment),
        token_b,
    )
    # then the consent says why B holds the client, and the enrollment came with it
    stored = await ConsentToEnter.get(client_id=client["id"], agency_id=b.id)
    assert (stored.relationship, stored.referral_reference) == ("ENROLLMENT", None)
    assert stored.evidence_reference == "Intake binder, page 12"
    [enrolled] = await Enrollment.filter(client_id=client["id"], agency_id=b.id)
    assert (enrolled.project_id, enrolled.living_situation) == (project_b.id, 116)
    # and the audit row says it was a second agency's consent
    row = await AuditEvent.get(
        action="CREATE", entity_type="ConsentToEnter", entity_id=str(stored.id)
    )
    assert row.fields_touched == ["relationship:ENROLLMENT", "secondAgency"]


async def test_a_failed_enrollment_leaves_no_consent(api: Api) -> None:
    a, b = await two_agencies()
    project_b = await make_project(b)
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    await release_to(api, token_a, client["id"], b)
    # an enrollment before the project opened is refused: nothing of it, or of the consent, stays
    enrollment = {
        "projectId": str(project_b.id),
        "entryDate": "2001-01-01",
        "relationshipToHoH": "SELF",
    }
    await expect_refused(
        api,
        RECORD_CONSENT,
        _second(api, client["id"], referralReference=None, enrollment=enrollment),
        token_b,
        code="VALIDATION",
        field="entryDate",
    )
    assert await ConsentToEnter.filter(client_id=client["id"], agency_id=b.id).count() == 0
    assert await Enrollment.filter(client_id=client["id"], agency_id=b.id).count() == 0
