"""Per-request DataLoaders: relations resolve in one query per level, never one per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField
from tortoise.models import Model

__all__ = ["by_id", "many_by", "selected_below"]


def _fields(selections: list[Any]) -> Iterator[SelectedField]:
    """The fields of a selection set, through fragments and inline fragments."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:
            yield from _fields(selection.selections)


def selected_below(selected: list[Any], *paths: tuple[str, ...]) -> set[str]:
    """The names of the fields the request selects at each of ``paths`` below the field being
    resolved (``selected``: its ``info.selected_fields``, which strawberry rebuilds on every
    access, so a resolver reads it once; ``("nodes",)`` under a connection: the fields asked of
    every node). A field under a false ``@include``/``@skip`` counts as selected: a look-ahead
    may load what is not asked, never miss what is."""
    names: set[str] = set()
    for root in selected:
        for path in paths:
            level = [root]
            for step in path:
                level = [
                    child
                    for parent in level
                    for child in _fields(parent.selections)
                    if child.name == step
                ]
            names.update(child.name for parent in level for child in _fields(parent.selections))
    return names


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
