"""Pass 2: the validated rows mapped to Hearth ids and written in batches in the import's
transaction. Each file's element columns, and how each value is read, come from the element
registry (``services.hudcsv.elements``); the statements are built from the models' columns."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.clients import Client, ssn_columns
from models.enrollments import (
    Disability,
    Enrollment,
    Exit,
    HealthAndDv,
    IncomeBenefits,
    Service,
)
from models.governance import Agency, Project
from models.hud.elements import Element
from models.sealed import SealedCharField
from models.users import User
from services.hudcsv.elements import columns_of
from services.hudcsv.problems import _Problems
from services.hudcsv.read import _Archive, parse_date, parse_datetime
from services.hudcsv.validate import _KEYS, _Context
from services.progress import Progress, tell

__all__: list[str] = []

_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _hex_uuid(text: str) -> UUID | None:
    lowered = text.lower().replace("-", "")
    return UUID(lowered) if _HEX32.match(lowered) else None


def _int(text: str) -> int | None:
    return int(Decimal(text)) if text else None


def _money(text: str) -> Decimal | None:
    return Decimal(text).quantize(Decimal("0.01")) if text else None


@functools.cache
def _insert(model: type[Model], columns: tuple[str, ...], on_conflict: str = "") -> str:
    """An INSERT of these columns of the model's table (JSON columns cast from text)."""
    meta = model._meta
    json = {
        meta.fields_map[n].source_field or n
        for n in meta.fields_map
        if isinstance(meta.fields_map[n], fields.JSONField)
    }
    values = ",".join(f"${i}::jsonb" if c in json else f"${i}" for i, c in enumerate(columns, 1))
    names = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{meta.db_table}" ({names}) VALUES ({values}){on_conflict}'  # noqa: S608 (the models' names)


@functools.cache
def _sealed(model: type[Model]) -> dict[str, SealedCharField]:
    """The model's sealed columns: the statements bypass the fields, so these are sealed here."""
    meta = model._meta
    return {
        field.source_field or name: field
        for name, field in meta.fields_map.items()
        if isinstance(field, SealedCharField)
    }


