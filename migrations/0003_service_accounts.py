"""Service accounts: the machine clients of /oauth/token. Refers only to tables of 0001."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import ServiceRole
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("hearth", "0002_reference_data")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ServiceAccount",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(unique=True, max_length=100)),
                (
                    "role",
                    fields.CharEnumField(
                        description="VENDOR_SYNC: VENDOR_SYNC\nCAN_REPORTING: CAN_REPORTING",
                        enum_type=ServiceRole,
                        max_length=32,
                    ),
                ),
                (
                    "can",
                    fields.ForeignKeyField(
                        "hearth.Can",
                        source_field="can_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="service_accounts",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("client_id", fields.CharField(unique=True, max_length=64)),
                ("secret_hash", fields.CharField(max_length=255)),
                ("secret_version", fields.IntField(default=1)),
                ("secret_rotated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="created_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="service_accounts_created",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "last_used_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "revoked_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="revoked_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="service_accounts_revoked",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("revoke_reason", fields.CharField(null=True, max_length=500)),
            ],
            options={
                "table": "service_account",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "One integration's OAuth2 client (policy 109: one per integration, never shared).",
            },
            bases=["Model"],
        ),
    ]
