"""The 7-year retention run (policy 303): a plan of the clients with no activity for seven
years, authorized by the Data Strategy Board, then run to remove their identifiers while every
enrollment, service and date stays (docs/retention.md)."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.clients import Client
    from models.dsb import Motion
    from models.governance import Agency, Project
    from models.users import User

__all__ = [
    "RetentionOutcome",
    "RetentionPlan",
    "RetentionPlanClient",
    "RetentionPlanLine",
    "RetentionStatus",
]


class RetentionStatus(str, Enum):
    """Where a plan is: put to the board, decided, run."""

    AWAITING_AUTHORIZATION = "AWAITING_AUTHORIZATION"
    AUTHORIZED = "AUTHORIZED"
    REJECTED = "REJECTED"
    RUNNING = "RUNNING"  # the run began and has clients left (a crash leaves it here: resumable)
    COMPLETED = "COMPLETED"


class RetentionOutcome(str, Enum):
    """What the run did to one client of the plan."""

    DEIDENTIFIED = "DEIDENTIFIED"
    # Activity since the cut-off (the client came back after the plan), or already de-identified
    # by an earlier plan: left as it is.
    SKIPPED_ACTIVE = "SKIPPED_ACTIVE"
    SKIPPED_DONE = "SKIPPED_DONE"


class RetentionPlan(Model):
    """The System Administrator's list for one year's window (1 October - 31 December): the exact
    clients with no activity since the cut-off, counted by agency and project."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    status = fields.CharEnumField(
        RetentionStatus, default=RetentionStatus.AWAITING_AUTHORIZATION, max_length=24
    )
    # The plan's day (Connecticut date) and its cut-off, seven years before: a client whose last
    # activity is before the cut-off day is in the plan.
    as_of = fields.DateField()
    cutoff = fields.DateField()
    planned_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="retention_plans", on_delete=fields.RESTRICT
    )
    planned_by_id: uuid.UUID
    planned_at = fields.DatetimeField()
    client_count = fields.IntField(default=0)
    # What the System Administrator tells the board with it.
    note = fields.CharField(max_length=1000, null=True)
    # The motion that authorized or rejected it.
    motion: fields.ForeignKeyNullableRelation[Motion] = fields.ForeignKeyField(
        "hearth.Motion", related_name="retention_plans", null=True, on_delete=fields.RESTRICT
    )
    motion_id: uuid.UUID | None
    decided_at = fields.DatetimeField(null=True)
    dry_run_at = fields.DatetimeField(null=True)
    dry_run_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="retention_dry_runs", null=True, on_delete=fields.RESTRICT
    )
    dry_run_by_id: uuid.UUID | None
    # What the last dry run found: clients to de-identify and to skip, identifiers by kind.
    dry_run_report: fields.JSONField[dict[str, int]] | None = fields.JSONField(null=True)
    run_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="retention_runs", null=True, on_delete=fields.RESTRICT
    )
    run_by_id: uuid.UUID | None
    run_started_at = fields.DatetimeField(null=True)
    run_completed_at = fields.DatetimeField(null=True)
    deidentified = fields.IntField(default=0)
    skipped = fields.IntField(default=0)

    class Meta:
        table = "retention_plan"


class RetentionPlanLine(Model):
    """One count of the plan: distinct clients of an agency (project null: whose records the
    agency holds, created or enrolled there), or with an enrollment in one of its projects."""

    id = fields.IntField(primary_key=True)
    plan: fields.ForeignKeyRelation[RetentionPlan] = fields.ForeignKeyField(
        "hearth.RetentionPlan", related_name="lines", on_delete=fields.CASCADE
    )
    plan_id: uuid.UUID
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="retention_lines", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    project: fields.ForeignKeyNullableRelation[Project] = fields.ForeignKeyField(
        "hearth.Project", related_name="retention_lines", null=True, on_delete=fields.RESTRICT
    )
    project_id: uuid.UUID | None
    clients = fields.IntField()

    class Meta:
        table = "retention_plan_line"


class RetentionPlanClient(Model):
    """One client of the plan (ids only) and what the run did to it."""

    id = fields.BigIntField(primary_key=True)
    plan: fields.ForeignKeyRelation[RetentionPlan] = fields.ForeignKeyField(
        "hearth.RetentionPlan", related_name="clients", on_delete=fields.CASCADE
    )
    plan_id: uuid.UUID
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="retention_plans", on_delete=fields.RESTRICT
    )
    client_id: uuid.UUID
    outcome = fields.CharEnumField(RetentionOutcome, max_length=16, null=True)
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "retention_plan_client"
        unique_together = (("plan", "client"),)
