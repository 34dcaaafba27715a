"""The benchmark's load generator (bench/load.py, decision 207) reads what Hearth's server layer
answers: every request counted, a GraphQL error and a non-200 answer counted as errors, a
connection the server closes opened again."""

from __future__ import annotations

import socket
from typing import Any

import orjson

from bench.load import drive
from tests.api.conftest import served


def _app(answer: Any) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = b""
        while True:
            message = await receive()
            request += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, body, close = answer(orjson.loads(request))
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        if close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def _body(n: int) -> bytes:
    return orjson.dumps({"query": "{ n }", "variables": {"n": n}})


async def test_every_answer_is_counted_and_errors_are_told_apart(
    listening: socket.socket,
) -> None:
    def answer(request: dict[str, Any]) -> tuple[int, bytes, bool]:
        n = request["variables"]["n"]
        if n % 10 == 3:
            return 200, b'{"data":null,"errors":[{"message":"no"}]}', False
        if n % 10 == 7:
            return 500, b"{}", False
        # every fifth answer closes its connection: the next request opens another
        return 200, orjson.dumps({"data": {"n": n}}), n % 5 == 0

    async with served(_app(answer), listening) as url:
        result = await drive(
            f"{url}/graphql", _body, headers={}, concurrency=3, duration=60, max_requests=40
        )
    assert result.requests == 40
    assert result.errors == 8  # n ending in 3 or 7
    assert result.first_error is not None
    assert len(result.latencies_ms) == 40
