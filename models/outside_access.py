"""Outside requests for HMIS access (the manual's attachment "Procedure for Granting CT HMIS
Access"): the application (3.0), its assessment against the core criteria (1.0) and the
disqualifiers (2.0), CAN leadership's part (1.5, 4.2), the HMIS Steering Committee
subcommittee's vetting (4.3) and the grant through an MOU stating the level (1.6, 4.1)."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models.enums import AccessLevel

if TYPE_CHECKING:
    from models.governance import Agency, Can, ContinuumOfCare
    from models.users import User

__all__ = [
    "AccessTerm",
    "CanPosition",
    "Criterion",
    "Disqualifier",
    "Finding",
    "OutsideAccessApplication",
    "OutsideAccessRoute",
    "OutsideAccessStatus",
]


class OutsideAccessStatus(str, Enum):
    RECEIVED = "RECEIVED"  # recorded by the Lead Agency, not yet assessed
    READY = "READY"  # meets the core criteria: the Lead Agency grants (4.3)
    REFERRED = "REFERRED"  # does not clearly meet them: the subcommittee vets it (4.3)
    APPROVED = "APPROVED"  # the subcommittee approved: the Lead Agency grants
    GRANTED = "GRANTED"  # the MOU stating the level is recorded (1.6, 4.1)
    DENIED = "DENIED"


class AccessTerm(str, Enum):
    """How long the access is asked for: one-time access is not considered (1.2, 2.1)."""

    ONGOING = "ONGOING"
    ONE_TIME = "ONE_TIME"


class Criterion(str, Enum):
    """The ten core criteria of section 1.0, in their order."""

    NO_OTHER_REPORTING_OPTION = "1.1"
    ONGOING_ACCESS = "1.2"
    FUNDING_OR_PROVIDER = "1.3"
    WORKS_WITH_PEOPLE_EXPERIENCING_HOMELESSNESS = "1.4"
    CAN_PARTICIPATION = "1.5"
    LEVEL_IN_MOU = "1.6"
    TRAINING = "1.7"
    CONTRIBUTES_TO_ENDING_HOMELESSNESS = "1.8"
    RESEARCH_AGGREGATE_DATA = "1.9"
    GOOD_STANDING = "1.10"


class Disqualifier(str, Enum):
    """The criteria of section 2.0 that prevent a grant."""

    ONE_TIME_ACCESS = "2.1"
    HIGH_RISK_OF_ABUSE = "2.2"


class Finding(str, Enum):
    MET = "MET"
    NOT_MET = "NOT_MET"
    UNCLEAR = "UNCLEAR"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class CanPosition(str, Enum):
    """What the CAN's leadership said when informed (1.5, 4.2)."""

    SUPPORTS = "SUPPORTS"
    OPPOSES = "OPPOSES"
    NO_POSITION = "NO_POSITION"


class OutsideAccessRoute(str, Enum):
    """Where the assessment sent the application (2.0, 4.3)."""

    LEAD_AGENCY = "LEAD_AGENCY"
    SUBCOMMITTEE = "SUBCOMMITTEE"
    DISQUALIFIED = "DISQUALIFIED"


class OutsideAccessApplication(Model):
    """One outside organisation's application, as the Lead Agency received it (3.1)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    organisation_name = fields.CharField(max_length=200)
    contact_name = fields.CharField(max_length=200)
    contact_email = fields.CharField(max_length=254)
    purpose = fields.TextField()  # 3.1
    contribution = fields.TextField()  # 3.2
    program = fields.CharField(max_length=200)  # 3.3: program or department
    # 3.3: staff requesting access, [{"name", "email"}]; e-mails in their normal form
    staff: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    level_requested = fields.CharEnumField(AccessLevel, max_length=16)  # 3.3
    term = fields.CharEnumField(AccessTerm, max_length=16)  # 1.2, 2.1
    researcher = fields.BooleanField(default=False)  # 1.9
    training_agreed = fields.BooleanField(default=False)  # 1.7
    coc: fields.ForeignKeyRelation[ContinuumOfCare] = fields.ForeignKeyField(
        "hearth.ContinuumOfCare",
        related_name="outside_access_applications",
        on_delete=fields.RESTRICT,
    )
    coc_id: uuid.UUID
    # 1.5, 4.2: the CAN whose data the access concerns, if one
    can: fields.ForeignKeyNullableRelation[Can] = fields.ForeignKeyField(
        "hearth.Can",
        related_name="outside_access_applications",
        null=True,
        on_delete=fields.RESTRICT,
    )
    can_id: uuid.UUID | None
    received_on = fields.DateField()
    recorded_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="outside_access_recorded", on_delete=fields.RESTRICT
    )
    recorded_by_id: uuid.UUID
    recorded_at = fields.DatetimeField()
    status = fields.CharEnumField(
        OutsideAccessStatus, default=OutsideAccessStatus.RECEIVED, max_length=16
    )

    # CAN leadership informed and involved (1.5, 4.2)
    can_leader_name = fields.CharField(max_length=200, null=True)
    can_informed_on = fields.DateField(null=True)
    can_position = fields.CharEnumField(CanPosition, max_length=16, null=True)
    can_note = fields.TextField(null=True)

    # The Lead Agency's assessment: {"1.1": {"finding", "note", "source"}, ...},
    # {"2.1": {"applies", "note", "source"}, ...}, and what Hearth's records said for 1.10.
    criteria: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    disqualifiers: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    revocations: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    route = fields.CharEnumField(OutsideAccessRoute, max_length=16, null=True)
    assessed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="outside_access_assessed", null=True, on_delete=fields.RESTRICT
    )
    assessed_by_id: uuid.UUID | None
    assessed_at = fields.DatetimeField(null=True)

    # The HMIS Steering Committee subcommittee's vetting (4.3)
    subcommittee_members: fields.JSONField[list[str]] = fields.JSONField(default=list)
    subcommittee_decided_on = fields.DateField(null=True)
    subcommittee_approved = fields.BooleanField(null=True)
    subcommittee_reason = fields.TextField(null=True)
    subcommittee_recorded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="outside_access_vetted", null=True, on_delete=fields.RESTRICT
    )
    subcommittee_recorded_by_id: uuid.UUID | None

    # The outcome: granted through the agency's MOU, or denied, with the reason
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="outside_access_decided", null=True, on_delete=fields.RESTRICT
    )
    decided_by_id: uuid.UUID | None
    decided_at = fields.DatetimeField(null=True)
    decision_reason = fields.TextField(null=True)
    agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency",
        related_name="outside_access_applications",
        null=True,
        on_delete=fields.RESTRICT,
    )
    agency_id: uuid.UUID | None

    class Meta:
        table = "outside_access_application"
        indexes = (("status", "received_on"),)
