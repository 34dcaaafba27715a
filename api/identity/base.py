"""The contract between the API and an identity provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from authz.principal import Principal
from services.errors import DomainError

__all__ = ["Authenticated", "IdentityProvider", "TokenPair"]


@dataclass(frozen=True, slots=True)
class Authenticated:
    """A bearer token's principal, and whether its second factor is older than policy 202 allows.

    ``mfa_error`` is what to answer when it is (e.g. where to send the user to sign in again at
    the identity provider); None: the default ``MFA_REQUIRED`` pointing at ``reauthenticateMfa``.
    """

    principal: Principal
    mfa_expired: bool
    mfa_error: DomainError | None = None


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    expires_at: datetime
    refresh_token: str
    mfa_expires_at: datetime


class IdentityProvider(Protocol):
    """What the API needs of any provider (local accounts, or OpenID Connect)."""

    name: str

    async def authenticate(self, bearer: str, *, now: datetime) -> Authenticated:
        """The principal behind a bearer token, or ``Unauthenticated``."""
        ...
