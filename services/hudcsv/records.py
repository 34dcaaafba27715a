"""The HUD CSV files of records below an enrollment or a project, declared once for the export
and the import: each file's model, id column, row order and the columns that point at another
record (an assessment's questions at the assessment, an affiliation at its residential
project). Their element columns come from the element registry (``services.hudcsv.elements``).
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.models import Model

from models.coordinated_entry import (
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    CurrentLivingSituation,
    Event,
)
from models.enrollments import (
    Disability,
    EmploymentEducation,
    Exit,
    HealthAndDv,
    IncomeBenefits,
    Service,
    YouthEducationStatus,
)
from models.project_data import (
    Affiliation,
    CeParticipation,
    Funder,
    HmisParticipation,
    Inventory,
    ProjectCoc,
)

__all__ = ["ENROLLMENT_RECORDS", "PROJECT_RECORDS", "Link", "RecordFile"]


@dataclass(frozen=True, slots=True)
class Link:
    """A column naming another record: its HUD column, the model's field, the file it is in."""

    column: str
    field: str
    file: str


@dataclass(frozen=True, slots=True)
class RecordFile:
    file: str
    model: type[Model]
    key: str  # the file's id column
    order: tuple[str, ...]  # the export's row order (within the enrollment's or project's)
    links: tuple[Link, ...] = ()


def _dated(file: str, model: type[Model], key: str, date_field: str) -> RecordFile:
    return RecordFile(file, model, key, ("enrollment_id", date_field, "id"))


_ASSESSMENT = (Link("AssessmentID", "assessment_id", "Assessment"),)

# An enrollment's files, in the order the import writes them (a file before those pointing at it).
ENROLLMENT_RECORDS: tuple[RecordFile, ...] = (
    RecordFile("Exit", Exit, "ExitID", ("enrollment_id",)),
    _dated("Services", Service, "ServicesID", "date_provided"),
    _dated("IncomeBenefits", IncomeBenefits, "IncomeBenefitsID", "information_date"),
    _dated("Disabilities", Disability, "DisabilitiesID", "information_date"),
    _dated("HealthAndDV", HealthAndDv, "HealthAndDVID", "information_date"),
    _dated("EmploymentEducation", EmploymentEducation, "EmploymentEducationID", "information_date"),
    _dated(
        "YouthEducationStatus", YouthEducationStatus, "YouthEducationStatusID", "information_date"
    ),
    _dated(
        "CurrentLivingSituation", CurrentLivingSituation, "CurrentLivingSitID", "information_date"
    ),
    _dated("Assessment", Assessment, "AssessmentID", "assessment_date"),
    RecordFile(
        "AssessmentQuestions",
        AssessmentQuestion,
        "AssessmentQuestionID",
        ("enrollment_id", "assessment_id", "assessment_question_order", "id"),
        _ASSESSMENT,
    ),
    RecordFile(
        "AssessmentResults",
        AssessmentResult,
        "AssessmentResultID",
        ("enrollment_id", "assessment_id", "id"),
        _ASSESSMENT,
    ),
    _dated("Event", Event, "EventID", "event_date"),
)

# A project's files beyond Project.csv, in the order the import writes them.
PROJECT_RECORDS: tuple[RecordFile, ...] = (
    RecordFile("ProjectCoC", ProjectCoc, "ProjectCoCID", ("project_id", "id")),
    RecordFile("Funder", Funder, "FunderID", ("project_id", "start_date", "id")),
    RecordFile("Inventory", Inventory, "InventoryID", ("project_id", "inventory_start_date", "id")),
    RecordFile(
        "Affiliation",
        Affiliation,
        "AffiliationID",
        ("project_id", "id"),
        (Link("ResProjectID", "res_project_id", "Project"),),
    ),
    RecordFile(
        "HMISParticipation",
        HmisParticipation,
        "HMISParticipationID",
        ("project_id", "hmis_participation_status_start_date", "id"),
    ),
    RecordFile(
        "CEParticipation",
        CeParticipation,
        "CEParticipationID",
        ("project_id", "ce_participation_status_start_date", "id"),
    ),
)
