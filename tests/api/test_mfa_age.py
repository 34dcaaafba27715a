"""Policy 202: a second factor older than the maximum age (7 days unless set otherwise) stops every
data operation until proven again."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from api.app import create_app
from api.settings import Settings
from models.enums import SystemRole
from services.clock import FrozenClock
from tests.api.helpers import AGENCIES, ME, REAUTH, REFRESH, code_at, tokens
from tests.factories import Api, make_user

SEVEN_DAYS = timedelta(days=7)
CREATE_AGENCY = (
    'mutation { createAgency(input: {name: "Late Shelter", cocCode: "CT-503"}) { name } }'
)


def _iso(when: datetime) -> str:
    return when.isoformat()


async def _admin_session(api: Api) -> tuple[str, dict[str, str], datetime]:
    """An admin signed in now; returns the TOTP secret, the tokens and the MFA instant."""
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    assert admin.totp_secret
    mfa_at = api.clock.now()
    return admin.totp_secret, await tokens(api, "admin", admin.totp_secret), mfa_at


async def _refreshed(api: Api, pair: dict[str, str]) -> dict[str, str]:
    return (await api.ok(REFRESH, {"r": pair["refreshToken"]}))["refreshSession"]


async def test_at_exactly_seven_days_data_operations_still_work(api: Api) -> None:
    # given
    _, pair, mfa_at = await _admin_session(api)
    assert pair["mfaExpiresAt"] == _iso(mfa_at + SEVEN_DAYS)
    # when
    api.clock.set(mfa_at + SEVEN_DAYS)
    pair = await _refreshed(api, pair)
    # then
    await api.ok(AGENCIES, token=pair["accessToken"])


async def test_one_second_later_every_data_operation_needs_mfa_but_me_answers(api: Api) -> None:
    # given
    _, pair, mfa_at = await _admin_session(api)
    api.clock.set(mfa_at + SEVEN_DAYS)
    pair = await _refreshed(api, pair)
    # when
    api.clock.advance(timedelta(seconds=1))
    # then
    for document in (AGENCIES, CREATE_AGENCY):
        error = await api.error(document, token=pair["accessToken"])
        assert error["code"] == "MFA_REQUIRED"
        assert error["reauthenticateWith"] == "reauthenticateMfa"
    me = (await api.ok(ME, token=pair["accessToken"]))["me"]
    assert me["session"]["mfaExpiresAt"] == _iso(mfa_at + SEVEN_DAYS)


async def test_refreshing_does_not_renew_the_second_factor(api: Api) -> None:
    _, pair, mfa_at = await _admin_session(api)
    api.clock.set(mfa_at + SEVEN_DAYS + timedelta(hours=1))
    pair = await _refreshed(api, pair)
    assert pair["mfaExpiresAt"] == _iso(mfa_at + SEVEN_DAYS)
    assert (await api.error(AGENCIES, token=pair["accessToken"]))["code"] == "MFA_REQUIRED"


async def test_a_fresh_code_restores_access_for_seven_more_days(api: Api) -> None:
    # given: a stale session
    secret, pair, mfa_at = await _admin_session(api)
    api.clock.set(mfa_at + SEVEN_DAYS + timedelta(minutes=10))
    pair = await _refreshed(api, pair)
    assert (await api.error(AGENCIES, token=pair["accessToken"]))["code"] == "MFA_REQUIRED"
    # when
    renewed = await api.ok(REAUTH, {"c": code_at(secret, api.clock.now())}, pair["accessToken"])
    # then
    now = api.clock.now()
    assert renewed["reauthenticateMfa"] == _iso(now + SEVEN_DAYS)
    await api.ok(AGENCIES, token=pair["accessToken"])
    me = (await api.ok(ME, token=pair["accessToken"]))["me"]
    assert me["session"]["mfaAt"] == _iso(now)
    assert me["session"]["mfaExpiresAt"] == _iso(now + SEVEN_DAYS)
    # and the refreshed tokens carry the new deadline
    api.clock.advance(timedelta(minutes=1))
    assert (await _refreshed(api, pair))["mfaExpiresAt"] == _iso(now + SEVEN_DAYS)


async def test_a_wrong_code_does_not_restore_access(api: Api) -> None:
    # given
    secret, pair, mfa_at = await _admin_session(api)
    api.clock.set(mfa_at + SEVEN_DAYS + timedelta(seconds=1))
    pair = await _refreshed(api, pair)
    wrong = f"{(int(code_at(secret, api.clock.now())) + 1) % 1_000_000:06d}"
    # when
    error = await api.error(REAUTH, {"c": wrong}, pair["accessToken"])
    # then
    assert error["code"] == "UNAUTHENTICATED"
    assert (await api.error(AGENCIES, token=pair["accessToken"]))["code"] == "MFA_REQUIRED"


async def test_the_sign_in_code_cannot_be_replayed_to_reauthenticate(api: Api) -> None:
    # given: signed in with the code of this time step; the clock is now one step on
    secret, pair, mfa_at = await _admin_session(api)
    # when
    error = await api.error(REAUTH, {"c": code_at(secret, mfa_at)}, pair["accessToken"])
    # then
    assert error["code"] == "UNAUTHENTICATED"


async def test_reauthentication_needs_a_signed_in_caller(api: Api) -> None:
    assert (await api.error(REAUTH, {"c": "123456"}))["code"] == "UNAUTHENTICATED"


async def test_the_maximum_age_and_its_message_follow_the_setting(
    app: object, settings: Settings, database_url: str, clock: FrozenClock
) -> None:
    # given a deployment that asks for the second factor every 3 days
    three_days = timedelta(days=3)
    served = create_app(
        settings.model_copy(update={"mfa_max_age_days": 3}), database_url=database_url, clock=clock
    )
    async with served.router.lifespan_context(served):
        transport = httpx.ASGITransport(app=served)
        async with httpx.AsyncClient(transport=transport, base_url="http://hearth.test") as http:
            api = Api(http, clock)
            _, pair, mfa_at = await _admin_session(api)
            assert pair["mfaExpiresAt"] == _iso(mfa_at + three_days)
            # when the fourth day begins
            api.clock.set(mfa_at + three_days + timedelta(seconds=1))
            pair = await _refreshed(api, pair)
            error = await api.error(AGENCIES, token=pair["accessToken"])
    # then the refusal names the deployment's maximum age
    assert error["code"] == "MFA_REQUIRED"
    assert error["message"] == (
        "Your second factor is more than 3 days old (policy 202): call reauthenticateMfa."
    )
