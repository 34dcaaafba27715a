"""Tortoise's migrations (1.1) at a cost that does not grow as operations times models.

Tortoise keeps the migration state as model classes, rendered again from the state's model
descriptions: each operation renders every model related to the ones it changes (in Hearth's
connected schema, nearly every model), and ``Migration.apply`` first clones the state, every
model rendered once more, as the state before the operation. ``hearth migrate`` on an empty
database spent 32 of its 33 seconds rendering (docs/decisions.md, 139 and 149). Nothing here is
documented as an extension point, hence here, under :mod:`compat`'s version check.

- :class:`AddFields`: a run of ``AddField`` on one model written as one operation.
- :func:`migrate`: Tortoise's ``migrate`` with :class:`MigrationExecutor`, whose loader applies
  each run of operations that :func:`together` finds as one (:class:`Together`), whose state
  renders the state before an operation only when the operation reads it, and whose applied
  migrations are :func:`described` (rendered once); :class:`MigrationAutodetector` describes them
  so too for ``makemigrations``.

``tests/compat/test_tortoise_migrations.py`` checks that a migration applied so writes the SQL
Tortoise writes applying it one operation at a time; ``tests/test_migrations.py`` that the
migrated database equals the models (``makemigrations`` finds nothing to do).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, cast

from tortoise import Tortoise
from tortoise.config import TortoiseConfig
from tortoise.connection import get_connection
from tortoise.fields.base import Field
from tortoise.fields.relational import (
    ForeignKeyFieldInstance,
    ManyToManyFieldInstance,
    OneToOneFieldInstance,
)
from tortoise.migrations.api.migrate import _parse_targets
from tortoise.migrations.autodetector import MigrationAutodetector as TortoiseAutodetector
from tortoise.migrations.executor import MigrationExecutor as TortoiseExecutor
from tortoise.migrations.executor import PlanStep
from tortoise.migrations.graph import MigrationKey
from tortoise.migrations.loader import MigrationLoader
from tortoise.migrations.migration import Migration
from tortoise.migrations.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterModelOptions,
    CreateModel,
    Operation,
    RemoveField,
    TortoiseOperation,
)
from tortoise.migrations.schema_generator.state import ModelState, State
from tortoise.migrations.schema_generator.state_apps import StateApps

import compat

compat.check_versions()

__all__ = [
    "AddFields",
    "GroupingLoader",
    "MigrationAutodetector",
    "MigrationExecutor",
    "Together",
    "described",
    "migrate",
    "together",
]

_RELATIONS = (ForeignKeyFieldInstance, OneToOneFieldInstance, ManyToManyFieldInstance)


class AddFields(TortoiseOperation):
    """``AddField`` for each of ``fields`` (name, field) of ``model_name``, in order."""

    def __init__(self, model_name: str, fields: list[tuple[str, Any]]) -> None:
        self.model_name = model_name
        self.fields = fields

    def describe(self) -> str:
        return f"Add fields {', '.join(n for n, _ in self.fields)} to {self.model_name}"

    def state_forward(self, app_label: str, state: Any) -> None:
        model_state = self.get_model_state(state, app_label, self.model_name)
        reload = {(app_label, self.model_name)}
        for name, field in self.fields:
            if name in model_state.fields:
                raise ValueError(f"Field {name} already present on {app_label}.{self.model_name}")
            model_state.fields[name] = cast("Field[Any]", deepcopy(field))
            if isinstance(field, ForeignKeyFieldInstance | OneToOneFieldInstance):
                reload.add(state.apps.split_reference(field.model_name))
        state.reload_models(reload)

    async def database_forward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if not state_editor:
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        for name, _ in self.fields:
            await state_editor.add_field(model, name)

    async def database_backward(
        self, app_label: str, old_state: Any, new_state: Any, state_editor: Any = None
    ) -> None:
        if not state_editor:
            return
        model = old_state.apps.get_model(f"{app_label}.{self.model_name}")
        for name, _ in reversed(self.fields):
            await state_editor.remove_field(model, model._meta.fields_map[name])


# The state before an operation: rendered on first use. Of the operations Tortoise has, only
# those that alter, remove or rename something (and RunPython) read it going forward; a run of
# ``CreateModel`` and ``AddField`` never does.


class _LiveState(State):
    """The executor's state, whose clones are :class:`_Snapshot`."""

    def clone(self) -> State:
        models = {key: model.clone() for key, model in self.models.items()}
        return _Snapshot(models, self.apps)


