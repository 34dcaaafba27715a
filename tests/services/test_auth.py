"""Sign-in rules below the API: throttle arithmetic, one-use codes and refresh tokens in races."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from models.sessions import AuthThrottle, Session
from services import auth
from services.admin import create_system_administrator
from services.errors import RateLimited, Unauthenticated, ValidationFailed
from tests.factories import PASSWORD, make_user

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
POLICY = auth.AuthPolicy()


def test_a_second_factor_counts_for_the_maximum_age_and_not_a_moment_longer() -> None:
    week, three_days = timedelta(days=7), timedelta(days=3)
    assert not auth.mfa_expired(mfa_at=NOW, now=NOW + week, max_age=week)
    assert auth.mfa_expired(mfa_at=NOW, now=NOW + week + timedelta(microseconds=1), max_age=week)
    assert auth.mfa_expired(
        mfa_at=NOW, now=NOW + three_days + timedelta(seconds=1), max_age=three_days
    )


def test_a_code_must_be_six_ascii_digits() -> None:
    secret = pyotp.random_base32()
    code = pyotp.TOTP(secret).at(NOW)
    assert auth._matching_step(secret, code, NOW) == pyotp.TOTP(secret).timecode(NOW)
    other_script = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert other_script.isdigit()
    for shape in (other_script, code[:5], code + "0", "", "abcdef"):
        assert auth._matching_step(secret, shape, NOW) is None


def test_drift_is_one_step_either_way() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(NOW)
    for offset in (-1, 1):
        assert auth._matching_step(secret, totp.generate_otp(step + offset), NOW) == step + offset
    for offset in (-2, 2):
        code = totp.generate_otp(step + offset)
        if code not in {totp.generate_otp(step + o) for o in (-1, 0, 1)}:
            assert auth._matching_step(secret, code, NOW) is None


async def _fail_password(username: str, now: datetime, policy: auth.AuthPolicy) -> str:
    try:
        await auth.authenticate_password(
            username=username,
            password="wrong wrong wrong",
            now=now,
            policy=policy,
        )
    except (Unauthenticated, RateLimited) as error:
        return error.code
    raise AssertionError("a wrong password was accepted")


async def test_after_a_short_lockout_counting_starts_afresh(app: object) -> None:
    # given: locked for one minute, counted over fifteen
    policy = auth.AuthPolicy(max_failures=3, lockout=timedelta(minutes=1))
    await make_user("alice")
    assert [await _fail_password("alice", NOW, policy) for _ in range(4)] == [
        "UNAUTHENTICATED",
        "UNAUTHENTICATED",
        "UNAUTHENTICATED",
        "RATE_LIMITED",
    ]
    # when: the lockout is over, well inside the window
    later = NOW + timedelta(minutes=1)
    # then: one more failure does not lock again at once
    assert await _fail_password("alice", later, policy) == "UNAUTHENTICATED"
    assert (await AuthThrottle.get(key="login:alice")).failures == 1
    await auth.authenticate_password(username="alice", password=PASSWORD, now=later, policy=policy)


async def test_a_limit_of_one_locks_at_the_first_failure(app: object) -> None:
    policy = auth.AuthPolicy(max_failures=1)
    await make_user("alice")
    assert await _fail_password("alice", NOW, policy) == "UNAUTHENTICATED"
    with pytest.raises(RateLimited):
        await auth.authenticate_password(
            username="alice", password=PASSWORD, now=NOW, policy=policy
        )


async def test_concurrent_uses_of_one_code_let_exactly_one_through(app: object) -> None:
    # given
    user = await make_user("alice")
    assert user.totp_secret
    code = pyotp.TOTP(user.totp_secret).at(NOW)
    # when
    outcomes = await asyncio.gather(
        *(auth.verify_totp(user_id=user.id, code=code, now=NOW, policy=POLICY) for _ in range(5)),
        return_exceptions=True,
    )
    # then
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, Unauthenticated) for o in outcomes if isinstance(o, BaseException))


async def test_concurrent_refreshes_of_one_token_let_exactly_one_through(app: object) -> None:
    # given
    user = await make_user("alice")
    _, refresh = await auth.create_session(user=user, now=NOW, policy=POLICY)
    # when
    outcomes = await asyncio.gather(
        *(auth.refresh_session(refresh_token=refresh, now=NOW) for _ in range(5)),
        return_exceptions=True,
    )
    # then
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(o, Unauthenticated) for o in outcomes if isinstance(o, BaseException))
    session = await Session.get()
    assert session.refresh_token_hash == auth.token_digest(winners[0][1])
    # and the losers presented a token already rotated: a reuse, so the session is revoked
    assert session.revoke_reason == auth.REFRESH_REUSED


async def test_refresh_tokens_are_stored_only_as_digests(app: object) -> None:
    user = await make_user("alice")
    session, refresh = await auth.create_session(user=user, now=NOW, policy=POLICY)
    assert refresh not in session.refresh_token_hash
    assert session.refresh_token_hash == auth.token_digest(refresh)


async def test_invitations_are_stored_only_as_digests(app: object) -> None:
    from models.sessions import EnrollmentInvite

    user = await make_user("alice")
    token = await auth.create_invite(user_id=user.id, now=NOW, policy=POLICY)
    invite = await EnrollmentInvite.get()
    assert invite.token_hash == auth.token_digest(token)
    assert invite.expires_at == NOW + timedelta(hours=72)


async def test_a_bootstrap_admin_cannot_share_an_mfa_contact(app: object) -> None:
    # given
    await create_system_administrator(
        username="first.admin",
        email="first@lead.example.org",
        mfa_contact="(860) 555-0100",
        password=PASSWORD,
        issuer="test",
    )
    # when
    with pytest.raises(ValidationFailed) as caught:
        await create_system_administrator(
            username="second.admin",
            email="second@lead.example.org",
            mfa_contact="1-860-555-0100",
            password=PASSWORD,
            issuer="test",
        )
    # then
    assert caught.value.field == "mfaContact"
