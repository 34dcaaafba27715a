"""The HMIS vendor's user sync over HTTP: idempotent by externalId, policy 109, batches."""

from __future__ import annotations

from typing import Any

import pytest

from models.enums import AccessLevel, Duty, SystemRole, UserStatus
from models.users import User
from tests.factories import Api, make_agency, make_user

USER_FIELDS = (
    "id externalId username email mfaContact firstName lastName status updatedAt"
    " deactivatedAt deactivationReason"
)
SYNC_USER = f"""
mutation($input: SyncUserInput!) {{
  syncUser(input: $input) {{ created changedFields user {{ {USER_FIELDS} }} }}
}}"""
SYNC_USERS = """
mutation($input: [SyncUserInput!]!) {
  syncUsers(input: $input) {
    externalId created changedFields user { id username } error { code field message }
  }
}"""
DEACTIVATE = f"""
mutation($input: DeactivateUserInput!) {{ deactivateUser(input: $input) {{ {USER_FIELDS} }} }}"""
ME = "query { me { user { username } } }"
USERS = """
query($filter: UserFilter) {
  users(first: 100, filter: $filter) { totalCount nodes { username externalId } }
}"""

ANN = {
    "externalId": "vendor-17",
    "username": "Ann.Lee",
    "email": "Ann.Lee@Hartford.example.org",
    "mfaContact": "(860) 555-0100",
    "firstName": "Ann",
    "lastName": "Lee",
}


async def signed_in(api: Api, **user: Any) -> str:
    return await api.sign_in(await make_user(**user))


@pytest.fixture
async def vendor(api: Api) -> str:
    return await signed_in(api, roles=(SystemRole.VENDOR_SYNC,))


async def sync(api: Api, token: str, **changes: Any) -> dict[str, Any]:
    return (await api.ok(SYNC_USER, {"input": {**ANN, **changes}}, token))["syncUser"]


@pytest.mark.parametrize("role", [SystemRole.VENDOR_SYNC, SystemRole.SYSTEM_ADMINISTRATOR])
async def test_sync_creates_by_external_id_and_is_idempotent(api: Api, role: SystemRole) -> None:
    token = await signed_in(api, roles=(role,))

    # when the vendor syncs a new user
    first = await sync(api, token)

    # then the user is created as sent (username lower case, the e-mail in its normal form:
    # its domain in lower case)
    assert first["created"] is True
    assert first["user"]["externalId"] == "vendor-17"
    assert first["user"]["username"] == "ann.lee"
    assert first["user"]["email"] == "Ann.Lee@hartford.example.org"
    assert first["user"]["status"] == "ACTIVE"

    # when the same input comes again
    again = await sync(api, token)

    # then it is the same user, nothing changed, and the row was not written
    assert again["created"] is False
    assert again["changedFields"] == []
    assert again["user"] == first["user"]
    assert await User.filter(external_id="vendor-17").count() == 1


async def test_a_change_updates_only_what_changed(api: Api, vendor: str) -> None:
    # given a synced user
    first = await sync(api, vendor)

    # when the vendor sends a new last name and a differently spelled, equal, MFA phone number
    changed = await sync(api, vendor, lastName="Lee-Smith", mfaContact="(860) 555-0100")

    # then only the last name changed
    assert changed["created"] is False
    assert changed["changedFields"] == ["lastName"]
    assert changed["user"]["lastName"] == "Lee-Smith"
    assert changed["user"]["updatedAt"] != first["user"]["updatedAt"]
    unchanged = {k: v for k, v in changed["user"].items() if k not in ("lastName", "updatedAt")}
    assert unchanged == {
        k: v for k, v in first["user"].items() if k not in ("lastName", "updatedAt")
    }

    # when the e-mail is re-spelled in another case and the phone re-formatted
    respelled = await sync(
        api,
        vendor,
        lastName="Lee-Smith",
        email="ann.lee@hartford.example.org",
        mfaContact="860-555-0100",
    )

    # then the stored spellings follow the vendor, and are reported under their GraphQL names
    assert respelled["changedFields"] == ["email", "mfaContact"]
    assert respelled["user"]["email"] == "ann.lee@hartford.example.org"


