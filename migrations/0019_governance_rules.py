from tortoise import migrations
from tortoise.migrations import operations as ops
from models.compliance import CaseKind, CaseRule
from models.enums import DeactivationReason, PendingGrantStatus, SystemRole
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

# governance rules (policies 105, 107, 212, 401): pending system-role grants, the
# End User Agreement's versions and signatures, and a deactivation's reason code. The manual's
# agreement (v7, January 2026) is in force from the start: every user signs it (policy 401).
SEED_SQL = [
    """
    INSERT INTO end_user_agreement (id, version, title, published_at, published_by_id) VALUES
      (gen_random_uuid(), '2026-01', 'CT HMIS Licensed End User Agreement',
       '2026-01-01T00:00:00Z', NULL)
    ON CONFLICT (version) DO NOTHING
    """,
]
REVERSE_SQL = ["DELETE FROM end_user_agreement WHERE version = '2026-01'"]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0018_incidents_grievances")]

    initial = False

    operations = [
        ops.CreateModel(
            name="EndUserAgreement",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("version", fields.CharField(unique=True, max_length=32)),
                ("title", fields.CharField(max_length=200)),
                ("published_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("published_by_id", fields.UUIDField(null=True)),
            ],
            options={
                "table": "end_user_agreement",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A version of the Licensed End User Agreement (policy 401). The latest published is the",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AgreementSignature",
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
                        related_name="agreement_signatures",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "agreement",
                    fields.ForeignKeyField(
                        "hearth.EndUserAgreement",
                        source_field="agreement_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="signatures",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("signed_on", fields.DateField()),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("recorded_by_id", fields.UUIDField()),
            ],
            options={
                "table": "agreement_signature",
                "app": "hearth",
                "unique_together": (("user", "agreement"),),
                "pk_attr": "id",
                "table_description": "A user's signature of one version: signed in Hearth, or in the LMS as its feed reports.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PendingRoleGrant",
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
                        related_name="pending_role_grants",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "role",
                    fields.CharEnumField(
                        description="SYSTEM_ADMINISTRATOR: SYSTEM_ADMINISTRATOR\nSECURITY_OFFICER: SECURITY_OFFICER\nLEAD_AGENCY: LEAD_AGENCY\nDSB_MEMBER: DSB_MEMBER\nVENDOR_SYNC: VENDOR_SYNC",
                        enum_type=SystemRole,
                        max_length=32,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=PendingGrantStatus.PENDING,
                        description="PENDING: PENDING\nCONFIRMED: CONFIRMED\nCANCELLED: CANCELLED",
                        enum_type=PendingGrantStatus,
                        max_length=16,
                    ),
                ),
                ("reason", fields.CharField(max_length=500)),
                ("proposed_by_id", fields.UUIDField()),
                ("proposed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("decided_by_id", fields.UUIDField(null=True)),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "pending_role_grant",
                "app": "hearth",
                "indexes": [Index(fields=["user_id", "role", "status"])],
                "pk_attr": "id",
                "table_description": "A system role proposed by one authorised person and granted only when another confirms",
            },
            bases=["Model"],
        ),
        ops.AlterModelOptions(
            name="ComplianceCase",
            options={
                "table": "compliance_case",
                "app": "hearth",
                "indexes": [Index(fields=["status", "due_on"])],
                "pk_attr": "id",
                "table_description": "One user's obligation with a deadline: at most one open case per user and kind; or an",
            },
        ),
        ops.AlterField(
            model_name="ComplianceCase",
            name="kind",
            field=fields.CharEnumField(
                description="SHARED_CONTACT: SHARED_CONTACT\nRETRAINING: RETRAINING\nAGENCY_COORDINATORS: AGENCY_COORDINATORS",
                enum_type=CaseKind,
                max_length=24,
            ),
        ),
        ops.AlterField(
            model_name="ComplianceCase",
            name="user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="compliance_cases",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AddField(
            model_name="ComplianceCase",
            name="agency",
            field=fields.ForeignKeyField(
                "hearth.Agency",
                source_field="agency_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="compliance_cases",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AlterField(
            model_name="ComplianceFinding",
            name="rule",
            field=fields.CharEnumField(
                description="SHARED_EMAIL: SHARED_EMAIL\nSHARED_MFA_CONTACT: SHARED_MFA_CONTACT\nNO_LOGIN_AFTER_TRAINING: NO_LOGIN_AFTER_TRAINING\nREPEATED_TICKETS: REPEATED_TICKETS\nHELPDESK_HOURS: HELPDESK_HOURS\nCOC_REQUEST: COC_REQUEST\nNO_HDC: NO_HDC\nNO_SECURITY_COORDINATOR: NO_SECURITY_COORDINATOR",
                enum_type=CaseRule,
                max_length=32,
            ),
        ),
        ops.AlterField(
            model_name="ComplianceFinding",
            name="user",
            field=fields.ForeignKeyField(
                "hearth.User",
                source_field="user_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="compliance_findings",
                on_delete=OnDelete.CASCADE,
            ),
        ),
        ops.AddField(
            model_name="User",
            name="deactivation_code",
            field=fields.CharEnumField(
                null=True,
                description="LEFT_AGENCY: LEFT_AGENCY\nACCESS_NO_LONGER_NEEDED: ACCESS_NO_LONGER_NEEDED\nCREDENTIALS_COMPROMISED: CREDENTIALS_COMPROMISED\nMISUSE: MISUSE\nSHARED_CONTACT: SHARED_CONTACT\nTRAINING_OVERDUE: TRAINING_OVERDUE",
                enum_type=DeactivationReason,
                max_length=32,
            ),
        ),
        ops.RunSQL(SEED_SQL, reverse_sql=REVERSE_SQL),
    ]
