"""What a request reads is freed when it is answered, by reference counting: it must not wait for
Python's cyclic garbage collector with the execution's own objects, which refer to each other
(graphql-core's context, the middleware, the extensions, the request context). Left to the
collector, a page's rows were promoted through its generations under load and collected at a
full collection: a quarter of the server's CPU in the search benchmark (decision 79)."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

import api.pgclient as pgclient
import authz.clients.reads as client_rows
from tests.factories import Api
from tests.schema.test_client_statements import EVERYTHING, _world


async def test_the_rows_of_a_request_are_freed_when_it_is_answered(
    api: Api, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await _world(4)
    token = await api.sign_in(world.holder)
    await api.ok(EVERYTHING, {"name": "smith", "first": 10}, token)  # warm: caches filled once
    built: list[weakref.ref[Any]] = []
    kinds: set[str] = set()
    original = pgclient.from_row

    def spy(model: Any, row: Any) -> Any:
        instance = original(model, row)
        built.append(weakref.ref(instance))
        kinds.add(model.__name__)
        return instance

    monkeypatch.setattr(pgclient, "from_row", spy)  # enrollments, notes (Tortoise's selects)
    monkeypatch.setattr(client_rows, "from_row", spy)  # the clients (written-out selects)
    gc.collect()
    gc.disable()
    try:
        data = await api.ok(EVERYTHING, {"name": "smith", "first": 10}, token)
        assert data["clients"]["nodes"]
        assert len(built) > 10
        assert {"Client", "Enrollment"} <= kinds
        alive = [ref() for ref in built if ref() is not None]
        assert not alive, sorted({type(i).__name__ for i in alive})
    finally:
        gc.enable()
