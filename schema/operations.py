"""Decorators for root fields: each declares its permission, and its description says which.

Every root field also checks the text and decimals it is sent (``schema.input_checks``), after
the permission check; ``batch=True`` leaves a list argument's items to the service, so that one
bad item fails alone.

Every mutation takes its arguments as one ``input`` object (:class:`OneInput`): a resolver
written with plain keyword arguments gets a generated ``<Name>Input`` type holding them, and
keeps its signature. An ``input`` argument without a description takes its type's.

Every root field is nullable in the schema (:class:`Refusable`): any of them can be refused
(UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, VALIDATION, ...), and a refusal must null that field
alone, not the whole ``data`` of a document that asked for several.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import FieldExtension
from strawberry.field_extensions import InputMutationExtension
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryOptional, get_object_definition
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import capitalize_first, to_camel_case

from schema.input_checks import InputChecks
from schema.permissions import HearthPermission, guard

__all__ = ["OneInput", "Refusable", "mutation", "query"]


class Refusable(FieldExtension):
    """Make a root field's GraphQL type nullable, whatever its resolver returns.

    The resolver keeps its precise (non-optional) Python annotation; only the schema changes.
    Applied each time a schema is built, so it leaves an already nullable type alone.
    """

    def apply(self, field: StrawberryField) -> None:
        kind = field.type
        if not isinstance(kind, StrawberryOptional):
            field.type = StrawberryOptional(kind)


class OneInput(InputMutationExtension):
    """strawberry's ``InputMutationExtension`` for a mutation with plain arguments, keeping each
    argument's metadata (``MULTILINE``) on its input field and describing the generated type;
    a mutation that already takes one ``input`` (or nothing) is left as it is."""

    generated = False

    def apply(self, field: StrawberryField) -> None:
        resolver = field.base_resolver
        assert resolver is not None
        arguments = resolver.arguments
        self.generated = [a.python_name for a in arguments] not in ([], ["input"])
        if not self.generated:
            _describe_input(field)
            return
        name = field.graphql_name or to_camel_case(resolver.name)
        annotations = resolver.wrapped_func.__annotations__
        type_dict: dict[str, Any] = {
            "__doc__": f"The arguments of `{name}`.",
            "__annotations__": {a.python_name: annotations[a.python_name] for a in arguments},
        }
        for a in arguments:
            type_dict[a.python_name] = StrawberryField(
                python_name=a.python_name,
                graphql_name=a.graphql_name,
                description=a.description,
                deprecation_reason=a.deprecation_reason,
                default=a.default,
                type_annotation=a.type_annotation,
                directives=tuple(a.directives),
                metadata=a.metadata,
            )
        generated = strawberry.input(
            type(f"{capitalize_first(name)}Input", (), type_dict),
            description=f"The arguments of `{name}`.",
        )
        field.arguments = [
            StrawberryArgument(
                python_name="input",
                graphql_name=None,
                type_annotation=StrawberryAnnotation(generated, namespace=resolver._namespace),
                description=f"The arguments of `{name}`.",
            )
        ]

    def map_arguments(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return super().map_arguments(kwargs) if self.generated else kwargs


def _describe_input(field: StrawberryField) -> None:
    """Give an ``input`` argument without a description its input type's."""
    for argument in field.arguments:
        if argument.python_name == "input" and not argument.description:
            kind: Any = argument.type
            while hasattr(kind, "of_type"):
                kind = kind.of_type
            definition = get_object_definition(kind)
            if definition is not None and definition.description:
                argument.description = definition.description


def query(permission: HearthPermission, *, description: str, **kwargs: Any) -> Any:
    return strawberry.field(
        description=f"{description} Permission: {permission.describe()}",
        # strawberry runs the last extension first: the permission, then the checks
        extensions=[Refusable(), InputChecks(), *guard(permission)],
        **kwargs,
    )


def mutation(
    permission: HearthPermission, *, description: str, batch: bool = False, **kwargs: Any
) -> Any:
    return strawberry.mutation(
        description=f"{description} Permission: {permission.describe()}",
        # OneInput first: InputChecks reads the arguments it leaves
        extensions=[OneInput(), Refusable(), InputChecks(batch=batch), *guard(permission)],
        **kwargs,
    )
