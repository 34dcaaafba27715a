"""User accounts: policy 109's uniqueness check, deactivation, invitations and system roles (the
vendor's sync is services.user_sync)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from authz.enforcer import notify_change
from authz.resources import Action, Resource
from models.enums import SystemRole, UserStatus
from models.users import SystemRoleGrant, User
from services.auth import AuthPolicy, create_invite, revoke_user_sessions
from services.caller import Caller
from services.errors import Forbidden, NotFound, ValidationFailed
from services.values import bounded, max_length

__all__ = [
    "check_unique",
    "contact_refusal",
    "deactivate_account",
    "deactivate_user",
    "get_user",
    "grant_system_role",
    "invite_user",
    "lock_contact_points",
    "lock_keys",
    "revoke_system_role",
]

# Policy 109's locks: one per contact point (and, for the vendor sync, per external id and
# username), taken in sorted order (two writers never wait for each other's next lock), in one
# statement for any number of keys.
_LOCK_SQL = (
    "SELECT pg_advisory_xact_lock(hashtextextended(p, 109)) "
    "FROM unnest($1::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n"
)
_REFUSALS = {
    "username": "That username belongs to another user.",
    "email": "That e-mail address belongs to another user (policy 109).",
    "mfaContact": "That MFA contact belongs to another user (policy 109).",
}


def contact_refusal(field: str) -> ValidationFailed:
    """The refusal of a username (``username``), e-mail address (``email``) or MFA contact
    (``mfaContact``) another user holds."""
    return ValidationFailed(_REFUSALS[field], field=field)


async def lock_keys(keys: Iterable[str], connection: Any = None) -> None:
    """Transaction-level advisory locks on these keys (``contact:<point>``, ``external:<id>``,
    ``username:<name>``), taken in sorted order, before any row lock of the transaction."""
    ordered = sorted(set(keys))
    if ordered:
        await (connection or get_connection("default")).execute_query(_LOCK_SQL, [ordered])


async def lock_contact_points(points: Iterable[str | None], connection: Any = None) -> None:
    """Lock these contact points until the transaction ends (call it inside the write's
    transaction): the database cannot hold a uniqueness constraint across the two columns."""
    await lock_keys((f"contact:{point}" for point in points if point is not None), connection)


async def check_unique(values: dict[str, Any], user_id: UUID | None) -> None:
    """Policy 109: no shared user names, e-mail addresses or MFA contacts. Call it inside the
    write's transaction: it locks the contact points (the database cannot hold a uniqueness
    constraint across the two columns), so two concurrent writers cannot both pass.

    An MFA contact that is another user's e-mail address is shared too: codes would reach them.
    """
    email, mfa = values["email_normalized"], values["mfa_contact_normalized"]
    await lock_contact_points((email, mfa))
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
        raise contact_refusal("username")
    if any(email in (row["email_normalized"], row["mfa_contact_normalized"]) for row in rows):
        raise contact_refusal("email")
    if rows:
        raise contact_refusal("mfaContact")


async def deactivate_account(user: User, reason: str, now: datetime) -> None:
    """Mark the account inactive with a reason and end its sessions (the caller saves it)."""
    user.status = UserStatus.INACTIVE
    user.deactivated_at = now
    user.deactivation_reason = reason
    await revoke_user_sessions(user_id=user.id, reason="user deactivated", now=now)


async def get_user(*, user_id: UUID | None = None, external_id: str | None = None) -> User:
    if (user_id is None) == (external_id is None):
        raise ValidationFailed("Give exactly one of userId and externalId.", field="userId")
    if external_id is not None:
        bounded(external_id, User, "external_id", "externalId")
    user = await (
        User.get_or_none(id=user_id) if user_id else User.get_or_none(external_id=external_id)
    )
    if user is None:
        raise NotFound("No such user.", field="userId" if user_id else "externalId")
    return user


async def deactivate_user(
    *,
    caller: Caller,
    user_id: UUID | None = None,
    external_id: str | None = None,
    reason: str,
) -> User:
    """Deactivate an account and end its sessions at once (policies 107, 401)."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.USER, Action.DEACTIVATE):
        raise Forbidden("Only the HMIS vendor or the System Administrator deactivates users.")
    reason = reason.strip()
    limit = max_length(User, "deactivation_reason")
    if not reason or len(reason) > limit:
        raise ValidationFailed(f"Give a reason of 1 to {limit} characters.", field="reason")
    async with in_transaction():
        user = await get_user(user_id=user_id, external_id=external_id)
        if user.status != UserStatus.INACTIVE:
            await deactivate_account(user, reason, now)
            await user.save()
    await notify_change()
    return user


async def invite_user(*, caller: Caller, user_id: UUID, policy: AuthPolicy) -> str:
    """A one-time enrolment token (password and authenticator) for the user."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.USER, Action.INVITE):
        raise Forbidden("Only the System Administrator issues enrolment invitations.")
    user = await get_user(user_id=user_id)
    if user.status != UserStatus.ACTIVE:
        raise ValidationFailed("The user is not active.", field="userId")
    return await create_invite(user_id=user.id, now=now, policy=policy)


async def grant_system_role(*, caller: Caller, user_id: UUID, role: SystemRole) -> User:
    decisions = caller.decisions
    if not decisions.system_wide(Resource.SYSTEM_ROLE, Action.ASSIGN):
        raise Forbidden("Only the System Administrator grants system roles.")
    user = await get_user(user_id=user_id)
    await SystemRoleGrant.get_or_create(user=user, role=role)
    await notify_change()
    return user


async def revoke_system_role(*, caller: Caller, user_id: UUID, role: SystemRole) -> User:
    decisions = caller.decisions
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
