"""The ASGI application: Starlette, the GraphQL view, the lifespan that owns the database."""

from __future__ import annotations

import gc
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from tortoise.contrib.starlette import RegisterTortoise

from api.db import tortoise_config
from api.identity import LocalIdentity, TokenService, load_signing_key
from api.settings import Settings
from authz.enforcer import Authorizer, set_current_authorizer
from schema import Limits, build_schema
from schema.context import Context
from services.auth import AuthPolicy
from services.clock import Clock, SystemClock
from services.errors import DomainError, Unauthenticated

__all__ = ["BodyLimit", "HearthGraphQL", "create_app"]

log = logging.getLogger("hearth")


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (declared or streamed) with 413, before parsing."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"errors": [{"message": "Request body too large.", "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]},
            status_code=413,
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class HearthGraphQL(GraphQL[Context, None]):
    """The GraphQL view: POST only; the context authenticates the bearer token once."""

    def __init__(self, *, identity: Any, authorizer: Authorizer, clock: Clock, settings: Settings, policy: AuthPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.identity = identity
        self.authorizer = authorizer
        self.clock = clock
        self.settings = settings
        self.policy = policy

    async def get_context(self, request: Any, response: Any) -> Context:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        request_id = request_id[:64]
        if response is not None:
            response.headers["x-request-id"] = request_id
        context = Context(
            request=request,
            response=response,
            identity=self.identity,
            authorizer=self.authorizer,
            clock=self.clock,
            auth_policy=self.policy,
            max_page_size=self.settings.max_page_size,
        )
        context.request_id = request_id  # type: ignore[attr-defined]
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                context.auth_error = Unauthenticated("Use 'Authorization: Bearer <access token>'.")
            else:
                try:
                    authenticated = await self.identity.authenticate(token.strip(), now=context.now)
                except DomainError as error:
                    context.auth_error = error
                else:
                    context.principal = authenticated.principal
                    context.mfa_expired = authenticated.mfa_expired
        return context


def auth_policy(settings: Settings) -> AuthPolicy:
    return AuthPolicy(
        max_failures=settings.login_max_failures,
        failure_window=timedelta(seconds=settings.login_failure_window_seconds),
        lockout=timedelta(seconds=settings.login_lockout_seconds),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        invite_ttl=timedelta(seconds=settings.invite_ttl_seconds),
        totp_issuer=settings.totp_issuer,
    )


def create_app(settings: Settings, *, database_url: str, clock: Clock | None = None) -> Starlette:
    """The Hearth ASGI app for one database. ``clock`` is injectable for time-based policy tests."""
    clock = clock or SystemClock()
    policy = auth_policy(settings)
    tokens = TokenService(
        key=load_signing_key(settings.signing_key, settings.data_dir),
        issuer=settings.token_issuer,
        access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        challenge_ttl=timedelta(seconds=settings.challenge_ttl_seconds),
    )
    identity = LocalIdentity(tokens=tokens, policy=policy, mfa_max_age=timedelta(days=settings.mfa_max_age_days))
    authorizer = Authorizer()
    schema = build_schema(
        Limits(
            max_depth=settings.max_query_depth,
            max_tokens=settings.max_query_tokens,
            max_aliases=settings.max_aliases,
            parser_cache_size=settings.parser_cache_size,
            validation_cache_size=settings.validation_cache_size,
            introspection=not settings.production,
        )
    )
    view = HearthGraphQL(
        schema=schema,
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
        identity=identity,
        authorizer=authorizer,
        clock=clock,
        settings=settings,
        policy=policy,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(database_url, settings)):
            await authorizer.reload()
            await authorizer.listen(database_url)
            set_current_authorizer(authorizer)
            # Long-lived start-up objects leave the cyclic GC's young generations (p99 latency).
            gc.collect()
            gc.freeze()
            try:
                yield
            finally:
                set_current_authorizer(None)
                await authorizer.close()

    async def health(_: Request) -> Response:
        return Response(json.dumps({"status": "ok"}), media_type="application/json")

    app = Starlette(
        routes=[Route("/graphql", view, methods=["GET", "POST"]), Route("/healthz", health)],
        lifespan=lifespan,
    )
    app.state.identity = identity
    app.state.authorizer = authorizer
    app.state.schema = schema
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
