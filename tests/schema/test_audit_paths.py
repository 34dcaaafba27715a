"""The read audit's one production path (Hearth's executor reporting what it resolves, with
plain fields read off the object) answers and audits exactly like the reference path: graphql-core's
stock executor with a middleware on every field (``tests.schema.audit_reference``), for the three
kinds of viewer and every nested relation."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import Route

from models.audit import AuditEvent
from models.coordinated_entry import (
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    CurrentLivingSituation,
    Event,
)
from models.enrollments import Enrollment
from schema import build_schema
from tests.audit_rows import records
from tests.factories import Api
from tests.schema.audit_reference import MiddlewareAudit
from tests.schema.test_client_statements import EVERYTHING, NOW, VIEWERS, _world

RECORD = """
query($id: ID!) {
  client(id: $id) {
    id firstName lastName ssn ssnLastFour dob version createdAt
    access { canEdit canViewIdentifying sharedCategories }
    consents { kind takenOn agency { name } }
    releases { scope categories startsOn expiresOn inForce releasingAgency { name } }
    annotations { field kind note }
    enrollments { id entryDate relationshipToHoH householdId exit { exitDate destination } services { dateProvided } }
    caseNotes { id text createdAt deleted deletion { reason requestedBy } }
    assessmentsConnection { nodes { assessmentDate questions { assessmentAnswer } results { assessmentResult } } }
    eventsConnection { nodes { eventDate event } }
    currentLivingSituationsConnection { nodes { informationDate locationDetails } }
  }
}"""


async def _coordinated_entry(world: Any, client_id: str) -> None:
    """An assessment (a question, a result), an event and a contact at each of the client's
    enrollments: records read through views that name their client (``audit_entry``)."""
    by = {"created_by_user": world.holder, "created_at": NOW}
    for e in await Enrollment.filter(client_id=client_id):
        assessment = await Assessment.create(enrollment=e, assessment_date=e.entry_date, **by)
        await AssessmentQuestion.create(
            assessment=assessment,
            enrollment=e,
            assessment_question="Sleeping where?",
            assessment_answer="Car",
            **by,
        )
        await AssessmentResult.create(
            assessment=assessment, enrollment=e, assessment_result_type="Score", **by
        )
        await Event.create(enrollment=e, event_date=e.entry_date, event=1, **by)
        await CurrentLivingSituation.create(
            enrollment=e,
            information_date=e.entry_date,
            current_living_situation=116,
            location_details="the bridge",
            **by,
        )


def _view(app: Any) -> Any:
    return next(r.endpoint for r in app.routes if isinstance(r, Route) and r.path == "/graphql")


def _audit(rows: list[AuditEvent]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            r.action,
            r.entity_type,
            r.entity_id,
            str(r.client_id),
            str(r.agency_id),
            tuple(sorted(r.fields_touched)),
            str(r.release_id),
        )
        for r in records(rows)
    )


async def _answer_and_audit(
    api: Api, query: str, variables: dict[str, Any], token: str
) -> tuple[Any, Any]:
    before = await AuditEvent.all().count()
    body = await api.gql(query, variables, token)
    rows = await AuditEvent.filter(seq__gt=before).order_by("seq")
    return body, _audit(rows)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_the_executor_answers_and_audits_exactly_like_the_reference_path(
    api: Api, app: Any, monkeypatch: pytest.MonkeyPatch, viewer: str
) -> None:
    # given clients with every relation, and a viewer of each kind
    world = await _world(3)
    token = await api.sign_in(getattr(world, viewer))
    page = (await api.ok(EVERYTHING, {"name": "smith", "first": 3}, token))["clients"]["nodes"]
    await _coordinated_entry(world, page[0]["id"])
    requests = [(EVERYTHING, {"name": "smith", "first": 3}), (RECORD, {"id": page[0]["id"]})]

    # when the same requests go through the fast path and through the ordinary path
    fast = [await _answer_and_audit(api, q, v, token) for q, v in requests]
    view = _view(app)
    reference = build_schema(execution_context_class=None, extra_extensions=[MiddlewareAudit])
    monkeypatch.setattr(view, "schema", reference)
    ordinary = [await _answer_and_audit(api, q, v, token) for q, v in requests]

    # then the answers (masking included) and the audit rows are the same
    for (fast_body, fast_rows), (ordinary_body, ordinary_rows) in zip(fast, ordinary, strict=True):
        assert "errors" not in fast_body
        assert fast_body == ordinary_body
        assert fast_rows == ordinary_rows
        # and the rows name the plain fields read (the executor reads them off the object)
        client_views = [r for r in fast_rows if r[0] == "VIEW" and r[1] == "Client"]
        assert client_views
        assert all("firstName" in r[5] or viewer == "backbone" for r in client_views)
        enrollment_views = [r for r in fast_rows if r[0] == "VIEW" and r[1] == "Enrollment"]
        assert enrollment_views
        assert all("entryDate" in r[5] for r in enrollment_views)
    # the coordinated entry records read through the client are audited on the client's row
    if viewer == "holder":
        (client,) = [r for r in fast[1][1] if r[0] == "VIEW" and r[1] == "Client"]
        lists = {"assessmentsConnection", "eventsConnection", "currentLivingSituationsConnection"}
        assert lists <= set(client[5]), client
