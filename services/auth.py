"""Local sign-in rules: throttled password and TOTP checks, sessions, enrolment (policy 202)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import pyotp
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from models.enums import UserStatus
from models.sessions import EnrollmentInvite, RotatedRefreshToken, Session
from models.users import User
from services.errors import RateLimited, Unauthenticated, ValidationFailed
from services.passwords import check_password_policy, hash_password, verify_password
from services.values import bounded

__all__ = [
    "AuthPolicy",
    "Enrollment",
    "MfaProof",
    "accept_invite",
    "authenticate_password",
    "begin_attempt",
    "clear_failures",
    "create_invite",
    "create_session",
    "enroll_totp",
    "forgive_attempt",
    "mfa_expired",
    "refresh_session",
    "revoke_session",
    "revoke_user_sessions",
    "token_digest",
    "verify_totp",
]

log = logging.getLogger("hearth.auth")

BAD_CREDENTIALS = "Invalid username or password."
LOCKED = "Too many failed attempts. Try again later."
REFRESH_REUSED = "refresh token reused"


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=30)
    invite_ttl: timedelta = timedelta(hours=72)
    totp_issuer: str = "CT HMIS (Hearth)"


@dataclass(frozen=True, slots=True)
class MfaProof:
    """What a sign-in shows for policy 202: when, and whether a second factor was shown."""

    auth_time: datetime | None
    problem: str | None  # None: policy 202 is met


def mfa_expired(*, mfa_at: datetime, now: datetime, max_age: timedelta) -> bool:
    """Policy 202: a second factor counts for ``max_age`` (the ``mfa_max_age_days`` setting)
    from the instant it was shown, that last instant included."""
    return now - mfa_at > max_age


def token_digest(token: str) -> str:
    """Opaque tokens are stored only as digests."""
    return hashlib.sha256(token.encode()).hexdigest()


def _username_key(username: str) -> str:
    return f"login:{username}"


def _totp_key(user_id: UUID) -> str:
    return f"totp:{user_id}"


_ATTEMPT_SQL = """
INSERT INTO auth_throttle AS t (key, failures, window_started_at, locked_until)
VALUES ($1, 1, $2, CASE WHEN $4::int <= 1 THEN $5::timestamptz END)
ON CONFLICT (key) DO UPDATE SET
  failures = CASE
    WHEN t.locked_until > $2 THEN LEAST(t.failures + 1, 1000000)
    WHEN t.locked_until IS NOT NULL OR t.window_started_at <= $3 THEN 1
    ELSE t.failures + 1 END,
  window_started_at = CASE
    WHEN t.locked_until > $2 THEN t.window_started_at
    WHEN t.locked_until IS NOT NULL OR t.window_started_at <= $3 THEN $2
    ELSE t.window_started_at END,
  locked_until = CASE
    WHEN t.locked_until > $2 THEN t.locked_until
    WHEN (CASE WHEN t.locked_until IS NOT NULL OR t.window_started_at <= $3 THEN 1
               ELSE t.failures + 1 END) >= $4 THEN $5
    ELSE NULL END
RETURNING failures, locked_until
"""


async def begin_attempt(*, key: str, now: datetime, policy: AuthPolicy) -> None:
    """Count an attempt as failed before checking it; a success then clears the count.

    Counting first, in one statement, means parallel requests and aliased fields cannot all
    slip past the check before any failure is written: the attempt that reaches the limit locks
    the key, and every later one (while locked) is refused unchecked, and counted. The refusal
    says when to try again (``retry_after``, whole seconds).
    """
    rows = await get_connection("default").execute_query_dict(
        _ATTEMPT_SQL,
        [key, now, now - policy.failure_window, policy.max_failures, now + policy.lockout],
    )
    if rows[0]["failures"] > policy.max_failures:
        wait = (rows[0]["locked_until"] - now).total_seconds()
        raise RateLimited(LOCKED, retry_after=max(1, math.ceil(wait)))


async def clear_failures(*, key: str) -> None:
    """The attempt succeeded: the key's count starts afresh."""
    await get_connection("default").execute_query("DELETE FROM auth_throttle WHERE key = $1", [key])


