from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

# The governance log (models/governance_log.py): every administrative write, append-only like the
# audit trail. The application's role may only read and append.
AFTER_SQL = [
    """
    CREATE OR REPLACE FUNCTION hearth_governance_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'governance_event is append-only'
        USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    "CREATE TRIGGER governance_event_append_only BEFORE UPDATE OR DELETE ON governance_event"
    " FOR EACH ROW EXECUTE FUNCTION hearth_governance_append_only()",
    "CREATE TRIGGER governance_event_no_truncate BEFORE TRUNCATE ON governance_event"
    " FOR EACH STATEMENT EXECUTE FUNCTION hearth_no_truncate()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON governance_event FROM hearth_app",
]
REVERSE_SQL = [
    "DROP TRIGGER IF EXISTS governance_event_no_truncate ON governance_event",
    "DROP TRIGGER IF EXISTS governance_event_append_only ON governance_event",
    "DROP FUNCTION IF EXISTS hearth_governance_append_only()",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0014_annotation_append_only")]

    initial = False

    operations = [
        ops.CreateModel(
            name="GovernanceEvent",
            fields=[
                (
                    "seq",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("actor_id", fields.UUIDField(null=True)),
                ("actor_kind", fields.CharField(max_length=16)),
                ("agency_id", fields.UUIDField(null=True)),
                ("action", fields.CharField(max_length=64)),
                ("entity_type", fields.CharField(max_length=40)),
                ("entity_id", fields.CharField(null=True, max_length=64)),
                ("before", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("after", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("reason", fields.TextField(null=True, unique=False)),
                ("request_id", fields.CharField(null=True, max_length=64)),
                ("caller_request_id", fields.CharField(null=True, max_length=64)),
                ("operation", fields.CharField(null=True, max_length=100)),
            ],
            options={
                "table": "governance_event",
                "app": "hearth",
                "indexes": [
                    Index(fields=["entity_type", "entity_id"]),
                    Index(fields=["actor_id", "occurred_at"]),
                ],
                "pk_attr": "seq",
                "table_description": "One administrative write.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
