"""The policies' deadlines and thresholds, and how a finding of each rule reads."""

from __future__ import annotations

from typing import Any

from models.compliance import CaseKind, CaseRule

__all__ = [
    "COORDINATOR_DAYS",
    "HELPDESK_MINUTES_PER_MONTH",
    "NO_LOGIN_DAYS",
    "RETRAINING_DAYS",
    "SHARED_CONTACT_DAYS",
    "TICKETS_SAME_ISSUE",
    "TICKET_WINDOW_DAYS",
    "describe_finding",
]

SHARED_CONTACT_DAYS = 14  # policies 109, 202: "2 weeks"
RETRAINING_DAYS = 45  # policy 211
NO_LOGIN_DAYS = 45  # policy 211 (a)
TICKET_WINDOW_DAYS = 60  # policy 211 (b)
TICKETS_SAME_ISSUE = 3
HELPDESK_MINUTES_PER_MONTH = 4 * 60  # policy 211 (c)

# An agency without its HDC or Security Coordinator names them within thirty days, the time
# policy 108 gives to report a change of coordinator; the case stays open (and flagged) until
# both are named: nothing is enforced against the agency's users.
COORDINATOR_DAYS = 30

_POLICY = {
    CaseKind.SHARED_CONTACT: "109 and 202",
    CaseKind.RETRAINING: "211",
    CaseKind.AGENCY_COORDINATORS: "106, 107, 108 and 210",
    CaseKind.DSA_DESTRUCTION: "405",
}
_DAYS = {
    CaseKind.SHARED_CONTACT: SHARED_CONTACT_DAYS,
    CaseKind.RETRAINING: RETRAINING_DAYS,
    CaseKind.AGENCY_COORDINATORS: COORDINATOR_DAYS,
    CaseKind.DSA_DESTRUCTION: 90,  # policy 405: within 90 days of project completion
}

_RULE_TEXT = {
    CaseRule.SHARED_EMAIL: lambda e: (
        f"the e-mail address is also used by {len(e['sharedWith'])} other account(s)"
    ),
    CaseRule.SHARED_MFA_CONTACT: lambda e: (
        f"the MFA contact is also used by {len(e['sharedWith'])} other account(s)"
    ),
    CaseRule.NO_LOGIN_AFTER_TRAINING: lambda e: (
        f"no sign-in within {NO_LOGIN_DAYS} days of the initial training completed on {e['initialTrainingOn']}"
    ),
    CaseRule.REPEATED_TICKETS: lambda e: (
        f'{len(e["ticketIds"])} help-desk tickets on the same or a similar issue ("{e["topic"]}") '
        f"within {TICKET_WINDOW_DAYS} days"
    ),
    CaseRule.HELPDESK_HOURS: lambda e: (
        f"{e['minutes'] / 60:.1f} hours of help-desk support in {e['month']}"
    ),
    CaseRule.COC_REQUEST: lambda e: (
        f"{e['coc']} requested retraining for {e['agency']}: {e['reason']}"
    ),
    CaseRule.NO_HDC: lambda e: f"{e['agency']} has no HMIS Data Coordinator (policy 107)",
    CaseRule.NO_SECURITY_COORDINATOR: lambda e: (
        f"{e['agency']} has no Agency Security Coordinator (policy 108)"
    ),
}


def describe_finding(rule: CaseRule, evidence: dict[str, Any]) -> str:
    return _RULE_TEXT[rule](evidence)
