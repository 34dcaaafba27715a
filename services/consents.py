"""A second agency's consent to enter data about a client another agency entered (policy 207).

Seeing a client through a release is not a reason to hold them: a release shares what the
releasing agency recorded, and may be revoked. An agency that records its own consent comes to
hold the client (the full SSN at FULL access, edits, its own records), and that outlives any
release. So a second agency's consent needs its evidence (where the signed form or the call note
is kept) and the agency's relationship with the client: it enrolls the client with the consent,
in the same transaction, or names the referral that brought the client to it. The consent
records both; the audit row says it was a second agency's; the User Access Report flags it
(decision 99).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.resources import Action, Resource
from models.clients import Client, ConsentToEnter
from models.enums import AuditAction, ConsentRelationship
from models.governance import Project
from services import elements
from services.audit import record as audit
from services.caller import Caller
from services.clients import (
    ConsentData,
    acting_agency,
    agency_for_client_data,
    consent_values,
    get_visible_client,
    store_consent,
    touch_client,
)
from services.enrollments import create_enrollment
from services.errors import Conflict, ValidationFailed
from services.values import max_length

__all__ = ["ConsentEnrollment", "record_consent"]


@dataclass(frozen=True, slots=True)
class ConsentEnrollment:
    """The enrollment a second agency records with its consent."""

    project_id: UUID
    entry_date: date
    relationship_to_hoh: int
    household_id: str | None = None
    data: dict[str, Any] | None = None


def _relationship(
    enrollment: ConsentEnrollment | None, referral_reference: str | None
) -> tuple[ConsentRelationship, str | None]:
    limit = max_length(ConsentToEnter, "referral_reference")
    referral = elements.text(referral_reference, "referralReference", limit)
    if enrollment is not None and referral:
        raise ValidationFailed(
            "Give the enrollment or the referral, not both.", field="referralReference"
        )
    if enrollment is not None:
        return ConsentRelationship.ENROLLMENT, None
    if referral:
        return ConsentRelationship.REFERRAL, referral
    raise ValidationFailed(
        "Name your agency's relationship with the client: enroll them with this consent, or give "
        "the referral that brought them (policy 207).",
        field="referralReference",
    )


async def record_consent(
    *,
    caller: Caller,
    client_id: UUID,
    agency_id: UUID | None,
    consent: ConsentData | None,
    referral_reference: str | None = None,
    enrollment: ConsentEnrollment | None = None,
) -> ConsentToEnter:
    """Consent for a second agency to enter data about a client it already sees, with its
    evidence and its relationship with the client (an enrollment recorded with it, or a
    referral)."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    agency = await agency_for_client_data(
        acting_agency(
            decisions.agencies(Resource.CONSENT, Action.CREATE), agency_id, doing="record consent"
        )
    )
    consent = consent_values(consent, scope.today)
    limit = max_length(ConsentToEnter, "evidence_reference")
    evidence = elements.text(consent.evidence_reference, "consent.evidenceReference", limit)
    if not evidence:
        raise ValidationFailed(
            "Say where the signed consent (or the call note) is kept (policy 207).",
            field="consent.evidenceReference",
        )
    relationship, referral = _relationship(enrollment, referral_reference)
    if enrollment is not None:
        project = await Project.get_or_none(id=enrollment.project_id)
        if project is None or project.agency_id != agency.id:
            raise ValidationFailed(
                "Enroll the client in a project of the agency taking the consent.",
                field="enrollment.projectId",
            )
    await get_visible_client(scope, client_id)
    async with in_transaction():
        # Lock the client: two recordings at once are serialised and the second sees the first
        # (FOR UPDATE on the missing consent row would lock nothing; .exists() drops it anyway).
        await Client.filter(id=client_id).select_for_update().first()
        if await ConsentToEnter.exists(client_id=client_id, agency_id=agency.id):
            raise Conflict("This agency already holds the client's consent.")
        stored = await store_consent(
            client_id,
            agency.id,
            consent,
            decisions.principal.user_id,
            now,
            relationship=relationship,
            referral_reference=referral,
        )
        await touch_client(client_id, now)
        await audit(
            decisions.principal,
            AuditAction.CREATE,
            entity_type="ConsentToEnter",
            entity_id=stored.id,
            client_id=client_id,
            now=now,
            fields=["secondAgency", f"relationship:{relationship.value}"],
            agency_id=agency.id,
        )
        if enrollment is not None:
            await create_enrollment(
                caller=caller,
                client_id=client_id,
                project_id=enrollment.project_id,
                entry_date=enrollment.entry_date,
                household_id=enrollment.household_id,
                relationship_to_hoh=enrollment.relationship_to_hoh,
                data=dict(enrollment.data or {}),
            )
    return stored
