"""The provider's own access tokens as bearers (RFC 9068 JWTs for Hearth's audience), checked
against its JWKS with an algorithm allow-list, the exact issuer, the audience, ``exp`` with at
most 60 s leeway and ``typ: at+jwt``, so that an ID token is never taken for an access token."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from api.identity.oidc.provider import INVALID, ProviderClient, ProviderError
from api.settings import Settings
from services.errors import Unauthenticated

__all__ = ["AccessTokenValidator", "peek"]

AT_JWT_TYPES = {"at+jwt", "application/at+jwt"}
# Claims only an ID token carries (OIDC Core 2, 3.1.3.6): their presence betrays one.
ID_TOKEN_ONLY_CLAIMS = ("nonce", "at_hash", "c_hash", "s_hash")


def _segment(part: str) -> dict[str, Any]:
    padded = part + "=" * (-len(part) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a compact JWS, unverified (to route it, never to trust it)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Unauthenticated(INVALID)
    try:
        return _segment(parts[0]), _segment(parts[1])
    except (ValueError, UnicodeError, TypeError):
        raise Unauthenticated(INVALID) from None


class AccessTokenValidator:
    """RFC 9068 JWT access tokens from the provider, for Hearth's audience."""

    def __init__(self, settings: Settings, provider: ProviderClient) -> None:
        assert settings.oidc_issuer
        assert settings.oidc_audience
        self.provider = provider
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        self.algorithms = list(settings.oidc_algorithms)
        self.leeway = min(settings.oidc_leeway_seconds, 60)
        self.require_at_jwt = settings.oidc_require_at_jwt

    async def validate(self, token: str, now: datetime) -> dict[str, Any]:
        header, _ = peek(token)
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.algorithms:  # "none", HS256 and friends never are
            raise Unauthenticated(INVALID)
        typ = header.get("typ")
        if self.require_at_jwt and (not isinstance(typ, str) or typ.lower() not in AT_JWT_TYPES):
            raise Unauthenticated("This is not an access token (RFC 9068 typ at+jwt).")
        if not isinstance(kid, str):
            raise Unauthenticated(INVALID)
        try:
            key = await self.provider.key_for(kid)
        except ProviderError as error:
            raise Unauthenticated(
                "The identity provider's keys are unavailable; try again shortly.",
                reason="IDENTITY_PROVIDER_UNAVAILABLE",
            ) from error
        try:
            decoded = jwt.decode(token, key, algorithms=[alg])
            JWTClaimsRegistry(
                now=int(now.timestamp()),
                leeway=self.leeway,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError, TypeError):
            raise Unauthenticated(INVALID) from None
        claims = decoded.claims
        if claims.get("iss") != self.issuer:
            raise Unauthenticated(INVALID)
        if any(name in claims for name in ID_TOKEN_ONLY_CLAIMS):
            raise Unauthenticated("This is an ID token, not an access token.")
        return claims
