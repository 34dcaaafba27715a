"""The browser sign-in through the real provider: code flow with PKCE, state and nonce."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from models.enums import AccessLevel
from services.clock import FrozenClock
from tests.factories import make_agency, make_user
from tests.oidc.helpers import ALICE, OidcProvider, browser_login, query_of

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
    assert query["state"] and query["nonce"]
    assert query["max_age"] == str(7 * 24 * 3600)
    assert query["redirect_uri"] == "http://hearth.test/auth/oidc/callback"
