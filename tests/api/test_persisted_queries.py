"""Persisted queries: Apollo's APQ protocol, with the requests its link sends, and the
allow-list mode for production."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.persisted_queries import PersistedQueries, PersistedQueryError, load_manifest
from api.settings import Settings
from models.enums import SystemRole
from models.governance import Agency
from services.clock import FrozenClock
from tests.api.test_http import running
from tests.factories import Api, make_user

# The document as Apollo's link prints it (graphql-js `print`), and its hash.
ME = "query Me {\n  me {\n    user {\n      username\n    }\n  }\n}"
TYPENAME = "query Typename {\n  __typename\n}"
CREATE_AGENCY = (
    "mutation CreateAgency {\n"
    '  createAgency(input: {name: "By hash", cocCode: "CT-503"}) {\n    id\n  }\n}'
)
# What Apollo Client sends: HttpLink's headers (Apollo Client 4 asks for the new media type;
# Apollo Client 3 sends */*).
APOLLO_4 = {
    "accept": "application/graphql-response+json,application/json;q=0.9",
    "content-type": "application/json",
}
APOLLO_3 = {"accept": "*/*", "content-type": "application/json"}


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def hashed(document: str, operation: str, *, with_query: bool = False) -> dict[str, Any]:
    """The POST body of Apollo's persisted query link: first without the query, then (after
    PersistedQueryNotFound) with it."""
    body: dict[str, Any] = {
        "operationName": operation,
        "variables": {},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(document)}},
    }
    if with_query:
        body["query"] = document
    return body


def over_get(document: str, operation: str) -> dict[str, str]:
    """The query string of the link's GET (useGETForHashedQueries: true)."""
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256(document)}}
    return {
        "operationName": operation,
        "variables": "{}",
        "extensions": json.dumps(persisted, separators=(",", ":")),
    }


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def as_user(token: str, headers: dict[str, str] = APOLLO_4) -> dict[str, str]:
    return {**headers, "authorization": f"Bearer {token}"}


# --- automatic persisted queries (the default mode) -------------------------------------------


async def test_the_link_registers_a_query_then_runs_it_by_hash(
    http: httpx.AsyncClient, api: Api
) -> None:
    # given
    user = await make_user("apq")
    token = await api.sign_in(user)
    # when the link sends the hash alone, then (told it is unknown) the hash with the query
    unknown = await http.post("/graphql", json=hashed(ME, "Me"), headers=as_user(token, APOLLO_3))
    registered = await http.post(
        "/graphql", json=hashed(ME, "Me", with_query=True), headers=as_user(token)
    )
    by_hash = await http.post("/graphql", json=hashed(ME, "Me"), headers=as_user(token))
    by_get = await http.get("/graphql", params=over_get(ME, "Me"), headers=as_user(token))
    # then: the message and code Apollo's link retries on (with 200 for application/json, as
    # Apollo Client 3 needs: it gives up persisted queries on a 400 or a 500)
    assert unknown.status_code == 200
    [error] = unknown.json()["errors"]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    expected = {"data": {"me": {"user": {"username": "apq"}}}}
    for answer in (registered, by_hash, by_get):
        assert answer.status_code == 200, answer.text
        assert answer.json() == expected


async def test_an_unknown_hash_is_404_without_data_for_the_new_media_type(
    http: httpx.AsyncClient,
) -> None:
    # when
    answer = await http.post("/graphql", json=hashed(TYPENAME, "Unknown"), headers=APOLLO_4)
    by_get = await http.get("/graphql", params=over_get(TYPENAME, "Unknown"), headers=APOLLO_4)
    # then
    for response in (answer, by_get):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/graphql-response+json")
        assert response.json() == {
            "errors": [
                {
                    "message": "PersistedQueryNotFound",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                }
            ]
        }


async def test_a_hash_that_is_not_the_querys_is_refused_and_nothing_runs(
    http: httpx.AsyncClient, api: Api
) -> None:
    # given
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    token = await api.sign_in(admin)
    body = hashed(TYPENAME, "CreateAgency")
    body["query"] = CREATE_AGENCY  # sent with another document's hash
    # when
    answer = await http.post("/graphql", json=body, headers=as_user(token))
    later = await http.post("/graphql", json=hashed(TYPENAME, "Typename"), headers=APOLLO_4)
    # then
    assert answer.status_code == 400
    assert codes(answer.json()) == ["PERSISTED_QUERY_HASH_MISMATCH"]
    assert "data" not in answer.json()
    assert await Agency.all().count() == 0
    assert codes(later.json()) == ["PERSISTED_QUERY_NOT_FOUND"]  # and nothing was remembered


