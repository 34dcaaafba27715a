"""Cross-origin requests from the browser front ends of ``HEARTH_CORS_ORIGINS``.

Starlette's ``CORSMiddleware`` does the work. Hearth asks two things more of it: an origin that
is not configured gets no ``Access-Control-*`` header at all, a refused preflight included
(Starlette's refusal still lists the allowed methods and headers), and nothing about cookies:
Hearth authenticates with a bearer token, so credentials stay off.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Send

__all__ = ["ALLOWED_HEADERS", "EXPOSED_HEADERS", "Cors"]

# What a page may send: the bearer token, a JSON body, the response type it wants, and the
# request id it logs under (Hearth keeps it beside its own).
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Accept", "X-Request-ID")
# What a page may read besides the safelisted headers: the request id to quote to support, the
# waits and challenges that come with RATE_LIMITED and 401, and a download's file name.
EXPOSED_HEADERS = ("X-Request-ID", "Retry-After", "WWW-Authenticate", "Content-Disposition")


class Cors(CORSMiddleware):
    """CORS for exactly ``origins``: GET and POST, no credentials (see the module docstring)."""

    def __init__(self, app: ASGIApp, origins: Sequence[str], max_age: int = 600) -> None:
        super().__init__(
            app,
            allow_origins=list(origins),
            allow_methods=("GET", "POST"),
            allow_headers=ALLOWED_HEADERS,
            allow_credentials=False,
            expose_headers=EXPOSED_HEADERS,
            max_age=max_age,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        if not self.is_allowed_origin(origin=request_headers["origin"]):
            return PlainTextResponse(
                "Disallowed CORS origin", status_code=400, headers={"Vary": "Origin"}
            )
        return super().preflight_response(request_headers)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("origin")
        if (
            message["type"] == "http.response.start"
            and origin is not None
            and not self.is_allowed_origin(origin=origin)
        ):
            # The answer still depends on the Origin (a cache must not serve it to an allowed
            # one), but it grants the page nothing.
            headers = MutableHeaders(scope=message)
            headers.add_vary_header("Origin")
            await send(message)
            return
        await super().send(message, send, request_headers)
