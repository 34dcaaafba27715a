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
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import UUID
from zipfile import BadZipFile, ZipFile
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from models.enrollments import INCOME_SOURCES as INCOME_SOURCE_COLUMNS
from models.enums import AuditAction, Duty
from models.governance import Agency, Project
from models.users import User, UserDuty
from services.audit import AuditRow, append
from services.errors import Forbidden, NotFound, ValidationFailed
from services.hudcsv.columns import Column, columns

__all__ = [
    "ImportRefused",
    "ImportResult",
    "Problem",
    "import_hud_csv",
    "parse_date",
    "parse_datetime",
]

# The files Hearth reads, parents before children (foreign keys are checked in this order).
IMPORTED = (
    "Export",
    "Organization",
    "User",
    "Project",
    "ProjectCoC",
    "Client",
    "Enrollment",
    "Exit",
    "Services",
    "IncomeBenefits",
    "Disabilities",
    "HealthAndDV",
)
# Columns FY2024 files do not have (and FY2024 names of renamed ones), by file.
_FY2024_ABSENT = {"Client": {"Sex"}, "Enrollment": {"MentalHealthConsultation"}}
_FY2024_NAMES = {"Client": {"HispanicLatinaeo": "HispanicLatinao"}}
# Hearth's column widths where they are narrower than, or not stated by, the table.
_MAX_LENGTH = {
    "FirstName": 50,
    "MiddleName": 50,
    "LastName": 50,
    "NameSuffix": 50,
    "AdditionalRaceEthnicity": 100,
    "HouseholdID": 32,
    "EnrollmentCoC": 6,
    "OtherDestination": 50,
    "OtherTypeProvided": 50,
    "ProjectName": 200,
    "ProjectCommonName": 200,
    "CoCCode": 6,
}
_ID_LENGTH = 64
_MONEY = frozenset(
    {"TotalMonthlyIncome", "FAAmount", "OtherIncomeAmount"}
    | {c for c in INCOME_SOURCE_COLUMNS.values()}
)
# Primary key and foreign keys of each imported file.
_KEYS: dict[str, tuple[str, dict[str, str]]] = {
    "Organization": ("OrganizationID", {}),
    "User": ("UserID", {}),
    "Project": ("ProjectID", {"OrganizationID": "Organization"}),
    "ProjectCoC": ("ProjectCoCID", {"ProjectID": "Project"}),
    "Client": ("PersonalID", {}),
    "Enrollment": ("EnrollmentID", {"PersonalID": "Client", "ProjectID": "Project"}),
    "Exit": ("ExitID", {"EnrollmentID": "Enrollment", "PersonalID": "Client"}),
    "Services": ("ServicesID", {"EnrollmentID": "Enrollment", "PersonalID": "Client"}),
    "IncomeBenefits": ("IncomeBenefitsID", {"EnrollmentID": "Enrollment", "PersonalID": "Client"}),
    "Disabilities": ("DisabilitiesID", {"EnrollmentID": "Enrollment", "PersonalID": "Client"}),
    "HealthAndDV": ("HealthAndDVID", {"EnrollmentID": "Enrollment", "PersonalID": "Client"}),
}
_SSN = re.compile(r"^[0-9x]{9}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%m-%d-%Y",
    "%d-%b-%Y",
    "%m/%d/%y",
    "%m-%d-%y",
    "%d-%b-%y",
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H:%M:%S.%f")
MAX_PROBLEMS = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input. ``row`` counts the header as row 1 (as a spreadsheet does)."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = (
            self.file
            + (f" row {self.row}" if self.row else "")
            + (f" column {self.column}" if self.column else "")
        )
        return f"{where}: {self.message}"


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


def parse_date(text: str, today: date) -> date | None:
    """yyyy-mm-dd, and leniently mm/dd/yyyy, mm-dd-yyyy, dd-Mon-yyyy, yyyy/mm/dd and 2-digit years
    (a 2-digit year that would be in the future is taken as the previous century)."""
    return _parse_date(text, today)


