"""Role assignments come from the database, and every process hears when they change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date

import pytest
from tortoise.connection import get_connection

from authz.enforcer import Authorizer, Decisions, current_authorizer
from authz.principal import SYSTEM_DOMAIN, agency_domain
from authz.resources import Action, Resource
from models.enums import (
    AccessLevel,
    AgencyStatus,
    DeactivationReason,
    Duty,
    SystemRole,
    UserStatus,
)
from models.users import User
from services import access, agencies, users
from services.clock import FrozenClock
from services.principals import load_principal
from tests.factories import make_agency, make_user
from tests.services.support import caller_of

pytestmark = pytest.mark.usefixtures("app")

Starter = Callable[[], Awaitable[Authorizer]]


def _subject(user: User) -> str:
    return f"user:{user.id}"


def _may(
    authorizer: Authorizer, user: User, domain: str, resource: Resource, action: Action
) -> bool:
    return authorizer.allowed(_subject(user), domain, resource.value, action.value)


async def _decisions_of(user: User) -> Decisions:
    loaded = await load_principal(user.id)
    assert loaded is not None
    return Decisions(current_authorizer(), loaded[0])


@pytest.fixture
async def second_process(database_url: str) -> AsyncIterator[Callable[[], Awaitable[Authorizer]]]:
    """Starts another process's Authorizer (own enforcer, own listening connection) on demand.

    Tests start it after their set-up, so it hears only the change under test.
    """
    started: list[Authorizer] = []

    async def start() -> Authorizer:
        other = Authorizer()
        started.append(other)
        await other.reload()
        await other.listen(database_url)
        return other

    try:
        yield start
    finally:
        for other in started:
            await other.close()


async def _after_reload(authorizer: Authorizer, change: object) -> None:
    """Run ``change`` (an awaitable) and wait, bounded, for ``authorizer`` to reload."""
    authorizer.reloaded.clear()
    await change  # type: ignore[misc]
    await asyncio.wait_for(authorizer.reloaded.wait(), timeout=5)


# --- where assignments come from ------------------------------------------------------------------


async def test_memberships_duties_and_system_roles_become_roles() -> None:
    # given two agencies, a full user and an HDC at the first, and a System Administrator
    home, other = await make_agency(), await make_agency()
    member = await make_user(agencies={home: AccessLevel.FULL})
    hdc = await make_user(duties={home: Duty.HMIS_DATA_COORDINATOR})
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    authz = current_authorizer()
    # then the membership gives the level's permissions at home only
    assert _may(authz, member, agency_domain(home.id), Resource.AGENCY, Action.READ)
    assert not _may(authz, member, agency_domain(other.id), Resource.AGENCY, Action.READ)
    assert not _may(authz, member, agency_domain(home.id), Resource.USER, Action.READ)
    # the duty gives the HDC's at home only
    assert _may(authz, hdc, agency_domain(home.id), Resource.ACCESS_REQUEST, Action.REQUEST)
    assert not _may(authz, hdc, agency_domain(other.id), Resource.ACCESS_REQUEST, Action.REQUEST)
    assert not _may(authz, hdc, SYSTEM_DOMAIN, Resource.ACCESS_REQUEST, Action.REQUEST)
    # and the system role holds in every agency and system-wide
    for domain in (agency_domain(home.id), agency_domain(other.id), SYSTEM_DOMAIN):
        assert _may(authz, admin, domain, Resource.DUTY, Action.ASSIGN)


async def test_a_membership_without_a_signed_mou_gives_no_role() -> None:
    # given an agency with no MOU, a FULL member and an HDC there (policy 101)
    agency = await make_agency(mou=False)
    member = await make_user(agencies={agency: AccessLevel.FULL})
    hdc = await make_user(duties={agency: Duty.HMIS_DATA_COORDINATOR})
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    authz = current_authorizer()
    domain = agency_domain(agency.id)
    # then neither holds anything there
    assert not _may(authz, member, domain, Resource.AGENCY, Action.READ)
    assert not _may(authz, hdc, domain, Resource.ACCESS_REQUEST, Action.REQUEST)
    # when the MOU is recorded
    await agencies.record_mou(
        caller=caller_of(await _decisions_of(admin), today=date(2026, 3, 2)),
        agency_id=agency.id,
        signed_on=date(2026, 2, 1),
        signed_by="Executive Director",
        access_levels=[AccessLevel.FULL],
    )
    # then both hold their roles, at once
    assert _may(authz, member, domain, Resource.AGENCY, Action.READ)
    assert _may(authz, hdc, domain, Resource.ACCESS_REQUEST, Action.REQUEST)


async def test_a_suspended_agency_gives_no_role() -> None:
    # given a FULL member of an agency with a signed MOU
    agency = await make_agency()
    member = await make_user(agencies={agency: AccessLevel.FULL})
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    authz = current_authorizer()
    assert _may(authz, member, agency_domain(agency.id), Resource.AGENCY, Action.READ)
    # when the agency is suspended
    await agencies.update_agency(
        caller=caller_of(await _decisions_of(admin)),
        agency_id=agency.id,
        changes={"status": AgencyStatus.SUSPENDED},
    )
    # then the membership no longer counts
    assert not _may(authz, member, agency_domain(agency.id), Resource.AGENCY, Action.READ)


async def test_a_deactivated_user_holds_no_roles(clock: FrozenClock) -> None:
    # given a user who is a member, an HDC and a Security Officer, and an administrator
    agency = await make_agency()
    user = await make_user(
        duties={agency: Duty.HMIS_DATA_COORDINATOR}, roles=(SystemRole.SECURITY_OFFICER,)
    )
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    authz = current_authorizer()
    assert _may(authz, user, agency_domain(agency.id), Resource.ACCESS_REQUEST, Action.REQUEST)
    assert _may(authz, user, SYSTEM_DOMAIN, Resource.USER, Action.READ)
    # when the user is deactivated
    await users.deactivate_user(
        caller=caller_of(await _decisions_of(admin), now=clock.now()),
        user_id=user.id,
        code=DeactivationReason.LEFT_AGENCY,
    )
    # then nothing is allowed to them anywhere
    for domain in (agency_domain(agency.id), SYSTEM_DOMAIN):
        for resource, action in (
            (Resource.AGENCY, Action.READ),
            (Resource.USER, Action.READ),
            (Resource.ACCESS_REQUEST, Action.REQUEST),
        ):
            assert not _may(authz, user, domain, resource, action), (domain, resource, action)


async def test_a_user_created_inactive_holds_no_roles() -> None:
    agency = await make_agency()
    user = await make_user(
        agencies={agency: AccessLevel.FULL},
        roles=(SystemRole.DSB_MEMBER,),
        status=UserStatus.INACTIVE,
    )
    authz = current_authorizer()
    assert not _may(authz, user, agency_domain(agency.id), Resource.AGENCY, Action.READ)
    assert not _may(authz, user, SYSTEM_DOMAIN, Resource.AGENCY, Action.READ)


# --- across processes -----------------------------------------------------------------------------


async def test_another_process_hears_of_a_granted_system_role(second_process: Starter) -> None:
    # given a user with no role, as a second process sees them
    lead = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    user = await make_user()
    second = await second_process()
    assert not _may(second, user, SYSTEM_DOMAIN, Resource.GOVERNANCE_LOG, Action.READ)
    # when this process's Lead Agency names them Security Officer (policy 105)
    decisions = await _decisions_of(lead)
    await _after_reload(
        second,
        users.grant_system_role(
            caller=caller_of(decisions), user_id=user.id, role=SystemRole.SECURITY_OFFICER
        ),
    )
    # then the second process allows what the Security Officer may do
    assert _may(second, user, SYSTEM_DOMAIN, Resource.GOVERNANCE_LOG, Action.READ)
    # and when it is revoked, forbids it again
    await _after_reload(
        second,
        users.revoke_system_role(
            caller=caller_of(decisions), user_id=user.id, role=SystemRole.SECURITY_OFFICER
        ),
    )
    assert not _may(second, user, SYSTEM_DOMAIN, Resource.GOVERNANCE_LOG, Action.READ)


async def test_another_process_hears_of_an_assigned_duty(second_process: Starter) -> None:
    # given a FULL member of an agency, not yet its HDC, as a second process sees them
    agency = await make_agency()
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    user = await make_user(agencies={agency: AccessLevel.FULL})
    second = await second_process()
    domain = agency_domain(agency.id)
    assert not _may(second, user, domain, Resource.ACCESS_REQUEST, Action.REQUEST)
    # when this process makes them the HDC
    await _after_reload(
        second,
        access.assign_duty(
            caller=caller_of(await _decisions_of(admin)),
            user_id=user.id,
            agency_id=agency.id,
            duty=Duty.HMIS_DATA_COORDINATOR,
        ),
    )
    # then the second process lets them request access there
    assert _may(second, user, domain, Resource.ACCESS_REQUEST, Action.REQUEST)


async def test_listening_catches_up_with_changes_made_before_it(database_url: str) -> None:
    # given an authorizer created before a role was granted, which has never loaded
    late = Authorizer()
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    try:
        # when it starts listening
        await late.listen(database_url)
        # then it already knows the assignments made before it subscribed
        assert _may(late, admin, SYSTEM_DOMAIN, Resource.DUTY, Action.ASSIGN)
    finally:
        await late.close()


async def test_a_dropped_listener_reconnects_and_catches_up(second_process: Starter) -> None:
    # given a second process whose listening connection the server kills
    admin = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    user = await make_user()
    second = await second_process()
    listener = second._listener
    assert listener is not None
    second.reloaded.clear()
    # as the owner (the app's sessions run as hearth_app, which may not end the owner's)
    await get_connection("default").execute_script(
        "BEGIN; SET LOCAL ROLE NONE;"
        f" SELECT pg_terminate_backend({int(listener.get_server_pid())}); COMMIT"
    )
    # then it reconnects and reloads
    await asyncio.wait_for(second.reloaded.wait(), timeout=5)
    assert second._listener is not None
    assert second._listener is not listener
    # and still hears of later changes
    await _after_reload(
        second,
        users.grant_system_role(
            caller=caller_of(await _decisions_of(admin)),
            user_id=user.id,
            role=SystemRole.SECURITY_OFFICER,
        ),
    )
    assert _may(second, user, SYSTEM_DOMAIN, Resource.USER, Action.READ)


async def test_a_level_the_mou_no_longer_grants_gives_no_role() -> None:
    # given an agency whose MOU grants FULL only, and a VIEW_ONLY member
    agency = await make_agency(levels=(AccessLevel.FULL,))
    viewer = await make_user(agencies={agency: AccessLevel.VIEW_ONLY})
    authorizer = current_authorizer()
    await authorizer.reload()

    # then the member holds no role there, and the principal says why (policy 101)
    assert not _may(authorizer, viewer, agency_domain(agency.id), Resource.AGENCY, Action.READ)
    loaded = await load_principal(viewer.id)
    assert loaded is not None
    assert agency.id in loaded[0].blocked_agencies
    assert "does not grant" in loaded[0].blocked_agencies[agency.id]

    # when the MOU is recorded again granting VIEW_ONLY too
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    await agencies.record_mou(
        caller=caller_of(await _decisions_of(admin), today=date(2026, 3, 2)),
        agency_id=agency.id,
        signed_on=date(2026, 2, 1),
        signed_by="Executive Director",
        access_levels=[AccessLevel.FULL, AccessLevel.VIEW_ONLY],
    )

    # then the role is back
    assert _may(authorizer, viewer, agency_domain(agency.id), Resource.AGENCY, Action.READ)


async def test_reporting_only_backbone_staff_get_no_client_role() -> None:
    # given a CAN whose backbone agency has a REPORTING_ONLY user recorded as CAN staff
    from datetime import UTC, datetime

    from models.clients import CanStaff
    from models.governance import Can, ContinuumOfCare

    backbone = await make_agency()
    can = await Can.create(
        name="Test CAN", coc=await ContinuumOfCare.get(code="CT-503"), backbone_agency=backbone
    )
    reporter = await make_user(agencies={backbone: AccessLevel.REPORTING_ONLY})
    await CanStaff.create(user=reporter, can=can, assigned_at=datetime(2026, 3, 1, tzinfo=UTC))
    authorizer = current_authorizer()
    await authorizer.reload()

    # then neither casbin nor the principal lets them read clients there (no client rows, 401)
    assert not _may(authorizer, reporter, agency_domain(backbone.id), Resource.CLIENT, Action.READ)
    loaded = await load_principal(reporter.id)
    assert loaded is not None
    assert loaded[0].can_staff == frozenset()
