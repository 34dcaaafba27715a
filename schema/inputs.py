"""Helpers every operation module shares to read inputs."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

import strawberry
from strawberry.types.arguments import InputContext
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.names import camel
from schema.hud_enums import plain
from services.errors import NotFound, ValidationFailed

__all__ = ["camel", "changes", "flat_input", "not_null", "one", "optional_id", "parse_id"]

_M = TypeVar("_M", bound=Model)
_T = TypeVar("_T")


def flat_input(cls: type[_T]) -> type[_T]:
    """An input type whose fields are all leaves (scalars and enums, nullable or not), built
    straight from the value graphql-core coerced, through strawberry's ``from_input`` hook,
    instead of strawberry's generic conversion, which resolves every field's type again for every
    value (a ``syncUsers`` batch converts 100 of them: about 3 ms of its CPU). The instance is
    the same: a leaf is passed through as graphql-core coerced it (strawberry does the same), an
    omitted field takes the class's default. A field holding a list or an input object, whose
    conversion this would skip, is refused when the class is decorated. Decision 182."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    for field in definition.fields:
        type_ = field.type
        while isinstance(type_, StrawberryOptional):
            type_ = type_.of_type
        if isinstance(type_, StrawberryList) or has_object_definition(type_):
            raise TypeError(f"{cls.__name__}.{field.python_name} is not a leaf: not a flat input")
    names: list[tuple[str, str]] = []

    def build(target: type, value: Mapping[str, Any], context: InputContext) -> Any:
        if not names:  # the schema's name converter, known once the schema is built
            names.extend(
                (context.config.name_converter.from_field(field), field.python_name)
                for field in definition.fields
            )
        return target(**{python: value[graphql] for graphql, python in names if graphql in value})

    definition.from_input = build
    return cls


def changes(data: Any) -> dict[str, Any]:
    """The input fields the caller actually sent (UNSET ones are left alone); a HUD list's enum
    value is its HUD code."""
    return {
        name: plain(value) for name, value in vars(data).items() if value is not strawberry.UNSET
    }


def not_null(values: dict[str, Any], *names: str) -> dict[str, Any]:
    """Refuse an explicit null for fields that may be omitted but never cleared."""
    for name in names:
        if name in values and values[name] is None:
            raise ValidationFailed(f"{camel(name)} cannot be null.", field=camel(name))
    return values


def parse_id(value: Any, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationFailed("Not a valid id.", field=field) from None


def optional_id(value: Any, field: str) -> uuid.UUID | None:
    """An id the caller may leave out (None stays None)."""
    return None if value is None else parse_id(value, field)


async def one(qs: QuerySet[_M], id: Any, what: str) -> _M:
    """The row with this id within the caller's scope, or NOT_FOUND (never saying which)."""
    row = await qs.filter(id=parse_id(id, "id")).first()
    if row is None:
        raise NotFound(f"No such {what}, or you may not see it.", field="id")
    return row
