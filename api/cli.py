"""The ``hearth`` command line. Every command calls the same services the API calls."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer

from api.cli_errors import (
    EXIT_FAILURE,
    EXIT_INPUT,
    EXIT_UNAVAILABLE,
    CommandError,
    HearthGroup,
    check_database_url,
)
from api.cli_options import (
    a_client_count,
    a_date,
    a_job,
    a_quarter,
    a_zip,
    an_export_scope,
    writable_file,
)
from api.cli_progress import progress_bar
from api.db import configured_replica, embedded_postgres, tortoise_config
from api.settings import Settings, get_settings

__all__ = ["app"]

app = typer.Typer(
    cls=HearthGroup,
    help="Hearth: a GraphQL HMIS backend for the CT HMIS policies. A command that fails prints "
    "one JSON line on standard error and exits 1 (failed), 2 (bad input or settings) or 3 "
    "(database unavailable); see docs/cli.md.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # --debug's traceback: never a password in a local
)
admin_app = typer.Typer(help="Bootstrap administration.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema (SDL).", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(schema_app, name="schema")
audit_app = typer.Typer(help="The audit trail (policy 207).", no_args_is_help=True)
report_app = typer.Typer(help="Reports (policy 212).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(report_app, name="report")
export_app = typer.Typer(help="Exports (HUD HMIS CSV FY2026).", no_args_is_help=True)
import_app = typer.Typer(help="Imports (HUD HMIS CSV FY2026 and FY2024).", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")


@app.callback()
def main(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="On an unexpected failure, show Python's traceback instead of one line "
            "(also HEARTH_DEBUG=1).",
        ),
    ] = False,
) -> None:
    """Hearth: a GraphQL HMIS backend for the CT HMIS policies."""


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The configured database (its URL checked first), or the embedded one (started here,
    stopped on exit)."""
    if settings.database_url:
        check_database_url(settings.database_url)
        yield settings.database_url
        return
    with embedded_postgres(settings.data_dir) as url:
        yield url


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


@app.command()
def migrate() -> None:
    """Apply the committed migrations, then seal any SSN still in clear (HEARTH_SSN_KEYS)."""
    from api.dbmigrate import apply_migrations
    from services.sealing import seal_clear_ssns

    settings = get_settings()
    _key_ring(settings)  # keys missing or malformed: nothing is migrated
    with database(settings) as url, progress_bar() as progress:
        _run(apply_migrations(tortoise_config(url, settings), progress=progress))
        sealed = _run(_with_orm(url, settings, seal_clear_ssns(progress=progress)))
    typer.echo("migrations applied" + (f"; {sealed} SSNs sealed" if sealed else ""))


@app.command()
def makemigrations() -> None:
    """Write a migration for model changes (developers)."""
    from api.dbmigrate import apply_migrations, write_migrations

    settings = get_settings()
    with database(settings) as url:
        config = tortoise_config(url, settings)
        with progress_bar() as progress:
            _run(apply_migrations(config, progress=progress))
        written = _run(write_migrations(config))
    typer.echo("\n".join(written) if written else "no changes")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (HEARTH_HOST).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (HEARTH_PORT).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (HEARTH_WORKERS; default one per core)."),
    ] = None,
) -> None:
    """Serve GraphQL at /graphql (GraphiQL in the browser unless HEARTH_ENV=production).
    Exits non-zero, with one line saying why, when Hearth cannot start."""
    from api.serving import HTTP_PROTOCOL, LOOP, StartupError, preflight, run_server

    settings = get_settings()
    with database(settings) as url:
        try:
            preflight(settings, url)
            os.environ["HEARTH_DATABASE_URL"] = url
            count = workers or settings.worker_count
            # the workers read their settings afresh: each sizes its pool for this many workers
            os.environ["HEARTH_WORKERS"] = str(count)
            bind_host, bind_port = host or settings.host, port or settings.port
            typer.echo(f"Hearth GraphQL on http://{bind_host}:{bind_port}/graphql")
            code = run_server(
                "api.asgi:make_app",
                settings=settings,
                host=bind_host,
                port=bind_port,
                workers=count,
                http=HTTP_PROTOCOL,  # TCP_NODELAY on every connection (api/serving.py)
                loop=LOOP,
            )
        except StartupError as error:
            exit_code = {"UNAVAILABLE": EXIT_UNAVAILABLE, "SETTINGS": EXIT_INPUT}
            raise CommandError(
                error.code, str(error), exit_code=exit_code.get(error.code, EXIT_FAILURE)
            ) from None
    if code:
        raise CommandError(
            "STARTUP", "the server could not start; its log says why", exit_code=code
        )


