"""GraphQL over HTTP: the response's media type and status, as the GraphQL-over-HTTP spec says.

A client that asks for ``application/graphql-response+json`` (``Accept``) gets it, with the
status codes the spec recommends for it (``STATUS``, documented in docs/api.md):

* a response with data (not null): 200, whatever field errors it holds (a partial response);
* a request refused before execution (a body that is not a GraphQL request, a document that
  does not parse or validate, variables that do not fit, a persisted query refused): no
  ``data`` entry, and 400, or the status its one code has (404 ``PERSISTED_QUERY_NOT_FOUND``,
  403 ``PERSISTED_QUERY_NOT_ALLOWED``, 503 ``UNAVAILABLE``, ...);
* ``data: null`` because the request was refused as a whole, every error with the same code:
  401 ``UNAUTHENTICATED`` / ``MFA_REQUIRED`` (with ``WWW-Authenticate``), 403 ``FORBIDDEN``,
  429 ``RATE_LIMITED``, 503 ``UNAVAILABLE``, 500 ``INTERNAL`` (the spec: "If the client is not
  permitted to issue the GraphQL request then the server SHOULD reply with 403, 401 or similar");
  any other ``data: null`` is 200.

``application/json`` (asked for, or ``*/*``, or no ``Accept``: the legacy media type existing
clients expect) keeps 200 for every well-formed request, as the spec's rules for it say. An
``Accept`` that names neither is answered 406 before anything runs. Whatever the media type, a
``RATE_LIMITED`` error's ``extensions.retryAfter`` (seconds) is also sent as ``Retry-After``,
and a request strawberry refuses as malformed (400, 405) answers in GraphQL's error shape with
``BAD_REQUEST`` or ``METHOD_NOT_ALLOWED`` instead of plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult

from api.middleware import error_response
from schema.context import Context

__all__ = [
    "GRAPHQL_RESPONSE_JSON",
    "JSON",
    "STATUS",
    "GraphQLOverHttp",
    "media_type_for",
    "outcome",
]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
# The status of a refused request (application/graphql-response+json), by its errors' code.
STATUS = {
    "GRAPHQL_PARSE_FAILED": 400,
    "GRAPHQL_VALIDATION_FAILED": 400,
    "BAD_REQUEST": 400,
    "PERSISTED_QUERY_INVALID": 400,
    "PERSISTED_QUERY_HASH_MISMATCH": 400,
    "PERSISTED_QUERY_NOT_SUPPORTED": 400,
    "PERSISTED_QUERY_NOT_FOUND": 404,
    "PERSISTED_QUERY_NOT_ALLOWED": 403,
    "UNAUTHENTICATED": 401,
    "MFA_REQUIRED": 401,
    "FORBIDDEN": 403,
    "RATE_LIMITED": 429,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "TIMEOUT": 503,
}
# Codes that refuse a whole request even when it ran: the caller may not issue it (now).
_REFUSALS = frozenset(
    {"UNAUTHENTICATED", "MFA_REQUIRED", "FORBIDDEN", "RATE_LIMITED", "INTERNAL", "UNAVAILABLE"}
)
_MALFORMED = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
_STATE = "graphql_http"  # request.state: the outcome, from process_result to the response


def media_type_for(accept: str | None) -> str | None:
    """The media type to answer ``accept`` in: graphql-response+json when the client ranks it
    first among the types Hearth writes, else application/json; None when it accepts neither."""
    if not accept or not accept.strip():
        return JSON
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, media.lower()))
    for _, _, media in sorted(ranked):
        if media == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON
        if media in (JSON, "application/*", "*/*"):
            return JSON
    return None


def _codes(errors: Sequence[Mapping[str, Any]]) -> list[str | None]:
    return [(error.get("extensions") or {}).get("code") for error in errors]


def _retry_after(errors: Sequence[Mapping[str, Any]]) -> int | None:
    waits = [
        wait
        for error in errors
        if (extensions := error.get("extensions") or {}).get("code") == "RATE_LIMITED"
        and isinstance(wait := extensions.get("retryAfter"), int)
    ]
    return max(waits) if waits else None


# Codes that refuse a request as a whole when every root field it asked for was refused with one
# of them (nullable root fields make data non-null even then).
_WHOLE_REFUSALS = frozenset({"UNAUTHENTICATED", "MFA_REQUIRED", "FORBIDDEN", "RATE_LIMITED"})


def whole_refusal(body: GraphQLHTTPResponse) -> bool:
    """Whether every root field of ``body`` is null, refused by one error at that field, all with
    the same code of :data:`_WHOLE_REFUSALS`: the request as a whole was refused (no token, a bad
    or stale one, a throttle), which graphql-response+json answers with ``data: null`` and the
    code's status rather than a 200 of nulls."""
    data = body.get("data")
    errors: Sequence[Mapping[str, Any]] = body.get("errors") or []  # type: ignore[assignment]  # formatted errors
    if not isinstance(data, dict) or not data or not errors:
        return False
    if any(value is not None for value in data.values()):
        return False
    paths = [e.get("path") or [] for e in errors]
    if any(len(path) != 1 for path in paths) or {p[0] for p in paths} != set(data):
        return False
    codes = set(_codes(errors))
    return len(codes) == 1 and codes <= _WHOLE_REFUSALS


