"""Case notes: append-only for agencies; deletion only by request and approval (policy 404)."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.enums import DeletionRequestStatus

__all__ = ["CaseNote", "CaseNoteDeletionRequest"]


class CaseNote(Model):
    """A note about a client. Its text is removed only by an approved deletion (a tombstone stays)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    client = fields.ForeignKeyField(
        "hearth.Client", related_name="case_notes", on_delete=fields.RESTRICT
    )
    agency = fields.ForeignKeyField(
        "hearth.Agency", related_name="case_notes", on_delete=fields.RESTRICT
    )
    enrollment = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="case_notes", null=True, on_delete=fields.RESTRICT
    )
    author = fields.ForeignKeyField(
        "hearth.User", related_name="case_notes", on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()
    text = fields.TextField(null=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "case_note"


class CaseNoteDeletionRequest(Model):
    """An HDC's request to delete a case note, decided by the System Administrator (policy 404)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    note: fields.ForeignKeyRelation[CaseNote] = fields.ForeignKeyField(
        "hearth.CaseNote", related_name="deletion_requests", on_delete=fields.RESTRICT
    )
    client = fields.ForeignKeyField(
        "hearth.Client", related_name="note_deletion_requests", on_delete=fields.RESTRICT
    )
    agency = fields.ForeignKeyField(
        "hearth.Agency", related_name="note_deletion_requests", on_delete=fields.RESTRICT
    )
    reason = fields.CharField(max_length=1000)
    status = fields.CharEnumField(
        DeletionRequestStatus, default=DeletionRequestStatus.PENDING, max_length=16
    )
    requested_by = fields.ForeignKeyField(
        "hearth.User", related_name="note_deletions_requested", on_delete=fields.RESTRICT
    )
    requested_at = fields.DatetimeField()
    decided_by = fields.ForeignKeyField(
        "hearth.User", related_name="note_deletions_decided", null=True, on_delete=fields.RESTRICT
    )
    decided_at = fields.DatetimeField(null=True)
    decision_note = fields.CharField(max_length=1000, null=True)

    class Meta:
        table = "case_note_deletion_request"
