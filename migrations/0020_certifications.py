from tortoise import migrations
from tortoise.migrations import operations as ops
from models.certification import (
    AgencyCaseKind,
    AgencyCaseStatus,
    ClearanceBasis,
    Exhibit,
    MonitoringResult,
)
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

# Exhibits A and B of the MOU (policy 210). The manual names the exhibits without reproducing
# them, so the items are the manual's own requirements of the HDC (101, 106, 107, 110, 201, 207,
# 212, 301, 302, 401) and of the Agency Security Coordinator (105, 108, 109, 202, 207, 208); the
# System Administrator rewords, adds and retires items (services/certification.py). The tests
# restore these rows after emptying the tables (tests/conftest.py).
REFERENCE_SQL = [
    """
INSERT INTO certification_item (id, exhibit, code, text, policy, position, created_at, updated_at)
VALUES
  (gen_random_uuid(), 'A', 'A-01', 'The agency has signed the CT HMIS Memorandum of Understanding and has put its stated requirements in place.', '101, 201', 1, now(), now()),
  (gen_random_uuid(), 'A', 'A-02', 'The agency has designated one HMIS Data Coordinator, a licensed end user with the HMIS Data Coordinator duty, responsible for the duties of this exhibit.', '107, 210', 2, now(), now()),
  (gen_random_uuid(), 'A', 'A-03', 'Only staff and volunteers with a legitimate need have access, and each completed the required CT HMIS training before using the system.', '106, 110', 3, now(), now()),
  (gen_random_uuid(), 'A', 'A-04', 'Each licensed end user''s level of access was designated through a Designation of Access submitted to the System Administrator.', '107, 401', 4, now(), now()),
  (gen_random_uuid(), 'A', 'A-05', 'The System Administrator is told promptly when a licensed end user leaves the agency or no longer needs access, and of changes in license assignments.', '106, 107', 5, now(), now()),
  (gen_random_uuid(), 'A', 'A-06', 'Agency and program information (location, services provided, HUD requirements, bed inventories) is kept up to date.', '107', 6, now(), now()),
  (gen_random_uuid(), 'A', 'A-07', 'Signed client consent and release of information forms are on file, and interagency agreements are signed and on file where applicable.', '207', 7, now(), now()),
  (gen_random_uuid(), 'A', 'A-08', 'Required data is collected respectfully and entered accurately, completely and on time.', '106, 301, 302', 8, now(), now()),
  (gen_random_uuid(), 'A', 'A-09', 'The User Access Report is run and reviewed every quarter.', '107, 212', 9, now(), now()),
  (gen_random_uuid(), 'A', 'A-10', 'The HDC attends the monthly HMIS Data Coordinator meetings and tells the agency''s licensed end users of interruptions, workflow and reporting changes, and trainings.', '107', 10, now(), now()),
  (gen_random_uuid(), 'A', 'A-11', 'The agency produces its required reports (e.g. HUD APR, ESG) and supports system initiatives with qualified personnel.', '201', 11, now(), now()),
  (gen_random_uuid(), 'A', 'A-12', 'The agency has policies and procedures to prevent misuse of the system by its staff and oversees their adherence to the CT HMIS policies and procedures.', '106', 12, now(), now()),
  (gen_random_uuid(), 'B', 'B-01', 'The agency has designated one Agency Security Coordinator, authorized by the Executive Director or designee to verify the agency''s security status; their name and contact are given with this certification.', '105, 108', 1, now(), now()),
  (gen_random_uuid(), 'B', 'B-02', 'The Agency Security Coordinator completed the security training offered by the System Administrator and passes it on to the agency''s licensed end users.', '108', 2, now(), now()),
  (gen_random_uuid(), 'B', 'B-03', 'Written rules govern the assignment of user accounts; accounts, e-mail addresses and MFA contacts are never shared.', '208, 109', 3, now(), now()),
  (gen_random_uuid(), 'B', 'B-04', 'Unattended workstations are protected and physical access to workstations is controlled.', '208', 4, now(), now()),
  (gen_random_uuid(), 'B', 'B-05', 'A hardware and/or software firewall secures local systems and networks from malicious intrusion.', '208', 5, now(), now()),
  (gen_random_uuid(), 'B', 'B-06', 'Antivirus software scans files as they are accessed and updates its virus definitions regularly.', '208', 6, now(), now()),
  (gen_random_uuid(), 'B', 'B-07', 'Rules for password complexity, expiration and confidentiality are in place, and multi-factor authentication is used as the Lead Agency requires.', '208, 202', 7, now(), now()),
  (gen_random_uuid(), 'B', 'B-08', 'Procedures cover client record disclosure, confidentiality and release of information.', '208, 207', 8, now(), now()),
  (gen_random_uuid(), 'B', 'B-09', 'Procedures cover report generation, disclosure and storage.', '208', 9, now(), now()),
  (gen_random_uuid(), 'B', 'B-10', 'Access logs of all systems with access to HMIS data are maintained and monitored.', '208', 10, now(), now()),
  (gen_random_uuid(), 'B', 'B-11', 'Personal computers are not used to access CT HMIS unless managed under the agency''s IT policies, and no client-level data is stored on personal computers or media.', '208', 11, now(), now()),
  (gen_random_uuid(), 'B', 'B-12', 'Security and confidentiality incidents are reported to the Lead Agency, the System Administrator and the Security Officer immediately upon discovery.', '106, 108', 12, now(), now())
ON CONFLICT (code) DO NOTHING
""",
]

