"""Account lifecycle compliance: shared contacts (policies 109, 202) and retraining (policy 211).

Sweeps find users a rule applies to and open a *case* per user with a deadline; each rule that
matched is a *finding* with its evidence. The deadlines job closes cases whose user complied and,
on the due date, deactivates the accounts of those who did not. Every step queues e-mail in the
outbox in the same transaction. All of it is idempotent: a finding is keyed by the occurrence it
stands for, a user has at most one open case of a kind, and messages carry dedupe keys.
"""

from services.compliance.cases import SweepCounts
from services.compliance.contacts import resolve_unshared_contacts, sweep_shared_contacts
from services.compliance.coordinators import sweep_agency_coordinators
from services.compliance.deadlines import cases_visible_to, enforce_deadlines
from services.compliance.helpdesk import (
    record_helpdesk_ticket,
    request_agency_retraining,
    topic_words,
)
from services.compliance.retraining import resolve_retraining_on_completion, sweep_retraining
from services.compliance.rules import (
    HELPDESK_MINUTES_PER_MONTH,
    RETRAINING_DAYS,
    SHARED_CONTACT_DAYS,
    describe_finding,
)

__all__ = [
    "HELPDESK_MINUTES_PER_MONTH",
    "RETRAINING_DAYS",
    "SHARED_CONTACT_DAYS",
    "SweepCounts",
    "cases_visible_to",
    "describe_finding",
    "enforce_deadlines",
    "record_helpdesk_ticket",
    "request_agency_retraining",
    "resolve_retraining_on_completion",
    "resolve_unshared_contacts",
    "sweep_agency_coordinators",
    "sweep_retraining",
    "sweep_shared_contacts",
    "topic_words",
]
