"""HUD CSV export and import on data from the generator (``devdata``): every file of the
statewide, agency and CAN exports against the column table, content that follows consent (checked
against what the API shows the same user), the hashed variant, the round trip, an idempotent
re-import and import validation, all on a few hundred generated clients with their defects."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from tortoise.connection import get_connection

from authz.enforcer import current_authorizer
from devdata import SeedSummary, generate
from models.users import User
from services.errors import Forbidden
from services.hudcsv.columns import FILES, columns
from services.hudcsv.export import ExportResult
from services.hudcsv.format import clean_text, soundex
from services.hudcsv.importer import ImportRefused, import_hud_csv
from tests.conftest import START
from tests.devdata.test_seed import _sign_in
from tests.factories import Api, truncation
from tests.hudcsv.support import (
    TZ,
    export_as,
    read_zip,
    statewide_reader,
    stored_clients,
    write_zip,
)
from tests.hudcsv.test_round_trip import CLIENT_TABLES, _without_export_identity

pytestmark = pytest.mark.slow  # the generator at size

ANCHOR = START.date()
# The generator's stays fall in the three years before the anchor: this period covers them all.
PERIOD = {"start": date(2023, 1, 1), "end": ANCHOR}
CLIENTS, SEED = 200, 7
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
SHA = re.compile(r"^[0-9a-f]{64}$")
# Primary key and foreign keys (column -> file) of every file Hearth writes rows to.
KEYS: dict[str, tuple[str, dict[str, str]]] = {
    "Organization": ("OrganizationID", {}),
    "User": ("UserID", {}),
    "Project": ("ProjectID", {"OrganizationID": "Organization"}),
    "ProjectCoC": ("ProjectCoCID", {"ProjectID": "Project"}),
    "Funder": ("FunderID", {"ProjectID": "Project"}),
    "Inventory": ("InventoryID", {"ProjectID": "Project"}),
    "Affiliation": ("AffiliationID", {"ProjectID": "Project", "ResProjectID": "Project"}),
    "HMISParticipation": ("HMISParticipationID", {"ProjectID": "Project"}),
    "CEParticipation": ("CEParticipationID", {"ProjectID": "Project"}),
    "Client": ("PersonalID", {}),
    "Enrollment": ("EnrollmentID", {"PersonalID": "Client", "ProjectID": "Project"}),
    **{
        child: (pk, {"EnrollmentID": "Enrollment", "PersonalID": "Client"})
        for child, pk in (
            ("Exit", "ExitID"),
            ("Services", "ServicesID"),
            ("IncomeBenefits", "IncomeBenefitsID"),
            ("Disabilities", "DisabilitiesID"),
            ("HealthAndDV", "HealthAndDVID"),
            ("EmploymentEducation", "EmploymentEducationID"),
            ("YouthEducationStatus", "YouthEducationStatusID"),
            ("CurrentLivingSituation", "CurrentLivingSitID"),
            ("Assessment", "AssessmentID"),
            ("Event", "EventID"),
        )
    },
    **{
        part: (
            pk,
            {"AssessmentID": "Assessment", "EnrollmentID": "Enrollment", "PersonalID": "Client"},
        )
        for part, pk in (
            ("AssessmentQuestions", "AssessmentQuestionID"),
            ("AssessmentResults", "AssessmentResultID"),
        )
    },
}
# The files below an enrollment (each names its enrollment's client).
ENROLLMENT_FILES = tuple(
    file for file, (_, fks) in KEYS.items() if fks.get("EnrollmentID") == "Enrollment"
)
CLIENT_QUERY = """query($id: ID!) { client(id: $id) { id firstName lastName ssn ssnLastFour dob
  enrollments { id project { id } disabilities { id disabilityType } } } }"""
RECORD_RELEASE = """mutation($input: RecordReleaseInput!) { recordRelease(input: $input) { id } }"""

Files = dict[str, list[dict[str, str]]]


@dataclass
class Generated:
    summary: SeedSummary
    conn: asyncpg.Connection

    def user(self, key: str) -> Any:
        return self.summary.users[key]

    async def db_user(self, key: str) -> User:
        return await User.get(id=self.user(key).user_id)


@pytest.fixture
async def generated(app: object, database_url: str) -> AsyncIterator[Generated]:
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        summary = await generate(conn, clients=CLIENTS, seed=SEED, anchor=ANCHOR)
        await current_authorizer().reload()
        yield Generated(summary, conn)
    finally:
        await conn.close()


async def _export(
    g: Generated, key: str, scope: str, out: Path, **options: Any
) -> tuple[ExportResult, Files]:
    result = await export_as(await g.db_user(key), scope, out, **{**PERIOD, **options})
    return result, read_zip(result.path)  # read_zip checks every header against the table, in order


def _hex(value: UUID) -> str:
    return value.hex


def check_structure(result: ExportResult, files: Files, coc_codes: str) -> None:
    """Everything the standard says about the files' shape, for every row and column."""
    assert list(files) == list(FILES)  # all 24, at the zip's root (read_zip reads the namelist)
    (export,) = files["Export"]
    assert export["ExportID"] == result.export_id.hex
    assert {row["ExportID"] for rows in files.values() for row in rows} == {export["ExportID"]}
    assert export["SourceType"] == "1"
    assert export["SourceID"] == coc_codes
    assert (export["ExportStartDate"], export["ExportEndDate"]) == (
        PERIOD["start"].isoformat(),
        PERIOD["end"].isoformat(),
    )
    for file, rows in files.items():
        for column in columns(file):
            for n, row in enumerate(rows, start=2):
                cell = row[column.name]
                where = (file, n, column.name, cell)
                if not cell:
                    assert column.nulls_allowed, where
                elif column.data_type == "date":
                    assert DATE.match(cell), where
                    date.fromisoformat(cell)
                elif column.data_type == "datetime":
                    assert DATETIME.match(cell), where
                elif column.data_type == "numeric":
                    assert NUMBER.match(cell), where
                else:
                    assert not re.search(r"[<>\[\]{}\r\n]", cell), where
                    assert cell == cell.strip(), where
    # Unique ids, and every foreign key resolves (children also name their enrollment's client).
    ids = {}
    for file, (pk, _) in KEYS.items():
        values = [row[pk] for row in files[file]]
        assert len(values) == len(set(values)), file
        assert all(0 < len(v) <= 32 for v in values), file  # HUD ids are at most 32 characters
        ids[file] = set(values)
    for file, (_, fks) in KEYS.items():
        for column, parent in fks.items():
            assert {row[column] for row in files[file]} <= ids[parent], (file, column)
    owner = {e["EnrollmentID"]: e["PersonalID"] for e in files["Enrollment"]}
    for file in ENROLLMENT_FILES:
        assert all(owner[row["EnrollmentID"]] == row["PersonalID"] for row in files[file]), file
    assessed = {a["AssessmentID"]: a["EnrollmentID"] for a in files["Assessment"]}
    for file in ("AssessmentQuestions", "AssessmentResults"):
        assert all(assessed[r["AssessmentID"]] == r["EnrollmentID"] for r in files[file]), file
    assert {row["UserID"] for rows in files.values() for row in rows if "UserID" in row} - {
        ""
    } <= ids["User"]
    assert {c["CoCCode"] for c in files["ProjectCoC"]} <= {"CT-503", "CT-505"}
    assert ";".join(sorted({c["CoCCode"] for c in files["ProjectCoC"]})) == coc_codes
    assert result.row_counts == {f: len(rows) for f, rows in files.items()}


