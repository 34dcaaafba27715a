"""Per-request DataLoaders: relations resolve in one query per level, never one per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader
from tortoise.models import Model

__all__ = ["by_id", "many_by"]


def by_id(context: Any, model: type[Model]) -> DataLoader[Any, Any]:
    """Load instances of ``model`` by primary key, batched."""
    key = ("id", model)
    if key not in context.loaders:

        async def load(ids: Sequence[Any]) -> list[Any]:
            rows = {row.pk: row for row in await model.filter(id__in=list(ids))}
            return [rows.get(i) for i in ids]

        context.loaders[key] = DataLoader(load_fn=load)
    return context.loaders[key]


def many_by(
    context: Any, model: type[Model], column: str, order: str = "id"
) -> DataLoader[Any, Any]:
    """Load lists of ``model`` rows grouped by a foreign-key column, batched."""
    key = ("many", model, column)
    if key not in context.loaders:

        async def load(ids: Sequence[Any]) -> list[list[Any]]:
            grouped: dict[Any, list[Any]] = defaultdict(list)
            for row in await model.filter(**{f"{column}__in": list(ids)}).order_by(order):
                grouped[getattr(row, column)].append(row)
            return [grouped.get(i, []) for i in ids]

        context.loaders[key] = DataLoader(load_fn=load)
    return context.loaders[key]
