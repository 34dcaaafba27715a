# ruff: noqa: S608  (SQL written from constants in this file: no input reaches it)
from tortoise import migrations
from tortoise.migrations import operations as ops

# The fourth wall (decision 97): PostgreSQL row-level security on every table of client data.
#
# - The role hearth_app (no login): the API's sessions take it (api.db.APP_ROLE); the tables'
#   owner, which migrations and the command line use, is not bound by the policies.
# - The policies ask what authz.clients asks, of the session settings the API sets for each
#   caller (authz.clients.row_security): hearth.read_agencies, hearth.recipient_cans,
#   hearth.backbone_cans (uuid[] literals), hearth.today, hearth.part2, hearth.system. With no
#   settings a session sees no client row.
# - The tests of one row are SECURITY DEFINER functions (they read the client, consents and
#   releases, which are themselves guarded, as the owner: no policy recursion), schema-qualified,
#   STABLE; inside them, and in the name search's lookup, the tests are inline SQL.
# - Reads, updates and deletes are bound; inserts are checked by the application (a new client
#   has no consent yet when its row is written).
# - hearth_annotation_category mirrors authz.clients.rows.annotation_categories; a test holds
#   the two equal.


def _covers(r: str) -> str:
    """Inline SQL: the release aliased ``r`` is in force and covers the caller
    (authz.clients.visibility.in_force_sql)."""
    return (
        f"COALESCE({r}.revoked_at IS NULL AND {r}.starts_on <= hearth_rls_today()"
        f" AND {r}.expires_on >= hearth_rls_today()"
        " AND cardinality(hearth_rls_ids('hearth.read_agencies')) > 0"
        f" AND ({r}.scope = 'STATEWIDE'"
        f" OR ({r}.scope = 'CAN' AND {r}.scope_can_id = ANY(hearth_rls_ids('hearth.recipient_cans')))"
        f" OR ({r}.scope = 'AGENCIES' AND EXISTS (SELECT 1 FROM public.release_recipient rr"
        f" WHERE rr.release_id = {r}.id"
        " AND rr.agency_id = ANY(hearth_rls_ids('hearth.read_agencies'))))), false)"
    )


def _sees_client(c: str) -> str:
    """Inline SQL: the caller sees the client row aliased ``c``
    (authz.clients.visibility.visible_row_sql): the system, the CAN backbone, a consent at a
    reading agency, or a release in force covering the caller. Inline rather than a function
    call, so that PostgreSQL plans its subqueries with the statement (a SECURITY DEFINER
    function is never inlined and costs tens of microseconds a row)."""
    return (
        "(hearth_rls_on('hearth.system')"
        f" OR COALESCE({c}.created_under_can_id = ANY(hearth_rls_ids('hearth.backbone_cans')), false)"
        f" OR EXISTS (SELECT 1 FROM public.consent_to_enter t WHERE t.client_id = {c}.id"
        " AND t.agency_id = ANY(hearth_rls_ids('hearth.read_agencies')))"
        f" OR EXISTS (SELECT 1 FROM public.release_of_information r WHERE r.client_id = {c}.id"
        f" AND {_covers('r')}))"
    )


TABLES = {
    # table: the USING expression of its policies
    "client": "hearth_sees_client(id, created_under_can_id)",
    "consent_to_enter": "hearth_sees_consent(client_id, agency_id)",
    "release_of_information": "hearth_sees_release(id)",
    "release_recipient": "hearth_sees_release(release_id)",
    "client_annotation": (
        "hearth_sees_row(client_id, agency_id, hearth_annotation_category(field))"
    ),
    "enrollment": "hearth_sees_row(client_id, agency_id, 'ENROLLMENT_AND_SERVICES')",
    "case_note": "hearth_sees_row(client_id, agency_id, 'CASE_NOTES')",
    "case_note_deletion_request": "hearth_sees_row(client_id, agency_id, 'CASE_NOTES')",
    "enrollment_exit": "hearth_sees_enrollment_row(enrollment_id, 'ENROLLMENT_AND_SERVICES')",
    "service": "hearth_sees_enrollment_row(enrollment_id, 'ENROLLMENT_AND_SERVICES')",
    "income_benefits": "hearth_sees_enrollment_row(enrollment_id, 'ENROLLMENT_AND_SERVICES')",
    "health_and_dv": "hearth_sees_enrollment_row(enrollment_id, 'ENROLLMENT_AND_SERVICES')",
    "disability": (
        "hearth_sees_enrollment_row(enrollment_id,"
        " CASE WHEN disability_type = 10 THEN 'SUBSTANCE_USE' ELSE 'HEALTH' END)"
    ),
}