async def _a01_export(g: Generated, out: Path) -> tuple[UUID, ExportResult, Files]:
    """The biggest agency's export, by its HMIS Data Coordinator (the unhashed agency lens)."""
    a01 = g.summary.agencies["a01"]
    return (a01, *await _export(g, "hdc", f"agency:{a01}", out))


# Clients with records at the CAN's agencies ($1) who were created under another CAN ($2) and
# whose consent the backbone agency ($3) does not hold: backbone staff see none of those records.
HIDDEN_FROM_BACKBONE = """FROM enrollment e JOIN client c ON c.id = e.client_id
    WHERE e.agency_id = ANY($1) AND c.created_under_can_id <> $2
      AND NOT EXISTS (SELECT 1 FROM consent_to_enter t WHERE t.client_id = c.id AND t.agency_id = $3)"""


async def _first_can(g: Generated) -> tuple[Any, UUID, list[UUID]]:
    """The generated backbone staff user, their CAN and the CAN's agencies."""
    can = g.summary.cans["Greater Bridgeport CAN"]
    agencies = [r["id"] for r in await g.conn.fetch("SELECT id FROM agency WHERE can_id = $1", can)]
    return g.user("can_backbone"), can, agencies


async def _scope_projects(g: Generated, agencies: list[UUID]) -> set[str]:
    return {
        r["id"].hex
        for r in await g.conn.fetch("SELECT id FROM project WHERE agency_id = ANY($1)", agencies)
    }


