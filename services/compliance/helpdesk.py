"""Policy 211's evidence from outside Hearth: help-desk tickets, and a CoC's request that an
agency's users be retrained."""

from __future__ import annotations

import re
from datetime import datetime
from typing import cast
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from authz.resources import Action, Resource
from models.compliance import AgencyRetrainingRequest, CaseKind, CaseRule, HelpdeskTicket
from models.enums import UserStatus
from models.governance import Agency, ContinuumOfCare
from models.users import Membership
from services.caller import Caller
from services.compliance.cases import SweepCounts, _Found, _record_findings
from services.errors import Forbidden, NotFound, ValidationFailed
from services.users import get_user
from services.values import bounded, max_length

__all__ = ["record_helpdesk_ticket", "request_agency_retraining", "topic_words"]

TOPIC_SIMILARITY = 0.5  # share of words two topics have in common to count as "similar"
MAX_TICKET_MINUTES = 24 * 60

_STOPWORDS = frozenset(
    "a an and are as at be but by can cannot cant could do does for from how i in is it my "
    "not of on or please the to too was when why with won wont".split()
)


def topic_words(topic: str) -> frozenset[str]:
    """A topic's significant words, lightly stemmed: "Password resets" ~ "reset my password"."""
    words = set()
    for word in re.findall(r"[a-z0-9]+", topic.casefold()):
        if word in _STOPWORDS:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if len(word) > len(suffix) + 2 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        words.add(word)
    return frozenset(words)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= TOPIC_SIMILARITY


async def record_helpdesk_ticket(
    *,
    caller: Caller,
    user_id: UUID | None,
    external_id: str | None,
    opened_at: datetime,
    topic: str,
    minutes_spent: int,
    system_performance_issue: bool,
    external_ref: str | None,
) -> tuple[HelpdeskTicket, bool]:
    """Record a ticket from the help desk (policy 211's evidence). The same ``external_ref``
    twice returns the first ticket unchanged."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.HELPDESK_TICKET, Action.RECORD):
        raise Forbidden(
            "Only the System Administrator or the help-desk integration records tickets."
        )
    topic = topic.strip()
    limit = max_length(HelpdeskTicket, "topic")
    if not topic or len(topic) > limit:
        raise ValidationFailed(f"topic must be 1 to {limit} characters.", field="topic")
    if not 0 <= minutes_spent <= MAX_TICKET_MINUTES:
        raise ValidationFailed(
            f"minutesSpent must be between 0 and {MAX_TICKET_MINUTES}.", field="minutesSpent"
        )
    if opened_at.tzinfo is None:
        raise ValidationFailed("openedAt needs a time zone offset.", field="openedAt")
    if opened_at > now:
        raise ValidationFailed("openedAt is in the future.", field="openedAt")
    ref = external_ref.strip() if external_ref else None
    limit = max_length(HelpdeskTicket, "external_ref")
    if ref is not None and not 1 <= len(ref) <= limit:
        raise ValidationFailed(f"externalRef must be 1 to {limit} characters.", field="externalRef")
    user = await get_user(user_id=user_id, external_id=external_id)
    if ref is not None:
        existing = await HelpdeskTicket.get_or_none(external_ref=ref)
        if existing is not None:
            if existing.user_id != user.id:
                raise ValidationFailed(
                    "That externalRef is another user's ticket.", field="externalRef"
                )
            return existing, False
    words = topic_words(topic)
    try:
        ticket = await HelpdeskTicket.create(
            user=user,
            external_ref=ref,
            opened_at=opened_at,
            topic=topic,
            topic_key=" ".join(sorted(words))[:200],
            minutes_spent=minutes_spent,
            system_performance_issue=system_performance_issue,
            recorded_at=now,
        )
    except IntegrityError:  # the same externalRef, recorded concurrently
        existing = await HelpdeskTicket.get_or_none(external_ref=ref)
        if existing is None or existing.user_id != user.id:
            raise ValidationFailed(
                "That externalRef is another user's ticket.", field="externalRef"
            ) from None
        return existing, False
    return ticket, True


async def request_agency_retraining(
    *,
    caller: Caller,
    agency_id: UUID,
    coc_code: str,
    reason: str,
) -> tuple[AgencyRetrainingRequest, int]:
    """Policy 211 (d): a CoC asks that an agency's users be retrained. Every active user of the
    agency gets a retraining case at once. Returns the request and the number of users flagged."""
    decisions = caller.decisions
    now = caller.now
    tz = caller.timezone
    if not decisions.system_wide(Resource.RETRAINING, Action.REQUEST):
        raise Forbidden("Only the System Administrator or the Lead Agency records a CoC's request.")
    reason = reason.strip()
    limit = max_length(AgencyRetrainingRequest, "reason")
    if not reason or len(reason) > limit:
        raise ValidationFailed(f"Give a reason of 1 to {limit} characters.", field="reason")
    code = bounded(coc_code.strip().upper(), ContinuumOfCare, "code", "cocCode")
    coc = await ContinuumOfCare.get_or_none(code=code)
    if coc is None:
        raise ValidationFailed("No such Continuum of Care.", field="cocCode")
    agency = await Agency.get_or_none(id=agency_id)
    if agency is None:
        raise NotFound("No such agency.", field="agencyId")
    if agency.coc_id != coc.id:
        raise ValidationFailed(
            f"The agency is not in {coc.code}; a CoC requests retraining for its own agencies.",
            field="agencyId",
        )
    counts = SweepCounts()
    async with in_transaction():
        request = await AgencyRetrainingRequest.create(
            agency=agency,
            coc=coc,
            reason=reason,
            requested_by_id=decisions.principal.user_id,
            requested_at=now,
        )
        user_ids = cast(  # Tortoise types a flat values_list as a list of tuples
            "list[UUID]",
            await Membership.filter(agency=agency, user__status=UserStatus.ACTIVE).values_list(
                "user_id", flat=True
            ),
        )
        found = [
            _Found(
                user_id=uid,
                rule=CaseRule.COC_REQUEST,
                key=f"request:{request.id}",
                evidence={
                    "requestId": str(request.id),
                    "coc": coc.code,
                    "agency": agency.name,
                    "reason": reason,
                },
            )
            for uid in user_ids
        ]
        await _record_findings(CaseKind.RETRAINING, found, now=now, tz=tz, counts=counts)
    return request, counts.opened + counts.findings