async def test_a_renamed_external_user_keeps_their_row(api: Api, vendor: str) -> None:
    first = await sync(api, vendor)

    renamed = await sync(api, vendor, username="ann.smith", email="ann.smith@hartford.example.org")

    assert renamed["changedFields"] == ["username", "email"]
    assert renamed["user"]["id"] == first["user"]["id"]
    assert await User.filter(username="ann.lee").count() == 0


@pytest.mark.parametrize(
    ("existing", "sent", "field"),
    [
        ({"email": "a@x.org"}, {"email": "A@X.org"}, "email"),
        ({"email": "a@x.org"}, {"email": "  a@x.ORG "}, "email"),
        ({"mfaContact": "(860) 555-0100"}, {"mfaContact": "860-555-0100"}, "mfaContact"),
        ({"mfaContact": "(860) 555-0100"}, {"mfaContact": "+1 8605550100"}, "mfaContact"),
        ({"mfaContact": "860-555-0100"}, {"mfaContact": "(860) 555-0100"}, "mfaContact"),
        ({"mfaContact": "Phone@X.org"}, {"mfaContact": "phone@x.org"}, "mfaContact"),
        ({"username": "taken"}, {"username": "TAKEN"}, "username"),
        # an MFA contact that is someone else's e-mail sends them the codes: shared too
        ({"email": "a@x.org"}, {"mfaContact": "A@x.org"}, "mfaContact"),
        ({"mfaContact": "a@x.org"}, {"email": "a@X.org"}, "email"),
    ],
)
async def test_a_contact_of_another_user_is_refused_naming_the_field(
    api: Api, vendor: str, existing: dict[str, str], sent: dict[str, str], field: str
) -> None:
    # given another user holding the e-mail, MFA contact or username
    other = {
        "externalId": "vendor-1",
        "username": "other",
        "email": "other@x.org",
        "mfaContact": "203-555-0199",
        **existing,
    }
    await api.ok(SYNC_USER, {"input": other}, vendor)

    # when a new user is synced with it, however spelled
    error = await api.error(SYNC_USER, {"input": {**ANN, **sent}}, vendor)

    # then VALIDATION names the field, and no user was created
    assert (error["code"], error["field"]) == ("VALIDATION", field)
    assert "@" not in error["message"]  # no PII in messages
    assert "555" not in error["message"]
    assert not await User.filter(external_id="vendor-17").exists()


async def test_an_update_onto_another_users_email_changes_nothing(api: Api, vendor: str) -> None:
    # given two synced users
    await sync(
        api, vendor, externalId="vendor-1", username="bob", email="bob@x.org", mfaContact=None
    )
    first = await sync(api, vendor)

    # when the second is updated with the first's e-mail (and a new name)
    error = await api.error(
        SYNC_USER, {"input": {**ANN, "firstName": "Anne", "email": "BOB@x.org"}}, vendor
    )

    # then VALIDATION, and the user is as before
    assert (error["code"], error["field"]) == ("VALIDATION", "email")
    again = await sync(api, vendor)
    assert again["changedFields"] == []
    assert again["user"] == first["user"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"mfaContact": "555-0100"}, "mfaContact"),
        ({"username": "a b"}, "username"),
        ({"username": "ab"}, "username"),
        ({"externalId": "  "}, "externalId"),
        ({"firstName": "x" * 101}, "firstName"),
    ],
)
async def test_malformed_sync_input_is_refused(
    api: Api, vendor: str, changes: dict[str, Any], field: str
) -> None:
    error = await api.error(SYNC_USER, {"input": {**ANN, **changes}}, vendor)

    assert (error["code"], error["field"]) == ("VALIDATION", field)
    assert await User.filter(external_id__in=["vendor-17", "  "]).count() == 0


async def test_a_batch_reports_each_item_and_one_bad_row_fails_alone(api: Api, vendor: str) -> None:
    # given a user holding an e-mail address
    await sync(
        api, vendor, externalId="vendor-1", username="bob", email="bob@x.org", mfaContact=None
    )
    items = [
        {"externalId": "vendor-2", "username": "carol", "email": "carol@x.org"},
        {"externalId": "vendor-3", "username": "dave", "email": "Bob@X.org"},
        {
            "externalId": "vendor-4",
            "username": "erin",
            "email": "erin@x.org",
            "mfaContact": "203-555-0123",
        },
    ]

    # when the vendor syncs three users, the middle one sharing that address
    results = (await api.ok(SYNC_USERS, {"input": items}, vendor))["syncUsers"]

    # then the first and third are stored and the middle one carries its error
    assert [r["externalId"] for r in results] == ["vendor-2", "vendor-3", "vendor-4"]
    assert [r["created"] for r in results] == [True, False, True]
    assert results[0]["user"]["username"] == "carol"
    assert results[0]["error"] is None
    assert results[2]["user"]["username"] == "erin"
    assert results[2]["error"] is None
    assert results[1]["user"] is None
    assert results[1]["error"]["code"] == "VALIDATION"
    assert results[1]["error"]["field"] == "email"
    stored = {u.external_id for u in await User.filter(external_id__startswith="vendor-")}
    assert stored == {"vendor-1", "vendor-2", "vendor-4"}