async def test_statewide_export_by_a_reader_of_every_agency_is_complete_and_well_formed(
    generated: Generated, tmp_path: Path
) -> None:
    g = generated
    # The Lead Agency alone reads no client: no client-level file for it (decision 162).
    with pytest.raises(Forbidden):
        await _export(g, "lead_agency", "all", tmp_path / "lead.zip")
    # A Lead Agency user with a VIEW_ONLY licence at every agency reads them all: hashed on
    # request, through their own client scope.
    reader = await statewide_reader("statewide.reader")
    result = await export_as(reader, "all", tmp_path / "all.zip", hashed=True, **PERIOD)
    files = read_zip(result.path)
    check_structure(result, files, "CT-503;CT-505")
    # every file has rows: the seed's data reaches every file of the standard but Affiliation,
    # which only the statewide file draws (tests/hudcsv/test_lossless.py)
    assert [file for file in FILES if not files[file]] == ["Affiliation"]
    assert files["Export"][0]["HashStatus"] == "4"
    assert result.hash_status == 4
    # Every generated client is in it (all were enrolled in the three years), defects included.
    db = await stored_clients(g.conn)
    assert {c["PersonalID"] for c in files["Client"]} == set(db)
    assert len(files["Enrollment"]) == await g.conn.fetchval("SELECT count(*) FROM enrollment")
    assert len(files["Exit"]) == await g.conn.fetchval("SELECT count(*) FROM enrollment_exit")
    # the reader's licences show each agency's own records, 42 CFR Part 2 ones included
    assert len(files["Disabilities"]) == await g.conn.fetchval("SELECT count(*) FROM disability")
    for row in files["Client"]:
        client = db[row["PersonalID"]]
        for hud, attr in (
            ("FirstName", "first_name"),
            ("MiddleName", "middle_name"),
            ("LastName", "last_name"),
        ):
            name = client[attr]
            # SHA-256 of the Soundex code; a name with no letters A-Z hashes the empty code
            expected = hashlib.sha256(soundex(name).encode()).hexdigest() if name else ""
            assert row[hud] == expected, (hud, name)
        ssn = client["ssn"]
        if ssn:
            assert row["SSN"] == ssn[-4:] + hashlib.sha256(f"xxxxx{ssn[-4:]}".encode()).hexdigest()
            assert ssn not in row["SSN"]
        else:
            assert row["SSN"] == ""
        # Data-quality defects travel as data-quality codes, never as broken rows.
        assert row["NameDataQuality"] == str(client["name_data_quality"])
        assert row["SSNDataQuality"] == str(client["ssn_data_quality"])
        assert row["DOB"] == client["dob"].isoformat()
    # name and SSN not collected (8, 9, 99): blank, with the code; the null EnrollmentCoC defect
    for column, codes, defects in (
        ("FirstName", ("8", "9", "99"), ("name_dq_dk_refused", "name_dq_missing")),
        ("SSN", ("8", "9", "99"), ("ssn_dq_dk_refused", "ssn_dq_missing")),
    ):
        dq = "NameDataQuality" if column == "FirstName" else "SSNDataQuality"
        blank = [c for c in files["Client"] if c[dq] in codes]
        assert len(blank) == sum(g.summary.defects[d] for d in defects) > 0, column
        assert all(c[column] == "" for c in blank), column
    assert (
        len(
            [
                e
                for e in files["Enrollment"]
                if e["EnrollmentCoC"] == "" and e["RelationshipToHoH"] == "1"
            ]
        )
        == g.summary.defects["null_enrollment_coc"]
    )
    # The victim service provider: its organization and project, and no client data at all.
    vsp_projects = await _scope_projects(g, [g.summary.vsp_agency_id])
    assert {p["ProjectID"] for p in files["Project"]} >= vsp_projects
    (vsp,) = [
        o for o in files["Organization"] if o["OrganizationID"] == _hex(g.summary.vsp_agency_id)
    ]
    assert vsp["VictimServiceProvider"] == "1"
    assert not [e for e in files["Enrollment"] if e["ProjectID"] in vsp_projects]
    # The audit: one EXPORT row for the file (scope and row counts), one per client.
    (audit,) = await g.conn.fetch(
        "SELECT fields_touched FROM audit_event WHERE action = 'EXPORT' AND entity_type = 'HudCsvExport'"
    )
    assert {"scope:all", f"rows:Client:{CLIENTS}", "hashStatus:4"} <= set(
        json.loads(audit["fields_touched"])
    )
    assert (
        await g.conn.fetchval(
            "SELECT count(*) FROM audit_event WHERE action = 'EXPORT' AND entity_type = 'Client'"
        )
        == CLIENTS
    )


