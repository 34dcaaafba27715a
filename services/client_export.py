"""The client's copy of their record (policy 207 e): what the agency that created it holds, or
for the CAN backbone, what was recorded under the CAN."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from tortoise.models import Model

from authz.clients import ClientScope
from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.case_notes import CaseNote
from models.clients import ClientAnnotation, ConsentToEnter
from models.enrollments import Disability, Enrollment, Exit, HealthAndDv, IncomeBenefits, Service
from models.enums import AuditAction
from models.governance import Agency
from models.releases import Release
from services.audit import record as audit
from services.clients import get_visible_client
from services.errors import Forbidden

__all__ = ["SUBSTANCE_USE_DISABILITY", "client_record_export"]

SUBSTANCE_USE_DISABILITY = 10
_SKIP = {
    "client_id",
    "enrollment_id",
    "created_by_user_id",
    "author_id",
    "taken_by_id",
    "recorded_by_id",
    "revoked_by_id",
}


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
    columns = model._meta.fields_db_projection  # type: ignore[attr-defined]
    return {name: _plain(getattr(model, name)) for name in columns if name not in _SKIP}


async def client_record_export(
    *, decisions: Decisions, scope: ClientScope, client_id: UUID, now: datetime
) -> dict[str, Any]:
    """Everything the caller's agency holds about the client (or, for CAN backbone staff, what
    agencies of the CAN recorded, without 42 CFR Part 2 data), as one JSON document."""
    client, access = await get_visible_client(scope, client_id)
    exporting = decisions.agencies(Resource.CLIENT, Action.EXPORT)
    holders = access.holder_agencies & exporting
    backbone = access.backbone
    if not holders and not backbone:
        raise Forbidden(
            "Only the agency holding the record, or the CAN backbone, gives the client a copy."
        )
    if holders:
        agencies = set(holders)
    else:
        agencies = set(
            await Agency.filter(can_id=client.created_under_can_id).values_list("id", flat=True)
        )  # type: ignore[attr-defined]
    enrollments = list(
        await Enrollment.filter(client_id=client_id, agency_id__in=list(agencies)).order_by(
            "entry_date", "id"
        )
    )
    ids = [e.id for e in enrollments]
    exits = {x.enrollment_id: x for x in await Exit.filter(enrollment_id__in=ids)}  # type: ignore[attr-defined]
    disabilities = Disability.filter(enrollment_id__in=ids)
    if not holders:
        disabilities = disabilities.exclude(disability_type=SUBSTANCE_USE_DISABILITY)
    by_enrollment: dict[str, dict[UUID, list[dict[str, Any]]]] = {}
    for key, rows in (
        ("services", await Service.filter(enrollment_id__in=ids).order_by("date_provided", "id")),
        (
            "incomeBenefits",
            await IncomeBenefits.filter(enrollment_id__in=ids).order_by("information_date", "id"),
        ),
        ("disabilities", await disabilities.order_by("information_date", "id")),
        (
            "healthAndDv",
            await HealthAndDv.filter(enrollment_id__in=ids).order_by("information_date", "id"),
        ),
    ):
        grouped: dict[UUID, list[dict[str, Any]]] = {}
        for row in rows:
            grouped.setdefault(row.enrollment_id, []).append(_row(row))  # type: ignore[attr-defined]
        by_enrollment[key] = grouped
    notes = await CaseNote.filter(client_id=client_id, agency_id__in=list(agencies)).order_by(
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
    return {
        "exportedAt": now.isoformat(),
        "policy": "CT HMIS policy 207 e: the client's copy of their HMIS record",
        "scope": "agency" if holders else "can",
        "client": _row(client),
        "consents": [
            _row(c)
            for c in await ConsentToEnter.filter(client_id=client_id, agency_id__in=list(agencies))
        ],
        "releases": [
            _row(r)
            for r in await Release.filter(
                client_id=client_id, releasing_agency_id__in=list(agencies)
            )
        ],
        "enrollments": [
            {
                **_row(e),
                "exit": _row(exits[e.id]) if e.id in exits else None,
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
            for a in await ClientAnnotation.filter(
                client_id=client_id, agency_id__in=list(agencies)
            )
        ],
    }
