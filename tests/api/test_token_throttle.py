"""POST /oauth/token is throttled per client id and per client address, with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

import services.passwords as passwords
from api.settings import Settings
from models.enums import SystemRole
from services.clock import FrozenClock
from tests.api.helpers import CountingHasher
from tests.factories import Api, make_user

CREATE = """
mutation($input: CreateServiceAccountInput!) {
  createServiceAccount(input: $input) { clientId clientSecret }
}"""


@pytest.fixture
async def vendor(api: Api) -> dict[str, Any]:
    admin = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    data = await api.ok(CREATE, {"input": {"name": "Vendor", "role": "VENDOR_SYNC"}}, admin)
    return data["createServiceAccount"]


@pytest.fixture
async def from_address(app: Starlette) -> AsyncIterator[Any]:
    """A client for the app that appears to come from a given address."""
    clients: list[httpx.AsyncClient] = []

    def make(host: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(host, 40000))  # type: ignore[arg-type]
        client = httpx.AsyncClient(transport=transport, base_url="http://hearth.test")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def token(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


async def test_wrong_secrets_lock_the_client_id_with_retry_after(
    from_address: Any,
    vendor: dict[str, Any],
    settings: Settings,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: as many wrong secrets as allowed
    http = from_address("192.0.2.10")
    for _ in range(settings.oauth_max_failures):
        assert (await token(http, vendor["clientId"], "wrong")).status_code == 401
    hasher = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    # when: the right one, from another address too
    locked = await token(http, vendor["clientId"], vendor["clientSecret"])
    elsewhere = await token(
        from_address("198.51.100.7"), vendor["clientId"], vendor["clientSecret"]
    )
    # then: refused unchecked, with when to come back
    for response in (locked, elsewhere):
        assert response.status_code == 429
        assert response.json()["error"] == "temporarily_unavailable"
        assert response.headers["retry-after"] == str(settings.login_lockout_seconds)
        assert response.headers["cache-control"] == "no-store"
        assert "access_token" not in response.text
    assert hasher.verifies == 0
    # and after the lockout the client gets its token
    clock.advance(timedelta(seconds=settings.login_lockout_seconds))
    assert (await token(http, vendor["clientId"], vendor["clientSecret"])).status_code == 200


async def test_retry_after_counts_down(
    from_address: Any, vendor: dict[str, Any], settings: Settings, clock: FrozenClock
) -> None:
    http = from_address("192.0.2.11")
    for _ in range(settings.oauth_max_failures):
        await token(http, vendor["clientId"], "wrong")
    clock.advance(timedelta(seconds=100))
    response = await token(http, vendor["clientId"], vendor["clientSecret"])
    assert response.headers["retry-after"] == str(settings.login_lockout_seconds - 100)


async def test_a_success_clears_the_client_ids_count(
    from_address: Any, vendor: dict[str, Any], settings: Settings
) -> None:
    http = from_address("192.0.2.12")
    for _ in range(2):
        for _ in range(settings.oauth_max_failures - 1):
            assert (await token(http, vendor["clientId"], "wrong")).status_code == 401
        assert (await token(http, vendor["clientId"], vendor["clientSecret"])).status_code == 200


async def test_one_address_trying_many_client_ids_is_locked_and_others_are_not(
    from_address: Any, vendor: dict[str, Any], settings: Settings
) -> None:
    # given: one address spends its failures on made-up client ids, each under its own limit
    sprayer = from_address("203.0.113.66")
    for n in range(settings.oauth_address_max_failures):
        assert (await token(sprayer, f"hearth-sa-guess{n}", "x")).status_code == 401
    # when
    from_there = await token(sprayer, vendor["clientId"], vendor["clientSecret"])
    from_elsewhere = await token(
        from_address("192.0.2.13"), vendor["clientId"], vendor["clientSecret"]
    )
    # then
    assert from_there.status_code == 429
    assert int(from_there.headers["retry-after"]) > 0
    assert from_elsewhere.status_code == 200


async def test_successes_do_not_use_up_the_addresss_allowance(
    from_address: Any, vendor: dict[str, Any], settings: Settings
) -> None:
    # a vendor's workers behind one address fetch tokens all day
    http = from_address("192.0.2.14")
    for _ in range(settings.oauth_address_max_failures + 5):
        assert (await token(http, vendor["clientId"], vendor["clientSecret"])).status_code == 200
    for _ in range(settings.oauth_address_max_failures - 1):
        await token(http, "hearth-sa-unknown", "x")
    assert (await token(http, vendor["clientId"], vendor["clientSecret"])).status_code == 200
