"""The per-request context every resolver and permission reads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.types import Info

from authz.clients import ClientScope
from authz.enforcer import Authorizer, Decisions
from authz.principal import Principal
from services.access_reports import Thresholds
from services.auth import AuthPolicy
from services.caller import CONNECTICUT, Caller
from services.clock import Clock
from services.errors import DomainError, MfaRequired, Unauthenticated

if TYPE_CHECKING:
    # For the annotations only: the API builds the context (api imports schema, not the other
    # way round), and schema.audit imports the types that import this module.
    from api.identity.base import IdentityProvider
    from api.settings import Settings
    from schema.audit import ReadBuffer

__all__ = ["Authentication", "Context", "ResolverInfo"]


@dataclass
class Context:
    """Built once per request by the API; the bearer token is read once the document is
    known to be worth running (:class:`Authentication`)."""

    request: Request | WebSocket
    identity: IdentityProvider
    authorizer: Authorizer
    clock: Clock
    auth_policy: AuthPolicy
    # The deployment's settings, for resolvers that need a setting.
    settings: Settings
    max_page_size: int = 100
    max_batch_size: int = 100
    # The request's Authorization header, read by authenticate().
    authorization: str = ""
    principal: Principal | None = None
    auth_error: DomainError | None = None
    mfa_expired: bool = False
    # What to answer when mfa_expired (the identity's own MFA_REQUIRED); None: the local one.
    mfa_error: DomainError | None = None
    response: Response | WebSocket | None = None
    request_id: str | None = None
    # The id the caller sent (X-Request-ID), audited beside Hearth's own.
    caller_request_id: str | None = None
    timezone: ZoneInfo = CONNECTICUT
    # The request's DataLoaders (schema.loaders, schema.client_loaders), by what they load.
    loaders: dict[Any, Any] = field(default_factory=dict)
    # The request's audit buffer (schema.audit): client data read, searches.
    audit: ReadBuffer | None = None
    # The User Access Report's thresholds, from settings (None: the defaults).
    report_thresholds: Thresholds | None = None
    _decisions: Decisions | None = None
    _now: datetime | None = None
    _caller: Caller | None = None
    _authenticated: bool = False

    async def authenticate(self) -> None:
        """Who sent the request, from its bearer token (once; the database is asked only
        here). A token that is refused is kept as ``auth_error``, raised where a principal is
        required: public operations (sign-in) still run."""
        if self._authenticated:
            return
        self._authenticated = True
        if not self.authorization:
            return
        scheme, _, token = self.authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            self.auth_error = Unauthenticated("Use 'Authorization: Bearer <access token>'.")
            return
        try:
            authenticated = await self.identity.authenticate(token.strip(), now=self.now)
        except DomainError as error:
            self.auth_error = error
        else:
            self.principal = authenticated.principal
            self.mfa_expired = authenticated.mfa_expired
            self.mfa_error = authenticated.mfa_error

    @property
    def now(self) -> datetime:
        """One instant per request, so every rule in it sees the same time."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    @property
    def today(self) -> date:
        """The date in Connecticut (release expiry and note dates are local dates)."""
        return self.now.astimezone(self.timezone).date()

    @property
    def caller(self) -> Caller:
        """The signed-in caller, as services take it (raises as :meth:`require_principal`)."""
        if self._caller is None:
            self._caller = Caller(self.decisions, self.now, self.timezone)
        return self._caller

    async def client_scope(self) -> ClientScope:
        """The caller's client-data scope (agencies, CANs), computed once per request."""
        return await self.caller.client_scope()

    def allow_time(self, seconds: float) -> None:
        """Give the request ``seconds`` from now to answer, where the API's deadline (an
        ``asyncio.Timeout`` in the request's state) would end it sooner: for an operation known
        to run long. Never shortens it."""
        deadline = (self.request.scope.get("state") or {}).get("deadline")
        if isinstance(deadline, asyncio.Timeout):
            when = asyncio.get_running_loop().time() + seconds
            current = deadline.when()
            if current is not None and current < when:
                deadline.reschedule(when)

    def release(self) -> None:
        """Drop what the operation read (loaders and their rows, the audit buffer) once it is
        answered. The execution's own objects refer to each other (graphql-core's context, the
        middleware, the extensions, this context) and wait for the cyclic garbage collector; what
        hangs off them must not wait with them (decision 79)."""
        self.loaders.clear()
        self.audit = None

    def require_principal(self, *, allow_expired_mfa: bool = False) -> Principal:
        if self.auth_error is not None:
            raise self.auth_error
        if self.principal is None:
            raise Unauthenticated(
                "Sign in first: send an access token as 'Authorization: Bearer ...'."
            )
        if self.mfa_expired and not allow_expired_mfa:
            if self.mfa_error is not None:
                raise self.mfa_error
            raise MfaRequired(
                f"Your second factor is more than {self.settings.mfa_max_age_days} days old (policy 202): call reauthenticateMfa.",
                reauthenticate_with="reauthenticateMfa",
            )
        return self.principal

    @property
    def decisions(self) -> Decisions:
        if self._decisions is None:
            self._decisions = Decisions(self.authorizer, self.require_principal())
        return self._decisions


class Authentication(SchemaExtension):
    """Authenticate when the operation is about to execute: after the document has been
    parsed, kept to the limits and validated, so that a document refused costs no statement."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            await context.authenticate()
        yield


# What resolvers receive as ``info``: strawberry's, with Hearth's context.
ResolverInfo = Info[Context, None]
