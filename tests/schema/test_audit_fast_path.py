"""The fast path for plain fields: a plain field audits its own read instead of passing
the audit middleware, and Hearth's executor reads it without calling its resolver; the answer and
the audit rows are exactly those of the ordinary paths (the middleware on every field; the stock
executor), for the three kinds of viewer and every nested relation."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import Route

from models.audit import AuditEvent
from schema import build_schema
from schema.audit import SelectiveMiddleware
from tests.factories import Api
from tests.schema.test_client_statements import EVERYTHING, VIEWERS, _world

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
  }
}"""


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
        for r in rows
    )


async def _answer_and_audit(
    api: Api, query: str, variables: dict[str, Any], token: str
) -> tuple[Any, Any]:
    before = await AuditEvent.all().count()
    body = await api.gql(query, variables, token)
    rows = await AuditEvent.filter(seq__gt=before).order_by("seq")
    return body, _audit(rows)


def test_plain_fields_of_client_data_take_the_fast_path() -> None:
    schema = build_schema()
    client = schema._schema.type_map["Client"]
    enrollment = schema._schema.type_map["Enrollment"]
    assert getattr(client.fields["firstName"].resolve, "audited_attribute", False)
    assert getattr(enrollment.fields["entryDate"].resolve, "audited_attribute", False)
    # fields with resolvers of their own still pass the middleware
    assert not getattr(client.fields["enrollments"].resolve, "audited_attribute", False)
    ordinary = build_schema(attribute_audit=False)
    assert not getattr(
        ordinary._schema.type_map["Client"].fields["firstName"].resolve, "audited_attribute", False
    )
    assert isinstance(schema._get_middleware_manager([]), SelectiveMiddleware)


# The ordinary paths: the audit middleware on every field (no plain-field resolvers, so Hearth's
# executor has nothing to shortcut), and the plain-field resolvers on graphql-core's stock executor.
ORDINARY = {"middleware": {"attribute_audit": False}, "stock-executor": {"plain_fields": False}}


@pytest.mark.parametrize("ordinary_path", ORDINARY)
@pytest.mark.parametrize("viewer", VIEWERS)
async def test_the_fast_path_answers_and_audits_exactly_like_the_ordinary_path(
    api: Api, app: Any, monkeypatch: pytest.MonkeyPatch, viewer: str, ordinary_path: str
) -> None:
    # given clients with every relation, and a viewer of each kind
    world = await _world(3)
    token = await api.sign_in(getattr(world, viewer))
    page = (await api.ok(EVERYTHING, {"name": "smith", "first": 3}, token))["clients"]["nodes"]
    requests = [(EVERYTHING, {"name": "smith", "first": 3}), (RECORD, {"id": page[0]["id"]})]

    # when the same requests go through the fast path and through the ordinary path
    fast = [await _answer_and_audit(api, q, v, token) for q, v in requests]
    view = _view(app)
    monkeypatch.setattr(view, "schema", build_schema(**ORDINARY[ordinary_path]))
    ordinary = [await _answer_and_audit(api, q, v, token) for q, v in requests]

    # then the answers (masking included) and the audit rows are the same
    for (fast_body, fast_rows), (ordinary_body, ordinary_rows) in zip(fast, ordinary, strict=True):
        assert "errors" not in fast_body
        assert fast_body == ordinary_body
        assert fast_rows == ordinary_rows
        # and the rows name the plain fields read (the part the fast path does itself)
        client_views = [r for r in fast_rows if r[0] == "VIEW" and r[1] == "Client"]
        assert client_views
        assert all("firstName" in r[5] or viewer == "backbone" for r in client_views)
        enrollment_views = [r for r in fast_rows if r[0] == "VIEW" and r[1] == "Enrollment"]
        assert enrollment_views
        assert all("entryDate" in r[5] for r in enrollment_views)
