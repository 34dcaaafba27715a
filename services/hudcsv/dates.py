"""Dates as other systems write them, read per column.

A date written ``03-11-21`` is the 11th of March or the 3rd of November: the text alone cannot
say. So the import decides the order of day and month for a whole column from all its values
(pass 1), and only then reads them (pass 2, which sees every date rewritten as yyyy-mm-dd):

- Self-describing values need no decision: ``yyyy-mm-dd``, ``yyyy/mm/dd``, ``dd-Mon-yyyy``.
- Numeric values (``a-b-yyyy``, ``a/b/yy``, ...) read as mm-dd, as dd-mm, or both. A column whose
  numeric values all read both ways (and differently) fits two formats: refused, never guessed.
  A column where some values read only as mm-dd and others only as dd-mm takes the order most of
  them fit, and every value that contradicts it is a problem with its row.
- A 2-digit year is of the previous century when the date would otherwise be in the future.
- A date-time is a date, then (space or ``T``) hh:mm, hh:mm:ss or hh:mm:ss.ffffff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache

from services.hudcsv.problems import MAX_PROBLEMS, _Problems

__all__ = ["DMY", "MDY", "DateColumn", "read_date", "read_datetime", "readings"]

MDY = "mm-dd"
DMY = "dd-mm"
_ISO = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([-/])(\d{1,2})\2(\d{4}|\d{2})$")
_NAMED = re.compile(r"^(\d{1,2})-([A-Za-z]{3})-(\d{4}|\d{2})$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$")


def _make(year: int, month: int, day: int, short_year: bool, today: date) -> date | None:
    if short_year:
        year += 2000
    try:
        made = date(year, month, day)
    except ValueError:
        return None
    if short_year and made > today:
        try:
            made = made.replace(year=year - 100)
        except ValueError:  # the 29th of February of a year that was not a leap year
            return None
    return made


@lru_cache(maxsize=1 << 16)
def readings(text: str, today: date) -> dict[str | None, date]:
    """What a date's text can mean: ``{None: d}`` for a self-describing one, ``{MDY: d, DMY: d}``
    (one or both) for a numeric one, ``{}`` for text that is no date."""
    if m := _ISO.match(text):
        made = _make(int(m[1]), int(m[3]), int(m[4]), False, today)
        return {None: made} if made else {}
    if m := _NAMED.match(text):
        month = _MONTHS.get(m[2].lower())
        made = _make(int(m[3]), month, int(m[1]), len(m[3]) == 2, today) if month else None
        return {None: made} if made else {}
    if m := _NUMERIC.match(text):
        a, b, short = int(m[1]), int(m[3]), len(m[4]) == 2
        year = int(m[4])
        found: dict[str | None, date] = {}
        if (first := _make(year, a, b, short, today)) is not None:
            found[MDY] = first
        if (second := _make(year, b, a, short, today)) is not None:
            found[DMY] = second
        return found
    return {}


def _split(text: str) -> tuple[str, time | None]:
    """A date-time's date text and its time (midnight when absent); None: not a time."""
    head, _, tail = text.replace("T", " ", 1).partition(" ")
    tail = tail.strip()
    if not tail:
        return head, time()
    m = _TIME.match(tail)
    if not m:
        return head, None
    try:
        return head, time(int(m[1]), int(m[2]), int(m[3] or 0), int((m[4] or "0").ljust(6, "0")))
    except ValueError:
        return head, None


def read_date(text: str, today: date, order: str | None) -> date | None:
    """The date a cell means under the column's order (None: the column has no numeric value)."""
    found = readings(text, today)
    if None in found:
        return found[None]
    if order is None:
        values = set(found.values())
        return values.pop() if len(values) == 1 else None
    return found.get(order)


def read_datetime(text: str, today: date, order: str | None) -> datetime | None:
    """A date-time cell under the column's order, without a time zone."""
    head, moment = _split(text)
    if moment is None:
        return None
    day = read_date(head, today, order)
    return datetime.combine(day, moment) if day is not None else None


@dataclass(slots=True)
class DateColumn:
    """What pass 1 learns of one date or date-time column, to decide its order at the end."""

    timed: bool
    today: date
    only: dict[str, list[tuple[int, str]]] = field(default_factory=lambda: {MDY: [], DMY: []})
    counts: dict[str, int] = field(default_factory=lambda: {MDY: 0, DMY: 0})
    both: tuple[int, str] | None = None  # the first value that reads both ways, differently

    def check(self, line: int, text: str) -> str | None:
        """Why the cell is no date (or date-time), or None; numeric values are remembered."""
        head = text
        if self.timed:
            head, moment = _split(text)
            if moment is None:
                return f"not a date and time: {text[:30]!r}"
        found = readings(head, self.today)
        if not found:
            return (
                f"not a date and time: {text[:30]!r}"
                if self.timed
                else f"not a date: {text[:30]!r}"
            )
        if None in found:
            return None
        if len(found) == 1:
            (order,) = found
            assert order is not None
            self.counts[order] += 1
            if len(self.only[order]) < MAX_PROBLEMS:  # rows named; the rest counted
                self.only[order].append((line, text))
        elif found[MDY] != found[DMY] and self.both is None:
            self.both = (line, text)
        return None

    def decide(self, problems: _Problems, name: str, column: str) -> str | None:
        """The column's order (None when no value needs one); its problems added."""
        if not self.counts[MDY] and not self.counts[DMY]:
            if self.both is not None:
                line, text = self.both
                readings_ = readings(_split(text)[0] if self.timed else text, self.today)
                problems.add(
                    name,
                    line,
                    column,
                    f"the column's dates read both as mm-dd and as dd-mm ({text[:30]!r} is "
                    f"{readings_[MDY].isoformat()} or {readings_[DMY].isoformat()}): "
                    "write them as yyyy-mm-dd",
                )
            return None
        order = MDY if self.counts[MDY] >= self.counts[DMY] else DMY
        other = DMY if order == MDY else MDY
        for line, text in self.only[other]:
            problems.add(
                name,
                line,
                column,
                f"{text[:30]!r} reads only as {other} where the column's dates are {order}",
            )
        left = self.counts[other] - len(self.only[other])
        if left > 0:
            problems.add(name, None, column, f"{left} more values read only as {other}")
        return order
