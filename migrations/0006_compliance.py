from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.compliance import CaseKind, CaseRule, CaseStatus, JobStatus
from models.outbox import DeliveryStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

# At most one open case per user and kind (a sweep run twice opens nothing new); the first
# sign-in of existing users from their oldest session.
COMPLIANCE_SQL = """
CREATE UNIQUE INDEX compliance_case_one_open ON compliance_case (user_id, kind) WHERE status = 'OPEN';
UPDATE hearth_user u SET first_login_at = s.first
  FROM (SELECT user_id, min(created_at) AS first FROM session GROUP BY user_id) s
 WHERE s.user_id = u.id AND u.first_login_at IS NULL;
UPDATE hearth_user SET first_login_at = last_login_at
 WHERE first_login_at IS NULL AND last_login_at IS NOT NULL;
UPDATE outbox_message SET status = 'SENT' WHERE delivered_at IS NOT NULL;
"""

COMPLIANCE_REVERSE_SQL = "DROP INDEX IF EXISTS compliance_case_one_open;"


class Migration(migrations.Migration):
    dependencies = [("hearth", "0005_audit")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AgencyRetrainingRequest",
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
                        related_name="retraining_requests",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "coc",
                    fields.ForeignKeyField(
                        "hearth.ContinuumOfCare",
                        source_field="coc_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="retraining_requests",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("reason", fields.CharField(max_length=500)),
                (
                    "requested_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="requested_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="retraining_requests_made",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("requested_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "agency_retraining_request",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A CoC's request that an agency's users be retrained (policy 211 (d)).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ComplianceCase",
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
                        related_name="compliance_cases",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SHARED_CONTACT: SHARED_CONTACT\nRETRAINING: RETRAINING",
                        enum_type=CaseKind,
                        max_length=24,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=CaseStatus.OPEN,
                        description="OPEN: OPEN\nRESOLVED: RESOLVED\nENFORCED: ENFORCED\nWITHDRAWN: WITHDRAWN",
                        enum_type=CaseStatus,
                        max_length=16,
                    ),
                ),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("due_on", fields.DateField()),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("resolution", fields.CharField(null=True, max_length=500)),
            ],
            options={
                "table": "compliance_case",
                "app": "hearth",
                "indexes": [Index(fields=["status", "due_on"])],
                "pk_attr": "id",
                "table_description": "One user's obligation with a deadline: at most one open case per user and kind.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ComplianceFinding",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "case",
                    fields.ForeignKeyField(
                        "hearth.ComplianceCase",
                        source_field="case_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="findings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="compliance_findings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "rule",
                    fields.CharEnumField(
                        description="SHARED_EMAIL: SHARED_EMAIL\nSHARED_MFA_CONTACT: SHARED_MFA_CONTACT\nNO_LOGIN_AFTER_TRAINING: NO_LOGIN_AFTER_TRAINING\nREPEATED_TICKETS: REPEATED_TICKETS\nHELPDESK_HOURS: HELPDESK_HOURS\nCOC_REQUEST: COC_REQUEST",
                        enum_type=CaseRule,
                        max_length=32,
                    ),
                ),
                ("key", fields.CharField(max_length=200)),
                (
                    "evidence",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("found_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "compliance_finding",
                "app": "hearth",
                "unique_together": (("user", "rule", "key"),),
                "pk_attr": "id",
                "table_description": "A rule that matched, with its evidence. ``key`` names the occurrence (the shared contact,",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="HelpdeskTicket",
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
                        related_name="helpdesk_tickets",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("external_ref", fields.CharField(null=True, unique=True, max_length=64)),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("topic", fields.CharField(max_length=200)),
                ("topic_key", fields.CharField(max_length=200)),
                ("minutes_spent", fields.IntField()),
                ("system_performance_issue", fields.BooleanField()),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "helpdesk_ticket",
                "app": "hearth",
                "indexes": [Index(fields=["user_id", "opened_at"])],
                "pk_attr": "id",
                "table_description": "A help-desk ticket as the help-desk integration reports it (input to policy 211).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="JobRun",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("job", fields.CharField(max_length=40)),
                ("slot", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("trigger", fields.CharField(max_length=16)),
                ("instance", fields.CharField(max_length=100)),
                (
                    "status",
                    fields.CharEnumField(
                        default=JobStatus.RUNNING,
                        description="RUNNING: RUNNING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED",
                        enum_type=JobStatus,
                        max_length=16,
                    ),
                ),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "counts",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("error", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "job_run",
                "app": "hearth",
                "unique_together": (("job", "slot"),),
                "indexes": [Index(fields=["job", "started_at"])],
                "pk_attr": "id",
                "table_description": "One run of a job: when, what it did, how it ended. ``slot`` is the scheduled time the run",
            },
            bases=["Model"],
        ),
        ops.RemoveIndex(
            model_name="OutboxMessage",
            name=None,
            fields=["delivered_at", "created_at"],
        ),
        ops.AlterModelOptions(
            name="OutboxMessage",
            options={
                "table": "outbox_message",
                "app": "hearth",
                "indexes": [Index(fields=["status", "next_attempt_at"])],
                "pk_attr": "id",
                "table_description": "One notification to one recipient: a user, or an address with no account (an agency's",
            },
        ),
        ops.AlterField(
            model_name="OutboxMessage",
            name="recipient",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="recipient_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="outbox_messages",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="attempts",
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="body",
            field=fields.TextField(default="", unique=False),
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="dedupe_key",
            field=fields.CharField(null=True, unique=True, max_length=200),
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="last_error",
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="next_attempt_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="status",
            field=fields.CharEnumField(
                default=DeliveryStatus.PENDING,
                description="PENDING: PENDING\nSENT: SENT\nDEAD: DEAD",
                enum_type=DeliveryStatus,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="OutboxMessage",
            name="to_address",
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AddIndex(
            model_name="OutboxMessage",
            index=Index(fields=["status", "next_attempt_at"]),
        ),
        ops.AlterField(
            model_name="User",
            name="email_normalized",
            field=fields.CharField(db_index=True, max_length=254),
        ),
        ops.AlterField(
            model_name="User",
            name="mfa_contact_normalized",
            field=fields.CharField(null=True, db_index=True, max_length=254),
        ),
        ops.AddField(
            model_name="User",
            name="first_login_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunSQL(COMPLIANCE_SQL, reverse_sql=COMPLIANCE_REVERSE_SQL),
    ]
