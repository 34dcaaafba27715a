from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

# The statewide HUD CSV import (decisions 141, 142). Agencies created from a source's Organization
# rows, and the source's users (User.csv), keep the source's id, so a later export of the same
# source maps to them again. A source user is a record of who entered a row, never an account:
# the database refuses such a row active, with a password, a second factor or an external id
# (what a sign-in, an invitation, an OIDC match or the vendor sync would need), whatever path
# tries.
# A re-import looks rows up by source id alone (services.hudcsv.changes.stamps): the unique
# constraints lead with the agency or the enrollment, so without these each batch read the table.
_SOURCE_TABLES = (
    "client",
    "enrollment",
    "enrollment_exit",
    "service",
    "income_benefits",
    "disability",
    "health_and_dv",
)
AFTER_SQL = [
    *(
        f"CREATE INDEX IF NOT EXISTS {t}_source ON {t} (source_system, source_id)"
        for t in _SOURCE_TABLES
    ),
    "ALTER TABLE hearth_user ADD CONSTRAINT hearth_user_source_never_signs_in CHECK ("
    "source_system IS NULL OR (status = 'INACTIVE' AND password_hash IS NULL"
    " AND totp_secret IS NULL AND external_id IS NULL))",
]
REVERSE_SQL = [
    *(f"DROP INDEX IF EXISTS {t}_source" for t in _SOURCE_TABLES),
    "ALTER TABLE hearth_user DROP CONSTRAINT IF EXISTS hearth_user_source_never_signs_in",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0022_hud_complete")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Agency",
            name="source_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Agency",
            name="source_system",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name="Agency",
            constraint=UniqueConstraint(fields=("source_system", "source_id"), name=None),
        ),
        ops.AddField(
            model_name="User",
            name="source_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="User",
            name="source_system",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name="User",
            constraint=UniqueConstraint(fields=("source_system", "source_id"), name=None),
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
