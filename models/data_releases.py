"""Releasing data (policy 405): aggregate data requests, Data Sharing Agreements for requests
with PII, the encrypted extracts produced under an approved and executed DSA, and the 90-day
destruction of the extract after the project's completion (a compliance case).

Requestors are outside Hearth (no accounts): the Lead Agency enters what they submit. Nothing
here holds client data: the extracts' files live on disk, encrypted, for a short while; their
passphrase is never stored.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.compliance import ComplianceCase
    from models.dsb import Motion
    from models.users import User

__all__ = [
    "DataRequest",
    "DataRequestStatus",
    "DataSharingAgreement",
    "DsaExtract",
    "DsaStatus",
]


class DataRequestStatus(str, Enum):
    """Policy 405, releasing aggregate data without PII: steps 1 to 4."""

    SUBMITTED = "SUBMITTED"  # 1) the Data Request Form, entered by the Lead Agency
    REVIEWED = "REVIEWED"  # 2) each variable and parameter reviewed
    MET = "MET"  # 3) the Lead Agency met the requestor
    DELIVERED = "DELIVERED"  # 4) processed and delivered
    DECLINED = "DECLINED"  # the Lead Agency declined it (before delivery)
    WITHDRAWN = "WITHDRAWN"  # the requestor withdrew it (before delivery)


class DsaStatus(str, Enum):
    """Policy 405, releasing data with PII: steps 1 to 8."""

    REQUESTED = "REQUESTED"  # 1) a request with PII, entered by the Lead Agency
    PII_CONFIRMED = "PII_CONFIRMED"  # 1) the Lead Agency confirmed with the requestor PII is needed
    SUBMITTED = "SUBMITTED"  # 2) the requestor's DSA, its terms entered
    REVIEWED = "REVIEWED"  # 3) the Lead Agency reviewed the DSA
    MET = "MET"  # 4) the Lead Agency met the requestor: ready for the board
    APPROVED = "APPROVED"  # 5) a DSB motion carried
    DENIED = "DENIED"  # 5) a DSB motion failed
    EXECUTED = "EXECUTED"  # 6) finalized and executed by the Lead Agency
    EXTRACTED = "EXTRACTED"  # 7) an extract produced
    DELIVERED = "DELIVERED"  # 7) the extract delivered
    COMPLETED = "COMPLETED"  # the project completed: 90 days to destroy the file
    DESTROYED = "DESTROYED"  # 8) destruction attested
    WITHDRAWN = "WITHDRAWN"  # withdrawn before execution


class DataRequest(Model):
    """A Data Request Form for aggregate data with no PII (policy 405)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    requestor_name = fields.CharField(max_length=200)
    requestor_organization = fields.CharField(max_length=200)
    requestor_email = fields.CharField(max_length=254)
    requestor_phone = fields.CharField(max_length=40, null=True)
    purpose = fields.TextField()
    # The variables requested (names of services.data_releases.catalogue.VARIABLES, none PII),
    # the dimensions the counts are broken down by.
    variables: fields.JSONField[list[str]] = fields.JSONField()
    scope = fields.CharField(max_length=64)  # services.reports.scope: project:ID ... all
    start_date = fields.DateField()
    end_date = fields.DateField()
    status = fields.CharEnumField(
        DataRequestStatus, default=DataRequestStatus.SUBMITTED, max_length=16
    )
    entered_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="data_requests_entered", on_delete=fields.RESTRICT
    )
    entered_by_id: uuid.UUID
    submitted_at = fields.DatetimeField()
    # Step 2: one entry per variable and parameter: {"item", "accepted", "note"}.
    review: fields.JSONField[list[dict[str, Any]] | None] = fields.JSONField(null=True)
    reviewed_at = fields.DatetimeField(null=True)
    reviewed_by_id = fields.UUIDField(null=True)
    # Step 3
    met_on = fields.DateField(null=True)
    meeting_notes = fields.TextField(null=True)
    # Step 4: what was delivered (the aggregate report's reference), when, by whom
    delivered_at = fields.DatetimeField(null=True)
    delivered_by_id = fields.UUIDField(null=True)
    delivery = fields.TextField(null=True)
    # DECLINED or WITHDRAWN
    closed_at = fields.DatetimeField(null=True)
    closed_reason = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "data_request"
        indexes = (("status", "submitted_at"),)


