"""Case notes: append-only for agencies; deletion only by request and approval (policy 404)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import DeletionRequestStatus

if TYPE_CHECKING:
    from models.clients import Client
    from models.enrollments import Enrollment
    from models.governance import Agency
    from models.users import User

__all__ = ["CaseNote", "CaseNoteDeletionRequest"]


class CaseNote(Model):
    """A note about a client. Its text is removed only by an approved deletion (a tombstone stays)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="case_notes", on_delete=fields.RESTRICT
    )
    client_id: uuid.UUID
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="case_notes", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    enrollment: fields.ForeignKeyNullableRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="case_notes", null=True, on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID | None
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="case_notes", on_delete=fields.RESTRICT
    )
    author_id: uuid.UUID
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
    note_id: uuid.UUID
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="note_deletion_requests", on_delete=fields.RESTRICT
    )
    client_id: uuid.UUID
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="note_deletion_requests", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    reason = fields.CharField(max_length=1000)
    status = fields.CharEnumField(
        DeletionRequestStatus, default=DeletionRequestStatus.PENDING, max_length=16
    )
    requested_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="note_deletions_requested", on_delete=fields.RESTRICT
    )
    requested_by_id: uuid.UUID
    requested_at = fields.DatetimeField()
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="note_deletions_decided", null=True, on_delete=fields.RESTRICT
    )
    decided_by_id: uuid.UUID | None
    decided_at = fields.DatetimeField(null=True)
    decision_note = fields.CharField(max_length=1000, null=True)

    class Meta:
        table = "case_note_deletion_request"
