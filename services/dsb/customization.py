"""Customization requests (policy 102): functionality outside HUD's requirements, scored on the
seven considerations the board weighs, then decided by a motion at a quarterly meeting
(``services.dsb.meetings``)."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from tortoise.transactions import in_transaction

from models.dsb import CustomizationCriterion, CustomizationRequest, CustomizationStatus
from models.governance import Agency
from services.caller import Caller
from services.dsb.common import log, need, text
from services.errors import Conflict, NotFound, ValidationFailed

__all__ = ["SCORE_RANGE", "score_request", "submit_request"]

SCORE_RANGE = range(1, 6)  # 1 (weighs against building it) to 5 (weighs for it)


async def submit_request(
    *,
    caller: Caller,
    title: str,
    description: str,
    requested_by: str,
    agency_id: UUID | None,
) -> CustomizationRequest:
    """A request as the Lead Agency or the System Administrator received it."""
    name = need(title, "title", CustomizationRequest, "title")
    about = need(description, "description", CustomizationRequest, "description")
    by = need(requested_by, "requestedBy", CustomizationRequest, "requested_by")
    if agency_id is not None and not await Agency.exists(id=agency_id):
        raise NotFound("No such agency.", field="agencyId")
    async with in_transaction():
        request = await CustomizationRequest.create(
            title=name,
            description=about,
            requested_by=by,
            agency_id=agency_id,
            submitted_at=caller.now,
        )
        await log(
            caller,
            "customization_request.submit",
            request,
            now=caller.now,
            after={"title": name, "requestedBy": by},
        )
    return request


async def score_request(
    *,
    caller: Caller,
    request_id: UUID,
    scores: Mapping[CustomizationCriterion, int],
    notes: str | None,
) -> CustomizationRequest:
    """Score every one of the seven criteria, 1 to 5; a request may be scored again until it
    is decided."""
    missing = [c for c in CustomizationCriterion if c not in scores]
    if missing:
        raise ValidationFailed(
            "Score all seven criteria of policy 102; missing: "
            + ", ".join(c.value for c in missing)
            + ".",
            field="scores",
        )
    for criterion, value in scores.items():
        if value not in SCORE_RANGE:
            raise ValidationFailed(
                "A score is a whole number from 1 to 5.", field=f"scores.{criterion.value}"
            )
    body = text(notes, "notes", CustomizationRequest, "score_notes", required=False)
    async with in_transaction():
        request = await CustomizationRequest.filter(id=request_id).select_for_update().first()
        if request is None:
            raise NotFound("No such customization request.", field="requestId")
        if request.status not in (CustomizationStatus.SUBMITTED, CustomizationStatus.SCORED):
            raise Conflict("The request is decided.", field="requestId")
        before = {"status": request.status, "scores": request.scores}
        scored = {c.value: scores[c] for c in CustomizationCriterion}
        request.scores = scored
        request.score_total = sum(scored.values())
        request.update_from_dict({"score_notes": body})  # (Tortoise types the column as str)
        request.scored_at = caller.now
        request.status = CustomizationStatus.SCORED
        await request.save()
        await log(
            caller,
            "customization_request.score",
            request,
            now=caller.now,
            before=before,
            after={"status": request.status, "scores": scored},
        )
    return request
