"""HUD HMIS CSV import (FY2026, FY2024 accepted): validate everything, then write in one transaction.

Pass 1 reads every file Hearth imports, row by row (the csv module's streaming reader over the
zip entry), and collects every problem with its file, row and column: missing files, missing
columns, bad types, unparseable dates, values too long, nulls where the table forbids them,
duplicate ids, broken foreign keys, ExportID mismatches, text that is not UTF-8. If there is any
problem, nothing is written. Pass 2 reads the files again and writes in batches (executemany)
inside one transaction, with the import's audit rows.

Ids: every imported row keeps its source id (``source_system`` = Export.ImplementationID,
``source_id``), unique per agency (clients, enrollments, projects) or per enrollment (the rest):
re-importing a file adds only what is new. A source id that is a Hearth id (32 hex digits, as
Hearth's own export writes) becomes the row's Hearth id when it is free, so Hearth -> Hearth
keeps ids (the round trip); otherwise the row gets a new id.

The zip and its CSVs are read by ``read``, pass 1 is ``validate``, pass 2 is ``write``; this
module runs them and audits the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from models.enums import AuditAction, Duty
from models.governance import Agency
from models.users import User, UserDuty
from services.audit import AuditRow, append
from services.errors import Forbidden, NotFound, ValidationFailed
from services.hudcsv.problems import Problem, _Problems
from services.hudcsv.read import ZipLimits, _Archive
from services.hudcsv.validate import _Context, _validate
from services.hudcsv.write import _Writer
from services.progress import Progress

__all__ = ["ImportRefused", "ImportResult", "import_hud_csv"]


class ImportRefused(ValidationFailed):
    """The import found problems and wrote nothing."""

    def __init__(self, problems: list[Problem], total: int) -> None:
        super().__init__(
            f"The HUD CSV import was refused: {total} problem(s), nothing was written.",
            field="file",
        )
        self.problems = problems
        self.total = total


@dataclass(slots=True)
class ImportResult:
    export_id: str
    source_system: str
    rows_read: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)


async def _importing_user(agency: Agency, username: str | None) -> UUID:
    """The user the import is recorded under: the one named, else the agency's HMIS Data Coordinator."""
    if username is not None:
        user = await User.filter(username=username).first()
        if user is None:
            raise NotFound("No user of that name.", field="user")
        return user.id
    duty = await UserDuty.filter(agency_id=agency.id, duty=Duty.HMIS_DATA_COORDINATOR).first()
    if duty is None:
        raise ValidationFailed(
            "The agency has no HMIS Data Coordinator: name the importing user (--user).",
            field="user",
        )
    return duty.user_id


async def import_hud_csv(
    path: Path,
    *,
    agency_id: UUID,
    username: str | None,
    now: datetime,
    tz: ZoneInfo,
    batch: int = 5000,
    progress: Progress | None = None,
    limits: ZipLimits | None = None,
) -> ImportResult:
    """Validate the zip, then import it for the agency in one transaction (see the module docstring).
    Raises :class:`ImportRefused` with every problem (up to MAX_PROBLEMS listed) and writes nothing.
    ``progress`` hears of the rows checked, then of the rows imported."""
    agency = await Agency.filter(id=agency_id).first()
    if agency is None:
        raise NotFound("No such agency.", field="agency")
    if agency.victim_service_provider:
        raise Forbidden(
            "Victim service providers keep client data out of HMIS (HUD privacy rule).",
            field="agency",
        )
    user_id = await _importing_user(agency, username)
    today = now.astimezone(tz).date()
    problems = _Problems()
    ctx = _Context(today=today, tz=tz)
    archive = _Archive(path, problems, limits)
    try:
        if archive.zip is not None:
            _validate(archive, problems, ctx, progress)
            archive.verify_rest(problems)
        if problems.total:
            raise ImportRefused(problems.items, problems.total)
        export_row = next(row for _, row in archive.rows("Export", problems))
        source_system = export_row["ImplementationID"][:200]
        software = export_row.get("SoftwareName") or "another HMIS"
        label = f"Imported from {software} (HUD CSV, implementation {source_system})"[:200]
        result = ImportResult(
            export_id=ctx.export_id, source_system=source_system, rows_read=dict(ctx.rows)
        )
        async with in_transaction() as conn:
            writer = _Writer(
                conn,
                archive,
                problems,
                ctx,
                agency=agency,
                user_id=user_id,
                source_system=source_system,
                source_label=label,
                now=now,
                batch=batch,
                progress=progress,
            )
            await writer.users_map()
            result.created["Project"] = await writer.projects_map()
            if problems.total:
                raise ImportRefused(problems.items, problems.total)
            result.created["Client"] = await writer.clients_write()
            result.created["Enrollment"] = await writer.enrollments_write()
            for file in ("Exit", "Services", "IncomeBenefits", "Disabilities", "HealthAndDV"):
                result.created[file] = await writer.children_write(file)
            if problems.total:  # the zip changed under the import, between the passes
                raise ImportRefused(problems.items, problems.total)
            await _audit(writer, result, now)
        return result
    finally:
        if archive.zip is not None:
            archive.zip.close()


async def _audit(writer: _Writer, result: ImportResult, now: datetime) -> None:
    """A CREATE row per new client (its trail shows the import) and one for the import itself."""
    rows = [
        AuditRow(
            occurred_at=now,
            action=AuditAction.CREATE,
            entity_type="Client",
            entity_id=str(c),
            client_id=c,
            actor_id=writer.user_id,
            agency_id=writer.agency.id,
            fields=("hudCsvImport",),
        )
        for c in writer.new_clients
    ]
    details = (
        f"export:{result.export_id}"[:80],
        f"source:{result.source_system}"[:80],
        *(f"created:{k}:{v}" for k, v in result.created.items()),
    )
    rows.append(
        AuditRow(
            occurred_at=now,
            action=AuditAction.CREATE,
            entity_type="HudCsvImport",
            entity_id=result.export_id[:64],
            actor_id=writer.user_id,
            agency_id=writer.agency.id,
            fields=details,
        )
    )
    for start in range(0, len(rows), 2000):
        await append(rows[start : start + 2000])
