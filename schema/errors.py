"""Errors as clients see them: ``extensions.code`` always, domain messages kept, the rest masked.

Every error of a response passes through :func:`coded`:

* a ``DomainError`` anywhere in the cause chain: its code, field, details and (safe) message;
* a database refusal only a client's value can cause (too long, not a number, out of range, a
  NUL byte) that a service failed to catch: VALIDATION, without the value, and a warning in the
  log (the service should have refused it);
* a document the server cannot accept (parse, validation, variable coercion, the depth, token
  and alias limits, introspection when disabled): ``GRAPHQL_PARSE_FAILED`` or
  ``GRAPHQL_VALIDATION_FAILED``, without "Did you mean" suggestions (kept in development:
  :class:`FieldSuggestions`) and without echoing variable values (they may hold personal data);
* the database out of reach (connection lost or refused, shutting down, out of connections, a
  timeout): ``UNAVAILABLE`` with a generic message and the request id, logged;
* anything else is a server fault: logged here with its traceback and replaced by
  ``INTERNAL`` with a generic message and the request id.

Every code sent is a value of ``ErrorCode`` (``services.errors``), which the schema publishes
with each value described; an error that arrives with any other code (a resolver's or an
extension's mistake) is treated as a server fault, never sent as it is.

Logs carry tracebacks and exception types, never exception messages: a message may quote the
request's values (Tortoise's length errors quote the whole value).

:func:`coded` is idempotent, so the view can run it again as a safety net over errors that
reached the response by a path the schema extension did not see.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from typing import Any

import asyncpg
import strawberry
from graphql import GraphQLError, GraphQLSyntaxError, VariableDefinitionNode, print_ast
from strawberry.extensions import SchemaExtension
from tortoise.exceptions import DBConnectionError
from tortoise.exceptions import ValidationError as ModelValidationError

from models.names import camel
from schema.enums import described_enum
from services.errors import DomainError, ErrorCode, ValidationFailed, exception_chain

__all__ = [
    "CLIENT_VALUE_MESSAGE",
    "ERROR_CODES",
    "INTERNAL_MESSAGE",
    "UNAVAILABLE_MESSAGE",
    "ErrorCode",
    "ErrorCodes",
    "FieldError",
    "FieldSuggestions",
    "coded",
    "error_payload",
    "trace",
    "unavailable",
]

log = logging.getLogger("hearth.errors")

INTERNAL_MESSAGE = "Internal error. It has been logged; quote the request id to support."
UNAVAILABLE_MESSAGE = "The service is unavailable for a moment; try again shortly."
PARSE_FAILED = ErrorCode.GRAPHQL_PARSE_FAILED.value
VALIDATION_FAILED = ErrorCode.GRAPHQL_VALIDATION_FAILED.value

described_enum(
    ErrorCode,
    description="Every value `extensions.code` takes, on /graphql and on Hearth's other HTTP "
    "routes, and that `FieldError.code` takes. Switch on the code, never on the message. A "
    "refused root field is null, with its error (path, code, message) in `errors`.",
    values={
        "UNAUTHENTICATED": "No valid credentials: sign in (or refresh the session) and retry.",
        "MFA_REQUIRED": "The second factor is due again (policy 202): call reauthenticateMfa, "
        "or with single sign-on sign in again at `extensions.loginUrl`.",
        "FORBIDDEN": "Signed in, but not allowed: a missing permission, required training or "
        "End User Agreement (`extensions` names which), or an agency outside your scope.",
        "RATE_LIMITED": "Too many attempts: wait (`extensions.retryAfter` seconds when given).",
        "NOT_FOUND": "No such record, or one you may not see (the two are not told apart).",
        "VALIDATION": "A value is not acceptable; `extensions.field` names the input field.",
        "CONFLICT": "The request clashes with the current state (a duplicate, a stale version, "
        "a step out of order); read again and decide.",
        "GONE": "A download that existed has expired or was removed: request it again.",
        "GRAPHQL_PARSE_FAILED": "The document is not GraphQL.",
        "GRAPHQL_VALIDATION_FAILED": "The document does not fit the schema, a variable does not "
        "fit its type, or a limit (depth, tokens, aliases, cost) is exceeded.",
        "PAYLOAD_TOO_LARGE": "The request body is over the size limit.",
        "PERSISTED_QUERY_NOT_FOUND": "The persisted query's hash is not known: send the query "
        "with its hash.",
        "PERSISTED_QUERY_HASH_MISMATCH": "The query sent does not match the hash sent with it.",
        "PERSISTED_QUERY_INVALID": "The persisted query extension is malformed (its version "
        "or hash).",
        "PERSISTED_QUERY_NOT_ALLOWED": "Only persisted (allow-listed) queries are accepted here.",
        "PERSISTED_QUERY_NOT_SUPPORTED": "This server does not take persisted queries.",
        "BAD_REQUEST": "The HTTP request is malformed (not a GraphQL request body).",
        "METHOD_NOT_ALLOWED": "The HTTP method is not accepted here (operations are POST).",
        "NOT_ACCEPTABLE": "The Accept header asks for no media type Hearth answers in.",
        "UNAVAILABLE": "The database is out of reach for a moment: retry shortly.",
        "IDENTITY_PROVIDER_UNAVAILABLE": "The identity provider could not be reached: retry "
        "the sign-in shortly.",
        "TIMEOUT": "The request took too long and was stopped; nothing of it was kept.",
        "INTERNAL": "A server fault, logged: quote `extensions.requestId` to support.",
    },
)
ERROR_CODES = frozenset(code.value for code in ErrorCode)

_SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)
# SQLSTATEs of PostgreSQL's data exceptions that a value sent by a client causes: too long,
# numeric out of range, invalid datetime, invalid text representation (not a number), a
# character the encoding refuses (NUL), an untranslatable character.
_CLIENT_VALUE_STATES = frozenset({"22001", "22003", "22007", "22008", "22P02", "22021", "22P05"})
CLIENT_VALUE_MESSAGE = "A value is too long or not valid for its field."


@strawberry.type(description="A typed error for one item of a batch.")
class FieldError:
    code: ErrorCode = strawberry.field(description="What went wrong, as in `extensions.code`.")
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="Human-readable; never contains personal data.")


def error_payload(error: DomainError) -> FieldError:
    return FieldError(code=ErrorCode(error.code), field=error.field, message=error.message)


def _causes(error: GraphQLError) -> Iterator[BaseException]:
    """The chain of ``original_error`` below ``error`` (GraphQL wrappers included)."""
    seen: set[int] = set()
    cause: BaseException | None = error.original_error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = getattr(cause, "original_error", None)


def _domain_error(error: GraphQLError) -> DomainError | None:
    return next((c for c in _causes(error) if isinstance(c, DomainError)), None)


def _state(error: BaseException) -> str | None:
    return getattr(error, "sqlstate", None)


def _client_value(error: GraphQLError, request_id: str | None) -> DomainError | None:
    """VALIDATION for a database refusal of a client's value that no service caught."""
    for cause in _causes(error):
        for exc in exception_chain(cause):
            if isinstance(exc, ModelValidationError) or _state(exc) in _CLIENT_VALUE_STATES:
                log.warning(
                    "a client's value reached the database unchecked (request %s) at %s: %s %s",
                    request_id,
                    error.path,
                    type(exc).__name__,
                    _state(exc) or "",
                )
                return ValidationFailed(CLIENT_VALUE_MESSAGE)
    return None


