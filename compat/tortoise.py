"""Tortoise internals: model instances straight from rows, and selects that build them so.

Tortoise 1.1 builds an instance from a row through ``Model._init_from_db``, which sets four
bookkeeping attributes through ``Model.__setattr__``; each call tests ``hasattr(self,
"_await_when_save")``, raising and catching an AttributeError until the last is set: a third of
the cost of building an instance. Its executor also copies each row into a dict, a list of items
and a dict again before building the instance (its path for joined models, which every select
takes). :func:`from_row` and :class:`RowsExecutor` skip both. ``tests/compat`` proves that the
instances are the ones Tortoise builds (fields, bookkeeping, saving and relations work).
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from tortoise.backends.asyncpg.executor import AsyncpgExecutor
from tortoise.backends.base.executor import CHUNK_SIZE
from tortoise.models import Model

import compat  # noqa: F401 (checks the installed versions)

__all__ = ["RowsExecutor", "from_row"]

_M = TypeVar("_M", bound=Model)


def from_row(model: type[_M], row: Any) -> _M:
    """``model._init_from_db(**row)``, setting the bookkeeping attributes directly. Fields are set
    as Tortoise sets them; a row without every column (a partial select) goes to Tortoise."""
    meta = model._meta
    self = model.__new__(model)
    _setattr = object.__setattr__
    _setattr(self, "_partial", False)
    _setattr(self, "_saved_in_db", True)
    _setattr(self, "_custom_generated_pk", meta.db_pk_column not in meta.generated_db_fields)
    _setattr(self, "_await_when_save", {})
    try:
        for key, model_field, _field in meta.db_native_fields:
            _setattr(self, model_field, row[key])
        for key, model_field, field in meta.db_default_fields:
            if (value := row[key]) is not None:
                value = field.field_type(value)
            _setattr(self, model_field, value)
        for key, model_field, field in meta.db_complex_fields:
            _setattr(self, model_field, field.to_python_value(row[key]))
    except KeyError:
        return model._init_from_db(**row)
    return self


class RowsExecutor(AsyncpgExecutor):
    """Tortoise's asyncpg executor; a select of one model's rows (no joined models, nothing
    prefetched) builds each instance with :func:`from_row`, custom (annotated) fields included."""

    async def execute_select(
        self, sql: str, values: list[Any] | None = None, custom_fields: list[Any] | None = None
    ) -> list[Any]:
        joined = self.select_related_idx
        if (
            not joined
            or len(joined) != 1
            or joined[0][0] is not self.model
            or self.prefetch_map
            or self._prefetch_queries
        ):
            return await super().execute_select(sql, values, custom_fields)
        _, rows = await self.db.execute_query(sql, values)
        model = self.model
        instances = []
        for index, row in enumerate(rows):
            if index and index % CHUNK_SIZE == 0:  # as Tortoise: let others run between chunks
                await asyncio.sleep(0)
            instance = from_row(model, row)
            for name in custom_fields or ():
                object.__setattr__(instance, name, row[name])
            instances.append(instance)
        return instances
