"""Helpers for the HUD CSV tests: run an export as a user, read a zip, build a zip by hand."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from authz.enforcer import Decisions, current_authorizer
from models.clients import Client
from models.enums import AccessLevel, SystemRole
from models.governance import Agency
from models.users import User
from services.caller import Caller
from services.hudcsv.columns import FILES, columns
from services.hudcsv.export import ExportResult, run_export
from services.principals import load_principal
from tests.conftest import START
from tests.factories import make_user

TZ = ZoneInfo("America/New_York")
PERIOD = {"start": date(2025, 10, 1), "end": date(2026, 9, 30)}


async def stored_clients(conn: Any) -> dict[str, dict[str, Any]]:
    """Every client row as stored, by id (hex), the sealed SSN opened."""
    field = Client._meta.fields_map["ssn"]
    return {
        r["id"].hex: {**r, "ssn": field.to_python_value(r["ssn"])}
        for r in await conn.fetch("SELECT * FROM client")
    }


async def decisions_for(user: User) -> Decisions:
    loaded = await load_principal(user.id)
    assert loaded is not None
    return Decisions(current_authorizer(), loaded[0])


async def statewide_reader(username: str | None = None) -> User:
    """Someone who may take a statewide client-level file (decision 162): a Lead Agency user
    who also reads every agency's clients (a VIEW_ONLY licence at each, under its MOU). The
    Lead Agency alone reads no client and is refused."""
    agencies = await Agency.all()
    return await make_user(
        username,
        roles=(SystemRole.LEAD_AGENCY,),
        agencies=dict.fromkeys(agencies, AccessLevel.VIEW_ONLY),
    )


async def export_as(
    user: User, scope: str, out: Path, *, hashed: bool = False, **period: Any
) -> ExportResult:
    return await run_export(
        Caller(await decisions_for(user), START, TZ),
        scope=scope,
        hashed=hashed,
        out=out,
        implementation_id="hearth-test",
        **{**PERIOD, **period},
    )


def read_zip(path: Path) -> dict[str, list[dict[str, str]]]:
    """Each file's rows as dicts (the header checked against the table's order)."""
    result = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8")
            rows = list(csv.reader(io.StringIO(text)))
            file = name.removesuffix(".csv")
            assert rows[0] == [c.name for c in columns(file)], file
            result[file] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return result


def write_zip(
    path: Path,
    files: dict[str, list[dict[str, str]]],
    *,
    encoding: str = "utf-8",
    drop_columns: dict[str, set[str]] | None = None,
    rename: dict[str, dict[str, str]] | None = None,
    only: tuple[str, ...] = FILES,
) -> Path:
    """A zip with a CSV per file in ``only`` (the table's columns, minus ``drop_columns``,
    headers renamed by ``rename``), rows from ``files``."""
    with zipfile.ZipFile(path, "w") as archive:
        for file in only:
            names = [
                c.name for c in columns(file) if c.name not in (drop_columns or {}).get(file, set())
            ]
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow([(rename or {}).get(file, {}).get(n, n) for n in names])
            for row in files.get(file, []):
                writer.writerow([row.get(n, "") for n in names])
            archive.writestr(f"{file}.csv", buffer.getvalue().encode(encoding))
    return path