def trace(error: BaseException) -> str:
    """The traceback of ``error`` and of its causes, root cause first, with each exception's
    type (and SQLSTATE) but not its message."""
    parts = [
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_tb(exc.__traceback__))
        + f"{type(exc).__module__}.{type(exc).__qualname__} {_state(exc) or ''}".rstrip()
        for exc in exception_chain(error)
    ]
    return "\n\nwhich caused:\n\n".join(reversed(parts))


def _server_fault(error: GraphQLError) -> BaseException | None:
    """The first cause that is not a GraphQL error: an exception raised by our code."""
    return next((c for c in _causes(error) if not isinstance(c, GraphQLError)), None)


# The database cannot be reached or cannot serve: not the request's fault, and worth a retry.
_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,  # connection lost, refused, failed
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, query cancelled
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, out of memory or disk
    DBConnectionError,
    OSError,  # connection refused or reset below asyncpg
    TimeoutError,  # no pooled connection in time, a command timed out
)


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) says the database is out of reach."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, _UNAVAILABLE):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _like(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message, error.nodes, error.source, error.positions, error.path, extensions=extensions
    )


_WHERE = re.compile(r"Variable '\$\w+' has invalid value at ((?:\[\d+\]|\.?[_A-Za-z]\w*)+): ")


def _variable_error(error: GraphQLError, suggestions: bool) -> GraphQLError:
    """A variable's value does not fit its declared type; the value itself is not repeated."""
    node = error.nodes[0] if error.nodes else None
    assert isinstance(node, VariableDefinitionNode)
    name = node.variable.name.value
    message = error.message if suggestions else _SUGGESTION.sub("", error.message)
    extensions: dict[str, Any] = {"code": VALIDATION_FAILED, "variable": name}
    if " has invalid " in message:
        # where in the value (list indices and the type's field names), never the value itself
        where = _WHERE.match(message)
        at = f" at {where.group(1)}" if where else ""
        if where:
            extensions["at"] = where.group(1)
        message = f"Variable '${name}' has a value that is not a valid {print_ast(node.type)}{at}."
    return _like(error, message, extensions)


