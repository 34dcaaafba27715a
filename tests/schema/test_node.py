"""``node(id:)`` answers as each type's own field answers: the same object, or the same refusal.

Every type implementing Node is read both ways by every kind of caller of the mutation cases'
world (a System Administrator, a FULL user of A, the HDC, a VIEW_ONLY user, a FULL user of B):
through its own root field (``client(id:)``, ``agency(id:)``, ...) and through ``node`` with its
global id. The answers are equal, data and errors (code, message, field). Enrollments and case
notes, which have no root field of their own, are found by ``node`` exactly when their client's
list shows them. Ids that are not global ids, or name no Node type, are VALIDATION; a global id of
the wrong type is NOT_FOUND; never INTERNAL.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from graphql import GraphQLObjectType

import tests.schema.mutation_cases_data_releases  # releasing data (405)
import tests.schema.mutation_cases_dsb
import tests.schema.mutation_cases_incidents
import tests.schema.mutation_cases_outside_access
import tests.schema.mutation_cases_quality_review
import tests.schema.mutation_cases_retention  # noqa: F401 (they register their cases)
from models.audit import AuditEvent
from models.case_notes import CaseNote as NoteRow
from models.enrollments import Enrollment as EnrollmentRow
from schema import build_schema
from schema.node import NODE_TYPES
from schema.relay import to_global_id
from tests.audit_rows import records
from tests.factories import Api
from tests.schema.mutation_cases import build_world
from tests.schema.query_cases import QUERY_CASES

# Each Node type with a root field of its own: that field's name.
ROOT_FIELDS = {
    "Agency": "agency",
    "Project": "project",
    "User": "user",
    "Client": "client",
    "DsbMeeting": "dsbMeeting",
    "OutsideAccessApplication": "outsideAccessApplication",
    "SecurityIncident": "securityIncident",
    "Grievance": "grievance",
}
CALLERS = ("admin", "worker", "hdc", "member", "worker_b")
ROOT = "query($id: ID!) {{ {field}(id: $id) {{ __typename id nodeId }} }}"
NODE = "query($id: ID!) { node(id: $id) { __typename nodeId ... on %s { id } } }"
LISTS = """query($id: ID!) { client(id: $id) {
  enrollmentsConnection(first: 100) { nodes { id nodeId } }
  caseNotesConnection(first: 100) { nodes { id nodeId } } } }"""


def _errors(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (e["extensions"]["code"], e["message"], e["extensions"].get("field"))
        for e in body.get("errors", [])
    ]


def _plain(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def test_every_node_type_is_read_by_node() -> None:
    """Every type implementing Node in the schema has a way for node(id:) to read it."""
    schema = build_schema()
    implementing = {
        t.name
        for t in schema._schema.type_map.values()
        if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
    }
    assert implementing == set(NODE_TYPES)
    assert implementing == {*ROOT_FIELDS, "Enrollment", "CaseNote"}


@pytest.mark.parametrize("type_name", sorted(ROOT_FIELDS))
async def test_node_answers_as_the_types_own_field_for_every_caller(
    api: Api, type_name: str
) -> None:
    # given an object of the type, made as the query cases make it
    world = await build_world(api)
    field = ROOT_FIELDS[type_name]
    _, variables = await QUERY_CASES[field](world)
    key = variables["id"]
    global_id = to_global_id(type_name, key)
    answers = set()
    for who in CALLERS:
        token = await world.token(who)
        # when each caller reads it through its field and through node
        own = await api.gql(ROOT.format(field=field), {"id": key}, token)
        node = await api.gql(NODE % type_name, {"id": global_id}, token)
        # then both say the same: the object, or the same refusal
        assert _errors(node) == _errors(own), (who, node, own)
        assert "INTERNAL" not in {e[0] for e in _errors(node)}
        # (a refused root field nulls the answer, or only itself once it is nullable)
        if (own.get("data") or {}).get(field):
            assert node["data"]["node"] == own["data"][field], who
            assert node["data"]["node"]["nodeId"] == global_id
            answers.add("seen")
        else:
            assert node["data"] is None or node["data"]["node"] is None
            answers.add(_errors(own)[0][0])
    # and the callers include one who sees it and one who may not
    assert "seen" in answers, (type_name, answers)
    assert answers - {"seen"}, (type_name, answers)


async def test_enrollments_and_case_notes_are_found_as_their_clients_lists_show_them(
    api: Api,
) -> None:
    world = await build_world(api)
    enrollment_id = await world.enrollment()
    _, note = await world.note()
    seen_somewhere = set()
    for who in CALLERS:
        token = await world.token(who)
        for type_name, key in (("Enrollment", enrollment_id), ("CaseNote", str(note.id))):
            row = await (EnrollmentRow if type_name == "Enrollment" else NoteRow).get(id=key)
            lists = await api.gql(LISTS, {"id": str(row.client_id)}, token)
            listed: set[str] = set()
            client = (lists.get("data") or {}).get("client")
            if client:
                listed = {
                    n["nodeId"]
                    for page in (client["enrollmentsConnection"], client["caseNotesConnection"])
                    for n in page["nodes"]
                }
            global_id = to_global_id(type_name, key)
            node = await api.gql(NODE % type_name, {"id": global_id}, token)
            if global_id in listed:
                assert node["data"]["node"] == {
                    "__typename": type_name,
                    "nodeId": global_id,
                    "id": key,
                }
                seen_somewhere.add(who)
            else:
                codes = {e[0] for e in _errors(node)}
                # as client(id:) refuses: FORBIDDEN without client:read, else NOT_FOUND
                assert codes == ({e[0] for e in _errors(lists)} or {"NOT_FOUND"}), (who, node)
                assert node["data"] is None or node["data"]["node"] is None
    assert seen_somewhere, seen_somewhere
    assert seen_somewhere != set(CALLERS), seen_somewhere


NOBODY = "6a0e2b9c-2f61-4d0e-9d55-0c3f1f0f7e11"  # an id no row has


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ("not-a-global-id", "VALIDATION"),
        ("", "VALIDATION"),
        (NOBODY, "VALIDATION"),  # a Hearth id alone: node needs the type
        (_plain(f"Bogus:{NOBODY}"), "VALIDATION"),  # no such type
        (_plain(f"AuditEntry:{NOBODY}"), "VALIDATION"),  # a type that is not a Node
        (_plain("Client:not-a-uuid"), "VALIDATION"),
        (_plain("Client"), "VALIDATION"),
        ("%%%%", "VALIDATION"),
        (_plain(f"Client:{NOBODY}"), "NOT_FOUND"),
        (_plain(f"Agency:{NOBODY}"), "NOT_FOUND"),
        (_plain(f"Enrollment:{NOBODY}"), "NOT_FOUND"),
        (_plain(f"CaseNote:{NOBODY}"), "NOT_FOUND"),
    ],
    ids=lambda value: value if value in ("VALIDATION", "NOT_FOUND") else None,
)
async def test_ids_that_name_nothing_are_typed_errors(api: Api, sent: str, code: str) -> None:
    world = await build_world(api)
    body = await api.gql(NODE % "Client", {"id": sent}, await world.token("worker"))
    assert _errors(body)[0][0] == code, body
    assert _errors(body)[0][2] == "id"


async def test_a_global_id_of_the_wrong_type_is_not_found(api: Api) -> None:
    world = await build_world(api)
    token = await world.token("worker")
    client_id = await world.client()
    # when a client's Hearth id is sent as an agency's, and an agency's as a client's
    for type_name, key in (("Agency", client_id), ("Client", str(world.a.id))):
        body = await api.gql(NODE % type_name, {"id": to_global_id(type_name, key)}, token)
        # then nothing is found, as the type's own field would say of that id
        own = await api.gql(ROOT.format(field=ROOT_FIELDS[type_name]), {"id": key}, token)
        assert _errors(body) == _errors(own)
        assert _errors(body)[0][0] == "NOT_FOUND"


# --- the read audit ---------------------------------------------------------------------------

READ_CLIENT = "query($id: ID!) { client(id: $id) { id firstName dob ssn } }"
READ_NODE = "query($id: ID!) { node(id: $id) { ... on Client { id firstName dob ssn } } }"


async def _audit_after(seq: int) -> list[tuple[Any, ...]]:
    return [
        (r.action, r.entity_type, r.entity_id, r.client_id, sorted(r.fields_touched or []))
        for r in records(await AuditEvent.filter(seq__gt=seq).order_by("seq"))
    ]


async def _last_seq() -> int:
    last = await AuditEvent.all().order_by("-seq").first()
    return last.seq if last else 0


async def test_node_reads_of_client_data_are_audited_as_the_clients_field_audits_them(
    api: Api,
) -> None:
    world = await build_world(api)
    client_id = await world.client()
    actions = {}
    for who in ("worker", "worker_b", "member"):
        token = await world.token(who)
        # when the client is read through client(id:), then through node(id:)
        before = await _last_seq()
        await api.gql(READ_CLIENT, {"id": client_id}, token)
        middle = await _last_seq()
        await api.gql(READ_NODE, {"id": to_global_id("Client", client_id)}, token)
        # then the two reads leave the same rows (VIEW with the same fields, or DENIED)
        by_field = await _audit_after(before)
        by_node = await _audit_after(middle)
        # (a DENIED row names the root field refused: client, node)
        field_rows = by_field[: len(by_field) - len(by_node)]
        assert [_unnamed(r) for r in field_rows] == [_unnamed(r) for r in by_node], who
        assert by_node, who
        actions[who] = {row[0] for row in by_node}
        if actions[who] == {"DENIED"}:
            assert [r[4] for r in by_node] == [["node"]]
    assert actions == {"worker": {"VIEW"}, "worker_b": {"DENIED"}, "member": {"VIEW"}}


def _unnamed(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row[:4], None) if row[0] == "DENIED" else row


async def test_node_reads_of_enrollments_and_case_notes_are_audited(api: Api) -> None:
    world = await build_world(api)
    enrollment_id = await world.enrollment()
    client_id, note = await world.note()
    enrollment_client = str((await EnrollmentRow.get(id=enrollment_id)).client_id)
    reads = {
        "Enrollment": (enrollment_id, enrollment_client, "{ ... on Enrollment { id entryDate } }"),
        "CaseNote": (str(note.id), client_id, "{ ... on CaseNote { id text } }"),
    }
    for type_name, (key, owner, selection) in reads.items():
        document = f"query($id: ID!) {{ node(id: $id) {selection} }}"
        global_id = to_global_id(type_name, key)
        # when the holder reads it
        before = await _last_seq()
        await api.ok(document, {"id": global_id}, await world.token("worker"))
        # then the client's VIEW row names the client (none of its fields read) and lists it
        # with the fields read
        field = "entryDate" if type_name == "Enrollment" else "text"
        assert await _audit_after(before) == [
            ("VIEW", "Client", owner, uuid.UUID(owner), []),
            ("VIEW", type_name, key, uuid.UUID(owner), [field]),
        ]
        # when another agency's user asks for it: NOT_FOUND, and a DENIED row names it
        before = await _audit_after(0)
        body = await api.gql(document, {"id": global_id}, await world.token("worker_b"))
        assert _errors(body)[0][0] == "NOT_FOUND"
        after = await _audit_after(0)
        assert after[len(before) :] == [("DENIED", type_name, key, None, ["node"])]


async def test_a_refused_node_of_other_data_is_not_a_client_denial(api: Api) -> None:
    world = await build_world(api)
    before = await _last_seq()
    body = await api.gql(
        NODE % "Agency",
        {"id": to_global_id("Agency", str(uuid.uuid4()))},
        await world.token("worker"),
    )
    assert _errors(body)[0][0] == "NOT_FOUND"
    assert await _audit_after(before) == []
