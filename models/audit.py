"""The append-only audit trail of client data (DESIGN.md section 5; policies 207, 212).

Rows are written only by INSERT, numbered by an identity column; triggers refuse UPDATE, DELETE
and TRUNCATE (migration 0005). A sealer chains the committed rows in blocks by SHA-256 hashes in
``audit_seal`` (migration 0009, ``services.audit.seal``), off the request path. No foreign keys:
the trail must outlive the users, clients and agencies it names.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.models import Model

from models.enums import AuditAction

__all__ = ["AuditEvent"]


class AuditEvent(Model):
    """One access to, or change of, client data. Field names only, never values."""

    # GENERATED ALWAYS AS IDENTITY (migration 0009): a writer cannot choose its number.
    seq = fields.BigIntField(primary_key=True)
    occurred_at = fields.DatetimeField()
    actor_id = fields.UUIDField(null=True)
    # The person really at the keyboard (impersonation); the actor until impersonation exists.
    true_actor_id = fields.UUIDField(null=True)
    agency_id = fields.UUIDField(null=True)
    action = fields.CharEnumField(AuditAction, max_length=16)
    entity_type = fields.CharField(max_length=40)
    entity_id = fields.CharField(max_length=64, null=True)
    client_id = fields.UUIDField(null=True)
    fields_touched: fields.JSONField[list[str]] = fields.JSONField(default=list)
    # A VIEW row is one per client per request (migration 0032, decision 189): it names the
    # client (entity_type ``Client``, ``fields_touched`` the client's own fields) and lists the
    # records of that client read with it, one element per record in each of these parallel
    # arrays: its type, its id, its field names (comma-separated). NULL on other rows and on the
    # per-record VIEW rows written before (``services.audit.read_entries`` reads both shapes).
    read_types: list[str] | None = ArrayField("text", null=True)
    read_ids: list[str] | None = ArrayField("text", null=True)
    read_fields: list[str] | None = ArrayField("text", null=True)
    release_id = fields.UUIDField(null=True)
    # Hearth's own id for the request; the id the caller sent (X-Request-ID), if any, beside it.
    request_id = fields.CharField(max_length=64, null=True)
    caller_request_id = fields.CharField(max_length=64, null=True)
    operation = fields.CharField(max_length=100, null=True)
    client_ip = fields.CharField(max_length=45, null=True)

    class Meta:
        table = "audit_event"
        # The User Access Report's covering index on (actor_id, occurred_at) is created by the
        # migration (Tortoise cannot declare INCLUDE columns).
        indexes = (("client_id", "occurred_at"),)
