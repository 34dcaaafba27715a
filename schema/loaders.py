"""Per-request DataLoaders: relations resolve in one query per level, never one per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField
from tortoise.models import Model

from models.users import User
from schema.context import Context

__all__ = ["by_id", "many_by", "selected_below", "username"]

_M = TypeVar("_M", bound=Model)


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


def by_id(context: Context, model: type[_M]) -> DataLoader[UUID, _M | None]:
    """Load instances of ``model`` by primary key, batched. An id with no row loads as None
    (through a foreign key there is always a row; were there none, a non-null field's resolver
    returns None and graphql-core reports the null as it always does)."""
    key = ("id", model)
    if key not in context.loaders:

        async def load(ids: Sequence[UUID]) -> list[_M | None]:
            rows = {row.pk: row for row in await model.filter(id__in=list(ids))}
            return [rows.get(i) for i in ids]

        context.loaders[key] = DataLoader(load_fn=load)
    loader: DataLoader[UUID, _M | None] = context.loaders[key]
    return loader


def many_by(
    context: Context, model: type[_M], column: str, *order: str
) -> DataLoader[UUID, list[_M]]:
    """Load lists of ``model`` rows grouped by a foreign-key column, batched, in ``order`` (by
    id when none is given)."""
    order = order or ("id",)
    key = ("many", model, column, order)
    if key not in context.loaders:

        async def load(ids: Sequence[UUID]) -> list[list[_M]]:
            grouped: dict[UUID, list[_M]] = defaultdict(list)
            for row in await model.filter(**{f"{column}__in": list(ids)}).order_by(*order):
                grouped[getattr(row, column)].append(row)
            return [grouped.get(i, []) for i in ids]

        context.loaders[key] = DataLoader(load_fn=load)
    loader: DataLoader[UUID, list[_M]] = context.loaders[key]
    return loader


async def username(context: Context, user_id: UUID) -> str:
    """A user's username, through :func:`by_id` (for a foreign key to a user)."""
    user = await by_id(context, User).load(user_id)
    assert user is not None  # a foreign key's row exists
    return user.username
