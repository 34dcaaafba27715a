"""recordRelease and revokeRelease over HTTP (policy 207): every bad release refused with a typed
error and nothing written; releases are immutable, in the API and in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from models.enums import AccessLevel
from models.governance import Can, ContinuumOfCare
from models.releases import Release
from tests.factories import Api, make_agency
from tests.schema.writes_support import (
    RECORD_RELEASE,
    create_client,
    expect_refused,
    release_to,
    today,
    two_agencies,
    worker,
)

REVOKE = """
mutation($id: ID!, $reason: String) {
  revokeRelease(input: {releaseId: $id, reason: $reason}) { id revokedAt revocationReason inForce }
}"""
READ_CLIENT = """query($id: ID!) { client(id: $id) { id firstName access { viaRelease } } }"""
MUTATIONS = """{ __schema { mutationType { fields { name } } } }"""


def _release(api: Api, client_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "scope": "STATEWIDE",
        "categories": ["IDENTIFYING"],
        "startsOn": str(today(api)),
        "expiresOn": str(today(api) + timedelta(days=90)),
        "kind": "WRITTEN",
        **fields,
    }


async def _can() -> Can:
    return await Can.create(name="Central CAN", coc=await ContinuumOfCare.get(code="CT-503"))


async def test_a_can_release_shows_the_client_to_the_cans_agencies_only(api: Api) -> None:
    # given a CAN with one member agency, and an agency outside it
    can = await _can()
    a = await make_agency("Agency A")
    member = await make_agency("In the CAN", can=can)
    outsider = await make_agency("Outside the CAN")
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_in = await api.sign_in(await worker({member: AccessLevel.FULL}))
    token_out = await api.sign_in(await worker({outsider: AccessLevel.FULL}))
    client = await create_client(api, token_a)

    release = await api.ok(
        RECORD_RELEASE,
        {"input": _release(api, client["id"], scope="CAN", canId=str(can.id))},
        token_a,
    )
    assert release["recordRelease"]["scope"] == "CAN"

    assert (await api.ok(READ_CLIENT, {"id": client["id"]}, token_in))["client"]["access"][
        "viaRelease"
    ]
    assert (await api.error(READ_CLIENT, {"id": client["id"]}, token_out))["code"] == "NOT_FOUND"


def _days(api: Api, n: int) -> str:
    return str(today(api) + timedelta(days=n))


BAD_RELEASES = [
    pytest.param({"expiresOn": None}, "expiresOn", id="no-expiry"),
    pytest.param({"startsOn": 10, "expiresOn": 5}, "expiresOn", id="expiry-before-start"),
    pytest.param({"startsOn": -30, "expiresOn": -1}, "expiresOn", id="already-expired"),
    pytest.param({"categories": []}, "categories", id="no-categories"),
    pytest.param({"scope": "AGENCIES"}, "agencyIds", id="agencies-none-named"),
    pytest.param(
        {"scope": "AGENCIES", "agencyIds": ["unknown"]}, "agencyIds", id="agencies-unknown"
    ),
    pytest.param(
        {"scope": "AGENCIES", "agencyIds": ["b"], "canId": "can"}, "canId", id="agencies-with-can"
    ),
    pytest.param({"scope": "CAN"}, "canId", id="can-without-can-id"),
    pytest.param({"scope": "CAN", "canId": "unknown"}, "canId", id="can-unknown"),
    pytest.param(
        {"scope": "CAN", "canId": "can", "agencyIds": ["b"]}, "agencyIds", id="can-with-agencies"
    ),
    pytest.param({"agencyIds": ["b"]}, "scope", id="statewide-with-agencies"),
    pytest.param({"canId": "can"}, "scope", id="statewide-with-can"),
    pytest.param({"evidenceReference": "x" * 201}, "evidenceReference", id="evidence-too-long"),
    # a verbal release only when the first contact is by phone, as for verbal consent
    pytest.param({"kind": "VERBAL"}, "kind", id="verbal-without-phone-contact"),
    pytest.param(
        {"agencyIds": ["not-a-uuid"], "scope": "AGENCIES"}, "agencyIds", id="agency-id-malformed"
    ),
]


@pytest.mark.parametrize(("fields", "field"), BAD_RELEASES)
async def test_a_bad_release_is_refused_and_nothing_is_written(
    api: Api, fields: dict[str, Any], field: str
) -> None:
    # given agency A holding a client, agency B, and a CAN
    a, b = await two_agencies()
    can = await _can()
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))
    client = await create_client(api, token)
    names = {"b": str(b.id), "can": str(can.id), "unknown": "00000000-0000-4000-8000-000000000000"}
    values: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ("startsOn", "expiresOn") and isinstance(value, int):
            values[key] = _days(api, value)
        elif key == "agencyIds":
            values[key] = [names.get(v, v) for v in value]
        elif key == "canId":
            values[key] = names[value]
        else:
            values[key] = value

    await expect_refused(
        api,
        RECORD_RELEASE,
        {"input": _release(api, client["id"], **values)},
        token,
        code="VALIDATION",
        field=field,
    )


async def test_an_agency_that_does_not_hold_the_client_cannot_record_a_release(api: Api) -> None:
    # given B sees A's client through a release, without consent of its own
    a, b = await two_agencies()
    c = await make_agency("Agency C")
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    await release_to(api, token_a, client["id"], b, ("IDENTIFYING", "ENROLLMENT_AND_SERVICES"))

    # when B tries to pass the client on to C: refused (record consent first), nothing written
    variables = {"input": _release(api, client["id"], scope="AGENCIES", agencyIds=[str(c.id)])}
    await expect_refused(
        api, RECORD_RELEASE, variables, token_b, code="VALIDATION", field="clientId"
    )
    # naming its own agency explicitly says the same
    variables["input"]["agencyId"] = str(b.id)
    await expect_refused(
        api, RECORD_RELEASE, variables, token_b, code="VALIDATION", field="agencyId"
    )


async def test_releases_for_unseen_clients_or_by_view_only_users_are_refused(api: Api) -> None:
    a, b = await two_agencies()
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    token_view = await api.sign_in(await worker({a: AccessLevel.VIEW_ONLY}))
    client = await create_client(api, token_a)

    await expect_refused(
        api,
        RECORD_RELEASE,
        {"input": _release(api, client["id"])},
        token_b,
        code="NOT_FOUND",
        field="clientId",
    )
    await expect_refused(
        api,
        RECORD_RELEASE,
        {"input": _release(api, "00000000-0000-4000-8000-000000000000")},
        token_a,
        code="NOT_FOUND",
        field="clientId",
    )
    await expect_refused(
        api, RECORD_RELEASE, {"input": _release(api, client["id"])}, token_view, code="FORBIDDEN"
    )


async def test_revoking_twice_is_a_conflict_and_keeps_the_first_revocation(api: Api) -> None:
    a, b = await two_agencies()
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    release = await release_to(api, token_a, client["id"], b)
    first = (await api.ok(REVOKE, {"id": release["id"], "reason": "client asked"}, token_a))[
        "revokeRelease"
    ]
    assert first["revokedAt"]
    assert not first["inForce"]

    api.clock.advance(timedelta(minutes=5))
    await expect_refused(
        api, REVOKE, {"id": release["id"], "reason": "again"}, token_a, code="CONFLICT"
    )

    stored = await Release.get(id=release["id"])
    assert stored.revocation_reason == "client asked"
    assert stored.revoked_at is not None
    assert stored.revoked_at.isoformat() == first["revokedAt"]


async def test_another_agency_cannot_revoke_a_release(api: Api) -> None:
    # given A's release shares the client with B
    a, b = await two_agencies()
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    token_b = await api.sign_in(await worker({b: AccessLevel.FULL}))
    token_view_a = await api.sign_in(await worker({a: AccessLevel.VIEW_ONLY, b: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    release = await release_to(api, token_a, client["id"], b)

    # B (a recipient) and a user who only views at A cannot revoke it; an unknown id is not found
    await expect_refused(
        api, REVOKE, {"id": release["id"]}, token_b, code="NOT_FOUND", field="releaseId"
    )
    await expect_refused(api, REVOKE, {"id": release["id"]}, token_view_a, code="FORBIDDEN")
    await expect_refused(
        api,
        REVOKE,
        {"id": "00000000-0000-4000-8000-000000000000"},
        token_a,
        code="NOT_FOUND",
        field="releaseId",
    )

    stored = await Release.get(id=release["id"])
    assert stored.revoked_at is None
    assert (await api.ok(READ_CLIENT, {"id": client["id"]}, token_b))["client"]["access"][
        "viaRelease"
    ]


async def test_releases_are_immutable_except_for_revocation(api: Api, database_url: str) -> None:
    # given a recorded release
    a, b = await two_agencies()
    token_a = await api.sign_in(await worker({a: AccessLevel.FULL}))
    client = await create_client(api, token_a)
    release = await release_to(api, token_a, client["id"], b)

    # the API offers no way to change one: only recording and revoking
    fields = (await api.ok(MUTATIONS))["__schema"]["mutationType"]["fields"]
    assert sorted(f["name"] for f in fields if "release" in f["name"].lower()) == [
        "recordRelease",
        "revokeRelease",
    ]

    # and the database refuses to change or delete it behind the API's back
    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="immutable"):
            await conn.execute(
                'UPDATE release_of_information SET categories = \'["IDENTIFYING", "HEALTH"]\' WHERE id = $1',
                release["id"],
            )
        with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="immutable"):
            await conn.execute(
                "UPDATE release_of_information SET expires_on = expires_on + 365 WHERE id = $1",
                release["id"],
            )
        with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="never deleted"):
            await conn.execute("DELETE FROM release_of_information WHERE id = $1", release["id"])

        # revocation is the one change allowed, once
        await api.ok(REVOKE, {"id": release["id"]}, token_a)
        with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="immutable"):
            await conn.execute(
                "UPDATE release_of_information SET revoked_at = NULL WHERE id = $1", release["id"]
            )
        row = await conn.fetchrow(
            "SELECT categories::text, revoked_at FROM release_of_information WHERE id = $1",
            release["id"],
        )
    finally:
        await conn.close()
    assert row is not None
    assert row["categories"] == '["IDENTIFYING"]'
    assert row["revoked_at"] is not None


async def test_a_verbal_release_is_taken_when_the_first_contact_is_by_phone(api: Api) -> None:
    a, _ = await two_agencies()
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))
    client = await create_client(api, token)
    values = _release(api, client["id"], kind="VERBAL", firstContactByPhone=True)
    release = (await api.ok(RECORD_RELEASE, {"input": values}, token))["recordRelease"]
    stored = await Release.get(id=release["id"])
    assert (stored.kind, stored.first_contact_by_phone) == ("VERBAL", True)
