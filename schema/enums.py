"""GraphQL enums from the models' Python enums, with a description on every value.

Models never import strawberry, so their members cannot carry ``strawberry.enum_value``;
:func:`described_enum` registers the enum as ``strawberry.enum`` does and gives each value its
description from ``values``, refusing (at import) an enum whose members and ``values`` differ,
so that a member added later cannot go out undescribed.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

__all__ = ["described_enum"]

E = TypeVar("E", bound=type[Enum])


def described_enum(
    cls: E, *, description: str, values: Mapping[str, str], name: str | None = None
) -> E:
    """``strawberry.enum(cls, name=name, description=description)``, each value described."""
    strawberry.enum(cls, name=name, description=description)
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    members = {value.name for value in definition.values}
    if members != set(values):
        raise ValueError(
            f"{definition.name}: describe exactly its values; "
            f"missing {sorted(members - set(values))}, unknown {sorted(set(values) - members)}"
        )
    for value in definition.values:
        value.description = values[value.name]
    return cls
