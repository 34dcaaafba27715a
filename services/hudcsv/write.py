"""Pass 2: the validated rows mapped to Hearth ids and written in batches in the import's
transaction. Each file's element columns, and how each value is read, come from the element
registry (``services.hudcsv.elements``); the statements are built from the models' columns."""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.clients import Client, ssn_columns
from models.enrollments import (
    Enrollment,
)
from models.enums import AuditAction
from models.governance import Agency, Project
from models.hud.elements import Element
from models.sealed import SealedCharField
from models.users import User
from services.audit import AuditRow
from services.hudcsv.changes import delete_rows, kept_back, stamps, update_rows
from services.hudcsv.elements import columns_of
from services.hudcsv.problems import _Problems
from services.hudcsv.read import _Archive, parse_date, parse_datetime
from services.hudcsv.records import ENROLLMENT_RECORDS, PROJECT_RECORDS, RecordFile
from services.hudcsv.validate import _KEYS, _Context
from services.progress import Progress, tell

__all__: list[str] = []

_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_CHILD_FILES = tuple(record.file for record in ENROLLMENT_RECORDS)
_PROJECT_FILES = tuple(record.file for record in PROJECT_RECORDS)


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


@dataclass(slots=True)
class Tally:
    """What an import did (or, dry, would do), by file."""

    created: dict[str, int] = dc_field(
        default_factory=lambda: dict.fromkeys(
            ("User", "Project", *_PROJECT_FILES, "Client", "Enrollment", *_CHILD_FILES), 0
        )
    )
    updated: dict[str, int] = dc_field(default_factory=dict)
    deleted: dict[str, int] = dc_field(default_factory=dict)
    # rows the source deleted that Hearth keeps: clients, and enrollments with records of Hearth's
    kept: dict[str, int] = dc_field(default_factory=dict)

    def add(self, kind: str, file: str, n: int) -> None:
        if n or kind == "created":
            counts = getattr(self, kind)
            counts[file] = counts.get(file, 0) + n


