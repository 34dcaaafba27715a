"""The quarterly data quality review (policy 302): the Lead Agency publishes each quarter's
statewide and per-agency HUD data quality reports; rates that jump against the previous quarters
are flagged as anomalies; the Data Quality Management Committee's recommendations go to the Data
Strategy Board, which decides whether to follow them. Counts and rates only, never client data.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.dsb import Motion
    from models.governance import Agency
    from models.users import User

__all__ = ["QualityReview", "QualityReviewReport", "QualityReviewStatus"]


class QualityReviewStatus(str, Enum):
    PUBLISHED = "PUBLISHED"  # reports published, HDCs notified
    RECOMMENDED = "RECOMMENDED"  # the committee's recommendations recorded, for the board
    FOLLOWED = "FOLLOWED"  # the board decided to follow them (a carried motion)
    NOT_FOLLOWED = "NOT_FOLLOWED"  # the motion failed


class QualityReview(Model):
    """One quarter's review: published once, then put to the board."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    year = fields.SmallIntField()
    quarter = fields.SmallIntField()  # 1 to 4 (calendar quarters)
    period_start = fields.DateField()
    period_end = fields.DateField()
    status = fields.CharEnumField(
        QualityReviewStatus, default=QualityReviewStatus.PUBLISHED, max_length=16
    )
    published_at = fields.DatetimeField()
    published_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    published_by_id: uuid.UUID | None
    anomaly_count = fields.IntField(default=0)
    recommendations = fields.TextField(null=True)
    recommended_at = fields.DatetimeField(null=True)
    motion: fields.ForeignKeyNullableRelation[Motion] = fields.ForeignKeyField(
        "hearth.Motion", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    motion_id: uuid.UUID | None
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "quality_review"
        unique_together = (("year", "quarter"),)


class QualityReviewReport(Model):
    """One published report of a review: statewide (no agency) or one agency's. ``cells`` holds
    every rate cell as ``{key: [numerator, denominator]}``; ``anomalies`` the flagged ones as
    ``[{key, numerator, denominator, rate, baseline, quarters}]``."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    review: fields.ForeignKeyRelation[QualityReview] = fields.ForeignKeyField(
        "hearth.QualityReview", related_name="reports", on_delete=fields.RESTRICT
    )
    review_id: uuid.UUID
    agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID | None
    clients = fields.IntField()  # the report's universe (Q1 persons)
    cells: fields.JSONField[dict[str, Any]] = fields.JSONField()
    anomalies: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)

    class Meta:
        table = "quality_review_report"
        unique_together = (("review", "agency"),)
