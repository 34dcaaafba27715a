"""Annual certification and security contacts (policies 105, 108, 201, 210).

The MOU's Exhibit A (administrative) and Exhibit B (security) as checklists whose items the
System Administrator maintains; each agency's self-certification of them, item by item, each
year (append-only); the first-time access each agency gains by certifying both as met; the
agency-level cases with deadlines (a 45-60 day remediation, a change of Security Coordinator to
acknowledge within 30 days); the Lead Agency's yearly monitoring sample; and the Security Plan's
annual review with its mitigation milestones.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.governance import Agency
    from models.users import User

__all__ = [
    "AgencyCase",
    "AgencyCaseKind",
    "AgencyCaseStatus",
    "AgencyClearance",
    "Certification",
    "CertificationAnswer",
    "CertificationItem",
    "ClearanceBasis",
    "Exhibit",
    "MitigationMilestone",
    "MonitoringResult",
    "MonitoringSample",
    "MonitoringSelection",
    "RemediationStep",
    "SecurityPlanReview",
]


class Exhibit(str, Enum):
    """The MOU's two checklists (policy 210)."""

    A = "A"  # Annual Administrative Certification Checklist: the HDC certifies
    B = "B"  # Annual Security Certification Checklist: the Agency Security Coordinator certifies


class ClearanceBasis(str, Enum):
    CERTIFIED = "CERTIFIED"  # both exhibits self-certified as met (policy 210, first-time access)
    ESTABLISHED = "ESTABLISHED"  # the agency had access before Hearth recorded certifications


class AgencyCaseKind(str, Enum):
    REMEDIATION = "REMEDIATION"  # policy 210: 45-60 days to correct a shortfall
    COORDINATOR_CHANGE = "COORDINATOR_CHANGE"  # policy 108: 30 days to reach SA and SO


class AgencyCaseStatus(str, Enum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"  # recertified as met / acknowledged by both


class MonitoringResult(str, Enum):
    COMPLIANT = "COMPLIANT"
    NOT_COMPLIANT = "NOT_COMPLIANT"


class CertificationItem(Model):
    """One requirement of Exhibit A or B. Retired items stay for the certifications that
    answered them; new certifications answer the items in force."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    exhibit = fields.CharEnumField(Exhibit, max_length=1)
    code = fields.CharField(max_length=16, unique=True)
    text = fields.CharField(max_length=500)
    # The manual's policies the item comes from, e.g. "107" or "208".
    policy = fields.CharField(max_length=40)
    position = fields.IntField()
    retired_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "certification_item"
        indexes = (("exhibit", "position"),)


class Certification(Model):
    """One agency's self-certification of one exhibit for one year (append-only: a later one
    for the same year and exhibit, after remediation, stands beside it)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="certifications", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    year = fields.SmallIntField()
    exhibit = fields.CharEnumField(Exhibit, max_length=1)
    certified_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="certifications", on_delete=fields.RESTRICT
    )
    certified_by_id: uuid.UUID
    certified_at = fields.DatetimeField()
    certified_on = fields.DateField()
    # Every item answered as met.
    met = fields.BooleanField()
    # Exhibit B: the Agency Security Coordinator's name and contact, confirmed (policy 108).
    coordinator_name = fields.CharField(max_length=200, null=True)
    coordinator_email = fields.CharField(max_length=254, null=True)
    coordinator_phone = fields.CharField(max_length=40, null=True)
    answers: fields.ReverseRelation[CertificationAnswer]

    class Meta:
        table = "certification"
        indexes = (("agency_id", "year", "exhibit"),)


class CertificationAnswer(Model):
    """One item of a certification: met or not, with its evidence reference (append-only)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    certification: fields.ForeignKeyRelation[Certification] = fields.ForeignKeyField(
        "hearth.Certification", related_name="answers", on_delete=fields.RESTRICT
    )
    certification_id: uuid.UUID
    item: fields.ForeignKeyRelation[CertificationItem] = fields.ForeignKeyField(
        "hearth.CertificationItem", related_name="answers", on_delete=fields.RESTRICT
    )
    item_id: uuid.UUID
    # The item's text as it was answered (the System Administrator may reword it later).
    item_text = fields.CharField(max_length=500)
    met = fields.BooleanField()
    # Where the evidence is: a document, a policy, a file reference (never client data).
    evidence = fields.CharField(max_length=500, null=True)
    note = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "certification_answer"
        unique_together = (("certification", "item"),)


class AgencyClearance(Model):
    """The agency's first-time access (policy 210): until this row exists no access level of the
    agency is in force. Written once, when both exhibits of a year are certified as met."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    agency: fields.OneToOneRelation[Agency] = fields.OneToOneField(
        "hearth.Agency", related_name="clearance", on_delete=fields.CASCADE
    )
    agency_id: uuid.UUID
    basis = fields.CharEnumField(ClearanceBasis, max_length=16)
    cleared_at = fields.DatetimeField()
    # The year whose certifications cleared it (null: ESTABLISHED).
    year = fields.SmallIntField(null=True)

    class Meta:
        table = "agency_clearance"


