# ruff: noqa: S608  (SQL written from constants in this file: no input reaches it)
from tortoise import migrations
from tortoise.migrations import operations as ops

# The fourth wall's row tests as PL/pgSQL (decision 205). A SQL function that is not inlined (a
# SECURITY DEFINER one never is) keeps its plan only for the statement that calls it: every
# statement under row-level security parsed and planned each policy function's body again at its
# first row. A single record sends five statements of a few rows each, so that planning was most
# of what row-level security cost it (PostgreSQL CPU per record replayed as hearth_app: 3.6 ms,
# 1.95 ms as PL/pgSQL; the raw statements as the owner 1.0 ms). PL/pgSQL keeps its plans for the
# session (each pooled connection), so a policy's test is planned once per connection. The
# settings the tests read (hearth_rls_ids, hearth_rls_on, hearth_rls_today) are STABLE functions,
# which PostgreSQL never folds into a kept plan: they are read at each call, so one connection
# serving several callers in turn still tests each caller's own settings.
#
# Each function keeps its body word for word: this rewrites the functions as they stand (0033's
# definitions), wrapping the SQL body's SELECT as PL/pgSQL's RETURN (SELECT ...), so the test is
# stated once, in 0033, and what each function allows is unchanged (tests/security/
# test_row_security.py compares every role's rows with the client-data policy). Going back
# unwraps them again.
_FUNCTIONS = (
    "hearth_sees_client(uuid,uuid)",
    "hearth_sees_client(uuid)",
    "hearth_sees_row(uuid,uuid,text)",
    "hearth_sees_enrollment_row(uuid,text)",
    "hearth_sees_release(uuid)",
)
_ARRAY = "ARRAY[" + ", ".join(f"'{f}'" for f in _FUNCTIONS) + "]::regprocedure[]"


def _rewrite(language: str, body: str) -> str:
    """A DO block recreating each function in ``language`` with the body ``body`` makes of its
    current source ``src``."""
    return f"""
    DO $do$
    DECLARE
      f regprocedure;
      src text;
    BEGIN
      FOREACH f IN ARRAY {_ARRAY} LOOP
        SELECT p.prosrc INTO STRICT src FROM pg_proc p WHERE p.oid = f;
        EXECUTE format(
          'CREATE OR REPLACE FUNCTION %s RETURNS boolean LANGUAGE {language} STABLE'
          ' SECURITY DEFINER AS %L',
          regexp_replace(f::text, '\\(.*$', '') || '(' || pg_get_function_arguments(f) || ')',
          {body});
      END LOOP;
    END $do$
    """


FORWARD = [
    _rewrite(
        "plpgsql",
        "'BEGIN RETURN (' || regexp_replace(src, ';\\s*$', '') || '); END'",
    )
]
REVERSE = [
    _rewrite(
        "sql",
        "regexp_replace(src, '^BEGIN RETURN \\((.*)\\); END$', '\\1')",
    )
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0034_audit_partitions")]

    initial = False

    operations = [ops.RunSQL(FORWARD, reverse_sql=REVERSE)]
