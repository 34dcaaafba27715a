"""HTTP: POST only, GraphiQL and introspection by environment, body limit, request id."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.middleware import BodyLimit, BodyTooLarge
from api.settings import Settings
from models.enums import SystemRole
from models.governance import Agency
from services.clock import FrozenClock
from tests.factories import Api, make_user

TYPENAME = "{ __typename }"
CREATE_AGENCY = 'mutation { createAgency(input: {name: "Over GET", cocCode: "CT-503"}) { id } }'
INTROSPECTION = "{ __schema { types { name } } }"
COCS = "{ continuumsOfCare { code } }"


@asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started (its lifespan run) and a client for it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hearth.test") as client:
            yield client


def production_app(settings: Settings, database_url: str, clock: FrozenClock) -> Starlette:
    return create_app(
        settings.model_copy(update={"env": "production"}), database_url=database_url, clock=clock
    )


# --- POST only -------------------------------------------------------------------------------


async def test_a_query_over_get_is_refused_and_the_same_query_over_post_answers(
    http: httpx.AsyncClient,
) -> None:
    # when
    refused = await http.get("/graphql", params={"query": TYPENAME})
    answered = await http.post("/graphql", json={"query": TYPENAME})
    # then
    assert refused.status_code == 400
    assert "data" not in refused.text
    assert "Query" not in refused.text
    assert answered.status_code == 200
    assert answered.json() == {"data": {"__typename": "Query"}}


async def test_a_mutation_over_get_is_refused_and_writes_nothing(
    api: Api, http: httpx.AsyncClient
) -> None:
    # given
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    token = await api.sign_in(admin)
    # when
    response = await http.get(
        "/graphql", params={"query": CREATE_AGENCY}, headers={"Authorization": f"Bearer {token}"}
    )
    # then
    assert response.status_code in (400, 405)
    assert "data" not in response.text
    assert await Agency.all().count() == 0


# --- GraphiQL and introspection by environment ------------------------------------------------


async def test_development_serves_graphiql_and_answers_introspection(
    http: httpx.AsyncClient,
) -> None:
    # when
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    schema = await http.post("/graphql", json={"query": INTROSPECTION})
    # then
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "graphiql" in page.text.lower()
    names = {t["name"] for t in schema.json()["data"]["__schema"]["types"]}
    assert {"Query", "Mutation", "Agency"} <= names


async def test_production_turns_graphiql_and_introspection_off_but_still_serves_operations(
    app: Starlette, api: Api, settings: Settings, database_url: str, clock: FrozenClock
) -> None:
    # given
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    async with running(production_app(settings, database_url, clock)) as prod:
        # when
        page = await prod.get("/graphql", headers={"Accept": "text/html"})
        introspection = await prod.post("/graphql", json={"query": INTROSPECTION})
        type_query = await prod.post(
            "/graphql", json={"query": '{ __type(name: "User") { fields { name } } }'}
        )
        token = await Api(prod, clock).sign_in(admin)
        cocs = await Api(prod, clock).ok(COCS, token=token)
        # then
        assert page.status_code == 404
        assert "graphiql" not in page.text.lower()
        for refused in (introspection, type_query):
            body = refused.json()
            assert body["data"] is None
            assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
            assert "introspection" in body["errors"][0]["message"].lower()
        assert [c["code"] for c in cocs["continuumsOfCare"]] == ["CT-503", "CT-505"]
    # and the first app (and its database) outlives the second one's shutdown
    assert (await api.ok(COCS, token=await api.sign_in(admin)))["continuumsOfCare"]


# --- request body limit ----------------------------------------------------------------------


def padded(size: int) -> bytes:
    """A valid GraphQL request of exactly ``size`` bytes."""
    body = json.dumps({"query": TYPENAME}).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


async def _chunks(data: bytes, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_body_at_the_limit_is_served(http: httpx.AsyncClient, settings: Settings) -> None:
    response = await http.post(
        "/graphql",
        content=padded(settings.max_body_bytes),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_declared_body_over_the_limit_gets_413(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    # when
    response = await http.post(
        "/graphql",
        content=padded(settings.max_body_bytes + 1),
        headers={"content-type": "application/json"},
    )
    # then
    assert response.request.headers["content-length"] == str(settings.max_body_bytes + 1)
    assert_too_large(response)


async def test_a_streamed_body_over_the_limit_gets_413(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    # when: chunked, with no Content-Length to go by
    response = await http.post(
        "/graphql",
        content=_chunks(padded(settings.max_body_bytes + 1)),
        headers={"content-type": "application/json"},
    )
    # then
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_too_large(response)


async def test_a_body_past_the_limit_after_the_response_started_does_not_start_a_second_one() -> (
    None
):
    # given: an app that answers before it has read the whole body
    async def answers_first(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.body", "body": b"done"})

    chunks = [{"type": "http.request", "body": b"x" * 8, "more_body": True} for _ in range(3)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    # when / then: the error propagates (the server drops the connection) ...
    with pytest.raises(BodyTooLarge):
        await BodyLimit(answers_first, max_bytes=10)(scope, receive, send)
    # ... rather than a second response (a 413) after the first one began
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [200]


# --- request id ------------------------------------------------------------------------------


async def test_hearth_gives_its_own_request_id_whatever_the_caller_sends(
    http: httpx.AsyncClient,
) -> None:
    # a caller cannot choose the id its request is audited and logged under; theirs is kept
    # beside Hearth's (tests/schema/test_audit_completeness.py)
    response = await http.post(
        "/graphql", json={"query": TYPENAME}, headers={"X-Request-ID": "front-end.42:a_b-c"}
    )
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_a_request_id_is_generated_when_absent_or_unfit(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    # when
    first = await http.post("/graphql", json={"query": TYPENAME})
    second = await http.post("/graphql", json={"query": TYPENAME})
    forged = await http.post(
        "/graphql", json={"query": TYPENAME}, headers={"X-Request-ID": "x" * 65}
    )
    spaced = await http.post("/graphql", json={"query": TYPENAME}, headers={"X-Request-ID": "a b"})
    # then
    ids = [r.headers["x-request-id"] for r in (first, second, forged, spaced)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids), ids
    assert len(set(ids)) == 4


async def test_refusals_carry_the_request_id_too(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    # when
    too_large = await http.post(
        "/graphql", content=padded(settings.max_body_bytes + 1), headers={"X-Request-ID": "r1"}
    )
    over_get = await http.get(
        "/graphql", params={"query": TYPENAME}, headers={"X-Request-ID": "r2"}
    )
    # then
    assert too_large.status_code == 413
    assert re.fullmatch(r"[0-9a-f]{32}", too_large.headers["x-request-id"])
    assert over_get.status_code == 400
    assert re.fullmatch(r"[0-9a-f]{32}", over_get.headers["x-request-id"])
