"""The compiled path: a client's record answered from one statement, without graphql-core's
executor (decision 208).

A document whose operation is ``client(id:)`` selecting plain fields of the client (its
elements, ``id``, ``version``, the timestamps) and its lists (``enrollments``, ``caseNotes``,
``releases``, and the paged ``enrollmentsConnection`` and ``caseNotesConnection`` with their
``nodes``, ``pageInfo`` and ``totalCount``) with plain fields of theirs (and an enrollment's
elements), with aliases and fragments, is compiled once into a :class:`Plan`: the root field's checks, the lists asked for as
columns of the statement that reads the client (each an array of whole rows), and for each field
how to read and serialize it. Running the plan:

* checks the root field as its field extensions would (the casbin permission, the input
  checks), and loads the client with the caller's access by the resolver's own function
  (:func:`schema.clients.queries.client_record`), the lists read in the same statement (row-level
  security binds them as every statement of the request);
* keeps each list's rows the caller may see by the list's declaration
  (:data:`schema.client_types.CLIENT_LISTS`: the client-data policy's Python statement of the
  rule the loaders send as SQL) and masks an enrollment's elements by the function its fields
  resolve with (:func:`schema.client_types.enrollment_element`);
* serializes each value with the field's own GraphQL type, and reports to the read audit
  (:class:`schema.audit.ReadBuffer`) the root field, the client, its lists and every row with the
  fields read, as the executor reports them.

Nothing of the policy is stated here: masking is the view's and the declarations', the audit
rows are written by :class:`~schema.audit.AuditReads` from the same reports. Anything else goes
the ordinary way: a document of another shape is never compiled; a refusal, an error, a null in
a non-null field or a value that does not serialize makes the plan give up before it has
reported anything, and graphql-core executes the operation as if the plan did not exist (so
errors, partial answers and DENIED rows are graphql-core's and the audit's own). The equality of
both paths (data, errors and audit rows, for every role) is ``tests/schema/test_compiled.py``'s.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from graphql.pyutils import Undefined
from prometheus_client import Counter
from strawberry.extensions import SchemaExtension
from strawberry.permission import PermissionExtension

from compat.graphql import (
    attribute_of,
    core_schema,
    field_definition,
    plain_field,
    provided_operation_name,
)
from compat.tortoise import from_row
from models.hud.elements import Element
from schema.client_types import CLIENT_LISTS, PAGED_LISTS, ClientList, enrollment_element
from schema.clients.queries import client_record
from schema.input_checks import InputChecks
from schema.operations import Refusable
from schema.relay import list_connection
from services.errors import DomainError

__all__ = ["OUTCOMES", "CompiledReads", "Plan", "compile_operation"]

log = logging.getLogger("hearth.compiled")

_ROOT_FIELD = "client"
# How the plans fared (``/metrics``, docs/operations.md): ``error`` counts what no plan should
# meet (a failure of its own or of the database), which graphql-core then answered.
OUTCOMES = Counter(
    "hearth_compiled_reads",
    "Requests of the compiled path's shape, by outcome: answered by their plan, gave_up (a "
    "refusal or an error, answered by graphql-core), error (an unexpected failure of the plan, "
    "answered by graphql-core).",
    ["outcome"],
)
_PLANS_KEPT = 256  # documents whose plan (or whose refusal to compile) is remembered


class _GiveUp(Exception):
    """The plan cannot answer this request as graphql-core would: the ordinary path does."""


@dataclass(frozen=True, slots=True)
class _Leaf:
    key: str  # response key
    field_name: str
    attribute: str
    leaf: Any  # the GraphQL scalar or enum type
    non_null: bool
    element: Element | None = None  # an enrollment's element with a category: masked per row


@dataclass(frozen=True, slots=True)
class _Object:
    """A field that is a plain attribute holding an object or a list of objects (a connection's
    ``nodes`` and ``pageInfo``), and the fields selected below it."""

    key: str
    field_name: str
    attribute: str
    is_list: bool
    non_null: bool
    items_non_null: bool
    fields: tuple[_Leaf | _Object, ...]


@dataclass(frozen=True, slots=True)
class _Page:
    """The arguments of a paged list (``enrollmentsConnection(first:, after:)``), coerced at run
    time by graphql-core and checked by the field's own ``InputChecks``."""

    node: FieldNode
    field_def: Any
    python_names: dict[str, str]  # GraphQL argument name -> the resolver's
    checks: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _List:
    """One of the client's lists (``CLIENT_LISTS``), unpaged (the fields of each row) or paged
    (``page``: the fields of the connection ``list_connection`` makes of the rows)."""

    key: str
    field_name: str
    rows: ClientList
    column: str  # the statement's column holding the list
    fields: tuple[_Leaf | _Object, ...]
    page: _Page | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """How to answer one operation of one document (see the module docstring)."""

    key: str  # the root field's response key
    id_literal: str | None
    id_variable: str | None
    checks: tuple[Any, ...]  # the root field's extensions, in the order strawberry runs them
    fields: tuple[_Leaf | _List, ...]
    lists: dict[str, str]  # the lists' columns, read with the client
    schema: GraphQLSchema
    variable_definitions: tuple[Any, ...]

    def variables(self, raw: dict[str, Any] | None) -> VariableValues:
        """The request's variables coerced as graphql-core coerces them before executing; any
        that does not coerce gives the plan up (graphql-core refuses the request)."""
        coerced = get_variable_values(self.schema, self.variable_definitions, raw or {})
        if isinstance(coerced, list):
            raise _GiveUp
        return coerced

    def client_id(self, variables: VariableValues) -> str:
        if self.id_literal is not None:
            return self.id_literal
        value = variables.coerced.get(self.id_variable or "", Undefined)
        if not isinstance(value, str):
            raise _GiveUp  # null: graphql-core's execution answers
        return value


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)


