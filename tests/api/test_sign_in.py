"""Two-step sign-in: password, then a TOTP code; failures say nothing about which part was wrong."""

from __future__ import annotations

import pytest

import services.passwords as passwords
from tests.api.helpers import LOGIN, ME, PASSWORD, VERIFY, CountingHasher, challenge, code_at
from tests.factories import Api, make_user


async def test_password_then_totp_gives_tokens_that_work_on_me(api: Api) -> None:
    # given
    user = await make_user("alice")
    assert user.totp_secret
    # when
    login = (await api.ok(LOGIN, {"u": "alice", "p": PASSWORD}))["login"]
    tokens = (await api.ok(VERIFY, {"t": login["challengeToken"], "c": api.code(user)}))[
        "verifyMfa"
    ]
    # then
    assert login["challengeToken"]
    assert tokens["accessToken"]
    assert tokens["refreshToken"]
    me = (await api.ok(ME, token=tokens["accessToken"]))["me"]
    assert me["user"]["username"] == "alice"


async def test_the_challenge_alone_is_not_an_access_token(api: Api) -> None:
    # given
    await make_user("alice")
    token = await challenge(api, "alice")
    # when
    error = await api.error(ME, token=token)
    # then
    assert error["code"] == "UNAUTHENTICATED"


async def test_username_is_matched_whatever_its_case_and_spacing(api: Api) -> None:
    await make_user("alice")
    data = await api.ok(LOGIN, {"u": "  Alice ", "p": PASSWORD})
    assert data["login"]["challengeToken"]


async def test_wrong_password_and_unknown_user_answer_alike(api: Api) -> None:
    # given
    await make_user("alice")
    # when
    wrong_password = await api.error(LOGIN, {"u": "alice", "p": "not the right password"})
    unknown_user = await api.error(LOGIN, {"u": "nobody", "p": "not the right password"})
    # then
    assert wrong_password == unknown_user
    assert wrong_password["code"] == "UNAUTHENTICATED"
    assert "field" not in wrong_password


async def test_inactive_user_answers_like_a_wrong_password(api: Api) -> None:
    from models.enums import UserStatus

    await make_user("alice")
    await make_user("bob", status=UserStatus.INACTIVE)
    inactive = await api.error(LOGIN, {"u": "bob", "p": PASSWORD})
    wrong = await api.error(LOGIN, {"u": "alice", "p": "not the right password"})
    assert inactive == wrong


async def test_unknown_user_still_costs_one_argon2_verify(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    await make_user("alice")
    spy = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", spy)
    # when
    await api.error(LOGIN, {"u": "nobody", "p": "not the right password"})
    unknown = spy.verifies
    await api.error(LOGIN, {"u": "alice", "p": "not the right password"})
    # then
    assert unknown == 1
    assert spy.verifies == 2


async def test_wrong_totp_code_is_refused(api: Api) -> None:
    user = await make_user("alice")
    assert user.totp_secret
    token = await challenge(api, "alice")
    wrong = f"{(int(code_at(user.totp_secret, api.clock.now())) + 1) % 1_000_000:06d}"
    error = await api.error(VERIFY, {"t": token, "c": wrong})
    assert error["code"] == "UNAUTHENTICATED"
    assert error["field"] == "code"


async def test_first_code_confirms_the_authenticator_and_records_the_login(api: Api) -> None:
    from models.users import User

    user = await make_user("alice")
    assert user.totp_confirmed_at is None
    first = (await api.ok(LOGIN, {"u": "alice", "p": PASSWORD}))["login"]
    await api.ok(VERIFY, {"t": first["challengeToken"], "c": api.code(user)})
    fresh = await User.get(id=user.id)
    assert fresh.totp_confirmed_at == api.clock.now()
    assert fresh.last_login_at == api.clock.now()
    assert first["enrollmentRequired"] is True
    second = (await api.ok(LOGIN, {"u": "alice", "p": PASSWORD}))["login"]
    assert second["enrollmentRequired"] is False