@admin_app.command("create")
def admin_create(
    username: Annotated[str, typer.Option(help="Sign-in name.")],
    email: Annotated[str, typer.Option(help="E-mail address (unique).")],
    mfa_contact: Annotated[str | None, typer.Option(help="MFA contact (unique).")] = None,
) -> None:
    """Create a System Administrator. Reads the password from standard input; prints one JSON line."""
    from services.admin import create_system_administrator

    settings = get_settings()  # settings refused before the password is asked for
    if sys.stdin.isatty():
        password = getpass.getpass("Password for the new System Administrator: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with database(settings) as url:
        result = _run(
            _with_orm(
                url,
                settings,
                create_system_administrator(
                    username=username,
                    email=email,
                    mfa_contact=mfa_contact,
                    password=password,
                    issuer=settings.totp_issuer,
                ),
            )
        )
    typer.echo(json.dumps(result))


def _key_ring(settings: Settings) -> Any:
    """The SSN key ring; keys missing or malformed raise ``SealingError``, which the command
    line reports as ``KEYS`` (exit 2)."""
    from api.ssn_keys import load_key_ring

    return load_key_ring(settings)


async def _with_orm(url: str, settings: Settings, coro: Any, *, rekeying: bool = False) -> Any:
    """Run ``coro`` with the ORM and the SSN keys (checked against the database; ``rekeying``
    lets the hash key differ from the stored hashes', which the re-seal recomputes). Its
    failures (domain errors, the keys refused, the database unreachable) are the command line's
    to report (``api.cli_errors``)."""
    from tortoise.context import TortoiseContext

    from models.sealed import installed
    from services.replica import installed as replica_installed
    from services.sealing import check_keys

    # the reports and the export read on the replica if one is configured (as the owner, like
    # every command; services.replica)
    replica = configured_replica(settings, app=False)
    try:
        async with TortoiseContext() as ctx, replica_installed(replica):
            await ctx.init(config=tortoise_config(url, settings))
            with installed(_key_ring(settings)):
                await check_keys(hash_key_may_change=rekeying)
                return await coro
    finally:
        coro.close()  # never started when the database or the keys were refused


@admin_app.command("rekey-ssns")
def admin_rekey_ssns(
    batch: Annotated[int, typer.Option(min=1, help="Clients per transaction.")] = 500,
) -> None:
    """Seal every SSN with the newest key (the first of HEARTH_SSN_KEYS), recompute the lookup
    hashes if HEARTH_SSN_HASH_KEY changed; prints one JSON line: how many, the values left under
    each key, and the keys no value needs any more (remove them from HEARTH_SSN_KEYS)."""
    from services.sealing import rekey_ssns

    settings = get_settings()
    with database(settings) as url, progress_bar() as progress:
        report = _run(
            _with_orm(url, settings, rekey_ssns(batch=batch, progress=progress), rekeying=True)
        )
    typer.echo(
        json.dumps(
            {
                "resealed": report.resealed,
                "rehashed": report.rehashed,
                "keys": report.keys,
                "retired": report.retired,
            }
        )
    )


@schema_app.command("export")
def schema_export(
    out: Annotated[
        Path | None,
        typer.Option(help="Write here instead of standard output.", callback=writable_file),
    ] = None,
) -> None:
    """Print (or write) the SDL that front ends generate code from."""
    from schema import build_schema

    sdl = build_schema().as_str() + "\n"
    if out is None:
        typer.echo(sdl, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(sdl)


@audit_app.command("seal")
def audit_seal() -> None:
    """Seal the committed audit rows into the hash chain now (every Hearth process also does it
    every HEARTH_AUDIT_SEAL_SECONDS)."""
    settings = get_settings()
    with database(settings) as url, progress_bar() as progress:
        sealed, left = _run(_with_orm(url, settings, _seal_settled(progress=progress)))
    typer.echo(json.dumps({"sealed": sealed, "unsealed": left}))


async def _seal_settled(*, within: float = 10.0, progress: Any = None) -> tuple[int, int]:
    """Seal every row committed so far, waiting up to ``within`` seconds for writers still
    running (rows written after the start are left to the server's sealer); (sealed, left)."""
    import time

    from services.audit import current_horizon, seal, sealed_through, unsealed

    deadline = time.monotonic() + within
    horizon = await current_horizon()
    sealed = await seal(progress=progress)
    while not await sealed_through(horizon) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)  # a writer that may still add rows up to the horizon is running
        sealed += await seal()
    return sealed, await unsealed()


@audit_app.command("verify")
def audit_verify() -> None:
    """Seal what is final, recompute every sealed block of the audit chain; print the first broken
    block and exit 1 if there is one."""
    from services.audit import verify_chain

    settings = get_settings()
    with database(settings) as url, progress_bar() as progress:

        async def check() -> Any:
            from services.audit_partitions import archived_rows

            await _seal_settled(progress=progress)
            return await verify_chain(progress=progress), await archived_rows()

        result, archived = _run(_with_orm(url, settings, check()))
    if result.broken is not None:
        typer.echo(
            json.dumps(
                {
                    "ok": False,
                    "checked": result.checked,
                    "unsealed": result.unsealed,
                    "brokenAt": result.broken.seq,
                    "brokenTo": result.broken.last_seq,
                    "reason": result.broken.reason,
                }
            )
        )
        raise typer.Exit(code=1)
    # rows of months detached for archive (hearth audit detach-partition), when there are any
    more = {"archived": archived} if archived else {}
    typer.echo(
        json.dumps({"ok": True, "checked": result.checked, "unsealed": result.unsealed, **more})
    )


@audit_app.command("partitions")
def audit_partitions(
    ahead: Annotated[
        int, typer.Option(min=0, max=120, help="Months to make after the current one.")
    ] = 3,
) -> None:
    """Make the audit trail's month partitions up to AHEAD months after this one (every Hearth
    process's sealer also does), then list the partitions: name, month, rows (estimate)."""
    from services.audit_partitions import ensure_ahead, partitions

    settings = get_settings()

    async def go() -> tuple[int, list[Any]]:
        return await ensure_ahead(ahead, force=True), await partitions()

    with database(settings) as url:
        made, found = _run(_with_orm(url, settings, go()))
    typer.echo(
        json.dumps(
            {
                "made": made,
                "partitions": [
                    {
                        "name": p.name,
                        "month": None if p.month is None else f"{p.month:%Y-%m}",
                        "rows": p.rows,
                    }
                    for p in found
                ],
            }
        )
    )


@audit_app.command("detach-partition")
def audit_detach_partition(
    before: Annotated[
        str, typer.Option(help="Detach every month partition before this month (YYYY-MM, UTC).")
    ],
) -> None:
    """Detach the audit trail's month partitions before a month for archive (docs/operations.md):
    refused unless every row in them is sealed and the blocks holding them verify; the chain
    stays verifiable (`hearth audit verify`) from the detached point on. The detached tables stay
    in the database until archived (pg_dump --table) and dropped."""
    from services.audit_partitions import detach_before, parse_month

    month = parse_month(before)
    settings = get_settings()

    async def go() -> Any:
        await _seal_settled()
        return await detach_before(month)

    with database(settings) as url:
        done = _run(_with_orm(url, settings, go()))
    typer.echo(
        json.dumps(
            {
                "archive": done.archive_id,
                "detached": list(done.tables),
                "rows": done.rows,
                "blocks": done.blocks,
                "leftInDefault": done.left_in_default,
            }
        )
    )


_REPORT_COLUMNS = [
    "username",
    "name",
    "status",
    "access_level",
    "duties",
    "last_login_at",
    "records_viewed",
    "records_created",
    "records_changed",
    "denied_attempts",
    "previous_average",
    "flags",
    "reasons",
]


async def _user_access_rows(
    agency_id: UUID, quarter: str, settings: Settings, progress: Any
) -> list[dict[str, Any]]:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from api.settings import report_thresholds
    from services.access_reports import parse_quarter, user_access_report

    tz = ZoneInfo(settings.timezone)
    today = datetime.now(UTC).astimezone(tz).date()
    report = await user_access_report(
        agency_id=agency_id,
        quarter=parse_quarter(quarter, today=today),
        thresholds=report_thresholds(settings),
        tz=tz,
        progress=progress,
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
    quarter: Annotated[str, typer.Option(help="The quarter, e.g. 2026Q3.", callback=a_quarter)],
    agency: Annotated[UUID, typer.Option(help="The agency's id.")],
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv", help="Write CSV here (default: standard output).", callback=writable_file
        ),
    ] = None,
) -> None:
    """The quarterly User Access Report of one agency (policies 212, 213), as CSV."""
    import csv
    import io

    settings = get_settings()
    with database(settings) as url, progress_bar() as progress:
        rows = _run(
            _with_orm(url, settings, _user_access_rows(agency, quarter, settings, progress))
        )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_REPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    if csv_file is None:
        typer.echo(buffer.getvalue(), nl=False)
    else:
        csv_file.parent.mkdir(parents=True, exist_ok=True)
        csv_file.write_text(buffer.getvalue())
        typer.echo(f"{len(rows)} users written to {csv_file}")


