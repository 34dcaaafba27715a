"""Pass 1: every cell checked against the column table and Hearth's limits, ids and foreign keys
checked across files; every problem collected, nothing written."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from services.hudcsv.checks import SPANS, People, Spans, code_problems
from services.hudcsv.columns import FILES, Column, columns
from services.hudcsv.dates import DateColumn
from services.hudcsv.elements import columns_of
from services.hudcsv.problems import _Problems
from services.hudcsv.read import IMPORTED, _Archive
from services.progress import Progress, tell

__all__: list[str] = []

# Hearth's column widths where they are narrower than, or not stated by, the table: the
# elements' columns, and the project's.
_PROJECT_LENGTHS = {"ProjectName": 200, "ProjectCommonName": 200, "CoCCode": 6}
_ID_LENGTH = 64


@functools.cache
def _max_length() -> dict[str, int]:
    lengths = dict(_PROJECT_LENGTHS)
    for file in IMPORTED:
        for column, item in columns_of(file):
            # an SSN may come with dashes: its own check below reads it without them
            if item.kind is str and item.max_length is not None and column != "SSN":
                lengths[column] = item.max_length
    return lengths


@functools.cache
def _money() -> frozenset[str]:
    """Columns of money: the elements' decimal columns."""
    return frozenset(
        column for file in IMPORTED for column, item in columns_of(file) if item.kind is Decimal
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
    "Funder": ("FunderID", {"ProjectID": "Project"}),
    "Inventory": ("InventoryID", {"ProjectID": "Project"}),
    "Affiliation": ("AffiliationID", {"ProjectID": "Project", "ResProjectID": "Project"}),
    "HMISParticipation": ("HMISParticipationID", {"ProjectID": "Project"}),
    "CEParticipation": ("CEParticipationID", {"ProjectID": "Project"}),
    "EmploymentEducation": (
        "EmploymentEducationID",
        {"EnrollmentID": "Enrollment", "PersonalID": "Client"},
    ),
    "CurrentLivingSituation": (
        "CurrentLivingSitID",
        {"EnrollmentID": "Enrollment", "PersonalID": "Client"},
    ),
    "Assessment": ("AssessmentID", {"EnrollmentID": "Enrollment", "PersonalID": "Client"}),
    "AssessmentQuestions": (
        "AssessmentQuestionID",
        {"AssessmentID": "Assessment", "EnrollmentID": "Enrollment", "PersonalID": "Client"},
    ),
    "AssessmentResults": (
        "AssessmentResultID",
        {"AssessmentID": "Assessment", "EnrollmentID": "Enrollment", "PersonalID": "Client"},
    ),
    "Event": ("EventID", {"EnrollmentID": "Enrollment", "PersonalID": "Client"}),
    "YouthEducationStatus": (
        "YouthEducationStatusID",
        {"EnrollmentID": "Enrollment", "PersonalID": "Client"},
    ),
}
# The files other files point at (their ids are kept for the foreign-key checks).
_PARENTS = ("Organization", "Project", "Client", "Enrollment", "User", "Assessment")
_SSN = re.compile(r"^[0-9x]{9}$")


@dataclass(slots=True)
class _Context:
    today: date
    tz: ZoneInfo
    export_id: str = ""
    hash_status: int | None = None
    ids: dict[str, set[str]] = field(default_factory=dict)
    # whose each enrollment and assessment is (EnrollmentID -> PersonalID, AssessmentID ->
    # EnrollmentID): a row below one must name the same
    owners: dict[str, dict[str, str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    # Files whose header or text could not be read: their ids are unknown, so foreign keys to
    # them are not checked (that would only repeat the problem).
    broken: set[str] = field(default_factory=set)
    # The row being checked, and the current file's date columns (services.hudcsv.dates).
    line: int = 0
    dates: dict[str, DateColumn] = field(default_factory=dict)


# A record below another names the same owner: (its column naming the parent, the parent's file,
# the column both name the owner in).
_OWNED = (
    ("EnrollmentID", "Enrollment", "PersonalID"),
    ("AssessmentID", "Assessment", "EnrollmentID"),
)


def _owner_problems(file: str, row: dict[str, str], ctx: _Context) -> list[tuple[str, str]]:
    """A row whose enrollment is another client's, or whose assessment is another
    enrollment's: refused, as it would join one person's record to another's."""
    if file in ("Enrollment", "Assessment"):
        owner, owners_file = (
            ("PersonalID", "Client") if file == "Enrollment" else ("EnrollmentID", "Enrollment")
        )
        # an owner that is no row is a problem of its own: the rows below are not blamed too
        if row[owner] in ctx.ids.get(owners_file, set()):
            ctx.owners.setdefault(file, {})[row[_KEYS[file][0]]] = row[owner]
    found = []
    for link, parent, owner in _OWNED:
        if file == parent or not row.get(link) or not row.get(owner):
            continue
        expected = ctx.owners.get(parent, {}).get(row[link])
        if expected is not None and expected != row[owner]:
            found.append((owner, f"not the {owner} of {parent} {row[link][:40]!r}"))
    return found


def _checker(column: Column, ctx: _Context) -> Callable[[str], str | None]:
    """Why a non-blank cell of this column is wrong, or None (chosen once per column)."""
    if column.name == "DateDeleted" or column.data_type in ("date", "datetime"):
        # the column's order of day and month is decided once all its values are seen
        tracker = ctx.dates[column.name] = DateColumn(
            timed=column.data_type != "date", today=ctx.today
        )
        return lambda text: tracker.check(ctx.line, text)
    if column.data_type == "numeric":
        money = column.name in _money()

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
    limit = _max_length().get(column.name)
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


_TELL_EVERY = 5000  # rows between two reports to ``progress``


def _validate(
    archive: _Archive, problems: _Problems, ctx: _Context, progress: Progress | None = None
) -> None:
    """Check every file; ``progress`` hears of the rows checked (step ``rows checked``; how many
    there are is known only at the end)."""
    checked = 0
    for file in FILES:
        if not archive.has(file):
            continue
        name = f"{file}.csv"
        ctx.dates = {}
        checks = [(c.name, c.nulls_allowed, _checker(c, ctx)) for c in columns(file)]
        key, foreign = _KEYS.get(file, (None, {}))
        seen: set[str] = set()
        people = People() if file == "Client" else None
        spans = Spans(*SPANS[file]) if file in SPANS else None
        count = 0
        for line, row in archive.rows(file, problems, ctx.broken):
            count += 1
            ctx.line = line
            if progress is not None and (checked + count) % _TELL_EVERY == 0:
                progress("rows checked", checked + count)
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
            for column, reason in code_problems(file, row):
                problems.add(name, line, column, reason)
            if spans is not None:
                spans.add(line, row)
            if people is not None:
                if (reason := people.check(line, row)) is not None:
                    problems.add(name, line, "PersonalID", reason)
                seen.add(row["PersonalID"])
            elif key is not None:
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
            for column, reason in _owner_problems(file, row, ctx):
                problems.add(name, line, column, reason)
        ctx.rows[file] = count
        archive.today = ctx.today
        archive.orders[file] = {
            column: (tracker.timed, tracker.decide(problems, name, column))
            for column, tracker in ctx.dates.items()
        }
        if spans is not None:
            spans.check(problems, name, archive.orders[file], ctx.today)
        checked += count
        tell(progress, "rows checked", checked)
        if file == "Export" and count != 1:
            problems.add(name, None, None, f"{count} rows: Export.csv has exactly one")
        if key is not None and file in _PARENTS:
            ctx.ids[file] = seen
