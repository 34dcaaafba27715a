from tortoise import migrations
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.migrations import operations as ops

# The read audit writes one VIEW row per client per request (issue 20 goal 3, decision 189):
# the row names the client, and three parallel arrays list the records of that client read with
# it (type, id, comma-separated field names). Plain nullable ADD COLUMNs: no table rewrite, no
# constraint, so they work alike on a plain or a partitioned audit_event (a partitioned table
# passes the columns to every partition). The rows written before keep their shape (one VIEW
# row per record): they are append-only and sealed, so they cannot be rewritten, and the readers
# take both shapes (services.audit.read_entries).
#
# The canonical text of a row (what a seal's hash covers) gains the three arrays, only when the
# row has them, so every row sealed before this migration still verifies (as 0010 did for the
# caller's request id).

CANONICAL = """
    CREATE OR REPLACE FUNCTION hearth_audit_canonical(e audit_event) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT (jsonb_build_array(
        e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_id, e.true_actor_id, e.agency_id, e.action, e.entity_type, e.entity_id,
        e.client_id, e.fields_touched, e.release_id, e.request_id, e.operation, e.client_ip)
        || CASE WHEN e.caller_request_id IS NULL THEN '[]'::jsonb
                ELSE jsonb_build_array(e.caller_request_id) END{reads})::text
    $$
"""
READS = """
        || CASE WHEN e.read_types IS NULL THEN '[]'::jsonb
                ELSE jsonb_build_array(jsonb_build_object(
                  'read', jsonb_build_array(e.read_types, e.read_ids, e.read_fields))) END"""

AFTER_SQL = [
    CANONICAL.format(reads=READS),
    "COMMENT ON COLUMN audit_event.read_types IS 'VIEW row of a client: the types of the records"
    " of the client read with it (parallel to read_ids, read_fields)'",
]

# Back to 0010's text, before the columns go.
BEFORE_REVERSE_SQL = [CANONICAL.format(reads="")]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0030_row_security_system_first")]

    initial = False

    operations = [
        ops.RunSQL([], reverse_sql=BEFORE_REVERSE_SQL),
        ops.AddField(
            model_name="AuditEvent", name="read_types", field=ArrayField("text", null=True)
        ),
        ops.AddField(model_name="AuditEvent", name="read_ids", field=ArrayField("text", null=True)),
        ops.AddField(
            model_name="AuditEvent", name="read_fields", field=ArrayField("text", null=True)
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=[]),
    ]