class _Snapshot(_LiveState):
    """A clone of a state: its model descriptions copied now (the live state goes on changing),
    its models rendered from them when first asked for, as ``State.clone`` renders them."""

    def __init__(self, models: dict[tuple[str, str], ModelState], source: StateApps) -> None:
        self.models = models
        self._source = source
        self._apps: StateApps | None = None

    @property
    def apps(self) -> StateApps:
        if self._apps is None:
            self._apps = self._source.clone(model_states=self.models)
        return self._apps

    @apps.setter
    def apps(self, apps: StateApps) -> None:
        self._apps = apps


# A run of operations applied to the state as one: each operation changes the model
# descriptions, the models are rendered again once at the end (each operation would render them
# all), then each operation writes its SQL, in order, from that state. Equal to applying them one
# by one when no operation's SQL reads what another in the run changes (:func:`_joins`).


@dataclass
class _Deferring(State):
    """The live state's descriptions and models, with its renderings asked for noted, not done."""

    asked: set[tuple[str, str]] = dataclass_field(default_factory=set)

    def reload_model(self, app_label: str, model_name: str) -> None:
        if (app_label, model_name) not in self.models:
            raise LookupError(f"Model state {app_label}.{model_name} is unknown")
        self.asked.add((app_label, model_name))

    def reload_models(self, model_tuples: Iterable[tuple[str, str]]) -> None:
        self.asked.update(model_tuples)


class Together(TortoiseOperation):
    """``operations`` (as :func:`together` groups them) applied to the state as one."""

    def __init__(self, operations: Sequence[Operation]) -> None:
        self.operations = list(operations)
        self.reversible = all(getattr(op, "reversible", True) for op in self.operations)

    def describe(self) -> str:
        return "; ".join(op.describe() for op in self.operations)

    def state_forward(self, app_label: str, state: State) -> None:
        deferring = _Deferring(models=state.models, apps=state.apps)
        for operation in self.operations:
            operation.state_forward(app_label, deferring)
        state.reload_models(deferring.asked)

    async def database_forward(
        self, app_label: str, old_state: State, new_state: State, state_editor: Any = None
    ) -> None:
        for operation in self.operations:
            await operation.database_forward(app_label, old_state, new_state, state_editor)

    async def database_backward(
        self, app_label: str, old_state: State, new_state: State, state_editor: Any = None
    ) -> None:
        for operation in reversed(self.operations):
            await operation.database_backward(app_label, old_state, new_state, state_editor)


def _referred(operation: CreateModel) -> set[str]:
    """The names of the models ``operation``'s model refers to."""
    return {
        str(field.model_name).rsplit(".", 1)[-1]
        for _, field in operation.fields
        if isinstance(field, _RELATIONS)
    }


# Operations on fields: each one's SQL reads only its fields, in the state before it (an altered
# or removed field) and after it (an added or altered one).
_FIELD_CHANGES: tuple[type[Operation], ...] = (AddField, AddFields, AlterField, RemoveField)
_CHANGES = (*_FIELD_CHANGES, AddIndex, AddConstraint, AlterModelOptions)


def _fields(operation: Operation) -> set[tuple[str, str]]:
    """The fields (model, name) an operation of :data:`_FIELD_CHANGES` changes."""
    if isinstance(operation, AddFields):
        return {(operation.model_name, name) for name, _ in operation.fields}
    changed = cast(AddField, operation)
    return {(changed.model_name, changed.name)}


def _model(operation: Operation) -> str:
    """The model an operation of :data:`_CHANGES` changes."""
    if isinstance(operation, AlterModelOptions):
        return operation.name
    return cast(AddField, operation).model_name


def _keys(operation: Operation) -> bool:
    """Whether ``operation`` adds or alters a primary key (which other models' SQL reads)."""
    if isinstance(operation, AddFields):
        return any(getattr(field, "pk", False) for _, field in operation.fields)
    return bool(getattr(getattr(operation, "field", None), "pk", False))


def _joins(run: list[Operation], operation: Operation) -> bool:
    """Whether ``operation`` can be applied to the state with ``run``, as one: no operation's
    SQL reads what another in the run changes."""
    kind = type(operation)
    if type(run[0]) is CreateModel:
        if kind is not CreateModel:
            return False
        name = cast(CreateModel, operation).name
        created = {cast(CreateModel, op).name for op in run}
        # Tortoise creates the table of a model that refers to one not created yet without that
        # relation (decision 10): the later model starts a run of its own
        referred = set().union(*(_referred(cast(CreateModel, op)) for op in run))
        return name not in created | referred
    if type(run[0]) not in _CHANGES or kind not in _CHANGES:
        return False
    if kind is AlterModelOptions:
        # options (the table, its indexes) are read by every earlier operation on the model
        name = cast(AlterModelOptions, operation).name
        return not any(_model(earlier) == name for earlier in run)
    if kind not in _FIELD_CHANGES:
        return True
    if _keys(operation) or _keys(run[0]):
        return False
    model = _model(operation)
    fields = _fields(operation)
    for earlier in run:
        if type(earlier) in (AddIndex, AddConstraint):
            # an index or a constraint reads its model's fields as they are when it is added
            if _model(earlier) == model:
                return False
        elif type(earlier) in _FIELD_CHANGES and _fields(earlier) & fields:
            return False
    return True


