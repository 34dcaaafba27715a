from tortoise import migrations
from tortoise.migrations import operations as ops

# Corrections and supplements are never deleted or edited (policy 207 f: "the original value
# stays", and so does the note that questions it): the database refuses UPDATE, DELETE and
# TRUNCATE of client_annotation, as it does for case notes and releases (0004, 0010).

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION hearth_annotation_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'corrections and supplements are never changed or deleted (policy 207 f)'
        USING ERRCODE = 'integrity_constraint_violation';
    END $$
    """,
    "CREATE TRIGGER client_annotation_append_only BEFORE UPDATE OR DELETE ON client_annotation"
    " FOR EACH ROW EXECUTE FUNCTION hearth_annotation_append_only()",
    "CREATE TRIGGER client_annotation_no_truncate BEFORE TRUNCATE ON client_annotation"
    " FOR EACH STATEMENT EXECUTE FUNCTION hearth_no_truncate()",
]

REVERSE = [
    "DROP TRIGGER IF EXISTS client_annotation_no_truncate ON client_annotation",
    "DROP TRIGGER IF EXISTS client_annotation_append_only ON client_annotation",
    "DROP FUNCTION IF EXISTS hearth_annotation_append_only()",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0013_row_security")]

    initial = False

    operations = [ops.RunSQL(FORWARD, reverse_sql=REVERSE)]
