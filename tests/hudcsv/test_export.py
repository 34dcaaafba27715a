"""HUD HMIS CSV FY2026 export: structure against the column table, consent-respecting content,
the hashed variant, who may export which scope."""

from __future__ import annotations

import hashlib
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest

from bench.statement_log import log_statements
from models.audit import AuditEvent
from models.enrollments import Enrollment
from models.enums import AuditAction, SystemRole
from models.governance import Project
from services.errors import Forbidden
from services.hudcsv.columns import FILES, columns
from services.hudcsv.export import parse_scope, plan_export, write_export
from services.hudcsv.format import soundex
from tests.authz.client_world import World, add_client, add_enrollment, build_world, make_role_user
from tests.conftest import START
from tests.factories import make_user
from tests.hudcsv.support import (
    PERIOD,
    TZ,
    decisions_for,
    export_as,
    read_zip,
    statewide_reader,
)

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
async def world(app: object) -> World:
    return await build_world()


async def test_all_24_files_at_the_root_with_the_tables_columns_dates_and_one_export_id(
    world: World, tmp_path: Path
) -> None:
    # given a client whose name holds the forbidden characters and a newline
    await add_client(world, first_name="Jo<a>n [x]", last_name="{Smith}\nJr", ssn="987654321")
    hdc = await make_role_user(world, "HDC@A")
    project = world.project_a
    odd = await add_client(world, first_name="Jo<a>n [x]", last_name="{Smith}\nJr")
    await add_enrollment(odd, project, world.writer_a)
    # when the agency's HDC exports it
    result = await export_as(hdc, f"agency:{world.a.id}", tmp_path / "a.zip")
    # then the zip holds the 24 files at its root, in the table's column order (read_zip checks)
    with zipfile.ZipFile(result.path) as archive:
        assert sorted(archive.namelist()) == sorted(f"{f}.csv" for f in FILES)
    files = read_zip(result.path)
    assert set(files) == set(FILES)
    # one Export row; its ExportID on every row of every file
    (export,) = files["Export"]
    assert export["ExportID"] == result.export_id.hex
    assert {row["ExportID"] for f in FILES for row in files[f]} == {export["ExportID"]}
    assert export["CSVVersion"].startswith("2026")
    assert export["HashStatus"] == "1"
    assert export["SourceType"] == "1"
    assert export["SourceID"] == "CT-503"
    assert (export["ExportStartDate"], export["ExportEndDate"]) == ("2025-10-01", "2026-09-30")
    # dates and datetimes in HUD's formats, everywhere the table says so
    for file in FILES:
        for column in columns(file):
            for row in files[file]:
                if row[column.name] and column.data_type == "date":
                    assert DATE.match(row[column.name]), (file, column.name)
                if row[column.name] and column.data_type == "datetime":
                    assert DATETIME.match(row[column.name]), (file, column.name)
    # forbidden characters gone, whitespace collapsed
    cell = "".join(v for f in FILES for row in files[f] for v in row.values())
    assert not re.search(r"[<>\[\]{}]", cell)
    names = {(c["FirstName"], c["LastName"]) for c in files["Client"]}
    assert ("Joan x", "Smith Jr") in names
    # files Hearth derives, and those it has no data for (header only)
    assert [p["ProjectID"] for p in files["Project"]] == [project.id.hex]
    assert [p["CoCCode"] for p in files["ProjectCoC"]] == ["CT-503"]
    assert files["HMISParticipation"][0]["HMISParticipationType"] == "1"
    assert [o["OrganizationID"] for o in files["Organization"]] == [world.a.id.hex]
    for empty in (
        "Funder",
        "Inventory",
        "Affiliation",
        "CEParticipation",
        "EmploymentEducation",
        "Assessment",
        "Event",
    ):
        assert files[empty] == []
    # every UserID is listed in User.csv; the row counts are the files' rows
    users = {u["UserID"] for u in files["User"]}
    assert {
        row["UserID"] for f in FILES if f not in ("Export", "User") for row in files[f]
    } <= users
    assert result.row_counts == {f: len(files[f]) for f in FILES}
    # the client with no enrollment in the period is not exported
    assert len(files["Client"]) == 2


