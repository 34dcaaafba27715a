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
from services.hudcsv.organizations import OrganizationMap, map_organizations
from services.hudcsv.problems import Problem, _Problems
from services.hudcsv.read import ZipLimits, _Archive
from services.hudcsv.records import ENROLLMENT_RECORDS
from services.hudcsv.validate import _Context, _validate
from services.hudcsv.write import _Writer
from services.progress import Progress

__all__ = ["ImportRefused", "ImportResult", "import_hud_csv"]


class ImportRefused(ValidationFailed):
    """The import found problems and wrote nothing."""

    def __init__(
        self, problems: list[Problem], total: int, result: ImportResult | None = None
    ) -> None:
        super().__init__(
            f"The HUD CSV import was refused: {total} problem(s), nothing was written.",
            field="file",
        )
        self.problems = problems
        self.total = total
        self.result = result  # a dry run's report: what the file holds, what is refused


@dataclass(slots=True)
class ImportResult:
    export_id: str
    source_system: str
    rows_read: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    # problems by file (a dry run reports them beside what would be written)
    refused: dict[str, int] = field(default_factory=dict)
    agencies_created: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction, so that it rolls back."""


async def _hdc_of(agency_id: UUID) -> UUID | None:
    duty = await UserDuty.filter(agency_id=agency_id, duty=Duty.HMIS_DATA_COORDINATOR).first()
    return duty.user_id if duty is not None else None


async def _importing_user(username: str | None, agencies: set[UUID]) -> UUID:
    """The user the import is recorded under: the one named, else the HMIS Data Coordinator of
    the one agency the file goes to."""
    if username is not None:
        user = await User.filter(username=username, source_system__isnull=True).first()
        if user is None:
            raise NotFound("No user of that name.", field="user")
        return user.id
    hdc = await _hdc_of(next(iter(agencies))) if len(agencies) == 1 else None
    if hdc is None:
        raise ValidationFailed(
            "Name the importing user (--user): the file goes to several agencies, or the agency "
            "has no HMIS Data Coordinator.",
            field="user",
        )
    return hdc


def _by_file(problems: _Problems) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in problems.items:
        counts[p.file] = counts.get(p.file, 0) + 1
    return counts


async def import_hud_csv(
    path: Path,
    *,
    agency_id: UUID | None = None,
    organizations: OrganizationMap | None = None,
    username: str | None,
    now: datetime,
    tz: ZoneInfo,
    batch: int = 5000,
    progress: Progress | None = None,
    limits: ZipLimits | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Validate the zip, then import it in one transaction (see the module docstring): for the
    agency ``agency_id`` (every organization of the file is it), or for the agencies the
    organizations map to (``services.hudcsv.organizations``). Raises :class:`ImportRefused` with
    every problem (up to MAX_PROBLEMS listed) and writes nothing. A dry run does everything,
    then rolls back: its result says what would be created, updated, deleted and refused.
    ``progress`` hears of the rows checked, then of the rows imported."""
    mapping = organizations or OrganizationMap()
    default: Agency | None = None
    if agency_id is not None:
        default = await Agency.filter(id=agency_id).first()
        if default is None:
            raise NotFound("No such agency.", field="agency")
        if default.victim_service_provider:
            raise Forbidden(
                "Victim service providers keep client data out of HMIS (HUD privacy rule).",
                field="agency",
            )
        mapping = OrganizationMap(mapping.agencies, agency_id, mapping.create)
        if username is None and not mapping.agencies and await _hdc_of(agency_id) is None:
            await _importing_user(None, set())  # refused before the file is read
    today = now.astimezone(tz).date()
    problems = _Problems()
    ctx = _Context(today=today, tz=tz)
    archive = _Archive(path, problems, limits)
    try:
        if archive.zip is not None:
            _validate(archive, problems, ctx, progress)
            archive.verify_rest(problems)
        if problems.total:
            raise ImportRefused(
                problems.items,
                problems.total,
                ImportResult(
                    ctx.export_id, "", dict(ctx.rows), refused=_by_file(problems), dry_run=dry_run
                ),
            )
        export_row = next(row for _, row in archive.rows("Export", problems))
        source_system = export_row["ImplementationID"][:200]
        software = export_row.get("SoftwareName") or "another HMIS"
        label = f"Imported from {software} (HUD CSV, implementation {source_system})"[:200]
        result = ImportResult(
            export_id=ctx.export_id,
            source_system=source_system,
            rows_read=dict(ctx.rows),
            dry_run=dry_run,
        )
        try:
            async with in_transaction() as conn:
                orgs, result.agencies_created = await map_organizations(
                    archive, problems, mapping, source_system=source_system, conn=conn, now=now
                )
                user_id = await _importing_user(
                    username, {a.id for a in orgs.values()} | ({agency_id} if agency_id else set())
                )
                writer = _Writer(
                    conn,
                    archive,
                    problems,
                    ctx,
                    organizations=orgs,
                    default=default,
                    user_id=user_id,
                    source_system=source_system,
                    source_label=label,
                    now=now,
                    batch=batch,
                    progress=progress,
                )
                await writer.users_map()
                await writer.organizations_provenance(result.agencies_created)
                await writer.projects_map()
                await writer.project_records_write()
                writer.scan_enrollments()
                if not problems.total:
                    await writer.clients_write()
                    await writer.enrollments_write()
                    await writer.consents_write()
                    for record in ENROLLMENT_RECORDS:
                        await writer.children_write(record)
                    await writer.deletions()
                tally = writer.tally
                result.created, result.updated = tally.created, tally.updated
                result.deleted, result.kept = tally.deleted, tally.kept
                if problems.total:  # the mapping's, Hearth's own, or a zip changed between passes
                    result.refused = _by_file(problems)
                    raise ImportRefused(problems.items, problems.total, result)
                await _audit(writer, result, now)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return result
    finally:
        if archive.zip is not None:
            archive.zip.close()


async def _audit(writer: _Writer, result: ImportResult, now: datetime) -> None:
    """A CREATE row per new client (its trail shows the import), the updates, deletions and
    second agencies' consents, and one for the import itself."""
    rows = [
        AuditRow(
            occurred_at=now,
            action=AuditAction.CREATE,
            entity_type="Client",
            entity_id=str(c),
            client_id=c,
            actor_id=writer.user_id,
            agency_id=agency,
            fields=("hudCsvImport",),
        )
        for c, agency in writer.new_clients
    ]
    rows += writer.audit
    details = (
        f"export:{result.export_id}"[:80],
        f"source:{result.source_system}"[:80],
        *(
            f"{kind}:{k}:{v}"
            for kind in ("created", "updated", "deleted", "kept")
            for k, v in getattr(result, kind).items()
        ),
    )
    rows.append(
        AuditRow(
            occurred_at=now,
            action=AuditAction.CREATE,
            entity_type="HudCsvImport",
            entity_id=result.export_id[:64],
            actor_id=writer.user_id,
            agency_id=writer.default.id if writer.default else None,
            fields=details,
        )
    )
    for start in range(0, len(rows), 2000):
        await append(rows[start : start + 2000])
