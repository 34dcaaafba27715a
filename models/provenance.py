"""Where a HUD record comes from (HUD 5.01 DateCreated, 5.02 DateUpdated, 5.07 UserID), the
same columns on every HUD record: who created it and when, who last updated it and when, and
for an imported row the source HMIS and the row's id there."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.hud.elements import updated_by

if TYPE_CHECKING:
    from models.users import User

__all__ = ["Provenance"]


class Provenance(Model):
    """The provenance columns (an abstract model: each HUD record's table has them).

    HUD's UserID is ``updated_by_user`` when set, else ``created_by_user``; DateUpdated is
    ``updated_at`` when set, else ``created_at``. An import keeps the source's UserID (mapped
    to a user record of its own), DateCreated and DateUpdated."""

    created_by_user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name=False, on_delete=fields.RESTRICT
    )
    created_by_user_id: uuid.UUID
    updated_by_user: fields.ForeignKeyNullableRelation[User] = updated_by()
    updated_by_user_id: uuid.UUID | None
    created_at = fields.DatetimeField()
    # None: not updated since it was created
    updated_at = fields.DatetimeField(null=True)
    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        abstract = True
