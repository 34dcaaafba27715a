"""A project's roster on a date and households: who is on it (HUD's nights: the exit date is
not a night), only what the client-data policy shows (a hidden member leaves no trace, not even
in a count), keyset pages, NOT_FOUND audited as DENIED, reads audited per client, and a constant
number of statements for any page size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from bench.statement_log import StatementLog, log_statements
from models.audit import AuditEvent
from models.clients import Client, ConsentToEnter
from models.enrollments import Enrollment, Exit
from models.enums import AccessLevel, AuditAction, ConsentKind
from models.governance import Agency, Project
from models.users import User
from tests.audit_rows import records
from tests.factories import Api, make_agency, make_user
from tests.schema.writes_support import make_project

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
DAY = date(2026, 2, 20)

ROSTER = """
query($projectId: ID!, $on: Date, $head: Boolean, $first: Int!, $after: String) {
  projectRoster(projectId: $projectId, on: $on, headOfHousehold: $head, first: $first,
                after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes {
      id householdId relationshipToHoH entryDate exit { exitDate }
      client { id firstName }
      household { householdId head { id } members { id relationshipToHoH client { firstName } } }
    }
  }
}"""
HOUSEHOLD = """
query($projectId: ID!, $householdId: String!) {
  household(projectId: $projectId, householdId: $householdId) {
    householdId project { id }
    head { client { firstName } }
    members { relationshipToHoH client { firstName } exit { exitDate } }
  }
}"""


@pytest.fixture
async def statements(app: object, monkeypatch: pytest.MonkeyPatch) -> StatementLog:
    return log_statements(monkeypatch)


@dataclass
class World:
    a: Agency
    b: Agency
    project: Project
    other_project: Project
    holder: User  # FULL at A
    outsider: User  # FULL at B


async def _world() -> World:
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    return World(
        a=a,
        b=b,
        project=await make_project(a, "Shelter"),
        other_project=await make_project(a, "Other"),
        holder=await make_user(agencies={a: AccessLevel.FULL}),
        outsider=await make_user(agencies={b: AccessLevel.FULL}),
    )


async def _person(w: World, name: str, consent_at: Agency | None = None) -> Client:
    """A client whose consent ``consent_at`` holds (default: A)."""
    agency = consent_at or w.a
    client = await Client.create(
        first_name=name,
        last_name="Smith",
        name_data_quality=1,
        created_by_agency=agency,
        created_by_user=w.holder,
        last_activity_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    await ConsentToEnter.create(
        client=client,
        agency=agency,
        kind=ConsentKind.WRITTEN,
        taken_by=w.holder,
        taken_on=DAY - timedelta(days=60),
        recorded_at=NOW,
    )
    return client


async def _enroll(
    w: World,
    client: Client,
    household: str,
    *,
    head: bool = True,
    entry: date = DAY - timedelta(days=5),
    exit_on: date | None = None,
    project: Project | None = None,
) -> Enrollment:
    enrollment = await Enrollment.create(
        client=client,
        project=project or w.project,
        agency=w.a,
        entry_date=entry,
        household_id=household,
        relationship_to_hoh=1 if head else 2,
        created_by_user=w.holder,
        created_at=NOW,
        updated_at=NOW,
    )
    if exit_on is not None:
        await Exit.create(
            enrollment=enrollment,
            exit_date=exit_on,
            destination=116,
            created_by_user=w.holder,
            created_at=NOW,
        )
    return enrollment


async def _roster(api: Api, token: str, w: World, **variables: object) -> dict[str, object]:
    values = {"projectId": str(w.project.id), "on": str(DAY), "first": 50, **variables}
    return (await api.ok(ROSTER, values, token))["projectRoster"]


async def test_the_roster_of_a_date_follows_hud_nights_and_groups_households(api: Api) -> None:
    # given a household of two (head and child), people who left before, on and after the date,
    # one who came after it, and one at another project
    w = await _world()
    head, child = await _person(w, "Head"), await _person(w, "Child")
    await _enroll(w, head, "h1")
    await _enroll(w, child, "h1", head=False, entry=DAY)
    await _enroll(w, await _person(w, "LeftBefore"), "h2", exit_on=DAY - timedelta(days=1))
    await _enroll(w, await _person(w, "LeftOnTheDay"), "h3", exit_on=DAY)
    await _enroll(w, await _person(w, "LeavesAfter"), "h4", exit_on=DAY + timedelta(days=1))
    await _enroll(w, await _person(w, "CameLater"), "h5", entry=DAY + timedelta(days=1))
    await _enroll(w, await _person(w, "Elsewhere"), "h6", project=w.other_project)
    token = await api.sign_in(w.holder)

    # when the project's roster of that date is read
    roster = await _roster(api, token, w)

    # then those open that night, households together, the head first
    names = [n["client"]["firstName"] for n in roster["nodes"]]  # type: ignore[index]
    assert names == ["Head", "Child", "LeavesAfter"]
    assert roster["totalCount"] == 3
    first = roster["nodes"][0]  # type: ignore[index]
    assert [m["client"]["firstName"] for m in first["household"]["members"]] == ["Head", "Child"]
    assert first["household"]["head"]["id"] == first["id"]
    # and the head-of-household filter keeps heads, or the others
    heads = await _roster(api, token, w, head=True)
    assert [n["client"]["firstName"] for n in heads["nodes"]] == ["Head", "LeavesAfter"]  # type: ignore[index]
    others = await _roster(api, token, w, head=False)
    assert [n["client"]["firstName"] for n in others["nodes"]] == ["Child"]  # type: ignore[index]
    # and without a date, today's (the frozen clock's) roster
    today = (await api.ok(ROSTER, {"projectId": str(w.project.id), "first": 50}, token))[
        "projectRoster"
    ]
    assert [n["client"]["firstName"] for n in today["nodes"]] == ["Head", "Child", "CameLater"]


async def test_a_member_the_caller_may_not_see_leaves_no_trace(api: Api) -> None:
    # given a household whose second member's consent only agency B holds
    w = await _world()
    await _enroll(w, await _person(w, "Head"), "h1")
    hidden = await _person(w, "Hidden", consent_at=w.b)
    await _enroll(w, hidden, "h1", head=False)
    token = await api.sign_in(w.holder)

    # when A's user reads the roster and the household
    roster = await _roster(api, token, w)
    household = (
        await api.ok(HOUSEHOLD, {"projectId": str(w.project.id), "householdId": "h1"}, token)
    )["household"]

    # then the hidden member is in neither, nor in any count
    assert roster["totalCount"] == 1
    assert [m["client"]["firstName"] for m in roster["nodes"][0]["household"]["members"]] == [  # type: ignore[index]
        "Head"
    ]
    assert [m["client"]["firstName"] for m in household["members"]] == ["Head"]
    assert "Hidden" not in str(roster) + str(household)


async def test_a_household_of_hidden_members_only_is_not_found(api: Api) -> None:
    w = await _world()
    await _enroll(w, await _person(w, "Hidden", consent_at=w.b), "h9")
    token = await api.sign_in(w.holder)

    for household_id in ("h9", "no-such-household"):
        error = await api.error(
            HOUSEHOLD, {"projectId": str(w.project.id), "householdId": household_id}, token
        )
        assert (error["code"], error["field"]) == ("NOT_FOUND", "householdId")


async def test_another_agency_gets_not_found_and_the_refusal_is_audited(api: Api) -> None:
    w = await _world()
    await _enroll(w, await _person(w, "Head"), "h1")
    token = await api.sign_in(w.outsider)

    error = await api.error(ROSTER, {"projectId": str(w.project.id), "first": 10}, token)

    assert (error["code"], error["field"]) == ("NOT_FOUND", "projectId")
    denied = await AuditEvent.filter(action=AuditAction.DENIED, actor_id=w.outsider.id)
    assert [(d.entity_type, d.fields_touched) for d in denied] == [("Project", ["projectRoster"])]
    assert denied[0].entity_id == str(w.project.id)


async def test_pages_walk_the_roster_with_keyset_cursors(api: Api) -> None:
    # given five households of one
    w = await _world()
    for i in range(5):
        await _enroll(w, await _person(w, f"P{i}"), f"h{i}")
    token = await api.sign_in(w.holder)

    # when it is walked two at a time
    seen, after, pages = [], None, []
    while True:
        page = await _roster(api, token, w, first=2, after=after)
        pages.append(page["pageInfo"])
        seen += [n["client"]["firstName"] for n in page["nodes"]]  # type: ignore[index]
        if not page["pageInfo"]["hasNextPage"]:  # type: ignore[index]
            break
        after = page["pageInfo"]["endCursor"]  # type: ignore[index]

    # then every entry once, in order, with Relay's page info
    assert seen == [f"P{i}" for i in range(5)]
    assert [p["hasPreviousPage"] for p in pages] == [False, True, True]  # type: ignore[index]
    assert all(p["startCursor"] for p in pages)  # type: ignore[index]
    # and a cursor this API did not issue is VALIDATION on `after`
    error = await api.error(
        ROSTER, {"projectId": str(w.project.id), "first": 2, "after": "bm9wZQ=="}, token
    )
    assert (error["code"], error["field"]) == ("VALIDATION", "after")


async def test_a_roster_read_is_audited_per_client_and_enrollment(api: Api) -> None:
    w = await _world()
    head = await _person(w, "Head")
    enrollment = await _enroll(w, head, "h1")
    token = await api.sign_in(w.holder)

    await _roster(api, token, w)

    views = records(await AuditEvent.filter(action=AuditAction.VIEW, actor_id=w.holder.id))
    seen = {(v.entity_type, v.entity_id, v.client_id) for v in views}
    assert ("Client", str(head.id), head.id) in seen
    assert ("Enrollment", str(enrollment.id), head.id) in seen
    client_row = next(v for v in views if v.entity_type == "Client")
    assert "firstName" in client_row.fields_touched
    assert client_row.row.operation == "projectRoster"


@pytest.mark.parametrize("query", ["roster", "household"])
async def test_the_roster_costs_the_same_statements_for_any_page_size(
    api: Api, statements: StatementLog, query: str
) -> None:
    # given 50 households of two, each with an exited member
    w = await _world()
    for i in range(50):
        await _enroll(w, await _person(w, f"H{i:02}"), f"h{i:02}")
        await _enroll(w, await _person(w, f"C{i:02}"), f"h{i:02}", head=False, exit_on=DAY)
    token = await api.sign_in(w.holder)

    counts = {}
    # a document holds at most 30 aliases: households are asked for 1, 10 and 25 at once
    for first in (1, 10, 50) if query == "roster" else (1, 10, 25):
        if query == "roster":
            data, seen = await statements.during(_roster(api, token, w, first=first))
            assert len(data["nodes"]) == first
            assert all(len(n["household"]["members"]) == 2 for n in data["nodes"])
        else:
            document = (
                "query { "
                + " ".join(
                    f'h{i}: household(projectId: "{w.project.id}", householdId: "h{i:02}") '
                    "{ members { client { firstName } exit { exitDate } } }"
                    for i in range(first)
                )
                + " }"
            )
            data, seen = await statements.during(api.ok(document, {}, token))
            assert all(len(h["members"]) == 2 for h in data.values())
        counts[first] = len(seen)

    assert len(set(counts.values())) == 1, counts
