"""Pass 2: the validated rows mapped to Hearth ids and written in batches in the import's
transaction."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from models.enrollments import INCOME_SOURCES as INCOME_SOURCE_COLUMNS
from models.governance import Agency, Project
from models.users import User
from services.hudcsv.problems import _Problems
from services.hudcsv.read import _Archive, parse_date, parse_datetime
from services.hudcsv.validate import _KEYS, _Context

__all__: list[str] = []

_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _hex_uuid(text: str) -> UUID | None:
    lowered = text.lower().replace("-", "")
    return UUID(lowered) if _HEX32.match(lowered) else None


def _int(text: str) -> int | None:
    return int(Decimal(text)) if text else None


def _money(text: str) -> Decimal | None:
    return Decimal(text).quantize(Decimal("0.01")) if text else None


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
    ) -> None:
        self.conn, self.archive, self.problems, self.ctx = conn, archive, problems, ctx
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
        chunk: list[dict[str, str]] = []
        for row in self._rows(file):
            chunk.append(row)
            if len(chunk) >= self.batch:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

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
            self.users[s] = w if w in found else self.user_id  # type: ignore[assignment]

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
            [self.agency.coc_id],  # type: ignore[attr-defined]
        )
        created = 0
        for line, row in self.archive.rows("Project", self.problems):
            source = row["ProjectID"]
            hearth = _hex_uuid(source)
            if source in existing:
                self.projects[source] = existing[source]
            elif hearth in own:
                self.projects[source] = hearth  # type: ignore[assignment]
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
            values = []
            for new_id, r in zip(ids, new, strict=True):
                self.clients[r["PersonalID"]] = new_id
                ssn = r["SSN"].replace("-", "").lower() or None
                updated = self._dt(r["DateUpdated"]) or self.now
                values.append(
                    [
                        new_id,
                        r["FirstName"] or None,
                        r["MiddleName"] or None,
                        r["LastName"] or None,
                        r["NameSuffix"] or None,
                        _int(r["NameDataQuality"]),
                        ssn,
                        ssn[-4:] if ssn and ssn[-4:].isdigit() else None,
                        _int(r["SSNDataQuality"]),
                        self._d(r["DOB"]),
                        _int(r["DOBDataQuality"]),
                        *(_int(r[c]) or 0 for c in _RACE_COLUMNS),
                        _int(r["RaceNone"]),
                        r["AdditionalRaceEthnicity"] or None,
                        _int(r.get("Sex", "")),
                        _int(r["VeteranStatus"]),
                        self.agency.id,
                        self.agency.can_id,
                        self._user(r["UserID"]),  # type: ignore[attr-defined]
                        updated,
                        self._dt(r["DateCreated"]) or self.now,
                        updated,
                        self.source,
                        r["PersonalID"],
                    ]
                )
                self.new_clients.append(new_id)
            if values:
                await self.conn.execute_many(_CLIENT_INSERT, values)
                await self.conn.execute_many(
                    _CONSENT_INSERT,
                    [
                        [
                            uuid.uuid4(),
                            v[0],
                            self.agency.id,
                            v[-6],
                            v[-4].astimezone(self.ctx.tz).date(),
                            f"HUD CSV export {self.ctx.export_id}"[:200],
                            self.label,
                            self.now,
                        ]
                        for v in values
                    ],
                )
                created += len(values)
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
            values = []
            for new_id, r in zip(ids, new, strict=True):
                client = self.clients[r["PersonalID"]]
                self.enrollments[r["EnrollmentID"]] = (new_id, client)
                values.append(
                    [
                        new_id,
                        client,
                        self.projects[r["ProjectID"]],
                        self.agency.id,
                        self._d(r["EntryDate"]),
                        r["HouseholdID"],
                        _int(r["RelationshipToHoH"]),
                        r["EnrollmentCoC"] or None,
                        *(_int(r[c]) for c in _ENROLLMENT_INTS[:2]),
                        *(_int(r[c]) for c in _ENROLLMENT_INTS[2:5]),
                        self._d(r["DateToStreetESSH"]),
                        *(_int(r[c]) for c in _ENROLLMENT_INTS[5:]),
                        self._d(r["MoveInDate"]),
                        self._d(r["DateOfEngagement"]),
                        self._user(r["UserID"]),
                        self._dt(r["DateCreated"]) or self.now,
                        self._dt(r["DateUpdated"]) or self.now,
                        self.source,
                        r["EnrollmentID"],
                    ]
                )
            if values:
                await self.conn.execute_many(_ENROLLMENT_INSERT, values)
                created += len(values)
        return created

    async def children_write(self, file: str) -> int:
        sql, build = _CHILDREN[file]
        table = sql.split()[2]
        before = await self._count(table)
        async for chunk in self._chunks(file):
            rows = [r for r in chunk if r["EnrollmentID"] in self.enrollments]
            ids = await self._ids(table, [r[_KEYS[file][0]] for r in rows])
            values = [
                build(self, new_id, self.enrollments[r["EnrollmentID"]][0], r)
                for new_id, r in zip(ids, rows, strict=True)
            ]
            if values:
                await self.conn.execute_many(sql, values)
        return await self._count(table) - before

    async def _count(self, table: str) -> int:
        rows = await self.conn.execute_query_dict(
            f"SELECT count(*) AS n FROM {table} t JOIN enrollment e ON e.id = t.enrollment_id"  # noqa: S608 (our table names)
            " WHERE e.agency_id = $1 AND t.source_system = $2",
            [self.agency.id, self.source],
        )
        return int(rows[0]["n"])


_RACE_COLUMNS = (
    "AmIndAKNative",
    "Asian",
    "BlackAfAmerican",
    "HispanicLatinao",
    "MidEastNAfrican",
    "NativeHIPacific",
    "White",
)
_CLIENT_INSERT = (
    "INSERT INTO client (id, first_name, middle_name, last_name, name_suffix, name_data_quality, ssn, ssn_last_four,"
    " ssn_data_quality, dob, dob_data_quality, am_ind_ak_native, asian, black_af_american, hispanic_latinao,"
    " mid_east_n_african, native_hi_pacific, white, race_none, additional_race_ethnicity, sex, veteran_status,"
    " created_by_agency_id, created_under_can_id, created_by_user_id, last_activity_at, created_at, updated_at,"
    " source_system, source_id, version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,"
    "$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,1)"
)
_CONSENT_INSERT = (
    "INSERT INTO consent_to_enter (id, client_id, agency_id, kind, first_contact_by_phone, taken_by_id, taken_on,"
    " evidence_reference, source, recorded_at) VALUES ($1,$2,$3,'WRITTEN',false,$4,$5,$6,$7,$8)"
    " ON CONFLICT (client_id, agency_id) DO NOTHING"
)
_ENROLLMENT_INTS = (
    "LivingSituation",
    "RentalSubsidyType",
    "LengthOfStay",
    "LOSUnderThreshold",
    "PreviousStreetESSH",
    "TimesHomelessPastThreeYears",
    "MonthsHomelessPastThreeYears",
    "DisablingCondition",
)
_ENROLLMENT_INSERT = (
    "INSERT INTO enrollment (id, client_id, project_id, agency_id, entry_date, household_id, relationship_to_hoh,"
    " enrollment_coc, living_situation, rental_subsidy_type, length_of_stay, los_under_threshold,"
    " previous_street_essh, date_to_street_essh, times_homeless_past_three_years, months_homeless_past_three_years,"
    " disabling_condition, move_in_date, date_of_engagement, created_by_user_id, created_at, updated_at,"
    " source_system, source_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,"
    "$22,$23,$24)"
)


def _exit(w: _Writer, new_id: UUID, enrollment: UUID, r: dict[str, str]) -> list[Any]:
    return [
        new_id,
        enrollment,
        w._d(r["ExitDate"]),
        _int(r["Destination"]),
        _int(r["DestinationSubsidyType"]),
        r["OtherDestination"] or None,
        w._user(r["UserID"]),
        w._dt(r["DateCreated"]) or w.now,
        w.source,
        r["ExitID"],
    ]


def _service(w: _Writer, new_id: UUID, enrollment: UUID, r: dict[str, str]) -> list[Any]:
    return [
        new_id,
        enrollment,
        w._d(r["DateProvided"]),
        _int(r["RecordType"]),
        _int(r["TypeProvided"]),
        r["OtherTypeProvided"] or None,
        _money(r["FAAmount"]),
        w._user(r["UserID"]),
        w._dt(r["DateCreated"]) or w.now,
        w.source,
        r["ServicesID"],
    ]


def _income(w: _Writer, new_id: UUID, enrollment: UUID, r: dict[str, str]) -> list[Any]:
    import json

    sources = {
        source: str(_money(r[amount]) or Decimal("0.00"))
        for source, amount in INCOME_SOURCE_COLUMNS.items()
        if r[source] == "1"
    }
    return [
        new_id,
        enrollment,
        w._d(r["InformationDate"]),
        _int(r["DataCollectionStage"]),
        _int(r["IncomeFromAnySource"]),
        _money(r["TotalMonthlyIncome"]),
        json.dumps(dict(sorted(sources.items()))),
        _int(r["BenefitsFromAnySource"]),
        _int(r["InsuranceFromAnySource"]),
        w._dt(r["DateCreated"]) or w.now,
        w.source,
        r["IncomeBenefitsID"],
    ]


def _disability(w: _Writer, new_id: UUID, enrollment: UUID, r: dict[str, str]) -> list[Any]:
    return [
        new_id,
        enrollment,
        w._d(r["InformationDate"]),
        _int(r["DataCollectionStage"]),
        _int(r["DisabilityType"]),
        _int(r["DisabilityResponse"]),
        _int(r["IndefiniteAndImpairs"]),
        w._dt(r["DateCreated"]) or w.now,
        w.source,
        r["DisabilitiesID"],
    ]


def _health(w: _Writer, new_id: UUID, enrollment: UUID, r: dict[str, str]) -> list[Any]:
    return [
        new_id,
        enrollment,
        w._d(r["InformationDate"]),
        _int(r["DataCollectionStage"]),
        *(
            _int(r[c])
            for c in (
                "DomesticViolenceSurvivor",
                "WhenOccurred",
                "CurrentlyFleeing",
                "GeneralHealthStatus",
                "DentalHealthStatus",
                "MentalHealthStatus",
                "PregnancyStatus",
            )
        ),
        w._d(r["DueDate"]),
        w._dt(r["DateCreated"]) or w.now,
        w.source,
        r["HealthAndDVID"],
    ]


_CHILDREN: dict[str, tuple[str, Any]] = {
    "Exit": (
        "INSERT INTO enrollment_exit (id, enrollment_id, exit_date, destination, destination_subsidy_type,"
        " other_destination, created_by_user_id, created_at, source_system, source_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT DO NOTHING",
        _exit,
    ),
    "Services": (
        "INSERT INTO service (id, enrollment_id, date_provided, record_type, type_provided, other_type_provided,"
        " fa_amount, created_by_user_id, created_at, source_system, source_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT DO NOTHING",
        _service,
    ),
    "IncomeBenefits": (
        "INSERT INTO income_benefits (id, enrollment_id, information_date, data_collection_stage,"
        " income_from_any_source, total_monthly_income, income_sources, benefits_from_any_source,"
        " insurance_from_any_source, created_at, source_system, source_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING",
        _income,
    ),
    "Disabilities": (
        "INSERT INTO disability (id, enrollment_id, information_date, data_collection_stage, disability_type,"
        " disability_response, indefinite_and_impairs, created_at, source_system, source_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT DO NOTHING",
        _disability,
    ),
    "HealthAndDV": (
        "INSERT INTO health_and_dv (id, enrollment_id, information_date, data_collection_stage,"
        " domestic_violence_survivor, when_occurred, currently_fleeing, general_health_status, dental_health_status,"
        " mental_health_status, pregnancy_status, due_date, created_at, source_system, source_id)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) ON CONFLICT DO NOTHING",
        _health,
    ),
}
