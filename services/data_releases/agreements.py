"""Requests with PII and their Data Sharing Agreements (policy 405, releasing data with PII):

1) a request with PII, entered by the Lead Agency (REQUESTED); a Lead Agency staff member
   contacts the requestor to confirm PII is needed and discusses its sensitive nature
   (PII_CONFIRMED, the contact recorded);
2) the requestor submits the DSA (SUBMITTED): the business need and intent in detail, the
   variables (from ``services.data_releases.catalogue``), the scope and period, the secure
   transfer protocol agreed, the agreement to share analyses and drafts with the Lead Agency and
   the DSB before publication, that no client-level data is published (acknowledged), the
   parties (no third party outside them), the project's expected completion;
3) the Lead Agency reviews the DSA (REVIEWED); 4) meets the requestor (MET);
5) the DSA is put to the Data Strategy Board: a motion on the subject
   ``MotionSubject.DATA_SHARING_AGREEMENT`` may be opened on a MET agreement only, and its
   outcome marks it APPROVED (carried) or DENIED (failed), naming the motion;
6) the Lead Agency finalizes and executes it (EXECUTED);
7) produces the extract (``services.data_releases.extract``: EXTRACTED) and delivers it
   (DELIVERED);
8) when the project completes, the requestor destroys the file within 90 days
   (``services.data_releases.destruction``: COMPLETED, then DESTROYED once attested).

Before execution the requestor may withdraw (WITHDRAWN). Each step in its order only
(CONFLICT otherwise), logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.resources import Action, Resource
from models.data_releases import DataSharingAgreement, DsaStatus
from models.dsb import Meeting, Motion, MotionStatus, MotionSubject
from services.caller import Caller
from services.data_releases.catalogue import PII, check_variables
from services.data_releases.common import (
    Requestor,
    checked_scope,
    conflict,
    locked,
    log,
    need,
    record_meeting,
)
from services.dsb.subjects import register
from services.errors import Conflict, NotFound, ValidationFailed

__all__ = [
    "DsaTerms",
    "confirm_pii",
    "execute_agreement",
    "get_agreement",
    "record_agreement_meeting",
    "record_pii_request",
    "review_agreement",
    "submit_agreement",
    "withdraw_agreement",
]

S = DsaStatus
DSA = DataSharingAgreement


async def _lock(agreement_id: UUID, *, field: str = "id") -> DataSharingAgreement:
    return await locked(DSA, agreement_id, "data sharing agreement", field=field)


def _touch(row: DataSharingAgreement, caller: Caller, *changed: str) -> list[str]:
    row.updated_at = caller.now
    return [*changed, "updated_at"]


async def record_pii_request(
    *, caller: Caller, requestor: Requestor, purpose: str, variables: list[str]
) -> DataSharingAgreement:
    """Step 1: a data request that includes PII (at least one PII variable; else it is an
    aggregate request: VALIDATION)."""
    who = requestor.checked(DSA)
    body = need(purpose, "purpose", DSA, "purpose")
    names = check_variables(variables)
    if not any(n in PII for n in names):
        raise ValidationFailed(
            "No PII variable: an aggregate data request needs no DSA (submitDataRequest).",
            field="variables",
        )
    async with in_transaction():
        row = await DSA.create(
            **who,
            purpose=body,
            requested_variables=names,
            entered_by_id=caller.principal.user_id,
            entered_at=caller.now,
            updated_at=caller.now,
        )
        await log(
            caller,
            "data_sharing_agreement.request",
            row,
            now=caller.now,
            after={"status": row.status, "requestedVariables": names},
        )
    return row


async def confirm_pii(
    *, caller: Caller, agreement_id: UUID, contacted_on: date, notes: str
) -> DataSharingAgreement:
    """Step 1: the Lead Agency contacted the requestor, confirmed PII is needed and discussed
    the sensitive nature of HMIS PII (the contact recorded: when, who, what was said)."""
    body = need(notes, "notes", DSA, "pii_contact_notes")
    if contacted_on > caller.today:
        raise ValidationFailed("contactedOn is in the future.", field="contactedOn")
    async with in_transaction():
        row = await _lock(agreement_id)
        conflict(row.status, (S.REQUESTED,), "Confirming PII")
        row.pii_contacted_on, row.pii_contact_notes = contacted_on, body
        row.pii_contacted_by_id = caller.principal.user_id
        row.status = S.PII_CONFIRMED
        await row.save(
            update_fields=_touch(
                row,
                caller,
                "pii_contacted_on",
                "pii_contact_notes",
                "pii_contacted_by_id",
                "status",
            )
        )
        await log(
            caller,
            "data_sharing_agreement.confirm_pii",
            row,
            now=caller.now,
            before={"status": S.REQUESTED},
            after={"status": row.status, "contactedOn": contacted_on},
        )
    return row


@dataclass(frozen=True, slots=True)
class DsaTerms:
    """What the requestor's DSA says (policy 405, step 2)."""

    business_need: str
    intent: str
    variables: list[str]
    scope: str
    start_date: date
    end_date: date
    transfer_protocol: str
    publication_review_agreed: bool
    no_client_level_publication: bool
    parties: list[str]
    completion_expected_on: date