async def forgive_attempt(*, key: str) -> None:
    """The attempt succeeded: take back the failure :func:`begin_attempt` counted for it, and
    only that one (a key shared by many, such as an address, keeps the others' failures)."""
    await get_connection("default").execute_query(
        "UPDATE auth_throttle SET failures = GREATEST(failures - 1, 0) WHERE key = $1", [key]
    )


async def authenticate_password(
    *, username: str, password: str, now: datetime, policy: AuthPolicy
) -> User:
    """The user whose password this is; the same error, at the same cost, for any failure."""
    # no account has a longer name: said before the throttle, whose key is the name
    name = bounded(username.strip().casefold(), User, "username", "username")
    key = _username_key(name)
    await begin_attempt(key=key, now=now, policy=policy)
    user = await User.get_or_none(username=name)
    # argon2 is CPU-bound for tens of milliseconds: off the event loop, so sign-ins do not
    # stall every other request. An unknown account is verified against a dummy hash.
    ok = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
    if not ok or user is None or user.status != UserStatus.ACTIVE:
        raise Unauthenticated(BAD_CREDENTIALS)
    await clear_failures(key=key)
    return user


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The TOTP time step (now, or one either side for clock drift) this code belongs to."""
    # isascii: str.isdigit() accepts other scripts' digits, which compare_digest refuses.
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def verify_totp(*, user_id: UUID, code: str, now: datetime, policy: AuthPolicy) -> User:
    """Accept a TOTP code once: a replay in its validity window fails like a wrong code."""
    key = _totp_key(user_id)
    await begin_attempt(key=key, now=now, policy=policy)
    user = await User.get_or_none(id=user_id)
    if user is None or user.status != UserStatus.ACTIVE or not user.totp_secret:
        raise Unauthenticated("The sign-in challenge is no longer valid.")
    step = _matching_step(user.totp_secret, code.strip(), now)
    accepted = 0
    if step is not None:
        # Conditional update: of two concurrent uses of one code, only one wins.
        accepted, _ = await get_connection("default").execute_query(
            """
            UPDATE hearth_user SET totp_last_step = $2,
                   totp_confirmed_at = COALESCE(totp_confirmed_at, $3)
             WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)
            """,
            [user_id, step, now],
        )
    if not accepted:
        raise Unauthenticated("The code is not valid.", field="code")
    await clear_failures(key=key)
    await user.refresh_from_db()
    return user


async def create_session(
    *,
    user: User,
    now: datetime,
    policy: AuthPolicy,
    auth_time: datetime | None = None,
    mfa_at: datetime | None = None,
) -> tuple[Session, str]:
    """A new session after password and second factor; returns it with its refresh token.

    ``auth_time`` and ``mfa_at`` default to now; an identity provider's sign-in passes the
    time the provider checked the user (policy 202 counts the second factor's age from then).
    """
    refresh = secrets.token_urlsafe(32)
    async with in_transaction():
        session = await Session.create(
            user=user,
            created_at=now,
            auth_time=auth_time or now,
            mfa_at=mfa_at or now,
            expires_at=now + policy.refresh_ttl,
            refresh_token_hash=token_digest(refresh),
        )
        await User.filter(id=user.id).update(last_login_at=now)
        # Policy 211 (a) asks whether the first sign-in came within 45 days of training.
        await User.filter(id=user.id, first_login_at__isnull=True).update(first_login_at=now)
    return session, refresh


async def refresh_session(*, refresh_token: str, now: datetime) -> tuple[Session, str]:
    """Rotate a refresh token. The old one stops working; the session keeps its MFA time.

    A token already rotated, presented again, means that someone else holds the session's
    tokens too (the client or a thief, whichever presents second): the session is revoked, and
    with it every access and refresh token issued from it (OAuth 2.0 Security BCP 4.14.2).
    """
    digest = token_digest(refresh_token)
    new_refresh = secrets.token_urlsafe(32)
    reused: RotatedRefreshToken | None = None
    async with in_transaction():
        # No select_related here: PostgreSQL refuses FOR UPDATE on an outer join's nullable side.
        session = await Session.filter(refresh_token_hash=digest).select_for_update().first()
        if session is None:
            # A concurrent rotation of the same token waited for the lock above and finds its
            # token rotated here: a reuse like any other.
            reused = await RotatedRefreshToken.get_or_none(token_hash=digest)
        elif session.revoked_at is None and session.expires_at > now:
            user = await User.get_or_none(id=session.user_id)
            if user is not None and user.status == UserStatus.ACTIVE:
                await RotatedRefreshToken.create(
                    token_hash=digest, session_id=session.id, rotated_at=now
                )
                session.refresh_token_hash = token_digest(new_refresh)
                await session.save(update_fields=["refresh_token_hash"])
                return session, new_refresh
    if reused is not None:
        revoked = await Session.filter(id=reused.session_id, revoked_at__isnull=True).update(
            revoked_at=now, revoke_reason=REFRESH_REUSED
        )
        if revoked:
            log.warning(
                "a rotated refresh token was presented again: session %s revoked", reused.session_id
            )
    raise Unauthenticated("The refresh token is not valid.")


async def reauthenticate_session(*, session_id: UUID, now: datetime) -> None:
    """Record a fresh second factor on an existing session (policy 202's renewal)."""
    await Session.filter(id=session_id, revoked_at__isnull=True).update(mfa_at=now)


async def revoke_session(*, session_id: UUID, reason: str, now: datetime) -> None:
    await Session.filter(id=session_id, revoked_at__isnull=True).update(
        revoked_at=now, revoke_reason=reason
    )


async def revoke_user_sessions(*, user_id: UUID, reason: str, now: datetime) -> int:
    return await Session.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=now, revoke_reason=reason
    )


@dataclass(frozen=True, slots=True)
class Enrollment:
    user: User
    totp_secret: str
    provisioning_uri: str


async def enroll_totp(*, user: User, policy: AuthPolicy) -> Enrollment:
    """A new TOTP secret for the user; it counts once a code from it has been verified."""
    secret = pyotp.random_base32()
    await User.filter(id=user.id).update(
        totp_secret=secret, totp_confirmed_at=None, totp_last_step=None
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=policy.totp_issuer)
    return Enrollment(user=user, totp_secret=secret, provisioning_uri=uri)


async def create_invite(*, user_id: UUID, now: datetime, policy: AuthPolicy) -> str:
    """A one-time enrolment token for the user; earlier unused ones stop working."""
    token = secrets.token_urlsafe(32)
    async with in_transaction():
        await EnrollmentInvite.filter(user_id=user_id, used_at__isnull=True).update(used_at=now)
        await EnrollmentInvite.create(
            user_id=user_id,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + policy.invite_ttl,
        )
    return token


async def accept_invite(
    *, token: str, password: str, now: datetime, policy: AuthPolicy
) -> Enrollment:
    """Set the password and a new authenticator from a valid invitation."""
    async with in_transaction():
        invite = (
            await EnrollmentInvite.filter(token_hash=token_digest(token))
            .select_for_update()
            .first()
        )
        if invite is None or invite.used_at is not None or invite.expires_at <= now:
            raise ValidationFailed("The invitation is not valid or has expired.", field="token")
        user = await User.get_or_none(id=invite.user_id)
        if user is None or user.status != UserStatus.ACTIVE:
            raise ValidationFailed("The invitation is not valid or has expired.", field="token")
        check_password_policy(password, username=user.username, email=user.email)
        invite.used_at = now
        await invite.save(update_fields=["used_at"])
        await User.filter(id=user.id).update(
            password_hash=await asyncio.to_thread(hash_password, password)
        )
        enrollment = await enroll_totp(user=user, policy=policy)
        await revoke_user_sessions(user_id=user.id, reason="credentials reset", now=now)
    return enrollment
