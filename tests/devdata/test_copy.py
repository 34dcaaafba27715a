"""The generator's COPY layout comes from the models: every column of the table, and a row that
leaves a column out gets the model field's default."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from tortoise import fields
from tortoise.models import Model

from devdata.copy import table
from devdata.state import PARENTS_FIRST
from models.clients import Client
from models.governance import Agency


class _Probe(Model):
    """A model the generator has never seen, standing for a column added later."""

    id = fields.UUIDField(primary_key=True)
    level = fields.SmallIntField(default=3)
    tags = fields.JSONField(default=list)
    note = fields.CharField(max_length=20, null=True)

    class Meta:
        table = "devdata_probe"
        app = "devdata_tests"


async def test_the_columns_are_the_tables_columns(app: object, database_url: str) -> None:
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        for model in (*PARENTS_FIRST, Agency):
            spec = table(model)
            in_database = {
                r["column_name"]
                for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND table_name = $1 AND is_identity = 'NO'",
                    spec.name,
                )
            }
            assert set(spec.columns) == in_database, spec.name
    finally:
        await conn.close()


def test_a_row_gets_the_model_defaults_for_the_columns_it_leaves_out() -> None:
    spec = table(Client)
    record = dict(zip(spec.columns, spec.record({"first_name": "Basil"}), strict=True))
    assert record["first_name"] == "Basil"
    assert record["name_data_quality"] == 99
    assert record["white"] == 0
    assert record["version"] == 1
    assert record["middle_name"] is None
    probe = table(_Probe)
    assert probe.columns == ("id", "level", "tags", "note")
    pk = uuid.uuid4()
    assert probe.record({"id": pk}) == (pk, 3, "[]", None)
    assert probe.record({"id": pk, "level": 1, "note": "x"}) == (pk, 1, "[]", "x")


def test_a_key_that_names_no_column_is_refused() -> None:
    with pytest.raises(KeyError, match="frist_name"):
        table(Client).record({"frist_name": "Basil"})
