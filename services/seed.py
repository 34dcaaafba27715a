"""The synthetic data generator: a Connecticut-shaped HMIS of any size.

``generate`` fills a migrated database with CANs, agencies (one victim service provider with no
client data), projects, users who can really sign in, and clients with households, enrollments,
exits, services, income, disabilities, health and DV, consents, releases of information (in
force, expired, revoked, Part 2), case notes and their audit history, with data-quality defects
injected at the rates of ``hud-data-standards.md`` section 5.7.

Everything is drawn from one ``random.Random(seed)`` and dated relative to ``anchor`` (the
generator's "today"): the same seed and anchor give the same rows, ids included. Bulk rows go in
with PostgreSQL COPY (``copy_records_to_table``) in one transaction; the audit trail is numbered
like any other insert, and the sealer chains it afterwards, so ``hearth audit verify`` holds afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any

import asyncpg
from argon2 import PasswordHasher, Type
from argon2.low_level import hash_secret

from services.errors import Conflict, ValidationFailed

__all__ = [
    "CLIENT_DEFECTS",
    "DEFECT_RATES",
    "MAX_CLIENTS",
    "SeedSummary",
    "SeedUser",
    "generate",
    "generate_at",
    "has_data",
]

MAX_CLIENTS = 5_000_000
Progress = Callable[[int, int], None]

# Documented defect rates (hud-data-standards.md 5.7). Client-level defects are injected into
# exactly round(rate * population) clients; enrollment-level ones independently per row.
DEFECT_RATES: dict[str, float] = {
    "name_dq_partial": 0.03,  # NameDQ 2
    "name_dq_dk_refused": 0.01,  # NameDQ 8/9, names empty
    "name_dq_missing": 0.005,  # NameDQ 99, names empty
    "ssn_dq_dk_refused": 0.06,  # SSNDQ 8/9, no SSN
    "ssn_dq_missing": 0.02,  # SSNDQ 99, no SSN
    "ssn_invalid": 0.02,  # SSNDQ 1 with 000/666/9xx area, 123456789, 111111111
    "dob_bad": 0.005,  # DOB in 1900-1914, or after the first entry (never after the anchor)
    "child_veteran": 0.002,  # of all clients, drawn among children
    "special_characters": 0.02,  # <>[]{} , " newline and non-ASCII in names
    "household_hoh": 0.005,  # of households: 0 or 2 heads
    "overlapping_enrollment": 0.005,  # of clients: a second overlapping stay in one project
    "null_enrollment_coc": 0.01,  # of heads' enrollments
    "disabling_condition_mismatch": 0.01,  # of adult enrollments
    "income_any_no_sources": 0.01,  # of adult entry income rows
    "missing_entry_income": 0.02,  # of adult enrollments
    "destination_missing": 0.08,  # of exits: destination 30 or 99
    "missing_times_months_homeless": 0.03,  # of adult enrollments: 3.917.4/5 empty
}

# Defects counted out of all clients (the others: out of households, heads' or adults' enrollments,
# entry income rows or exits; SeedSummary.populations says which number).
CLIENT_DEFECTS = (
    "name_dq_partial",
    "name_dq_dk_refused",
    "name_dq_missing",
    "ssn_dq_dk_refused",
    "ssn_dq_missing",
    "ssn_invalid",
    "dob_bad",
    "child_veteran",
    "special_characters",
)

# ---------------------------------------------------------------------------------------------
# The fixed shape: CANs, agencies and projects (synthetic names; real CoC codes and regions).

_CANS = [
    ("Greater Bridgeport CAN", "CT-505"),
    ("Norwalk-Stamford CAN", "CT-505"),
    ("Greater Hartford CAN", "CT-503"),
    ("Greater New Haven CAN", "CT-503"),
    ("Eastern Connecticut CAN", "CT-503"),
]
# (slug, name, CAN index, share of households, victim service provider, backbone of its CAN)
_AGENCIES = [
    ("a01", "Harborlight Housing Services", 0, 25, False, False),
    ("a02", "Park City Community Partners", 0, 10, False, True),
    ("a03", "Sound Shore Shelter Alliance", 1, 12, False, True),
    ("a04", "Ridgeway Family Housing", 1, 8, False, False),
    ("a05", "Capitol Region Housing Collaborative", 2, 14, False, True),
    ("a06", "Riverbend Outreach", 2, 8, False, False),
    ("a07", "Elm City Homeward", 3, 12, False, True),
    ("a08", "Thames Valley Supportive Housing", 4, 11, False, True),
    ("a09", "Safe Harbor Domestic Violence Services", 1, 0, True, False),
]
ES_EE, ES_NBN, TH, PSH, SO, DAY, SSO, HP, RRH, CE = 0, 1, 2, 3, 4, 11, 6, 12, 13, 14
# 25 projects with client data (ES-EE 20%, ES-NbN 8%, TH 8%, PSH 16%, RRH 16%, SO 12%, SSO 4%,
# HP 8%, CE 4%, Day 4%), 17 in CT-505, plus the victim service provider's shelter.
_PROJECTS = [
    (0, ES_EE, "Harborlight Emergency Shelter"),
    (0, ES_NBN, "Harborlight Warming Center"),
    (0, RRH, "Harborlight Rapid Rehousing"),
    (0, PSH, "Harborlight Supportive Apartments"),
    (0, SO, "Harborlight Street Outreach"),
    (0, CE, "Bridgeport Coordinated Entry"),
    (1, ES_EE, "Park City Family Shelter"),
    (1, HP, "Park City Prevention"),
    (1, TH, "Park City Youth Transitional Housing"),
    (2, ES_EE, "Sound Shore Shelter"),
    (2, RRH, "Sound Shore Rapid Rehousing"),
    (2, PSH, "Sound Shore Scattered Site PSH"),
    (2, DAY, "Sound Shore Day Center"),
    (3, ES_EE, "Ridgeway Family Shelter"),
    (3, RRH, "Ridgeway Family Rehousing"),
    (3, SO, "Ridgeway Outreach"),
    (3, HP, "Ridgeway Prevention"),
    (4, ES_EE, "Capitol Region Shelter"),
    (4, PSH, "Capitol Region PSH"),
    (4, ES_NBN, "Capitol Region Overflow"),
    (5, SO, "Riverbend Street Outreach"),
    (5, SSO, "Riverbend Services Only"),
    (6, RRH, "Elm City Rapid Rehousing"),
    (6, TH, "Elm City Transitional Living"),
    (7, PSH, "Thames Valley PSH"),
    (8, ES_EE, "Safe Harbor Confidential Shelter"),
]
# Where stays happen, by project type: first stays at shelters, outreach and the front door, later
# ones in housing. Weights keep night-by-night shelter (a row per night) to about a tenth of stays.
_FIRST_STAY = {ES_EE: 8, ES_NBN: 2, SO: 4, CE: 2, DAY: 2, SSO: 2, HP: 3}
_LATER_STAY = {RRH: 4, PSH: 3, TH: 2, ES_EE: 2}
_MEDIAN_LOS = {ES_EE: 30, ES_NBN: 30, TH: 180, PSH: 900, RRH: 240, SO: 60}

_HERBS = (
    "Basil",
    "Sage",
    "Thyme",
    "Rosemary",
    "Dill",
    "Fennel",
    "Mint",
    "Chive",
    "Tarragon",
    "Oregano",
    "Parsley",
    "Cilantro",
    "Lavender",
    "Marjoram",
    "Sorrel",
    "Chervil",
    "Lovage",
    "Borage",
    "Angelica",
    "Yarrow",
    "Juniper",
    "Saffron",
    "Clove",
    "Cassia",
    "Anise",
    "Hyssop",
    "Savory",
    "Bay",
    "Nettle",
    "Caraway",
)
_COLORS_VEG = (
    "Amber",
    "Indigo",
    "Crimson",
    "Teal",
    "Ochre",
    "Sienna",
    "Umber",
    "Cobalt",
    "Scarlet",
    "Azure",
    "Carrot",
    "Radish",
    "Parsnip",
    "Turnip",
    "Kale",
    "Leek",
    "Celery",
    "Pumpkin",
    "Squash",
    "Cabbage",
    "Spinach",
    "Lentil",
    "Barley",
    "Walnut",
    "Chestnut",
    "Olive",
    "Pepper",
    "Onion",
    "Garlic",
    "Potato",
)
# Names that test sanitisation in exports: forbidden characters, CSV quoting, non-ASCII, emoji.
_ODD_FIRST = (
    "José",
    'Zoë "Z"',
    "Ñandú",
    "<Basil>",
    "Sage\nRose",
    "Chive 🌿",
    "Dill{2}",
    "Mint, Jr",
)
_ODD_LAST = (
    "O'Brien, Jr.",
    "Peña",
    "[Teal]",
    "Crème-Brûlée",
    'Smith "Smitty"',
    "Ölander",
    "Kale{x}",
    "Røed",
)
_TOWNS = {
    0: (("Bridgeport", "06604"), ("Fairfield", "06824"), ("Stratford", "06615")),
    1: (("Stamford", "06901"), ("Norwalk", "06850"), ("Greenwich", "06830")),
    2: (("Hartford", "06103"), ("New Britain", "06051"), ("East Hartford", "06108")),
    3: (("New Haven", "06510"), ("West Haven", "06516"), ("Hamden", "06514")),
    4: (("New London", "06320"), ("Norwich", "06360"), ("Groton", "06340")),
}
_NOTES = (
    "Met with client to review housing plan.",
    "Client attended intake; documents requested.",
    "Referred to benefits counselor; follow up next week.",
    "Housing search: two units viewed, one application submitted.",
    "Client reports stable week; no new concerns.",
    "Coordinated with landlord about move-in inspection.",
)
_ODD_NOTES = (
    'Client said: "I\'m fine, thanks", then left.\nFollow-up set.',
    "Notes with <angle> [square] {curly} brackets, commas, and é ñ ü 🏠.",
)
_LIVING = (
    (116, 25),
    (101, 35),
    (335, 8),
    (336, 7),
    (204, 2),
    (205, 1),
    (206, 2),
    (207, 2),
    (215, 1),
    (410, 3),
    (435, 2),
    (302, 3),
    (314, 2),
    (329, 1),
    (332, 1),
    (411, 1),
    (421, 1),
    (118, 1),
    (8, 1),
    (9, 1),
    (99, 1),
)
_DESTINATIONS = (
    (410, 10),
    (411, 6),
    (421, 5),
    (422, 4),
    (423, 3),
    (426, 3),
    (435, 6),
    (101, 7),
    (116, 6),
    (118, 2),
    (302, 4),
    (312, 3),
    (313, 3),
    (314, 2),
    (327, 1),
    (332, 2),
    (204, 2),
    (205, 1),
    (206, 2),
    (207, 2),
    (215, 1),
    (225, 1),
    (329, 1),
    (24, 1),
    (17, 2),
    (8, 1),
    (9, 1),
)
_INCOME_SOURCES = (
    "Earned",
    "SSI",
    "SSDI",
    "Unemployment",
    "TANF",
    "SocSecRetirement",
    "GA",
    "ChildSupport",
)
_DISABILITY_TYPES = (5, 6, 7, 8, 9, 10)
_CATEGORIES = (
    "IDENTIFYING",
    "ENROLLMENT_AND_SERVICES",
    "HEALTH",
    "DOMESTIC_VIOLENCE",
    "CASE_NOTES",
)
_DAY = timedelta(days=1)

# Columns of each table the generator writes, in the order the rows are built.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "client": (
        "id",
        "first_name",
        "middle_name",
        "last_name",
        "name_suffix",
        "name_data_quality",
        "ssn",
        "ssn_last_four",
        "ssn_data_quality",
        "dob",
        "dob_data_quality",
        "am_ind_ak_native",
        "asian",
        "black_af_american",
        "hispanic_latinao",
        "mid_east_n_african",
        "native_hi_pacific",
        "white",
        "race_none",
        "additional_race_ethnicity",
        "sex",
        "veteran_status",
        "phone",
        "email",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "zip_code",
        "version",
        "last_activity_at",
        "created_at",
        "updated_at",
        "created_by_agency_id",
        "created_by_user_id",
        "created_under_can_id",
    ),
    "consent_to_enter": (
        "id",
        "kind",
        "first_contact_by_phone",
        "taken_on",
        "evidence_reference",
        "source",
        "recorded_at",
        "agency_id",
        "client_id",
        "taken_by_id",
    ),
    "release_of_information": (
        "id",
        "scope",
        "categories",
        "starts_on",
        "expires_on",
        "kind",
        "evidence_reference",
        "recorded_at",
        "revoked_at",
        "revocation_reason",
        "client_id",
        "recorded_by_id",
        "releasing_agency_id",
        "revoked_by_id",
        "scope_can_id",
    ),
    "release_recipient": ("id", "agency_id", "release_id"),
    "enrollment": (
        "id",
        "entry_date",
        "household_id",
        "relationship_to_hoh",
        "enrollment_coc",
        "living_situation",
        "rental_subsidy_type",
        "length_of_stay",
        "los_under_threshold",
        "previous_street_essh",
        "date_to_street_essh",
        "times_homeless_past_three_years",
        "months_homeless_past_three_years",
        "disabling_condition",
        "move_in_date",
        "date_of_engagement",
        "created_at",
        "updated_at",
        "agency_id",
        "client_id",
        "created_by_user_id",
        "project_id",
    ),
    "enrollment_exit": (
        "id",
        "exit_date",
        "destination",
        "destination_subsidy_type",
        "other_destination",
        "created_at",
        "created_by_user_id",
        "enrollment_id",
    ),
    "service": (
        "id",
        "date_provided",
        "record_type",
        "type_provided",
        "other_type_provided",
        "fa_amount",
        "created_at",
        "created_by_user_id",
        "enrollment_id",
    ),
    "income_benefits": (
        "id",
        "information_date",
        "data_collection_stage",
        "income_from_any_source",
        "total_monthly_income",
        "income_sources",
        "benefits_from_any_source",
        "insurance_from_any_source",
        "created_at",
        "enrollment_id",
    ),
    "disability": (
        "id",
        "information_date",
        "data_collection_stage",
        "disability_type",
        "disability_response",
        "indefinite_and_impairs",
        "created_at",
        "enrollment_id",
    ),
    "health_and_dv": (
        "id",
        "information_date",
        "data_collection_stage",
        "domestic_violence_survivor",
        "when_occurred",
        "currently_fleeing",
        "general_health_status",
        "dental_health_status",
        "mental_health_status",
        "pregnancy_status",
        "due_date",
        "created_at",
        "enrollment_id",
    ),
    "case_note": (
        "id",
        "created_at",
        "text",
        "deleted_at",
        "agency_id",
        "author_id",
        "client_id",
        "enrollment_id",
    ),
    "case_note_deletion_request": (
        "id",
        "reason",
        "status",
        "requested_at",
        "decided_at",
        "decision_note",
        "agency_id",
        "client_id",
        "decided_by_id",
        "note_id",
        "requested_by_id",
    ),
    "audit_event": (
        "occurred_at",
        "actor_id",
        "true_actor_id",
        "agency_id",
        "action",
        "entity_type",
        "entity_id",
        "client_id",
        "fields_touched",
        "release_id",
        "request_id",
        "operation",
        "client_ip",
    ),
}
_LAST_ACTIVITY = _COLUMNS["client"].index("last_activity_at")
# Parents before children: foreign keys are checked row by row during COPY.
_BULK_ORDER = tuple(_COLUMNS)


@dataclass(frozen=True, slots=True)
class SeedUser:
    """A generated user a benchmark or test can sign in as (password, then a TOTP code)."""

    key: str
    username: str
    user_id: uuid.UUID
    password: str
    totp_secret: str
    role: str
    agency_id: uuid.UUID | None = None
    agency_name: str | None = None


@dataclass(slots=True)
class SeedSummary:
    seed: int
    clients: int
    anchor: date
    tag: str
    password: str
    counts: dict[str, int] = field(default_factory=dict)
    defects: dict[str, int] = field(default_factory=dict)
    # The populations the defect counts are out of (clients, households, adult_enrollments ...).
    populations: dict[str, int] = field(default_factory=dict)
    users: dict[str, SeedUser] = field(default_factory=dict)
    agencies: dict[str, uuid.UUID] = field(default_factory=dict)
    cans: dict[str, uuid.UUID] = field(default_factory=dict)
    vsp_agency_id: uuid.UUID | None = None
    seconds: float = 0.0


# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Agency:
    slug: str
    id: uuid.UUID
    name: str
    can: int
    coc: str
    weight: int
    vsp: bool
    projects: list[tuple[uuid.UUID, int, str]] = field(default_factory=list)  # id, type, coc
    staff: list[uuid.UUID] = field(default_factory=list)  # FULL case managers
    hdc: uuid.UUID | None = None


@dataclass(slots=True)
class _Member:
    age: int
    relationship: int


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _weighted(rng: random.Random, table: Sequence[tuple[int, int]]) -> int:
    total = sum(w for _, w in table)
    pick = rng.random() * total
    for value, weight in table:
        pick -= weight
        if pick < 0:
            return value
    return table[-1][0]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _password_hash(password: str, rng: random.Random) -> str:
    """An argon2id hash with the library's parameters and a salt drawn from the seed."""
    params = PasswordHasher()
    salt = rng.getrandbits(128).to_bytes(16, "big")
    return hash_secret(
        password.encode(),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=params.hash_len,
        type=Type.ID,
    ).decode()


