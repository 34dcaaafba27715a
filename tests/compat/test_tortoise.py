"""Instances built from rows by Hearth (``compat.tortoise.from_row``: its executor and its written-out
selects) are the ones Tortoise builds (``Model._init_from_db``), for every model, with every column
kind the models use."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.models import Model

from authz.enforcer import current_authorizer
from compat.tortoise import from_row
from devdata import generate
from models.clients import Client
from models.enrollments import Enrollment
from tests.conftest import START


@pytest.fixture
async def conn(app: object, database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url, timeout=10)
    yield connection
    await connection.close()


def _models() -> list[type[Model]]:
    return sorted(
        (m for app in Tortoise.apps.values() for m in app.values()), key=lambda m: m.__name__
    )


def _state(instance: Model) -> dict[str, object]:
    return dict(vars(instance))


async def test_instances_from_rows_are_tortoises_own(conn: asyncpg.Connection) -> None:
    await generate(conn, clients=30, seed=5, anchor=START.date())
    await current_authorizer().reload()
    compared = 0
    for model in _models():
        rows = await conn.fetch(f'SELECT * FROM "{model._meta.db_table}" LIMIT 20')  # noqa: S608 (model tables)
        for row in rows:
            ours, tortoises = from_row(model, row), model._init_from_db(**row)
            assert type(ours) is model
            assert _state(ours) == _state(tortoises), model.__name__
            assert ours._partial is False
            compared += 1
    assert compared > 200
    # and the ORM's own selects give the same instances through the executor
    client = await Client.first()
    assert client is not None
    raw = await conn.fetchrow('SELECT * FROM "client" WHERE id = $1', client.id)
    assert _state(client) == _state(Client._init_from_db(**raw))


async def test_a_partial_row_goes_to_tortoise(conn: asyncpg.Connection) -> None:
    await generate(conn, clients=3, seed=6, anchor=START.date())
    row = await conn.fetchrow('SELECT id, client_id, entry_date FROM "enrollment" LIMIT 1')
    built = from_row(Enrollment, row)
    assert built._partial is True
    assert _state(built) == _state(Enrollment._init_from_db(**row))
    # an .only() select reaches the same fallback through the ORM
    only = await Enrollment.all().only("id", "entry_date").first()
    assert only is not None
    assert only._partial is True
