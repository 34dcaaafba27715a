"""HUD HMIS CSV FY2026 export: exactly what the caller could read through the API, streamed.

Who may export which scope (``hud_csv:export`` in policies.csv):
  agency:ID   the agency's HMIS Data Coordinator, the backbone staff of its CAN, the Lead Agency
  project:ID  as for the project's agency
  can:ID      the CAN's backbone staff, the Lead Agency
  all         the Lead Agency
Anything else is FORBIDDEN (an unknown id too: the answer does not say whether it exists).
And the file holds client-level rows, PII under policy 405: it goes only to a caller who reads
the client data of the whole scope through the API (FULL or VIEW_ONLY at each agency, or
backbone staff of the CAN), seen through their own ``ClientScope``. A caller who may export
but reads no client there (an HDC whose licence is REPORTING_ONLY, the Lead Agency) is refused
with a pointer to the aggregate report (``services.reports.aggregates``) and, for the Lead
Agency, to a DSA extract (decision 162).

What the file holds: the enrollments at the scope's projects active in the period (entry on or
before the end, no exit before the start) that the caller sees through the API, their exits,
services, income, disabilities and health records, and their clients. Rows are chosen and
masked by the client-data policy the API asks (``authz.clients``): which clients, which rows of
each table (42 CFR Part 2 included), which fields; the element columns come from the element
registry (``services.hudcsv.elements``).

Two engines write the client files (decision 197). ``copy`` (the default): the enrollments are
chosen once in the snapshot, then PostgreSQL writes each file's rows (``COPY (SELECT ...) TO
STDOUT``, the statements derived from the declarations in ``services.hudcsv.selects``) straight
into spool files on disk; Client.csv passes through Python for its sealed SSNs and hashing.
``python``, the reference the COPY files are proven equal to: enrollments are read in keyset
batches ordered by client and each cell is formatted here. Either way the spools are then copied
into the zip's entries; memory holds one batch (python) or the chosen enrollments' ids (copy).

The permission check and the lens are ``services.hudcsv.plan``; each file's rows are built by
``services.hudcsv.rows``; this module reads, writes, zips and audits.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID, uuid4
from zipfile import ZIP_DEFLATED, ZipFile
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.transactions import in_transaction

from authz.clients import (
    ClientAccess,
    access_for,
    row_fields,
    row_security,
    sees,
    visible_client_sql,
)
from models.clients import Client
from models.enrollments import Enrollment, Exit
from models.enums import AuditAction
from models.governance import Agency, Project
from models.hud_exports import HudCsvExport
from models.users import User
from services.audit import AuditRow, append, current_request
from services.caller import Caller
from services.hudcsv.columns import FILES, columns
from services.hudcsv.elements import columns_of, to_csv
from services.hudcsv.format import SQL_SESSION, hash_name, hash_ssn, hud_id, value
from services.hudcsv.plan import (
    CSV_VERSION,
    HASHED,
    SOFTWARE_NAME,
    SOFTWARE_VERSION,
    ExportPlan,
    ExportScope,
    parse_scope,
    plan_export,
)
from services.hudcsv.records import ENROLLMENT_RECORDS, PROJECT_RECORDS, RecordFile
from services.hudcsv.rows import (
    ENROLLMENT_FIELDS,
    HASHED_NAMES,
    author,
    client_row,
    enrollment_row,
    trailer,
)
from services.hudcsv.selects import client_files, enrollments_sql
from services.progress import Progress, tell
from services.replica import on_replica

__all__ = [
    "ExportPlan",
    "ExportResult",
    "ExportScope",
    "parse_scope",
    "plan_export",
    "run_export",
    "write_export",
]

# Files with rows from the batches, spooled to disk while the batches run.
_SPOOLED = ("Client", "Enrollment", *(r.file for r in ENROLLMENT_RECORDS))
ENGINES = ("copy", "python")
# The COPY statements' sorts (Enrollment.csv's rows in the enrollments' order) in memory.
_WORK_MEM = "SET LOCAL work_mem = '64MB'"
# Deflate's fastest level: about 2.7 times the speed of the default (6) on these files for a zip
# about a fifth larger (decision 200); the deflating was half of the COPY export's own CPU.
ZIP_LEVEL = 1
# Clients audited per INSERT (one multi-row statement each: ``services.audit.append``).
AUDIT_BATCH = 5000


@dataclass(slots=True)
class ExportResult:
    export_id: UUID
    path: Path
    row_counts: dict[str, int]
    hash_status: int
    size_bytes: int = 0
    record: HudCsvExport | None = field(default=None)


class _Spool:
    """One file's rows on disk, in the table's column order."""

    def __init__(self, directory: Path, name: str, tz: ZoneInfo) -> None:
        self.name = name
        self.columns = [c.name for c in columns(name)]
        self.path = directory / f"{name}.csv"
        self.handle: TextIO = self.path.open("w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.handle)
        self.writer.writerow(self.columns)
        self.tz = tz
        self.rows = 0

    def write(self, row: dict[str, Any]) -> None:
        tz = self.tz
        self.writer.writerow(
            ["" if (v := row.get(c)) is None else value(v, tz) for c in self.columns]
        )
        self.rows += 1

    def close(self) -> None:
        self.handle.close()


async def write_export(
    plan: ExportPlan,
    *,
    out: Path,
    now: datetime,
    tz: ZoneInfo,
    implementation_id: str,
    batch: int = 2000,
    export_id: UUID | None = None,
    progress: Progress | None = None,
    requested_by: UUID | None = None,
    expires_at: datetime | None = None,
    engine: str = "copy",
) -> ExportResult:
    """Write the zip to ``out`` from one REPEATABLE READ snapshot, then audit it (EXPORT per
    client, and one row for the file with its scope and row counts) and record it in a short
    transaction of its own. The audit chain's lock is held only for that short write: auditing
    inside the long read would stall every audited write in the system for the whole export,
    and a second export's chain insert would read the last row from its old snapshot.
    ``progress`` hears of the enrollments written (step ``enrollments``), then of the clients
    audited (step ``clients audited``).

    ``engine``: ``copy`` (PostgreSQL writes the client files' CSV, ``services.hudcsv.selects``)
    or ``python`` (each cell formatted here, batch by batch: the reference the COPY files are
    proven equal to, byte for byte, in ``tests/hudcsv/test_copy.py``)."""
    if engine not in ENGINES:
        raise ValueError(f"engine is one of {ENGINES}")
    export_uuid = export_id or uuid4()
    eid = hud_id(export_uuid)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=".hudcsv-") as tmp:
            exported = Path(tmp) / "exported-clients.txt"

            async def read() -> dict[str, int]:
                # PostgreSQL's row-level security reads through the export's lens too
                # (decision 97).
                with row_security.lens(plan.lens):
                    async with in_transaction() as conn:
                        await conn.execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                        spools = {name: _Spool(Path(tmp), name, tz) for name in _SPOOLED}
                        users: set[UUID | None] = set()
                        if plan.actor_id is not None:
                            users.add(plan.actor_id)
                        try:
                            with exported.open("w") as ids_out:
                                if engine == "copy":
                                    await _copy_client_data(
                                        conn, plan, spools, users, eid, tz, progress, ids_out
                                    )
                                else:
                                    await _write_client_data(
                                        plan, spools, users, eid, now, batch, progress, ids_out
                                    )
                        finally:
                            for spool in spools.values():
                                spool.close()
                        return await _write_zip(
                            plan, spools, users, eid, export_uuid, out, now, tz, implementation_id
                        )

            # The snapshot's reads (and only they): on the replica if there is one; written
            # again from the primary's if the replica fails under them.
            counts = await on_replica(read, what="the HUD CSV export")
            async with in_transaction():
                audited = 0
                with exported.open() as ids_in:
                    while chunk := [
                        UUID(line.strip()) for line in itertools.islice(ids_in, AUDIT_BATCH)
                    ]:
                        await _audit_clients(plan, chunk, now)
                        audited += len(chunk)
                        tell(progress, "clients audited", audited, counts["Client"])
                await _audit_file(plan, export_uuid, counts, now)
                record = await HudCsvExport.create(
                    id=export_uuid,
                    requested_by_id=requested_by,
                    scope=str(plan.scope),
                    start_date=plan.start,
                    end_date=plan.end,
                    hash_status=plan.hash_status,
                    row_counts=counts,
                    file_name=out.name,
                    size_bytes=(await asyncio.to_thread(out.stat)).st_size,
                    created_at=now,
                    expires_at=expires_at,
                )
    except BaseException:
        await asyncio.to_thread(out.unlink, missing_ok=True)
        raise
    return ExportResult(
        export_id=export_uuid,
        path=out,
        row_counts=counts,
        hash_status=plan.hash_status,
        size_bytes=record.size_bytes,
        record=record,
    )


def _enrollments(plan: ExportPlan) -> Any:
    """The enrollments to export: at the scope's projects, active in the period, of clients the
    lens sees (each enrollment's client tested as the API tests it)."""
    ended_before = Exit.filter(exit_date__lt=plan.start).values("enrollment_id")
    visible = visible_client_sql(plan.lens, '"enrollment"."client_id"')
    return (
        Enrollment.filter(project_id__in=list(plan.project_ids), entry_date__lte=plan.end)
        .exclude(id__in=Subquery(ended_before))
        .annotate(client_visible=RawSQL(visible))
        .filter(client_visible=True)
    )


async def _write_client_data(
    plan: ExportPlan,
    spools: dict[str, _Spool],
    users: set[UUID | None],
    eid: str,
    now: datetime,
    batch: int,
    progress: Progress | None,
    ids_out: TextIO,
) -> None:
    """Client files from the snapshot; each exported client's id goes to ``ids_out`` for the
    audit written after the snapshot closes."""
    if not plan.project_ids:
        return
    base = _enrollments(plan)
    done, total = 0, None
    if progress is not None:
        total = await base.count()
        tell(progress, "enrollments", 0, total)
    last: tuple[UUID, UUID] | None = None
    written_client: UUID | None = None
    while True:
        qs = base
        if last is not None:
            qs = qs.filter(Q(client_id__gt=last[0]) | Q(client_id=last[0], id__gt=last[1]))
        rows = list(await qs.order_by("client_id", "id").limit(batch).values(*ENROLLMENT_FIELDS))
        if not rows:
            return
        last = (rows[-1]["client_id"], rows[-1]["id"])
        clients = {
            c.id: c for c in await Client.filter(id__in=list({r["client_id"] for r in rows}))
        }
        access = await access_for(plan.lens, list(clients.values()))
        kept = [r for r in rows if sees(Enrollment, r, r["agency_id"], access[r["client_id"]])]
        exported_clients: list[UUID] = []
        for r in kept:
            if r["client_id"] != written_client:
                written_client = r["client_id"]
                client = clients[written_client]
                spools["Client"].write(client_row(client, access[client.id], plan.hash_status, eid))
                users.add(author(client))
                exported_clients.append(client.id)
            # its elements of other categories (HEALTH) masked as the API's Enrollment masks them
            seen = row_fields(
                "Enrollment", r, own=False, access=access[r["client_id"]], agency_id=r["agency_id"]
            )
            spools["Enrollment"].write(enrollment_row({**r, **seen}, eid))
            users.add(author(r))
        await _write_children(plan, spools, users, kept, access, eid)
        ids_out.writelines(f"{c}\n" for c in exported_clients)
        done += len(rows)
        tell(progress, "enrollments", done, max(total or 0, done))


async def _write_children(
    plan: ExportPlan,
    spools: dict[str, _Spool],
    users: set[UUID | None],
    kept: list[dict[str, Any]],
    access: dict[UUID, ClientAccess],
    eid: str,
) -> None:
    """The kept enrollments' rows of each table that the lens sees, masked as the policy says."""
    if not kept:
        return
    by_id = {r["id"]: r for r in kept}
    ids = list(by_id)
    position = {enrollment_id: n for n, enrollment_id in enumerate(ids)}
    for record in ENROLLMENT_RECORDS:
        model, file = record.model, record.file
        rows = await model.filter(enrollment_id__in=ids).order_by(*record.order).values()
        # In the enrollments' order (client, enrollment), then the record's (a stable sort):
        # the file's order does not depend on the batches.
        for r in sorted(rows, key=lambda r: position[r["enrollment_id"]]):
            e = by_id[r["enrollment_id"]]
            seen = access[e["client_id"]]
            if not sees(model, r, e["agency_id"], seen):
                continue
            values = row_fields(model.__name__, r, own=False, access=seen, agency_id=e["agency_id"])
            user = author(r)
            spools[file].write(
                {
                    record.key: r["id"],
                    "EnrollmentID": e["id"],
                    "PersonalID": e["client_id"],
                    **{link.column: r[link.field] for link in record.links},
                    **to_csv(file, values),
                    **trailer(r["created_at"], r["updated_at"], user, eid),
                }
            )
            users.add(user)


async def _copy_client_data(
    conn: Any,
    plan: ExportPlan,
    spools: dict[str, _Spool],
    users: set[UUID | None],
    eid: str,
    tz: ZoneInfo,
    progress: Progress | None,
    ids_out: TextIO,
) -> None:
    """The client files written by PostgreSQL (``COPY (SELECT ...) TO STDOUT``), each file's
    statement derived from the declarations (``services.hudcsv.selects``), all in the
    snapshot's transaction ``conn``: the kept enrollments are chosen once, then each file is
    copied to its spool. Client.csv passes through Python for its sealed SSNs and hashing."""
    if not plan.project_ids:
        return
    async with conn.acquire_connection() as raw:
        await raw.execute(SQL_SESSION)
        await raw.execute(_WORK_MEM)
        kept = await raw.fetch(enrollments_sql(plan.lens, plan.project_ids, plan.start, plan.end))
        total = len(kept)
        tell(progress, "enrollments", 0, total)
        clients = list(dict.fromkeys(r["client_id"] for r in kept))
        files = client_files(
            plan.lens,
            enrollments=kept,
            clients=clients,
            hashed=plan.hash_status == HASHED,
            export_id=eid,
            tz=tz,
        )
        authors: set[bytes | str] = set()
        for select in files.selects:
            spool = spools[select.file]
            if select.file == "Client":
                spool.rows = await _copy_clients(
                    raw, select.query(), spool, plan.hash_status, authors
                )
            else:
                spool.rows = await _copy(raw, select.query(), spool, authors)
            if select.file == "Enrollment":
                tell(progress, "enrollments", total, total)
    users.update(UUID(hex=a.decode() if isinstance(a, bytes) else a) for a in authors if a)
    ids_out.writelines(f"{c}\n" for c in clients)


def _copied(status: str) -> int:
    """The row count of a ``COPY n`` status."""
    return int(status.rsplit(" ", 1)[-1])


async def _copy(raw: Any, query: str, spool: _Spool, authors: set[bytes | str]) -> int:
    """One file's rows from PostgreSQL straight to its spool, CRLF line ends as the Python
    writer's (no cell holds a line break: text is cleaned, ``format.clean_sql``). Each row's
    UserID (the third column from the end of every client file: UserID, DateDeleted,
    ExportID, none of which holds a comma) goes to ``authors``, for User.csv."""
    spool.handle.flush()
    rest = b""
    with spool.path.open("ab") as out:

        async def write(chunk: bytes) -> None:
            nonlocal rest
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            authors.update(line.rsplit(b",", 3)[1] for line in lines)
            out.write(chunk.replace(b"\n", b"\r\n"))

        count = _copied(await raw.copy_from_query(query, output=write, format="csv"))
    assert not rest, "a COPY row without its line end"
    return count


async def _copy_clients(
    raw: Any, query: str, spool: _Spool, hash_status: int, authors: set[bytes | str]
) -> int:
    """Client.csv: PostgreSQL's rows read back (``csv``) for what only this process does: the
    SSN opened where the caller sees it in full (the last column, then dropped), names and SSNs
    hashed for HashStatus 4 (``rows.client_row``)."""
    raw_path = spool.path.with_suffix(".copy")
    with raw_path.open("wb") as out:

        async def write(chunk: bytes) -> None:
            out.write(chunk)

        count = _copied(await raw.copy_from_query(query, output=write, format="csv"))
    await asyncio.to_thread(_finish_clients, raw_path, spool, hash_status, authors)
    return count


def _finish_clients(
    raw_path: Path, spool: _Spool, hash_status: int, authors: set[bytes | str]
) -> None:
    ssn_field = Client._meta.fields_map["ssn"]
    names = [c.name for c in columns("Client")]
    ssn, author = names.index("SSN"), names.index("UserID")
    hashed = [names.index(c) for c in HASHED_NAMES] if hash_status == HASHED else []
    with raw_path.open(newline="", encoding="utf-8") as source:
        for row in csv.reader(source):
            sealed = row.pop()
            if sealed and (opened := ssn_field.to_python_value(bytes.fromhex(sealed))):
                row[ssn] = opened if hashed else value(opened, spool.tz)
            if hashed:  # from the values as entered (PostgreSQL left them so)
                for i in (*hashed, ssn):
                    digest = (hash_ssn if i == ssn else hash_name)(row[i])
                    row[i] = "" if digest is None else value(digest, spool.tz)
            authors.add(row[author])
            spool.writer.writerow(row)
    raw_path.unlink()


def _audit_meta() -> dict[str, Any]:
    meta = current_request.get()
    return {
        "request_id": meta.request_id if meta else None,
        "operation": meta.operation if meta else None,
        "client_ip": meta.client_ip if meta else None,
        "caller_request_id": meta.caller_request_id if meta else None,
    }


async def _audit_clients(plan: ExportPlan, clients: Iterable[UUID], now: datetime) -> None:
    """One EXPORT row per client in the file (the client's own trail shows the export)."""
    meta = _audit_meta()
    await append(
        [
            AuditRow(
                occurred_at=now,
                action=AuditAction.EXPORT,
                entity_type="Client",
                entity_id=str(c),
                client_id=c,
                actor_id=plan.actor_id,
                agency_id=plan.actor_agency,
                fields=("hudCsv",),
                **meta,
            )
            for c in clients
        ]
    )


async def _audit_file(
    plan: ExportPlan, export_id: UUID, counts: dict[str, int], now: datetime
) -> None:
    """The file's EXPORT row: scope, period, hash status and every file's row count (names and
    numbers, no client data)."""
    details = (
        f"scope:{plan.scope}",
        f"period:{plan.start.isoformat()}..{plan.end.isoformat()}",
        f"hashStatus:{plan.hash_status}",
        *(f"rows:{name}:{n}" for name, n in counts.items()),
    )
    await append(
        [
            AuditRow(
                occurred_at=now,
                action=AuditAction.EXPORT,
                entity_type="HudCsvExport",
                entity_id=str(export_id),
                actor_id=plan.actor_id,
                agency_id=plan.actor_agency,
                fields=details,
                **_audit_meta(),
            )
        ]
    )


async def _write_zip(
    plan: ExportPlan,
    spools: dict[str, _Spool],
    users: set[UUID | None],
    eid: str,
    export_uuid: UUID,
    out: Path,
    now: datetime,
    tz: ZoneInfo,
    implementation_id: str,
) -> dict[str, int]:
    tmp = Path(next(iter(spools.values())).path.parent)
    extra = {name: _Spool(tmp, name, tz) for name in FILES if name not in spools}
    try:
        await _write_reference_files(plan, extra, users, eid, now, implementation_id)
    finally:
        for spool in extra.values():
            spool.close()
    every = {**spools, **extra}
    await asyncio.to_thread(_zip, out, [(f"{name}.csv", every[name].path) for name in FILES])
    return {name: every[name].rows for name in FILES}


def _zip(out: Path, entries: list[tuple[str, Path]]) -> None:
    """Copy the spools into the zip's entries (in a thread: deflating is CPU and disk work)."""
    with ZipFile(out, "w", compression=ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
        for name, path in entries:
            with archive.open(name, "w") as entry, path.open("rb") as source:
                shutil.copyfileobj(source, entry, 1 << 20)


async def _write_reference_files(
    plan: ExportPlan,
    spools: dict[str, _Spool],
    users: set[UUID | None],
    eid: str,
    now: datetime,
    implementation_id: str,
) -> None:
    """Export, Organization, Project and its records (ProjectCoC, Funder, Inventory,
    Affiliation, HMISParticipation, CEParticipation), and User. Rows with no author of their own
    (agencies, projects recorded before Hearth kept authors) name the exporting user as UserID.
    A project with no ProjectCoC or HMISParticipation row of its own gets one from what the
    project says (its principal CoC; taking part in HMIS over its operating period), as HUD
    requires at least one of each; an affiliation with a residential project outside the
    export is left out (its ResProjectID would point at no row of Project.csv)."""
    author_of = plan.actor_id
    projects = list(await Project.filter(id__in=list(plan.project_ids)).order_by("id"))
    agencies = list(
        await Agency.filter(id__in=list({p.agency_id for p in projects})).order_by("id")
    )
    coc_codes = sorted({p.coc_code for p in projects})
    spools["Export"].write(
        {
            "ExportID": eid,
            "SourceType": 1,
            "SourceID": ";".join(coc_codes) or None,
            "SourceName": "CT HMIS",
            "ExportDate": now,
            "ExportStartDate": plan.start,
            "ExportEndDate": plan.end,
            "SoftwareName": SOFTWARE_NAME,
            "SoftwareVersion": SOFTWARE_VERSION,
            "CSVVersion": CSV_VERSION,
            "ExportPeriodType": 3,
            "ExportDirective": 2,
            "HashStatus": plan.hash_status,
            "ImplementationID": implementation_id,
        }
    )
    for a in agencies:
        user = a.created_by_user_id or author_of
        users.add(user)
        spools["Organization"].write(
            {
                "OrganizationID": a.id,
                "OrganizationName": a.name,
                "VictimServiceProvider": a.victim_service_provider,
                "OrganizationCommonName": a.common_name,
                **trailer(a.created_at, a.updated_at, user, eid),
            }
        )
    project_ids = [p.id for p in projects]
    records = {
        record.file: await record.model.filter(project_id__in=project_ids)
        .order_by(*record.order)
        .values()
        for record in PROJECT_RECORDS
    }
    with_row = {
        file: {r["project_id"] for r in rows}
        for file, rows in records.items()
        if file in ("ProjectCoC", "HMISParticipation")
    }
    for p in projects:
        user = author(p) or author_of
        users.add(user)
        dates = trailer(p.created_at, p.updated_at, user, eid)
        spools["Project"].write(
            {
                "ProjectID": p.id,
                "OrganizationID": p.agency_id,
                **to_csv("Project", {name: getattr(p, name) for name in _PROJECT_ELEMENTS}),
                **dates,
            }
        )
        if p.id not in with_row["ProjectCoC"]:
            spools["ProjectCoC"].write(
                {"ProjectCoCID": p.id, "ProjectID": p.id, "CoCCode": p.coc_code, **dates}
            )
        if p.id not in with_row["HMISParticipation"]:
            spools["HMISParticipation"].write(
                {
                    "HMISParticipationID": p.id,
                    "ProjectID": p.id,
                    "HMISParticipationType": 1,
                    "HMISParticipationStatusStartDate": p.operating_start_date,
                    "HMISParticipationStatusEndDate": p.operating_end_date,
                    **dates,
                }
            )
    exported = set(project_ids)
    for record in PROJECT_RECORDS:
        _write_project_records(record, records[record.file], spools, users, exported, eid)
    ids = sorted(u for u in users if u is not None)
    for start in range(0, len(ids), 5000):
        for u in await User.filter(id__in=ids[start : start + 5000]).order_by("id"):
            spools["User"].write(
                {
                    "UserID": u.id,
                    "UserFirstName": u.first_name,
                    "UserLastName": u.last_name,
                    "UserPhone": u.phone,
                    "UserExtension": u.phone_extension,
                    "UserEmail": u.email,
                    "DateCreated": u.created_at,
                    "DateUpdated": u.updated_at,
                    "ExportID": eid,
                }
            )


def _write_project_records(
    record: RecordFile,
    rows: list[dict[str, Any]],
    spools: dict[str, _Spool],
    users: set[UUID | None],
    exported: set[UUID],
    eid: str,
) -> None:
    for r in rows:
        links = {link.column: r[link.field] for link in record.links}
        if any(link.file == "Project" and r[link.field] not in exported for link in record.links):
            continue
        user = author(r)
        users.add(user)
        spools[record.file].write(
            {
                record.key: r["id"],
                "ProjectID": r["project_id"],
                **links,
                **to_csv(record.file, r),
                **trailer(r["created_at"], r["updated_at"], user, eid),
            }
        )


_PROJECT_ELEMENTS = tuple(item.name for _, item in columns_of("Project"))


async def run_export(
    caller: Caller,
    *,
    scope: str,
    start: date,
    end: date,
    hashed: bool,
    out: Path | None,
    directory: Path | None = None,
    implementation_id: str,
    expires_at: datetime | None = None,
    progress: Progress | None = None,
    engine: str = "copy",
) -> ExportResult:
    """Check, plan and write one export for the caller: to ``out``, or (for download) to
    ``directory`` under the export's id (``engine``: see ``write_export``)."""
    decisions, now, tz = caller.decisions, caller.now, caller.timezone
    plan = await plan_export(
        decisions, parse_scope(scope), start=start, end=end, hashed=hashed, today=caller.today
    )
    export_id = uuid4()
    if out is None:
        assert directory is not None
        out = directory / f"hud-csv-{export_id.hex}.zip"
    return await write_export(
        plan,
        out=out,
        now=now,
        tz=tz,
        implementation_id=implementation_id,
        export_id=export_id,
        progress=progress,
        requested_by=decisions.principal.user_id,
        expires_at=expires_at,
        engine=engine,
    )
