"""Service accounts: machine clients (the HMIS vendor, CAN backbone agencies) of /oauth/token."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import ServiceRole

if TYPE_CHECKING:
    from models.governance import Can
    from models.users import User

__all__ = ["ServiceAccount"]


class ServiceAccount(Model):
    """One integration's OAuth2 client (policy 109: one per integration, never shared).

    The secret is stored only as an argon2id hash. Rotating it bumps ``secret_version``, which
    every token names: tokens issued under the old secret stop working at once, like revocation.
    """

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    name = fields.CharField(max_length=100, unique=True)
    role = fields.CharEnumField(ServiceRole, max_length=32)
    # The CAN a CAN_REPORTING account reports on; null for system-wide roles.
    can: fields.ForeignKeyNullableRelation[Can] = fields.ForeignKeyField(
        "hearth.Can", related_name="service_accounts", null=True, on_delete=fields.RESTRICT
    )
    can_id: uuid.UUID | None
    client_id = fields.CharField(max_length=64, unique=True)
    secret_hash = fields.CharField(max_length=255)
    secret_version = fields.IntField(default=1)
    secret_rotated_at = fields.DatetimeField()
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="service_accounts_created", on_delete=fields.RESTRICT
    )
    created_by_id: uuid.UUID
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    revoked_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="service_accounts_revoked", null=True, on_delete=fields.RESTRICT
    )
    revoked_by_id: uuid.UUID | None
    revoke_reason = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "service_account"
