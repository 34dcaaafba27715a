"""Sign-in state: server-side sessions, sign-in throttling, enrolment invitations."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.users import User

__all__ = ["AuthThrottle", "EnrollmentInvite", "RotatedRefreshToken", "Session"]


class Session(Model):
    """A signed-in session. Access tokens name it; revoking it ends them all."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    created_at = fields.DatetimeField()
    auth_time = fields.DatetimeField()
    mfa_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    refresh_token_hash = fields.CharField(max_length=64, unique=True)
    revoked_at = fields.DatetimeField(null=True)
    revoke_reason = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "session"


class RotatedRefreshToken(Model):
    """A refresh token already exchanged for a new one. Presented again, it shows that two
    parties hold the session's tokens: the session is revoked (OAuth 2.0 Security BCP 4.14)."""

    token_hash = fields.CharField(max_length=64, primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "hearth.Session", related_name="rotated_tokens", on_delete=fields.CASCADE
    )
    session_id: uuid.UUID
    rotated_at = fields.DatetimeField()

    class Meta:
        table = "session_rotated_token"


class AuthThrottle(Model):
    """Failed sign-in attempts for one account name (known or not), and its lock-out."""

    key = fields.CharField(max_length=200, primary_key=True)
    failures = fields.IntField(default=0)
    window_started_at = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "auth_throttle"


class EnrollmentInvite(Model):
    """A one-time invitation for a user to set a password and enrol an authenticator."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="invites", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "enrollment_invite"