def together(operations: Sequence[Operation]) -> list[Operation]:
    """``operations`` with each run that can be applied as one (:func:`_joins`) as one
    :class:`Together`: ``CreateModel`` of new models, none referred to before it is created; or
    changes to existing models (fields added, altered or removed, each field once, indexes and
    constraints added, options changed), no field changed on a model after an index or a
    constraint on it, no options changed after another change to their model."""
    grouped: list[Operation] = []
    run: list[Operation] = []
    for operation in operations:
        if run and _joins(run, operation):
            run.append(operation)
            continue
        if run:
            grouped.append(run[0] if len(run) == 1 else Together(run))
        run = [operation]
    if run:
        grouped.append(run[0] if len(run) == 1 else Together(run))
    return grouped


class GroupingLoader(MigrationLoader):
    """Tortoise's loader, with each migration's operations grouped by :func:`together`."""

    def load_disk(self) -> None:
        super().load_disk()
        for migration in self.disk_migrations.values():
            migration.operations = together(migration.operations)


async def described(migrations: Iterable[Migration], apps: StateApps) -> State:
    """The state ``migrations`` (applied in order) leave: each changes the model descriptions
    only, and the models are rendered from them once, at the end, as a clone is (``apps``: an
    empty one, whose connections they are rendered with). Tortoise renders them after every
    operation; no operation reads them in a dry run but to name a model."""
    descriptions = _Deferring(models={}, apps=apps)
    for migration in migrations:
        await migration.apply(descriptions, dry_run=True, schema_editor=None)
    # rendered from copies: the descriptions stay unbound, as a reload leaves them
    copies = {key: model.clone() for key, model in descriptions.models.items()}
    state = _LiveState(models=descriptions.models, apps=apps.clone(model_states=copies))
    state.validate_relations_initialized()
    return state


class MigrationAutodetector(TortoiseAutodetector):
    """Tortoise's (``makemigrations``), with the committed migrations' state :func:`described`."""

    async def _project_state(self) -> State:
        migrations = [self.loader.graph.nodes[key] for key in self._full_plan()]
        if not all(isinstance(migration, Migration) for migration in migrations):
            return await super()._project_state()  # Tortoise says which one is missing
        return await described(cast("list[Migration]", migrations), StateApps())


class MigrationExecutor(TortoiseExecutor):
    """Tortoise's executor with :class:`GroupingLoader`, the applied migrations' state
    :func:`described`, and a state that renders a clone only when an operation reads it."""

    def __init__(self, connection: Any, apps_config: dict[str, dict[str, Any]]) -> None:
        super().__init__(connection, apps_config)
        self.loader = GroupingLoader(apps_config, self.recorder, load=False)

    async def _project_state(
        self, applied: set[MigrationKey], *, upto: MigrationKey | None = None
    ) -> State:
        keys = [key for key in self._full_plan() if key in applied]
        if upto in keys:
            keys = keys[: keys.index(upto)]
        migrations = [self.loader.graph.nodes[key] for key in keys]
        if not all(isinstance(migration, Migration) for migration in migrations):
            return await super()._project_state(applied, upto=upto)  # which one is missing
        connections = {
            label: config.get("default_connection", "default")
            for label, config in self.loader.apps_config.items()
        }
        return await described(
            cast("list[Migration]", migrations), StateApps(default_connections=connections)
        )


async def migrate(
    *,
    config: dict[str, Any],
    target: str | None = None,
    reporter: Callable[[str, list[PlanStep], bool, bool], object] | None = None,
    progress: Callable[[str, str, str], object] | None = None,
) -> None:
    """``tortoise.migrations.api.migrate.migrate`` (forward or back to ``target``, every app),
    with :class:`MigrationExecutor`."""
    config = TortoiseConfig.resolve_args(config, None).to_dict()
    await Tortoise.init(config=config, init_connections=False)
    labels = list(config["apps"])
    by_connection: dict[str, dict[str, dict[str, Any]]] = {}
    for label, app in config["apps"].items():
        by_connection.setdefault(app.get("default_connection", "default"), {})[label] = app
    targets = _parse_targets(target, labels)
    for connection_name, apps in by_connection.items():
        executor = MigrationExecutor(get_connection(connection_name), apps)
        mine = [t for t in targets if t.app_label in apps] or None
        if reporter is not None:
            result = reporter(connection_name, await executor.plan(mine), False, False)
            if inspect.isawaitable(result):
                await result
        await executor.migrate(mine, progress=progress)
