"""CAN backbone staff (policy 207 e): users of a CAN's backbone agency who see its records."""

from __future__ import annotations

from uuid import UUID

from tortoise.transactions import in_transaction

from authz.enforcer import notify_change
from authz.resources import Action, Resource
from models.clients import CanStaff
from models.enums import AccessLevel
from models.governance import Can
from models.users import Membership
from services import governance_log
from services.caller import Caller
from services.errors import Forbidden, NotFound, ValidationFailed
from services.users import get_user

__all__ = ["assign_can_staff", "remove_can_staff"]


async def assign_can_staff(
    *,
    caller: Caller,
    user_id: UUID,
    can_id: UUID,
) -> CanStaff:
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.CAN_STAFF, Action.ASSIGN):
        raise Forbidden("Only the System Administrator assigns CAN backbone staff.")
    can = await Can.get_or_none(id=can_id)
    if can is None:
        raise NotFound("No such CAN.", field="canId")
    if can.backbone_agency_id is None:
        raise ValidationFailed("The CAN has no backbone agency recorded.", field="canId")
    user = await get_user(user_id=user_id)
    reads_clients = Membership.filter(
        user_id=user.id,
        agency_id=can.backbone_agency_id,
        access_level__in=[AccessLevel.FULL, AccessLevel.VIEW_ONLY],
    )
    if not await reads_clients.exists():
        raise ValidationFailed(
            "The user must hold FULL or VIEW_ONLY access at the CAN's backbone agency "
            "(REPORTING_ONLY users see no client rows).",
            field="userId",
        )
    async with in_transaction():
        staff, created = await CanStaff.get_or_create(
            user=user, can=can, defaults={"assigned_at": now}
        )
        if created:
            await governance_log.record(
                caller.principal,
                "can_staff.assign",
                entity_type="CanStaff",
                entity_id=staff.id,
                now=now,
                agency_id=can.backbone_agency_id,
                after={"userId": user.id, "canId": can.id},
            )
    await notify_change()
    return staff


async def remove_can_staff(*, caller: Caller, user_id: UUID, can_id: UUID) -> bool:
    decisions = caller.decisions
    if not decisions.system_wide(Resource.CAN_STAFF, Action.ASSIGN):
        raise Forbidden("Only the System Administrator removes CAN backbone staff.")
    async with in_transaction():
        removed = await CanStaff.filter(user_id=user_id, can_id=can_id).delete()
        if removed:
            await governance_log.record(
                caller.principal,
                "can_staff.remove",
                entity_type="CanStaff",
                entity_id=None,
                now=caller.now,
                before={"userId": user_id, "canId": can_id},
            )
    await notify_change()
    return bool(removed)
