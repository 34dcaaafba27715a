"""Service accounts at the edge: ``POST /oauth/token`` (client credentials) and their bearers.

Both identity modes accept these tokens: they are Hearth's own (Ed25519, ``token_use:
service``), short-lived, and name the account and its secret version, so a rotation or a
revocation ends them at once. Machine clients have no second factor to prove: no MFA check.

Failed client authentications are throttled per client id and per client address, with the
sign-in's machinery (``services.auth.begin_attempt``): past the limit the endpoint answers 429
with ``Retry-After`` and checks no secret (each check costs an argon2 verify).
"""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, unquote_plus
from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.identity.base import Authenticated
from api.identity.tokens import TokenService
from services.auth import AuthPolicy, begin_attempt, clear_failures, forgive_attempt
from services.clock import Clock
from services.errors import RateLimited, Unauthenticated
from services.service_accounts import (
    InvalidClient,
    authenticate_client,
    load_service_principal,
    scope_of,
)

__all__ = ["TokenEndpoint", "authenticate_service"]

log = logging.getLogger("hearth.oauth")

GRANT_TYPE = "client_credentials"


async def authenticate_service(claims: dict[str, Any]) -> Authenticated:
    """The service principal behind a verified Hearth service token."""
    try:
        account_id, version = UUID(str(claims["sub"])), claims["ver"]
    except (KeyError, ValueError):
        raise Unauthenticated("The token is not valid or has expired.") from None
    if not isinstance(version, int) or isinstance(version, bool):
        raise Unauthenticated("The token is not valid or has expired.")
    principal = await load_service_principal(account_id, secret_version=version)
    if principal is None:
        raise Unauthenticated("The service account is revoked or its secret was rotated.")
    return Authenticated(principal=principal, mfa_expired=False)


class OAuthError(Exception):
    """An RFC 6749 section 5.2 error response."""

    def __init__(
        self, error: str, description: str, status: int = 400, retry_after: int | None = None
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.retry_after = retry_after

    def response(self) -> JSONResponse:
        headers = dict(_NO_STORE)
        if self.error == "invalid_client":
            headers["WWW-Authenticate"] = 'Basic realm="hearth", charset="UTF-8"'
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return JSONResponse(
            {"error": self.error, "error_description": self.description},
            status_code=self.status,
            headers=headers,
        )


_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _form(body: bytes, content_type: str) -> dict[str, str]:
    """The form parameters; RFC 6749 3.2: sent at most once each."""
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "Send application/x-www-form-urlencoded parameters.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "The request body is not valid form data.") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise OAuthError("invalid_request", f"Parameter {key!r} is repeated.")
        form[key] = value
    return form


def _basic(header: str) -> tuple[str, str] | None:
    """client_secret_basic: both parts form-urlencoded, then base64 (RFC 6749 2.3.1)."""
    scheme, _, value = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "basic":
        raise OAuthError("invalid_client", "Use HTTP Basic client authentication.", 401)
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "Malformed Basic credentials.", 401) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "Malformed Basic credentials.", 401)
    return unquote_plus(client_id), unquote_plus(secret)


class TokenEndpoint:
    """``POST /oauth/token``: ``grant_type=client_credentials`` for service accounts only."""

    def __init__(
        self,
        *,
        tokens: TokenService,
        clock: Clock,
        ttl: timedelta,
        per_client: AuthPolicy | None = None,
        per_address: AuthPolicy | None = None,
    ) -> None:
        """``per_client`` and ``per_address``: the failures allowed per client id and per client
        address within their window, and the lockout after them (``HEARTH_OAUTH_*``)."""
        self.tokens = tokens
        self.clock = clock
        self.ttl = ttl
        self.per_client = per_client or AuthPolicy()
        self.per_address = per_address or AuthPolicy(max_failures=20)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        try:
            response = await self._token(request)
        except OAuthError as error:
            response = error.response()
        await response(scope, receive, send)

    async def _token(self, request: Request) -> JSONResponse:
        if request.method != "POST":
            raise OAuthError("invalid_request", "Use POST.", 405)
        form = _form(await request.body(), request.headers.get("content-type", ""))
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required.")
        if grant_type != GRANT_TYPE:
            raise OAuthError("unsupported_grant_type", "Only client_credentials is supported.")
        basic = _basic(request.headers.get("authorization", ""))
        if basic is not None:
            if "client_secret" in form:
                raise OAuthError("invalid_request", "Use one client authentication method.")
            if form.get("client_id", basic[0]) != basic[0]:
                raise OAuthError("invalid_request", "client_id does not match the credentials.")
            client_id, secret = basic
        elif "client_id" in form and "client_secret" in form:
            client_id, secret = form["client_id"], form["client_secret"]
        else:
            raise OAuthError("invalid_client", "Client authentication is required.", 401)
        now: datetime = self.clock.now()
        host = request.client.host if request.client else "unknown"
        # The address first: a locked one spends nothing on the client ids it tries.
        by_address, by_client = f"oauth-address:{host}", f"oauth-client:{client_id[:100]}"
        try:
            await begin_attempt(key=by_address, now=now, policy=self.per_address)
            await begin_attempt(key=by_client, now=now, policy=self.per_client)
        except RateLimited as error:
            log.info("client credentials throttled")
            retry_after = error.details.get("retry_after")
            raise OAuthError(
                "temporarily_unavailable",
                error.message,
                429,
                retry_after if isinstance(retry_after, int) else None,
            ) from None
        try:
            account = await authenticate_client(client_id=client_id, client_secret=secret, now=now)
        except InvalidClient:
            log.info("client credentials refused")
            raise OAuthError("invalid_client", "Client authentication failed.", 401) from None
        await clear_failures(key=by_client)
        await forgive_attempt(key=by_address)
        scope = scope_of(account.role)
        requested = form.get("scope")
        if requested and set(requested.split()) - {scope}:
            raise OAuthError("invalid_scope", f"This client may only request the scope {scope!r}.")
        token, _ = self.tokens.service_token(
            account_id=account.id,
            client_id=account.client_id,
            secret_version=account.secret_version,
            ttl=self.ttl,
            now=now,
        )
        return JSONResponse(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": int(self.ttl.total_seconds()),
                "scope": scope,
            },
            headers=_NO_STORE,
        )
