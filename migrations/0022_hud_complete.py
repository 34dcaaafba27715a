# ruff: noqa: S608  (SQL written from constants in this file: no input reaches it)
"""Every FY2026 HUD CSV file and column (decisions 135-137).

- The columns each file lacked, as columns of their own: Client's veteran details, Enrollment's
  program-specific elements, Exit's, IncomeBenefits' every source, benefit and insurance (the
  sources marked yes were JSON: ``income_sources``, moved into the columns here, then dropped),
  Services', Disabilities' HIV/AIDS and Project's.
- New client records of an enrollment: employment and education, youth education status,
  current living situation, assessments with their questions and results, CE events; each under
  row-level security as the enrollment's other records (migration 0013).
- A project's records: its CoCs, funders, inventory, affiliations, HMIS and CE participation.
- Provenance on every HUD record (``models.provenance``): the author and the last updater, when,
  and the source row. The enrollment's stage records (income, disabilities, health) had no
  author: theirs is the enrollment's.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

# 4.02's fifteen sources: the HUD name the JSON kept, the flag column, the amount column.
_SOURCES = (
    ("Earned", "earned", "earned_amount"),
    ("Unemployment", "unemployment", "unemployment_amount"),
    ("SSI", "ssi", "ssi_amount"),
    ("SSDI", "ssdi", "ssdi_amount"),
    ("VADisabilityService", "va_disability_service", "va_disability_service_amount"),
    ("VADisabilityNonService", "va_disability_non_service", "va_disability_non_service_amount"),
    ("PrivateDisability", "private_disability", "private_disability_amount"),
    ("WorkersComp", "workers_comp", "workers_comp_amount"),
    ("TANF", "tanf", "tanf_amount"),
    ("GA", "ga", "ga_amount"),
    ("SocSecRetirement", "soc_sec_retirement", "soc_sec_retirement_amount"),
    ("Pension", "pension", "pension_amount"),
    ("ChildSupport", "child_support", "child_support_amount"),
    ("Alimony", "alimony", "alimony_amount"),
    ("OtherIncomeSource", "other_income_source", "other_income_amount"),
)

BACKFILL = [
    # the stage records' author: their enrollment's (what the export named as their UserID)
    *(
        f"UPDATE {table} t SET created_by_user_id = e.created_by_user_id"
        f" FROM enrollment e WHERE e.id = t.enrollment_id AND t.created_by_user_id IS NULL"
        for table in ("income_benefits", "disability", "health_and_dv")
    ),
    # a source marked yes: 1 and its amount; not marked, when the client answered whether any
    # source: 0 (what the export wrote); else blank
    "UPDATE income_benefits SET "
    + ", ".join(
        f"{flag} = CASE WHEN income_sources ? '{source}' THEN 1"
        f" WHEN income_from_any_source IN (0, 1) THEN 0 END,"
        f" {amount} = (income_sources ->> '{source}')::numeric(12, 2)"
        for source, flag, amount in _SOURCES
    ),
]

# Row-level security (decision 97) on the new tables of client records: an enrollment's record,
# of the enrollment's category.
NEW_CLIENT_TABLES = (
    "employment_education",
    "youth_education_status",
    "current_living_situation",
    "assessment",
    "assessment_question",
    "assessment_result",
    "ce_event",
)
_USING = "hearth_sees_enrollment_row(enrollment_id, 'ENROLLMENT_AND_SERVICES')"
ROW_SECURITY = [
    statement
    for table in NEW_CLIENT_TABLES
    for statement in (
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY hearth_read ON {table} FOR SELECT TO hearth_app USING ({_USING})",
        f"CREATE POLICY hearth_update ON {table} FOR UPDATE TO hearth_app"
        f" USING ({_USING}) WITH CHECK (true)",
        f"CREATE POLICY hearth_delete ON {table} FOR DELETE TO hearth_app USING ({_USING})",
        f"CREATE POLICY hearth_insert ON {table} FOR INSERT TO hearth_app WITH CHECK (true)",
    )
]
ROW_SECURITY_REVERSE = [
    statement
    for table in NEW_CLIENT_TABLES
    for statement in (
        *(
            f"DROP POLICY IF EXISTS {name} ON {table}"
            for name in ("hearth_read", "hearth_update", "hearth_delete", "hearth_insert")
        ),
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    )
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0021_user_sync_as_of")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Affiliation",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "project",
                    fields.ForeignKeyField(
                        "hearth.Project",
                        source_field="project_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="affiliations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "res_project",
                    fields.ForeignKeyField(
                        "hearth.Project",
                        source_field="res_project_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="affiliated_with",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "affiliation",
                "app": "hearth",
                "unique_together": (("project", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "A residential project a services-only project is affiliated with (2.09).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="Assessment",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "enrollment",
                    fields.ForeignKeyField(
                        "hearth.Enrollment",
                        source_field="enrollment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assessments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("assessment_date", fields.DateField()),
                ("assessment_location", fields.CharField(null=True, max_length=250)),
                ("assessment_type", fields.SmallIntField(null=True)),
                ("assessment_level", fields.SmallIntField(null=True)),
                ("prioritization_status", fields.SmallIntField(null=True)),
            ],
            options={
                "table": "assessment",
                "app": "hearth",
                "unique_together": (("enrollment", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "A coordinated entry assessment (4.19).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="AssessmentQuestion",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "assessment",
                    fields.ForeignKeyField(
                        "hearth.Assessment",
                        source_field="assessment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="questions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "enrollment",
                    fields.ForeignKeyField(
                        "hearth.Enrollment",
                        source_field="enrollment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assessment_questions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("assessment_question_group", fields.CharField(null=True, max_length=250)),
                ("assessment_question_order", fields.IntField(null=True)),
                ("assessment_question", fields.CharField(max_length=250)),
                ("assessment_answer", fields.CharField(null=True, max_length=250)),
            ],
            options={
                "table": "assessment_question",
                "app": "hearth",
                "unique_together": (("enrollment", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "One question of an assessment and the client's answer (HUD AssessmentQuestions).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="AssessmentResult",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "assessment",
                    fields.ForeignKeyField(
                        "hearth.Assessment",
                        source_field="assessment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="results",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "enrollment",
                    fields.ForeignKeyField(
                        "hearth.Enrollment",
                        source_field="enrollment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="assessment_results",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("assessment_result_type", fields.CharField(max_length=250)),
                ("assessment_result", fields.CharField(null=True, max_length=250)),
            ],
            options={
                "table": "assessment_result",
                "app": "hearth",
                "unique_together": (("enrollment", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "One result of an assessment (a score, a priority; HUD AssessmentResults).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="CeParticipation",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "project",
                    fields.ForeignKeyField(
                        "hearth.Project",
                        source_field="project_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="ce_participations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("access_point", fields.SmallIntField()),
                ("prevention_assessment", fields.SmallIntField(null=True)),
                ("crisis_assessment", fields.SmallIntField(null=True)),
                ("housing_assessment", fields.SmallIntField(null=True)),
                ("direct_services", fields.SmallIntField(null=True)),
                ("receives_referrals", fields.SmallIntField()),
                ("ce_participation_status_start_date", fields.DateField()),
                ("ce_participation_status_end_date", fields.DateField(null=True)),
            ],
            options={
                "table": "ce_participation",
                "app": "hearth",
                "unique_together": (("project", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "The project's part in coordinated entry over a period (2.09).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="CurrentLivingSituation",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "enrollment",
                    fields.ForeignKeyField(
                        "hearth.Enrollment",
                        source_field="enrollment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="current_living_situations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("information_date", fields.DateField()),
                ("current_living_situation", fields.SmallIntField()),
                ("cls_subsidy_type", fields.SmallIntField(null=True)),
                ("verified_by", fields.CharField(null=True, max_length=200)),
                ("leave_situation14_days", fields.SmallIntField(null=True)),
                ("subsequent_residence", fields.SmallIntField(null=True)),
                ("resources_to_obtain", fields.SmallIntField(null=True)),
                ("lease_own60_day", fields.SmallIntField(null=True)),
                ("moved_two_or_more", fields.SmallIntField(null=True)),
                ("location_details", fields.CharField(null=True, max_length=250)),
            ],
            options={
                "table": "current_living_situation",
                "app": "hearth",
                "unique_together": (("enrollment", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "Where the client is living at a contact (4.12).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="EmploymentEducation",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "enrollment",
                    fields.ForeignKeyField(
                        "hearth.Enrollment",
                        source_field="enrollment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="employment_education",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("information_date", fields.DateField()),
                ("last_grade_completed", fields.SmallIntField(null=True)),
                ("school_status", fields.SmallIntField(null=True)),
                ("employed", fields.SmallIntField(null=True)),
                ("employment_type", fields.SmallIntField(null=True)),
                ("not_employed_reason", fields.SmallIntField(null=True)),
                ("data_collection_stage", fields.SmallIntField()),
            ],
            options={
                "table": "employment_education",
                "app": "hearth",
                "unique_together": (("enrollment", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "Education and employment at a collection stage (HUD EmploymentEducation.csv, R4-R6).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="Event",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "enrollment",
                    fields.ForeignKeyField(
                        "hearth.Enrollment",
                        source_field="enrollment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("event_date", fields.DateField()),
                ("event", fields.SmallIntField()),
                ("prob_sol_div_rr_result", fields.SmallIntField(null=True)),
                ("referral_case_manage_after", fields.SmallIntField(null=True)),
                ("location_crisis_or_ph_housing", fields.CharField(null=True, max_length=250)),
                ("referral_result", fields.SmallIntField(null=True)),
                ("result_date", fields.DateField(null=True)),
            ],
            options={
                "table": "ce_event",
                "app": "hearth",
                "unique_together": (("enrollment", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "A coordinated entry event: a referral, a diversion, a placement (4.20).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="Funder",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "project",
                    fields.ForeignKeyField(
                        "hearth.Project",
                        source_field="project_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="funders",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("funder", fields.SmallIntField()),
                ("other_funder", fields.CharField(null=True, max_length=100)),
                ("grant_id", fields.CharField(null=True, max_length=100)),
                ("start_date", fields.DateField()),
                ("end_date", fields.DateField(null=True)),
            ],
            options={
                "table": "funder",
                "app": "hearth",
                "unique_together": (("project", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "A source of the project's funding and its grant (2.06).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="HmisParticipation",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "project",
                    fields.ForeignKeyField(
                        "hearth.Project",
                        source_field="project_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="hmis_participations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("hmis_participation_type", fields.SmallIntField()),
                ("hmis_participation_status_start_date", fields.DateField()),
                ("hmis_participation_status_end_date", fields.DateField(null=True)),
            ],
            options={
                "table": "hmis_participation",
                "app": "hearth",
                "unique_together": (("project", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "Whether the project takes part in HMIS (or a comparable database) over a period (2.08).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="Inventory",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "project",
                    fields.ForeignKeyField(
                        "hearth.Project",
                        source_field="project_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="inventories",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("coc_code", fields.CharField(null=True, max_length=6)),
                ("household_type", fields.SmallIntField()),
                ("availability", fields.SmallIntField(null=True)),
                ("unit_inventory", fields.IntField()),
                ("bed_inventory", fields.IntField()),
                ("ch_vet_bed_inventory", fields.IntField(null=True)),
                ("youth_vet_bed_inventory", fields.IntField(null=True)),
                ("vet_bed_inventory", fields.IntField(null=True)),
                ("ch_youth_bed_inventory", fields.IntField(null=True)),
                ("youth_bed_inventory", fields.IntField(null=True)),
                ("ch_bed_inventory", fields.IntField(null=True)),
                ("other_bed_inventory", fields.IntField(null=True)),
                ("es_bed_type", fields.SmallIntField(null=True)),
                ("inventory_start_date", fields.DateField()),
                ("inventory_end_date", fields.DateField(null=True)),
            ],
            options={
                "table": "inventory",
                "app": "hearth",
                "unique_together": (("project", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "Beds and units of a project for one household type, over a period (2.07).",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="ProjectCoc",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "project",
                    fields.ForeignKeyField(
                        "hearth.Project",
                        source_field="project_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="cocs",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("coc_code", fields.CharField(max_length=6)),
                ("geocode", fields.CharField(null=True, max_length=6)),
                ("address1", fields.CharField(null=True, max_length=100)),
                ("address2", fields.CharField(null=True, max_length=100)),
                ("city", fields.CharField(null=True, max_length=50)),
                ("state", fields.CharField(null=True, max_length=2)),
                ("zip", fields.CharField(null=True, max_length=5)),
                ("geography_type", fields.SmallIntField(null=True)),
            ],
            options={
                "table": "project_coc",
                "app": "hearth",
                "unique_together": (("project", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "One CoC a project operates in, with its site's geography (2.03). A project has one or",
            },
            bases=["Provenance"],
        ),
        ops.CreateModel(
            name="YouthEducationStatus",
            fields=[
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "updated_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="updated_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("source_system", fields.CharField(null=True, max_length=200)),
                ("source_id", fields.CharField(null=True, max_length=64)),
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "enrollment",
                    fields.ForeignKeyField(
                        "hearth.Enrollment",
                        source_field="enrollment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="youth_education_status",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("information_date", fields.DateField()),
                ("current_school_attend", fields.SmallIntField(null=True)),
                ("most_recent_ed_status", fields.SmallIntField(null=True)),
                ("current_ed_status", fields.SmallIntField(null=True)),
                ("data_collection_stage", fields.SmallIntField()),
            ],
            options={
                "table": "youth_education_status",
                "app": "hearth",
                "unique_together": (("enrollment", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "A youth's education status at a collection stage (HUD YouthEducationStatus.csv, C3).",
            },
            bases=["Provenance"],
        ),
        ops.AddField(
            model_name="Client",
            name="afghanistan_oef",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="desert_storm",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="discharge_status",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="iraq_oif",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="iraq_ond",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="korean_war",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="military_branch",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="other_theater",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="updated_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="updated_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="Client",
            name="vietnam_war",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="world_war_ii",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="year_entered_service",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Client",
            name="year_separated",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Disability",
            name="anti_retroviral",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Disability",
            name="created_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="created_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="Disability",
            name="t_cell_count",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Disability",
            name="t_cell_count_available",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Disability",
            name="t_cell_source",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Disability",
            name="updated_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Disability",
            name="updated_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="updated_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="Disability",
            name="viral_load",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Disability",
            name="viral_load_available",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Disability",
            name="viral_load_source",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="alcohol_drug_use_disorder_fam",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="annual_percent_ami",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="child_welfare_months",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="child_welfare_years",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="client_enrolled_in_path",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="client_leaseholder",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="coc_prioritized",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="count_outreach_referral_approaches",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="criminal_record",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="current_pregnant",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="date_of_bcp_status",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="date_of_path_status",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="dependent_under6",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="disabled_hoh",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="eligible_for_rhy",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="eviction_history",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="former_ward_child_welfare",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="former_ward_juvenile_justice",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="hh5_plus",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="hoh_leaseholder",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="hp_screening_score",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="incarcerated_adult",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="incarcerated_parent",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="insufficient_income",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="juvenile_justice_months",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="juvenile_justice_years",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="literal_homeless_history",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="mental_health_consultation",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="mental_health_disorder_fam",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="percent_ami",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="physical_disability_fam",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="prison_discharge",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="reason_no_services",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="reason_not_enrolled",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="referral_source",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="runaway_youth",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="sex_offender",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="single_parent",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="subsidy_at_risk",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="target_screen_reqd",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="threshold_score",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="time_to_housing_loss",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="unemployment_fam",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="updated_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="updated_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="vamc_station",
            field=fields.CharField(null=True, max_length=5),
        ),
        ops.AddField(
            model_name="Exit",
            name="aftercare_date",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="aftercare_provided",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="asked_or_forced_to_exchange_for_sex",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="asked_or_forced_to_exchange_for_sex_past_three_months",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="cm_exit_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="coerced_to_continue_work",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="counseling_received",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="count_of_exchange_for_sex",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="destination_safe_client",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="destination_safe_worker",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="early_exit_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="email_social_media",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="exchange_for_sex",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="exchange_for_sex_past_three_months",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="family_counseling",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="group_counseling",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="housing_assessment",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="in_person_group",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="in_person_individual",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="individual_counseling",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="labor_exploit_past_three_months",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="pos_adult_connections",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="pos_community_connections",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="pos_peer_connections",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="post_exit_counseling_plan",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="project_completion_status",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="session_count_at_exit",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="sessions_in_plan",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="subsidy_information",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="telephone",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="updated_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Exit",
            name="updated_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="updated_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="Exit",
            name="workplace_promise_difference",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Exit",
            name="workplace_violence_threats",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="HealthAndDv",
            name="created_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="created_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="HealthAndDv",
            name="updated_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="HealthAndDv",
            name="updated_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="updated_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AlterModelOptions(
            name="IncomeBenefits",
            options={
                "table": "income_benefits",
                "app": "hearth",
                "unique_together": (("enrollment", "source_system", "source_id"),),
                "pk_attr": "id",
                "table_description": "Income, benefits and insurance at a collection stage (HUD IncomeBenefits.csv, 4.02-4.04,",
            },
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="adap",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="alimony",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="alimony_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="child_support",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="child_support_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="cobra",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="connection_with_soar",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="created_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="created_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="earned",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="earned_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="employer_provided",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="ga",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="ga_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="indian_health_services",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="medicaid",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="medicare",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_adap_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_cobra_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_employer_provided_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_indian_health_services_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_medicaid_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_medicare_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_private_pay_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_ryan_white_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_schip_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_state_health_ins_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="no_vha_reason",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="other_benefits_source",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="other_benefits_source_identify",
            field=fields.CharField(null=True, max_length=50),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="other_income_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="other_income_source",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="other_income_source_identify",
            field=fields.CharField(null=True, max_length=50),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="other_insurance",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="other_insurance_identify",
            field=fields.CharField(null=True, max_length=50),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="other_tanf",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="pension",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="pension_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="private_disability",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="private_disability_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="private_pay",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="ryan_white_med_dent",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="schip",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="snap",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="soc_sec_retirement",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="soc_sec_retirement_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="ssdi",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="ssdi_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="ssi",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="ssi_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="state_health_ins",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="tanf",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="tanf_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="tanf_child_care",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="tanf_transportation",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="unemployment",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="unemployment_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="updated_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="updated_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="updated_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="va_disability_non_service",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="va_disability_non_service_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="va_disability_service",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="va_disability_service_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="vha_services",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="wic",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="workers_comp",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="workers_comp_amount",
            field=fields.DecimalField(null=True, max_digits=12, decimal_places=2),
        ),
        ops.AddField(
            model_name="Project",
            name="created_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="created_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="Project",
            name="hopwa_med_assisted_living_fac",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Project",
            name="pit_count",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Project",
            name="residential_affiliation",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Project",
            name="rrh_sub_type",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Project",
            name="updated_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="updated_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="Service",
            name="fa_end_date",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Service",
            name="fa_start_date",
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name="Service",
            name="moving_on_other_type",
            field=fields.CharField(null=True, max_length=50),
        ),
        ops.AddField(
            model_name="Service",
            name="referral_outcome",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Service",
            name="sub_type_provided",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Service",
            name="updated_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Service",
            name="updated_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="updated_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.RunSQL(BACKFILL, reverse_sql=[]),
        ops.AlterField(
            model_name="Disability",
            name="created_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="created_by_user_id",
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AlterField(
            model_name="HealthAndDv",
            name="created_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="created_by_user_id",
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AlterField(
            model_name="IncomeBenefits",
            name="created_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="created_by_user_id",
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.RemoveField(model_name="IncomeBenefits", name="income_sources"),
        ops.RunSQL(ROW_SECURITY, reverse_sql=ROW_SECURITY_REVERSE),
    ]
