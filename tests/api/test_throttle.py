"""Failed passwords and TOTP codes are throttled per account, per attempt (however packed)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

import services.passwords as passwords
from models.sessions import AuthThrottle
from tests.api.helpers import LOGIN, PASSWORD, VERIFY, CountingHasher, challenge, code_at
from tests.factories import Api, make_user

WRONG = "not the right password"
# Six password attempts in one document: mutation fields run one after another.
SIX_LOGINS = (
    "mutation($u: String!, $p: String!) {\n"
    + "\n".join(
        f"  a{i}: login(input: {{username: $u, password: $p}}) {{ challengeToken }}"
        for i in range(1, 7)
    )
    + "\n}"
)
MIXED_LOGINS = """
mutation($u: String!, $right: String!, $wrong: String!) {
  a: login(input: {username: $u, password: $right}) { challengeToken }
  b: login(input: {username: $u, password: $wrong}) { challengeToken }
  c: login(input: {username: $u, password: $right}) { challengeToken }
}"""
SIX_CODES = (
    "mutation($t: String!, $c: String!) {\n"
    + "\n".join(
        f"  v{i}: verifyMfa(input: {{challengeToken: $t, code: $c}}) {{ accessToken }}"
        for i in range(1, 7)
    )
    + "\n}"
)


async def _fail(api: Api, username: str, times: int) -> None:
    for _ in range(times):
        assert (await api.error(LOGIN, {"u": username, "p": WRONG}))["code"] == "UNAUTHENTICATED"


def _codes(body: dict[str, object]) -> dict[str, str]:
    """Each errored field's alias -> its error code."""
    return {e["path"][0]: e["extensions"]["code"] for e in body["errors"]}  # type: ignore[index, union-attr]


async def test_five_failures_lock_the_account_even_for_the_right_password(api: Api) -> None:
    # given
    await make_user("alice")
    await _fail(api, "alice", 5)
    # when
    error = await api.error(LOGIN, {"u": "alice", "p": PASSWORD})
    # then
    assert error["code"] == "RATE_LIMITED"


async def test_four_failures_do_not_lock_and_a_success_clears_them(api: Api) -> None:
    # given
    await make_user("alice")
    await _fail(api, "alice", 4)
    # when
    await api.ok(LOGIN, {"u": "alice", "p": PASSWORD})
    # then
    assert not await AuthThrottle.exists(key="login:alice")
    await _fail(api, "alice", 4)
    await api.ok(LOGIN, {"u": "alice", "p": PASSWORD})


async def test_the_lockout_ends_after_fifteen_minutes(api: Api) -> None:
    # given
    await make_user("alice")
    await _fail(api, "alice", 5)
    api.clock.advance(timedelta(minutes=14, seconds=59))
    assert (await api.error(LOGIN, {"u": "alice", "p": PASSWORD}))["code"] == "RATE_LIMITED"
    # when
    api.clock.advance(timedelta(seconds=1))
    # then
    await api.ok(LOGIN, {"u": "alice", "p": PASSWORD})


async def test_failures_spread_over_more_than_the_window_do_not_lock(api: Api) -> None:
    await make_user("alice")
    await _fail(api, "alice", 4)
    api.clock.advance(timedelta(minutes=15))
    await _fail(api, "alice", 1)  # a new window starts here
    await api.ok(LOGIN, {"u": "alice", "p": PASSWORD})


async def test_aliased_logins_in_one_document_are_each_counted(api: Api) -> None:
    """Each aliased login runs and counts as if it were sent alone: a document of guesses gets
    no more checked guesses than as many requests would."""
    # given
    await make_user("alice")
    # when: the same six-guess document, six times
    bodies = [await api.gql(SIX_LOGINS, {"u": "alice", "p": WRONG}) for _ in range(6)]
    # then: five guesses were checked, in the first document; every later one refused unchecked
    assert all(set(body["data"].values()) == {None} for body in bodies)
    first = {f"a{i}": "UNAUTHENTICATED" for i in range(1, 6)} | {"a6": "RATE_LIMITED"}
    assert [_codes(body) for body in bodies] == [first] + [
        {f"a{i}": "RATE_LIMITED" for i in range(1, 7)}
    ] * 5
    row = await AuthThrottle.get(key="login:alice")
    assert row.failures == 36
    assert (await api.error(LOGIN, {"u": "alice", "p": PASSWORD}))["code"] == "RATE_LIMITED"


