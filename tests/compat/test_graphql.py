"""Hearth's executor (compat/graphql.py) against graphql-core's stock one, on a small schema
whose values are chosen to hit every branch: values that pass as they are, values that need the
type's coercion, values that do not coerce, nulls in non-null fields (and the null that bubbles
up to the nearest nullable parent), aliases, fragments, directives, fields with resolvers. The
answers, the errors (message, path, location) and the reads reported to the observer must be the
same as a middleware on the stock executor reports; and the plain fields must really be read
without their resolvers, or the comparison proves nothing."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError

import compat.graphql as executor_module
from compat.graphql import ObservedExecutionContext
from tests.schema.audit_reference import MiddlewareAudit


@strawberry.enum(name="Shade")
class Shade(enum.Enum):
    LIGHT = "light"
    DARK = "dark"


@strawberry.type
class Part:
    label: str
    weight: int | None


@strawberry.type
class Item:
    name: str
    nickname: str | None
    count: int
    maybe: int | None
    shade: Shade
    when: datetime.date | None
    ident: strawberry.ID
    flag: bool
    ratio: float | None
    parts: list[Part]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def scaled(self, by: int = 2) -> int:
        return self.count * by


def _item(**overrides: Any) -> Item:
    values: dict[str, Any] = {
        "name": "kettle",
        "nickname": None,
        "count": 3,
        "maybe": 7,
        "shade": Shade.DARK,
        "when": datetime.date(2026, 3, 2),
        "ident": "item-1",
        "flag": True,
        "ratio": 0.5,
        "parts": [Part(label="lid", weight=2), Part(label="spout", weight=None)],
    }
    values.update(overrides)
    return Item(**values)


ITEMS = [
    _item(),
    _item(
        name="pot", ident=uuid.UUID("12345678-1234-5678-1234-567812345678"), count=True, maybe=None
    ),
    _item(
        name="pan", nickname=5, ident=42, when=None, ratio=2, flag=False, shade="dark"
    ),  # coerced
    _item(name="jug", maybe=2**31),  # Int out of range: an error, null
    _item(name="cup", nickname=["not", "a", "string"]),  # does not coerce: an error, null
    _item(name="mug", shade="purple"),  # not a value of the enum: an error bubbling to the item
    _item(name=None),  # null in a non-null field: the item becomes null
    _item(name="bowl", parts=[Part(label=None, weight=1), Part(label="rim", weight=2**40)]),  # type: ignore[arg-type]
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return ITEMS

    @strawberry.field
    def first(self) -> Item:
        return ITEMS[0]


QUERY = """
query Q($skip: Boolean!, $by: Int!) {
  items {
    __typename
    name
    alias: name
    nickname count maybe shade when ident flag ratio
    shout
    scaled(by: $by)
    ...ItemBits
    hidden: count @skip(if: $skip)
    shown: maybe @include(if: $skip)
    parts { label weight }
  }
  first { name count parts { ... on Part { label } } }
}
fragment ItemBits on Item { when name count }
"""


class _Observer:
    """Observes every object; records each field read, and whether it counts as read (a value
    that is not null, not an empty list)."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str, bool]] = []
        self.roots: list[tuple[str, str, tuple[str, ...]]] = []

    def observes(self, source: Any) -> bool:
        return source is not None

    def read(self, source: Any, fields: Any) -> None:
        self.calls.extend(
            (id(source), name, value is not None and value != []) for name, value in fields
        )

    def fields_read(self) -> set[tuple[int, str]]:
        """What the read audit counts: a field is read when any report gave it a value."""
        return {(source, name) for source, name, counted in self.calls if counted}

    def root(self, response_key: str, field_name: str, arguments: dict[str, Any]) -> None:
        self.roots.append((response_key, field_name, tuple(sorted(arguments))))


class _Context:
    def __init__(self) -> None:
        self.audit = _Observer()


class _Observed(ObservedExecutionContext):
    observer_of = staticmethod(lambda context: getattr(context, "audit", None))


def _schema(*, fast: bool, query: Any = None) -> strawberry.Schema:
    """Hearth's executor, or the stock one with the reference middleware reporting reads."""
    if fast:
        return strawberry.Schema(query=query or Query, execution_context_class=_Observed)
    return strawberry.Schema(query=query or Query, extensions=[MiddlewareAudit])