def _totp_secret(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "".join(alphabet[rng.getrandbits(5)] for _ in range(32))


async def has_data(conn: asyncpg.Connection) -> bool:
    """Whether the database holds agencies or clients (seeding then needs ``append``)."""
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM agency) OR EXISTS (SELECT 1 FROM client)")
    )


class _Bulk:
    """Row buffers per table, handed over in batches to one COPY task, which writes each batch's
    tables parents first. Generating the next batch (Python) overlaps with PostgreSQL loading the
    last one; at most two batches wait, so memory stays bounded."""

    def __init__(self, conn: asyncpg.Connection, batch: int) -> None:
        self.conn = conn
        self.batch = batch
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in _BULK_ORDER}
        self.counts: dict[str, int] = dict.fromkeys(_BULK_ORDER, 0)
        self.pending = 0
        self.queue: asyncio.Queue[dict[str, list[tuple[Any, ...]]]] = asyncio.Queue(maxsize=2)
        self.worker: asyncio.Task[None] | None = None

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)
        self.pending += 1

    async def _copy(self) -> None:
        while True:
            batch = await self.queue.get()
            try:
                for table in _BULK_ORDER:
                    rows = batch[table]
                    if rows:
                        await self.conn.copy_records_to_table(
                            table, records=rows, columns=_COLUMNS[table]
                        )
                        self.counts[table] += len(rows)
            finally:
                self.queue.task_done()

    async def _until(self, awaitable: Any) -> None:
        """Await ``awaitable`` unless the COPY task fails first (then raise its error)."""
        assert self.worker is not None
        waiting = asyncio.ensure_future(awaitable)
        done, _ = await asyncio.wait({waiting, self.worker}, return_when=asyncio.FIRST_COMPLETED)
        if self.worker in done:
            waiting.cancel()
            self.worker.result()
            raise RuntimeError("the COPY task stopped")
        waiting.result()

    async def tick(self) -> None:
        """Let the COPY task send data while the generator works."""
        if self.worker is not None:
            await asyncio.sleep(0)

    async def maybe_flush(self) -> bool:
        if self.pending < self.batch:
            return False
        await self.flush()
        return True

    async def flush(self) -> None:
        if self.worker is None:
            self.worker = asyncio.get_running_loop().create_task(self._copy())
        batch, self.rows, self.pending = self.rows, {t: [] for t in _BULK_ORDER}, 0
        await self._until(self.queue.put(batch))

    async def finish(self) -> None:
        """Flush what is left and wait until PostgreSQL has every row."""
        await self.flush()
        try:
            await self._until(self.queue.join())
        finally:
            await self.close()

    async def close(self) -> None:
        if self.worker is not None and not self.worker.done():
            self.worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.worker