async def test_agency_export_as_its_hdc_is_well_formed_unhashed_and_the_vsp_exports_nothing(
    generated: Generated, tmp_path: Path
) -> None:
    g = generated
    a01, result, files = await _a01_export(g, tmp_path / "a01.zip")
    check_structure(result, files, "CT-505")
    assert files["Export"][0]["HashStatus"] == "1"
    projects = await _scope_projects(g, [a01])
    assert {p["ProjectID"] for p in files["Project"]} == projects
    expected = {
        r["id"].hex
        for r in await g.conn.fetch(
            "SELECT e.id FROM enrollment e JOIN project p ON p.id = e.project_id WHERE p.agency_id = $1",
            a01,
        )
    }
    assert {e["EnrollmentID"] for e in files["Enrollment"]} == expected
    # The agency's own Part 2 rows are its own: there.
    assert [d for d in files["Disabilities"] if d["DisabilityType"] == "10"]
    # Full SSNs (FULL at the holding agency), the invalid ones included: as stored.
    db = await stored_clients(g.conn)
    for row in files["Client"]:
        assert row["SSN"] == (db[row["PersonalID"]]["ssn"] or ""), row["PersonalID"]
        assert row["FirstName"] == clean_text(db[row["PersonalID"]]["first_name"] or "")
    assert [
        c
        for c in files["Client"]
        if db[c["PersonalID"]]["ssn"] in ("123456789", "111111111")
        or (db[c["PersonalID"]]["ssn"] or "").startswith(("000", "666", "9"))
    ]
    # Names with the forbidden characters, quotes, commas and newlines come out clean and whole.
    odd = [
        c
        for c in files["Client"]
        if re.search(r"[<>\[\]{}\n\",]", db[c["PersonalID"]]["first_name"] or "")
        or re.search(r"[<>\[\]{}\n\",]", db[c["PersonalID"]]["last_name"] or "")
    ]
    assert odd
    # The victim service provider's HDC may export it: an empty (header-only) client part.
    vsp = g.summary.vsp_agency_id
    result, files = await _export(g, "vsp_hdc", f"agency:{vsp}", tmp_path / "vsp.zip")
    check_structure(result, files, "CT-505")
    for file in (
        "Client",
        "Enrollment",
        "Exit",
        "Services",
        "IncomeBenefits",
        "Disabilities",
        "HealthAndDV",
    ):
        assert files[file] == [], file


