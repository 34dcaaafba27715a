from tortoise import migrations
from tortoise.migrations import operations as ops
from models.dsb import (
    CalendarCaseStatus,
    CalendarKind,
    CustomizationStatus,
    MeetingKind,
    MotionStatus,
    SeatCategory,
    VoteChoice,
)
from models.enums import SystemRole
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

# A vote, once recorded, is the board's record (policy 102: decisions recorded with their votes):
# no UPDATE, DELETE or TRUNCATE, as for the governance log (0015).
AFTER_SQL = [
    """
    CREATE OR REPLACE FUNCTION hearth_dsb_vote_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'dsb_vote is append-only'
        USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    "CREATE TRIGGER dsb_vote_append_only BEFORE UPDATE OR DELETE ON dsb_vote"
    " FOR EACH ROW EXECUTE FUNCTION hearth_dsb_vote_append_only()",
    "CREATE TRIGGER dsb_vote_no_truncate BEFORE TRUNCATE ON dsb_vote"
    " FOR EACH STATEMENT EXECUTE FUNCTION hearth_no_truncate()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON dsb_vote FROM hearth_app",
]
REVERSE_SQL = [
    "DROP TRIGGER IF EXISTS dsb_vote_no_truncate ON dsb_vote",
    "DROP TRIGGER IF EXISTS dsb_vote_append_only ON dsb_vote",
    "DROP FUNCTION IF EXISTS hearth_dsb_vote_append_only()",
]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0015_governance_log")]

    initial = False

    operations = [
        ops.CreateModel(
            name="BoardSeat",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "category",
                    fields.CharEnumField(
                        description="PROVIDER_DATA_EXPERT: PROVIDER_DATA_EXPERT\nCAN_BACKBONE: CAN_BACKBONE\nCOC_REPRESENTATIVE: COC_REPRESENTATIVE\nSTATEWIDE_CAN_MANAGER: STATEWIDE_CAN_MANAGER\nPROVIDER_COALITION: PROVIDER_COALITION\nHMIS_FUNDER: HMIS_FUNDER\nSTATEWIDE_CAN_BACKBONE: STATEWIDE_CAN_BACKBONE\nHMIS_LEAD: HMIS_LEAD\nSYSTEM_ADMINISTRATION: SYSTEM_ADMINISTRATION",
                        enum_type=SeatCategory,
                        max_length=32,
                    ),
                ),
                ("member_name", fields.CharField(max_length=200)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="dsb_seats",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("appointing_body", fields.CharField(max_length=200)),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="dsb_seats",
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
                        related_name="dsb_seats",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("lived_experience", fields.BooleanField(default=False)),
                ("term_start", fields.DateField()),
                ("term_end", fields.DateField()),
                ("ended_on", fields.DateField(null=True)),
                ("appointed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "dsb_seat",
                "app": "hearth",
                "indexes": [Index(fields=["category", "term_start"])],
                "pk_attr": "id",
                "table_description": "One appointment to a seat: who, in which category, by whom, for which term.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CalendarItem",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        unique=True,
                        description="POLICY_REVIEW: POLICY_REVIEW\nDISASTER_RECOVERY_PLAN_REVIEW: DISASTER_RECOVERY_PLAN_REVIEW\nSECURITY_PLAN_REVIEW: SECURITY_PLAN_REVIEW\nANNUAL_CERTIFICATION: ANNUAL_CERTIFICATION\nUSER_ACCESS_REPORT: USER_ACCESS_REPORT",
                        enum_type=CalendarKind,
                        max_length=40,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("policy", fields.CharField(max_length=20)),
                (
                    "owner_role",
                    fields.CharEnumField(
                        description="SYSTEM_ADMINISTRATOR: SYSTEM_ADMINISTRATOR\nSECURITY_OFFICER: SECURITY_OFFICER\nLEAD_AGENCY: LEAD_AGENCY\nDSB_MEMBER: DSB_MEMBER\nVENDOR_SYNC: VENDOR_SYNC",
                        enum_type=SystemRole,
                        max_length=32,
                    ),
                ),
                ("period_months", fields.IntField()),
                ("first_due_on", fields.DateField()),
                ("opens_days_before", fields.IntField()),
                ("created_on", fields.DateField()),
            ],
            options={
                "table": "governance_calendar_item",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A recurring review: due every ``period_months`` from ``first_due_on``, owned by a role.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CoChairTerm",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "seat",
                    fields.ForeignKeyField(
                        "hearth.BoardSeat",
                        source_field="seat_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="co_chair_terms",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("starts_on", fields.DateField()),
                ("ends_on", fields.DateField()),
                ("initial", fields.BooleanField(default=False)),
                ("designated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "dsb_co_chair_term",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A co-chair designation: the first pair for two and three years, then two years each.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CustomizationRequest",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(unique=False)),
                ("requested_by", fields.CharField(max_length=200)),
                (
                    "agency",
                    fields.ForeignKeyField(
                        "hearth.Agency",
                        source_field="agency_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="customization_requests",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=CustomizationStatus.SUBMITTED,
                        description="SUBMITTED: SUBMITTED\nSCORED: SCORED\nAPPROVED: APPROVED\nDECLINED: DECLINED",
                        enum_type=CustomizationStatus,
                        max_length=16,
                    ),
                ),
                ("submitted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("scores", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("score_total", fields.IntField(null=True)),
                ("score_notes", fields.TextField(null=True, unique=False)),
                ("scored_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "dsb_customization_request",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A request for functionality outside HUD's requirements, scored on policy 102's seven",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Meeting",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("held_on", fields.DateField()),
                (
                    "kind",
                    fields.CharEnumField(
                        description="REGULAR: REGULAR\nQUARTERLY: QUARTERLY\nSPECIAL: SPECIAL",
                        enum_type=MeetingKind,
                        max_length=16,
                    ),
                ),
                ("title", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "dsb_meeting",
                "app": "hearth",
                "indexes": [Index(fields=["held_on"])],
                "pk_attr": "id",
                "table_description": "A board meeting on a day, with its agenda, attendance and motions.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AgendaItem",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "meeting",
                    fields.ForeignKeyField(
                        "hearth.Meeting",
                        source_field="meeting_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="agenda",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("position", fields.IntField()),
                ("title", fields.CharField(max_length=200)),
                ("notes", fields.TextField(null=True, unique=False)),
            ],
            options={
                "table": "dsb_agenda_item",
                "app": "hearth",
                "unique_together": (("meeting", "position"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MeetingAttendance",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "meeting",
                    fields.ForeignKeyField(
                        "hearth.Meeting",
                        source_field="meeting_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attendance",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "seat",
                    fields.ForeignKeyField(
                        "hearth.BoardSeat",
                        source_field="seat_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attendance",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "dsb_meeting_attendance",
                "app": "hearth",
                "unique_together": (("meeting", "seat"),),
                "pk_attr": "id",
                "table_description": "A seat present at a meeting.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Motion",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "meeting",
                    fields.ForeignKeyField(
                        "hearth.Meeting",
                        source_field="meeting_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="motions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "agenda_item",
                    fields.ForeignKeyField(
                        "hearth.AgendaItem",
                        source_field="agenda_item_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="motions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "customization_request",
                    fields.ForeignKeyField(
                        "hearth.CustomizationRequest",
                        source_field="customization_request_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="motions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("text", fields.TextField(unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=MotionStatus.OPEN,
                        description="OPEN: OPEN\nCARRIED: CARRIED\nFAILED: FAILED",
                        enum_type=MotionStatus,
                        max_length=16,
                    ),
                ),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("yes", fields.IntField(default=0)),
                ("no", fields.IntField(default=0)),
                ("abstain", fields.IntField(default=0)),
                ("voting_present", fields.IntField(null=True)),
                ("voting_seated", fields.IntField(null=True)),
            ],
            options={
                "table": "dsb_motion",
                "app": "hearth",
                "pk_attr": "id",
                "table_description": "A question put to the board at a meeting; closed, it is the board's decision.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CalendarCase",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "item",
                    fields.ForeignKeyField(
                        "hearth.CalendarItem",
                        source_field="item_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="cases",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("due_on", fields.DateField()),
                (
                    "status",
                    fields.CharEnumField(
                        default=CalendarCaseStatus.OPEN,
                        description="OPEN: OPEN\nCOMPLETED: COMPLETED",
                        enum_type=CalendarCaseStatus,
                        max_length=16,
                    ),
                ),
                ("opened_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "overdue_notified_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "completed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "completed_by",
                    fields.ForeignKeyField(
                        "hearth.User",
                        source_field="completed_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="calendar_cases_completed",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("evidence", fields.CharField(null=True, max_length=500)),
                (
                    "motion",
                    fields.ForeignKeyField(
                        "hearth.Motion",
                        source_field="motion_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="calendar_cases",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
            ],
            options={
                "table": "governance_calendar_case",
                "app": "hearth",
                "unique_together": (("item", "due_on"),),
                "indexes": [Index(fields=["status", "due_on"])],
                "pk_attr": "id",
                "table_description": "One due date of a calendar item: opened by the calendar job, closed when done.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Vote",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "motion",
                    fields.ForeignKeyField(
                        "hearth.Motion",
                        source_field="motion_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="votes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "seat",
                    fields.ForeignKeyField(
                        "hearth.BoardSeat",
                        source_field="seat_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="votes",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "choice",
                    fields.CharEnumField(
                        description="YES: YES\nNO: NO\nABSTAIN: ABSTAIN",
                        enum_type=VoteChoice,
                        max_length=8,
                    ),
                ),
                ("recorded_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "dsb_vote",
                "app": "hearth",
                "unique_together": (("motion", "seat"),),
                "pk_attr": "id",
                "table_description": "One seat's vote on a motion: one vote per seat, voting seats only; append-only.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
