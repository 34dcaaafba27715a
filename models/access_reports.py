"""The quarterly User Access Report: publication, agency reviews, escalations (policy 212)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.governance import Agency
    from models.users import User

__all__ = ["AccessEscalation", "AccessReportPublication", "AccessReview"]


class AccessReportPublication(Model):
    """The System Administrator ran and distributed a quarter's report (policy 212)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    quarter = fields.CharField(max_length=6, unique=True)
    published_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="access_reports_published", on_delete=fields.RESTRICT
    )
    published_by_id: uuid.UUID
    published_at = fields.DatetimeField()

    class Meta:
        table = "access_report_publication"


class AccessReview(Model):
    """An agency's documented review of a quarter's report: date, reviewer, actions (retained)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="access_reviews", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    quarter = fields.CharField(max_length=6)
    reviewer: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="access_reviews", on_delete=fields.RESTRICT
    )
    reviewer_id: uuid.UUID
    reviewed_at = fields.DatetimeField()
    notes = fields.TextField()
    actions = fields.TextField(null=True)

    class Meta:
        table = "access_review"
        indexes = (("agency_id", "quarter"),)


class AccessEscalation(Model):
    """Unexpected usage by one user, escalated through levels 1 to 4 (policy 212)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="access_escalations", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    quarter = fields.CharField(max_length=6)
    subject: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="access_escalations", on_delete=fields.RESTRICT
    )
    subject_id: uuid.UUID
    level = fields.SmallIntField()
    opened_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="access_escalations_opened", on_delete=fields.RESTRICT
    )
    opened_by_id: uuid.UUID
    opened_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    findings = fields.TextField()
    # Level 2: the System Administrator's verification ticket.
    ticket_reference = fields.CharField(max_length=100, null=True)
    # Level 3 needs both reviews before deactivation.
    hdc_reviewed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User",
        related_name="access_escalations_hdc_reviewed",
        null=True,
        on_delete=fields.RESTRICT,
    )
    hdc_reviewed_by_id: uuid.UUID | None
    hdc_reviewed_at = fields.DatetimeField(null=True)
    manager_name = fields.CharField(max_length=200, null=True)
    manager_reviewed_at = fields.DatetimeField(null=True)
    deactivated_at = fields.DatetimeField(null=True)
    deactivation_reason = fields.CharField(max_length=500, null=True)
    corrective_action = fields.TextField(null=True)
    # Level 4: the Lead Agency informed the Data Strategy Board.
    dsb_notified_at = fields.DatetimeField(null=True)
    dsb_summary = fields.TextField(null=True)

    class Meta:
        table = "access_escalation"
