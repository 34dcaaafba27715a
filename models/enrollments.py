"""Enrollments and what is collected in them (HUD Enrollment, Exit, Services, IncomeBenefits,
Disabilities, HealthAndDV)."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import ReleaseCategory
from models.hud import codes
from models.hud.elements import element

if TYPE_CHECKING:
    from models.clients import Client
    from models.governance import Agency, Project
    from models.users import User

__all__ = [
    "INCOME_SOURCES",
    "Disability",
    "Enrollment",
    "Exit",
    "HealthAndDv",
    "IncomeBenefits",
    "Service",
]


# 4.02 income sources: each source's HUD CSV flag column and monthly amount column. Hearth keeps
# the sources marked yes, with their amounts, in IncomeBenefits.income_sources.
INCOME_SOURCES: dict[str, str] = {
    "Earned": "EarnedAmount",
    "Unemployment": "UnemploymentAmount",
    "SSI": "SSIAmount",
    "SSDI": "SSDIAmount",
    "VADisabilityService": "VADisabilityServiceAmount",
    "VADisabilityNonService": "VADisabilityNonServiceAmount",
    "PrivateDisability": "PrivateDisabilityAmount",
    "WorkersComp": "WorkersCompAmount",
    "TANF": "TANFAmount",
    "GA": "GAAmount",
    "SocSecRetirement": "SocSecRetirementAmount",
    "Pension": "PensionAmount",
    "ChildSupport": "ChildSupportAmount",
    "Alimony": "AlimonyAmount",
    "OtherIncomeSource": "OtherIncomeAmount",
}
_DV = ReleaseCategory.DOMESTIC_VIOLENCE
_HEALTH = ReleaseCategory.HEALTH


def _information_date() -> fields.DateField[datetime.date]:
    return element(
        fields.DateField(),
        "5.04",
        "InformationDate",
        "within the enrollment; from the exit to today for post-exit data.",
    )


def _stage() -> fields.SmallIntField:
    return element(
        fields.SmallIntField(), "5.03", "DataCollectionStage", codes=codes.DATA_COLLECTION_STAGE
    )


class Enrollment(Model):
    """A client's stay in a project (HUD Enrollment.csv)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="enrollments", on_delete=fields.RESTRICT
    )
    client_id: uuid.UUID
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "hearth.Project", related_name="enrollments", on_delete=fields.RESTRICT
    )
    project_id: uuid.UUID
    # The project's agency, denormalised: row visibility filters on it.
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="enrollments", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    entry_date = element(fields.DateField(), "3.10", "EntryDate", "the project start date.")
    household_id = element(
        fields.CharField(max_length=32, db_index=True), "5.09", "HouseholdID", settable=False
    )
    relationship_to_hoh = element(
        fields.SmallIntField(),
        "3.15",
        "RelationshipToHoH",
        "SELF (1) is the head of household.",
        codes=codes.RELATIONSHIP_TO_HOH,
        graphql_name="relationshipToHoH",
    )
    enrollment_coc = element(
        fields.CharField(max_length=6, null=True),
        "3.16",
        "EnrollmentCoC",
        "a Connecticut CoC code.",
        codes=codes.COC,
        graphql_name="enrollmentCoC",
    )
    living_situation = element(
        fields.SmallIntField(null=True), "3.917", "LivingSituation", codes=codes.LIVING_SITUATION
    )
    rental_subsidy_type = element(
        fields.SmallIntField(null=True),
        "3.917",
        "RentalSubsidyType",
        codes=codes.RENTAL_SUBSIDY_TYPE,
    )
    length_of_stay = element(
        fields.SmallIntField(null=True), "3.917", "LengthOfStay", codes=codes.LENGTH_OF_STAY
    )
    los_under_threshold = element(
        fields.SmallIntField(null=True),
        "3.917",
        "LOSUnderThreshold",
        codes=codes.NO_YES_MISSING,
        graphql_name="losUnderThreshold",
    )
    previous_street_essh = element(
        fields.SmallIntField(null=True),
        "3.917",
        "PreviousStreetESSH",
        codes=codes.NO_YES_MISSING,
        graphql_name="previousStreetESSH",
    )
    date_to_street_essh = element(
        fields.DateField(null=True),
        "3.917",
        "DateToStreetESSH",
        "not after the entry date.",
        graphql_name="dateToStreetESSH",
    )
    times_homeless_past_three_years = element(
        fields.SmallIntField(null=True),
        "3.917",
        "TimesHomelessPastThreeYears",
        codes=codes.TIMES_HOMELESS,
    )
    months_homeless_past_three_years = element(
        fields.SmallIntField(null=True),
        "3.917",
        "MonthsHomelessPastThreeYears",
        codes=codes.MONTHS_HOMELESS,
    )
    disabling_condition = element(
        fields.SmallIntField(default=99), "3.08", "DisablingCondition", codes=codes.YES_NO_REASONS
    )
    move_in_date = element(
        fields.DateField(null=True), "3.20", "MoveInDate", "not before the entry date."
    )
    date_of_engagement = element(
        fields.DateField(null=True), "4.13", "DateOfEngagement", "not before the entry date."
    )
    created_by_user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="enrollments_created", on_delete=fields.RESTRICT
    )
    created_by_user_id: uuid.UUID
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "enrollment"
        unique_together = (("agency", "source_system", "source_id"),)


