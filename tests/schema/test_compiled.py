"""The compiled path (``schema.compiled``, decision 208) answers a client's record with the same
data, errors and audit rows as graphql-core's execution, for every role: the caller's own
agency at each access level, a recipient of every category, a recipient of some, CAN backbone
staff, a stranger, a user not yet trained, no token; with another agency's sentinel records on
the same client. Each request is made twice on the same server: once as served, once with the
compiled path switched off (no plan: graphql-core executes), and both answers and both sets of
audit rows must be equal. The compiled path must also have been taken wherever it can answer,
so that the comparison is not between two runs of the ordinary path."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

import schema.compiled as compiled
from authz.clients import row_security
from bench.workload import RECORD  # the benchmark's record, by variable
from models.audit import AuditEvent
from models.case_notes import CaseNote
from models.enrollments import Enrollment
from models.enums import AccessLevel, ConsentKind, ReleaseCategory, ReleaseScope
from models.governance import Agency, Project
from models.releases import Release, ReleaseRecipient
from tests.factories import Api, make_agency, make_user
from tests.schema.test_audit_paths import _audit
from tests.schema.test_client_statements import NOW, TODAY, _world

SENTINEL = "SENTINEL-AGENCY-E"

# Aliases, a literal id, an enrollment's HEALTH elements (masked per row), timestamps and enums.
ALIASED = """query Named {
  person: client(id: "%s") {
    hmis: id lastName ssnLastFour dob nameDataQuality veteranStatus updatedAt deidentifiedAt
    stays: enrollments { entryDate currentPregnant mentalHealthConsultation disabledHoH id }
    notes: caseNotes { text createdAt }
    releases { expiresOn scope }
  }
}"""
# Two operations, the one asked for by name.
TWO = """query Other { me { __typename } }
query Chosen($id: ID!) { client(id: $id) { id lastName caseNotes { text } } }"""
# The paged lists (not deprecated): a page of one enrollment by variable, the notes' first page.
PAGED = """query($id: ID!, $n: Int) {
  client(id: $id) {
    id
    enrollmentsConnection(first: $n) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { id entryDate currentPregnant }
    }
    notes: caseNotesConnection { totalCount nodes { text createdAt } }
  }
}"""
# A page after a cursor that is not an item of the list, and a page too large: refused.
BAD_CURSOR = """query($id: ID!) {
  client(id: $id) { enrollmentsConnection(after: "bm90LWEtY3Vyc29y") { nodes { id } } }
}"""
TOO_LARGE = """query($id: ID!) {
  client(id: $id) { caseNotesConnection(first: 101) { nodes { id } } }
}"""
# Fragments as code generators write them, and a key asked twice with its selections merged.
FRAGMENT = """query($id: ID!) { client(id: $id) { ...F } } fragment F on Client { id lastName }"""
MERGED = """query($id: ID!) {
  client(id: $id) {
    id
    ... on Client { lastName enrollments { id } }
    ... on Client { id }
    ...Stays
    caseNotesConnection(first: 2) { nodes { text } }
    caseNotesConnection(first: 2) { totalCount nodes { createdAt } }
  }
}
fragment Stays on Client { enrollments { entryDate ...Health } }
fragment Health on Enrollment { currentPregnant }"""
# Shapes the plan does not take: the ordinary path answers (the same).
INCLUDE = """query($id: ID!, $yes: Boolean = true) {
  client(id: $id) { id lastName @include(if: $yes) }
}"""
ACCESS = """query($id: ID!) { client(id: $id) { id access { canEdit sharedCategories } } }"""

ROLES = (
    "holder",
    "view_only",
    "reporting_only",
    "recipient",
    "partial",
    "backbone",
    "stranger",
    "untrained",
    "anonymous",
)
# Roles that may read the client's record: the compiled path answers them.
READERS = frozenset({"holder", "view_only", "recipient", "partial", "backbone"})


class _Spy:
    """Counts the plans that answered."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answered = 0
        self.off = False
        run, plan_for = compiled.run, compiled._plan_for

        async def counted(*args: Any, **kwargs: Any) -> Any:
            data = await run(*args, **kwargs)
            self.answered += 1
            return data

        def planned(*args: Any, **kwargs: Any) -> Any:
            return None if self.off else plan_for(*args, **kwargs)

        monkeypatch.setattr(compiled, "run", counted)
        monkeypatch.setattr(compiled, "_plan_for", planned)

    @contextlib.contextmanager
    def ordinary(self) -> Iterator[None]:
        """Requests made meanwhile find no plan: graphql-core executes them."""
        self.off = True
        try:
            yield
        finally:
            self.off = False


