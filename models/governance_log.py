"""The governance log: every administrative write (policies 105, 202, 212), append-only.

Who did what to which governance record, the values before and after, and why: role, duty and
system-role grants, MOUs, access decisions, deactivations, service accounts, settings, and the
governance records of the manual's first part (certifications, the Data Strategy Board,
grievances, incidents, outside access). Never client data: the values are the administrative
record's own (a user's status, a role's name, a date), and an incident's clients are counted,
not named. Rows are written only by INSERT, numbered by an identity column; triggers refuse
UPDATE, DELETE and TRUNCATE (migration 0015). No foreign keys: the log outlives what it names.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

__all__ = ["GovernanceEvent"]


class GovernanceEvent(Model):
    """One administrative write."""

    seq = fields.BigIntField(primary_key=True)
    occurred_at = fields.DatetimeField()
    # The user or service account that acted; None for Hearth itself (a job, the command line).
    actor_id = fields.UUIDField(null=True)
    actor_kind = fields.CharField(max_length=16)  # user, service, system
    agency_id = fields.UUIDField(null=True)
    # What was done, as "<record>.<verb>": "system_role.grant", "mou.record", "user.deactivate"
    action = fields.CharField(max_length=64)
    entity_type = fields.CharField(max_length=40)
    entity_id = fields.CharField(max_length=64, null=True)
    before: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    after: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    reason = fields.TextField(null=True)
    request_id = fields.CharField(max_length=64, null=True)
    caller_request_id = fields.CharField(max_length=64, null=True)
    operation = fields.CharField(max_length=100, null=True)

    class Meta:
        table = "governance_event"
        indexes = (("entity_type", "entity_id"), ("actor_id", "occurred_at"))