_Fragments = dict[str, FragmentDefinitionNode]


def _applies(condition: Any, parent: GraphQLObjectType) -> bool:
    """A fragment's type condition holds for objects of ``parent``: none, the type itself or one
    of its interfaces (the plan never meets an abstract type)."""
    if condition is None:
        return True
    name = condition.name.value
    return name == parent.name or any(i.name == name for i in parent.interfaces)


def _collect(
    selection_set: Any,
    parent: GraphQLObjectType,
    fragments: _Fragments,
    groups: dict[str, list[FieldNode]],
    spread: frozenset[str],
) -> bool:
    for selection in selection_set.selections:
        if selection.directives:
            return False  # @skip / @include: graphql-core decides
        if isinstance(selection, FieldNode):
            groups.setdefault((selection.alias or selection.name).value, []).append(selection)
            continue
        if isinstance(selection, InlineFragmentNode):
            inner, condition = selection.selection_set, selection.type_condition
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in spread:
                return False
            inner, condition = fragment.selection_set, fragment.type_condition
            spread = spread | {name}
        else:
            return False
        if not _applies(condition, parent):
            return False  # a condition that does not hold for the type: left to graphql-core
        if not _collect(inner, parent, fragments, groups, spread):
            return False
    return True


def _fields(
    selection_set: Any, parent: GraphQLObjectType, fragments: _Fragments
) -> list[FieldNode] | None:
    """The selection's fields, fragments spread (those whose condition holds for the type), each
    response key once: the fields of a key merged as graphql-core merges them (validation made
    them the same field with the same arguments; their selections are joined). None for
    directives, or fields of a key that are not the same."""
    if selection_set is None:
        return None
    groups: dict[str, list[FieldNode]] = {}
    if not _collect(selection_set, parent, fragments, groups, frozenset()):
        return None
    fields: list[FieldNode] = []
    for nodes in groups.values():
        first = nodes[0]
        if any(n.name.value != first.name.value for n in nodes):
            return None
        if len(nodes) == 1 or first.selection_set is None:
            fields.append(first)
            continue
        selections = tuple(
            selection for n in nodes if n.selection_set for selection in n.selection_set.selections
        )
        fields.append(
            FieldNode(
                alias=first.alias,
                name=first.name,
                arguments=first.arguments,
                directives=(),
                selection_set=SelectionSetNode(selections=selections),
            )
        )
    return fields


def _object_type(kind: Any) -> GraphQLObjectType | None:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind if isinstance(kind, GraphQLObjectType) else None