class _Writer:
    """Pass 2: the rows, mapped to Hearth ids, written in batches in the open transaction.

    ``organizations`` maps each OrganizationID to its agency (``services.hudcsv.organizations``):
    a project is its organization's agency's, an enrollment its project's. A client is one
    Hearth client per PersonalID of the source, whichever agencies enrolled them: held (created)
    by the agency of their first enrollment in the file, and every other enrolling agency holds
    the consent recorded as imported, as a second agency enrolling the client (policy 207)."""

    def __init__(
        self,
        conn: Any,
        archive: _Archive,
        problems: _Problems,
        ctx: _Context,
        *,
        organizations: dict[str, Agency],
        default: Agency | None,
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
        self.to_read = sum(
            ctx.rows.get(file, 0) for file in ("Client", "Enrollment", *_CHILD_FILES)
        )
        self.organizations, self.default = organizations, default
        self.user_id, self.source, self.label = user_id, source_system, source_label
        self.now, self.batch = now, batch
        self.tally = Tally()
        self.audit: list[AuditRow] = []
        self.users: dict[str, UUID] = {}
        self.projects: dict[str, UUID] = {}
        self.project_agency: dict[str, UUID] = {}  # source ProjectID -> agency
        self.clients: dict[str, UUID] = {}
        self.holder: dict[UUID, UUID] = {}  # client -> the agency that created it
        # PersonalID -> {agency: first EntryDate there}, from Enrollment.csv (rows not deleted)
        self.enrolled: dict[str, dict[UUID, str]] = {}
        self.enrollments: dict[str, tuple[UUID, UUID]] = {}  # source -> (enrollment, client)
        self.enrollment_agency: dict[UUID, UUID] = {}
        self.new_clients: list[tuple[UUID, UUID]] = []  # (client, agency)
        # source ids of the rows the source deleted, by file
        self.deleted: dict[str, list[str]] = {}
        # whether each table held rows of this source before the import (see _prior)
        self.prior: dict[str, bool] = {}
        # source id -> Hearth id of the records other rows link to, by file
        self.linked: dict[str, dict[str, UUID]] = {"Project": self.projects, "Assessment": {}}

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
        if item.kind is bool:
            return text == "1"
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

    def _rows(self, file: str) -> Iterator[dict[str, str]]:
        for _, row in self.archive.rows(file, self.problems):
            if not row.get("DateDeleted"):
                yield row

    async def _chunks(self, file: str) -> Any:
        """The file's rows (not deleted) in batches; ``progress`` hears of the rows gone through
        once each batch is written (step ``rows imported``). The source ids of deleted rows are
        kept in ``deleted``."""
        chunk: list[dict[str, str]] = []
        key = _KEYS[file][0]
        for _, row in self.archive.rows(file, self.problems):
            self.read += 1
            if not row.get("DateDeleted"):
                chunk.append(row)
            else:
                self.deleted.setdefault(file, []).append(row[key])
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

    async def _prior(self, table: str) -> bool:
        """Whether the table held rows of this source before the import wrote to it (asked
        before its first write, then remembered). Without any, the lookups by source id are
        skipped: a table filled in this transaction has no statistics yet, so PostgreSQL plans
        each lookup as a scan of it, and a first import's lookups grew with the square of the
        rows (the 100,000-client statewide import)."""
        known = self.prior.get(table)
        if known is None:
            rows = await self.conn.execute_query_dict(
                f'SELECT EXISTS (SELECT 1 FROM "{table}" WHERE source_system = $1) AS found',  # noqa: S608 (the models' names)
                [self.source],
            )
            known = self.prior[table] = bool(rows[0]["found"])
        return known

    async def _stamps(self, model: type[Model], sources: list[str]) -> dict[str, Any]:
        """``changes.stamps`` for the rows this source wrote before this import."""
        if not sources or not await self._prior(model._meta.db_table):
            return {}
        return await stamps(self.conn, model, sources, self.source)

    def _newer(self, text: str, stamp: datetime | None) -> bool:
        moment = self._dt(text)
        return moment is not None and (stamp is None or moment > stamp)

    def _user(self, text: str) -> UUID:
        return self.users.get(text, self.user_id)

    async def users_map(self) -> None:
        """Each source user: a Hearth user whose id it is (Hearth -> Hearth), else an inactive
        user record of its own, created once per source and UserID (never able to sign in)."""
        rows = list(self._rows("User"))
        # a Hearth user record, an account or one an earlier import made for another source's
        # user (a Hearth export names both by id)
        found = set(
            await User.filter(
                id__in=[w for w in (_hex_uuid(r["UserID"]) for r in rows) if w]
            ).values_list("id", flat=True)
        )
        existing = await self.conn.execute_query_dict(
            "SELECT source_id, id FROM hearth_user WHERE source_system = $1"
            " AND source_id = ANY($2::text[])",
            [self.source, [r["UserID"] for r in rows]],
        )
        self.users = {r["source_id"]: r["id"] for r in existing}
        new = []
        for r in rows:
            source = r["UserID"]
            hearth = _hex_uuid(source)
            if hearth is not None and hearth in found:
                self.users[source] = hearth
            elif source not in self.users:
                new.append(r)
        ids = await self._ids("hearth_user", [r["UserID"] for r in new])
        created = []
        for new_id, r in zip(ids, new, strict=True):
            self.users[r["UserID"]] = new_id
            created.append(
                [
                    new_id,
                    _source_username(self.source, r["UserID"]),
                    (r.get("UserFirstName") or None) and r["UserFirstName"][:100],
                    (r.get("UserLastName") or None) and r["UserLastName"][:100],
                    self.now,
                    self._dt(r["DateCreated"]) or self.now,
                    self.source,
                    r["UserID"],
                    (r.get("UserEmail") or "")[:254],
                    self._dt(r["DateUpdated"]) or self._dt(r["DateCreated"]) or self.now,
                    (r.get("UserPhone") or None) and r["UserPhone"][:10],
                    (r.get("UserExtension") or None) and r["UserExtension"][:5],
                ]
            )
        if created:
            await self.conn.execute_query(_BULK, ["on"])
            await self.conn.execute_many(_SOURCE_USER_INSERT, created)
            await self.conn.execute_query(_BULK, ["off"])
        self.tally.add("created", "User", len(created))

    async def organizations_provenance(self, created: dict[str, str]) -> None:
        """An agency created from an Organization row keeps the row's DateCreated, DateUpdated
        and UserID (an agency mapped to keeps its own)."""
        for _, row in self.archive.rows("Organization", self.problems):
            agency = self.organizations.get(row["OrganizationID"])
            if agency is None or row["OrganizationID"] not in created:
                continue
            await self.conn.execute_query(
                "UPDATE agency SET created_by_user_id = $1, created_at = $2, updated_at = $3"
                " WHERE id = $4",
                [
                    self._user(row["UserID"]),
                    self._dt(row["DateCreated"]) or self.now,
                    self._dt(row["DateUpdated"]) or self.now,
                    agency.id,
                ],
            )

    async def projects_map(self) -> None:
        """Each source project: a project of this source already imported (updated when the
        row is newer), a Hearth project whose id it is (Hearth -> Hearth, kept as it is), else
        a new project of its organization's agency with every Project.csv column."""
        coc = {row["ProjectID"]: row["CoCCode"] for row in self._rows("ProjectCoC")}
        existing = await self.conn.execute_query_dict(
            "SELECT source_id, id, agency_id, coalesce(updated_at, created_at) AS stamp"
            " FROM project WHERE source_system = $1",
            [self.source],
        )
        by_source = {r["source_id"]: r for r in existing}
        agencies = {a.id: a for a in self.organizations.values()}
        own = dict(
            await Project.filter(agency_id__in=list(agencies)).values_list("id", "agency_id")
        )
        names = {
            (a, n): i
            for i, a, n in await Project.filter(agency_id__in=list(agencies)).values_list(
                "id", "agency_id", "name"
            )
        }
        cocs = {
            r["id"]: r["code"]
            for r in await self.conn.execute_query_dict(
                "SELECT id, code FROM continuum_of_care WHERE id = ANY($1::uuid[])",
                [list({a.coc_id for a in agencies.values()})],
            )
        }
        changed: list[dict[str, Any]] = []
        for line, row in self.archive.rows("Project", self.problems):
            source = row["ProjectID"]
            hearth = _hex_uuid(source)
            agency = self.organizations.get(row["OrganizationID"])
            if source in by_source:
                stored = by_source[source]
                self.projects[source], self.project_agency[source] = (
                    stored["id"],
                    stored["agency_id"],
                )
                renamed = names.get((stored["agency_id"], row["ProjectName"]), stored["id"])
                if not row.get("DateDeleted") and self._newer(row["DateUpdated"], stored["stamp"]):
                    if renamed != stored["id"]:
                        self.problems.add(
                            "Project.csv",
                            line,
                            "ProjectName",
                            "the agency already has another project of this name",
                        )
                        continue
                    changed.append(
                        {
                            "id": stored["id"],
                            **self._elements("Project", row),
                            "updated_by_user_id": self._user(row["UserID"]),
                            "updated_at": self._dt(row["DateUpdated"]) or self.now,
                        }
                    )
            elif hearth is not None and hearth in own:
                self.projects[source], self.project_agency[source] = hearth, own[hearth]
            elif row.get("DateDeleted"):
                continue  # a project the source deleted before Hearth knew it
            elif agency is None:
                if self._deleted_organization(row["OrganizationID"]):
                    self.problems.add(
                        "Project.csv",
                        line,
                        "OrganizationID",
                        "its organization is deleted in the source (DateDeleted)",
                    )
                continue  # else its organization is a problem already
            elif (agency.id, row["ProjectName"]) in names:
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
                await _write_rows(
                    self.conn,
                    Project,
                    [
                        {
                            "id": new_id,
                            "agency_id": agency.id,
                            **self._elements("Project", row),
                            "coc_code": coc.get(source) or cocs[agency.coc_id],
                            "created_by_user_id": self._user(row["UserID"]),
                            "created_at": self._dt(row["DateCreated"]) or self.now,
                            "updated_at": self._dt(row["DateUpdated"]) or self.now,
                            "source_system": self.source,
                            "source_id": source,
                        }
                    ],
                )
                names[(agency.id, row["ProjectName"])] = new_id
                self.projects[source], self.project_agency[source] = new_id, agency.id
                self.tally.add("created", "Project", 1)
        if changed:
            self.audit += await update_rows(
                self.conn,
                Project,
                changed,
                sealed={},
                entity="Project",
                clients={},
                actor=self.user_id,
                agency_of={self.projects[s]: a for s, a in self.project_agency.items()},
                now=self.now,
            )
            self.tally.add("updated", "Project", len(changed))

    async def project_records_write(self) -> None:
        """Each project's records (ProjectCoC, Funder, Inventory, Affiliation,
        HMISParticipation, CEParticipation): new rows created, newer ones updated, deleted ones
        deleted. A Hearth project's own row (its id in the file, Hearth -> Hearth) is kept."""
        for record in PROJECT_RECORDS:
            model, file, key = record.model, record.file, record.key
            live = [
                r
                for _, r in self.archive.rows(file, self.problems)
                if r["ProjectID"] in self.projects
            ]
            stored = await self._stamps(model, [r[key] for r in live])
            own = await self._own(model, [r[key] for r in live if r[key] not in stored])
            new, changed, gone = [], [], []
            for r in live:
                if r.get("DateDeleted"):
                    if r[key] in stored:
                        gone.append(stored[r[key]][0])
                    continue
                links = self._links(record, r)
                if links is None or r[key] in own:
                    continue
                if r[key] in stored:
                    if self._newer(r["DateUpdated"], stored[r[key]][1]):
                        changed.append(
                            {
                                "id": stored[r[key]][0],
                                **links,
                                **self._elements(file, r),
                                "updated_by_user_id": self._user(r["UserID"]),
                                "updated_at": self._dt(r["DateUpdated"]),
                            }
                        )
                else:
                    new.append((r, links))
            ids = await self._ids(model._meta.db_table, [r[key] for r, _ in new])
            await _write_rows(
                self.conn,
                model,
                [
                    {
                        "id": new_id,
                        "project_id": self.projects[r["ProjectID"]],
                        **links,
                        **self._elements(file, r),
                        "created_by_user_id": self._user(r["UserID"]),
                        "created_at": self._dt(r["DateCreated"]) or self.now,
                        "updated_at": self._dt(r["DateUpdated"]),
                        "source_system": self.source,
                        "source_id": r[key],
                    }
                    for new_id, (r, links) in zip(ids, new, strict=True)
                ],
            )
            self.tally.add("created", file, len(new))
            if changed:
                self.audit += await update_rows(
                    self.conn,
                    model,
                    changed,
                    sealed={},
                    entity=model.__name__,
                    clients={},
                    actor=self.user_id,
                    agency_of={},
                    now=self.now,
                )
                self.tally.add("updated", file, len(changed))
            if gone:
                self.audit += await delete_rows(
                    self.conn,
                    model._meta.db_table,
                    model.__name__,
                    gone,
                    clients={},
                    actor=self.user_id,
                    agency_of={},
                    now=self.now,
                )
                self.tally.add("deleted", file, len(gone))

    async def _own(self, model: type[Model], sources: list[str]) -> set[str]:
        """The source ids that are ids of the model's rows already in Hearth (Hearth -> Hearth)."""
        hearth = {w: s for s in sources if (w := _hex_uuid(s)) is not None}
        if not hearth:
            return set()
        rows = await self.conn.execute_query_dict(
            f'SELECT id FROM "{model._meta.db_table}" WHERE id = ANY($1::uuid[])'  # noqa: S608 (the models' names)
            " AND source_system IS NULL",
            [list(hearth)],
        )
        return {hearth[r["id"]] for r in rows}

    def _links(self, record: RecordFile, r: dict[str, str]) -> dict[str, Any] | None:
        """The row's links as Hearth ids; None when one names a row Hearth did not import (its
        organization refused, its parent deleted)."""
        links: dict[str, Any] = {}
        for link in record.links:
            target = self.linked[link.file].get(r[link.column])
            if target is None:
                return None
            links[link.field] = target
        return links

    def _deleted_organization(self, org: str) -> bool:
        return any(
            row["OrganizationID"] == org and bool(row.get("DateDeleted"))
            for _, row in self.archive.rows("Organization", self.problems)
        )

    def scan_enrollments(self) -> None:
        """Which agencies enroll each person (and first when), before the clients are written.
        An enrollment at a victim service provider's project is a problem: its client data
        stays out of HMIS (HUD's privacy rule, policy 208)."""
        shelters = {a.id for a in self.organizations.values() if a.victim_service_provider}
        for line, row in self.archive.rows("Enrollment", self.problems):
            if row.get("DateDeleted"):
                continue
            agency = self.project_agency.get(row["ProjectID"])
            if agency in shelters:
                self.problems.add(
                    "Enrollment.csv",
                    line,
                    "ProjectID",
                    "a victim service provider's project: its client data stays out of HMIS",
                )
            elif agency is not None:
                self.enrolled.setdefault(row["PersonalID"], {}).setdefault(agency, row["EntryDate"])

    async def clients_write(self) -> None:
        async for chunk in self._chunks("Client"):
            ids = list(dict.fromkeys(r["PersonalID"] for r in chunk))
            rows = (
                await self.conn.execute_query_dict(
                    "SELECT DISTINCT ON (source_id) source_id, id, created_by_agency_id, updated_at"
                    " FROM client WHERE source_system = $1 AND source_id = ANY($2::text[])"
                    " ORDER BY source_id, created_at, id",
                    [self.source, ids],
                )
                if await self._prior("client")
                else []
            )
            stored = {r["source_id"]: r for r in rows}
            new, changed = [], []
            for r in chunk:
                pid = r["PersonalID"]
                if pid in stored:
                    old = stored.pop(pid)
                    self.clients[pid] = old["id"]
                    self.holder[old["id"]] = old["created_by_agency_id"]
                    if self._newer(r["DateUpdated"], old["updated_at"]):
                        changed.append((old["id"], r))
                elif pid not in self.clients:
                    new.append(r)
                    self.clients[pid] = uuid.uuid4()  # the row's id is chosen below
            fresh = await self._ids("client", [r["PersonalID"] for r in new])
            built = []
            for new_id, r in zip(fresh, new, strict=True):
                enrolled = self.enrolled.get(r["PersonalID"])
                agency = next(iter(enrolled)) if enrolled else None
                agency = agency or (self.default.id if self.default else None)
                if agency is None:
                    self.problems.add(
                        "Client.csv",
                        None,
                        "PersonalID",
                        f"{r['PersonalID'][:40]!r} has no enrollment: which agency holds them is "
                        "unknown (give --agency)",
                    )
                    continue
                self.clients[r["PersonalID"]] = new_id
                self.holder[new_id] = agency
                built.append(
                    {
                        "id": new_id,
                        **self._client_values(r),
                        "created_by_agency_id": agency,
                        "created_under_can_id": self._can(agency),
                        "created_by_user_id": self._user(r["UserID"]),
                        "created_at": self._dt(r["DateCreated"]) or self.now,
                        "source_system": self.source,
                        "source_id": r["PersonalID"],
                        "version": 1,
                    }
                )
                self.new_clients.append((new_id, agency))
            await _write_rows(self.conn, Client, built)
            self.tally.add("created", "Client", len(built))
            await self._update(
                Client, "Client", [{"id": i, **self._client_values(r)} for i, r in changed]
            )

    def _client_values(self, r: dict[str, str]) -> dict[str, Any]:
        values = self._elements("Client", r)
        ssn = values["ssn"].replace("-", "").lower() if values["ssn"] else None
        updated = self._dt(r["DateUpdated"]) or self.now
        return {**values, **ssn_columns(ssn), "last_activity_at": updated, "updated_at": updated}

    def _can(self, agency: UUID) -> UUID | None:
        for a in self.organizations.values():
            if a.id == agency:
                return a.can_id
        return self.default.can_id if self.default and self.default.id == agency else None

    async def _update(self, model: type[Model], file: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if model is Client:
            clients = {r["id"]: r["id"] for r in rows}
            agency_of = {r["id"]: self.holder[r["id"]] for r in rows}
        else:
            clients = {r["id"]: r.pop("_client") for r in rows}
            agency_of = {r["id"]: r.pop("_agency") for r in rows}
        self.audit += await update_rows(
            self.conn,
            model,
            rows,
            sealed=_sealed(model),
            entity=model.__name__,
            clients=clients,
            actor=self.user_id,
            agency_of=agency_of,
            now=self.now,
        )
        self.tally.add("updated", file, len(rows))

    async def enrollments_write(self) -> None:
        async for chunk in self._chunks("Enrollment"):
            found = (
                await self.conn.execute_query_dict(
                    "SELECT source_id, id, client_id, agency_id, updated_at FROM enrollment"
                    " WHERE source_system = $1 AND source_id = ANY($2::text[])",
                    [self.source, [r["EnrollmentID"] for r in chunk]],
                )
                if await self._prior("enrollment")
                else []
            )
            stored = {r["source_id"]: r for r in found}
            new, changed = [], []
            for r in chunk:
                if r["EnrollmentID"] in stored:
                    old = stored[r["EnrollmentID"]]
                    self.enrollments[r["EnrollmentID"]] = (old["id"], old["client_id"])
                    self.enrollment_agency[old["id"]] = old["agency_id"]
                    if (
                        self._newer(r["DateUpdated"], old["updated_at"])
                        and r["ProjectID"] in self.projects
                    ):
                        changed.append(
                            {
                                "id": old["id"],
                                "project_id": self.projects[r["ProjectID"]],
                                **self._enrollment_values(r),
                                "_client": old["client_id"],
                                "_agency": old["agency_id"],
                            }
                        )
                elif r["PersonalID"] in self.clients and r["ProjectID"] in self.projects:
                    new.append(r)
            ids = await self._ids("enrollment", [r["EnrollmentID"] for r in new])
            rows = []
            for new_id, r in zip(ids, new, strict=True):
                client = self.clients[r["PersonalID"]]
                agency = self.project_agency[r["ProjectID"]]
                self.enrollments[r["EnrollmentID"]] = (new_id, client)
                self.enrollment_agency[new_id] = agency
                rows.append(
                    {
                        "id": new_id,
                        "client_id": client,
                        "project_id": self.projects[r["ProjectID"]],
                        "agency_id": agency,
                        **self._enrollment_values(r),
                        "created_by_user_id": self._user(r["UserID"]),
                        "created_at": self._dt(r["DateCreated"]) or self.now,
                        "source_system": self.source,
                        "source_id": r["EnrollmentID"],
                    }
                )
            await _write_rows(self.conn, Enrollment, rows)
            self.tally.add("created", "Enrollment", len(rows))
            await self._update(Enrollment, "Enrollment", changed)

    def _enrollment_values(self, r: dict[str, str]) -> dict[str, Any]:
        return {
            **self._elements("Enrollment", r),
            "updated_at": self._dt(r["DateUpdated"]) or self.now,
        }

    async def consents_write(self) -> None:
        """The consent recorded as imported, for the holding agency and every enrolling one."""
        pairs: dict[tuple[UUID, UUID], str | None] = {}
        for pid, client in self.clients.items():
            holder = self.holder.get(client)
            if holder is None:
                continue
            pairs.setdefault((client, holder), None)
            for agency, first_entry in self.enrolled.get(pid, {}).items():
                pairs.setdefault((client, agency), first_entry)
        values = []
        for (client, agency), entry in pairs.items():
            second = agency != self.holder[client]
            taken_on = (self._d(entry) if entry else None) or self.now.astimezone(
                self.ctx.tz
            ).date()
            values.append(
                [
                    uuid.uuid4(),
                    client,
                    agency,
                    self.user_id,
                    taken_on,
                    f"HUD CSV export {self.ctx.export_id}"[:200],
                    self.label,
                    self.now,
                    "ENROLLMENT" if second else None,
                ]
            )
        for start in range(0, len(values), self.batch):
            part = values[start : start + self.batch]
            done = await self.conn.execute_query_dict(
                _CONSENT_INSERT,
                [list(column) for column in zip(*part, strict=True)],
            )
            for row in done:
                if row["relationship"] is not None:
                    self.audit.append(
                        AuditRow(
                            occurred_at=self.now,
                            action=AuditAction.CREATE,
                            entity_type="ConsentToEnter",
                            entity_id=str(row["id"]),
                            client_id=row["client_id"],
                            actor_id=self.user_id,
                            agency_id=row["agency_id"],
                            fields=("secondAgency", "relationship:ENROLLMENT", "hudCsvImport"),
                        )
                    )

    async def children_write(self, record: RecordFile) -> None:
        """An enrollment's file: new rows created, rows newer than Hearth's updated (values,
        DateUpdated and UserID), rows whose enrollment or linked record Hearth did not import
        left out."""
        model, file, key = record.model, record.file, record.key
        table = model._meta.db_table
        linked = self.linked.get(file)
        async for chunk in self._chunks(file):
            rows = []
            for r in chunk:
                links = self._links(record, r)
                if r["EnrollmentID"] in self.enrollments and links is not None:
                    rows.append((r, links))
            stored = await self._stamps(model, [r[key] for r, _ in rows])
            new = [(r, links) for r, links in rows if r[key] not in stored]
            changed = []
            for r, links in rows:
                if r[key] not in stored:
                    continue
                if linked is not None:
                    linked[r[key]] = stored[r[key]][0]
                if self._newer(r["DateUpdated"], stored[r[key]][1]):
                    enrollment, client = self.enrollments[r["EnrollmentID"]]
                    changed.append(
                        {
                            "id": stored[r[key]][0],
                            **links,
                            **self._elements(file, r),
                            "updated_by_user_id": self._user(r["UserID"]),
                            **self._child_extra(r, created=False),
                            "_client": client,
                            "_agency": self.enrollment_agency[enrollment],
                        }
                    )
            ids = await self._ids(table, [r[key] for r, _ in new])
            built = []
            for new_id, (r, links) in zip(ids, new, strict=True):
                if linked is not None:
                    linked[r[key]] = new_id
                built.append(
                    {
                        "id": new_id,
                        "enrollment_id": self.enrollments[r["EnrollmentID"]][0],
                        **links,
                        **self._elements(file, r),
                        "created_by_user_id": self._user(r["UserID"]),
                        **self._child_extra(r, created=True),
                        "source_system": self.source,
                        "source_id": r[key],
                    }
                )
            await _write_rows(self.conn, model, built, " ON CONFLICT DO NOTHING")
            self.tally.add("created", file, len(built))
            await self._update(model, file, changed)

    def _child_extra(self, r: dict[str, str], *, created: bool) -> dict[str, Any]:
        """A child row's provenance: DateCreated (new rows) and DateUpdated."""
        extra: dict[str, Any] = {"updated_at": self._dt(r["DateUpdated"])}
        if created:
            extra["created_at"] = self._dt(r["DateCreated"]) or self.now
        return extra

    async def deletions(self) -> None:
        """Apply the source's DateDeleted: children, then enrollments (see ``changes``)."""
        for record in reversed(ENROLLMENT_RECORDS):  # a record before the one it points at
            model, file = record.model, record.file
            found = await self._stamps(model, self.deleted.get(file, []))
            if not found:
                continue
            ids = [i for i, _ in found.values()]
            parents = await self.conn.execute_query_dict(
                f'SELECT t.id, e.client_id, e.agency_id FROM "{model._meta.db_table}" t'  # noqa: S608 (the models' names)
                " JOIN enrollment e ON e.id = t.enrollment_id WHERE t.id = ANY($1::uuid[])",
                [ids],
            )
            self.audit += await delete_rows(
                self.conn,
                model._meta.db_table,
                model.__name__,
                ids,
                clients={r["id"]: r["client_id"] for r in parents},
                actor=self.user_id,
                agency_of={r["id"]: r["agency_id"] for r in parents},
                now=self.now,
            )
            self.tally.add("deleted", file, len(ids))
        found = await self._stamps(Enrollment, self.deleted.get("Enrollment", []))
        if found:
            ids = [i for i, _ in found.values()]
            kept = await kept_back(self.conn, "enrollment", ids, self.source)
            gone = [i for i in ids if i not in kept]
            rows = await self.conn.execute_query_dict(
                "SELECT id, client_id, agency_id FROM enrollment WHERE id = ANY($1::uuid[])", [gone]
            )
            self.audit += await delete_rows(
                self.conn,
                "enrollment",
                "Enrollment",
                gone,
                clients={r["id"]: r["client_id"] for r in rows},
                actor=self.user_id,
                agency_of={r["id"]: r["agency_id"] for r in rows},
                now=self.now,
            )
            self.tally.add("deleted", "Enrollment", len(gone))
            self.tally.add("kept", "Enrollment", len(kept))
        found = await self._stamps(Client, self.deleted.get("Client", []))
        self.tally.add("kept", "Client", len(found))


# A source user's UserEmail is kept as written, its normalized form left blank: no sign-in,
# invitation or sync ever matches it.
_SOURCE_USER_INSERT = (
    "INSERT INTO hearth_user (id, username, email, email_normalized, first_name, last_name, status,"
    " deactivated_at, deactivation_reason, created_at, updated_at, source_system, source_id,"
    " phone, phone_extension) VALUES ($1, $2, $9, '', $3, $4, 'INACTIVE', $5,"
    " 'A user of another HMIS, named by imported records: never an account.', $6, $10, $7, $8,"
    " $11, $12)"
)
# The users table stamps updated_at itself (the vendor sync's asOf, migration 0021); a source
# user keeps the source's DateUpdated (it is never in the users list the stamp serves).
_BULK = "SELECT set_config('hearth.bulk_load', $1, true)"


def _source_username(source: str, user: str) -> str:
    """A source user's username: out of reach of any account (a ':' no username may hold)."""
    return "imported:" + hashlib.sha256(f"{source}\0{user}".encode()).hexdigest()[:40]


_CONSENT_INSERT = (
    "INSERT INTO consent_to_enter (id, client_id, agency_id, kind, first_contact_by_phone, taken_by_id, taken_on,"
    " evidence_reference, source, recorded_at, relationship)"
    " SELECT i, c, a, 'WRITTEN', false, u, t, e, s, r, rel FROM unnest($1::uuid[], $2::uuid[],"
    " $3::uuid[], $4::uuid[], $5::date[], $6::text[], $7::text[], $8::timestamptz[], $9::text[])"
    " AS x(i, c, a, u, t, e, s, r, rel)"
    " ON CONFLICT (client_id, agency_id) DO NOTHING RETURNING id, client_id, agency_id, relationship"
)