async def test_can_export_as_backbone_staff_is_what_the_api_shows_them(
    generated: Generated, api: Api, tmp_path: Path
) -> None:
    g = generated
    staff, can, agencies = await _first_can(g)
    backbone_agency = staff.agency_id
    projects = await _scope_projects(g, agencies)
    result, files = await _export(g, "can_backbone", f"can:{can}", tmp_path / "can.zip")
    check_structure(result, files, "CT-505")
    assert files["Export"][0]["HashStatus"] == "1"
    # Consent decides: clients enrolled in the CAN's projects and created under another CAN,
    # whose enrollments there no release in force shares with the backbone agency, are absent.
    exported = {c["PersonalID"] for c in files["Client"]}
    hidden = await g.conn.fetchval(
        f"SELECT count(DISTINCT e.client_id) {HIDDEN_FROM_BACKBONE}", agencies, can, backbone_agency
    )
    assert hidden > 0
    in_scope = {
        r["client_id"].hex
        for r in await g.conn.fetch(
            "SELECT DISTINCT client_id FROM enrollment WHERE agency_id = ANY($1)", agencies
        )
    }
    assert exported < in_scope
    assert len(in_scope - exported) == hidden
    # The same user through the API: for every client with records in the CAN's projects, the
    # export holds exactly the enrollments and disabilities the API shows, and the same identity.
    token = await _sign_in(api, staff)
    by_client: dict[str, dict[str, set[str]]] = {}
    for file, key in (("Enrollment", "EnrollmentID"), ("Disabilities", "DisabilitiesID")):
        for row in files[file]:
            by_client.setdefault(row["PersonalID"], {}).setdefault(file, set()).add(row[key])
    clients = {c["PersonalID"]: c for c in files["Client"]}
    for hex_id in sorted(in_scope):
        answer = await api.gql(CLIENT_QUERY, {"id": str(UUID(hex_id))}, token)
        seen = (answer.get("data") or {}).get("client")
        if seen is None:
            assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"
            assert hex_id not in exported
            continue
        enrollments = [e for e in seen["enrollments"] if UUID(e["project"]["id"]).hex in projects]
        assert {UUID(e["id"]).hex for e in enrollments} == by_client.get(hex_id, {}).get(
            "Enrollment", set()
        ), hex_id
        assert {UUID(d["id"]).hex for e in enrollments for d in e["disabilities"]} == by_client.get(
            hex_id, {}
        ).get("Disabilities", set()), hex_id
        if hex_id in clients:
            row = clients[hex_id]
            assert row["FirstName"] == clean_text(seen["firstName"] or "")
            assert row["LastName"] == clean_text(seen["lastName"] or "")
            assert row["DOB"] == (seen["dob"] or "")
            assert row["SSN"] == (
                seen["ssn"] or (f"xxxxx{seen['ssnLastFour']}" if seen["ssnLastFour"] else "")
            )
    # Part 2: another agency's substance use rows only through a release in force naming
    # SUBSTANCE_USE that covers the backbone agency; the backbone agency's own are its own.
    released = {
        r["client_id"].hex
        for r in await g.conn.fetch(
            """SELECT client_id FROM release_of_information r WHERE revoked_at IS NULL AND starts_on <= $1
             AND expires_on >= $1 AND categories ? 'SUBSTANCE_USE' AND releasing_agency_id <> $2
             AND (scope = 'STATEWIDE' OR (scope = 'CAN' AND scope_can_id = $3)
                  OR (scope = 'AGENCIES' AND EXISTS (SELECT 1 FROM release_recipient x
                                                     WHERE x.release_id = r.id AND x.agency_id = $2)))""",
            ANCHOR,
            backbone_agency,
            can,
        )
    }
    agency_of = {
        r["id"].hex: r["agency_id"]
        for r in await g.conn.fetch(
            "SELECT id, agency_id FROM enrollment WHERE agency_id = ANY($1)", agencies
        )
    }
    part2 = [d for d in files["Disabilities"] if d["DisabilityType"] == "10"]
    others = [d for d in part2 if agency_of[d["EnrollmentID"]] != backbone_agency]
    assert others  # shared by a Part 2 release ...
    assert {d["PersonalID"] for d in others} <= released
    withheld = await g.conn.fetchval(
        """SELECT count(*) FROM disability d JOIN enrollment e ON e.id = d.enrollment_id
            WHERE d.disability_type = 10 AND e.agency_id = ANY($1) AND e.agency_id <> $2
              AND e.client_id::text <> ALL($3::text[])""",
        agencies,
        backbone_agency,
        [str(UUID(h)) for h in released],
    )
    assert withheld > 0  # ... and withheld without one


