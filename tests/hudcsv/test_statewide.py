"""A statewide HUD CSV migration: organizations mapped to agencies, one client per person, source
users kept as records that can never sign in, a dry run, and a later export's updates and
deletions."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from tortoise.exceptions import IntegrityError
from typer.testing import CliRunner

from api.identity.oidc.mapping import OidcIdentity
from models.audit import AuditEvent
from models.clients import Client, ConsentToEnter
from models.coordinated_entry import Assessment, AssessmentQuestion
from models.enrollments import Enrollment, Exit, Service
from models.enums import AuditAction, Duty, SystemRole, UserStatus
from models.governance import Agency, Project
from models.project_data import Funder, Inventory
from models.users import User
from services.errors import Unauthenticated
from services.hudcsv.importer import ImportRefused, import_hud_csv
from services.hudcsv.organizations import OrganizationMap
from tests.api.helpers import INVITE, LOGIN
from tests.conftest import START
from tests.factories import Api, make_agency, make_user
from tests.hudcsv.support import TZ, write_zip
from tests.hudcsv.test_cli import _cli
from tests.hudcsv.test_import import EXPORT_ID, T, source_files

LATER = "2026-02-01 08:00:00"


def statewide() -> dict[str, list[dict[str, str]]]:
    """The small export with a second organization, its project, and Maria enrolled there too,
    with a third client only there."""
    files = source_files()
    trailer = {"DateCreated": LATER, "DateUpdated": LATER, "UserID": "U2", "ExportID": EXPORT_ID}
    files["Organization"].append(
        {
            "OrganizationID": "O2",
            "OrganizationName": "Second Org",
            "VictimServiceProvider": "0",
            **trailer,
        }
    )
    files["User"].append(
        {
            "UserID": "U2",
            "UserFirstName": "Bo",
            "UserLastName": "Ng",
            "DateCreated": LATER,
            "DateUpdated": LATER,
            "ExportID": EXPORT_ID,
        }
    )
    files["Project"].append(
        {
            **files["Project"][0],
            "ProjectID": "P2",
            "OrganizationID": "O2",
            "ProjectName": "Harbor RRH",
            "ProjectType": "13",
            **trailer,
        }
    )
    files["ProjectCoC"].append(
        {"ProjectCoCID": "PC2", "ProjectID": "P2", "CoCCode": "CT-505", **trailer}
    )
    files["Client"].append(
        {
            **files["Client"][1],
            "PersonalID": "C3",
            "FirstName": "Ana",
            "LastName": "Ruiz",
            **trailer,
        }
    )
    files["Enrollment"] += [
        {
            **files["Enrollment"][0],
            "EnrollmentID": "E3",
            "ProjectID": "P2",
            "HouseholdID": "H3",
            "EntryDate": "2026-01-20",
            **trailer,
        },
        {
            **files["Enrollment"][1],
            "EnrollmentID": "E4",
            "PersonalID": "C3",
            "ProjectID": "P2",
            "HouseholdID": "H4",
            "RelationshipToHoH": "1",
            **trailer,
        },
    ]
    return files


@pytest.fixture
async def first(app: object) -> Agency:
    agency = await make_agency("First Agency", coc="CT-505")
    await make_user("importer", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    return agency


async def _import(path: Path, **kwargs: Any) -> Any:
    return await import_hud_csv(path, username="importer", now=START, tz=TZ, **kwargs)


async def test_a_statewide_file_makes_one_client_per_person(first: Agency, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "state.zip", statewide())
    result = await _import(path, organizations=OrganizationMap({"O1": first.id}, create=True))
    # one client per PersonalID: Maria is enrolled by both organizations
    assert result.created["Client"] == 3
    assert await Client.all().count() == 3
    assert result.agencies_created == {"O2": "Second Org"}
    second = await Agency.get(name="Second Org")
    # created from the Organization row, its MOU still to be recorded
    assert (second.source_id, second.mou_signed_on, second.coc_id) == ("O2", None, first.coc_id)
    assert await Project.get(source_id="P2", agency_id=second.id)
    maria = await Client.get(source_id="C1")
    assert maria.created_by_agency_id == first.id  # type: ignore[attr-defined]
    consents = {
        (c.agency_id, c.relationship)  # type: ignore[attr-defined]
        for c in await ConsentToEnter.filter(client=maria)
    }
    assert consents == {(first.id, None), (second.id, "ENROLLMENT")}
    e3 = await Enrollment.get(source_id="E3")
    assert (e3.client_id, e3.agency_id) == (maria.id, second.id)  # type: ignore[attr-defined]
    ana = await Client.get(source_id="C3")
    assert ana.created_by_agency_id == second.id  # type: ignore[attr-defined]
    # the second agency's consent is audited as a second agency's (the User Access Report's flag)
    (row,) = await AuditEvent.filter(entity_type="ConsentToEnter")
    assert (row.client_id, row.agency_id) == (maria.id, second.id)
    assert "secondAgency" in row.fields_touched
    # and the same file again: nothing new, nothing changed
    again = await _import(path, organizations=OrganizationMap({"O1": first.id}))
    assert sum(again.created.values()) == 0
    assert again.updated == again.deleted == {}
    assert await ConsentToEnter.all().count() == 4


async def test_an_organization_without_an_agency_is_refused(first: Agency, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "state.zip", statewide())
    with pytest.raises(ImportRefused) as caught:
        await _import(path, organizations=OrganizationMap({"O1": first.id}))
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("Organization.csv", 3, "OrganizationID")
    assert "--create-agencies" in problem.message
    assert await Client.all().count() == 0
    assert not await Agency.filter(name="Second Org").exists()


async def test_one_personal_id_with_two_names_is_refused_not_merged(
    first: Agency, tmp_path: Path
) -> None:
    files = statewide()
    # the same person exported twice (by each organization): one client
    files["Client"].append(dict(files["Client"][0]))
    path = write_zip(tmp_path / "same.zip", files)
    await _import(path, organizations=OrganizationMap({"O1": first.id}, create=True))
    assert await Client.filter(source_id="C1").count() == 1
    # another name under the same id: refused with its row
    files["Client"][-1]["FirstName"] = "Marta"
    with pytest.raises(ImportRefused) as caught:
        await _import(
            write_zip(tmp_path / "two.zip", files),
            organizations=OrganizationMap({"O1": first.id}, create=True),
        )
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("Client.csv", 5, "PersonalID")
    assert "also on row 2 with another name" in problem.message


async def test_a_dry_run_reports_and_writes_nothing(first: Agency, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "state.zip", statewide())
    result = await _import(
        path, organizations=OrganizationMap({"O1": first.id}, create=True), dry_run=True
    )
    assert result.dry_run
    assert (result.created["Client"], result.created["Enrollment"]) == (3, 4)
    assert result.agencies_created == {"O2": "Second Org"}
    assert await Client.all().count() == 0
    assert not await Agency.filter(name="Second Org").exists()
    assert not await User.filter(source_system__isnull=False).exists()
    assert not await AuditEvent.exists()
    # refused rows are reported by file
    files = statewide()
    files["Client"][0]["VeteranStatus"] = "7"
    with pytest.raises(ImportRefused) as caught:
        await _import(
            write_zip(tmp_path / "bad.zip", files),
            organizations=OrganizationMap({"O1": first.id}, create=True),
            dry_run=True,
        )
    assert caught.value.result is not None
    assert caught.value.result.refused == {"Client.csv": 1}


# --- provenance ------------------------------------------------------------------------------------


async def test_rows_keep_their_source_user_and_times(first: Agency, tmp_path: Path) -> None:
    files = source_files()
    files["Client"][0]["DateUpdated"] = "2026-01-06 10:00:00"
    await _import(write_zip(tmp_path / "ok.zip", files), agency_id=first.id)
    ann = await User.get(source_system="oldsoft-ct", source_id="U1")
    assert (ann.first_name, ann.last_name, ann.status) == ("Ann", "Lee", UserStatus.INACTIVE)
    assert (ann.password_hash, ann.totp_secret, ann.external_id) == (None, None, None)
    maria = await Client.get(source_id="C1")
    assert maria.created_by_user_id == ann.id  # type: ignore[attr-defined]
    local = "%Y-%m-%d %H:%M:%S"
    assert maria.created_at.astimezone(TZ).strftime(local) == "2026-01-05 09:30:00"
    assert maria.updated_at.astimezone(TZ).strftime(local) == "2026-01-06 10:00:00"
    assert (await Enrollment.get(source_id="E1")).created_by_user_id == ann.id  # type: ignore[attr-defined]
    assert (await Exit.get(source_id="X1")).created_by_user_id == ann.id  # type: ignore[attr-defined]


async def test_a_source_user_can_never_sign_in(first: Agency, tmp_path: Path, api: Api) -> None:
    await _import(write_zip(tmp_path / "ok.zip", source_files()), agency_id=first.id)
    ann = await User.get(source_id="U1")
    # password sign-in: refused like any wrong password
    assert (await api.error(LOGIN, {"u": ann.username, "p": "x"}))["code"] == "UNAUTHENTICATED"
    # an invitation (a password and an authenticator) is refused: the account is not active
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    refused = await api.error(INVITE, {"id": str(ann.id)}, await api.sign_in(admin))
    assert refused["code"] == "VALIDATION"
    # an OpenID Connect sign-in matches no source user, by e-mail or by external id
    for match, claims in (
        ("email", {"email": ann.email, "email_verified": True}),
        ("external_id", {"sub": "U1"}),
    ):
        identity = SimpleNamespace(
            settings=SimpleNamespace(oidc_user_match=match, oidc_external_id_claim="sub")
        )
        with pytest.raises(Unauthenticated):
            await OidcIdentity.map_user(identity, claims)  # type: ignore[arg-type]
    # the vendor's sync cannot claim the record: it never matches by name, and a username like
    # a source user's is not one it may send
    vendor = await api.sign_in(await make_user("vendor", roles=(SystemRole.VENDOR_SYNC,)))
    item = {"externalId": "U1", "username": ann.username, "email": "ann@example.org"}
    synced = (
        await api.ok(
            "mutation($i: [SyncUserInput!]!) { syncUsers(input: $i) { error { field } } }",
            {"i": [item]},
            vendor,
        )
    )["syncUsers"]
    assert synced == [{"error": {"field": "username"}}]
    # and whatever path tries, the database keeps the record inactive and without credentials
    for change in (
        {"status": UserStatus.ACTIVE},
        {"password_hash": "$argon2id$v=19$m=65536,t=3,p=4$x$y"},
        {"totp_secret": "JBSWY3DPEHPK3PXP"},
        {"external_id": "V-200"},
    ):
        with pytest.raises(IntegrityError):
            await User.filter(id=ann.id).update(**change)
    assert (await User.get(id=ann.id)).status == UserStatus.INACTIVE


# --- a later export ---------------------------------------------------------------------------------


async def test_a_later_export_updates_newer_rows_and_applies_deletions(
    first: Agency, tmp_path: Path
) -> None:
    files = source_files()
    await _import(write_zip(tmp_path / "first.zip", files), agency_id=first.id)
    maria = await Client.get(source_id="C1")
    e2 = await Enrollment.get(source_id="E2")
    later = copy.deepcopy(files)
    later["Client"][0] |= {"FirstName": "María", "DateUpdated": LATER}
    later["Client"][1] |= {"FirstName": "Lucy"}  # changed, but not newer: kept as it was
    later["Enrollment"][0] |= {"LivingSituation": "101", "DateUpdated": LATER}
    later["Services"][0] |= {"DateDeleted": LATER}
    later["Enrollment"][1] |= {"DateDeleted": LATER}  # with its exit
    later["Exit"][0] |= {"DateDeleted": LATER}
    path = write_zip(tmp_path / "later.zip", later)
    result = await _import(path, agency_id=first.id)
    assert result.updated == {"Client": 1, "Enrollment": 1}
    assert result.deleted == {"Exit": 1, "Services": 1, "Enrollment": 1}
    maria = await Client.get(id=maria.id)
    assert (maria.first_name, maria.version) == ("María", 2)
    assert maria.updated_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S") == LATER
    assert (await Client.get(source_id="C2")).first_name == "Lucía"
    assert (await Enrollment.get(source_id="E1")).living_situation == 101
    assert not await Enrollment.filter(id=e2.id).exists()
    assert not await Service.exists()
    assert not await Exit.exists()
    # audited: the update names the fields, never the values; each deletion its own row
    (update,) = await AuditEvent.filter(action=AuditAction.UPDATE, entity_type="Client")
    assert (update.client_id, set(update.fields_touched)) == (
        maria.id,
        {"hudCsvImport", "first_name"},
    )
    deleted = await AuditEvent.filter(action=AuditAction.DELETE).values_list(
        "entity_type", flat=True
    )
    assert sorted(deleted) == ["Enrollment", "Exit", "Service"]
    # idempotent: the same file again changes nothing
    again = await _import(path, agency_id=first.id)
    assert (again.updated, again.deleted, sum(again.created.values())) == ({}, {}, 0)
    assert await AuditEvent.filter(action__in=[AuditAction.UPDATE, AuditAction.DELETE]).count() == 5


async def test_a_deleted_client_is_kept_and_an_enrollment_with_hearth_records_too(
    first: Agency, tmp_path: Path
) -> None:
    files = source_files()
    await _import(write_zip(tmp_path / "first.zip", files), agency_id=first.id)
    e1 = await Enrollment.get(source_id="E1")
    hdc = await User.get(username="importer")
    await Service.create(
        enrollment=e1,
        date_provided=e1.entry_date + timedelta(days=3),
        record_type=200,
        type_provided=200,
        created_by_user=hdc,
        created_at=START,
    )
    later = copy.deepcopy(files)
    later["Client"][0] |= {"DateDeleted": LATER}
    later["Enrollment"][0] |= {"DateDeleted": LATER}
    result = await _import(write_zip(tmp_path / "later.zip", later), agency_id=first.id)
    assert result.kept == {"Client": 1, "Enrollment": 1}
    assert await Client.filter(source_id="C1").exists()
    assert await Enrollment.filter(id=e1.id).exists()


# --- bad input ---------------------------------------------------------------------------------------


async def test_bad_input_across_files_is_refused_with_where_and_why(
    first: Agency, tmp_path: Path
) -> None:
    files = source_files()
    trailer = {"DateCreated": LATER, "DateUpdated": LATER, "UserID": "U1", "ExportID": EXPORT_ID}
    files["Client"][0]["VeteranStatus"] = "7"
    files["Funder"] = [
        {
            "FunderID": "F1",
            "ProjectID": "P1",
            "Funder": "2",
            "StartDate": "2025-10-01",
            "EndDate": "2025-09-30",
            **trailer,
        }
    ]
    files["Inventory"] = [
        {
            "InventoryID": "I1",
            "ProjectID": "P9",
            "HouseholdType": "1",
            "UnitInventory": "4",
            "BedInventory": "4",
            "InventoryStartDate": "2025-10-01",
            **trailer,
        }
    ]
    files["Event"] = [
        {
            "EventID": "V1",
            "EnrollmentID": "E9",
            "PersonalID": "C1",
            "EventDate": "2025-12-05",
            "Event": "12",
            **trailer,
        }
    ]
    with pytest.raises(ImportRefused) as caught:
        await _import(write_zip(tmp_path / "bad.zip", files), agency_id=first.id)
    where = {(p.file, p.row, p.column): p.message for p in caught.value.problems}
    assert set(where) == {
        ("Client.csv", 2, "VeteranStatus"),
        ("Funder.csv", 2, "EndDate"),
        ("Inventory.csv", 2, "ProjectID"),
        ("Event.csv", 2, "EnrollmentID"),
    }
    assert "is not a code of HUD's list" in where[("Client.csv", 2, "VeteranStatus")]
    assert "ends (2025-09-30) before it starts (2025-10-01)" == where[("Funder.csv", 2, "EndDate")]
    assert where[("Inventory.csv", 2, "ProjectID")] == "no Project with id 'P9'"
    assert where[("Event.csv", 2, "EnrollmentID")] == "no Enrollment with id 'E9'"
    assert await Client.all().count() == 0


async def test_a_record_joined_to_another_persons_is_refused(first: Agency, tmp_path: Path) -> None:
    files = _with_new_files()
    # a service of Maria's enrollment that names Lucía, and a question of Maria's assessment
    # filed under Lucía's enrollment: either would join one person's record to another's
    files["Services"][0]["PersonalID"] = "C2"
    files["AssessmentQuestions"][1] |= {"EnrollmentID": "E2", "PersonalID": "C2"}
    with pytest.raises(ImportRefused) as caught:
        await _import(write_zip(tmp_path / "joined.zip", files), agency_id=first.id)
    where = {(p.file, p.row, p.column): p.message for p in caught.value.problems}
    assert where == {
        ("Services.csv", 2, "PersonalID"): "not the PersonalID of Enrollment 'E1'",
        ("AssessmentQuestions.csv", 3, "EnrollmentID"): "not the EnrollmentID of Assessment 'A1'",
    }
    assert await Client.all().count() == 0


# --- the command line ---------------------------------------------------------------------------------


async def test_the_command_line_maps_organizations_and_runs_dry(
    first: Agency, runner: CliRunner, tmp_path: Path
) -> None:
    path = write_zip(tmp_path / "state.zip", statewide())
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"OrganizationID,AgencyID\nO1,{first.id}\n")
    args = ("import", "hud-csv", str(path), "--mapping", str(mapping), "--create-agencies")
    dry = await _cli(runner, *args, "--user", "importer", "--dry-run")
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout)
    assert (report["dryRun"], report["created"]["Client"], report["refused"]) == (True, 3, {})
    assert await Client.all().count() == 0
    # without a user, a file for two agencies does not say whose import it is
    refused = await _cli(runner, *args)
    assert refused.exit_code == 2
    assert json.loads(refused.stderr.splitlines()[-1])["error"]["field"] == "user"
    done = await _cli(
        runner,
        "import",
        "hud-csv",
        str(path),
        "--map",
        f"O1={first.id}",
        "--create-agencies",
        "--user",
        "importer",
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["agenciesCreated"] == {"O2": "Second Org"}
    assert await Client.all().count() == 3
    # neither an agency nor a mapping: refused before anything is read
    none = await _cli(runner, "import", "hud-csv", str(path))
    assert none.exit_code == 2
    assert json.loads(none.stderr)["error"]["field"] == "agency"


# --- the newer files: coordinated entry, project records -----------------------------------------


def _with_new_files() -> dict[str, list[dict[str, str]]]:
    """The small export with an assessment (two questions, a result), a funder and a bed
    inventory, the last written by a second source user."""
    files = source_files()
    trailer = {"DateCreated": T, "DateUpdated": T, "UserID": "U1", "ExportID": EXPORT_ID}
    files["User"].append({**files["User"][0], "UserID": "U2", "UserFirstName": "Bo"})
    people = {"EnrollmentID": "E1", "PersonalID": "C1"}
    files["Assessment"] = [
        {
            "AssessmentID": "A1",
            **people,
            "AssessmentDate": "2025-12-02",
            "AssessmentLocation": "Front desk",
            "AssessmentType": "1",
            "AssessmentLevel": "1",
            "PrioritizationStatus": "1",
            **trailer,
        }
    ]
    question = {"AssessmentID": "A1", **people, "AssessmentQuestionGroup": "VI", **trailer}
    files["AssessmentQuestions"] = [
        {
            **question,
            "AssessmentQuestionID": "Q1",
            "AssessmentQuestionOrder": "1",
            "AssessmentQuestion": "Where did you sleep?",
            "AssessmentAnswer": "Car",
        },
        {
            **question,
            "AssessmentQuestionID": "Q2",
            "AssessmentQuestionOrder": "2",
            "AssessmentQuestion": "ER visits?",
            "AssessmentAnswer": "3",
        },
    ]
    files["AssessmentResults"] = [
        {
            "AssessmentResultID": "R1",
            "AssessmentID": "A1",
            **people,
            "AssessmentResultType": "VI-SPDAT",
            "AssessmentResult": "11",
            **trailer,
        }
    ]
    files["Funder"] = [
        {
            "FunderID": "F1",
            "ProjectID": "P1",
            "Funder": "2",
            "GrantID": "CT0001",
            "StartDate": "2025-07-01",
            **trailer,
        }
    ]
    files["Inventory"] = [
        {
            "InventoryID": "I1",
            "ProjectID": "P1",
            "CoCCode": "CT-505",
            "HouseholdType": "1",
            "Availability": "1",
            "UnitInventory": "10",
            "BedInventory": "10",
            "OtherBedInventory": "10",
            "ESBedType": "1",
            "InventoryStartDate": "2025-07-01",
            **trailer,
            "UserID": "U2",
        }
    ]
    return files


async def test_a_later_export_updates_and_deletes_the_newer_files_rows(
    first: Agency, tmp_path: Path
) -> None:
    files = _with_new_files()
    result = await _import(write_zip(tmp_path / "first.zip", files), agency_id=first.id)
    assert {f: result.created[f] for f in ("Assessment", "AssessmentQuestions", "Funder")} == {
        "Assessment": 1,
        "AssessmentQuestions": 2,
        "Funder": 1,
    }
    assessment = await Assessment.get(source_id="A1")
    # the questions and the result point at the assessment's Hearth id
    assert {q.assessment_id for q in await AssessmentQuestion.all()} == {assessment.id}  # type: ignore[attr-defined]
    bo = await User.get(source_id="U2")
    inventory = await Inventory.get(source_id="I1")
    assert (inventory.created_by_user_id, inventory.bed_inventory) == (bo.id, 10)  # type: ignore[attr-defined]
    # a later export: the assessment and the funder changed (by Bo), a question and the
    # inventory deleted
    later = copy.deepcopy(files)
    later["Assessment"][0] |= {"AssessmentLevel": "2", "DateUpdated": LATER, "UserID": "U2"}
    later["Funder"][0] |= {"GrantID": "CT0002", "DateUpdated": LATER, "UserID": "U2"}
    later["AssessmentQuestions"][1] |= {"DateDeleted": LATER}
    later["Inventory"][0] |= {"DateDeleted": LATER}
    path = write_zip(tmp_path / "later.zip", later)
    result = await _import(path, agency_id=first.id)
    assert result.updated == {"Assessment": 1, "Funder": 1}
    assert result.deleted == {"AssessmentQuestions": 1, "Inventory": 1}
    assessment = await Assessment.get(id=assessment.id)
    assert (assessment.assessment_level, assessment.updated_by_user_id) == (2, bo.id)  # type: ignore[attr-defined]
    assert assessment.updated_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S") == LATER
    funder = await Funder.get(source_id="F1")
    assert (funder.grant_id, funder.updated_by_user_id) == ("CT0002", bo.id)  # type: ignore[attr-defined]
    assert await AssessmentQuestion.filter(source_id="Q2").count() == 0
    assert await AssessmentQuestion.filter(source_id="Q1").count() == 1
    assert not await Inventory.exists()
    # audited as any other update and deletion
    audited = await AuditEvent.filter(
        action__in=[AuditAction.UPDATE, AuditAction.DELETE]
    ).values_list("action", "entity_type")
    assert sorted(audited) == sorted(
        [
            (AuditAction.UPDATE, "Assessment"),
            (AuditAction.UPDATE, "Funder"),
            (AuditAction.DELETE, "AssessmentQuestion"),
            (AuditAction.DELETE, "Inventory"),
        ]
    )
    # and idempotent
    again = await _import(path, agency_id=first.id)
    assert (again.updated, again.deleted, sum(again.created.values())) == ({}, {}, 0)


async def test_a_victim_service_providers_organization_brings_its_projects_not_clients(
    first: Agency, tmp_path: Path
) -> None:
    files = statewide()
    files["Organization"][1]["VictimServiceProvider"] = "1"
    # the organization deleted in the source before Hearth knew it is left out
    files["Organization"].append(
        {
            **files["Organization"][1],
            "OrganizationID": "O3",
            "OrganizationName": "Gone",
            "DateDeleted": LATER,
        }
    )
    # client data at the shelter's project: refused, with its rows
    with pytest.raises(ImportRefused) as caught:
        await _import(
            write_zip(tmp_path / "vsp.zip", files),
            organizations=OrganizationMap({"O1": first.id}, create=True),
        )
    assert {(p.file, p.column) for p in caught.value.problems} == {("Enrollment.csv", "ProjectID")}
    assert len(caught.value.problems) == 2
    # without it: the shelter's agency and project come in, flagged, with no client there
    files["Enrollment"] = [e for e in files["Enrollment"] if e["ProjectID"] != "P2"]
    files["Client"] = [c for c in files["Client"] if c["PersonalID"] != "C3"]
    result = await _import(
        write_zip(tmp_path / "vsp-ok.zip", files),
        organizations=OrganizationMap({"O1": first.id}, create=True),
    )
    assert result.agencies_created == {"O2": "Second Org"}
    shelter = await Agency.get(name="Second Org")
    assert shelter.victim_service_provider
    assert await Project.filter(agency_id=shelter.id, source_id="P2").exists()
    assert not await Enrollment.filter(agency_id=shelter.id).exists()
    assert not await Agency.filter(name="Gone").exists()


async def test_source_users_are_not_in_the_users_list(
    first: Agency, tmp_path: Path, api: Api
) -> None:
    await _import(write_zip(tmp_path / "ok.zip", source_files()), agency_id=first.id)
    admin = await make_user("admin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    names = (
        await api.ok("{ users(first: 100) { nodes { username } } }", {}, await api.sign_in(admin))
    )["users"]["nodes"]
    assert {n["username"] for n in names} == {"importer", "admin"}
    assert await User.filter(source_id="U1").exists()


async def test_a_later_export_renaming_a_project_to_a_taken_name_is_a_problem(
    first: Agency, tmp_path: Path
) -> None:
    files = source_files()
    await _import(write_zip(tmp_path / "first.zip", files), agency_id=first.id)
    await Project.create(
        agency=first,
        name="Taken",
        project_type=1,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-505",
    )
    later = copy.deepcopy(files)
    later["Project"][0] |= {"ProjectName": "Taken", "DateUpdated": LATER}
    with pytest.raises(ImportRefused) as caught:
        await _import(write_zip(tmp_path / "later.zip", later), agency_id=first.id)
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("Project.csv", 2, "ProjectName")
    # a rename to a free name is an update
    later["Project"][0]["ProjectName"] = "Renamed"
    result = await _import(write_zip(tmp_path / "free.zip", later), agency_id=first.id)
    assert result.updated == {"Project": 1}
    assert await Project.filter(source_id="P1", name="Renamed").exists()
