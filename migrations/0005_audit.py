from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.enums import AuditAction
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

# The audit trail (DESIGN.md section 5) is append-only at two levels:
#
# 1. Triggers, created below: BEFORE INSERT numbers the row and chains it to the previous one
#    (row_hash = sha256 of the row's canonical content, which includes prev_hash, under a
#    transaction-level advisory lock so that concurrent writers append one after another);
#    BEFORE UPDATE/DELETE and BEFORE TRUNCATE refuse.
# 2. Grants, which a migration cannot set because it does not know the deployment's roles.
#    A production deployment runs the application as a role that does not own the tables
#    and sets, as the owner:
#
#        REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM hearth_app;
#        GRANT SELECT, INSERT ON audit_event TO hearth_app;
#        REVOKE ALL ON FUNCTION hearth_audit_chain() FROM PUBLIC;
#
#    so that the application's own role can neither change rows nor disable the triggers
#    (only a table owner or superuser can ALTER TABLE ... DISABLE TRIGGER). What a superuser
#    does anyway is caught by `hearth audit verify`, which recomputes the chain.

AUDIT_SQL = [
    """
    CREATE OR REPLACE FUNCTION hearth_audit_canonical(e audit_event) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_array(
        e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_id, e.true_actor_id, e.agency_id, e.action, e.entity_type, e.entity_id,
        e.client_id, e.fields_touched, e.release_id, e.request_id, e.operation, e.client_ip,
        e.prev_hash)::text
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION hearth_audit_chain() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      last_seq bigint;
      last_hash varchar(64);
    BEGIN
      -- One writer at a time appends; held to the end of the writer's transaction.
      PERFORM pg_advisory_xact_lock(4805207212);
      SELECT seq, row_hash INTO last_seq, last_hash FROM audit_event ORDER BY seq DESC LIMIT 1;
      NEW.seq := coalesce(last_seq, 0) + 1;
      NEW.prev_hash := last_hash;
      NEW.row_hash := encode(sha256(convert_to(hearth_audit_canonical(NEW), 'UTF8')), 'hex');
      RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION hearth_audit_chain()
    """,
    """
    CREATE OR REPLACE FUNCTION hearth_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION hearth_audit_append_only()
    """,
    """
    CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_audit_append_only()
    """,
    # The User Access Report reads a user's rows of a period from this index alone (index-only
    # scan: no visit to the table's pages, which lie scattered across the whole trail).
    """
    CREATE INDEX audit_event_actor_cover ON audit_event (actor_id, occurred_at)
    INCLUDE (agency_id, action, entity_type, client_id)
    """,
    # The User Access Report asks, per client viewed, whether the user's agency enrolled them.
    "CREATE INDEX IF NOT EXISTS enrollment_client_agency ON enrollment (client_id, agency_id)",
]

AUDIT_REVERSE_SQL = [
    "DROP INDEX IF EXISTS enrollment_client_agency",
    "DROP INDEX IF EXISTS audit_event_actor_cover",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS hearth_audit_append_only()",
    "DROP TRIGGER IF EXISTS audit_event_chain ON audit_event",
    "DROP FUNCTION IF EXISTS hearth_audit_chain()",
    "DROP FUNCTION IF EXISTS hearth_audit_canonical(audit_event)",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0004_client_records")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AccessEscalation",
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
                        related_name="access_escalations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("quarter", fields.CharField(max_length=6)),
                (
                    "subject",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="subject_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="access_escalations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("level", fields.SmallIntField()),
                (
                    "opened_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="opened_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="access_escalations_opened",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("findings", fields.TextField(unique=False)),
                ("ticket_reference", fields.CharField(null=True, max_length=100)),
                (
                    "hdc_reviewed_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="hdc_reviewed_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="access_escalations_hdc_reviewed",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "hdc_reviewed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("manager_name", fields.CharField(null=True, max_length=200)),
                (
                    "manager_reviewed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "deactivated_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("deactivation_reason", fields.CharField(null=True, max_length=500)),
                ("corrective_action", fields.TextField(null=True, unique=False)),
                (
                    "dsb_notified_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("dsb_summary", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "access_escalation",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "Unexpected usage by one user, escalated through levels 1 to 4 (policy 212).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AccessReportPublication",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("quarter", fields.CharField(unique=True, max_length=6)),
                (
                    "published_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="published_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="access_reports_published",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("published_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "access_report_publication",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "The System Administrator ran and distributed a quarter's report (policy 212).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AccessReview",
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
                        related_name="access_reviews",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("quarter", fields.CharField(max_length=6)),
                (
                    "reviewer",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="reviewer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="access_reviews",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("reviewed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("notes", fields.TextField(unique=False)),
                ("actions", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "access_review",
                "app": "hearth",
                "indexes": [Index(fields=["agency_id", "quarter"])],
                "pk_attr": "id",
                "table_description": "An agency's documented review of a quarter's report: date, reviewer, actions (retained).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AuditEvent",
            fields=[
                ("seq", fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("actor_id", fields.UUIDField(null=True)),
                ("true_actor_id", fields.UUIDField(null=True)),
                ("agency_id", fields.UUIDField(null=True)),
                (
                    "action",
                    fields.CharEnumField(
                        description="VIEW: VIEW\nSEARCH: SEARCH\nCREATE: CREATE\nUPDATE: UPDATE\nDELETE_REQUEST: DELETE_REQUEST\nDELETE: DELETE\nEXPORT: EXPORT\nDENIED: DENIED",
                        enum_type=AuditAction,
                        max_length=16,
                    ),
                ),
                ("entity_type", fields.CharField(max_length=40)),
                ("entity_id", fields.CharField(null=True, max_length=64)),
                ("client_id", fields.UUIDField(null=True)),
                (
                    "fields_touched",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("release_id", fields.UUIDField(null=True)),
                ("request_id", fields.CharField(null=True, max_length=64)),
                ("operation", fields.CharField(null=True, max_length=100)),
                ("client_ip", fields.CharField(null=True, max_length=45)),
                ("prev_hash", fields.CharField(null=True, max_length=64)),
                ("row_hash", fields.CharField(max_length=64)),
            ],
            options={
                "table": "audit_event",
                "app": "hearth",
                "indexes": [Index(fields=["client_id", "occurred_at"])],
                "pk_attr": "seq",
                "table_description": "One access to, or change of, client data. Field names only, never values.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "recipient",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="recipient_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="outbox_messages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="outbox_messages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("kind", fields.CharField(max_length=64)),
                ("subject", fields.CharField(max_length=200)),
                (
                    "payload",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "outbox_message",
                "app": "hearth",
                "indexes": [Index(fields=["delivered_at", "created_at"])],
                "pk_attr": "id",
                "table_description": "One notification to one user.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(AUDIT_SQL, reverse_sql=AUDIT_REVERSE_SQL),
    ]
