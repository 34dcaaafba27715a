"""Users, their agency memberships, duties and system roles."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import AccessLevel, DeactivationReason, Duty, SystemRole, UserStatus

if TYPE_CHECKING:
    from models.governance import Agency

__all__ = ["Membership", "SystemRoleGrant", "User", "UserDuty"]


class User(Model):
    """A licensed end user (or a staff member of the Lead Agency or System Administrator)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    external_id = fields.CharField(max_length=128, unique=True, null=True)
    username = fields.CharField(max_length=64, unique=True)
    email = fields.CharField(max_length=254)
    # Normalised forms, for policy 109's "no shared e-mail or MFA contact". Not unique in the
    # database: sharing across the two columns cannot be a constraint, and accounts loaded from
    # another system may share; Hearth's write paths refuse new sharing (services.users) and the
    # shared-contact sweep gives the rest 14 days (services.compliance). Decision 41.
    email_normalized = fields.CharField(max_length=254, db_index=True)
    mfa_contact = fields.CharField(max_length=254, null=True)
    mfa_contact_normalized = fields.CharField(max_length=254, null=True, db_index=True)
    first_name = fields.CharField(max_length=100, null=True)
    last_name = fields.CharField(max_length=100, null=True)
    # HUD User.csv's UserPhone and UserExtension (kept from an imported source user)
    phone = fields.CharField(max_length=10, null=True)
    phone_extension = fields.CharField(max_length=5, null=True)
    status = fields.CharEnumField(UserStatus, default=UserStatus.ACTIVE, max_length=16)
    password_hash = fields.CharField(max_length=255, null=True)
    totp_secret = fields.CharField(max_length=64, null=True)
    totp_confirmed_at = fields.DatetimeField(null=True)
    # Last TOTP time step accepted: a code is good once (no replay within its window).
    totp_last_step = fields.BigIntField(null=True)
    first_login_at = fields.DatetimeField(null=True)  # policy 211 (a)
    last_login_at = fields.DatetimeField(null=True)
    deactivated_at = fields.DatetimeField(null=True)
    deactivation_reason = fields.CharField(max_length=500, null=True)
    # Why, as a code (policies 107, 212): a deactivation for misuse only through policy 212's
    # escalation. Null for an active account and for accounts deactivated before codes.
    deactivation_code = fields.CharEnumField(DeactivationReason, max_length=32, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Stamped by the database when a field the API shows changes (migration 0021), in the
    # order the users list pages by: (updated_at, id). Decision 112.
    updated_at = fields.DatetimeField(auto_now=True)
    # A user of another HMIS, named by a HUD CSV import's rows (User.csv): a record of who
    # entered them, never an account. The database holds such a row inactive, without password,
    # second factor or external id, so no sign-in path and no sync can use or claim it
    # (migration 0023, decision 142).
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "hearth_user"
        indexes = (("updated_at", "id"),)
        unique_together = (("source_system", "source_id"),)


class Membership(Model):
    """A user's licence at one agency, with its access level (policy 401)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="memberships", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="memberships", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    access_level = fields.CharEnumField(AccessLevel, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "membership"
        unique_together = (("user", "agency"),)


class UserDuty(Model):
    """A duty within one agency. One holder per agency and duty (policies 107, 108)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="duties", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="duties", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    duty = fields.CharEnumField(Duty, max_length=40)
    assigned_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user_duty"
        unique_together = (("agency", "duty"),)


class SystemRoleGrant(Model):
    """A system-wide role held by a user."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="system_roles", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    role = fields.CharEnumField(SystemRole, max_length=32)
    granted_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "system_role_grant"
        unique_together = (("user", "role"),)
