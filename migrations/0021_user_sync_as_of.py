from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

# The users list's asOf (decision 112). A sync job asks `users(filter: {updatedSince})` and keeps
# the answer's asOf as its next updatedSince; no change may be missed, though a change stamped
# before asOf may become visible only after it (the writer's transaction commits later). So the
# database stamps updated_at itself, after taking a shared advisory lock that the reader takes
# exclusively before it reads its clock: a writer that stamped before the reader's clock has
# committed by then (its row is visible to the reader's page), and a writer that stamps after
# it stamps a later time. Only changes of what the API shows count (the fields below): a
# sign-in, a password or a TOTP step keep the stamp as it was. The synthetic data generator
# (`hearth seed`, never production) keeps the times it generates: it sets hearth.bulk_load
# for its transaction.
STAMP_KEY = "hashtextextended('hearth_user.updated_at', 109)"
_SHOWN = (
    "external_id, username, email, mfa_contact, first_name, last_name, status, deactivated_at, "
    "deactivation_reason, deactivation_code, totp_confirmed_at"
)
_OLD = ", ".join(f"OLD.{c.strip()}" for c in _SHOWN.split(","))
_NEW = ", ".join(f"NEW.{c.strip()}" for c in _SHOWN.split(","))

AFTER_SQL = [
    f"""
CREATE OR REPLACE FUNCTION hearth_user_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('hearth.bulk_load', true) = 'on' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND ({_NEW}) IS NOT DISTINCT FROM ({_OLD}) THEN
    NEW.updated_at := OLD.updated_at;
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock_shared({STAMP_KEY});
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END
$$
""",
    "CREATE TRIGGER hearth_user_stamp BEFORE INSERT OR UPDATE ON hearth_user "
    "FOR EACH ROW EXECUTE FUNCTION hearth_user_stamp()",
]
REVERSE_SQL = [
    "DROP TRIGGER IF EXISTS hearth_user_stamp ON hearth_user",
    "DROP FUNCTION IF EXISTS hearth_user_stamp()",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0020_certifications")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="User",
            index=Index(fields=["updated_at", "id"]),
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
