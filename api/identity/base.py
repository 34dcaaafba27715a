"""The contract between the API and an identity provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from authz.principal import Principal
from services.errors import DomainError

if TYPE_CHECKING:
    from api.identity.local import Challenge
    from api.identity.tokens import TokenService

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
    """What the API needs of any provider (local accounts, or OpenID Connect): bearer tokens,
    and the sign-in and session operations the GraphQL API offers."""

    name: str
    tokens: TokenService
    mfa_max_age: timedelta

    async def authenticate(self, bearer: str, *, now: datetime) -> Authenticated:
        """The principal behind a bearer token, or ``Unauthenticated``."""
        ...

    async def login(self, *, username: str, password: str, now: datetime) -> Challenge: ...

    async def verify_mfa(self, *, challenge_token: str, code: str, now: datetime) -> TokenPair: ...

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenPair: ...

    async def reauthenticate(self, *, principal: Principal, code: str, now: datetime) -> datetime:
        """Proves the second factor again; returns when it is next due."""
        ...

    async def logout(self, *, principal: Principal, now: datetime) -> None: ...
