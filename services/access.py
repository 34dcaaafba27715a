"""Designation of Access (policies 107, 401) and agency duties (policies 107, 108)."""

from __future__ import annotations

from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from authz.enforcer import notify_change
from authz.resources import Action, Resource
from models.access import AccessRequest
from models.enums import AccessLevel, AccessRequestKind, AccessRequestStatus, Duty, UserStatus
from models.users import Membership, User, UserDuty
from services import governance_log, security_contacts
from services.agencies import get_agency
from services.caller import Caller
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.users import get_user
from services.values import max_length

__all__ = ["assign_duty", "decide_access_request", "remove_duty", "request_access"]

_DUTY_NAMES = {
    Duty.HMIS_DATA_COORDINATOR: "an HMIS Data Coordinator",
    Duty.AGENCY_SECURITY_COORDINATOR: "an Agency Security Coordinator",
}


def _note(value: str | None, field: str, column: str = "reason") -> str | None:
    if value is None:
        return None
    value = value.strip()
    limit = max_length(AccessRequest, column)
    if len(value) > limit:
        raise ValidationFailed(f"At most {limit} characters.", field=field)
    return value or None


async def request_access(
    *,
    caller: Caller,
    user_id: UUID,
    agency_id: UUID,
    kind: AccessRequestKind,
    level: AccessLevel | None,
    reason: str | None,
) -> AccessRequest:
    """The agency's HDC (or Security Coordinator) asks the System Administrator to act."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.in_agency(Resource.ACCESS_REQUEST, Action.REQUEST, agency_id):
        raise Forbidden(
            "Only the agency's HMIS Data Coordinator or Security Coordinator requests access."
        )
    agency = await get_agency(agency_id)
    user = await get_user(user_id=user_id)
    if user.status != UserStatus.ACTIVE:
        raise ValidationFailed("The user is not active.", field="userId")
    if kind == AccessRequestKind.GRANT:
        if level is None:
            raise ValidationFailed("Name the access level.", field="level")
        if level.value not in (agency.mou_access_levels or []):
            raise ValidationFailed(
                "The agency's MOU does not grant that access level (policy 101).", field="level"
            )
    elif not await Membership.exists(user_id=user.id, agency_id=agency.id):
        raise ValidationFailed("The user has no access at this agency.", field="userId")
    async with in_transaction():
        # Holding the user's row serialises concurrent requests for them: one pending at a time.
        await User.filter(id=user.id).select_for_update().first()
        pending = AccessRequest.filter(
            user_id=user.id, agency_id=agency.id, status=AccessRequestStatus.PENDING
        )
        if await pending.exists():
            raise Conflict("A request for this user and agency is already pending.")
        request = await AccessRequest.create(
            user=user,
            agency=agency,
            kind=kind,
            access_level=level if kind == AccessRequestKind.GRANT else None,
            reason=_note(reason, "reason"),
            requested_by_id=decisions.principal.user_id,
            requested_at=now,
        )
        await governance_log.record(
            caller.principal,
            "access_request.request",
            entity_type="AccessRequest",
            entity_id=request.id,
            now=now,
            agency_id=agency.id,
            after={
                "userId": user.id,
                "kind": kind,
                "level": request.access_level,
                "status": request.status,
            },
            reason=request.reason,
        )
        return request


async def decide_access_request(
    *,
    caller: Caller,
    request_id: UUID,
    approve: bool,
    note: str | None,
) -> AccessRequest:
    """The System Administrator approves (membership created, changed or removed) or denies."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.ACCESS_REQUEST, Action.DECIDE):
        raise Forbidden("Only the System Administrator decides access requests.")
    async with in_transaction():
        request = await AccessRequest.filter(id=request_id).select_for_update().first()
        if request is None:
            raise NotFound("No such access request.", field="requestId")
        if request.status != AccessRequestStatus.PENDING:
            raise Conflict("The request has already been decided.")
        me = decisions.principal.user_id
        if request.requested_by_id == me or request.user_id == me:
            raise Forbidden("No one may decide a request they made or that concerns themselves.")
        held = await Membership.filter(user_id=request.user_id, agency_id=request.agency_id).first()
        before_level = held.access_level if held else None
        if approve:
            await _apply(request, caller)
        request.status = AccessRequestStatus.APPROVED if approve else AccessRequestStatus.DENIED
        request.decided_by_id = me
        request.decided_at = now
        request.decision_note = _note(note, "note", "decision_note")
        await request.save()
        after_level = (
            (None if request.kind == AccessRequestKind.REMOVE else request.access_level)
            if approve
            else before_level
        )
        await governance_log.record(
            caller.principal,
            "access_request.approve" if approve else "access_request.deny",
            entity_type="AccessRequest",
            entity_id=request.id,
            now=now,
            agency_id=request.agency_id,
            before={"status": AccessRequestStatus.PENDING, "accessLevel": before_level},
            after={"status": request.status, "accessLevel": after_level},
            reason=request.decision_note,
        )
    if approve:
        await notify_change()
    return request


