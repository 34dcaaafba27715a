"""GraphQL operations generated from the checked-in SDL (``schema.graphql``, what outside clients
run codegen against), as Hypothesis strategies, and the "everything" selection of a type.

An operation is one root field with its arguments passed as variables, and a random selection
below it: a few fields of each object type, some aliased, down to a depth; interfaces and unions
through inline fragments. Argument values come from pools (the sentinels' ids and markers,
dates, quarters) mixed with arbitrary text and numbers, so that most operations reach data and
some are refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    get_named_type,
    is_leaf_type,
    is_required_argument,
    is_required_input_field,
)
from hypothesis import strategies as st

__all__ = ["Pools", "everything", "operations", "sdl_schema"]

ROOT = Path(__file__).resolve().parents[2]


@cache
def sdl_schema() -> GraphQLSchema:
    return build_schema((ROOT / "schema.graphql").read_text())


@dataclass(frozen=True)
class Pools:
    """Values the generated arguments draw from. ``ids`` by kind (client, enrollment, release,
    caseNote, agency...): an argument ``enrollmentId`` draws enrollments' ids, an ``id`` those
    of its field's kind (``client(id:)``: clients), any other all of them."""

    ids: dict[str, tuple[str, ...]]
    strings: tuple[str, ...]
    dates: tuple[str, ...] = ("2026-03-02", "2026-02-20", "1950-01-01", "2099-12-31")

    def ids_for(self, name: str, owner: str) -> tuple[str, ...]:
        kind = name[: -len("Id")] if name.endswith("Id") else owner
        found = self.ids.get(kind) or self.ids.get(owner)
        return found or tuple(i for ids in self.ids.values() for i in ids)


Draw = Callable[[st.SearchStrategy[Any]], Any]


@dataclass
class _Builder:
    draw: Draw
    pools: Pools
    budget: int
    variables: dict[str, Any] = field(default_factory=dict)
    declarations: list[str] = field(default_factory=list)
    names: itertools.count[int] = field(default_factory=itertools.count)

    def value(self, type_: GraphQLInputType, name: str, owner: str) -> Any:
        if not isinstance(type_, GraphQLNonNull) and self.draw(st.integers(0, 7)) == 0:
            return None
        type_ = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(type_, GraphQLList):
            count = self.draw(st.integers(0, 3))
            return [self.value(type_.of_type, name, owner) for _ in range(count)]
        if isinstance(type_, GraphQLEnumType):
            return self.draw(st.sampled_from(sorted(type_.values)))
        if isinstance(type_, GraphQLInputObjectType):
            return self.input_object(type_, owner)
        return self.scalar(type_.name, name, owner)

    def input_object(self, type_: GraphQLInputObjectType, owner: str) -> dict[str, Any]:
        values = {}
        for key, item in type_.fields.items():
            if is_required_input_field(item) or self.draw(st.integers(0, 3)) == 0:
                values[key] = self.value(item.type, key, owner)
        if not values and type_.fields:  # all optional (a search): at least one of them
            key = self.draw(st.sampled_from(sorted(type_.fields)))
            values[key] = self.value(type_.fields[key].type, key, owner)
        return values

    def scalar(self, type_name: str, name: str, owner: str) -> Any:
        draw, pools = self.draw, self.pools
        odd = draw(st.integers(0, 11)) == 0  # now and then a value from outside the pools
        if name == "after":  # a cursor: this API's own are walked by the tests of pagination
            return draw(st.text(max_size=8)) if odd else None
        if type_name == "ID":
            if odd:
                return draw(st.uuids().map(str) | st.just("not-an-id"))
            return draw(st.sampled_from(pools.ids_for(name, owner)))
        if type_name == "Int":
            if name in ("first", "last"):
                return draw(st.integers(-1, 120))
            return draw(st.integers(-2, 12) | st.integers(-(2**31), 2**31 - 1))
        if type_name == "Float":
            return draw(st.floats(allow_nan=False, allow_infinity=False))
        if type_name == "Boolean":
            return draw(st.booleans())
        if type_name == "Date":
            return "2026-02-30" if odd else draw(st.sampled_from(pools.dates))
        if type_name == "DateTime":
            return draw(st.sampled_from(pools.dates).map(lambda d: f"{d}T12:00:00+00:00"))
        if type_name == "Decimal":
            return draw(st.sampled_from(("0", "943", "12.50", "-1", "1e9", "abc")))
        if type_name == "JSON":
            return draw(st.sampled_from(({}, [], "x", 1)))
        # String and anything else text-like: a pool value, a quarter, or arbitrary text
        if odd:
            return draw(st.text(max_size=12))
        return draw(
            st.sampled_from(pools.strings)
            | st.sampled_from(("2026-Q1", "2026Q1", "lastName", "enrollments", "caseNotes"))
        )

    def arguments(self, field_: GraphQLField, owner: str) -> str:
        given = []
        for name, argument in field_.args.items():
            if not is_required_argument(argument) and self.draw(st.integers(0, 2)) != 0:
                continue
            variable = f"v{next(self.names)}"
            self.declarations.append(f"${variable}: {argument.type}")
            self.variables[variable] = self.value(argument.type, name, owner)
            given.append(f"{name}: ${variable}")
        return f"({', '.join(given)})" if given else ""

    def selection(self, type_: Any, depth: int) -> str:
        if isinstance(type_, GraphQLUnionType):
            kinds = self.draw(
                st.lists(st.sampled_from(type_.types), min_size=1, max_size=3, unique=True)
            )
            parts = [f"... on {kind.name} {{ {self.selection(kind, depth)} }}" for kind in kinds]
            return "__typename " + " ".join(parts)
        fields: dict[str, GraphQLField] = type_.fields
        names = self.draw(
            st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=6, unique=True)
        )
        parts = []
        for name in names:
            text = self.field(name, fields[name], depth)
            if text:
                parts.append(text)
        if isinstance(type_, GraphQLInterfaceType):
            schema = sdl_schema()
            kind = self.draw(st.sampled_from(schema.get_possible_types(type_)))
            parts.append(f"... on {kind.name} {{ {self.selection(kind, depth)} }}")
        return " ".join(parts) or "__typename"

    def field(self, name: str, field_: GraphQLField, depth: int) -> str | None:
        target = get_named_type(field_.type)
        if not is_leaf_type(target) and (depth <= 0 or self.budget <= 0):
            return None
        self.budget -= 1
        alias = f"a{next(self.names)}: " if self.draw(st.integers(0, 4)) == 0 else ""
        head = f"{alias}{name}{self.arguments(field_, name)}"
        if is_leaf_type(target):
            return head
        return f"{head} {{ {self.selection(target, depth - 1)} }}"