async def test_the_agencys_hdc_gets_what_the_agency_holds_unmasked(
    world: World, tmp_path: Path
) -> None:
    hdc = await make_role_user(world, "HDC@A")
    files = read_zip((await export_as(hdc, f"agency:{world.a.id}", tmp_path / "a.zip")).path)
    (rosa,) = files["Client"]
    assert (rosa["PersonalID"], rosa["FirstName"], rosa["LastName"], rosa["SSN"]) == (
        world.rosa.id.hex,
        "Rosa",
        "Parks",
        "123456789",
    )
    assert rosa["DOB"] == "1980-02-04"
    assert rosa["BlackAfAmerican"] == "1"
    assert rosa["RaceNone"] == ""
    assert sorted(d["DisabilityType"] for d in files["Disabilities"]) == [
        "10",
        "5",
    ]  # Part 2: the agency's own
    (health,) = files["HealthAndDV"]
    assert (health["DomesticViolenceSurvivor"], health["GeneralHealthStatus"]) == ("1", "3")
    (income,) = files["IncomeBenefits"]
    assert (income["SSI"], income["SSIAmount"], income["Earned"], income["TotalMonthlyIncome"]) == (
        "1",
        "900.00",
        "",  # not given: blank, not 0
        "900.00",
    )
    assert [e["EnrollmentID"] for e in files["Enrollment"]] == [world.rosa_enrollment.id.hex]
    assert len(files["Services"]) == 1


async def test_can_backbone_staff_get_the_cans_records_as_the_api_shows_them(
    world: World, tmp_path: Path
) -> None:
    # given a client created under CAN South (by B) enrolled at A's project with only B's consent:
    # backbone staff of CAN North do not see her through the API
    south = await add_client(world.b, world.writer_b, first_name="Southie")
    await add_enrollment(south, world.project_a, world.writer_b)
    staff = await make_role_user(world, "CAN_STAFF")
    files = read_zip((await export_as(staff, f"can:{world.north.id}", tmp_path / "n.zip")).path)
    # then only Rosa, with identifying data but the SSN's last four only, and no Part 2 row
    (rosa,) = files["Client"]
    assert (rosa["PersonalID"], rosa["FirstName"], rosa["SSN"]) == (
        world.rosa.id.hex,
        "Rosa",
        "xxxxx6789",
    )
    assert [d["DisabilityType"] for d in files["Disabilities"]] == ["5"]
    assert len(files["Enrollment"]) == 1
    assert files["Export"][0]["HashStatus"] == "1"


async def test_a_reporting_only_hdc_may_not_export_client_rows(
    world: World, tmp_path: Path
) -> None:
    # given an HDC whose licence is reporting-only: they read no client of their agency
    hdc = await make_role_user(world, "HDC+REPORTING_ONLY@A")
    # when they ask for their agency's file, hashed or not
    for hashed in (False, True):
        with pytest.raises(Forbidden) as refused:
            await export_as(hdc, f"agency:{world.a.id}", tmp_path / "r.zip", hashed=hashed)
        # then FORBIDDEN, pointing to the aggregate report (decision 162); nothing written
        assert refused.value.field == "scope"
        assert "aggregate report" in refused.value.message
        assert "DSA" not in refused.value.message  # the DSA extract is the Lead Agency's
    assert not (tmp_path / "r.zip").exists()
    assert not await AuditEvent.filter(action=AuditAction.EXPORT).exists()


async def test_hashed_on_request_hashes_the_full_ssn(world: World, tmp_path: Path) -> None:
    hdc = await make_role_user(world, "HDC@A")
    files = read_zip(
        (await export_as(hdc, f"agency:{world.a.id}", tmp_path / "h.zip", hashed=True)).path
    )
    (rosa,) = files["Client"]
    assert files["Export"][0]["HashStatus"] == "4"
    assert rosa["SSN"] == "6789" + _sha("123456789")
    assert rosa["FirstName"] == _sha("R200")
    assert rosa["DOB"] == "1980-02-04"


async def test_the_lead_agency_alone_may_not_export_client_rows(
    world: World, tmp_path: Path
) -> None:
    lead = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    for scope in ("all", f"can:{world.north.id}", f"agency:{world.a.id}"):
        with pytest.raises(Forbidden) as refused:
            await export_as(lead, scope, tmp_path / "all.zip")
        # the Lead Agency reads no client: the aggregate report, or a DSA extract (405)
        assert "aggregate report" in refused.value.message
        assert "Data Sharing Agreement" in refused.value.message
    assert not (tmp_path / "all.zip").exists()
    assert not await AuditEvent.filter(action=AuditAction.EXPORT).exists()


