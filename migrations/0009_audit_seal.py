from tortoise import migrations
from tortoise.migrations import operations as ops

# The audit chain leaves the request path (decision 65; it replaces decision 36).
#
# Until now a BEFORE INSERT trigger chained every row to the previous one under one advisory lock
# held to the writer's commit: every request that read client data queued behind every other for
# its audit insert (about 155 rows per search page). Now:
#
# - Writers only append. `seq` is an identity column (GENERATED ALWAYS: a writer cannot choose its
#   number). No advisory lock, no read of the last row, no hash, no row trigger.
# - A sealer (services.audit.seal; every Hearth process runs one) chains the committed rows in
#   blocks: audit_seal holds, per block, the range of numbers it covers, its row count, the
#   previous block's hash and sha256(previous hash + the canonical text of each row in order).
#   A block is sealed only when it is final: hearth_audit_mark() reads the last number handed out
#   and then lists the transactions writing to audit_event; once they have all ended, no row
#   numbered up to it can still appear (rows of aborted transactions leave gaps, which the hashes
#   cover as they are). hearth_audit_seal() refuses a horizon that is not final yet.
# - `hearth audit verify` recomputes every block: a changed, deleted or inserted row, or a
#   changed or deleted block, breaks a hash or a link. Rows newer than the last block are
#   reported as unsealed (seconds' worth under load).
#
# Production grants (as in 0005): the application's role needs SELECT, INSERT on audit_seal and
# SELECT on the sequence (hearth_audit_mark reads its last value), and nothing more:
#
#     REVOKE UPDATE, DELETE, TRUNCATE ON audit_seal FROM hearth_app;
#     GRANT SELECT, INSERT ON audit_seal TO hearth_app;
#     GRANT SELECT ON SEQUENCE audit_event_seq_seq TO hearth_app;
#
# The per-row prev_hash and row_hash columns go: the first sealer run after this migration seals
# the existing rows with everything else (run `hearth audit verify` before upgrading to check the
# old chain one last time). audit_seal is append-only like audit_event, by the same triggers.

BEFORE_SQL = [
    "DROP TRIGGER IF EXISTS audit_event_chain ON audit_event",
    "DROP FUNCTION IF EXISTS hearth_audit_chain()",
    "DROP FUNCTION IF EXISTS hearth_audit_canonical(audit_event)",
]

AFTER_SQL = [
    # Identity numbering, continuing after the existing rows.
    "ALTER TABLE audit_event ALTER COLUMN seq DROP DEFAULT",
    "DROP SEQUENCE IF EXISTS audit_event_seq_seq",
    "ALTER TABLE audit_event ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY",
    """
    SELECT setval(pg_get_serial_sequence('audit_event', 'seq'), max(seq))
      FROM audit_event HAVING max(seq) IS NOT NULL
    """,
    # The canonical text of a row (what a block's hash covers).
    """
    CREATE OR REPLACE FUNCTION hearth_audit_canonical(e audit_event) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_array(
        e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_id, e.true_actor_id, e.agency_id, e.action, e.entity_type, e.entity_id,
        e.client_id, e.fields_touched, e.release_id, e.request_id, e.operation, e.client_ip)::text
    $$
    """,
    """
    CREATE TABLE audit_seal (
      last_seq bigint PRIMARY KEY,
      after_seq bigint NOT NULL,
      first_seq bigint NOT NULL,
      row_count integer NOT NULL,
      prev_hash varchar(64),
      hash varchar(64) NOT NULL,
      sealed_at timestamptz NOT NULL DEFAULT now(),
      CHECK (after_seq < first_seq AND first_seq <= last_seq AND row_count > 0)
    )
    """,
    "COMMENT ON TABLE audit_seal IS 'One sealed block of the audit trail: rows after_seq < seq <= last_seq, chained by hash.'",
    """
    CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON audit_seal
    FOR EACH ROW EXECUTE FUNCTION hearth_audit_append_only()
    """,
    """
    CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON audit_seal
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_audit_append_only()
    """,
    # The rows after_seq < seq <= last_seq: how many, the first number, and their hash chained
    # to the previous block's.
    """
    CREATE OR REPLACE FUNCTION hearth_audit_block(
      after_seq bigint, last_seq bigint, prev_hash text,
      OUT row_count bigint, OUT first_seq bigint, OUT hash text)
    LANGUAGE sql STABLE AS $$
      SELECT count(*), min(a.seq),
             encode(sha256(convert_to(coalesce($3, '')
                    || string_agg(E'\\n' || hearth_audit_canonical(a), '' ORDER BY a.seq), 'UTF8')), 'hex')
        FROM audit_event a WHERE a.seq > $1 AND a.seq <= $2
    $$
    """,
    # The last number handed out, then the transactions that hold audit_event open for writing
    # (a writer locks the table, ROW EXCLUSIVE, before its rows draw numbers, and keeps the lock
    # to its end): once they have all ended, every row numbered up to `horizon` is committed or
    # gone. Only this database's writers count, and the lock table is readable by any role.
    """
    CREATE OR REPLACE FUNCTION hearth_audit_mark(OUT horizon bigint, OUT writers text[])
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      horizon := coalesce(pg_sequence_last_value(pg_get_serial_sequence('audit_event', 'seq')::regclass), 0);
      SELECT coalesce(array_agg(DISTINCT l.virtualtransaction), '{}') INTO writers
        FROM pg_locks l
       WHERE l.locktype = 'relation' AND l.relation = 'audit_event'::regclass
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.mode = 'RowExclusiveLock' AND l.pid IS DISTINCT FROM pg_backend_pid();
    END $$
    """,
    # Seal up to max_rows rows after the last block, up to a final horizon; the rows sealed
    # (0: nothing to seal), or NULL when the horizon is not final yet.
    """
    CREATE OR REPLACE FUNCTION hearth_audit_seal(horizon bigint, writers text[], max_rows integer)
    RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      prev audit_seal%ROWTYPE;
      after bigint;
      upto bigint;
      b record;
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY (writers)) THEN
        RETURN NULL;  -- a writer that may hold numbers up to horizon is still running
      END IF;
      PERFORM pg_advisory_xact_lock(4805207213);  -- one sealer at a time
      SELECT * INTO prev FROM audit_seal ORDER BY last_seq DESC LIMIT 1;
      after := coalesce(prev.last_seq, -9223372036854775808);
      SELECT max(seq) INTO upto
        FROM (SELECT seq FROM audit_event WHERE seq > after AND seq <= horizon ORDER BY seq LIMIT max_rows) s;
      IF upto IS NULL THEN
        RETURN 0;
      END IF;
      SELECT * INTO b FROM hearth_audit_block(after, upto, prev.hash);
      INSERT INTO audit_seal (last_seq, after_seq, first_seq, row_count, prev_hash, hash)
      VALUES (upto, after, b.first_seq, b.row_count, prev.hash, b.hash);
      RETURN b.row_count;
    END $$
    """,
]

REVERSE_SQL = [
    "DROP FUNCTION IF EXISTS hearth_audit_seal(bigint, text[], integer)",
    "DROP FUNCTION IF EXISTS hearth_audit_mark()",
    "DROP FUNCTION IF EXISTS hearth_audit_block(bigint, bigint, text)",
    "DROP TABLE IF EXISTS audit_seal",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0008_hot_path_indexes")]

    initial = False

    operations = [
        ops.RunSQL(BEFORE_SQL),
        ops.RemoveField(model_name="AuditEvent", name="prev_hash"),
        ops.RemoveField(model_name="AuditEvent", name="row_hash"),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
