"""Document limits, typed document errors, bearer handling, and masking of unexpected errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import schema as schema_package
import services.agencies
from api.settings import Settings
from models.enums import SystemRole
from models.governance import Agency
from schema.errors import INTERNAL_MESSAGE
from services.errors import Conflict
from tests.factories import LOGIN, PASSWORD, Api, make_user

CREATE = 'createAgency(input: {name: "%s", cocCode: "CT-503"})'
ME = "{ me { user { username } } }"
COCS = "{ continuumsOfCare { code } }"
CREATE_AGENCY = "mutation { " + CREATE % "Hartford Shelter" + " { id name } }"
CREATE_AGENCY_VARS = """
mutation($name: String!, $coc: String!) {
  createAgency(input: {name: $name, cocCode: $coc}) { id }
}"""
LEAKY_DETAIL = "secret SQL detail ssn=123-45-6789"


def nested(levels: int) -> str:
    """createAgency with ``levels`` fields below it (Agency.duties -> UserDuty.agency -> ...)."""
    names = ["duties" if i % 2 == 0 else "agency" for i in range(levels)]
    body = "duty" if names and names[-1] == "duties" else "id"
    for name in reversed(names):
        body = f"{name} {{ {body} }}"
    return "mutation { " + CREATE % "Deep" + " { " + body + " } }"


@pytest.fixture
def create_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Records every call of services.agencies.create_agency (then does it)."""
    calls: list[dict[str, Any]] = []
    original = services.agencies.create_agency

    async def recording(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return await original(**kwargs)

    monkeypatch.setattr(services.agencies, "create_agency", recording)
    return calls


@pytest.fixture
async def admin_token(api: Api) -> str:
    return await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))


def raising(error: BaseException) -> Callable[..., Any]:
    async def service(**_: Any) -> Any:
        raise error

    return service


async def assert_refused(api: Api, document: str, code: str, token: str, calls: list[Any]) -> str:
    """The document is refused with ``code`` before any resolver runs; returns the message."""
    body = await api.gql(document, token=token)
    assert body["data"] is None, body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body["errors"]
    assert calls == []
    assert await Agency.all().count() == 0
    return body["errors"][0]["message"]


# --- document limits -------------------------------------------------------------------------


async def test_a_document_at_the_depth_limit_runs(
    api: Api, admin_token: str, settings: Settings, create_calls: list[Any]
) -> None:
    data = await api.ok(nested(settings.max_query_depth - 1), token=admin_token)
    assert data["createAgency"]["duties"] == []
    assert len(create_calls) == 1


async def test_a_document_past_the_depth_limit_runs_nothing(
    api: Api, admin_token: str, settings: Settings, create_calls: list[Any]
) -> None:
    message = await assert_refused(
        api,
        nested(settings.max_query_depth),
        "GRAPHQL_VALIDATION_FAILED",
        admin_token,
        create_calls,
    )
    assert f"maximum operation depth of {settings.max_query_depth}" in message


async def test_a_document_with_too_many_tokens_runs_nothing(
    api: Api, admin_token: str, settings: Settings, create_calls: list[Any]
) -> None:
    padding = " __typename" * settings.max_query_tokens
    document = "mutation { " + CREATE % "Many tokens" + " { id" + padding + " } }"
    message = await assert_refused(api, document, "GRAPHQL_PARSE_FAILED", admin_token, create_calls)
    assert f"more than {settings.max_query_tokens} tokens" in message


async def test_a_document_with_too_many_aliases_runs_nothing(
    api: Api, admin_token: str, settings: Settings, create_calls: list[Any]
) -> None:
    fields = " ".join(
        f"a{i}: " + CREATE % f"Alias {i}" + " { id }" for i in range(settings.max_aliases + 1)
    )
    message = await assert_refused(
        api, "mutation { " + fields + " }", "GRAPHQL_VALIDATION_FAILED", admin_token, create_calls
    )
    assert "aliases" in message


# --- typed document errors -------------------------------------------------------------------


async def test_malformed_graphql_is_a_parse_error(
    api: Api, admin_token: str, create_calls: list[Any]
) -> None:
    message = await assert_refused(
        api, "mutation { createAgency(", "GRAPHQL_PARSE_FAILED", admin_token, create_calls
    )
    assert message.startswith("Syntax Error")


async def test_the_schema_itself_codes_parse_errors_behind_its_parser_cache() -> None:
    # The view codes what escapes the schema as a safety net; the schema must not rely on it.
    schema = schema_package.build_schema()
    for document in ("{ __typename ", "{ " + "__typename " * 5000 + "}"):
        result = await schema.execute(document)
        assert [e.extensions for e in result.errors or []] == [{"code": "GRAPHQL_PARSE_FAILED"}]


