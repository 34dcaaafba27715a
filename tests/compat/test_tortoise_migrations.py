"""The migrations applied through ``compat.tortoise_migrations`` (runs of operations as one, the
state before an operation rendered only when read, the applied ones described) write the SQL
Tortoise writes applying them one by one, to the character."""

from __future__ import annotations

from typing import Any

import pytest
from tortoise import connections, fields
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.migrations.migration import Migration
from tortoise.migrations.operations import Operation
from tortoise.migrations.schema_generator.state import State
from tortoise.migrations.schema_generator.state_apps import StateApps

from api.db import tortoise_config
from api.settings import Settings
from compat.tortoise_migrations import (
    AddFields,
    MigrationExecutor,
    Together,
    described,
    together,
)


def _shape(operations: list[Operation]) -> list[Any]:
    """Each operation as its class name, each run as the list of its operations'."""
    return [
        [type(op).__name__ for op in operation.operations]
        if isinstance(operation, Together)
        else type(operation).__name__
        for operation in operations
    ]


def _model(name: str, **related: str) -> ops.CreateModel:
    return ops.CreateModel(
        name=name,
        fields=[
            ("id", fields.IntField(primary_key=True)),
            *((field, fields.ForeignKeyField(f"hearth.{to}")) for field, to in related.items()),
        ],
    )


def test_new_models_are_one_run_unless_one_is_referred_to_before_it_is_created() -> None:
    grouped = together(
        [_model("A"), _model("B", a="A"), _model("C", d="D"), _model("D"), _model("E")]
    )
    assert _shape(grouped) == [["CreateModel"] * 3, ["CreateModel"] * 2]
    assert [op.name for op in grouped[1].operations] == ["D", "E"]  # type: ignore[attr-defined]


def test_changes_to_models_are_one_run_while_none_reads_what_another_changes() -> None:
    text = fields.TextField
    grouped = together(
        [
            ops.AddField("A", "x", text()),
            AddFields("B", [("y", text()), ("z", text())]),
            ops.AlterField("A", "w", text(null=True)),
            ops.AddConstraint("A", UniqueConstraint(fields=("x",))),
            ops.RemoveField("B", "v"),
            ops.AddField("A", "u", text()),  # after the constraint on A
            ops.AlterField("B", "y", text(null=True)),  # y already added in this run
            ops.AlterModelOptions("C", {"table_description": "c"}),
            ops.AlterModelOptions("A", {"table_description": "a"}),  # after a change to A
            ops.RunSQL("SELECT 1"),
            ops.AddField("C", "pk", fields.IntField(primary_key=True)),
            ops.AddField("C", "t", text()),
        ]
    )
    assert _shape(grouped) == [
        ["AddField", "AddFields", "AlterField", "AddConstraint", "RemoveField"],
        ["AddField", "AlterField", "AlterModelOptions"],
        "AlterModelOptions",
        "RunSQL",
        "AddField",
        "AddField",
    ]


async def _sql(migration: Migration, state: State) -> list[str]:
    editor = MigrationExecutor(connections.get("default"), {})._schema_editor(
        atomic=False, collect_sql=True
    )
    await migration.apply(state, schema_editor=editor, collect_sql=True)
    return [line for line in editor.collected_sql if not line.startswith("--")]


# Migrations with runs of every kind: models referring to each other, fields added, altered and
# removed, indexes, constraints and options (0022 has all of them, at several times the cost).
@pytest.mark.parametrize(
    "name",
    [
        "0001_initial",
        "0004_client_records",
        "0006_compliance",
        "0011_sealed_ssn",
        "0023_statewide_import",
    ],
)
async def test_a_migration_writes_the_sql_tortoise_writes(
    app: object, database_url: str, name: str
) -> None:
    apps = tortoise_config(database_url, Settings(env="test"))["apps"]
    executor = MigrationExecutor(connections.get("default"), apps)
    await executor.loader.build_graph()
    keys = executor._full_plan()
    index = [key.name for key in keys].index(name)
    graph = executor.loader.graph.nodes
    before = [graph[key] for key in keys[:index]]
    grouped = graph[keys[index]]
    assert grouped is not None
    one_by_one = type(grouped)(grouped.name, grouped.app_label)  # the committed operations
    assert len(grouped.operations) < len(one_by_one.operations)

    ours = await _sql(grouped, await executor._project_state(set(keys[:index])))
    start = await described(before, StateApps(default_connections={"hearth": "default"}))
    theirs = await _sql(one_by_one, State(models=start.models, apps=start.apps))

    assert ours == theirs
    assert any(line.startswith(("CREATE", "ALTER")) for line in ours)  # not vacuous
