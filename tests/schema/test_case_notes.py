"""Case notes under policy 404, over HTTP: a FULL user adds notes; no one edits or deletes one;
the agency's HMIS Data Coordinator asks for a deletion (client, date the note was written,
reason); only the System Administrator, never the requester, approves or denies; an approval
empties the text and leaves a tombstone saying who asked, who approved, why and when.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType

from bench.statement_log import log_statements
from models.case_notes import CaseNote, CaseNoteDeletionRequest
from models.clients import CanStaff
from models.enums import AccessLevel, DeletionRequestStatus, Duty, SystemRole
from models.governance import Agency, Can, ContinuumOfCare
from models.users import User
from schema import build_schema
from tests.factories import Api, make_agency, make_user

_NEW_YORK = ZoneInfo("America/New_York")  # Connecticut: where note dates are dates

CREATE_CLIENT = """
mutation($input: CreateClientInput!) { createClient(input: $input) { id } }"""
ADD_NOTE = """
mutation($input: AddCaseNoteInput!) {
  addCaseNote(input: $input) { id text createdAt deleted author agency { name } deletion { id } }
}"""
REQUEST = """
mutation($input: RequestCaseNoteDeletionInput!) {
  requestCaseNoteDeletion(input: $input) {
    id status reason requestedBy requestedAt decidedBy decidedAt clientId noteCreatedAt
  }
}"""
APPROVE = """
mutation($input: DecideCaseNoteDeletionInput!) {
  approveCaseNoteDeletion(input: $input) { id status decidedBy decidedAt decisionNote }
}"""
DENY = """
mutation($input: DecideCaseNoteDeletionInput!) {
  denyCaseNoteDeletion(input: $input) { id status decidedBy decidedAt decisionNote }
}"""
PENDING = """
query {
  caseNoteDeletionRequests(status: PENDING) { totalCount nodes { id reason requestedBy noteCreatedAt } }
}"""
NOTES = """
query($id: ID!) {
  client(id: $id) {
    caseNotes {
      id text deleted createdAt author
      deletion { status reason requestedBy requestedAt decidedBy decidedAt decisionNote }
    }
  }
}"""

# The only mutations that name case notes (policy 404: nothing edits or deletes one).
CASE_NOTE_MUTATIONS = {
    "addCaseNote",
    "requestCaseNoteDeletion",
    "approveCaseNoteDeletion",
    "denyCaseNoteDeletion",
}


@dataclass
class World:
    a: Agency
    b: Agency
    can: Can
    backbone: Agency
    worker: User  # FULL at A: writes the notes
    hdc: User  # A's HMIS Data Coordinator
    admin: User  # System Administrator


async def _world() -> World:
    coc = await ContinuumOfCare.get(code="CT-503")
    backbone = await make_agency("Backbone Agency")
    can = await Can.create(name="CAN North", coc=coc, backbone_agency=backbone)
    a = await make_agency("Agency A", can=can)
    b = await make_agency("Agency B", can=can)
    return World(
        a=a,
        b=b,
        can=can,
        backbone=backbone,
        worker=await make_user(agencies={a: AccessLevel.FULL}),
        hdc=await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR}),
        admin=await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)),
    )


async def _client(api: Api, token: str) -> str:
    today = api.clock.now().astimezone(_NEW_YORK).date()
    created = await api.ok(
        CREATE_CLIENT,
        {
            "input": {
                "firstName": "Rosa",
                "consent": {"kind": "WRITTEN", "takenOn": str(today)},
            }
        },
        token,
    )
    return created["createClient"]["id"]


async def _note(
    api: Api, token: str, client_id: str, text: str = "Met at intake."
) -> dict[str, Any]:
    return (await api.ok(ADD_NOTE, {"input": {"clientId": client_id, "text": text}}, token))[
        "addCaseNote"
    ]


def _request_input(client_id: str, on: date | str, **more: Any) -> dict[str, Any]:
    return {
        "input": {
            "clientId": client_id,
            "noteCreatedOn": str(on),
            "reason": "Written about the wrong client.",
            **more,
        }
    }


@dataclass
class Noted:
    world: World
    client_id: str
    note: dict[str, Any]
    on: date  # the New York date the note was written


async def _noted(api: Api) -> Noted:
    """A client of agency A with one note written today by A's FULL user."""
    world = await _world()
    token = await api.sign_in(world.worker)
    client_id = await _client(api, token)
    note = await _note(api, token, client_id)
    return Noted(world, client_id, note, api.clock.now().astimezone(_NEW_YORK).date())


