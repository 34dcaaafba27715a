"""The Data Strategy Board (policies 102, 103) and the governance calendar (105, 111, 113, 210,
212): seats and their terms, co-chairs, meetings with agendas, attendance, motions and votes,
customization requests scored on the seven criteria, and the calendar's recurring reviews with
the case each due date opens. Names of board members are their public role, never client data.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import SystemRole

if TYPE_CHECKING:
    from models.governance import Agency, ContinuumOfCare
    from models.users import User

__all__ = [
    "AgendaItem",
    "BoardSeat",
    "CalendarCase",
    "CalendarCaseStatus",
    "CalendarItem",
    "CalendarKind",
    "CoChairTerm",
    "CustomizationCriterion",
    "CustomizationRequest",
    "CustomizationStatus",
    "Meeting",
    "MeetingAttendance",
    "MeetingKind",
    "Motion",
    "MotionStatus",
    "MotionSubject",
    "SeatCategory",
    "Vote",
    "VoteChoice",
]


class SeatCategory(str, Enum):
    """The nine seat categories of policy 102, in its order."""

    PROVIDER_DATA_EXPERT = "PROVIDER_DATA_EXPERT"  # 1) up to 4
    CAN_BACKBONE = "CAN_BACKBONE"  # 2) up to 2, two different CAN backbone agencies
    COC_REPRESENTATIVE = "COC_REPRESENTATIVE"  # 3) up to 2, CT BOS and ODFC respectively
    STATEWIDE_CAN_MANAGER = "STATEWIDE_CAN_MANAGER"  # 4) 1 ex officio, hired by DOH
    PROVIDER_COALITION = "PROVIDER_COALITION"  # 5) 1, appointed by the coalition
    HMIS_FUNDER = "HMIS_FUNDER"  # 6) up to 2, one by DOH and one by DMHAS
    STATEWIDE_CAN_BACKBONE = "STATEWIDE_CAN_BACKBONE"  # 7) 1, United Way of Connecticut 211
    HMIS_LEAD = "HMIS_LEAD"  # 8) 1, non-voting
    SYSTEM_ADMINISTRATION = "SYSTEM_ADMINISTRATION"  # 9) 1, non-voting, if not the HMIS Lead


class MeetingKind(str, Enum):
    REGULAR = "REGULAR"
    QUARTERLY = "QUARTERLY"  # where customization requests are decided (policy 102)
    SPECIAL = "SPECIAL"


class MotionStatus(str, Enum):
    OPEN = "OPEN"
    CARRIED = "CARRIED"
    FAILED = "FAILED"


class VoteChoice(str, Enum):
    YES = "YES"
    NO = "NO"
    ABSTAIN = "ABSTAIN"


class MotionSubject(str, Enum):
    """What else a motion may decide, besides a customization request: each kind's service
    registers what opening and deciding a motion on it does (``services.dsb.subjects``)."""

    DATA_SHARING_AGREEMENT = "DATA_SHARING_AGREEMENT"  # policy 405: a DSA with PII
    RETENTION_PLAN = "RETENTION_PLAN"  # policy 303: the identifiers' removal
    QUALITY_REVIEW = "QUALITY_REVIEW"  # policy 302: the DQ committee's recommendations


class CustomizationStatus(str, Enum):
    SUBMITTED = "SUBMITTED"
    SCORED = "SCORED"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"


class CustomizationCriterion(str, Enum):
    """The seven considerations of policy 102, in its order."""

    APPLICABILITY = "APPLICABILITY"  # to other projects and HMIS end users
    STAFF_CAPACITY = "STAFF_CAPACITY"  # to build it
    TIME_TO_BUILD = "TIME_TO_BUILD"
    RELEVANCE = "RELEVANCE"  # to other work of the HMIS and CoC
    GRANT_REPORTING = "GRANT_REPORTING"  # meets a grant reporting need
    STRATEGIC_PLAN = "STRATEGIC_PLAN"  # alignment with the Data Strategic Plan
    RESOURCES = "RESOURCES"  # necessary to implement


class CalendarKind(str, Enum):
    POLICY_REVIEW = "POLICY_REVIEW"  # 111: every three years
    DISASTER_RECOVERY_PLAN_REVIEW = "DISASTER_RECOVERY_PLAN_REVIEW"  # 113: every March
    SECURITY_PLAN_REVIEW = "SECURITY_PLAN_REVIEW"  # 105: yearly
    ANNUAL_CERTIFICATION = "ANNUAL_CERTIFICATION"  # 210: yearly
    USER_ACCESS_REPORT = "USER_ACCESS_REPORT"  # 212: quarterly


class CalendarCaseStatus(str, Enum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"


class BoardSeat(Model):
    """One appointment to a seat: who, in which category, by whom, for which term."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    category = fields.CharEnumField(SeatCategory, max_length=32)
    member_name = fields.CharField(max_length=200)
    # The member's Hearth account, if they have one (reading the board needs role:dsb_member).
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="dsb_seats", null=True, on_delete=fields.SET_NULL
    )
    user_id: uuid.UUID | None
    appointing_body = fields.CharField(max_length=200)
    # CAN_BACKBONE: the CAN backbone agency represented.
    agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="dsb_seats", null=True, on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID | None
    # COC_REPRESENTATIVE: the CoC represented (CT BOS or ODFC).
    coc: fields.ForeignKeyNullableRelation[ContinuumOfCare] = fields.ForeignKeyField(
        "hearth.ContinuumOfCare", related_name="dsb_seats", null=True, on_delete=fields.RESTRICT
    )
    coc_id: uuid.UUID | None
    lived_experience = fields.BooleanField(default=False)
    term_start = fields.DateField()
    term_end = fields.DateField()  # the last day of the term
    ended_on = fields.DateField(null=True)  # left before the term's end
    appointed_at = fields.DatetimeField()

    class Meta:
        table = "dsb_seat"
        indexes = (("category", "term_start"),)


