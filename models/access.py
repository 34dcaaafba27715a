"""Designation of Access requests (policies 107, 401)."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.enums import AccessLevel, AccessRequestKind, AccessRequestStatus

__all__ = ["AccessRequest"]


class AccessRequest(Model):
    """An HDC's request to grant, change or remove a user's access at their agency."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user = fields.ForeignKeyField(
        "hearth.User", related_name="access_requests", on_delete=fields.CASCADE
    )
    agency = fields.ForeignKeyField(
        "hearth.Agency", related_name="access_requests", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(AccessRequestKind, max_length=16)
    access_level = fields.CharEnumField(AccessLevel, max_length=16, null=True)
    reason = fields.CharField(max_length=1000, null=True)
    status = fields.CharEnumField(
        AccessRequestStatus, default=AccessRequestStatus.PENDING, max_length=16
    )
    requested_by = fields.ForeignKeyField(
        "hearth.User", related_name="access_requests_made", on_delete=fields.RESTRICT
    )
    requested_at = fields.DatetimeField()
    decided_by = fields.ForeignKeyField(
        "hearth.User", related_name="access_requests_decided", null=True, on_delete=fields.RESTRICT
    )
    decided_at = fields.DatetimeField(null=True)
    decision_note = fields.CharField(max_length=1000, null=True)

    class Meta:
        table = "access_request"