async def _requested(api: Api) -> tuple[Noted, str, str]:
    """As ``_noted``, and A's HDC has asked for the note's deletion. Returns the request id and
    the HDC's token."""
    noted = await _noted(api)
    token = await api.sign_in(noted.world.hdc)
    request = (await api.ok(REQUEST, _request_input(noted.client_id, noted.on), token))[
        "requestCaseNoteDeletion"
    ]
    return noted, request["id"], token


async def _note_row(note_id: str) -> CaseNote:
    return await CaseNote.get(id=note_id)


async def _can_backbone_staff(world: World) -> User:
    user = await make_user(agencies={world.backbone: AccessLevel.FULL})
    await CanStaff.create(user=user, can=world.can, assigned_at=datetime(2026, 3, 1, tzinfo=UTC))
    from authz.enforcer import notify_change

    await notify_change()
    return user


# Everyone but A's HDC, as (how to make them, the code requestCaseNoteDeletion gets).
Maker = Callable[[World], Awaitable[User]]
NOT_THE_HDC: dict[str, tuple[Maker, str]] = {
    "FULL user of the agency": (lambda w: make_user(agencies={w.a: AccessLevel.FULL}), "FORBIDDEN"),
    "VIEW_ONLY user": (lambda w: make_user(agencies={w.a: AccessLevel.VIEW_ONLY}), "FORBIDDEN"),
    "REPORTING_ONLY user": (
        lambda w: make_user(agencies={w.a: AccessLevel.REPORTING_ONLY}),
        "FORBIDDEN",
    ),
    "Agency Security Coordinator": (
        lambda w: make_user(duties={w.a: Duty.AGENCY_SECURITY_COORDINATOR}),
        "FORBIDDEN",
    ),
    "System Administrator": (
        lambda w: make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)),
        "FORBIDDEN",
    ),
    "Security Officer": (lambda w: make_user(roles=(SystemRole.SECURITY_OFFICER,)), "FORBIDDEN"),
    "Lead Agency staff": (lambda w: make_user(roles=(SystemRole.LEAD_AGENCY,)), "FORBIDDEN"),
    "DSB member": (lambda w: make_user(roles=(SystemRole.DSB_MEMBER,)), "FORBIDDEN"),
    "vendor sync": (lambda w: make_user(roles=(SystemRole.VENDOR_SYNC,)), "FORBIDDEN"),
    "CAN backbone staff": (_can_backbone_staff, "FORBIDDEN"),
    # holds the duty, but its own agency has no such note: nothing to say the note exists
    "HDC of another agency": (
        lambda w: make_user(duties={w.b: Duty.HMIS_DATA_COORDINATOR}),
        "NOT_FOUND",
    ),
}
# Everyone but a System Administrator; all are refused by the permission itself.
NOT_THE_ADMINISTRATOR: dict[str, Maker] = {
    name: maker for name, (maker, _) in NOT_THE_HDC.items() if name != "System Administrator"
}


# --- the schema itself ----------------------------------------------------------------------------


def _unwrap(kind: Any) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def test_no_mutation_edits_or_deletes_a_note() -> None:
    # given the built schema's mutations
    mutation = build_schema()._schema.mutation_type
    assert mutation is not None

    # then only these four name case notes: add, and the deletion request and its decisions
    named = {name for name in mutation.fields if "casenote" in name.casefold()}
    assert named == CASE_NOTE_MUTATIONS
    # and only addCaseNote hands back a note: no mutation takes a note and returns it changed
    returning_a_note = {
        name
        for name, field in mutation.fields.items()
        if isinstance(_unwrap(field.type), GraphQLObjectType)
        and _unwrap(field.type).name == "CaseNote"
    }
    assert returning_a_note == {"addCaseNote"}


# --- adding notes ---------------------------------------------------------------------------------


