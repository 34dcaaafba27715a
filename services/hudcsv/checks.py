"""Pass 1's checks of a row's meaning, beyond each cell's type: values of HUD's code lists, periods
that end before they start, and one PersonalID given to two people."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from models.hud.elements import Element
from services.hudcsv.dates import read_date
from services.hudcsv.elements import columns_of
from services.hudcsv.problems import _Problems

__all__: list[str] = []

# Periods whose end may not come before their start, by file: (start column, end column).
SPANS = {
    "Funder": ("StartDate", "EndDate"),
    "Inventory": ("InventoryStartDate", "InventoryEndDate"),
    "Project": ("OperatingStartDate", "OperatingEndDate"),
}


@functools.cache
def _coded(file: str) -> tuple[tuple[str, Element, str | None], ...]:
    """The file's element columns with a code list: (column, element, the column its list
    depends on)."""
    by_name = {item.name: column for column, item in columns_of(file)}
    return tuple(
        (column, item, by_name.get(item.codes_when[0]) if item.codes_when else None)
        for column, item in columns_of(file)
        if item.codes is not None or item.codes_when is not None
    )


def _code(text: str, kind: type) -> object:
    if kind is int:
        return int(text) if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()) else None
    return text


def code_problems(file: str, row: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(column, reason) of each value outside the code list that applies to it."""
    for column, item, other in _coded(file):
        text = row.get(column)
        if not text:
            continue
        value = _code(text, item.kind)
        if value is None:
            continue  # not a number: its type check says so
        given: dict[str, object] = {}
        if other is not None and item.codes_when is not None:
            given[item.codes_when[0]] = _code(row.get(other) or "", int)
        codes = item.codes_for(given)
        if codes is not None and value not in codes:
            yield column, f"{text[:30]!r} is not a code of HUD's list {codes.ref}"


@dataclass(slots=True)
class Spans:
    """A file's periods, checked once the order of its date columns is known."""

    start: str
    end: str
    rows: list[tuple[int, str, str]] = field(default_factory=list)

    def add(self, line: int, row: dict[str, str]) -> None:
        if row.get(self.start) and row.get(self.end):
            self.rows.append((line, row[self.start], row[self.end]))

    def check(
        self,
        problems: _Problems,
        name: str,
        orders: dict[str, tuple[bool, str | None]],
        today: date,
    ) -> None:
        start_order = orders.get(self.start, (False, None))[1]
        end_order = orders.get(self.end, (False, None))[1]
        for line, start_text, end_text in self.rows:
            start = read_date(start_text, today, start_order)
            end = read_date(end_text, today, end_order)
            if start is not None and end is not None and end < start:
                problems.add(
                    name,
                    line,
                    self.end,
                    f"ends ({end.isoformat()}) before it starts ({start.isoformat()})",
                )


def _name_key(row: dict[str, str]) -> str:
    return " ".join((row.get(c) or "").strip().casefold() for c in ("FirstName", "LastName"))


@dataclass(slots=True)
class People:
    """Client.csv's PersonalIDs: a PersonalID twice is one person when the names agree (a
    statewide file repeats a person each organization exported), and a problem when they do not
    (two people under one id are never merged)."""

    names: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (row, hash of name)

    def check(self, line: int, row: dict[str, str]) -> str | None:
        ident = row["PersonalID"]
        name = hash(_name_key(row))
        first = self.names.get(ident)
        if first is None:
            self.names[ident] = (line, name)
            return None
        if first[1] == name:
            return None
        return (
            f"PersonalID {ident[:40]!r} is also on row {first[0]} with another name: two people "
            "under one id are not merged; resolve it at the source"
        )
