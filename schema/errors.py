"""Errors as clients see them: ``extensions.code`` always, domain messages kept, the rest masked."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from services.errors import DomainError

__all__ = ["ErrorCodes", "FieldError", "error_payload"]

log = logging.getLogger("hearth.errors")

INTERNAL_MESSAGE = "Internal error. It has been logged; quote the request id to support."


@strawberry.type(description="A typed error for one item of a batch.")
class FieldError:
    code: str = strawberry.field(description="VALIDATION, CONFLICT, NOT_FOUND, FORBIDDEN, ...")
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="Human-readable; never contains personal data.")


def error_payload(error: DomainError) -> FieldError:
    return FieldError(code=error.code, field=error.field, message=error.message)


def _domain_error(error: GraphQLError) -> DomainError | None:
    original = error.original_error
    while original is not None and not isinstance(original, DomainError):
        original = getattr(original, "original_error", None)
    return original


def _convert(error: GraphQLError, request_id: str | None) -> GraphQLError:
    domain = _domain_error(error)
    if domain is not None:
        extensions: dict[str, Any] = {"code": domain.code}
        if domain.field:
            extensions["field"] = domain.field
        extensions.update({k: v for k, v in domain.details.items() if v is not None})
        return GraphQLError(domain.message, error.nodes, error.source, error.positions, error.path, extensions=extensions)
    if error.original_error is None:
        # Parse and validation errors: the document is wrong, not the server.
        code = "GRAPHQL_PARSE_FAILED" if "Syntax Error" in error.message else "GRAPHQL_VALIDATION_FAILED"
        extensions = {**(error.extensions or {}), "code": error.extensions.get("code", code) if error.extensions else code}
        return GraphQLError(error.message, error.nodes, error.source, error.positions, error.path, extensions=extensions)
    log.error(
        "unexpected error (request %s) at %s", request_id, error.path, exc_info=error.original_error
    )
    return GraphQLError(
        INTERNAL_MESSAGE,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        extensions={"code": "INTERNAL", **({"requestId": request_id} if request_id else {})},
    )


class ErrorCodes(SchemaExtension):
    """Give every error a code; keep domain errors' messages; mask everything unexpected."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        result.errors = [_convert(error, request_id) for error in result.errors]