async def test_a_statewide_release_brings_a_hidden_client_into_the_can_export(
    generated: Generated, api: Api, tmp_path: Path
) -> None:
    g = generated
    staff, can, agencies = await _first_can(g)
    # a client of another CAN whose records at one of this CAN's agencies the backbone staff
    # do not see (no consent at the backbone agency, no release at all)
    row = await g.conn.fetchrow(
        f"""SELECT e.client_id, e.agency_id {HIDDEN_FROM_BACKBONE}
              AND NOT EXISTS (SELECT 1 FROM release_of_information r WHERE r.client_id = c.id)
            ORDER BY e.client_id LIMIT 1""",  # noqa: S608
        agencies,
        can,
        staff.agency_id,
    )
    assert row is not None
    client, holder = row["client_id"], row["agency_id"]
    _, before = await _export(g, "can_backbone", f"can:{can}", tmp_path / "before.zip")
    assert client.hex not in {c["PersonalID"] for c in before["Client"]}
    token = await _sign_in(api, staff)
    assert (await api.error(CLIENT_QUERY, {"id": str(client)}, token))["code"] == "NOT_FOUND"
    # when a case manager of the holding agency records a statewide release through the API
    manager = await g.conn.fetchrow(
        """SELECT u.username FROM hearth_user u JOIN membership m ON m.user_id = u.id
            WHERE m.agency_id = $1 AND m.access_level = 'FULL' AND u.username LIKE '%.cm%' ORDER BY u.username LIMIT 1""",
        holder,
    )
    writer = await _sign_in_by_name(api, g, manager["username"])
    await api.ok(
        RECORD_RELEASE,
        {
            "input": {
                "clientId": str(client),
                "scope": "STATEWIDE",
                "categories": ["IDENTIFYING", "ENROLLMENT_AND_SERVICES"],
                "startsOn": ANCHOR.isoformat(),
                "expiresOn": date(2027, 3, 1).isoformat(),
                "kind": "WRITTEN",
                "agencyId": str(holder),
            }
        },
        writer,
    )
    # then the backbone staff see the client in the API and in the export, without Part 2 rows
    assert (await api.ok(CLIENT_QUERY, {"id": str(client)}, token))["client"]["id"] == str(client)
    _, after = await _export(g, "can_backbone", f"can:{can}", tmp_path / "after.zip")
    assert client.hex in {c["PersonalID"] for c in after["Client"]}
    assert not [
        d
        for d in after["Disabilities"]
        if d["PersonalID"] == client.hex and d["DisabilityType"] == "10"
    ]


async def _sign_in_by_name(api: Api, g: Generated, username: str) -> str:
    """Sign in as any generated user (they share the data set's password; the TOTP secret is
    read from the database, as the seed command prints it)."""
    from devdata import SeedUser

    row = await g.conn.fetchrow(
        "SELECT id, totp_secret FROM hearth_user WHERE username = $1", username
    )
    user = SeedUser("", username, row["id"], g.summary.password, row["totp_secret"], "FULL")
    return await _sign_in(api, user)


