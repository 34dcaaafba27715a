"""Every text and decimal a client sends is checked before a resolver sees it.

GraphQL's ``String`` scalar cannot be replaced: graphql-core 3.3 refuses to redefine its
standard scalars ("Redefinition of reserved type 'String'"), so strawberry's scalar overrides
cannot reach it, and a scalar that refused a value would fail a whole ``syncUsers`` batch at
variable coercion where one item should fail alone. Instead, :class:`InputChecks`, a field
extension every root field carries (``schema.operations``), walks the converted arguments after
the permission check: every string (``String`` and ``ID``) through
``services.values.check_text``, every ``Decimal`` through ``check_decimal`` and every ``DateTime``
through ``check_moment``. The error is
VALIDATION naming the field as the service errors do (``consent.evidenceReference``,
``agencyIds[1]``; an argument other than ``input`` is named too).

Text is single-line unless its field or argument is declared with ``metadata=MULTILINE``
(notes, reasons, findings), where tabs and line breaks are allowed. A batch mutation declared
with ``batch=True`` leaves its list argument to the service, which checks each item so that a
bad item fails alone (``services.user_sync``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from services.values import check_decimal, check_moment, check_text

__all__ = ["MULTILINE", "InputChecks", "check_value"]

MULTILINE: Mapping[str, bool] = {"multiline": True}


def _name(python_name: str, graphql_name: str | None) -> str:
    return graphql_name or to_camel_case(python_name)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def check_value(value: Any, path: str, *, multiline: bool = False) -> None:
    """Check ``value`` and whatever it holds (input objects, lists) at ``path``."""
    if isinstance(value, str):
        check_text(value, path, multiline=multiline)
    elif isinstance(value, Decimal):
        check_decimal(value, path)
    elif isinstance(value, datetime):
        check_moment(value, path)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_value(item, f"{path}[{index}]", multiline=multiline)
    else:
        definition = get_object_definition(value)
        if definition is not None and definition.is_input:
            for field in definition.fields:
                check_value(
                    getattr(value, field.python_name),
                    _join(path, _name(field.python_name, field.graphql_name)),
                    multiline=bool(field.metadata.get("multiline")),
                )


class InputChecks(FieldExtension):
    """Check a root field's arguments (see the module docstring)."""

    def __init__(self, *, batch: bool = False) -> None:
        self.batch = batch
        self.arguments: dict[str, tuple[str, bool]] = {}

    def apply(self, field: StrawberryField) -> None:
        # the resolver's own arguments: what it is called with, once ``OneInput`` has unpacked
        # a generated input object
        resolver = field.base_resolver
        for argument in resolver.arguments if resolver is not None else field.arguments:
            name = _name(argument.python_name, argument.graphql_name)
            # the one input object of a mutation is not named in paths, as services name them
            self.arguments[argument.python_name] = (
                "" if name == "input" else name,
                bool(argument.metadata.get("multiline")),
            )

    def _check(self, kwargs: dict[str, Any]) -> None:
        for python_name, value in kwargs.items():
            path, multiline = self.arguments.get(python_name, (python_name, False))
            if self.batch and isinstance(value, list):
                continue  # each item is checked by the service, alone
            check_value(value, path, multiline=multiline)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        self._check(kwargs)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        self._check(kwargs)
        return await next_(source, info, **kwargs)
