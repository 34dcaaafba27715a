"""A statewide migration loses nothing: another vendor's FY2026 file (``devdata.statewide``: all
24 files, every column filled somewhere, several organizations, soft-deleted rows, a victim
service provider) imported with an agency per organization, then exported again, gives back
every value of every row the source did not delete, with its DateCreated, DateUpdated and
UserID: compared cell by cell, source ids mapped to the Hearth ids the import gave them. And
what Hearth exports of it imports back unchanged (import -> export -> import -> export)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tortoise.connection import get_connection

from devdata.statewide import write_statewide_zip
from models.certification import AgencyClearance, ClearanceBasis
from models.enums import AccessLevel, Duty, SystemRole
from models.governance import Agency
from models.users import User
from services.hudcsv.columns import FILES, columns
from services.hudcsv.format import clean_text
from services.hudcsv.importer import import_hud_csv
from services.hudcsv.organizations import OrganizationMap
from tests.conftest import START
from tests.factories import make_user, truncation
from tests.hudcsv.support import TZ, export_as, read_zip, statewide_reader
from tests.hudcsv.test_round_trip import CLIENT_TABLES, PROJECT_TABLES, _without_export_identity

pytestmark = pytest.mark.slow

ANCHOR = date(2026, 3, 2)
EVERYTHING = {"start": date(2000, 1, 1), "end": ANCHOR}
Files = dict[str, list[dict[str, str]]]

# Each id column: the file whose ids it holds (for the id map of source -> Hearth).
ID_COLUMNS = {
    "OrganizationID": "Organization",
    "UserID": "User",
    "ProjectID": "Project",
    "ResProjectID": "Project",
    "PersonalID": "Client",
    "EnrollmentID": "Enrollment",
    "AssessmentID": "Assessment",
}
# The table each file's rows are imported to (the id map's source).
TABLES = {
    "Organization": "agency",
    "User": "hearth_user",
    "Project": "project",
    "ProjectCoC": "project_coc",
    "Funder": "funder",
    "Inventory": "inventory",
    "Affiliation": "affiliation",
    "HMISParticipation": "hmis_participation",
    "CEParticipation": "ce_participation",
    "Client": "client",
    "Enrollment": "enrollment",
    "Exit": "enrollment_exit",
    "IncomeBenefits": "income_benefits",
    "HealthAndDV": "health_and_dv",
    "EmploymentEducation": "employment_education",
    "Disabilities": "disability",
    "Services": "service",
    "CurrentLivingSituation": "current_living_situation",
    "Assessment": "assessment",
    "AssessmentQuestions": "assessment_question",
    "AssessmentResults": "assessment_result",
    "Event": "ce_event",
    "YouthEducationStatus": "youth_education_status",
}
PROJECT_LEVEL = ("Organization", "Project", *(f for f in FILES[4:10]))


def _key(file: str) -> str:
    return columns(file)[0].name


async def _id_maps(source_system: str) -> dict[str, dict[str, str]]:
    """Each file's source ids -> the Hearth ids (hex, as the export writes them)."""
    conn = get_connection("default")
    maps = {}
    for file, table in TABLES.items():
        rows = await conn.execute_query_dict(
            f'SELECT source_id, id FROM "{table}" WHERE source_id IS NOT NULL'  # noqa: S608 (the test's names)
            + (" AND source_system = $1" if table != "agency" else " AND $1::text IS NOT NULL"),
            [source_system],
        )
        maps[file] = {r["source_id"]: r["id"].hex for r in rows}
    return maps


def _by_key(files: Files) -> dict[str, dict[str, dict[str, str]]]:
    return {file: {r[_key(file)]: r for r in rows} for file, rows in files.items()}


def _losses(
    source: Files, exported: dict[str, dict[str, dict[str, str]]], maps: Any
) -> dict[tuple[str, str], tuple[int, str, str]]:
    """Every (file, column) where an exported cell differs from the source's: how many, and
    the first (source value, exported value)."""
    losses: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], tuple[str, str]] = {}
    # an export's User.csv holds the users its rows name (never the source's staff list)
    named = {
        row["UserID"]
        for file, rows in source.items()
        if file != "User"
        for row in rows
        if row.get("UserID") and not row.get("DateDeleted")
    }
    for file in FILES:
        if file == "Export":
            continue
        key = _key(file)
        for row in source[file]:
            if row.get("DateDeleted") or (file == "User" and row[key] not in named):
                continue
            hearth = maps[file].get(row[key])
            got = exported[file].get(hearth) if hearth else None
            if got is None:
                losses[file, "(row)"] += 1
                continue
            for column in columns(file):
                name = column.name
                if name in ("ExportID", "DateDeleted"):
                    continue
                want = row[name]
                if column.data_type == "character" and name not in ID_COLUMNS:
                    want = clean_text(want)  # FY2026 forbids < > [ ] { } and line breaks
                if name == key:
                    want = hearth
                elif name in ID_COLUMNS and want:
                    want = maps[ID_COLUMNS[name]].get(want, f"unmapped:{want}")
                if got[name] != want:
                    losses[file, name] += 1
                    first.setdefault((file, name), (want, got[name]))
    return {k: (n, *first.get(k, ("", ""))) for k, n in losses.items()}


