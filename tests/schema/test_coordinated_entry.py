"""A CAN's coordinated entry: its backbone staff (and its agencies' users, for their own) read
the assessments, referrals and other events of the CAN's agencies that the client-data policy
shows them, by date, filtered by kind and range, in keyset pages; anyone else is refused and
audited; each activity read is audited against its client; statements stay constant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from authz.enforcer import notify_change
from bench.statement_log import StatementLog, log_statements
from models.audit import AuditEvent
from models.clients import CanStaff, Client, ConsentToEnter
from models.coordinated_entry import Assessment, Event
from models.enrollments import Enrollment
from models.enums import AccessLevel, AuditAction, ConsentKind
from models.governance import Agency, Can, ContinuumOfCare
from models.users import User
from tests.audit_rows import records
from tests.factories import Api, make_agency, make_user
from tests.schema.writes_support import make_project

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
DAY = date(2026, 2, 20)
CE = """
query($canId: ID!, $since: Date, $until: Date, $kinds: [CoordinatedEntryKind!], $first: Int!, $after: String) {
  coordinatedEntry(canId: $canId, since: $since, until: $until, kinds: $kinds, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes {
      kind date
      assessment { assessmentType }
      event { event }
      enrollment { client { firstName } project { name } }
    }
  }
}"""


@pytest.fixture
async def statements(app: object, monkeypatch: pytest.MonkeyPatch) -> StatementLog:
    return log_statements(monkeypatch)


@dataclass
class World:
    north: Can
    a: Agency
    backbone: User  # backbone staff of CAN North
    worker: User  # FULL at A
    outsider: User  # FULL at B, of CAN South


async def _world() -> World:
    coc = await ContinuumOfCare.get(code="CT-503")
    k = await make_agency("Backbone K")
    north = await Can.create(name="CAN North", coc=coc, backbone_agency=k)
    south = await Can.create(name="CAN South", coc=coc)
    k.can = north  # type: ignore[assignment]
    await k.save()
    a = await make_agency("Agency A", can=north)
    b = await make_agency("Agency B", can=south)
    backbone = await make_user(agencies={k: AccessLevel.FULL})
    await CanStaff.create(user=backbone, can=north, assigned_at=NOW)
    await notify_change()
    return World(
        north=north,
        a=a,
        backbone=backbone,
        worker=await make_user(agencies={a: AccessLevel.FULL}),
        outsider=await make_user(agencies={b: AccessLevel.FULL}),
    )


async def _client_with_ce(w: World, name: str, day: date = DAY) -> Client:
    """A client of A (created under CAN North) with an assessment, a referral and a diversion."""
    project = await make_project(w.a, f"Access point {name}")
    client = await Client.create(
        first_name=name,
        last_name="Smith",
        name_data_quality=1,
        created_by_agency=w.a,
        created_under_can=w.north,
        created_by_user=w.worker,
        last_activity_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    await ConsentToEnter.create(
        client=client,
        agency=w.a,
        kind=ConsentKind.WRITTEN,
        taken_by=w.worker,
        taken_on=day - timedelta(days=30),
        recorded_at=NOW,
    )
    enrollment = await Enrollment.create(
        client=client,
        project=project,
        agency=w.a,
        entry_date=day - timedelta(days=10),
        household_id=f"h-{name}",
        relationship_to_hoh=1,
        created_by_user=w.worker,
        created_at=NOW,
        updated_at=NOW,
    )
    made = {"enrollment": enrollment, "created_by_user": w.worker, "created_at": NOW}
    await Assessment.create(assessment_date=day, assessment_type=3, **made)
    await Event.create(event_date=day, event=14, **made)
    await Event.create(event_date=day + timedelta(days=1), event=2, **made)
    return client


async def _ce(api: Api, token: str, w: World, **variables: object) -> dict[str, object]:
    values = {"canId": str(w.north.id), "until": str(DAY + timedelta(days=5)), "first": 50}
    return (await api.ok(CE, {**values, **variables}, token))["coordinatedEntry"]


async def test_backbone_staff_read_the_cans_coordinated_entry_by_kind_and_range(
    api: Api,
) -> None:
    w = await _world()
    client = await _client_with_ce(w, "Ana")
    token = await api.sign_in(w.backbone)

    everything = await _ce(api, token, w)
    referrals = await _ce(api, token, w, kinds=["REFERRAL"])
    before = await _ce(api, token, w, until=str(DAY - timedelta(days=1)))

    assert [(n["kind"], n["date"]) for n in everything["nodes"]] == [  # type: ignore[index]
        ("ASSESSMENT", str(DAY)),
        ("REFERRAL", str(DAY)),
        ("EVENT", str(DAY + timedelta(days=1))),
    ]
    node = everything["nodes"][0]  # type: ignore[index]
    assert node["assessment"] == {"assessmentType": "IN_PERSON"}
    assert node["enrollment"]["client"]["firstName"] == "Ana"
    assert [n["event"] for n in referrals["nodes"]] == [
        {"event": "REFERRAL_TO_PSH_PROJECT_RESOURCE_OPENING"}
    ]  # type: ignore[index]
    assert before["totalCount"] == 0
    # each activity is audited against its client
    views = records(await AuditEvent.filter(action=AuditAction.VIEW, actor_id=w.backbone.id))
    kinds = {(v.entity_type, v.client_id) for v in views}
    assert {("Assessment", client.id), ("Event", client.id), ("Client", client.id)} <= kinds


async def test_an_agency_reads_its_own_and_another_can_is_refused_and_audited(api: Api) -> None:
    w = await _world()
    await _client_with_ce(w, "Ana")

    own = await _ce(api, await api.sign_in(w.worker), w)
    refused = await api.error(
        CE, {"canId": str(w.north.id), "first": 10}, await api.sign_in(w.outsider)
    )

    assert own["totalCount"] == 3
    assert (refused["code"], refused["field"]) == ("NOT_FOUND", "canId")
    denied = await AuditEvent.filter(action=AuditAction.DENIED, actor_id=w.outsider.id)
    assert [(d.entity_type, d.entity_id) for d in denied] == [("Can", str(w.north.id))]


async def test_pages_walk_it_and_ranges_are_bounded(api: Api) -> None:
    w = await _world()
    await _client_with_ce(w, "Ana")
    token = await api.sign_in(w.backbone)

    seen, after = [], None
    while True:
        page = await _ce(api, token, w, first=1, after=after)
        seen += [n["kind"] for n in page["nodes"]]  # type: ignore[index]
        if not page["pageInfo"]["hasNextPage"]:  # type: ignore[index]
            break
        after = page["pageInfo"]["endCursor"]  # type: ignore[index]

    assert seen == ["ASSESSMENT", "REFERRAL", "EVENT"]
    too_long = await api.error(
        CE,
        {"canId": str(w.north.id), "since": "2024-01-01", "until": "2026-01-01", "first": 5},
        token,
    )
    assert (too_long["code"], too_long["field"]) == ("VALIDATION", "since")


async def test_it_costs_the_same_statements_for_any_page_size(
    api: Api, statements: StatementLog
) -> None:
    w = await _world()
    for i in range(20):
        await _client_with_ce(w, f"C{i:02}")
    token = await api.sign_in(w.backbone)

    counts = {}
    for first in (1, 10, 50):
        data, seen = await statements.during(_ce(api, token, w, first=first))
        assert len(data["nodes"]) == first  # type: ignore[arg-type]
        counts[first] = len(seen)

    assert len(set(counts.values())) == 1, counts