jobs_app = typer.Typer(
    help="The compliance and notification jobs (policies 109, 202, 211).", no_args_is_help=True
)
app.add_typer(jobs_app, name="jobs")


async def _run_job(name: str, settings: Settings) -> dict[str, Any]:
    from services.clock import SystemClock
    from services.jobs import JobContext, run_job

    run = await run_job(name, JobContext.from_settings(settings, SystemClock()), trigger="cli")
    if run is None:
        return {"job": name, "status": "SKIPPED", "reason": "another instance is running it"}
    return {
        "job": name,
        "status": run.status.value,
        "startedAt": run.started_at.isoformat(),
        "finishedAt": run.finished_at.isoformat() if run.finished_at else None,
        "counts": run.counts,
        "error": run.error,
    }


@jobs_app.command("run")
def jobs_run(
    name: Annotated[
        str,
        typer.Argument(
            help="shared-contacts, retraining, deadlines, notifications, agency-coordinators, "
            "governance-calendar or certifications.",
            callback=a_job,
        ),
    ],
) -> None:
    """Run one job now (as the scheduler would), print its record as JSON; exit 1 if it failed."""
    settings = get_settings()
    with database(settings) as url:
        result = _run(_with_orm(url, settings, _run_job(name, settings)))
    typer.echo(json.dumps(result))
    if result["status"] == "FAILED":
        raise typer.Exit(code=1)


