"""The export's client files as SQL, for PostgreSQL to write with ``COPY (SELECT ...) TO STDOUT``:
each file's SELECT derived from the same declarations as the Python rows
(``services.hudcsv.rows``): the columns from HUD's column table (``services.hudcsv.columns``),
the element columns and their kinds from the element registry (``services.hudcsv.elements``),
the record files from ``services.hudcsv.records``, the masking from the client-data policy's
SQL (``authz.clients.sql``), each cell formatted as ``services.hudcsv.format.value_sql`` says.

The enrollments to export are chosen once, in the snapshot (:func:`enrollments_sql`), with the
policy's tests of their agency's records (one boolean per category a file asks about); each
file's statement then reads them back from literal arrays with their order (``unnest ... WITH
ORDINALITY``): a ``COPY`` takes no parameters, and a hot standby (``services.replica``) has no
temporary tables. A client's categories are worked out once per client (a materialized CTE),
never once per cell.

What stays in Python (``services.hudcsv.export``): the Client file's SSN, sealed at rest
(``models.sealed``) and opened only by the process's key ring, and the hashing of names and
SSNs (HashStatus 4: SHA-256 of the Python Soundex, which PostgreSQL's ``fuzzystrmatch`` does
not compute alike). Client.csv therefore carries one more column, the sealed SSN in hex where
the caller may see it in full, which the export replaces.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.models import Model

from authz.clients import ClientScope, visible_row_sql
from authz.clients.sql import (
    full_ssn_sql,
    row_categories,
    sees_category_sql,
    sees_row_sql,
    sees_sql,
    shown_sql,
)
from models.clients import Client
from models.enrollments import Enrollment, Exit
from models.enums import ReleaseCategory
from models.hud.elements import Element, registry
from services.hudcsv.columns import columns
from services.hudcsv.elements import columns_of
from services.hudcsv.format import hud_id_sql, value_sql
from services.hudcsv.records import ENROLLMENT_RECORDS, RecordFile
from services.hudcsv.rows import HASHED_NAMES, race_columns

__all__ = [
    "SEALED_SSN",
    "ClientFiles",
    "client_files",
    "enrollments_sql",
]

# Client.csv's extra last column: the sealed SSN (hex), where the caller sees it in full.
SEALED_SSN = "hearth_sealed_ssn"


def _table(model: type[Model]) -> str:
    return f'"{model._meta.db_table}"'


def _column(model: type[Model], name: str, alias: str) -> str:
    """A model field's column on the row aliased ``alias``."""
    return f'{alias}."{model._meta.fields_db_projection[name]}"'


def _literal_date(day: date) -> str:
    if not isinstance(day, date):
        raise TypeError("a date")
    return f"'{day.isoformat()}'::date"


def _ids_literal(ids: Sequence[UUID]) -> str:
    """The ids as one ``uuid[]`` literal (each re-parsed as a UUID)."""
    # (asyncpg's uuids are UUIDs already; anything else is parsed as one)
    return (
        "'{" + ",".join(str(i if isinstance(i, UUID) else UUID(str(i))) for i in ids) + "}'::uuid[]"
    )


def enrollments_sql(lens: ClientScope, project_ids: Iterable[UUID], start: date, end: date) -> str:
    """The enrollments to export (``id``, ``client_id``), in the files' order (client, then
    enrollment): at the scope's projects, active in the period (entry on or before the end, no
    exit before the start), of clients the lens sees, that the lens sees (the enrollment's
    category at its agency), as ``export._enrollments`` and ``sees`` choose them. With each,
    whether the lens sees the enrollment's agency's records of each category the files ask
    about (:func:`enrollment_categories`), as the bits of ``sees``: the policy worked out once
    per enrollment."""
    projects = ", ".join(f"'{UUID(str(p))}'" for p in sorted(project_ids, key=str)) or "NULL"
    e, c = '"enrollment"', '"client"'
    visible = visible_row_sql(lens, identifying=False, client=c)

    def flags(category: ReleaseCategory) -> str:
        return sees_row_sql(lens, category, f'{e}."agency_id"', c)

    bits = " | ".join(
        f"(({flags(cat)})::int << {i})" for i, cat in enumerate(enrollment_categories())
    )
    tests = f', ({bits}) AS "sees"'
    return (
        f'SELECT {e}."id", {e}."client_id"{tests} FROM {_table(Enrollment)} {e}'  # noqa: S608 (checked literals)
        f' JOIN {_table(Client)} {c} ON {c}."id" = {e}."client_id"'
        f' WHERE {e}."project_id" IN ({projects}) AND {e}."entry_date" <= {_literal_date(end)}'
        f' AND NOT EXISTS (SELECT 1 FROM {_table(Exit)} x WHERE x."enrollment_id" = {e}."id"'
        f' AND x."exit_date" < {_literal_date(start)})'
        f" AND {visible} AND {sees_sql(Enrollment, e, flags)}"
        f' ORDER BY {e}."client_id", {e}."id"'
    )


