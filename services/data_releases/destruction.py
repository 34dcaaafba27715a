"""After the extract: its delivery, the project's completion and the 90-day destruction
(policy 405, steps 7 and 8).

- Delivery names the extract handed over and how (the transfer protocol agreed): DELIVERED.
- When the Lead Agency records the project's completion, a compliance case opens
  (``CaseKind.DSA_DESTRUCTION``, no account: the requestor is outside Hearth; the DSA names the
  case) due 90 days after the completion, and the requestor hears of it (outbox).
- The ``deadlines`` job (``services.compliance.enforce_deadlines``) runs :func:`sweep`: while
  the case is open the requestor is reminded 30 and 7 days before the due date and on it; once
  overdue, every 30 days, the requestor again and the Lead Agency's users (escalation: Hearth
  can take nothing back from someone outside it, the Lead Agency acts under the DSA).
- The destruction is attested by the requestor and recorded by the Lead Agency (who attested,
  on which day, by what method): DESTROYED, the case RESOLVED, the requestor told.

Every step in its order (CONFLICT otherwise), logged; messages carry no client data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from models.compliance import CaseKind, CaseStatus, ComplianceCase
from models.data_releases import DataSharingAgreement, DsaExtract, DsaStatus
from models.enums import SystemRole, UserStatus
from models.users import SystemRoleGrant
from services.caller import Caller
from services.data_releases.common import conflict, locked, log, need
from services.errors import Conflict, NotFound, ValidationFailed
from services.notifications import Notice, due_phrase, queue

__all__ = [
    "DESTRUCTION_DAYS",
    "REMINDER_DAYS",
    "DestructionCounts",
    "attest_destruction",
    "complete_project",
    "deliver_extract",
    "sweep",
]

S = DsaStatus
DSA = DataSharingAgreement
DESTRUCTION_DAYS = 90  # policy 405: "within 90 days of project completion"
REMINDER_DAYS = (30, 7, 0)  # days before the due date the requestor is reminded
OVERDUE_EVERY_DAYS = 30  # once overdue: the requestor and the Lead Agency, every 30 days


async def deliver_extract(
    *, caller: Caller, agreement_id: UUID, extract_id: UUID, notes: str
) -> DataSharingAgreement:
    """Step 7: the extract named was delivered (how: the protocol agreed, the passphrase sent
    separately)."""
    body = need(notes, "notes", DSA, "delivery_notes")
    async with in_transaction():
        row = await locked(DSA, agreement_id, "data sharing agreement")
        conflict(row.status, (S.EXTRACTED,), "The delivery")
        if not await DsaExtract.exists(id=extract_id, agreement_id=row.id):
            raise NotFound("No such extract of this DSA.", field="extractId")
        row.delivered_at, row.delivered_extract_id, row.delivery_notes = (
            caller.now,
            extract_id,
            body,
        )
        row.status, row.updated_at = S.DELIVERED, caller.now
        await row.save(
            update_fields=[
                "delivered_at",
                "delivered_extract_id",
                "delivery_notes",
                "status",
                "updated_at",
            ]
        )
        await log(
            caller,
            "data_sharing_agreement.deliver",
            row,
            now=caller.now,
            before={"status": S.EXTRACTED},
            after={"status": row.status, "extractId": extract_id},
        )
    return row


async def complete_project(
    *, caller: Caller, agreement_id: UUID, completed_on: date
) -> DataSharingAgreement:
    """The project completed on ``completed_on`` (not in the future, not before the delivery):
    the destruction case opens, due 90 days later, and the requestor is told."""
    if completed_on > caller.today:
        raise ValidationFailed("completedOn is in the future.", field="completedOn")
    async with in_transaction():
        row = await locked(DSA, agreement_id, "data sharing agreement")
        conflict(row.status, (S.DELIVERED,), "The project's completion")
        if row.delivered_at is not None and completed_on < _local(row.delivered_at, caller):
            raise ValidationFailed("completedOn is before the delivery.", field="completedOn")
        case = await ComplianceCase.create(
            kind=CaseKind.DSA_DESTRUCTION,
            opened_at=caller.now,
            due_on=completed_on + timedelta(days=DESTRUCTION_DAYS),
        )
        row.completed_on, row.destruction_case_id = completed_on, case.id
        row.status, row.updated_at = S.COMPLETED, caller.now
        await row.save(
            update_fields=["completed_on", "destruction_case_id", "status", "updated_at"]
        )
        await log(
            caller,
            "data_sharing_agreement.complete",
            row,
            now=caller.now,
            before={"status": S.DELIVERED},
            after={
                "status": row.status,
                "completedOn": completed_on,
                "caseId": case.id,
                "dueOn": case.due_on,
            },
        )
        await queue([_requestor_notice(row, case, "opened")], now=caller.now)
    return row


async def attest_destruction(
    *,
    caller: Caller,
    agreement_id: UUID,
    destroyed_on: date,
    attested_by: str,
    method: str,
) -> DataSharingAgreement:
    """Step 8: the requestor attested the file's destruction (who, on which day, how); the
    Lead Agency records it; the case is resolved and the requestor told."""
    who = need(attested_by, "attestedBy", DSA, "destruction_attested_by")
    how = need(method, "method", DSA, "destruction_method")
    if destroyed_on > caller.today:
        raise ValidationFailed("destroyedOn is in the future.", field="destroyedOn")
    async with in_transaction():
        row = await locked(DSA, agreement_id, "data sharing agreement")
        conflict(row.status, (S.COMPLETED,), "The destruction's attestation")
        if row.delivered_at is not None and destroyed_on < _local(row.delivered_at, caller):
            raise ValidationFailed("destroyedOn is before the delivery.", field="destroyedOn")
        case = await ComplianceCase.filter(id=row.destruction_case_id).select_for_update().first()
        if case is None or case.status != CaseStatus.OPEN:
            raise Conflict("The destruction case is not open.", field="id")
        row.destroyed_on, row.destruction_attested_by, row.destruction_method = (
            destroyed_on,
            who,
            how,
        )
        row.destruction_recorded_by_id = caller.principal.user_id
        row.destruction_recorded_at = caller.now
        row.status, row.updated_at = S.DESTROYED, caller.now
        await row.save(
            update_fields=[
                "destroyed_on",
                "destruction_attested_by",
                "destruction_method",
                "destruction_recorded_by_id",
                "destruction_recorded_at",
                "status",
                "updated_at",
            ]
        )
        late = destroyed_on > case.due_on
        case.status, case.closed_at = CaseStatus.RESOLVED, caller.now
        case.resolution = (
            f"Destruction attested on {destroyed_on.isoformat()}"
            + (" (after the deadline)" if late else "")
            + f" (DSA {row.id})."
        )
        await case.save(update_fields=["status", "closed_at", "resolution"])
        await log(
            caller,
            "data_sharing_agreement.destroy",
            row,
            now=caller.now,
            before={"status": S.COMPLETED},
            after={
                "status": row.status,
                "destroyedOn": destroyed_on,
                "attestedBy": who,
                "method": how,
                "caseId": case.id,
                "late": late,
            },
        )
        await queue([_requestor_notice(row, case, "resolved")], now=caller.now)
    return row


def _local(moment: datetime, caller: Caller) -> date:
    return moment.astimezone(caller.timezone).date()


@dataclass(slots=True)
class DestructionCounts:
    reminded: int = 0
    overdue: int = 0
    messages: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"reminded": self.reminded, "overdue": self.overdue, "messages": self.messages}


async def sweep(*, now: datetime, tz: ZoneInfo) -> DestructionCounts:
    """The open destruction cases: reminders before and on the due date, then every 30 days
    overdue the requestor and the Lead Agency. Idempotent (each message once, by its key)."""
    counts = DestructionCounts()
    today = now.astimezone(tz).date()
    async with in_transaction():
        cases = {
            c.id: c
            for c in await ComplianceCase.filter(
                kind=CaseKind.DSA_DESTRUCTION, status=CaseStatus.OPEN
            )
        }
        if not cases:
            return counts
        rows = await DSA.filter(destruction_case_id__in=list(cases), status=S.COMPLETED)
        lead: list[UUID] | None = None
        notices: list[Notice] = []
        for row in rows:
            assert row.destruction_case_id is not None
            case = cases[row.destruction_case_id]
            days_left = (case.due_on - today).days
            if days_left >= 0:
                due = [d for d in REMINDER_DAYS if days_left <= d]
                if due:
                    mark = min(due)
                    notices.append(_requestor_notice(row, case, f"reminder-{mark}"))
                    counts.reminded += 1
                continue
            period = (-days_left - 1) // OVERDUE_EVERY_DAYS  # 0 from the day after the due date
            counts.overdue += 1
            notices.append(_requestor_notice(row, case, f"overdue-{period}"))
            if lead is None:
                lead = [
                    g.user_id
                    for g in await SystemRoleGrant.filter(
                        role=SystemRole.LEAD_AGENCY, user__status=UserStatus.ACTIVE
                    )
                ]
            notices += [_lead_notice(row, case, period, user_id) for user_id in lead]
        counts.messages = await queue(notices, now=now)
    return counts


def _requestor_notice(row: DataSharingAgreement, case: ComplianceCase, event: str) -> Notice:
    due = due_phrase(case.due_on)
    if event == "opened":
        subject = f"CT HMIS data: destroy the data file by {due} (policy 405)"
        text = (
            f"The project under your Data Sharing Agreement was recorded as completed on "
            f"{row.completed_on}. Under CT HMIS policy 405 the data file you received must be "
            f"destroyed within 90 days of the project's completion: by {due}. Please tell the "
            "CT HMIS Lead Agency when it is destroyed, by whom and how; it records your "
            "attestation."
        )
    elif event == "resolved":
        subject = "CT HMIS data: destruction of the data file recorded (policy 405)"
        text = (
            f"The destruction of the data file was recorded as attested on {row.destroyed_on}. "
            "Nothing more is needed under your Data Sharing Agreement."
        )
    elif event.startswith("reminder"):
        subject = f"Reminder: destroy the CT HMIS data file by {due} (policy 405)"
        text = (
            f"The data file received under your Data Sharing Agreement must be destroyed by "
            f"{due} (90 days after the project's completion, policy 405), and its destruction "
            "attested to the CT HMIS Lead Agency."
        )
    else:
        subject = f"Overdue: the CT HMIS data file was due to be destroyed by {due} (policy 405)"
        text = (
            f"The data file received under your Data Sharing Agreement was due to be destroyed "
            f"by {due} (policy 405), and no destruction has been attested. Destroy it now and "
            "attest its destruction to the CT HMIS Lead Agency; the Lead Agency has been told."
        )
    body = (
        f"Dear {row.requestor_name},\n\n{text}\n\nData Sharing Agreement: {row.id}\n"
        f"Organization: {row.requestor_organization}\nDeadline: {due}\n\n"
        "This message was sent by the CT HMIS system. It contains no client information.\n"
    )
    return Notice(
        kind=f"compliance.dsa_destruction.{event.split('-')[0]}",
        subject=subject,
        body=body,
        dedupe_key=f"case:{case.id}:{event}:requestor",
        to_address=row.requestor_email,
        payload=_payload(row, case, event),
    )


def _lead_notice(
    row: DataSharingAgreement, case: ComplianceCase, period: int, user_id: UUID
) -> Notice:
    due = due_phrase(case.due_on)
    return Notice(
        kind="compliance.dsa_destruction.escalated",
        subject=f"Overdue DSA destruction: {row.requestor_organization} (policy 405)",
        body=(
            f"The data file delivered under the Data Sharing Agreement with "
            f"{row.requestor_organization} ({row.requestor_name}) was due to be destroyed by "
            f"{due}, 90 days after the project's completion (policy 405). No destruction has "
            "been attested; the requestor has been reminded. Follow it up under the DSA and "
            "record the attestation in Hearth.\n\n"
            f"Data Sharing Agreement: {row.id}\nCase: {case.id}\n\n"
            "This message was sent by the CT HMIS system. It contains no client information.\n"
        ),
        dedupe_key=f"case:{case.id}:overdue-{period}:{user_id}",
        recipient_id=user_id,
        payload=_payload(row, case, f"overdue-{period}"),
    )


def _payload(row: DataSharingAgreement, case: ComplianceCase, event: str) -> dict[str, Any]:
    return {
        "caseId": str(case.id),
        "kind": CaseKind.DSA_DESTRUCTION.value,
        "event": event,
        "dueOn": case.due_on.isoformat(),
        "agreementId": str(row.id),
    }
