"""Relay-style connections with keyset cursors, for UIs and for sync jobs walking every page."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import strawberry

from services.pagination import Page

__all__ = ["Connection", "Edge", "PageInfo", "to_connection"]

T = TypeVar("T")


@strawberry.type(description="Where a page ends and whether another follows.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when another page follows this one.")
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` to get the next page. Null on an empty page."
    )


@strawberry.type(description="One item of a page, with the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description="A page of items in a stable order. Walk with `first` and `after: pageInfo.endCursor`."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items, each with its cursor.")
    nodes: list[T] = strawberry.field(description="The items alone.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int = strawberry.field(description="How many items match in all pages.")


def to_connection(page: Page[Any], convert: Any = None) -> Connection[Any]:
    nodes = [convert(item) for item in page.items] if convert else list(page.items)
    cursors = [page.cursor(item) for item in page.items]
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_next_page, end_cursor=cursors[-1] if cursors else None
        ),
        total_count=page.total_count,
    )