@dataclass(frozen=True, slots=True)
class _Select:
    """One file's SELECT: its columns' expressions (in the file's order), FROM, ORDER BY."""

    file: str
    cells: tuple[str, ...]
    head: str  # the WITH clause
    source: str  # FROM and WHERE
    order: str  # ORDER BY

    def query(self) -> str:
        """The rows, for ``COPY (...) TO STDOUT (FORMAT csv)`` (asyncpg's ``copy_from_query``;
        no header: the export writes the table's column names)."""
        return f"{self.head} SELECT {', '.join(self.cells)} {self.source} ORDER BY {self.order}"


def _trailer(model: type[Model], alias: str, export_id: str, tz: ZoneInfo) -> dict[str, str]:
    """``rows.trailer``'s columns; UserID is the row's author (``rows.author``)."""
    fields = model._meta.fields_db_projection
    created = _column(model, "created_at", alias)
    updated = _column(model, "updated_at", alias) if "updated_at" in fields else None
    authors = [
        _column(model, name, alias)
        for name in ("updated_by_user_id", "created_by_user_id")
        if name in fields
    ]
    author = f"COALESCE({', '.join(authors)})" if authors else "NULL::uuid"
    return {
        "DateCreated": value_sql(created, datetime, tz),
        "DateUpdated": value_sql(
            f"COALESCE({updated}, {created})" if updated else created, datetime, tz
        ),
        "UserID": hud_id_sql(author),
        "ExportID": f"'{_export_id(export_id)}'",
    }


def _export_id(export_id: str) -> str:
    if not export_id.isalnum():
        raise ValueError("an export id is hex digits")
    return export_id


def _element_cell(item: Element, value: str, tz: ZoneInfo) -> str:
    """``elements.to_csv`` then ``format.value``: a blank (or masked) element with a HUD default
    is written as that default."""
    if item.csv_default is not None:
        value = f"COALESCE({value}, {int(item.csv_default)})"
    return value_sql(value, item.kind, tz)


def _cells(file: str, row: Mapping[str, str]) -> tuple[str, ...]:
    """The file's columns in the table's order; a column the rows do not fill is blank (as the
    Python spool writes a missing key)."""
    return tuple(row.get(c.name, "NULL") for c in columns(file))


def _keys(ids: Sequence[UUID]) -> str:
    """The CTE ``k``: the ids with their order (``n``), from one literal array (worked out once
    per export and shared by the files' statements)."""
    literal = _ids_literal(ids)
    return f"k AS (SELECT u.id, u.n FROM unnest({literal}) WITH ORDINALITY u(id, n))"  # noqa: S608


def _kept(kept: Sequence[Mapping[str, Any]]) -> str:
    """The CTE ``e``: the kept enrollments (``enrollments_sql``'s rows) with their order
    (``n``), client and tests (one bit per category), from literal arrays: no join, and
    PostgreSQL knows the rows come in ``n``'s order (``WITH ORDINALITY``)."""
    arrays = (
        _ids_literal([r["id"] for r in kept]),
        _ids_literal([r["client_id"] for r in kept]),
        "'{" + ",".join(str(int(r["sees"])) for r in kept) + "}'::int[]",
    )
    return (
        f"e AS (SELECT * FROM unnest({', '.join(arrays)})"  # noqa: S608 (checked literals)
        ' WITH ORDINALITY u("id", "client_id", "sees", n))'
    )


def _sees(category: ReleaseCategory) -> str:
    """Whether the lens sees the enrollment's agency's records of ``category`` (a bit of the
    enrollment's ``sees``, one per :func:`enrollment_categories`)."""
    return f'((e."sees" & {1 << enrollment_categories().index(category)}) <> 0)'


@functools.cache
def enrollment_categories() -> tuple[ReleaseCategory, ...]:
    """The categories whose test at an enrollment's agency some enrollment file asks for: the
    enrollment's own (which rows are kept), each record table's, each masked element's."""
    found = {*row_categories(Enrollment)}
    found.update(i.category for _, i in columns_of("Enrollment") if i.category)
    for record in ENROLLMENT_RECORDS:
        found.update(row_categories(record.model))
        found.update(i.category for _, i in columns_of(record.file) if i.category)
    return tuple(sorted(found, key=str))


def _flag(category: ReleaseCategory) -> str:
    return f'"sees_{ReleaseCategory(category).value.lower()}"'