async def test_a_full_user_adds_a_note_that_stays_as_written(api: Api) -> None:
    # given a FULL user of agency A and a client A holds
    world = await _world()
    token = await api.sign_in(world.worker)
    client_id = await _client(api, token)

    # when they add a note
    note = await _note(api, token, client_id, "  Met at intake; needs ID documents.  ")

    # then it is saved as written (trimmed), with its author, agency and time
    assert note["text"] == "Met at intake; needs ID documents."
    assert note["author"] == world.worker.username
    assert note["agency"]["name"] == "Agency A"
    assert note["createdAt"] == api.clock.now().isoformat()
    assert note["deleted"] is False
    assert note["deletion"] is None
    listed = (await api.ok(NOTES, {"id": client_id}, token))["client"]["caseNotes"]
    assert [n["id"] for n in listed] == [note["id"]]
    assert (await _note_row(note["id"])).text == "Met at intake; needs ID documents."


async def test_only_a_full_user_of_a_holding_agency_adds_notes(api: Api) -> None:
    # given a client of agency A
    world = await _world()
    client_id = await _client(api, await api.sign_in(world.worker))
    refused = {
        "VIEW_ONLY": (await make_user(agencies={world.a: AccessLevel.VIEW_ONLY}), "FORBIDDEN"),
        "REPORTING_ONLY": (
            await make_user(agencies={world.a: AccessLevel.REPORTING_ONLY}),
            "FORBIDDEN",
        ),
        "FULL at B, who cannot see the client": (
            await make_user(agencies={world.b: AccessLevel.FULL}),
            "NOT_FOUND",
        ),
        "System Administrator": (
            await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)),
            "FORBIDDEN",
        ),
    }

    for who, (user, code) in refused.items():
        # when someone else tries to add a note
        error = await api.error(
            ADD_NOTE, {"input": {"clientId": client_id, "text": "x"}}, await api.sign_in(user)
        )
        # then they are refused and nothing is written
        assert error["code"] == code, who
    assert await CaseNote.all().count() == 0


async def test_a_note_of_empty_or_oversized_text_is_refused(api: Api) -> None:
    world = await _world()
    token = await api.sign_in(world.worker)
    client_id = await _client(api, token)

    for text in ("   ", "x" * 20_001):
        error = await api.error(ADD_NOTE, {"input": {"clientId": client_id, "text": text}}, token)
        assert (error["code"], error["field"]) == ("VALIDATION", "text")
    assert await CaseNote.all().count() == 0


# --- requesting a deletion ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "code"), [(who, code) for who, (_, code) in NOT_THE_HDC.items()], ids=list(NOT_THE_HDC)
)
async def test_only_the_agencys_hdc_requests_a_deletion(api: Api, who: str, code: str) -> None:
    # given a note of agency A
    noted = await _noted(api)
    user = await NOT_THE_HDC[who][0](noted.world)

    # when anyone but A's HDC asks for its deletion
    error = await api.error(
        REQUEST, _request_input(noted.client_id, noted.on), await api.sign_in(user)
    )

    # then they are refused, and nothing is written
    assert error["code"] == code
    assert await CaseNoteDeletionRequest.all().count() == 0
    assert (await _note_row(noted.note["id"])).text == "Met at intake."


