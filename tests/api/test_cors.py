"""CORS: pages on HEARTH_CORS_ORIGINS may call /graphql and the download endpoint; no one else."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from services.clock import FrozenClock
from tests.api.test_http import running

FRONT_END = "https://app.hearth.example"
OTHER = "https://evil.example"
TYPENAME = {"query": "{ __typename }"}


def preflight(origin: str, method: str = "POST", headers: str | None = None) -> dict[str, str]:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        asked["Access-Control-Request-Headers"] = headers
    return asked


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


@pytest.fixture(scope="module")
async def cors(
    app: Starlette, settings: Settings, database_url: str, clock: FrozenClock
) -> AsyncIterator[httpx.AsyncClient]:
    """A second Hearth with one front end's origin configured (the first keeps the database)."""
    configured = settings.model_copy(update={"cors_origins": [FRONT_END]})
    async with running(create_app(configured, database_url=database_url, clock=clock)) as client:
        yield client


async def test_a_preflight_from_a_configured_origin_is_allowed(cors: httpx.AsyncClient) -> None:
    # when the page asks, as a browser does before a JSON POST with a bearer token
    answer = await cors.options(
        "/graphql", headers=preflight(FRONT_END, "POST", "authorization,content-type,x-request-id")
    )
    # then
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == FRONT_END
    allowed = {h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-request-id"} <= allowed
    assert {"GET", "POST"} <= {
        m.strip() for m in answer.headers["access-control-allow-methods"].split(",")
    }
    assert "access-control-allow-credentials" not in answer.headers


async def test_the_actual_request_from_a_configured_origin_may_be_read(
    cors: httpx.AsyncClient,
) -> None:
    # when
    answer = await cors.post("/graphql", json=TYPENAME, headers={"Origin": FRONT_END})
    # then
    assert answer.json() == {"data": {"__typename": "Query"}}
    assert answer.headers["access-control-allow-origin"] == FRONT_END
    exposed = {
        h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")
    }
    assert {"x-request-id", "retry-after", "www-authenticate", "content-disposition"} <= exposed
    assert "access-control-allow-credentials" not in answer.headers
    assert "Origin" in answer.headers["vary"]


async def test_an_origin_not_configured_gets_no_cors_header(cors: httpx.AsyncClient) -> None:
    # when
    asked = await cors.options("/graphql", headers=preflight(OTHER, "POST", "authorization"))
    sent = await cors.post("/graphql", json=TYPENAME, headers={"Origin": OTHER})
    # then the preflight is refused and neither answer grants anything
    assert asked.status_code == 400
    assert cors_headers(asked) == {}
    assert cors_headers(sent) == {}
    assert "Origin" in sent.headers["vary"]


async def test_a_header_or_method_not_allowed_is_refused_for_a_configured_origin(
    cors: httpx.AsyncClient,
) -> None:
    # when
    header = await cors.options("/graphql", headers=preflight(FRONT_END, "POST", "x-debug"))
    method = await cors.options("/graphql", headers=preflight(FRONT_END, "DELETE"))
    # then
    assert header.status_code == 400
    assert method.status_code == 400


async def test_the_download_endpoint_answers_a_configured_origin(cors: httpx.AsyncClient) -> None:
    # given
    url = "/exports/hud-csv/00000000-0000-0000-0000-000000000000"
    # when
    asked = await cors.options(url, headers=preflight(FRONT_END, "GET", "authorization"))
    sent = await cors.get(url, headers={"Origin": FRONT_END})
    # then the page may send its token, and read the refusal of a request without one
    assert asked.status_code == 200
    assert asked.headers["access-control-allow-origin"] == FRONT_END
    assert sent.status_code == 401
    assert sent.headers["access-control-allow-origin"] == FRONT_END


async def test_refusals_outside_an_operation_carry_cors_headers_too(
    cors: httpx.AsyncClient, settings: Settings
) -> None:
    # when a body past the limit is refused before any route
    answer = await cors.post(
        "/graphql",
        content=b"{" + b" " * (settings.max_body_bytes + 1) + b"}",
        headers={"Origin": FRONT_END, "content-type": "application/json"},
    )
    # then the page can read why
    assert answer.status_code == 413
    assert answer.headers["access-control-allow-origin"] == FRONT_END


async def test_without_configured_origins_there_is_no_cors_at_all(http: httpx.AsyncClient) -> None:
    # when (the suite's app configures none)
    asked = await http.options("/graphql", headers=preflight(FRONT_END, "POST", "authorization"))
    sent = await http.post("/graphql", json=TYPENAME, headers={"Origin": FRONT_END})
    # then
    assert asked.status_code == 405
    assert cors_headers(asked) == {}
    assert cors_headers(sent) == {}


@pytest.mark.parametrize(
    "value",
    ["*", "https://app.example/", "https://app.example/path", "app.example", "https://*.example"],
)
def test_an_origin_setting_that_is_not_an_exact_origin_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="HEARTH_CORS_ORIGINS"):
        Settings(env="test", cors_origins=value)


def test_origins_are_read_comma_separated_or_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_CORS_ORIGINS", f"{FRONT_END}, http://localhost:5173")
    assert Settings(env="test").cors_origins == [FRONT_END, "http://localhost:5173"]
    monkeypatch.setenv("HEARTH_CORS_ORIGINS", f'["{FRONT_END}"]')
    assert Settings(env="test").cors_origins == [FRONT_END]