def outcome(
    body: GraphQLHTTPResponse, media_type: str, *, credentials: bool
) -> tuple[int, dict[str, str], bool]:
    """The status and headers for ``body`` in ``media_type``, and whether the body is a request
    error (refused before execution: it then has no ``data`` entry in graphql-response+json)."""
    errors: Sequence[Mapping[str, Any]] = body.get("errors") or []  # type: ignore[assignment]  # strawberry types them as objects; they are formatted errors
    headers: dict[str, str] = {}
    if (wait := _retry_after(errors)) is not None:
        headers["Retry-After"] = str(wait)
    data = body.get("data")
    request_error = data is None and bool(errors) and all(e.get("path") is None for e in errors)
    if media_type != GRAPHQL_RESPONSE_JSON or data is not None or not errors:
        return 200, headers, False
    codes = set(_codes(errors))
    code = next(iter(codes)) if len(codes) == 1 else None
    if request_error:
        status = STATUS.get(code or "", 400)
    else:
        status = STATUS[code] if code in _REFUSALS else 200
    if status == 401:
        challenge = 'Bearer realm="hearth"'
        if code == "MFA_REQUIRED":
            # RFC 9470: the token is good, its second factor too old.
            challenge += ', error="insufficient_user_authentication"'
        elif credentials:
            challenge += ', error="invalid_token"'
        headers["WWW-Authenticate"] = challenge
    return status, headers, request_error


class GraphQLOverHttp(GraphQL[Context, None]):
    """A view that answers in the media type and status the spec asks for (module docstring)."""

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A persisted query over GET (no query text, extensions in the URL) is not a browser
        # asking for GraphiQL, even when it accepts */*.
        return super().should_render_graphql_ide(request) and (
            request.query_params.get("extensions") is None
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        body = await super().process_result(request, result)
        media_type = getattr(request.state, _STATE, JSON)
        if media_type == GRAPHQL_RESPONSE_JSON and whole_refusal(body):
            body["data"] = None
        status, headers, request_error = outcome(
            body, media_type, credentials=bool(request.headers.get("authorization"))
        )
        if request_error and media_type == GRAPHQL_RESPONSE_JSON:
            body.pop("data", None)  # a request error has no data entry (GraphQL spec)
        setattr(request.state, _STATE, (media_type, status, headers))
        return body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        media_type = media_type_for(request.headers.get("accept"))
        if not self.should_render_graphql_ide(self.request_adapter_class(request)):
            if media_type is None:
                refusal = error_response(
                    scope,
                    406,
                    "NOT_ACCEPTABLE",
                    f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}.",
                )
                await refusal(scope, receive, send)
                return
            setattr(request.state, _STATE, media_type)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = error_response(
                scope,
                error.status_code,
                _MALFORMED.get(error.status_code, "BAD_REQUEST"),
                error.reason,
            )
        self._negotiated(request, response)
        await response(scope, receive, send)

    @staticmethod
    def _negotiated(request: Request, response: Response) -> None:
        state = getattr(request.state, _STATE, None)
        if state is None:  # GraphiQL's page
            return
        if isinstance(state, tuple):
            media_type, status, headers = state
            response.status_code = status
            response.headers.update(headers)
        else:
            media_type = state
        response.headers.add_vary_header("Accept")
        if media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
