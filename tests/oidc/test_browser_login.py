"""The browser sign-in through the real provider: code flow with PKCE, state and nonce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx

from api.app import create_app
from api.settings import Settings
from models.enums import AccessLevel, UserStatus
from models.sessions import Session
from models.users import User
from services.clock import FrozenClock
from tests.api.helpers import AGENCIES, REFRESH
from tests.factories import LOGIN, PASSWORD, make_agency, make_user
from tests.oidc.conftest import oidc_settings, running
from tests.oidc.helpers import (
    ACR_MFA,
    ALICE,
    BOB,
    STRANGER,
    OidcProvider,
    browser_login,
    query_of,
    sign_in_at_provider,
)

ME = "query { me { user { username } session { mfaAt mfaExpiresAt } } }"


async def test_a_user_with_a_second_factor_signs_in_through_the_provider(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    # given a Hearth user linked to the provider's subject by the vendor's external id
    clock.set(datetime.now(UTC))
    agency = await make_agency()
    await make_user("alice", external_id=ALICE, agencies={agency: AccessLevel.FULL})
    # when the browser goes through Hearth's login, the provider and Hearth's callback
    response = await browser_login(hearth, oidc_provider, ALICE)
    # then Hearth answers with its own session's tokens
    assert response.status_code == 200, response.text
    tokens = response.json()
    me = await hearth.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {tokens['accessToken']}"}
    )
    assert me.json()["data"]["me"]["user"]["username"] == "alice"


async def test_the_login_redirect_asks_for_pkce_state_nonce_and_a_weekly_sign_in(
    hearth: httpx.AsyncClient,
) -> None:
    response = await hearth.get("/auth/oidc/login")
    assert response.status_code == 302
    query = query_of(response.headers["location"])
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) >= 43
    assert query["state"]
    assert query["nonce"]
    assert query["max_age"] == str(7 * 24 * 3600)
    assert query["redirect_uri"] == "http://hearth.test/auth/oidc/callback"


async def test_a_sign_in_without_a_second_factor_gets_no_session_and_is_sent_back_to_step_up(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    # given bob, whose provider sign-in is a password only
    clock.set(datetime.now(UTC))
    bob = await make_user("bob", external_id=BOB)
    # when he completes the provider's flow
    response = await browser_login(hearth, oidc_provider, BOB)
    # then policy 202 refuses him, and says where to send the browser (asking for a second factor)
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "MFA_REQUIRED"
    assert error["extensions"]["reason"] == "NO_SECOND_FACTOR"
    login_url = error["extensions"]["loginUrl"]
    assert login_url.startswith("/auth/oidc/login?")
    assert await Session.filter(user_id=bob.id).count() == 0
    # and that URL asks the provider for a fresh sign-in with the second-factor acr
    step_up = await hearth.get(login_url)
    query = query_of(step_up.headers["location"])
    assert query["prompt"] == "login"
    assert query["acr_values"] == ACR_MFA


async def test_an_unknown_subject_is_refused_and_never_created(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    # given a provider user with no Hearth account
    clock.set(datetime.now(UTC))
    before = await User.all().count()
    # when they complete the provider's flow
    response = await browser_login(hearth, oidc_provider, STRANGER)
    # then Hearth refuses them and creates nothing
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await User.all().count() == before
    assert await Session.all().count() == 0


async def test_a_deactivated_user_is_refused_even_after_a_good_provider_sign_in(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    clock.set(datetime.now(UTC))
    await make_user("alice", external_id=ALICE, status=UserStatus.INACTIVE)
    response = await browser_login(hearth, oidc_provider, ALICE)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await Session.all().count() == 0


async def test_a_callback_without_the_browsers_state_is_refused(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    # given a completed provider flow whose callback URL is replayed by another browser (no cookie)
    clock.set(datetime.now(UTC))
    await make_user("alice", external_id=ALICE)
    start = await hearth.get("/auth/oidc/login")
    async with oidc_provider.http() as browser:
        back = await sign_in_at_provider(browser, start.headers["location"], ALICE)
    transport = httpx.ASGITransport(app=hearth.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth.test") as other:
        stolen = await other.get(back)
        forged_state = await hearth.get(back.replace("state=", "state=x"))
    # then neither gets a session (state is bound to the browser that started, RFC 6749 10.12)
    for response in (stolen, forged_state):
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await Session.all().count() == 0


async def test_with_a_front_end_configured_the_callback_hands_it_the_tokens_in_the_fragment(
    app: object,
    settings: Settings,
    database_url: str,
    clock: FrozenClock,
    oidc_provider: OidcProvider,
) -> None:
    clock.set(datetime.now(UTC))
    await make_user("alice", external_id=ALICE)
    configured = oidc_settings(
        settings, oidc_provider.issuer, oidc_post_login_redirect="http://frontend.test/signed-in"
    )
    async with running(create_app(configured, database_url=database_url, clock=clock)) as hearth:
        response = await browser_login(hearth, oidc_provider, ALICE)
        # then the browser goes to the front end, the tokens in the fragment (never sent on)
        assert response.status_code == 303
        target = httpx.URL(response.headers["location"])
        assert str(target.copy_with(fragment=None)) == "http://frontend.test/signed-in"
        fragment = parse_qs(target.fragment)
        assert set(fragment) == {"accessToken", "expiresAt", "refreshToken", "mfaExpiresAt"}
        me = await hearth.post(
            "/graphql",
            json={"query": ME},
            headers={"Authorization": f"Bearer {fragment['accessToken'][0]}"},
        )
        assert me.json()["data"]["me"]["user"]["username"] == "alice"


async def test_the_session_counts_the_week_from_the_providers_sign_in(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    # given alice signed in through the provider
    clock.set(datetime.now(UTC))
    await make_user("alice", external_id=ALICE)
    tokens = (await browser_login(hearth, oidc_provider, ALICE)).json()
    auth = {"Authorization": f"Bearer {tokens['accessToken']}"}
    me = (await hearth.post("/graphql", json={"query": ME}, headers=auth)).json()["data"]["me"]
    mfa_at = datetime.fromisoformat(me["session"]["mfaAt"])
    assert abs((mfa_at - clock.now()).total_seconds()) < 60
    # when a week passes (the refresh token keeps the session going)
    clock.set(mfa_at + timedelta(days=7, seconds=1))
    refreshed = await hearth.post(
        "/graphql", json={"query": REFRESH, "variables": {"r": tokens["refreshToken"]}}
    )
    access = refreshed.json()["data"]["refreshSession"]["accessToken"]
    answer = await hearth.post(
        "/graphql", json={"query": AGENCIES}, headers={"Authorization": f"Bearer {access}"}
    )
    # then policy 202 sends the user back to the provider, not to a TOTP code
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "MFA_REQUIRED"
    assert error["extensions"]["reauthenticateWith"] == "oidc"
    assert error["extensions"]["loginUrl"].startswith("/auth/oidc/login?prompt=login")


async def test_passwords_are_refused_in_oidc_mode(hearth: httpx.AsyncClient) -> None:
    user = await make_user("carol")
    response = await hearth.post(
        "/graphql", json={"query": LOGIN, "variables": {"u": user.username, "p": PASSWORD}}
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["extensions"]["loginUrl"] == "/auth/oidc/login"


async def test_logout_ends_the_hearth_session_and_sends_the_browser_to_the_provider(
    hearth: httpx.AsyncClient, oidc_provider: OidcProvider, clock: FrozenClock
) -> None:
    # given alice signed in through the provider
    clock.set(datetime.now(UTC))
    await make_user("alice", external_id=ALICE)
    tokens = (await browser_login(hearth, oidc_provider, ALICE)).json()
    # when the browser goes to Hearth's logout
    response = await hearth.get("/auth/oidc/logout")
    # then the Hearth session is over
    me = await hearth.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {tokens['accessToken']}"}
    )
    assert me.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # and the browser is sent to the provider's end_session_endpoint, which accepts the hint
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{oidc_provider.issuer}/session/end?")
    query = query_of(location)
    assert query["client_id"] == "hearth"
    assert query["id_token_hint"].count(".") == 2
    async with oidc_provider.http() as browser:
        page = await browser.get(location)
    assert page.status_code == 200
    assert "logout" in page.text.lower()
