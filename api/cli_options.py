"""The command line's checks of option and argument values, run by the parser before a command
does any work: a value refused here ends the command with exit 2 and one line naming the option
(``api/cli_errors.py``), before settings are read, the database is reached or a bar is drawn."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import typer

__all__ = [
    "a_client_count",
    "a_date",
    "a_job",
    "a_quarter",
    "a_zip",
    "an_export_scope",
    "writable_file",
]


def a_date(value: str | None) -> str | None:
    """A date, YYYY-MM-DD."""
    if value is not None:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise typer.BadParameter(f"{value[:40]!r} is not a date (YYYY-MM-DD).") from None
    return value


def writable_file(value: Path | None) -> Path | None:
    """A file the command may create: not a folder, in a folder it may write (or create)."""
    if value is None:
        return value
    if value.is_dir():
        raise typer.BadParameter(f"{value} is a folder; name a file.")
    folder = value.absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise typer.BadParameter(f"{value} cannot be written here ({folder} is not writable).")
    return value


def a_quarter(value: str) -> str:
    """A quarter, e.g. 2026Q3."""
    from services.access_reports import parse_quarter
    from services.errors import ValidationFailed

    try:
        parse_quarter(value, today=date.max)  # its form; whether it has begun, the report says
    except ValidationFailed as error:
        raise typer.BadParameter(error.message) from None
    return value


def a_job(value: str) -> str:
    """The name of one of the jobs."""
    from services.jobs import JOBS

    if value not in JOBS:
        raise typer.BadParameter(f"unknown job {value[:40]!r}; known: {', '.join(JOBS)}.")
    return value


def a_client_count(value: int) -> int:
    """How many clients the generator can make."""
    from devdata.plan import MAX_CLIENTS

    if not 1 <= value <= MAX_CLIENTS:
        raise typer.BadParameter(f"{value} is not between 1 and {MAX_CLIENTS:,}.")
    return value


def an_export_scope(value: str) -> str:
    """project:ID, agency:ID, can:ID, coc:ID or all."""
    from services.errors import ValidationFailed
    from services.hudcsv.plan import parse_scope

    try:
        parse_scope(value)
    except ValidationFailed as error:
        raise typer.BadParameter(error.message) from None
    return value


def a_zip(value: Path) -> Path:
    """A zip archive (the parser has checked that it exists and can be read)."""
    import zipfile

    if not zipfile.is_zipfile(value):
        raise typer.BadParameter(f"{value} is not a zip archive.")
    return value