def _errors(errors: list[GraphQLError] | None) -> list[tuple[Any, ...]]:
    return sorted(
        (e.message, tuple(e.path or ()), tuple((loc.line, loc.column) for loc in e.locations or ()))
        for e in errors or []
    )


@pytest.mark.parametrize("skip", [True, False])
def test_answers_errors_and_audit_notes_are_those_of_the_stock_executor(
    monkeypatch: pytest.MonkeyPatch, skip: bool
) -> None:
    runs = {}
    for fast in (True, False):
        context = _Context()
        result = _schema(fast=fast).execute_sync(
            QUERY, variable_values={"skip": skip, "by": 3}, context_value=context
        )
        runs[fast] = (
            result.data,
            _errors(result.errors),
            context.audit.fields_read(),
            sorted(context.audit.roots),
        )

    fast_run, stock_run = runs[True], runs[False]
    assert fast_run[0] == stock_run[0]
    assert fast_run[1] == stock_run[1]
    # The middleware sees a resolver's value before it is completed, the executor reports the
    # completed value: they differ only where completion raises past the field (here the bowl's
    # parts: a part with a null label nulls the bowl), and the client receives no value there.
    bowl = next(item for item in ITEMS if item.name == "bowl")
    assert fast_run[2] == stock_run[2] - {(id(bowl), "parts")}
    assert fast_run[3] == stock_run[3] == [("first", "first", ()), ("items", "items", ())]
    # and the values chosen did hit the branches: coercion, errors, bubbling nulls
    data, errors, _, _ = fast_run
    items = data["items"]
    assert (items[1]["ident"], items[1]["count"]) == ("12345678-1234-5678-1234-567812345678", 1)
    assert (items[2]["nickname"], items[2]["ident"], items[2]["ratio"]) == ("5", "42", 2.0)
    assert (items[3]["maybe"], items[4]["nickname"]) == (None, None)
    assert items[5:] == [None, None, None]
    assert {path[:2] for _, path, _ in errors} == {
        ("items", 3),
        ("items", 4),
        ("items", 5),
        ("items", 6),
        ("items", 7),
    }
    assert any(
        "Cannot return null for non-nullable field Item.name." == message
        for message, _, _ in errors
    )


