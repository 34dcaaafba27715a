"""Who names whom and what a user signs (policies 105, 401): system-role grants that need a
second person, and the End User Agreement's versions and signatures."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import PendingGrantStatus, SystemRole

if TYPE_CHECKING:
    from models.users import User

__all__ = ["AgreementSignature", "EndUserAgreement", "PendingRoleGrant"]


class PendingRoleGrant(Model):
    """A system role proposed by one authorised person and granted only when another confirms
    (policy 105: granting Lead Agency needs a second person). The grantee confirms nothing."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="pending_role_grants", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    role = fields.CharEnumField(SystemRole, max_length=32)
    status = fields.CharEnumField(
        PendingGrantStatus, default=PendingGrantStatus.PENDING, max_length=16
    )
    reason = fields.CharField(max_length=500)
    proposed_by_id = fields.UUIDField()
    proposed_at = fields.DatetimeField()
    decided_by_id = fields.UUIDField(null=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "pending_role_grant"
        indexes = (("user_id", "role", "status"),)


class EndUserAgreement(Model):
    """A version of the Licensed End User Agreement (policy 401). The latest published is the
    one every user must have signed before using Hearth."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    version = fields.CharField(max_length=32, unique=True)
    title = fields.CharField(max_length=200)
    published_at = fields.DatetimeField()
    published_by_id = fields.UUIDField(null=True)  # null: Hearth's reference data

    class Meta:
        table = "end_user_agreement"


class AgreementSignature(Model):
    """A user's signature of one version: signed in Hearth, or in the LMS as its feed reports."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="agreement_signatures", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    agreement: fields.ForeignKeyRelation[EndUserAgreement] = fields.ForeignKeyField(
        "hearth.EndUserAgreement", related_name="signatures", on_delete=fields.RESTRICT
    )
    agreement_id: uuid.UUID
    signed_on = fields.DateField()
    recorded_at = fields.DatetimeField()
    recorded_by_id = fields.UUIDField()  # the user themself, or the LMS feed's account

    class Meta:
        table = "agreement_signature"
        unique_together = (("user", "agreement"),)