@lru_cache(maxsize=1 << 16)
def _parse_date(text: str, today: date) -> date | None:
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if fmt.endswith("%y") and parsed > today:
            parsed = parsed.replace(year=parsed.year - 100)
        return parsed
    return None


def parse_datetime(text: str, today: date, tz: ZoneInfo) -> datetime | None:
    """A date as :func:`parse_date`, optionally followed (space or T) by hh:mm[:ss[.ffffff]];
    local time in ``tz``."""
    return _parse_datetime(text, today, tz)


@lru_cache(maxsize=1 << 16)
def _parse_datetime(text: str, today: date, tz: ZoneInfo) -> datetime | None:
    if _ISO_DATETIME.match(text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=tz)
        except ValueError:
            return None
    head, _, tail = text.replace("T", " ", 1).partition(" ")
    day = _parse_date(head, today)
    if day is None:
        return None
    moment = time()
    if tail.strip():
        for fmt in _TIME_FORMATS:
            try:
                moment = datetime.strptime(tail.strip(), fmt).time()
                break
            except ValueError:
                continue
        else:
            return None
    return datetime.combine(day, moment, tzinfo=tz)


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.total = 0

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, row, column, message))


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


class _Archive:
    """The zip's CSVs by file name (case-insensitive, at the root)."""

    def __init__(self, path: Path, problems: _Problems) -> None:
        self.zip: ZipFile | None = None
        self.entries: dict[str, str] = {}
        try:
            self.zip = ZipFile(path)
        except (BadZipFile, OSError):
            problems.add(path.name, None, None, "not a zip archive")
            return
        nested: dict[str, str] = {}
        for name in self.zip.namelist():
            base = name.rsplit("/", 1)[-1]
            if not base.lower().endswith(".csv"):
                continue
            key = base[:-4].lower()
            (self.entries if "/" not in name else nested)[key] = name
        for file in IMPORTED:
            if file.lower() not in self.entries:
                hint = (
                    " (it is in a folder: the CSVs must sit at the zip's root)"
                    if file.lower() in nested
                    else ""
                )
                problems.add(f"{file}.csv", None, None, f"missing from the zip{hint}")

    def has(self, file: str) -> bool:
        return file.lower() in self.entries

    def rows(
        self, file: str, problems: _Problems, broken: set[str] | None = None
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, {table column: text}) for each data row; header and decoding problems
        are added to ``problems`` (they end the file, which is then added to ``broken``)."""
        assert self.zip is not None
        name = f"{file}.csv"
        with self.zip.open(self.entries[file.lower()]) as raw:
            buffered = io.BufferedReader(raw)  # type: ignore[arg-type]
            encoding = _encoding(buffered.peek(4))
            lines: Iterator[str]
            if encoding == "utf-16":
                lines = io.TextIOWrapper(buffered, encoding=encoding, newline="")
            else:
                # line by line, so that a byte that is not UTF-8 is reported on its own row
                lines = (line.decode(encoding) for line in buffered)
            before = problems.total
            yield from _read(name, file, lines, problems)
            if broken is not None and problems.total > before and _structural(problems, name):
                broken.add(file)


def _structural(problems: _Problems, name: str) -> bool:
    last = problems.items[-1] if problems.items else None
    return last is not None and last.file == name and (last.row == 1 or last.column is None)


def _read(
    name: str, file: str, text: Iterator[str], problems: _Problems
) -> Iterator[tuple[int, dict[str, str]]]:
    line = 1
    try:
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            problems.add(name, 1, None, "empty file: a header row is required")
            return
        wanted = {c.name.lower(): c.name for c in columns(file)}
        renamed = {k.lower(): v for k, v in _FY2024_NAMES.get(file, {}).items()}
        positions: dict[str, int] = {}
        for i, heading in enumerate(header):
            key = heading.strip().lstrip("\ufeff").lower()
            key = renamed[key].lower() if key in renamed else key
            if key in wanted and wanted[key] not in positions:
                positions[wanted[key]] = i
        absent = _FY2024_ABSENT.get(file, set())
        missing = [
            c.name for c in columns(file) if c.name not in positions and c.name not in absent
        ]
        for column in missing:
            problems.add(name, 1, column, "column missing from the header row")
        if missing:
            return
        width = len(header)
        for row in reader:
            line += 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                problems.add(name, line, None, f"{len(row)} fields where the header has {width}")
                continue
            yield line, {column: row[i].strip() for column, i in positions.items()}
    except UnicodeDecodeError:
        problems.add(
            name,
            line + 1,
            None,
            "not UTF-8 text (a foreign encoding, e.g. Windows-1252?): export the file as UTF-8",
        )
    except csv.Error as error:
        problems.add(name, line + 1, None, f"not readable as CSV ({error})")


@dataclass(slots=True)
class _Context:
    today: date
    tz: ZoneInfo
    export_id: str = ""
    hash_status: int | None = None
    ids: dict[str, set[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    # Files whose header or text could not be read: their ids are unknown, so foreign keys to
    # them are not checked (that would only repeat the problem).
    broken: set[str] = field(default_factory=set)


def _checker(column: Column, ctx: _Context) -> Callable[[str], str | None]:
    """Why a non-blank cell of this column is wrong, or None (chosen once per column)."""
    if column.name == "DateDeleted" or column.data_type == "datetime":
        return lambda text: (
            None
            if parse_datetime(text, ctx.today, ctx.tz)
            else f"not a date and time: {text[:30]!r}"
        )
    if column.data_type == "date":
        return lambda text: None if parse_date(text, ctx.today) else f"not a date: {text[:30]!r}"
    if column.data_type == "numeric":
        money = column.name in _MONEY

        def number(text: str) -> str | None:
            if not money and text.isdigit() and len(text) < 5:
                return None  # the common case: a small code
            try:
                value = Decimal(text)
            except InvalidOperation:
                return f"not a number: {text[:30]!r}"
            if not value.is_finite():
                return f"not a number: {text[:30]!r}"
            if money:
                return None if abs(value) < 10**10 else "amount too large"
            if value != value.to_integral_value() or not -32768 <= value <= 32767:
                return f"not a whole number Hearth can hold: {text[:30]!r}"
            return None

        return number
    limit = _MAX_LENGTH.get(column.name)
    if column.name.endswith("ID") and column.name not in (
        "ImplementationID",
        "SourceID",
        "GrantID",
        "ExportID",
    ):
        limit = limit or _ID_LENGTH
    if limit:
        return lambda text: f"longer than {limit} characters" if len(text) > limit else None
    return lambda text: None


def _validate(archive: _Archive, problems: _Problems, ctx: _Context) -> None:
    for file in IMPORTED:
        if not archive.has(file):
            continue
        name = f"{file}.csv"
        checks = [(c.name, c.nulls_allowed, _checker(c, ctx)) for c in columns(file)]
        key, foreign = _KEYS.get(file, (None, {}))
        seen: set[str] = set()
        count = 0
        for line, row in archive.rows(file, problems, ctx.broken):
            count += 1
            for column, nullable, check in checks:
                text = row.get(column)
                if text is None:
                    continue  # a column FY2024 files do not have
                if not text:
                    if not nullable:
                        problems.add(
                            name, line, column, "required (the column table forbids a blank)"
                        )
                    continue
                reason = check(text)
                if reason:
                    problems.add(name, line, column, reason)
            if file == "Export":
                ctx.export_id = row["ExportID"]
                ctx.hash_status = int(row["HashStatus"]) if row["HashStatus"].isdigit() else None
                if ctx.hash_status not in (None, 1):
                    problems.add(
                        name,
                        line,
                        "HashStatus",
                        "a hashed export (HashStatus other than 1) cannot be imported",
                    )
                continue
            if "ExportID" in row and ctx.export_id and row["ExportID"] != ctx.export_id:
                problems.add(name, line, "ExportID", "does not match Export.csv's ExportID")
            if file == "Client" and row.get("SSN"):
                if not _SSN.match(row["SSN"].replace("-", "").lower()):
                    problems.add(
                        name, line, "SSN", "an SSN is nine digits ('x' for an unknown digit)"
                    )
            if key is not None:
                ident = row[key]
                if ident in seen:
                    problems.add(name, line, key, f"duplicate id {ident[:40]!r}")
                seen.add(ident)
            for column, parent in foreign.items():
                if (
                    row[column]
                    and parent not in ctx.broken
                    and row[column] not in ctx.ids.get(parent, set())
                ):
                    problems.add(name, line, column, f"no {parent} with id {row[column][:40]!r}")
        ctx.rows[file] = count
        if file == "Export" and count != 1:
            problems.add(name, None, None, f"{count} rows: Export.csv has exactly one")
        if key is not None and file in ("Organization", "Project", "Client", "Enrollment", "User"):
            ctx.ids[file] = seen


def _hex_uuid(text: str) -> UUID | None:
    lowered = text.lower().replace("-", "")
    return UUID(lowered) if _HEX32.match(lowered) else None


def _int(text: str) -> int | None:
    return int(Decimal(text)) if text else None


def _money(text: str) -> Decimal | None:
    return Decimal(text).quantize(Decimal("0.01")) if text else None


class _Writer:
    """Pass 2: the rows, mapped to Hearth ids, written in batches in the open transaction."""

    def __init__(
        self,
        conn: Any,
        archive: _Archive,
        problems: _Problems,
        ctx: _Context,
        *,
        agency: Agency,
        user_id: UUID,
        source_system: str,
        source_label: str,
        now: datetime,
        batch: int,
    ) -> None:
        self.conn, self.archive, self.problems, self.ctx = conn, archive, problems, ctx
        self.agency, self.user_id, self.source, self.label = (
            agency,
            user_id,
            source_system,
            source_label,
        )
        self.now, self.batch = now, batch
        self.users: dict[str, UUID] = {}
        self.projects: dict[str, UUID] = {}
        self.clients: dict[str, UUID] = {}
        self.enrollments: dict[str, tuple[UUID, UUID]] = {}  # source -> (enrollment, client)
        self.new_clients: list[UUID] = []

    def _dt(self, text: str) -> datetime | None:
        parsed = parse_datetime(text, self.ctx.today, self.ctx.tz) if text else None
        return parsed.astimezone(UTC) if parsed else None

    def _d(self, text: str) -> date | None:
        return parse_date(text, self.ctx.today) if text else None

    async def _free(self, table: str, candidates: list[UUID]) -> set[UUID]:
        if not candidates:
            return set()
        rows = await self.conn.execute_query_dict(
            f"SELECT id FROM {table} WHERE id = ANY($1::uuid[])",  # noqa: S608 (table names are ours)
            [candidates],
        )
        taken = {r["id"] for r in rows}
        return {c for c in candidates if c not in taken}

    async def _existing(self, sql: str) -> dict[str, UUID]:
        rows = await self.conn.execute_query_dict(sql, [self.agency.id, self.source])
        return {r["source_id"]: r["id"] for r in rows}

    def _rows(self, file: str) -> Iterator[dict[str, str]]:
        for _, row in self.archive.rows(file, self.problems):
            if not row.get("DateDeleted"):
                yield row

    async def _chunks(self, file: str) -> Any:
        chunk: list[dict[str, str]] = []
        for row in self._rows(file):
            chunk.append(row)
            if len(chunk) >= self.batch:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    async def _ids(self, table: str, sources: list[str]) -> list[UUID]:
        """Hearth ids for new rows: the source id when it is a free Hearth id, else a new one."""
        wanted = [_hex_uuid(s) for s in sources]
        free = await self._free(table, [w for w in wanted if w is not None])
        result = []
        for w in wanted:
            if w is not None and w in free:
                free.discard(w)
                result.append(w)
            else:
                result.append(uuid.uuid4())
        return result

    async def users_map(self) -> None:
        sources = [row["UserID"] for row in self._rows("User")]
        found = {
            u
            for u in await User.filter(
                id__in=[w for w in map(_hex_uuid, sources) if w]
            ).values_list("id", flat=True)
        }
        for s in sources:
            w = _hex_uuid(s)
            self.users[s] = w if w in found else self.user_id  # type: ignore[assignment]

    def _user(self, text: str) -> UUID:
        return self.users.get(text, self.user_id)

    async def projects_map(self) -> int:
        coc = {row["ProjectID"]: row["CoCCode"] for row in self._rows("ProjectCoC")}
        existing = await self._existing(
            "SELECT source_id, id FROM project WHERE agency_id = $1 AND source_system = $2"
        )
        own = set(await Project.filter(agency_id=self.agency.id).values_list("id", flat=True))
        names = dict(await Project.filter(agency_id=self.agency.id).values_list("name", "id"))
        agency_coc = await self.conn.execute_query_dict(
            "SELECT code FROM continuum_of_care WHERE id = $1",
            [self.agency.coc_id],  # type: ignore[attr-defined]
        )
        created = 0
        for line, row in self.archive.rows("Project", self.problems):
            source = row["ProjectID"]
            hearth = _hex_uuid(source)
            if source in existing:
                self.projects[source] = existing[source]
            elif hearth in own:
                self.projects[source] = hearth  # type: ignore[assignment]
            elif row["ProjectName"] in names:
                self.problems.add(
                    "Project.csv",
                    line,
                    "ProjectName",
                    "the agency already has another project of this name",
                )
            elif not row["ProjectType"]:
                self.problems.add("Project.csv", line, "ProjectType", "required by Hearth")
            else:
                (new_id,) = await self._ids("project", [source])
                await self.conn.execute_query(
                    "INSERT INTO project (id, agency_id, name, common_name, project_type, operating_start_date,"
                    " operating_end_date, continuum_project, housing_type, target_population, coc_code, created_at,"
                    " updated_at, source_system, source_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
                    [
                        new_id,
                        self.agency.id,
                        row["ProjectName"],
                        row["ProjectCommonName"] or None,
                        _int(row["ProjectType"]),
                        self._d(row["OperatingStartDate"]),
                        self._d(row["OperatingEndDate"]),
                        row["ContinuumProject"] == "1",
                        _int(row["HousingType"]),
                        _int(row["TargetPopulation"]),
                        coc.get(source) or agency_coc[0]["code"],
                        self._dt(row["DateCreated"]) or self.now,
                        self._dt(row["DateUpdated"]) or self.now,
                        self.source,
                        source,
                    ],
                )
                names[row["ProjectName"]] = new_id
                self.projects[source] = new_id
                created += 1
        return created

    async def clients_write(self) -> int:
        self.clients = await self._existing(
            "SELECT source_id, id FROM client WHERE created_by_agency_id = $1 AND source_system = $2"
        )
        created = 0
        async for chunk in self._chunks("Client"):
            new = [r for r in chunk if r["PersonalID"] not in self.clients]
            ids = await self._ids("client", [r["PersonalID"] for r in new])
            values = []
            for new_id, r in zip(ids, new, strict=True):
                self.clients[r["PersonalID"]] = new_id
                ssn = r["SSN"].replace("-", "").lower() or None
                updated = self._dt(r["DateUpdated"]) or self.now
                values.append(
                    [
                        new_id,
                        r["FirstName"] or None,
                        r["MiddleName"] or None,
                        r["LastName"] or None,
                        r["NameSuffix"] or None,
                        _int(r["NameDataQuality"]),
                        ssn,
                        ssn[-4:] if ssn and ssn[-4:].isdigit() else None,
                        _int(r["SSNDataQuality"]),
                        self._d(r["DOB"]),
                        _int(r["DOBDataQuality"]),
                        *(_int(r[c]) or 0 for c in _RACE_COLUMNS),
                        _int(r["RaceNone"]),
                        r["AdditionalRaceEthnicity"] or None,
                        _int(r.get("Sex", "")),
                        _int(r["VeteranStatus"]),
                        self.agency.id,
                        self.agency.can_id,
                        self._user(r["UserID"]),  # type: ignore[attr-defined]
                        updated,
                        self._dt(r["DateCreated"]) or self.now,
                        updated,
                        self.source,
                        r["PersonalID"],
                    ]
                )
                self.new_clients.append(new_id)
            if values:
                await self.conn.execute_many(_CLIENT_INSERT, values)
                await self.conn.execute_many(
                    _CONSENT_INSERT,
                    [
                        [
                            uuid.uuid4(),
                            v[0],
                            self.agency.id,
                            v[-6],
                            v[-4].astimezone(self.ctx.tz).date(),
                            f"HUD CSV export {self.ctx.export_id}"[:200],
                            self.label,
                            self.now,
                        ]
                        for v in values
                    ],
                )
                created += len(values)
        return created

    async def enrollments_write(self) -> int:
        existing = await self.conn.execute_query_dict(
            "SELECT source_id, id, client_id FROM enrollment WHERE agency_id = $1 AND source_system = $2",
            [self.agency.id, self.source],
        )
        self.enrollments = {r["source_id"]: (r["id"], r["client_id"]) for r in existing}
        created = 0
        async for chunk in self._chunks("Enrollment"):
            new = [
                r
                for r in chunk
                if r["EnrollmentID"] not in self.enrollments
                and r["PersonalID"] in self.clients
                and r["ProjectID"] in self.projects
            ]
            ids = await self._ids("enrollment", [r["EnrollmentID"] for r in new])
            values = []
            for new_id, r in zip(ids, new, strict=True):
                client = self.clients[r["PersonalID"]]
                self.enrollments[r["EnrollmentID"]] = (new_id, client)
                values.append(
                    [
                        new_id,
                        client,
                        self.projects[r["ProjectID"]],
                        self.agency.id,
                        self._d(r["EntryDate"]),
                        r["HouseholdID"],
                        _int(r["RelationshipToHoH"]),
                        r["EnrollmentCoC"] or None,
                        *(_int(r[c]) for c in _ENROLLMENT_INTS[:2]),
                        *(_int(r[c]) for c in _ENROLLMENT_INTS[2:5]),
                        self._d(r["DateToStreetESSH"]),
                        *(_int(r[c]) for c in _ENROLLMENT_INTS[5:]),
                        self._d(r["MoveInDate"]),
                        self._d(r["DateOfEngagement"]),
                        self._user(r["UserID"]),
                        self._dt(r["DateCreated"]) or self.now,
                        self._dt(r["DateUpdated"]) or self.now,
                        self.source,
                        r["EnrollmentID"],
                    ]
                )
            if values:
                await self.conn.execute_many(_ENROLLMENT_INSERT, values)
                created += len(values)
        return created

    async def children_write(self, file: str) -> int:
        sql, build = _CHILDREN[file]
        table = sql.split()[2]
        before = await self._count(table)
        async for chunk in self._chunks(file):
            rows = [r for r in chunk if r["EnrollmentID"] in self.enrollments]
            ids = await self._ids(table, [r[_KEYS[file][0]] for r in rows])
            values = [
                build(self, new_id, self.enrollments[r["EnrollmentID"]][0], r)
                for new_id, r in zip(ids, rows, strict=True)
            ]
            if values:
                await self.conn.execute_many(sql, values)
        return await self._count(table) - before

    async def _count(self, table: str) -> int:
        rows = await self.conn.execute_query_dict(
            f"SELECT count(*) AS n FROM {table} t JOIN enrollment e ON e.id = t.enrollment_id"  # noqa: S608 (our table names)
            " WHERE e.agency_id = $1 AND t.source_system = $2",
            [self.agency.id, self.source],
        )
        return int(rows[0]["n"])


_RACE_COLUMNS = (
    "AmIndAKNative",
    "Asian",
    "BlackAfAmerican",
    "HispanicLatinao",
    "MidEastNAfrican",
    "NativeHIPacific",
    "White",
)
_CLIENT_INSERT = (
    "INSERT INTO client (id, first_name, middle_name, last_name, name_suffix, name_data_quality, ssn, ssn_last_four,"
    " ssn_data_quality, dob, dob_data_quality, am_ind_ak_native, asian, black_af_american, hispanic_latinao,"
    " mid_east_n_african, native_hi_pacific, white, race_none, additional_race_ethnicity, sex, veteran_status,"
    " created_by_agency_id, created_under_can_id, created_by_user_id, last_activity_at, created_at, updated_at,"
    " source_system, source_id, version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,"
    "$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,1)"
)
_CONSENT_INSERT = (
    "INSERT INTO consent_to_enter (id, client_id, agency_id, kind, first_contact_by_phone, taken_by_id, taken_on,"
    " evidence_reference, source, recorded_at) VALUES ($1,$2,$3,'WRITTEN',false,$4,$5,$6,$7,$8)"
    " ON CONFLICT (client_id, agency_id) DO NOTHING"
)
_ENROLLMENT_INTS = (
    "LivingSituation",
    "RentalSubsidyType",
    "LengthOfStay",
    "LOSUnderThreshold",
    "PreviousStreetESSH",
    "TimesHomelessPastThreeYears",
    "MonthsHomelessPastThreeYears",
    "DisablingCondition",
)
_ENROLLMENT_INSERT = (
    "INSERT INTO enrollment (id, client_id, project_id, agency_id, entry_date, household_id, relationship_to_hoh,"
    " enrollment_coc, living_situation, rental_subsidy_type, length_of_stay, los_under_threshold,"
    " previous_street_essh, date_to_street_essh, times_homeless_past_three_years, months_homeless_past_three_years,"
    " disabling_condition, move_in_date, date_of_engagement, created_by_user_id, created_at, updated_at,"
    " source_system, source_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,"
    "$22,$23,$24)"
)


def _exit(w: _Writer, new_id: UUID, enrollment: UUID, r: dict[str, str]) -> list[Any]:
    return [
        new_id,
        enrollment,
        w._d(r["ExitDate"]),
        _int(r["Destination"]),
        _int(r["DestinationSubsidyType"]),
        r["OtherDestination"] or None,
        w._user(r["UserID"]),
        w._dt(r["DateCreated"]) or w.now,
        w.source,
        r["ExitID"],
    ]


def _service(w: _Writer, new_id: UUID, enrollment: UUID, r: dict[str, str]) -> list[Any]:
    return [
        new_id,
        enrollment,
        w._d(r["DateProvided"]),
        _int(r["RecordType"]),
        _int(r["TypeProvided"]),
        r["OtherTypeProvided"] or None,
        _money(r["FAAmount"]),
        w._user(r["UserID"]),
        w._dt(r["DateCreated"]) or w.now,
        w.source,
        r["ServicesID"],
    ]


def _income(w: _Writer, new_id: UUID, enrollment: UUID, r: dict[str, str]) -> list[Any]:
    import json

    sources = {
        source: str(_money(r[amount]) or Decimal("0.00"))
        for source, amount in INCOME_SOURCE_COLUMNS.items()
        if r[source] == "1"
    }
    return [
        new_id,
        enrollment,
        w._d(r["InformationDate"]),
        _int(r["DataCollectionStage"]),
        _int(r["IncomeFromAnySource"]),
        _money(r["TotalMonthlyIncome"]),
        json.dumps(dict(sorted(sources.items()))),
        _int(r["BenefitsFromAnySource"]),
        _int(r["InsuranceFromAnySource"]),
        w._dt(r["DateCreated"]) or w.now,
        w.source,
        r["IncomeBenefitsID"],
    ]


def _disability(w: _Writer, new_id: UUID, enrollment: UUID, r: dict[str, str]) -> list[Any]:
    return [
        new_id,
        enrollment,
        w._d(r["InformationDate"]),
        _int(r["DataCollectionStage"]),
        _int(r["DisabilityType"]),
        _int(r["DisabilityResponse"]),
        _int(r["IndefiniteAndImpairs"]),
        w._dt(r["DateCreated"]) or w.now,
        w.source,
        r["DisabilitiesID"],
    ]


def _health(w: _Writer, new_id: UUID, enrollment: UUID, r: dict[str, str]) -> list[Any]:
    return [
        new_id,
        enrollment,
        w._d(r["InformationDate"]),
        _int(r["DataCollectionStage"]),
        *(
            _int(r[c])
            for c in (
                "DomesticViolenceSurvivor",
                "WhenOccurred",
                "CurrentlyFleeing",
                "GeneralHealthStatus",
                "DentalHealthStatus",
                "MentalHealthStatus",
                "PregnancyStatus",
            )
        ),
        w._d(r["DueDate"]),
        w._dt(r["DateCreated"]) or w.now,
        w.source,
        r["HealthAndDVID"],
    ]


_CHILDREN: dict[str, tuple[str, Any]] = {
    "Exit": (
        "INSERT INTO enrollment_exit (id, enrollment_id, exit_date, destination, destination_subsidy_type,"
        " other_destination, created_by_user_id, created_at, source_system, source_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT DO NOTHING",
        _exit,
    ),
    "Services": (
        "INSERT INTO service (id, enrollment_id, date_provided, record_type, type_provided, other_type_provided,"
        " fa_amount, created_by_user_id, created_at, source_system, source_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT DO NOTHING",
        _service,
    ),
    "IncomeBenefits": (
        "INSERT INTO income_benefits (id, enrollment_id, information_date, data_collection_stage,"
        " income_from_any_source, total_monthly_income, income_sources, benefits_from_any_source,"
        " insurance_from_any_source, created_at, source_system, source_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING",
        _income,
    ),
    "Disabilities": (
        "INSERT INTO disability (id, enrollment_id, information_date, data_collection_stage, disability_type,"
        " disability_response, indefinite_and_impairs, created_at, source_system, source_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT DO NOTHING",
        _disability,
    ),
    "HealthAndDV": (
        "INSERT INTO health_and_dv (id, enrollment_id, information_date, data_collection_stage,"
        " domestic_violence_survivor, when_occurred, currently_fleeing, general_health_status, dental_health_status,"
        " mental_health_status, pregnancy_status, due_date, created_at, source_system, source_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) ON CONFLICT DO NOTHING",
        _health,
    ),
}


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
    return duty.user_id  # type: ignore[attr-defined,no-any-return]


async def import_hud_csv(
    path: Path,
    *,
    agency_id: UUID,
    username: str | None,
    now: datetime,
    tz: ZoneInfo,
    batch: int = 5000,
) -> ImportResult:
    """Validate the zip, then import it for the agency in one transaction (see the module docstring).
    Raises :class:`ImportRefused` with every problem (up to MAX_PROBLEMS listed) and writes nothing."""
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
    archive = _Archive(path, problems)
    try:
        if archive.zip is not None:
            _validate(archive, problems, ctx)
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
            )
            await writer.users_map()
            result.created["Project"] = await writer.projects_map()
            if problems.total:
                raise ImportRefused(problems.items, problems.total)
            result.created["Client"] = await writer.clients_write()
            result.created["Enrollment"] = await writer.enrollments_write()
            for file in ("Exit", "Services", "IncomeBenefits", "Disabilities", "HealthAndDV"):
                result.created[file] = await writer.children_write(file)
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
