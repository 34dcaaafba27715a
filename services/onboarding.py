"""A new agency's first coordinators (policies 101, 105-108): the bootstrap of the Designation of
Access.

Every later licence at an agency is asked for by its HMIS Data Coordinator or Agency Security
Coordinator (``services.access``), so an agency with neither could never get its first user.
The System Administrator, who grants every licence and assigns every duty, designates them here
as the agency's Executive Director or designee authorised them (policy 105): only while the
agency holds neither duty (afterwards the coordinators file Designations of Access as usual),
only under a signed MOU that grants the access level (policy 101), never themself. Training and
the End User Agreement are not asked for here: as for every licence, they gate use, and the
coordinators are refused every operation until the LMS records their courses and they sign
(policies 110, 401). Until both exhibits are certified their access level is not in force, but
their duties are, so that they can certify (policy 210). Decision 110.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from authz.enforcer import notify_change
from authz.resources import Action, Resource
from models.enums import AccessLevel, AgencyStatus, Duty, UserStatus
from models.governance import Agency
from models.users import Membership, User, UserDuty
from services import governance_log, security_contacts
from services.agencies import get_agency
from services.caller import Caller
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed

__all__ = ["Designation", "designate_agency_coordinators"]

_AUTHORIZED_BY_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Designation:
    """What designate_agency_coordinators did."""

    agency: Agency
    duties: list[UserDuty]


def _authorized_by(value: str) -> str:
    value = value.strip()
    if not value or len(value) > _AUTHORIZED_BY_LIMIT:
        raise ValidationFailed(
            f"authorizedBy must be 1 to {_AUTHORIZED_BY_LIMIT} characters.", field="authorizedBy"
        )
    return value


async def _coordinator(user_id: UUID, field: str) -> User:
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("No such user.", field=field)
    if user.status != UserStatus.ACTIVE:
        raise ValidationFailed("The user is not active.", field=field)
    return user


async def designate_agency_coordinators(
    *,
    caller: Caller,
    agency_id: UUID,
    hmis_data_coordinator_id: UUID | None,
    security_coordinator_id: UUID | None,
    access_level: AccessLevel,
    authorized_by: str,
) -> Designation:
    """Make the named users licensed end users of the agency at ``access_level`` with the HDC
    and the Agency Security Coordinator duty (one person may hold both, policy 108); only while
    the agency holds neither duty."""
    if not caller.decisions.system_wide(Resource.DUTY, Action.ASSIGN):
        raise Forbidden("Only the System Administrator designates an agency's first coordinators.")
    wanted = [
        (user_id, duty, field)
        for user_id, duty, field in (
            (hmis_data_coordinator_id, Duty.HMIS_DATA_COORDINATOR, "hmisDataCoordinatorId"),
            (security_coordinator_id, Duty.AGENCY_SECURITY_COORDINATOR, "securityCoordinatorId"),
        )
        if user_id is not None
    ]
    if not wanted:
        raise ValidationFailed(
            "Name the HMIS Data Coordinator, the Agency Security Coordinator, or both.",
            field="hmisDataCoordinatorId",
        )
    me = caller.principal.user_id
    for user_id, _, field in wanted:
        if user_id == me:
            raise Forbidden("No one designates themself (policies 105, 107).", field=field)
    authorized = _authorized_by(authorized_by)
    now = caller.now
    async with in_transaction():
        # the agency's row serialises designations of one agency
        agency = await get_agency(agency_id, lock=True)
        if agency.status != AgencyStatus.ACTIVE or agency.mou_signed_on is None:
            raise ValidationFailed(
                "The agency has no signed MOU in force (policy 101): record it first (recordMou).",
                field="agencyId",
            )
        if access_level.value not in (agency.mou_access_levels or []):
            raise ValidationFailed(
                "The agency's MOU does not grant that access level (policy 101).",
                field="accessLevel",
            )
        if await UserDuty.exists(agency_id=agency.id):
            raise Conflict(
                "The agency already has a coordinator: it asks for access through a Designation "
                "of Access (requestAccess), and duties are assigned with assignDuty.",
                field="agencyId",
            )
        users = {user_id: await _coordinator(user_id, field) for user_id, _, field in wanted}
        for user in users.values():
            await _license(caller, agency, user, access_level, authorized)
        duties: list[UserDuty] = []
        for user_id, duty, _ in wanted:
            try:
                held = await UserDuty.create(user_id=user_id, agency_id=agency.id, duty=duty)
            except IntegrityError:
                raise Conflict("The agency already has a coordinator.", field="agencyId") from None
            duties.append(held)
            await governance_log.record(
                caller.principal,
                "duty.designate",
                entity_type="UserDuty",
                entity_id=held.id,
                now=now,
                agency_id=agency.id,
                after={"userId": user_id, "duty": duty},
                reason=f"Authorised by {authorized}.",
            )
            if duty == Duty.AGENCY_SECURITY_COORDINATOR:  # policy 108's change
                await security_contacts.coordinator_changed(
                    caller.principal,
                    agency_id=agency.id,
                    previous_id=None,
                    new_id=user_id,
                    now=now,
                    today=caller.today,
                )
    await notify_change()
    return Designation(agency=agency, duties=duties)


async def _license(
    caller: Caller, agency: Agency, user: User, level: AccessLevel, authorized: str
) -> None:
    """The coordinator's licence at the agency (policy 107: the HDC is a licensed end user)."""
    held = await Membership.filter(user_id=user.id, agency_id=agency.id).first()
    before = held.access_level if held else None
    if held is None:
        held = await Membership.create(user_id=user.id, agency_id=agency.id, access_level=level)
    elif held.access_level != level:
        held.access_level = level
        await held.save(update_fields=["access_level", "updated_at"])
    else:
        return
    await governance_log.record(
        caller.principal,
        "membership.designate",
        entity_type="Membership",
        entity_id=held.id,
        now=caller.now,
        agency_id=agency.id,
        before={"userId": user.id, "accessLevel": before} if before else None,
        after={"userId": user.id, "accessLevel": level},
        reason=f"Authorised by {authorized}.",
    )