async def _write_rows(
    conn: Any, model: type[Model], rows: list[dict[str, Any]], on_conflict: str = ""
) -> None:
    """Rows of one model (each a dict of the same columns), in one executemany."""
    if rows:
        columns = tuple(rows[0])
        sealed = [(i, f) for i, c in enumerate(columns) if (f := _sealed(model).get(c))]
        values = [list(r.values()) for r in rows]
        for row in values:
            for i, field in sealed:
                row[i] = field.to_db_value(row[i], model)
        await conn.execute_many(_insert(model, columns, on_conflict), values)


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
        progress: Progress | None = None,
    ) -> None:
        self.conn, self.archive, self.problems, self.ctx = conn, archive, problems, ctx
        self.progress = progress
        # rows of the files written in batches, read so far of how many (pass 1 counted them)
        self.read = 0
        self.to_read = sum(ctx.rows.get(file, 0) for file in ("Client", "Enrollment", *_CHILDREN))
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

    def _value(self, item: Element, text: str) -> Any:
        """One element's cell as Hearth stores it; a blank is None, or the element's HUD
        default (a race flag's 0)."""
        if not text:
            return item.csv_default
        if item.kind is int:
            return _int(text)
        if item.kind is Decimal:
            return _money(text)
        if item.kind is date:
            return self._d(text)
        if item.kind is datetime:
            return self._dt(text)
        return text

    def _elements(self, file: str, r: dict[str, str]) -> dict[str, Any]:
        """A row's element values by column name (a column an FY2024 file lacks reads blank)."""
        return {
            item.name: self._value(item, r.get(column, "")) for column, item in columns_of(file)
        }

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
        """The file's rows (not deleted) in batches; ``progress`` hears of the rows gone through
        once each batch is written (step ``rows imported``)."""
        chunk: list[dict[str, str]] = []
        for _, row in self.archive.rows(file, self.problems):
            self.read += 1
            if not row.get("DateDeleted"):
                chunk.append(row)
            if len(chunk) >= self.batch:
                yield chunk
                chunk = []
                tell(self.progress, "rows imported", self.read, self.to_read)
        if chunk:
            yield chunk
        tell(self.progress, "rows imported", self.read, self.to_read)

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
            self.users[s] = w if w in found else self.user_id

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
            [self.agency.coc_id],
        )
        created = 0
        for line, row in self.archive.rows("Project", self.problems):
            source = row["ProjectID"]
            hearth = _hex_uuid(source)
            if source in existing:
                self.projects[source] = existing[source]
            elif hearth in own:
                self.projects[source] = hearth
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
            rows = []
            for new_id, r in zip(ids, new, strict=True):
                self.clients[r["PersonalID"]] = new_id
                values = self._elements("Client", r)
                ssn = values["ssn"].replace("-", "").lower() if values["ssn"] else None
                updated = self._dt(r["DateUpdated"]) or self.now
                rows.append(
                    {
                        "id": new_id,
                        **values,
                        **ssn_columns(ssn),
                        "created_by_agency_id": self.agency.id,
                        "created_under_can_id": self.agency.can_id,
                        "created_by_user_id": self._user(r["UserID"]),
                        "last_activity_at": updated,
                        "created_at": self._dt(r["DateCreated"]) or self.now,
                        "updated_at": updated,
                        "source_system": self.source,
                        "source_id": r["PersonalID"],
                        "version": 1,
                    }
                )
                self.new_clients.append(new_id)
            await _write_rows(self.conn, Client, rows)
            await self.conn.execute_many(
                _CONSENT_INSERT,
                [
                    [
                        uuid.uuid4(),
                        row["id"],
                        self.agency.id,
                        row["created_by_user_id"],
                        row["created_at"].astimezone(self.ctx.tz).date(),
                        f"HUD CSV export {self.ctx.export_id}"[:200],
                        self.label,
                        self.now,
                    ]
                    for row in rows
                ],
            )
            created += len(rows)
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
            rows = []
            for new_id, r in zip(ids, new, strict=True):
                client = self.clients[r["PersonalID"]]
                self.enrollments[r["EnrollmentID"]] = (new_id, client)
                rows.append(
                    {
                        "id": new_id,
                        "client_id": client,
                        "project_id": self.projects[r["ProjectID"]],
                        "agency_id": self.agency.id,
                        **self._elements("Enrollment", r),
                        "created_by_user_id": self._user(r["UserID"]),
                        "created_at": self._dt(r["DateCreated"]) or self.now,
                        "updated_at": self._dt(r["DateUpdated"]) or self.now,
                        "source_system": self.source,
                        "source_id": r["EnrollmentID"],
                    }
                )
            await _write_rows(self.conn, Enrollment, rows)
            created += len(rows)
        return created

    async def children_write(self, file: str) -> int:
        model = _CHILDREN[file]
        table = model._meta.db_table
        authored = "created_by_user" in model._meta.fields_map
        before = await self._count(table)
        async for chunk in self._chunks(file):
            rows = [r for r in chunk if r["EnrollmentID"] in self.enrollments]
            ids = await self._ids(table, [r[_KEYS[file][0]] for r in rows])
            built = []
            for new_id, r in zip(ids, rows, strict=True):
                row = {
                    "id": new_id,
                    "enrollment_id": self.enrollments[r["EnrollmentID"]][0],
                    **self._elements(file, r),
                }
                if authored:
                    row["created_by_user_id"] = self._user(r["UserID"])
                row |= {
                    "created_at": self._dt(r["DateCreated"]) or self.now,
                    "updated_at": self._dt(r["DateUpdated"]),
                    "source_system": self.source,
                    "source_id": r[_KEYS[file][0]],
                }
                built.append(row)
            await _write_rows(self.conn, model, built, " ON CONFLICT DO NOTHING")
        return await self._count(table) - before

    async def _count(self, table: str) -> int:
        rows = await self.conn.execute_query_dict(
            f"SELECT count(*) AS n FROM {table} t JOIN enrollment e ON e.id = t.enrollment_id"  # noqa: S608 (our table names)
            " WHERE e.agency_id = $1 AND t.source_system = $2",
            [self.agency.id, self.source],
        )
        return int(rows[0]["n"])


_CONSENT_INSERT = (
    "INSERT INTO consent_to_enter (id, client_id, agency_id, kind, first_contact_by_phone, taken_by_id, taken_on,"
    " evidence_reference, source, recorded_at) VALUES ($1,$2,$3,'WRITTEN',false,$4,$5,$6,$7,$8)"
    " ON CONFLICT (client_id, agency_id) DO NOTHING"
)
# The enrollment's files, each with the model it is written to.
_CHILDREN: dict[str, type[Model]] = {
    "Exit": Exit,
    "Services": Service,
    "IncomeBenefits": IncomeBenefits,
    "Disabilities": Disability,
    "HealthAndDV": HealthAndDv,
}
