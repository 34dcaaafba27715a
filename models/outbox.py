"""Messages waiting to be delivered (e-mail, later issues): written in the transaction of the
event that causes them, delivered by a separate worker."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

__all__ = ["OutboxMessage"]


class OutboxMessage(Model):
    """One notification to one user."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    recipient = fields.ForeignKeyField("hearth.User", related_name="outbox_messages", on_delete=fields.CASCADE)
    agency = fields.ForeignKeyField("hearth.Agency", related_name="outbox_messages", null=True, on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=64)
    subject = fields.CharField(max_length=200)
    payload = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        indexes = (("delivered_at", "created_at"),)
