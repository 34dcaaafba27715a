from tortoise import migrations
from tortoise.migrations import operations as ops
from models.quality_review import QualityReviewStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields

# The quarterly data quality review (policy 302): one review per quarter, its reports (statewide
# and per agency) with their rate cells and anomalies. One statewide report per review: the
# unique (review, agency) pair does not hold for a NULL agency, hence the partial index.
AFTER_SQL = [
    "CREATE UNIQUE INDEX quality_review_report_one_statewide ON quality_review_report "
    "(review_id) WHERE agency_id IS NULL",
]
REVERSE_SQL = ["DROP INDEX IF EXISTS quality_review_report_one_statewide"]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0028_data_quality")]

    initial = False

    operations = [
        ops.CreateModel(
            name="QualityReview",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("year", fields.SmallIntField()),
                ("quarter", fields.SmallIntField()),
                ("period_start", fields.DateField()),
                ("period_end", fields.DateField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=QualityReviewStatus.PUBLISHED,
                        description="PUBLISHED: PUBLISHED\nRECOMMENDED: RECOMMENDED\nFOLLOWED: FOLLOWED\nNOT_FOLLOWED: NOT_FOLLOWED",
                        enum_type=QualityReviewStatus,
                        max_length=16,
                    ),
                ),
                ("published_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "published_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="published_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("anomaly_count", fields.IntField(default=0)),
                ("recommendations", fields.TextField(null=True, unique=False)),
                (
                    "recommended_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "motion",
                    fields.ForeignKeyField(
                        "hearth.Motion",
                        source_field="motion_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "quality_review",
                "app": "hearth",
                "unique_together": (("year", "quarter"),),
                "pk_attr": "id",
                "table_description": "One quarter's review: published once, then put to the board.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="QualityReviewReport",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "review",
                    fields.ForeignKeyField(
                        "hearth.QualityReview",
                        source_field="review_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reports",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("clients", fields.IntField()),
                ("cells", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("anomalies", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={
                "table": "quality_review_report",
                "app": "hearth",
                "unique_together": (("review", "agency"),),
                "pk_attr": "id",
                "table_description": "One published report of a review: statewide (no agency) or one agency's. ``cells`` holds",
            },
            bases=["Model"],
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