async def test_a_mutation_runs_by_hash_over_post_but_never_over_get(
    http: httpx.AsyncClient, api: Api
) -> None:
    # given a registered mutation
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    token = await api.sign_in(admin)
    first = await http.post(
        "/graphql",
        json=hashed(CREATE_AGENCY, "CreateAgency", with_query=True),
        headers=as_user(token),
    )
    assert first.json()["data"]["createAgency"]["id"]
    # when
    over_url = await http.get(
        "/graphql", params=over_get(CREATE_AGENCY, "CreateAgency"), headers=as_user(token)
    )
    # then
    assert over_url.status_code == 400
    assert "mutations are not allowed when using GET" in over_url.text
    assert await Agency.all().count() == 1


async def test_a_document_that_does_not_validate_is_not_remembered(
    http: httpx.AsyncClient,
) -> None:
    # given
    broken = "query Broken {\n  nothingHere\n}"
    # when
    first = await http.post("/graphql", json=hashed(broken, "Broken", with_query=True))
    again = await http.post("/graphql", json=hashed(broken, "Broken"))
    # then
    assert codes(first.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(again.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize(
    "extension",
    [
        {"version": 2, "sha256Hash": "0" * 64},
        {"version": 1, "sha256Hash": "not a hash"},
        {"version": 1},
        "a string",
    ],
)
async def test_a_malformed_persisted_query_extension_is_refused(
    http: httpx.AsyncClient, extension: object
) -> None:
    # when
    answer = await http.post(
        "/graphql", json={"extensions": {"persistedQuery": extension}}, headers=APOLLO_4
    )
    # then
    assert answer.status_code == 400
    assert codes(answer.json()) == ["PERSISTED_QUERY_INVALID"]


async def test_a_get_with_the_query_text_is_still_refused(http: httpx.AsyncClient) -> None:
    # when the document itself travels in the URL (even with its hash)
    params = {**over_get(TYPENAME, "Typename"), "query": TYPENAME}
    answer = await http.get("/graphql", params=params, headers=APOLLO_4)
    # then
    assert answer.status_code == 400
    assert codes(answer.json()) == ["BAD_REQUEST"]


def test_the_cache_is_bounded_in_bytes_and_forgets_the_least_recently_used() -> None:
    # given room for two documents of 100 characters
    store = PersistedQueries("apq", cache_bytes=200)
    documents = [f"query Q{i} {{ __typename }}".ljust(100) for i in range(3)]
    store.remember(sha256(documents[0]), documents[0])
    store.remember(sha256(documents[1]), documents[1])
    store.resolve(None, {"version": 1, "sha256Hash": sha256(documents[0])})  # used again
    # when
    store.remember(sha256(documents[2]), documents[2])
    store.remember(sha256("x" * 201), "x" * 201)  # larger than the whole cache: not kept
    # then
    assert set(store.cache) == {sha256(documents[0]), sha256(documents[2])}
    with pytest.raises(PersistedQueryError) as refused:
        store.resolve(None, {"version": 1, "sha256Hash": sha256(documents[1])})
    assert refused.value.code == "PERSISTED_QUERY_NOT_FOUND"


# --- allow-list mode ---------------------------------------------------------------------------


def apollo_manifest(path: Path, *documents: tuple[str, str]) -> Path:
    """An Apollo persisted query manifest (@apollo/generate-persisted-query-manifest)."""
    path.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [
                    {"id": sha256(body), "name": name, "type": "query", "body": body}
                    for name, body in documents
                ],
            }
        )
    )
    return path


