from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint


class Migration(migrations.Migration):
    dependencies = [("hearth", "0006_compliance")]

    initial = False

    operations = [
        ops.CreateModel(
            name="HudCsvExport",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "requested_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="requested_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="hud_csv_exports",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("scope", fields.CharField(max_length=80)),
                ("start_date", fields.DateField()),
                ("end_date", fields.DateField()),
                ("hash_status", fields.SmallIntField()),
                (
                    "row_counts",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("file_name", fields.CharField(max_length=300)),
                ("size_bytes", fields.BigIntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "hud_csv_export",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "One HUD CSV zip: who asked, for what scope and period, what it holds, until when it may be",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Client",
            name="source_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Client",
            name="source_system",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name="Client",
            constraint=UniqueConstraint(
                fields=("created_by_agency", "source_system", "source_id"), name=None
            ),
        ),
        ops.AddField(
            model_name="Disability",
            name="source_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Disability",
            name="source_system",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name="Disability",
            constraint=UniqueConstraint(
                fields=("enrollment", "source_system", "source_id"), name=None
            ),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="source_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Enrollment",
            name="source_system",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name="Enrollment",
            constraint=UniqueConstraint(fields=("agency", "source_system", "source_id"), name=None),
        ),
        ops.AddField(
            model_name="Exit",
            name="source_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Exit",
            name="source_system",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name="HealthAndDv",
            name="source_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="HealthAndDv",
            name="source_system",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name="HealthAndDv",
            constraint=UniqueConstraint(
                fields=("enrollment", "source_system", "source_id"), name=None
            ),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="source_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="IncomeBenefits",
            name="source_system",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name="IncomeBenefits",
            constraint=UniqueConstraint(
                fields=("enrollment", "source_system", "source_id"), name=None
            ),
        ),
        ops.AddField(
            model_name="Project",
            name="source_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Project",
            name="source_system",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name="Project",
            constraint=UniqueConstraint(fields=("agency", "source_system", "source_id"), name=None),
        ),
        ops.AddField(
            model_name="Service",
            name="source_id",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Service",
            name="source_system",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name="Service",
            constraint=UniqueConstraint(
                fields=("enrollment", "source_system", "source_id"), name=None
            ),
        ),
    ]
