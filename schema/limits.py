"""Document limits measured in one pass over the fragment graph, before validation.

A fragment may be spread many times, and each spread may spread others: expanded, a document of
a few hundred bytes can stand for millions of fields (twenty fragments, each spreading the next
twice). Walking the expansion costs as much as executing it, so nothing here walks it: each
fragment is measured once, in dependency order, and a spread adds the fragment's measure (depth,
aliases, fields, cost, spreads) where it stands. The time taken is linear in the document's size
whatever its expansion; the numbers saturate at :data:`CEILING`. A spread that closes a cycle is
refused at once.

What is measured, for each operation and over the whole document, fragments expanded:

* depth: fields nested in fields (a leaf counts 0, introspection fields are not counted), as
  strawberry's ``QueryDepthLimiter`` counted it;
* aliases, fields and fragment spreads: how many, as if every spread were written out;
* cost: every field counts once for each item of the pages around it; a field with a page size
  argument (``first``/``last``) multiplies what is below it by that size: the literal given, the
  argument's default when it is left out, the largest page (``Limits.page_size``) for a variable;
* repeated fields: fields selected again where a field of the same response key is already
  selected, found on the merged expansion once the limits above show it to be small.

:class:`LimitedValidation` runs the check before graphql-core's validation (a refused document is
not validated further) and caches both by document, as strawberry's ``ValidationCache`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from strawberry.extensions import SchemaExtension

from compat.graphql import core_schema, provided_operation_name, validate_document

__all__ = ["CEILING", "LimitedValidation", "Limits", "Measure", "measure", "refusals"]

# Saturation: measures of a hostile document stop growing here (a few bits more than any limit).
CEILING = 1 << 40
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
_PAGE_ARGUMENTS = ("first", "last")


@dataclass(frozen=True, slots=True)
class Limits:
    """What a document may ask for (settings ``HEARTH_MAX_*``), and the caches' sizes."""

    max_depth: int = 12
    max_tokens: int = 4000
    max_aliases: int = 30
    max_fields: int = 2000
    max_cost: int = 50_000
    max_fragment_spreads: int = 500
    max_repeated_fields: int = 100
    # The page size a `first: $variable` counts as: the largest a connection serves.
    page_size: int = 100
    parser_cache_size: int = 256
    validation_cache_size: int = 256
    introspection: bool = True


