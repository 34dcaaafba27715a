"""``schema.inputs.flat_input``: an input of leaves built straight from the coerced value is the
instance strawberry's own conversion builds (decision 182)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY
from strawberry.types.arguments import convert_argument

from models.enums import UserStatus
from schema.inputs import flat_input
from schema.users import SyncUserInput


@strawberry.input
class Plain:
    external_id: str | None = None
    status: UserStatus = UserStatus.ACTIVE
    note: str | None = strawberry.UNSET
    count: int = 3


@flat_input
@strawberry.input
class Flat:  # Plain's fields
    external_id: str | None = None
    status: UserStatus = UserStatus.ACTIVE
    note: str | None = strawberry.UNSET
    count: int = 3


def _fields(value: Any) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"externalId": "v-1"},
        {"externalId": None, "status": UserStatus.INACTIVE, "note": "n", "count": 0},
        {"note": None},
    ],
)
def test_a_flat_input_is_what_strawberry_builds(value: dict[str, Any]) -> None:
    # given the value graphql-core coerced for an input of leaves
    # when the flat input and strawberry's own conversion build it
    config = StrawberryConfig()
    built = convert_argument(dict(value), Flat, DEFAULT_SCALAR_REGISTRY, config)
    expected = convert_argument(dict(value), Plain, DEFAULT_SCALAR_REGISTRY, config)

    # then they hold the same fields
    assert type(built) is Flat
    assert _fields(built) == _fields(expected)


def test_the_sync_input_is_flat_and_a_nested_input_is_refused() -> None:
    # the vendor sync's input is built by the flat conversion
    assert SyncUserInput.__strawberry_definition__.from_input is not None  # type: ignore[attr-defined]

    # an input holding a list or another input cannot be
    @strawberry.input
    class Listed:
        names: list[str]

    @strawberry.input
    class Nested:
        plain: Plain | None = None

    for cls in (Listed, Nested):
        with pytest.raises(TypeError, match="not a flat input"):
            flat_input(cls)