class Exit(Model):
    """The end of an enrollment (HUD Exit.csv)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.OneToOneRelation[Enrollment] = fields.OneToOneField(
        "hearth.Enrollment", related_name="exit", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    exit_date = element(
        fields.DateField(), "3.11", "ExitDate", "not before the entry date, not in the future."
    )
    destination = element(fields.SmallIntField(), "3.12", "Destination", codes=codes.DESTINATION)
    destination_subsidy_type = element(
        fields.SmallIntField(null=True),
        "3.12",
        "DestinationSubsidyType",
        codes=codes.RENTAL_SUBSIDY_TYPE,
    )
    other_destination = element(
        fields.CharField(max_length=50, null=True), "3.12", "OtherDestination"
    )
    created_by_user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="exits_created", on_delete=fields.RESTRICT
    )
    created_by_user_id: uuid.UUID
    created_at = fields.DatetimeField()

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "enrollment_exit"


class Service(Model):
    """A service provided within an enrollment (HUD Services.csv)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="services", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    date_provided = element(fields.DateField(), "5.04", "DateProvided", "within the enrollment.")
    record_type = element(fields.SmallIntField(), "1.4", "RecordType", codes=codes.RECORD_TYPE)
    type_provided = element(
        fields.SmallIntField(),
        "1.4",
        "TypeProvided",
        "the service type for the record type (1 to 999).",
    )
    other_type_provided = element(
        fields.CharField(max_length=50, null=True), "1.4", "OtherTypeProvided"
    )
    fa_amount = element(
        fields.DecimalField(max_digits=12, decimal_places=2, null=True),
        "1.4",
        "FAAmount",
        "between 0 and 1,000,000.",
    )
    created_by_user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="services_created", on_delete=fields.RESTRICT
    )
    created_by_user_id: uuid.UUID
    created_at = fields.DatetimeField()

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "service"
        unique_together = (("enrollment", "source_system", "source_id"),)


class IncomeBenefits(Model):
    """Income, benefits and insurance at a collection stage (HUD IncomeBenefits.csv, 4.02-4.04)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="income_benefits", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    information_date = _information_date()
    data_collection_stage = _stage()
    income_from_any_source = element(
        fields.SmallIntField(null=True), "4.02", "IncomeFromAnySource", codes=codes.YES_NO_REASONS
    )
    total_monthly_income = element(
        fields.DecimalField(max_digits=12, decimal_places=2, null=True),
        "4.02",
        "TotalMonthlyIncome",
        "the sum of the sources' amounts.",
        settable=False,
    )
    # HUD source name (Earned, SSI, SSDI, ...) -> monthly amount, for the sources marked yes: one
    # flag and one amount column per source in HUD CSV (services.hudcsv.elements).
    income_sources: fields.JSONField[dict[str, str]] = fields.JSONField(default=dict)
    benefits_from_any_source = element(
        fields.SmallIntField(null=True), "4.03", "BenefitsFromAnySource", codes=codes.YES_NO_REASONS
    )
    insurance_from_any_source = element(
        fields.SmallIntField(null=True),
        "4.04",
        "InsuranceFromAnySource",
        codes=codes.YES_NO_REASONS,
    )
    created_at = fields.DatetimeField()

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "income_benefits"
        unique_together = (("enrollment", "source_system", "source_id"),)


class Disability(Model):
    """A disability at a collection stage (HUD Disabilities.csv). Type 10 is substance use."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="disabilities", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    information_date = _information_date()
    data_collection_stage = _stage()
    disability_type = element(
        fields.SmallIntField(),
        "1.3",
        "DisabilityType",
        "SUBSTANCE_USE_DISORDER (10) is 42 CFR Part 2 data.",
        codes=codes.DISABILITY_TYPE,
    )
    disability_response = element(
        fields.SmallIntField(),
        "4.05",
        "DisabilityResponse",
        codes=codes.YES_NO_REASONS,
        codes_when=("disability_type", codes.SUBSTANCE_USE_DISORDER, codes.SUBSTANCE_USE_RESPONSE),
    )
    indefinite_and_impairs = element(
        fields.SmallIntField(null=True), "4.05", "IndefiniteAndImpairs", codes=codes.YES_NO_REASONS
    )
    created_at = fields.DatetimeField()

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "disability"
        unique_together = (("enrollment", "source_system", "source_id"),)


class HealthAndDv(Model):
    """Health and domestic violence at a collection stage (HUD HealthAndDV.csv)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="health_and_dv", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    information_date = _information_date()
    data_collection_stage = _stage()
    domestic_violence_survivor = element(
        fields.SmallIntField(null=True),
        "4.11",
        "DomesticViolenceSurvivor",
        codes=codes.YES_NO_REASONS,
        category=_DV,
    )
    when_occurred = element(
        fields.SmallIntField(null=True),
        "4.11",
        "WhenOccurred",
        codes=codes.WHEN_OCCURRED,
        category=_DV,
    )
    currently_fleeing = element(
        fields.SmallIntField(null=True),
        "4.11",
        "CurrentlyFleeing",
        codes=codes.YES_NO_REASONS,
        category=_DV,
    )
    general_health_status = element(
        fields.SmallIntField(null=True),
        "R7",
        "GeneralHealthStatus",
        codes=codes.HEALTH_STATUS,
        category=_HEALTH,
    )
    dental_health_status = element(
        fields.SmallIntField(null=True),
        "R7",
        "DentalHealthStatus",
        codes=codes.HEALTH_STATUS,
        category=_HEALTH,
    )
    mental_health_status = element(
        fields.SmallIntField(null=True),
        "R7",
        "MentalHealthStatus",
        codes=codes.HEALTH_STATUS,
        category=_HEALTH,
    )
    pregnancy_status = element(
        fields.SmallIntField(null=True),
        "R10",
        "PregnancyStatus",
        codes=codes.YES_NO_REASONS,
        category=_HEALTH,
    )
    due_date = element(fields.DateField(null=True), "R10", "DueDate", category=_HEALTH)
    created_at = fields.DatetimeField()

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "health_and_dv"
        unique_together = (("enrollment", "source_system", "source_id"),)
