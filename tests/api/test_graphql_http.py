"""GraphQL over HTTP: media types and status codes as the spec says, Retry-After, field
suggestions by environment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.graphql_http import GRAPHQL_RESPONSE_JSON, media_type_for, outcome
from api.settings import Settings
from services.clock import FrozenClock
from tests.api.test_http import running
from tests.factories import LOGIN, make_user

MODERN = {"Accept": GRAPHQL_RESPONSE_JSON}
APOLLO = {"Accept": f"{GRAPHQL_RESPONSE_JSON},application/json;q=0.9"}
LEGACY = {"Accept": "application/json"}
ME = "{ me { user { username } } }"
TYPO = "{ mee { user { username } } }"
WRONG = "not the right password"


def assert_modern(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
    assert "Accept" in response.headers["vary"]
    body: dict[str, Any] = response.json()
    return body


# --- the media type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON},application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON};q=0.5", "application/json"),
        (f"{GRAPHQL_RESPONSE_JSON};q=0, application/json", "application/json"),
        ("text/html", None),
        ("application/xml, text/plain;q=0.5", None),
    ],
)
def test_the_media_type_is_the_clients_first_choice_among_those_hearth_writes(
    accept: str | None, expected: str | None
) -> None:
    assert media_type_for(accept) == expected


async def test_an_accept_hearth_cannot_satisfy_is_answered_406_before_anything_runs(
    http: httpx.AsyncClient,
) -> None:
    # when
    answer = await http.post("/graphql", json={"query": ME}, headers={"Accept": "text/plain"})
    # then
    assert answer.status_code == 406
    assert answer.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


async def test_a_successful_request_is_200_in_either_media_type(http: httpx.AsyncClient) -> None:
    # when
    modern = await http.post("/graphql", json={"query": "{ __typename }"}, headers=MODERN)
    legacy = await http.post("/graphql", json={"query": "{ __typename }"}, headers=LEGACY)
    # then
    assert assert_modern(modern, 200) == {"data": {"__typename": "Query"}}
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == "application/json"


# --- request errors: 400 with graphql-response+json, 200 with application/json ---------------


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"query": "{ me { "}, "GRAPHQL_PARSE_FAILED"),
        ({"query": TYPO}, "GRAPHQL_VALIDATION_FAILED"),
        (
            {"query": "query($n: Int!) { __typename }", "variables": {"n": "x"}},
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ({"query": "query A { __typename }", "operationName": "B"}, None),
    ],
    ids=["parse", "validation", "variables", "no-operation-chosen"],
)
async def test_a_request_refused_before_execution_is_400_without_data(
    http: httpx.AsyncClient, payload: dict[str, Any], code: str | None
) -> None:
    # when
    modern = await http.post("/graphql", json=payload, headers=APOLLO)
    legacy = await http.post("/graphql", json=payload, headers=LEGACY)
    # then
    body = assert_modern(modern, 400)
    assert "data" not in body
    assert body["errors"]
    if code:
        assert body["errors"][0]["extensions"]["code"] == code
    assert legacy.status_code in (200, 400)  # 400 only when strawberry refuses it unparsed
    if code:
        assert legacy.status_code == 200
        assert legacy.json()["data"] is None


async def test_a_body_that_is_not_a_graphql_request_is_400_in_graphqls_error_shape(
    http: httpx.AsyncClient,
) -> None:
    # when
    answers = [
        await http.post(
            "/graphql", content=b"NONSENSE", headers={**MODERN, "content-type": "application/json"}
        ),
        await http.post("/graphql", json={"qeury": "{ __typename }"}, headers=MODERN),
    ]
    # then
    for answer in answers:
        body = assert_modern(answer, 400)
        assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        assert body["errors"][0]["extensions"]["requestId"] == answer.headers["x-request-id"]


# --- refusals of the whole request ------------------------------------------------------------


async def test_unauthenticated_without_data_is_401_with_a_challenge(
    http: httpx.AsyncClient,
) -> None:
    # when
    without = await http.post("/graphql", json={"query": ME}, headers=MODERN)
    bad_token = await http.post(
        "/graphql", json={"query": ME}, headers={**MODERN, "Authorization": "Bearer nonsense"}
    )
    legacy = await http.post("/graphql", json={"query": ME}, headers=LEGACY)
    # then: every root field refused for the same reason is a refusal of the request as a whole:
    # data null and the code's status in the new media type; 200 with the nulls in the old one
    for answer, challenge in (
        (without, 'Bearer realm="hearth"'),
        (bad_token, 'Bearer realm="hearth", error="invalid_token"'),
    ):
        body = assert_modern(answer, 401)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert answer.headers["www-authenticate"] == challenge
    assert legacy.status_code == 200
    assert legacy.json()["data"] == {"me": None}
    assert "www-authenticate" not in legacy.headers


async def test_a_field_that_answered_keeps_the_response_partial_and_200(
    http: httpx.AsyncClient,
) -> None:
    # __typename needs no caller: its answer makes the refusal of `me` a partial response
    answer = await http.post(
        "/graphql", json={"query": "{ __typename me { user { username } } }"}, headers=MODERN
    )
    body = assert_modern(answer, 200)
    assert body["data"] == {"__typename": "Query", "me": None}
    assert "www-authenticate" not in answer.headers


async def test_rate_limited_carries_retry_after_in_the_header_and_the_extensions(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    # given an account locked for 15 minutes, 5 of which have passed
    await make_user("alice")
    for _ in range(5):
        await http.post("/graphql", json={"query": LOGIN, "variables": {"u": "alice", "p": WRONG}})
    clock.advance(timedelta(minutes=5))
    # when
    request = {"query": LOGIN, "variables": {"u": "alice", "p": WRONG}}
    legacy = await http.post("/graphql", json=request, headers=LEGACY)
    modern = await http.post("/graphql", json=request, headers=MODERN)
    # then
    error = legacy.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == 600
    assert legacy.status_code == 200
    assert legacy.headers["retry-after"] == "600"
    assert modern.headers["retry-after"] == "600"
    assert_modern(modern, 429 if modern.json().get("data") is None else 200)


@pytest.mark.parametrize(
    ("body", "media", "status", "headers"),
    [
        # data, even with errors: 200 (a partial response)
        (
            {
                "data": {"me": None},
                "errors": [
                    {"message": "m", "path": ["me"], "extensions": {"code": "UNAUTHENTICATED"}}
                ],
            },
            GRAPHQL_RESPONSE_JSON,
            200,
            {},
        ),
        # the whole request refused
        (
            {
                "data": None,
                "errors": [
                    {"message": "m", "path": ["me"], "extensions": {"code": "UNAUTHENTICATED"}}
                ],
            },
            GRAPHQL_RESPONSE_JSON,
            401,
            {"WWW-Authenticate": 'Bearer realm="hearth"'},
        ),
        (
            {
                "data": None,
                "errors": [
                    {"message": "m", "path": ["me"], "extensions": {"code": "MFA_REQUIRED"}}
                ],
            },
            GRAPHQL_RESPONSE_JSON,
            401,
            {"WWW-Authenticate": 'Bearer realm="hearth", error="insufficient_user_authentication"'},
        ),
        (
            {
                "data": None,
                "errors": [{"message": "m", "path": ["a"], "extensions": {"code": "FORBIDDEN"}}],
            },
            GRAPHQL_RESPONSE_JSON,
            403,
            {},
        ),
        (
            {
                "data": None,
                "errors": [
                    {
                        "message": "m",
                        "path": ["login"],
                        "extensions": {"code": "RATE_LIMITED", "retryAfter": 30},
                    }
                ],
            },
            GRAPHQL_RESPONSE_JSON,
            429,
            {"Retry-After": "30"},
        ),
        (
            {
                "data": None,
                "errors": [{"message": "m", "path": ["a"], "extensions": {"code": "UNAVAILABLE"}}],
            },
            GRAPHQL_RESPONSE_JSON,
            503,
            {},
        ),
        (
            {
                "data": None,
                "errors": [{"message": "m", "path": ["a"], "extensions": {"code": "INTERNAL"}}],
            },
            GRAPHQL_RESPONSE_JSON,
            500,
            {},
        ),
        # data null for an ordinary field error, or errors of different codes: 200
        (
            {
                "data": None,
                "errors": [{"message": "m", "path": ["a"], "extensions": {"code": "NOT_FOUND"}}],
            },
            GRAPHQL_RESPONSE_JSON,
            200,
            {},
        ),
        (
            {
                "data": None,
                "errors": [
                    {"message": "m", "path": ["a"], "extensions": {"code": "FORBIDDEN"}},
                    {"message": "m", "path": ["b"], "extensions": {"code": "VALIDATION"}},
                ],
            },
            GRAPHQL_RESPONSE_JSON,
            200,
            {},
        ),
        # before execution
        (
            {
                "data": None,
                "errors": [{"message": "m", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}],
            },
            GRAPHQL_RESPONSE_JSON,
            400,
            {},
        ),
        (
            {"data": None, "errors": [{"message": "m", "extensions": {"code": "UNAVAILABLE"}}]},
            GRAPHQL_RESPONSE_JSON,
            503,
            {},
        ),
        (
            {
                "data": None,
                "errors": [
                    {
                        "message": "PersistedQueryNotFound",
                        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                    }
                ],
            },
            GRAPHQL_RESPONSE_JSON,
            404,
            {},
        ),
        (
            {
                "data": None,
                "errors": [{"message": "m", "extensions": {"code": "PERSISTED_QUERY_NOT_ALLOWED"}}],
            },
            GRAPHQL_RESPONSE_JSON,
            403,
            {},
        ),
        # application/json: 200 for every well-formed request, Retry-After all the same
        (
            {
                "data": None,
                "errors": [
                    {"message": "m", "path": ["me"], "extensions": {"code": "UNAUTHENTICATED"}}
                ],
            },
            "application/json",
            200,
            {},
        ),
        (
            {
                "data": None,
                "errors": [{"message": "m", "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}],
            },
            "application/json",
            200,
            {},
        ),
        (
            {
                "data": None,
                "errors": [
                    {
                        "message": "m",
                        "path": ["login"],
                        "extensions": {"code": "RATE_LIMITED", "retryAfter": 30},
                    }
                ],
            },
            "application/json",
            200,
            {"Retry-After": "30"},
        ),
    ],
)
def test_the_status_table(
    body: dict[str, Any], media: str, status: int, headers: dict[str, str]
) -> None:
    assert outcome(body, media, credentials=False)[:2] == (status, headers)  # type: ignore[arg-type]


# --- field suggestions by environment ---------------------------------------------------------


async def test_field_suggestions_are_off_outside_development(http: httpx.AsyncClient) -> None:
    # when (the suite runs as HEARTH_ENV=test)
    body = (await http.post("/graphql", json={"query": TYPO})).json()
    # then
    assert "Did you mean" not in body["errors"][0]["message"]
    assert "'mee'" in body["errors"][0]["message"]


async def test_field_suggestions_help_in_development(
    app: Starlette, settings: Settings, database_url: str, clock: FrozenClock
) -> None:
    # given
    development = settings.model_copy(update={"env": "development"})
    async with running(create_app(development, database_url=database_url, clock=clock)) as dev:
        # when
        body = (await dev.post("/graphql", json={"query": TYPO})).json()
    # then
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Did you mean 'me'?" in error["message"]


async def test_several_operations_without_an_operation_name_run_none(
    http: httpx.AsyncClient,
) -> None:
    # GraphQL's "GetOperation": a document of several operations needs operationName; running
    # the first one instead would run what the client did not ask for.
    document = "query A { __typename } mutation B { logout }"
    body = assert_modern(await http.post("/graphql", json={"query": document}, headers=MODERN), 400)
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    named = await http.post(
        "/graphql", json={"query": document, "operationName": "A"}, headers=MODERN
    )
    assert assert_modern(named, 200)["data"] == {"__typename": "Query"}


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "allow"),
    [
        ("PUT", "/graphql", 405, "METHOD_NOT_ALLOWED", "GET, HEAD, POST"),
        ("DELETE", "/graphql", 405, "METHOD_NOT_ALLOWED", "GET, HEAD, POST"),
        ("OPTIONS", "/graphql", 405, "METHOD_NOT_ALLOWED", "GET, HEAD, POST"),
        (
            "POST",
            "/exports/hud-csv/00000000-0000-4000-8000-000000000000",
            405,
            "METHOD_NOT_ALLOWED",
            "GET, HEAD",
        ),
        ("GET", "/nowhere", 404, "NOT_FOUND", None),
    ],
)
async def test_the_routers_refusals_answer_in_graphqls_error_shape(
    http: httpx.AsyncClient, method: str, path: str, status: int, code: str, allow: str | None
) -> None:
    # when
    answer = await http.request(method, path, json={"query": "{ __typename }"})
    # then
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()["errors"][0]
    assert error["extensions"] == {"code": code, "requestId": answer.headers["x-request-id"]}
    if allow:
        assert sorted(answer.headers["allow"].split(", ")) == allow.split(", ")
