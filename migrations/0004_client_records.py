from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.enums import AnnotationKind, ConsentKind, DeletionRequestStatus, ReleaseScope
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("hearth", "0003_service_accounts")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CanStaff",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="can_staff",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "can",
                    fields.ForeignKeyField(
                        "hearth.Can",
                        source_field="can_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="staff",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("assigned_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "can_staff",
                "app": "hearth",
                "unique_together": (("user", "can"),),
                "pk_attr": "id",
                "table_description": "A user of a CAN's backbone agency who sees the records created under that CAN (207 e).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Client",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("first_name", fields.CharField(null=True, max_length=50)),
                ("middle_name", fields.CharField(null=True, max_length=50)),
                ("last_name", fields.CharField(null=True, max_length=50)),
                ("name_suffix", fields.CharField(null=True, max_length=50)),
                ("name_data_quality", fields.SmallIntField(default=99)),
                ("ssn", fields.CharField(null=True, max_length=9)),
                ("ssn_last_four", fields.CharField(null=True, db_index=True, max_length=4)),
                ("ssn_data_quality", fields.SmallIntField(default=99)),
                ("dob", fields.DateField(null=True)),
                ("dob_data_quality", fields.SmallIntField(default=99)),
                ("am_ind_ak_native", fields.SmallIntField(default=0)),
                ("asian", fields.SmallIntField(default=0)),
                ("black_af_american", fields.SmallIntField(default=0)),
                ("hispanic_latinao", fields.SmallIntField(default=0)),
                ("mid_east_n_african", fields.SmallIntField(default=0)),
                ("native_hi_pacific", fields.SmallIntField(default=0)),
                ("white", fields.SmallIntField(default=0)),
                ("race_none", fields.SmallIntField(null=True)),
                ("additional_race_ethnicity", fields.CharField(null=True, max_length=100)),
                ("sex", fields.SmallIntField(null=True)),
                ("veteran_status", fields.SmallIntField(default=99)),
                ("phone", fields.CharField(null=True, max_length=20)),
                ("email", fields.CharField(null=True, max_length=254)),
                ("address_line1", fields.CharField(null=True, max_length=200)),
                ("address_line2", fields.CharField(null=True, max_length=200)),
                ("city", fields.CharField(null=True, max_length=100)),
                ("state", fields.CharField(null=True, max_length=2)),
                ("zip_code", fields.CharField(null=True, max_length=10)),
                (
                    "created_by_agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="created_by_agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="clients_created",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "created_under_can",
                    fields.ForeignKeyField(
                        "hearth.Can",
                        source_field="created_under_can_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="clients_created",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="clients_created",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("version", fields.IntField(default=1)),
                ("last_activity_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "client",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "One person. Identifying fields are PII: served only through the masking layer.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ClientAnnotation",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "hearth.Client",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="annotations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="annotations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("field", fields.CharField(max_length=64)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="INACCURATE: INACCURATE\nINCOMPLETE: INCOMPLETE\nSUPPLEMENT: SUPPLEMENT",
                        enum_type=AnnotationKind,
                        max_length=16,
                    ),
                ),
                ("note", fields.TextField(unique=False)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="annotations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "client_annotation",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A correction request answered by marking, not deleting (policy 207 f).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ConsentToEnter",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "hearth.Client",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consents",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consents",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="WRITTEN: WRITTEN\nVERBAL: VERBAL",
                        enum_type=ConsentKind,
                        max_length=16,
                    ),
                ),
                ("first_contact_by_phone", fields.BooleanField(default=False)),
                (
                    "taken_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="taken_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="consents_taken",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("taken_on", fields.DateField()),
                ("evidence_reference", fields.CharField(null=True, max_length=200)),
                ("source", fields.CharField(null=True, max_length=200)),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "consent_to_enter",
                "app": "hearth",
                "unique_together": (("client", "agency"),),
                "pk_attr": "id",
                "table_description": "The client's consent for one agency to enter data into HMIS (policies 205, 207).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Enrollment",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "hearth.Client",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="enrollments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "project",
                    fields.ForeignKeyField(
                        "hearth.Project",
                        source_field="project_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="enrollments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="enrollments",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("entry_date", fields.DateField()),
                ("household_id", fields.CharField(db_index=True, max_length=32)),
                ("relationship_to_hoh", fields.SmallIntField()),
                ("enrollment_coc", fields.CharField(null=True, max_length=6)),
                ("living_situation", fields.SmallIntField(null=True)),
                ("rental_subsidy_type", fields.SmallIntField(null=True)),
                ("length_of_stay", fields.SmallIntField(null=True)),
                ("los_under_threshold", fields.SmallIntField(null=True)),
                ("previous_street_essh", fields.SmallIntField(null=True)),
                ("date_to_street_essh", fields.DateField(null=True)),
                ("times_homeless_past_three_years", fields.SmallIntField(null=True)),
                ("months_homeless_past_three_years", fields.SmallIntField(null=True)),
                ("disabling_condition", fields.SmallIntField(default=99)),
                ("move_in_date", fields.DateField(null=True)),
                ("date_of_engagement", fields.DateField(null=True)),
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="enrollments_created",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "enrollment",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A client's stay in a project (HUD Enrollment.csv).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseNote",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "hearth.Client",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="case_notes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="case_notes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "enrollment",
                    fields.ForeignKeyField(
                        "hearth.Enrollment",
                        source_field="enrollment_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="case_notes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "author",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="author_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="case_notes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("text", fields.TextField(null=True, unique=False)),
                ("deleted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "case_note",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A note about a client. Its text is removed only by an approved deletion (a tombstone stays).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CaseNoteDeletionRequest",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "note",
                    fields.ForeignKeyField(
                        "hearth.CaseNote",
                        source_field="note_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deletion_requests",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "hearth.Client",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="note_deletion_requests",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="note_deletion_requests",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("reason", fields.CharField(max_length=1000)),
                (
                    "status",
                    fields.CharEnumField(
                        default=DeletionRequestStatus.PENDING,
                        description="PENDING: PENDING\nAPPROVED: APPROVED\nDENIED: DENIED",
                        enum_type=DeletionRequestStatus,
                        max_length=16,
                    ),
                ),
                (
                    "requested_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="requested_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="note_deletions_requested",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("requested_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "decided_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="decided_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="note_deletions_decided",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("decision_note", fields.CharField(null=True, max_length=1000)),
            ],
            options={
                "table": "case_note_deletion_request",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "An HDC's request to delete a case note, decided by the System Administrator (policy 404).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Disability",
            fields=[
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
                        related_name="disabilities",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("information_date", fields.DateField()),
                ("data_collection_stage", fields.SmallIntField()),
                ("disability_type", fields.SmallIntField()),
                ("disability_response", fields.SmallIntField()),
                ("indefinite_and_impairs", fields.SmallIntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "disability",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A disability at a collection stage (HUD Disabilities.csv). Type 10 is substance use.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Exit",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "enrollment",
                    fields.OneToOneField(
                        "hearth.Enrollment",
                        source_field="enrollment_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="exit",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("exit_date", fields.DateField()),
                ("destination", fields.SmallIntField()),
                ("destination_subsidy_type", fields.SmallIntField(null=True)),
                ("other_destination", fields.CharField(null=True, max_length=50)),
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="exits_created",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "enrollment_exit",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "The end of an enrollment (HUD Exit.csv).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="HealthAndDv",
            fields=[
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
                        related_name="health_and_dv",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("information_date", fields.DateField()),
                ("data_collection_stage", fields.SmallIntField()),
                ("domestic_violence_survivor", fields.SmallIntField(null=True)),
                ("when_occurred", fields.SmallIntField(null=True)),
                ("currently_fleeing", fields.SmallIntField(null=True)),
                ("general_health_status", fields.SmallIntField(null=True)),
                ("dental_health_status", fields.SmallIntField(null=True)),
                ("mental_health_status", fields.SmallIntField(null=True)),
                ("pregnancy_status", fields.SmallIntField(null=True)),
                ("due_date", fields.DateField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "health_and_dv",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "Health and domestic violence at a collection stage (HUD HealthAndDV.csv).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="IncomeBenefits",
            fields=[
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
                        related_name="income_benefits",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("information_date", fields.DateField()),
                ("data_collection_stage", fields.SmallIntField()),
                ("income_from_any_source", fields.SmallIntField(null=True)),
                (
                    "total_monthly_income",
                    fields.DecimalField(null=True, max_digits=12, decimal_places=2),
                ),
                (
                    "income_sources",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("benefits_from_any_source", fields.SmallIntField(null=True)),
                ("insurance_from_any_source", fields.SmallIntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "income_benefits",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "Income, benefits and insurance at a collection stage (HUD IncomeBenefits.csv, 4.02-4.04).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Release",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "hearth.Client",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="releases",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "releasing_agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="releasing_agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="releases_made",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "scope",
                    fields.CharEnumField(
                        description="AGENCIES: AGENCIES\nCAN: CAN\nSTATEWIDE: STATEWIDE",
                        enum_type=ReleaseScope,
                        max_length=16,
                    ),
                ),
                (
                    "scope_can",
                    fields.ForeignKeyField(
                        "hearth.Can",
                        source_field="scope_can_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="releases",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "categories",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("starts_on", fields.DateField()),
                ("expires_on", fields.DateField()),
                (
                    "kind",
                    fields.CharEnumField(
                        description="WRITTEN: WRITTEN\nVERBAL: VERBAL",
                        enum_type=ConsentKind,
                        max_length=16,
                    ),
                ),
                ("evidence_reference", fields.CharField(null=True, max_length=200)),
                (
                    "recorded_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="recorded_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="releases_recorded",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "revoked_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="revoked_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="releases_revoked",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("revocation_reason", fields.CharField(null=True, max_length=500)),
            ],
            options={
                "table": "release_of_information",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A client's release of information (policy 207). Immutable once recorded: changes are a new",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReleaseRecipient",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "release",
                    fields.ForeignKeyField(
                        "hearth.Release",
                        source_field="release_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="recipients",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="releases_received",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "release_recipient",
                "app": "hearth",
                "unique_together": (("release", "agency"),),
                "pk_attr": "id",
                "table_description": "A named agency a release (scope AGENCIES) shares with.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Service",
            fields=[
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
                        related_name="services",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("date_provided", fields.DateField()),
                ("record_type", fields.SmallIntField()),
                ("type_provided", fields.SmallIntField()),
                ("other_type_provided", fields.CharField(null=True, max_length=50)),
                ("fa_amount", fields.DecimalField(null=True, max_digits=12, decimal_places=2)),
                (
                    "created_by_user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="services_created",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "service",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A service provided within an enrollment (HUD Services.csv).",
            },
            bases=["Model"],
        ),
        # Defence in depth for policies 207 and 404: the database itself refuses to edit or delete
        # a release of information (revocation is the one change) or a case note (a deletion
        # request approved by someone other than the requester removes the text once; the row and
        # the decided request stay as the tombstone).
        ops.RunSQL(
            [
                """
                CREATE OR REPLACE FUNCTION hearth_release_immutable() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'a release of information is never deleted'
                      USING ERRCODE = 'integrity_constraint_violation';
                  END IF;
                  IF OLD.revoked_at IS NOT NULL
                     OR (NEW.client_id, NEW.releasing_agency_id, NEW.scope, NEW.scope_can_id,
                         NEW.categories, NEW.starts_on, NEW.expires_on, NEW.kind,
                         NEW.evidence_reference, NEW.recorded_by_id, NEW.recorded_at)
                        IS DISTINCT FROM
                        (OLD.client_id, OLD.releasing_agency_id, OLD.scope, OLD.scope_can_id,
                         OLD.categories, OLD.starts_on, OLD.expires_on, OLD.kind,
                         OLD.evidence_reference, OLD.recorded_by_id, OLD.recorded_at) THEN
                    RAISE EXCEPTION 'a release of information is immutable; record a new one'
                      USING ERRCODE = 'integrity_constraint_violation';
                  END IF;
                  RETURN NEW;
                END $$
                """,
                """
                CREATE TRIGGER release_immutable BEFORE UPDATE OR DELETE ON release_of_information
                FOR EACH ROW EXECUTE FUNCTION hearth_release_immutable()
                """,
                """
                CREATE OR REPLACE FUNCTION hearth_case_note_append_only() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'case notes are never deleted; an approved deletion removes the text'
                      USING ERRCODE = 'integrity_constraint_violation';
                  END IF;
                  IF (NEW.id, NEW.client_id, NEW.agency_id, NEW.enrollment_id, NEW.author_id, NEW.created_at)
                        IS DISTINCT FROM
                     (OLD.id, OLD.client_id, OLD.agency_id, OLD.enrollment_id, OLD.author_id, OLD.created_at) THEN
                    RAISE EXCEPTION 'case notes cannot be edited (policy 404)'
                      USING ERRCODE = 'integrity_constraint_violation';
                  END IF;
                  IF (NEW.text, NEW.deleted_at) IS NOT DISTINCT FROM (OLD.text, OLD.deleted_at) THEN
                    RETURN NEW;
                  END IF;
                  -- The one change: an approved deletion empties the text and stamps the time, once.
                  IF OLD.deleted_at IS NOT NULL OR NEW.deleted_at IS NULL OR NEW.text IS NOT NULL THEN
                    RAISE EXCEPTION 'case notes cannot be edited (policy 404)'
                      USING ERRCODE = 'integrity_constraint_violation';
                  END IF;
                  IF NOT EXISTS (SELECT 1 FROM case_note_deletion_request r
                                  WHERE r.note_id = OLD.id AND r.status = 'APPROVED') THEN
                    RAISE EXCEPTION 'a case note is deleted only under an approved deletion request (policy 404)'
                      USING ERRCODE = 'integrity_constraint_violation';
                  END IF;
                  RETURN NEW;
                END $$
                """,
                """
                CREATE TRIGGER case_note_append_only BEFORE UPDATE OR DELETE ON case_note
                FOR EACH ROW EXECUTE FUNCTION hearth_case_note_append_only()
                """,
                """
                CREATE OR REPLACE FUNCTION hearth_case_note_deletion_request_fixed() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'a case note deletion request is never deleted (policy 404)'
                      USING ERRCODE = 'integrity_constraint_violation';
                  END IF;
                  -- Who asked, for which note, why and when never change; the decision is taken once,
                  -- by someone other than the requester, and then never changes either.
                  IF (NEW.id, NEW.note_id, NEW.client_id, NEW.agency_id, NEW.reason, NEW.requested_by_id,
                      NEW.requested_at)
                        IS DISTINCT FROM
                     (OLD.id, OLD.note_id, OLD.client_id, OLD.agency_id, OLD.reason, OLD.requested_by_id,
                      OLD.requested_at)
                     OR (OLD.status <> 'PENDING'
                         AND (NEW.status, NEW.decided_by_id, NEW.decided_at, NEW.decision_note)
                             IS DISTINCT FROM (OLD.status, OLD.decided_by_id, OLD.decided_at, OLD.decision_note))
                     OR (OLD.status = 'PENDING' AND NEW.status = 'PENDING'
                         AND (NEW.decided_by_id, NEW.decided_at, NEW.decision_note)
                             IS DISTINCT FROM (OLD.decided_by_id, OLD.decided_at, OLD.decision_note))
                     OR (OLD.status = 'PENDING' AND NEW.status <> 'PENDING'
                         AND (NEW.decided_by_id IS NULL OR NEW.decided_at IS NULL
                              OR NEW.decided_by_id = NEW.requested_by_id)) THEN
                    RAISE EXCEPTION 'a case note deletion request is fixed once made and once decided (policy 404)'
                      USING ERRCODE = 'integrity_constraint_violation';
                  END IF;
                  RETURN NEW;
                END $$
                """,
                """
                CREATE TRIGGER case_note_deletion_request_fixed BEFORE UPDATE OR DELETE ON case_note_deletion_request
                FOR EACH ROW EXECUTE FUNCTION hearth_case_note_deletion_request_fixed()
                """,
            ],
            reverse_sql=[
                "DROP TRIGGER IF EXISTS case_note_deletion_request_fixed ON case_note_deletion_request",
                "DROP FUNCTION IF EXISTS hearth_case_note_deletion_request_fixed()",
                "DROP TRIGGER IF EXISTS case_note_append_only ON case_note",
                "DROP FUNCTION IF EXISTS hearth_case_note_append_only()",
                "DROP TRIGGER IF EXISTS release_immutable ON release_of_information",
                "DROP FUNCTION IF EXISTS hearth_release_immutable()",
            ],
        ),
    ]
