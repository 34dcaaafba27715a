"""What a client search looks ahead at in its selection. A page of clients loads the lists
its nodes are asked for (enrollments, case notes) for the whole page at once, so that each
client's field is a list, not a future awaited client by client; the rows must be exactly those
the field's own loader gives: the same client read as a record (no prefetch) and on a page
(prefetched), through `nodes`, `edges` and fragments, for the three kinds of viewer. A page whose
`totalCount` is not asked is not counted. The look-ahead finds fields through fragments. The
rows of a list (Tortoise models, which have an ``__await__``) are not awaited one by one."""

from __future__ import annotations

from typing import Any

import pytest

import schema.client_types as client_types
from bench.statement_log import log_statements
from schema.audit import HearthExecutionContext
from tests.factories import Api
from tests.schema.test_client_statements import VIEWERS, _world

LISTS = """
  id
  enrollments { id entryDate householdId project { name } exit { exitDate } }
  caseNotes { id text deleted author }
"""
SEARCH = "query($name: String!) { clients(search: {name: $name}, first: 5) "
PAGE = SEARCH + "{ nodes {" + LISTS + "} } }"
EDGES = SEARCH + "{ edges { node {" + LISTS + "} } } }"
FRAGMENTS = (
    SEARCH
    + "{ nodes { ...Lists ... on Client { id } } } } fragment Lists on Client {"
    + LISTS
    + "}"
)
RECORD = "query($id: ID!) { client(id: $id) {" + LISTS + "} }"


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Each list field resolved: its name, and whether its rows came prefetched."""
    seen: list[tuple[str, bool]] = []
    original = client_types.Client._rows

    def rows(self: Any, info: Any, field_name: str) -> Any:
        seen.append((field_name, field_name in self._prefetched))
        return original(self, info, field_name)

    monkeypatch.setattr(client_types.Client, "_rows", rows)
    return seen


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_a_page_prefetches_exactly_the_rows_each_record_shows(
    api: Api, app: Any, monkeypatch: pytest.MonkeyPatch, viewer: str
) -> None:
    world = await _world(4)
    token = await api.sign_in(getattr(world, viewer))
    seen = _spy(monkeypatch)

    pages = {
        "nodes": (await api.ok(PAGE, {"name": "smith"}, token))["clients"]["nodes"],
        "edges": [
            e["node"] for e in (await api.ok(EDGES, {"name": "smith"}, token))["clients"]["edges"]
        ],
        "fragments": (await api.ok(FRAGMENTS, {"name": "smith"}, token))["clients"]["nodes"],
    }
    # every list of every page came prefetched
    assert seen
    assert all(prefetched for _, prefetched in seen)
    assert {name for name, _ in seen} == {"enrollments", "caseNotes"}

    seen.clear()
    records = [
        (await api.ok(RECORD, {"id": node["id"]}, token))["client"] for node in pages["nodes"]
    ]
    # a record goes through the field's loader, and shows what the page showed
    assert seen
    assert not any(prefetched for _, prefetched in seen)
    assert pages["nodes"] == records
    assert pages["edges"] == records
    assert pages["fragments"] == records
    assert any(node["enrollments"] for node in records)
    # backbone staff see no case notes without a release naming them (decision 98)
    assert any(node["caseNotes"] for node in records) is (viewer != "backbone")


async def test_the_rows_of_a_list_are_not_awaited_one_by_one(
    api: Api, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await _world(4)
    token = await api.sign_in(world.holder)
    awaited: list[Any] = []
    original = HearthExecutionContext.complete_awaitable_list_item_value

    def spy(self: Any, item: Any, *args: Any, **kwargs: Any) -> Any:
        awaited.append(item)
        return original(self, item, *args, **kwargs)

    monkeypatch.setattr(HearthExecutionContext, "complete_awaitable_list_item_value", spy)
    nodes = (await api.ok(PAGE, {"name": "smith"}, token))["clients"]["nodes"]
    assert sum(len(node["enrollments"]) for node in nodes) > 0
    assert awaited == []


async def test_a_page_that_asks_no_lists_loads_none(
    api: Api, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await _world(2)
    token = await api.sign_in(world.holder)
    loaded: list[str] = []
    real = dict(client_types._CLIENT_LISTS)
    for name, make in real.items():
        monkeypatch.setitem(
            client_types._CLIENT_LISTS,
            name,
            lambda ctx, _n=name, _m=make: (loaded.append(_n), _m(ctx))[1],
        )

    await api.ok(
        'query { clients(search: {name: "smith"}, first: 5) { nodes { id firstName } } }',
        None,
        token,
    )
    assert loaded == []
    await api.ok(
        'query { clients(search: {name: "smith"}, first: 5) { nodes { id a: caseNotes { id } } } }',
        None,
        token,
    )
    assert loaded == ["caseNotes"]


def test_the_look_ahead_goes_through_fragments() -> None:
    from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

    def field(name: str, *children: Any) -> SelectedField:
        return SelectedField(name=name, directives={}, arguments={}, selections=list(children))

    nodes = field(
        "nodes",
        field("id"),
        FragmentSpread(
            name="F",
            type_condition="Client",
            directives={},
            selections=[field("enrollments", field("id"))],
        ),
        InlineFragment(type_condition=None, directives={}, selections=[field("caseNotes")]),
    )
    edges = field("edges", field("node", field("releases")), field("cursor"))
    selected = [field("clients", field("totalCount"), nodes, edges)]

    from schema.loaders import selected_below

    assert selected_below(selected, ("nodes",)) == {"id", "enrollments", "caseNotes"}
    assert selected_below(selected, ("edges", "node")) == {"releases"}
    assert selected_below(selected, ("nodes",), ("edges", "node")) == {
        "id",
        "enrollments",
        "caseNotes",
        "releases",
    }
    assert selected_below(selected, ("pageInfo",)) == set()


async def test_a_page_is_counted_only_when_its_total_is_asked(
    api: Api, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await _world(3)
    token = await api.sign_in(world.holder)
    log = log_statements(monkeypatch)
    asked = {
        "plain": 'query { clients(search: {name: "smith"}, first: 2) { totalCount nodes { id } } }',
        "fragment": 'query { clients(search: {name: "smith"}, first: 2) { ...T nodes { id } } } fragment T on ClientConnection { totalCount }',
    }
    for query in asked.values():
        body, counted = await log.during(api.ok(query, None, token))
        assert body["clients"]["totalCount"] == 3
        # the count comes with the page, in its statement (decision 82)
        assert sum("COUNT(" in sql.upper() for sql in counted) == 1
    _, uncounted = await log.during(
        api.ok(
            'query { clients(search: {name: "smith"}, first: 2) { nodes { id } pageInfo { hasNextPage } } }',
            None,
            token,
        )
    )
    assert len(uncounted) == len(counted)
    assert not any("COUNT(" in sql.upper() for sql in uncounted)
