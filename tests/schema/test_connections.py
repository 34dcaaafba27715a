"""Relay's PageInfo on every connection, and the paged nested lists.

Forward keyset pages: ``hasPreviousPage`` is true exactly when a page was asked for after a
cursor, ``startCursor`` and ``endCursor`` are its first and last items' cursors. A nested list's
page (``Client.enrollmentsConnection``, ``Client.caseNotesConnection``,
``Enrollment.servicesConnection``) holds the same rows in the same order as the deprecated list,
walks to its end by ``endCursor``, and refuses a cursor that is not one of its items.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from models.enrollments import Enrollment, Service
from models.enums import AccessLevel, SystemRole
from schema.relay import to_global_id
from services.pagination import encode_cursor
from tests.factories import Api, make_agency, make_user
from tests.schema.test_client_statements import _world

AGENCIES = """query($first: Int!, $after: String) {
  agencies(first: $first, after: $after) {
    totalCount edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
ENROLLMENTS = """query($id: ID!, $first: Int!, $after: String) {
  client(id: $id) {
    enrollments { id }
    caseNotes { id }
    enrollmentsConnection(first: $first, after: $after) {
      totalCount edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
    caseNotesConnection(first: $first) { nodes { id } pageInfo { endCursor } }
  }
}"""
SERVICES = """query($id: ID!, $first: Int!, $after: String) {
  node(id: $id) {
    ... on Enrollment {
      services { id }
      servicesConnection(first: $first, after: $after) {
        totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }
  }
}"""


async def _walk(
    api: Api, token: str, document: str, variables: dict[str, Any], path: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Every page of the connection at ``path``, walked by endCursor."""
    pages, after = [], None
    while True:
        data: Any = await api.ok(document, {**variables, "after": after}, token)
        for step in path:
            data = data[step]
        pages.append(data)
        if not data["pageInfo"]["hasNextPage"]:
            return pages
        after = data["pageInfo"]["endCursor"]


async def test_page_info_of_a_walked_connection(api: Api) -> None:
    # given five agencies and a System Administrator
    for n in range(5):
        await make_agency(f"Agency {n}")
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    token = await api.sign_in(admin)
    # when the agencies are walked two at a time
    pages = await _walk(api, token, AGENCIES, {"first": 2}, ("agencies",))
    # then only the first page has none before it, and the cursors frame each page
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]
    for page in pages:
        cursors = [edge["cursor"] for edge in page["edges"]]
        assert page["pageInfo"]["startCursor"] == cursors[0]
        assert page["pageInfo"]["endCursor"] == cursors[-1]
    ids = [edge["node"]["id"] for page in pages for edge in page["edges"]]
    assert len(ids) == len(set(ids)) == pages[0]["totalCount"] >= 5
    # and an empty page has no cursors
    empty = (await api.ok(AGENCIES, {"first": 0}, token))["agencies"]["pageInfo"]
    assert empty == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


SEARCH = """query($first: Int!, $after: String) {
  clients(search: {name: "smith"}, first: $first, after: $after) {
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


async def test_page_info_of_a_walked_client_search(api: Api) -> None:
    # given three clients the holder sees
    world = await _world(3)
    token = await api.sign_in(world.holder)
    # when the search is walked one client at a time
    pages = await _walk(api, token, SEARCH, {"first": 1}, ("clients",))
    # then only the first page has none before it
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]
    assert [p["pageInfo"]["startCursor"] for p in pages] == [p["edges"][0]["cursor"] for p in pages]


async def _client_with_lists(api: Api) -> tuple[str, str]:
    """A client of the statements' world given five enrollments in all, each with services;
    its id and the holder's token."""
    world = await _world(1)
    enrollment = await Enrollment.filter().first()
    assert enrollment is not None
    for n in range(3):
        extra = await Enrollment.create(
            client_id=enrollment.client_id,
            project_id=enrollment.project_id,
            agency_id=enrollment.agency_id,
            entry_date=enrollment.entry_date - timedelta(days=n + 1),
            household_id=f"extra-{n}",
            relationship_to_hoh=1,
            created_by_user_id=enrollment.created_by_user_id,
            created_at=enrollment.created_at,
            updated_at=enrollment.updated_at,
        )
        for k in range(3):
            await Service.create(
                enrollment=extra,
                date_provided=extra.entry_date + timedelta(days=k),
                record_type=200,
                type_provided=200,
                created_by_user_id=enrollment.created_by_user_id,
                created_at=enrollment.created_at,
            )
    return str(enrollment.client_id), await api.sign_in(world.holder)


async def test_a_clients_enrollments_walked_page_by_page_are_its_list(api: Api) -> None:
    client_id, token = await _client_with_lists(api)
    # when the enrollments are walked two at a time
    pages = await _walk(
        api, token, ENROLLMENTS, {"id": client_id, "first": 2}, ("client", "enrollmentsConnection")
    )
    # then the pages hold the list, in its order, each item once
    listed = (await api.ok(ENROLLMENTS, {"id": client_id, "first": 0}, token))["client"]
    walked = [edge["node"]["id"] for page in pages for edge in page["edges"]]
    assert walked == [e["id"] for e in listed["enrollments"]]
    assert len(walked) == 5
    assert {page["totalCount"] for page in pages} == {5}
    # and hasPreviousPage says whether items come before the page (exact for a nested list)
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]
    for page in pages:
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]


async def test_an_enrollments_services_walked_page_by_page_are_its_list(api: Api) -> None:
    client_id, token = await _client_with_lists(api)
    enrollments = await Enrollment.filter(client_id=client_id)
    assert len(enrollments) == 5
    for enrollment in enrollments:
        variables = {"id": to_global_id("Enrollment", enrollment.id), "first": 2}
        pages = await _walk(api, token, SERVICES, variables, ("node", "servicesConnection"))
        listed = (await api.ok(SERVICES, {**variables, "after": None}, token))["node"]
        walked = [node["id"] for page in pages for node in page["nodes"]]
        assert walked == [service["id"] for service in listed["services"]]
        assert {page["totalCount"] for page in pages} == {len(walked)}
        assert len(walked) in (2, 3)
        assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True][: len(pages)]


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"first": 2, "after": "not a cursor"}, "after"),
        # a cursor this API could issue, of no item of this list
        ({"first": 2, "after": encode_cursor(UUID(int=7))}, "after"),
    ],
    ids=["too many", "negative", "not a cursor", "another list's cursor"],
)
async def test_a_nested_page_refuses_bad_arguments(
    api: Api, variables: dict[str, Any], field: str
) -> None:
    client_id, token = await _client_with_lists(api)
    answer = await api.error(ENROLLMENTS, {"id": client_id, **variables}, token)
    assert (answer["code"], answer.get("field")) == ("VALIDATION", field)


async def test_a_case_note_cursor_is_not_an_enrollment_cursor(api: Api) -> None:
    client_id, token = await _client_with_lists(api)
    notes = (await api.ok(ENROLLMENTS, {"id": client_id, "first": 1}, token))["client"]
    after = notes["caseNotesConnection"]["pageInfo"]["endCursor"]
    answer = await api.error(ENROLLMENTS, {"id": client_id, "first": 2, "after": after}, token)
    assert (answer["code"], answer.get("field")) == ("VALIDATION", "after")


async def test_another_agency_gets_no_page_of_the_clients_enrollments(api: Api) -> None:
    """A guard: the pages are the client's, behind client(id:)'s own NOT_FOUND."""
    client_id, token = await _client_with_lists(api)
    agency = await make_agency("Other")
    outsider = await api.sign_in(await make_user(agencies={agency: AccessLevel.FULL}))
    answer = await api.error(ENROLLMENTS, {"id": client_id, "first": 2}, outsider)
    assert answer["code"] == "NOT_FOUND"
    assert (await api.ok(ENROLLMENTS, {"id": client_id, "first": 2}, token))["client"][
        "enrollmentsConnection"
    ]["totalCount"] == 5
