"""Sessions: short-lived access tokens, one-use refresh tokens, logout and deactivation end them."""

from __future__ import annotations

from datetime import timedelta

from authz.enforcer import Decisions, current_authorizer
from authz.principal import Principal
from models.enums import DeactivationReason, SystemRole
from models.sessions import Session
from services import users as user_service
from tests.api.helpers import DEACTIVATE, LOGOUT, ME, REFRESH, tokens
from tests.factories import Api, make_user
from tests.services.support import caller_of


async def _signed_in(api: Api, username: str = "alice", **kwargs: object) -> dict[str, str]:
    user = await make_user(username, **kwargs)  # type: ignore[arg-type]
    assert user.totp_secret
    return await tokens(api, username, user.totp_secret)


async def test_logout_ends_the_session(api: Api) -> None:
    # given
    pair = await _signed_in(api)
    await api.ok(ME, token=pair["accessToken"])
    # when
    assert (await api.ok(LOGOUT, token=pair["accessToken"]))["logout"] is True
    # then
    assert (await api.error(ME, token=pair["accessToken"]))["code"] == "UNAUTHENTICATED"
    assert (await api.error(REFRESH, {"r": pair["refreshToken"]}))["code"] == "UNAUTHENTICATED"
    session = await Session.get()
    assert session.revoked_at == api.clock.now()
    assert session.revoke_reason == "logout"


async def test_logout_ends_only_that_session(api: Api) -> None:
    user = await make_user("alice")
    assert user.totp_secret
    first = await tokens(api, "alice", user.totp_secret)
    second = await tokens(api, "alice", user.totp_secret)
    await api.ok(LOGOUT, token=first["accessToken"])
    await api.ok(ME, token=second["accessToken"])


async def test_logout_needs_a_session(api: Api) -> None:
    assert (await api.error(LOGOUT))["code"] == "UNAUTHENTICATED"


async def test_the_access_token_expires_after_fifteen_minutes(api: Api) -> None:
    # given
    pair = await _signed_in(api)
    # when
    api.clock.advance(timedelta(minutes=15))
    # then
    assert (await api.error(ME, token=pair["accessToken"]))["code"] == "UNAUTHENTICATED"


async def test_the_access_token_works_until_then(api: Api) -> None:
    pair = await _signed_in(api)  # the sign-in moved the clock 30 s already
    api.clock.advance(timedelta(minutes=14, seconds=29))
    await api.ok(ME, token=pair["accessToken"])


async def test_the_refresh_token_gives_a_new_access_token(api: Api) -> None:
    # given
    pair = await _signed_in(api)
    api.clock.advance(timedelta(minutes=20))
    # when
    fresh = (await api.ok(REFRESH, {"r": pair["refreshToken"]}))["refreshSession"]
    # then
    assert (await api.ok(ME, token=fresh["accessToken"]))["me"]["user"]["username"] == "alice"
    assert fresh["refreshToken"] != pair["refreshToken"]
    assert fresh["mfaExpiresAt"] == pair["mfaExpiresAt"]


async def test_a_refresh_token_works_once(api: Api) -> None:
    # given
    pair = await _signed_in(api)
    await api.ok(REFRESH, {"r": pair["refreshToken"]})
    # when
    error = await api.error(REFRESH, {"r": pair["refreshToken"]})
    # then
    assert error["code"] == "UNAUTHENTICATED"


async def test_a_rotated_refresh_token_presented_again_revokes_the_whole_family(api: Api) -> None:
    # given: a thief copied the first refresh token; the client has rotated it since, twice
    pair = await _signed_in(api)
    stolen = pair["refreshToken"]
    fresh = (await api.ok(REFRESH, {"r": stolen}))["refreshSession"]
    latest = (await api.ok(REFRESH, {"r": fresh["refreshToken"]}))["refreshSession"]
    # when: the stolen token is presented
    error = await api.error(REFRESH, {"r": stolen})
    # then: refused, and every token of the session with it, the client's newest included
    assert error["code"] == "UNAUTHENTICATED"
    for access in (pair["accessToken"], fresh["accessToken"], latest["accessToken"]):
        assert (await api.error(ME, token=access))["code"] == "UNAUTHENTICATED"
    for refresh in (fresh["refreshToken"], latest["refreshToken"]):
        assert (await api.error(REFRESH, {"r": refresh}))["code"] == "UNAUTHENTICATED"
    session = await Session.get()
    assert session.revoke_reason == "refresh token reused"


