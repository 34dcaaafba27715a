from tortoise import migrations
from tortoise.migrations import operations as ops

# Row-level security (decision 97) in system mode (`authz.clients.row_security.system`: an
# administrative statement whose permission the application checked, such as the statewide data
# quality and aggregate reports' counting statements) cost a call of the policy's function per
# row: the functions test `hearth.system` first, but a SECURITY DEFINER function is never
# inlined, so a statewide report paid 7-11 microseconds a row (0.7 s for `client`, 1.7 s for
# `enrollment` at 100,000 clients) to be told yes. Each client-data policy now tests the system
# setting itself first: `hearth_rls_on` is plain SQL, inlined to a `current_setting` comparison,
# and the OR stops there. What every policy allows is unchanged (its function allowed the system
# too). Policies are rewritten in place from their current expressions, so tables that later
# migrations protected are covered as well.
AFTER_SQL = [
    r"""
DO $$
DECLARE p record;
BEGIN
  FOR p IN
    SELECT c.relname AS tab, pol.polname AS name, pg_get_expr(pol.polqual, pol.polrelid) AS qual
    FROM pg_policy pol
    JOIN pg_class c ON c.oid = pol.polrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema()
      AND pol.polname IN ('hearth_read', 'hearth_update', 'hearth_delete')
      AND pol.polqual IS NOT NULL
  LOOP
    EXECUTE format(
      'ALTER POLICY %I ON %I USING (hearth_rls_on(%L) OR (%s))',
      p.name, p.tab, 'hearth.system', p.qual
    );
  END LOOP;
END $$
""",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0029_quality_review")]

    initial = False

    # No reverse: the test it adds is one the policies' functions already made first.
    operations = [ops.RunSQL(AFTER_SQL, reverse_sql=[])]