@pytest.fixture(scope="module")
async def allowlist(
    app: Starlette,
    settings: Settings,
    database_url: str,
    clock: FrozenClock,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[httpx.AsyncClient]:
    """A second Hearth that runs only ``Me`` (the first keeps the database)."""
    manifest = apollo_manifest(tmp_path_factory.mktemp("pq") / "manifest.json", ("Me", ME))
    configured = settings.model_copy(
        update={"persisted_queries": "allowlist", "persisted_query_manifest": manifest}
    )
    async with running(create_app(configured, database_url=database_url, clock=clock)) as client:
        yield client


async def test_the_allowlist_runs_its_operations_by_hash_or_in_full(
    allowlist: httpx.AsyncClient,
) -> None:
    # when
    by_hash = await allowlist.post("/graphql", json=hashed(ME, "Me"), headers=APOLLO_4)
    in_full = await allowlist.post("/graphql", json={"query": ME}, headers=APOLLO_4)
    by_get = await allowlist.get("/graphql", params=over_get(ME, "Me"), headers=APOLLO_4)
    # then each ran (and was refused at the field for want of a token, not as unlisted)
    for answer in (by_hash, in_full, by_get):
        assert codes(answer.json()) == ["UNAUTHENTICATED"], answer.text


async def test_the_allowlist_refuses_everything_else_with_a_clear_code(
    allowlist: httpx.AsyncClient,
) -> None:
    # when
    answers = [
        # a query not listed, in full; the same with its hash (Apollo's retry); its hash alone
        await allowlist.post("/graphql", json={"query": TYPENAME}, headers=APOLLO_4),
        await allowlist.post(
            "/graphql", json=hashed(TYPENAME, "Typename", with_query=True), headers=APOLLO_4
        ),
        await allowlist.post("/graphql", json=hashed(TYPENAME, "Typename"), headers=APOLLO_4),
        # a listed document changed by a character
        await allowlist.post("/graphql", json={"query": ME + " "}, headers=APOLLO_4),
        # a mutation
        await allowlist.post("/graphql", json={"query": CREATE_AGENCY}, headers=APOLLO_4),
    ]
    legacy = await allowlist.post(
        "/graphql", json={"query": TYPENAME}, headers={"accept": "application/json"}
    )
    # then
    for answer in answers:
        assert answer.status_code == 403, answer.text
        assert answer.json() == {
            "errors": [
                {
                    "message": "This server runs only its listed operations; this is not one.",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_ALLOWED"},
                }
            ]
        }
    assert legacy.status_code == 200
    assert codes(legacy.json()) == ["PERSISTED_QUERY_NOT_ALLOWED"]
    assert await Agency.all().count() == 0


def test_the_allowlist_needs_a_manifest() -> None:
    with pytest.raises(ValueError, match="HEARTH_PERSISTED_QUERY_MANIFEST"):
        Settings(env="test", persisted_queries="allowlist")


def test_a_manifest_reads_apollos_format_or_a_map_of_hashes(tmp_path: Path) -> None:
    apollo = apollo_manifest(tmp_path / "apollo.json", ("Me", ME))
    codegen = tmp_path / "persisted-documents.json"
    codegen.write_text(json.dumps({sha256(TYPENAME): TYPENAME}))
    assert load_manifest(apollo) == {sha256(ME): ME}
    assert load_manifest(codegen) == {sha256(TYPENAME): TYPENAME}


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({sha256(ME): TYPENAME}),  # an id that is not its document's hash
        json.dumps({"format": "apollo-persisted-query-manifest", "operations": [{"id": "x"}]}),
        json.dumps(["not", "a", "manifest"]),
        "{not json",
    ],
)
def test_a_manifest_that_is_wrong_stops_the_start(tmp_path: Path, content: str) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="persisted query manifest"):
        load_manifest(path)


async def test_persisted_queries_can_be_turned_off(
    app: Starlette, settings: Settings, database_url: str, clock: FrozenClock
) -> None:
    # given
    off = settings.model_copy(update={"persisted_queries": "off"})
    async with running(create_app(off, database_url=database_url, clock=clock)) as client:
        # when
        answer = await client.post("/graphql", json=hashed(TYPENAME, "Typename"))
        plain = await client.post("/graphql", json={"query": TYPENAME})
    # then Apollo's link stops sending hashes, and ordinary requests run
    [error] = answer.json()["errors"]
    assert error["message"] == "PersistedQueryNotSupported"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert plain.json() == {"data": {"__typename": "Query"}}
