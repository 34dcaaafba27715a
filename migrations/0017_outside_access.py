from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import AccessLevel
from models.outside_access import AccessTerm, CanPosition, OutsideAccessRoute, OutsideAccessStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("hearth", "0016_data_strategy_board")]

    initial = False

    operations = [
        ops.CreateModel(
            name="OutsideAccessApplication",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("organisation_name", fields.CharField(max_length=200)),
                ("contact_name", fields.CharField(max_length=200)),
                ("contact_email", fields.CharField(max_length=254)),
                ("purpose", fields.TextField(unique=False)),
                ("contribution", fields.TextField(unique=False)),
                ("program", fields.CharField(max_length=200)),
                ("staff", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "level_requested",
                    fields.CharEnumField(
                        description="FULL: FULL\nVIEW_ONLY: VIEW_ONLY\nREPORTING_ONLY: REPORTING_ONLY",
                        enum_type=AccessLevel,
                        max_length=16,
                    ),
                ),
                (
                    "term",
                    fields.CharEnumField(
                        description="ONGOING: ONGOING\nONE_TIME: ONE_TIME",
                        enum_type=AccessTerm,
                        max_length=16,
                    ),
                ),
                ("researcher", fields.BooleanField(default=False)),
                ("training_agreed", fields.BooleanField(default=False)),
                (
                    "coc",
                    fields.ForeignKeyField(
                        "hearth.ContinuumOfCare",
                        source_field="coc_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="outside_access_applications",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "can",
                    fields.ForeignKeyField(
                        "hearth.Can",
                        source_field="can_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="outside_access_applications",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("received_on", fields.DateField()),
                (
                    "recorded_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="recorded_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="outside_access_recorded",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=OutsideAccessStatus.RECEIVED,
                        description="RECEIVED: RECEIVED\nREADY: READY\nREFERRED: REFERRED\nAPPROVED: APPROVED\nGRANTED: GRANTED\nDENIED: DENIED",
                        enum_type=OutsideAccessStatus,
                        max_length=16,
                    ),
                ),
                ("can_leader_name", fields.CharField(null=True, max_length=200)),
                ("can_informed_on", fields.DateField(null=True)),
                (
                    "can_position",
                    fields.CharEnumField(
                        null=True,
                        description="SUPPORTS: SUPPORTS\nOPPOSES: OPPOSES\nNO_POSITION: NO_POSITION",
                        enum_type=CanPosition,
                        max_length=16,
                    ),
                ),
                ("can_note", fields.TextField(null=True, unique=False)),
                ("criteria", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "disqualifiers",
                    fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("revocations", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "route",
                    fields.CharEnumField(
                        null=True,
                        description="LEAD_AGENCY: LEAD_AGENCY\nSUBCOMMITTEE: SUBCOMMITTEE\nDISQUALIFIED: DISQUALIFIED",
                        enum_type=OutsideAccessRoute,
                        max_length=16,
                    ),
                ),
                (
                    "assessed_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="assessed_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="outside_access_assessed",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "assessed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "subcommittee_members",
                    fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("subcommittee_decided_on", fields.DateField(null=True)),
                ("subcommittee_approved", fields.BooleanField(null=True)),
                ("subcommittee_reason", fields.TextField(null=True, unique=False)),
                (
                    "subcommittee_recorded_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="subcommittee_recorded_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="outside_access_vetted",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "decided_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="decided_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="outside_access_decided",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("decision_reason", fields.TextField(null=True, unique=False)),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="outside_access_applications",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "outside_access_application",
                "app": "hearth",
                "indexes": [Index(fields=["status", "received_on"])],
                "pk_attr": "id",
                "table_description": "One outside organisation's application, as the Lead Agency received it (3.1).",
            },
            bases=["Model"],
        ),
    ]