async def _sign_mou(agency: Agency) -> None:
    """The Lead Agency records the MOU of an agency the import created (policy 101), leaving
    its Organization row's times as they are."""
    await get_connection("default").execute_query(
        "UPDATE agency SET mou_signed_on = $1, mou_signed_by = 'Director',"
        " mou_access_levels = $2::jsonb WHERE id = $3",
        [date(2026, 1, 15), json.dumps([level.value for level in AccessLevel]), agency.id],
    )
    await AgencyClearance.create(agency=agency, basis=ClearanceBasis.ESTABLISHED, cleared_at=START)


async def test_a_statewide_file_comes_back_value_for_value(app: object, tmp_path: Path) -> None:
    # given another vendor's statewide file, imported with an agency per organization
    await make_user("statewide.lead", roles=(SystemRole.LEAD_AGENCY,))
    path = tmp_path / "statewide.zip"
    summary = write_statewide_zip(path, clients=300, seed=2, anchor=ANCHOR)
    result = await import_hud_csv(
        path,
        organizations=OrganizationMap(create=True),
        username="statewide.lead",
        now=START,
        tz=TZ,
    )
    assert len(result.agencies_created) == summary.organizations
    source = read_zip(path)
    # every column of every file holds a value somewhere (so every column is compared)
    blank = [
        f"{file}.{column.name}"
        for file in FILES
        for column in columns(file)
        if column.name != "DateDeleted" and not any(row[column.name] for row in source[file])
    ]
    assert blank == []
    maps = await _id_maps(result.source_system)
    # when each agency's HMIS Data Coordinator exports their agency, and someone who reads every
    # agency the state (its project files: a victim service provider's agency exports no client
    # data). Not the Lead Agency alone: it reads no client, so it gets no client-level file
    # (decision 162); a Lead Agency user with a VIEW_ONLY licence at each agency does.
    exported: dict[str, dict[str, dict[str, str]]] = {file: {} for file in FILES}
    biggest: tuple[int, Agency, User, Path, Files] | None = None
    for n, agency in enumerate(await Agency.filter(source_id__isnull=False).order_by("name")):
        await _sign_mou(agency)
        hdc = await make_user(f"hdc{n}", duties={agency: Duty.HMIS_DATA_COORDINATOR})
        out = tmp_path / f"{n}.zip"
        files = read_zip((await export_as(hdc, f"agency:{agency.id}", out, **EVERYTHING)).path)
        for file, rows in _by_key(files).items():
            exported[file].update(rows)
        if biggest is None or len(files["Enrollment"]) > biggest[0]:
            biggest = (len(files["Enrollment"]), agency, hdc, out, files)
    reader = await statewide_reader("the.reader")
    state = _by_key(
        read_zip((await export_as(reader, "all", tmp_path / "all.zip", **EVERYTHING)).path)
    )
    for file in PROJECT_LEVEL:
        exported[file].update(state[file])
    # then every value of every row the source kept comes back, ids mapped
    losses = _losses(source, exported, maps)
    assert not losses, "\n".join(
        f"{file}.{column}: {n} (first: {want!r} came back as {got!r})"
        for (file, column), (n, want, got) in sorted(losses.items())
    )
    # and an agency's export imports back unchanged: its client and project records gone
    # (agencies, projects and users stay), the file in again, exported again: the same files
    assert biggest is not None
    _, agency, hdc, out, before = biggest
    await get_connection("default").execute_script(
        truncation([*CLIENT_TABLES.split(","), *PROJECT_TABLES])
    )
    await import_hud_csv(out, agency_id=agency.id, username=hdc.username, now=START, tz=TZ)
    again = read_zip(
        (await export_as(hdc, f"agency:{agency.id}", tmp_path / "again.zip", **EVERYTHING)).path
    )
    for file in FILES:
        assert _without_export_identity(again)[file] == _without_export_identity(before)[file], file
