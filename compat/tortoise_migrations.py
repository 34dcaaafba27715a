"""One migration operation adding many columns to a table (Tortoise's migrations, 1.1).

Tortoise runs each operation against a clone of the whole migration state (every model, rendered
again), so a migration of 184 ``AddField`` operations spent about two minutes of CPU cloning
(migration 0022: ``hearth migrate`` on an empty database went from 37 s to 2 min 51 s).
:class:`AddFields` is the same change as a run of ``AddField`` operations on one model, applied
to the state once: it subclasses ``TortoiseOperation`` (not documented as an extension point,
hence here, under :mod:`compat`'s version check) and asks the schema editor for each column as
``AddField`` does. ``tests/test_migrations.py`` checks that the migrated database equals the
models (``makemigrations`` finds nothing to do).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any, cast

from tortoise.fields.base import Field
from tortoise.fields.relational import ForeignKeyFieldInstance, OneToOneFieldInstance
from tortoise.migrations.operations import TortoiseOperation

import compat

compat.check_versions()

__all__ = ["AddFields"]


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