def test_plain_fields_are_read_without_their_resolvers(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {True: 0, False: 0}
    for fast in (True, False):
        schema = _schema(fast=fast)
        field = schema._schema.type_map["Item"].fields["count"]
        original = field.resolve

        def counting(root: Any, info: Any, _original: Any = original, _fast: bool = fast) -> Any:
            calls[_fast] += 1
            return _original(root, info)

        counting._is_default = True  # type: ignore[attr-defined]  (strawberry's mark of a basic field)
        monkeypatch.setattr(field, "resolve", counting)
        result = schema.execute_sync("{ items { count } first { count } }")
        assert result.data is not None
    assert calls[False] == len(ITEMS) + 1
    assert calls[True] == 0


def test_a_field_with_middleware_goes_the_ordinary_way() -> None:
    # a middleware that wraps every resolver (as the audit middleware wraps fields with resolvers
    # of their own) must see plain fields too when it does not leave them alone
    seen: list[str] = []

    class Watch(strawberry.extensions.SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    schema = strawberry.Schema(query=Query, extensions=[Watch], execution_context_class=_Observed)
    result = schema.execute_sync("{ first { name count } }")
    assert result.data == {"first": {"name": "kettle", "count": 3}}
    assert (seen.count("name"), seen.count("count")) == (1, 1)


class _Lazy:
    """Makes up attributes: may answer differently for each instance, so it is never cached."""

    def __init__(self, awaitable: bool) -> None:
        self._awaitable = awaitable

    def __getattr__(self, name: str) -> Any:
        if name == "__await__" and self._awaitable:
            return lambda: iter(())
        raise AttributeError(name)


def test_is_awaitable_is_graphql_cores_answer_except_for_tortoise_models() -> None:
    from graphql.pyutils import is_awaitable as graphql_is_awaitable

    from models.enrollments import Enrollment

    async def pending() -> int:
        return 1

    coroutine = pending()
    try:
        values: list[Any] = [
            coroutine,
            1,
            "a",
            None,
            uuid.uuid4(),
            datetime.date(2026, 1, 1),
            Shade.DARK,
            _item(),
            Part(label="lid", weight=None),
            _Lazy(False),
            _Lazy(True),
            _Lazy(False),
            object(),
        ]
        for _ in range(2):  # the second time from the cache
            for value in values:
                assert executor_module._is_awaitable(value) is graphql_is_awaitable(value), value
        # a Tortoise model has an __await__ that gives itself back: not a pending value here
        enrollment = Enrollment()
        assert graphql_is_awaitable(enrollment)
        assert executor_module._is_awaitable(enrollment) is False
        assert Enrollment in executor_module._NOT_AWAITABLE
        assert _Lazy not in executor_module._NOT_AWAITABLE
    finally:
        coroutine.close()


@strawberry.type
class Slow:
    n: int
    label: str | None

    @strawberry.field
    async def later(self) -> int:
        if self.n == 3:
            raise ValueError("boom")
        return self.n * 10

    @strawberry.field
    def inner(self) -> list[Part]:
        return [Part(label="a", weight=self.n), Part(label=self.label, weight=None)]  # type: ignore[arg-type]


async def _slow(n: int) -> Slow:
    return Slow(n=n, label="x")


@strawberry.type
class ListQuery:
    @strawberry.field
    def loose(self) -> list[Slow | None]:
        return [
            Slow(n=1, label="x"),
            None,
            Slow(n=3, label="x"),
            Slow(n=4, label=None),
            Slow(n=5, label="y"),
        ]

    @strawberry.field
    def strict(self) -> list[Slow] | None:
        return [Slow(n=1, label="x"), Slow(n=3, label="x")]  # the error in item 1 nulls the list

    @strawberry.field
    def holes(self) -> list[Slow] | None:
        return [Slow(n=1, label="x"), None]  # type: ignore[list-item]  (null in a list of non-null)

    @strawberry.field
    def pending(self) -> list[Slow]:
        return [_slow(1), _slow(2)]  # type: ignore[list-item]  (awaitable items)

    @strawberry.field
    def tupled(self) -> list[Part]:
        return (Part(label="t", weight=1),)  # type: ignore[return-value]  (not a list: the stock way)


LIST_QUERY = """
{
  loose { n later label inner { label weight } }
  strict { n later }
  holes { n }
  pending { n later inner { label } }
  tupled { label }
}
"""


async def test_lists_of_objects_complete_as_the_stock_executor_completes_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    by_item: list[Any] = []  # items completed graphql-core's way, item by item
    stock = _Observed.complete_list_item_value

    def counted(self: Any, item: Any, *args: Any) -> Any:
        by_item.append(item)
        return stock(self, item, *args)

    monkeypatch.setattr(_Observed, "complete_list_item_value", counted)
    runs = {}
    for fast in (True, False):
        schema = _schema(fast=fast, query=ListQuery)
        result = await schema.execute(LIST_QUERY)
        runs[fast] = (result.data, _errors(result.errors))
    assert runs[True] == runs[False]
    data, errors = runs[True]
    # the cases were hit: a null item, a failing pending field, nulls bubbling to the item and to
    # the list, awaitable items, a tuple
    assert data["loose"][1:4] == [None, None, None]
    assert data["loose"][4] == {
        "n": 5,
        "later": 50,
        "label": "y",
        "inner": [{"label": "a", "weight": 5}, {"label": "y", "weight": None}],
    }
    assert (data["strict"], data["holes"]) == (None, None)
    assert data["pending"] == [
        {"n": 1, "later": 10, "inner": [{"label": "a"}, {"label": "x"}]},
        {"n": 2, "later": 20, "inner": [{"label": "a"}, {"label": "x"}]},
    ]
    assert data["tupled"] == [{"label": "t"}]
    # Hearth's executor completed only the two null items and the tuple's item item by item
    assert [item for item in by_item if not isinstance(item, Part)] == [None, None]
    assert [item.label for item in by_item if isinstance(item, Part)] == ["t"]
    assert {path for _, path, _ in errors} >= {
        ("loose", 2, "later"),
        ("strict", 1, "later"),
        ("holes", 1),
    }