async def test_the_hdc_asks_and_the_system_administrator_approves(api: Api) -> None:
    # given a note, and A's HDC asking for its deletion
    noted = await _noted(api)
    hdc_token = await api.sign_in(noted.world.hdc)
    asked_at = api.clock.now()
    request = (await api.ok(REQUEST, _request_input(noted.client_id, noted.on), hdc_token))[
        "requestCaseNoteDeletion"
    ]
    assert request["status"] == "PENDING"
    assert request["requestedBy"] == noted.world.hdc.username
    assert request["requestedAt"] == asked_at.isoformat()
    assert request["clientId"] == noted.client_id
    assert request["noteCreatedAt"] == noted.note["createdAt"]
    assert request["decidedBy"] is None
    # the note is untouched while the request waits
    assert (await _note_row(noted.note["id"])).text == "Met at intake."

    # when the System Administrator finds it among the pending requests and approves it
    admin_token = await api.sign_in(noted.world.admin)
    pending = (await api.ok(PENDING, {}, admin_token))["caseNoteDeletionRequests"]
    assert [n["id"] for n in pending["nodes"]] == [request["id"]]
    # (the note's time too, though its client is not one the System Administrator may read)
    assert pending["nodes"][0]["noteCreatedAt"] == noted.note["createdAt"]
    decided_at = api.clock.now()
    approved = (
        await api.ok(
            APPROVE,
            {"input": {"requestId": request["id"], "note": "Confirmed with the HDC."}},
            admin_token,
        )
    )["approveCaseNoteDeletion"]

    # then the request is approved by them, now
    assert approved["status"] == "APPROVED"
    assert approved["decidedBy"] == noted.world.admin.username
    assert approved["decidedAt"] == decided_at.isoformat()
    assert approved["decisionNote"] == "Confirmed with the HDC."
    assert (await api.ok(PENDING, {}, admin_token))["caseNoteDeletionRequests"]["totalCount"] == 0
    # and the note's text is gone but the note stays, with its tombstone
    (listed,) = (
        await api.ok(NOTES, {"id": noted.client_id}, await api.sign_in(noted.world.worker))
    )["client"]["caseNotes"]
    assert listed["id"] == noted.note["id"]
    assert listed["text"] is None
    assert listed["deleted"] is True
    assert listed["createdAt"] == noted.note["createdAt"]
    assert listed["author"] == noted.world.worker.username
    assert listed["deletion"] == {
        "status": "APPROVED",
        "reason": "Written about the wrong client.",
        "requestedBy": noted.world.hdc.username,
        "requestedAt": asked_at.isoformat(),
        "decidedBy": noted.world.admin.username,
        "decidedAt": decided_at.isoformat(),
        "decisionNote": "Confirmed with the HDC.",
    }
    row = await _note_row(noted.note["id"])
    assert row.text is None
    assert row.deleted_at == decided_at
    # and a deleted note cannot be asked about again
    error = await api.error(REQUEST, _request_input(noted.client_id, noted.on), hdc_token)
    assert error["code"] == "NOT_FOUND"


async def test_a_denial_keeps_the_note_and_a_new_request_may_follow(api: Api) -> None:
    noted, request_id, hdc_token = await _requested(api)
    admin_token = await api.sign_in(noted.world.admin)

    denied = (
        await api.ok(DENY, {"input": {"requestId": request_id, "note": "Keep it."}}, admin_token)
    )["denyCaseNoteDeletion"]

    assert denied["status"] == "DENIED"
    assert denied["decidedBy"] == noted.world.admin.username
    (listed,) = (await api.ok(NOTES, {"id": noted.client_id}, hdc_token))["client"]["caseNotes"]
    assert (listed["text"], listed["deleted"], listed["deletion"]) == (
        "Met at intake.",
        False,
        None,
    )
    again = (await api.ok(REQUEST, _request_input(noted.client_id, noted.on), hdc_token))[
        "requestCaseNoteDeletion"
    ]
    assert again["status"] == "PENDING"
    assert again["id"] != request_id


# --- deciding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["A's HDC", *NOT_THE_ADMINISTRATOR])
async def test_only_the_system_administrator_decides(api: Api, who: str) -> None:
    # given a pending request
    noted, request_id, hdc_token = await _requested(api)
    if who == "A's HDC":
        token = hdc_token
    else:
        token = await api.sign_in(await NOT_THE_ADMINISTRATOR[who](noted.world))

    # when anyone but a System Administrator approves, denies or lists requests
    for document in (APPROVE, DENY):
        error = await api.error(document, {"input": {"requestId": request_id}}, token)
        # then they are refused
        assert error["code"] == "FORBIDDEN"
    assert (await api.error(PENDING, {}, token))["code"] == "FORBIDDEN"

    # and nothing changed
    request = await CaseNoteDeletionRequest.get(id=request_id)
    assert (request.status, request.decided_by_id) == (DeletionRequestStatus.PENDING, None)  # type: ignore[attr-defined]
    assert (await _note_row(noted.note["id"])).text == "Met at intake."


async def test_no_one_decides_their_own_request(api: Api) -> None:
    # given a System Administrator who is also agency B's HDC, and a note of B
    world = await _world()
    worker_b = await make_user(agencies={world.b: AccessLevel.FULL})
    worker_token = await api.sign_in(worker_b)
    client_id = await _client(api, worker_token)
    note = await _note(api, worker_token, client_id)
    both = await make_user(
        roles=(SystemRole.SYSTEM_ADMINISTRATOR,), duties={world.b: Duty.HMIS_DATA_COORDINATOR}
    )
    token = await api.sign_in(both)
    on = api.clock.now().astimezone(_NEW_YORK).date()
    request = (await api.ok(REQUEST, _request_input(client_id, on), token))[
        "requestCaseNoteDeletion"
    ]

    # when they try to approve or deny their own request
    for document in (APPROVE, DENY):
        error = await api.error(document, {"input": {"requestId": request["id"]}}, token)
        # then they are refused
        assert error["code"] == "FORBIDDEN"
    assert (
        await CaseNoteDeletionRequest.get(id=request["id"])
    ).status == DeletionRequestStatus.PENDING
    assert (await _note_row(note["id"])).text == "Met at intake."

    # and another System Administrator may
    approved = await api.ok(
        APPROVE, {"input": {"requestId": request["id"]}}, await api.sign_in(world.admin)
    )
    assert approved["approveCaseNoteDeletion"]["status"] == "APPROVED"


