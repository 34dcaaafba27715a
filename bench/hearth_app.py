"""Hearth with the read audit switched off, for the benchmark's "audit on vs off" ratio only.

Turning the audit off in a deployment would break policy 207 (every read of client data leaves an
audit record), so there is no setting for it: this factory lives in ``bench/`` (not installed
with the package), swaps the ``AuditReads`` schema extension for one that does nothing before
building the app, and refuses to run when ``HEARTH_ENV=production``. Changes are still audited
by the services (that is part of the write, not a switchable layer)::

    uvicorn bench.hearth_app:make_app_without_audit --factory
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from starlette.applications import Starlette
from strawberry.extensions import SchemaExtension

import schema as schema_package
from api.app import create_app
from api.settings import Settings

__all__ = ["make_app_without_audit"]


class _NoAudit(SchemaExtension):
    """An extension with no hooks: what the schema runs instead of ``AuditReads``."""


def _no_audit(
    _client_fields: Iterable[str], _client_data_nodes: Iterable[str] = ()
) -> Callable[[], SchemaExtension]:
    return _NoAudit


def make_app_without_audit() -> Starlette:
    settings = Settings()
    if settings.production:
        raise RuntimeError("The audit-off benchmark app refuses to run with HEARTH_ENV=production.")
    if not settings.database_url:
        raise RuntimeError("HEARTH_DATABASE_URL is not set.")
    schema_package.audit_reads = _no_audit  # type: ignore[attr-defined]  # this process only
    return create_app(settings, database_url=settings.database_url)
