"""The contract between the API and an identity provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from authz.principal import Principal

__all__ = ["Authenticated", "IdentityProvider", "TokenPair"]


@dataclass(frozen=True, slots=True)
class Authenticated:
    """A bearer token's principal, and whether its second factor is older than policy 202 allows."""

    principal: Principal
    mfa_expired: bool


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    expires_at: datetime
    refresh_token: str
    mfa_expires_at: datetime


class IdentityProvider(Protocol):
    """What the API needs of any provider (local accounts now, OpenID Connect later)."""

    name: str

    async def authenticate(self, bearer: str, *, now: datetime) -> Authenticated:
        """The principal behind a bearer token, or ``Unauthenticated``."""
        ...
