"""Document limits cost time linear in the document, and refuse before anything else runs."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import parse

from api.settings import Settings
from bench.statement_log import StatementLog, log_statements
from models.enums import SystemRole
from schema import build_schema
from schema.limits import CEILING, Limits, measure
from tests.factories import Api, make_user

# A generous bound: the old limiters took seconds at 21 levels and twice as long per level.
FAST = 0.5


def doubling(levels: int) -> str:
    """The hostile document: each fragment spreads the next twice (2^levels expanded)."""
    fragments = ["fragment F0 on Me { __typename }"]
    fragments += [f"fragment F{i} on Me {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f"{{ me {{ ...F{levels - 1} }} }}\n" + "\n".join(fragments)


def chain(levels: int) -> str:
    """Depth through fragments: each adds two levels (agency { duties { ... } })."""
    fragments = ["fragment L0 on Agency { id }"]
    fragments += [
        f"fragment L{i} on Agency {{ duties {{ agency {{ ...L{i - 1} }} }} }}"
        for i in range(1, levels)
    ]
    return f"{{ agency(id: 1) {{ ...L{levels - 1} }} }}\n" + "\n".join(fragments)


@pytest.fixture
async def statements(app: object, monkeypatch: pytest.MonkeyPatch) -> StatementLog:
    return log_statements(monkeypatch)


@pytest.fixture
async def admin_token(api: Api) -> str:
    return await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))


async def refused(api: Api, document: str, token: str | None = None) -> list[dict[str, Any]]:
    """The document's errors; it must have been refused whole, in well under a second."""
    started = time.perf_counter()
    body = await api.gql(document, token=token)
    elapsed = time.perf_counter() - started
    assert elapsed < FAST, f"took {elapsed:.2f} s"
    assert body["data"] is None, body
    return body["errors"]


def limits_of(errors: list[dict[str, Any]]) -> set[str]:
    assert {e["extensions"]["code"] for e in errors} == {"GRAPHQL_VALIDATION_FAILED"}, errors
    return {e["extensions"].get("limit") for e in errors}


# --- the hostile documents -------------------------------------------------------------------


@pytest.mark.parametrize("levels", [21, 22, 60])
async def test_doubling_fragments_are_refused_in_milliseconds(api: Api, levels: int) -> None:
    errors = await refused(api, doubling(levels))
    assert limits_of(errors) >= {"fields", "fragmentSpreads"}
    fields = next(e for e in errors if e["extensions"]["limit"] == "fields")
    assert fields["extensions"]["maximum"] == Settings().max_query_fields
    assert "Allowed: 2000" in fields["message"]


async def test_doubling_fragments_with_a_valid_token_cost_no_statement(
    api: Api, admin_token: str, statements: StatementLog
) -> None:
    errors, seen = await statements.during(refused(api, doubling(21), admin_token))
    assert limits_of(errors) >= {"fields"}
    assert seen == []


@pytest.mark.parametrize(
    "document",
    [
        "fragment A on Me { ...B } fragment B on Me { ...A } { me { ...A } }",
        "fragment A on Me { user { id } ...A } { me { ...A } }",
        "{ me { ...Nowhere } }",
    ],
    ids=["two-fragment-cycle", "self-spread", "unknown-fragment"],
)
async def test_cycles_and_unknown_fragments_are_refused(api: Api, document: str) -> None:
    errors = await refused(api, document)
    assert limits_of(errors) == {None}  # not a limit: the document is invalid
    assert any("fragment" in e["message"].lower() for e in errors)


# --- each limit ------------------------------------------------------------------------------


async def test_depth_counts_through_fragments(api: Api, settings: Settings) -> None:
    # chain(n) nests 1 + 2 * (n - 1) fields: 11 for n = 6, 13 for n = 7 (the limit is 12)
    assert settings.max_query_depth == 12
    kept = await api.gql(chain(6))
    errors = await refused(api, chain(7))
    assert limits_of(errors) == {"depth"}
    assert errors[0]["message"] == "'anonymous' exceeds maximum operation depth of 12"
    assert not [e for e in kept.get("errors", []) if e["extensions"].get("limit")]


async def test_aliases_count_where_their_fragment_is_spread(api: Api, settings: Settings) -> None:
    # 10 aliases in a fragment spread 4 times: 40 (the limit is 30), with 10 written
    aliased = " ".join(f"a{i}: __typename" for i in range(10))
    document = f"fragment A on Query {{ {aliased} }} {{ ...A ...A ...A ...A }}"
    errors = await refused(api, document)
    assert limits_of(errors) == {"aliases"}
    assert errors[0]["message"] == f"40 aliases found. Allowed: {settings.max_aliases}"


async def test_fields_past_the_limit_are_refused(api: Api, settings: Settings) -> None:
    document = "{ " + "__typename " * (settings.max_query_fields + 1) + "}"
    assert limits_of(await refused(api, document)) == {"fields"}


