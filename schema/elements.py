"""GraphQL fields of client data elements, derived from the element registry.

A type or input declares its own fields (ids, relations, resolvers) and takes its elements from
:func:`with_elements`: one field per element of a model, named, typed and documented from the
registry (``models.hud.elements``). A field the class declares itself keeps its declaration.
An element with a HUD value list is the list's enum (``schema.hud_enums``), in outputs and inputs
alike; one whose list depends on another element of the row (``codes_when``) stays ``Int``, its
description listing the codes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import strawberry

from models.hud.codes import column_codes_when
from models.hud.elements import Element, Registry, registry
from models.names import camel
from schema.hud_enums import hud_enum

__all__ = ["Mode", "enum_of", "with_elements"]

Mode = Literal["output", "create", "update"]
_T = TypeVar("_T", bound=type)


def enum_of(item: Element) -> type | None:
    """The GraphQL enum an element's values take (None: an ``Int`` or text element)."""
    return hud_enum(item.codes) if item.codes_when is None else None


def _doc(item: Element, mode: Mode) -> str:
    text = item.doc()
    if item.codes is not None and enum_of(item) is None:
        text += f" Codes ({item.codes.ref}): {item.codes.describe_labels()}."
    if item.codes_when is not None:
        name, value, codes = item.codes_when
        text += f" When {camel(name)} is {value}, codes ({codes.ref}): {codes.describe_labels()}."
    elif item.codes is None and item.file is not None and item.column is not None:
        for when in column_codes_when(item.file, item.column):
            conditions = (*when.requires, (when.when_column, when.when_value))
            on = " and ".join(f"{column[:1].lower()}{column[1:]} {v}" for column, v in conditions)
            text += f" When {on}, codes ({when.codes.ref}): {when.codes.describe_labels()}."
    if mode == "output" and item.category is not None:
        text += f" Null unless you may see {item.category.value}."
    return text


def _field(item: Element, mode: Mode) -> tuple[Any, Any]:
    """The annotation and the field of one element."""
    name = item.graphql_name
    description = _doc(item, mode)
    enum = enum_of(item)
    kind: Any = enum or item.kind
    if mode == "output":
        masked = item.category is not None or item.nullable
        return (kind | None if masked else kind), strawberry.field(
            name=name, description=description
        )
    if mode == "update":
        return kind | None, strawberry.field(
            name=name, default=strawberry.UNSET, description=description
        )
    if item.nullable:
        return kind | None, strawberry.field(name=name, default=None, description=description)
    if item.has_default:
        default = enum(item.default) if enum is not None else item.default
        return kind, strawberry.field(name=name, default=default, description=description)
    return kind, strawberry.field(name=name, description=description)


# Makes the field of an element with a category from (the element, its annotation, its
# description): a resolver that masks it (a type whose rows are not masked before they are served).
Guard = Callable[[Element, Any, str], Any]


def with_elements(
    model: str,
    mode: Mode,
    *,
    after: str | None = None,
    elements: Registry | None = None,
    guard: Guard | None = None,
) -> Callable[[_T], _T]:
    """A class decorator (apply it below ``@strawberry.type``/``@strawberry.input``) that adds
    one field per element of ``model``: after the class's field ``after``, else after its own
    fields. ``create`` and ``update`` inputs take the elements a caller may set. ``guard``
    (outputs) makes the fields of the elements with a category."""

    def add(cls: _T) -> _T:
        own: dict[str, Any] = dict(inspect.get_annotations(cls))
        added: dict[str, Any] = {}
        for item in (elements or registry()).of(model):
            if item.name in own or (mode != "output" and not item.settable):
                continue
            annotation, field = _field(item, mode)
            if guard is not None and mode == "output" and item.category is not None:
                setattr(cls, item.name, guard(item, annotation, field.description))
                continue
            added[item.name] = annotation
            setattr(cls, item.name, field)
        names = list(own)
        at = names.index(after) + 1 if after is not None else len(names)
        merged = {n: own[n] for n in names[:at]} | added | {n: own[n] for n in names[at:]}
        cls.__annotations__ = merged
        return cls

    return add
