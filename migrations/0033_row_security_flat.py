# ruff: noqa: S608  (SQL written from constants in this file: no input reaches it)
from tortoise import migrations
from tortoise.migrations import operations as ops

# The fourth wall's row tests, flat (decision 186), and the name search's lazy walk (188). Migration 0013's functions for a row of
# another table called each other: hearth_sees_enrollment_row called hearth_sees_row, which
# called hearth_sees_client(uuid). PostgreSQL keeps the plan of a SQL function for the statement
# that calls it, but a SQL function called from inside another function's body is set up, parsed
# and planned again at every call of the outer one: a row of `enrollment` cost about half a
# millisecond of PostgreSQL CPU (the search page's 75 enrollments 40 % of its time, measured with
# EXPLAIN ANALYZE on the benchmark data). Each function now states its whole test inline (the
# same SQL as 0013's helpers, which the inlinable plain-SQL hearth_rls_* functions are part of),
# so one plan serves every row of the statement. What each function allows is unchanged:
# tests/security/test_row_security.py compares every role's rows with the client-data policy.


def _covers(r: str) -> str:
    """The release aliased ``r`` is in force and covers the caller (0013's ``_covers``)."""
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
    """The caller sees the client row aliased ``c`` (0013's ``_sees_client``)."""
    return (
        "(hearth_rls_on('hearth.system')"
        f" OR COALESCE({c}.created_under_can_id = ANY(hearth_rls_ids('hearth.backbone_cans')), false)"
        f" OR EXISTS (SELECT 1 FROM public.consent_to_enter t WHERE t.client_id = {c}.id"
        " AND t.agency_id = ANY(hearth_rls_ids('hearth.read_agencies')))"
        f" OR EXISTS (SELECT 1 FROM public.release_of_information r WHERE r.client_id = {c}.id"
        f" AND {_covers('r')}))"
    )


def _sees_client_id(cid: str) -> str:
    """The caller sees the client whose id is ``cid`` (0013's ``hearth_sees_client(uuid)``)."""
    return f"EXISTS (SELECT 1 FROM public.client c WHERE c.id = {cid} AND {_sees_client('c')})"


def _sees_row(cid: str, agency: str, category: str) -> str:
    """A row of ``category`` written by ``agency`` about client ``cid`` (0013's
    ``hearth_sees_row``, its call of hearth_sees_client inline)."""
    return (
        "(hearth_rls_on('hearth.system') OR COALESCE("
        f"({category} <> 'SUBSTANCE_USE' OR hearth_rls_on('hearth.part2'))"
        f" AND {_sees_client_id(cid)}"
        f" AND ({agency} = ANY(hearth_rls_ids('hearth.read_agencies'))"
        " OR EXISTS (SELECT 1 FROM public.release_of_information r2"
        f" WHERE r2.client_id = {cid} AND r2.releasing_agency_id = {agency}"
        f" AND r2.categories @> jsonb_build_array({category})"
        f" AND {_covers('r2')})"
        f" OR ({category} IN ('IDENTIFYING', 'ENROLLMENT_AND_SERVICES', 'HEALTH')"
        " AND EXISTS (SELECT 1 FROM public.client c2"
        " JOIN public.agency a ON a.can_id = c2.created_under_can_id"
        f" WHERE c2.id = {cid} AND a.id = {agency}"
        " AND c2.created_under_can_id = ANY(hearth_rls_ids('hearth.backbone_cans'))))),"
        " false))"
    )


# The name search's candidates as a lazy walk (decision 188): the clients after ``after``, in id
# order, whose first or last name matches ``pattern`` (LIKE on upper case, as
# hearth_clients_named), that the caller's row-level security lets through. A SQL function (not
# PL/pgSQL, which returns its whole result at once) called in a select list returns row by row,
# so the caller's LIMIT stops the visibility tests: a search page or a capped count tests the
# candidates it reaches, not every one. Its plan is generic (planned once, without the pattern's
# value), so the prefix indexes of migration 0008 are reached by a range on the pattern's literal
# start (up to its first unescaped wildcard, unescaped): text_pattern_ops compares bytes, and
# every string that starts with it lies below it followed by U+10FFFF, the largest code point;
# LIKE then checks the pattern itself. The candidates are sorted by id before the test
# (``OFFSET 0`` keeps the test above the sort).
_PREFIX = (
    r"upper(regexp_replace(substring(pattern from '^((?:[^%_\\]|\\.)*)'), '\\(.)', '\1', 'g'))"
)
_NAMED_FROM = (
    (
        r"""
    CREATE OR REPLACE FUNCTION hearth_clients_named_from(pattern text, after uuid)
    RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY DEFINER AS $$
      SELECT o.id FROM (
        SELECT c.id, c.created_under_can_id FROM public.client c
        WHERE ((upper(CAST(c.first_name AS varchar)) ~>=~ {prefix}
                AND upper(CAST(c.first_name AS varchar)) ~<~ ({prefix} || chr(1114111)))
            OR (upper(CAST(c.last_name AS varchar)) ~>=~ {prefix}
                AND upper(CAST(c.last_name AS varchar)) ~<~ ({prefix} || chr(1114111))))
          AND (upper(CAST(c.first_name AS varchar)) LIKE upper(pattern) ESCAPE '\'
               OR upper(CAST(c.last_name AS varchar)) LIKE upper(pattern) ESCAPE '\')
          AND (after IS NULL OR c.id > after)
        ORDER BY c.id OFFSET 0) o
      WHERE {sees}
    $$
"""
    )
    .replace("{prefix}", _PREFIX)
    .replace("{sees}", _sees_client("o"))
)

FORWARD = [
    _NAMED_FROM,
    f"""
    CREATE OR REPLACE FUNCTION hearth_sees_row(cid uuid, agency uuid, category text)
    RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER AS $$
      SELECT {_sees_row("cid", "agency", "category")}
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION hearth_sees_enrollment_row(eid uuid, category text)
    RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER AS $$
      SELECT hearth_rls_on('hearth.system')
        OR EXISTS (SELECT 1 FROM public.enrollment e WHERE e.id = eid
                   AND {_sees_row("e.client_id", "e.agency_id", "category")})
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION hearth_sees_release(rid uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER AS $$
      SELECT hearth_rls_on('hearth.system')
        OR EXISTS (SELECT 1 FROM public.release_of_information r0 WHERE r0.id = rid
                   AND (r0.releasing_agency_id = ANY(hearth_rls_ids('hearth.read_agencies'))
                        OR {_covers("r0")})
                   AND {_sees_client_id("r0.client_id")})
    $$
    """,
]

# 0013's definitions, calling each other as they did.
REVERSE = [
    "DROP FUNCTION IF EXISTS hearth_clients_named_from(text, uuid)",
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
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0032_audit_per_client")]

    initial = False

    operations = [ops.RunSQL(FORWARD, reverse_sql=REVERSE)]
