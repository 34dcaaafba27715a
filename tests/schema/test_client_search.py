"""`clients(search: ...)`: name, DOB and SSN last four match only clients whose identifying data
the caller may see (a search never confirms who is behind a mask), the HMIS id finds any visible
client, empty criteria and oversized pages are refused, and the pages walk every match once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.enums import ReleaseCategory
from tests.authz.client_world import add_client, build_world, make_role_user, release
from tests.factories import Api

IDENT = ReleaseCategory.IDENTIFYING
E = ReleaseCategory.ENROLLMENT_AND_SERVICES

SEARCH = """
query($search: ClientSearchInput!, $first: Int, $after: String) {
  clients(search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id firstName ssnLastFour access { canViewIdentifying } }
  }
}"""

# Rosa Parks, born 1980-02-04, SSN ending 6789, created and held by A.
CRITERIA: dict[str, dict[str, Any]] = {
    "name (first, any case)": {"name": "ROSA"},
    "name (start of last)": {"name": "par"},
    "name (two words)": {"name": "rosa  parks"},
    "dob": {"dob": "1980-02-04"},
    "ssnLastFour": {"ssnLastFour": "6789"},
    "name + dob + ssnLastFour": {"name": "rosa", "dob": "1980-02-04", "ssnLastFour": "6789"},
    "hmisId": {"hmisId": "<rosa>"},
    "hmisId + name": {"hmisId": "<rosa>", "name": "rosa"},
}
# Who searches (and the release A recorded to B, if any) -> whether Rosa is found, criterion by
# criterion (in CRITERIA's order), and whether her names come back when she is.
FOUND, MISSING = True, False
SEARCH_RULES: list[tuple[str, tuple[ReleaseCategory, ...] | None, int, tuple[bool, ...], bool]] = [
    # caller         release to B   expires  name    last    2 words dob     ssn4    all3    hmisId  hmisId+name  names shown
    ("FULL@A", None, 30, (FOUND, FOUND, FOUND, FOUND, FOUND, FOUND, FOUND, FOUND), True),
    ("VIEW_ONLY@A", None, 30, (FOUND, FOUND, FOUND, FOUND, FOUND, FOUND, FOUND, FOUND), True),
    ("CAN_STAFF", None, 30, (FOUND, FOUND, FOUND, FOUND, FOUND, FOUND, FOUND, FOUND), True),
    ("FULL@B", (IDENT, E), 30, (FOUND, FOUND, FOUND, FOUND, FOUND, FOUND, FOUND, FOUND), True),
    # visible through an ENROLLMENT_AND_SERVICES-only release: by HMIS id only, masked
    (
        "FULL@B",
        (E,),
        30,
        (MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, FOUND, MISSING),
        False,
    ),
    ("FULL@B", (IDENT, E), -1, (MISSING,) * 8, False),
    ("FULL@B", None, 30, (MISSING,) * 8, False),
    ("FULL@C", (IDENT, E), 30, (MISSING,) * 8, False),  # released to B, not C
]


@pytest.mark.parametrize(
    ("caller", "categories", "expires", "found", "names_shown"),
    SEARCH_RULES,
    ids=[
        f"{r[0]} | {('release ' + '+'.join(c.value for c in r[1]) + (' expired' if r[2] < 0 else '')) if r[1] else 'no release'}"
        for r in SEARCH_RULES
    ],
)
async def test_identifying_criteria_match_only_clients_whose_identity_the_caller_may_see(
    api: Api,
    caller: str,
    categories: tuple[ReleaseCategory, ...] | None,
    expires: int,
    found: tuple[bool, ...],
    names_shown: bool,
) -> None:
    # given Rosa, a namesake B holds (B's users find her; nobody else does), and the release
    world = await build_world()
    namesake = await add_client(
        world.b, world.writer_b, first_name="Rosa", last_name="Parkinson", dob=date(1980, 2, 4)
    )
    if categories is not None:
        await release(world, to=(world.b,), categories=categories, expires=expires)
    token = await api.sign_in(await make_role_user(world, caller))
    rosa = str(world.rosa.id)

    for (name, criteria), expected in zip(CRITERIA.items(), found, strict=True):
        search = {k: (rosa if v == "<rosa>" else v) for k, v in criteria.items()}
        # when
        page = (await api.ok(SEARCH, {"search": search}, token))["clients"]
        # then
        ids = [n["id"] for n in page["nodes"]]
        assert (rosa in ids) == expected, name
        assert str(namesake.id) not in ids or caller.endswith("@B"), name
        assert page["totalCount"] == len(ids), name
        for node in page["nodes"]:
            if node["id"] == rosa:
                assert (node["firstName"] == "Rosa") == names_shown, name
                assert node["access"]["canViewIdentifying"] == names_shown, name
                assert (node["ssnLastFour"] == "6789") == names_shown, name


async def test_bs_users_find_their_own_namesake_and_not_the_masked_one(api: Api) -> None:
    # given Rosa at A, shared with B without identifying data, and B's own Rosa Parkinson
    world = await build_world()
    namesake = await add_client(world.b, world.writer_b, first_name="Rosa", last_name="Parkinson")
    await release(world, to=(world.b,), categories=(E,))
    token = await api.sign_in(await make_role_user(world, "FULL@B"))

    # when
    page = (await api.ok(SEARCH, {"search": {"name": "rosa par"}}, token))["clients"]

    # then
    assert [n["id"] for n in page["nodes"]] == [str(namesake.id)]
    assert page["totalCount"] == 1


REFUSED: list[tuple[str, dict[str, Any], int | None, str]] = [
    # what                       search                        first   error field
    ("no criteria", {}, None, "search"),
    ("blank name only", {"name": "   "}, None, "search"),
    ("explicit nulls", {"name": None, "dob": None}, None, "search"),
    ("first > 100", {"name": "rosa"}, 101, "first"),
    ("first < 0", {"name": "rosa"}, -1, "first"),
    ("ssnLastFour not 4 digits", {"ssnLastFour": "67a9"}, None, "search.ssnLastFour"),
    ("ssnLastFour too long", {"ssnLastFour": "56789"}, None, "search.ssnLastFour"),
    ("more than five names", {"name": "a b c d e f"}, None, "search.name"),
    ("hmisId not an id", {"hmisId": "rosa"}, None, "search.hmisId"),
]


@pytest.mark.parametrize(("what", "search", "first", "field"), REFUSED, ids=[r[0] for r in REFUSED])
async def test_refused_searches(
    api: Api, what: str, search: dict[str, Any], first: int | None, field: str
) -> None:
    # given a caller who sees Rosa
    world = await build_world()
    token = await api.sign_in(await make_role_user(world, "FULL@A"))
    variables: dict[str, Any] = {"search": search}
    if first is not None:
        variables["first"] = first

    # when
    body = await api.gql(SEARCH, variables, token)

    # then nothing is returned, and the error names the input at fault
    assert body["data"] == {"clients": None}
    error = body["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION", what
    assert error["extensions"]["field"] == field, what


async def test_a_page_of_exactly_one_hundred_is_allowed(api: Api) -> None:
    world = await build_world()
    token = await api.sign_in(await make_role_user(world, "FULL@A"))
    page = (await api.ok(SEARCH, {"search": {"name": "rosa"}, "first": 100}, token))["clients"]
    assert page["totalCount"] == 1


async def test_like_wildcards_in_a_name_match_literally(api: Api) -> None:
    # given a caller who may see Rosa
    world = await build_world()
    token = await api.sign_in(await make_role_user(world, "FULL@A"))

    # when the name is a LIKE wildcard, then it matches no one (no dumping by '%')
    for name in ("%", "_", "r%", "\\"):
        page = (await api.ok(SEARCH, {"search": {"name": name}}, token))["clients"]
        assert page["totalCount"] == 0, name


async def test_pages_walk_every_match_exactly_once(api: Api) -> None:
    # given seven Walkers A may see, and Walkers A must not find by name: one B holds, one shared
    # with A without identifying data
    world = await build_world()
    walkers = {
        str((await add_client(world, first_name=f"W{i}", last_name="Walker")).id) for i in range(7)
    }
    await add_client(world.b, world.writer_b, first_name="Hidden", last_name="Walker")
    masked = await add_client(world.b, world.writer_b, first_name="Masked", last_name="Walker")
    await release(world, client=masked, by=world.b, to=(world.a,), categories=(E,))
    await add_client(world, first_name="Other", last_name="Person")
    token = await api.sign_in(await make_role_user(world, "FULL@A"))

    # when A's user walks the search in pages of three
    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = (
            await api.ok(SEARCH, {"search": {"name": "walker"}, "first": 3, "after": after}, token)
        )["clients"]
        pages.append(page)
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then every Walker A may see, once each, in three pages (3, 3, 1), each counting 7
    assert sorted(seen) == sorted(walkers)
    assert len(seen) == len(set(seen))
    assert [len(p["nodes"]) for p in pages] == [3, 3, 1]
    assert all(p["totalCount"] == 7 for p in pages)
    beyond = (
        await api.ok(
            SEARCH,
            {"search": {"name": "walker"}, "first": 3, "after": pages[-1]["pageInfo"]["endCursor"]},
            token,
        )
    )["clients"]
    assert (beyond["nodes"], beyond["pageInfo"]["hasNextPage"]) == ([], False)


CAPPED = """
query($search: ClientSearchInput!, $first: Int, $after: String) {
  clients(search: $search, first: $first, after: $after) {
    totalCountAtLeast totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id }
  }
}"""


@pytest.mark.parametrize(
    ("up_to", "at_least", "exact"), [(3, 3, False), (6, 6, False), (7, 7, True), (100, 7, True)]
)
async def test_a_search_page_counts_up_to_its_threshold_and_says_whether_more_match(
    api: Api, monkeypatch: pytest.MonkeyPatch, up_to: int, at_least: int, exact: bool
) -> None:
    # given seven Walkers A may see, one B holds and one shared with A without identifying data,
    # and a count that stops at ``up_to`` (100 in the schema: decision 185)
    monkeypatch.setattr("schema.clients.queries._UP_TO", up_to)
    world = await build_world()
    walkers = {
        str((await add_client(world, first_name=f"W{i}", last_name="Walker")).id) for i in range(7)
    }
    await add_client(world.b, world.writer_b, first_name="Hidden", last_name="Walker")
    masked = await add_client(world.b, world.writer_b, first_name="Masked", last_name="Walker")
    await release(world, client=masked, by=world.b, to=(world.a,), categories=(E,))
    token = await api.sign_in(await make_role_user(world, "FULL@A"))

    # when A's user walks the search in pages of two, asking the capped count
    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = (
            await api.ok(CAPPED, {"search": {"name": "walk"}, "first": 2, "after": after}, token)
        )["clients"]
        pages.append(page)
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then every page finds the same Walkers as an exact count does, each once, and says how
    # many match as far as the threshold: the number, or the threshold and "more"
    assert sorted(seen) == sorted(walkers)
    assert len(seen) == len(set(seen))
    assert [len(p["nodes"]) for p in pages] == [2, 2, 2, 1]
    assert {(p["totalCountAtLeast"], p["totalCountIsExact"]) for p in pages} == {(at_least, exact)}
    # and asked with totalCount, the count is exact whatever the threshold
    both = (
        await api.ok(
            CAPPED.replace("totalCountAtLeast", "totalCount totalCountAtLeast"),
            {"search": {"name": "walker"}, "first": 2},
            token,
        )
    )["clients"]
    assert (both["totalCount"], both["totalCountAtLeast"], both["totalCountIsExact"]) == (
        7,
        7,
        True,
    )
    # past the last match: an empty page that still counts
    beyond = (
        await api.ok(
            CAPPED,
            {"search": {"name": "walker"}, "first": 2, "after": pages[-1]["pageInfo"]["endCursor"]},
            token,
        )
    )["clients"]
    assert (beyond["nodes"], beyond["totalCountAtLeast"], beyond["totalCountIsExact"]) == (
        [],
        at_least,
        exact,
    )
