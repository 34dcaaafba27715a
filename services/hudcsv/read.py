"""Reading a HUD CSV zip: its files, their encoding, their rows by column name, and the lenient
date and date-time formats other systems write."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from zipfile import BadZipFile, ZipFile
from zoneinfo import ZoneInfo

from services.hudcsv.columns import columns
from services.hudcsv.elements import columns_of
from services.hudcsv.problems import _Problems

__all__ = ["IMPORTED", "parse_date", "parse_datetime"]

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
# Columns FY2024 files do not have, by file (the FY2024 names of renamed columns are the
# elements', ``_fy2024_names``).
_FY2024_ABSENT = {"Client": {"Sex"}, "Enrollment": {"MentalHealthConsultation"}}


@functools.cache
def _fy2024_names(file: str) -> dict[str, str]:
    """FY2024 column name -> FY2026 column name, for the file's renamed element columns."""
    return {item.fy2024: column for column, item in columns_of(file) if item.fy2024}


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
            buffered = io.BufferedReader(raw)  # type: ignore[type-var]  # ZipFile.open is typed IO[bytes], not the raw stream typeshed asks for
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
        renamed = {k.lower(): v for k, v in _fy2024_names(file).items()}
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
