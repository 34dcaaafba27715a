"""HUD FY2026 value lists: the codes an element may take, with HUD's labels.

Every list of the FY2026 data standards is data, in ``fy2026-lists.json`` (provenance in
SOURCE.md): :func:`hud_list` returns any of them by its number. Which list each coded column of
the 24 HUD CSV files takes is data too, in ``fy2026-column-lists.csv``: :func:`column_codes` and
:func:`column_codes_when`. The constants below are the lists the models declare today, derived
from the data file (``COC`` is on purpose only the Connecticut CoCs, and ``SEX`` adds the
missing-data codes Hearth has always accepted for Sex).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "COC",
    "CODES",
    "DATA_COLLECTION_STAGE",
    "DATA_QUALITY",
    "DESTINATION",
    "DISABILITY_TYPE",
    "DOB_DATA_QUALITY",
    "HEALTH_STATUS",
    "LENGTH_OF_STAY",
    "LIVING_SITUATION",
    "MISSING",
    "MONTHS_HOMELESS",
    "NAME_DATA_QUALITY",
    "NO_YES",
    "NO_YES_MISSING",
    "RACE_NONE",
    "RECORD_TYPE",
    "RELATIONSHIP_TO_HOH",
    "RENTAL_SUBSIDY_TYPE",
    "SEX",
    "SSN_DATA_QUALITY",
    "SUBSTANCE_USE_DISORDER",
    "SUBSTANCE_USE_RESPONSE",
    "TIMES_HOMELESS",
    "WHEN_OCCURRED",
    "YES_NO_REASONS",
    "Codes",
    "CodesWhen",
    "column_codes",
    "column_codes_when",
    "column_lists",
    "hud_list",
    "hud_lists",
]

LISTS = Path(__file__).with_name("fy2026-lists.json")
COLUMN_LISTS = Path(__file__).with_name("fy2026-column-lists.csv")

Code = int | str


@dataclass(frozen=True, slots=True)
class Codes:
    """One HUD value list: its number in the data standards, the codes it allows, its HUD name
    (``NoYesReasonsForMissingData``) and HUD's label of each code."""

    ref: str
    values: frozenset[Code]
    name: str = field(default="", compare=False)
    labels: Mapping[Code, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def of(
        cls,
        ref: str,
        values: Iterable[Code],
        name: str = "",
        labels: Mapping[Code, str] | None = None,
    ) -> Codes:
        return cls(ref, frozenset(values), name, MappingProxyType(dict(labels or {})))

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def __iter__(self) -> Iterator[Code]:
        return iter(sorted(self.values, key=lambda v: (isinstance(v, str), v)))

    def __len__(self) -> int:
        return len(self.values)

    def __or__(self, other: Codes | Iterable[Code]) -> frozenset[Code]:
        return self.values | (other.values if isinstance(other, Codes) else frozenset(other))

    def label(self, code: Code) -> str | None:
        """HUD's label of ``code`` (None: not a code of this list, or no label known)."""
        return self.labels.get(code)

    def only(self, values: Iterable[Code]) -> Codes:
        """The same list restricted to ``values`` (each one of the list), labels kept."""
        kept = frozenset(values)
        if not kept <= self.values:
            raise ValueError(f"not codes of {self.ref}: {sorted(map(str, kept - self.values))}")
        return Codes.of(self.ref, kept, self.name, {c: self.labels[c] for c in kept})

    def plus(self, other: Codes) -> Codes:
        """The same list (number and name) with ``other``'s codes and labels added."""
        labels = {**other.labels, **self.labels}
        return Codes.of(self.ref, self.values | other.values, self.name, labels)

    def describe(self) -> str:
        """The codes as a front end shows them: ``0, 1, 8, 9, 99``."""
        return ", ".join(str(v) for v in self)

    def describe_labels(self) -> str:
        """The codes with their labels: ``0: No, 1: Yes``."""
        return ", ".join(f"{v}: {self.labels[v]}" if v in self.labels else str(v) for v in self)


@cache
def _lists() -> Mapping[str, Codes]:
    with LISTS.open(encoding="utf-8") as handle:
        data = json.load(handle)
    lists = {}
    for item in data:
        labels = {v["code"]: v["label"] for v in item["values"]}
        lists[item["ref"]] = Codes.of(item["ref"], labels, item["name"], labels)
    return MappingProxyType(lists)


def hud_list(ref: str) -> Codes:
    """The FY2026 HUD value list numbered ``ref`` ("1.8", "3.12.A", "R7.1")."""
    try:
        return _lists()[ref]
    except KeyError:
        raise KeyError(f"no FY2026 HUD value list {ref!r}") from None


def hud_lists() -> tuple[Codes, ...]:
    """Every FY2026 HUD value list, in the data file's order."""
    return tuple(_lists().values())


@dataclass(frozen=True, slots=True)
class CodesWhen:
    """A value list a column takes when another column of the row has a value. ``requires``:
    further conditions that must also hold (SubTypeProvided: RecordType 144). Unpacks as
    ``(when_column, when_value, codes)``."""

    when_column: str
    when_value: Code
    codes: Codes
    requires: tuple[tuple[str, Code], ...] = ()

    def __iter__(self) -> Iterator[object]:
        return iter((self.when_column, self.when_value, self.codes))

    def applies(self, row: Mapping[str, object]) -> bool:
        """Whether the conditions hold in ``row`` (HUD CSV column names to values)."""
        conditions = (*self.requires, (self.when_column, self.when_value))
        return all(row.get(name) == value for name, value in conditions)


def _code(text: str) -> Code:
    return int(text) if text.lstrip("-").isdigit() else text


@cache
def column_lists() -> Mapping[tuple[str, str], tuple[Codes | None, tuple[CodesWhen, ...]]]:
    """(file, column) -> (the list it takes, the lists it takes under conditions), for every
    coded column of the FY2026 HUD CSV files."""
    table: dict[tuple[str, str], tuple[Codes | None, list[CodesWhen]]] = {}
    with COLUMN_LISTS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["File"], row["Column"])
            base, when = table.setdefault(key, (None, []))
            codes = hud_list(row["List"])
            if not row["WhenColumn"]:
                if base is not None:
                    raise ValueError(f"two lists for {key}")
                table[key] = (codes, when)
                continue
            conditions = list(
                zip(
                    row["WhenColumn"].split(";"),
                    map(_code, row["WhenValue"].split(";")),
                    strict=True,
                )
            )
            *requires, (name, value) = conditions
            when.append(CodesWhen(name, value, codes, tuple(requires)))
    return MappingProxyType({k: (base, tuple(when)) for k, (base, when) in table.items()})