class _Generator:
    def __init__(
        self,
        conn: asyncpg.Connection,
        *,
        clients: int,
        seed: int,
        anchor: date,
        tag: str,
        batch: int,
    ) -> None:
        self.conn = conn
        self.n = clients
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by design)
        self.seed = seed
        self.anchor = anchor
        self.now = datetime.combine(anchor, dtime(12, 0), tzinfo=UTC)
        self.window_start = anchor - timedelta(days=1095)
        self.tag = tag
        self.bulk = _Bulk(conn, batch)
        self.defects: dict[str, int] = dict.fromkeys(DEFECT_RATES, 0)
        self.populations: dict[str, int] = {}
        self.agencies: list[_Agency] = []
        self.can_ids: list[uuid.UUID] = []
        self.summary_users: dict[str, SeedUser] = {}
        self.sysadmin: uuid.UUID | None = None
        self.small_counts: dict[str, int] = {}
        # Client id -> the time of the latest change to the client or its records.
        self.activity: dict[uuid.UUID, datetime] = {}
        self.notes_written = 0

    def at(self, day: date, minutes: int = 600) -> datetime:
        """A moment on ``day`` (never after the generator's now)."""
        moment = datetime.combine(day, dtime(0, 0), tzinfo=UTC) + timedelta(minutes=minutes)
        return min(moment, self.now - timedelta(minutes=1))

    # -- reference rows ------------------------------------------------------------------------

    async def structure(self, password: str) -> None:
        rng, tag = self.rng, self.tag
        cocs = {
            r["code"]: r["id"]
            for r in await self.conn.fetch("SELECT id, code FROM continuum_of_care")
        }
        missing = {"CT-503", "CT-505"} - set(cocs)
        if missing:
            raise ValidationFailed(
                "The database lacks the reference CoCs; run `hearth migrate` first.",
                field="database",
            )
        courses = [
            r["id"] for r in await self.conn.fetch("SELECT id FROM training_course ORDER BY code")
        ]
        founded = self.anchor - timedelta(days=1500)
        created = self.at(founded)
        suffix = f" [{tag}]" if tag else ""
        self.can_ids = [_uuid(rng) for _ in _CANS]
        await self.conn.executemany(
            "INSERT INTO can (id, name, created_at, coc_id) VALUES ($1, $2, $3, $4)",
            [
                (cid, name + suffix, created, cocs[coc])
                for cid, (name, coc) in zip(self.can_ids, _CANS, strict=True)
            ],
        )
        mou_on = self.anchor - timedelta(days=400)
        for slug, name, can, weight, vsp, _ in _AGENCIES:
            self.agencies.append(
                _Agency(slug, _uuid(rng), name + suffix, can, _CANS[can][1], weight, vsp)
            )
        await self.conn.executemany(
            "INSERT INTO agency (id, name, common_name, victim_service_provider, executive_director_name,"
            " executive_director_email, status, mou_signed_on, mou_signed_by, mou_access_levels, created_at,"
            " updated_at, coc_id, can_id) VALUES ($1,$2,$3,$4,$5,$6,'ACTIVE',$7,$8,$9,$10,$10,$11,$12)",
            [
                (
                    a.id,
                    a.name,
                    a.name.split()[0],
                    a.vsp,
                    f"{rng.choice(_HERBS)} {rng.choice(_COLORS_VEG)}",
                    f"director@{a.slug}{tag}.example.org",
                    mou_on,
                    "Executive Director",
                    json.dumps(["FULL", "VIEW_ONLY", "REPORTING_ONLY"]),
                    created,
                    cocs[a.coc],
                    self.can_ids[a.can],
                )
                for a in self.agencies
            ],
        )
        await self.conn.executemany(
            "UPDATE can SET backbone_agency_id = $1 WHERE id = $2",
            [
                (a.id, self.can_ids[a.can])
                for a, spec in zip(self.agencies, _AGENCIES, strict=True)
                if spec[5]
            ],
        )
        project_rows = []
        for index, ptype, name in _PROJECTS:
            agency = self.agencies[index]
            pid = _uuid(rng)
            agency.projects.append((pid, ptype, agency.coc))
            housing = 1 if ptype in (ES_EE, ES_NBN, TH, PSH, RRH) else 3
            project_rows.append(
                (
                    pid,
                    name + suffix,
                    ptype,
                    founded,
                    ptype != HP,
                    housing,
                    1 if agency.vsp else None,
                    agency.coc,
                    created,
                    agency.id,
                )
            )
        await self.conn.executemany(
            "INSERT INTO project (id, name, common_name, project_type, operating_start_date, operating_end_date,"
            " continuum_project, housing_type, target_population, coc_code, created_at, updated_at, agency_id)"
            " VALUES ($1,$2,NULL,$3,$4,NULL,$5,$6,$7,$8,$9,$9,$10)",
            project_rows,
        )
        await self.users(password, courses, created)

    async def users(self, password: str, courses: list[uuid.UUID], created: datetime) -> None:
        rng, tag = self.rng, self.tag
        pw_hash = _password_hash(password, rng)
        users: list[tuple[Any, ...]] = []
        grants, memberships, duties, staff, requests = [], [], [], [], []

        def user(
            key: str | None, username: str, role: str, agency: _Agency | None = None
        ) -> uuid.UUID:
            uid, secret = _uuid(rng), _totp_secret(rng)
            username = f"{username}{tag}"
            domain = f"{agency.slug if agency else 'lead'}{tag}.example.org"
            first, last = rng.choice(_HERBS), rng.choice(_COLORS_VEG)
            users.append(
                (
                    uid,
                    username,
                    f"{username}@{domain}",
                    f"{username}@{domain}".casefold(),
                    first,
                    last,
                    pw_hash,
                    secret,
                    created,
                    created,
                )
            )
            if key:
                self.summary_users[key] = SeedUser(
                    key,
                    username,
                    uid,
                    password,
                    secret,
                    role,
                    agency.id if agency else None,
                    agency.name if agency else None,
                )
            return uid

        self.sysadmin = user("system_admin", "sysadmin", "SYSTEM_ADMINISTRATOR")
        grants.append((self.sysadmin, "SYSTEM_ADMINISTRATOR"))
        for key, name, role in (
            ("security_officer", "security.officer", "SECURITY_OFFICER"),
            ("lead_agency", "lead.agency", "LEAD_AGENCY"),
            ("dsb_member", "dsb.member", "DSB_MEMBER"),
        ):
            grants.append((user(key, name, role), role))

        def member(uid: uuid.UUID, agency: _Agency, level: str, hdc: uuid.UUID | None) -> None:
            memberships.append((uid, agency.id, level))
            requests.append((uid, agency.id, level, hdc or uid))

        share = sum(a.weight for a in self.agencies)
        other_can = next(a for a in self.agencies if not a.vsp and a.can != self.agencies[0].can)
        for agency in self.agencies:
            big = agency is self.agencies[0]
            hdc = user(
                "hdc" if big else ("vsp_hdc" if agency.vsp else None),
                f"{agency.slug}.hdc",
                "HDC",
                agency,
            )
            agency.hdc = hdc
            member(hdc, agency, "FULL", None)
            duties.append((hdc, agency.id, "HMIS_DATA_COORDINATOR"))
            asc = user("asc" if big else None, f"{agency.slug}.asc", "ASC", agency)
            member(asc, agency, "FULL", hdc)
            duties.append((asc, agency.id, "AGENCY_SECURITY_COORDINATOR"))
            count = (
                max(2, min(40, math.ceil(self.n * agency.weight / share / 2500)))
                if not agency.vsp
                else 1
            )
            for i in range(1, count + 1):
                key = None
                if big and i == 1:
                    key = "case_manager"
                elif agency is other_can and i == 1:
                    key = "case_manager_other_can"
                uid = user(key, f"{agency.slug}.cm{i}", "FULL", agency)
                member(uid, agency, "FULL", hdc)
                agency.staff.append(uid)
            member(
                user("view_only" if big else None, f"{agency.slug}.view", "VIEW_ONLY", agency),
                agency,
                "VIEW_ONLY",
                hdc,
            )
            member(
                user(
                    "reporting_only" if big else None,
                    f"{agency.slug}.report",
                    "REPORTING_ONLY",
                    agency,
                ),
                agency,
                "REPORTING_ONLY",
                hdc,
            )
        for can_index, can_id in enumerate(self.can_ids):
            backbone = next(
                a
                for a, spec in zip(self.agencies, _AGENCIES, strict=True)
                if spec[5] and a.can == can_index
            )
            key = "can_backbone" if can_index == self.agencies[0].can else None
            uid = user(key, f"can{can_index + 1}.backbone", "CAN_BACKBONE", backbone)
            member(uid, backbone, "FULL", backbone.hdc)
            staff.append((uid, can_id))

        conn = self.conn
        await conn.copy_records_to_table(
            "hearth_user",
            records=[(*u[:6], "ACTIVE", *u[6:8], created, *u[8:]) for u in users],
            columns=(
                "id",
                "username",
                "email",
                "email_normalized",
                "first_name",
                "last_name",
                "status",
                "password_hash",
                "totp_secret",
                "totp_confirmed_at",
                "created_at",
                "updated_at",
            ),
        )
        await conn.copy_records_to_table(
            "system_role_grant",
            records=[(_uuid(rng), role, created, uid) for uid, role in grants],
            columns=("id", "role", "granted_at", "user_id"),
        )
        await conn.copy_records_to_table(
            "membership",
            records=[
                (_uuid(rng), level, created, created, aid, uid) for uid, aid, level in memberships
            ],
            columns=("id", "access_level", "created_at", "updated_at", "agency_id", "user_id"),
        )
        await conn.copy_records_to_table(
            "user_duty",
            records=[(_uuid(rng), duty, created, aid, uid) for uid, aid, duty in duties],
            columns=("id", "duty", "assigned_at", "agency_id", "user_id"),
        )
        await conn.copy_records_to_table(
            "can_staff",
            records=[(_uuid(rng), created, cid, uid) for uid, cid in staff],
            columns=("id", "assigned_at", "can_id", "user_id"),
        )
        # Designation of Access: each membership was requested by the agency's HDC and approved
        # by the System Administrator (policies 107, 401).
        await conn.copy_records_to_table(
            "access_request",
            records=[
                (
                    _uuid(rng),
                    "GRANT",
                    level,
                    "Designation of Access",
                    "APPROVED",
                    created - timedelta(days=2),
                    created - timedelta(days=1),
                    None,
                    aid,
                    self.sysadmin,
                    by,
                    uid,
                )
                for uid, aid, level, by in requests
            ],
            columns=(
                "id",
                "kind",
                "access_level",
                "reason",
                "status",
                "requested_at",
                "decided_at",
                "decision_note",
                "agency_id",
                "decided_by_id",
                "requested_by_id",
                "user_id",
            ),
        )
        # Policy 110: every user completed the LMS courses before using HMIS.
        trained_on = (created - timedelta(days=3)).date()
        await conn.copy_records_to_table(
            "training_completion",
            records=[
                (_uuid(rng), trained_on, created, course, u[0]) for u in users for course in courses
            ],
            columns=("id", "completed_on", "recorded_at", "course_id", "user_id"),
        )
        self.small_counts = {
            "can": len(self.can_ids),
            "agency": len(self.agencies),
            "project": len(_PROJECTS),
            "hearth_user": len(users),
            "system_role_grant": len(grants),
            "membership": len(memberships),
            "user_duty": len(duties),
            "can_staff": len(staff),
            "access_request": len(requests),
            "training_completion": len(users) * len(courses),
        }

    # -- households ----------------------------------------------------------------------------

    def plan(self) -> list[list[_Member]]:
        """Household compositions until the client count is reached (ages at first entry)."""
        rng = self.rng
        households: list[list[_Member]] = []
        remaining = self.n
        while remaining > 0:
            kind = rng.random()
            if kind < 0.65:
                members = [_Member(self.adult_age(), 1)]
            elif kind < 0.92:
                members = [_Member(self.adult_age(), 1)]
                if rng.random() < 0.3:
                    members.append(_Member(self.adult_age(), 3))
                members += [_Member(rng.randint(0, 17), 2) for _ in range(rng.randint(1, 3))]
            elif kind < 0.95:
                members = [_Member(rng.randint(16, 17), 1)]
                if rng.random() < 0.3:
                    members.append(_Member(rng.randint(14, 17), 4))
            else:
                members = [_Member(self.adult_age(), 1), _Member(self.adult_age(), 3)]
            members = members[:remaining]
            remaining -= len(members)
            households.append(members)
        return households

    def adult_age(self) -> int:
        r = self.rng.random() * 78
        if r < 10:
            return self.rng.randint(18, 24)
        if r < 60:
            return self.rng.randint(25, 54)
        if r < 73:
            return self.rng.randint(55, 64)
        return self.rng.randint(65, 85)

    def pick_defects(
        self, households: list[list[_Member]]
    ) -> tuple[dict[int, str], dict[int, str], set[int], set[int], set[int], set[int]]:
        """Exactly round(rate * population) clients (or households) for each client-level defect."""
        rng, n = self.rng, self.n
        names = ("name_dq_partial", "name_dq_dk_refused", "name_dq_missing")
        ssns = ("ssn_dq_dk_refused", "ssn_dq_missing", "ssn_invalid")

        def draw(keys: tuple[str, ...]) -> dict[int, str]:
            sizes = [round(DEFECT_RATES[k] * n) for k in keys]
            chosen = rng.sample(range(n), sum(sizes))
            out, start = {}, 0
            for key, size in zip(keys, sizes, strict=True):
                out.update(dict.fromkeys(chosen[start : start + size], key))
                start += size
            return out

        name_defects, ssn_defects = draw(names), draw(ssns)
        dob_bad = set(rng.sample(range(n), round(DEFECT_RATES["dob_bad"] * n)))
        # Special characters only where names are kept; child veterans only where the DOB is sound
        # (so each defect is found by the query that looks for it).
        named = [
            i
            for i in range(n)
            if name_defects.get(i) not in ("name_dq_dk_refused", "name_dq_missing")
        ]
        special = set(
            rng.sample(named, min(len(named), round(DEFECT_RATES["special_characters"] * n)))
        )
        members = (m for h in households for m in h)
        children = [i for i, m in enumerate(members) if m.age < 18 and i not in dob_bad]
        vets = set(
            rng.sample(children, min(len(children), round(DEFECT_RATES["child_veteran"] * n)))
        )
        hoh = set(
            rng.sample(
                range(len(households)), round(DEFECT_RATES["household_hoh"] * len(households))
            )
        )
        return name_defects, ssn_defects, dob_bad, special, vets, hoh

    # -- clients -------------------------------------------------------------------------------

    async def clients(self, progress: Progress | None) -> None:
        rng = self.rng
        households = self.plan()
        name_d, ssn_d, dob_bad, special, vets, hoh_d = self.pick_defects(households)
        for key in DEFECT_RATES:
            self.populations[key] = 0
        for key in CLIENT_DEFECTS:
            self.populations[key] = self.n
        self.populations["household_hoh"] = len(households)
        with_clients = [a for a in self.agencies if not a.vsp]
        weights = [a.weight for a in with_clients]
        index = 0
        for h_index, members in enumerate(households):
            home = rng.choices(with_clients, weights)[0]
            stays = self.stays(home, with_clients)
            ids = [_uuid(rng) for _ in members]
            first_entry = stays[0][1]
            rows = [
                self.client(
                    ids[offset],
                    member,
                    index + offset,
                    home,
                    stays,
                    first_entry,
                    name_d,
                    ssn_d,
                    dob_bad,
                    special,
                    vets,
                )
                for offset, member in enumerate(members)
            ]
            self.household_enrollments(ids, members, stays, h_index in hoh_d)
            # Clients go in after their records are drawn, with the time of the last change
            # (policy 303's retention counts from it); COPY still writes the client table first.
            for row in rows:
                row[_LAST_ACTIVITY] = self.activity.pop(row[0])
                self.bulk.add("client", tuple(row))
            index += len(members)
            if await self.bulk.maybe_flush() and progress:
                progress(index, self.n)
            await self.bulk.tick()
        await self.bulk.finish()
        if progress:
            progress(self.n, self.n)

    def stays(
        self, home: _Agency, agencies: list[_Agency]
    ) -> list[tuple[_Agency, date, date | None, tuple[uuid.UUID, int, str]]]:
        """A household's stays: (agency, entry, exit or None, project)."""
        rng = self.rng
        count = _weighted(rng, ((1, 50), (2, 30), (3, 15), (4, 5)))
        entry = self.window_start + timedelta(days=rng.randint(0, 1050))
        out = []
        for n in range(count):
            agency = (
                home
                if rng.random() < 0.8
                else rng.choice([a for a in agencies if a.coc == home.coc])
            )
            wanted = _FIRST_STAY if n == 0 else _LATER_STAY
            candidates = [p for p in agency.projects if p[1] in wanted] or agency.projects
            project = rng.choices(candidates, [wanted.get(p[1], 1) for p in candidates])[0]
            median = _MEDIAN_LOS.get(project[1], 45)
            los = max(1, min(int(median * math.exp(rng.gauss(0, 0.7))), 2000))
            if project[1] == ES_NBN:
                los = min(los, 120)
            exit_on: date | None = entry + timedelta(days=los)
            last = n == count - 1
            # About a third of last stays are still open (night-by-night stays end: a bed night is
            # recorded for every open night, and HUD exits those without one for 90 days).
            if exit_on >= self.anchor or (last and project[1] != ES_NBN and rng.random() < 0.35):
                exit_on = None
            out.append((agency, entry, exit_on, project))
            if exit_on is None:
                break
            entry = exit_on + timedelta(days=rng.randint(0, 60))
            if entry >= self.anchor:
                break
        return out

    def client(
        self,
        cid: uuid.UUID,
        member: _Member,
        i: int,
        home: _Agency,
        stays: list[Any],
        first_entry: date,
        name_d: dict[int, str],
        ssn_d: dict[int, str],
        dob_bad: set[int],
        special: set[int],
        vets: set[int],
    ) -> list[Any]:
        rng, add = self.rng, self.bulk.add
        first, last, middle = rng.choice(_HERBS), rng.choice(_COLORS_VEG), None
        if i in special:
            first, last = rng.choice(_ODD_FIRST), rng.choice(_ODD_LAST)
            self.defects["special_characters"] += 1
        elif rng.random() < 0.3:
            middle = rng.choice(_HERBS)[0]
        name_dq = 1
        defect = name_d.get(i)
        if defect == "name_dq_partial":
            name_dq, last = 2, (last[0] if last else None)
        elif defect == "name_dq_dk_refused":
            name_dq, first, middle, last = rng.choice((8, 9)), None, None, None
        elif defect == "name_dq_missing":
            name_dq, first, middle, last = 99, None, None, None
        if defect:
            self.defects[defect] += 1
        ssn, ssn_dq = self.ssn(), 1
        defect = ssn_d.get(i)
        if defect == "ssn_dq_dk_refused":
            ssn, ssn_dq = None, rng.choice((8, 9))
        elif defect == "ssn_dq_missing":
            ssn, ssn_dq = None, 99
        elif defect == "ssn_invalid":
            ssn = (
                rng.choice(("000", "666", f"9{rng.randint(0, 99):02d}"))
                + f"{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
            )
            ssn = rng.choice((ssn, "123456789", "111111111"))
        if defect:
            self.defects[defect] += 1
        dob = first_entry - timedelta(days=int(member.age * 365.25) + rng.randint(0, 364))
        dob_dq = 1 if rng.random() < 0.95 else 2
        if i in dob_bad:
            # Implausible but storable: the API refuses a DOB before 1900 or after today (the anchor).
            dob = (
                date(rng.randint(1900, 1914), rng.randint(1, 12), rng.randint(1, 28))
                if rng.random() < 0.5
                else first_entry
                + timedelta(days=rng.randint(1, min(400, (self.anchor - first_entry).days)))
            )
            dob_dq = 1
            self.defects["dob_bad"] += 1
        sex = _weighted(rng, ((1, 55), (0, 44), (8, 0.3), (9, 0.3), (99, 0.4)))
        race = [0] * 7  # am_ind, asian, black, hispanic, mid_east, native_hi, white
        race_none = None
        if rng.random() < 0.02:
            race_none = rng.choice((8, 9, 99))
        else:
            for slot, rate in (
                (2, 0.35),
                (6, 0.40),
                (3, 0.30),
                (0, 0.02),
                (1, 0.02),
                (4, 0.01),
                (5, 0.01),
            ):
                race[slot] = 1 if rng.random() < rate else 0
            if not any(race):
                race[6] = 1
        veteran = 0
        if member.age >= 18:
            veteran = (
                1 if rng.random() < 0.06 else (rng.choice((8, 9, 99)) if rng.random() < 0.01 else 0)
            )
        if i in dob_bad:
            veteran = 0  # a DOB after entry would make an adult veteran look like a child veteran
        if i in vets:
            veteran = 1
            self.defects["child_veteran"] += 1
        town, zip_code = rng.choice(_TOWNS[home.can])
        has_contact = member.relationship == 1 and member.age >= 18 and rng.random() < 0.6
        created = self.at(first_entry, 540 + rng.randint(0, 480))
        author = rng.choice(stays[0][0].staff)
        row = [
            cid,
            first,
            middle,
            last,
            None,
            name_dq,
            ssn,
            ssn[-4:] if ssn else None,
            ssn_dq,
            dob,
            dob_dq,
            *race,
            race_none,
            None,
            sex,
            veteran,
            f"203555{rng.randint(0, 9999):04d}" if has_contact else None,
            None,
            f"{rng.randint(1, 999)} {rng.choice(_COLORS_VEG)} St" if has_contact else None,
            None,
            town if has_contact else None,
            "CT" if has_contact else None,
            zip_code if has_contact else None,
            1,
            created,
            created,
            created,
            stays[0][0].id,
            author,
            self.can_ids[stays[0][0].can],
        ]
        fields = [
            _camel(n)
            for n, v in (
                ("first_name", first),
                ("last_name", last),
                ("ssn", ssn),
                ("dob", dob),
                ("sex", sex),
            )
            if v is not None
        ]
        self.audit(created, author, stays[0][0].id, "CREATE", "Client", cid, cid, fields)
        # Consent to enter for each agency that enrolled the client (policies 205, 207).
        seen: set[uuid.UUID] = set()
        for agency, entry, _, _ in stays:
            if agency.id in seen:
                continue
            seen.add(agency.id)
            taker = rng.choice(agency.staff)
            verbal = rng.random() < 0.05
            consent_id = _uuid(rng)
            at = self.at(entry, 540)
            add(
                "consent_to_enter",
                (
                    consent_id,
                    "VERBAL" if verbal else "WRITTEN",
                    verbal,
                    entry,
                    None,
                    None,
                    at,
                    agency.id,
                    cid,
                    taker,
                ),
            )
            self.audit(at, taker, agency.id, "CREATE", "ConsentToEnter", consent_id, cid, [])
        self.release(cid, stays[0][0], stays[0][1])
        # A case worker looked the client up recently.
        viewer = rng.choice(stays[-1][0].staff)
        self.audit(
            self.now - timedelta(days=rng.randint(1, 90), minutes=rng.randint(0, 600)),
            viewer,
            stays[-1][0].id,
            "VIEW",
            "Client",
            cid,
            cid,
            ["firstName", "lastName", "dob"],
        )
        return row

    def ssn(self) -> str:
        rng = self.rng
        area = rng.randint(1, 899)
        while area == 666:
            area = rng.randint(1, 899)
        return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"

    def release(self, cid: uuid.UUID, agency: _Agency, entry: date) -> None:
        """About 45% of clients signed a release: in force, expired, revoked or Part 2."""
        rng, add = self.rng, self.bulk.add
        if rng.random() >= 0.45:
            return
        state = _weighted(
            rng, ((0, 55), (1, 20), (2, 15), (3, 10))
        )  # in force, expired, revoked, Part 2
        starts = min(entry, self.anchor - _DAY)
        categories = [
            "IDENTIFYING",
            "ENROLLMENT_AND_SERVICES",
            *rng.sample(_CATEGORIES[2:], rng.randint(0, 3)),
        ]
        if state == 3:
            categories.append("SUBSTANCE_USE")
        if state == 1:
            expires = self.anchor - timedelta(days=rng.randint(1, 300))
            starts = min(starts, expires - timedelta(days=30))
        else:
            expires = self.anchor + timedelta(days=rng.randint(30, 700))
        scope = _weighted(rng, ((0, 40), (1, 35), (2, 25)))
        rid, by = _uuid(rng), rng.choice(agency.staff)
        recorded = self.at(starts, 600)
        revoked_at = revoked_by = reason = None
        if state == 2:
            revoked_at = self.at(
                starts + timedelta(days=rng.randint(1, max(1, (self.anchor - starts).days - 1))),
                700,
            )
            revoked_by, reason = by, "Client withdrew the release"
        scope_name = ("AGENCIES", "CAN", "STATEWIDE")[scope]
        add(
            "release_of_information",
            (
                rid,
                scope_name,
                json.dumps(sorted(categories)),
                starts,
                expires,
                "WRITTEN",
                f"ROI-{rid.hex[:8]}",
                recorded,
                revoked_at,
                reason,
                cid,
                by,
                agency.id,
                revoked_by,
                self.can_ids[agency.can] if scope == 1 else None,
            ),
        )
        if scope == 0:
            others = [
                a for a in self.agencies if a is not agency and not a.vsp and a.coc == agency.coc
            ]
            for recipient in sorted(
                rng.sample(others, min(len(others), rng.randint(1, 2))), key=lambda a: a.slug
            ):
                add("release_recipient", (_uuid(rng), recipient.id, rid))
        self.audit(
            recorded,
            by,
            agency.id,
            "CREATE",
            "ReleaseOfInformation",
            rid,
            cid,
            ["scope", "categories", "startsOn", "expiresOn"],
        )
        if revoked_at is not None:
            self.audit(
                revoked_at,
                by,
                agency.id,
                "UPDATE",
                "ReleaseOfInformation",
                rid,
                cid,
                ["revokedAt", "revocationReason"],
            )

    def household_enrollments(
        self, ids: list[uuid.UUID], members: list[_Member], stays: list[Any], hoh_defect: bool
    ) -> None:
        rng = self.rng
        for s_index, (agency, entry, exit_on, project) in enumerate(stays):
            household = _uuid(rng).hex
            user = rng.choice(agency.staff)
            move_in = None
            if project[1] in (PSH, RRH):
                candidate = entry + timedelta(days=rng.randint(0, 90))
                if candidate < (exit_on or self.anchor):
                    move_in = candidate
            for m_index, (cid, member) in enumerate(zip(ids, members, strict=True)):
                relationship = member.relationship
                if hoh_defect and s_index == 0:
                    if len(members) == 1:
                        relationship = 99  # no head
                    elif m_index == 1:
                        relationship = 1  # a second head
                self.enrollment(
                    cid,
                    member,
                    relationship,
                    household,
                    agency,
                    entry,
                    exit_on,
                    project,
                    user,
                    move_in,
                )
                if s_index == 0 and m_index == 0 and hoh_defect:
                    self.defects["household_hoh"] += 1
            if s_index == 0:
                # The overlapping-stay defect: the head enrolled twice at once in one project.
                self.populations["overlapping_enrollment"] += len(members)
                for cid, member in zip(ids, members, strict=True):
                    if rng.random() < DEFECT_RATES["overlapping_enrollment"]:
                        self.defects["overlapping_enrollment"] += 1
                        short = exit_on is not None and (exit_on - entry).days <= 3
                        second = entry if short else entry + timedelta(days=rng.randint(1, 3))
                        self.enrollment(
                            cid,
                            member,
                            1,
                            _uuid(rng).hex,
                            agency,
                            second,
                            exit_on,
                            project,
                            user,
                            None,
                            plain=True,
                        )

    def enrollment(
        self,
        cid: uuid.UUID,
        member: _Member,
        relationship: int,
        household: str,
        agency: _Agency,
        entry: date,
        exit_on: date | None,
        project: tuple[uuid.UUID, int, str],
        user: uuid.UUID,
        move_in: date | None,
        *,
        plain: bool = False,
    ) -> None:
        rng, add, d = self.rng, self.bulk.add, self.defects
        pop = self.populations
        eid = _uuid(rng)
        adult = member.age >= 18 or relationship == 1
        lag = _weighted(
            rng,
            (
                (0, 50),
                (rng.randint(1, 3), 25),
                (rng.randint(4, 6), 8),
                (rng.randint(7, 10), 6),
                (rng.randint(11, 30), 9),
                (-1, 2),
            ),
        )
        created = self.at(entry + timedelta(days=lag), 540 + rng.randint(0, 480))
        coc = project[2]
        if relationship == 1 and not plain:
            pop["null_enrollment_coc"] += 1
            if rng.random() < DEFECT_RATES["null_enrollment_coc"]:
                coc = None
                d["null_enrollment_coc"] += 1
        living = rental = los = under = prev = street = times = months = None
        disabling = 99 if not adult else (1 if rng.random() < 0.35 else 0)
        mismatch = False
        if adult:
            living = _weighted(rng, _LIVING)
            los = rng.choice((10, 11, 2, 3, 4, 5))
            under = rng.choice((0, 1))
            prev = rng.choice((0, 1))
            street = entry - timedelta(
                days=rng.randint(400, 1500) if rng.random() < 0.2 else rng.randint(0, 364)
            )
            times, months = rng.randint(1, 4), rng.randint(101, 113)
            if not plain:
                pop["missing_times_months_homeless"] += 1
                if rng.random() < DEFECT_RATES["missing_times_months_homeless"]:
                    times = months = None
                    d["missing_times_months_homeless"] += 1
                pop["disabling_condition_mismatch"] += 1
                if (
                    disabling == 0
                    and rng.random() < DEFECT_RATES["disabling_condition_mismatch"] / 0.65
                ):
                    mismatch = True
                    d["disabling_condition_mismatch"] += 1
        elif member.age < 18:
            disabling = 0
        engagement = entry + timedelta(days=rng.randint(0, 20)) if project[1] == SO else None
        add(
            "enrollment",
            (
                eid,
                entry,
                household,
                relationship,
                coc,
                living,
                rental,
                los,
                under,
                prev,
                street,
                times,
                months,
                disabling,
                move_in,
                engagement,
                created,
                created,
                agency.id,
                cid,
                user,
                project[0],
            ),
        )
        self.audit(
            created,
            user,
            agency.id,
            "CREATE",
            "Enrollment",
            eid,
            cid,
            ["entryDate", "projectId", "householdId"],
        )
        end = exit_on or self.anchor
        # Stage 1 records dated the entry date.
        if adult:
            if plain:
                self.income(eid, entry, 1, created)
            else:
                pop["missing_entry_income"] += 1
                if rng.random() < DEFECT_RATES["missing_entry_income"]:
                    d["missing_entry_income"] += 1
                else:
                    self.income(
                        eid, entry, 1, created, defect_rate=DEFECT_RATES["income_any_no_sources"]
                    )
            self.disabilities(eid, entry, 1, created, disabling, mismatch)
            self.health(eid, entry, 1, created, member)
        self.services(eid, entry, exit_on, project[1], user, agency)
        # Annual assessments (stage 5) for heads within 30 days of each anniversary.
        if relationship == 1 and adult:
            year = 1
            while entry + timedelta(days=365 * year + 30) < end:
                day = entry + timedelta(days=365 * year + rng.randint(-30, 30))
                self.income(eid, day, 5, self.at(day, 600))
                year += 1
        if exit_on is not None:
            exit_created = self.at(exit_on + timedelta(days=rng.randint(1, 14)), 600)
            pop["destination_missing"] += 1
            if rng.random() < DEFECT_RATES["destination_missing"]:
                destination = rng.choice((30, 99))
                d["destination_missing"] += 1
            else:
                destination = _weighted(rng, _DESTINATIONS)
            xid = _uuid(rng)
            add("enrollment_exit", (xid, exit_on, destination, None, None, exit_created, user, eid))
            self.audit(
                exit_created,
                user,
                agency.id,
                "CREATE",
                "Exit",
                xid,
                cid,
                ["exitDate", "destination"],
            )
            if adult:
                self.income(eid, exit_on, 3, exit_created)
                self.disabilities(eid, exit_on, 3, exit_created, disabling, mismatch)
        self.notes(cid, eid, agency, entry, end)

    def income(
        self, eid: uuid.UUID, day: date, stage: int, created: datetime, defect_rate: float = 0.0
    ) -> None:
        rng = self.rng
        sources: dict[str, str] = {}
        anything = 1 if rng.random() < 0.55 else _weighted(rng, ((0, 90), (8, 3), (9, 3), (99, 4)))
        if defect_rate:
            self.populations["income_any_no_sources"] += 1
        if anything == 1:
            if defect_rate and rng.random() < defect_rate / 0.55:
                self.defects["income_any_no_sources"] += 1
            else:
                for name in rng.sample(_INCOME_SOURCES, rng.randint(1, 2)):
                    sources[name] = f"{rng.randint(100, 2500)}.00"
        total = sum((Decimal(v) for v in sources.values()), Decimal(0)) if sources else None
        self.bulk.add(
            "income_benefits",
            (
                _uuid(rng),
                day,
                stage,
                anything,
                total,
                json.dumps(dict(sorted(sources.items()))),
                rng.choice((0, 1)),
                1 if rng.random() < 0.85 else 0,
                created,
                eid,
            ),
        )

    def disabilities(
        self,
        eid: uuid.UUID,
        day: date,
        stage: int,
        created: datetime,
        disabling: int,
        mismatch: bool,
    ) -> None:
        rng = self.rng
        impairing = rng.choice(_DISABILITY_TYPES) if disabling == 1 or mismatch else None
        for dtype in _DISABILITY_TYPES:
            if dtype == impairing:
                response, indefinite = (rng.choice((1, 2, 3)) if dtype == 10 else 1), 1
            elif rng.random() < 0.12:
                response, indefinite = (rng.choice((1, 2, 3)) if dtype == 10 else 1), 0
            else:
                response, indefinite = 0, None
            self.bulk.add(
                "disability", (_uuid(rng), day, stage, dtype, response, indefinite, created, eid)
            )

    def health(
        self, eid: uuid.UUID, day: date, stage: int, created: datetime, member: _Member
    ) -> None:
        rng = self.rng
        survivor = 1 if rng.random() < 0.25 else 0
        self.bulk.add(
            "health_and_dv",
            (
                _uuid(rng),
                day,
                stage,
                survivor,
                rng.randint(1, 4) if survivor else None,
                rng.choice((0, 1)) if survivor else None,
                rng.randint(1, 5),
                rng.randint(1, 5),
                rng.randint(1, 5),
                None,
                None,
                created,
                eid,
            ),
        )

    def services(
        self,
        eid: uuid.UUID,
        entry: date,
        exit_on: date | None,
        ptype: int,
        user: uuid.UUID,
        agency: _Agency,
    ) -> None:
        rng, add = self.rng, self.bulk.add
        last = (exit_on - _DAY) if exit_on else self.anchor - _DAY
        if ptype == ES_NBN:
            day = entry
            while (
                day <= last
            ):  # a bed night for every night, including the entry date, none on exit
                add(
                    "service",
                    (_uuid(rng), day, 200, 200, None, None, self.at(day, 1260), user, eid),
                )
                day += _DAY
            return
        if ptype in (SO, RRH, HP, SSO):
            record = {SO: 141, RRH: 152, HP: 152, SSO: 144}[ptype]
            for _ in range(rng.randint(0, 3)):
                span = max(0, (last - entry).days)
                day = entry + timedelta(days=rng.randint(0, span))
                amount = Decimal(rng.randint(200, 3000)) if record == 152 else None
                add(
                    "service",
                    (
                        _uuid(rng),
                        day,
                        record,
                        rng.randint(1, 10),
                        None,
                        amount,
                        self.at(day, 900),
                        user,
                        eid,
                    ),
                )

    def notes(
        self, cid: uuid.UUID, eid: uuid.UUID, agency: _Agency, entry: date, end: date
    ) -> None:
        rng, add = self.rng, self.bulk.add
        for _ in range(_weighted(rng, ((0, 35), (1, 35), (2, 20), (3, 10)))):
            span = max(0, (end - entry).days)
            day = entry + timedelta(days=rng.randint(0, span))
            at = self.at(day, 600 + rng.randint(0, 400))
            author = rng.choice(agency.staff)
            text = rng.choice(_ODD_NOTES) if rng.random() < 0.02 else rng.choice(_NOTES)
            nid = _uuid(rng)
            # About 0.5% of notes deleted under an approved request (one early on, so a small data
            # set has one too).
            self.notes_written += 1
            deleted = rng.random() < 0.005 or self.notes_written == 8
            requested = min(at + _DAY, self.now - timedelta(minutes=2))
            decided = min(at + 2 * _DAY, self.now - timedelta(minutes=1))
            add(
                "case_note",
                (
                    nid,
                    at,
                    None if deleted else text,
                    decided if deleted else None,
                    agency.id,
                    author,
                    cid,
                    eid,
                ),
            )
            self.audit(at, author, agency.id, "CREATE", "CaseNote", nid, cid, ["text"])
            if deleted:
                # Policy 404: the HDC requested, the System Administrator approved; a tombstone stays.
                add(
                    "case_note_deletion_request",
                    (
                        _uuid(rng),
                        "Entered in the wrong client's record",
                        "APPROVED",
                        requested,
                        decided,
                        "Approved",
                        agency.id,
                        cid,
                        self.sysadmin,
                        nid,
                        agency.hdc,
                    ),
                )
                self.audit(
                    requested, agency.hdc, agency.id, "DELETE_REQUEST", "CaseNote", nid, cid, []
                )
                self.audit(
                    decided, self.sysadmin, agency.id, "DELETE", "CaseNote", nid, cid, ["text"]
                )

    def audit(
        self,
        at: datetime,
        actor: uuid.UUID | None,
        agency: uuid.UUID,
        action: str,
        entity: str,
        entity_id: uuid.UUID,
        client: uuid.UUID,
        fields: list[str],
    ) -> None:
        at = min(at, self.now - timedelta(minutes=1))
        if action != "VIEW" and at > self.activity.get(client, at - _DAY):
            self.activity[client] = at
        self.bulk.add(
            "audit_event",
            (
                at,
                actor,
                actor,
                agency,
                action,
                entity,
                str(entity_id),
                client,
                json.dumps(sorted(set(fields))),
                None,
                None,
                "seed",
                None,
            ),
        )


