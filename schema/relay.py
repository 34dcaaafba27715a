"""Relay-style connections with keyset cursors, for UIs and for sync jobs walking every page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from services.pagination import Page

__all__ = ["Connection", "Edge", "PageInfo", "connection", "to_connection"]

T = TypeVar("T")


@strawberry.type(description="Where a page ends and whether another follows.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows this one.")
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
    total_count: int,
    end_cursor: str | None = None,
) -> Connection[Any]:
    """A page of ``nodes``; ``cursor_of(i)`` is the cursor of the i-th. ``end_cursor``, when
    given, is where the page ends (a page whose last rows were left out ends after them)."""
    if end_cursor is None and nodes:
        end_cursor = cursor_of(len(nodes) - 1)
    return Connection(
        nodes=nodes,
        page_info=PageInfo(has_next_page=has_next_page, end_cursor=end_cursor),
        total_count=total_count,
        _cursor_of=cursor_of,
    )


def to_connection(page: Page[Any], convert: Any = None) -> Connection[Any]:
    nodes = [convert(item) for item in page.items] if convert else list(page.items)
    return connection(
        nodes,
        lambda i: page.cursor(page.items[i]),
        has_next_page=page.has_next_page,
        total_count=page.total_count,
    )
