"""Designation of Access requests (policies 107, 401)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import AccessLevel, AccessRequestKind, AccessRequestStatus

if TYPE_CHECKING:
    from models.governance import Agency
    from models.users import User

__all__ = ["AccessRequest"]


class AccessRequest(Model):
    """An HDC's request to grant, change or remove a user's access at their agency."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="access_requests", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="access_requests", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    kind = fields.CharEnumField(AccessRequestKind, max_length=16)
    access_level = fields.CharEnumField(AccessLevel, max_length=16, null=True)
    reason = fields.CharField(max_length=1000, null=True)
    status = fields.CharEnumField(
        AccessRequestStatus, default=AccessRequestStatus.PENDING, max_length=16
    )
    requested_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="access_requests_made", on_delete=fields.RESTRICT
    )
    requested_by_id: uuid.UUID
    requested_at = fields.DatetimeField()
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="access_requests_decided", null=True, on_delete=fields.RESTRICT
    )
    decided_by_id: uuid.UUID | None
    decided_at = fields.DatetimeField(null=True)
    decision_note = fields.CharField(max_length=1000, null=True)

    class Meta:
        table = "access_request"