@jobs_app.command("requeue-dead")
def jobs_requeue_dead() -> None:
    """Put dead-letter notifications back in the queue (after fixing SMTP or an address)."""
    from datetime import UTC, datetime

    from services.notifications import requeue_dead

    settings = get_settings()
    with database(settings) as url:
        count = _run(_with_orm(url, settings, requeue_dead(now=datetime.now(UTC))))
    typer.echo(json.dumps({"requeued": count}))


def _seed_anchor(anchor: str | None, settings: Settings) -> Any:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    if anchor is None:
        return datetime.now(UTC).astimezone(ZoneInfo(settings.timezone)).date()
    return date.fromisoformat(anchor)  # checked by a_date


def _print_seed_summary(summary: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]Seeded[/bold] {summary.clients} clients (seed {summary.seed}, anchor {summary.anchor}) "
        f"in {summary.seconds:.1f} s"
    )
    counts = Table("table", "rows", title="Rows written")
    for table, rows in summary.counts.items():
        counts.add_row(table, str(rows))
    console.print(counts)
    users = Table(
        "who",
        "username",
        "TOTP secret",
        title=f"Sign-in (every user's password: {summary.password})",
    )
    for key, user in summary.users.items():
        users.add_row(key, user.username, user.totp_secret)
    console.print(users)
    ids = Table(
        "CAN or agency",
        "id",
        title="Ids (for `hearth export hud-csv --scope can:ID` or `agency:ID`)",
    )
    for name, can_id in summary.cans.items():
        ids.add_row(name, str(can_id))
    for slug, agency_id in summary.agencies.items():
        ids.add_row(
            f"agency {slug}"
            + (" (victim service provider)" if agency_id == summary.vsp_agency_id else ""),
            str(agency_id),
        )
    console.print(ids)
    console.print(
        "Sign in with `login(username, password)` then `verifyMfa` with the current TOTP code of the "
        "secret (e.g. python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\"). A code is good once."
    )


async def _seed(
    url: str,
    settings: Settings,
    *,
    clients: int,
    seed: int,
    anchor: Any,
    append: bool,
    demo: bool,
    progress: Any,
) -> Any:
    import asyncpg

    from api.db import to_tortoise_url
    from api.dbmigrate import apply_migrations
    from devdata import generate, has_data

    await apply_migrations(tortoise_config(url, settings), progress=progress)
    await _with_orm(url, settings, asyncio.sleep(0))  # the SSN keys, checked
    conn = await asyncpg.connect(to_tortoise_url(url), timeout=30)
    try:
        if await has_data(conn):
            if demo:
                return None
            if not append:
                from services.errors import Conflict

                raise Conflict(
                    "The database already has agencies or clients; seed an empty database, or pass --append.",
                    field="database",
                )
        progress("clients", 0, clients)
        return await generate(
            conn,
            clients=clients,
            seed=seed,
            anchor=anchor,
            append=append,
            progress=lambda done, total: progress("clients", done, total),
        )
    finally:
        await conn.close()


