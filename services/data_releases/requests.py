"""Aggregate data requests (policy 405, releasing aggregate data without PII):

1) the requestor completes the Data Request Form, which the Lead Agency enters (SUBMITTED);
2) Lead Agency staff review each variable and parameter requested (REVIEWED);
3) Lead Agency staff meet the requestor (MET);
4) the request is processed and delivered (DELIVERED): the aggregate report itself is built by
   ``services.reports.aggregates``; here the delivery is recorded.

A request naming a PII variable (policy 405's names, initials, DOB, phone, e-mail, SSN) is
refused: it goes the Data Sharing Agreement's way (``services.data_releases.agreements``). A
request may be DECLINED by the Lead Agency or WITHDRAWN by the requestor before delivery. Each
step in its order only (CONFLICT otherwise), logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.resources import Action, Resource
from models.data_releases import DataRequest, DataRequestStatus
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
    text,
)
from services.errors import ValidationFailed

__all__ = [
    "ItemReview",
    "PiiNeedsAgreement",
    "close_request",
    "deliver_request",
    "record_request_meeting",
    "review_request",
    "submit_request",
]

S = DataRequestStatus
PARAMETERS = ("scope", "period")  # the parameters reviewed besides the variables


class PiiNeedsAgreement(ValidationFailed):
    """A request for PII on the aggregate route: it needs a Data Sharing Agreement."""


def _values(row: DataRequest) -> dict[str, Any]:
    return {
        "status": row.status,
        "variables": row.variables,
        "scope": row.scope,
        "startDate": row.start_date,
        "endDate": row.end_date,
    }


async def submit_request(
    *,
    caller: Caller,
    requestor: Requestor,
    purpose: str,
    variables: list[str],
    scope: str,
    start_date: date,
    end_date: date,
) -> DataRequest:
    """Enter a Data Request Form. A PII variable: VALIDATION (field ``variables``): a request
    with PII needs a Data Sharing Agreement."""
    who = requestor.checked(DataRequest)
    body = need(purpose, "purpose", DataRequest, "purpose")
    names = check_variables(variables)
    pii = [n for n in names if n in PII]
    if pii:
        raise PiiNeedsAgreement(
            f"{', '.join(pii)} {'is' if len(pii) == 1 else 'are'} PII (policy 405): a request "
            "with PII needs a Data Sharing Agreement approved by the Data Strategy Board.",
            field="variables",
        )
    plan = await checked_scope(
        caller, scope, start_date, end_date, resource=Resource.DATA_REQUEST, action=Action.MANAGE
    )
    async with in_transaction():
        row = await DataRequest.create(
            **who,
            purpose=body,
            variables=names,
            scope=str(plan.scope),
            start_date=start_date,
            end_date=end_date,
            entered_by_id=caller.principal.user_id,
            submitted_at=caller.now,
        )
        await log(caller, "data_request.submit", row, now=caller.now, after=_values(row))
    return row


@dataclass(frozen=True, slots=True)
class ItemReview:
    """The review of one variable or parameter (``scope``, ``period``)."""

    item: str
    accepted: bool
    note: str | None = None


async def review_request(
    *, caller: Caller, request_id: UUID, items: list[ItemReview]
) -> DataRequest:
    """Step 2: each variable requested and each parameter (scope, period) reviewed, once each."""
    async with in_transaction():
        row = await locked(DataRequest, request_id, "data request")
        conflict(row.status, (S.SUBMITTED,), "The review")
        expected = [*row.variables, *PARAMETERS]
        given = [i.item for i in items]
        if len(set(given)) != len(given):
            raise ValidationFailed("Review each variable and parameter once.", field="items")
        missing = [n for n in expected if n not in given]
        extra = [n for n in given if n not in expected]
        if missing or extra:
            raise ValidationFailed(
                "Review exactly the variables requested and the parameters scope and period"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not requested: {', '.join(x[:40] for x in extra)}" if extra else "")
                + ".",
                field="items",
            )
        review = [
            {
                "item": i.item,
                "accepted": i.accepted,
                "note": text(i.note, f"items[{n}].note", DataRequest, "purpose", required=False),
            }
            for n, i in enumerate(sorted(items, key=lambda i: expected.index(i.item)))
        ]
        row.review, row.reviewed_at, row.reviewed_by_id = (
            review,
            caller.now,
            caller.principal.user_id,
        )
        row.status = S.REVIEWED
        await row.save(update_fields=["review", "reviewed_at", "reviewed_by_id", "status"])
        await log(
            caller,
            "data_request.review",
            row,
            now=caller.now,
            before={"status": S.SUBMITTED},
            after={"status": row.status, "review": review},
        )
    return row


async def record_request_meeting(
    *, caller: Caller, request_id: UUID, met_on: date, notes: str
) -> DataRequest:
    """Step 3: the Lead Agency met the requestor (not in the future)."""
    return await record_meeting(
        caller,
        DataRequest,
        request_id,
        "data request",
        met_on=met_on,
        notes=notes,
        reviewed=S.REVIEWED,
        met=S.MET,
        action="data_request.meet",
    )


async def deliver_request(*, caller: Caller, request_id: UUID, delivery: str) -> DataRequest:
    """Step 4: what was delivered (the aggregate report's reference, the channel), now."""
    body = need(delivery, "delivery", DataRequest, "delivery")
    async with in_transaction():
        row = await locked(DataRequest, request_id, "data request")
        conflict(row.status, (S.MET,), "The delivery")
        row.delivery, row.delivered_at, row.delivered_by_id = (
            body,
            caller.now,
            caller.principal.user_id,
        )
        row.status = S.DELIVERED
        await row.save(update_fields=["delivery", "delivered_at", "delivered_by_id", "status"])
        await log(
            caller,
            "data_request.deliver",
            row,
            now=caller.now,
            before={"status": S.MET},
            after={"status": row.status, "delivery": body},
        )
    return row


async def close_request(
    *, caller: Caller, request_id: UUID, status: DataRequestStatus, reason: str
) -> DataRequest:
    """DECLINED (by the Lead Agency) or WITHDRAWN (by the requestor), before delivery."""
    if status not in (S.DECLINED, S.WITHDRAWN):
        raise ValidationFailed("A request closes DECLINED or WITHDRAWN.", field="status")
    body = need(reason, "reason", DataRequest, "closed_reason")
    async with in_transaction():
        row = await locked(DataRequest, request_id, "data request")
        before = row.status
        conflict(row.status, (S.SUBMITTED, S.REVIEWED, S.MET), "Closing a request")
        row.status, row.closed_at, row.closed_reason = status, caller.now, body
        await row.save(update_fields=["status", "closed_at", "closed_reason"])
        await log(
            caller,
            "data_request.close",
            row,
            now=caller.now,
            before={"status": before},
            after={"status": status},
            reason=body,
        )
    return row
