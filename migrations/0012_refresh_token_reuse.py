from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

# Refresh tokens already exchanged, kept (as digests) for their session's life: one presented
# again revokes the session and so every token rotated from it (decision 94). Rows go with their
# session (ON DELETE CASCADE).


class Migration(migrations.Migration):
    dependencies = [("hearth", "0011_sealed_ssn")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RotatedRefreshToken",
            fields=[
                (
                    "token_hash",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64),
                ),
                (
                    "session",
                    fields.ForeignKeyField(
                        "hearth.Session",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rotated_tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("rotated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "session_rotated_token",
                "app": "hearth",
                "pk_attr": "token_hash",
                "table_description": "A refresh token already exchanged for a new one. Presented again, it shows that two",
            },
            bases=["Model"],
        ),
    ]
