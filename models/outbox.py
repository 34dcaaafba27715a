"""Messages waiting to be delivered by e-mail: written in the transaction of the event that
causes them, delivered by the notifications job (services.notifications)."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.governance import Agency
    from models.users import User

__all__ = ["DeliveryStatus", "OutboxMessage"]


class DeliveryStatus(str, Enum):
    PENDING = "PENDING"  # waiting for its first or next attempt
    SENT = "SENT"  # the SMTP server accepted it
    DEAD = "DEAD"  # attempts exhausted or the address refused for good; an operator looks


class OutboxMessage(Model):
    """One notification to one recipient: a user, or an address with no account (an agency's
    Executive Director). Subject and body are rendered when the message is queued, so what was
    sent is on record; neither ever holds client data."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    recipient: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="outbox_messages", null=True, on_delete=fields.CASCADE
    )
    recipient_id: uuid.UUID | None
    # Set when the recipient has no account; otherwise the user's e-mail at delivery time.
    to_address = fields.CharField(max_length=254, null=True)
    agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="outbox_messages", null=True, on_delete=fields.CASCADE
    )
    agency_id: uuid.UUID | None
    kind = fields.CharField(max_length=64)
    subject = fields.CharField(max_length=200)
    body = fields.TextField(default="")
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # What makes two messages the same message: queueing it again does nothing.
    dedupe_key = fields.CharField(max_length=200, null=True, unique=True)
    created_at = fields.DatetimeField()
    status = fields.CharEnumField(DeliveryStatus, default=DeliveryStatus.PENDING, max_length=16)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        indexes = (("status", "next_attempt_at"),)
