"""The provider's own access tokens as bearers: real ones, and a suite of forgeries."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey

from api.app import create_app
from api.identity.oidc import OidcIdentity
from api.settings import Settings
from models.enums import AccessLevel, ServiceRole, UserStatus
from models.service_accounts import ServiceAccount
from models.sessions import Session
from models.users import User
from services.clock import FrozenClock
from services.passwords import hash_password
from tests.factories import make_agency, make_user
from tests.oidc.conftest import oidc_settings, running
from tests.oidc.helpers import (
    ALICE,
    BOB,
    RESOURCE,
    OidcProvider,
    hs256_with,
    provider_tokens,
    unsigned,
)

ME = "query { me { user { username } session { authTime mfaAt } } }"
AGENCIES = "query { agencies { nodes { name } } }"


async def gql(hearth: httpx.AsyncClient, query: str, token: str) -> dict[str, Any]:
    response = await hearth.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def code_of(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]


async def alice_at_an_agency() -> User:
    """alice (the provider's ALICE), a FULL user of one agency: she may read agencies."""
    agency = await make_agency()
    return await make_user("alice", external_id=ALICE, agencies={agency: AccessLevel.FULL})


@pytest.fixture(autouse=True)
def _real_time(clock: FrozenClock) -> None:
    """The provider signs with the machine's clock; Hearth reads the same time here."""
    clock.set(datetime.now(UTC))


async def test_a_front_end_calls_the_api_with_the_providers_access_token(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider
) -> None:
    # given alice, a FULL user of an agency, signed in at the provider with a second factor
    agency = await make_agency("Hartford Shelter")
    await make_user("alice", external_id=ALICE, agencies={agency: AccessLevel.FULL})
    tokens = await provider_tokens(oidc_provider, ALICE)
    # when the front end calls the API with the provider's access token
    me = await gql(hearth, ME, tokens["access_token"])
    agencies = await gql(hearth, AGENCIES, tokens["access_token"])
    # then it is alice, with her agency role, and no Hearth session was needed
    assert me["data"]["me"]["user"]["username"] == "alice"
    assert me["data"]["me"]["session"]["mfaAt"] is not None
    assert agencies["data"]["agencies"]["nodes"] == [{"name": "Hartford Shelter"}]
    assert await Session.all().count() == 0


async def test_a_provider_token_without_a_second_factor_gets_mfa_required_with_the_way_back(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider
) -> None:
    await make_user("bob", external_id=BOB)
    tokens = await provider_tokens(oidc_provider, BOB)
    body = await gql(hearth, AGENCIES, tokens["access_token"])
    extensions = body["errors"][0]["extensions"]
    assert extensions["code"] == "MFA_REQUIRED"
    assert extensions["reason"] == "NO_SECOND_FACTOR"
    assert extensions["loginUrl"] == "/auth/oidc/login?prompt=login&step_up=1"
    # `me` still answers, so the front end can say who is signed in
    assert (await gql(hearth, ME, tokens["access_token"]))["data"]["me"]["user"][
        "username"
    ] == "bob"


async def test_a_sign_in_older_than_a_week_gets_mfa_required(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    await alice_at_an_agency()
    stale = oidc_provider.forge({"auth_time": int(clock.now().timestamp()) - 7 * 86400 - 5})
    fresh = oidc_provider.forge({"auth_time": int(clock.now().timestamp()) - 7 * 86400 + 60})
    stale_body = await gql(hearth, AGENCIES, stale)
    assert code_of(stale_body) == "MFA_REQUIRED"
    assert stale_body["errors"][0]["extensions"]["reason"] == "TOO_OLD"
    assert "errors" not in await gql(hearth, AGENCIES, fresh)


async def test_the_maximum_age_and_its_message_follow_the_setting(
    app: object,
    settings: Settings,
    database_url: str,
    clock: FrozenClock,
    oidc_provider: OidcProvider,
) -> None:
    # given a deployment that asks for the second factor every 3 days
    await alice_at_an_agency()
    configured = oidc_settings(settings, oidc_provider.issuer, mfa_max_age_days=3)
    async with running(create_app(configured, database_url=database_url, clock=clock)) as hearth:
        stale = oidc_provider.forge({"auth_time": int(clock.now().timestamp()) - 3 * 86400 - 5})
        fresh = oidc_provider.forge({"auth_time": int(clock.now().timestamp()) - 3 * 86400 + 60})
        stale_body = await gql(hearth, AGENCIES, stale)
        assert "errors" not in await gql(hearth, AGENCIES, fresh)
    # then a sign-in older than that is refused, and the message says 3 days
    error = stale_body["errors"][0]
    assert error["extensions"]["reason"] == "TOO_OLD"
    assert error["message"].startswith("Your second factor is more than 3 days old (policy 202)")


async def test_expiry_allows_at_most_sixty_seconds_of_clock_skew(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    await alice_at_an_agency()
    # Hearth's time (frozen when the test began), not the machine's: on a loaded machine a
    # second or more passes before this line, which made "61 s late" 60 s late to Hearth
    now = int(clock.now().timestamp())
    within = oidc_provider.forge({"exp": now - 30})
    beyond = oidc_provider.forge({"exp": now - 61})
    assert "errors" not in await gql(hearth, AGENCIES, within)
    assert code_of(await gql(hearth, AGENCIES, beyond)) == "UNAUTHENTICATED"


# --- forgeries: every one refused with UNAUTHENTICATED ------------------------------------------


def _alg_none(p: OidcProvider) -> str:
    return unsigned({"alg": "none", "kid": "provider-es256", "typ": "at+jwt"}, p.claims())


def _hs256_with_the_public_key(p: OidcProvider) -> str:
    public_pem = p.keys["provider-es256"].as_pem(private=False)
    header = {"alg": "HS256", "kid": "provider-es256", "typ": "at+jwt"}
    return hs256_with(public_pem, header, p.claims())


def _wrong_issuer(p: OidcProvider) -> str:
    return p.forge({"iss": p.issuer + "/other"})


def _issuer_with_a_trailing_slash(p: OidcProvider) -> str:
    return p.forge({"iss": p.issuer + "/"})


def _wrong_audience(p: OidcProvider) -> str:
    return p.forge({"aud": "https://another-api.example.org"})


def _no_audience(p: OidcProvider) -> str:
    return p.forge(drop=("aud",))


def _expired_beyond_leeway(p: OidcProvider) -> str:
    return p.forge({"exp": int(time.time()) - 120})


def _unknown_kid(p: OidcProvider) -> str:
    stranger = ECKey.generate_key("P-256", {"kid": "not-the-providers", "alg": "ES256"})
    return p.forge(key=stranger, kid="not-the-providers", alg="ES256")


def _signed_by_another_key_under_the_providers_kid(p: OidcProvider) -> str:
    stranger = ECKey.generate_key("P-256", {"alg": "ES256"})
    return p.forge(key=stranger, kid="provider-es256", alg="ES256")


def _no_typ(p: OidcProvider) -> str:
    return p.forge(typ=None)


def _a_tampered_payload(p: OidcProvider) -> str:
    head, _, sig = p.forge().split(".")
    claims = {**p.claims(), "sub": "V-1003"}
    body = unsigned({}, claims).split(".")[1]
    return f"{head}.{body}.{sig}"


FORGERIES: dict[str, Callable[[OidcProvider], str]] = {
    "alg none": _alg_none,
    "HS256 signed with the provider's public key": _hs256_with_the_public_key,
    "wrong issuer": _wrong_issuer,
    "issuer with a trailing slash": _issuer_with_a_trailing_slash,
    "wrong audience": _wrong_audience,
    "no audience": _no_audience,
    "expired beyond the leeway": _expired_beyond_leeway,
    "unknown kid": _unknown_kid,
    "another key under the provider's kid": _signed_by_another_key_under_the_providers_kid,
    "no typ (not an RFC 9068 access token)": _no_typ,
    "tampered payload": _a_tampered_payload,
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
async def test_a_forged_token_is_refused(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider, forge: Callable[[OidcProvider], str]
) -> None:
    # given alice exists, so only the forgery can make the difference
    await alice_at_an_agency()
    assert "errors" not in await gql(hearth, AGENCIES, oidc_provider.forge())
    # when / then
    body = await gql(hearth, AGENCIES, forge(oidc_provider))
    assert code_of(body) == "UNAUTHENTICATED"
    assert body["data"] == {"agencies": None}


async def test_an_id_token_is_not_an_access_token(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider
) -> None:
    await alice_at_an_agency()
    tokens = await provider_tokens(oidc_provider, ALICE)
    assert "errors" not in await gql(hearth, AGENCIES, tokens["access_token"])
    assert code_of(await gql(hearth, AGENCIES, tokens["id_token"])) == "UNAUTHENTICATED"


async def test_an_id_token_shaped_token_is_refused_even_without_the_typ_rule(
    settings: Settings, hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    # given a provider that does not type its access tokens (oidc_require_at_jwt off)
    await alice_at_an_agency()
    relaxed = OidcIdentity(
        settings=oidc_settings(settings, oidc_provider.issuer, oidc_require_at_jwt=False),
        local=hearth.app.state.identity.local,  # type: ignore[attr-defined]
        clock=clock,
    )
    try:
        untyped = oidc_provider.forge(typ="JWT")
        with_nonce = oidc_provider.forge({"nonce": "n-0S6_WzA2Mj"}, typ="JWT")
        # then a plain JWT passes, but one carrying an ID token's nonce does not
        assert (await relaxed.authenticate(untyped, now=clock.now())).principal.username == "alice"
        with pytest.raises(Exception, match="ID token") as refused:
            await relaxed.authenticate(with_nonce, now=clock.now())
        assert getattr(refused.value, "code", None) == "UNAUTHENTICATED"
    finally:
        await relaxed.aclose()


async def test_a_valid_provider_token_of_a_deactivated_user_is_refused(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider
) -> None:
    alice = await alice_at_an_agency()
    tokens = await provider_tokens(oidc_provider, ALICE)
    assert "errors" not in await gql(hearth, AGENCIES, tokens["access_token"])
    await User.filter(id=alice.id).update(status=UserStatus.INACTIVE)
    assert code_of(await gql(hearth, AGENCIES, tokens["access_token"])) == "UNAUTHENTICATED"


async def test_an_unknown_kid_refetches_the_jwks_once_and_then_not_again_for_a_while(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider
) -> None:
    # given keys fetched a minute ago (the provider client's cache clock is ours to move)
    await alice_at_an_agency()
    provider = hearth.app.state.identity.provider  # type: ignore[attr-defined]
    instant = [time.monotonic()]
    provider.monotonic = lambda: instant[0]
    assert "errors" not in await gql(hearth, AGENCIES, oidc_provider.forge())
    fetched = provider.jwks_fetches
    instant[0] += 61
    # when two tokens with unknown key ids arrive
    first = await gql(hearth, AGENCIES, _unknown_kid(oidc_provider))
    after_first = provider.jwks_fetches
    second = await gql(hearth, AGENCIES, _unknown_kid(oidc_provider))
    # then the first caused one refetch (the provider may have rotated), the second none
    assert code_of(first) == code_of(second) == "UNAUTHENTICATED"
    assert after_first == fetched + 1
    assert provider.jwks_fetches == after_first
    # and a minute later, another unknown kid may refetch again
    instant[0] += 61
    await gql(hearth, AGENCIES, _unknown_kid(oidc_provider))
    assert provider.jwks_fetches == after_first + 1
    # and the provider's RS256 key (also in its JWKS) is accepted without any refetch
    rs256 = oidc_provider.forge(kid="provider-rs256", alg="RS256")
    assert "errors" not in await gql(hearth, AGENCIES, rs256)
    assert provider.jwks_fetches == after_first + 1


async def test_users_can_be_mapped_by_verified_email_instead(
    settings: Settings, hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    # given a deployment that links users by their verified e-mail address
    await make_user(
        "alice", email="Alice@Agency.example.org", email_normalized="alice@agency.example.org"
    )
    by_email = OidcIdentity(
        settings=oidc_settings(settings, oidc_provider.issuer, oidc_user_match="email"),
        local=hearth.app.state.identity.local,  # type: ignore[attr-defined]
        clock=clock,
    )
    try:
        tokens = await provider_tokens(oidc_provider, ALICE)
        found = await by_email.authenticate(tokens["access_token"], now=clock.now())
        unverified = oidc_provider.forge({"email_verified": False})
        # then the real token maps to alice; an unverified address maps to nobody
        assert found.principal.username == "alice"
        assert found.mfa_expired is False
        with pytest.raises(Exception, match="No Hearth account") as refused:
            await by_email.authenticate(unverified, now=clock.now())
        assert getattr(refused.value, "code", None) == "UNAUTHENTICATED"
    finally:
        await by_email.aclose()


async def test_service_account_tokens_work_in_oidc_mode_too(
    hearth: httpx.AsyncClient,
) -> None:
    # given a VENDOR_SYNC service account (made directly: its GraphQL is tested elsewhere)
    admin = await make_user("admin")
    await ServiceAccount.create(
        name="Vendor sync",
        role=ServiceRole.VENDOR_SYNC,
        client_id="hearth-sa-vendor",
        secret_hash=hash_password("s3cret-vendor-secret"),
        secret_rotated_at=datetime.now(UTC),
        created_by=admin,
        created_at=datetime.now(UTC),
    )
    await hearth.app.state.authorizer.reload()  # type: ignore[attr-defined]
    # when it obtains a token from /oauth/token and calls the API
    response = await hearth.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("hearth-sa-vendor", "s3cret-vendor-secret"),
    )
    assert response.status_code == 200, response.text
    body = await gql(hearth, "query { users { totalCount } }", response.json()["access_token"])
    # then its role's operations answer
    assert body["data"]["users"]["totalCount"] == 1
    assert RESOURCE not in response.text
