"""Typed domain errors. Their ``code`` is the GraphQL ``extensions.code`` clients switch on."""

from __future__ import annotations

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "MfaRequired",
    "NotFound",
    "RateLimited",
    "Unauthenticated",
    "ValidationFailed",
]


class DomainError(Exception):
    """An expected failure whose message is safe to show: no PII, no internals."""

    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class MfaRequired(DomainError):
    code = "MFA_REQUIRED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class NotFound(DomainError):
    code = "NOT_FOUND"


class ValidationFailed(DomainError):
    code = "VALIDATION"


class Conflict(DomainError):
    code = "CONFLICT"


class RateLimited(DomainError):
    code = "RATE_LIMITED"
