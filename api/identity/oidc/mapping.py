"""The OpenID Connect identity: the provider's claims mapped to a Hearth user and principal, policy
202 read from them, and what the GraphQL sign-in operations do in this mode."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlencode
from uuid import UUID

import httpx
from starlette.routing import Route

from api.identity.base import Authenticated, TokenPair
from api.identity.local import Challenge, LocalIdentity
from api.identity.oidc.bearer import AccessTokenValidator, peek
from api.identity.oidc.provider import INVALID, ProviderClient
from api.identity.oidc.routes import LOGIN_PATH, BrowserSignIn
from api.settings import Settings
from authz.principal import Principal
from models.enums import UserStatus
from models.users import User
from services import auth
from services.clock import Clock
from services.contacts import normalize_email
from services.errors import MfaRequired, Unauthenticated, ValidationFailed
from services.principals import load_principal

__all__ = ["OidcIdentity"]


class OidcIdentity:
    """Identity through an OpenID Connect provider; Hearth sessions and service tokens too."""

    name = "oidc"

    def __init__(
        self,
        *,
        settings: Settings,
        local: LocalIdentity,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        assert settings.oidc_issuer
        assert settings.oidc_client_id
        assert settings.oidc_client_secret
        self.settings = settings
        self.local = local
        self.tokens = local.tokens
        self.policy = local.policy
        self.mfa_max_age = local.mfa_max_age
        self.clock = clock
        self.provider = ProviderClient(settings, transport=transport, monotonic=monotonic)
        self.validator = AccessTokenValidator(settings, self.provider)
        self.mfa_amr = set(settings.oidc_mfa_amr_values)
        self.mfa_acr = set(settings.oidc_mfa_acr_values)
        self.browser = BrowserSignIn(self, transport=transport)

    async def aclose(self) -> None:
        await self.provider.aclose()

    # -- where to send the user ------------------------------------------------------------

    def login_url(self, *, step_up: bool = False) -> str:
        params = {"prompt": "login"}
        if step_up:
            params["step_up"] = "1"
        return f"{LOGIN_PATH}?{urlencode(params)}"

    def mfa_error(self, problem: str) -> MfaRequired:
        messages = {
            "NO_SECOND_FACTOR": "The identity provider did not report a second factor "
            "(policy 202): sign in again at loginUrl.",
            "TOO_OLD": f"Your second factor is more than {self.settings.mfa_max_age_days} days "
            "old (policy 202): sign in again at loginUrl.",
            "NO_AUTH_TIME": "The identity provider did not say when you signed in "
            "(policy 202): sign in again at loginUrl.",
        }
        return MfaRequired(
            messages[problem],
            reason=problem,
            reauthenticate_with="oidc",
            login_url=self.login_url(step_up=problem == "NO_SECOND_FACTOR"),
        )

    def mfa_proof(self, claims: dict[str, Any], now: datetime) -> auth.MfaProof:
        """Policy 202 from the provider's claims: a second factor, within the last
        ``mfa_max_age_days``."""
        raw = claims.get("auth_time")
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return auth.MfaProof(None, "NO_AUTH_TIME")
        auth_time = datetime.fromtimestamp(raw, UTC)
        amr = claims.get("amr")
        amr_values = {a for a in amr if isinstance(a, str)} if isinstance(amr, list) else set()
        second_factor = bool(amr_values & self.mfa_amr) or claims.get("acr") in self.mfa_acr
        if not second_factor:
            return auth.MfaProof(auth_time, "NO_SECOND_FACTOR")
        if auth.mfa_expired(mfa_at=auth_time, now=now, max_age=self.mfa_max_age):
            return auth.MfaProof(auth_time, "TOO_OLD")
        return auth.MfaProof(auth_time, None)

    async def map_user(self, claims: dict[str, Any]) -> UUID:
        """The Hearth user the provider's subject is linked to; never created here."""
        unknown = Unauthenticated(
            "No Hearth account is linked to this sign-in; "
            "ask the System Administrator to add yours."
        )
        if self.settings.oidc_user_match == "email":
            email, verified = claims.get("email"), claims.get("email_verified")
            if not isinstance(email, str) or verified not in (True, "true"):
                raise unknown
            try:
                normalized = normalize_email(email)
            except ValidationFailed:
                raise unknown from None
            ids = await User.filter(email_normalized=normalized).values_list("id", flat=True)
        else:
            value = claims.get(self.settings.oidc_external_id_claim)
            if not isinstance(value, str) or not 0 < len(value) <= 128:
                raise unknown
            ids = await User.filter(external_id=value).values_list("id", flat=True)
        if len(ids) != 1:
            raise unknown
        return cast(UUID, ids[0])  # Tortoise types a flat values_list as a list of tuples

    async def active_principal(self, user_id: UUID, **session: Any) -> Principal:
        loaded = await load_principal(user_id, **session)
        if loaded is None or loaded[1] != UserStatus.ACTIVE.value:
            raise Unauthenticated("The account is not active.")
        return loaded[0]

    # -- bearer tokens -----------------------------------------------------------------------

    async def authenticate(self, bearer: str, *, now: datetime) -> Authenticated:
        _, unverified = peek(bearer)
        if unverified.get("iss") == self.tokens.issuer:
            # Hearth's own: a session from the browser flow, or a service account.
            result = await self.local.authenticate(bearer, now=now)
            if result.mfa_expired and result.principal.kind == "user":
                return Authenticated(result.principal, True, self.mfa_error("TOO_OLD"))
            return result
        if unverified.get("iss") != self.validator.issuer:
            raise Unauthenticated(INVALID)
        claims = await self.validator.validate(bearer, now)
        user_id = await self.map_user(claims)
        proof = self.mfa_proof(claims, now)
        principal = await self.active_principal(
            user_id, auth_time=proof.auth_time, mfa_at=None if proof.problem else proof.auth_time
        )
        if proof.problem:
            return Authenticated(principal, True, self.mfa_error(proof.problem))
        return Authenticated(principal, False)

    # -- what the GraphQL sign-in operations do in this mode ----------------------------------

    def _local_login_refused(self) -> Unauthenticated:
        return Unauthenticated("Sign in through the identity provider.", login_url=LOGIN_PATH)

    async def login(self, *, username: str, password: str, now: datetime) -> Challenge:
        if not self.settings.oidc_allow_local_login:
            raise self._local_login_refused()
        return await self.local.login(username=username, password=password, now=now)

    async def verify_mfa(self, *, challenge_token: str, code: str, now: datetime) -> TokenPair:
        if not self.settings.oidc_allow_local_login:
            raise self._local_login_refused()
        return await self.local.verify_mfa(challenge_token=challenge_token, code=code, now=now)

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenPair:
        return await self.local.refresh(refresh_token=refresh_token, now=now)

    async def reauthenticate(self, *, principal: Principal, code: str, now: datetime) -> datetime:
        if self.settings.oidc_allow_local_login:
            return await self.local.reauthenticate(principal=principal, code=code, now=now)
        raise self.mfa_error("TOO_OLD")

    async def logout(self, *, principal: Principal, now: datetime) -> None:
        await self.local.logout(principal=principal, now=now)

    def routes(self) -> list[Route]:
        """The browser's sign-in routes (see :mod:`api.identity.oidc.routes`)."""
        return self.browser.routes()