@app.command()
def seed(
    clients: Annotated[
        int,
        typer.Option(
            help="How many clients to generate (1 to 5,000,000).", callback=a_client_count
        ),
    ] = 1000,
    seed_value: Annotated[
        int,
        typer.Option("--seed", help="Random seed: the same seed and anchor give the same data."),
    ] = 1,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="postgres://... (default: HEARTH_DATABASE_URL or the embedded database)."
        ),
    ] = None,
    anchor: Annotated[
        str | None,
        typer.Option(help="The data set's 'today', YYYY-MM-DD (default: today).", callback=a_date),
    ] = None,
    append: Annotated[
        bool,
        typer.Option(
            help="Add a second data set (names suffixed -s<seed>) to a database that has data."
        ),
    ] = False,
    demo: Annotated[
        bool,
        typer.Option(
            help="make serve: 200 clients, only into a database without agencies or clients."
        ),
    ] = False,
) -> None:
    """Fill the database with synthetic CT-shaped HMIS data (migrates first). Refuses a database
    that already has agencies or clients unless --append."""
    from models.sealed import installed

    settings = get_settings()
    if settings.env == "production":
        raise CommandError(
            "FORBIDDEN",
            "hearth seed writes users with published passwords; refused with HEARTH_ENV=production",
            exit_code=EXIT_INPUT,
            field="HEARTH_ENV",
        )
    when = _seed_anchor(anchor, settings)
    if demo:
        clients = 200
    with (
        _seed_database(settings, database_url) as url,
        installed(_key_ring(settings)),
        progress_bar() as progress,
    ):
        summary = _run(
            _seed(
                url,
                settings,
                clients=clients,
                seed=seed_value,
                anchor=when,
                append=append,
                demo=demo,
                progress=progress,
            )
        )
    if summary is None:
        typer.echo("demo data: the database already has data; nothing added")
        return
    _print_seed_summary(summary)


@contextmanager
def _seed_database(settings: Settings, database_url: str | None) -> Iterator[str]:
    if database_url:
        check_database_url(database_url, name="--database-url")
        yield database_url
    else:
        with database(settings) as url:
            yield url


# The options of every command over a scope and a period (the HUD CSV export, the reports).
ScopeOption = Annotated[
    str,
    typer.Option(help="project:ID, agency:ID, can:ID, coc:ID or all.", callback=an_export_scope),
]
StartOption = Annotated[
    str, typer.Option(help="First day of the period (yyyy-mm-dd).", callback=a_date)
]
EndOption = Annotated[
    str, typer.Option(help="Last day of the period (yyyy-mm-dd).", callback=a_date)
]


# --- HUD HMIS CSV ----------------------------------------------------------------------------


async def _hud_export(
    user: str,
    scope: str,
    start: str,
    end: str,
    out: Path,
    hashed: bool,
    settings: Settings,
    progress: Any,
) -> dict[str, Any]:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from authz.enforcer import Authorizer, Decisions
    from models.users import User
    from services.caller import Caller
    from services.errors import Forbidden
    from services.hudcsv.export import run_export
    from services.principals import load_principal

    start_date, end_date = date.fromisoformat(start), date.fromisoformat(end)  # a_date checked
    found = await User.filter(username=user).first()
    loaded = await load_principal(found.id) if found else None
    if loaded is None or loaded[1] != "ACTIVE":
        raise Forbidden("No active user of that name.", field="user")
    authorizer = Authorizer()
    await authorizer.reload()
    caller = Caller(
        Decisions(authorizer, loaded[0]), datetime.now(UTC), ZoneInfo(settings.timezone)
    )
    result = await run_export(
        caller,
        scope=scope,
        start=start_date,
        end=end_date,
        hashed=hashed,
        out=out,
        implementation_id=settings.hud_implementation_id,
        progress=progress,
    )
    return {
        "exportId": str(result.export_id),
        "file": str(result.path),
        "hashStatus": result.hash_status,
        "rows": result.row_counts,
    }


@export_app.command("hud-csv")
def export_hud_csv(
    scope: ScopeOption,
    start: StartOption,
    end: EndOption,
    out: Annotated[Path, typer.Option(help="The zip to write.", callback=writable_file)],
    user: Annotated[
        str, typer.Option(help="Export as this user: their permissions and visibility apply.")
    ],
    hashed: Annotated[
        bool, typer.Option("--hash", help="The hashed variant (HashStatus 4).")
    ] = False,
) -> None:
    """A HUD HMIS CSV FY2026 zip of what the user may see; prints one JSON line (row counts)."""
    if date.fromisoformat(end) < date.fromisoformat(start):
        raise typer.BadParameter("the period ends before it starts.", param_hint="'--end'")
    settings = get_settings()
    with database(settings) as url, progress_bar() as progress:
        result = _run(
            _with_orm(
                url,
                settings,
                _hud_export(user, scope, start, end, out, hashed, settings, progress),
            )
        )
    typer.echo(json.dumps(result))


