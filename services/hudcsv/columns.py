"""The FY2026 column table (HUD's own CSV checker's), loaded once: files, columns, types."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["FILES", "Column", "columns", "file_names"]

TABLE = Path(__file__).with_name("fy2026-columns.csv")

# The order files are listed in the standard (hud-data-standards.md section 1.1) and the zip.
FILES = (
    "Export",
    "Organization",
    "User",
    "Project",
    "Funder",
    "ProjectCoC",
    "Inventory",
    "Affiliation",
    "HMISParticipation",
    "CEParticipation",
    "Client",
    "Enrollment",
    "Exit",
    "IncomeBenefits",
    "HealthAndDV",
    "EmploymentEducation",
    "Disabilities",
    "Services",
    "CurrentLivingSituation",
    "Assessment",
    "AssessmentQuestions",
    "AssessmentResults",
    "Event",
    "YouthEducationStatus",
)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    data_type: str  # character, numeric, date, datetime
    nulls_allowed: bool


@cache
def _table() -> dict[str, tuple[Column, ...]]:
    rows: dict[str, list[tuple[int, Column]]] = {}
    with TABLE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            column = Column(row["Column"].strip(), row["DataType"], row["NullsAllowed"] == "1")
            rows.setdefault(row["File"], []).append((int(row["ColumnNo"]), column))
    return {
        name: tuple(c for _, c in sorted(cols, key=lambda x: x[0])) for name, cols in rows.items()
    }


def columns(file: str) -> tuple[Column, ...]:
    """The file's columns in the table's order."""
    return _table()[file]


def file_names() -> tuple[str, ...]:
    assert set(FILES) == set(_table()), "the column table and FILES disagree"
    return FILES
