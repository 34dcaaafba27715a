from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

# A lossless HUD CSV import (decision 154). An agency created from a source's Organization row
# keeps the row's UserID, as every other imported record does; a user keeps HUD's UserPhone and
# UserExtension. A re-import looks the rows of
# the newer files up by source id alone (services.hudcsv.changes.stamps), as 0023 indexed the
# older ones.
_SOURCE_TABLES = (
    "employment_education",
    "youth_education_status",
    "current_living_situation",
    "assessment",
    "assessment_question",
    "assessment_result",
    "ce_event",
    "project_coc",
    "funder",
    "inventory",
    "affiliation",
    "hmis_participation",
    "ce_participation",
)
AFTER_SQL = [
    f"CREATE INDEX IF NOT EXISTS {t}_source ON {t} (source_system, source_id)"
    for t in _SOURCE_TABLES
]
REVERSE_SQL = [f"DROP INDEX IF EXISTS {t}_source" for t in _SOURCE_TABLES]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0023_statewide_import")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Agency",
            name="created_by_user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="created_by_user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name=False,
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="User", name="phone", field=fields.CharField(null=True, max_length=10)
        ),
        ops.AddField(
            model_name="User",
            name="phone_extension",
            field=fields.CharField(null=True, max_length=5),
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
