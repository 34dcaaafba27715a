"""Enrollments and what is collected in them (HUD Enrollment, Exit, Services, IncomeBenefits,
Disabilities, HealthAndDV)."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

__all__ = ["Disability", "Enrollment", "Exit", "HealthAndDv", "IncomeBenefits", "Service"]


class Enrollment(Model):
    """A client's stay in a project (HUD Enrollment.csv)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    client = fields.ForeignKeyField(
        "hearth.Client", related_name="enrollments", on_delete=fields.RESTRICT
    )
    project = fields.ForeignKeyField(
        "hearth.Project", related_name="enrollments", on_delete=fields.RESTRICT
    )
    # The project's agency, denormalised: row visibility filters on it.
    agency = fields.ForeignKeyField(
        "hearth.Agency", related_name="enrollments", on_delete=fields.RESTRICT
    )
    entry_date = fields.DateField()
    household_id = fields.CharField(max_length=32, db_index=True)
    relationship_to_hoh = fields.SmallIntField()
    enrollment_coc = fields.CharField(max_length=6, null=True)
    # 3.917 prior living situation
    living_situation = fields.SmallIntField(null=True)
    rental_subsidy_type = fields.SmallIntField(null=True)
    length_of_stay = fields.SmallIntField(null=True)
    los_under_threshold = fields.SmallIntField(null=True)
    previous_street_essh = fields.SmallIntField(null=True)
    date_to_street_essh = fields.DateField(null=True)
    times_homeless_past_three_years = fields.SmallIntField(null=True)
    months_homeless_past_three_years = fields.SmallIntField(null=True)
    disabling_condition = fields.SmallIntField(default=99)
    move_in_date = fields.DateField(null=True)
    date_of_engagement = fields.DateField(null=True)
    created_by_user = fields.ForeignKeyField(
        "hearth.User", related_name="enrollments_created", on_delete=fields.RESTRICT
    )
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
    exit_date = fields.DateField()
    destination = fields.SmallIntField()
    destination_subsidy_type = fields.SmallIntField(null=True)
    other_destination = fields.CharField(max_length=50, null=True)
    created_by_user = fields.ForeignKeyField(
        "hearth.User", related_name="exits_created", on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "enrollment_exit"


class Service(Model):
    """A service provided within an enrollment (HUD Services.csv)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="services", on_delete=fields.RESTRICT
    )
    date_provided = fields.DateField()
    record_type = fields.SmallIntField()
    type_provided = fields.SmallIntField()
    other_type_provided = fields.CharField(max_length=50, null=True)
    fa_amount = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    created_by_user = fields.ForeignKeyField(
        "hearth.User", related_name="services_created", on_delete=fields.RESTRICT
    )
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
    enrollment = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="income_benefits", on_delete=fields.RESTRICT
    )
    information_date = fields.DateField()
    data_collection_stage = fields.SmallIntField()
    income_from_any_source = fields.SmallIntField(null=True)
    total_monthly_income = fields.DecimalField(max_digits=12, decimal_places=2, null=True)
    # HUD source name (Earned, SSI, SSDI, ...) -> monthly amount, for the sources marked yes
    income_sources = fields.JSONField(default=dict)
    benefits_from_any_source = fields.SmallIntField(null=True)
    insurance_from_any_source = fields.SmallIntField(null=True)
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
    enrollment = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="disabilities", on_delete=fields.RESTRICT
    )
    information_date = fields.DateField()
    data_collection_stage = fields.SmallIntField()
    disability_type = fields.SmallIntField()
    disability_response = fields.SmallIntField()
    indefinite_and_impairs = fields.SmallIntField(null=True)
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
    enrollment = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="health_and_dv", on_delete=fields.RESTRICT
    )
    information_date = fields.DateField()
    data_collection_stage = fields.SmallIntField()
    domestic_violence_survivor = fields.SmallIntField(null=True)
    when_occurred = fields.SmallIntField(null=True)
    currently_fleeing = fields.SmallIntField(null=True)
    general_health_status = fields.SmallIntField(null=True)
    dental_health_status = fields.SmallIntField(null=True)
    mental_health_status = fields.SmallIntField(null=True)
    pregnancy_status = fields.SmallIntField(null=True)
    due_date = fields.DateField(null=True)
    created_at = fields.DatetimeField()

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "health_and_dv"
        unique_together = (("enrollment", "source_system", "source_id"),)