@st.composite
def operations(
    draw: Draw,
    roots: tuple[tuple[str, str], ...],
    pools: Pools,
    depth: int = 4,
    budget: int = 40,
) -> tuple[str, dict[str, Any]]:
    """An operation on one of ``roots`` (("query" | "mutation", field name)) and its variables."""
    kind, name = draw(st.sampled_from(roots))
    schema = sdl_schema()
    root_type = schema.query_type if kind == "query" else schema.mutation_type
    assert root_type is not None
    builder = _Builder(draw, pools, budget)
    text = builder.field(name, root_type.fields[name], depth)
    header = f"{kind}({', '.join(builder.declarations)})" if builder.declarations else kind
    return f"{header} {{ {text} }}", builder.variables


def everything(
    type_name: str, depth: int, arguments: Callable[[str, GraphQLField], str] | None = None
) -> str:
    """Every field of the type, down to ``depth`` levels of objects (interfaces and unions by
    every possible type); a field whose arguments ``arguments`` cannot give (it answers "-") is
    left out."""
    schema = sdl_schema()

    def select(type_: Any, level: int) -> str:
        if isinstance(type_, GraphQLUnionType):
            kinds = type_.types
            return "__typename " + " ".join(
                f"... on {k.name} {{ {select(k, level)} }}" for k in kinds
            )
        parts = []
        for name, field_ in type_.fields.items():
            given = arguments(name, field_) if arguments else ""
            if given == "-":
                continue
            target = get_named_type(field_.type)
            if is_leaf_type(target):
                parts.append(f"{name}{given}")
            elif level > 0:
                parts.append(f"{name}{given} {{ {select(target, level - 1)} }}")
        if isinstance(type_, GraphQLInterfaceType):
            for kind in schema.get_possible_types(type_):
                parts.append(f"... on {kind.name} {{ {select(kind, level)} }}")
        return " ".join(parts) or "__typename"

    found = schema.get_type(type_name)
    assert isinstance(found, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
    return select(found, depth)