def _rows(rows: list[AuditEvent]) -> list[tuple[Any, ...]]:
    """The audit rows as written (each row, its fields and the records it lists, in any order)
    and as records read (``tests.audit_rows``)."""
    written = sorted(
        (
            r.action,
            r.entity_type,
            r.entity_id,
            str(r.client_id),
            str(r.agency_id),
            str(r.release_id),
            r.operation,
            str(r.actor_id),
            tuple(sorted(r.fields_touched)),
            tuple(sorted(r.read_fields or ())),
        )
        for r in rows
    )
    return [*written, ("--",), *_audit(rows)]


async def _answer(
    api: Api, query: str, variables: dict[str, Any] | None, token: str | None, name: str | None
) -> tuple[Any, int, list[tuple[Any, ...]]]:
    before = await AuditEvent.all().order_by("-seq").first()
    payload: dict[str, Any] = {"query": query, "variables": variables or {}}
    if name is not None:
        payload["operationName"] = name
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await api.http.post("/graphql", json=payload, headers=headers)
    rows = await AuditEvent.filter(seq__gt=before.seq if before else 0).order_by("seq")
    return response.json(), response.status_code, _rows(rows)


async def _world_with_sentinels() -> tuple[dict[str, Any], str]:
    """``_world``'s clients of agency A, read by each role; on the first client, agency E (of the
    same CAN) wrote an enrollment and a note of its own (sentinels nobody but E and the CAN's
    backbone, for the enrollment, may read), agency C received a release of IDENTIFYING and
    ENROLLMENT_AND_SERVICES only (no HEALTH: the enrollments' HEALTH elements are masked for
    it), and every enrollment has HEALTH elements."""
    world = await _world(2)
    a = await Agency.get(name="Agency A").prefetch_related("can")
    first = await Enrollment.filter(agency=a).order_by("entry_date", "id").first()
    assert first is not None
    client_id = str(first.client_id)
    c = await make_agency("Agency C")
    d = await make_agency("Agency D")
    e = await make_agency("Agency E", can=a.can)
    users: dict[str, Any] = {
        "holder": world.holder,
        "recipient": world.recipient,
        "backbone": world.backbone,
        "view_only": await make_user(agencies={a: AccessLevel.VIEW_ONLY}),
        "reporting_only": await make_user(agencies={a: AccessLevel.REPORTING_ONLY}),
        "partial": await make_user(agencies={c: AccessLevel.FULL}),
        "stranger": await make_user(agencies={d: AccessLevel.FULL}),
        "untrained": await make_user(agencies={a: AccessLevel.FULL}, trained=False),
    }
    release = await Release.create(
        client_id=client_id,
        releasing_agency=a,
        scope=ReleaseScope.AGENCIES,
        categories=[
            ReleaseCategory.IDENTIFYING.value,
            ReleaseCategory.ENROLLMENT_AND_SERVICES.value,
        ],
        starts_on=TODAY - timedelta(days=1),
        expires_on=TODAY + timedelta(days=30),
        kind=ConsentKind.WRITTEN,
        recorded_by=world.holder,
        recorded_at=NOW,
    )
    await ReleaseRecipient.create(release=release, agency=c)
    await Enrollment.filter(agency=a).update(
        current_pregnant=1, mental_health_consultation=1, disabled_hoh=0
    )
    project = await Project.create(
        agency=e,
        name="E Project",
        project_type=1,
        operating_start_date=TODAY - timedelta(days=400),
        coc_code="CT-503",
    )
    author = await make_user(agencies={e: AccessLevel.FULL})
    await Enrollment.create(
        client_id=client_id,
        project=project,
        agency=e,
        entry_date=TODAY - timedelta(days=3),
        household_id=SENTINEL,
        relationship_to_hoh=1,
        current_pregnant=1,
        created_by_user=author,
        created_at=NOW,
        updated_at=NOW,
    )
    await CaseNote.create(
        client_id=client_id, agency=e, author=author, created_at=NOW, text=SENTINEL
    )
    return users, client_id


@pytest.fixture
async def world(api: Api) -> tuple[dict[str, str | None], str]:
    users, client_id = await _world_with_sentinels()
    # a user not yet trained signs in, and is refused by the permission
    tokens: dict[str, str | None] = {"anonymous": None}
    for role, user in users.items():
        tokens[role] = await api.sign_in(user)
    return tokens, client_id


