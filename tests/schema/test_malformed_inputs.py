"""Every mutation of the schema (and every query taking text or ids), each text, id and
decimal input spoilt in turn: a NUL byte,
other control characters, a lone surrogate, a value longer than any column, NaN and Infinity,
a value of the wrong type. The answer is always a typed error the client can act on, never
INTERNAL, and a refused call leaves no row behind.

The mutations come from the checked-in SDL (tests/test_schema_sdl.py keeps it equal to the
code); each starts from a valid call (tests/schema/mutation_cases.py) so that the spoilt value
meets the service's validation and, if nothing refuses it, the database.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    build_schema,
    get_named_type,
)
from strawberry.permission import PermissionExtension
from tortoise.connection import get_connection

import tests.schema.mutation_cases_certification  # certification (201, 210)
import tests.schema.mutation_cases_clients
import tests.schema.mutation_cases_data_releases  # releasing data (405)
import tests.schema.mutation_cases_dsb
import tests.schema.mutation_cases_incidents
import tests.schema.mutation_cases_outside_access  # outside access (attachment)
import tests.schema.mutation_cases_quality_review
import tests.schema.mutation_cases_records
import tests.schema.mutation_cases_retention  # the 7-year retention run (303)
import tests.schema.mutation_cases_users  # noqa: F401 (they register their cases)
from schema import build_schema as build_schema_of_code
from schema.input_checks import InputChecks
from tests.factories import Api
from tests.schema.mutation_cases import CASES, Case, build_world
from tests.schema.query_cases import QUERY_CASES

SDL = build_schema((Path(__file__).resolve().parents[2] / "schema.graphql").read_text())
MUTATIONS: dict[str, GraphQLField] = dict(SDL.mutation_type.fields)  # type: ignore[union-attr]
QUERIES: dict[str, GraphQLField] = dict(SDL.query_type.fields)  # type: ignore[union-attr]

# Rows that a refused call may legitimately leave: the audit trail (denials are recorded; its
# month partitions, audit_event_*, too) and the sign-in throttle's counters.
_UNCOUNTED = ("audit_event", "audit_seal", "auth_throttle", "tortoise_migrations")

_rng = random.Random(19)
# Incompressible (PostgreSQL compresses long values, and a b-tree refuses an entry over ~2.7 kB
# only after compression), with letters of every width: ASCII, accents, CJK, emoji.
_LONG = "".join(_rng.choice("abcdefghijklmnopqrstuvwxyzé漢🏠") for _ in range(5000))
CONTROL = {
    "NUL": "ab\x00cd",
    "escape": "ab\x1b[31mcd",
    "lone surrogate": "ab\ud800cd",
    "DEL": "ab\x7fcd",
}
# Mutations whose items succeed or fail alone: a spoilt item gets its own error.
BATCHES = {"syncUsers"}
DECIMALS = ("NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1E+999999", "1E-999999")
# Times Python reads but PostgreSQL cannot store: their offset takes them past the years 1-9999.
MOMENTS = ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00")


def document(operation: str, name: str, field: GraphQLField, sent: dict[str, Any]) -> str:
    """The operation calling ``name`` with the arguments ``sent`` (the others take defaults)."""
    named = get_named_type(field.type)
    selection = (
        " { error { code field } }"
        if name in BATCHES
        else " { __typename }"
        if isinstance(named, GraphQLObjectType | GraphQLUnionType | GraphQLInterfaceType)
        else ""
    )
    args = {arg: spec for arg, spec in field.args.items() if arg in sent}
    if not args:
        return f"{operation} {{ {name}{selection} }}"
    declared = ", ".join(f"${arg}: {spec.type}" for arg, spec in args.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in args)
    return f"{operation}({declared}) {{ {name}({passed}){selection} }}"


Path_ = tuple[str | int, ...]


def _leaves(value: Any, type_: GraphQLInputType, path: Path_) -> Iterator[tuple[Path_, str]]:
    """Every text, id, decimal and time input under ``value``: those it gives and those it could."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        item = value[0] if isinstance(value, list) and value else None
        yield from _leaves(item, type_.of_type, (*path, 0))
    elif isinstance(type_, GraphQLInputObjectType):
        if isinstance(value, dict):
            for name, field in type_.fields.items():
                yield from _leaves(value.get(name), field.type, (*path, name))
    elif isinstance(type_, GraphQLScalarType) and type_.name in (
        "String",
        "ID",
        "Decimal",
        "DateTime",
    ):
        yield path, type_.name


def leaves(field: GraphQLField, variables: dict[str, Any]) -> list[tuple[Path_, str]]:
    return [
        leaf
        for name, arg in field.args.items()
        for leaf in _leaves(variables.get(name, ...), arg.type, (name,))
    ]


def spoilt(variables: dict[str, Any], path: Path_, value: Any) -> dict[str, Any]:
    """A copy of ``variables`` with ``value`` at ``path`` (lists grow to hold it)."""
    result = copy.deepcopy(variables)
    parent: Any = result
    for key, following in zip(path, (*path[1:], None), strict=True):
        if following is None:
            if isinstance(parent, list) and not parent:
                parent.append(value)
            else:
                parent[key] = value
            break
        if isinstance(parent, dict) and parent.get(key) is None:
            parent[key] = [] if isinstance(following, int) else {}
        if isinstance(parent, list) and not parent:
            parent.append([] if isinstance(following, int) else {})
        parent = parent[key]
    return result


async def row_counts() -> dict[str, int]:
    conn = get_connection("default")
    tables = [
        row["tablename"]
        for row in await conn.execute_query_dict(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
        if row["tablename"] not in _UNCOUNTED and not row["tablename"].startswith("audit_event_")
    ]
    # table names come from the catalogue, never from input
    sql = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in tables)  # noqa: S608
    return {row["t"]: row["n"] for row in await conn.execute_query_dict(sql)}


