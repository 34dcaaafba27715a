from tortoise import migrations
from tortoise.migrations import operations as ops

# The audit trail partitioned by month (issue 20 goal 5, decisions 193-196).
#
# - audit_event becomes a table partitioned by RANGE (occurred_at), one partition a calendar
#   month in UTC, named audit_event_yYYYYmMM, and a DEFAULT partition (audit_event_default) that
#   takes any row no month partition does: no insert ever fails for a missing partition
#   (decision 193). The primary key must hold the partition key: (seq, occurred_at). seq is still
#   the identity column (GENERATED ALWAYS, the same sequence name, continuing after the existing
#   rows), so a writer still cannot choose its number; nothing refers to audit_event by a foreign
#   key (audit_seal holds numbers, not references).
# - hearth_audit_partitions(ahead, since) makes the month partitions from `since` (default: this
#   month) to `ahead` months after this one (at least `since`'s month), each with its TRUNCATE guard and no privilege for
#   hearth_app (the application reaches the rows through audit_event alone). SECURITY DEFINER:
#   every Hearth process's sealer calls it (services.audit_partitions.ensure_ahead) as
#   hearth_app, which may not create tables itself. A month whose rows already fell into the
#   DEFAULT partition is left there (a warning; decision 193).
# - The existing table is renamed, its rows moved into the partitioned one (its secondary
#   indexes are built after the move, under the same names), and dropped. The row triggers
#   (append-only) are created on audit_event and cloned by PostgreSQL to every partition,
#   present and future; TRUNCATE, a statement trigger that a partition does not inherit, is
#   guarded on each partition by its own trigger of the same name.
# - audit_archive and audit_archive_block record the months detached for archive
#   (`hearth audit detach-partition`, services.audit_partitions.detach_before, decision 195):
#   per sealed block that held detached rows, the count and hash of the rows that stay, so that
#   `hearth audit verify` still checks every block from the detached point on. Both append-only;
#   audit_archive_block names its block by number without a foreign key to audit_seal (which
#   would make TRUNCATE audit_seal fail on the reference before its guard refuses it).

# The row's canonical text (migration 0010), on the new table's row type; replaced at once by the
# definition the database had, if it had a later one.
CANONICAL = """
CREATE OR REPLACE FUNCTION hearth_audit_canonical(e audit_event) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT (jsonb_build_array(
    e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    e.actor_id, e.true_actor_id, e.agency_id, e.action, e.entity_type, e.entity_id,
    e.client_id, e.fields_touched, e.release_id, e.request_id, e.operation, e.client_ip)
    || CASE WHEN e.caller_request_id IS NULL THEN '[]'::jsonb
            ELSE jsonb_build_array(e.caller_request_id) END)::text
$$
"""

PARTITIONS = r"""
CREATE OR REPLACE FUNCTION hearth_audit_partitions(ahead integer, since timestamptz DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  last_month date := (date_trunc('month', now() AT TIME ZONE 'UTC')
                      + make_interval(months => greatest(ahead, 0)))::date;
  m date := date_trunc('month', coalesce(since, now()) AT TIME ZONE 'UTC')::date;
  upto date := greatest(last_month, m);
  part text;
  lo timestamptz;
  hi timestamptz;
  made integer := 0;
  waited text := current_setting('lock_timeout');
BEGIN
  -- The usual call, every few minutes from every process: the furthest month is there already.
  IF since IS NULL AND to_regclass('public.audit_event_' || to_char(last_month, '"y"YYYY"m"MM')) IS NOT NULL THEN
    RETURN 0;
  END IF;
  PERFORM pg_advisory_xact_lock(4805207214);  -- one maker at a time
  -- A partition is made under an ACCESS EXCLUSIVE lock on audit_event: behind a long writer,
  -- every request's audit insert would queue behind it. Give up instead; the sealer retries.
  PERFORM set_config('lock_timeout', '2s', true);
  WHILE m <= upto LOOP
    part := 'audit_event_' || to_char(m, '"y"YYYY"m"MM');
    lo := m::timestamp AT TIME ZONE 'UTC';
    hi := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    IF to_regclass('public.' || part) IS NULL THEN
      IF EXISTS (SELECT 1 FROM audit_event_default WHERE occurred_at >= lo AND occurred_at < hi) THEN
        RAISE WARNING 'audit rows of % are in audit_event_default: that month keeps them there', to_char(m, 'YYYY-MM');
      ELSE
        EXECUTE format('CREATE TABLE public.%I PARTITION OF public.audit_event FOR VALUES FROM (%L) TO (%L)',
                       part, lo, hi);
        EXECUTE format('CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON public.%I'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION hearth_audit_append_only()', part);
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hearth_app') THEN
          EXECUTE format('REVOKE ALL ON public.%I FROM hearth_app', part);
        END IF;
        made := made + 1;
      END IF;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  PERFORM set_config('lock_timeout', waited, true);
  RETURN made;
END $$
"""

