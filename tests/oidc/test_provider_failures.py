"""A provider that is down, hangs, or serves malformed documents: clear errors, no hangs, and
Hearth's own tokens (sessions, service accounts) keep working. No Node.js needed: a loopback stub
plays the broken provider."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pyotp
import pytest
from joserfc.jwk import ECKey, OctKey
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from models.enums import AccessLevel, ServiceRole
from models.service_accounts import ServiceAccount
from services import auth
from services.clock import FrozenClock
from services.passwords import hash_password
from tests.factories import LOGIN, PASSWORD, VERIFY, make_agency, make_user
from tests.oidc.conftest import oidc_settings, running
from tests.oidc.helpers import ALICE, OidcProvider, StubProvider, closed_port

AGENCIES = "query { agencies { nodes { name } } }"
TIMEOUT = 0.5  # the provider's HTTP deadline in these tests
KEY = ECKey.generate_key("P-256", {"kid": "stub-key", "use": "sig", "alg": "ES256"})


@pytest.fixture(autouse=True)
def _real_time(clock: FrozenClock) -> None:
    clock.set(datetime.now(UTC))


@pytest.fixture
async def stub() -> AsyncIterator[StubProvider]:
    async with StubProvider() as server:
        yield server


def hearth_for(
    settings: Settings, database_url: str, clock: FrozenClock, issuer: str, **more: Any
) -> Any:
    configured = oidc_settings(settings, issuer, oidc_http_timeout_seconds=TIMEOUT, **more)
    return running(create_app(configured, database_url=database_url, clock=clock))


async def bearer(hearth: httpx.AsyncClient, token: str, query: str = AGENCIES) -> dict[str, Any]:
    response = await hearth.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.json()


async def hearth_tokens(hearth: httpx.AsyncClient, clock: FrozenClock) -> tuple[str, str]:
    """A Hearth session's access token for alice, and a service account's token."""
    agency = await make_agency()
    alice = await make_user("alice", external_id=ALICE, agencies={agency: AccessLevel.FULL})
    identity = hearth.app.state.identity  # type: ignore[attr-defined]
    now = clock.now()
    session, refresh = await auth.create_session(user=alice, now=now, policy=identity.policy)
    pair = await identity.local.pair_for(session, refresh, now)
    await ServiceAccount.create(
        name="Vendor sync",
        role=ServiceRole.VENDOR_SYNC,
        client_id="hearth-sa-vendor",
        secret_hash=hash_password("vendor-secret-0123456789"),
        secret_rotated_at=now,
        created_by=alice,
        created_at=now,
    )
    await hearth.app.state.authorizer.reload()  # type: ignore[attr-defined]
    issued = await hearth.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("hearth-sa-vendor", "vendor-secret-0123456789"),
    )
    assert issued.status_code == 200, issued.text
    return pair.access_token, issued.json()["access_token"]


def provider_error(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "IDENTITY_PROVIDER_UNAVAILABLE"
    return error


async def test_a_provider_that_is_down_fails_sign_in_clearly_and_hearth_tokens_keep_working(
    app: Starlette, settings: Settings, database_url: str, clock: FrozenClock
) -> None:
    # given a provider nobody answers for
    issuer = f"http://127.0.0.1:{closed_port()}"
    async with hearth_for(settings, database_url, clock, issuer) as hearth:
        session_token, service_token = await hearth_tokens(hearth, clock)
        provider_token = OidcProvider(issuer, {"stub-key": KEY}).forge(kid="stub-key")
        # when
        started = time.monotonic()
        login = await hearth.get("/auth/oidc/login")
        refused = await bearer(hearth, provider_token)
        elapsed = time.monotonic() - started
        # then sign-in says so, and a provider token cannot be checked (and says why)
        assert "could not be reached" in provider_error(login)["message"]
        assert refused["errors"][0]["extensions"] == {
            "code": "UNAUTHENTICATED",
            "reason": "IDENTITY_PROVIDER_UNAVAILABLE",
        }
        assert elapsed < 4 * TIMEOUT
        # and Hearth's own session and service tokens never needed the provider
        assert "errors" not in await bearer(hearth, session_token)
        assert "errors" not in await bearer(hearth, service_token, "query { users { totalCount } }")


async def test_a_provider_that_never_answers_does_not_hang_anything(
    app: Starlette, settings: Settings, database_url: str, clock: FrozenClock, stub: StubProvider
) -> None:
    # given a provider that accepts connections and then says nothing
    stub.routes["/.well-known/openid-configuration"] = "hang"
    async with hearth_for(settings, database_url, clock, stub.url) as hearth:
        session_token, _ = await hearth_tokens(hearth, clock)
        provider_token = OidcProvider(stub.url, {"stub-key": KEY}).forge(kid="stub-key")
        started = time.monotonic()
        login = await hearth.get("/auth/oidc/login")
        took = time.monotonic() - started
        # then sign-in gives up at the deadline with a clear error
        provider_error(login)
        assert TIMEOUT * 0.8 <= took < TIMEOUT * 4
        # and for a while after that, requests fail fast instead of queueing on the provider
        started = time.monotonic()
        refused = await bearer(hearth, provider_token)
        assert time.monotonic() - started < TIMEOUT
        assert refused["errors"][0]["extensions"]["reason"] == "IDENTITY_PROVIDER_UNAVAILABLE"
        assert "errors" not in await bearer(hearth, session_token)


BAD_DISCOVERY = {
    "not JSON": (200, b"<html>maintenance</html>", "is not JSON"),
    "a JSON array": (200, b"[]", "is not a JSON object"),
    "an HTTP error": (500, b"{}", "answered HTTP 500"),
    "another issuer": (200, None, "names another issuer"),
    "no jwks_uri": (200, None, "jwks_uri"),
    "an insecure endpoint for an https issuer": (200, None, "authorization_endpoint"),
}


@pytest.mark.parametrize("case", BAD_DISCOVERY, ids=list(BAD_DISCOVERY))
async def test_a_malformed_discovery_document_fails_sign_in_clearly(
    app: Starlette,
    settings: Settings,
    database_url: str,
    clock: FrozenClock,
    stub: StubProvider,
    case: str,
) -> None:
    status, body, clue = BAD_DISCOVERY[case]
    path = "/.well-known/openid-configuration"
    issuer = stub.url
    if case == "another issuer":
        stub.serve_json(path, stub.discovery(issuer="https://elsewhere.example.org"))
    elif case == "no jwks_uri":
        stub.serve_json(path, stub.discovery(jwks_uri=None))
    elif case == "an insecure endpoint for an https issuer":
        # the deployment trusts an https issuer; the document (fetched from the stub) is http
        issuer = "https://idp.example.org"
        stub.serve_json(path, {**stub.discovery(), "issuer": issuer})
    else:
        stub.routes[path] = (status, body)
    more = {"oidc_discovery_url": f"{stub.url}{path}"}
    async with hearth_for(settings, database_url, clock, issuer, **more) as hearth:
        error = provider_error(await hearth.get("/auth/oidc/login"))
    assert clue in error["message"]


BAD_JWKS: dict[str, tuple[int, Any]] = {
    "not JSON": (200, "nonsense"),
    "no key list": (200, {"keys": "none"}),
    "an empty key list": (200, {"keys": []}),
    "only a symmetric key": (
        200,
        {"keys": [OctKey.generate_key(256, {"kid": "k"}).as_dict(private=True)]},
    ),
    "only an encryption key": (200, {"keys": [{**KEY.as_dict(private=False), "use": "enc"}]}),
    "an HTTP error": (503, {}),
}


@pytest.mark.parametrize("case", BAD_JWKS, ids=list(BAD_JWKS))
async def test_a_malformed_jwks_fails_clearly(
    app: Starlette,
    settings: Settings,
    database_url: str,
    clock: FrozenClock,
    stub: StubProvider,
    case: str,
) -> None:
    status, document = BAD_JWKS[case]
    stub.serve_json("/.well-known/openid-configuration", stub.discovery())
    if document == "nonsense":
        stub.routes["/jwks"] = (status, b"{not json")
    else:
        stub.serve_json("/jwks", document, status)
    async with hearth_for(settings, database_url, clock, stub.url) as hearth:
        await make_user("alice", external_id=ALICE)
        token = OidcProvider(stub.url, {"stub-key": KEY}).forge(kid="stub-key")
        refused = await bearer(hearth, token)
        error = provider_error(await hearth.get("/auth/oidc/login"))
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert refused["errors"][0]["extensions"]["reason"] == "IDENTITY_PROVIDER_UNAVAILABLE"
    assert "JWKS" in error["message"]


async def test_keys_already_fetched_keep_working_while_the_provider_is_down(
    app: Starlette, settings: Settings, database_url: str, clock: FrozenClock, stub: StubProvider
) -> None:
    # given a working provider whose keys Hearth has fetched
    stub.serve_json("/.well-known/openid-configuration", stub.discovery())
    stub.serve_json("/jwks", {"keys": [KEY.as_dict(private=False)]})
    async with hearth_for(settings, database_url, clock, stub.url) as hearth:
        agency = await make_agency()
        await make_user("alice", external_id=ALICE, agencies={agency: AccessLevel.FULL})
        token = OidcProvider(stub.url, {"stub-key": KEY}).forge(kid="stub-key")
        assert "errors" not in await bearer(hearth, token)
        # when the provider starts failing and the cached keys pass their refresh time
        stub.routes["/jwks"] = (500, b"{}")
        stub.routes["/.well-known/openid-configuration"] = (500, b"{}")
        provider = hearth.app.state.identity.provider  # type: ignore[attr-defined]
        later = (
            time.monotonic()
            + settings.oidc_jwks_cache_seconds
            + settings.oidc_metadata_cache_seconds
        )
        provider.monotonic = lambda: later
        hits = dict(stub.hits)
        answer = await bearer(hearth, token)
        # then the refetch was tried, failed, and the keys already known still verify tokens
        assert stub.hits != hits
        assert "errors" not in answer, answer


async def test_break_glass_local_sign_in_works_while_the_provider_is_down(
    app: Starlette, settings: Settings, database_url: str, clock: FrozenClock
) -> None:
    # given a deployment that keeps Hearth passwords as a break-glass path
    issuer = f"http://127.0.0.1:{closed_port()}"
    async with hearth_for(
        settings, database_url, clock, issuer, oidc_allow_local_login=True
    ) as hearth:
        user = await make_user("admin")
        # when the administrator signs in with password and TOTP
        step1 = await hearth.post(
            "/graphql", json={"query": LOGIN, "variables": {"u": "admin", "p": PASSWORD}}
        )
        challenge = step1.json()["data"]["login"]["challengeToken"]
        assert user.totp_secret
        step2 = await hearth.post(
            "/graphql",
            json={
                "query": VERIFY,
                "variables": {"t": challenge, "c": pyotp.TOTP(user.totp_secret).at(clock.now())},
            },
        )
        # then a Hearth session is issued without the provider
        assert step2.json()["data"]["verifyMfa"]["accessToken"]


async def test_a_rotated_key_is_picked_up_by_one_refetch(
    app: Starlette, settings: Settings, database_url: str, clock: FrozenClock, stub: StubProvider
) -> None:
    # given Hearth knows the provider's first key
    rotated = ECKey.generate_key("P-256", {"kid": "stub-key-2", "use": "sig", "alg": "ES256"})
    stub.serve_json("/.well-known/openid-configuration", stub.discovery())
    stub.serve_json("/jwks", {"keys": [KEY.as_dict(private=False)]})
    async with hearth_for(settings, database_url, clock, stub.url) as hearth:
        agency = await make_agency()
        await make_user("alice", external_id=ALICE, agencies={agency: AccessLevel.FULL})
        keys = OidcProvider(stub.url, {"stub-key": KEY, "stub-key-2": rotated})
        assert "errors" not in await bearer(hearth, keys.forge(kid="stub-key"))
        provider = hearth.app.state.identity.provider  # type: ignore[attr-defined]
        later = time.monotonic() + settings.oidc_jwks_min_refetch_seconds + 1
        provider.monotonic = lambda: later
        # when the provider rotates to a new key and a token signed with it arrives
        stub.serve_json("/jwks", {"keys": [rotated.as_dict(private=False)]})
        jwks_hits = stub.hits["/jwks"]
        answer = await bearer(hearth, keys.forge(kid="stub-key-2"))
        # then one refetch finds it
        assert "errors" not in answer, answer
        assert stub.hits["/jwks"] == jwks_hits + 1
