"""HUD HMIS CSV export on request: the file is written server-side and downloaded over HTTP."""

from __future__ import annotations

import datetime

import strawberry

from authz.resources import Action, Resource
from schema.context import ResolverInfo
from schema.hud_enums import list_enum
from schema.operations import mutation
from schema.permissions import Requires
from services.hudcsv.export import run_export

__all__ = ["HudCsvMutation"]

DOWNLOAD_PATH = "/exports/hud-csv/"


@strawberry.input(description="What to export: scope, period (inclusive) and whether hashed.")
class RequestHudCsvExportInput:
    scope: str = strawberry.field(
        description="project:ID, agency:ID, can:ID, coc:ID or all (coc and all: Lead Agency only)."
    )
    start_date: datetime.date = strawberry.field(
        description="ExportStartDate: enrollments active from this day."
    )
    end_date: datetime.date = strawberry.field(
        description="ExportEndDate: enrollments active until this day."
    )
    hashed: bool = strawberry.field(
        default=False,
        description="The hashed variant (HashStatus 4). Callers who read no client data in the scope always get it.",
    )


@strawberry.type(description="How many rows one CSV file of the export holds.")
class HudCsvFileRows:
    file: str = strawberry.field(description="The file, e.g. Client.csv.")
    rows: int = strawberry.field(description="Data rows (the header not counted).")


@strawberry.type(
    description="A HUD HMIS CSV FY2026 zip written for you; download it before it expires."
)
class HudCsvExport:
    id: strawberry.ID = strawberry.field(
        description="The export's id (its ExportID is this id without dashes)."
    )
    scope: str = strawberry.field(description="The scope exported.")
    start_date: datetime.date = strawberry.field(description="ExportStartDate.")
    end_date: datetime.date = strawberry.field(description="ExportEndDate.")
    hash_status: int = strawberry.field(
        description="HUD 1.5 HashStatus: UNHASHED, or SHA_256 (hashed).",
        graphql_type=list_enum("1.5"),
    )
    files: list[HudCsvFileRows] = strawberry.field(description="Row counts of the 24 files.")
    size_bytes: int = strawberry.field(description="The zip's size.")
    created_at: datetime.datetime = strawberry.field(description="When written (ExportDate).")
    expires_at: datetime.datetime = strawberry.field(description="The download works until then.")
    download_url: str = strawberry.field(
        description="GET it with the same 'Authorization: Bearer' token (only you may); a zip (application/zip)."
    )


@strawberry.type
class HudCsvMutation:
    @mutation(
        Requires(Resource.HUD_CSV, Action.EXPORT),
        description="Write a HUD HMIS CSV FY2026 export of what you may see for a scope and period, audited; returns its row counts and a short-lived download URL. A scope you may not export: FORBIDDEN.",
    )
    async def request_hud_csv_export(
        self, info: ResolverInfo, input: RequestHudCsvExportInput
    ) -> HudCsvExport:
        ctx = info.context
        settings = ctx.settings
        ctx.allow_time(settings.hud_export_timeout_seconds)  # a statewide export takes minutes
        directory = settings.exports_path
        result = await run_export(
            ctx.caller,
            scope=input.scope,
            start=input.start_date,
            end=input.end_date,
            hashed=input.hashed,
            out=None,
            directory=directory,
            implementation_id=settings.hud_implementation_id,
            expires_at=ctx.now + datetime.timedelta(seconds=settings.hud_export_ttl_seconds),
        )
        record = result.record
        assert record is not None
        assert record.expires_at is not None
        return HudCsvExport(
            id=strawberry.ID(str(record.id)),
            scope=record.scope,
            start_date=record.start_date,
            end_date=record.end_date,
            hash_status=record.hash_status,
            files=[
                HudCsvFileRows(file=f"{name}.csv", rows=n) for name, n in record.row_counts.items()
            ],
            size_bytes=record.size_bytes,
            created_at=record.created_at,
            expires_at=record.expires_at,
            download_url=f"{DOWNLOAD_PATH}{record.id}",
        )
