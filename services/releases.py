"""Releases of information (policy 207): what is shared, with whom, until when; revocation."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.resources import Action, Resource
from models.enums import AuditAction, ConsentKind, ReleaseCategory, ReleaseScope
from models.governance import Agency, Can
from models.releases import Release, ReleaseRecipient
from services.audit import record as audit
from services.caller import Caller
from services.clients import get_visible_client, require_holder, touch_client
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.values import max_length

__all__ = ["record_release", "revoke_release"]

MAX_RECIPIENTS = 50


async def record_release(
    *,
    caller: Caller,
    client_id: UUID,
    agency_id: UUID | None,
    scope_kind: ReleaseScope,
    recipient_agency_ids: list[UUID],
    can_id: UUID | None,
    categories: list[ReleaseCategory],
    starts_on: date,
    expires_on: date | None,
    kind: ConsentKind,
    evidence_reference: str | None,
    first_contact_by_phone: bool = False,
) -> Release:
    """Record a release made by an agency holding the client's consent. Immutable once stored.
    A VERBAL release, like verbal consent, only when the first contact is by phone (policy 207;
    decision 98)."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    _, access = await get_visible_client(scope, client_id)
    releasing = require_holder(
        access,
        decisions.agencies(Resource.RELEASE, Action.CREATE),
        agency_id,
        doing="record releases",
    )
    if expires_on is None:
        raise ValidationFailed("A release needs an expiry date (policy 207).", field="expiresOn")
    if expires_on < starts_on:
        raise ValidationFailed("The release expires before it starts.", field="expiresOn")
    if expires_on < scope.today:
        raise ValidationFailed("The release has already expired.", field="expiresOn")
    if not categories:
        raise ValidationFailed("Name at least one category of data to share.", field="categories")
    if kind == ConsentKind.VERBAL and not first_contact_by_phone:
        raise ValidationFailed(
            "A verbal release is accepted only when the first contact is by phone (policy 207).",
            field="kind",
        )
    limit = max_length(Release, "evidence_reference")
    if evidence_reference is not None and len(evidence_reference) > limit:
        raise ValidationFailed(
            f"evidenceReference has at most {limit} characters.", field="evidenceReference"
        )
    recipients: list[UUID] = []
    if scope_kind == ReleaseScope.AGENCIES:
        recipients = sorted(set(recipient_agency_ids), key=str)
        if not recipients or len(recipients) > MAX_RECIPIENTS:
            raise ValidationFailed(
                f"Name 1 to {MAX_RECIPIENTS} agencies to share with.", field="agencyIds"
            )
        if await Agency.filter(id__in=recipients).count() != len(recipients):
            raise ValidationFailed("One of the agencies does not exist.", field="agencyIds")
        if can_id is not None:
            raise ValidationFailed("canId goes with scope CAN only.", field="canId")
    elif scope_kind == ReleaseScope.CAN:
        if can_id is None or not await Can.exists(id=can_id):
            raise ValidationFailed("Name the CAN to share with.", field="canId")
        if recipient_agency_ids:
            raise ValidationFailed("agencyIds go with scope AGENCIES only.", field="agencyIds")
    elif recipient_agency_ids or can_id is not None:
        raise ValidationFailed("A statewide release names no agencies or CAN.", field="scope")
    async with in_transaction():
        release = await Release.create(
            client_id=client_id,
            releasing_agency_id=releasing,
            scope=scope_kind,
            scope_can_id=can_id if scope_kind == ReleaseScope.CAN else None,
            categories=sorted({c.value for c in categories}),
            starts_on=starts_on,
            expires_on=expires_on,
            kind=kind,
            first_contact_by_phone=first_contact_by_phone,
            evidence_reference=evidence_reference,
            recorded_by_id=decisions.principal.user_id,
            recorded_at=now,
        )
        if recipients:
            await ReleaseRecipient.bulk_create(
                [ReleaseRecipient(release_id=release.id, agency_id=a) for a in recipients]
            )
        await touch_client(client_id, now)
        await audit(
            decisions.principal,
            AuditAction.CREATE,
            entity_type="ReleaseOfInformation",
            entity_id=release.id,
            client_id=client_id,
            now=now,
            fields=["scope", "categories", "startsOn", "expiresOn"],
            agency_id=releasing,
        )
    return release


async def revoke_release(
    *,
    caller: Caller,
    release_id: UUID,
    reason: str | None,
) -> Release:
    """The client withdraws a release: from now on it shares nothing. The record stays."""
    decisions = caller.decisions
    now = caller.now
    # Releases are read as the client-data policy lets the caller read them (and so PostgreSQL's
    # row-level security, which knows the caller from here on: decision 97).
    await caller.client_scope()
    async with in_transaction():
        release = await Release.filter(id=release_id).select_for_update().first()
        allowed = decisions.agencies(Resource.RELEASE, Action.REVOKE)
        if release is None or release.releasing_agency_id not in allowed:
            if release is not None and decisions.agencies(Resource.CLIENT, Action.READ) & {
                release.releasing_agency_id
            }:
                raise Forbidden("You may not revoke releases for that agency.")
            raise NotFound("No such release, or you may not see it.", field="releaseId")
        if release.revoked_at is not None:
            raise Conflict("The release is already revoked.")
        limit = max_length(Release, "revocation_reason")
        if reason is not None and len(reason) > limit:
            raise ValidationFailed(f"reason has at most {limit} characters.", field="reason")
        release.revoked_at = now
        release.revoked_by_id = decisions.principal.user_id
        release.revocation_reason = reason
        await release.save(update_fields=["revoked_at", "revoked_by_id", "revocation_reason"])
        await touch_client(release.client_id, now)
        await audit(
            decisions.principal,
            AuditAction.UPDATE,
            entity_type="ReleaseOfInformation",
            entity_id=release.id,
            client_id=release.client_id,
            now=now,
            fields=["revokedAt", "revocationReason"],
            agency_id=release.releasing_agency_id,
        )
    return release
