from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from models.dsb import MotionSubject

# A motion may decide a subject other than a customization request: a data sharing agreement
# (policy 405), a retention plan (303), a quarterly data quality review's recommendations (302).
# The subject's own table names the motion that decided it; here, the kind and id, and at most
# one open motion on a subject at a time.
AFTER_SQL = [
    "CREATE UNIQUE INDEX dsb_motion_one_open_per_subject ON dsb_motion (subject_kind, subject_id) "
    "WHERE status = 'OPEN' AND subject_id IS NOT NULL",
    "ALTER TABLE dsb_motion ADD CONSTRAINT dsb_motion_subject_pair CHECK "
    "((subject_kind IS NULL) = (subject_id IS NULL))",
]
REVERSE_SQL = [
    "ALTER TABLE dsb_motion DROP CONSTRAINT IF EXISTS dsb_motion_subject_pair",
    "DROP INDEX IF EXISTS dsb_motion_one_open_per_subject",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0024_lossless_import")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Motion",
            name="subject_kind",
            field=fields.CharEnumField(MotionSubject, max_length=32, null=True),
        ),
        ops.AddField(model_name="Motion", name="subject_id", field=fields.UUIDField(null=True)),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
