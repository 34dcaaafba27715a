"""What the vendor sync and every other write that stores an e-mail address accept: addresses
checked by email-validator and stored in their normal form, and one malformed item of a batch
failing alone (tests/services/test_user_sync_concurrency.py: syncs of one user at once)."""

from __future__ import annotations

from typing import Any

import pytest

from models.enums import SystemRole
from models.users import User
from tests.factories import Api, make_user
from tests.schema.mutation_cases import CASES, build_world
from tests.schema.test_malformed_inputs import post, spoilt
from tests.services.test_contacts import BAD_ADDRESSES

SYNC_USERS = """
mutation($input: [SyncUserInput!]!) {
  syncUsers(input: $input) { externalId created user { username email } error { code field message } }
}"""

# Every input that stores an e-mail address, as (mutation, where in its valid call).
EMAIL_INPUTS = [
    ("syncUser", ("input", "email")),
    ("syncUser", ("input", "mfaContact")),
    ("createClient", ("input", "email")),
    ("updateClient", ("input", "email")),
    ("createAgency", ("input", "executiveDirectorEmail")),
    ("updateAgency", ("input", "executiveDirectorEmail")),
]


def _item(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "externalId": f"V-{n}",
        "username": f"member{n}",
        "email": f"member{n}@hartford.example.org",
        **changes,
    }


@pytest.mark.parametrize(("name", "path"), EMAIL_INPUTS)
async def test_every_write_of_an_email_address_refuses_malformed_ones(
    api: Api, name: str, path: tuple[str, ...]
) -> None:
    world = await build_world(api)
    for address in BAD_ADDRESSES:
        token, variables = await CASES[name](world)
        body = (await post(api, _document(name), spoilt(variables, path, address), token)).json()
        errors = body.get("errors") or []
        assert [e["extensions"] for e in errors][:1] == [
            {"code": "VALIDATION", "field": path[-1]}
        ], (address, body)


def _document(name: str) -> str:
    argument = {
        "syncUser": "SyncUserInput",
        "createClient": "CreateClientInput",
        "updateClient": "UpdateClientInput",
        "createAgency": "CreateAgencyInput",
        "updateAgency": "UpdateAgencyInput",
    }[name]
    return f"mutation($input: {argument}!) {{ {name}(input: $input) {{ __typename }} }}"


async def test_addresses_are_stored_in_their_normal_form(api: Api) -> None:
    world = await build_world(api)
    token = await world.token("admin")
    # when the vendor sends an address with its domain in capitals
    results = (
        await api.ok(
            SYNC_USERS,
            {"input": [_item(1, email="Ann.Lee@Hartford.EXAMPLE.org", mfaContact="Ann@X.ORG")]},
            token,
        )
    )["syncUsers"]
    # then the domain is stored in lower case, the local part as sent
    assert results[0]["user"]["email"] == "Ann.Lee@hartford.example.org"
    stored = await User.get(external_id="V-1")
    assert (stored.email_normalized, stored.mfa_contact) == (
        "ann.lee@hartford.example.org",
        "Ann@x.org",
    )


async def test_one_malformed_item_of_a_batch_fails_alone(api: Api) -> None:
    token = await api.sign_in(await make_user(roles=(SystemRole.VENDOR_SYNC,)))
    batch = [
        _item(1),
        _item(2, username="bad\x00name"),
        _item(3, firstName="x" * 101),
        _item(4, email="a@example..org"),
        _item(5, lastName="Lee\nDrop"),
        _item(6, externalId="V-6\x1b"),
        _item(7),
    ]
    # when
    results = (await api.ok(SYNC_USERS, {"input": batch}, token))["syncUsers"]
    # then each malformed item has its own error naming its field; the others are applied
    assert [(r["externalId"], r["error"] and r["error"]["field"]) for r in results] == [
        ("V-1", None),
        ("V-2", "username"),
        ("V-3", "firstName"),
        ("V-4", "email"),
        ("V-5", "lastName"),
        ("V-6\x1b", "externalId"),
        ("V-7", None),
    ]
    assert {r["error"]["code"] for r in results if r["error"]} == {"VALIDATION"}
    # no message repeats the value it refused
    assert not any("\x00" in r["error"]["message"] for r in results if r["error"])
    assert sorted(
        await User.filter(external_id__startswith="V-").values_list("username", flat=True)
    ) == [
        "member1",
        "member7",
    ]