def _terms(row: DataSharingAgreement) -> dict[str, Any]:
    return {
        "businessNeed": row.business_need,
        "intent": row.intent,
        "variables": row.variables,
        "scope": row.scope,
        "startDate": row.start_date,
        "endDate": row.end_date,
        "transferProtocol": row.transfer_protocol,
        "publicationReviewAgreed": row.publication_review_agreed,
        "noClientLevelPublication": row.no_client_level_publication,
        "parties": row.parties,
        "completionExpectedOn": row.completion_expected_on,
    }


async def submit_agreement(
    *, caller: Caller, agreement_id: UUID, terms: DsaTerms
) -> DataSharingAgreement:
    """Step 2: the DSA's terms. Every clause of policy 405 is required: the publication review
    agreed and no client-level publication acknowledged (VALIDATION otherwise), at least one
    party, a PII variable (else no DSA is needed), a scope the Lead Agency may work over and a
    period whose end is not before its start. Submitted again (corrected) until reviewed."""
    business_need = need(terms.business_need, "businessNeed", DSA, "business_need")
    intent = need(terms.intent, "intent", DSA, "intent")
    protocol = need(terms.transfer_protocol, "transferProtocol", DSA, "transfer_protocol")
    names = check_variables(terms.variables)
    if not any(n in PII for n in names):
        raise ValidationFailed(
            "No PII variable: an aggregate data request needs no DSA.", field="variables"
        )
    if not terms.publication_review_agreed:
        raise ValidationFailed(
            "The requestor must agree to share analyses and drafts with the Lead Agency and the "
            "DSB before publication (policy 405).",
            field="publicationReviewAgreed",
        )
    if not terms.no_client_level_publication:
        raise ValidationFailed(
            "The requestor must acknowledge that client-level data may not be published "
            "(policy 405).",
            field="noClientLevelPublication",
        )
    parties = [need(p, f"parties[{i}]", DSA, "requestor_name") for i, p in enumerate(terms.parties)]
    if not parties:
        raise ValidationFailed(
            "Name the parties who may hold the data: no third party outside them (policy 405).",
            field="parties",
        )
    if len({p.casefold() for p in parties}) != len(parties):
        raise ValidationFailed("Name each party once.", field="parties")
    if terms.completion_expected_on < terms.start_date:
        raise ValidationFailed(
            "completionExpectedOn is before the period's start.", field="completionExpectedOn"
        )
    plan = await checked_scope(
        caller,
        terms.scope,
        terms.start_date,
        terms.end_date,
        resource=Resource.DATA_SHARING_AGREEMENT,
        action=Action.MANAGE,
    )
    async with in_transaction():
        row = await _lock(agreement_id)
        conflict(row.status, (S.PII_CONFIRMED, S.SUBMITTED), "Submitting the DSA")
        before = {"status": row.status, **_terms(row)}
        row.business_need, row.intent, row.variables = business_need, intent, names
        row.scope, row.start_date, row.end_date = str(plan.scope), terms.start_date, terms.end_date
        row.transfer_protocol = protocol
        row.publication_review_agreed = True
        row.no_client_level_publication = True
        row.parties = parties
        row.completion_expected_on = terms.completion_expected_on
        row.submitted_at, row.status = caller.now, S.SUBMITTED
        await row.save(
            update_fields=_touch(
                row,
                caller,
                "business_need",
                "intent",
                "variables",
                "scope",
                "start_date",
                "end_date",
                "transfer_protocol",
                "publication_review_agreed",
                "no_client_level_publication",
                "parties",
                "completion_expected_on",
                "submitted_at",
                "status",
            )
        )
        await log(
            caller,
            "data_sharing_agreement.submit",
            row,
            now=caller.now,
            before=before,
            after={"status": row.status, **_terms(row)},
        )
    return row


async def review_agreement(
    *, caller: Caller, agreement_id: UUID, notes: str
) -> DataSharingAgreement:
    """Step 3: the Lead Agency reviewed the DSA (its notes)."""
    body = need(notes, "notes", DSA, "review_notes")
    async with in_transaction():
        row = await _lock(agreement_id)
        conflict(row.status, (S.SUBMITTED,), "The review")
        row.review_notes, row.reviewed_at = body, caller.now
        row.reviewed_by_id, row.status = caller.principal.user_id, S.REVIEWED
        await row.save(
            update_fields=_touch(
                row, caller, "review_notes", "reviewed_at", "reviewed_by_id", "status"
            )
        )
        await log(
            caller,
            "data_sharing_agreement.review",
            row,
            now=caller.now,
            before={"status": S.SUBMITTED},
            after={"status": row.status},
        )
    return row


