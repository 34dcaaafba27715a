"""The ``hearth`` command line. Every command calls the same services the API calls."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from api.db import embedded_postgres, tortoise_config
from api.settings import Settings, get_settings

__all__ = ["app"]

app = typer.Typer(help="Hearth: a GraphQL HMIS backend for the CT HMIS policies.", no_args_is_help=True)
admin_app = typer.Typer(help="Bootstrap administration.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema (SDL).", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(schema_app, name="schema")
audit_app = typer.Typer(help="The audit trail (policy 207).", no_args_is_help=True)
report_app = typer.Typer(help="Reports (policy 212).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(report_app, name="report")


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The configured database, or the embedded one (started here, stopped on exit)."""
    if settings.database_url:
        yield settings.database_url
        return
    with embedded_postgres(settings.data_dir) as url:
        yield url


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


@app.command()
def migrate() -> None:
    """Apply the committed migrations."""
    from api.dbmigrate import apply_migrations

    settings = get_settings()
    with database(settings) as url:
        _run(apply_migrations(tortoise_config(url, settings)))
    typer.echo("migrations applied")


@app.command()
def makemigrations() -> None:
    """Write a migration for model changes (developers)."""
    from api.dbmigrate import apply_migrations, write_migrations

    settings = get_settings()
    with database(settings) as url:
        config = tortoise_config(url, settings)
        _run(apply_migrations(config))
        written = _run(write_migrations(config))
    typer.echo("\n".join(written) if written else "no changes")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (HEARTH_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (HEARTH_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (HEARTH_WORKERS; default one per core).")] = None,
) -> None:
    """Serve GraphQL at /graphql (GraphiQL in the browser unless HEARTH_ENV=production)."""
    import uvicorn

    settings = get_settings()
    with database(settings) as url:
        os.environ["HEARTH_DATABASE_URL"] = url
        count = workers or settings.worker_count
        # the workers read their settings afresh: each sizes its pool for this many workers
        os.environ["HEARTH_WORKERS"] = str(count)
        bind_host, bind_port = host or settings.host, port or settings.port
        typer.echo(f"Hearth GraphQL on http://{bind_host}:{bind_port}/graphql")
        uvicorn.run(
            "api.asgi:make_app",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=count,
            log_level="info",
        )


@admin_app.command("create")
def admin_create(
    username: Annotated[str, typer.Option(help="Sign-in name.")],
    email: Annotated[str, typer.Option(help="E-mail address (unique).")],
    mfa_contact: Annotated[str | None, typer.Option(help="MFA contact (unique).")] = None,
) -> None:
    """Create a System Administrator. Reads the password from standard input; prints one JSON line."""
    from services.admin import create_system_administrator

    if sys.stdin.isatty():
        password = getpass.getpass("Password for the new System Administrator: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    settings = get_settings()
    with database(settings) as url:
        result = _run(_with_orm(url, settings, create_system_administrator(
            username=username, email=email, mfa_contact=mfa_contact, password=password, issuer=settings.totp_issuer
        )))
    typer.echo(json.dumps(result))


async def _with_orm(url: str, settings: Settings, coro: Any) -> Any:
    from tortoise.context import TortoiseContext

    from services.errors import DomainError

    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url, settings))
        try:
            return await coro
        except DomainError as error:
            typer.echo(json.dumps({"error": {"code": error.code, "field": error.field, "message": error.message}}), err=True)
            raise typer.Exit(code=2) from None


@schema_app.command("export")
def schema_export(
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
) -> None:
    """Print (or write) the SDL that front ends generate code from."""
    from schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if out is None:
        typer.echo(sdl, nl=False)
    else:
        out.write_text(sdl)


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit hash chain; print the first broken row and exit 1 if there is one."""
    from services.audit import verify_chain

    settings = get_settings()
    with database(settings) as url:
        checked, broken = _run(_with_orm(url, settings, verify_chain()))
    if broken is not None:
        typer.echo(json.dumps({"ok": False, "checked": checked, "brokenAt": broken.seq, "reason": broken.reason}))
        raise typer.Exit(code=1)
    typer.echo(json.dumps({"ok": True, "checked": checked}))


_REPORT_COLUMNS = [
    "username", "name", "status", "access_level", "duties", "last_login_at", "records_viewed",
    "records_created", "records_changed", "denied_attempts", "previous_average", "flags", "reasons",
]


async def _user_access_rows(agency: str, quarter: str, settings: Settings) -> list[dict[str, Any]]:
    from datetime import UTC, datetime
    from uuid import UUID
    from zoneinfo import ZoneInfo

    from api.settings import report_thresholds
    from services.access_reports import parse_quarter, user_access_report
    from services.errors import ValidationFailed

    tz = ZoneInfo(settings.timezone)
    try:
        agency_id = UUID(agency)
    except ValueError:
        raise ValidationFailed("--agency is the agency's id.", field="agency") from None
    today = datetime.now(UTC).astimezone(tz).date()
    report = await user_access_report(
        agency_id=agency_id, quarter=parse_quarter(quarter, today=today), thresholds=report_thresholds(settings), tz=tz
    )
    return [
        {
            "username": r.username,
            "name": r.name or "",
            "status": r.status,
            "access_level": r.access_level or "",
            "duties": " ".join(r.duties),
            "last_login_at": r.last_login_at.isoformat() if r.last_login_at else "",
            "records_viewed": r.records_viewed,
            "records_created": r.records_created,
            "records_changed": r.records_changed,
            "denied_attempts": r.denied_attempts,
            "previous_average": f"{r.previous_average:.1f}",
            "flags": " ".join(f.pattern for f in r.flags),
            "reasons": " | ".join(f.reason for f in r.flags),
        }
        for r in report.rows
    ]


@report_app.command("user-access")
def report_user_access(
    quarter: Annotated[str, typer.Option(help="The quarter, e.g. 2026Q3.")],
    agency: Annotated[str, typer.Option(help="The agency's id.")],
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write CSV here (default: standard output).")] = None,
) -> None:
    """The quarterly User Access Report of one agency (policies 212, 213), as CSV."""
    import csv
    import io

    settings = get_settings()
    with database(settings) as url:
        rows = _run(_with_orm(url, settings, _user_access_rows(agency, quarter, settings)))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_REPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    if csv_file is None:
        typer.echo(buffer.getvalue(), nl=False)
    else:
        csv_file.write_text(buffer.getvalue())
        typer.echo(f"{len(rows)} users written to {csv_file}")
