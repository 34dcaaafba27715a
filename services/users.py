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
from authz.principal import Principal
from authz.resources import Action, Resource
from models.enums import DeactivationReason, SystemRole, UserStatus
from models.users import SystemRoleGrant, User
from services import governance_log
from services.auth import AuthPolicy, create_invite, revoke_user_sessions
from services.caller import Caller
from services.errors import Forbidden, NotFound, ValidationFailed
from services.values import bounded, max_length

__all__ = [
    "DEACTIVATE_USER_REASONS",
    "NAMED_BY_LEAD_AGENCY",
    "TWO_PERSON_ROLES",
    "check_unique",
    "contact_refusal",
    "deactivate_account",
    "deactivate_user",
    "get_user",
    "grant_system_role",
    "invite_user",
    "lock_contact_points",
    "lock_keys",
    "log_role_change",
    "require_grant_authority",
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


async def deactivate_account(
    user: User, reason: str, now: datetime, code: DeactivationReason
) -> dict[str, object]:
    """Mark the account inactive with a reason and its code and end its sessions (the caller
    saves it). Returns the values before, for the governance log."""
    before: dict[str, object] = {"status": user.status, "deactivationCode": user.deactivation_code}
    user.status = UserStatus.INACTIVE
    user.deactivated_at = now
    user.deactivation_reason = reason
    user.deactivation_code = code
    await revoke_user_sessions(user_id=user.id, reason="user deactivated", now=now)
    return before


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


# What deactivateUser may say. Misuse goes through policy 212's escalation (the HDC's and the
# manager's reviews first: services.access_reviews.deactivate_for_misuse); a shared contact and
# overdue training through the compliance deadlines.
DEACTIVATE_USER_REASONS = frozenset(
    {
        DeactivationReason.LEFT_AGENCY,
        DeactivationReason.ACCESS_NO_LONGER_NEEDED,
        DeactivationReason.CREDENTIALS_COMPROMISED,
    }
)


async def deactivate_user(
    *,
    caller: Caller,
    user_id: UUID | None = None,
    external_id: str | None = None,
    code: DeactivationReason,
    reason: str | None = None,
) -> User:
    """Deactivate an account and end its sessions at once (policies 107, 401): someone left or
    no longer needs access, or their credentials are compromised. Never for misuse (policy 212)."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.USER, Action.DEACTIVATE):
        raise Forbidden("Only the HMIS vendor or the System Administrator deactivates users.")
    if code == DeactivationReason.MISUSE:
        raise Forbidden(
            "A deactivation for inappropriate use follows policy 212's escalation: level 3, "
            "after review by the HDC and the manager (deactivateForMisuse)."
        )
    if code not in DEACTIVATE_USER_REASONS:
        raise ValidationFailed(
            "That reason is set by the compliance deadlines only.", field="reasonCode"
        )
    note = (reason or "").strip()
    limit = max_length(User, "deactivation_reason")
    if len(note) > limit:
        raise ValidationFailed(f"Give a reason of at most {limit} characters.", field="reason")
    async with in_transaction():
        user = await get_user(user_id=user_id, external_id=external_id)
        if user.status != UserStatus.INACTIVE:
            before = await deactivate_account(user, note or _REASON_WORDS[code], now, code)
            await user.save()
            await governance_log.record(
                caller.principal,
                "user.deactivate",
                entity_type="User",
                entity_id=user.id,
                now=now,
                before=before,
                after={"status": user.status, "deactivationCode": code},
                reason=note or None,
            )
    await notify_change()
    return user


_REASON_WORDS = {
    DeactivationReason.LEFT_AGENCY: "Left the agency (policy 107).",
    DeactivationReason.ACCESS_NO_LONGER_NEEDED: "No longer needs access (policy 107).",
    DeactivationReason.CREDENTIALS_COMPROMISED: "Credentials compromised (policy 109).",
}


async def invite_user(*, caller: Caller, user_id: UUID, policy: AuthPolicy) -> str:
    """A one-time enrolment token (password and authenticator) for the user."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.USER, Action.INVITE):
        raise Forbidden("Only the System Administrator issues enrolment invitations.")
    user = await get_user(user_id=user_id)
    if user.status != UserStatus.ACTIVE:
        raise ValidationFailed("The user is not active.", field="userId")
    async with in_transaction():
        token = await create_invite(user_id=user.id, now=now, policy=policy)
        await governance_log.record(
            caller.principal, "user.invite", entity_type="User", entity_id=user.id, now=now
        )
    return token


# Policy 105: the Lead Agency names the Security Officer and the System Administrator. Other
# roles the System Administrator grants. Lead Agency itself takes two people (a proposal that
# another confirms: services.role_grants), either of them Lead Agency or System Administrator.
NAMED_BY_LEAD_AGENCY = frozenset({SystemRole.SECURITY_OFFICER, SystemRole.SYSTEM_ADMINISTRATOR})
TWO_PERSON_ROLES = frozenset({SystemRole.LEAD_AGENCY})


def require_grant_authority(caller: Caller, user_id: UUID, role: SystemRole, verb: str) -> None:
    """FORBIDDEN unless the caller may grant or revoke ``role`` for ``user_id`` (policy 105)."""
    decisions = caller.decisions
    if user_id == caller.principal.user_id:
        raise Forbidden(f"No one may {verb} their own system role (policy 105).")
    if role in NAMED_BY_LEAD_AGENCY:
        allowed = decisions.system_wide(Resource.SYSTEM_ROLE, Action.NAME)
        who = "Only the Lead Agency names the Security Officer and the System Administrator"
    elif role in TWO_PERSON_ROLES:
        allowed = decisions.system_wide(Resource.SYSTEM_ROLE, Action.NAME) or decisions.system_wide(
            Resource.SYSTEM_ROLE, Action.ASSIGN
        )
        who = "Only the Lead Agency or the System Administrator acts on Lead Agency grants"
    else:
        allowed = decisions.system_wide(Resource.SYSTEM_ROLE, Action.ASSIGN)
        who = "Only the System Administrator grants this system role"
    if not allowed:
        raise Forbidden(f"{who} (policy 105).")


def _why(reason: str | None) -> str | None:
    note = (reason or "").strip()
    if len(note) > 500:
        raise ValidationFailed("Give a reason of at most 500 characters.", field="reason")
    return note or None


async def grant_system_role(
    *, caller: Caller, user_id: UUID, role: SystemRole, reason: str | None = None
) -> User:
    """Grant a system role at once (Lead Agency: proposeSystemRoleGrant, then a second person)."""
    require_grant_authority(caller, user_id, role, "grant")
    if role in TWO_PERSON_ROLES:
        raise ValidationFailed(
            "Granting Lead Agency needs a second person: proposeSystemRoleGrant, then another "
            "authorised person confirms (policy 105).",
            field="role",
        )
    note = _why(reason)
    async with in_transaction():
        user = await get_user(user_id=user_id)
        _, created = await SystemRoleGrant.get_or_create(user=user, role=role)
        if created:
            await log_role_change(
                caller.principal, user.id, role, now=caller.now, granted=True, reason=note
            )
    await notify_change()
    return user


async def log_role_change(
    actor: Principal | None,
    user_id: UUID,
    role: SystemRole,
    *,
    now: datetime,
    granted: bool,
    reason: str | None,
) -> None:
    """The governance log's row for a system role granted or revoked (actor None: the CLI)."""
    held = {"role": role, "held": True}
    await governance_log.record(
        actor,
        "system_role.grant" if granted else "system_role.revoke",
        entity_type="User",
        entity_id=user_id,
        now=now,
        before=None if granted else held,
        after=held if granted else None,
        reason=reason,
    )


async def revoke_system_role(
    *, caller: Caller, user_id: UUID, role: SystemRole, reason: str | None = None
) -> User:
    require_grant_authority(caller, user_id, role, "revoke")
    note = _why(reason)
    async with in_transaction():
        user = await get_user(user_id=user_id)
        removed = await SystemRoleGrant.filter(user=user, role=role).delete()
        if removed:
            await log_role_change(
                caller.principal, user.id, role, now=caller.now, granted=False, reason=note
            )
    await notify_change()
    return user
