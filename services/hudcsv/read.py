"""Reading a HUD CSV zip: its files, their encoding, their rows by column name, and the lenient
date and date-time formats other systems write."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import lzma
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from zipfile import ZIP_BZIP2, ZIP_DEFLATED, ZIP_LZMA, ZIP_STORED, BadZipFile, ZipFile, ZipInfo
from zoneinfo import ZoneInfo

from services.hudcsv.columns import columns
from services.hudcsv.dates import MDY, read_date, read_datetime
from services.hudcsv.elements import columns_of
from services.hudcsv.problems import _Problems

__all__ = ["IMPORTED", "MAX_RATIO", "MAX_TOTAL_BYTES", "ZipLimits", "parse_date", "parse_datetime"]

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


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def parse_date(text: str, today: date, order: str | None = MDY) -> date | None:
    """yyyy-mm-dd, and leniently yyyy/mm/dd, dd-Mon-yyyy and numeric dates in the given order
    of day and month (``services.hudcsv.dates``), with 2-digit years (one that would be in the
    future is taken as the previous century)."""
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return read_date(text, today, order)


def parse_datetime(
    text: str, today: date, tz: ZoneInfo, order: str | None = MDY
) -> datetime | None:
    """A date as :func:`parse_date`, optionally followed (space or T) by hh:mm[:ss[.ffffff]];
    local time in ``tz``."""
    if _ISO_DATETIME.match(text):
        try:
            return datetime.fromisoformat(text).replace(tzinfo=tz)
        except ValueError:
            return None
    moment = read_datetime(text, today, order)
    return moment.replace(tzinfo=tz) if moment is not None else None


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


# Limits against zip bombs, checked on the bytes as they are inflated (a member's header can lie):
# the CSVs' total size, and how much larger than its compressed bytes one member may grow (HUD
# CSVs compress 5 to 50 times; a bomb a thousand times and more).
MAX_TOTAL_BYTES = 20 * 1024**3
MAX_RATIO = 200
_RATIO_FLOOR = 1024**2  # a member this small is never a bomb, whatever its ratio
_METHODS = {ZIP_STORED, ZIP_DEFLATED, ZIP_BZIP2, ZIP_LZMA}
# What reading a broken member raises: zipfile's own errors (bad CRC, bad header), the
# decompressors' (zlib.error, lzma.LZMAError, OSError for bz2), a truncated stream's EOFError.
_BROKEN = (
    BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
)


class _TooLarge(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """How large an import's CSVs may be, in all and against their compressed size."""

    total_bytes: int = MAX_TOTAL_BYTES
    ratio: int = MAX_RATIO


class _Guard(io.RawIOBase):
    """A member's inflated bytes, counted as they come: past a limit, reading stops."""

    def __init__(self, raw: IO[bytes], info: ZipInfo, archive: _Archive) -> None:
        self.raw, self.info, self.archive, self.count = raw, info, archive, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        self.archive.tally(self.info, self.count)
        return n


