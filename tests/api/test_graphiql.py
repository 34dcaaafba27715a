"""GraphiQL is served by Hearth itself: no CDN, a strict CSP, and it works offline.

The browser test loads the page in headless Chromium (Debian's ``chromium`` package, driven by
Playwright) from a real uvicorn server, with every request to anywhere but that server refused,
and runs a query with an ``Authorization`` header typed into GraphiQL's headers editor.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from api.graphiql import ASSETS, CONTENT_SECURITY_POLICY
from models.enums import SystemRole
from tests.api.conftest import served
from tests.factories import Api, make_user

CHROMIUM = Path("/usr/bin/chromium")
PAGE_HEADERS = {"Accept": "text/html"}
QUERY = "{ me { user { username } } }"


class _References(HTMLParser):
    """Every URL the page loads (``src`` and ``href``), with its ``integrity``."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str | None]] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name):
                self.urls.append((found[name] or "", found.get("integrity")))
        self._in_script = tag == "script" and not found.get("src")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def references(html: str) -> _References:
    parser = _References()
    parser.feed(html)
    return parser


# --- the page, without a browser -------------------------------------------------------------


async def test_the_page_loads_only_hearths_own_assets_and_every_one_is_served(
    http: httpx.AsyncClient,
) -> None:
    # when
    page = await http.get("/graphql", headers=PAGE_HEADERS)
    # then
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    found = references(page.text)
    assert found.inline_scripts == 0
    assets = [url for url, _ in found.urls if not url.startswith("data:")]
    assert len(assets) == 8  # react, react-dom, graphiql (js, css), explorer (js, css), Hearth's
    assert not re.search(r"https?://", page.text)
    for url, integrity in found.urls:
        if url.startswith("data:"):
            continue
        assert url.startswith("/graphiql/"), url
        asset = await http.get(url)
        assert asset.status_code == 200, url
        assert integrity is not None, url
        assert integrity.startswith("sha384-"), url
    # the strict policy: nothing inline, nothing from elsewhere, requests only to Hearth
    policy = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_the_shipped_assets_are_the_pinned_releases_with_their_licences() -> None:
    # the digests strawberry's CDN page pins (its integrity attributes) for the same versions
    pinned = {
        "react.production.min.js": "tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
        "react-dom.production.min.js": "bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
        "graphiql.min.js": "HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
        "graphiql.min.css": "Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
        "plugin-explorer.umd.js": "2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
        "plugin-explorer.css": "5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    }
    for name, digest in pinned.items():
        data = (ASSETS / name).read_bytes()
        assert base64.b64encode(hashlib.sha384(data).digest()).decode() == digest, name
    licences = {p.name for p in ASSETS.glob("LICENSE.*")}
    assert licences == {
        "LICENSE.react-and-react-dom",
        "LICENSE.graphiql",
        "LICENSE.plugin-explorer",
    }


def test_the_assets_are_package_data() -> None:
    # setuptools ships them with the wheel: pyproject names the static folder
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"static/*.html"' in pyproject
    assert '"static/graphiql/*"' in pyproject


# --- in a real browser, offline --------------------------------------------------------------


# GraphiQL 3 edits with CodeMirror 5: each editor's element holds its CodeMirror instance.
SET_EDITOR = """([selector, text]) => {
  const editor = document.querySelector(selector + ' .CodeMirror').CodeMirror;
  editor.setValue(text);
}"""
RESULT_TEXT = """() => {
  const pane = document.querySelector('.graphiql-response .CodeMirror');
  return pane ? pane.CodeMirror.getValue() : '';
}"""


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (Debian's chromium package)"
)
async def test_graphiql_runs_a_query_with_an_authorization_header_offline_in_chromium(
    app: Starlette, api: Api, listening: socket.socket, tmp_path: Path
) -> None:
    from playwright.async_api import Route, async_playwright

    # given a signed-in user, and Hearth on a real socket
    user = await make_user("graphiql", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    token = await api.sign_in(user)
    refused: list[str] = []
    violations: list[str] = []
    async with served(app, listening) as base, async_playwright() as playwright:
        browser = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh profile
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:

            async def only_hearth(route: Route) -> None:
                if route.request.url.startswith(base + "/"):
                    await route.continue_()
                else:  # the network beyond Hearth is cut off
                    refused.append(route.request.url)
                    await route.abort("internetdisconnected")

            await browser.route("**/*", only_hearth)
            page = await browser.new_page()
            page.on(
                "console",
                lambda message: (
                    violations.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            # when the page loads, and the user writes a query and an Authorization header
            await page.goto(base + "/graphql", wait_until="load")
            await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=20_000)
            await page.evaluate(SET_EDITOR, [".graphiql-query-editor", QUERY])
            await page.get_by_role("button", name="Headers").click()
            headers_editor = ".graphiql-editor-tool .graphiql-editor:not(.hidden)"
            await page.wait_for_selector(headers_editor + " .CodeMirror", state="visible")
            headers = json.dumps({"Authorization": f"Bearer {token}"})
            await page.evaluate(SET_EDITOR, [headers_editor, headers])
            await page.click(".graphiql-execute-button")
            await page.wait_for_function(
                "() => (" + RESULT_TEXT + ")().includes('graphiql')", timeout=20_000
            )
            result = json.loads(await page.evaluate(RESULT_TEXT))
        finally:
            await browser.close()
    # then the query ran as the user, and nothing was fetched from elsewhere
    assert result == {"data": {"me": {"user": {"username": "graphiql"}}}}
    assert refused == []
    assert violations == []