async def test_a_batch_with_two_rows_for_one_user_is_applied_in_order(
    api: Api, vendor: str
) -> None:
    items = [
        {"externalId": "vendor-2", "username": "carol", "email": "carol@x.org"},
        {"externalId": "vendor-2", "username": "carol", "email": "carol@x.org", "lastName": "Diaz"},
    ]

    results = (await api.ok(SYNC_USERS, {"input": items}, vendor))["syncUsers"]

    assert [(r["created"], r["changedFields"]) for r in results] == [
        (True, []),
        (False, ["lastName"]),
    ]
    assert results[0]["user"]["id"] == results[1]["user"]["id"]


async def test_a_batch_over_100_items_is_refused_whole(api: Api, vendor: str) -> None:
    items = [
        {"externalId": f"vendor-{i}", "username": f"user{i}", "email": f"user{i}@x.org"}
        for i in range(101)
    ]

    error = await api.error(SYNC_USERS, {"input": items}, vendor)

    assert (error["code"], error["field"]) == ("VALIDATION", "input")
    assert not await User.filter(external_id__startswith="vendor-").exists()


async def test_deactivate_user_by_external_id_ends_their_access(api: Api, vendor: str) -> None:
    # given a vendor-synced user who is signed in
    token = await signed_in(api, external_id="vendor-17")
    await api.ok(ME, {}, token)

    # when the vendor deactivates them
    gone = (
        await api.ok(
            DEACTIVATE,
            {
                "input": {
                    "externalId": "vendor-17",
                    "reasonCode": "LEFT_AGENCY",
                    "reason": "Left the agency",
                }
            },
            vendor,
        )
    )["deactivateUser"]

    # then the user is INACTIVE with the reason, and their session no longer works
    assert gone["status"] == "INACTIVE"
    assert gone["deactivationReason"] == "Left the agency"
    assert gone["deactivatedAt"] is not None
    assert (await api.error(ME, {}, token))["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"externalId": "nobody", "reasonCode": "LEFT_AGENCY"}, "NOT_FOUND", "externalId"),
        ({"externalId": "vendor-17", "reasonCode": "SHARED_CONTACT"}, "VALIDATION", "reasonCode"),
        ({"reasonCode": "LEFT_AGENCY"}, "VALIDATION", "userId"),
        ({"userId": "nope", "reasonCode": "LEFT_AGENCY"}, "VALIDATION", "userId"),
    ],
)
async def test_deactivate_bad_input(
    api: Api, vendor: str, variables: dict[str, Any], code: str, field: str | None
) -> None:
    await sync(api, vendor)

    error = await api.error(DEACTIVATE, {"input": variables}, vendor)

    assert (error["code"], error.get("field")) == (code, field)
    assert (await User.get(external_id="vendor-17")).status == UserStatus.ACTIVE


async def test_status_inactive_through_sync_deactivates_and_active_restores(
    api: Api, vendor: str
) -> None:
    # given a synced user
    await sync(api, vendor)

    # when the vendor sends status INACTIVE
    off = await sync(api, vendor, status="INACTIVE")

    # then the user is INACTIVE, and only the status changed
    assert off["changedFields"] == ["status"]
    assert off["user"]["status"] == "INACTIVE"
    assert off["user"]["deactivatedAt"] is not None
    assert (await sync(api, vendor, status="INACTIVE"))["changedFields"] == []

    # when the vendor sends ACTIVE again
    on = await sync(api, vendor, status="ACTIVE")

    # then the account is active again
    assert on["changedFields"] == ["status"]
    assert on["user"]["status"] == "ACTIVE"
    assert on["user"]["deactivatedAt"] is None