async def record_agreement_meeting(
    *, caller: Caller, agreement_id: UUID, met_on: date, notes: str
) -> DataSharingAgreement:
    """Step 4: the Lead Agency met the requestor; the DSA is then ready for the board."""
    return await record_meeting(
        caller,
        DSA,
        agreement_id,
        "data sharing agreement",
        met_on=met_on,
        notes=notes,
        reviewed=S.REVIEWED,
        met=S.MET,
        action="data_sharing_agreement.meet",
        stamped=True,
    )


async def execute_agreement(
    *, caller: Caller, agreement_id: UUID, executed_on: date
) -> DataSharingAgreement:
    """Step 6: finalized and executed by the Lead Agency, after the board approved it."""
    if executed_on > caller.today:
        raise ValidationFailed("executedOn is in the future.", field="executedOn")
    async with in_transaction():
        row = await _lock(agreement_id)
        conflict(row.status, (S.APPROVED,), "Execution")
        if row.decided_at is not None and executed_on < row.decided_at.date():
            raise ValidationFailed("executedOn is before the board's approval.", field="executedOn")
        row.executed_on, row.executed_by_id = executed_on, caller.principal.user_id
        row.status = S.EXECUTED
        await row.save(update_fields=_touch(row, caller, "executed_on", "executed_by_id", "status"))
        await log(
            caller,
            "data_sharing_agreement.execute",
            row,
            now=caller.now,
            before={"status": S.APPROVED},
            after={"status": row.status, "executedOn": executed_on},
        )
    return row


_OPEN_STEPS = (S.REQUESTED, S.PII_CONFIRMED, S.SUBMITTED, S.REVIEWED, S.MET, S.APPROVED)


async def withdraw_agreement(
    *, caller: Caller, agreement_id: UUID, reason: str
) -> DataSharingAgreement:
    """The requestor withdrew before execution (not while the board is deciding it)."""
    body = need(reason, "reason", DSA, "closed_reason")
    async with in_transaction():
        row = await _lock(agreement_id)
        before = row.status
        conflict(row.status, _OPEN_STEPS, "Withdrawal")
        if await Motion.exists(
            subject_kind=MotionSubject.DATA_SHARING_AGREEMENT,
            subject_id=row.id,
            status=MotionStatus.OPEN,
        ):
            raise Conflict("A motion on this DSA is open: the board decides first.", field="id")
        row.status, row.closed_reason = S.WITHDRAWN, body
        await row.save(update_fields=_touch(row, caller, "status", "closed_reason"))
        await log(
            caller,
            "data_sharing_agreement.withdraw",
            row,
            now=caller.now,
            before={"status": before},
            after={"status": row.status},
            reason=body,
        )
    return row


# Step 5: the board (services.dsb.meetings opens and closes the motion, in its transaction).


async def _opened(caller: Caller, meeting: Meeting, subject_id: UUID) -> None:
    """A motion may be put on a DSA the Lead Agency has reviewed and met the requestor about."""
    row = await _lock(subject_id, field="subjectId")
    if row.status != S.MET:
        raise Conflict(
            "Only a DSA reviewed and discussed with the requestor (MET) is put to the board; "
            f"this one is {row.status.value}.",
            field="subjectId",
        )


async def _decided(caller: Caller, motion: Motion) -> None:
    """The motion carried: APPROVED; failed: DENIED; naming the motion."""
    assert motion.subject_id is not None  # (a motion on a subject names it)
    row = await _lock(motion.subject_id, field="subjectId")
    if row.status != S.MET:  # (a second open motion is refused, so it is still MET)
        raise Conflict("The DSA is no longer waiting for the board.", field="subjectId")
    carried = motion.status == MotionStatus.CARRIED
    row.status = S.APPROVED if carried else S.DENIED
    row.motion_id, row.decided_at = motion.id, caller.now
    if not carried:
        row.closed_reason = "The Data Strategy Board did not approve it."
    await row.save(
        update_fields=_touch(row, caller, "status", "motion_id", "decided_at", "closed_reason")
    )
    await log(
        caller,
        "data_sharing_agreement.decide",
        row,
        now=caller.now,
        before={"status": S.MET},
        after={"status": row.status, "motionId": motion.id, "yes": motion.yes, "no": motion.no},
    )


register(MotionSubject.DATA_SHARING_AGREEMENT, opened=_opened, decided=_decided)


async def get_agreement(agreement_id: UUID) -> DataSharingAgreement:
    row = await DSA.filter(id=agreement_id).first()
    if row is None:
        raise NotFound("No such data sharing agreement.", field="id")
    return row