async def test_aliased_attempts_after_a_success_are_counted_too(api: Api) -> None:
    # given: four failures so far
    await make_user("alice")
    await _fail(api, "alice", 4)
    # when: one document signs in (clearing them), guesses, then signs in again
    body = await api.gql(MIXED_LOGINS, {"u": "alice", "right": PASSWORD, "wrong": WRONG})
    # then: each attempt counted in its turn, as three requests would be
    assert _codes(body) == {"b": "UNAUTHENTICATED"}
    assert body["data"]["b"] is None
    assert body["data"]["a"]["challengeToken"]
    assert body["data"]["c"]["challengeToken"]
    assert not await AuthThrottle.exists(key="login:alice")
    # and a guess alone after it starts from one
    await _fail(api, "alice", 1)
    assert (await AuthThrottle.get(key="login:alice")).failures == 1


async def test_parallel_requests_cannot_outrun_the_count(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    await make_user("alice")
    spy = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", spy)
    # when: eight guesses in flight at once
    errors = await asyncio.gather(*(api.error(LOGIN, {"u": "alice", "p": WRONG}) for _ in range(8)))
    # then: only five were checked at all
    assert spy.verifies == 5
    assert sorted(e["code"] for e in errors) == ["RATE_LIMITED"] * 3 + ["UNAUTHENTICATED"] * 5


async def test_unknown_usernames_are_throttled_the_same_way(api: Api) -> None:
    # given
    await _fail(api, "nobody", 5)
    # when
    error = await api.error(LOGIN, {"u": "nobody", "p": WRONG})
    # then
    assert error["code"] == "RATE_LIMITED"
    assert (await AuthThrottle.get(key="login:nobody")).failures == 6


async def test_one_account_locked_leaves_others_alone(api: Api) -> None:
    await make_user("alice")
    await make_user("bob")
    await _fail(api, "alice", 5)
    await api.ok(LOGIN, {"u": "bob", "p": PASSWORD})


async def test_spelling_the_name_differently_does_not_reset_the_count(api: Api) -> None:
    await make_user("alice")
    for spelling in ("alice", "ALICE", " Alice", "alice ", "aLiCe"):
        await api.error(LOGIN, {"u": spelling, "p": WRONG})
    assert (await api.error(LOGIN, {"u": "alice", "p": PASSWORD}))["code"] == "RATE_LIMITED"


async def test_totp_failures_lock_the_second_factor(api: Api) -> None:
    # given
    user = await make_user("alice")
    assert user.totp_secret
    token = await challenge(api, "alice")
    right = code_at(user.totp_secret, api.clock.now())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    # when
    bodies = [await api.gql(SIX_CODES, {"t": token, "c": wrong}) for _ in range(5)]
    # then: five codes were checked, in the first document; every later one refused unchecked
    first = {f"v{i}": "UNAUTHENTICATED" for i in range(1, 6)} | {"v6": "RATE_LIMITED"}
    assert [_codes(body) for body in bodies] == [first] + [
        {f"v{i}": "RATE_LIMITED" for i in range(1, 7)}
    ] * 4
    assert (await api.error(VERIFY, {"t": token, "c": right}))["code"] == "RATE_LIMITED"
    assert (await AuthThrottle.get(key=f"totp:{user.id}")).failures == 31


async def test_a_totp_lockout_does_not_block_the_password_step(api: Api) -> None:
    user = await make_user("alice")
    token = await challenge(api, "alice")
    for _ in range(5):
        await api.error(
            VERIFY, {"t": token, "c": "000000" if api.code(user) != "000000" else "111111"}
        )
    await challenge(api, "alice")
    assert not await AuthThrottle.exists(key="login:alice")


async def test_totp_lockout_ends_after_fifteen_minutes(api: Api) -> None:
    user = await make_user("alice")
    assert user.totp_secret
    token = await challenge(api, "alice")
    for _ in range(5):
        await api.error(
            VERIFY, {"t": token, "c": "000000" if api.code(user) != "000000" else "111111"}
        )
    assert (await api.error(VERIFY, {"t": token, "c": api.code(user)}))["code"] == "RATE_LIMITED"
    api.clock.advance(timedelta(minutes=15))
    fresh = await challenge(api, "alice")
    await api.ok(VERIFY, {"t": fresh, "c": api.code(user)})
