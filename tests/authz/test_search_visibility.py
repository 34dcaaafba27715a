"""The search's row-by-row visibility test (``clients_visible_by_row``, the fast path) finds exactly
the clients the set-based filters (``visible_clients``, ``identifying_clients``) find, for every
kind of caller and every kind of release, in force or not; and the access its rows come with is
what ``access_for`` works out with its own statements."""

from __future__ import annotations

from datetime import date

import pytest

from authz.clients import (
    access_for,
    client_scope,
    clients_visible_by_row,
    identifying_clients,
    visible_clients,
)
from authz.enforcer import notify_change
from models.clients import CanStaff, Client
from models.enums import ReleaseCategory, ReleaseScope
from tests.authz.client_world import World, add_client, build_world, make_role_user, release
from tests.services.support import decisions_for

TODAY = date(2026, 3, 2)
IDENT = ReleaseCategory.IDENTIFYING
E = ReleaseCategory.ENROLLMENT_AND_SERVICES
ROLES = (
    "FULL@A", "VIEW_ONLY@A", "REPORTING_ONLY@A", "FULL@B", "VIEW_ONLY@B", "HDC@A",
    "CAN_STAFF", "CAN_STAFF+FULL", "BACKBONE_NOT_STAFF", "SYSADMIN", "SECURITY_OFFICER",
)


async def _clients(world: World) -> None:
    """Clients of A, B and C, each with a different release recorded by its agency."""
    variants = {
        "to B": {"to": (world.b,)},
        "to C": {"to": (world.c,)},
        "to B and C, identifying only": {"to": (world.b, world.c), "categories": (IDENT,)},
        "to B, enrollment only": {"to": (world.b,), "categories": (E,)},
        "CAN South": {"scope": ReleaseScope.CAN, "can": world.south},
        "CAN North": {"scope": ReleaseScope.CAN, "can": world.north},
        "statewide": {"scope": ReleaseScope.STATEWIDE},
        "statewide, enrollment only": {"scope": ReleaseScope.STATEWIDE, "categories": (E,)},
        "expired": {"to": (world.b,), "expires": -1},
        "expires today": {"to": (world.b,), "expires": 0},
        "starts tomorrow": {"to": (world.b,), "starts": 1},
        "starts today": {"to": (world.b,), "starts": 0},
        "revoked": {"to": (world.b,), "revoked": True},
        "none": None,
    }
    for n, (name, spec) in enumerate(variants.items()):
        for agency in (world.a, world.b, world.c):
            client = await add_client(agency, first_name=f"Search{n}", last_name=name)
            if spec is not None:
                await release(world, client=client, by=agency, **spec)
    # a client held by two agencies
    await add_client(world.b, first_name="Shared", holders=(world.a,))


async def test_the_row_by_row_test_finds_what_the_set_filters_find(app: object) -> None:
    world = await build_world()
    await _clients(world)
    staff_k = await make_role_user(world, "CAN_STAFF")
    await CanStaff.get_or_create(can=world.north, user=staff_k)
    await notify_change()
    seen: dict[str, int] = {}
    for role in ROLES:
        user = staff_k if role == "CAN_STAFF" else await make_role_user(world, role)
        scope = await client_scope(await decisions_for(user), TODAY)
        for identifying, reference in ((False, visible_clients(scope)), (True, identifying_clients(scope))):
            expected = set(await reference.values_list("id", flat=True))
            found = set(await clients_visible_by_row(scope, identifying=identifying).values_list("id", flat=True))
            assert found == expected, (role, identifying)
            # and with another criterion on top, as a search adds them
            narrowed = clients_visible_by_row(scope, identifying=identifying).filter(first_name__istartswith="search1")
            assert set(await narrowed.values_list("id", flat=True)) == set(
                await reference.filter(first_name__istartswith="search1").values_list("id", flat=True)
            )
            assert await clients_visible_by_row(scope, identifying=identifying).count() == len(expected)
        # and looked up by id, as a record or a batch of records is
        every = [c.id for c in await Client.all()]
        expected_among = {c.id for c in await visible_clients(scope).filter(id__in=every)}
        assert {c.id for c in await clients_visible_by_row(scope).filter(id__in=every)} == expected_among, role
        for client_id in every[:6]:
            assert (await clients_visible_by_row(scope).filter(id=client_id).exists()) == (client_id in expected_among)
        seen[role] = len(set(await visible_clients(scope).values_list("id", flat=True)))
    # the roles see different, non-trivial sets (the comparison above is not between empty sets)
    total = 14 * 3 + 2  # Rosa, the clients above
    assert 0 < seen["FULL@A"] < total
    assert 0 < seen["FULL@B"] < total
    assert seen["FULL@A"] != seen["FULL@B"]
    assert seen["SYSADMIN"] == 0


async def test_the_access_read_with_the_rows_is_the_access_asked_apart(app: object) -> None:
    world = await build_world()
    await _clients(world)
    staff_k = await make_role_user(world, "CAN_STAFF")
    await CanStaff.get_or_create(can=world.north, user=staff_k)
    await notify_change()
    shared = 0
    for role in ROLES:
        user = staff_k if role == "CAN_STAFF" else await make_role_user(world, role)
        scope = await client_scope(await decisions_for(user), TODAY)
        read = list(await clients_visible_by_row(scope).order_by("id"))
        plain = list(await Client.filter(id__in=[c.id for c in read]).order_by("id"))
        assert [c.id for c in read] == [c.id for c in plain]
        from_columns, from_statements = await access_for(scope, read), await access_for(scope, plain)
        assert from_columns == from_statements, role
        shared += sum(1 for access in from_columns.values() if access.release_ids)
        # a batch mixing both kinds of instance is asked apart, with the same answer
        if len(read) > 1:
            assert await access_for(scope, [read[0], plain[1]]) == {
                read[0].id: from_statements[read[0].id], plain[1].id: from_statements[plain[1].id]
            }
    assert shared > 10  # releases really came with the rows


@pytest.mark.parametrize("bad", ["x'); DROP TABLE client; --", 42])
async def test_only_uuids_reach_the_sql_text(app: object, bad: object) -> None:
    from dataclasses import replace

    world = await build_world()
    user = await make_role_user(world, "FULL@A")
    scope = await client_scope(await decisions_for(user), TODAY)
    with pytest.raises((ValueError, TypeError, AttributeError)):
        clients_visible_by_row(replace(scope, read_agencies=frozenset({bad})), identifying=False)