@dataclass(slots=True)
class Measure:
    """What a selection (an operation, a fragment, a field's subselection) asks for."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0
    cost: int = 0
    spreads: int = 0

    def add(self, other: Measure) -> None:
        self.depth = max(self.depth, other.depth)
        self.aliases = min(self.aliases + other.aliases, CEILING)
        self.fields = min(self.fields + other.fields, CEILING)
        self.cost = min(self.cost + other.cost, CEILING)
        self.spreads = min(self.spreads + other.spreads, CEILING)


_NOTHING = Measure()


class _Walk:
    """One document's measurement: fragments first (each once), then the operations."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, page_size: int) -> None:
        self.schema = schema
        self.page_size = page_size
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, Measure] = {}
        self.cycles: list[str] = []  # fragments spread within themselves
        for name in self._dependency_order(document):
            fragment = self.fragments[name]
            kind = self._named(fragment.type_condition.name.value)
            self.measured[name] = self.selection(fragment.selection_set, kind)

    def _named(self, name: str) -> GraphQLNamedType | None:
        return self.schema.get_type(name)

    def _dependency_order(self, document: DocumentNode) -> list[str]:
        """The fragments the operations use, each after those it spreads (iteratively: a chain
        of spreads is as long as the document allows). A spread that closes a cycle is noted
        in :attr:`cycles` and left out."""
        order: list[str] = []
        state: dict[str, bool] = {}  # False: on the current path; True: ordered
        roots = [
            name
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
            for name in _spreads(d.selection_set)
        ]
        for root in roots:
            stack: list[tuple[str, Iterator[str]]] = []
            if root in self.fragments and root not in state:
                state[root] = False
                stack.append((root, iter(_spreads(self.fragments[root].selection_set))))
            while stack:
                name, pending = stack[-1]
                following = next(pending, None)
                if following is None:
                    stack.pop()
                    state[name] = True
                    order.append(name)
                elif following in self.fragments and following not in state:
                    state[following] = False
                    stack.append(
                        (following, iter(_spreads(self.fragments[following].selection_set)))
                    )
                elif state.get(following) is False and following not in self.cycles:
                    self.cycles.append(following)
        return order

    def repeats(self, document: DocumentNode) -> int:
        """How many fields are selected again where a field of the same response key already is
        (by another fragment, or written twice): graphql-core compares each such pair for
        conflicts, at every level below them too, so their number squared is its work. Found on
        the merged expansion: call it only for a document kept to the other limits (acyclic,
        its expansion no larger than the field and spread limits)."""
        repeated = 0
        pending: list[tuple[SelectionSetNode, dict[str, Any]]] = [
            (d.selection_set, {})
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        ]
        while pending:
            selection_set, merged = pending.pop()
            for node in selection_set.selections:
                if isinstance(node, FieldNode):
                    key = (node.alias or node.name).value
                    if key in merged:
                        repeated += 1
                    children = merged.setdefault(key, {})
                    if node.selection_set is not None:
                        pending.append((node.selection_set, children))
                elif isinstance(node, InlineFragmentNode):
                    pending.append((node.selection_set, merged))
                elif isinstance(node, FragmentSpreadNode) and node.name.value in self.fragments:
                    pending.append((self.fragments[node.name.value].selection_set, merged))
        return repeated

    def selection(self, selection_set: SelectionSetNode, kind: GraphQLNamedType | None) -> Measure:
        total = Measure()
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total.add(self.field(node, kind))
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner = self._named(condition.name.value) if condition else kind
                total.add(self.selection(node.selection_set, inner))
            elif isinstance(node, FragmentSpreadNode):
                total.add(self.measured.get(node.name.value, _NOTHING))
                total.spreads = min(total.spreads + 1, CEILING)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        definition = _field(parent, node.name.value)
        below = _NOTHING
        if node.selection_set is not None:
            child = get_named_type(definition.type) if definition else None
            below = self.selection(node.selection_set, child)
        pages = self._page_size(node, definition)
        flat = node.name.value.startswith("__") or node.selection_set is None
        return Measure(
            depth=0 if flat else 1 + below.depth,
            aliases=min(below.aliases + (node.alias is not None), CEILING),
            fields=min(below.fields + 1, CEILING),
            cost=min(1 + pages * below.cost, CEILING),
            spreads=below.spreads,
        )

    def _page_size(self, node: FieldNode, definition: GraphQLField | None) -> int:
        given = {a.name.value: a.value for a in node.arguments or ()}
        size = 1
        for name in _PAGE_ARGUMENTS:
            value = given.get(name)
            if isinstance(value, IntValueNode):
                size = max(size, min(int(value.value), CEILING))
            elif isinstance(value, VariableNode):
                size = max(size, self.page_size)
            elif value is None and definition is not None and name in definition.args:
                default = definition.args[name].default_value
                if isinstance(default, int) and not isinstance(default, bool):
                    size = max(size, min(default, CEILING))
        return size


def _spreads(selection_set: SelectionSetNode) -> list[str]:
    """The fragments spread directly in a selection (at any depth, not through other spreads)."""
    names: list[str] = []
    pending = [selection_set]
    while pending:
        for node in pending.pop().selections:
            if isinstance(node, FragmentSpreadNode):
                names.append(node.name.value)
            elif isinstance(node, FieldNode | InlineFragmentNode) and node.selection_set:
                pending.append(node.selection_set)
    return names