def _client_select(
    lens: ClientScope, clients: str, hashed: bool, export_id: str, tz: ZoneInfo
) -> _Select:
    """Client.csv (``rows.client_row``): the client's elements as ``client_fields`` masks them;
    SSN as its last four digits, the sealed SSN in the extra column where the caller sees it in
    full; the names raw when they are to be hashed; RaceNone 99 when no race flag is 1."""
    base = '"client"'
    elements = dict(columns_of("Client"))
    categories = sorted({i.category for i in elements.values() if i.category}, key=str)
    flags = ", ".join(f"{sees_category_sql(lens, cat, base)} AS {_flag(cat)}" for cat in categories)
    head = (
        f"WITH {clients}, c AS MATERIALIZED (SELECT k.n, {base}.*, {flags},"  # noqa: S608
        f' {full_ssn_sql(lens, base)} AS "sees_full" FROM k JOIN {_table(Client)} {base}'
        f' ON {base}."id" = k.id)'
    )

    def shown(item: Element) -> str:
        return shown_sql(item, _column(Client, item.name, "c"), _flag, '"sees_full"')

    row: dict[str, str] = {"PersonalID": hud_id_sql('c."id"')}
    values: dict[str, str] = {}
    for column, item in elements.items():
        values[column] = shown(item)
        row[column] = _element_cell(item, values[column], tz)
    if hashed:
        for column in HASHED_NAMES:  # hashed by the export, from the name as entered
            row[column] = values[column]
    last_four = shown(registry().get(Client, "ssn_last_four"))
    # (hashed: as entered, the export hashes it; else cleaned as any text)
    last_four = f"('xxxxx' || NULLIF({last_four}, ''))"
    row["SSN"] = last_four if hashed else value_sql(last_four, str, tz)
    races = " OR ".join(
        f"({_element_cell(elements[c], values[c], tz)}) = 1" for c in race_columns()
    )
    row["RaceNone"] = f"COALESCE({row['RaceNone']}, CASE WHEN {races} THEN NULL ELSE 99 END)"
    row.update(_trailer(Client, "c", export_id, tz))
    sealed = f"CASE WHEN c.\"sees_full\" THEN encode({_column(Client, 'ssn', 'c')}, 'hex') END"
    return _Select(
        "Client",
        (*_cells("Client", row), f"{sealed} AS {SEALED_SSN}"),
        head,
        "FROM c",
        "c.n",
    )


def _enrollment_select(enrollments: str, export_id: str, tz: ZoneInfo) -> _Select:
    """Enrollment.csv (``rows.enrollment_row``)."""
    base = '"enrollment"'
    row = {
        "EnrollmentID": hud_id_sql('e."id"'),
        "PersonalID": hud_id_sql('e."client_id"'),
        "ProjectID": hud_id_sql(_column(Enrollment, "project_id", base)),
    }
    for column, item in columns_of("Enrollment"):  # its HEALTH elements masked as row_fields does
        row[column] = _element_cell(
            item, shown_sql(item, _column(Enrollment, item.name, base), _sees), tz
        )
    row.update(_trailer(Enrollment, base, export_id, tz))
    return _Select(
        "Enrollment",
        _cells("Enrollment", row),
        f"WITH {enrollments}",
        f'FROM e JOIN {_table(Enrollment)} {base} ON {base}."id" = e."id"',
        "e.n",
    )


def _record_select(record: RecordFile, enrollments: str, export_id: str, tz: ZoneInfo) -> _Select:
    """One file of an enrollment's records (``export._write_children``): the rows the lens sees
    (``sees`` at the enrollment's agency), each element masked as ``row_fields`` masks it, in
    the enrollment's order and then the record's."""
    model, x = record.model, "x"
    elements = columns_of(record.file)
    row = {
        record.key: hud_id_sql(_column(model, "id", x)),
        "EnrollmentID": hud_id_sql('e."id"'),
        "PersonalID": hud_id_sql('e."client_id"'),
        **{link.column: hud_id_sql(_column(model, link.field, x)) for link in record.links},
    }
    for column, item in elements:
        row[column] = _element_cell(item, shown_sql(item, _column(model, item.name, x), _sees), tz)
    row.update(_trailer(model, x, export_id, tz))
    assert record.order[0] == "enrollment_id", record.file
    order = ", ".join(["e.n", *(_column(model, name, x) for name in record.order[1:])])
    sees = sees_sql(model, x, _sees)
    return _Select(
        record.file,
        _cells(record.file, row),
        f"WITH {enrollments}",
        f'FROM e JOIN {_table(model)} {x} ON {_column(model, "enrollment_id", x)} = e."id"'
        f" WHERE {sees}",
        order,
    )


@dataclass(frozen=True, slots=True)
class ClientFiles:
    """Each client file's statement, in the order the export writes them."""

    selects: tuple[_Select, ...]


def client_files(
    lens: ClientScope,
    *,
    enrollments: Sequence[Mapping[str, Any]],
    clients: Sequence[UUID],
    hashed: bool,
    export_id: str,
    tz: ZoneInfo,
) -> ClientFiles:
    """The statements of Client.csv, Enrollment.csv and every enrollment's file, for the kept
    ``enrollments`` (``enrollments_sql``'s rows, in order) and their ``clients`` (in order)."""
    enrollment_keys, client_keys = _kept(enrollments), _keys(clients)
    return ClientFiles(
        (
            _client_select(lens, client_keys, hashed, export_id, tz),
            _enrollment_select(enrollment_keys, export_id, tz),
            *(_record_select(r, enrollment_keys, export_id, tz) for r in ENROLLMENT_RECORDS),
        )
    )