async def test_a_user_synced_inactive_from_the_start_is_inactive(api: Api, vendor: str) -> None:
    created = await sync(api, vendor, status="INACTIVE")

    assert created["created"] is True
    assert created["user"]["status"] == "INACTIVE"
    assert created["user"]["deactivatedAt"] is not None


@pytest.mark.parametrize(
    "holding",
    [
        pytest.param({"agency_level": AccessLevel.FULL}, id="full-licensed-user"),
        pytest.param({"duty": Duty.HMIS_DATA_COORDINATOR}, id="hdc"),
        pytest.param({"roles": (SystemRole.SECURITY_OFFICER,)}, id="security-officer"),
    ],
)
async def test_only_the_vendor_and_the_system_administrator_sync(
    api: Api, holding: dict[str, Any]
) -> None:
    # given a synced user and a caller who is neither vendor nor System Administrator
    vendor = await signed_in(api, roles=(SystemRole.VENDOR_SYNC,))
    first = await sync(api, vendor)
    agency = await make_agency()
    user: dict[str, Any] = {"roles": holding.get("roles", ())}
    if "agency_level" in holding:
        user["agencies"] = {agency: holding["agency_level"]}
    if "duty" in holding:
        user["duties"] = {agency: holding["duty"]}
    token = await signed_in(api, **user)

    # when they try to sync or deactivate
    calls = [
        (SYNC_USER, {"input": {**ANN, "lastName": "Changed"}}),
        (
            SYNC_USER,
            {
                "input": {
                    **ANN,
                    "externalId": "vendor-99",
                    "username": "new",
                    "email": "new@x.org",
                    "mfaContact": None,
                }
            },
        ),
        (
            SYNC_USERS,
            {"input": [{"externalId": "vendor-98", "username": "newer", "email": "newer@x.org"}]},
        ),
        (DEACTIVATE, {"input": {"externalId": "vendor-17", "reasonCode": "LEFT_AGENCY"}}),
    ]
    for document, variables in calls:
        assert (await api.error(document, variables, token))["code"] == "FORBIDDEN"

    # then nothing changed
    assert (await sync(api, vendor))["user"] == first["user"]
    assert not await User.filter(external_id__in=["vendor-98", "vendor-99"]).exists()


async def test_the_vendor_finds_a_user_by_external_id(api: Api, vendor: str) -> None:
    await sync(api, vendor)

    data = await api.ok(USERS, {"filter": {"externalId": "vendor-17"}}, vendor)

    assert data["users"] == {
        "totalCount": 1,
        "nodes": [{"username": "ann.lee", "externalId": "vendor-17"}],
    }


SYNC_USERS_FULL = """
mutation($input: [SyncUserInput!]!) {
  syncUsers(input: $input) {
    externalId created changedFields user { id username email lastName status } error { code field }
  }
}"""