def _field(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if name == "__schema":
        return SchemaMetaFieldDef
    if name == "__type":
        return TypeMetaFieldDef
    field: GraphQLField | None = None
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        field = parent.fields.get(name)
    return field


def _operations(walk: _Walk, document: DocumentNode) -> dict[str, Measure]:
    measures: dict[str, Measure] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = walk.schema.get_root_type(definition.operation)
            name = definition.name.value if definition.name else "anonymous"
            measures[name] = walk.selection(definition.selection_set, root)
    return measures


def measure(
    schema: GraphQLSchema, document: DocumentNode, *, page_size: int = 100
) -> dict[str, Measure]:
    """Each operation's measure, by name (``anonymous`` for the unnamed one)."""
    return _operations(_Walk(schema, document, page_size), document)


# Limits over the whole document: the error's extensions.limit, what is counted, the maximum,
# and the message ({count} and {maximum} filled in). Depth is per operation, below.
_TOTALS = (
    ("aliases", "aliases", "max_aliases", "{count} aliases found. Allowed: {maximum}"),
    (
        "fields",
        "fields",
        "max_fields",
        "The document selects {count} fields (fragments counted where they are spread). "
        "Allowed: {maximum}",
    ),
    (
        "fragmentSpreads",
        "spreads",
        "max_fragment_spreads",
        "The document spreads fragments {count} times (counted through the fragments they "
        "spread). Allowed: {maximum}",
    ),
    (
        "cost",
        "cost",
        "max_cost",
        "The document's cost is {count} (each field once per item of the pages around it). "
        "Allowed: {maximum}",
    ),
)
_REPEATED = (
    "The document selects {count} fields again where the same response key is already "
    "selected. Allowed: {maximum}"
)


def _refused(limit: str, template: str, count: int, maximum: int) -> GraphQLError:
    shown = f"more than {maximum}" if count >= CEILING else str(count)
    return GraphQLError(
        template.format(count=shown, maximum=maximum),
        extensions={"code": VALIDATION_FAILED, "limit": limit, "maximum": maximum},
    )


def refusals(schema: GraphQLSchema, document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    """One error for each limit the document passes; none if it keeps to them all."""
    walk = _Walk(schema, document, limits.page_size)
    if walk.cycles:
        return [
            GraphQLError(
                f"Cannot spread fragment '{name}' within itself.",
                extensions={"code": VALIDATION_FAILED},
            )
            for name in walk.cycles
        ]
    measures = _operations(walk, document)
    total = Measure()
    for each in measures.values():
        total.add(each)
    errors = [
        _refused(
            "depth",
            f"'{name}' exceeds maximum operation depth of {{maximum}}",
            each.depth,
            limits.max_depth,
        )
        for name, each in measures.items()
        if each.depth > limits.max_depth
    ]
    for limit, counted, setting, template in _TOTALS:
        count, maximum = getattr(total, counted), getattr(limits, setting)
        if count > maximum:
            errors.append(_refused(limit, template, count, maximum))
    if not errors:
        # Only now is the expansion known to be small enough to walk.
        repeats = walk.repeats(document)
        if repeats > limits.max_repeated_fields:
            errors.append(
                _refused("repeatedFields", _REPEATED, repeats, limits.max_repeated_fields)
            )
    return errors


@cache
def _checked_validation(limits: Limits) -> Callable[..., list[GraphQLError]]:
    """Limits, then graphql-core's rules, cached by document (shared by every request)."""

    def validate(schema: GraphQLSchema, document: DocumentNode, rules: Any) -> list[GraphQLError]:
        return refusals(schema, document, limits) or validate_document(schema, document, rules)

    return lru_cache(maxsize=limits.validation_cache_size)(validate)


# graphql-core's own words for GetOperation's refusal (execution's "Must provide operation name").
SEVERAL_OPERATIONS = "Must provide operation name if query contains multiple operations."


class LimitedValidation(SchemaExtension):
    """Validation: the document limits first, then the schema's rules; both cached."""

    def __init__(self, limits: Limits) -> None:
        self.validate = _checked_validation(limits)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        errors = self.validate(
            core_schema(context.schema), context.graphql_document, context.validation_rules
        )
        if not errors and provided_operation_name(context) is None:
            document = context.graphql_document
            operations = (
                sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
                if document is not None
                else 0
            )
            if operations > 1:
                errors = [GraphQLError(SEVERAL_OPERATIONS)]
        context.pre_execution_errors = errors
        yield