async def test_a_lead_agency_user_who_reads_every_agency_exports_statewide(
    world: World, tmp_path: Path
) -> None:
    other = await add_client(world.b, world.writer_b, first_name="Bea", ssn="111223333")
    await add_enrollment(other, world.project_b, world.writer_b)
    reader = await statewide_reader()
    files = read_zip((await export_as(reader, "all", tmp_path / "all.zip", hashed=True)).path)
    assert files["Export"][0]["HashStatus"] == "4"
    assert {c["PersonalID"] for c in files["Client"]} == {world.rosa.id.hex, other.id.hex}
    assert (soundex("Rosa"), soundex("Parks"), soundex("Bea")) == ("R200", "P620", "B000")
    assert {c["FirstName"] for c in files["Client"]} == {_sha("R200"), _sha("B000")}
    assert {c["LastName"] for c in files["Client"] if c["PersonalID"] == world.rosa.id.hex} == {
        _sha("P620")
    }
    # seen through the reader's own client scope: a VIEW_ONLY licence never shows a full SSN
    assert {c["SSN"] for c in files["Client"]} == {
        "6789" + _sha("xxxxx6789"),
        "3333" + _sha("xxxxx3333"),
    }
    assert sorted(files["Export"][0]["SourceID"].split(";")) == ["CT-503"]


