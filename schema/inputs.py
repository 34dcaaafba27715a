"""Helpers every operation module shares to read inputs."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import strawberry
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.names import camel
from schema.hud_enums import plain
from services.errors import NotFound, ValidationFailed

__all__ = ["camel", "changes", "not_null", "one", "optional_id", "parse_id"]

_M = TypeVar("_M", bound=Model)


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
