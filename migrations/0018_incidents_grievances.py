from tortoise import migrations
from tortoise.migrations import operations as ops
from models.incidents_grievances import (
    GrievanceKind,
    GrievanceOutcome,
    GrievanceStage,
    GrievanceStatus,
    IncidentKind,
    IncidentStatus,
)
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("hearth", "0017_outside_access")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Grievance",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="CLIENT: CLIENT\nLEAD_AGENCY: LEAD_AGENCY",
                        enum_type=GrievanceKind,
                        max_length=12,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=GrievanceStatus.OPEN,
                        description="OPEN: OPEN\nUNRESOLVED: UNRESOLVED\nRESOLVED: RESOLVED\nDECIDED: DECIDED\nWITHDRAWN: WITHDRAWN",
                        enum_type=GrievanceStatus,
                        max_length=12,
                    ),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="grievances",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "coc",
                    fields.ForeignKeyField(
                        "hearth.ContinuumOfCare",
                        source_field="coc_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="grievances",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "filed_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="filed_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grievances_filed",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("filed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("summary", fields.CharField(max_length=200)),
                ("text", fields.TextField(unique=False)),
                (
                    "stage",
                    fields.CharEnumField(
                        description="AGENCY_PROCEDURE: AGENCY_PROCEDURE\nINFORMAL: INFORMAL\nFORMAL: FORMAL\nSUBCOMMITTEE: SUBCOMMITTEE",
                        enum_type=GrievanceStage,
                        max_length=20,
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "grievance",
                "app": "hearth",
                "indexes": [Index(fields=["agency_id", "filed_at"])],
                "pk_attr": "id",
                "table_description": "A grievance under policy 114. ``text`` is the parties' and the subcommittee's only.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GrievanceStep",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "grievance",
                    fields.ForeignKeyField(
                        "hearth.Grievance",
                        source_field="grievance_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="steps",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "stage",
                    fields.CharEnumField(
                        description="AGENCY_PROCEDURE: AGENCY_PROCEDURE\nINFORMAL: INFORMAL\nFORMAL: FORMAL\nSUBCOMMITTEE: SUBCOMMITTEE",
                        enum_type=GrievanceStage,
                        max_length=20,
                    ),
                ),
                ("owner", fields.CharField(max_length=100)),
                ("opened_by_id", fields.UUIDField()),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("statement", fields.TextField(null=True, unique=False)),
                ("hearing_on", fields.DateField(null=True)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("closed_by_id", fields.UUIDField(null=True)),
                (
                    "outcome",
                    fields.CharEnumField(
                        null=True,
                        description="RESOLVED: RESOLVED\nUNRESOLVED: UNRESOLVED",
                        enum_type=GrievanceOutcome,
                        max_length=12,
                    ),
                ),
                ("outcome_notes", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "grievance_step",
                "app": "hearth",
                "unique_together": (("grievance", "stage"),),
                "pk_attr": "id",
                "table_description": "One step of a grievance: who owns it, when it opened, its hearing, how it ended.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GrievanceSubcommitteeMeeting",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("meets_on", fields.DateField(unique=True)),
                ("recorded_by_id", fields.UUIDField()),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "grievance_subcommittee_meeting",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A regularly scheduled meeting of the grievance subcommittee (its calendar).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="GrievanceSubcommitteeMember",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="grievance_subcommittee_seats",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("added_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("added_by_id", fields.UUIDField()),
                ("removed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("removed_by_id", fields.UUIDField(null=True)),
            ],
            options={
                "table": "grievance_subcommittee_member",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A member of the Data Strategy Board's grievance subcommittee, while ``removed_at`` is",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SecurityIncident",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="security_incidents",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="UNAUTHORIZED_ACCESS: UNAUTHORIZED_ACCESS\nCREDENTIAL_COMPROMISE: CREDENTIAL_COMPROMISE\nLOST_OR_STOLEN_DEVICE: LOST_OR_STOLEN_DEVICE\nIMPROPER_DISCLOSURE: IMPROPER_DISCLOSURE\nMALWARE: MALWARE\nOTHER: OTHER",
                        enum_type=IncidentKind,
                        max_length=24,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=IncidentStatus.REPORTED,
                        description="REPORTED: REPORTED\nCONTAINED: CONTAINED\nCLOSED: CLOSED",
                        enum_type=IncidentStatus,
                        max_length=12,
                    ),
                ),
                ("reported_by_id", fields.UUIDField()),
                ("reported_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("discovered_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("description", fields.TextField(unique=False)),
                (
                    "contained_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("containment", fields.TextField(null=True, unique=False)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("closure", fields.TextField(null=True, unique=False)),
                ("breach", fields.BooleanField(default=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "security_incident",
                "app": "hearth",
                "indexes": [
                    Index(fields=["agency_id", "reported_at"]),
                    Index(fields=["reported_by_id"]),
                ],
                "pk_attr": "id",
                "table_description": "One reported security or confidentiality incident.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BreachNotification",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "incident",
                    fields.ForeignKeyField(
                        "hearth.SecurityIncident",
                        source_field="incident_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="notifications",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("notified_party", fields.CharField(max_length=200)),
                ("method", fields.CharField(max_length=100)),
                ("notified_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("recorded_by_id", fields.UUIDField()),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "breach_notification",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "Who was notified of a breach, how and when (Connecticut's breach notification law).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="IncidentClient",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "incident",
                    fields.ForeignKeyField(
                        "hearth.SecurityIncident",
                        source_field="incident_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="clients",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "hearth.Client",
                        source_field="client_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="incidents",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("added_by_id", fields.UUIDField()),
                ("added_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "security_incident_client",
                "app": "hearth",
                "unique_together": (("incident", "client"),),
                "pk_attr": "id",
                "table_description": "A client the incident affected: an id only, never shown beyond the client-data policy.",
            },
            bases=["Model"],
        ),
    ]