async def _hud_import(
    file: Path,
    agency_id: UUID | None,
    organizations: Any,
    user: str | None,
    dry_run: bool,
    settings: Settings,
    progress: Any,
) -> dict[str, Any]:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from services.hudcsv.importer import ImportRefused, ImportResult, import_hud_csv
    from services.hudcsv.read import ZipLimits

    def report(result: ImportResult) -> dict[str, Any]:
        return {
            "exportId": result.export_id,
            "sourceSystem": result.source_system,
            **({"dryRun": True} if result.dry_run else {}),
            "read": result.rows_read,
            "created": result.created,
            "updated": result.updated,
            "deleted": result.deleted,
            "kept": result.kept,
            "agenciesCreated": result.agencies_created,
            **({"refused": result.refused} if result.dry_run else {}),
        }

    try:
        result = await import_hud_csv(
            file,
            agency_id=agency_id,
            organizations=organizations,
            username=user,
            now=datetime.now(UTC),
            tz=ZoneInfo(settings.timezone),
            progress=progress,
            dry_run=dry_run,
            limits=ZipLimits(settings.hud_import_max_bytes, settings.hud_import_max_ratio),
        )
    except ImportRefused as refused:
        for problem in refused.problems:
            typer.echo(
                json.dumps(
                    {
                        "file": problem.file,
                        "row": problem.row,
                        "column": problem.column,
                        "problem": problem.message,
                    }
                ),
                err=True,
            )
        if refused.total > len(refused.problems):
            typer.echo(json.dumps({"more": refused.total - len(refused.problems)}), err=True)
        if dry_run and refused.result is not None:
            typer.echo(json.dumps(report(refused.result)))
        raise
    return report(result)


def _organization_map(
    pairs: list[str], mapping: Path | None, create: bool, agency: UUID | None
) -> Any:
    """The organizations' agencies from --map ORG=AGENCY (repeated) and a mapping file (a CSV
    with the columns OrganizationID and AgencyID)."""
    import csv

    from services.hudcsv.organizations import OrganizationMap

    agencies: dict[str, UUID] = {}
    rows: list[tuple[str, str, str]] = []
    for pair in pairs:
        org, sep, target = pair.partition("=")
        if not sep or not org.strip():
            raise typer.BadParameter("give ORGANIZATION_ID=AGENCY_ID.", param_hint="'--map'")
        rows.append((org.strip(), target.strip(), "'--map'"))
    if mapping is not None:
        with mapping.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not {"OrganizationID", "AgencyID"} <= set(reader.fieldnames or ()):
                raise typer.BadParameter(
                    "the mapping file needs the columns OrganizationID and AgencyID.",
                    param_hint="'--mapping'",
                )
            for line in reader:
                rows.append(
                    (line["OrganizationID"].strip(), line["AgencyID"].strip(), "'--mapping'")
                )
    for org, target, hint in rows:
        try:
            agencies[org] = UUID(target)
        except ValueError:
            raise typer.BadParameter(
                f"{target[:40]!r} is not an agency id.", param_hint=hint
            ) from None
    if agency is None and not agencies and not create:
        raise typer.BadParameter(
            "say which agencies the records go to: --agency, --map, --mapping or "
            "--create-agencies.",
            param_hint="'--agency'",
        )
    return OrganizationMap(agencies, None, create)


@import_app.command("hud-csv")
def import_hud_csv_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="The HUD CSV zip.",
            exists=True,
            dir_okay=False,
            readable=True,
            callback=a_zip,
        ),
    ],
    agency: Annotated[
        UUID | None,
        typer.Option(
            help="The importing agency's id: every organization's records become its records "
            "(the organizations --map names excepted)."
        ),
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="ORGANIZATION_ID=AGENCY_ID: the organization's records go to that agency (repeat it).",
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="A CSV mapping organizations to agencies (columns OrganizationID, AgencyID).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    create_agencies: Annotated[
        bool,
        typer.Option(
            "--create-agencies",
            help="Create an agency from each organization mapped to none (its MOU still to record).",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Report what would be created, updated, deleted and refused; write nothing.",
        ),
    ] = False,
    user: Annotated[
        str | None,
        typer.Option(
            help="Record the import under this user (default: the HDC of the one agency it goes to)."
        ),
    ] = None,
) -> None:
    """Validate a HUD HMIS CSV zip, then import it in one transaction; problems (file, row, column)
    go to standard error as JSON lines and nothing is written."""
    organizations = _organization_map(map_ or [], mapping, create_agencies, agency)
    settings = get_settings()
    with database(settings) as url, progress_bar() as progress:
        result = _run(
            _with_orm(
                url,
                settings,
                _hud_import(file, agency, organizations, user, dry_run, settings, progress),
            )
        )
    typer.echo(json.dumps(result))


