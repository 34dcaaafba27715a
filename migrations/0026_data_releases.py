from tortoise import migrations
from tortoise.migrations import operations as ops
from models.compliance import CaseKind
from models.data_releases import DataRequestStatus, DsaStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

# Releasing data (policy 405; decisions 165-169): aggregate data requests, Data Sharing
# Agreements (a DSB motion decides each: the DSA names the motion), their encrypted extracts (no
# client data in the table; the passphrase is never stored), and the compliance case kind of the
# 90-day destruction (no user or agency on it: the DSA names the case).


class Migration(migrations.Migration):
    dependencies = [("hearth", "0025_motion_subjects")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DataRequest",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("requestor_name", fields.CharField(max_length=200)),
                ("requestor_organization", fields.CharField(max_length=200)),
                ("requestor_email", fields.CharField(max_length=254)),
                ("requestor_phone", fields.CharField(null=True, max_length=40)),
                ("purpose", fields.TextField(unique=False)),
                ("variables", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("scope", fields.CharField(max_length=64)),
                ("start_date", fields.DateField()),
                ("end_date", fields.DateField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=DataRequestStatus.SUBMITTED,
                        description="SUBMITTED: SUBMITTED\nREVIEWED: REVIEWED\nMET: MET\nDELIVERED: DELIVERED\nDECLINED: DECLINED\nWITHDRAWN: WITHDRAWN",
                        enum_type=DataRequestStatus,
                        max_length=16,
                    ),
                ),
                (
                    "entered_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="entered_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="data_requests_entered",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("submitted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("review", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "reviewed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("reviewed_by_id", fields.UUIDField(null=True)),
                ("met_on", fields.DateField(null=True)),
                ("meeting_notes", fields.TextField(null=True, unique=False)),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("delivered_by_id", fields.UUIDField(null=True)),
                ("delivery", fields.TextField(null=True, unique=False)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("closed_reason", fields.CharField(null=True, max_length=500)),
            ],
            options={
                "table": "data_request",
                "app": "hearth",
                "indexes": [Index(fields=["status", "submitted_at"])],
                "pk_attr": "id",
                "table_description": "A Data Request Form for aggregate data with no PII (policy 405).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DataSharingAgreement",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("requestor_name", fields.CharField(max_length=200)),
                ("requestor_organization", fields.CharField(max_length=200)),
                ("requestor_email", fields.CharField(max_length=254)),
                ("requestor_phone", fields.CharField(null=True, max_length=40)),
                ("purpose", fields.TextField(unique=False)),
                ("requested_variables", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                (
                    "status",
                    fields.CharEnumField(
                        default=DsaStatus.REQUESTED,
                        description="REQUESTED: REQUESTED\nPII_CONFIRMED: PII_CONFIRMED\nSUBMITTED: SUBMITTED\nREVIEWED: REVIEWED\nMET: MET\nAPPROVED: APPROVED\nDENIED: DENIED\nEXECUTED: EXECUTED\nEXTRACTED: EXTRACTED\nDELIVERED: DELIVERED\nCOMPLETED: COMPLETED\nDESTROYED: DESTROYED\nWITHDRAWN: WITHDRAWN",
                        enum_type=DsaStatus,
                        max_length=16,
                    ),
                ),
                (
                    "entered_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="entered_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="dsas_entered",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("entered_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("pii_contacted_on", fields.DateField(null=True)),
                ("pii_contacted_by_id", fields.UUIDField(null=True)),
                ("pii_contact_notes", fields.TextField(null=True, unique=False)),
                ("business_need", fields.TextField(null=True, unique=False)),
                ("intent", fields.TextField(null=True, unique=False)),
                ("variables", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("scope", fields.CharField(null=True, max_length=64)),
                ("start_date", fields.DateField(null=True)),
                ("end_date", fields.DateField(null=True)),
                ("transfer_protocol", fields.TextField(null=True, unique=False)),
                ("publication_review_agreed", fields.BooleanField(default=False)),
                ("no_client_level_publication", fields.BooleanField(default=False)),
                ("parties", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("completion_expected_on", fields.DateField(null=True)),
                (
                    "submitted_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "reviewed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("reviewed_by_id", fields.UUIDField(null=True)),
                ("review_notes", fields.TextField(null=True, unique=False)),
                ("met_on", fields.DateField(null=True)),
                ("meeting_notes", fields.TextField(null=True, unique=False)),
                (
                    "motion",
                    fields.ForeignKeyField(
                        "hearth.Motion",
                        source_field="motion_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="data_sharing_agreements",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("executed_on", fields.DateField(null=True)),
                ("executed_by_id", fields.UUIDField(null=True)),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("delivered_extract_id", fields.UUIDField(null=True)),
                ("delivery_notes", fields.TextField(null=True, unique=False)),
                ("completed_on", fields.DateField(null=True)),
                (
                    "destruction_case",
                    fields.ForeignKeyField(
                        "hearth.ComplianceCase",
                        source_field="destruction_case_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="data_sharing_agreements",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("destroyed_on", fields.DateField(null=True)),
                ("destruction_method", fields.CharField(null=True, max_length=500)),
                ("destruction_attested_by", fields.CharField(null=True, max_length=200)),
                ("destruction_recorded_by_id", fields.UUIDField(null=True)),
                (
                    "destruction_recorded_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("closed_reason", fields.CharField(null=True, max_length=500)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "data_sharing_agreement",
                "app": "hearth",
                "indexes": [Index(fields=["status", "entered_at"])],
                "pk_attr": "id",
                "table_description": "A request with PII and its Data Sharing Agreement (policy 405), from the first contact to",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DsaExtract",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "agreement",
                    fields.ForeignKeyField(
                        "hearth.DataSharingAgreement",
                        source_field="agreement_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="extracts",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "produced_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="produced_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="dsa_extracts",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("produced_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("variables", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("scope", fields.CharField(max_length=64)),
                ("start_date", fields.DateField()),
                ("end_date", fields.DateField()),
                ("rows", fields.IntField()),
                ("clients", fields.IntField()),
                ("file_name", fields.CharField(max_length=200)),
                ("size_bytes", fields.BigIntField()),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "dsa_extract",
                "app": "hearth",
                "indexes": [Index(fields=["agreement_id", "produced_at"])],
                "pk_attr": "id",
                "table_description": "One encrypted extract produced under an executed DSA: what it holds (variable names and",
            },
            bases=["Model"],
        ),
        ops.AlterField(
            model_name="ComplianceCase",
            name="kind",
            field=fields.CharEnumField(
                description="SHARED_CONTACT: SHARED_CONTACT\nRETRAINING: RETRAINING\nAGENCY_COORDINATORS: AGENCY_COORDINATORS\nDSA_DESTRUCTION: DSA_DESTRUCTION",
                enum_type=CaseKind,
                max_length=24,
            ),
        ),
    ]
