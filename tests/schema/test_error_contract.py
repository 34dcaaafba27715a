"""The error contract front ends build on: a refusal nulls one root field, every mutation takes
one ``input``, every code ``extensions.code`` can take is a documented ``ErrorCode`` value, and
everything in the schema is described."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
)

from api import graphql_http, persisted_queries
from models.audit import AuditEvent
from models.enums import AccessLevel, AuditAction
from schema import build_schema as build_hearth_schema
from schema.errors import ERROR_CODES, PARSE_FAILED, VALIDATION_FAILED, coded, error_payload
from services.errors import DomainError, ErrorCode, Forbidden, NotFound
from tests.factories import Api, make_agency, make_user

ROOT = Path(__file__).resolve().parents[2]
SDL = build_schema((ROOT / "schema.graphql").read_text())
# Mutations that take nothing: there is nothing to put in an input.
WITHOUT_ARGUMENTS = {"logout"}


def _schema() -> GraphQLSchema:
    return build_hearth_schema()._schema


# --- one refusal nulls one field -------------------------------------------------------------


@pytest.mark.parametrize("built", [SDL, None], ids=["schema.graphql", "built"])
def test_every_root_field_is_nullable(built: GraphQLSchema | None) -> None:
    # Any root field can be refused (UNAUTHENTICATED at least), so none may be non-null.
    schema = built or _schema()
    non_null = [
        f"{root.name}.{name}"
        for root in (schema.query_type, schema.mutation_type)
        if root is not None
        for name, field in root.fields.items()
        if isinstance(field.type, GraphQLNonNull)
    ]
    assert non_null == []


MIXED = """query($id: ID!) { me { user { username } } client(id: $id) { id } }"""
MIXED_MUTATIONS = """
mutation($id: ID!) { refused: inviteUser(input: {userId: $id}) { token } logout }"""
ME = "query { me { user { username } } }"


async def test_a_refused_field_is_null_and_the_others_answer(api: Api) -> None:
    # given a worker, and a client id she may not see (no such client)
    agency = await make_agency("Agency A")
    token = await api.sign_in(await make_user("worker", agencies={agency: AccessLevel.FULL}))
    missing = str(uuid.uuid4())

    # when she asks for herself and for the client in one document
    body = await api.gql(MIXED, {"id": missing}, token)

    # then she gets herself; the client alone is null, with its error at its path
    assert body["data"] == {"me": {"user": {"username": "worker"}}, "client": None}
    [error] = body["errors"]
    assert error["path"] == ["client"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    # and the refusal is audited as before
    denied = await AuditEvent.filter(action=AuditAction.DENIED).values_list(
        "fields_touched", flat=True
    )
    assert denied == [["client"]]


async def test_a_refused_mutation_is_null_and_the_next_one_runs(api: Api) -> None:
    # given a worker, who may not invite users
    agency = await make_agency("Agency A")
    worker = await make_user("worker", agencies={agency: AccessLevel.FULL})
    token = await api.sign_in(worker)

    # when she invites someone, then logs out, in one document
    body = await api.gql(MIXED_MUTATIONS, {"id": str(worker.id)}, token)

    # then the invitation alone is refused, and the logout happened
    assert body["data"] == {"refused": None, "logout": True}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["refused"], "FORBIDDEN")
    ]
    assert (await api.error(ME, token=token))["code"] == "UNAUTHENTICATED"


# --- every mutation takes one input ----------------------------------------------------------


def test_every_mutation_takes_one_input_object() -> None:
    assert SDL.mutation_type is not None
    odd = {
        name: list(field.args)
        for name, field in SDL.mutation_type.fields.items()
        if name not in WITHOUT_ARGUMENTS and list(field.args) != ["input"]
    }
    assert odd == {}
    for name in WITHOUT_ARGUMENTS:
        assert not SDL.mutation_type.fields[name].args


def test_a_mutation_input_is_non_null_and_an_input_type_of_its_own() -> None:
    # generated inputs are named after their mutation; shared inputs stay where they were
    assert SDL.mutation_type is not None
    for name, field in SDL.mutation_type.fields.items():
        if name in WITHOUT_ARGUMENTS:
            continue
        argument = field.args["input"]
        assert isinstance(argument.type, GraphQLNonNull), name
        assert isinstance(get_named_type(argument.type), GraphQLInputObjectType), name


# --- descriptions ----------------------------------------------------------------------------


def _undescribed(schema: GraphQLSchema) -> Iterator[str]:
    for kind in schema.type_map.values():
        if kind.name.startswith("__"):
            continue
        if not (kind.description or "").strip():
            yield kind.name
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in kind.fields.items():
                if not (field.description or "").strip():
                    yield f"{kind.name}.{name}"
                for arg_name, argument in field.args.items():
                    if not (argument.description or "").strip():
                        yield f"{kind.name}.{name}({arg_name}:)"
        elif isinstance(kind, GraphQLInputObjectType):
            for name, input_field in kind.fields.items():
                if not (input_field.description or "").strip():
                    yield f"{kind.name}.{name}"
        elif isinstance(kind, GraphQLEnumType):
            for name, value in kind.values.items():
                if not (value.description or "").strip():
                    yield f"{kind.name}.{name}"


def test_every_type_field_argument_input_field_and_enum_value_is_described() -> None:
    # Scalars from graphql-core (String, Int, ...) carry their own descriptions.
    assert list(_undescribed(_schema())) == []


# --- error codes -----------------------------------------------------------------------------


def test_the_schema_publishes_every_error_code_and_field_errors_use_it() -> None:
    published = SDL.type_map["ErrorCode"]
    assert isinstance(published, GraphQLEnumType)
    assert set(published.values) == {code.value for code in ErrorCode} == ERROR_CODES
    field_error = SDL.type_map["FieldError"]
    assert isinstance(field_error, GraphQLObjectType)
    assert str(field_error.fields["code"].type) == "ErrorCode!"


def _modules() -> Iterator[str]:
    for package in ("api", "authz", "schema", "services"):
        module = importlib.import_module(package)
        yield package
        for found in pkgutil.walk_packages(module.__path__, f"{package}."):
            yield found.name


def _subclasses(cls: type[DomainError]) -> Iterator[type[DomainError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_domain_error_code_is_published() -> None:
    for name in _modules():
        importlib.import_module(name)
    codes = {DomainError.code} | {
        cls.code for cls in _subclasses(DomainError) if cls is not _Teapot
    }
    assert codes <= ERROR_CODES, codes - ERROR_CODES
    assert {PARSE_FAILED, VALIDATION_FAILED} <= ERROR_CODES


# Functions that answer an HTTP request with an error in GraphQL's shape, outside an operation.
_EMITTERS = {"error_response", "_error", "_failure"}
# The CLI prints its own JSON errors to a terminal; they are not ``extensions.code``.
_NOT_HTTP = {ROOT / "api" / "cli.py"}


def _literal_codes(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "code"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    yield value.value, node.lineno
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in _EMITTERS:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        if arg.value.isupper():
                            yield arg.value, node.lineno
                        break


def test_every_code_written_in_the_code_base_is_published() -> None:
    sources = [
        path
        for package in ("api", "authz", "schema", "services")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path not in _NOT_HTTP
    ]
    found = {
        (code, f"{path.relative_to(ROOT)}:{line}")
        for path in sources
        for code, line in _literal_codes(path)
    }
    assert found, "the scan found no codes: it no longer recognises how they are written"
    assert {(code, where) for code, where in found if code not in ERROR_CODES} == set()


def test_every_code_of_the_http_transport_is_published() -> None:
    # the transport keeps its codes in tables and constants, which the literal scan cannot see
    transport = (
        set(graphql_http.STATUS)
        | set(graphql_http._MALFORMED.values())
        | {
            persisted_queries.NOT_FOUND,
            persisted_queries.NOT_SUPPORTED,
            persisted_queries.HASH_MISMATCH,
            persisted_queries.NOT_ALLOWED,
            persisted_queries.INVALID,
        }
    )
    assert transport - ERROR_CODES == set()


class _Teapot(DomainError):
    code = "TEAPOT"  # type: ignore[assignment]  # deliberately not an ErrorCode


def _raised(error: Exception) -> GraphQLError:
    return GraphQLError("raised", path=["client"], original_error=error)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_raised(NotFound("No such client.")), "NOT_FOUND"),
        (_raised(Forbidden("No.")), "FORBIDDEN"),
        (_raised(_Teapot("I am a teapot.")), "INTERNAL"),
        (GraphQLError("coded", path=["x"], extensions={"code": "CONFLICT"}), "CONFLICT"),
        (GraphQLError("coded", path=["x"], extensions={"code": "TEAPOT"}), "INTERNAL"),
        (GraphQLError("coded", extensions={"code": "TEAPOT"}), "INTERNAL"),
        (GraphQLError("coded", path=["x"], extensions={"code": ["FORBIDDEN"]}), "INTERNAL"),
        (GraphQLError("Cannot query field 'x'."), "GRAPHQL_VALIDATION_FAILED"),
        (_raised(RuntimeError("boom")), "INTERNAL"),
    ],
)
def test_the_error_codes_extension_sends_only_published_codes(
    error: GraphQLError, expected: str
) -> None:
    result = coded(error, "request-1")
    assert result.extensions is not None
    assert result.extensions["code"] == expected
    assert result.extensions["code"] in ERROR_CODES
    assert coded(result, "request-1").extensions == result.extensions  # idempotent


def test_a_field_error_carries_the_enum() -> None:
    assert error_payload(NotFound("No such user.", field="userId")).code is ErrorCode.NOT_FOUND
