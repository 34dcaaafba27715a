"""Releases of information: who may see which categories of a client's data, until when."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import ConsentKind, ReleaseScope

if TYPE_CHECKING:
    from models.clients import Client
    from models.governance import Agency, Can
    from models.users import User

__all__ = ["Release", "ReleaseRecipient"]


class Release(Model):
    """A client's release of information (policy 207). Immutable once recorded: changes are a new
    release; revocation is an event with its time and actor."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="releases", on_delete=fields.RESTRICT
    )
    client_id: uuid.UUID
    releasing_agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="releases_made", on_delete=fields.RESTRICT
    )
    releasing_agency_id: uuid.UUID
    scope = fields.CharEnumField(ReleaseScope, max_length=16)
    scope_can: fields.ForeignKeyNullableRelation[Can] = fields.ForeignKeyField(
        "hearth.Can", related_name="releases", null=True, on_delete=fields.RESTRICT
    )
    scope_can_id: uuid.UUID | None
    # ReleaseCategory values
    categories: fields.JSONField[list[str]] = fields.JSONField(default=list)
    starts_on = fields.DateField()
    expires_on = fields.DateField()
    kind = fields.CharEnumField(ConsentKind, max_length=16)
    # A VERBAL release is taken only when the first contact is by phone (decision 98).
    first_contact_by_phone = fields.BooleanField(default=False)
    evidence_reference = fields.CharField(max_length=200, null=True)
    recorded_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="releases_recorded", on_delete=fields.RESTRICT
    )
    recorded_by_id: uuid.UUID
    recorded_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    revoked_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="releases_revoked", null=True, on_delete=fields.RESTRICT
    )
    revoked_by_id: uuid.UUID | None
    revocation_reason = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "release_of_information"


class ReleaseRecipient(Model):
    """A named agency a release (scope AGENCIES) shares with."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    release: fields.ForeignKeyRelation[Release] = fields.ForeignKeyField(
        "hearth.Release", related_name="recipients", on_delete=fields.CASCADE
    )
    release_id: uuid.UUID
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="releases_received", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID

    class Meta:
        table = "release_recipient"
        unique_together = (("release", "agency"),)
