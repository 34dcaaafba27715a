"""GraphiQL served by Hearth itself: its page and assets ship in the package, no CDN.

strawberry's page loads React, GraphiQL and the explorer plugin from a public CDN and runs an
inline script, so behind a firewall it never gets past "Loading...". Hearth renders its own copy
of that page (``api/static/graphiql.html``, through strawberry's documented hook,
``render_graphql_ide``) with the same assets from ``api/static/graphiql/`` (see SOURCES.md there)
under ``/graphiql/``, each pinned by its digest (``integrity``), and a Content-Security-Policy
that lets the page load and run nothing but those files and talk to nothing but Hearth.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL

from schema.context import Context

__all__ = ["ASSETS", "ASSETS_PATH", "CONTENT_SECURITY_POLICY", "LocalGraphiQL", "assets_app"]

_STATIC = Path(__file__).resolve().parent / "static"
ASSETS = _STATIC / "graphiql"
ASSETS_PATH = "/graphiql"  # where ``assets_app`` is mounted
_PAGE = _STATIC / "graphiql.html"
_PLACEHOLDER = re.compile(r"\{\{(assets|sri:[A-Za-z0-9._-]+)\}\}")

# Scripts and styles only from Hearth's own files (no inline script or style, no eval); data:
# only for the fonts and icons inlined in GraphiQL's stylesheet; requests only to Hearth.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _digest(name: str) -> str:
    data = (ASSETS / name).read_bytes()
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


@cache
def _page(assets_url: str) -> str:
    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        return assets_url if key == "assets" else _digest(key.removeprefix("sri:"))

    return _PLACEHOLDER.sub(fill, _PAGE.read_text(encoding="utf-8"))


def assets_app() -> StaticFiles:
    """The page's scripts, styles and their licences, to mount at :data:`ASSETS_PATH`."""
    return StaticFiles(directory=ASSETS)


class LocalGraphiQL(GraphQL[Context, None]):
    """A view whose GraphiQL page loads its assets from Hearth under a strict CSP."""

    async def render_graphql_ide(self, request: Request) -> Response:
        page = _page(request.scope.get("root_path", "") + ASSETS_PATH)
        return HTMLResponse(page, headers=_HEADERS)
