"""GraphQL fields of client data elements, derived from the element registry.

A type or input declares its own fields (ids, relations, resolvers) and takes its elements from
:func:`with_elements`: one field per element of a model, named, typed and documented from the
registry (``models.hud.elements``). A field the class declares itself keeps its declaration.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import strawberry

from models.hud.elements import Element, Registry, registry
from models.names import camel

__all__ = ["Mode", "with_elements"]

Mode = Literal["output", "create", "update"]
_T = TypeVar("_T", bound=type)


def _doc(item: Element, mode: Mode) -> str:
    text = item.doc()
    if mode != "output" and item.codes is not None:
        text += f" Codes ({item.codes.ref}): {item.codes.describe()}."
    if mode != "output" and item.codes_when is not None:
        name, value, codes = item.codes_when
        text += f" When {camel(name)} is {value}, codes ({codes.ref}): {codes.describe()}."
    if mode == "output" and item.category is not None:
        text += f" Null unless you may see {item.category.value}."
    return text


def _field(item: Element, mode: Mode) -> tuple[Any, Any]:
    """The annotation and the field of one element."""
    name = item.graphql_name
    description = _doc(item, mode)
    kind = item.kind
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
        return kind, strawberry.field(name=name, default=item.default, description=description)
    return kind, strawberry.field(name=name, description=description)


def with_elements(
    model: str, mode: Mode, *, after: str | None = None, elements: Registry | None = None
) -> Callable[[_T], _T]:
    """A class decorator (apply it below ``@strawberry.type``/``@strawberry.input``) that adds
    one field per element of ``model``: after the class's field ``after``, else after its own
    fields. ``create`` and ``update`` inputs take the elements a caller may set."""

    def add(cls: _T) -> _T:
        own: dict[str, Any] = dict(inspect.get_annotations(cls))
        added: dict[str, Any] = {}
        for item in (elements or registry()).of(model):
            if item.name in own or (mode != "output" and not item.settable):
                continue
            annotation, field = _field(item, mode)
            added[item.name] = annotation
            setattr(cls, item.name, field)
        names = list(own)
        at = names.index(after) + 1 if after is not None else len(names)
        merged = {n: own[n] for n in names[:at]} | added | {n: own[n] for n in names[at:]}
        cls.__annotations__ = merged
        return cls

    return add