@pytest.mark.parametrize(
    ("first", "then"),
    [(APPROVE, APPROVE), (APPROVE, DENY), (DENY, APPROVE), (DENY, DENY)],
    ids=["approve-approve", "approve-deny", "deny-approve", "deny-deny"],
)
async def test_a_request_is_decided_once(api: Api, first: str, then: str) -> None:
    noted, request_id, _ = await _requested(api)
    admin_token = await api.sign_in(noted.world.admin)
    decided = await api.ok(first, {"input": {"requestId": request_id}}, admin_token)
    (outcome,) = decided.values()
    row_after_first = await _note_row(noted.note["id"])

    # when it is decided again, by another System Administrator too
    other = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    for token in (admin_token, other):
        error = await api.error(then, {"input": {"requestId": request_id}}, token)
        # then the second decision conflicts and the first stands
        assert error["code"] == "CONFLICT"
    request = await CaseNoteDeletionRequest.get(id=request_id)
    assert request.status.value == outcome["status"]
    row = await _note_row(noted.note["id"])
    assert (row.text, row.deleted_at) == (row_after_first.text, row_after_first.deleted_at)


async def test_deciding_an_unknown_request_is_not_found(api: Api) -> None:
    world = await _world()
    token = await api.sign_in(world.admin)
    error = await api.error(
        APPROVE, {"input": {"requestId": "00000000-0000-4000-8000-000000000000"}}, token
    )
    assert (error["code"], error["field"]) == ("NOT_FOUND", "requestId")


# --- which note -----------------------------------------------------------------------------------


async def test_several_notes_on_one_date_need_the_note_id(api: Api) -> None:
    # given two notes of A about one client, written the same day
    noted = await _noted(api)
    second = await _note(
        api, await api.sign_in(noted.world.worker), noted.client_id, "Second visit."
    )
    hdc_token = await api.sign_in(noted.world.hdc)

    # when the HDC names only the client and the date
    error = await api.error(REQUEST, _request_input(noted.client_id, noted.on), hdc_token)

    # then they must say which note, and nothing is written
    assert (error["code"], error["field"]) == ("VALIDATION", "noteId")
    assert await CaseNoteDeletionRequest.all().count() == 0

    # and with the note's id the request is for that note only
    request = (
        await api.ok(
            REQUEST, _request_input(noted.client_id, noted.on, noteId=second["id"]), hdc_token
        )
    )["requestCaseNoteDeletion"]
    assert str((await CaseNoteDeletionRequest.get(id=request["id"])).note_id) == second["id"]  # type: ignore[attr-defined]
    await api.ok(
        APPROVE, {"input": {"requestId": request["id"]}}, await api.sign_in(noted.world.admin)
    )
    texts = {
        n["id"]: n["text"]
        for n in (await api.ok(NOTES, {"id": noted.client_id}, hdc_token))["client"]["caseNotes"]
    }
    assert texts == {noted.note["id"]: "Met at intake.", second["id"]: None}


async def test_a_note_id_must_match_the_client_and_date(api: Api) -> None:
    noted = await _noted(api)
    hdc_token = await api.sign_in(noted.world.hdc)
    wrong_day = noted.on - timedelta(days=1)

    error = await api.error(
        REQUEST, _request_input(noted.client_id, wrong_day, noteId=noted.note["id"]), hdc_token
    )
    assert (error["code"], error["field"]) == ("NOT_FOUND", "noteCreatedOn")
    other_client = await _client(api, await api.sign_in(noted.world.worker))
    error = await api.error(
        REQUEST, _request_input(other_client, noted.on, noteId=noted.note["id"]), hdc_token
    )
    assert error["code"] == "NOT_FOUND"
    assert await CaseNoteDeletionRequest.all().count() == 0