async def post(api: Api, query: str, variables: dict[str, Any], token: str | None) -> Any:
    """As a client sends it: JSON with non-ASCII escaped, so a lone surrogate travels as
    ``\\ud800`` (httpx's own encoder cannot encode it)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables})
    return await api.http.post("/graphql", content=body, headers=headers)


def field_name(path: Path_) -> str:
    """The field an error names for ``path``: as services name them, ``input`` left out (and,
    in a batch, the item's own field)."""
    if path[0] == "input":
        path = path[2:] if isinstance(path[1:2] and path[1], int) else path[1:]
    name = ""
    for key in path:
        name += f"[{key}]" if isinstance(key, int) else f".{key}" if name else key
    return name


def test_every_operation_has_a_valid_call() -> None:
    assert sorted(CASES) == sorted(MUTATIONS)
    with_text = {
        name
        for name, field in QUERIES.items()
        if any(kind != "Decimal" for _, kind in leaves(field, {arg: {} for arg in field.args}))
    }
    assert sorted(QUERY_CASES) == sorted(with_text)


def test_every_field_with_arguments_checks_them_after_its_permission() -> None:
    graphql_schema = build_schema_of_code()._schema
    checked = {}
    for type_name, type_ in graphql_schema.type_map.items():
        if isinstance(type_, GraphQLObjectType) and not type_name.startswith("__"):
            for name, field in type_.fields.items():
                if field.args:
                    extensions = field.extensions["strawberry-definition"].extensions
                    kinds = [type(e) for e in extensions]
                    checked[f"{type_name}.{name}"] = InputChecks in kinds and (
                        PermissionExtension not in kinds
                        or kinds.index(InputChecks) < kinds.index(PermissionExtension)
                    )
    assert checked
    assert [path for path, ok in checked.items() if not ok] == []


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_malformed_mutation_inputs_get_typed_errors_and_leave_no_rows(
    api: Api, name: str
) -> None:
    await exercise(api, "mutation", name, MUTATIONS[name], CASES[name])


@pytest.mark.parametrize("name", sorted(QUERY_CASES))
async def test_malformed_query_inputs_get_typed_errors(api: Api, name: str) -> None:
    await exercise(api, "query", name, QUERIES[name], QUERY_CASES[name])


async def exercise(api: Api, operation: str, name: str, field: GraphQLField, case: Case) -> None:
    """The valid call, then each text, id and decimal of it spoilt in turn."""
    world = await build_world(api)
    failures: list[str] = []

    async def attempt(label: str, value: Any = None, *expected: str, at: Path_ = ()) -> None:
        """A fresh valid call (its own rows to act on), with ``value`` at ``at`` if given."""
        token, variables = await case(world)
        sent = spoilt(variables, at, value) if at else variables
        before = await row_counts()
        response = await post(api, document(operation, name, field, sent), sent, token)
        if response.status_code == 400 and "HTTP 400" in expected:
            return  # the body is not JSON the server reads (orjson refuses a lone surrogate)
        if response.status_code != 200:
            failures.append(f"{label}: HTTP {response.status_code}")
            return
        body = response.json()
        errors = body.get("errors") or []
        rows_expected = before
        if name in BATCHES and at and not errors:
            # the spoilt item answers for itself; the others apply
            items = [item["error"] for item in body["data"][name]]
            errors = [{"extensions": items[at[1]]}] if items[at[1]] else []
            if any(e for i, e in enumerate(items) if i != at[1]):
                failures.append(f"{label}: the batch's valid items failed too: {items}")
            applied = len(items) - 1
            rows_expected = {
                **before,
                "hearth_user": before["hearth_user"] + applied,
                # each new user's row in the governance log
                "governance_event": before["governance_event"] + applied,
            }
        codes = [(e.get("extensions") or {}).get("code") for e in errors]
        named = errors[0]["extensions"].get("field") if errors else None
        if not at and errors:
            failures.append(f"the valid call failed: {errors}")
        elif "INTERNAL" in codes:
            failures.append(f"{label}: INTERNAL")
        elif expected and (not codes or codes[0] not in expected):
            failures.append(f"{label}: {codes or 'accepted'}, expected {expected}")
        elif codes[:1] == ["VALIDATION"] and not named:
            failures.append(f"{label}: VALIDATION without a field")
        elif "HTTP 400" in expected and named != field_name(at):
            failures.append(f"{label}: the error names {named!r}, not {field_name(at)!r}")
        if errors and await row_counts() != rows_expected:
            failures.append(f"{label}: refused but left rows behind")

    # the valid call goes through: the spoilt ones below are met where they matter
    await attempt("valid")
    _, variables = await case(world)
    spots = leaves(field, variables)
    for path, kind in spots:
        where = ".".join(map(str, path))
        if kind == "Decimal":
            for bad in DECIMALS:
                await attempt(f"{where}={bad}", bad, "VALIDATION", at=path)
            await attempt(f"{where}=[1]", [1], "GRAPHQL_VALIDATION_FAILED", at=path)
            continue
        if kind == "DateTime":
            for bad in MOMENTS:
                await attempt(f"{where}={bad}", bad, "VALIDATION", at=path)
            continue
        for label, bad in CONTROL.items():
            await attempt(f"{where} {label}", bad, "VALIDATION", "HTTP 400", at=path)
        await attempt(f"{where} long", _LONG, at=path)
    if spots:
        path, _ = spots[0]
        where = ".".join(map(str, path))
        await attempt(f"{where}={{}}", {"a": 1}, "GRAPHQL_VALIDATION_FAILED", at=path)
    assert not failures, "\n".join(failures)
