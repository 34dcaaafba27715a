"""Agency reviews of the User Access Report and the escalation of unexpected usage (policy 212).

Levels: 1 internal review (HDC/Security Coordinator with the user's manager); 2 a verification
ticket to the System Administrator; 3 collaborative review, where the System Administrator may
deactivate the user only after the HDC and the manager have reviewed; 4 the Lead Agency informs
the Data Strategy Board (users deactivated, reasons, corrective measures).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.enforcer import Decisions, notify_change
from authz.resources import Action, Resource
from models.access_reports import AccessEscalation, AccessReportPublication, AccessReview
from models.enums import DeactivationReason, Duty, EscalationReviewer, UserStatus
from models.governance import Agency
from models.users import Membership, User
from services import governance_log
from services.access_reports import REVIEW_WINDOW, Quarter
from services.caller import Caller
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.users import deactivate_account
from services.values import max_length

__all__ = [
    "DsbSummary",
    "deactivate_for_misuse",
    "dsb_summary",
    "escalate",
    "notify_dsb",
    "open_escalation",
    "record_access_review",
    "record_escalation_review",
]


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"Write the {field}.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{field} has at most {limit} characters.", field=field)
    return value or None


def _require_coordinator(decisions: Decisions, agency_id: UUID) -> None:
    if not decisions.in_agency(Resource.ACCESS_REVIEW, Action.RECORD, agency_id):
        raise Forbidden(
            "Only the agency's HMIS Data Coordinator or Security Coordinator does this (policy 212)."
        )


async def record_access_review(
    *,
    caller: Caller,
    agency_id: UUID,
    quarter: Quarter,
    notes: str,
    actions: str | None,
) -> AccessReview:
    """Document the agency's review: date, reviewer (the caller), actions taken; retained."""
    decisions = caller.decisions
    now = caller.now
    _require_coordinator(decisions, agency_id)
    async with in_transaction():
        review = await AccessReview.create(
            agency_id=agency_id,
            quarter=quarter.label,
            reviewer_id=decisions.principal.user_id,
            reviewed_at=now,
            notes=_text(notes, "notes", 4000, required=True),
            actions=_text(actions, "actions", 4000, required=False),
        )
        await _log(caller, "access_review.record", "AccessReview", review.id, agency_id, None, 0)
    return review


async def _log(
    caller: Caller,
    action: str,
    entity_type: str,
    entity_id: UUID,
    agency_id: UUID,
    before: int | None,
    after: int,
    reason: str | None = None,
) -> None:
    """The governance log's row for a step of the review or the escalation: its level before and
    after (the findings and notes stay on the escalation, which only the agency's coordinators,
    the System Administrator and the Lead Agency read)."""
    await governance_log.record(
        caller.principal,
        action,
        entity_type=entity_type,
        entity_id=entity_id,
        now=caller.now,
        agency_id=agency_id,
        before=None if before is None else {"level": before},
        after={"level": after},
        reason=reason,
    )


async def open_escalation(
    *,
    caller: Caller,
    agency_id: UUID,
    quarter: Quarter,
    user_id: UUID,
    findings: str,
) -> AccessEscalation:
    """Level 1: the HDC or Security Coordinator reviews findings with the user's manager."""
    decisions = caller.decisions
    now = caller.now
    _require_coordinator(decisions, agency_id)
    if not await Membership.exists(user_id=user_id, agency_id=agency_id):
        raise NotFound("No such user at that agency.", field="userId")
    async with in_transaction():
        escalation = await AccessEscalation.create(
            agency_id=agency_id,
            quarter=quarter.label,
            subject_id=user_id,
            level=1,
            opened_by_id=decisions.principal.user_id,
            opened_at=now,
            updated_at=now,
            findings=_text(findings, "findings", 4000, required=True),
        )
        await _log(caller, "escalation.open", "AccessEscalation", escalation.id, agency_id, None, 1)
    return escalation


async def _locked(escalation_id: UUID) -> AccessEscalation:
    escalation = await AccessEscalation.filter(id=escalation_id).select_for_update().first()
    if escalation is None:
        raise NotFound("No such escalation.", field="escalationId")
    return escalation


