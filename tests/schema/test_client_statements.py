"""A page of clients with nested enrollments, services, releases and notes costs the same number
of SQL statements for any page size: every relation goes through a DataLoader.

Statements are counted on the wire with asyncpg's query logger, as in tests/schema/test_statements.py.
Three callers take three code paths: a FULL user of the agency holding every client's consent, a
FULL user of another agency who sees the clients only through releases, and CAN backbone staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from authz.enforcer import notify_change
from bench.statement_log import StatementLog, log_statements
from models.case_notes import CaseNote, CaseNoteDeletionRequest
from models.clients import CanStaff, Client, ClientAnnotation, ConsentToEnter
from models.enrollments import Disability, Enrollment, Exit, HealthAndDv, IncomeBenefits, Service
from models.enums import (
    AccessLevel,
    AnnotationKind,
    ConsentKind,
    DeletionRequestStatus,
    ReleaseCategory,
    ReleaseScope,
)
from models.governance import Can, ContinuumOfCare, Project
from models.releases import Release, ReleaseRecipient
from models.users import User
from tests.factories import Api, make_agency, make_user

# The query of the issue, as a front end's client list would send it.
LIST = """
query($name: String!, $first: Int!) {
  clients(search: {name: $name}, first: $first) {
    nodes {
      firstName ssnLastFour access { canEdit }
      enrollments { entryDate exit { exitDate } services { dateProvided } project { name } }
      releases { categories agencies { name } }
      caseNotes { text }
    }
  }
}"""
# Every relation a client carries, nested as deep as the schema goes.
EVERYTHING = """
query($name: String!, $first: Int!) {
  clients(search: {name: $name}, first: $first) {
    totalCount
    nodes {
      id firstName ssn ssnLastFour
      access { canEdit canViewIdentifying viaRelease viaCanBackbone sharedCategories }
      createdByAgency { name }
      consents { kind agency { name } }
      releases { categories inForce releasingAgency { name } can { name } agencies { name } }
      annotations { field note agency { name } }
      enrollments {
        entryDate project { name }
        exit { exitDate destination }
        services { dateProvided typeProvided }
        incomeBenefits { informationDate earned earnedAmount }
        disabilities { disabilityType }
        healthAndDv { generalHealthStatus domesticViolenceSurvivor }
      }
      caseNotes { text deleted author agency { name } deletion { requestedBy decidedBy reason } }
    }
  }
}"""
QUERIES = {"the issue's list": LIST, "every relation": EVERYTHING}
SIZES = (1, 10, 50, 100)
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)


@pytest.fixture
async def statements(app: object, monkeypatch: pytest.MonkeyPatch) -> StatementLog:
    return log_statements(monkeypatch)


@dataclass
class World:
    holder: User  # FULL at the agency holding every client's consent
    recipient: User  # FULL at an agency the releases name; holds no consent
    backbone: User  # backbone staff of the CAN the clients were created under


async def _world(count: int) -> World:
    """``count`` clients of agency A (CAN North), each with two enrollments (one exited), services,
    income, disabilities (one Part 2), health and DV, an annotation, two releases to agency B,
    and three case notes, one of them deleted under policy 404."""
    coc = await ContinuumOfCare.get(code="CT-503")
    backbone_agency = await make_agency("Backbone")
    can = await Can.create(name="CAN North", coc=coc, backbone_agency=backbone_agency)
    backbone_agency.can = can  # type: ignore[assignment]
    await backbone_agency.save()
    a = await make_agency("Agency A", can=can)
    b = await make_agency("Agency B")
    holder = await make_user(agencies={a: AccessLevel.FULL})
    recipient = await make_user(agencies={b: AccessLevel.FULL})
    backbone = await make_user(agencies={backbone_agency: AccessLevel.FULL})
    admin = await make_user(agencies={a: AccessLevel.FULL})
    await CanStaff.create(user=backbone, can=can, assigned_at=NOW)
    await notify_change()
    projects = [
        await Project.create(
            agency=a,
            name=f"A Project {i}",
            project_type=i,
            operating_start_date=date(2020, 1, 1),
            coc_code="CT-503",
        )
        for i in (0, 1)
    ]

    clients = [
        Client(
            first_name=f"Client{i:03}",
            last_name="Smith",
            name_data_quality=1,
            ssn=f"12345{i:04}",
            ssn_last_four=f"{i:04}",
            ssn_data_quality=1,
            created_by_agency=a,
            created_under_can=can,
            created_by_user=holder,
            last_activity_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
        for i in range(count)
    ]
    await Client.bulk_create(clients)
    await ConsentToEnter.bulk_create(
        [
            ConsentToEnter(
                client_id=c.id,
                agency=a,
                kind=ConsentKind.WRITTEN,
                taken_by=holder,
                taken_on=TODAY,
                recorded_at=NOW,
            )
            for c in clients
        ]
    )
    await ClientAnnotation.bulk_create(
        [
            ClientAnnotation(
                client_id=c.id,
                agency=a,
                field="dob",
                kind=AnnotationKind.INCOMPLETE,
                note="year only",
                created_by=holder,
                created_at=NOW,
            )
            for c in clients
        ]
    )
    enrollments = [
        Enrollment(
            client_id=c.id,
            project=projects[j],
            agency=a,
            entry_date=TODAY - timedelta(days=30 - j),
            household_id=f"h{i}-{j}",
            relationship_to_hoh=1,
            created_by_user=holder,
            created_at=NOW,
            updated_at=NOW,
        )
        for i, c in enumerate(clients)
        for j in (0, 1)
    ]
    await Enrollment.bulk_create(enrollments)
    await Exit.bulk_create(
        [
            Exit(
                enrollment_id=e.id,
                exit_date=TODAY,
                destination=116,
                created_by_user=holder,
                created_at=NOW,
            )
            for e in enrollments[::2]
        ]
    )
    await Service.bulk_create(
        [
            Service(
                enrollment_id=e.id,
                date_provided=TODAY - timedelta(days=k),
                record_type=200,
                type_provided=200,
                created_by_user=holder,
                created_at=NOW,
            )
            for e in enrollments
            for k in (1, 2)
        ]
    )
    await IncomeBenefits.bulk_create(
        [
            IncomeBenefits(
                enrollment_id=e.id,
                information_date=e.entry_date,
                data_collection_stage=1,
                income_from_any_source=1,
                earned=1,
                earned_amount=Decimal("100.00"),
                created_by_user_id=e.created_by_user_id,
                created_at=NOW,
            )
            for e in enrollments
        ]
    )
    await Disability.bulk_create(
        [
            Disability(
                enrollment_id=e.id,
                information_date=e.entry_date,
                data_collection_stage=1,
                disability_type=t,
                disability_response=1,
                created_by_user_id=e.created_by_user_id,
                created_at=NOW,
            )
            for e in enrollments
            for t in (5, 10)
        ]
    )
    await HealthAndDv.bulk_create(
        [
            HealthAndDv(
                enrollment_id=e.id,
                information_date=e.entry_date,
                data_collection_stage=1,
                domestic_violence_survivor=0,
                general_health_status=3,
                created_by_user_id=e.created_by_user_id,
                created_at=NOW,
            )
            for e in enrollments
        ]
    )
    everything = [c.value for c in ReleaseCategory]
    to_b = [
        Release(
            client_id=c.id,
            releasing_agency=a,
            scope=ReleaseScope.AGENCIES,
            categories=everything,
            starts_on=TODAY - timedelta(days=1),
            expires_on=TODAY + timedelta(days=90),
            kind=ConsentKind.WRITTEN,
            recorded_by=holder,
            recorded_at=NOW,
        )
        for c in clients
    ]
    identifying_to_b = [
        Release(
            client_id=c.id,
            releasing_agency=a,
            scope=ReleaseScope.AGENCIES,
            categories=[ReleaseCategory.IDENTIFYING.value],
            starts_on=TODAY - timedelta(days=1),
            expires_on=TODAY + timedelta(days=90),
            kind=ConsentKind.VERBAL,
            recorded_by=holder,
            recorded_at=NOW,
        )
        for c in clients
    ]
    await Release.bulk_create(to_b + identifying_to_b)
    await ReleaseRecipient.bulk_create(
        [ReleaseRecipient(release_id=r.id, agency=b) for r in to_b + identifying_to_b]
    )
    notes = [
        CaseNote(
            client_id=c.id,
            agency=a,
            author=holder,
            created_at=NOW - timedelta(hours=k),
            text=f"note {k}",
        )
        for c in clients
        for k in (1, 2, 3)
    ]
    await CaseNote.bulk_create(notes)
    deleted = notes[::3]
    await CaseNoteDeletionRequest.bulk_create(
        [
            CaseNoteDeletionRequest(
                note_id=n.id,
                client_id=n.client_id,  # type: ignore[attr-defined]
                agency=a,
                reason="wrong client",
                status=DeletionRequestStatus.APPROVED,
                requested_by=holder,
                requested_at=NOW,
                decided_by=admin,
                decided_at=NOW,
            )
            for n in deleted
        ]
    )
    await CaseNote.filter(id__in=[n.id for n in deleted]).update(text=None, deleted_at=NOW)
    return World(holder=holder, recipient=recipient, backbone=backbone)


VIEWERS = ("holder", "recipient", "backbone")


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("query", list(QUERIES), ids=list(QUERIES))
async def test_a_page_of_clients_costs_the_same_statements_for_any_size(
    api: Api, statements: StatementLog, viewer: str, query: str
) -> None:
    # given 100 clients with nested records, seen by the viewer
    world = await _world(max(SIZES))
    token = await api.sign_in(getattr(world, viewer))

    # when the viewer lists 1, 10, 50 and 100 of them with every nested relation
    counts, pages = {}, {}
    for first in SIZES:
        data, seen = await statements.during(
            api.ok(QUERIES[query], {"name": "smith", "first": first}, token)
        )
        counts[first] = len(seen)
        pages[first] = data["clients"]["nodes"]

    # then each page has the nested data (so the count measures real work) ...
    for first, nodes in pages.items():
        assert len(nodes) == first
        for node in nodes:
            assert node["firstName"].startswith("Client")
            assert len(node["enrollments"]) == 2
            assert all(
                len(e["services"]) == 2 and e["project"]["name"] for e in node["enrollments"]
            )
            assert sum(e["exit"] is not None for e in node["enrollments"]) == 1
            # case notes need a release naming them: backbone staff see none (decision 98)
            assert len(node["caseNotes"]) == (0 if viewer == "backbone" else 3)
            if viewer != "backbone":
                assert [n["text"] for n in node["caseNotes"]].count(None) == 1
            # releases are addressed to agencies: backbone staff see none
            assert len(node["releases"]) == (0 if viewer == "backbone" else 2)
    # ... and every size costs the same number of statements
    assert len(set(counts.values())) == 1, counts


async def test_the_nested_data_is_what_each_viewer_may_see(api: Api) -> None:
    # a guard on the fixture above: the three viewers really take three different paths
    world = await _world(2)
    seen = {}
    for viewer in VIEWERS:
        token = await api.sign_in(getattr(world, viewer))
        seen[viewer] = (await api.ok(EVERYTHING, {"name": "smith", "first": 2}, token))["clients"][
            "nodes"
        ][0]

    holder, recipient, backbone = seen["holder"], seen["recipient"], seen["backbone"]
    assert holder["access"]["canEdit"]
    assert not holder["access"]["viaRelease"]
    assert holder["ssn"] is not None
    assert sorted(d["disabilityType"] for d in holder["enrollments"][0]["disabilities"]) == [
        "PHYSICAL_DISABILITY",
        "SUBSTANCE_USE_DISORDER",
    ]
    assert [c["agency"]["name"] for c in holder["consents"]] == ["Agency A"]
    assert len(holder["releases"]) == 2
    assert holder["annotations"][0]["note"] == "year only"

    assert recipient["access"]["viaRelease"]
    assert not recipient["access"]["canEdit"]
    assert recipient["ssn"] is None
    assert recipient["ssnLastFour"] is not None
    assert recipient["consents"] == []  # consents held by other agencies are not listed
    assert {r["releasingAgency"]["name"] for r in recipient["releases"]} == {"Agency A"}
    assert sorted(d["disabilityType"] for d in recipient["enrollments"][0]["disabilities"]) == [
        "PHYSICAL_DISABILITY",
        "SUBSTANCE_USE_DISORDER",
    ]

    assert backbone["access"]["viaCanBackbone"]
    assert not backbone["access"]["viaRelease"]
    assert backbone["releases"] == []  # releases are addressed to agencies, not backbone staff
    # Part 2 data is never shared with backbone staff
    assert [d["disabilityType"] for d in backbone["enrollments"][0]["disabilities"]] == [
        "PHYSICAL_DISABILITY"
    ]
    assert backbone["enrollments"][0]["healthAndDv"][0]["generalHealthStatus"] == "GOOD"
    # case notes and domestic violence need a release naming them (decision 98)
    assert backbone["caseNotes"] == []
    assert backbone["enrollments"][0]["healthAndDv"][0]["domesticViolenceSurvivor"] is None
    assert holder["enrollments"][0]["healthAndDv"][0]["domesticViolenceSurvivor"] is not None


async def test_a_search_sends_the_session_with_its_principal_and_no_agency_lookup(
    api: Api, statements: StatementLog
) -> None:
    """The bearer's session and the caller's principal come in one statement, and the caller's
    agencies' CANs come with the memberships (no statement of their own)."""
    world = await _world(3)
    token = await api.sign_in(world.holder)
    _, seen = await statements.during(
        api.ok(QUERIES[next(iter(QUERIES))], {"name": "smith", "first": 3}, token)
    )
    principal = [s for s in seen if "FROM hearth_user u JOIN session s" in s]
    assert len(principal) == 1, seen
    assert not [s for s in seen if s.lstrip().startswith("SELECT") and ' FROM "session"' in s]
    assert not [s for s in seen if ' FROM "agency"' in s and 'NOT "can_id" IS NULL' in s]


