"""Who hears of a case (the user, their HDCs and, for retraining, their agencies' Executive
Directors) and what the messages say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from models.compliance import CaseKind, CaseRule, ComplianceCase
from models.enums import AgencyStatus, Duty, UserStatus
from models.governance import Agency
from models.users import User, UserDuty
from services.compliance.rules import _POLICY, describe_finding
from services.notifications import Notice, due_phrase

__all__: list[str] = []


@dataclass(frozen=True, slots=True)
class _Recipients:
    hdcs: list[tuple[UUID, UUID, str]]  # (user id, agency id, agency name)
    directors: list[tuple[str, str | None, UUID, str]]  # (e-mail, name, agency id, agency name)


async def _recipients(user_id: UUID) -> _Recipients:
    """The HDCs (policy 107) and Executive Directors on record (policy 211) of the user's active
    agencies."""
    agencies = await Agency.filter(memberships__user_id=user_id, status=AgencyStatus.ACTIVE).values(
        "id", "name", "executive_director_name", "executive_director_email"
    )
    ids = [a["id"] for a in agencies]
    names = {a["id"]: a["name"] for a in agencies}
    hdcs = await UserDuty.filter(
        agency_id__in=ids, duty=Duty.HMIS_DATA_COORDINATOR, user__status=UserStatus.ACTIVE
    ).values("user_id", "agency_id")
    return _Recipients(
        hdcs=[
            (h["user_id"], h["agency_id"], names[h["agency_id"]])
            for h in hdcs
            if h["user_id"] != user_id
        ],
        directors=[
            (a["executive_director_email"], a["executive_director_name"], a["id"], a["name"])
            for a in agencies
            if a["executive_director_email"]
        ],
    )


def _display(user: User) -> str:
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    return f"{name} ({user.username})" if name else user.username


_SUBJECTS = {
    (
        CaseKind.SHARED_CONTACT,
        "opened",
    ): "Action needed by {due}: {who} shares an e-mail address or MFA contact (CT HMIS policies 109, 202)",
    (
        CaseKind.SHARED_CONTACT,
        "enforced",
    ): "{who}: CT HMIS account deactivated, shared contact not replaced (policies 109, 202)",
    (
        CaseKind.SHARED_CONTACT,
        "resolved",
    ): "Resolved: {who} now has a unique contact (CT HMIS policies 109, 202)",
    (CaseKind.RETRAINING, "opened"): "Retraining required by {due}: {who} (CT HMIS policy 211)",
    (
        CaseKind.RETRAINING,
        "enforced",
    ): "{who}: CT HMIS access made inactive, retraining not completed (policy 211)",
    (
        CaseKind.RETRAINING,
        "resolved",
    ): "Resolved: {who} completed the retraining (CT HMIS policy 211)",
}

_ACTION = {
    (CaseKind.SHARED_CONTACT, "opened"): (
        "Each CT HMIS user must have an e-mail address and an MFA contact of their own (policies 109 "
        "and 202). A unique e-mail address or MFA contact must be provided by {due}. If it is not, "
        "the account will be deactivated on that date."
    ),
    (CaseKind.SHARED_CONTACT, "enforced"): (
        "No unique e-mail address or MFA contact was provided by {due}, so the account has been "
        "deactivated and its sessions ended (policies 109 and 202). The HMIS Data Coordinator can "
        "ask the System Administrator to restore it once a unique contact is provided."
    ),
    (CaseKind.SHARED_CONTACT, "resolved"): (
        "The account's e-mail address and MFA contact are no longer shared. Nothing more is needed."
    ),
    (CaseKind.RETRAINING, "opened"): (
        "Under policy 211 the user must register for and complete the CT HMIS training for their "
        "project type by {due}. If the training is not completed by then, the user's CT HMIS access "
        "will be made inactive."
    ),
    (CaseKind.RETRAINING, "enforced"): (
        "The retraining was not completed by {due}, so the user's CT HMIS access has been made "
        "inactive (policy 211). It can be restored once the training is completed."
    ),
    (
        CaseKind.RETRAINING,
        "resolved",
    ): "The required training has been completed. Nothing more is needed.",
}


async def _case_notices(
    case: ComplianceCase, user: User, event: str, findings: list[tuple[CaseRule, dict[str, Any]]]
) -> list[Notice]:
    """The user, their HDCs and (for retraining) their agencies' Executive Directors."""
    kind = CaseKind(case.kind)
    due = due_phrase(case.due_on)
    who = _display(user)
    reasons = "".join(f"\n  - {describe_finding(rule, ev)}" for rule, ev in findings)
    why = f"\nWhy:{reasons}\n" if reasons else ""
    action = _ACTION[(kind, event)].format(due=due)
    subject = _SUBJECTS[(kind, event)].format(due=due, who=who)
    payload = {
        "caseId": str(case.id),
        "kind": kind.value,
        "event": event,
        "dueOn": case.due_on.isoformat(),
    }

    def notice(
        to: str,
        *,
        recipient_id: UUID | None = None,
        address: str | None = None,
        agency_id: UUID | None = None,
        greeting: str,
        about: str,
    ) -> Notice:
        body = (
            f"{greeting}\n\n{about}\n{why}\n{action}\n\nDeadline: {due}\n"
            f"Policy: CT HMIS Policies and Procedures, policy {_POLICY[kind]}\n\n"
            "This message was sent by the CT HMIS system. It contains no client information.\n"
        )
        return Notice(
            kind=f"compliance.{kind.value.lower()}.{event}",
            subject=subject,
            body=body,
            dedupe_key=f"case:{case.id}:{event}:{to}",
            recipient_id=recipient_id,
            to_address=address,
            agency_id=agency_id,
            payload=payload,
        )

    recipients = await _recipients(user.id)
    notices = [
        notice(
            f"user:{user.id}",
            recipient_id=user.id,
            greeting=f"Hello {user.first_name or user.username},",
            about=f"This concerns your CT HMIS account {user.username}.",
        )
    ]
    for hdc_id, agency_id, agency_name in recipients.hdcs:
        notices.append(
            notice(
                f"user:{hdc_id}",
                recipient_id=hdc_id,
                agency_id=agency_id,
                greeting="Hello,",
                about=f"As HMIS Data Coordinator of {agency_name}: this concerns the CT HMIS account of {who}.",
            )
        )
    if kind == CaseKind.RETRAINING and event != "resolved":
        for email, name, agency_id, agency_name in recipients.directors:
            notices.append(
                notice(
                    f"director:{agency_id}",
                    address=email,
                    agency_id=agency_id,
                    greeting=f"Dear {name or 'Executive Director'},",
                    about=f"As Executive Director of {agency_name} on record with the CT HMIS System "
                    f"Administrator: a user of your agency, {who}, needs retraining.",
                )
            )
    return notices