# --- the 7-year retention run (policy 303) -------------------------------------------------------

retention_app = typer.Typer(
    help="The 7-year retention run (policy 303), for the System Administrator: plan, dry-run, run.",
    no_args_is_help=True,
)
app.add_typer(retention_app, name="retention")

_AS_USER = typer.Option(
    help="Act as this user (the System Administrator): their permissions apply."
)


async def _caller_as(user: str, settings: Settings) -> Any:
    """A caller acting as the named active user, now, in the settings' time zone."""
    from zoneinfo import ZoneInfo

    from authz.enforcer import Authorizer, Decisions
    from models.users import User
    from services.caller import Caller
    from services.clock import SystemClock
    from services.errors import Forbidden
    from services.principals import load_principal

    found = await User.filter(username=user).first()
    loaded = await load_principal(found.id) if found else None
    if loaded is None or loaded[1] != "ACTIVE":
        raise Forbidden("No active user of that name.", field="user")
    authorizer = Authorizer()
    await authorizer.reload()
    now = SystemClock().now()
    return Caller(Decisions(authorizer, loaded[0]), now, ZoneInfo(settings.timezone))


async def _retention(
    step: str, user: str, plan_id: UUID | None, settings: Settings, **options: Any
) -> dict[str, Any]:
    from services import retention, retention_run

    caller = await _caller_as(user, settings)
    if step == "plan":
        plan = await retention.create_plan(caller=caller, **options)
        lines = await retention.plan_lines(plan)
        return {
            "planId": str(plan.id),
            "asOf": plan.as_of.isoformat(),
            "cutoff": plan.cutoff.isoformat(),
            "clients": plan.client_count,
            "lines": [
                {
                    "agencyId": str(line.agency_id),
                    "projectId": str(line.project_id) if line.project_id else None,
                    "clients": line.clients,
                }
                for line in lines
            ],
        }
    assert plan_id is not None  # the command requires it
    if step == "dry-run":
        report = await retention_run.dry_run(caller=caller, plan_id=plan_id, **options)
        return {"planId": str(plan_id), **report.report()}
    result = await retention_run.run_plan(caller=caller, plan_id=plan_id, **options)
    return {
        "planId": str(plan_id),
        "status": result.plan.status.value,
        "deidentified": result.deidentified,
        "skipped": result.skipped,
        "planDeidentified": result.plan.deidentified,
        "planSkipped": result.plan.skipped,
    }


def _retention_command(step: str, user: str, plan_id: UUID | None, **options: Any) -> None:
    settings = get_settings()
    with database(settings) as url, progress_bar() as progress:
        result = _run(
            _with_orm(
                url,
                settings,
                _retention(step, user, plan_id, settings, progress=progress, **options),
            )
        )
    typer.echo(json.dumps(result))


@retention_app.command("plan")
def retention_plan(
    user: Annotated[str, _AS_USER],
    note: Annotated[str | None, typer.Option(help="What the board should know with it.")] = None,
) -> None:
    """Make this year's plan (1 October - 31 December): the clients with no activity for seven
    years, counted by agency and project; prints one JSON line. The board authorizes it by a
    motion on the plan (subject RETENTION_PLAN)."""
    _retention_command("plan", user, None, note=note)


@retention_app.command("dry-run")
def retention_dry_run(
    plan: Annotated[UUID, typer.Option(help="The authorized plan's id.")],
    user: Annotated[str, _AS_USER],
) -> None:
    """Report exactly what the run would remove (counts); changes no client data. The run
    requires one after the board's authorization."""
    _retention_command("dry-run", user, plan)


@retention_app.command("run")
def retention_run_command(
    plan: Annotated[UUID, typer.Option(help="The authorized, dry-run plan's id.")],
    user: Annotated[str, _AS_USER],
    batch: Annotated[int, typer.Option(min=1, max=5000, help="Clients per transaction.")] = 500,
) -> None:
    """Remove the plan's clients' identifiers, keeping their history, batch by batch (each
    committed, each client audited); run it again to resume a run that stopped."""
    _retention_command("run", user, plan, batch=batch)


# --- aggregate reports (policies 109, 405) ---------------------------------------------------