async def _apply(request: AccessRequest, caller: Caller) -> None:
    user_id, agency_id = request.user_id, request.agency_id
    if request.kind == AccessRequestKind.REMOVE:
        coordinator = await UserDuty.exists(
            user_id=user_id, agency_id=agency_id, duty=Duty.AGENCY_SECURITY_COORDINATOR
        )
        await UserDuty.filter(user_id=user_id, agency_id=agency_id).delete()
        if coordinator:  # the Security Coordinator left (policy 108)
            await security_contacts.coordinator_changed(
                caller.principal,
                agency_id=agency_id,
                previous_id=user_id,
                new_id=None,
                now=caller.now,
                today=caller.today,
            )
        await Membership.filter(user_id=user_id, agency_id=agency_id).delete()
        return
    if not await User.exists(id=user_id, status=UserStatus.ACTIVE):
        raise ValidationFailed("The user is no longer active.", field="requestId")
    agency = await get_agency(agency_id)
    if request.access_level is None or request.access_level.value not in (
        agency.mou_access_levels or []
    ):
        raise ValidationFailed(
            "The agency's MOU no longer grants that access level (policy 101).", field="level"
        )
    membership = await Membership.filter(user_id=user_id, agency_id=agency_id).first()
    if membership is None:
        await Membership.create(
            user_id=user_id, agency_id=agency_id, access_level=request.access_level
        )
    else:
        membership.access_level = request.access_level
        await membership.save(update_fields=["access_level", "updated_at"])


async def assign_duty(*, caller: Caller, user_id: UUID, agency_id: UUID, duty: Duty) -> UserDuty:
    """Give a licensed end user of the agency a duty; one holder per agency (policies 107, 108)."""
    decisions = caller.decisions
    if not decisions.system_wide(Resource.DUTY, Action.ASSIGN):
        raise Forbidden("Only the System Administrator assigns duties.")
    async with in_transaction():
        user = await get_user(user_id=user_id)
        await get_agency(agency_id)
        if not await Membership.exists(user_id=user.id, agency_id=agency_id):
            raise ValidationFailed(
                "The user must be a licensed end user of the agency to hold a duty there.",
                field="userId",
            )
        holder = await UserDuty.filter(agency_id=agency_id, duty=duty).select_for_update().first()
        if holder is not None:
            if holder.user_id == user.id:
                return holder
            raise Conflict(
                f"The agency already has {_DUTY_NAMES[duty]}; remove that duty first.", field="duty"
            )
        try:
            assigned = await UserDuty.create(user=user, agency_id=agency_id, duty=duty)
        except IntegrityError:
            raise Conflict(f"The agency already has {_DUTY_NAMES[duty]}.", field="duty") from None
        await governance_log.record(
            caller.principal,
            "duty.assign",
            entity_type="UserDuty",
            entity_id=assigned.id,
            now=caller.now,
            agency_id=agency_id,
            after={"userId": user.id, "duty": duty},
        )
        if duty == Duty.AGENCY_SECURITY_COORDINATOR:  # policy 108's change
            await security_contacts.coordinator_changed(
                caller.principal,
                agency_id=agency_id,
                previous_id=None,
                new_id=user.id,
                now=caller.now,
                today=caller.today,
            )
    await notify_change()
    return assigned


async def remove_duty(*, caller: Caller, agency_id: UUID, duty: Duty) -> bool:
    decisions = caller.decisions
    if not decisions.system_wide(Resource.DUTY, Action.ASSIGN):
        raise Forbidden("Only the System Administrator removes duties.")
    async with in_transaction():
        holder = await UserDuty.filter(agency_id=agency_id, duty=duty).select_for_update().first()
        if holder is not None:
            await holder.delete()
            await governance_log.record(
                caller.principal,
                "duty.remove",
                entity_type="UserDuty",
                entity_id=holder.id,
                now=caller.now,
                agency_id=agency_id,
                before={"userId": holder.user_id, "duty": duty},
            )
            if duty == Duty.AGENCY_SECURITY_COORDINATOR:  # policy 108
                await security_contacts.coordinator_changed(
                    caller.principal,
                    agency_id=agency_id,
                    previous_id=holder.user_id,
                    new_id=None,
                    now=caller.now,
                    today=caller.today,
                )
    await notify_change()
    return holder is not None
