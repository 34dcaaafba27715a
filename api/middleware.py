"""What every HTTP request goes through before a route: its id, a deadline, a body limit, and an
answer in GraphQL's error shape for whatever escapes the app.

Order, outermost first: :class:`RequestId` (so that every response carries ``X-Request-ID``),
``api.logs.AccessLog`` (one log line per request, and its metrics), :class:`Guard` (the deadline,
and the error shape for exceptions), :class:`BodyLimit`, then the routes. Starlette's own error middleware sits outside all three; nothing reaches it now but an
exception raised after a response has started, when no other answer can be given.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from authz.clients import row_security
from schema.errors import INTERNAL_MESSAGE, UNAVAILABLE_MESSAGE, trace, unavailable

__all__ = [
    "TIMEOUT_MESSAGE",
    "TOO_LARGE",
    "BodyLimit",
    "BodyTooLarge",
    "Guard",
    "RequestId",
    "caller_request_id_of",
    "error_response",
    "request_id_of",
]

log = logging.getLogger("hearth")

TOO_LARGE = "Request body too large."
TIMEOUT_MESSAGE = "The request took too long and was stopped; nothing of it was kept. Try again."
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


def request_id_of(scope: Scope) -> str | None:
    """The request id :class:`RequestId` gave this request."""
    return (scope.get("state") or {}).get("request_id")


def caller_request_id_of(scope: Scope) -> str | None:
    """The id the caller sent for this request (``X-Request-ID``), when sane."""
    return (scope.get("state") or {}).get("caller_request_id")


def error_response(
    scope: Scope, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An answer in GraphQL's error shape, with the request id, outside any operation."""
    extensions: dict[str, Any] = {"code": code}
    if request_id := request_id_of(scope):
        extensions["requestId"] = request_id
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]},
        status_code=status,
        headers=headers,
    )


class RequestId:
    """Give every HTTP request Hearth's own id and send it back as ``X-Request-ID``.

    Outermost, so that every response carries it, the 413 of :class:`BodyLimit` and
    strawberry's plain-text refusals included. The id a client sends is kept beside Hearth's
    (the audit trail records both) but never replaces it: a caller cannot choose the id its
    requests are audited and logged under. A client's id that is too long or holds other
    characters than letters, digits and ``._:-`` is dropped (it would go into logs).

    Also the outermost place to start the request's row-security caller, so that every
    statement of every route runs as the request's caller (decision 97).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope.get("headers") or [] if k == b"x-request-id"), b"")
        request_id = uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        if given and _REQUEST_ID.fullmatch(given):
            state["caller_request_id"] = given.decode("ascii")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        # The request's caller for PostgreSQL's row-level security: no client row is visible
        # until the caller's client scope is known (authz.clients.row_security).
        with row_security.request():
            await self.app(scope, receive, send_with_id)


class Guard:
    """A deadline for the answer, and GraphQL's error shape for any exception that escapes.

    The request has ``timeout`` seconds until its response starts (a download streams on past
    it); then its work is cancelled, its transaction rolled back, and it answers 503
    ``TIMEOUT``. The deadline is ``scope["state"]["deadline"]`` (an ``asyncio.Timeout``): an
    operation known to run long moves it (``Context.allow_time``). An exception before the
    response starts answers 503 ``UNAVAILABLE`` when the database is out of reach, else 500
    ``INTERNAL``, logged with the request id; after it starts it propagates (the server drops
    the connection: a second response would break the protocol).
    """

    def __init__(self, app: ASGIApp, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        deadline = asyncio.timeout(self.timeout)

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                deadline.reschedule(None)
            await send(message)

        scope.setdefault("state", {})["deadline"] = deadline
        try:
            async with deadline:  # its expiry cancels the app and leaves as a TimeoutError
                await self.app(scope, receive, tracked)
        except Exception as error:
            if started:
                raise
            await self._answer(scope, receive, send, error, expired=deadline.expired())

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, error: Exception, *, expired: bool
    ) -> None:
        request_id = request_id_of(scope)
        if expired:
            log.warning("request %s passed its deadline of %s s", request_id, self.timeout)
            response = error_response(scope, 503, "TIMEOUT", TIMEOUT_MESSAGE)
        elif unavailable(error):
            # tracebacks without messages: a message can quote the request's values
            log.warning("database unavailable (request %s)\n%s", request_id, trace(error))
            response = error_response(scope, 503, "UNAVAILABLE", UNAVAILABLE_MESSAGE)
        else:
            log.error(
                "unexpected error outside an operation (request %s)\n%s", request_id, trace(error)
            )
            response = error_response(scope, 500, "INTERNAL", INTERNAL_MESSAGE)
        await response(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (declared or streamed) with 413, before parsing.

    A declared ``Content-Length`` over the limit is refused without passing the request on; a
    body sent without one (chunked) is counted as the app reads it: past the limit, the read
    raises and, if the app has not started its response yet, the 413 goes out instead. If it has
    (an app that answers while still reading), a second response would break the protocol, so
    the error propagates and the server drops the connection.

    Before answering, the rest of the body is read and dropped (up to ``drain_bytes``): a client
    writes its whole request before it reads the answer, and a server that closes a connection
    with unread data in it resets it, losing the 413 on the way. The connection then stays open;
    past ``drain_bytes`` (or when the client waits for ``100 Continue`` and so sends nothing more)
    the 413 says ``Connection: close``.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, drain_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.drain_bytes = drain_bytes if drain_bytes is not None else max(16 * max_bytes, 1 << 22)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        declared = [v for k, v in headers if k == b"content-length"]
        if declared and (
            len(set(declared)) > 1 or not declared[0].isdigit() or int(declared[0]) > self.max_bytes
        ):
            # A client waiting for 100 Continue sends no body: nothing to drain, but the
            # connection cannot be reused (the server still expects the body on it).
            waits = any(k == b"expect" and v.lower() == b"100-continue" for k, v in headers)
            await self._too_large(scope, receive, send, more=True, drain=not waits)
            return
        seen = 0
        started = False
        more = True

        async def limited() -> Message:
            nonlocal seen, more
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                more = message.get("more_body", False)
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large(scope, receive, send, more=more)

    async def _too_large(
        self, scope: Scope, receive: Receive, send: Send, *, more: bool, drain: bool = True
    ) -> None:
        drained = 0
        while drain and more and drained <= self.drain_bytes:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            drained += len(message.get("body", b""))
            more = message.get("more_body", False)
        # Past the drain limit the rest is not read: the connection cannot carry another request.
        headers = {"connection": "close"} if more else None
        response = error_response(scope, 413, "PAYLOAD_TOO_LARGE", TOO_LARGE, headers)
        await response(scope, receive, send)


class BodyTooLarge(Exception):
    """Raised from ``receive`` once a streamed body passes the limit."""
