"""graphql-core's executor, with plain fields read straight off the object and every field of an
observed object reported to an observer (Hearth's read audit, ``schema.audit``).

A page of 50 clients with their enrollments resolves about 1,200 fields, and nearly all of them
are plain: an attribute of the object, a scalar or enum type, no arguments, no resolver of their
own (strawberry's basic fields). For each such field stock graphql-core builds a resolve info
(fifteen values), a node list, calls the resolver, checks twice for an awaitable, and completes
the value through two levels of ``complete_value`` before coercing it: about 5 µs of the 7-10 µs a
field costs, to read one attribute (docs/decisions.md 71).

:class:`ObservedExecutionContext` overrides graphql-core 3.3's ``execute_fields``,
``execute_field`` and ``complete_iterable_value`` (methods it marks private) and reads
strawberry 0.341's field definitions (``GraphQLCoreConverter.DEFINITION_BACKREF``, the
``_is_default`` mark of a basic field's resolver):

- It decides once per selection (per grouped field set, which graphql-core memoises for every
  item of a list) which fields are plain, and then, per object, reads each plain field in the loop
  itself: the attribute, coerced with the type's own ``coerce_output_value`` (a ``str`` for
  ``String``/``ID``, an ``int`` in range for ``Int`` and a ``bool`` for ``Boolean`` are what
  coercion would return, so they pass as they are). Anything else goes the ordinary way: a field
  with a resolver, arguments or a middleware; a null in a non-null field and any value that does
  not coerce (graphql-core then raises the error it always raises, at the same path).
- It reports reads to the context's :class:`Observer` (``observer_of(context)``): the root
  fields with their arguments; for an object the observer observes, its plain fields once per
  object (before the first field with a resolver, so that an object is noted before what is
  nested in it) and every other field with its completed value. This is the only path by which
  the read audit learns what a request read.
- A list of objects is completed item by item straight through ``execute_fields``, skipping
  graphql-core's five levels per item when nothing differs.
- Tortoise models are not awaitables here. ``Model.__await__`` exists (``await instance`` gives
  the instance back), so graphql-core's ``is_awaitable`` takes every model in a list (an
  enrollment, a note) for a pending value: one coroutine and one task per item, gathered, to get
  the same object back (decision 76).

``tests/compat/test_graphql.py`` compares answers, errors and observed reads with graphql-core's
stock executor on a schema built to hit every branch; ``tests/schema/test_audit_paths.py``
compares Hearth's audit rows with those of a middleware on the stock executor.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Iterable
from decimal import Decimal
from types import CoroutineType, GeneratorType
from typing import Any, NamedTuple, Protocol, TypeGuard
from uuid import UUID

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry import Schema
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document
from strawberry.schema.schema_converter import GraphQLCoreConverter
from tortoise.models import Model

import compat  # noqa: F401 (checks the installed versions)

__all__ = [
    "ObservedExecutionContext",
    "Observer",
    "attribute_of",
    "core_schema",
    "field_definition",
    "plain_field",
    "validate_document",
]


class Observer(Protocol):
    """What an execution reports reads to."""

    def observes(self, source: Any) -> bool:
        """Whether reads of this object are reported."""

    def read(self, source: Any, fields: Iterable[tuple[str, Any]]) -> None:
        """``source``'s fields (GraphQL names) were read with these values (completed; none:
        the object itself was reached)."""

    def root(self, response_key: str, field_name: str, arguments: dict[str, Any]) -> None:
        """A root field was executed with these (coerced) arguments."""


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_ORDINARY = object()  # the attribute could not be read: the field goes the ordinary way


class _Plain(NamedTuple):
    field_name: str
    attribute: str
    leaf: Any  # GraphQLLeafType
    non_null: bool
    passes: type | None  # values of exactly this type are their own coerced value


def _passes(leaf: Any) -> type | None:
    if leaf is GraphQLString or leaf is GraphQLID:
        return str
    if leaf is GraphQLBoolean:
        return bool
    if leaf is GraphQLInt:
        return int
    return None


def attribute_of(field_def: Any) -> str | None:
    """The attribute a field reads when it is a plain attribute of its object (strawberry's
    default resolver, no arguments); None for any other field."""
    resolve = field_def.resolve
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        field_def.args
        or resolve is None
        or definition is None
        or not getattr(definition, "is_basic_field", False)
        or not getattr(resolve, "_is_default", False)
    ):
        return None
    name: str = definition.python_name
    return name


def plain_field(field_name: str, field_def: Any) -> _Plain | None:
    """How to read a field that is a plain attribute of its object (:func:`attribute_of`) of a
    scalar or enum type; None for any other field."""
    attribute = attribute_of(field_def)
    if attribute is None:
        return None
    return_type = field_def.type
    if isinstance(return_type, GraphQLNonNull):
        non_null, leaf = True, return_type.of_type
    else:
        non_null, leaf = False, return_type
    if not is_leaf_type(leaf):
        return None
    return _Plain(field_name, attribute, leaf, non_null, _passes(leaf))


def field_definition(field_def: Any) -> Any:
    """The strawberry field behind a graphql-core field (None for one strawberry did not make)."""
    return (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)


# Classes whose instances are never awaitable: no ``__await__`` (or Tortoise's, which returns the
# instance) and no ``__getattr__`` that could make one up. Grows to the schema's object classes;
# starts with the built-in values fields return (``_same_answer_for_all`` cannot vouch for them:
# a C type's ``__getattribute__`` is a slot of its own, not ``object``'s).
_NOT_AWAITABLE: set[type] = {
    type(None),
    bool,
    int,
    float,
    str,
    bytes,
    list,
    tuple,
    dict,
    set,
    frozenset,
    datetime.date,
    datetime.datetime,
    datetime.time,
    Decimal,
    UUID,
}


def _is_awaitable(value: Any) -> TypeGuard[Awaitable[Any]]:
    """graphql-core's test (strawberry's version of it), with Tortoise models not awaitable."""
    kind = type(value)
    if kind in _NOT_AWAITABLE:
        return False
    if isinstance(value, Model):
        if getattr(kind, "__await__", None) is Model.__await__:
            _NOT_AWAITABLE.add(kind)
            return False
        return optimized_is_awaitable(value)
    if optimized_is_awaitable(value):
        return True
    if _same_answer_for_all(kind, value):
        _NOT_AWAITABLE.add(kind)
    return False


def _same_answer_for_all(kind: type, value: Any) -> bool:
    """No instance of ``kind`` can be awaitable once one was not: nothing makes up attributes,
    and an instance either has no attributes of its own or is one of the schema's objects
    (strawberry types; none sets ``__await__`` on itself). Generators and coroutines are
    decided one by one."""
    if issubclass(kind, (GeneratorType, CoroutineType)):
        return False
    if (
        getattr(kind, "__getattr__", None) is not None
        or kind.__getattribute__ is not object.__getattribute__
    ):
        return False
    return not hasattr(value, "__dict__") or hasattr(kind, "__strawberry_definition__")


class ObservedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with the plain-field path and the observer described in the
    module. A subclass says where the observer is (:attr:`observer_of`)."""

    @staticmethod
    def observer_of(context: Any) -> Observer | None:
        """The observer of an execution, from its context (None: nothing is reported)."""
        return None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = _is_awaitable
        self.observer = type(self).observer_of(self.context_value)
        # id(grouped field set) -> (the set, kept alive so its id is not reused; its plan)
        self._plans: dict[int, tuple[Any, list[tuple[str, Any, _Plain | None]]]] = {}
        # id(field group) -> the group, for list fields without @stream (kept alive likewise)
        self._unstreamed: dict[int, Any] = {}

    def build_response(self, data: Any) -> Any:
        """graphql-core's; the plans and the observer are dropped first (this context waits in a
        reference cycle for the garbage collector, and what they hold need not wait with it:
        decision 79)."""
        self._plans.clear()
        self._unstreamed.clear()
        self.observer = None
        return super().build_response(data)

    def get_stream_usage(self, field_details_list: Any, path: Path) -> Any:
        """graphql-core's, remembered for lists that are not streamed: it caches only streamed
        ones, and reads the field's directives again for every list of every object (51 times
        for a page of 50 clients with their enrollments)."""
        if self._unstreamed.get(id(field_details_list)) is field_details_list:
            return None
        usage = super().get_stream_usage(field_details_list, path)
        if usage is None and not isinstance(path.key, int):
            self._unstreamed[id(field_details_list)] = field_details_list
        return usage

    def _plain(self, parent_type: GraphQLObjectType, field_details_list: Any) -> _Plain | None:
        first = field_details_list[0]
        node = first.node
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None or node.arguments or first.fragment_variable_values is not None:
            return None
        manager = self.middleware_manager
        resolve = field_def.resolve
        if manager is not None and resolve is not None:
            if manager.get_field_resolver(resolve) is not resolve:
                return None
        return plain_field(node.name.value, field_def)

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any
    ) -> list[tuple[str, Any, _Plain | None]]:
        key = id(grouped_field_set)
        known = self._plans.get(key)
        if known is None or known[0] is not grouped_field_set:
            plan = [
                (name, details, self._plain(parent_type, details))
                for name, details in grouped_field_set.items()
            ]
            known = self._plans[key] = (grouped_field_set, plan)
        return known[1]

    def _read(self, plain: _Plain, source: Any) -> tuple[Any, Any]:
        """The attribute and its completed value; ``_ORDINARY`` where graphql-core would raise (a
        null in a non-null field, a value that does not coerce, an attribute that fails): such a
        field goes the ordinary way and graphql-core raises its error."""
        try:
            value = getattr(source, plain.attribute)
        except Exception:
            return None, _ORDINARY
        if value is None:
            return None, _ORDINARY if plain.non_null else None
        kind = type(value)  # (``type(value) is ...`` would narrow ``value`` to ``object``)
        if kind is plain.passes and (kind is not int or _INT_MIN <= value <= _INT_MAX):
            return value, value
        try:
            return value, self.complete_leaf_value(plain.leaf, value)
        except Exception:
            return value, _ORDINARY

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's ``execute_fields``, with plain fields read in the loop itself and
        reported once per object (before the first field that has a resolver, so that the object
        is reported before anything nested in it)."""
        plan = self._plan(parent_type, grouped_field_set)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        read: list[tuple[str, Any]] = []
        observer = self.observer
        if observer is not None and not observer.observes(source_value):
            observer = None
        reported = False
        is_awaitable = self.is_awaitable
        try:
            for response_name, field_details_list, plain in plan:
                if plain is not None:
                    value, completed = self._read(plain, source_value)
                    # the value read is reported even when it does not complete (the resolver
                    # produced it; the stock path's middleware sees it)
                    read.append((plain.field_name, value))
                    if completed is not _ORDINARY:
                        results[response_name] = completed
                        continue
                if observer is not None and (read or not reported):
                    # the object is reported before anything nested in it
                    observer.read(source_value, read)
                    read = []
                    reported = True
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:  # as graphql-core: settle what other fields started
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        finally:
            if read and observer is not None:
                observer.read(source_value, read)
        if not awaitable_fields:
            return results
        return self._gathered(results, awaitable_fields)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        """graphql-core's ``execute_field``, reported to the observer: a root field with its
        arguments; a field of an observed object with its completed value."""
        observer = self.observer
        if observer is None:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        if path.prev is None:
            self._report_root(observer, parent_type, field_details_list, path)
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        if not observer.observes(source):
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        result = super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
        if result is Undefined:
            return result
        field_name = field_details_list[0].node.name.value
        if self.is_awaitable(result):
            return self._reported(observer, source, field_name, result)
        observer.read(source, ((field_name, result),))
        return result

    @staticmethod
    async def _reported(observer: Observer, source: Any, field_name: str, pending: Any) -> Any:
        value = await pending
        observer.read(source, ((field_name, value),))
        return value

    def _report_root(
        self,
        observer: Observer,
        parent_type: GraphQLObjectType,
        field_details_list: Any,
        path: Path,
    ) -> None:
        first = field_details_list[0]
        node = first.node
        field_def = self.schema.get_field(parent_type, node.name.value)
        arguments: dict[str, Any] = {}
        if field_def is not None and (field_def.args or node.arguments):
            try:
                arguments = get_argument_values(
                    field_def,
                    node,
                    self.variable_values,
                    first.fragment_variable_values,
                    self.hide_suggestions,
                )
            except Exception:  # noqa: S110 (execute_field reports the same error at its path)
                pass
        observer.root(str(path.key), node.name.value, arguments)

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Path,
        items: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's, with a list of objects completed item by item straight through
        ``execute_fields``: graphql-core goes through ``complete_list_item_value``, two levels of
        ``complete_value``, ``complete_object_value``, ``collect_and_execute_subfields`` and a
        memoised ``collect_subfields`` to get there, for every item (126 times for a page of 50
        clients with their enrollments). Only for a list (not an iterator) of an object type
        with no ``is_type_of``, not streamed, not deferred; a null or awaitable item goes the
        ordinary way, and an item whose fields fail is handled as graphql-core handles it."""
        non_null = isinstance(item_type, GraphQLNonNull)
        object_type = item_type.of_type if non_null else item_type
        if (
            type(items) is not list
            or position_context is not None
            or not isinstance(object_type, GraphQLObjectType)
            or object_type.is_type_of is not None
            or self.get_stream_usage(field_details_list, path) is not None
        ):
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        is_awaitable = self.is_awaitable
        execute_fields = self.execute_fields
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                item_path = path.add_key(index, None)
                if item is None or is_awaitable(item):  # the ordinary way
                    if item is not None:
                        append(
                            self.complete_awaitable_list_item_value(
                                item,
                                item_type,
                                field_details_list,
                                info,
                                item_path,
                                position_context,
                            )
                        )
                        awaitable_indices.append(index)
                    elif self.complete_list_item_value(
                        item,
                        completed_results,
                        item_type,
                        field_details_list,
                        info,
                        item_path,
                        position_context,
                    ):
                        awaitable_indices.append(index)
                    continue
                try:
                    completed = execute_fields(
                        object_type, item, item_path, grouped_field_set, None
                    )
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                    completed = None
                else:
                    if type(completed) is not dict:  # some field is pending
                        completed = self._await_item(
                            completed, item_type, field_details_list, item_path
                        )
                        awaitable_indices.append(index)
                append(completed)
        except Exception:
            pending = [completed_results[index] for index in awaitable_indices]
            if pending:  # as graphql-core: settle what other items started
                self.settle_in_background(pending)
            raise
        if not awaitable_indices:
            return completed_results
        return self._gathered_items(completed_results, awaitable_indices)

    async def _await_item(
        self, pending: Any, item_type: Any, field_details_list: Any, item_path: Path
    ) -> Any:
        """graphql-core's ``complete_list_item_value``'s ``await_completed``."""
        try:
            return await pending
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            return None

    @staticmethod
    async def _gathered_items(
        completed_results: list[Any], awaitable_indices: list[int]
    ) -> list[Any]:
        """graphql-core's ``get_completed_results``: the pending items awaited, in parallel."""
        if len(awaitable_indices) == 1:
            index = awaitable_indices[0]
            completed_results[index] = await completed_results[index]
        else:
            awaited = await gather_with_cancel(
                *(completed_results[index] for index in awaitable_indices)
            )
            for index, value in zip(awaitable_indices, awaited, strict=True):
                completed_results[index] = value
        return completed_results

    @staticmethod
    async def _gathered(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        """graphql-core's ``get_results``: the awaitable fields awaited, in parallel."""
        if len(awaitable_fields) == 1:
            name = awaitable_fields[0]
            results[name] = await results[name]
        else:
            awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results


# Validation outside strawberry's own pipeline (schema.limits) uses what strawberry 0.341's
# ValidationCache uses: ``validate_document`` (graphql-core's rules plus strawberry's own), and
# graphql-core's schema, which strawberry keeps in ``_schema`` with no public accessor.


def core_schema(schema: Schema) -> GraphQLSchema:
    """graphql-core's schema behind a strawberry schema."""
    return schema._schema


def provided_operation_name(context: Any) -> str | None:
    """The operation name the request gave, or None. Strawberry 0.341's ``ExecutionContext``
    keeps it in ``_provided_operation_name``; its public ``operation_name`` falls back to the
    document's first operation, so that a document of several operations sent without a name
    would run its first one instead of being refused as GraphQL's GetOperation requires."""
    name: str | None = context._provided_operation_name
    return name