def _leaf(node: FieldNode, parent: GraphQLObjectType) -> _Leaf | None:
    name = node.name.value
    field_def = parent.fields.get(name)
    if field_def is None or node.arguments or node.selection_set is not None:
        return None
    key = (node.alias or node.name).value
    plain = plain_field(name, field_def)
    if plain is not None:
        return _Leaf(key, name, plain.attribute, plain.leaf, plain.non_null)
    definition = field_definition(field_def)
    resolver = getattr(definition, "base_resolver", None)
    item = getattr(getattr(resolver, "wrapped_func", None), "element", None)
    if parent.name != "Enrollment" or not isinstance(item, Element) or field_def.args:
        return None
    kind = field_def.type
    non_null = isinstance(kind, GraphQLNonNull)
    leaf = kind.of_type if non_null else kind
    return _Leaf(key, name, item.name, leaf, non_null, element=item)


def _object(node: FieldNode, parent: GraphQLObjectType, fragments: _Fragments) -> _Object | None:
    """A plain attribute holding an object (or a list of them) of a type with no ``is_type_of``."""
    name = node.name.value
    field_def = parent.fields.get(name)
    attribute = attribute_of(field_def) if field_def is not None else None
    if field_def is None or attribute is None or node.arguments:
        return None
    kind = field_def.type
    non_null = isinstance(kind, GraphQLNonNull)
    kind = kind.of_type if non_null else kind
    is_list = isinstance(kind, GraphQLList)
    items_non_null = False
    if is_list:
        kind = kind.of_type
        items_non_null = isinstance(kind, GraphQLNonNull)
        kind = kind.of_type if items_non_null else kind
    if not isinstance(kind, GraphQLObjectType) or kind.is_type_of is not None:
        return None
    fields = _selection(node.selection_set, kind, fragments)
    if fields is None:
        return None
    key = (node.alias or node.name).value
    return _Object(key, name, attribute, is_list, non_null, items_non_null, fields)


def _selection(
    selection_set: Any, parent: GraphQLObjectType, fragments: _Fragments
) -> tuple[_Leaf | _Object, ...] | None:
    """The plan of an object's selection: plain leaves, an enrollment's elements, and plain
    objects with their own selection; None when any field is something else."""
    selected = _fields(selection_set, parent, fragments)
    if not selected:
        return None
    fields: list[_Leaf | _Object] = []
    for node in selected:
        item = (
            _leaf(node, parent) if node.selection_set is None else _object(node, parent, fragments)
        )
        if item is None:
            return None
        fields.append(item)
    return tuple(fields)


def _page(node: FieldNode, field_def: Any) -> _Page | None:
    definition = field_definition(field_def)
    if definition is None:
        return None
    checks = []
    for extension in definition.extensions:
        if not isinstance(extension, InputChecks):
            return None
        checks.append(extension)
    names = {a.graphql_name or a.python_name: a.python_name for a in definition.arguments}
    return _Page(node, field_def, names, tuple(checks))


def _list(
    node: FieldNode, parent: GraphQLObjectType, index: int, fragments: _Fragments
) -> _List | None:
    name = node.name.value
    paged = name in PAGED_LISTS
    rows = CLIENT_LISTS.get(PAGED_LISTS.get(name, name))
    field_def = parent.fields.get(name)
    if rows is None or field_def is None or (node.arguments and not paged):
        return None
    page = _page(node, field_def) if paged else None
    if paged and page is None:
        return None
    kind = field_def.type
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    if not paged and not isinstance(kind, GraphQLList):
        return None
    item_type = _object_type(kind)
    fields = _selection(node.selection_set, item_type, fragments) if item_type is not None else None
    if fields is None:
        return None
    return _List((node.alias or node.name).value, name, rows, f"hearth_list_{index}", fields, page)


def _lists_sql(lists: list[_List]) -> dict[str, str]:
    """Each list asked for, as a column read with the client (``authz.clients.visible_by_id``'s
    ``also``): an array of the table's whole rows of the client, in the list's order
    (``compat.tortoise.from_row`` builds the models)."""
    columns = {}
    for item in lists:
        meta = item.rows.model._meta
        order = ", ".join(
            f't."{meta.fields_map[name].source_field or name}"' for name in item.rows.order
        )
        columns[item.column] = (
            f'ARRAY(SELECT t FROM "{meta.db_table}" t'  # noqa: S608 (declared names only)
            f' WHERE t."client_id" = "client"."id" ORDER BY {order})'
        )
    return columns