async def escalate(
    *,
    caller: Caller,
    escalation_id: UUID,
    level: int,
    notes: str,
    ticket_reference: str | None,
) -> AccessEscalation:
    """Raise an escalation one level: 2 (verification ticket) or 3 (collaborative review)."""
    decisions = caller.decisions
    now = caller.now
    if level not in (2, 3):
        raise ValidationFailed(
            "Escalate to level 2 or 3 here; level 4 is notifyDataStrategyBoard.", field="level"
        )
    async with in_transaction():
        escalation = await _locked(escalation_id)
        _require_coordinator(decisions, escalation.agency_id)
        if level != escalation.level + 1:
            raise Conflict(
                f"The escalation is at level {escalation.level}: levels are taken one at a time."
            )
        if level == 2:
            escalation.ticket_reference = _text(
                ticket_reference,
                "ticketReference",
                max_length(AccessEscalation, "ticket_reference"),
                required=True,
            )
        escalation.findings += (
            "\n\n"
            + f"Level {level} ({now:%Y-%m-%d}): "
            + (_text(notes, "notes", 4000, required=True) or "")
        )
        before = escalation.level
        escalation.level = level
        escalation.updated_at = now
        await escalation.save()
        await _log(
            caller,
            "escalation.raise",
            "AccessEscalation",
            escalation.id,
            escalation.agency_id,
            before,
            level,
        )
    return escalation


async def record_escalation_review(
    *,
    caller: Caller,
    escalation_id: UUID,
    reviewer: EscalationReviewer,
    manager_name: str | None,
) -> AccessEscalation:
    """Level 3: the HDC's own review, or the manager's (recorded by the HDC or Security
    Coordinator, naming the manager). Deactivation needs both."""
    decisions = caller.decisions
    now = caller.now
    async with in_transaction():
        escalation = await _locked(escalation_id)
        agency_id = escalation.agency_id
        _require_coordinator(decisions, agency_id)
        if escalation.level != 3:
            raise Conflict("Reviews for deactivation belong to level 3 (collaborative review).")
        if reviewer == EscalationReviewer.HDC:
            if (agency_id, Duty.HMIS_DATA_COORDINATOR) not in decisions.principal.duties:
                raise Forbidden("Only the agency's HMIS Data Coordinator records the HDC's review.")
            escalation.hdc_reviewed_by_id = decisions.principal.user_id
            escalation.hdc_reviewed_at = now
        else:
            escalation.manager_name = _text(
                manager_name,
                "managerName",
                max_length(AccessEscalation, "manager_name"),
                required=True,
            )
            escalation.manager_reviewed_at = now
        escalation.updated_at = now
        await escalation.save()
        await _log(
            caller,
            f"escalation.review_{reviewer.value.lower()}",
            "AccessEscalation",
            escalation.id,
            agency_id,
            3,
            3,
        )
    return escalation