class _Archive:
    """The zip's CSVs by file name (case-insensitive, at the root). Every way a zip can be
    malformed is a problem: not a zip, members in folders, duplicate or encrypted members,
    unknown compression, corrupt data or a bad CRC (found when read), and sizes past the
    limits (the header's claim checked at once, the inflated bytes as they are read)."""

    def __init__(self, path: Path, problems: _Problems, limits: ZipLimits | None = None) -> None:
        self.zip: ZipFile | None = None
        self.entries: dict[str, ZipInfo] = {}
        self.limits = limits or ZipLimits()
        self.sizes: dict[str, int] = {}
        self.read: set[str] = set()
        # The order of day and month of each date column (decided in pass 1, services.hudcsv.dates):
        # pass 2 reads every date rewritten as yyyy-mm-dd.
        self.orders: dict[str, dict[str, tuple[bool, str | None]]] = {}
        self.today: date | None = None
        try:
            self.zip = ZipFile(path)
            members = self.zip.infolist()
        except (*_BROKEN, ValueError) as error:
            self.zip = None
            problems.add(path.name, None, None, f"not a zip archive ({_reason(error)})")
            return
        nested: set[str] = set()
        declared = 0
        for info in members:
            name = info.filename
            if name.startswith("__MACOSX/") or info.is_dir():
                continue  # macOS's resource forks and folder entries: the files are what count
            base = name.replace("\\", "/").rsplit("/", 1)[-1]
            if base != name:
                problems.add(name, None, None, "in a folder: the CSVs must sit at the zip's root")
                nested.add(base.lower().removesuffix(".csv"))
                continue
            if not base.lower().endswith(".csv"):
                continue
            key = base[:-4].lower()
            if key in self.entries:
                problems.add(name, None, None, "twice in the zip: which one to read is unclear")
                continue
            if info.flag_bits & 0x1:
                problems.add(name, None, None, "encrypted: export the zip without a password")
                continue
            if info.compress_type not in _METHODS:
                problems.add(
                    name, None, None, f"compressed by an unknown method ({info.compress_type})"
                )
                continue
            declared += info.file_size
            self.entries[key] = info
        if declared > self.limits.total_bytes:
            problems.add(
                path.name,
                None,
                None,
                f"the CSVs would be {declared} bytes, over the limit of {self.limits.total_bytes}",
            )
            self.entries = {}
            return
        for file in IMPORTED:
            if file.lower() not in self.entries and file.lower() not in nested:
                problems.add(f"{file}.csv", None, None, "missing from the zip")

    def has(self, file: str) -> bool:
        return file.lower() in self.entries

    def tally(self, info: ZipInfo, count: int) -> None:
        """Count a member's inflated bytes (its most read in either pass); past a limit, stop."""
        if count > self.sizes.get(info.filename, 0):
            self.sizes[info.filename] = count
            if sum(self.sizes.values()) > self.limits.total_bytes:
                raise _TooLarge(
                    f"the CSVs inflate past the limit of {self.limits.total_bytes} bytes"
                )
            if count > _RATIO_FLOOR and count > self.limits.ratio * max(info.compress_size, 1):
                raise _TooLarge(
                    f"inflates more than {self.limits.ratio} times its compressed size: a zip bomb?"
                )

    def rows(
        self, file: str, problems: _Problems, broken: set[str] | None = None
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, {table column: text}) for each data row; header, decoding and zip
        problems are added to ``problems`` (they end the file, which is then added to
        ``broken``). Once pass 1 has decided the date columns' order, their cells come as
        yyyy-mm-dd (hh:mm:ss)."""
        assert self.zip is not None
        info = self.entries[file.lower()]
        name = f"{file}.csv"
        self.read.add(file.lower())
        before = problems.total
        convert = self.orders.get(file)
        try:
            with self.zip.open(info) as raw:
                buffered = io.BufferedReader(_Guard(raw, info, self))
                encoding = _encoding(buffered.peek(4))
                lines: Iterator[str]
                if encoding == "utf-16":
                    lines = io.TextIOWrapper(buffered, encoding=encoding, newline="")
                else:
                    # line by line, so that a byte that is not UTF-8 is reported on its own row
                    lines = (line.decode(encoding) for line in buffered)
                for line, row in _read(name, file, lines, problems):
                    if convert:
                        self._rewrite(row, convert)
                    yield line, row
        except _TooLarge as error:
            problems.add(name, None, None, str(error))
        except _BROKEN as error:
            problems.add(name, None, None, f"corrupt in the zip ({_reason(error)})")
        if broken is not None and problems.total > before and _structural(problems, name):
            broken.add(file)

    def verify_rest(self, problems: _Problems) -> None:
        """Read the CSVs no pass reads to their end: their data and CRC checked, and the limits."""
        for key, info in self.entries.items():
            if key in self.read:
                continue
            name = info.filename
            try:
                with self.zip.open(info) as raw:  # type: ignore[union-attr]  # entries only when open
                    guard = _Guard(raw, info, self)
                    chunk = bytearray(1 << 16)
                    while guard.readinto(chunk):
                        pass
            except _TooLarge as error:
                problems.add(name, None, None, str(error))
            except _BROKEN as error:
                problems.add(name, None, None, f"corrupt in the zip ({_reason(error)})")

    def _rewrite(self, row: dict[str, str], convert: dict[str, tuple[bool, str | None]]) -> None:
        assert self.today is not None
        for column, (timed, order) in convert.items():
            text = row.get(column)
            if not text:
                continue
            if timed:
                moment = read_datetime(text, self.today, order)
                if moment is not None:
                    row[column] = moment.isoformat(" ")
            else:
                day = read_date(text, self.today, order)
                if day is not None:
                    row[column] = day.isoformat()


def _reason(error: BaseException) -> str:
    """A library error's reason in a few words, without the zip's paths."""
    text = str(error).split("\n", 1)[0][:120]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


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
