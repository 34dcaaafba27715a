from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.enums import (
    AccessLevel,
    AccessRequestKind,
    AccessRequestStatus,
    AgencyStatus,
    Duty,
    SystemRole,
    UserStatus,
)
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="AuthThrottle",
            fields=[
                (
                    "key",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200),
                ),
                ("failures", fields.IntField(default=0)),
                ("window_started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "locked_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "auth_throttle",
                "app": "hearth",
                "pk_attr": "key",
                "table_description": "Failed sign-in attempts for one account name (known or not), and its lock-out.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ContinuumOfCare",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=6)),
                ("name", fields.CharField(max_length=200)),
            ],
            options={
                "table": "continuum_of_care",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A HUD Continuum of Care (CT-503 Balance of State, CT-505 Opening Doors Fairfield County).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TrainingCourse",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("code", fields.CharField(unique=True, max_length=64)),
                ("title", fields.CharField(max_length=200)),
                (
                    "required_for",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "training_course",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A mandatory LMS course; ``required_for`` lists access levels and duties that need it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("external_id", fields.CharField(null=True, unique=True, max_length=128)),
                ("username", fields.CharField(unique=True, max_length=64)),
                ("email", fields.CharField(max_length=254)),
                ("email_normalized", fields.CharField(unique=True, max_length=254)),
                ("mfa_contact", fields.CharField(null=True, max_length=254)),
                (
                    "mfa_contact_normalized",
                    fields.CharField(null=True, unique=True, max_length=254),
                ),
                ("first_name", fields.CharField(null=True, max_length=100)),
                ("last_name", fields.CharField(null=True, max_length=100)),
                (
                    "status",
                    fields.CharEnumField(
                        default=UserStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nINACTIVE: INACTIVE",
                        enum_type=UserStatus,
                        max_length=16,
                    ),
                ),
                ("password_hash", fields.CharField(null=True, max_length=255)),
                ("totp_secret", fields.CharField(null=True, max_length=64)),
                (
                    "totp_confirmed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("totp_last_step", fields.BigIntField(null=True)),
                (
                    "last_login_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "deactivated_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("deactivation_reason", fields.CharField(null=True, max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "hearth_user",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A licensed end user (or a staff member of the Lead Agency or System Administrator).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="EnrollmentInvite",
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
                        related_name="invites",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "enrollment_invite",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A one-time invitation for a user to set a password and enrol an authenticator.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Session",
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
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("auth_time", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("mfa_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("refresh_token_hash", fields.CharField(unique=True, max_length=64)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoke_reason", fields.CharField(null=True, max_length=200)),
            ],
            options={
                "table": "session",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A signed-in session. Access tokens name it; revoking it ends them all.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SystemRoleGrant",
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
                        related_name="system_roles",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "role",
                    fields.CharEnumField(
                        description="SYSTEM_ADMINISTRATOR: SYSTEM_ADMINISTRATOR\nSECURITY_OFFICER: SECURITY_OFFICER\nLEAD_AGENCY: LEAD_AGENCY\nDSB_MEMBER: DSB_MEMBER\nVENDOR_SYNC: VENDOR_SYNC",
                        enum_type=SystemRole,
                        max_length=32,
                    ),
                ),
                ("granted_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "system_role_grant",
                "app": "hearth",
                "unique_together": (("user", "role"),),
                "pk_attr": "id",
                "table_description": "A system-wide role held by a user.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TrainingCompletion",
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
                        related_name="training",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "course",
                    fields.ForeignKeyField(
                        "hearth.TrainingCourse",
                        source_field="course_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="completions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("completed_on", fields.DateField()),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "training_completion",
                "app": "hearth",
                "unique_together": (("user", "course"),),
                "pk_attr": "id",
                "table_description": "A user's completion of a course, as the LMS reports it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Agency",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(unique=True, max_length=200)),
                ("common_name", fields.CharField(null=True, max_length=200)),
                ("victim_service_provider", fields.BooleanField(default=False)),
                (
                    "coc",
                    fields.ForeignKeyField(
                        "hearth.ContinuumOfCare",
                        source_field="coc_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="agencies",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("executive_director_name", fields.CharField(null=True, max_length=200)),
                ("executive_director_email", fields.CharField(null=True, max_length=254)),
                (
                    "status",
                    fields.CharEnumField(
                        default=AgencyStatus.ACTIVE,
                        description="ACTIVE: ACTIVE\nSUSPENDED: SUSPENDED\nINACTIVE: INACTIVE",
                        enum_type=AgencyStatus,
                        max_length=16,
                    ),
                ),
                ("mou_signed_on", fields.DateField(null=True)),
                ("mou_signed_by", fields.CharField(null=True, max_length=200)),
                (
                    "mou_access_levels",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "agency",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A participating agency (HUD Organization) and its MOU with the Lead Agency (policy 101).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Can",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(unique=True, max_length=200)),
                (
                    "coc",
                    fields.ForeignKeyField(
                        "hearth.ContinuumOfCare",
                        source_field="coc_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="cans",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "backbone_agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="backbone_agency_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="backbone_of",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "can",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A Coordinated Access Network: a region of a CoC with one backbone agency.",
            },
            bases=["Model"],
        ),
        # Agency and Can refer to each other: the agency's CAN is added once both tables exist.
        ops.AddField(
            model_name="Agency",
            name="can",
            field=fields.ForeignKeyField(
                "hearth.Can",
                source_field="can_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="agencies",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.CreateModel(
            name="Membership",
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
                        related_name="memberships",
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
                        related_name="memberships",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "access_level",
                    fields.CharEnumField(
                        description="FULL: FULL\nVIEW_ONLY: VIEW_ONLY\nREPORTING_ONLY: REPORTING_ONLY",
                        enum_type=AccessLevel,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "membership",
                "app": "hearth",
                "unique_together": (("user", "agency"),),
                "pk_attr": "id",
                "table_description": "A user's licence at one agency, with its access level (policy 401).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Project",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="projects",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("common_name", fields.CharField(null=True, max_length=200)),
                ("project_type", fields.SmallIntField()),
                ("operating_start_date", fields.DateField()),
                ("operating_end_date", fields.DateField(null=True)),
                ("continuum_project", fields.BooleanField(default=True)),
                ("housing_type", fields.SmallIntField(null=True)),
                ("target_population", fields.SmallIntField(null=True)),
                ("coc_code", fields.CharField(max_length=6)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "project",
                "app": "hearth",
                "unique_together": (("agency", "name"),),
                "pk_attr": "id",
                "table_description": "A HUD project run by an agency (HUD Project.csv fields).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="UserDuty",
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
                        related_name="duties",
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
                        related_name="duties",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "duty",
                    fields.CharEnumField(
                        description="HMIS_DATA_COORDINATOR: HMIS_DATA_COORDINATOR\nAGENCY_SECURITY_COORDINATOR: AGENCY_SECURITY_COORDINATOR",
                        enum_type=Duty,
                        max_length=40,
                    ),
                ),
                ("assigned_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "user_duty",
                "app": "hearth",
                "unique_together": (("agency", "duty"),),
                "pk_attr": "id",
                "table_description": "A duty within one agency. One holder per agency and duty (policies 107, 108).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AccessRequest",
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
                        related_name="access_requests",
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
                        related_name="access_requests",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="GRANT: GRANT\nREMOVE: REMOVE",
                        enum_type=AccessRequestKind,
                        max_length=16,
                    ),
                ),
                (
                    "access_level",
                    fields.CharEnumField(
                        null=True,
                        description="FULL: FULL\nVIEW_ONLY: VIEW_ONLY\nREPORTING_ONLY: REPORTING_ONLY",
                        enum_type=AccessLevel,
                        max_length=16,
                    ),
                ),
                ("reason", fields.CharField(null=True, max_length=1000)),
                (
                    "status",
                    fields.CharEnumField(
                        default=AccessRequestStatus.PENDING,
                        description="PENDING: PENDING\nAPPROVED: APPROVED\nDENIED: DENIED",
                        enum_type=AccessRequestStatus,
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
                        related_name="access_requests_made",
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
                        related_name="access_requests_decided",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("decision_note", fields.CharField(null=True, max_length=1000)),
            ],
            options={
                "table": "access_request",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "An HDC's request to grant, change or remove a user's access at their agency.",
            },
            bases=["Model"],
        ),
    ]