class AgencyCase(Model):
    """An agency's obligation with a deadline: a remediation (policy 210) or a change of Agency
    Security Coordinator to be acknowledged (policy 108). At most one open per agency, kind and
    exhibit. Overdue: escalated once to the Lead Agency, the System Administrator and the
    Security Officer; access is never withdrawn by it."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="agency_cases", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    kind = fields.CharEnumField(AgencyCaseKind, max_length=24)
    status = fields.CharEnumField(AgencyCaseStatus, default=AgencyCaseStatus.OPEN, max_length=16)
    opened_at = fields.DatetimeField()
    opened_on = fields.DateField()
    due_on = fields.DateField()
    # Remediation: the certification that fell short, its year and exhibit.
    certification: fields.ForeignKeyNullableRelation[Certification] = fields.ForeignKeyField(
        "hearth.Certification", related_name="cases", null=True, on_delete=fields.RESTRICT
    )
    certification_id: uuid.UUID | None
    year = fields.SmallIntField(null=True)
    exhibit = fields.CharEnumField(Exhibit, max_length=1, null=True)
    # Remediation: when the System Administrator set the due date and the steps.
    planned_at = fields.DatetimeField(null=True)
    planned_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="remediations_planned", null=True, on_delete=fields.SET_NULL
    )
    planned_by_id: uuid.UUID | None
    # Coordinator change: who held the duty before and who holds it now (None: nobody).
    previous_coordinator: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="coordinator_changes_from", null=True, on_delete=fields.SET_NULL
    )
    previous_coordinator_id: uuid.UUID | None
    new_coordinator: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="coordinator_changes_to", null=True, on_delete=fields.SET_NULL
    )
    new_coordinator_id: uuid.UUID | None
    admin_acknowledged_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User",
        related_name="coordinator_changes_admin_acked",
        null=True,
        on_delete=fields.SET_NULL,
    )
    admin_acknowledged_by_id: uuid.UUID | None
    admin_acknowledged_at = fields.DatetimeField(null=True)
    officer_acknowledged_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User",
        related_name="coordinator_changes_officer_acked",
        null=True,
        on_delete=fields.SET_NULL,
    )
    officer_acknowledged_by_id: uuid.UUID | None
    officer_acknowledged_at = fields.DatetimeField(null=True)
    escalated_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    resolution = fields.CharField(max_length=500, null=True)
    steps: fields.ReverseRelation[RemediationStep]

    class Meta:
        table = "agency_case"
        indexes = (("status", "due_on"), ("agency_id", "kind"))


class RemediationStep(Model):
    """A remediation step the System Administrator recommends; the agency marks it done."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    case: fields.ForeignKeyRelation[AgencyCase] = fields.ForeignKeyField(
        "hearth.AgencyCase", related_name="steps", on_delete=fields.CASCADE
    )
    case_id: uuid.UUID
    position = fields.SmallIntField()
    text = fields.CharField(max_length=500)
    done_at = fields.DatetimeField(null=True)
    done_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="remediation_steps_done", null=True, on_delete=fields.SET_NULL
    )
    done_by_id: uuid.UUID | None

    class Meta:
        table = "remediation_step"
        unique_together = (("case", "position"),)


class MonitoringSample(Model):
    """The Lead Agency's sample of participating agencies to monitor in a year (policy 201: at
    least 25%). Drawn once per year from the recorded population with the recorded seed, so
    anyone can draw it again and get the same agencies."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    year = fields.SmallIntField(unique=True)
    seed = fields.CharField(max_length=64)
    percent = fields.SmallIntField()
    # The participating agencies' ids when drawn, sorted: the population the seed drew from.
    population: fields.JSONField[list[str]] = fields.JSONField(default=list)
    drawn_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="monitoring_samples_drawn", on_delete=fields.RESTRICT
    )
    drawn_by_id: uuid.UUID
    drawn_at = fields.DatetimeField()
    selections: fields.ReverseRelation[MonitoringSelection]

    class Meta:
        table = "monitoring_sample"


class MonitoringSelection(Model):
    """One agency in a monitoring sample: documentation requested, result recorded."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    sample: fields.ForeignKeyRelation[MonitoringSample] = fields.ForeignKeyField(
        "hearth.MonitoringSample", related_name="selections", on_delete=fields.CASCADE
    )
    sample_id: uuid.UUID
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="monitoring_selections", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    documentation_requested_at = fields.DatetimeField(null=True)
    documentation_requested_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User",
        related_name="monitoring_documentation_requested",
        null=True,
        on_delete=fields.SET_NULL,
    )
    documentation_requested_by_id: uuid.UUID | None
    request_note = fields.CharField(max_length=1000, null=True)
    result = fields.CharEnumField(MonitoringResult, max_length=16, null=True)
    findings = fields.CharField(max_length=2000, null=True)
    result_recorded_at = fields.DatetimeField(null=True)
    result_recorded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User",
        related_name="monitoring_results_recorded",
        null=True,
        on_delete=fields.SET_NULL,
    )
    result_recorded_by_id: uuid.UUID | None

    class Meta:
        table = "monitoring_selection"
        unique_together = (("sample", "agency"),)


class SecurityPlanReview(Model):
    """The Security Officer's annual review of the Security Plan (policy 105): whether the Lead
    Agency adheres to it, the shortfalls, and the plan to mitigate them with milestones."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    reviewed_on = fields.DateField()
    reviewer: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="security_plan_reviews", on_delete=fields.RESTRICT
    )
    reviewer_id: uuid.UUID
    adheres = fields.BooleanField()
    shortfalls = fields.CharField(max_length=4000, null=True)
    mitigation_plan = fields.CharField(max_length=4000, null=True)
    recorded_at = fields.DatetimeField()
    milestones: fields.ReverseRelation[MitigationMilestone]

    class Meta:
        table = "security_plan_review"


class MitigationMilestone(Model):
    """A milestone of a review's mitigation plan: what, by when, and when it was met."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    review: fields.ForeignKeyRelation[SecurityPlanReview] = fields.ForeignKeyField(
        "hearth.SecurityPlanReview", related_name="milestones", on_delete=fields.CASCADE
    )
    review_id: uuid.UUID
    position = fields.SmallIntField()
    description = fields.CharField(max_length=500)
    due_on = fields.DateField()
    met_on = fields.DateField(null=True)

    class Meta:
        table = "mitigation_milestone"
        unique_together = (("review", "position"),)
