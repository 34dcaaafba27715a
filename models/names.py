"""The API's spelling of a column name, shared by every layer (GraphQL names, error fields)."""

from __future__ import annotations

__all__ = ["camel"]


def camel(name: str) -> str:
    """``operating_start_date`` -> ``operatingStartDate``, as strawberry names fields."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