class CoChairTerm(Model):
    """A co-chair designation: the first pair for two and three years, then two years each."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    seat: fields.ForeignKeyRelation[BoardSeat] = fields.ForeignKeyField(
        "hearth.BoardSeat", related_name="co_chair_terms", on_delete=fields.RESTRICT
    )
    seat_id: uuid.UUID
    starts_on = fields.DateField()
    ends_on = fields.DateField()  # the last day
    initial = fields.BooleanField(default=False)
    designated_at = fields.DatetimeField()

    class Meta:
        table = "dsb_co_chair_term"


class Meeting(Model):
    """A board meeting on a day, with its agenda, attendance and motions."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    held_on = fields.DateField()
    kind = fields.CharEnumField(MeetingKind, max_length=16)
    title = fields.CharField(max_length=200)
    created_at = fields.DatetimeField()

    class Meta:
        table = "dsb_meeting"
        indexes = (("held_on",),)


class AgendaItem(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "hearth.Meeting", related_name="agenda", on_delete=fields.RESTRICT
    )
    meeting_id: uuid.UUID
    position = fields.IntField()
    title = fields.CharField(max_length=200)
    notes = fields.TextField(null=True)

    class Meta:
        table = "dsb_agenda_item"
        unique_together = (("meeting", "position"),)


class MeetingAttendance(Model):
    """A seat present at a meeting."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "hearth.Meeting", related_name="attendance", on_delete=fields.RESTRICT
    )
    meeting_id: uuid.UUID
    seat: fields.ForeignKeyRelation[BoardSeat] = fields.ForeignKeyField(
        "hearth.BoardSeat", related_name="attendance", on_delete=fields.RESTRICT
    )
    seat_id: uuid.UUID

    class Meta:
        table = "dsb_meeting_attendance"
        unique_together = (("meeting", "seat"),)


class CustomizationRequest(Model):
    """A request for functionality outside HUD's requirements, scored on policy 102's seven
    criteria and decided at a quarterly meeting."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    requested_by = fields.CharField(max_length=200)  # who asked: a person, agency or CAN
    agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="customization_requests", null=True, on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID | None
    status = fields.CharEnumField(
        CustomizationStatus, default=CustomizationStatus.SUBMITTED, max_length=16
    )
    submitted_at = fields.DatetimeField()
    # criterion name -> 1..5, higher favours building it
    scores: fields.JSONField[dict[str, int] | None] = fields.JSONField(null=True)
    score_total = fields.IntField(null=True)
    score_notes = fields.TextField(null=True)
    scored_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "dsb_customization_request"


