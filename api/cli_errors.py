"""What the command line says when a command fails: one JSON line on standard error, an exit code.

Every ``hearth`` command runs inside :class:`HearthGroup`, which turns the failures a user can
cause into one line, ``{"error": {"code": ..., "field": ..., "message": ...}}``, and an exit
code, instead of a traceback:

==== ===========================================================================================
exit when
==== ===========================================================================================
0    done
1    the command ran and failed: a broken audit chain, a failed job or migration, a file it
     could not write (``FILE``, ``SYSTEM``), an unexpected error (``INTERNAL``: its class only; ``--debug`` or
     ``HEARTH_DEBUG=1`` shows the traceback)
2    bad input, found before any work: an option or argument (``VALIDATION``, ``USAGE``), a
     setting (``SETTINGS``, naming it), the SSN keys (``KEYS``), a refusal by the rules
     (``FORBIDDEN``, ``CONFLICT``, ``NOT_FOUND``, ``VALIDATION`` from a service)
3    the database is unavailable: down, unreachable, unknown host, refused sign-in, no such
     database (``UNAVAILABLE``; try again once it is back or its URL is fixed)
130  interrupted (Ctrl-C)
==== ===========================================================================================

Messages never hold a password, a key or client data: a database is named by host, port and
database name only, and an unexpected error by its class.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import socket
import sys
from collections.abc import Sequence
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

import typer
from typer import TyperException
from typer.core import TyperGroup

from services.errors import exception_chain

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_UNAVAILABLE",
    "CommandError",
    "HearthGroup",
    "check_database_url",
    "explain",
]

EXIT_FAILURE = 1
EXIT_INPUT = 2
EXIT_UNAVAILABLE = 3
EXIT_INTERRUPTED = 130

# The errors of a connection that the network or the host refused (other OSErrors are local).
_NETWORK = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.EHOSTUNREACH,
        errno.EHOSTDOWN,
        errno.ETIMEDOUT,
        errno.EADDRNOTAVAIL,
    }
)
_SCHEMES = ("postgres", "postgresql", "asyncpg", "postgres+asyncpg", "postgresql+asyncpg")


class CommandError(TyperException):
    """A failure the command line reports as one JSON line on standard error."""

    def __init__(
        self, code: str, message: str, *, exit_code: int = EXIT_FAILURE, field: str | None = None
    ) -> None:
        super().__init__(" ".join(message.split()))  # one line, whatever the source said
        self.code = code
        self.field = field
        self.exit_code = exit_code

    def line(self) -> str:
        return json.dumps(
            {"error": {"code": self.code, "field": self.field, "message": self.message}}
        )

    def show(self, file: IO[Any] | None = None) -> None:
        typer.echo(self.line(), file=file, err=True)


class _Target:
    """The database the running command uses, as its messages may name it (no credentials)."""

    where = "the database"


def check_database_url(url: str, *, name: str = "HEARTH_DATABASE_URL") -> None:
    """Refuse (``SETTINGS``, exit 2) a database URL Hearth cannot use, before connecting; remember
    where it points for the messages of connection failures."""
    from tortoise.backends.base.config_generator import expand_db_url

    def refuse(why: str) -> CommandError:
        return CommandError(
            "SETTINGS",
            f"{name} {why}; it is postgres://USER:PASSWORD@HOST:PORT/DATABASE",
            exit_code=EXIT_INPUT,
            field=name,
        )

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refuse("is not a URL Hearth can read") from None
    if not parts.scheme:
        raise refuse("is not a URL")
    if parts.scheme.lower() not in _SCHEMES:
        raise refuse(f"has the scheme {parts.scheme[:20]!r}: Hearth needs PostgreSQL")
    database = parts.path.lstrip("/")
    if not database:
        raise refuse("names no database")
    try:
        expand_db_url("postgres" + url[len(parts.scheme) :])
    except Exception:
        raise refuse("is not a URL Hearth can read") from None
    socket_dir = parse_qs(parts.query).get("host", [None])[0]
    if parts.hostname:
        _Target.where = f"the database {database!r} at {parts.hostname}:{port or 5432}"
    elif socket_dir:
        _Target.where = f"the database {database!r} at the socket in {socket_dir}"
    else:
        _Target.where = f"the database {database!r}"


def _settings_error(error: Any) -> CommandError:
    """pydantic's validation error of the settings: the settings named, with why (never their
    values, which may be secrets)."""
    problems = []
    names = []
    for item in error.errors(include_url=False, include_input=False):
        loc = [str(part) for part in item.get("loc", ()) if part != "__root__"]
        setting = f"HEARTH_{loc[0].upper()}" if loc else None
        if setting:
            names.append(setting)
        reason = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(f"{setting}: {reason}" if setting else reason)
    return CommandError(
        "SETTINGS",
        "invalid settings: " + "; ".join(problems),
        exit_code=EXIT_INPUT,
        field=names[0] if len(names) == 1 else None,
    )


def _unavailable(why: str) -> CommandError:
    return CommandError(
        "UNAVAILABLE",
        f"cannot use {_Target.where}: {why}",
        exit_code=EXIT_UNAVAILABLE,
        field="HEARTH_DATABASE_URL",
    )


def _database_error(error: BaseException) -> CommandError | None:
    """A failure to reach or sign in to the database, told without the URL's credentials."""
    import asyncpg
    from tortoise.exceptions import DBConnectionError

    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return _unavailable("it does not exist (create it, or fix HEARTH_DATABASE_URL)")
    if isinstance(
        error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    ):
        return _unavailable("it refused the user name or password of HEARTH_DATABASE_URL")
    if isinstance(error, asyncpg.CannotConnectNowError | asyncpg.AdminShutdownError):
        return _unavailable("it is starting up or shutting down")
    if isinstance(error, asyncpg.TooManyConnectionsError):
        return _unavailable("it has too many connections")
    if isinstance(error, asyncpg.exceptions.ConnectionDoesNotExistError):
        return _unavailable("the connection was lost")
    if isinstance(error, socket.gaierror):
        return _unavailable("its host name is not known")
    if isinstance(error, ConnectionRefusedError):
        return _unavailable("the connection was refused (is PostgreSQL running there?)")
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return _unavailable("it did not answer in time")
    if isinstance(error, ConnectionError):
        return _unavailable("the connection was lost")
    if isinstance(error, OSError) and error.filename is None and error.errno in _NETWORK:
        return _unavailable(error.strerror or "the network refused the connection")
    if isinstance(error, DBConnectionError):
        return _unavailable("it could not be reached")
    return None


