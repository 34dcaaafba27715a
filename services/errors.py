"""Typed domain errors. Their ``code`` is the GraphQL ``extensions.code`` clients switch on."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

__all__ = [
    "Conflict",
    "DomainError",
    "ErrorCode",
    "Forbidden",
    "MfaRequired",
    "NotFound",
    "RateLimited",
    "Unauthenticated",
    "ValidationFailed",
    "exception_chain",
]


class ErrorCode(StrEnum):
    """Every value ``extensions.code`` takes, in the API and on Hearth's other HTTP routes.

    The schema publishes it (``ErrorCode`` in schema.graphql, each value described in
    ``schema.errors``); a code outside it is never sent (``schema.errors.coded``).
    """

    # refusals of the request's caller
    UNAUTHENTICATED = "UNAUTHENTICATED"
    MFA_REQUIRED = "MFA_REQUIRED"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"
    # refusals of what the request asks
    NOT_FOUND = "NOT_FOUND"
    VALIDATION = "VALIDATION"
    CONFLICT = "CONFLICT"
    GONE = "GONE"
    # the document itself
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    # the HTTP request around the document
    BAD_REQUEST = "BAD_REQUEST"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    # persisted queries (Apollo's automatic persisted queries)
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    PERSISTED_QUERY_INVALID = "PERSISTED_QUERY_INVALID"
    PERSISTED_QUERY_NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
    # the server
    UNAVAILABLE = "UNAVAILABLE"
    IDENTITY_PROVIDER_UNAVAILABLE = "IDENTITY_PROVIDER_UNAVAILABLE"
    TIMEOUT = "TIMEOUT"
    INTERNAL = "INTERNAL"


class DomainError(Exception):
    """An expected failure whose message is safe to show: no PII, no internals."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, message: str, *, field: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class Unauthenticated(DomainError):
    code = ErrorCode.UNAUTHENTICATED


class MfaRequired(DomainError):
    code = ErrorCode.MFA_REQUIRED


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class ValidationFailed(DomainError):
    code = ErrorCode.VALIDATION


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED


def exception_chain(error: BaseException, *, suppressed: bool = False) -> Iterator[BaseException]:
    """``error`` and the exceptions it was raised from (``__cause__``) or during
    (``__context__``), outermost first; a context hidden by ``raise ... from None`` only when
    ``suppressed``."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        hidden = current.__suppress_context__ and not suppressed
        current = current.__cause__ or (None if hidden else current.__context__)