ROLE = [
    """
    DO $$ BEGIN
      CREATE ROLE hearth_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- another database made it
    END $$
    """,
    "DO $$ BEGIN EXECUTE format('GRANT hearth_app TO %I', current_user); END $$",
    "GRANT USAGE ON SCHEMA public TO hearth_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO hearth_app",
    "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO hearth_app",
    # the audit trail and its seals are appended to, never changed (their triggers refuse too)
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_event, audit_seal FROM hearth_app",
    # tables and sequences later migrations make
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
    " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hearth_app",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO hearth_app",
]

FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION hearth_rls_ids(setting text) RETURNS uuid[]
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT COALESCE(NULLIF(current_setting(setting, true), ''), '{}')::uuid[]
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION hearth_rls_on(setting text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT COALESCE(current_setting(setting, true), '') = 'on'
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION hearth_rls_today() RETURNS date
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT NULLIF(current_setting('hearth.today', true), '')::date
    $$
    """,
    # authz.clients.visibility.visible_row_sql: the client row's own policy. A function, as the
    # owner, rather than inline SQL in the policy: inline, its subqueries on releases would meet
    # the releases' own policy row by row (measured: a record's PostgreSQL time doubled)
    """
    CREATE OR REPLACE FUNCTION hearth_sees_client(cid uuid, can uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER AS $$
      SELECT hearth_rls_on('hearth.system')
        OR COALESCE(can = ANY(hearth_rls_ids('hearth.backbone_cans')), false)
        OR EXISTS (SELECT 1 FROM public.consent_to_enter t WHERE t.client_id = cid
                   AND t.agency_id = ANY(hearth_rls_ids('hearth.read_agencies')))
        OR EXISTS (SELECT 1 FROM public.release_of_information r WHERE r.client_id = cid
                   AND """
    + _covers("r")
    + """)
    $$
    """,
    # the same, for a row of another table: its client seen
    """
    CREATE OR REPLACE FUNCTION hearth_sees_client(cid uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER AS $$
      SELECT EXISTS (SELECT 1 FROM public.client c WHERE c.id = cid
                     AND """
    + _sees_client("c")
    + """)
    $$
    """,
    # authz.clients.access.ClientAccess.row_agencies: a row of ``category`` written by
    # ``agency``: the caller's own agencies', another agency's through its own release naming the
    # category, the CAN's agencies' for its backbone staff (identifying, enrollment and health
    # data, decision 98); Part 2 never through a lens without it.
    """
    CREATE OR REPLACE FUNCTION hearth_sees_row(cid uuid, agency uuid, category text)
    RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER AS $$
      SELECT hearth_rls_on('hearth.system') OR COALESCE(
        (category <> 'SUBSTANCE_USE' OR hearth_rls_on('hearth.part2'))
        AND hearth_sees_client(cid)
        AND (agency = ANY(hearth_rls_ids('hearth.read_agencies'))
          OR EXISTS (SELECT 1 FROM public.release_of_information r
                     WHERE r.client_id = cid AND r.releasing_agency_id = agency
                       AND r.categories @> jsonb_build_array(category)
                       AND """
    + _covers("r")
    + """)
          OR (category IN ('IDENTIFYING', 'ENROLLMENT_AND_SERVICES', 'HEALTH')
              AND EXISTS (SELECT 1 FROM public.client c
                          JOIN public.agency a ON a.can_id = c.created_under_can_id
                          WHERE c.id = cid AND a.id = agency
                            AND c.created_under_can_id
                                = ANY(hearth_rls_ids('hearth.backbone_cans'))))),
        false)
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION hearth_sees_enrollment_row(eid uuid, category text)
    RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER AS $$
      SELECT hearth_rls_on('hearth.system')
        OR EXISTS (SELECT 1 FROM public.enrollment e WHERE e.id = eid
                   AND hearth_sees_row(e.client_id, e.agency_id, category))
    $$
    """,
    # authz.clients.rows.shows_consent: consents are shown to the agencies that hold them
    """
    CREATE OR REPLACE FUNCTION hearth_sees_consent(cid uuid, agency uuid) RETURNS boolean
    LANGUAGE sql STABLE AS $$
      SELECT hearth_rls_on('hearth.system')
        OR COALESCE(agency = ANY(hearth_rls_ids('hearth.read_agencies')), false)
    $$
    """,
    # authz.clients.rows.shows_release: to the agency that recorded it and those it shares with
    """
    CREATE OR REPLACE FUNCTION hearth_sees_release(rid uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER AS $$
      SELECT hearth_rls_on('hearth.system')
        OR EXISTS (SELECT 1 FROM public.release_of_information r WHERE r.id = rid
                   AND (r.releasing_agency_id = ANY(hearth_rls_ids('hearth.read_agencies'))
                        OR """
    + _covers("r")
    + """)
                   AND hearth_sees_client(r.client_id))
    $$
    """,
    # The name search's candidates (services.clients): under row-level security PostgreSQL will
    # not use the name prefix indexes of migration 0008 for a caller's LIKE (neither LIKE nor
    # upper() is leakproof, so the policy's test would have to run first, on every client). The
    # owner finds the matches through the indexes (a fresh plan for each pattern: EXECUTE) and
    # keeps those the caller sees; the caller's query then reaches them by id.
    r"""
    CREATE OR REPLACE FUNCTION hearth_clients_named(pattern text) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER AS $$
    BEGIN
      RETURN QUERY EXECUTE
        'SELECT c.id FROM public.client c'
        ' WHERE (upper(CAST(c.first_name AS varchar)) LIKE upper($1) ESCAPE ''\'''
        ' OR upper(CAST(c.last_name AS varchar)) LIKE upper($1) ESCAPE ''\'')'
        ' AND """
    + _sees_client("c").replace("'", "''")
    + r"""'
        USING pattern;
    END $$
    """,
    # authz.clients.rows.annotation_categories (a test holds them equal); NULL for a field no
    # longer known: shown to the annotating agency alone, as there.
    """
    CREATE OR REPLACE FUNCTION hearth_annotation_category(field text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE
        WHEN field IN ('address', 'dob', 'email', 'firstName', 'lastName', 'middleName',
                       'nameSuffix', 'phone', 'race', 'record', 'sex', 'ssn', 'veteranStatus')
          THEN 'IDENTIFYING'
        WHEN field IN ('enrollments', 'services') THEN 'ENROLLMENT_AND_SERVICES'
        WHEN field = 'caseNotes' THEN 'CASE_NOTES'
      END
    $$
    """,
]

# An annotation on a field no longer known is shown to its own agency only.
_ANNOTATION = (
    "CASE WHEN hearth_annotation_category(field) IS NULL"
    " THEN hearth_rls_on('hearth.system') OR COALESCE(agency_id = ANY(hearth_rls_ids("
    "'hearth.read_agencies')), false)"
    f" ELSE {TABLES['client_annotation']} END"
)
TABLES["client_annotation"] = _ANNOTATION


def _policies(table: str, using: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY hearth_read ON {table} FOR SELECT TO hearth_app USING ({using})",
        f"CREATE POLICY hearth_update ON {table} FOR UPDATE TO hearth_app"
        f" USING ({using}) WITH CHECK (true)",
        f"CREATE POLICY hearth_delete ON {table} FOR DELETE TO hearth_app USING ({using})",
        f"CREATE POLICY hearth_insert ON {table} FOR INSERT TO hearth_app WITH CHECK (true)",
    ]


FORWARD = [
    *ROLE,
    *FUNCTIONS,
    *(statement for table, using in TABLES.items() for statement in _policies(table, using)),
]

REVERSE = [
    *(
        statement
        for table in TABLES
        for statement in (
            *(
                f"DROP POLICY IF EXISTS {name} ON {table}"
                for name in ("hearth_read", "hearth_update", "hearth_delete", "hearth_insert")
            ),
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
        )
    ),
    "DROP FUNCTION IF EXISTS hearth_annotation_category(text)",
    "DROP FUNCTION IF EXISTS hearth_clients_named(text)",
    "DROP FUNCTION IF EXISTS hearth_sees_release(uuid)",
    "DROP FUNCTION IF EXISTS hearth_sees_consent(uuid, uuid)",
    "DROP FUNCTION IF EXISTS hearth_sees_enrollment_row(uuid, text)",
    "DROP FUNCTION IF EXISTS hearth_sees_row(uuid, uuid, text)",
    "DROP FUNCTION IF EXISTS hearth_sees_client(uuid)",
    "DROP FUNCTION IF EXISTS hearth_sees_client(uuid, uuid)",
    "DROP FUNCTION IF EXISTS hearth_rls_today()",
    "DROP FUNCTION IF EXISTS hearth_rls_on(text)",
    "DROP FUNCTION IF EXISTS hearth_rls_ids(text)",
    # The role stays: other databases of the cluster may use it (its grants here go with the
    # tables).
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
    " REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM hearth_app",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
    " REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM hearth_app",
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM hearth_app",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM hearth_app",
    "REVOKE USAGE ON SCHEMA public FROM hearth_app",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0012_refresh_token_reuse")]

    initial = False

    operations = [ops.RunSQL(FORWARD, reverse_sql=REVERSE)]
