"""HUD HMIS CSV import: validation before writing (each error class), all-or-nothing, source ids
kept, consent recorded as imported, idempotent re-import, lenient dates and encodings, FY2024."""

from __future__ import annotations

import codecs
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from models.audit import AuditEvent
from models.clients import Client, ConsentToEnter
from models.enrollments import Disability, Enrollment, Exit, HealthAndDv, IncomeBenefits, Service
from models.enums import AuditAction, Duty
from models.governance import Agency, Project
from models.users import User
from services.errors import Forbidden, ValidationFailed
from services.hudcsv.columns import FILES
from services.hudcsv.importer import ImportRefused, import_hud_csv
from services.hudcsv.problems import Problem
from services.hudcsv.read import parse_date, parse_datetime
from tests.conftest import START
from tests.factories import Api, make_agency, make_user
from tests.hudcsv.support import TZ, write_zip

EXPORT_ID = "EXP1"
T = "2026-01-05 09:30:00"


def _trailer(user: str = "U1") -> dict[str, str]:
    return {"DateCreated": T, "DateUpdated": T, "UserID": user, "ExportID": EXPORT_ID}


def source_files() -> dict[str, list[dict[str, str]]]:
    """A small valid FY2026 export from another HMIS: one project, two clients, a household."""
    return {
        "Export": [
            {
                "ExportID": EXPORT_ID,
                "SourceType": "1",
                "SourceID": "CT-505",
                "SourceName": "Old HMIS",
                "ExportDate": T,
                "ExportStartDate": "2025-10-01",
                "ExportEndDate": "2026-01-31",
                "SoftwareName": "OldSoft",
                "CSVVersion": "2026 v1.3",
                "ExportPeriodType": "3",
                "ExportDirective": "2",
                "HashStatus": "1",
                "ImplementationID": "oldsoft-ct",
            }
        ],
        "Organization": [
            {
                "OrganizationID": "O1",
                "OrganizationName": "Old Org",
                "VictimServiceProvider": "0",
                **_trailer(),
            }
        ],
        "User": [
            {
                "UserID": "U1",
                "UserFirstName": "Ann",
                "UserLastName": "Lee",
                "DateCreated": T,
                "DateUpdated": T,
                "ExportID": EXPORT_ID,
            }
        ],
        "Project": [
            {
                "ProjectID": "P1",
                "OrganizationID": "O1",
                "ProjectName": "Old Shelter",
                "OperatingStartDate": "2019-01-01",
                "ContinuumProject": "1",
                "ProjectType": "0",
                **_trailer(),
            }
        ],
        "ProjectCoC": [
            {"ProjectCoCID": "PC1", "ProjectID": "P1", "CoCCode": "CT-505", **_trailer()}
        ],
        "Client": [
            {
                "PersonalID": "C1",
                "FirstName": "Maria",
                "LastName": "Lopez",
                "NameDataQuality": "1",
                "SSN": "123-45-6789",
                "SSNDataQuality": "1",
                "DOB": "1985-06-01",
                "DOBDataQuality": "1",
                "Sex": "0",
                "AmIndAKNative": "0",
                "Asian": "0",
                "BlackAfAmerican": "0",
                "HispanicLatinao": "1",
                "MidEastNAfrican": "0",
                "NativeHIPacific": "0",
                "White": "0",
                "VeteranStatus": "0",
                **_trailer(),
            },
            {
                "PersonalID": "C2",
                "FirstName": "Lucía",
                "LastName": "Lopez",
                "NameDataQuality": "1",
                "SSNDataQuality": "99",
                "DOB": "2015-03-02",
                "DOBDataQuality": "1",
                "AmIndAKNative": "0",
                "Asian": "0",
                "BlackAfAmerican": "0",
                "HispanicLatinao": "1",
                "MidEastNAfrican": "0",
                "NativeHIPacific": "0",
                "White": "0",
                "VeteranStatus": "99",
                **_trailer(),
            },
        ],
        "Enrollment": [
            {
                "EnrollmentID": "E1",
                "PersonalID": "C1",
                "ProjectID": "P1",
                "EntryDate": "2025-12-01",
                "HouseholdID": "H1",
                "RelationshipToHoH": "1",
                "EnrollmentCoC": "CT-505",
                "LivingSituation": "116",
                "DisablingCondition": "1",
                **_trailer(),
            },
            {
                "EnrollmentID": "E2",
                "PersonalID": "C2",
                "ProjectID": "P1",
                "EntryDate": "2025-12-01",
                "HouseholdID": "H1",
                "RelationshipToHoH": "2",
                "DisablingCondition": "0",
                **_trailer(),
            },
        ],
        "Exit": [
            {
                "ExitID": "X1",
                "EnrollmentID": "E2",
                "PersonalID": "C2",
                "ExitDate": "2026-01-10",
                "Destination": "410",
                **_trailer(),
            }
        ],
        "Services": [
            {
                "ServicesID": "S1",
                "EnrollmentID": "E1",
                "PersonalID": "C1",
                "DateProvided": "2025-12-02",
                "RecordType": "200",
                "TypeProvided": "200",
                **_trailer(),
            }
        ],
        "IncomeBenefits": [
            {
                "IncomeBenefitsID": "I1",
                "EnrollmentID": "E1",
                "PersonalID": "C1",
                "InformationDate": "2025-12-01",
                "IncomeFromAnySource": "1",
                "TotalMonthlyIncome": "850",
                "Earned": "1",
                "EarnedAmount": "850",
                "SSI": "0",
                "DataCollectionStage": "1",
                **_trailer(),
            }
        ],
        "Disabilities": [
            {
                "DisabilitiesID": "D1",
                "EnrollmentID": "E1",
                "PersonalID": "C1",
                "InformationDate": "2025-12-01",
                "DisabilityType": "5",
                "DisabilityResponse": "1",
                "IndefiniteAndImpairs": "1",
                "DataCollectionStage": "1",
                **_trailer(),
            }
        ],
        "HealthAndDV": [
            {
                "HealthAndDVID": "HD1",
                "EnrollmentID": "E1",
                "PersonalID": "C1",
                "InformationDate": "2025-12-01",
                "DomesticViolenceSurvivor": "0",
                "DataCollectionStage": "1",
                **_trailer(),
            }
        ],
    }