async def _aggregate_rows(
    user: str, scope: str, start: str, end: str, dimensions: list[str], settings: Settings
) -> list[dict[str, Any]]:
    from services.reports.aggregates import Dimension, aggregate_report

    caller = await _caller_as(user, settings)
    dims = [Dimension(d) for d in dimensions]  # checked by _aggregate_dimensions
    report = await aggregate_report(
        caller,
        scope=scope,
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        dimensions=dims,
    )
    rows = []
    for cell in (*report.cells, *report.totals, report.total):
        row: dict[str, Any] = {}
        for n, dim in enumerate(report.dimensions, start=1):
            value = next((v for v in cell.values if v[0] == dim), None)
            row[f"dimension{n}"] = dim.value
            row[f"category{n}"] = value[1] if value else "TOTAL"
            row[f"label{n}"] = value[2] if value else "Total"
        row["count"] = "" if cell.count is None else cell.count
        row["suppressed"] = "yes" if cell.suppressed else "no"
        rows.append(row)
    return rows


def _aggregate_dimensions(values: list[str]) -> list[str]:
    """One or two different dimensions, by name (checked before any work)."""
    from services.reports.aggregates import Dimension

    names = [v.upper() for v in values]
    known = {d.value for d in Dimension}
    if not 1 <= len(names) <= 2 or len(set(names)) != len(names) or not set(names) <= known:
        raise typer.BadParameter(f"one or two different ones of {', '.join(sorted(known))}.")
    return names


@report_app.command("aggregate")
def report_aggregate(
    scope: ScopeOption,
    start: StartOption,
    end: EndOption,
    dimension: Annotated[
        list[str],
        typer.Option(
            help="PROJECT, HOUSEHOLD_TYPE, AGE_BAND, RACE_ETHNICITY, SEX, VETERAN_STATUS,"
            " DESTINATION or LENGTH_OF_STAY; once, or twice for a cross-tab.",
            callback=_aggregate_dimensions,
        ),
    ],
    user: Annotated[
        str, typer.Option(help="Run as this user: their permissions and scopes apply.")
    ],
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv", help="Write CSV here (default: standard output).", callback=writable_file
        ),
    ] = None,
) -> None:
    """Counts of distinct clients for a scope and period by one or two dimensions, small cells
    suppressed (policies 109, 405), as CSV: the cells, then the margins, then the total."""
    if date.fromisoformat(end) < date.fromisoformat(start):
        raise typer.BadParameter("the period ends before it starts.", param_hint="'--end'")
    settings = get_settings()
    with database(settings) as url:
        rows = _run(
            _with_orm(url, settings, _aggregate_rows(user, scope, start, end, dimension, settings))
        )
    columns = [
        f"{part}{n}"
        for n in range(1, len(dimension) + 1)
        for part in ("dimension", "category", "label")
    ]
    _write_csv(rows, [*columns, "count", "suppressed"], csv_file, "figures")


def _write_csv(
    rows: list[dict[str, Any]], columns: list[str], csv_file: Path | None, noun: str
) -> None:
    """A report's rows as CSV, to standard output or to ``csv_file``."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    if csv_file is None:
        typer.echo(buffer.getvalue(), nl=False)
    else:
        csv_file.parent.mkdir(parents=True, exist_ok=True)
        csv_file.write_text(buffer.getvalue())
        typer.echo(f"{len(rows)} {noun} written to {csv_file}")


# --- the HUD data quality report (301, 302) --------------------------------------------------

_DATA_QUALITY_COLUMNS = ["key", "count", "denominator", "rate"]


async def _data_quality_rows(
    user: str, scope: str, start: str, end: str, settings: Settings
) -> list[dict[str, Any]]:
    from services.reports.data_quality import data_quality_report

    caller = await _caller_as(user, settings)
    report = await data_quality_report(
        caller, scope=scope, start=date.fromisoformat(start), end=date.fromisoformat(end)
    )
    return [
        {
            "key": cell.key,
            "count": cell.count,
            "denominator": "" if cell.denominator is None else cell.denominator,
            "rate": "" if cell.rate is None else f"{cell.rate:.4f}",
        }
        for cell in report.cells.values()
    ]


@report_app.command("data-quality")
def report_data_quality(
    scope: ScopeOption,
    start: StartOption,
    end: EndOption,
    user: Annotated[
        str, typer.Option(help="Run it as this user: their permissions apply (counts only).")
    ],
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv", help="Write CSV here (default: standard output).", callback=writable_file
        ),
    ] = None,
) -> None:
    """The HUD data quality report (Q1, Q6a-Q6f; policies 301, 302) of a scope over a period, as
    CSV: one line per cell (key, count, denominator, rate). Counts only, never a client row."""
    if date.fromisoformat(end) < date.fromisoformat(start):
        raise typer.BadParameter("the period ends before it starts.", param_hint="'--end'")
    settings = get_settings()
    with database(settings) as url:
        rows = _run(_with_orm(url, settings, _data_quality_rows(user, scope, start, end, settings)))
    _write_csv(rows, _DATA_QUALITY_COLUMNS, csv_file, "cells")
