"""Every read and write of client data leaves an audit row (policy 207; DESIGN.md section 5)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bench.statement_log import log_statements
from models.audit import AuditEvent
from models.clients import Client
from models.enums import AccessLevel
from models.governance import Project
from services import audit as audit_service
from tests.factories import Api, make_agency, make_user

CREATE_CLIENT = """
mutation($input: CreateClientInput!) { createClient(input: $input) { id version firstName } }"""
UPDATE_CLIENT = """
mutation($id: ID!, $v: Int!) { updateClient(input: {id: $id, version: $v, lastName: "Lee"}) { id version } }"""
CREATE_ENROLLMENT = """
mutation($input: CreateEnrollmentInput!) { createEnrollment(input: $input) { id } }"""
ADD_NOTE = """
mutation($input: AddCaseNoteInput!) { addCaseNote(input: $input) { id } }"""
RECORD_RELEASE = """
mutation($input: RecordReleaseInput!) { recordRelease(input: $input) { id } }"""
SEARCH = """
query($name: String) { clients(search: {name: $name}, first: 50) { nodes { id firstName ssn } } }"""
READ_CLIENT = """
query($id: ID!) { client(id: $id) { id firstName dob ssn enrollments { id entryDate } caseNotes { id text } } }"""
READ_NAME = """query($id: ID!) { client(id: $id) { id firstName } }"""
TRAIL_READ_WITH = """
query($id: ID!) {
  client(id: $id) {
    auditTrail(kind: READS, first: 1) {
      nodes { action entityType fields readWith { entityType entityId fields } }
    }
  }
}"""
TRAIL = """
query($id: ID!, $kind: AuditTrailKind!) {
  client(id: $id) { id auditTrail(kind: $kind, first: 10) { totalCount nodes { action actor agency entityType fields viaReleaseId } } }
}"""


async def _world() -> dict:
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    project = await Project.create(
        agency=a,
        name="A Shelter",
        project_type=0,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )
    return {
        "a": a,
        "b": b,
        "project": project,
        "worker_a": await make_user(agencies={a: AccessLevel.FULL}),
        "viewer_a": await make_user(agencies={a: AccessLevel.VIEW_ONLY}),
        "reporter_a": await make_user(agencies={a: AccessLevel.REPORTING_ONLY}),
        "worker_b": await make_user(agencies={b: AccessLevel.FULL}),
    }


async def _client(api: Api, token: str, first_name: str = "Rosa") -> dict:
    today = api.clock.now().date()
    return (
        await api.ok(
            CREATE_CLIENT,
            {
                "input": {
                    "firstName": first_name,
                    "ssn": "123456789",
                    "ssnDataQuality": "FULL_SSN_REPORTED",
                    "dob": "1980-02-04",
                    "consent": {"kind": "WRITTEN", "takenOn": str(today)},
                }
            },
            token,
        )
    )["createClient"]


async def _rows(action: str | None = None) -> list[AuditEvent]:
    qs = AuditEvent.all() if action is None else AuditEvent.filter(action=action)
    return list(await qs.order_by("seq"))


async def test_a_search_reading_n_clients_writes_n_view_rows_and_one_search_row(api: Api) -> None:
    # given: three clients of agency A
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    ids = {(await _client(api, token, f"Rosa{i}"))["id"] for i in range(3)}
    viewer = await api.sign_in(w["viewer_a"])
    before = await AuditEvent.all().count()
    # when: a view-only user finds them
    nodes = (await api.ok(SEARCH, {"name": "rosa"}, viewer))["clients"]["nodes"]
    # then
    assert {n["id"] for n in nodes} == ids
    new = [r for r in await _rows() if r.seq > before]
    views = [r for r in new if r.action == "VIEW"]
    assert len(views) == 3
    assert {str(r.client_id) for r in views} == ids
    assert all(r.actor_id == w["viewer_a"].id and r.agency_id == w["a"].id for r in views)
    # the SSN was masked for a view-only user: it was not read
    assert all(r.fields_touched == ["firstName"] for r in views)
    searches = [r for r in new if r.action == "SEARCH"]
    assert [(s.entity_type, s.fields_touched, s.client_id) for s in searches] == [
        ("ClientSearch", ["name"], None)
    ]
    assert len(new) == 4
    assert all(r.request_id and r.operation == "clients" for r in new)


async def test_a_client_read_with_its_records_is_one_view_row_listing_them(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client(api, token)
    today = api.clock.now().date()
    enrollment = (
        await api.ok(
            CREATE_ENROLLMENT,
            {
                "input": {
                    "clientId": client["id"],
                    "projectId": str(w["project"].id),
                    "entryDate": str(today - timedelta(days=1)),
                    "relationshipToHoH": "SELF",
                }
            },
            token,
        )
    )["createEnrollment"]
    note = (
        await api.ok(
            ADD_NOTE, {"input": {"clientId": client["id"], "text": "Met at intake."}}, token
        )
    )["addCaseNote"]
    before = await AuditEvent.all().count()
    # when
    await api.ok(READ_CLIENT, {"id": client["id"]}, token)
    # then: exactly one VIEW row, for the client, with its fields returned, listing its
    # enrollment and its note, each with the fields returned (decision 189)
    new = [r for r in await _rows() if r.seq > before]
    assert [(r.action, r.entity_type, r.entity_id, str(r.client_id)) for r in new] == [
        ("VIEW", "Client", client["id"], client["id"])
    ]
    [row] = new
    assert row.fields_touched == ["caseNotes", "dob", "enrollments", "firstName", "ssn"]
    assert (row.read_types, row.read_ids, row.read_fields) == (
        ["Enrollment", "CaseNote"],
        [enrollment["id"], note["id"]],
        ["entryDate", "text"],
    )
    assert row.agency_id == w["a"].id
    assert row.release_id is None
    # and read back record by record, as the trail and the tests read any row
    assert [(e.entity_type, e.entity_id, e.fields) for e in audit_service.read_entries(row)] == [
        ("Client", client["id"], ("caseNotes", "dob", "enrollments", "firstName", "ssn")),
        ("Enrollment", enrollment["id"], ("entryDate",)),
        ("CaseNote", note["id"], ("text",)),
    ]
    # the client's trail shows the one entry, with the records read
    trail = (await api.ok(TRAIL_READ_WITH, {"id": client["id"]}, token))["client"]["auditTrail"]
    assert trail["nodes"][0] == {
        "action": "VIEW",
        "entityType": "Client",
        "fields": ["caseNotes", "dob", "enrollments", "firstName", "ssn"],
        "readWith": [
            {"entityType": "Enrollment", "entityId": enrollment["id"], "fields": ["entryDate"]},
            {"entityType": "CaseNote", "entityId": note["id"], "fields": ["text"]},
        ],
    }


async def _client_with_records(api: Api, w: dict, token: str, first_name: str) -> dict:
    client = await _client(api, token, first_name)
    today = api.clock.now().date()
    enrollment = await api.ok(
        CREATE_ENROLLMENT,
        {
            "input": {
                "clientId": client["id"],
                "projectId": str(w["project"].id),
                "entryDate": str(today - timedelta(days=1)),
                "relationshipToHoH": "SELF",
            }
        },
        token,
    )
    note = await api.ok(
        ADD_NOTE, {"input": {"clientId": client["id"], "text": "Met at intake."}}, token
    )
    return {
        **client,
        "enrollment": enrollment["createEnrollment"]["id"],
        "note": note["addCaseNote"]["id"],
    }


async def test_reads_of_two_clients_with_their_records_are_two_rows(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    first = await _client_with_records(api, w, token, "Rosa")
    second = await _client_with_records(api, w, token, "Rosalind")
    before = await AuditEvent.all().count()
    # when: one request reads both, with their records
    await api.ok(
        """query($a: ID!, $b: ID!) {
             a: client(id: $a) { id firstName enrollments { id entryDate } caseNotes { id text } }
             b: client(id: $b) { id dob caseNotes { id text createdAt } }
           }""",
        {"a": first["id"], "b": second["id"]},
        token,
    )
    # then: one VIEW row per client, each listing its own records only (in the order the
    # executor met them: the two clients' lists are loaded concurrently, so in either order)
    views = {
        r.entity_id: (
            r.fields_touched,
            sorted(zip(r.read_types, r.read_ids, r.read_fields, strict=True)),
        )
        for r in await _rows("VIEW")
        if r.seq > before
    }
    assert views == {
        first["id"]: (
            ["caseNotes", "enrollments", "firstName"],
            sorted(
                [
                    ("Enrollment", first["enrollment"], "entryDate"),
                    ("CaseNote", first["note"], "text"),
                ]
            ),
        ),
        second["id"]: (["caseNotes", "dob"], [("CaseNote", second["note"], "createdAt,text")]),
    }
    assert await AuditEvent.filter(seq__gt=before).count() == 2


async def test_a_masked_field_is_not_listed_on_the_clients_row(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client_with_records(api, w, token, "Rosa")
    viewer = await api.sign_in(w["viewer_a"])
    before = await AuditEvent.all().count()
    # when: a view-only user (the SSN masked) reads the client and its enrollments
    answer = await api.ok(
        "query($id: ID!) { client(id: $id) { id firstName ssn enrollments { id entryDate } } }",
        {"id": client["id"]},
        viewer,
    )
    # then the SSN came back null and is not named; the enrollment is listed
    assert answer["client"]["ssn"] is None
    [row] = [r for r in await _rows("VIEW") if r.seq > before]
    assert row.fields_touched == ["enrollments", "firstName"]
    assert (row.read_types, row.read_fields) == (["Enrollment"], ["entryDate"])


async def test_denied_and_search_rows_keep_their_shape(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client_with_records(api, w, token, "Rosa")
    other = await api.sign_in(w["worker_b"])
    before = await AuditEvent.all().count()
    # when: another agency's user asks for the client, then searches
    error = await api.error(READ_CLIENT, {"id": client["id"]}, other)
    await api.ok(SEARCH, {"name": "rosa"}, other)
    # then: a DENIED row naming the client and the refused field, a SEARCH row: no list
    assert error["code"] in ("NOT_FOUND", "FORBIDDEN")
    rows = [r for r in await _rows() if r.seq > before]
    assert [
        (r.action, r.entity_type, r.entity_id, r.fields_touched, r.read_types) for r in rows
    ] == [
        ("DENIED", "Client", client["id"], ["client"], None),
        ("SEARCH", "ClientSearch", None, ["name"], None),
    ]


async def test_writes_are_audited_and_their_answers_as_reads(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    # when
    client = await _client(api, token)
    await api.ok(UPDATE_CLIENT, {"id": client["id"], "v": client["version"]}, token)
    # then each change is audited in its transaction, and what each answer gave back as a read
    rows = await _rows()
    assert [(r.action, r.entity_type) for r in rows] == [
        ("CREATE", "Client"),
        ("CREATE", "ConsentToEnter"),
        ("VIEW", "Client"),
        ("UPDATE", "Client"),
        ("VIEW", "Client"),
    ]
    assert "firstName" in rows[0].fields_touched
    assert rows[2].fields_touched == ["firstName"]  # createClient { id version firstName }
    assert rows[3].fields_touched == ["lastName"]
    assert rows[4].fields_touched == []  # updateClient { id version }: nothing personal
    assert all(r.agency_id == w["a"].id and str(r.client_id) == client["id"] for r in rows)


async def test_a_mutation_that_answers_the_ssn_is_audited_as_reading_it(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client(api, token)
    before = await AuditEvent.all().count()
    # when the update's answer asks for the SSN
    answer = await api.ok(
        """mutation($id: ID!, $v: Int!) {
             updateClient(input: {id: $id, version: $v, lastName: "Lee"}) { id ssn }
           }""",
        {"id": client["id"], "v": client["version"]},
        token,
    )
    # then the read of the SSN is audited beside the change
    assert answer["updateClient"]["ssn"] == "123456789"
    rows = await AuditEvent.filter(seq__gt=before).order_by("seq")
    assert [(r.action, r.fields_touched) for r in rows] == [
        ("UPDATE", ["lastName"]),
        ("VIEW", ["ssn"]),
    ]


async def test_the_audit_keeps_hearths_request_id_and_the_callers_beside_it(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client(api, token)
    before = await AuditEvent.all().count()
    # when a caller sends its own request id
    response = await api.http.post(
        "/graphql",
        json={"query": READ_NAME, "variables": {"id": client["id"]}},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "front-end-7"},
    )
    # then the row names Hearth's id (the one sent back) and keeps the caller's beside it
    [row] = await AuditEvent.filter(seq__gt=before)
    assert row.request_id == response.headers["x-request-id"] != "front-end-7"
    assert row.caller_request_id == "front-end-7"


async def test_a_failed_mutation_writes_no_change_rows(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client(api, token)
    before = await AuditEvent.all().count()
    # when: a stale version
    error = await api.error(UPDATE_CLIENT, {"id": client["id"], "v": client["version"] + 5}, token)
    # then
    assert error["code"] == "CONFLICT"
    assert await AuditEvent.filter(seq__gt=before).count() == 0


async def test_the_change_and_its_audit_row_commit_together(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])

    async def broken(rows: object) -> None:
        raise RuntimeError("audit storage down")

    monkeypatch.setattr(audit_service, "append", broken)
    # when
    error = await api.error(
        CREATE_CLIENT,
        {
            "input": {
                "firstName": "Ann",
                "consent": {"kind": "WRITTEN", "takenOn": str(api.clock.now().date())},
            }
        },
        token,
    )
    # then: no client without its audit row
    assert error["code"] == "INTERNAL"
    assert await Client.all().count() == 0


async def test_a_read_whose_audit_write_fails_returns_an_error_and_no_data(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client(api, token)

    async def broken(rows: object) -> None:
        raise RuntimeError("audit storage down")

    monkeypatch.setattr(audit_service, "append", broken)
    body = await api.gql(READ_NAME, {"id": client["id"]}, token)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL"]
    assert "Rosa" not in str(body)


async def test_denied_attempts_are_audited_in_their_own_transaction(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client(api, token)
    before = await AuditEvent.all().count()
    # when: agency B (no release) and a reporting-only user try
    assert (await api.error(READ_NAME, {"id": client["id"]}, await api.sign_in(w["worker_b"])))[
        "code"
    ] == "NOT_FOUND"
    aliased = """query($id: ID!) { hidden: client(id: $id) { id } }"""
    assert (await api.error(aliased, {"id": client["id"]}, await api.sign_in(w["reporter_a"])))[
        "code"
    ] == "FORBIDDEN"
    viewer = await api.sign_in(w["viewer_a"])
    assert (await api.error(UPDATE_CLIENT, {"id": client["id"], "v": 1}, viewer))[
        "code"
    ] == "FORBIDDEN"
    # then
    denied = [r for r in await _rows("DENIED") if r.seq > before]
    assert [(r.actor_id, str(r.client_id), r.fields_touched) for r in denied] == [
        (w["worker_b"].id, client["id"], ["client"]),
        (w["reporter_a"].id, client["id"], ["client"]),
        (w["viewer_a"].id, client["id"], ["updateClient"]),
    ]
    assert await AuditEvent.filter(seq__gt=before, action__in=["VIEW", "UPDATE"]).count() == 0


async def test_a_cross_agency_read_records_the_release_that_allowed_it(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client(api, token)
    today = api.clock.now().date()
    release = (
        await api.ok(
            RECORD_RELEASE,
            {
                "input": {
                    "clientId": client["id"],
                    "scope": "AGENCIES",
                    "agencyIds": [str(w["b"].id)],
                    "categories": ["IDENTIFYING"],
                    "startsOn": str(today),
                    "expiresOn": str(today + timedelta(days=30)),
                    "kind": "WRITTEN",
                }
            },
            token,
        )
    )["recordRelease"]
    before = await AuditEvent.all().count()
    # when
    token_b = await api.sign_in(w["worker_b"])
    await api.ok(READ_NAME, {"id": client["id"]}, token_b)
    await api.ok(READ_NAME, {"id": client["id"]}, token)
    # then: B's read names the release; A's own read needs none
    views = await AuditEvent.filter(seq__gt=before, action="VIEW").order_by("seq")
    assert [
        (r.actor_id, r.agency_id, str(r.release_id) if r.release_id else None) for r in views
    ] == [
        (w["worker_b"].id, w["b"].id, release["id"]),
        (w["worker_a"].id, w["a"].id, None),
    ]


async def test_the_client_history_lists_changes_and_reads_separately(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client(api, token)
    await api.ok(UPDATE_CLIENT, {"id": client["id"], "v": client["version"]}, token)
    viewer = await api.sign_in(w["viewer_a"])
    await api.ok(READ_NAME, {"id": client["id"]}, viewer)
    # when
    changes = (await api.ok(TRAIL, {"id": client["id"], "kind": "CHANGES"}, viewer))["client"][
        "auditTrail"
    ]
    reads = (await api.ok(TRAIL, {"id": client["id"], "kind": "READS"}, viewer))["client"][
        "auditTrail"
    ]
    # then: who added and edited what, newest first
    assert [(n["action"], n["entityType"], n["actor"], n["agency"]) for n in changes["nodes"]] == [
        ("UPDATE", "Client", w["worker_a"].username, "Agency A"),
        ("CREATE", "ConsentToEnter", w["worker_a"].username, "Agency A"),
        ("CREATE", "Client", w["worker_a"].username, "Agency A"),
    ]
    assert changes["nodes"][0]["fields"] == ["lastName"]
    assert ("VIEW", w["viewer_a"].username) in [(n["action"], n["actor"]) for n in reads["nodes"]]
    assert all(n["action"] in ("VIEW", "SEARCH", "EXPORT") for n in reads["nodes"])
    # and someone who may not see the client sees no history either
    token_b = await api.sign_in(w["worker_b"])
    assert (await api.error(TRAIL, {"id": client["id"], "kind": "CHANGES"}, token_b))[
        "code"
    ] == "NOT_FOUND"


async def test_a_record_export_is_audited_as_export(api: Api) -> None:
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client(api, token)
    before = await AuditEvent.all().count()
    export = """query($id: ID!) { clientRecordExport(clientId: $id) }"""
    await api.ok(export, {"id": client["id"]}, token)
    rows = [r for r in await _rows() if r.seq > before]
    assert [(r.action, r.entity_type, str(r.client_id), r.agency_id) for r in rows] == [
        ("EXPORT", "Client", client["id"], w["a"].id)
    ]


async def test_requests_finishing_together_each_leave_their_own_row_in_fewer_inserts(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # decision 209: the read audit of requests finishing at the same moment goes in one INSERT
    w = await _world()
    token = await api.sign_in(w["worker_a"])
    client = await _client_with_records(api, w, token, "Rosa")
    alone_before = await AuditEvent.all().count()
    await api.ok(READ_CLIENT, {"id": client["id"]}, token)
    (alone,) = [r for r in await _rows("VIEW") if r.seq > alone_before]
    before = await AuditEvent.all().count()
    append, held = audit_service.append, [True]

    async def first_held_until_the_others_wait(rows: list[audit_service.AuditRow]) -> None:
        # the first request's INSERT stays in flight until the five others have finished
        # executing (and so wait in line): the moment the grouping is for, made certain
        if held.pop() if held else False:
            for _ in range(100_000):
                if sum(len(w.waiting) for w in audit_service._writers.values()) >= 5:
                    break
                await asyncio.sleep(0)
        await append(rows)

    monkeypatch.setattr(audit_service, "append", first_held_until_the_others_wait)
    log = log_statements(monkeypatch)
    _, statements = await log.during(
        asyncio.gather(*(api.ok(READ_CLIENT, {"id": client["id"]}, token) for _ in range(6)))
    )
    inserts = [sql for sql in statements if sql.startswith("INSERT INTO audit_event")]
    assert len(inserts) == 2  # the first request's, then the five others' together
    views = [r for r in await _rows("VIEW") if r.seq > before]
    # one row per request, each its own, each what the request alone wrote
    assert len({r.request_id for r in views}) == len(views) == 6
    for row in views:
        assert (
            row.entity_id,
            row.fields_touched,
            row.read_types,
            row.read_ids,
            row.read_fields,
        ) == (
            alone.entity_id,
            alone.fields_touched,
            alone.read_types,
            alone.read_ids,
            alone.read_fields,
        )