def explain(error: BaseException) -> CommandError:
    """The one line and exit code for an error a command raised."""
    from pydantic import ValidationError
    from tortoise.exceptions import ConfigurationError

    from api.dbmigrate import MigrationFailed
    from models.sealed import SealingError
    from services.errors import DomainError

    if isinstance(error, CommandError):
        return error
    if isinstance(error, KeyboardInterrupt):
        return CommandError("INTERRUPTED", "interrupted", exit_code=EXIT_INTERRUPTED)
    if isinstance(error, DomainError):
        return CommandError(error.code, error.message, exit_code=EXIT_INPUT, field=error.field)
    if isinstance(error, SealingError):
        return CommandError("KEYS", str(error), exit_code=EXIT_INPUT)
    if isinstance(error, ValidationError):
        return _settings_error(error)
    for cause in reversed(
        list(exception_chain(error, suppressed=True))
    ):  # the root cause says most
        found = _database_error(cause)
        if found is not None:
            return found
    if isinstance(error, MigrationFailed):
        return CommandError("MIGRATION", str(error), exit_code=EXIT_FAILURE)
    if isinstance(error, ConfigurationError):
        return CommandError(
            "SETTINGS", f"the configuration is not usable: {error}", exit_code=EXIT_INPUT
        )
    if isinstance(error, OSError) and error.filename is not None:
        return CommandError(
            "FILE",
            f"{error.filename}: {error.strerror or type(error).__name__}",
            exit_code=EXIT_FAILURE,
        )
    if isinstance(error, OSError) and error.strerror:  # e.g. a full disk while writing a file
        return CommandError("SYSTEM", error.strerror, exit_code=EXIT_FAILURE)
    return CommandError(
        "INTERNAL",
        f"unexpected {type(error).__name__}; run again with --debug (or HEARTH_DEBUG=1) "
        "for the traceback",
        exit_code=EXIT_FAILURE,
    )


def _usage_error(error: TyperException) -> CommandError:
    """The parser's refusal of the command line (an option's value, a missing option, an
    unknown command) as one line, with where to find the command's help."""
    ctx = getattr(error, "ctx", None)
    hint = f" See '{ctx.command_path} --help'." if ctx is not None else ""
    said = error.format_message().strip()
    said += "" if said.endswith((".", "!", "?")) else "."
    if isinstance(error, typer.BadParameter):
        param, hint_of = error.param, error.param_hint
        field = None
        if param is not None:
            opts = [o for o in param.opts if o.startswith("--")] or [param.name or ""]
            field = opts[0].lstrip("-") or None
        elif isinstance(hint_of, str):
            field = hint_of.strip("'\"").lstrip("-") or None
        return CommandError("VALIDATION", said + hint, exit_code=EXIT_INPUT, field=field)
    return CommandError("USAGE", said + hint, exit_code=error.exit_code)


def _debugging(ctx: typer.Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug")) or os.environ.get("HEARTH_DEBUG", "").lower() in (
        "1",
        "true",
        "yes",
        "on",
    )


class HearthGroup(TyperGroup):
    """The ``hearth`` command group: every command's failures become one line and an exit code
    (see the module docstring); ``--debug`` lets Python print the traceback instead."""

    def invoke(self, ctx: Any) -> Any:
        _Target.where = "the database"
        try:
            return super().invoke(ctx)
        except (TyperException, typer.Exit, typer.Abort):
            raise
        except (Exception, KeyboardInterrupt) as error:
            if _debugging(ctx):
                raise
            raise explain(error) from error

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except TyperException as error:
            if not standalone_mode:
                raise
            if type(error).__name__ == "NoArgsIsHelpError":  # the help is printed already
                sys.exit(error.exit_code)
            reported = error if isinstance(error, CommandError) else _usage_error(error)
            reported.show()
            sys.exit(reported.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            CommandError("INTERRUPTED", "aborted", exit_code=EXIT_FAILURE).show()
            sys.exit(EXIT_FAILURE)
        if not standalone_mode:
            return result
        # click hands back an Exit's code, and a command's return value (None) otherwise
        sys.exit(result if isinstance(result, int) else 0)