async def deactivate_for_misuse(
    *,
    caller: Caller,
    escalation_id: UUID,
    reason: str,
    corrective_action: str | None,
) -> AccessEscalation:
    """Level 3: inappropriate usage confirmed; the System Administrator deactivates the user,
    only after review by the HDC and the manager (policy 212)."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.ACCESS_REVIEW, Action.DEACTIVATE):
        raise Forbidden("Only the System Administrator deactivates a user (policy 212).")
    limit = max_length(AccessEscalation, "deactivation_reason")
    reason_text = _text(reason, "reason", limit, required=True)
    async with in_transaction():
        escalation = await _locked(escalation_id)
        if escalation.level != 3:
            raise Conflict("Deactivation follows a level 3 collaborative review.")
        if escalation.hdc_reviewed_at is None or escalation.manager_reviewed_at is None:
            raise Conflict(
                "Deactivation only after review by the HDC and the manager (policy 212)."
            )
        if escalation.deactivated_at is not None:
            raise Conflict("The user was already deactivated under this escalation.")
        user = await User.filter(id=escalation.subject_id).select_for_update().get()
        if user.status != UserStatus.INACTIVE:
            before = await deactivate_account(
                user,
                f"Inappropriate usage (policy 212): {reason_text}",
                now,
                DeactivationReason.MISUSE,
            )
            await user.save()
            await governance_log.record(
                caller.principal,
                "user.deactivate",
                entity_type="User",
                entity_id=user.id,
                now=now,
                agency_id=escalation.agency_id,
                before=before,
                after={"status": user.status, "deactivationCode": DeactivationReason.MISUSE},
                reason=f"Escalation {escalation.id} (policy 212, level 3)",
            )
        escalation.deactivated_at = now
        escalation.deactivation_reason = reason_text
        escalation.corrective_action = _text(  # type: ignore[assignment]  # Tortoise types TextField(null=True) as str
            corrective_action, "correctiveAction", 4000, required=False
        )
        escalation.updated_at = now
        await escalation.save()
    await notify_change()
    return escalation


async def notify_dsb(
    *,
    caller: Caller,
    escalation_id: UUID,
    summary: str,
) -> AccessEscalation:
    """Level 4: the Lead Agency informs the Data Strategy Board of confirmed inappropriate usage."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.ACCESS_REVIEW, Action.NOTIFY):
        raise Forbidden(
            "Only the Lead Agency (or System Administrator) informs the Data Strategy Board."
        )
    async with in_transaction():
        escalation = await _locked(escalation_id)
        if escalation.level != 3 or escalation.deactivated_at is None:
            raise Conflict(
                "The Board is informed of confirmed inappropriate usage: deactivate at level 3 first."
            )
        escalation.level = 4
        escalation.dsb_notified_at = now
        escalation.dsb_summary = _text(summary, "summary", 4000, required=True)  # type: ignore[assignment]  # Tortoise types TextField(null=True) as str
        escalation.updated_at = now
        await escalation.save()
        await _log(
            caller,
            "escalation.notify_dsb",
            "AccessEscalation",
            escalation.id,
            escalation.agency_id,
            3,
            4,
        )
    return escalation


@dataclass(frozen=True, slots=True)
class DsbSummary:
    quarter: str
    users_deactivated: int
    reasons: tuple[str, ...]
    corrective_actions: tuple[str, ...]
    escalations_by_level: dict[int, int]
    agencies_reviewed: tuple[str, ...]
    agencies_overdue: tuple[str, ...]


async def dsb_summary(
    *,
    caller: Caller,
    quarter: Quarter,
) -> DsbSummary:
    """The quarter for the Data Strategy Board: deactivations, reasons, corrective measures, and
    which agencies reviewed the report in time."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.ACCESS_REVIEW, Action.READ):
        raise Forbidden(
            "The Data Strategy Board summary is for the Board, the Lead Agency and the System Administrator."
        )
    escalations = list(await AccessEscalation.filter(quarter=quarter.label))
    deactivated = [e for e in escalations if e.deactivated_at is not None]
    by_level: dict[int, int] = {}
    for e in escalations:
        by_level[e.level] = by_level.get(e.level, 0) + 1
    reviewed_ids = set(  # (the cast: Tortoise types a flat values_list as a list of tuples)
        cast(
            "list[UUID]",
            await AccessReview.filter(quarter=quarter.label).values_list("agency_id", flat=True),
        )
    )
    agencies = {a.id: a.name for a in await Agency.filter(status="ACTIVE")}
    publication = await AccessReportPublication.get_or_none(quarter=quarter.label)
    overdue: list[str] = []
    if publication is not None and now > publication.published_at + REVIEW_WINDOW:
        overdue = sorted(
            name for agency_id, name in agencies.items() if agency_id not in reviewed_ids
        )
    return DsbSummary(
        quarter=quarter.label,
        users_deactivated=len({e.subject_id for e in deactivated}),
        reasons=tuple(e.deactivation_reason or "" for e in deactivated),
        corrective_actions=tuple(
            x for e in deactivated for x in (e.corrective_action, e.dsb_summary) if x
        ),
        escalations_by_level=dict(sorted(by_level.items())),
        agencies_reviewed=tuple(sorted(agencies[a] for a in reviewed_ids if a in agencies)),
        agencies_overdue=tuple(overdue),
    )