def _internal(
    error: GraphQLError, request_id: str | None, cause: BaseException | None
) -> GraphQLError:
    if cause is not None and unavailable(cause):
        log.warning(
            "database unavailable (request %s) at %s: %s\n%s",
            request_id,
            error.path,
            type(cause).__name__,
            trace(cause),
        )
        return _like(
            error, UNAVAILABLE_MESSAGE, _with_id({"code": ErrorCode.UNAVAILABLE.value}, request_id)
        )
    log.error(
        "unexpected error (request %s) at %s: %s\n%s",
        request_id,
        error.path,
        type(cause or error).__name__,
        trace(cause or error),
    )
    return _like(error, INTERNAL_MESSAGE, _with_id({"code": ErrorCode.INTERNAL.value}, request_id))


def _with_id(extensions: dict[str, Any], request_id: str | None) -> dict[str, Any]:
    if request_id:
        extensions["requestId"] = request_id
    return extensions


def coded(
    error: GraphQLError, request_id: str | None = None, *, suggestions: bool = False
) -> GraphQLError:
    """The error as a client may see it (see the module docstring); ``suggestions`` keeps
    graphql-core's "Did you mean ...?" in refused documents (development only)."""
    domain = _domain_error(error) or _client_value(error, request_id)
    if domain is not None and domain.code in ERROR_CODES:
        extensions: dict[str, Any] = {"code": ErrorCode(domain.code).value}
        if domain.field:
            extensions["field"] = domain.field
        # Details are Python keyword arguments; clients read camelCase like every other name.
        extensions.update({camel(k): v for k, v in domain.details.items() if v is not None})
        return _like(error, domain.message, extensions)
    cause = _server_fault(error) or domain
    code = (error.extensions or {}).get("code")
    if code is not None and not (isinstance(code, str) and code in ERROR_CODES):
        return _internal(error, request_id, cause)  # a code clients were never told of
    if code is not None and cause is None:
        return error  # already coded (by this function, or deliberately by a resolver)
    if error.path is None:
        # Before execution: the request is wrong, not the server. A variable that fails
        # coercion may wrap a scalar's ValueError; it is still the request's fault.
        if isinstance(error, GraphQLSyntaxError):
            return _like(error, error.message, {"code": PARSE_FAILED})
        if error.nodes and isinstance(error.nodes[0], VariableDefinitionNode):
            return _variable_error(error, suggestions)
        if cause is None:
            message = error.message if suggestions else _SUGGESTION.sub("", error.message)
            return _like(error, message, {"code": VALIDATION_FAILED})
    return _internal(error, request_id, cause)


class ErrorCodes(SchemaExtension):
    """Give every error a code; keep domain errors' messages; mask everything unexpected."""

    suggestions = False  # "Did you mean ...?" kept: ``FieldSuggestions``, in development

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = getattr(self.execution_context.context, "request_id", None)
        result.errors = [
            coded(error, request_id, suggestions=self.suggestions) for error in result.errors
        ]


class FieldSuggestions(ErrorCodes):
    """:class:`ErrorCodes` that keeps graphql-core's "Did you mean ...?" (development)."""

    suggestions = True