async def test_round_trip_and_idempotent_reimport_on_generated_data(
    generated: Generated, tmp_path: Path
) -> None:
    g = generated
    hdc = await g.db_user("hdc")
    a01, first, before = await _a01_export(g, tmp_path / "first.zip")
    assert len(before["Client"]) > 40
    # with its share of the defects: SSNs not collected, partial names, destinations 30/99
    assert [c for c in before["Client"] if c["SSNDataQuality"] != "1"]
    assert [c for c in before["Client"] if c["NameDataQuality"] != "1"]
    assert [x for x in before["Exit"] if x["Destination"] in ("30", "99")]
    # when the client data is gone (users, agencies and projects stay) and the file comes back in
    await get_connection("default").execute_script(truncation(CLIENT_TABLES.split(",")))
    result = await import_hud_csv(
        first.path, agency_id=a01, username=hdc.username, now=START, tz=TZ
    )
    assert result.created["Client"] == len(before["Client"])
    assert result.created["Enrollment"] == len(before["Enrollment"])
    assert result.created["Project"] == 0
    # then exporting again gives the same files, apart from the export's own id and date
    second, after = await _export(g, "hdc", f"agency:{a01}", tmp_path / "second.zip")
    assert second.export_id != first.export_id
    for name in FILES:
        assert _without_export_identity(after)[name] == _without_export_identity(before)[name], name
    # and importing the same file again adds nothing
    counts = {
        t: await g.conn.fetchval(f"SELECT count(*) FROM {t}")  # noqa: S608
        for t in (
            "client",
            "enrollment",
            "enrollment_exit",
            "service",
            "income_benefits",
            "disability",
            "health_and_dv",
            "consent_to_enter",
            "project",
        )
    }
    again = await import_hud_csv(first.path, agency_id=a01, username=hdc.username, now=START, tz=TZ)
    assert set(again.created.values()) == {0}
    for table, n in counts.items():
        assert await g.conn.fetchval(f"SELECT count(*) FROM {table}") == n, table  # noqa: S608


async def test_a_damaged_generated_export_is_refused_with_every_problem_and_nothing_written(
    generated: Generated, tmp_path: Path
) -> None:
    g = generated
    _, _, files = await _a01_export(g, tmp_path / "a01.zip")
    # into another agency of the data set, damaged four ways
    target = g.summary.agencies["a03"]
    files["Enrollment"][3]["PersonalID"] = "no-such-client"
    files["Exit"][0]["ExitDate"] = "31/31/2025"
    files["Client"][5]["PersonalID"] = files["Client"][4]["PersonalID"]
    damaged = write_zip(
        tmp_path / "damaged.zip", files, drop_columns={"Services": {"DateProvided"}}
    )
    before = await g.conn.fetchval("SELECT count(*) FROM client")
    with pytest.raises(ImportRefused) as refused:
        await import_hud_csv(damaged, agency_id=target, username=None, now=START, tz=TZ)
    found = {(p.file, p.row, p.column) for p in refused.value.problems}
    assert ("Enrollment.csv", 5, "PersonalID") in found
    assert ("Exit.csv", 2, "ExitDate") in found
    assert ("Client.csv", 7, "PersonalID") in found
    assert any(
        p.file == "Services.csv" and p.column == "DateProvided" for p in refused.value.problems
    )
    assert await g.conn.fetchval("SELECT count(*) FROM client") == before
    assert await g.conn.fetchval("SELECT count(*) FROM client WHERE source_id IS NOT NULL") == 0
    # the undamaged file goes into that agency whole (its clients get the agency's consent)
    result = await import_hud_csv(
        tmp_path / "a01.zip", agency_id=target, username=None, now=START, tz=TZ
    )
    assert result.created["Client"] == len(files["Client"])
