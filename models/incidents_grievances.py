"""Security and confidentiality incidents (policies 106, 108, 202) and grievances (policy 114).

An incident is reported by anyone signed in and reaches the System Administrator and the
Security Officer at once; it carries the clients it affected as ids only (shown through the
client-data policy, counted otherwise) and, when it is a breach, who was notified and when.

A grievance moves through the steps of policy 114 in order, each with its owner, dates and
outcome; its text is the parties' and the grievance subcommittee's only. The subcommittee's
members and its regularly scheduled meetings are recorded here until the Data Strategy Board's
own records (seats, meetings) take them over (docs/incidents-and-grievances.md).
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.clients import Client
    from models.governance import Agency, ContinuumOfCare
    from models.users import User

__all__ = [
    "BreachNotification",
    "Grievance",
    "GrievanceKind",
    "GrievanceOutcome",
    "GrievanceStage",
    "GrievanceStatus",
    "GrievanceStep",
    "GrievanceSubcommitteeMeeting",
    "GrievanceSubcommitteeMember",
    "IncidentClient",
    "IncidentKind",
    "IncidentStatus",
    "SecurityIncident",
]


class IncidentKind(str, Enum):
    """What happened (policy 106: "any issue relating to system security or consumer
    confidentiality")."""

    UNAUTHORIZED_ACCESS = "UNAUTHORIZED_ACCESS"  # someone saw or used data they should not
    CREDENTIAL_COMPROMISE = "CREDENTIAL_COMPROMISE"  # a password or MFA contact exposed or shared
    LOST_OR_STOLEN_DEVICE = "LOST_OR_STOLEN_DEVICE"
    IMPROPER_DISCLOSURE = "IMPROPER_DISCLOSURE"  # client information given to the wrong party
    MALWARE = "MALWARE"
    OTHER = "OTHER"


class IncidentStatus(str, Enum):
    REPORTED = "REPORTED"
    CONTAINED = "CONTAINED"
    CLOSED = "CLOSED"


class SecurityIncident(Model):
    """One reported security or confidentiality incident."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    # The agency concerned; None for a system-level incident (the software, the Lead Agency).
    agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="security_incidents", null=True, on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID | None
    kind = fields.CharEnumField(IncidentKind, max_length=24)
    status = fields.CharEnumField(IncidentStatus, default=IncidentStatus.REPORTED, max_length=12)
    # The user or service account that reported it (no foreign key: either kind of principal).
    reported_by_id = fields.UUIDField()
    reported_at = fields.DatetimeField()
    discovered_at = fields.DatetimeField()
    description = fields.TextField()
    contained_at = fields.DatetimeField(null=True)
    containment = fields.TextField(null=True)
    closed_at = fields.DatetimeField(null=True)
    closure = fields.TextField(null=True)
    # A breach: clients' information reached someone it should not have (policy 212's last
    # paragraph: the Lead Agency sees that the affected parties are notified).
    breach = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField()
    clients: fields.ReverseRelation[IncidentClient]
    notifications: fields.ReverseRelation[BreachNotification]

    class Meta:
        table = "security_incident"
        indexes = (("agency_id", "reported_at"), ("reported_by_id",))


class IncidentClient(Model):
    """A client the incident affected: an id only, never shown beyond the client-data policy."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    incident: fields.ForeignKeyRelation[SecurityIncident] = fields.ForeignKeyField(
        "hearth.SecurityIncident", related_name="clients", on_delete=fields.CASCADE
    )
    incident_id: uuid.UUID
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="incidents", on_delete=fields.RESTRICT
    )
    client_id: uuid.UUID
    added_by_id = fields.UUIDField()
    added_at = fields.DatetimeField()

    class Meta:
        table = "security_incident_client"
        unique_together = (("incident", "client"),)


