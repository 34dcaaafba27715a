"""Round trip: export, import into a database emptied of client data, export again: the same
files apart from the export's own id and date."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tortoise.connection import get_connection

from models.clients import Client, ConsentToEnter
from models.coordinated_entry import (
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    CurrentLivingSituation,
    Event,
)
from models.enrollments import EmploymentEducation, Enrollment, Exit, YouthEducationStatus
from models.project_data import CeParticipation, Funder, HmisParticipation, Inventory, ProjectCoc
from services.hudcsv.columns import FILES
from services.hudcsv.importer import import_hud_csv
from tests.authz.client_world import add_client, add_enrollment, build_world, make_role_user
from tests.conftest import START
from tests.factories import truncation
from tests.hudcsv.support import TZ, export_as, read_zip

CLIENT_TABLES = (
    "assessment_question, assessment_result, assessment, ce_event, current_living_situation, "
    "employment_education, youth_education_status, audit_event, case_note_deletion_request, case_note, client_annotation, release_recipient, release_of_information, "
    "health_and_dv, disability, income_benefits, service, enrollment_exit, enrollment, consent_to_enter, client"
)


PROJECT_TABLES = (
    "project_coc",
    "funder",
    "inventory",
    "affiliation",
    "hmis_participation",
    "ce_participation",
)


async def _newer_records(world: Any, e1: Enrollment) -> None:
    by = {"created_by_user": world.writer_a, "created_at": START}
    day = e1.entry_date
    assessment = await Assessment.create(
        enrollment=e1, assessment_date=day, assessment_location="Desk", assessment_type=1, **by
    )
    await AssessmentQuestion.create(
        assessment=assessment,
        enrollment=e1,
        assessment_question_order=1,
        assessment_question="Where did you sleep?",
        assessment_answer="Car, then a friend's",
        **by,
    )
    await AssessmentResult.create(
        assessment=assessment,
        enrollment=e1,
        assessment_result_type="Score",
        assessment_result="11",
        **by,
    )
    await Event.create(enrollment=e1, event_date=day, event=1, referral_result=1, **by)
    await CurrentLivingSituation.create(
        enrollment=e1, information_date=day, current_living_situation=116, **by
    )
    await EmploymentEducation.create(
        enrollment=e1, information_date=day, employed=1, data_collection_stage=1, **by
    )
    await YouthEducationStatus.create(
        enrollment=e1, information_date=day, current_school_attend=0, data_collection_stage=1, **by
    )
    project = world.project_a
    await ProjectCoc.create(project=project, coc_code=project.coc_code, zip="06511", **by)
    await Funder.create(project=project, funder=2, grant_id="CT01", start_date=day, **by)
    await Inventory.create(
        project=project,
        household_type=1,
        unit_inventory=4,
        bed_inventory=4,
        inventory_start_date=day,
        **by,
    )
    await CeParticipation.create(
        project=project,
        access_point=1,
        receives_referrals=1,
        ce_participation_status_start_date=day,
        **by,
    )
    await HmisParticipation.create(
        project=project,
        hmis_participation_type=1,
        hmis_participation_status_start_date=day,
        **by,
    )


def _without_export_identity(
    files: dict[str, list[dict[str, str]]],
) -> dict[str, list[dict[str, str]]]:
    result = {}
    for name, rows in files.items():
        drop = {"ExportID", "ExportDate"} if name == "Export" else {"ExportID"}
        result[name] = [{k: v for k, v in row.items() if k not in drop} for row in rows]
    return result


async def test_export_import_export_gives_the_same_files(app: object, tmp_path: Path) -> None:
    # given agency A's records: Rosa (all record kinds, Part 2 included) and a household of two
    # with an exit, odd characters and a partial SSN
    world = await build_world()
    mother = await add_client(
        world,
        first_name="Ana María",
        last_name="O'Neil, Jr",
        ssn="xxxxx4321",
        ssn_data_quality=2,
        race_none=99,
        veteran_status=99,
    )
    child = await add_client(world, first_name="Lu", last_name="O'Neil")
    e1 = await add_enrollment(mother, world.project_a, world.writer_a, disabilities=(6,))
    e2 = await add_enrollment(child, world.project_a, world.writer_a, disabilities=())
    e2.household_id = e1.household_id
    e2.relationship_to_hoh = 2
    await e2.save()
    await Exit.create(
        enrollment=e2,
        exit_date=date(2026, 3, 1),
        destination=410,
        other_destination='with "aunt"',
        created_by_user=world.writer_a,
        created_at=START,
    )
    # and a record of every newer kind: coordinated entry, education, the project's data
    await _newer_records(world, e1)
    hdc = await make_role_user(world, "HDC@A")
    first = await export_as(hdc, f"agency:{world.a.id}", tmp_path / "first.zip")
    before = read_zip(first.path)
    assert len(before["Client"]) == 3
    assert len(before["Exit"]) == 1
    assert all(before[file] for file in FILES if file != "Affiliation"), "a file without rows"
    # when the client data is gone (users, agencies and projects stay) and the file comes back in
    await get_connection("default").execute_script(
        truncation([*CLIENT_TABLES.split(","), *PROJECT_TABLES])
    )
    assert await Client.all().count() == 0
    result = await import_hud_csv(
        first.path, agency_id=world.a.id, username=hdc.username, now=START, tz=TZ
    )
    assert result.created["Client"] == 3
    assert result.created["Project"] == 0  # the project is still there, under the same id
    # then exporting again gives the same files, apart from the export's own id and date
    second = await export_as(hdc, f"agency:{world.a.id}", tmp_path / "second.zip")
    after = read_zip(second.path)
    assert second.export_id != first.export_id
    for name in FILES:
        assert _without_export_identity(after)[name] == _without_export_identity(before)[name], name
    # the imported clients keep their Hearth ids and name their source
    rosa = await Client.get(id=world.rosa.id)
    assert (rosa.source_system, rosa.source_id) == ("hearth-test", world.rosa.id.hex)
    assert (
        await ConsentToEnter.get(client=rosa)
    ).source == "Imported from Hearth (HUD CSV, implementation hearth-test)"
    # and importing it once more changes nothing
    again = await import_hud_csv(
        first.path, agency_id=world.a.id, username=hdc.username, now=START, tz=TZ
    )
    assert set(again.created.values()) == {0}
