"""Local accounts: password, then TOTP, then a session with signed access tokens (policy 202)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from api.identity.base import Authenticated, TokenPair
from api.identity.service import authenticate_service
from api.identity.tokens import TokenService
from authz.principal import Principal
from models.enums import UserStatus
from models.sessions import Session
from services import auth
from services.errors import Unauthenticated
from services.principals import load_session_principal

__all__ = ["Challenge", "LocalIdentity"]


@dataclass(frozen=True, slots=True)
class Challenge:
    challenge_token: str
    expires_at: datetime
    enrollment_required: bool


class LocalIdentity:
    """Hearth's own accounts. Sign-in is two steps: ``login`` then ``verify_mfa``."""

    name = "local"

    def __init__(
        self, *, tokens: TokenService, policy: auth.AuthPolicy, mfa_max_age: timedelta
    ) -> None:
        self.tokens = tokens
        self.policy = policy
        self.mfa_max_age = mfa_max_age

    async def login(self, *, username: str, password: str, now: datetime) -> Challenge:
        user = await auth.authenticate_password(
            username=username, password=password, now=now, policy=self.policy
        )
        if not user.totp_secret:
            raise Unauthenticated(
                "This account has no authenticator yet; "
                "ask the System Administrator for an invitation."
            )
        token, expires = self.tokens.challenge(user_id=user.id, now=now)
        return Challenge(token, expires, enrollment_required=user.totp_confirmed_at is None)

    async def _pair(self, session: Session, refresh: str, now: datetime) -> TokenPair:
        user_id = session.user_id
        access, expires = self.tokens.access_token(user_id=user_id, session_id=session.id, now=now)
        return TokenPair(access, expires, refresh, session.mfa_at + self.mfa_max_age)

    async def pair_for(self, session: Session, refresh: str, now: datetime) -> TokenPair:
        """The tokens of a session another sign-in path created (OpenID Connect)."""
        return await self._pair(session, refresh, now)

    async def verify_mfa(self, *, challenge_token: str, code: str, now: datetime) -> TokenPair:
        claims = self.tokens.read_challenge(challenge_token, now)
        user = await auth.verify_totp(
            user_id=UUID(claims["sub"]), code=code, now=now, policy=self.policy
        )
        session, refresh = await auth.create_session(user=user, now=now, policy=self.policy)
        return await self._pair(session, refresh, now)

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenPair:
        session, refresh = await auth.refresh_session(refresh_token=refresh_token, now=now)
        return await self._pair(session, refresh, now)

    async def reauthenticate(self, *, principal: Principal, code: str, now: datetime) -> datetime:
        """A fresh second factor on the current session; returns when it will be due again."""
        if principal.session_id is None:
            raise Unauthenticated("This caller has no session to re-authenticate.")
        await auth.verify_totp(user_id=principal.user_id, code=code, now=now, policy=self.policy)
        await auth.reauthenticate_session(session_id=principal.session_id, now=now)
        return now + self.mfa_max_age

    async def logout(self, *, principal: Principal, now: datetime) -> None:
        if principal.session_id is not None:
            await auth.revoke_session(session_id=principal.session_id, reason="logout", now=now)

    async def authenticate(self, bearer: str, *, now: datetime) -> Authenticated:
        claims = self.tokens.read_bearer(bearer, now)
        if claims["token_use"] == "service":  # noqa: S105 (a token kind, not a secret)
            return await authenticate_service(claims)
        try:
            user_id, session_id = UUID(claims["sub"]), UUID(claims.get("sid", ""))
        except ValueError:
            raise Unauthenticated("The token is not valid or has expired.") from None
        loaded = await load_session_principal(user_id, session_id)
        if loaded is None:
            raise Unauthenticated("The session has ended; sign in again.")
        principal, status, session = loaded
        if session.revoked_at is not None or session.expires_at <= now:
            raise Unauthenticated("The session has ended; sign in again.")
        if status != UserStatus.ACTIVE.value:
            raise Unauthenticated("The account is not active.")
        return Authenticated(
            principal=principal,
            mfa_expired=auth.mfa_expired(mfa_at=session.mfa_at, now=now, max_age=self.mfa_max_age),
        )
