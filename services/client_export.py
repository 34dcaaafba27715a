"""The client's copy of their record (policy 207 e): what the agency that created it holds, or
for the CAN backbone, what was recorded under the CAN."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from tortoise.models import Model

from authz.clients import (
    client_fields,
    client_rows,
    enrollment_rows,
    row_fields,
    shows_annotation,
    shows_consent,
    shows_release,
)
from authz.resources import Action, Resource
from models.case_notes import CaseNote
from models.clients import ClientAnnotation, ConsentToEnter
from models.coordinated_entry import (
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    CurrentLivingSituation,
    Event,
)
from models.enrollments import (
    Disability,
    EmploymentEducation,
    Enrollment,
    Exit,
    HealthAndDv,
    IncomeBenefits,
    Service,
    YouthEducationStatus,
)
from models.enums import AuditAction
from models.releases import Release
from services.audit import record as audit
from services.caller import Caller
from services.clients import get_visible_client
from services.errors import Forbidden

__all__ = ["client_record_export"]

_SKIP = {
    "client_id",
    "enrollment_id",
    "created_by_user_id",
    "author_id",
    "taken_by_id",
    "recorded_by_id",
    "revoked_by_id",
    "updated_by_user_id",
    "ssn_hash",  # a key's fingerprint of the SSN, of no use to the client
    "ssn_valid",  # the data quality report's flag, derived from the SSN
}


# An enrollment's lists in the copy: key, table, order.
_ENROLLMENT_LISTS: tuple[tuple[str, type[Model], tuple[str, ...]], ...] = (
    ("services", Service, ("date_provided", "id")),
    ("incomeBenefits", IncomeBenefits, ("information_date", "id")),
    ("disabilities", Disability, ("information_date", "id")),
    ("healthAndDv", HealthAndDv, ("information_date", "id")),
    ("employmentEducation", EmploymentEducation, ("information_date", "id")),
    ("youthEducationStatus", YouthEducationStatus, ("information_date", "id")),
    ("currentLivingSituations", CurrentLivingSituation, ("information_date", "id")),
    ("assessments", Assessment, ("assessment_date", "id")),
    (
        "assessmentQuestions",
        AssessmentQuestion,
        ("assessment_id", "assessment_question_order", "id"),
    ),
    ("assessmentResults", AssessmentResult, ("assessment_id", "id")),
    ("events", Event, ("event_date", "id")),
)


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _row(model: Model) -> dict[str, Any]:
    """A row's stored columns as JSON values (foreign keys as ids)."""
    columns = model._meta.fields_db_projection
    return {name: _plain(getattr(model, name)) for name in columns if name not in _SKIP}


async def client_record_export(*, caller: Caller, client_id: UUID) -> dict[str, Any]:
    """Everything the caller's agency holds about the client (or, for CAN backbone staff, what
    agencies of the CAN recorded), as one JSON document: the records and fields the client-data
    policy lets the caller see of those agencies'."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    client, access = await get_visible_client(scope, client_id)
    holders = access.holder_agencies & decisions.agencies(Resource.CLIENT, Action.EXPORT)
    if not holders and not access.backbone:
        raise Forbidden(
            "Only the agency holding the record, or the CAN backbone, gives the client a copy."
        )
    # Whose records the copy holds: the holding agency's, or those recorded under the CAN.
    source = list(holders or access.backbone_agencies)
    seen = {client_id: access}
    enrollments = list(
        await Enrollment.filter(client_rows(Enrollment, seen), agency_id__in=source).order_by(
            "entry_date", "id"
        )
    )
    keys = [(e.id, e.agency_id, access) for e in enrollments]
    agency_of = {e.id: e.agency_id for e in enrollments}

    def masked(row: Any) -> dict[str, Any]:
        """The row's columns, its elements masked as the client-data policy says."""
        agency = agency_of[row.enrollment_id]
        fields = row_fields(type(row).__name__, row, own=False, access=access, agency_id=agency)
        return _row(row) | {name: _plain(value) for name, value in fields.items()}

    exits = {x.enrollment_id: masked(x) for x in await Exit.filter(enrollment_rows(Exit, keys))}
    by_enrollment: dict[str, dict[UUID, list[dict[str, Any]]]] = {}
    for key, model, order in _ENROLLMENT_LISTS:
        grouped: dict[UUID, list[dict[str, Any]]] = {}
        rows: list[Any] = await model.filter(enrollment_rows(model, keys)).order_by(*order)
        for row in rows:
            grouped.setdefault(row.enrollment_id, []).append(masked(row))
        by_enrollment[key] = grouped
    notes = await CaseNote.filter(client_rows(CaseNote, seen), agency_id__in=source).order_by(
        "created_at", "id"
    )
    await audit(
        decisions.principal,
        AuditAction.EXPORT,
        entity_type="Client",
        entity_id=client_id,
        client_id=client_id,
        now=now,
        fields=["record"],
        agency_id=min(holders, key=str) if holders else None,
    )
    shown = {name: _plain(value) for name, value in client_fields(client, access).items()}
    return {
        "exportedAt": now.isoformat(),
        "policy": "CT HMIS policy 207 e: the client's copy of their HMIS record",
        "scope": "agency" if holders else "can",
        # Policy 303: the retention run removed the client's identifiers (when, under which plan).
        "deidentified": None
        if client.deidentified_at is None
        else {
            "deidentifiedAt": client.deidentified_at.isoformat(),
            "retentionPlanId": str(client.deidentified_by_plan_id),
            "note": "Identifiers removed after seven years without activity (CT HMIS policy "
            "303); the history is kept.",
        },
        "client": _row(client) | shown,
        "consents": [
            _row(c)
            for c in await ConsentToEnter.filter(client_id=client_id, agency_id__in=source)
            if shows_consent(access, c)
        ],
        "releases": [
            _row(r)
            for r in await Release.filter(client_id=client_id, releasing_agency_id__in=source)
            if shows_release(access, r)
        ],
        "enrollments": [
            {
                **_row(e),
                "exit": exits.get(e.id),
                **{key: grouped.get(e.id, []) for key, grouped in by_enrollment.items()},
            }
            for e in enrollments
        ],
        "caseNotes": [
            {
                "id": str(n.id),
                "createdAt": n.created_at.isoformat(),
                "text": n.text,
                "deleted": n.deleted_at is not None,
            }
            for n in notes
        ],
        "annotations": [
            _row(a)
            for a in await ClientAnnotation.filter(client_id=client_id, agency_id__in=source)
            if shows_annotation(access, a)
        ],
    }