async def test_a_batch_sees_what_its_earlier_items_did(api: Api, vendor: str) -> None:
    # given two stored users
    given = [
        {"externalId": "vendor-1", "username": "bob", "email": "bob@x.org"},
        {"externalId": "vendor-2", "username": "amy", "email": "amy@x.org"},
    ]
    assert all(
        r["created"] for r in (await api.ok(SYNC_USERS, {"input": given}, vendor))["syncUsers"]
    )
    items = [
        # bob moves to a new address, so his old one is free for a new user after him
        {"externalId": "vendor-1", "username": "bob", "email": "robert@x.org"},
        {"externalId": "vendor-3", "username": "cal", "email": "Bob@x.org"},
        # a new user takes an address an earlier item of the batch took: refused
        {"externalId": "vendor-4", "username": "dee", "email": "robert@x.org"},
        # amy takes the username of a user created earlier in the batch: refused
        {"externalId": "vendor-2", "username": "cal", "email": "amy@x.org"},
        # a new user whose MFA contact is amy's address: refused
        {
            "externalId": "vendor-5",
            "username": "eve",
            "email": "eve@x.org",
            "mfaContact": "AMY@x.org",
        },
        # the same new user twice: created, then changed; each result shows its own step
        {"externalId": "vendor-6", "username": "fay", "email": "fay@x.org", "lastName": "One"},
        {"externalId": "vendor-6", "username": "fay", "email": "fay@x.org", "lastName": "Two"},
        # amy leaves; the batch deactivates her
        {"externalId": "vendor-2", "username": "amy", "email": "amy@x.org", "status": "INACTIVE"},
    ]

    results = (await api.ok(SYNC_USERS_FULL, {"input": items}, vendor))["syncUsers"]

    outcome = [
        (r["created"], r["changedFields"], r["error"] and r["error"]["field"]) for r in results
    ]
    assert outcome == [
        (False, ["email"], None),
        (True, [], None),
        (False, [], "email"),
        (False, [], "username"),
        (False, [], "mfaContact"),
        (True, [], None),
        (False, ["lastName"], None),
        (False, ["status"], None),
    ]
    assert [results[5]["user"]["lastName"], results[6]["user"]["lastName"]] == ["One", "Two"]
    assert results[5]["user"]["id"] == results[6]["user"]["id"]
    stored = {u.external_id: u for u in await User.filter(external_id__startswith="vendor-")}
    assert sorted(stored) == ["vendor-1", "vendor-2", "vendor-3", "vendor-6"]
    assert (stored["vendor-1"].email_normalized, stored["vendor-3"].email_normalized) == (
        "robert@x.org",
        "bob@x.org",
    )
    assert stored["vendor-6"].last_name == "Two"
    assert (stored["vendor-2"].username, stored["vendor-2"].status) == ("amy", UserStatus.INACTIVE)
    # what the batch answered is what is stored
    for result in results:
        if result["user"] is not None and result is not results[5]:
            user = stored[result["externalId"]]
            assert result["user"] == {
                "id": str(user.id),
                "username": user.username,
                "email": user.email,
                "lastName": user.last_name,
                "status": user.status.value,
            }


async def test_a_batch_deactivation_ends_the_users_sessions(api: Api, vendor: str) -> None:
    # given two users with sessions
    one, two = await make_user("one.user"), await make_user("two.user")
    await User.filter(id=one.id).update(external_id="vendor-1")
    await User.filter(id=two.id).update(external_id="vendor-2")
    tokens = [await api.sign_in(one), await api.sign_in(two)]
    items = [
        {
            "externalId": f"vendor-{n}",
            "username": u.username,
            "email": u.email,
            "status": "INACTIVE",
        }
        for n, u in ((1, one), (2, two))
    ]

    # when one batch deactivates both
    results = (await api.ok(SYNC_USERS_FULL, {"input": items}, vendor))["syncUsers"]

    # then neither can use the API any more, and the vendor still can
    assert [r["changedFields"] for r in results] == [["status"], ["status"]]
    for token in tokens:
        assert (await api.error(ME, {}, token))["code"] == "UNAUTHENTICATED"
    assert (await api.ok(ME, {}, vendor))["me"]["user"]["username"]


async def test_a_batch_losing_a_race_goes_item_by_item(
    api: Api, vendor: str, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    # given a writer that takes the username "carol" after the batch has read, before it writes
    import asyncpg

    from services import user_sync

    write = user_sync._Batch._write
    raced: list[bool] = []

    async def racing_write(self: Any, connection: Any) -> None:
        if not raced:
            raced.append(True)
            other = await asyncpg.connect(database_url)
            try:
                await other.execute(
                    "INSERT INTO hearth_user (id, username, email, email_normalized, status, created_at, updated_at)"
                    " VALUES (gen_random_uuid(), 'carol', 'c@y.org', 'c@y.org', 'ACTIVE', now(), now())"
                )
            finally:
                await other.close()
        await write(self, connection)

    monkeypatch.setattr(user_sync._Batch, "_write", racing_write)
    items = [
        {"externalId": "vendor-1", "username": "ann", "email": "ann@x.org"},
        {"externalId": "vendor-2", "username": "carol", "email": "carol@x.org"},
        {"externalId": "vendor-3", "username": "dan", "email": "dan@x.org"},
    ]

    # when the vendor syncs a batch creating "carol"
    results = (await api.ok(SYNC_USERS, {"input": items}, vendor))["syncUsers"]

    # then the batch was retried item by item: carol's item fails alone, the others are stored
    assert raced == [True]
    assert [r["created"] for r in results] == [True, False, True]
    assert (results[1]["error"]["code"], results[1]["error"]["field"]) == ("VALIDATION", "username")
    stored = {u.external_id for u in await User.filter(external_id__startswith="vendor-")}
    assert stored == {"vendor-1", "vendor-3"}
