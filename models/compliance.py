"""Account lifecycle compliance (policies 109, 202, 211): help-desk tickets, CoC retraining
requests, compliance cases with their findings and deadlines, and the record of job runs."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.governance import Agency, ContinuumOfCare
    from models.users import User

__all__ = [
    "AgencyRetrainingRequest",
    "CaseKind",
    "CaseRule",
    "CaseStatus",
    "ComplianceCase",
    "ComplianceFinding",
    "HelpdeskTicket",
    "JobRun",
    "JobStatus",
]


class CaseKind(str, Enum):
    SHARED_CONTACT = "SHARED_CONTACT"  # policies 109, 202: 14 days to provide a unique contact
    RETRAINING = "RETRAINING"  # policy 211: 45 days to complete the training
    # policies 106, 107, 108, 210: an agency without its HDC or Security Coordinator
    AGENCY_COORDINATORS = "AGENCY_COORDINATORS"
    # policy 405: the requestor destroys a DSA extract within 90 days of the project's completion
    # (``user`` and ``agency`` null: the requestor has no account; the DSA names the case)
    DSA_DESTRUCTION = "DSA_DESTRUCTION"


class CaseRule(str, Enum):
    """Why a case was opened: one rule of the manual per finding."""

    SHARED_EMAIL = "SHARED_EMAIL"
    SHARED_MFA_CONTACT = "SHARED_MFA_CONTACT"
    NO_LOGIN_AFTER_TRAINING = "NO_LOGIN_AFTER_TRAINING"  # 211 (a)
    REPEATED_TICKETS = "REPEATED_TICKETS"  # 211 (b)
    HELPDESK_HOURS = "HELPDESK_HOURS"  # 211 (c)
    COC_REQUEST = "COC_REQUEST"  # 211 (d)
    NO_HDC = "NO_HDC"  # 107, 210: the agency names no HMIS Data Coordinator
    NO_SECURITY_COORDINATOR = "NO_SECURITY_COORDINATOR"  # 108, 210


class CaseStatus(str, Enum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"  # the user complied (unique contact, training completed)
    ENFORCED = "ENFORCED"  # the deadline passed: the account was deactivated / made inactive
    WITHDRAWN = "WITHDRAWN"  # the account was deactivated for another reason first


class JobStatus(str, Enum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class HelpdeskTicket(Model):
    """A help-desk ticket as the help-desk integration reports it (input to policy 211)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="helpdesk_tickets", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    # The help desk's own ticket number: recording the same ticket twice changes nothing.
    external_ref = fields.CharField(max_length=64, null=True, unique=True)
    opened_at = fields.DatetimeField()
    topic = fields.CharField(max_length=200)
    # The topic reduced to its significant words, so "Password reset" and "reset my password"
    # count as the same or a similar issue.
    topic_key = fields.CharField(max_length=200)
    minutes_spent = fields.IntField()
    system_performance_issue = fields.BooleanField()
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "helpdesk_ticket"
        indexes = (("user_id", "opened_at"),)


class AgencyRetrainingRequest(Model):
    """A CoC's request that an agency's users be retrained (policy 211 (d))."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="retraining_requests", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    coc: fields.ForeignKeyRelation[ContinuumOfCare] = fields.ForeignKeyField(
        "hearth.ContinuumOfCare", related_name="retraining_requests", on_delete=fields.RESTRICT
    )
    coc_id: uuid.UUID
    reason = fields.CharField(max_length=500)
    requested_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="retraining_requests_made", null=True, on_delete=fields.SET_NULL
    )
    requested_by_id: uuid.UUID | None
    requested_at = fields.DatetimeField()

    class Meta:
        table = "agency_retraining_request"


class ComplianceCase(Model):
    """One user's obligation with a deadline: at most one open case per user and kind; or an
    agency's (AGENCY_COORDINATORS: ``user`` null, ``agency`` set), one open per agency."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="compliance_cases", null=True, on_delete=fields.CASCADE
    )
    user_id: uuid.UUID | None
    agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="compliance_cases", null=True, on_delete=fields.CASCADE
    )
    agency_id: uuid.UUID | None
    kind = fields.CharEnumField(CaseKind, max_length=24)
    status = fields.CharEnumField(CaseStatus, default=CaseStatus.OPEN, max_length=16)
    opened_at = fields.DatetimeField()
    due_on = fields.DateField()
    closed_at = fields.DatetimeField(null=True)
    resolution = fields.CharField(max_length=500, null=True)
    findings: fields.ReverseRelation[ComplianceFinding]

    class Meta:
        table = "compliance_case"
        indexes = (("status", "due_on"),)


class ComplianceFinding(Model):
    """A rule that matched, with its evidence. ``key`` names the occurrence (the shared contact,
    the training date, the month, the request), so a sweep run twice finds nothing new."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    case: fields.ForeignKeyRelation[ComplianceCase] = fields.ForeignKeyField(
        "hearth.ComplianceCase", related_name="findings", on_delete=fields.CASCADE
    )
    case_id: uuid.UUID
    # null for an agency's case (its findings are keyed by the agency in ``key``)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="compliance_findings", null=True, on_delete=fields.CASCADE
    )
    user_id: uuid.UUID | None
    rule = fields.CharEnumField(CaseRule, max_length=32)
    key = fields.CharField(max_length=200)
    evidence: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    found_at = fields.DatetimeField()

    class Meta:
        table = "compliance_finding"
        unique_together = (("user", "rule", "key"),)


class JobRun(Model):
    """One run of a job: when, what it did, how it ended. ``slot`` is the scheduled time the run
    stands for; one run per job and slot, so several instances run a scheduled job once."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    job = fields.CharField(max_length=40)
    slot = fields.DatetimeField(null=True)
    trigger = fields.CharField(max_length=16)  # "scheduler" or "cli"
    instance = fields.CharField(max_length=100)
    status = fields.CharEnumField(JobStatus, default=JobStatus.RUNNING, max_length=16)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    counts: fields.JSONField[dict[str, int]] = fields.JSONField(default=dict)
    error = fields.TextField(null=True)

    class Meta:
        table = "job_run"
        unique_together = (("job", "slot"),)
        indexes = (("job", "started_at"),)