def column_codes(file: str, column: str) -> Codes | None:
    """The HUD list the column ``column`` of ``file`` takes (None: not a coded column, or one
    whose list depends on the row: :func:`column_codes_when`)."""
    return column_lists().get((file, column), (None, ()))[0]


def column_codes_when(file: str, column: str) -> tuple[CodesWhen, ...]:
    """The lists the column takes under conditions: ``(when_column, when_value, codes)``, each
    replacing :func:`column_codes`' list when its conditions hold."""
    return column_lists().get((file, column), (None, ()))[1]


MISSING = frozenset({8, 9, 99})
NO_YES = hud_list("1.10")
NO_YES_MISSING = hud_list("1.7")
YES_NO_REASONS = hud_list("1.8")
RACE_NONE = hud_list("1.6")
# Name, SSN and DOB data quality share their codes; each has HUD's own labels.
DATA_QUALITY = NAME_DATA_QUALITY = hud_list("3.01.5")
SSN_DATA_QUALITY = hud_list("3.02.2")
DOB_DATA_QUALITY = hud_list("3.03.2")
# HUD's FY2026 list for Sex is 0 and 1; Hearth also keeps the missing-data codes.
SEX = hud_list("4.21").plus(YES_NO_REASONS.only(MISSING))
RELATIONSHIP_TO_HOH = hud_list("3.15.1")
COC = hud_list("2.03.1").only({"CT-503", "CT-505"})
LIVING_SITUATION = hud_list("3.917")
DESTINATION = hud_list("3.12")
RENTAL_SUBSIDY_TYPE = hud_list("3.12.A")
LENGTH_OF_STAY = hud_list("3.917.2")
TIMES_HOMELESS = hud_list("3.917.4")
MONTHS_HOMELESS = hud_list("3.917.5")
DISABILITY_TYPE = hud_list("1.3")
# DisabilityType 10, substance use disorder: 42 CFR Part 2 data (authz.clients decides who sees it).
SUBSTANCE_USE_DISORDER = 10
# DisabilityResponse when DisabilityType is 10: 1 alcohol, 2 drug, 3 both, or no.
SUBSTANCE_USE_RESPONSE = hud_list("4.10.2")
DATA_COLLECTION_STAGE = hud_list("5.03.1")
RECORD_TYPE = hud_list("1.4")
WHEN_OCCURRED = hud_list("4.11.A")
HEALTH_STATUS = hud_list("R7.1")

CODES: tuple[Codes, ...] = tuple(
    dict.fromkeys(v for v in list(globals().values()) if isinstance(v, Codes))
)