class Motion(Model):
    """A question put to the board at a meeting; closed, it is the board's decision."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "hearth.Meeting", related_name="motions", on_delete=fields.RESTRICT
    )
    meeting_id: uuid.UUID
    agenda_item: fields.ForeignKeyNullableRelation[AgendaItem] = fields.ForeignKeyField(
        "hearth.AgendaItem", related_name="motions", null=True, on_delete=fields.RESTRICT
    )
    agenda_item_id: uuid.UUID | None
    customization_request: fields.ForeignKeyNullableRelation[CustomizationRequest] = (
        fields.ForeignKeyField(
            "hearth.CustomizationRequest",
            related_name="motions",
            null=True,
            on_delete=fields.RESTRICT,
        )
    )
    customization_request_id: uuid.UUID | None
    # Another subject the motion decides (a kind and the subject's id; its service keeps the FK
    # side: the subject names the motion that decided it).
    subject_kind = fields.CharEnumField(MotionSubject, max_length=32, null=True)
    subject_id = fields.UUIDField(null=True)
    text = fields.TextField()
    status = fields.CharEnumField(MotionStatus, default=MotionStatus.OPEN, max_length=16)
    opened_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)
    yes = fields.IntField(default=0)
    no = fields.IntField(default=0)
    abstain = fields.IntField(default=0)
    voting_present = fields.IntField(null=True)  # voting seats present when it closed
    voting_seated = fields.IntField(null=True)  # voting seats filled on the meeting's day

    class Meta:
        table = "dsb_motion"


class Vote(Model):
    """One seat's vote on a motion: one vote per seat, voting seats only; append-only."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    motion: fields.ForeignKeyRelation[Motion] = fields.ForeignKeyField(
        "hearth.Motion", related_name="votes", on_delete=fields.RESTRICT
    )
    motion_id: uuid.UUID
    seat: fields.ForeignKeyRelation[BoardSeat] = fields.ForeignKeyField(
        "hearth.BoardSeat", related_name="votes", on_delete=fields.RESTRICT
    )
    seat_id: uuid.UUID
    choice = fields.CharEnumField(VoteChoice, max_length=8)
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "dsb_vote"
        unique_together = (("motion", "seat"),)


class CalendarItem(Model):
    """A recurring review: due every ``period_months`` from ``first_due_on``, owned by a role."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    kind = fields.CharEnumField(CalendarKind, max_length=40, unique=True)
    title = fields.CharField(max_length=200)
    policy = fields.CharField(max_length=20)
    owner_role = fields.CharEnumField(SystemRole, max_length=32)
    period_months = fields.IntField()
    first_due_on = fields.DateField()
    opens_days_before = fields.IntField()
    created_on = fields.DateField()

    class Meta:
        table = "governance_calendar_item"


class CalendarCase(Model):
    """One due date of a calendar item: opened by the calendar job, closed when done."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    item: fields.ForeignKeyRelation[CalendarItem] = fields.ForeignKeyField(
        "hearth.CalendarItem", related_name="cases", on_delete=fields.RESTRICT
    )
    item_id: uuid.UUID
    due_on = fields.DateField()
    status = fields.CharEnumField(
        CalendarCaseStatus, default=CalendarCaseStatus.OPEN, max_length=16
    )
    opened_at = fields.DatetimeField()
    overdue_notified_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    completed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="calendar_cases_completed", null=True, on_delete=fields.SET_NULL
    )
    completed_by_id: uuid.UUID | None
    evidence = fields.CharField(max_length=500, null=True)
    motion: fields.ForeignKeyNullableRelation[Motion] = fields.ForeignKeyField(
        "hearth.Motion", related_name="calendar_cases", null=True, on_delete=fields.RESTRICT
    )
    motion_id: uuid.UUID | None

    class Meta:
        table = "governance_calendar_case"
        unique_together = (("item", "due_on"),)
        indexes = (("status", "due_on"),)