class DataSharingAgreement(Model):
    """A request with PII and its Data Sharing Agreement (policy 405), from the first contact to
    the attested destruction of the file."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    requestor_name = fields.CharField(max_length=200)
    requestor_organization = fields.CharField(max_length=200)
    requestor_email = fields.CharField(max_length=254)  # hears of the destruction deadline
    requestor_phone = fields.CharField(max_length=40, null=True)
    purpose = fields.TextField()
    requested_variables: fields.JSONField[list[str]] = fields.JSONField()
    status = fields.CharEnumField(DsaStatus, default=DsaStatus.REQUESTED, max_length=16)
    entered_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="dsas_entered", on_delete=fields.RESTRICT
    )
    entered_by_id: uuid.UUID
    entered_at = fields.DatetimeField()
    # 1) the Lead Agency's contact: PII is needed, its sensitive nature discussed
    pii_contacted_on = fields.DateField(null=True)
    pii_contacted_by_id = fields.UUIDField(null=True)
    pii_contact_notes = fields.TextField(null=True)
    # 2) the DSA's terms
    business_need = fields.TextField(null=True)
    intent = fields.TextField(null=True)
    variables: fields.JSONField[list[str] | None] = fields.JSONField(null=True)
    scope = fields.CharField(max_length=64, null=True)
    start_date = fields.DateField(null=True)
    end_date = fields.DateField(null=True)
    transfer_protocol = fields.TextField(null=True)
    publication_review_agreed = fields.BooleanField(default=False)
    no_client_level_publication = fields.BooleanField(default=False)
    parties: fields.JSONField[list[str] | None] = fields.JSONField(null=True)
    completion_expected_on = fields.DateField(null=True)
    submitted_at = fields.DatetimeField(null=True)
    # 3) and 4)
    reviewed_at = fields.DatetimeField(null=True)
    reviewed_by_id = fields.UUIDField(null=True)
    review_notes = fields.TextField(null=True)
    met_on = fields.DateField(null=True)
    meeting_notes = fields.TextField(null=True)
    # 5) the board's decision
    motion: fields.ForeignKeyNullableRelation[Motion] = fields.ForeignKeyField(
        "hearth.Motion",
        related_name="data_sharing_agreements",
        null=True,
        on_delete=fields.RESTRICT,
    )
    motion_id: uuid.UUID | None
    decided_at = fields.DatetimeField(null=True)
    # 6)
    executed_on = fields.DateField(null=True)
    executed_by_id = fields.UUIDField(null=True)
    # 7)
    delivered_at = fields.DatetimeField(null=True)
    delivered_extract_id = fields.UUIDField(null=True)
    delivery_notes = fields.TextField(null=True)
    # the project's completion and 8) the destruction
    completed_on = fields.DateField(null=True)
    destruction_case: fields.ForeignKeyNullableRelation[ComplianceCase] = fields.ForeignKeyField(
        "hearth.ComplianceCase",
        related_name="data_sharing_agreements",
        null=True,
        on_delete=fields.RESTRICT,
    )
    destruction_case_id: uuid.UUID | None
    destroyed_on = fields.DateField(null=True)
    destruction_method = fields.CharField(max_length=500, null=True)
    destruction_attested_by = fields.CharField(max_length=200, null=True)
    destruction_recorded_by_id = fields.UUIDField(null=True)
    destruction_recorded_at = fields.DatetimeField(null=True)
    closed_reason = fields.CharField(max_length=500, null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "data_sharing_agreement"
        indexes = (("status", "entered_at"),)


class DsaExtract(Model):
    """One encrypted extract produced under an executed DSA: what it holds (variable names and
    counts, no client data), its file for download until ``expires_at``. The passphrase is
    handed to the producer once and not kept."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    agreement: fields.ForeignKeyRelation[DataSharingAgreement] = fields.ForeignKeyField(
        "hearth.DataSharingAgreement", related_name="extracts", on_delete=fields.RESTRICT
    )
    agreement_id: uuid.UUID
    produced_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="dsa_extracts", on_delete=fields.RESTRICT
    )
    produced_by_id: uuid.UUID
    produced_at = fields.DatetimeField()
    variables: fields.JSONField[list[str]] = fields.JSONField()
    scope = fields.CharField(max_length=64)
    start_date = fields.DateField()
    end_date = fields.DateField()
    rows = fields.IntField()
    clients = fields.IntField()
    file_name = fields.CharField(max_length=200)
    size_bytes = fields.BigIntField()
    expires_at = fields.DatetimeField()

    class Meta:
        table = "dsa_extract"
        indexes = (("agreement_id", "produced_at"),)
