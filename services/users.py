"""User accounts: the vendor's idempotent sync, deactivation, invitations and system roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from authz.enforcer import Decisions, notify_change
from authz.resources import Action, Resource
from models.enums import SystemRole, UserStatus
from models.users import SystemRoleGrant, User
from services.auth import AuthPolicy, create_invite, revoke_user_sessions
from services.contacts import normalize_email, normalize_mfa_contact
from services.errors import Forbidden, NotFound, ValidationFailed

__all__ = [
    "SyncResult",
    "UserData",
    "check_unique",
    "deactivate_account",
    "deactivate_user",
    "get_user",
    "grant_system_role",
    "invite_user",
    "revoke_system_role",
    "sync_user",
]

_USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")
_VENDOR_DEACTIVATION = "deactivated by the vendor sync"
# Columns as the vendor names them in SyncUserInput (normalised forms count as their field).
_PUBLIC_NAMES = {
    "external_id": "externalId",
    "username": "username",
    "email": "email",
    "email_normalized": "email",
    "mfa_contact": "mfaContact",
    "mfa_contact_normalized": "mfaContact",
    "first_name": "firstName",
    "last_name": "lastName",
    "status": "status",
    "deactivated_at": "status",
    "deactivation_reason": "status",
}


@dataclass(frozen=True, slots=True)
class UserData:
    """A user as the HMIS vendor describes it."""

    external_id: str
    username: str
    email: str
    mfa_contact: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    status: UserStatus = UserStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class SyncResult:
    user: User
    created: bool
    changed_fields: tuple[str, ...]


def _clean(data: UserData) -> dict[str, Any]:
    external_id = data.external_id.strip()
    if not external_id or len(external_id) > 128:
        raise ValidationFailed("externalId must be 1 to 128 characters.", field="externalId")
    username = data.username.strip().casefold()
    if not (3 <= len(username) <= 64) or not set(username) <= _USERNAME_CHARS:
        raise ValidationFailed(
            "username must be 3 to 64 letters, digits or . _ - @.", field="username"
        )
    for name, value in (("firstName", data.first_name), ("lastName", data.last_name)):
        if value is not None and len(value) > 100:
            raise ValidationFailed(f"{name} has at most 100 characters.", field=name)
    mfa = data.mfa_contact.strip() if data.mfa_contact else None
    return {
        "external_id": external_id,
        "username": username,
        "email": data.email.strip(),
        "email_normalized": normalize_email(data.email),
        "mfa_contact": mfa,
        "mfa_contact_normalized": normalize_mfa_contact(mfa) if mfa else None,
        "first_name": data.first_name,
        "last_name": data.last_name,
    }


async def check_unique(values: dict[str, Any], user_id: UUID | None) -> None:
    """Policy 109: no shared user names, e-mail addresses or MFA contacts. Call it inside the
    write's transaction: it locks the contact points (the database cannot hold a uniqueness
    constraint across the two columns), so two concurrent writers cannot both pass.

    An MFA contact that is another user's e-mail address is shared too: codes would reach them.
    """
    email, mfa = values["email_normalized"], values["mfa_contact_normalized"]
    for point in sorted({email, mfa} - {None}):
        await get_connection("default").execute_query(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 109))", [f"contact:{point}"]
        )
    clash = (
        Q(username=values["username"]) | Q(email_normalized=email) | Q(mfa_contact_normalized=email)
    )
    if mfa is not None:
        clash |= Q(email_normalized=mfa) | Q(mfa_contact_normalized=mfa)
    others = User.filter(clash)
    if user_id is not None:
        others = others.exclude(id=user_id)
    rows = await others.limit(3).values("username", "email_normalized", "mfa_contact_normalized")
    if any(row["username"] == values["username"] for row in rows):
        raise ValidationFailed("That username belongs to another user.", field="username")
    if any(email in (row["email_normalized"], row["mfa_contact_normalized"]) for row in rows):
        raise ValidationFailed(
            "That e-mail address belongs to another user (policy 109).", field="email"
        )
    if rows:
        raise ValidationFailed(
            "That MFA contact belongs to another user (policy 109).", field="mfaContact"
        )


def _clash_field(error: IntegrityError) -> str:
    """The input field behind a unique violation a concurrent writer caused."""
    constraint = str(getattr(error.__cause__, "constraint_name", "") or error)
    for column, field in (
        ("username", "username"),
        ("mfa_contact", "mfaContact"),
        ("external_id", "externalId"),
    ):
        if column in constraint:
            return field
    return "email"


async def deactivate_account(user: User, reason: str, now: datetime) -> None:
    """Mark the account inactive with a reason and end its sessions (the caller saves it)."""
    user.status = UserStatus.INACTIVE
    user.deactivated_at = now
    user.deactivation_reason = reason
    await revoke_user_sessions(user_id=user.id, reason="user deactivated", now=now)


async def sync_user(*, decisions: Decisions, data: UserData, now: datetime) -> SyncResult:
    """Create or update the user with this external id; the same input twice changes nothing."""
    if not decisions.system_wide(Resource.USER, Action.SYNC):
        raise Forbidden("Only the HMIS vendor or the System Administrator syncs users.")
    values = _clean(data)
    changed: list[str] = []
    try:
        async with in_transaction():
            user = await User.filter(external_id=values["external_id"]).select_for_update().first()
            await check_unique(values, user.id if user else None)
            if user is None:
                inactive = data.status == UserStatus.INACTIVE
                user = await User.create(
                    **values,
                    status=data.status,
                    deactivated_at=now if inactive else None,
                    deactivation_reason=_VENDOR_DEACTIVATION if inactive else None,
                )
                return SyncResult(user=user, created=True, changed_fields=())
            columns = [k for k, v in values.items() if getattr(user, k) != v]
            for key in columns:
                setattr(user, key, values[key])
            if user.status != data.status:
                columns += ["status", "deactivated_at", "deactivation_reason"]
                if data.status == UserStatus.INACTIVE:
                    await deactivate_account(user, _VENDOR_DEACTIVATION, now)
                else:
                    user.status = UserStatus.ACTIVE
                    user.deactivated_at = None
                    user.deactivation_reason = None
            if columns:
                await user.save(update_fields=[*columns, "updated_at"])
            changed = list(dict.fromkeys(_PUBLIC_NAMES[c] for c in columns))
    except IntegrityError as error:
        # A concurrent sync took the name, address or contact between our check and our write.
        raise ValidationFailed(
            "The username, e-mail address or MFA contact belongs to another user (policy 109).",
            field=_clash_field(error),
        ) from None
    if "status" in changed:
        await notify_change()
    if {"email", "mfaContact"} & set(changed):
        # Policies 109, 202: a case about a shared contact closes once the contact is unique.
        from services.compliance import resolve_unshared_contacts

        await resolve_unshared_contacts(now=now)
    return SyncResult(user=user, created=False, changed_fields=tuple(changed))


async def get_user(*, user_id: UUID | None = None, external_id: str | None = None) -> User:
    if (user_id is None) == (external_id is None):
        raise ValidationFailed("Give exactly one of userId and externalId.", field="userId")
    user = await (
        User.get_or_none(id=user_id) if user_id else User.get_or_none(external_id=external_id)
    )
    if user is None:
        raise NotFound("No such user.", field="userId" if user_id else "externalId")
    return user


async def deactivate_user(
    *,
    decisions: Decisions,
    user_id: UUID | None = None,
    external_id: str | None = None,
    reason: str,
    now: datetime,
) -> User:
    """Deactivate an account and end its sessions at once (policies 107, 401)."""
    if not decisions.system_wide(Resource.USER, Action.DEACTIVATE):
        raise Forbidden("Only the HMIS vendor or the System Administrator deactivates users.")
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed("Give a reason of 1 to 500 characters.", field="reason")
    async with in_transaction():
        user = await get_user(user_id=user_id, external_id=external_id)
        if user.status != UserStatus.INACTIVE:
            await deactivate_account(user, reason, now)
            await user.save()
    await notify_change()
    return user


async def invite_user(
    *, decisions: Decisions, user_id: UUID, now: datetime, policy: AuthPolicy
) -> str:
    """A one-time enrolment token (password and authenticator) for the user."""
    if not decisions.system_wide(Resource.USER, Action.INVITE):
        raise Forbidden("Only the System Administrator issues enrolment invitations.")
    user = await get_user(user_id=user_id)
    if user.status != UserStatus.ACTIVE:
        raise ValidationFailed("The user is not active.", field="userId")
    return await create_invite(user_id=user.id, now=now, policy=policy)


async def grant_system_role(*, decisions: Decisions, user_id: UUID, role: SystemRole) -> User:
    if not decisions.system_wide(Resource.SYSTEM_ROLE, Action.ASSIGN):
        raise Forbidden("Only the System Administrator grants system roles.")
    user = await get_user(user_id=user_id)
    await SystemRoleGrant.get_or_create(user=user, role=role)
    await notify_change()
    return user


async def revoke_system_role(*, decisions: Decisions, user_id: UUID, role: SystemRole) -> User:
    if not decisions.system_wide(Resource.SYSTEM_ROLE, Action.ASSIGN):
        raise Forbidden("Only the System Administrator revokes system roles.")
    user = await get_user(user_id=user_id)
    if user.id == decisions.principal.user_id and role == SystemRole.SYSTEM_ADMINISTRATOR:
        raise ValidationFailed(
            "You cannot remove your own System Administrator role.", field="role"
        )
    await SystemRoleGrant.filter(user=user, role=role).delete()
    await notify_change()
    return user
