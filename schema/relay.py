"""Relay's conventions: connections with keyset cursors (for UIs and for sync jobs walking every
page), the ``Node`` interface and its global ids."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from services.errors import ValidationFailed
from services.pagination import Page, check_page_size, decode_cursor, encode_cursor

__all__ = [
    "AFTER",
    "FIRST",
    "Connection",
    "Edge",
    "Node",
    "PageInfo",
    "connection",
    "from_global_id",
    "list_connection",
    "node_type_name",
    "register_node_model",
    "to_connection",
    "to_global_id",
]

T = TypeVar("T")


@strawberry.type(
    description="Where a page starts and ends, and whether pages come before and after it. "
    "Hearth pages forward only (`first` and `after`), as the Relay connection specification allows."
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows this one.")
    has_previous_page: bool = strawberry.field(
        description="True when this page was asked for `after` a cursor, so items come before it "
        "in the order; false on the first page. Forward paging never counts what came before: "
        "were every earlier item deleted since, it is still true."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item. Null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` to get the next page. Null when the page read nothing."
    )


@strawberry.type(description="One item of a page, with the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description="A page of items in a stable order. Walk with `first` and `after: pageInfo.endCursor`."
)
class Connection(Generic[T]):
    # The edges (and every item's cursor) are made only when asked for: a list that reads
    # `nodes` and `pageInfo` needs one cursor, the last.
    edges: list[Edge[T]] = strawberry.field(
        resolver=lambda root: [
            Edge(cursor=root._cursor_of(i), node=node) for i, node in enumerate(root.nodes)
        ],
        description="The items, each with its cursor.",
    )
    nodes: list[T] = strawberry.field(description="The items alone.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int = strawberry.field(description="How many items match in all pages.")
    _cursor_of: strawberry.Private[Callable[[int], str]]  # the cursor of the item at this index


def connection(
    nodes: list[Any],
    cursor_of: Callable[[int], str],
    *,
    has_next_page: bool,
    has_previous_page: bool,
    total_count: int,
    end_cursor: str | None = None,
) -> Connection[Any]:
    """A page of ``nodes``; ``cursor_of(i)`` is the cursor of the i-th. ``end_cursor``, when
    given, is where the page ends (a page whose last rows were left out ends after them).
    ``has_previous_page``: the page was asked for after a cursor."""
    if end_cursor is None and nodes:
        end_cursor = cursor_of(len(nodes) - 1)
    return Connection(
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=has_next_page,
            has_previous_page=has_previous_page,
            start_cursor=cursor_of(0) if nodes else None,
            end_cursor=end_cursor,
        ),
        total_count=total_count,
        _cursor_of=cursor_of,
    )


def to_connection(page: Page[Any], convert: Any = None) -> Connection[Any]:
    nodes = [convert(item) for item in page.items] if convert else list(page.items)
    return connection(
        nodes,
        lambda i: page.cursor(page.items[i]),
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        total_count=page.total_count,
    )


# The arguments of a nested connection (a page of one object's list).
FIRST = Annotated[int, strawberry.argument(description="How many items (0 to 100) the page holds.")]
AFTER = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this cursor (`pageInfo.endCursor` of the previous page); "
        "null for the first page."
    ),
]


def list_connection(rows: Sequence[Any], first: int, after: str | None) -> Connection[Any]:
    """A page of a list already loaded in its order (one object's rows, from its DataLoader, so
    that a page of parents still costs one statement per list). The cursor names an item; a
    cursor of an item no longer on the list is refused (VALIDATION on ``after``)."""
    check_page_size(first)
    start = 0
    if after is not None:
        key = decode_cursor(after)
        positions = [i for i, row in enumerate(rows) if row.pk == key]
        if not positions:
            raise ValidationFailed("The cursor is not an item of this list.", field="after")
        start = positions[0] + 1
    nodes = list(rows[start : start + first])
    return connection(
        nodes,
        lambda i: encode_cursor(nodes[i].pk),
        has_next_page=start + first < len(rows),
        has_previous_page=start > 0,
        total_count=len(rows),
    )


# Global ids: base64url of "TypeName:HearthId", opaque to clients. The Hearth id alone does not
# say which table it is in; the global id does, so node(id:) goes straight to the type's lookup.
_SEPARATOR = ":"
# Model classes whose rows are the objects of a Node type, by class (views carry their name).
_NODE_MODELS: dict[type, str] = {}


def to_global_id(type_name: str, key: Any) -> str:
    return base64.urlsafe_b64encode(f"{type_name}{_SEPARATOR}{key}".encode()).decode()


def from_global_id(value: Any, field: str = "id") -> tuple[str, uuid.UUID]:
    """The type name and the Hearth id a global id names; VALIDATION on ``field`` when it is not
    one this API issued (the type is not checked here: node(id:) knows the types)."""
    try:
        raw = base64.urlsafe_b64decode(str(value).encode("ascii")).decode()
        type_name, _, key = raw.partition(_SEPARATOR)
        if not type_name.isidentifier():
            raise ValueError(raw)
        return type_name, uuid.UUID(key)
    except (ValueError, binascii.Error, UnicodeError):
        raise ValidationFailed(
            "Not a global id: pass a `nodeId` this API returned.", field=field
        ) from None


def register_node_model(model: type, type_name: str) -> None:
    """Rows of ``model`` are the objects of the Node type ``type_name``."""
    _NODE_MODELS[model] = type_name


def node_type_name(obj: Any) -> str:
    """The GraphQL type of an object that implements Node (a view, or a model row)."""
    definition = getattr(obj, "__strawberry_definition__", None)
    if definition is not None:
        return str(definition.name)
    return _NODE_MODELS[type(obj)]


@strawberry.interface(
    description="An object you can fetch again by its global id alone, with `node(id:)` (Relay's "
    "object identification). Its `id` is the Hearth id that every other argument takes; its "
    "`nodeId` is the global id."
)
class Node:
    @strawberry.field(
        description="The global id: opaque, unique across every type. Pass it to `node(id:)`; "
        'other arguments take `id`. Relay clients set `nodeInterfaceIdField: "nodeId"`.'
    )
    def node_id(self, root: strawberry.Parent[Any]) -> strawberry.ID:
        return strawberry.ID(to_global_id(node_type_name(root), root.id))

    @classmethod
    def resolve_type(cls, obj: Any, *_: Any) -> str:
        return node_type_name(obj)
