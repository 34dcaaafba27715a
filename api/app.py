"""The ASGI application: Starlette, the GraphQL view, the lifespan that owns the database."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from tortoise.context import TortoiseContext, get_current_context

from api.cors import Cors
from api.db import configured_replica, tortoise_config
from api.downloads import dsa_extract_download, hud_csv_download
from api.graphiql import ASSETS_PATH, LocalGraphiQL, assets_app
from api.graphql_http import GraphQLOverHttp
from api.health import healthz, readiness
from api.identity import IdentityProvider, LocalIdentity, TokenService, load_signing_key
from api.identity.oidc import OidcIdentity, session_cookie_options
from api.identity.service import TokenEndpoint
from api.logs import AccessLog, OperationFacts, note_errors
from api.metrics import Metrics, metrics_endpoint
from api.middleware import (
    BodyLimit,
    Guard,
    RequestId,
    caller_request_id_of,
    error_response,
    request_id_of,
)
from api.persisted_queries import PersistedQueries, PersistedQueryView, load_manifest
from api.serving import StartupError
from api.settings import Settings, report_thresholds
from api.ssn_keys import load_key_ring
from authz.enforcer import Authorizer, current_authorizer, set_current_authorizer
from models.sealed import KeyRing, installed
from schema import Limits, build_schema
from schema.context import Context
from schema.errors import coded
from services.audit import seal as audit_seal
from services.auth import AuthPolicy
from services.clock import Clock, SystemClock
from services.jobs import JOBS, JobContext, Scheduler
from services.replica import Replica
from services.replica import installed as replica_installed
from services.sealing import check_keys

__all__ = ["HearthGraphQL", "StartupError", "create_app"]

log = logging.getLogger("hearth")


class HearthGraphQL(GraphQLOverHttp, PersistedQueryView, LocalGraphiQL, GraphQL[Context, None]):
    """The GraphQL view: POST only (GET for persisted queries by hash); the context
    authenticates the bearer token once the document has passed its limits and validation
    (``schema.context.Authentication``). The transport's parts are mixins: media types and
    status codes (``api.graphql_http``), persisted queries (``api.persisted_queries``), the
    GraphiQL page (``api.graphiql``)."""

    def __init__(
        self,
        *,
        identity: IdentityProvider,
        authorizer: Authorizer,
        clock: Clock,
        settings: Settings,
        policy: AuthPolicy,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.identity = identity
        self.authorizer = authorizer
        self.clock = clock
        self.settings = settings
        self.policy = policy
        self.timezone = ZoneInfo(settings.timezone)
        self.report_thresholds = report_thresholds(settings)
        self.persisted_queries = persisted_queries(settings)

    def encode_json(self, data: object) -> str | bytes:
        """The response as orjson writes it: the same JSON as ``json.dumps`` (UTF-8 rather than
        escaped non-ASCII) in a fifth of the time on a page of clients. A value orjson will not
        write (an integer beyond 64 bits, a key that is not a string) goes through ``json``."""
        try:
            return orjson.dumps(data)
        except TypeError:
            return super().encode_json(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        context = kwargs.get("context")
        try:
            return await super().execute_single(*args, **kwargs)
        finally:
            if isinstance(context, Context):
                context.release()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        request_id = request_id_of(request.scope) or uuid.uuid4().hex
        return Context(
            request=request,
            response=response,
            identity=self.identity,
            authorizer=self.authorizer,
            clock=self.clock,
            auth_policy=self.policy,
            max_page_size=self.settings.max_page_size,
            request_id=request_id,
            caller_request_id=caller_request_id_of(request.scope),
            timezone=self.timezone,
            report_thresholds=self.report_thresholds,
            settings=self.settings,
            authorization=request.headers.get("authorization", ""),
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # ErrorCodes (a schema extension) codes the errors it sees; an error that reached the
        # result past it (an extension failing outside the operation) is coded here all the same.
        if result.errors:
            request_id = request_id_of(request.scope)
            result.errors = [coded(error, request_id) for error in result.errors]
            note_errors(request.scope, result.errors)  # for the access line (api.logs)
        return await super().process_result(request, result)


def persisted_queries(settings: Settings) -> PersistedQueries:
    manifest = settings.persisted_query_manifest
    return PersistedQueries(
        settings.persisted_queries,
        manifest=load_manifest(manifest)
        if manifest and settings.persisted_queries == "allowlist"
        else None,
        cache_bytes=settings.persisted_query_cache_bytes,
    )


def auth_policy(settings: Settings) -> AuthPolicy:
    return AuthPolicy(
        max_failures=settings.login_max_failures,
        failure_window=timedelta(seconds=settings.login_failure_window_seconds),
        lockout=timedelta(seconds=settings.login_lockout_seconds),
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        invite_ttl=timedelta(seconds=settings.invite_ttl_seconds),
        totp_issuer=settings.totp_issuer,
    )


@asynccontextmanager
async def _orm(config: dict[str, Any]) -> AsyncIterator[TortoiseContext]:
    """The app's own Tortoise context, current in this task while the app lives.

    The first app of a process also makes it the global fallback, which is what request
    tasks (which do not inherit the lifespan task's context) find. A second app started while
    another lives (a test of production settings) leaves the other's context alone: unlike
    ``RegisterTortoise``, which re-initialises and, on exit, closes whatever context is current.
    """
    first = get_current_context() is None
    db = TortoiseContext()
    with db:
        await db.init(config=config, _enable_global_fallback=first)
        try:
            yield db
        finally:
            await db.close_connections()


@asynccontextmanager
async def _current(authorizer: Authorizer) -> AsyncIterator[None]:
    """``authorizer`` is the process's current one until exit, then the previous one again."""
    try:
        previous: Authorizer | None = current_authorizer()
    except RuntimeError:
        previous = None
    set_current_authorizer(authorizer)
    try:
        yield
    finally:
        set_current_authorizer(previous)


@asynccontextmanager
async def _ssn_keys(keys: KeyRing) -> AsyncIterator[None]:
    """``keys`` seal and open SSNs until exit, once checked against the database: a wrong or
    missing key stops the start-up instead of failing requests."""
    with installed(keys):
        await check_keys()
        yield


def _replica(settings: Settings) -> Replica | None:
    """The streaming replica the reports read from (HEARTH_REPLICA_URL), if any."""
    replica: Replica | None = configured_replica(settings, app=True)
    return replica


def _start_scheduler(settings: Settings, clock: Clock) -> asyncio.Task[None] | None:
    """The in-process job scheduler (HEARTH_SCHEDULER_ENABLED); exactly-once across instances
    comes from services.jobs, so every worker may run one."""
    if not settings.runs_scheduler:
        return None
    scheduler = Scheduler(settings.schedules(), JobContext.from_settings(settings, clock))
    return asyncio.create_task(scheduler.run_forever(), name="hearth-scheduler")


async def _seal_forever(interval: float) -> None:
    """Seal the audit trail every ``interval`` seconds (services.audit.seal; one sealer at a
    time across processes, by the database's lock), and make its next months' partitions once an
    hour (services.audit_partitions). A failure is logged and retried."""
    from services.audit_partitions import ensure_ahead

    while True:
        try:
            await ensure_ahead()
            await audit_seal()
        except asyncio.CancelledError:
            raise
        except Exception:  # the next round retries; the rows stay and stay unsealed meanwhile
            log.exception("audit seal failed")
        await asyncio.sleep(interval)


def _start_sealer(settings: Settings) -> asyncio.Task[None] | None:
    if settings.seal_interval <= 0:
        return None
    return asyncio.create_task(_seal_forever(settings.seal_interval), name="hearth-audit-sealer")


# The router's own refusals (no such route, a method the route does not take), in GraphQL's
# error shape like every other answer outside an operation (docs/api.md, "Outside an operation").
_ROUTING_CODES = {404: ("NOT_FOUND", "Not found."), 405: ("METHOD_NOT_ALLOWED", "Use GET or POST.")}


async def _routing_refusal(request: Request, error: Exception) -> Response:
    if not isinstance(error, HTTPException):  # registered for HTTPException only
        raise error
    code, message = _ROUTING_CODES.get(error.status_code, ("BAD_REQUEST", error.detail))
    if error.status_code == 405 and (allow := (error.headers or {}).get("Allow")):
        message = f"Use {' or '.join(sorted(set(allow.split(', ')) - {'HEAD'}))}."
    headers = dict(error.headers) if error.headers else None
    return error_response(request.scope, error.status_code, code, message, headers=headers)


def create_app(settings: Settings, *, database_url: str, clock: Clock | None = None) -> Starlette:
    """The Hearth ASGI app for one database. ``clock`` is injectable for time-based policy tests."""
    clock = clock or SystemClock()
    if missing := settings.missing_production_secrets():
        raise StartupError(f"HEARTH_ENV=production needs {', '.join(missing)} set")
    keys = load_key_ring(settings)  # production refuses to start without configured keys
    policy = auth_policy(settings)
    tokens = TokenService(
        key=load_signing_key(settings.signing_key, settings.data_dir),
        issuer=settings.token_issuer,
        access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        challenge_ttl=timedelta(seconds=settings.challenge_ttl_seconds),
    )
    local = LocalIdentity(
        tokens=tokens, policy=policy, mfa_max_age=timedelta(days=settings.mfa_max_age_days)
    )
    identity: LocalIdentity | OidcIdentity = local
    if settings.identity == "oidc":
        identity = OidcIdentity(settings=settings, local=local, clock=clock)
    token_endpoint = TokenEndpoint(
        tokens=tokens,
        clock=clock,
        ttl=timedelta(seconds=settings.service_token_ttl_seconds),
        # the sign-in's window and lockout
        per_client=replace(policy, max_failures=settings.oauth_max_failures),
        per_address=replace(policy, max_failures=settings.oauth_address_max_failures),
    )
    authorizer = Authorizer()
    schema = build_schema(
        Limits(
            max_depth=settings.max_query_depth,
            max_tokens=settings.max_query_tokens,
            max_aliases=settings.max_aliases,
            max_fields=settings.max_query_fields,
            max_cost=settings.max_query_cost,
            max_fragment_spreads=settings.max_fragment_spreads,
            max_repeated_fields=settings.max_repeated_fields,
            page_size=settings.max_page_size,
            parser_cache_size=settings.parser_cache_size,
            validation_cache_size=settings.validation_cache_size,
            introspection=not settings.production,
        ),
        field_suggestions=settings.field_suggestions,
        extra_extensions=[OperationFacts],  # the access line's operation and principal
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
        async with (
            _orm(tortoise_config(database_url, settings, app=True)),
            _current(authorizer),
            _ssn_keys(keys),
            replica_installed(_replica(settings)),
        ):
            await authorizer.listen(database_url)  # subscribes, then loads the role assignments
            # Long-lived start-up objects leave the cyclic GC's young generations (p99 latency).
            gc.collect()
            gc.freeze()
            background = [
                t
                for t in (_start_scheduler(settings, clock), _start_sealer(settings))
                if t is not None
            ]
            try:
                yield
            finally:
                for task in background:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await authorizer.close()
                if isinstance(identity, OidcIdentity):
                    await identity.aclose()

    routes: list[BaseRoute] = [
        Route("/graphql", view, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readiness(database_url, settings.ready_timeout_seconds)),
        # Service accounts' client credentials, in both identity modes
        Route("/oauth/token", token_endpoint, name="oauth_token"),
        # HUD CSV exports requested through GraphQL, for the user who asked
        Route(
            "/exports/hud-csv/{export_id}",
            hud_csv_download(identity, authorizer, clock, settings),
            methods=["GET"],
        ),
        # a Data Sharing Agreement's encrypted extract, for the Lead Agency user who produced it
        Route(
            "/exports/dsa-extract/{extract_id}",
            dsa_extract_download(identity, authorizer, clock, settings),
            methods=["GET"],
        ),
    ]
    if isinstance(identity, OidcIdentity):
        routes += identity.routes()
    if view.graphql_ide:
        routes.append(Mount(ASSETS_PATH, assets_app(), name="graphiql_assets"))
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if metrics_token:  # unset or empty (compose's default): not served
        endpoint = metrics_endpoint(metrics_token, list(JOBS), settings.ready_timeout_seconds)
        routes.append(Route("/metrics", endpoint, methods=["GET"]))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _routing_refusal},
    )
    app.state.identity = identity
    app.state.authorizer = authorizer
    app.state.schema = schema
    if isinstance(identity, OidcIdentity):
        # Only the browser sign-in's state, nonce and PKCE verifier (and, for logout, the
        # session id and ID token) live in this signed cookie, scoped to /auth/oidc.
        app.add_middleware(SessionMiddleware, **session_cookie_options(settings))
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Guard, timeout=settings.request_timeout_seconds)
    if settings.cors_origins:  # outside the guard and the body limit: their refusals too
        app.add_middleware(Cors, origins=settings.cors_origins)
    app.add_middleware(AccessLog, observe=Metrics(routes).observe)  # one line per request
    app.add_middleware(RequestId)  # added last: outermost
    return app