def _checks(field_def: Any) -> tuple[Any, ...] | None:
    """The root field's extensions, when every one is one the plan knows how to run."""
    definition = field_definition(field_def)
    if definition is None:
        return None
    checks = []
    for extension in definition.extensions:
        if isinstance(extension, Refusable):
            continue  # applied to the schema, nothing at run time
        if isinstance(extension, InputChecks | PermissionExtension):
            checks.append(extension)
            continue
        return None
    # strawberry runs the last extension first
    return tuple(reversed(checks))


def compile_operation(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> Plan | None:
    """The plan of the operation, or None when it is not of the shape the compiled path takes."""
    operation = _operation(document, operation_name)
    if operation is None or operation.operation != OperationType.QUERY or operation.directives:
        return None
    query_type = schema.query_type
    if query_type is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    roots = _fields(operation.selection_set, query_type, fragments)
    if roots is None or len(roots) != 1:
        return None
    root = roots[0]
    field_def = query_type.fields.get(root.name.value)
    client_type = _object_type(field_def.type) if field_def is not None else None
    if root.name.value != _ROOT_FIELD or field_def is None or client_type is None:
        return None
    checks = _checks(field_def)
    arguments = root.arguments or ()
    if checks is None or [a.name.value for a in arguments] != ["id"]:
        return None
    value = arguments[0].value
    literal = value.value if isinstance(value, StringValueNode) else None
    variable = value.name.value if isinstance(value, VariableNode) else None
    if literal is None and variable is None:
        return None
    selected = _fields(root.selection_set, client_type, fragments)
    if not selected:
        return None
    fields: list[_Leaf | _List] = []
    for node in selected:
        if node.selection_set is None:
            leaf = _leaf(node, client_type)
            if leaf is None:
                return None
            fields.append(leaf)
            continue
        listed = _list(node, client_type, len(fields), fragments)
        if listed is None:
            return None
        fields.append(listed)
    lists = [f for f in fields if isinstance(f, _List)]
    return Plan(
        (root.alias or root.name).value,
        literal,
        variable,
        checks,
        tuple(fields),
        _lists_sql(lists),
        schema,
        tuple(operation.variable_definitions or ()),
    )


def _serialize(leaf: _Leaf, value: Any) -> Any:
    """graphql-core's completion of a leaf value; what it would refuse gives the plan up."""
    if value is None:
        if leaf.non_null:
            raise _GiveUp
        return None
    try:
        serialized = leaf.leaf.serialize(value)
    except Exception as error:
        raise _GiveUp from error
    if serialized is None or serialized is Undefined:
        raise _GiveUp
    return serialized


async def _run_checks(plan: Plan, context: Any, client_id: str) -> None:
    info = SimpleNamespace(context=context)
    for check in plan.checks:
        if isinstance(check, InputChecks):
            check._check({"id": client_id})
            continue
        for permission in check.permissions:
            allowed = permission.has_permission(None, info)
            if hasattr(allowed, "__await__"):
                allowed = await allowed
            if not allowed:
                raise _GiveUp


_Reports = list[tuple[Any, list[tuple[str, Any]]] | None]


def _walk(
    source: Any,
    fields: tuple[_Leaf | _Object, ...],
    access: Any,
    reports: _Reports,
    observed: Any,
) -> dict[str, Any]:
    """An object's answer, as graphql-core completes it; its reads reported (for client data:
    ``observed``) before those of the objects below it, as the executor reports them."""
    slot = len(reports)
    reports.append(None)
    out: dict[str, Any] = {}
    reads: list[tuple[str, Any]] = []
    for field in fields:
        if isinstance(field, _Leaf):
            if field.element is not None:
                value = enrollment_element(field.element, source, access)
            else:
                value = getattr(source, field.attribute)
            reads.append((field.field_name, value))
            out[field.key] = _serialize(field, value)
            continue
        value = getattr(source, field.attribute)
        if value is None:
            if field.non_null:
                raise _GiveUp
            completed: Any = None
        elif field.is_list:
            if field.items_non_null and any(item is None for item in value):
                raise _GiveUp
            completed = [
                None if item is None else _walk(item, field.fields, access, reports, observed)
                for item in value
            ]
        else:
            completed = _walk(value, field.fields, access, reports, observed)
        reads.append((field.field_name, completed))
        out[field.key] = completed
    if observed(source):
        reports[slot] = (source, reads)
    return out


def _page_of(item: _List, rows: list[Any], variables: VariableValues) -> Any:
    """The connection the paged list's resolver makes of ``rows`` (``list_connection``)."""
    assert item.page is not None
    page = item.page
    try:
        arguments = get_argument_values(page.field_def, page.node, variables)
    except Exception as error:
        raise _GiveUp from error
    kwargs = {page.python_names.get(name, name): value for name, value in arguments.items()}
    for check in page.checks:
        check._check(kwargs)
    return list_connection(rows, kwargs["first"], kwargs.get("after"))


async def run(plan: Plan, context: Any, variables: dict[str, Any] | None) -> dict[str, Any]:
    """The operation's data; raises (:class:`_GiveUp`, a domain error, any error) when the
    ordinary path must answer. Reports to the read audit only once the answer is complete."""
    coerced = plan.variables(variables)
    client_id = plan.client_id(coerced)
    await _run_checks(plan, context, client_id)
    view = await client_record(context, client_id, plan.lists)
    access = view._access
    arrays = vars(view._model)
    buffer = getattr(context, "audit", None)
    observed = buffer.observes if buffer is not None else (lambda source: False)
    answer: dict[str, Any] = {}
    client_reads: list[tuple[str, Any]] = []
    reports: _Reports = []
    for item in plan.fields:
        if isinstance(item, _Leaf):
            value = getattr(view, item.attribute)
            client_reads.append((item.field_name, value))
            answer[item.key] = _serialize(item, value)
            continue
        model = item.rows.model
        rows = [from_row(model, r) for r in arrays[item.column]]
        rows = [row for row in rows if item.rows.keep(access, row)]
        completed: Any
        if item.page is None:
            completed = [_walk(row, item.fields, access, reports, observed) for row in rows]
        else:
            page = _page_of(item, rows, coerced)
            completed = _walk(page, item.fields, access, reports, observed)
        client_reads.append((item.field_name, completed))
        answer[item.key] = completed
    if buffer is not None:  # (none only where the read audit is off: the benchmark's audit-off app)
        buffer.root(plan.key, _ROOT_FIELD, {"id": client_id})
        buffer.read(view, client_reads)
        for report in reports:
            if report is not None:
                buffer.read(*report)
    return {plan.key: answer}


# (id of the graphql-core schema, the document's text, the operation's name) -> its plan
_PLANS: OrderedDict[tuple[int, str, str | None], Plan | None] = OrderedDict()


def _plan_for(schema: GraphQLSchema, execution_context: Any) -> Plan | None:
    document = execution_context.graphql_document
    query = execution_context.query
    if document is None or query is None:
        return None
    name = provided_operation_name(execution_context)
    key = (id(schema), query, name)
    if key in _PLANS:
        _PLANS.move_to_end(key)
        return _PLANS[key]
    plan = compile_operation(schema, document, name)
    _PLANS[key] = plan
    if len(_PLANS) > _PLANS_KEPT:
        _PLANS.popitem(last=False)
    return plan


class CompiledReads(SchemaExtension):
    """Answer a compilable operation by its plan (module docstring); after the read audit and the
    authentication in the schema's extensions, so both have run when the plan does."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution_context = self.execution_context
        context = execution_context.context
        if execution_context.result is None:
            plan = _plan_for(core_schema(execution_context.schema), execution_context)
            if plan is not None:
                try:
                    data = await run(plan, context, execution_context.variables)
                except (_GiveUp, DomainError):
                    OUTCOMES.labels("gave_up").inc()  # the ordinary path answers, with its errors
                except Exception:  # the same: the ordinary path meets it again, and reports it
                    OUTCOMES.labels("error").inc()
                    log.debug("compiled path gave up", exc_info=True)
                else:
                    OUTCOMES.labels("answered").inc()
                    execution_context.result = ExecutionResult(data=data, errors=None)
        yield
