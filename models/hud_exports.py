"""HUD HMIS CSV exports written to the export directory, for download."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.users import User

__all__ = ["HudCsvExport"]


class HudCsvExport(Model):
    """One HUD CSV zip: who asked, for what scope and period, what it holds, until when it may be
    downloaded. The file itself lives in the export directory under ``file_name``."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    # Null when written by the command line (an operator, not a signed-in user).
    requested_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="hud_csv_exports", null=True, on_delete=fields.RESTRICT
    )
    requested_by_id: uuid.UUID | None
    scope = fields.CharField(max_length=80)
    start_date = fields.DateField()
    end_date = fields.DateField()
    hash_status = fields.SmallIntField()
    row_counts: fields.JSONField[dict[str, int]] = fields.JSONField(default=dict)
    file_name = fields.CharField(max_length=300)
    size_bytes = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)

    class Meta:
        table = "hud_csv_export"
