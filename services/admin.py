"""Bootstrap: the first System Administrator, from the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pyotp
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from authz.enforcer import notify_change
from models.enums import SystemRole, UserStatus
from models.users import SystemRoleGrant, User
from services.contacts import normalize_mfa_contact, valid_email
from services.errors import ValidationFailed
from services.passwords import check_password_policy, hash_password
from services.users import check_unique, log_role_change
from services.values import max_length

__all__ = ["create_system_administrator"]

# The same alphabet the vendor sync accepts, so every account name can sign in the same way.
_USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")


async def create_system_administrator(
    *,
    username: str,
    email: str,
    mfa_contact: str | None,
    password: str,
    issuer: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A System Administrator with a password and a TOTP secret, returned for the operator."""
    username = username.strip().casefold()
    limit = max_length(User, "username")
    if not (3 <= len(username) <= limit) or not set(username) <= _USERNAME_CHARS:
        raise ValidationFailed(
            f"username must be 3 to {limit} letters, digits or . _ - @.", field="username"
        )
    email = valid_email(email)
    email_normalized = email.casefold()
    mfa_contact = mfa_contact.strip() if mfa_contact else None
    mfa_normalized = normalize_mfa_contact(mfa_contact) if mfa_contact else None
    check_password_policy(password, username=username, email=email)
    password_hash = await asyncio.to_thread(hash_password, password)
    secret = pyotp.random_base32()
    try:
        async with in_transaction():
            await check_unique(
                {
                    "username": username,
                    "email_normalized": email_normalized,
                    "mfa_contact_normalized": mfa_normalized,
                },
                None,
            )
            user = await User.create(
                username=username,
                email=email,
                email_normalized=email_normalized,
                mfa_contact=mfa_contact,
                mfa_contact_normalized=mfa_normalized,
                status=UserStatus.ACTIVE,
                password_hash=password_hash,
                totp_secret=secret,
            )
            await SystemRoleGrant.create(user=user, role=SystemRole.SYSTEM_ADMINISTRATOR)
            # the operator at the console: the log's actor is Hearth itself
            await log_role_change(
                None,
                user.id,
                SystemRole.SYSTEM_ADMINISTRATOR,
                now=now or datetime.now(UTC),
                granted=True,
                reason="hearth admin create (the command line)",
            )
    except IntegrityError:
        # Another process took the name, address or contact between the check and the write.
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
