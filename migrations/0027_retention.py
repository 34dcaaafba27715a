from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops

from models.retention import RetentionOutcome, RetentionStatus

# The 7-year retention run (policy 303, docs/retention.md, decisions 170-174): a plan and its
# exact clients, a client's de-identification stamp, and the one narrow way past two append-only
# triggers. A case note's text is removed, and a correction's note emptied, without a deletion
# request only while the retention run works on that client: the session setting
# hearth.retention_run is on (the run sets it per transaction) AND the client is a pending client
# of a RUNNING plan. Nothing else changes in either trigger. The plan's clients table holds client
# ids: under row-level security, visible to the system only (the run's administrative act).
ORIGINAL_CASE_NOTE = """
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
"""
CASE_NOTE = """
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
  IF hearth_retention_removes(OLD.client_id) THEN
    RETURN NEW;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM case_note_deletion_request r
                  WHERE r.note_id = OLD.id AND r.status = 'APPROVED') THEN
    RAISE EXCEPTION 'a case note is deleted only under an approved deletion request (policy 404)'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$
"""
ORIGINAL_ANNOTATION = """
CREATE OR REPLACE FUNCTION hearth_annotation_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'corrections and supplements are never changed or deleted (policy 207 f)'
    USING ERRCODE = 'integrity_constraint_violation';
END $$
"""
ANNOTATION = """
CREATE OR REPLACE FUNCTION hearth_annotation_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- The retention run empties the note (it may name the client); the annotation stays.
  IF TG_OP = 'UPDATE' AND NEW.note = '' AND hearth_retention_removes(OLD.client_id)
     AND (NEW.id, NEW.client_id, NEW.agency_id, NEW.field, NEW.kind, NEW.created_by_id,
          NEW.created_at)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.client_id, OLD.agency_id, OLD.field, OLD.kind, OLD.created_by_id,
          OLD.created_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'corrections and supplements are never changed or deleted (policy 207 f)'
    USING ERRCODE = 'integrity_constraint_violation';
END $$
"""
REMOVES = """
CREATE OR REPLACE FUNCTION hearth_retention_removes(client uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT COALESCE(current_setting('hearth.retention_run', true), '') = 'on'
     AND EXISTS (SELECT 1 FROM retention_plan_client rc
                   JOIN retention_plan p ON p.id = rc.plan_id
                  WHERE rc.client_id = client AND rc.outcome IS NULL AND p.status = 'RUNNING')
$$
"""
AFTER_SQL = [
    REMOVES,
    CASE_NOTE,
    ANNOTATION,
    "CREATE INDEX retention_plan_client_pending ON retention_plan_client (plan_id, id)"
    " WHERE outcome IS NULL",
    "ALTER TABLE retention_plan_client ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY retention_plan_client_system ON retention_plan_client"
    " USING (hearth_rls_on('hearth.system')) WITH CHECK (hearth_rls_on('hearth.system'))",
]
REVERSE_SQL = [
    "DROP POLICY IF EXISTS retention_plan_client_system ON retention_plan_client",
    "DROP INDEX IF EXISTS retention_plan_client_pending",
    ORIGINAL_ANNOTATION,
    ORIGINAL_CASE_NOTE,
    "DROP FUNCTION IF EXISTS hearth_retention_removes(uuid)",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0026_data_releases")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RetentionPlan",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=RetentionStatus.AWAITING_AUTHORIZATION,
                        description="AWAITING_AUTHORIZATION: AWAITING_AUTHORIZATION\nAUTHORIZED: AUTHORIZED\nREJECTED: REJECTED\nRUNNING: RUNNING\nCOMPLETED: COMPLETED",
                        enum_type=RetentionStatus,
                        max_length=24,
                    ),
                ),
                ("as_of", fields.DateField()),
                ("cutoff", fields.DateField()),
                (
                    "planned_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="planned_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="retention_plans",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("planned_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("client_count", fields.IntField(default=0)),
                ("note", fields.CharField(null=True, max_length=1000)),
                (
                    "motion",
                    fields.ForeignKeyField(
                        "hearth.Motion",
                        source_field="motion_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="retention_plans",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("dry_run_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "dry_run_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="dry_run_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="retention_dry_runs",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("dry_run_report", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "run_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="run_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="retention_runs",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "run_started_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "run_completed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("deidentified", fields.IntField(default=0)),
                ("skipped", fields.IntField(default=0)),
            ],
            options={
                "table": "retention_plan",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "The System Administrator's list for one year's window (1 October - 31 December): the exact",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RetentionPlanClient",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "plan",
                    fields.ForeignKeyField(
                        "hearth.RetentionPlan",
                        source_field="plan_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="clients",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "hearth.Client",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="retention_plans",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "outcome",
                    fields.CharEnumField(
                        null=True,
                        description="DEIDENTIFIED: DEIDENTIFIED\nSKIPPED_ACTIVE: SKIPPED_ACTIVE\nSKIPPED_DONE: SKIPPED_DONE",
                        enum_type=RetentionOutcome,
                        max_length=16,
                    ),
                ),
                ("done_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "retention_plan_client",
                "app": "hearth",
                "unique_together": (("plan", "client"),),
                "pk_attr": "id",
                "table_description": "One client of the plan (ids only) and what the run did to it.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RetentionPlanLine",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "plan",
                    fields.ForeignKeyField(
                        "hearth.RetentionPlan",
                        source_field="plan_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="lines",
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
                        related_name="retention_lines",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "project",
                    fields.ForeignKeyField(
                        "hearth.Project",
                        source_field="project_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="retention_lines",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("clients", fields.IntField()),
            ],
            options={
                "table": "retention_plan_line",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "One count of the plan: distinct clients of an agency (project null: whose records the",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Client",
            name="deidentified_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Client",
            name="deidentified_by_plan",
            field=fields.ForeignKeyField(
                "hearth.RetentionPlan",
                source_field="deidentified_by_plan_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="deidentified_clients",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