async def test_a_document_at_each_limit_runs_and_one_past_it_does_not() -> None:
    schema = build_schema(
        Limits(max_fields=4, max_aliases=2, max_fragment_spreads=2, max_repeated_fields=1)
    )
    at_limits = "fragment T on Query { __typename } { ...T ...T a: __typename b: __typename }"
    past = {
        "fields": "{ me { user { id username } session { mfaAt } } }",
        "aliases": "{ a: __typename b: __typename c: __typename }",
        "fragmentSpreads": "fragment T on Query { __typename } { ...T ...T ...T }",
        "repeatedFields": "{ __typename __typename __typename }",
    }
    context = SimpleNamespace()  # no principal: the audit extension has nothing to write
    assert (await schema.execute(at_limits, context_value=context)).errors is None
    for limit, document in past.items():
        errors = (await schema.execute(document, context_value=context)).errors or []
        assert [(e.extensions or {}).get("limit") for e in errors] == [limit], document


async def test_fields_repeated_at_one_place_are_refused_before_validation_compares_them(
    api: Api, settings: Settings
) -> None:
    # graphql-core compares every pair of fields merged under one key, at every level below:
    # 500 copies of user { id } took about a second to validate
    document = "{ me { " + "user { id } " * 500 + "} }"
    assert limits_of(await refused(api, document)) == {"repeatedFields"}
    message = (await refused(api, document))[0]["message"]
    assert f"Allowed: {settings.max_repeated_fields}" in message


async def test_fragment_spreads_past_the_limit_are_refused(api: Api, settings: Settings) -> None:
    spreads = " ".join(["...T"] * (settings.max_fragment_spreads + 1))
    document = f"fragment T on Query {{ __typename }} {{ {spreads} }}"
    assert limits_of(await refused(api, document)) == {"fragmentSpreads"}


async def test_cost_scales_with_the_page_size_asked(
    api: Api, admin_token: str, settings: Settings, statements: StatementLog
) -> None:
    # 1 + 200,000 * (nodes + id): far over 50,000, from a short document
    errors, seen = await statements.during(
        refused(api, "{ agencies(first: 100000) { nodes { id } } }", admin_token)
    )
    assert limits_of(errors) == {"cost"}
    assert errors[0]["extensions"]["maximum"] == settings.max_query_cost
    assert seen == []
    # the same selection with a page the server serves runs
    data = await api.ok("{ agencies(first: 100) { nodes { id } } }", token=admin_token)
    assert data["agencies"]["nodes"] == []


async def test_nested_pages_multiply_and_a_variable_page_counts_as_the_largest(
    api: Api, admin_token: str
) -> None:
    # clients(first: $n) counts as a page of 100, each with auditTrail(first: 100) of five
    # fields: 1 + 100 * (1 + (1 + 100 * 6)) = 60,201, over 50,000
    document = """
    query($n: Int!) {
      clients(search: {name: "x"}, first: $n) {
        nodes { auditTrail(first: 100) { nodes { at action entityType entityId actor } } }
      }
    }"""
    body = await api.gql(document, {"n": 1}, admin_token)
    assert body["data"] is None
    assert limits_of(body["errors"]) == {"cost"}


# --- the measure itself ----------------------------------------------------------------------


def test_a_long_chain_of_fragments_is_measured_without_recursion() -> None:
    # 5,000 fragments in a chain, parsed without the token limit: deeper than Python's stack
    fragments = ["fragment C0 on Query { __typename }"]
    fragments += [f"fragment C{i} on Query {{ ...C{i - 1} }}" for i in range(1, 5000)]
    document = parse("{ ...C4999 }\n" + "\n".join(fragments))
    schema = build_schema()._schema
    started = time.perf_counter()
    [found] = measure(schema, document).values()
    assert time.perf_counter() - started < FAST
    assert (found.fields, found.spreads, found.depth) == (1, 5000, 0)


def test_measures_saturate_instead_of_growing_without_bound() -> None:
    [found] = measure(build_schema()._schema, parse(doubling(200))).values()
    assert found.fields == found.spreads == found.cost == CEILING


def test_the_default_limits_are_the_settings_defaults() -> None:
    settings, limits = Settings(), Limits()
    assert (settings.max_query_fields, settings.max_query_cost) == (
        limits.max_fields,
        limits.max_cost,
    )
    assert settings.max_fragment_spreads == limits.max_fragment_spreads
    assert settings.max_repeated_fields == limits.max_repeated_fields
    assert (settings.max_query_depth, settings.max_aliases) == (
        limits.max_depth,
        limits.max_aliases,
    )


# --- nothing runs before the document is accepted ----------------------------------------------


@pytest.mark.parametrize(
    "document",
    ["{ me { user { username }", "{ nope }", "{ me { ...Nowhere } }", doubling(21)],
    ids=["syntax", "unknown-field", "unknown-fragment", "doubling"],
)
async def test_a_refused_document_with_a_valid_token_costs_no_statement(
    api: Api, admin_token: str, statements: StatementLog, document: str
) -> None:
    body, seen = await statements.during(api.gql(document, token=admin_token))
    assert body["data"] is None
    assert seen == []
    # and the same token on a valid document is read from the database
    data, seen = await statements.during(api.ok("{ me { user { username } } }", token=admin_token))
    assert data["me"]["user"]["username"]
    assert seen
