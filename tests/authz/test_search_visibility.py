"""The written-out reads of ``authz.clients.reads`` (the row-by-row visibility test, keyset pages
with and without their count, lookups by id) find exactly the clients the tests' set-based
statement of the rule (``tests.authz.visibility_oracle``) finds, for every kind of caller and every kind of
release, in force or not; a search finds what the same criteria find over those sets; and the
access the rows come with is what ``access_for`` works out with its own statements."""

from __future__ import annotations

from datetime import date

import pytest
from tortoise.expressions import Q

from authz.clients import (
    ClientScope,
    access_for,
    client_scope,
    visible_by_id,
    visible_page,
    visible_row_sql,
)
from authz.enforcer import notify_change
from models.clients import CanStaff, Client
from models.enums import ReleaseCategory, ReleaseScope
from services.clients import SearchCriteria, search_clients
from services.pagination import encode_cursor
from tests.authz.client_world import World, add_client, build_world, make_role_user, release
from tests.authz.visibility_oracle import identifying_clients, visible_clients
from tests.services.support import decisions_for

TODAY = date(2026, 3, 2)
IDENT = ReleaseCategory.IDENTIFYING
E = ReleaseCategory.ENROLLMENT_AND_SERVICES
ROLES = (
    "FULL@A",
    "VIEW_ONLY@A",
    "REPORTING_ONLY@A",
    "FULL@B",
    "VIEW_ONLY@B",
    "HDC@A",
    "CAN_STAFF",
    "CAN_STAFF+FULL",
    "BACKBONE_NOT_STAFF",
    "SYSADMIN",
    "SECURITY_OFFICER",
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


async def _walk(
    scope: ClientScope, identifying: bool, *, size: int, count: bool
) -> tuple[list, set[int]]:
    """Every visible client, page by page (``size`` at a time), and the totals the pages gave."""
    ids, totals, after = [], set(), None
    while True:
        page, total = await visible_page(
            scope,
            identifying=identifying,
            conditions=[],
            params=[],
            limit=size + 1,
            after=after,
            count=count,
        )
        ids += [c.id for c in page[:size]]
        totals.add(total)
        if len(page) <= size:
            return ids, totals
        after = page[size - 1].id


async def test_the_row_by_row_test_finds_what_the_set_filters_find(app: object) -> None:
    world = await build_world()
    await _clients(world)
    staff_k = await make_role_user(world, "CAN_STAFF")
    await CanStaff.get_or_create(can=world.north, user=staff_k)
    await notify_change()
    seen: dict[str, int] = {}
    every = [c.id for c in await Client.all()]
    for role in ROLES:
        user = staff_k if role == "CAN_STAFF" else await make_role_user(world, role)
        scope = await client_scope(await decisions_for(user), TODAY)
        for identifying, reference in (
            (False, visible_clients(scope)),
            (True, identifying_clients(scope)),
        ):
            expected = sorted(await reference.values_list("id", flat=True))
            # one page, counted or not; and walked in pages of 4 by cursor
            for count in (True, False):
                page, total = await visible_page(
                    scope,
                    identifying=identifying,
                    conditions=[],
                    params=[],
                    limit=1000,
                    after=None,
                    count=count,
                )
                assert [c.id for c in page] == expected, (role, identifying, count)
                assert total == (len(expected) if count else -1)
                walked, totals = await _walk(scope, identifying, size=4, count=count)
                assert walked == expected, (role, identifying, count)
                assert totals == ({len(expected)} if count else {-1})
        # and looked up by id, as a record or a batch of records is
        expected_among = {c.id for c in await visible_clients(scope).filter(id__in=every)}
        assert {c.id for c in await visible_by_id(scope, every)} == expected_among, role
        for client_id in every[:6]:
            assert bool(await visible_by_id(scope, [client_id])) == (client_id in expected_among)
        seen[role] = len(expected_among)
    # the roles see different, non-trivial sets (the comparison above is not between empty sets)
    total = 14 * 3 + 2  # Rosa, the clients above
    assert 0 < seen["FULL@A"] < total
    assert 0 < seen["FULL@B"] < total
    assert seen["FULL@A"] != seen["FULL@B"]
    assert seen["SYSADMIN"] == 0


CRITERIA = {
    "one name": (
        SearchCriteria(name="search1"),
        lambda: Q(first_name__istartswith="search1") | Q(last_name__istartswith="search1"),
    ),
    "two names": (
        SearchCriteria(name="Search1 to"),
        lambda: (
            (Q(first_name__istartswith="search1") | Q(last_name__istartswith="search1"))
            & (Q(first_name__istartswith="to") | Q(last_name__istartswith="to"))
        ),
    ),
    "a wildcard": (
        SearchCriteria(name="Search_"),
        lambda: Q(first_name__istartswith="search_") | Q(last_name__istartswith="search_"),
    ),
    "dob": (SearchCriteria(dob=date(1980, 1, 1)), lambda: Q(dob=date(1980, 1, 1))),
}


async def test_a_search_finds_what_its_criteria_find_among_the_visible(app: object) -> None:
    world = await build_world()
    await _clients(world)
    await Client.filter(first_name__in=["Search1", "Search3"]).update(dob=date(1980, 1, 1))
    every = sorted(c.id for c in await Client.all())
    found_any = 0
    for role in ("FULL@A", "FULL@B", "VIEW_ONLY@B", "CAN_STAFF+FULL"):
        scope = await client_scope(await decisions_for(await make_role_user(world, role)), TODAY)
        for name, (criteria, where) in CRITERIA.items():
            expected = sorted(
                await identifying_clients(scope).filter(where()).values_list("id", flat=True)
            )
            for count in (True, False):
                page = await search_clients(scope, criteria, first=100, after=None, count=count)
                assert [c.id for c in page.items] == expected, (role, name, count)
                assert page.total_count == (len(expected) if count else -1)
                # a cursor past every match: an empty page that still knows the total
                past = await search_clients(
                    scope, criteria, first=5, after=encode_cursor(every[-1]), count=count
                )
                assert (past.items, past.total_count) == ([], len(expected) if count else -1)
                # counted up to a threshold (decision 185): the same page, the total as far as
                # the threshold, and whether more match, on the first page and past every match
                for up_to in (0, 1, 2, 100):
                    capped = await search_clients(
                        scope, criteria, first=100, after=None, count_up_to=up_to
                    )
                    assert [c.id for c in capped.items] == expected, (role, name, up_to)
                    exact = len(expected) <= up_to
                    assert (capped.total_count, capped.total_is_exact) == (
                        len(expected) if exact else up_to,
                        exact,
                    ), (role, name, up_to)
                    past = await search_clients(
                        scope, criteria, first=1, after=encode_cursor(every[-1]), count_up_to=up_to
                    )
                    assert (past.items, past.total_count, past.total_is_exact) == (
                        [],
                        capped.total_count,
                        exact,
                    )
                    # walked one at a time: every page finds the next match and the same total
                    walked, after = [], None
                    while True:
                        step = await search_clients(
                            scope, criteria, first=1, after=after, count_up_to=up_to
                        )
                        walked += [c.id for c in step.items]
                        assert step.total_count == capped.total_count
                        if not step.has_next_page:
                            break
                        after = encode_cursor(step.items[-1].id)
                    assert walked == expected, (role, name, up_to)
            found_any += len(expected)
        # the HMIS id finds a client whose identity is masked too (it is not an identifying criterion)
        for client_id in every[:8]:
            page = await search_clients(
                scope, SearchCriteria(hmis_id=client_id), first=5, after=None
            )
            visible = await visible_clients(scope).filter(id=client_id).exists()
            assert ([c.id for c in page.items], page.total_count) == (
                ([client_id], 1) if visible else ([], 0)
            )
    assert found_any > 10


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
        read, _ = await visible_page(
            scope, identifying=False, conditions=[], params=[], limit=1000, after=None, count=False
        )
        plain = list(await Client.filter(id__in=[c.id for c in read]).order_by("id"))
        assert [c.id for c in read] == [c.id for c in plain]
        from_columns, from_statements = (
            await access_for(scope, read),
            await access_for(scope, plain),
        )
        assert from_columns == from_statements, role
        shared += sum(1 for access in from_columns.values() if access.release_ids)
        # a batch mixing both kinds of instance is asked apart, with the same answer
        if len(read) > 1:
            assert await access_for(scope, [read[0], plain[1]]) == {
                read[0].id: from_statements[read[0].id],
                plain[1].id: from_statements[plain[1].id],
            }
    assert shared > 10  # releases really came with the rows


@pytest.mark.parametrize("bad", ["x'); DROP TABLE client; --", 42])
async def test_only_uuids_reach_the_sql_text(app: object, bad: object) -> None:
    from dataclasses import replace

    world = await build_world()
    user = await make_role_user(world, "FULL@A")
    scope = await client_scope(await decisions_for(user), TODAY)
    with pytest.raises((ValueError, TypeError, AttributeError)):
        visible_row_sql(replace(scope, read_agencies=frozenset({bad})), identifying=False)


async def test_the_lazy_name_walk_finds_what_the_name_lookup_finds_in_id_order(app: object) -> None:
    """``hearth_clients_named_from`` (migration 0033, decision 188) reaches the prefix indexes by
    a range on the pattern's literal start: for patterns with escaped wildcards, a backslash,
    letters whose case differs, and none at all, it returns the clients the LIKE lookup of
    ``hearth_clients_named`` returns, in id order, and only those after ``after``."""
    from tortoise.connection import get_connection
    from tortoise.filters import escape_like

    world = await build_world()
    for first, last in [
        ("Ana", "Ortiz"),
        ("ana_b", "Lee"),
        ("Anab", "Lee"),
        ("An%a", "Smith"),
        ("A\\n", "Brown"),
        ("Élise", "Ånström"),
        ("élan", "Zed"),
        ("Bob", "Anders"),
    ]:
        await add_client(world.a, first_name=first, last_name=last)
    connection = get_connection("default")
    words = ["an", "ana_", "an%", "a\\", "é", "ÉLI", "ån", "zz", "", "b"]
    for word in words:
        pattern = f"{escape_like(word)}%"
        _, rows = await connection.execute_query("SELECT hearth_clients_named($1) AS id", [pattern])
        expected = sorted(r["id"] for r in rows)
        _, rows = await connection.execute_query(
            "SELECT hearth_clients_named_from($1, NULL) AS id", [pattern]
        )
        assert [r["id"] for r in rows] == expected, word
        if expected:
            _, rows = await connection.execute_query(
                "SELECT hearth_clients_named_from($1, $2) AS id", [pattern, expected[0]]
            )
            assert [r["id"] for r in rows] == expected[1:], word
    _, rows = await connection.execute_query(
        "SELECT hearth_clients_named_from($1, NULL) AS id", ["an%"]
    )
    assert len(rows) >= 4  # Ana, ana_b, Anab, An%a, Anders: the comparison is not between empties
