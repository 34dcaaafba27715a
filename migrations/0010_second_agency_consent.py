from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from models.enums import ConsentRelationship

# - A second agency's consent records its relationship with the client (an enrollment or a
#   referral) and the referral's reference (decision 99).
# - A release records the condition of a VERBAL release: the first contact was by phone
#   (decision 98).
# - The audit trail keeps Hearth's own request id and, beside it, the id the caller sent. The
#   canonical text of a row (what a seal's hash covers) gains the caller's id only when there is
#   one, so the rows sealed before this migration still verify.
# - Truncation is refused on the append-only client tables, as on the audit tables (0005, 0009):
#   their row triggers refuse UPDATE and DELETE, which TRUNCATE would otherwise bypass.

APPEND_ONLY = ("case_note", "release_of_information", "case_note_deletion_request")

AFTER_SQL = [
    """
    CREATE OR REPLACE FUNCTION hearth_audit_canonical(e audit_event) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT (jsonb_build_array(
        e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_id, e.true_actor_id, e.agency_id, e.action, e.entity_type, e.entity_id,
        e.client_id, e.fields_touched, e.release_id, e.request_id, e.operation, e.client_ip)
        || CASE WHEN e.caller_request_id IS NULL THEN '[]'::jsonb
                ELSE jsonb_build_array(e.caller_request_id) END)::text
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION hearth_no_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only (TRUNCATE refused)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    *(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION hearth_no_truncate()"
        for table in APPEND_ONLY
    ),
]

REVERSE_SQL = [
    *(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}" for table in APPEND_ONLY),
    "DROP FUNCTION IF EXISTS hearth_no_truncate()",
    """
    CREATE OR REPLACE FUNCTION hearth_audit_canonical(e audit_event) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_array(
        e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_id, e.true_actor_id, e.agency_id, e.action, e.entity_type, e.entity_id,
        e.client_id, e.fields_touched, e.release_id, e.request_id, e.operation, e.client_ip)::text
    $$
    """,
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0009_audit_seal")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ConsentToEnter",
            name="relationship",
            field=fields.CharEnumField(ConsentRelationship, max_length=16, null=True),
        ),
        ops.AddField(
            model_name="ConsentToEnter",
            name="referral_reference",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name="Release",
            name="first_contact_by_phone",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="AuditEvent",
            name="caller_request_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