# The list with the paged lists instead of the unpaged ones.
PAGED = """
query($name: String!, $first: Int!) {
  clients(search: {name: $name}, first: $first) {
    nodes {
      firstName ssnLastFour access { canEdit }
      enrollmentsConnection(first: 1) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { entryDate exit { exitDate } servicesConnection(first: 1) { totalCount nodes { dateProvided } } project { name } }
      }
      releases { categories agencies { name } }
      caseNotesConnection(first: 2) { totalCount nodes { text } }
    }
  }
}"""


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_paged_lists_cost_what_the_lists_cost_for_any_page_size(
    api: Api, statements: StatementLog, viewer: str
) -> None:
    # given 50 clients with nested records, seen by the viewer
    world = await _world(50)
    token = await api.sign_in(getattr(world, viewer))
    counts = {}
    for first in (1, 10, 50):
        # when the viewer lists them with the paged lists
        data, seen = await statements.during(
            api.ok(PAGED, {"name": "smith", "first": first}, token)
        )
        counts[first] = len(seen)
        # then each client's pages hold what its lists hold, one page's worth
        for node in data["clients"]["nodes"]:
            enrollments = node["enrollmentsConnection"]
            assert enrollments["totalCount"] == 2
            assert enrollments["pageInfo"]["hasNextPage"]
            assert len(enrollments["nodes"]) == 1
            assert enrollments["nodes"][0]["servicesConnection"]["totalCount"] == 2
            notes = node["caseNotesConnection"]
            assert notes["totalCount"] == (0 if viewer == "backbone" else 3)
            assert len(notes["nodes"]) == (0 if viewer == "backbone" else 2)
    # and every size costs the same statements as the unpaged lists do
    _, unpaged = await statements.during(api.ok(LIST, {"name": "smith", "first": 50}, token))
    assert len(set(counts.values())) == 1, counts
    assert counts[50] == len(unpaged), (counts, len(unpaged))