async def test_a_reason_is_required(api: Api) -> None:
    noted = await _noted(api)
    hdc_token = await api.sign_in(noted.world.hdc)
    for reason in ("  ", "x" * 1001):
        variables = _request_input(noted.client_id, noted.on)
        variables["input"]["reason"] = reason
        error = await api.error(REQUEST, variables, hdc_token)
        assert (error["code"], error["field"]) == ("VALIDATION", "reason")
    assert await CaseNoteDeletionRequest.all().count() == 0


async def test_a_second_pending_request_for_a_note_conflicts(api: Api) -> None:
    noted, request_id, hdc_token = await _requested(api)

    error = await api.error(REQUEST, _request_input(noted.client_id, noted.on), hdc_token)

    assert error["code"] == "CONFLICT"
    assert [str(r.id) for r in await CaseNoteDeletionRequest.all()] == [request_id]


async def test_a_request_locks_the_note_so_two_at_once_make_one(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a note, and A's HDC
    noted = await _noted(api)
    hdc_token = await api.sign_in(noted.world.hdc)
    variables = _request_input(noted.client_id, noted.on)
    log = log_statements(monkeypatch)

    # when a request is made, the note row is locked before the pending check and the insert, so
    # a second request at the same moment waits and then sees the first
    _, statements = await log.during(api.ok(REQUEST, variables, hdc_token))
    locks = [
        i for i, sql in enumerate(statements) if 'FROM "case_note" ' in sql and "FOR UPDATE" in sql
    ]
    inserts = [
        i for i, sql in enumerate(statements) if 'INSERT INTO "case_note_deletion_request"' in sql
    ]
    assert locks, statements
    assert len(inserts) == 1
    assert locks[0] < inserts[0]

    # and two more at once (after a denial) make one request, the other conflicts
    admin_token = await api.sign_in(noted.world.admin)
    (pending,) = await CaseNoteDeletionRequest.filter(status=DeletionRequestStatus.PENDING)
    await api.ok(DENY, {"input": {"requestId": str(pending.id)}}, admin_token)
    bodies = await asyncio.gather(*(api.gql(REQUEST, variables, hdc_token) for _ in range(2)))
    codes = sorted(
        body["errors"][0]["extensions"]["code"] if body.get("errors") else "OK" for body in bodies
    )
    assert codes == ["CONFLICT", "OK"]
    assert await CaseNoteDeletionRequest.filter(status=DeletionRequestStatus.PENDING).count() == 1


# --- dates are Connecticut dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written_at", "dated"),
    [
        (datetime(2026, 3, 2, 2, 0, tzinfo=UTC), date(2026, 3, 1)),  # 21:00 EST the evening before
        (datetime(2026, 3, 2, 4, 59, 59, tzinfo=UTC), date(2026, 3, 1)),
        (datetime(2026, 3, 2, 5, 0, tzinfo=UTC), date(2026, 3, 2)),  # midnight EST
        (datetime(2026, 7, 1, 3, 59, tzinfo=UTC), date(2026, 6, 30)),  # 23:59 EDT
        (datetime(2026, 7, 1, 4, 0, tzinfo=UTC), date(2026, 7, 1)),  # midnight EDT
    ],
    ids=lambda v: v.isoformat(),
)
async def test_a_note_is_dated_in_new_york(api: Api, written_at: datetime, dated: date) -> None:
    # given a note written at `written_at` (UTC)
    world = await _world()
    api.clock.set(written_at - timedelta(seconds=30))
    token = await api.sign_in(world.worker)  # the clock is now `written_at`
    client_id = await _client(api, token)
    note = await _note(api, token, client_id)
    assert note["createdAt"] == written_at.isoformat()
    hdc_token = await api.sign_in(world.hdc)

    # when the HDC gives the UTC date where it differs, the note is not found
    if written_at.date() != dated:
        error = await api.error(REQUEST, _request_input(client_id, written_at.date()), hdc_token)
        assert error["code"] == "NOT_FOUND"
    # and the New York date finds it
    request = (await api.ok(REQUEST, _request_input(client_id, dated), hdc_token))[
        "requestCaseNoteDeletion"
    ]
    assert request["noteCreatedAt"] == written_at.isoformat()