async def test_reuse_revokes_only_that_session(api: Api) -> None:
    # given: alice signed in twice (two devices); one device's old token is replayed
    user = await make_user("alice")
    assert user.totp_secret
    first = await tokens(api, "alice", user.totp_secret)
    second = await tokens(api, "alice", user.totp_secret)
    await api.ok(REFRESH, {"r": first["refreshToken"]})
    # when
    await api.error(REFRESH, {"r": first["refreshToken"]})
    # then: the other session goes on
    await api.ok(ME, token=second["accessToken"])
    assert (await api.ok(REFRESH, {"r": second["refreshToken"]}))["refreshSession"]


async def test_an_unknown_token_revokes_nothing(api: Api) -> None:
    pair = await _signed_in(api)
    await api.error(REFRESH, {"r": "never-issued"})
    await api.ok(ME, token=pair["accessToken"])
    assert (await Session.get()).revoked_at is None


async def test_an_unknown_refresh_token_is_refused(api: Api) -> None:
    await _signed_in(api)
    assert (await api.error(REFRESH, {"r": "not-a-refresh-token"}))["code"] == "UNAUTHENTICATED"


async def test_an_access_token_is_not_a_refresh_token(api: Api) -> None:
    pair = await _signed_in(api)
    assert (await api.error(REFRESH, {"r": pair["accessToken"]}))["code"] == "UNAUTHENTICATED"


async def test_a_revoked_session_cannot_refresh(api: Api) -> None:
    pair = await _signed_in(api)
    await api.ok(LOGOUT, token=pair["accessToken"])
    assert (await api.error(REFRESH, {"r": pair["refreshToken"]}))["code"] == "UNAUTHENTICATED"


async def test_the_session_itself_ends_after_thirty_days(api: Api) -> None:
    pair = await _signed_in(api)
    api.clock.advance(timedelta(days=30))
    assert (await api.error(REFRESH, {"r": pair["refreshToken"]}))["code"] == "UNAUTHENTICATED"


async def test_deactivation_by_an_admin_ends_the_users_sessions(api: Api) -> None:
    # given
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    admin_token = await api.sign_in(admin)
    pair = await _signed_in(api, "bob")
    await api.ok(ME, token=pair["accessToken"])
    session = await Session.filter(user__username="bob").get()
    # when
    await api.ok(DEACTIVATE, {"id": str(session.user_id)}, admin_token)  # type: ignore[attr-defined]
    # then
    assert (await api.error(ME, token=pair["accessToken"]))["code"] == "UNAUTHENTICATED"
    assert (await api.error(REFRESH, {"r": pair["refreshToken"]}))["code"] == "UNAUTHENTICATED"
    await session.refresh_from_db()
    assert session.revoked_at == api.clock.now()
    await api.ok(ME, token=admin_token)


async def test_deactivation_through_the_service_ends_the_session_mid_flight(api: Api) -> None:
    # given
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    pair = await _signed_in(api, "bob")
    bob = await Session.filter(user__username="bob").get()
    decisions = Decisions(current_authorizer(), Principal(user_id=admin.id, username="admin"))
    # when
    await user_service.deactivate_user(
        caller=caller_of(decisions, now=api.clock.now()),
        user_id=bob.user_id,
        code=DeactivationReason.LEFT_AGENCY,
    )
    # then
    assert (await api.error(ME, token=pair["accessToken"]))["code"] == "UNAUTHENTICATED"
    assert (await api.error(REFRESH, {"r": pair["refreshToken"]}))["code"] == "UNAUTHENTICATED"


async def test_an_inactive_user_is_refused_even_if_a_session_survived(api: Api) -> None:
    """Belt and braces: the account's status is checked on every request, not only the session."""
    from models.enums import UserStatus
    from models.users import User

    pair = await _signed_in(api)
    await User.filter(username="alice").update(status=UserStatus.INACTIVE)
    assert (await api.error(ME, token=pair["accessToken"]))["code"] == "UNAUTHENTICATED"
    assert (await api.error(REFRESH, {"r": pair["refreshToken"]}))["code"] == "UNAUTHENTICATED"