@pytest.fixture
async def agency(app: object) -> Agency:
    agency = await make_agency("New Agency", coc="CT-505")
    await make_user("newhdc", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    return agency


async def run_import(path: Path, agency: Agency, **kwargs: Any) -> Any:
    return await import_hud_csv(
        path, agency_id=agency.id, username=None, now=START, tz=TZ, **kwargs
    )


async def _nothing_written() -> None:
    for model in (
        Client,
        ConsentToEnter,
        Enrollment,
        Exit,
        Service,
        IncomeBenefits,
        Disability,
        HealthAndDv,
    ):
        assert await model.all().count() == 0, model
    assert not await Project.filter(source_system__isnull=False).exists()
    assert not await AuditEvent.exists()


async def refused(path: Path, agency: Agency) -> list[Problem]:
    with pytest.raises(ImportRefused) as caught:
        await run_import(path, agency)
    await _nothing_written()
    return caught.value.problems


# --- a good file -----------------------------------------------------------------------------------


async def test_a_valid_export_is_imported_with_source_ids_and_imported_consent(
    agency: Agency, tmp_path: Path
) -> None:
    result = await run_import(write_zip(tmp_path / "ok.zip", source_files()), agency)
    # every file Hearth writes is counted, zero or not
    assert {f: n for f, n in result.created.items() if n} == {
        "User": 1,
        "Project": 1,
        "ProjectCoC": 1,
        "Client": 2,
        "Enrollment": 2,
        "Exit": 1,
        "Services": 1,
        "IncomeBenefits": 1,
        "Disabilities": 1,
        "HealthAndDV": 1,
    }
    assert set(result.created) == set(FILES) - {"Export", "Organization"}
    maria = await Client.get(source_id="C1")
    assert (maria.first_name, maria.ssn, maria.ssn_last_four, maria.source_system) == (
        "Maria",
        "123456789",
        "6789",
        "oldsoft-ct",
    )
    assert maria.created_by_agency_id == agency.id  # type: ignore[attr-defined]
    assert (await Client.get(source_id="C2")).first_name == "Lucía"
    project = await Project.get(source_id="P1")
    assert (project.agency_id, project.name, project.coc_code) == (
        agency.id,
        "Old Shelter",
        "CT-505",
    )  # type: ignore[attr-defined]
    e1 = await Enrollment.get(source_id="E1")
    assert (e1.client_id, e1.project_id, e1.household_id, e1.living_situation) == (
        maria.id,
        project.id,
        "H1",
        116,
    )  # type: ignore[attr-defined]
    income = await IncomeBenefits.get(source_id="I1")
    assert (income.earned, income.earned_amount, income.ssi) == (1, Decimal("850.00"), 0)
    consent = await ConsentToEnter.get(client=maria)
    assert consent.agency_id == agency.id  # type: ignore[attr-defined]
    assert consent.source == "Imported from OldSoft (HUD CSV, implementation oldsoft-ct)"
    assert consent.evidence_reference == "HUD CSV export EXP1"
    # datetimes are local time in Connecticut
    assert maria.created_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S") == T
    # audited: a CREATE per client and one for the import
    assert await AuditEvent.filter(action=AuditAction.CREATE, entity_type="Client").count() == 2
    (row,) = await AuditEvent.filter(entity_type="HudCsvImport")
    assert "created:Client:2" in row.fields_touched


async def test_reimporting_the_same_file_creates_nothing_new(
    agency: Agency, tmp_path: Path
) -> None:
    path = write_zip(tmp_path / "ok.zip", source_files())
    await run_import(path, agency)
    again = await run_import(path, agency)
    assert set(again.created.values()) == {0}
    assert await Client.all().count() == 2
    assert await Service.all().count() == 1
    assert await ConsentToEnter.all().count() == 2
    # a file with one more service adds just that
    files = source_files()
    files["Services"].append(
        {**files["Services"][0], "ServicesID": "S2", "DateProvided": "2025-12-03"}
    )
    more = await run_import(write_zip(tmp_path / "more.zip", files), agency)
    assert more.created["Services"] == 1
    assert more.created["Client"] == 0


async def test_lenient_dates_bom_and_quoting_are_accepted(agency: Agency, tmp_path: Path) -> None:
    files = source_files()
    files["Client"][0]["DOB"] = "06/21/1985"
    files["Client"][1]["DOB"] = (
        "02-Mar-15"  # a 2-digit year in the future is the previous century... not here
    )
    # 12-01 alone could be either; the column's 12-13 says month first
    files["Enrollment"][0]["EntryDate"] = "12-01-2025"
    files["Enrollment"][1]["EntryDate"] = "12-13-2025"
    files["Enrollment"][0]["DateCreated"] = "2026-01-05T09:30"
    path = tmp_path / "bom.zip"
    write_zip(path, files, encoding="utf-8-sig")
    await run_import(path, agency)
    assert (await Client.get(source_id="C1")).dob.isoformat() == "1985-06-21"
    assert (await Client.get(source_id="C2")).dob.isoformat() == "2015-03-02"
    assert (await Enrollment.get(source_id="E1")).entry_date.isoformat() == "2025-12-01"


def test_the_date_parser_is_lenient_on_import() -> None:
    today = START.date()
    assert parse_date("2026-03-01", today).isoformat() == "2026-03-01"  # type: ignore[union-attr]
    assert parse_date("3/1/2026", today).isoformat() == "2026-03-01"  # type: ignore[union-attr]
    assert parse_date("01-Mar-2026", today).isoformat() == "2026-03-01"  # type: ignore[union-attr]
    assert parse_date("1/2/45", today).isoformat() == "1945-01-02"  # type: ignore[union-attr]
    assert parse_date("2026-02-30", today) is None
    assert parse_date("yesterday", today) is None
    assert parse_datetime("2026-03-01 7:05", today, TZ).hour == 7  # type: ignore[union-attr]
    assert parse_datetime("2026-03-01 25:00", today, TZ) is None


async def test_fy2024_files_are_accepted(agency: Agency, tmp_path: Path) -> None:
    files = source_files()
    files["Export"][0]["CSVVersion"] = "2024 v1.2"
    path = write_zip(
        tmp_path / "fy24.zip",
        files,
        drop_columns={"Client": {"Sex"}, "Enrollment": {"MentalHealthConsultation"}},
        rename={"Client": {"HispanicLatinao": "HispanicLatinaeo"}},
    )
    await run_import(path, agency)
    maria = await Client.get(source_id="C1")
    assert (maria.hispanic_latinao, maria.sex) == (1, None)


async def test_header_columns_are_read_by_name_in_any_order_and_case(
    agency: Agency, tmp_path: Path
) -> None:
    files = source_files()
    path = write_zip(
        tmp_path / "case.zip",
        files,
        rename={"Exit": {"WorkplaceViolenceThreats": "WorkPlaceViolenceThreats"}},
    )
    await run_import(path, agency)
    assert await Exit.all().count() == 1


# --- bad input: refused with every problem, nothing written --------------------------------------


async def test_not_a_zip(agency: Agency, tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_text("PersonalID,FirstName\n1,Ann\n")
    (problem,) = await refused(path, agency)
    assert problem.message.startswith("not a zip archive")


async def test_missing_files_are_listed(agency: Agency, tmp_path: Path) -> None:
    only = (
        "Export",
        "Organization",
        "User",
        "Project",
        "ProjectCoC",
        "Client",
        "Exit",
        "Services",
        "IncomeBenefits",
        "HealthAndDV",
    )
    problems = await refused(write_zip(tmp_path / "m.zip", source_files(), only=only), agency)
    assert {(p.file, p.message) for p in problems} >= {
        ("Enrollment.csv", "missing from the zip"),
        ("Disabilities.csv", "missing from the zip"),
    }


async def test_files_in_a_folder_are_refused(agency: Agency, tmp_path: Path) -> None:
    inner = write_zip(tmp_path / "inner.zip", source_files())
    path = tmp_path / "nested.zip"
    with zipfile.ZipFile(inner) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            dst.writestr(f"export/{name}", src.read(name))
    problems = await refused(path, agency)
    assert any("zip's root" in p.message for p in problems)


async def test_a_missing_column(agency: Agency, tmp_path: Path) -> None:
    problems = await refused(
        write_zip(tmp_path / "c.zip", source_files(), drop_columns={"Client": {"DOBDataQuality"}}),
        agency,
    )
    assert (problems[0].file, problems[0].row, problems[0].column) == (
        "Client.csv",
        1,
        "DOBDataQuality",
    )
    assert problems[0].message == "column missing from the header row"


async def test_unparseable_dates_and_bad_types_are_each_reported(
    agency: Agency, tmp_path: Path
) -> None:
    files = source_files()
    files["Client"][1]["DOB"] = "31/31/2015"
    files["Enrollment"][0]["EntryDate"] = "soon"
    files["Services"][0]["RecordType"] = "two hundred"
    files["Client"][0]["DateCreated"] = "2026-13-01 10:00:00"
    problems = await refused(write_zip(tmp_path / "d.zip", files), agency)
    where = {(p.file, p.row, p.column) for p in problems}
    assert where == {
        ("Client.csv", 3, "DOB"),
        ("Client.csv", 2, "DateCreated"),
        ("Enrollment.csv", 2, "EntryDate"),
        ("Services.csv", 2, "RecordType"),
    }


async def test_an_enrollment_pointing_at_a_missing_client(agency: Agency, tmp_path: Path) -> None:
    files = source_files()
    files["Enrollment"][1]["PersonalID"] = "C9"
    (problem,) = await refused(write_zip(tmp_path / "fk.zip", files), agency)
    assert (problem.file, problem.row, problem.column) == ("Enrollment.csv", 3, "PersonalID")
    assert "no Client" in problem.message


async def test_duplicate_ids_and_an_export_id_mismatch(agency: Agency, tmp_path: Path) -> None:
    files = source_files()
    files["Services"].append(dict(files["Services"][0]))
    files["Disabilities"][0]["ExportID"] = "OTHER"
    problems = await refused(write_zip(tmp_path / "dup.zip", files), agency)
    assert {(p.file, p.row, p.column) for p in problems} == {
        ("Services.csv", 3, "ServicesID"),
        ("Disabilities.csv", 2, "ExportID"),
    }


async def test_a_required_blank_and_a_too_long_value(agency: Agency, tmp_path: Path) -> None:
    files = source_files()
    files["Enrollment"][0]["RelationshipToHoH"] = ""
    files["Client"][0]["FirstName"] = "A" * 51
    problems = await refused(write_zip(tmp_path / "n.zip", files), agency)
    assert {(p.file, p.column) for p in problems} == {
        ("Enrollment.csv", "RelationshipToHoH"),
        ("Client.csv", "FirstName"),
    }


async def test_a_foreign_encoding_is_refused(agency: Agency, tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "latin.zip", source_files(), encoding="cp1252"
    )  # Lucía's í is not UTF-8
    problems = await refused(path, agency)
    assert [(p.file, p.row) for p in problems] == [("Client.csv", 3)]
    assert "UTF-8" in problems[0].message


async def test_utf16_with_a_bom_is_read(agency: Agency, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "u16.zip", source_files(), encoding="utf-16")
    with zipfile.ZipFile(path) as archive:
        assert archive.read("Client.csv").startswith(codecs.BOM_UTF16_LE)
    await run_import(path, agency)
    assert await Client.filter(first_name="Lucía").exists()


async def test_a_hashed_export_cannot_be_imported(agency: Agency, tmp_path: Path) -> None:
    files = source_files()
    files["Export"][0]["HashStatus"] = "4"
    (problem,) = await refused(write_zip(tmp_path / "h.zip", files), agency)
    assert (problem.file, problem.column) == ("Export.csv", "HashStatus")


async def test_a_project_name_taken_in_the_agency_refuses_everything(
    agency: Agency, tmp_path: Path
) -> None:
    from datetime import date

    await Project.create(
        agency=agency,
        name="Old Shelter",
        project_type=1,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-505",
    )
    problems = await refused(write_zip(tmp_path / "p.zip", source_files()), agency)
    assert [(p.file, p.row, p.column) for p in problems] == [("Project.csv", 2, "ProjectName")]


async def test_a_victim_service_provider_imports_no_client_data(
    app: object, tmp_path: Path
) -> None:
    vsp = await make_agency("Safe Haven", victim_service_provider=True)
    with pytest.raises(Forbidden):
        await run_import(write_zip(tmp_path / "v.zip", source_files()), vsp)


async def test_an_agency_without_an_hdc_must_name_the_importing_user(
    app: object, tmp_path: Path
) -> None:
    agency = await make_agency("No HDC")
    with pytest.raises(ValidationFailed):
        await run_import(write_zip(tmp_path / "v.zip", source_files()), agency)


async def test_the_imported_consent_shows_its_source_through_the_api(
    agency: Agency, tmp_path: Path, api: Api
) -> None:
    await run_import(write_zip(tmp_path / "ok.zip", source_files()), agency)
    maria = await Client.get(source_id="C1")
    token = await api.sign_in(await User.get(username="newhdc"))
    seen = (
        await api.ok(
            "query($id: ID!) { client(id: $id) { firstName consents { kind source } } }",
            {"id": str(maria.id)},
            token,
        )
    )["client"]
    assert seen["firstName"] == "Maria"
    assert seen["consents"] == [
        {"kind": "WRITTEN", "source": "Imported from OldSoft (HUD CSV, implementation oldsoft-ct)"}
    ]
