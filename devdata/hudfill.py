"""The seed's rows completed by the HUD row drawers (decision 151).

The seed draws its own rows for what it always had (households, stays, the universal elements,
consents, releases, notes, the audit trail, the defects its tests count); the program-specific
elements and the files it did not have come from the same drawers as the statewide file
(``devdata.hudclient``, ``hudrecords``, ``hudprojects``), through ``SeedHud``: its rows, keyed by
HUD CSV column, become model rows through the element registry (a column's element names the
field), ids become the seed's UUIDs, and they go to the seed's COPY buffers.
"""

from __future__ import annotations

import functools
import importlib
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from tortoise import fields
from tortoise.models import Model

from devdata.copy import Bulk, _relations_ready
from devdata.hudclient import ClientRows
from devdata.hudprogram import Program
from devdata.hudprojects import ProjectRows
from models.hud.elements import HUD_FILES, models, registry
from services.hudcsv.columns import FILES, columns

__all__ = ["SEED_FILES", "SeedHud", "fill", "hud_models", "table_columns"]

# The files the seed draws itself (the drawers only complete their rows).
SEED_FILES = frozenset(
    {"Client", "Enrollment", "Exit", "Services", "IncomeBenefits", "Disabilities", "HealthAndDV"}
)


# Files of projects, written with the reference rows.
PROJECT_FILES = frozenset(
    {"ProjectCoC", "Funder", "Inventory", "Affiliation", "HMISParticipation", "CEParticipation"}
)


@functools.cache
def _named_models() -> dict[str, type[Model]]:
    """Hearth's models by lower-cased class name."""
    from api.db import MODEL_MODULES

    found: dict[str, type[Model]] = {}
    for module in MODEL_MODULES:
        for obj in vars(importlib.import_module(module)).values():
            if isinstance(obj, type) and issubclass(obj, Model) and obj is not Model:
                found.setdefault(obj.__name__.lower(), obj)
    return found


def hud_models() -> dict[str, type[Model]]:
    """The HUD files the seed has no drawer of its own for, and their models where Hearth has
    them (the registry's files, else the model named as the file), in the files' order."""
    by_name = {m.__name__: m for m in models()}
    by_file = {file: by_name[name] for name, file in HUD_FILES.items() if name in by_name}
    named = _named_models()
    out: dict[str, type[Model]] = {}
    for file in FILES:
        if file in SEED_FILES or file in ("Export", "Organization", "User", "Project"):
            continue
        model = by_file.get(file) or named.get(file.lower())
        if model is not None:
            out[file] = model
    return out


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _snake(column: str) -> str:
    return _CAMEL.sub("_", column).lower()


@functools.cache
def table_columns(model: type[Model]) -> dict[str, tuple[str, bool]]:
    """HUD column -> (the table's column, whether it holds a UUID), for the model's element
    columns and, for a model with none for a column, the column of the same name snake-cased
    (ids: ``<Parent>ID`` -> ``<parent>_id``)."""
    _relations_ready()
    meta = model._meta
    projection = meta.fields_db_projection
    out: dict[str, tuple[str, bool]] = {}

    def is_uuid(name: str) -> bool:
        field = meta.fields_map.get(name)
        if isinstance(field, fields.UUIDField):
            return True
        relation = meta.fields_map.get(name.removesuffix("_id"))
        return isinstance(relation, fields.relational.ForeignKeyFieldInstance)

    by_db = {db: name for name, db in projection.items()}
    for item in registry().of(model):
        if item.column and item.name in projection:
            out[item.column] = (projection[item.name], False)
    return _with_fallback(out, by_db, is_uuid)


def _with_fallback(
    out: dict[str, tuple[str, bool]], by_db: dict[str, str], is_uuid: Callable[[str], bool]
) -> dict[str, tuple[str, bool]]:
    class _Columns(dict[str, tuple[str, bool]]):
        def __missing__(self, column: str) -> tuple[str, bool]:
            name = _snake(column)
            if column == "PersonalID":
                name = "client_id"
            elif column.endswith("ID"):
                name = _snake(column[:-2]) + "_id"
            found = (name, is_uuid(by_db[name])) if name in by_db else ("", False)
            self[column] = found
            return found

    return _Columns(out)


def fill(model: type[Model], row: dict[str, Any], hud: dict[str, Any]) -> dict[str, Any]:
    """Add to the model row ``row`` the values of ``hud`` (HUD columns) it has no value for."""
    columns = table_columns(model)
    for column, value in hud.items():
        if value is None:
            continue
        target, _ = columns[column]
        if target and row.get(target) is None:
            row[target] = value
    return row


class SeedHud(ClientRows, ProjectRows):
    """The drawers on the seed's random stream, writing into the seed's COPY buffers."""

    def __init__(
        self,
        *,
        rng: Any,
        anchor: date,
        at: Callable[[date, int], datetime],
        bulk: Bulk,
        models: dict[str, type[Model]],
    ) -> None:
        self.rng = rng
        self.anchor = anchor
        self._at = at
        self.bulk = bulk
        # the HUD files the seed writes, and their models
        self.models = models
        # the first (key) column of each file, for its id
        self.keys = {file: columns(file)[0].name for file in FILES}
        self.defects: dict[str, int] = {}
        self.populations: dict[str, int] = {}
        # files written with the reference rows (copy_rows), not the COPY buffers
        self.reference: dict[str, list[dict[str, Any]]] | None = None

    def new_id(self, file: str) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    def at(self, day: date, minutes: int | None = None) -> datetime:
        return self._at(day, 540 + self.rng.randint(0, 480) if minutes is None else minutes)

    def emit(self, file: str, row: dict[str, Any], created: datetime, user: str) -> None:
        if self.reference is not None:
            self.reference.setdefault(file, []).append(
                {"row": row, "created": created, "user": user}
            )
            return
        model = self.models.get(file)
        if model is not None:  # a file the seed's models do not have yet is left out
            self.bulk.add(model, self.record(model, file, row, created, user))

    def record(
        self, model: type[Model], file: str, row: dict[str, Any], created: datetime, user: str
    ) -> dict[str, Any]:
        """The model row of a HUD row: elements by the registry, ids as UUIDs, the trailer."""
        columns = table_columns(model)
        known = _known(model)
        out: dict[str, Any] = {}
        key = self.keys.get(file)
        for column, value in row.items():
            if value is None:
                continue
            if column == key:
                out["id"] = uuid.UUID(value)
                continue
            target, is_uuid = columns[column]
            if not target or target not in known:
                continue
            out[target] = uuid.UUID(value) if is_uuid and isinstance(value, str) else value
        for name, value in (
            ("created_at", created),
            ("updated_at", created),
            ("created_by_user_id", uuid.UUID(user) if user else None),
        ):
            if name in known and name not in out:
                out[name] = value
        return out

    @staticmethod
    def program(
        project: tuple[uuid.UUID, int, str], org: uuid.UUID, name: str, funders: tuple[int, ...]
    ) -> Program:
        """A seed project as the drawers' program."""
        return Program(project[0].hex, org.hex, name, project[1], project[2], funders)


@functools.cache
def _known(model: type[Model]) -> frozenset[str]:
    _relations_ready()
    return frozenset(model._meta.fields_db_projection.values())
