"""Bootstrap: the first System Administrator, from the command line."""

from __future__ import annotations

from typing import Any

import pyotp
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from authz.enforcer import notify_change
from models.enums import SystemRole, UserStatus
from models.users import SystemRoleGrant, User
from services.contacts import normalize_email, normalize_mfa_contact
from services.errors import ValidationFailed
from services.passwords import check_password_policy, hash_password

__all__ = ["create_system_administrator"]


async def create_system_administrator(
    *, username: str, email: str, mfa_contact: str | None, password: str, issuer: str
) -> dict[str, Any]:
    """A System Administrator with a password and a TOTP secret, returned for the operator."""
    username = username.strip().casefold()
    if not (3 <= len(username) <= 64):
        raise ValidationFailed("username must be 3 to 64 characters.", field="username")
    check_password_policy(password, username=username, email=email)
    secret = pyotp.random_base32()
    try:
        async with in_transaction():
            user = await User.create(
                username=username,
                email=email.strip(),
                email_normalized=normalize_email(email),
                mfa_contact=mfa_contact,
                mfa_contact_normalized=normalize_mfa_contact(mfa_contact) if mfa_contact else None,
                status=UserStatus.ACTIVE,
                password_hash=hash_password(password),
                totp_secret=secret,
            )
            await SystemRoleGrant.create(user=user, role=SystemRole.SYSTEM_ADMINISTRATOR)
    except IntegrityError:
        raise ValidationFailed(
            "That username, e-mail address or MFA contact belongs to another user (policy 109).",
            field="username",
        ) from None
    await notify_change()  # running servers learn of the new role through NOTIFY
    return {
        "userId": str(user.id),
        "username": username,
        "totpSecret": secret,
        "provisioningUri": pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer),
    }
