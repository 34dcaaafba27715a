"""Errors outside operations answer in GraphQL's error shape with the request id; a request has a
deadline; a body over the limit gets a 413 the client can read, over a real socket."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

import api.identity.local as local_identity
from api.app import HearthGraphQL, create_app
from api.middleware import Guard, RequestId
from api.settings import Settings
from schema.context import Context
from schema.errors import INTERNAL_MESSAGE, UNAVAILABLE_MESSAGE
from services.clock import FrozenClock
from tests.api.conftest import served
from tests.factories import Api, make_user

ME = "{ me { user { username } } }"
LEAKY_DETAIL = "secret detail ssn=123-45-6789"


def assert_error_shape(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """A JSON body with one error carrying ``code`` and the request id of the header."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": code, "requestId": response.headers["x-request-id"]}
    return error


# --- exceptions outside an operation ---------------------------------------------------------


async def test_an_exception_before_the_operation_answers_in_the_error_shape(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given: the view fails while building the request's context (outside any operation)
    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError(LEAKY_DETAIL)

    monkeypatch.setattr(HearthGraphQL, "get_context", broken)
    # when
    with caplog.at_level(logging.ERROR, logger="hearth"):
        response = await http.post("/graphql", json={"query": ME})
    # then: not Starlette's bare "Internal Server Error"
    error = assert_error_shape(response, 500, "INTERNAL")
    assert error["message"] == INTERNAL_MESSAGE
    assert "123-45-6789" not in response.text
    # the log has the traceback and the exception's type, not its message (which can quote the
    # request's values: decision 95)
    assert "builtins.RuntimeError" in caplog.text
    assert LEAKY_DETAIL not in caplog.text
    assert response.headers["x-request-id"] in caplog.text


@pytest.mark.parametrize(
    "failure",
    [
        ConnectionRefusedError(111, "Connection refused"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        TimeoutError(),
    ],
    ids=["refused", "connection-lost", "starting-up", "pool-timeout"],
)
async def test_database_trouble_during_authentication_is_unavailable_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    # given: a valid token, and a database that fails when the session is read
    token = await api.sign_in(await make_user())

    async def unreachable(*_: Any) -> None:
        raise failure

    monkeypatch.setattr(local_identity, "load_session_principal", unreachable)
    # when
    response = await api.post(ME, token=token)
    # then
    [error] = response.json()["errors"]
    assert error["extensions"] == {
        "code": "UNAVAILABLE",
        "requestId": response.headers["x-request-id"],
    }
    assert error["message"] == UNAVAILABLE_MESSAGE


async def test_database_trouble_outside_graphql_is_unavailable_too(
    app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the token endpoint's database read fails
    import api.identity.service as token_endpoint

    async def unreachable(**_: Any) -> None:
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(token_endpoint, "authenticate_client", unreachable)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth.test") as client:
        # when
        response = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        )
    # then
    assert_error_shape(response, 503, "UNAVAILABLE")


# --- the deadline ----------------------------------------------------------------------------


@asynccontextmanager
async def short_deadline(
    settings: Settings, database_url: str, clock: FrozenClock, seconds: float
) -> AsyncIterator[httpx.AsyncClient]:
    hasty = create_app(
        settings.model_copy(update={"request_timeout_seconds": seconds}),
        database_url=database_url,
        clock=clock,
    )
    async with hasty.router.lifespan_context(hasty):
        transport = httpx.ASGITransport(app=hasty)
        async with httpx.AsyncClient(transport=transport, base_url="http://hearth.test") as client:
            yield client


async def test_a_frozen_database_answers_timeout_at_the_deadline(
    app: Starlette, api: Api, settings: Settings, database_url: str, clock: FrozenClock
) -> None:
    # given: a valid token, and the sessions table locked by someone else (the database "frozen"
    # for the statement that authenticates)
    token = await api.sign_in(await make_user())
    locker = await asyncpg.connect(database_url, timeout=10)
    try:
        async with short_deadline(settings, database_url, clock, 0.5) as hasty:
            async with locker.transaction():
                await locker.execute("LOCK TABLE session IN ACCESS EXCLUSIVE MODE")
                # when
                started = asyncio.get_running_loop().time()
                response = await hasty.post(
                    "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
                )
                waited = asyncio.get_running_loop().time() - started
            # then: answered at the deadline, not when the lock went away
            error = assert_error_shape(response, 503, "TIMEOUT")
            assert "took too long" in error["message"]
            assert 0.4 < waited < 3
            # and once the database answers again, so does the app (its pool is sound)
            again = await hasty.post(
                "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
            )
            assert again.json()["data"]["me"]["user"]["username"]
    finally:
        await locker.close()


async def _serve_once(app: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=RequestId(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post("/", content=b"{}")


async def test_an_operation_known_to_run_long_moves_the_deadline() -> None:
    # given: two slow handlers behind a 50 ms deadline, one of which asks for more time
    async def slow(scope: Any, receive: Any, send: Any, *, more_time: bool) -> None:
        context = Context(
            request=Request(scope),
            identity=None,  # type: ignore[arg-type]
            authorizer=None,  # type: ignore[arg-type]
            clock=None,  # type: ignore[arg-type]
            auth_policy=None,  # type: ignore[arg-type]
            settings=None,  # type: ignore[arg-type]
        )
        if more_time:
            context.allow_time(5)
        await asyncio.sleep(0.2)
        await JSONResponse({"done": True})(scope, receive, send)

    async def patient(scope: Any, receive: Any, send: Any) -> None:
        await slow(scope, receive, send, more_time=True)

    async def hasty(scope: Any, receive: Any, send: Any) -> None:
        await slow(scope, receive, send, more_time=False)

    # when
    given_time = await _serve_once(Guard(patient, timeout=0.05))
    stopped = await _serve_once(Guard(hasty, timeout=0.05))
    # then
    assert given_time.json() == {"done": True}
    assert_error_shape(stopped, 503, "TIMEOUT")


async def test_the_deadline_ends_when_the_answer_starts() -> None:
    # a download streams on past the deadline once its response has started
    async def streaming(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0.2)
        await send({"type": "http.response.body", "body": b"all of it"})

    response = await _serve_once(Guard(streaming, timeout=0.05))
    assert response.content == b"all of it"


# --- 413 over a real socket ------------------------------------------------------------------


async def test_an_oversized_body_gets_a_413_the_client_reads_over_a_real_socket(
    app: Starlette, settings: Settings, listening: socket.socket
) -> None:
    # a body four times the limit: the client writes all of it before it reads the answer
    body = b'{"query": "{ __typename }"' + b" " * (4 * settings.max_body_bytes) + b"}"
    async with (
        served(app, listening) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        for _ in range(10):
            response = await client.post(
                "/graphql", content=body, headers={"content-type": "application/json"}
            )
            assert_error_shape(response, 413, "PAYLOAD_TOO_LARGE")
            assert response.headers.get("connection") != "close"
        # and the same connection serves the next request
        ok = await client.post("/graphql", json={"query": "{ __typename }"})
        assert ok.json() == {"data": {"__typename": "Query"}}