async def test_an_unknown_field_is_a_validation_error_without_suggestions(
    api: Api, admin_token: str
) -> None:
    # when: a misspelt root field, and a misspelt input field
    root = await api.gql("{ agencie { totalCount } }", token=admin_token)
    input_field = await api.gql(
        'mutation { createAgency(input: {nam: "x", cocCode: "CT-503"}) { id } }', token=admin_token
    )
    # then
    errors = root["errors"] + input_field["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"GRAPHQL_VALIDATION_FAILED"}
    messages = [e["message"] for e in errors]
    assert any("'agencie'" in m for m in messages)
    assert any("'nam'" in m for m in messages)
    assert not [m for m in messages if "Did you mean" in m or "'agencies'" in m or "'agency'" in m]


async def test_a_variable_of_the_wrong_type_is_a_typed_error_that_does_not_echo_it(
    api: Api, admin_token: str, create_calls: list[Any]
) -> None:
    # when
    body = await api.gql(
        CREATE_AGENCY_VARS, {"name": {"ssn": "123-45-6789"}, "coc": "CT-503"}, admin_token
    )
    missing = await api.error(CREATE_AGENCY_VARS, {"coc": "CT-503"}, admin_token)
    # then
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED", "variable": "name"}
    assert "$name" in error["message"]
    assert "String!" in error["message"]
    assert "123-45-6789" not in str(body)
    assert missing["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert create_calls == []
    assert await Agency.all().count() == 0


# --- bearer tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic x", "Bearer not-a-token", "Bearer ", "Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln"],
    ids=["missing", "basic", "garbage", "empty", "forged"],
)
async def test_a_protected_field_without_a_valid_bearer_is_unauthenticated(
    http: httpx.AsyncClient, authorization: str | None
) -> None:
    # given
    headers = {"Authorization": authorization} if authorization is not None else {}
    # when
    response = await http.post("/graphql", json={"query": ME}, headers=headers)
    # then
    body = response.json()
    assert body["data"] == {"me": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_login_is_public_even_with_a_garbage_bearer(http: httpx.AsyncClient) -> None:
    # given
    user = await make_user()
    # when
    response = await http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"u": user.username, "p": PASSWORD}},
        headers={"Authorization": "Bearer not-a-token"},
    )
    # then
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["login"]["challengeToken"]


# --- masking ---------------------------------------------------------------------------------


async def test_an_unexpected_exception_is_masked_and_logged_with_its_traceback(
    api: Api, admin_token: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    monkeypatch.setattr(services.agencies, "create_agency", raising(RuntimeError(LEAKY_DETAIL)))
    # when
    with caplog.at_level(logging.ERROR, logger="hearth.errors"):
        response = await api.post(CREATE_AGENCY, token=admin_token)
    # then: the client learns nothing but that it failed, and which request it was
    body = response.json()
    [error] = body["errors"]
    assert error["message"] == INTERNAL_MESSAGE
    assert error["extensions"] == {
        "code": "INTERNAL",
        "requestId": response.headers["x-request-id"],
    }
    assert error["path"] == ["createAgency"]
    for leak in ("secret", "SQL", "ssn", "123-45-6789", "RuntimeError", "Traceback"):
        assert leak not in response.text
    # and the server log has the story: where, which exception, its traceback; not its message,
    # which may quote the request's values
    [record] = [r for r in caplog.records if r.name == "hearth.errors"]
    assert response.headers["x-request-id"] in record.getMessage()
    assert "RuntimeError" in caplog.text
    assert "Traceback" in caplog.text
    assert "raise error" in caplog.text  # the line that raised
    assert LEAKY_DETAIL not in caplog.text


async def test_a_resolver_breaking_the_schema_contract_is_internal_not_the_clients_fault(
    api: Api, admin_token: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given: a service that returns an agency without the name its type promises
    async def returns_nameless(**_: Any) -> Agency:
        agency = Agency(name="Hartford Shelter")
        agency.name = None  # type: ignore[assignment]
        return agency

    monkeypatch.setattr(services.agencies, "create_agency", returns_nameless)
    # when
    with caplog.at_level(logging.ERROR, logger="hearth.errors"):
        error = await api.error(CREATE_AGENCY, token=admin_token)
    # then
    assert error["code"] == "INTERNAL"
    assert error["message"] == INTERNAL_MESSAGE
    # the log says where: the field, and the executor's completion of its value
    assert "['createAgency', 'name']" in caplog.text
    assert "in complete_value" in caplog.text


async def test_an_error_escaping_the_operation_is_masked_too(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given: an extension that fails before the operation's error handling can see it
    def broken(self: Any) -> Any:
        raise RuntimeError(LEAKY_DETAIL)

    monkeypatch.setattr(schema_package._ParserCache, "on_parse", broken)
    # when
    with caplog.at_level(logging.ERROR, logger="hearth.errors"):
        response = await api.post("{ __typename }")
    # then
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["message"] == INTERNAL_MESSAGE
    assert "123-45-6789" not in response.text
    assert "RuntimeError" in caplog.text
    assert LEAKY_DETAIL not in caplog.text


async def test_domain_errors_keep_their_message_and_code(
    api: Api, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # when: a real rule, then a domain error raised deep in a service
    unknown_coc = await api.error(
        CREATE_AGENCY_VARS, {"name": "Shelter", "coc": "CT-999"}, admin_token
    )
    monkeypatch.setattr(
        services.agencies,
        "create_agency",
        raising(Conflict("An agency with that name exists.", field="name")),
    )
    conflict = await api.error(CREATE_AGENCY, token=admin_token)
    # then
    assert unknown_coc == {
        "code": "VALIDATION",
        "field": "cocCode",
        "message": "Unknown Continuum of Care code.",
    }
    assert conflict == {
        "code": "CONFLICT",
        "field": "name",
        "message": "An agency with that name exists.",
    }


async def test_a_variable_of_the_wrong_type_in_a_list_says_where_without_the_value(
    api: Api, admin_token: str
) -> None:
    sync = "mutation Sync($users: [SyncUserInput!]!) { syncUsers(input: $users) { index } }"
    valid = {"externalId": "V-1", "username": "ann.lee", "email": "ann@agency.example.org"}
    # when
    body = await api.gql(
        sync, {"users": [valid, {**valid, "externalId": {"ssn": "123-45-6789"}}]}, admin_token
    )
    # then
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "GRAPHQL_VALIDATION_FAILED",
        "variable": "users",
        "at": "[1].externalId",
    }
    assert error["message"] == (
        "Variable '$users' has a value that is not a valid [SyncUserInput!]! at [1].externalId."
    )
    assert "123-45-6789" not in str(body)