def _requests(client_id: str) -> list[tuple[str, str, dict[str, Any] | None, str | None]]:
    return [
        ("record", RECORD, {"id": client_id}, None),
        ("aliased", ALIASED % client_id, None, None),
        ("two operations", TWO, {"id": client_id}, "Chosen"),
        ("fragment", FRAGMENT, {"id": client_id}, None),
        ("fragments merged", MERGED, {"id": client_id}, None),
        ("a directive", INCLUDE, {"id": client_id}, None),
        ("access", ACCESS, {"id": client_id}, None),
        ("no such client", RECORD, {"id": "00000000-0000-4000-8000-000000000000"}, None),
        ("not an id", RECORD, {"id": "not-an-id"}, None),
        ("an Int id", RECORD, {"id": 12}, None),
        ("no id", RECORD, {}, None),
        ("paged", PAGED, {"id": client_id, "n": 1}, None),
        ("paged, every row", PAGED, {"id": client_id}, None),
        ("a cursor not on the list", BAD_CURSOR, {"id": client_id}, None),
        ("a page too large", TOO_LARGE, {"id": client_id}, None),
        ("a variable that does not coerce", PAGED, {"id": client_id, "n": "one"}, None),
    ]


def _outcomes() -> dict[str, float]:
    return {
        outcome: REGISTRY.get_sample_value("hearth_compiled_reads_total", {"outcome": outcome})
        or 0.0
        for outcome in ("answered", "gave_up", "error")
    }


def _database_wall_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """Row-level security lets every row through (the system's settings for every caller): what
    a request reads is then filtered by the application's walls alone, on both paths."""
    monkeypatch.setattr(row_security, "settings_for", lambda scope: row_security.SYSTEM)


@pytest.mark.parametrize("walls", ["every wall", "application walls alone"])
@pytest.mark.parametrize("role", ROLES)
async def test_the_compiled_path_answers_and_audits_like_graphql_core(
    api: Api,
    world: tuple[dict[str, str | None], str],
    monkeypatch: pytest.MonkeyPatch,
    role: str,
    walls: str,
) -> None:
    # given a client with records of two agencies, and a caller of this role (with the database's
    # row security on, or letting everything through so that the plan's own filter is proven)
    tokens, client_id = world
    spy = _Spy(monkeypatch)
    if walls == "application walls alone":
        _database_wall_open(monkeypatch)

    for label, query, variables, name in _requests(client_id):
        # when the request is answered as served, then with the compiled path off
        answered = spy.answered
        counted = _outcomes()
        served = await _answer(api, query, variables, tokens[role], name)
        took_plan = spy.answered > answered
        # (the metrics count each plan's outcome; no plan meets an unexpected failure)
        outcomes = {k: v - counted[k] for k, v in _outcomes().items()}
        assert outcomes["error"] == 0, (label, role)
        assert outcomes["answered"] == int(took_plan), (label, role)
        with spy.ordinary():
            ordinary = await _answer(api, query, variables, tokens[role], name)

        # then the answer, its status and the audit rows are the same
        assert served == ordinary, (label, role)
        # and the plan answered every request of its shape the role may make
        compilable = label in (
            "record",
            "aliased",
            "two operations",
            "paged",
            "paged, every row",
            "fragment",
            "fragments merged",
        )
        assert took_plan == (compilable and role in READERS), (label, role)
        body = served[0]
        if took_plan:
            assert "errors" not in body
            client = next(iter(body["data"].values()))
            assert client is not None
            text = str(body)
            assert SENTINEL not in text or role == "backbone", (label, role)
            assert served[2], "a read leaves audit rows"