AFTER_SQL = [
    *REFERENCE_SQL,
    # Agencies with a signed MOU before this migration are established (policy 210: a shortfall
    # is remediated with access continuing); the others gain access by certifying.
    """
    INSERT INTO agency_clearance (id, agency_id, basis, cleared_at, year)
    SELECT gen_random_uuid(), id, 'ESTABLISHED', now(), NULL FROM agency WHERE mou_signed_on IS NOT NULL
    ON CONFLICT DO NOTHING
    """,
    # One open case per agency, kind and exhibit.
    "CREATE UNIQUE INDEX agency_case_one_open ON agency_case (agency_id, kind, coalesce(exhibit, '-'))"
    " WHERE status = 'OPEN'",
    # Certifications and their answers are the agency's signed word: never changed or deleted.
    """
    CREATE OR REPLACE FUNCTION hearth_certification_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'certifications are never changed or deleted (policy 210)'
        USING ERRCODE = 'integrity_constraint_violation';
    END $$
    """,
    "CREATE TRIGGER certification_append_only BEFORE UPDATE OR DELETE ON certification"
    " FOR EACH ROW EXECUTE FUNCTION hearth_certification_append_only()",
    "CREATE TRIGGER certification_no_truncate BEFORE TRUNCATE ON certification"
    " FOR EACH STATEMENT EXECUTE FUNCTION hearth_no_truncate()",
    "CREATE TRIGGER certification_answer_append_only BEFORE UPDATE OR DELETE"
    " ON certification_answer FOR EACH ROW EXECUTE FUNCTION hearth_certification_append_only()",
    "CREATE TRIGGER certification_answer_no_truncate BEFORE TRUNCATE ON certification_answer"
    " FOR EACH STATEMENT EXECUTE FUNCTION hearth_no_truncate()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON certification, certification_answer FROM hearth_app",
]
REVERSE_SQL = [
    "DROP TRIGGER IF EXISTS certification_answer_no_truncate ON certification_answer",
    "DROP TRIGGER IF EXISTS certification_answer_append_only ON certification_answer",
    "DROP TRIGGER IF EXISTS certification_no_truncate ON certification",
    "DROP TRIGGER IF EXISTS certification_append_only ON certification",
    "DROP FUNCTION IF EXISTS hearth_certification_append_only()",
    "DROP INDEX IF EXISTS agency_case_one_open",
    "DELETE FROM agency_clearance",
    "DELETE FROM certification_item",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0019_governance_rules")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AgencyClearance",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "agency",
                    fields.OneToOneField(
                        "hearth.Agency",
                        source_field="agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="clearance",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "basis",
                    fields.CharEnumField(
                        description="CERTIFIED: CERTIFIED\nESTABLISHED: ESTABLISHED",
                        enum_type=ClearanceBasis,
                        max_length=16,
                    ),
                ),
                ("cleared_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("year", fields.SmallIntField(null=True)),
            ],
            options={
                "table": "agency_clearance",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "The agency's first-time access (policy 210): until this row exists no access level of the",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Certification",
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
                        db_constraint=True,
                        to_field="id",
                        related_name="certifications",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("year", fields.SmallIntField()),
                (
                    "exhibit",
                    fields.CharEnumField(description="A: A\nB: B", enum_type=Exhibit, max_length=1),
                ),
                (
                    "certified_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="certified_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="certifications",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("certified_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("certified_on", fields.DateField()),
                ("met", fields.BooleanField()),
                ("coordinator_name", fields.CharField(null=True, max_length=200)),
                ("coordinator_email", fields.CharField(null=True, max_length=254)),
                ("coordinator_phone", fields.CharField(null=True, max_length=40)),
            ],
            options={
                "table": "certification",
                "app": "hearth",
                "indexes": [Index(fields=["agency_id", "year", "exhibit"])],
                "pk_attr": "id",
                "table_description": "One agency's self-certification of one exhibit for one year (append-only: a later one",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AgencyCase",
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
                        db_constraint=True,
                        to_field="id",
                        related_name="agency_cases",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="REMEDIATION: REMEDIATION\nCOORDINATOR_CHANGE: COORDINATOR_CHANGE",
                        enum_type=AgencyCaseKind,
                        max_length=24,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=AgencyCaseStatus.OPEN,
                        description="OPEN: OPEN\nRESOLVED: RESOLVED",
                        enum_type=AgencyCaseStatus,
                        max_length=16,
                    ),
                ),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("opened_on", fields.DateField()),
                ("due_on", fields.DateField()),
                (
                    "certification",
                    fields.ForeignKeyField(
                        "hearth.Certification",
                        source_field="certification_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="cases",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("year", fields.SmallIntField(null=True)),
                (
                    "exhibit",
                    fields.CharEnumField(
                        null=True, description="A: A\nB: B", enum_type=Exhibit, max_length=1
                    ),
                ),
                ("planned_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "planned_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="planned_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="remediations_planned",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "previous_coordinator",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="previous_coordinator_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="coordinator_changes_from",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "new_coordinator",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="new_coordinator_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="coordinator_changes_to",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "admin_acknowledged_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="admin_acknowledged_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="coordinator_changes_admin_acked",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "admin_acknowledged_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "officer_acknowledged_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="officer_acknowledged_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="coordinator_changes_officer_acked",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "officer_acknowledged_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "escalated_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("resolution", fields.CharField(null=True, max_length=500)),
            ],
            options={
                "table": "agency_case",
                "app": "hearth",
                "indexes": [
                    Index(fields=["status", "due_on"]),
                    Index(fields=["agency_id", "kind"]),
                ],
                "pk_attr": "id",
                "table_description": "An agency's obligation with a deadline: a remediation (policy 210) or a change of Agency",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CertificationItem",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "exhibit",
                    fields.CharEnumField(description="A: A\nB: B", enum_type=Exhibit, max_length=1),
                ),
                ("code", fields.CharField(unique=True, max_length=16)),
                ("text", fields.CharField(max_length=500)),
                ("policy", fields.CharField(max_length=40)),
                ("position", fields.IntField()),
                ("retired_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "certification_item",
                "app": "hearth",
                "indexes": [Index(fields=["exhibit", "position"])],
                "pk_attr": "id",
                "table_description": "One requirement of Exhibit A or B. Retired items stay for the certifications that",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CertificationAnswer",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "certification",
                    fields.ForeignKeyField(
                        "hearth.Certification",
                        source_field="certification_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="answers",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "item",
                    fields.ForeignKeyField(
                        "hearth.CertificationItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="answers",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("item_text", fields.CharField(max_length=500)),
                ("met", fields.BooleanField()),
                ("evidence", fields.CharField(null=True, max_length=500)),
                ("note", fields.CharField(null=True, max_length=500)),
            ],
            options={
                "table": "certification_answer",
                "app": "hearth",
                "unique_together": (("certification", "item"),),
                "pk_attr": "id",
                "table_description": "One item of a certification: met or not, with its evidence reference (append-only).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MonitoringSample",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("year", fields.SmallIntField(unique=True)),
                ("seed", fields.CharField(max_length=64)),
                ("percent", fields.SmallIntField()),
                ("population", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "drawn_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="drawn_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="monitoring_samples_drawn",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("drawn_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "monitoring_sample",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "The Lead Agency's sample of participating agencies to monitor in a year (policy 201: at",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MonitoringSelection",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "sample",
                    fields.ForeignKeyField(
                        "hearth.MonitoringSample",
                        source_field="sample_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="selections",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="monitoring_selections",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "documentation_requested_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "documentation_requested_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="documentation_requested_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="monitoring_documentation_requested",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("request_note", fields.CharField(null=True, max_length=1000)),
                (
                    "result",
                    fields.CharEnumField(
                        null=True,
                        description="COMPLIANT: COMPLIANT\nNOT_COMPLIANT: NOT_COMPLIANT",
                        enum_type=MonitoringResult,
                        max_length=16,
                    ),
                ),
                ("findings", fields.CharField(null=True, max_length=2000)),
                (
                    "result_recorded_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "result_recorded_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="result_recorded_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="monitoring_results_recorded",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "monitoring_selection",
                "app": "hearth",
                "unique_together": (("sample", "agency"),),
                "pk_attr": "id",
                "table_description": "One agency in a monitoring sample: documentation requested, result recorded.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RemediationStep",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "case",
                    fields.ForeignKeyField(
                        "hearth.AgencyCase",
                        source_field="case_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="steps",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.SmallIntField()),
                ("text", fields.CharField(max_length=500)),
                ("done_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "done_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="done_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="remediation_steps_done",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "remediation_step",
                "app": "hearth",
                "unique_together": (("case", "position"),),
                "pk_attr": "id",
                "table_description": "A remediation step the System Administrator recommends; the agency marks it done.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SecurityPlanReview",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("reviewed_on", fields.DateField()),
                (
                    "reviewer",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="reviewer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="security_plan_reviews",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("adheres", fields.BooleanField()),
                ("shortfalls", fields.CharField(null=True, max_length=4000)),
                ("mitigation_plan", fields.CharField(null=True, max_length=4000)),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "security_plan_review",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "The Security Officer's annual review of the Security Plan (policy 105): whether the Lead",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MitigationMilestone",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "review",
                    fields.ForeignKeyField(
                        "hearth.SecurityPlanReview",
                        source_field="review_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="milestones",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.SmallIntField()),
                ("description", fields.CharField(max_length=500)),
                ("due_on", fields.DateField()),
                ("met_on", fields.DateField(null=True)),
            ],
            options={
                "table": "mitigation_milestone",
                "app": "hearth",
                "unique_together": (("review", "position"),),
                "pk_attr": "id",
                "table_description": "A milestone of a review's mitigation plan: what, by when, and when it was met.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