async def generate(
    conn: asyncpg.Connection,
    *,
    clients: int,
    seed: int,
    anchor: date,
    append: bool = False,
    progress: Progress | None = None,
    batch: int = 50_000,
) -> SeedSummary:
    """Fill a migrated database with a synthetic data set, in one transaction.

    ``anchor`` is the data set's today: stays fall in the three years before it, releases in
    force run past it. Refuses (``Conflict``) a database that already has agencies or clients
    unless ``append``, which adds a separate data set whose names and usernames carry the suffix
    ``-s<seed>`` (refused too if that seed was already appended).
    """
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValidationFailed(f"clients must be between 1 and {MAX_CLIENTS}.", field="clients")
    started = time.perf_counter()
    tag = ""
    if await has_data(conn):
        if not append:
            raise Conflict(
                "The database already has agencies or clients; seed an empty database, or pass append.",
                field="database",
            )
        tag = f"-s{seed}"
    if await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM hearth_user WHERE username = $1)", f"sysadmin{tag}"
    ):
        raise Conflict(
            f"A data set with seed {seed} is already loaded (user sysadmin{tag} exists).",
            field="seed",
        )
    # Known from the seed on purpose: benchmarks sign in as the generated users. Never production.
    password = f"hearth-seed-{seed}-{_HERBS[seed % len(_HERBS)].lower()}"
    generator = _Generator(conn, clients=clients, seed=seed, anchor=anchor, tag=tag, batch=batch)
    try:
        async with conn.transaction():
            await generator.structure(password)
            await generator.clients(progress)
    finally:
        await generator.bulk.close()
    # Running servers reload role assignments (authz/enforcer.py).
    await conn.execute("SELECT pg_notify('hearth_authz', '')")
    counts = dict(generator.small_counts)
    counts.update(generator.bulk.counts)
    vsp = next(a for a in generator.agencies if a.vsp)
    return SeedSummary(
        seed=seed,
        clients=clients,
        anchor=anchor,
        tag=tag,
        password=password,
        counts=counts,
        defects=dict(generator.defects),
        populations=dict(generator.populations),
        users=generator.summary_users,
        agencies={a.slug: a.id for a in generator.agencies},
        cans={name: cid for (name, _), cid in zip(_CANS, generator.can_ids, strict=True)},
        vsp_agency_id=vsp.id,
        seconds=time.perf_counter() - started,
    )


async def generate_at(database_url: str, **options: Any) -> SeedSummary:
    """``generate`` on a fresh connection to ``database_url`` (postgres://...)."""
    conn = await asyncpg.connect(database_url, timeout=30)
    try:
        return await generate(conn, **options)
    finally:
        await conn.close()