async def test_an_item_missing_a_required_field_fails_alone_with_its_index(api: Api) -> None:
    token = await api.sign_in(await make_user(roles=(SystemRole.VENDOR_SYNC,)))
    missing_email = _item(2)
    del missing_email["email"]
    missing_username = _item(3)
    del missing_username["username"]
    missing_id = _item(4)
    del missing_id["externalId"]
    batch = [_item(1), missing_email, missing_username, missing_id, _item(5, email=None), _item(6)]
    # when (the whole batch was refused at variable coercion before)
    body = (await post(api, SYNC_USERS_INDEXED, {"input": batch}, token)).json()
    # then each malformed item has its own error, with its index and field; the others apply
    assert "errors" not in body, body
    results = body["data"]["syncUsers"]
    assert [
        (r["index"], r["externalId"], r["error"] and (r["error"]["code"], r["error"]["field"]))
        for r in results
    ] == [
        (0, "V-1", None),
        (1, "V-2", ("VALIDATION", "email")),
        (2, "V-3", ("VALIDATION", "username")),
        (3, None, ("VALIDATION", "externalId")),
        (4, "V-5", ("VALIDATION", "email")),
        (5, "V-6", None),
    ]
    stored = await User.filter(external_id__startswith="V-").values_list("username", flat=True)
    assert sorted(stored) == ["member1", "member6"]
    # and syncUser refuses the same item with the same typed error
    refused = await api.error(SYNC_USER, {"input": missing_email}, token)
    assert (refused["code"], refused["field"]) == ("VALIDATION", "email")


SYNC_USERS_INDEXED = """
mutation($input: [SyncUserInput!]!) {
  syncUsers(input: $input) { index externalId error { code field } }
}"""
SYNC_USER = """
mutation($input: SyncUserInput!) { syncUser(input: $input) { created } }"""
USERS_SINCE = """
query($after: String, $since: DateTime) {
  users(first: 2, after: $after, filter: {updatedSince: $since}) {
    asOf pageInfo { hasNextPage endCursor } nodes { id externalId firstName updatedAt }
  }
}"""


async def _walk(
    api: Api, token: str, since: str | None, between: Any = None
) -> tuple[list[dict[str, Any]], str]:
    """Every page of users changed since ``since``; ``between(n)`` runs after page n."""
    seen: list[dict[str, Any]] = []
    as_of: set[str] = set()
    after = None
    pages = 0
    while True:
        page = (await api.ok(USERS_SINCE, {"after": after, "since": since}, token))["users"]
        seen += page["nodes"]
        as_of.add(page["asOf"])
        pages += 1
        if between is not None:
            await between(pages)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(as_of) == 1, as_of  # every page of a walk answers the walk's asOf
    return seen, as_of.pop()


async def test_an_incremental_sync_from_as_of_misses_no_change(api: Api) -> None:
    vendor = await make_user("vendor", roles=(SystemRole.VENDOR_SYNC,), external_id="V-0")
    token = await api.sign_in(vendor)
    await api.ok(SYNC_USERS, {"input": [_item(n, firstName="v1") for n in range(1, 7)]}, token)

    async def meanwhile(page: int) -> None:
        # while the walk goes on, users it has passed and users ahead of it change, and one is new
        if page == 1:
            changed = [_item(n, firstName="v2") for n in (1, 4)] + [_item(7, firstName="v1")]
            await api.ok(SYNC_USERS, {"input": changed}, token)
        if page == 2:
            await api.ok(SYNC_USERS, {"input": [_item(2, firstName="v3")]}, token)

    # when the sync job walks every page, then walks again from the first walk's asOf
    first, as_of = await _walk(api, token, None, meanwhile)
    second, _ = await _walk(api, token, as_of)
    # then what it saw last of each user is each user as stored now
    latest = {row["externalId"]: row["firstName"] for row in [*first, *second]}
    stored = await User.filter(external_id__startswith="V-").values_list(
        "external_id", "first_name"
    )
    assert latest == dict(stored)
    assert (latest["V-1"], latest["V-2"], latest["V-7"]) == ("v2", "v3", "v1")
    # and the pages came in (updatedAt, id) order, least recently changed first
    keys = [(row["updatedAt"], row["id"]) for row in second]
    assert keys == sorted(keys)
    # and a walk from the second walk's asOf with nothing changed since is empty
    _, later = await _walk(api, token, as_of)
    assert (await _walk(api, token, later))[0] == []


async def test_a_cursor_this_api_did_not_issue_is_refused(api: Api) -> None:
    token = await api.sign_in(await make_user(roles=(SystemRole.VENDOR_SYNC,)))
    refused = await api.error(USERS_SINCE, {"after": "djE6bm90LWEtdXVpZA=="}, token)
    assert (refused["code"], refused["field"]) == ("VALIDATION", "after")