async def test_the_plan_masks_what_the_role_may_not_see(
    api: Api, world: tuple[dict[str, str | None], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the client's record asked for by a full recipient, a partial one and the backbone
    tokens, client_id = world
    spy = _Spy(monkeypatch)
    query = ALIASED % client_id

    answers = {
        role: (await _answer(api, query, None, tokens[role], None))[0]["data"]["person"]
        for role in ("holder", "partial", "backbone")
    }

    # then the plan answered, and masked as the policy says: C sees A's enrollments without their
    # HEALTH elements and no case notes (not released to it); the backbone sees E's enrollment
    # (same CAN) but no case note; the holder sees A's everything and nothing of E's
    assert spy.answered == 3
    holder, partial, backbone = answers["holder"], answers["partial"], answers["backbone"]
    assert holder["lastName"] == "Smith"
    assert partial["lastName"] == "Smith"
    assert {s["currentPregnant"] for s in holder["stays"]} == {"YES"}
    assert len(partial["stays"]) == len(holder["stays"]) == 2
    assert {s["currentPregnant"] for s in partial["stays"]} == {None}
    assert {s["mentalHealthConsultation"] for s in partial["stays"]} == {None}
    assert partial["notes"] == []
    assert len(holder["notes"]) == 3
    assert SENTINEL not in str(holder)
    assert len(backbone["stays"]) == 3
    assert backbone["notes"] == []


@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_generated_selections_are_answered_alike_by_both_paths(
    api: Api, state: dict[str, Any], monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    if "tokens" not in state:
        users, client_id = await _world_with_sentinels()
        state["tokens"] = {role: await api.sign_in(u) for role, u in users.items()}
        state["client"] = client_id
        state["spy"] = _Spy(monkeypatch)
    spy: _Spy = state["spy"]
    role = data.draw(st.sampled_from(sorted(state["tokens"])), label="role")
    query = data.draw(_selections(), label="query")
    variables = {"id": state["client"]}

    answered = spy.answered
    served = await _answer(api, query, variables, state["tokens"][role], None)
    took_plan = spy.answered > answered
    with spy.ordinary():
        ordinary = await _answer(api, query, variables, state["tokens"][role], None)

    assert served == ordinary, (role, query)
    if "errors" not in served[0]:
        assert took_plan == (role in READERS), (role, query)


@pytest.fixture
def state() -> dict[str, Any]:
    return {}


_CLIENT_FIELDS = (
    "id firstName middleName lastName nameSuffix dob ssnLastFour veteranStatus phone email city "
    "state zipCode version createdAt updatedAt deidentifiedAt nameDataQuality dobDataQuality"
).split()
_LIST_FIELDS = {
    "enrollments": "id entryDate relationshipToHoH disablingCondition householdId createdAt "
    "currentPregnant mentalHealthConsultation disabledHoH moveInDate".split(),
    "caseNotes": "id createdAt text".split(),
    "releases": "id scope startsOn expiresOn kind recordedAt revokedAt evidenceReference".split(),
}


@st.composite
def _selections(draw: Any) -> str:
    """A ``client(id:)`` operation of the compiled path's shape: some of the client's fields,
    lists and pages of lists, some aliased."""

    def field(name: str, index: int) -> str:
        return f"a{index}: {name}" if draw(st.booleans()) else name

    chosen = draw(st.lists(st.sampled_from(_CLIENT_FIELDS), unique=True, max_size=6))
    parts = [field(name, i) for i, name in enumerate(chosen)]
    for name, leaves in _LIST_FIELDS.items():
        if draw(st.booleans()):
            picked = draw(st.lists(st.sampled_from(leaves), unique=True, min_size=1, max_size=5))
            inner = " ".join(field(leaf, 100 + i) for i, leaf in enumerate(picked))
            parts.append(f"{field(name, 50 + len(parts))} {{ {inner} }}")
    for name, leaves in (
        ("enrollmentsConnection", _LIST_FIELDS["enrollments"]),
        ("caseNotesConnection", _LIST_FIELDS["caseNotes"]),
    ):
        if draw(st.booleans()):
            first = draw(st.sampled_from(["", "(first: 0)", "(first: 1)", "(first: 2)"]))
            picked = draw(st.lists(st.sampled_from(leaves), unique=True, min_size=1, max_size=4))
            inner = " ".join(field(leaf, 100 + i) for i, leaf in enumerate(picked))
            info = draw(st.lists(st.sampled_from(_PAGE_INFO), unique=True, min_size=1))
            extras = [f"nodes {{ {inner} }}", f"pageInfo {{ {' '.join(info)} }}", "totalCount"]
            chosen_extras = draw(
                st.lists(st.sampled_from(extras), unique=True, min_size=1, max_size=3)
            )
            parts.append(f"{field(name, 70 + len(parts))}{first} {{ {' '.join(chosen_extras)} }}")
    if not parts:
        parts = ["id"]
    if draw(st.booleans()):  # part of it in an inline fragment, and the id asked twice
        cut = draw(st.integers(min_value=0, max_value=len(parts)))
        parts = [*parts[:cut], "... on Client { id " + " ".join(parts[cut:]) + " }", "id"]
    return "query($id: ID!) { client(id: $id) { " + " ".join(parts) + " } }"


_PAGE_INFO = ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")
