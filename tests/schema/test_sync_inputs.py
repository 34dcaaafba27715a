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