async def test_the_period_selects_enrollments_active_in_it(world: World, tmp_path: Path) -> None:
    hdc = await make_role_user(world, "HDC@A")
    # Rosa's enrollment began 2026-02-20: a period ending before it leaves her out
    files = read_zip(
        (
            await export_as(hdc, f"agency:{world.a.id}", tmp_path / "p.zip", end=date(2026, 1, 31))
        ).path
    )
    assert files["Client"] == []
    assert files["Enrollment"] == []
    assert len(files["Project"]) == 1


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("FULL@A", "agency:{a}"),  # no HDC duty
        ("VIEW_ONLY@A", "agency:{a}"),
        ("HDC@A", "agency:{b}"),  # another agency
        ("HDC@A", "can:{north}"),  # a CAN needs backbone staff
        ("HDC@A", "all"),
        ("CAN_STAFF", "can:{south}"),  # another CAN
        ("CAN_STAFF", "agency:{b}"),
        ("CAN_STAFF", "all"),
        ("SYSADMIN", "agency:{a}"),
        ("HDC@A", "project:{project_b}"),
        ("HDC@A", "agency:00000000-0000-4000-8000-000000000000"),
        ("HDC+REPORTING_ONLY@A", "agency:{a}"),  # reads no client there (decision 162)
        ("CAN_STAFF+REPORTING_ONLY", "can:{north}"),
    ],
)
async def test_a_scope_the_caller_may_not_export_is_forbidden(
    world: World, tmp_path: Path, role: str, scope: str
) -> None:
    user = await make_role_user(world, role)
    ids = {
        "a": world.a.id,
        "b": world.b.id,
        "north": world.north.id,
        "south": world.south.id,
        "project_b": world.project_b.id,
    }
    with pytest.raises(Forbidden):
        await export_as(user, scope.format(**ids), tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()
    assert not await AuditEvent.filter(action=AuditAction.EXPORT).exists()


async def test_a_project_scope_exports_that_project_only(world: World, tmp_path: Path) -> None:
    other = await Project.create(
        agency=world.a,
        name="A Housing",
        project_type=3,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )
    bea = await add_client(world, first_name="Bea")
    await add_enrollment(bea, other, world.writer_a)
    hdc = await make_role_user(world, "HDC@A")
    files = read_zip((await export_as(hdc, f"project:{other.id}", tmp_path / "p.zip")).path)
    assert [c["FirstName"] for c in files["Client"]] == ["Bea"]
    assert [p["ProjectID"] for p in files["Project"]] == [other.id.hex]


async def test_every_export_is_audited_with_scope_and_row_counts(
    world: World, tmp_path: Path
) -> None:
    hdc = await make_role_user(world, "HDC@A")
    result = await export_as(hdc, f"agency:{world.a.id}", tmp_path / "a.zip")
    (file_row,) = await AuditEvent.filter(action=AuditAction.EXPORT, entity_type="HudCsvExport")
    assert file_row.actor_id == hdc.id
    assert file_row.entity_id == str(result.export_id)
    touched = set(file_row.fields_touched)
    assert f"scope:agency:{world.a.id}" in touched
    assert "hashStatus:1" in touched
    assert {"rows:Client:1", "rows:Enrollment:1", "rows:Export:1", "rows:Funder:0"} <= touched
    # and the client's own trail shows the export
    (client_row,) = await AuditEvent.filter(action=AuditAction.EXPORT, entity_type="Client")
    assert client_row.client_id == world.rosa.id
    assert client_row.actor_id == hdc.id


async def test_many_batches_write_each_client_once(world: World, tmp_path: Path) -> None:
    # given 7 clients with 2 enrollments each, exported 3 enrollments at a time
    for n in range(7):
        client = await add_client(world, first_name=f"C{n}")
        for _ in range(2):
            await add_enrollment(client, world.project_a, world.writer_a, disabilities=())
    hdc = await make_role_user(world, "HDC@A")
    plan = await plan_export(
        await decisions_for(hdc),
        parse_scope(f"agency:{world.a.id}"),
        hashed=False,
        today=START.date(),
        **PERIOD,
    )
    result = await write_export(
        plan, out=tmp_path / "b.zip", now=START, tz=TZ, implementation_id="t", batch=3
    )
    files = read_zip(result.path)
    ids = [c["PersonalID"] for c in files["Client"]]
    assert len(ids) == len(set(ids)) == 8
    assert len(files["Enrollment"]) == 15 == await Enrollment.all().count()
    assert len(files["Services"]) == 15
    # a household member is never an orphan: every enrollment's client is in Client.csv
    assert {e["PersonalID"] for e in files["Enrollment"]} == set(ids)


async def test_the_statements_per_batch_do_not_grow_with_the_clients(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No query per client: an export of 1 client and one of 11 send the same statements."""
    hdc = await make_role_user(world, "HDC@A")
    log = log_statements(monkeypatch)
    plan = await plan_export(
        await decisions_for(hdc),
        parse_scope(f"agency:{world.a.id}"),
        hashed=False,
        today=START.date(),
        **PERIOD,
    )
    _, few = await log.during(
        write_export(plan, out=tmp_path / "few.zip", now=START, tz=TZ, implementation_id="t")
    )
    for n in range(10):
        client = await add_client(world, first_name=f"C{n}")
        await add_enrollment(client, world.project_a, world.writer_a)
    _, many = await log.during(
        write_export(plan, out=tmp_path / "many.zip", now=START, tz=TZ, implementation_id="t")
    )
    assert len(read_zip(tmp_path / "many.zip")["Client"]) == 11
    assert len(many) == len(few)


async def test_two_exports_at_once_both_finish_and_keep_the_audit_chain(
    world: World, tmp_path: Path
) -> None:
    """The audit rows are written after the read snapshot closes: an export never holds the audit
    chain's lock through its read (every audited write would wait), and a second export's chain
    insert never reads the last row from an old snapshot (it failed with a duplicate key)."""
    import asyncio

    from services.audit import seal, verify_chain

    for n in range(6):
        client = await add_client(world, first_name=f"C{n}")
        await add_enrollment(client, world.project_a, world.writer_a, disabilities=())
    hdc = await make_role_user(world, "HDC@A")
    plan = await plan_export(
        await decisions_for(hdc),
        parse_scope(f"agency:{world.a.id}"),
        hashed=False,
        today=START.date(),
        **PERIOD,
    )
    first, second = await asyncio.gather(
        write_export(
            plan, out=tmp_path / "one.zip", now=START, tz=TZ, implementation_id="t", batch=1
        ),
        write_export(
            plan, out=tmp_path / "two.zip", now=START, tz=TZ, implementation_id="t", batch=1
        ),
    )
    assert first.row_counts["Client"] == second.row_counts["Client"] == 7
    assert await AuditEvent.filter(action=AuditAction.EXPORT, entity_type="Client").count() == 14
    await seal()
    checked, broken, _ = await verify_chain()
    assert broken is None
    assert checked >= 16
