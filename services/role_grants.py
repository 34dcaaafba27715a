"""System roles that take two people (policy 105): one authorised person proposes, another
confirms; neither may be the grantee. Granting Lead Agency is the one such role today."""

from __future__ import annotations

from uuid import UUID

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from authz.enforcer import notify_change
from authz.resources import Action, Resource
from models.enums import PendingGrantStatus, SystemRole, UserStatus
from models.governance_rules import PendingRoleGrant
from models.users import SystemRoleGrant
from services import governance_log
from services.caller import Caller
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.users import TWO_PERSON_ROLES, get_user, log_role_change, require_grant_authority

__all__ = ["confirm_grant", "pending_grants", "propose_grant", "withdraw_grant"]


def _reason(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 500:
        raise ValidationFailed("Give a reason of 1 to 500 characters.", field="reason")
    return value


def pending_grants(caller: Caller) -> QuerySet[PendingRoleGrant]:
    """Proposals waiting for a second person: for those who may confirm them."""
    decisions = caller.decisions
    if not (
        decisions.system_wide(Resource.SYSTEM_ROLE, Action.NAME)
        or decisions.system_wide(Resource.SYSTEM_ROLE, Action.ASSIGN)
    ):
        return PendingRoleGrant.filter(id__in=[])
    return PendingRoleGrant.filter(status=PendingGrantStatus.PENDING)


async def propose_grant(
    *, caller: Caller, user_id: UUID, role: SystemRole, reason: str
) -> PendingRoleGrant:
    """The first person's half of a two-person grant."""
    require_grant_authority(caller, user_id, role, "grant")
    if role not in TWO_PERSON_ROLES:
        raise ValidationFailed("This role is granted directly with grantSystemRole.", field="role")
    why = _reason(reason)
    async with in_transaction():
        user = await get_user(user_id=user_id)
        if user.status != UserStatus.ACTIVE:
            raise ValidationFailed("The user is not active.", field="userId")
        if await SystemRoleGrant.exists(user_id=user.id, role=role):
            raise Conflict("The user already holds this role.", field="role")
        open_ = PendingRoleGrant.filter(
            user_id=user.id, role=role, status=PendingGrantStatus.PENDING
        )
        if await open_.select_for_update().exists():
            raise Conflict("A grant of this role to this user is already pending.", field="role")
        grant = await PendingRoleGrant.create(
            user=user,
            role=role,
            reason=why,
            proposed_by_id=caller.principal.user_id,
            proposed_at=caller.now,
        )
        await governance_log.record(
            caller.principal,
            "system_role.propose",
            entity_type="PendingRoleGrant",
            entity_id=grant.id,
            now=caller.now,
            after={"userId": user.id, "role": role, "status": grant.status},
            reason=why,
        )
    return grant


async def _decide(caller: Caller, grant_id: UUID) -> PendingRoleGrant:
    grant = await PendingRoleGrant.filter(id=grant_id).select_for_update().first()
    if grant is None:
        raise NotFound("No such pending grant.", field="id")
    if grant.status != PendingGrantStatus.PENDING:
        raise Conflict("The grant has already been decided.", field="id")
    return grant


async def confirm_grant(*, caller: Caller, grant_id: UUID) -> PendingRoleGrant:
    """The second person's half: the role is granted now."""
    async with in_transaction():
        grant = await _decide(caller, grant_id)
        require_grant_authority(caller, grant.user_id, SystemRole(grant.role), "grant")
        if grant.proposed_by_id == caller.principal.user_id:
            raise Forbidden("A second person confirms the grant, not its proposer (policy 105).")
        user = await get_user(user_id=grant.user_id)
        if user.status != UserStatus.ACTIVE:
            raise ValidationFailed("The user is no longer active.", field="id")
        grant.status = PendingGrantStatus.CONFIRMED
        grant.decided_by_id = caller.principal.user_id
        grant.decided_at = caller.now
        await grant.save()
        _, created = await SystemRoleGrant.get_or_create(user_id=user.id, role=grant.role)
        if created:
            await log_role_change(
                caller.principal,
                user.id,
                SystemRole(grant.role),
                now=caller.now,
                granted=True,
                reason=f"{grant.reason} (proposed by {grant.proposed_by_id}, grant {grant.id})",
            )
    await notify_change()
    return grant


async def withdraw_grant(*, caller: Caller, grant_id: UUID, reason: str) -> PendingRoleGrant:
    """Cancel a pending grant (its proposer or another authorised person)."""
    why = _reason(reason)
    async with in_transaction():
        grant = await _decide(caller, grant_id)
        require_grant_authority(caller, grant.user_id, SystemRole(grant.role), "grant")
        grant.status = PendingGrantStatus.CANCELLED
        grant.decided_by_id = caller.principal.user_id
        grant.decided_at = caller.now
        await grant.save()
        await governance_log.record(
            caller.principal,
            "system_role.withdraw",
            entity_type="PendingRoleGrant",
            entity_id=grant.id,
            now=caller.now,
            before={"status": PendingGrantStatus.PENDING},
            after={"status": grant.status},
            reason=why,
        )
    return grant