FORWARD = [
    # What depends on the old table's row type goes with it, and comes back as it was defined
    # (whatever migration last defined it: 0010, or 0032 if it ran first) on the new table's
    # row type; the sealer's functions name the table in their bodies and find the new one.
    "CREATE TEMPORARY TABLE hearth_audit_functions ON COMMIT DROP AS"
    " SELECT pg_get_functiondef(p.oid) AS definition FROM pg_proc p"
    " WHERE p.proname = 'hearth_audit_canonical'"
    " AND p.proargtypes[0] = 'audit_event'::regtype",
    "DROP FUNCTION IF EXISTS hearth_audit_canonical(audit_event)",
    "ALTER TABLE audit_event RENAME TO audit_event_unpartitioned",
    "ALTER TABLE audit_event_unpartitioned RENAME CONSTRAINT audit_event_pkey"
    " TO audit_event_unpartitioned_pkey",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event_unpartitioned",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event_unpartitioned",
    # The secondary indexes (the User Access Report's covering index, the client trail's and any
    # other), kept to be built again on the new table under the same names after the move.
    "CREATE TEMPORARY TABLE hearth_audit_indexes ON COMMIT DROP AS"
    " SELECT indexname, indexdef FROM pg_indexes"
    " WHERE schemaname = current_schema() AND tablename = 'audit_event_unpartitioned'"
    " AND indexname <> 'audit_event_unpartitioned_pkey'",
    """
    DO $$ DECLARE i record; BEGIN
      FOR i IN SELECT indexname FROM hearth_audit_indexes LOOP
        EXECUTE format('DROP INDEX %I', i.indexname);
      END LOOP;
    END $$
    """,
    # The same columns in the same order (the canonical text and `SELECT *` rely on neither,
    # the move below does), their defaults and comments; the identity is made afresh below.
    "CREATE TABLE audit_event (LIKE audit_event_unpartitioned INCLUDING DEFAULTS"
    " INCLUDING COMMENTS) PARTITION BY RANGE (occurred_at)",
    "COMMENT ON TABLE audit_event IS 'One access to, or change of, client data. Field names only,"
    " never values. Partitioned by month of occurred_at (UTC).'",
    "CREATE TABLE audit_event_default PARTITION OF audit_event DEFAULT",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event_default"
    " FOR EACH STATEMENT EXECUTE FUNCTION hearth_audit_append_only()",
    # (0010's text when there was none to keep: a database migrated before 0005 cannot be here)
    CANONICAL,
    """
    DO $$ DECLARE f record; BEGIN
      FOR f IN SELECT definition FROM hearth_audit_functions LOOP
        EXECUTE f.definition;
      END LOOP;
    END $$
    """,
    PARTITIONS,
    # Months from the oldest row's to three after this one.
    "SELECT hearth_audit_partitions(3, (SELECT min(occurred_at) FROM audit_event_unpartitioned))",
    "INSERT INTO audit_event SELECT * FROM audit_event_unpartitioned",
    # Numbering goes on after the moved rows, from a sequence of the same name.
    "ALTER TABLE audit_event_unpartitioned ALTER COLUMN seq DROP IDENTITY",
    "ALTER TABLE audit_event ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY",
    """
    SELECT setval(pg_get_serial_sequence('audit_event', 'seq'), max(seq))
      FROM audit_event HAVING max(seq) IS NOT NULL
    """,
    "ALTER TABLE audit_event ADD CONSTRAINT audit_event_pkey PRIMARY KEY (seq, occurred_at)",
    """
    DO $$ DECLARE i record; BEGIN
      FOR i IN SELECT indexdef FROM hearth_audit_indexes LOOP
        EXECUTE replace(i.indexdef, ' ON public.audit_event_unpartitioned ',
                        ' ON public.audit_event ');
      END LOOP;
    END $$
    """,
    "DROP TABLE audit_event_unpartitioned",
    # Append-only (migration 0005): the row trigger is cloned to every partition.
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION hearth_audit_append_only()
    """,
    """
    CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION hearth_audit_append_only()
    """,
    # Grants (migration 0013): the application reads and appends through audit_event, and may
    # number its rows; it has no privilege on a partition itself.
    """
    DO $$ DECLARE p record; BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hearth_app') THEN
        REVOKE ALL ON audit_event FROM hearth_app;
        GRANT SELECT, INSERT ON audit_event TO hearth_app;
        GRANT USAGE, SELECT ON SEQUENCE audit_event_seq_seq TO hearth_app;
        FOR p IN SELECT inhrelid::regclass::text AS name FROM pg_inherits
                  WHERE inhparent = 'audit_event'::regclass LOOP
          EXECUTE format('REVOKE ALL ON %s FROM hearth_app', p.name);
        END LOOP;
        GRANT EXECUTE ON FUNCTION hearth_audit_partitions(integer, timestamptz) TO hearth_app;
      END IF;
    END $$
    """,
    "REVOKE ALL ON FUNCTION hearth_audit_partitions(integer, timestamptz) FROM PUBLIC",
    # Months detached for archive (decision 195).
    """
    CREATE TABLE audit_archive (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      before timestamptz NOT NULL,
      tables text[] NOT NULL,
      row_count bigint NOT NULL,
      min_seq bigint,
      max_seq bigint,
      detached_at timestamptz NOT NULL DEFAULT now(),
      detached_by text NOT NULL DEFAULT session_user
    )
    """,
    "COMMENT ON TABLE audit_archive IS 'Month partitions of audit_event detached for archive"
    " (hearth audit detach-partition).'",
    """
    CREATE TABLE audit_archive_block (
      archive_id bigint NOT NULL REFERENCES audit_archive (id),
      last_seq bigint NOT NULL,  -- an audit_seal block (no foreign key: see the comment above)
      kept_rows bigint NOT NULL,
      kept_hash varchar(64),
      PRIMARY KEY (last_seq, archive_id),
      CHECK ((kept_rows = 0) = (kept_hash IS NULL))
    )
    """,
    "COMMENT ON TABLE audit_archive_block IS 'A sealed block that held detached rows: the count"
    " and hash (hearth_audit_block with no previous hash) of its rows left in audit_event.'",
    *(
        statement
        for table in ("audit_archive", "audit_archive_block")
        for statement in (
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION hearth_audit_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION hearth_audit_append_only()",
        )
    ),
    """
    DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hearth_app') THEN
        REVOKE ALL ON audit_archive, audit_archive_block FROM hearth_app;
        GRANT SELECT ON audit_archive, audit_archive_block TO hearth_app;
      END IF;
    END $$
    """,
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0033_row_security_flat")]

    initial = False

    # No reverse: going back would need every detached month attached again first.
    operations = [ops.RunSQL(FORWARD, reverse_sql=[])]