class BreachNotification(Model):
    """Who was notified of a breach, how and when (Connecticut's breach notification law)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    incident: fields.ForeignKeyRelation[SecurityIncident] = fields.ForeignKeyField(
        "hearth.SecurityIncident", related_name="notifications", on_delete=fields.CASCADE
    )
    incident_id: uuid.UUID
    # Who: "the affected clients (by letter)", "Office of the Attorney General", a funder.
    notified_party = fields.CharField(max_length=200)
    method = fields.CharField(max_length=100)
    notified_at = fields.DatetimeField()
    recorded_by_id = fields.UUIDField()
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "breach_notification"


class GrievanceKind(str, Enum):
    # A client's, about an agency's services or its use of their information in HMIS.
    CLIENT = "CLIENT"
    # A participating (or prospective) agency's or a CoC's, about the Lead Agency.
    LEAD_AGENCY = "LEAD_AGENCY"


class GrievanceStage(str, Enum):
    AGENCY_PROCEDURE = "AGENCY_PROCEDURE"  # a client's: the agency's own procedure first
    INFORMAL = "INFORMAL"  # verbally to the Director of HMIS and Strategic Analysis
    FORMAL = "FORMAL"  # in writing to the Director of HMIS and Strategic Analysis
    SUBCOMMITTEE = "SUBCOMMITTEE"  # the DSB grievance subcommittee, at its next regular meeting


class GrievanceOutcome(str, Enum):
    RESOLVED = "RESOLVED"  # settled to the grieving party's satisfaction (or decided, last step)
    UNRESOLVED = "UNRESOLVED"  # the party may take it to the next step


class GrievanceStatus(str, Enum):
    OPEN = "OPEN"  # a step is under way
    UNRESOLVED = "UNRESOLVED"  # the last step ended unresolved; the party may go on
    RESOLVED = "RESOLVED"
    DECIDED = "DECIDED"  # the subcommittee heard and resolved it: the end of the road
    WITHDRAWN = "WITHDRAWN"


class Grievance(Model):
    """A grievance under policy 114. ``text`` is the parties' and the subcommittee's only."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    kind = fields.CharEnumField(GrievanceKind, max_length=12)
    status = fields.CharEnumField(GrievanceStatus, default=GrievanceStatus.OPEN, max_length=12)
    # The agency concerned: for a client's, the agency whose services are in question (None: a
    # system-level concern); for a complaint about the Lead Agency, the complaining agency.
    agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="grievances", null=True, on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID | None
    # A complaint about the Lead Agency brought by a Continuum of Care.
    coc: fields.ForeignKeyNullableRelation[ContinuumOfCare] = fields.ForeignKeyField(
        "hearth.ContinuumOfCare", related_name="grievances", null=True, on_delete=fields.RESTRICT
    )
    coc_id: uuid.UUID | None
    filed_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="grievances_filed", on_delete=fields.RESTRICT
    )
    filed_by_id: uuid.UUID
    filed_at = fields.DatetimeField()
    summary = fields.CharField(max_length=200)
    text = fields.TextField()
    stage = fields.CharEnumField(GrievanceStage, max_length=20)
    updated_at = fields.DatetimeField()
    steps: fields.ReverseRelation[GrievanceStep]

    class Meta:
        table = "grievance"
        indexes = (("agency_id", "filed_at"),)


class GrievanceStep(Model):
    """One step of a grievance: who owns it, when it opened, its hearing, how it ended."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    grievance: fields.ForeignKeyRelation[Grievance] = fields.ForeignKeyField(
        "hearth.Grievance", related_name="steps", on_delete=fields.CASCADE
    )
    grievance_id: uuid.UUID
    stage = fields.CharEnumField(GrievanceStage, max_length=20)
    # Who must act: "agency grievance procedure", "Director of HMIS and Strategic Analysis",
    # "DSB grievance subcommittee".
    owner = fields.CharField(max_length=100)
    opened_by_id = fields.UUIDField()
    opened_at = fields.DatetimeField()
    # The written complaint (formal step) or the appeal's grounds; the parties' only.
    statement = fields.TextField(null=True)
    # The subcommittee's hearing: its next regularly scheduled meeting after the appeal.
    hearing_on = fields.DateField(null=True)
    closed_at = fields.DatetimeField(null=True)
    closed_by_id = fields.UUIDField(null=True)
    outcome = fields.CharEnumField(GrievanceOutcome, max_length=12, null=True)
    outcome_notes = fields.TextField(null=True)

    class Meta:
        table = "grievance_step"
        unique_together = (("grievance", "stage"),)


class GrievanceSubcommitteeMember(Model):
    """A member of the Data Strategy Board's grievance subcommittee, while ``removed_at`` is
    None."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="grievance_subcommittee_seats", on_delete=fields.RESTRICT
    )
    user_id: uuid.UUID
    added_at = fields.DatetimeField()
    added_by_id = fields.UUIDField()
    removed_at = fields.DatetimeField(null=True)
    removed_by_id = fields.UUIDField(null=True)

    class Meta:
        table = "grievance_subcommittee_member"


class GrievanceSubcommitteeMeeting(Model):
    """A regularly scheduled meeting of the grievance subcommittee (its calendar)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    meets_on = fields.DateField(unique=True)
    recorded_by_id = fields.UUIDField()
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "grievance_subcommittee_meeting"
