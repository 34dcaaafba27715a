"""The Data Strategy Board (policies 102, 103) and the governance calendar (105, 111, 113, 210,
212) as GraphQL. The Lead Agency keeps the board's record; the board's members, the System
Administrator and the Security Officer read it."""

from __future__ import annotations

import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from authz.resources import Action, Resource
from models import dsb as models
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import one, optional_id, parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, Node, to_connection
from schema.types import SystemRole
from services import dsb as service
from services.errors import ValidationFailed
from services.pagination import paginate

__all__ = ["DsbMutation", "DsbQuery"]

# GraphQL enums are the models' enums (strawberry.enum registers each and returns it).
DsbSeatCategory = models.SeatCategory
described_enum(
    DsbSeatCategory,
    name="DsbSeatCategory",
    description="The nine seat categories of policy 102 with their caps: PROVIDER_DATA_EXPERT 4, "
    "CAN_BACKBONE 2 (two different backbone agencies), COC_REPRESENTATIVE 2 (CT BOS and ODFC), "
    "STATEWIDE_CAN_MANAGER 1 (ex officio, DOH), PROVIDER_COALITION 1, HMIS_FUNDER 2 (DOH and "
    "DMHAS), STATEWIDE_CAN_BACKBONE 1 (United Way 211) — voting; HMIS_LEAD 1 and "
    "SYSTEM_ADMINISTRATION 1 — non-voting.",
    values={
        "PROVIDER_DATA_EXPERT": "A provider's data expert (up to 4, voting).",
        "CAN_BACKBONE": "A CAN backbone agency (up to 2, different agencies, voting).",
        "COC_REPRESENTATIVE": "A Continuum of Care (up to 2: CT BOS and ODFC, voting).",
        "STATEWIDE_CAN_MANAGER": "The statewide CAN manager (1, ex officio, DOH, voting).",
        "PROVIDER_COALITION": "A provider coalition (1, voting).",
        "HMIS_FUNDER": "An HMIS funder (up to 2: DOH and DMHAS, voting).",
        "STATEWIDE_CAN_BACKBONE": "The statewide CAN backbone (1, United Way 211, voting).",
        "HMIS_LEAD": "The HMIS Lead (1, non-voting).",
        "SYSTEM_ADMINISTRATION": "The System Administration (1, non-voting).",
    },
)
DsbMeetingKind = models.MeetingKind
described_enum(
    DsbMeetingKind,
    name="DsbMeetingKind",
    description="REGULAR, QUARTERLY (customization requests are decided there) or SPECIAL.",
    values={
        "REGULAR": "A regular meeting.",
        "QUARTERLY": "A quarterly meeting: customization requests are decided there.",
        "SPECIAL": "A special meeting.",
    },
)
DsbMotionStatus = models.MotionStatus
described_enum(
    DsbMotionStatus,
    name="DsbMotionStatus",
    description="OPEN (votes being taken), CARRIED (more yes than no, with a quorum), FAILED.",
    values={
        "OPEN": "Votes being taken.",
        "CARRIED": "More yes than no, with a quorum.",
        "FAILED": "Not carried.",
    },
)
DsbMotionSubject = models.MotionSubject
described_enum(
    DsbMotionSubject,
    name="DsbMotionSubject",
    description="What else a motion may decide, besides a customization request.",
    values={
        "DATA_SHARING_AGREEMENT": "A data sharing agreement releasing PII (policy 405).",
        "RETENTION_PLAN": "A retention plan: removing identifiers of inactive records (303).",
        "QUALITY_REVIEW": "A quarterly data quality review's recommendations (302).",
    },
)
DsbVoteChoice = models.VoteChoice
described_enum(
    DsbVoteChoice,
    name="DsbVoteChoice",
    description="YES, NO or ABSTAIN.",
    values={
        "YES": "In favour.",
        "NO": "Against.",
        "ABSTAIN": "Neither; not counted for or against.",
    },
)
CustomizationStatus = models.CustomizationStatus
described_enum(
    CustomizationStatus,
    name="CustomizationRequestStatus",
    description="SUBMITTED, SCORED (on all seven criteria), APPROVED or DECLINED (by a motion "
    "at a quarterly meeting).",
    values={
        "SUBMITTED": "Received, not yet scored.",
        "SCORED": "Scored on all seven criteria.",
        "APPROVED": "Approved by a motion at a quarterly meeting.",
        "DECLINED": "Declined by a motion at a quarterly meeting.",
    },
)
CustomizationCriterion = models.CustomizationCriterion
described_enum(
    CustomizationCriterion,
    name="CustomizationCriterion",
    description="Policy 102's seven considerations: APPLICABILITY to other projects and end "
    "users, STAFF_CAPACITY to build it, TIME_TO_BUILD, RELEVANCE to other HMIS and CoC work, "
    "GRANT_REPORTING need met, STRATEGIC_PLAN alignment, RESOURCES necessary.",
    values={
        "APPLICABILITY": "Applicability to other projects and end users.",
        "STAFF_CAPACITY": "The staff capacity to build it.",
        "TIME_TO_BUILD": "The time it takes to build.",
        "RELEVANCE": "Relevance to other HMIS and CoC work.",
        "GRANT_REPORTING": "A grant reporting need it meets.",
        "STRATEGIC_PLAN": "Alignment with the strategic plan.",
        "RESOURCES": "The resources it needs.",
    },
)
CalendarKind = models.CalendarKind
described_enum(
    CalendarKind,
    name="GovernanceCalendarKind",
    description="POLICY_REVIEW every three years (111), DISASTER_RECOVERY_PLAN_REVIEW every "
    "March (113), SECURITY_PLAN_REVIEW yearly (105), ANNUAL_CERTIFICATION yearly (210), "
    "USER_ACCESS_REPORT quarterly (212).",
    values={
        "POLICY_REVIEW": "The policies' review, every three years (policy 111).",
        "DISASTER_RECOVERY_PLAN_REVIEW": "The Disaster Recovery Plan's review, every March (policy 113).",
        "SECURITY_PLAN_REVIEW": "The Security Plan's review, yearly (policy 105).",
        "ANNUAL_CERTIFICATION": "The agencies' annual certification, yearly (policy 210).",
        "USER_ACCESS_REPORT": "The User Access Report, quarterly (policy 212).",
    },
)
CalendarCaseStatus = models.CalendarCaseStatus
described_enum(
    CalendarCaseStatus,
    name="GovernanceCalendarCaseStatus",
    description="OPEN or COMPLETED.",
    values={
        "OPEN": "Due, not yet done.",
        "COMPLETED": "Recorded as done.",
    },
)


@strawberry.type(description="One appointment to a seat on the Data Strategy Board (policy 102).")
class DsbSeat:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    category: DsbSeatCategory = strawberry.field(description="The seat's category.")
    member_name: str = strawberry.field(description="The member's name.")
    user_id: strawberry.ID | None = strawberry.field(description="Their Hearth account, if any.")
    appointing_body: str = strawberry.field(description="Who appointed them.")
    agency_id: strawberry.ID | None = strawberry.field(
        description="CAN_BACKBONE: the backbone agency represented."
    )
    coc_id: strawberry.ID | None = strawberry.field(
        description="COC_REPRESENTATIVE: the CoC represented."
    )
    lived_experience: bool = strawberry.field(
        description="Filled by a person with lived experience (policy 102)."
    )
    term_start: datetime.date = strawberry.field(description="First day of the term.")
    term_end: datetime.date = strawberry.field(description="Last day of the term.")
    ended_on: datetime.date | None = strawberry.field(
        description="The member left: the seat is not held from this day."
    )

    @strawberry.field(description="False for the HMIS Lead and System Administration seats.")
    def voting(self, row: strawberry.Parent[models.BoardSeat]) -> bool:
        return service.is_voting(row.category)


@strawberry.type(description="A co-chair's term: the first pair 2 and 3 years, then 2 years each.")
class DsbCoChairTerm:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    seat_id: strawberry.ID = strawberry.field(description="The co-chair's seat.")
    starts_on: datetime.date = strawberry.field(description="First day.")
    ends_on: datetime.date = strawberry.field(description="Last day.")
    initial: bool = strawberry.field(description="One of the board's first pair.")


@strawberry.type(description="An item of a meeting's agenda.")
class DsbAgendaItem:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    position: int = strawberry.field(description="Its place on the agenda, from 1.")
    title: str = strawberry.field(description="What is discussed.")
    notes: str | None = strawberry.field(description="Notes for the board.")


@strawberry.type(description="A seat's vote: voting seats present only, one per seat.")
class DsbVote:
    seat_id: strawberry.ID = strawberry.field(description="The seat that voted.")
    choice: DsbVoteChoice = strawberry.field(description="How.")
    recorded_at: datetime.datetime = strawberry.field(description="When recorded.")


@strawberry.type(description="A question put to the board; once closed, the board's decision.")
class DsbMotion:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    meeting_id: strawberry.ID = strawberry.field(description="The meeting.")
    agenda_item_id: strawberry.ID | None = strawberry.field(description="Its agenda item.")
    customization_request_id: strawberry.ID | None = strawberry.field(
        description="The customization request it decides."
    )
    subject_kind: DsbMotionSubject | None = strawberry.field(
        description="The kind of other subject it decides."
    )
    subject_id: strawberry.ID | None = strawberry.field(
        description="The id of the other subject it decides."
    )
    text: str = strawberry.field(description="The motion.")
    status: DsbMotionStatus = strawberry.field(description="Open, carried or failed.")
    opened_at: datetime.datetime = strawberry.field(description="When put.")
    closed_at: datetime.datetime | None = strawberry.field(description="When decided.")
    yes: int = strawberry.field(description="Yes votes (when decided).")
    no: int = strawberry.field(description="No votes (when decided).")
    abstain: int = strawberry.field(description="Abstentions (when decided).")
    voting_present: int | None = strawberry.field(
        description="Voting members present when decided."
    )
    voting_seated: int | None = strawberry.field(
        description="Voting seats held on the meeting's day."
    )

    @strawberry.field(description="The votes, in the order recorded.", graphql_type=list[DsbVote])
    async def votes(self, row: strawberry.Parent[models.Motion]) -> list[models.Vote]:
        return list(await models.Vote.filter(motion_id=row.id).order_by("recorded_at", "id"))


@strawberry.type(description="Whether a meeting has a quorum: more than half its voting seats.")
class DsbQuorum:
    voting_seated: int = strawberry.field(description="Voting seats held on the meeting's day.")
    voting_present: int = strawberry.field(description="Of those, present.")
    met: bool = strawberry.field(description="True when more than half are present.")


@strawberry.type(description="A board meeting with its agenda, attendance and motions.")
class DsbMeeting(Node):
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    held_on: datetime.date = strawberry.field(description="The day.")
    kind: DsbMeetingKind = strawberry.field(description="Regular, quarterly or special.")
    title: str = strawberry.field(description="Its name.")

    @strawberry.field(description="The agenda in order.", graphql_type=list[DsbAgendaItem])
    async def agenda(self, row: strawberry.Parent[models.Meeting]) -> list[models.AgendaItem]:
        return list(await models.AgendaItem.filter(meeting_id=row.id).order_by("position"))

    @strawberry.field(description="The seats recorded as present.")
    async def present_seat_ids(self, row: strawberry.Parent[models.Meeting]) -> list[strawberry.ID]:
        rows = await models.MeetingAttendance.filter(meeting_id=row.id)
        return sorted(strawberry.ID(str(a.seat_id)) for a in rows)

    @strawberry.field(description="The quorum as the attendance stands.")
    async def quorum(self, row: strawberry.Parent[models.Meeting]) -> DsbQuorum:
        q = await service.quorum_of(row)
        return DsbQuorum(voting_seated=q.voting_seated, voting_present=q.voting_present, met=q.met)

    @strawberry.field(description="Its motions, oldest first.", graphql_type=list[DsbMotion])
    async def motions(self, row: strawberry.Parent[models.Meeting]) -> list[models.Motion]:
        return list(await models.Motion.filter(meeting_id=row.id).order_by("opened_at", "id"))


@strawberry.type(description="One criterion's score, 1 (against building it) to 5 (for it).")
class CriterionScore:
    criterion: CustomizationCriterion = strawberry.field(description="The criterion.")
    score: int = strawberry.field(description="1 to 5.")


@strawberry.type(description="A request for functionality outside HUD's requirements (policy 102).")
class CustomizationRequest:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    title: str = strawberry.field(description="What is asked for.")
    description: str = strawberry.field(description="In detail.")
    requested_by: str = strawberry.field(description="Who asked.")
    agency_id: strawberry.ID | None = strawberry.field(description="The agency that asked.")
    status: CustomizationStatus = strawberry.field(description="Where it stands.")
    submitted_at: datetime.datetime = strawberry.field(description="When received.")
    score_total: int | None = strawberry.field(description="The seven scores added (7 to 35).")
    score_notes: str | None = strawberry.field(description="The scorer's notes.")
    scored_at: datetime.datetime | None = strawberry.field(description="When scored.")
    decided_at: datetime.datetime | None = strawberry.field(description="When decided.")

    @strawberry.field(description="The scores, in policy 102's order; empty until scored.")
    def scores(self, row: strawberry.Parent[models.CustomizationRequest]) -> list[CriterionScore]:
        given = row.scores or {}
        return [
            CriterionScore(criterion=c, score=given[c.value])
            for c in models.CustomizationCriterion
            if c.value in given
        ]


@strawberry.type(description="One due date of the governance calendar, as a case.")
class GovernanceCalendarCase:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    due_on: datetime.date = strawberry.field(description="The due date.")
    status: CalendarCaseStatus = strawberry.field(description="Open or completed.")
    opened_at: datetime.datetime = strawberry.field(description="When the calendar opened it.")
    overdue_notified_at: datetime.datetime | None = strawberry.field(
        description="When the owner and the Lead Agency were told it is overdue."
    )
    completed_at: datetime.datetime | None = strawberry.field(description="When done.")
    completed_by_id: strawberry.ID | None = strawberry.field(description="Who recorded it.")
    evidence: str | None = strawberry.field(description="What was done, where it is kept.")
    motion_id: strawberry.ID | None = strawberry.field(description="The board's decision.")

    @strawberry.field(description="Which review.")
    def kind(self, row: strawberry.Parent[models.CalendarCase]) -> CalendarKind:
        return models.CalendarKind(row.item.kind)  # loaded with the case

    @strawberry.field(description="What is due.")
    def title(self, row: strawberry.Parent[models.CalendarCase]) -> str:
        return row.item.title

    @strawberry.field(description="The policy that requires it.")
    def policy(self, row: strawberry.Parent[models.CalendarCase]) -> str:
        return row.item.policy

    @strawberry.field(description="Open and past its due date (Connecticut time).")
    def overdue(self, info: ResolverInfo, row: strawberry.Parent[models.CalendarCase]) -> bool:
        return row.status == models.CalendarCaseStatus.OPEN and row.due_on < info.context.today


@strawberry.type(description="A recurring review of the governance calendar.")
class GovernanceCalendarItem:
    kind: CalendarKind = strawberry.field(description="Which review.")
    title: str = strawberry.field(description="What is due.")
    policy: str = strawberry.field(description="The policy that requires it.")
    owner_role: SystemRole = strawberry.field(description="The role told, that records it done.")
    period_months: int = strawberry.field(description="Months between due dates.")
    first_due_on: datetime.date = strawberry.field(description="The first due date.")
    opens_days_before: int = strawberry.field(description="Its cases open this many days ahead.")

    @strawberry.field(description="The next due date on or after today.")
    def next_due_on(
        self, info: ResolverInfo, row: strawberry.Parent[models.CalendarItem]
    ) -> datetime.date:
        today, k = info.context.today, 0
        while (due := service.add_months(row.first_due_on, k * row.period_months)) < today:
            k += 1
        return due


@strawberry.input(description="An appointment to a seat (policy 102).")
class AppointDsbMemberInput:
    category: DsbSeatCategory = strawberry.field(description="The seat's category.")
    member_name: str = strawberry.field(description="The member's name, 1 to 200 characters.")
    appointing_body: str = strawberry.field(
        description="Who appoints: DOH for STATEWIDE_CAN_MANAGER; DOH or DMHAS for HMIS_FUNDER."
    )
    term_start: datetime.date = strawberry.field(description="First day of the term.")
    term_end: datetime.date = strawberry.field(description="Last day of the term.")
    lived_experience: bool = strawberry.field(
        default=False, description="Filled by a person with lived experience."
    )
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Their Hearth account, if any."
    )
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="CAN_BACKBONE: the CAN backbone agency represented."
    )
    coc_id: strawberry.ID | None = strawberry.field(
        default=None, description="COC_REPRESENTATIVE: the CoC represented."
    )


@strawberry.input(description="A meeting and its agenda.")
class ScheduleDsbMeetingInput:
    held_on: datetime.date = strawberry.field(description="The day.")
    kind: DsbMeetingKind = strawberry.field(description="Regular, quarterly or special.")
    title: str = strawberry.field(description="Its name, 1 to 200 characters.")
    agenda: list[str] = strawberry.field(
        default_factory=list, description="Agenda items in order (each 1 to 200 characters)."
    )


@strawberry.input(description="A motion put at a meeting.")
class OpenDsbMotionInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting.")
    text: str = strawberry.field(description="The motion.", metadata=MULTILINE)
    agenda_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="The agenda item it belongs to."
    )
    customization_request_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A scored customization request it decides (quarterly meetings only).",
    )
    subject_kind: DsbMotionSubject | None = strawberry.field(
        default=None,
        description="Another subject it decides (with subjectId): its service says when it may "
        "be put (CONFLICT otherwise) and records the outcome when the motion closes.",
    )
    subject_id: strawberry.ID | None = strawberry.field(
        default=None, description="The subject's id (with subjectKind)."
    )


@strawberry.input(description="A customization request as received.")
class SubmitCustomizationRequestInput:
    title: str = strawberry.field(description="What is asked for, 1 to 200 characters.")
    description: str = strawberry.field(description="In detail.", metadata=MULTILINE)
    requested_by: str = strawberry.field(description="Who asked, 1 to 200 characters.")
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="The agency that asked."
    )


@strawberry.input(description="One criterion's score.")
class CriterionScoreInput:
    criterion: CustomizationCriterion = strawberry.field(description="The criterion.")
    score: int = strawberry.field(description="1 (against building it) to 5 (for it).")


@strawberry.input(description="Scores on all seven criteria of policy 102.")
class ScoreCustomizationRequestInput:
    request_id: strawberry.ID = strawberry.field(description="The request.")
    scores: list[CriterionScoreInput] = strawberry.field(description="One score per criterion.")
    notes: str | None = strawberry.field(
        default=None, description="The reasoning.", metadata=MULTILINE
    )


@strawberry.type
class DsbQuery:
    @query(
        Requires(Resource.DSB, Action.READ),
        description="The board's seats (pages of at most 100); `activeOn`: those held that day.",
    )
    async def dsb_seats(
        self,
        info: ResolverInfo,
        active_on: Annotated[
            datetime.date | None, strawberry.argument(description="Only seats held on this day.")
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[DsbSeat]:
        seats = service.seated_on(active_on) if active_on else models.BoardSeat.all()
        return to_connection(await paginate(seats, first=first, after=after))

    @query(
        Requires(Resource.DSB, Action.READ),
        description="Every co-chair term (pages of at most 100).",
    )
    async def dsb_co_chairs(
        self, info: ResolverInfo, first: First = 50, after: After = None
    ) -> Connection[DsbCoChairTerm]:
        return to_connection(await paginate(models.CoChairTerm.all(), first=first, after=after))

    @query(
        Requires(Resource.DSB, Action.READ),
        description="The board's meetings (pages of at most 100).",
    )
    async def dsb_meetings(
        self, info: ResolverInfo, first: First = 50, after: After = None
    ) -> Connection[DsbMeeting]:
        return to_connection(await paginate(models.Meeting.all(), first=first, after=after))

    @query(Requires(Resource.DSB, Action.READ), description="One meeting; unknown: NOT_FOUND.")
    async def dsb_meeting(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The meeting's id.")],
    ) -> DsbMeeting:
        return await one(models.Meeting.all(), id, "meeting")  # type: ignore[return-value]

    @query(
        Requires(Resource.DSB, Action.READ),
        description="Customization requests (pages of at most 100), optionally of one status.",
    )
    async def customization_requests(
        self,
        info: ResolverInfo,
        status: Annotated[
            CustomizationStatus | None,
            strawberry.argument(description="Only requests in this state."),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[CustomizationRequest]:
        rows = models.CustomizationRequest.all()
        if status is not None:
            rows = rows.filter(status=status)
        return to_connection(await paginate(rows, first=first, after=after))

    @query(
        Requires(Resource.GOVERNANCE_CALENDAR, Action.READ),
        description="The governance calendar's five recurring reviews.",
    )
    async def governance_calendar(self, info: ResolverInfo) -> list[GovernanceCalendarItem]:
        return await service.ensure_calendar(info.context.today)  # type: ignore[return-value]

    @query(
        Requires(Resource.GOVERNANCE_CALENDAR, Action.READ),
        description="The calendar's cases (pages of at most 100), optionally of one status or "
        "kind.",
    )
    async def governance_calendar_cases(
        self,
        info: ResolverInfo,
        status: Annotated[
            CalendarCaseStatus | None, strawberry.argument(description="Only cases in this state.")
        ] = None,
        kind: Annotated[
            CalendarKind | None, strawberry.argument(description="Only cases of this review.")
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[GovernanceCalendarCase]:
        rows = models.CalendarCase.all().select_related("item")
        if status is not None:
            rows = rows.filter(status=status)
        if kind is not None:
            rows = rows.filter(item__kind=kind)
        page = await paginate(rows, first=first, after=after)
        return to_connection(page)


_MANAGE = Requires(Resource.DSB, Action.MANAGE)


@strawberry.type
class DsbMutation:
    @mutation(
        _MANAGE,
        description="Appoint a member to a seat. Over the category's cap on any day of the term, "
        "a CAN backbone agency, CoC or funder already represented, the HMIS Lead's entity in the "
        "System Administration seat, or a person already seated: CONFLICT.",
    )
    async def appoint_dsb_member(self, info: ResolverInfo, input: AppointDsbMemberInput) -> DsbSeat:
        return await service.appoint_seat(  # type: ignore[return-value]
            caller=info.context.caller,
            category=input.category,
            member_name=input.member_name,
            appointing_body=input.appointing_body,
            term_start=input.term_start,
            term_end=input.term_end,
            lived_experience=input.lived_experience,
            user_id=optional_id(input.user_id, "userId"),
            agency_id=optional_id(input.agency_id, "agencyId"),
            coc_id=optional_id(input.coc_id, "cocId"),
        )

    @mutation(_MANAGE, description="A member leaves: the seat is not held from `endedOn`.")
    async def end_dsb_seat(
        self,
        info: ResolverInfo,
        seat_id: Annotated[strawberry.ID, strawberry.argument(description="The seat.")],
        ended_on: Annotated[
            datetime.date, strawberry.argument(description="The first day it is not held.")
        ],
        reason: Annotated[str, strawberry.argument(description="Why.", metadata=MULTILINE)],
    ) -> DsbSeat:
        return await service.end_seat(  # type: ignore[return-value]
            caller=info.context.caller,
            seat_id=parse_id(seat_id, "seatId"),
            ended_on=ended_on,
            reason=reason,
        )

    @mutation(
        _MANAGE,
        description="The board's first two co-chairs: the first for two years, the second for "
        "three, from `startsOn`. Once only: CONFLICT after.",
    )
    async def designate_initial_dsb_co_chairs(
        self,
        info: ResolverInfo,
        first_seat_id: Annotated[
            strawberry.ID, strawberry.argument(description="The first co-chair's seat (two years).")
        ],
        second_seat_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The second co-chair's seat (three years)."),
        ],
        starts_on: Annotated[
            datetime.date, strawberry.argument(description="The day both terms start.")
        ],
    ) -> list[DsbCoChairTerm]:
        return await service.designate_initial_co_chairs(  # type: ignore[return-value]
            caller=info.context.caller,
            first_seat_id=parse_id(first_seat_id, "firstSeatId"),
            second_seat_id=parse_id(second_seat_id, "secondSeatId"),
            starts_on=starts_on,
        )

    @mutation(
        _MANAGE,
        description="The year's new co-chair, for two years. Two co-chairs serving that day, or "
        "a new co-chair already designated that board year: CONFLICT.",
    )
    async def designate_dsb_co_chair(
        self,
        info: ResolverInfo,
        seat_id: Annotated[
            strawberry.ID, strawberry.argument(description="The new co-chair's seat.")
        ],
        starts_on: Annotated[
            datetime.date, strawberry.argument(description="The day the term starts.")
        ],
    ) -> DsbCoChairTerm:
        return await service.designate_co_chair(  # type: ignore[return-value]
            caller=info.context.caller, seat_id=parse_id(seat_id, "seatId"), starts_on=starts_on
        )

    @mutation(_MANAGE, description="Schedule a meeting with its agenda.")
    async def schedule_dsb_meeting(
        self, info: ResolverInfo, input: ScheduleDsbMeetingInput
    ) -> DsbMeeting:
        return await service.schedule_meeting(  # type: ignore[return-value]
            caller=info.context.caller,
            held_on=input.held_on,
            kind=input.kind,
            title=input.title,
            agenda=input.agenda,
        )

    @mutation(_MANAGE, description="Add an item at the end of a meeting's agenda.")
    async def add_dsb_agenda_item(
        self,
        info: ResolverInfo,
        meeting_id: Annotated[strawberry.ID, strawberry.argument(description="The meeting.")],
        title: Annotated[str, strawberry.argument(description="The item's title.")],
        notes: Annotated[str | None, strawberry.argument(description="Notes on the item.")] = None,
    ) -> DsbAgendaItem:
        return await service.add_agenda_item(  # type: ignore[return-value]
            caller=info.context.caller,
            meeting_id=parse_id(meeting_id, "meetingId"),
            title=title,
            notes=notes,
        )

    @mutation(
        _MANAGE,
        description="Record the seats present (replacing an earlier record), on or after the "
        "meeting's day and before any motion is decided.",
    )
    async def record_dsb_attendance(
        self,
        info: ResolverInfo,
        meeting_id: Annotated[strawberry.ID, strawberry.argument(description="The meeting.")],
        seat_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Every seat present.")
        ],
    ) -> DsbMeeting:
        return await service.record_attendance(  # type: ignore[return-value]
            caller=info.context.caller,
            meeting_id=parse_id(meeting_id, "meetingId"),
            seat_ids=[parse_id(s, f"seatIds[{i}]") for i, s in enumerate(seat_ids)],
        )

    @mutation(
        _MANAGE,
        description="Put a motion. On a customization request: a quarterly meeting and a scored "
        "request only (CONFLICT otherwise).",
    )
    async def open_dsb_motion(self, info: ResolverInfo, input: OpenDsbMotionInput) -> DsbMotion:
        return await service.open_motion(  # type: ignore[return-value]
            caller=info.context.caller,
            meeting_id=parse_id(input.meeting_id, "meetingId"),
            text_=input.text,
            agenda_item_id=optional_id(input.agenda_item_id, "agendaItemId"),
            customization_request_id=optional_id(
                input.customization_request_id, "customizationRequestId"
            ),
            subject=_subject(input.subject_kind, input.subject_id),
        )

    @mutation(
        _MANAGE,
        description="Record a seat's vote. A non-voting seat, a seat not held or not present: "
        "VALIDATION; a second vote by a seat: CONFLICT.",
    )
    async def record_dsb_vote(
        self,
        info: ResolverInfo,
        motion_id: Annotated[strawberry.ID, strawberry.argument(description="The motion.")],
        seat_id: Annotated[strawberry.ID, strawberry.argument(description="The voting seat.")],
        choice: Annotated[DsbVoteChoice, strawberry.argument(description="The vote.")],
    ) -> DsbVote:
        return await service.record_vote(  # type: ignore[return-value]
            caller=info.context.caller,
            motion_id=parse_id(motion_id, "motionId"),
            seat_id=parse_id(seat_id, "seatId"),
            choice=choice,
        )

    @mutation(
        _MANAGE,
        description="Close a motion: carried when yes outnumber no. Without a quorum (more than "
        "half the voting seats present): CONFLICT.",
    )
    async def close_dsb_motion(
        self,
        info: ResolverInfo,
        motion_id: Annotated[strawberry.ID, strawberry.argument(description="The motion.")],
    ) -> DsbMotion:
        return await service.close_motion(  # type: ignore[return-value]
            caller=info.context.caller, motion_id=parse_id(motion_id, "motionId")
        )

    @mutation(
        Requires(Resource.DSB, Action.REQUEST),
        description="Record a customization request received for the board.",
    )
    async def submit_customization_request(
        self, info: ResolverInfo, input: SubmitCustomizationRequestInput
    ) -> CustomizationRequest:
        return await service.submit_request(  # type: ignore[return-value]
            caller=info.context.caller,
            title=input.title,
            description=input.description,
            requested_by=input.requested_by,
            agency_id=optional_id(input.agency_id, "agencyId"),
        )

    @mutation(
        _MANAGE,
        description="Score a request on all seven criteria, 1 to 5 each (VALIDATION otherwise); "
        "again until decided.",
    )
    async def score_customization_request(
        self, info: ResolverInfo, input: ScoreCustomizationRequestInput
    ) -> CustomizationRequest:
        scores: dict[models.CustomizationCriterion, int] = {}
        for item in input.scores:
            scores[models.CustomizationCriterion(item.criterion)] = item.score
        return await service.score_request(  # type: ignore[return-value]
            caller=info.context.caller,
            request_id=parse_id(input.request_id, "requestId"),
            scores=scores,
            notes=input.notes,
        )

    @mutation(
        Requires(Resource.GOVERNANCE_CALENDAR, Action.MANAGE),
        description="Set a review's first due date or how early its cases open (0 to 365 days); "
        "its rhythm is the manual's. The Disaster Recovery Plan's falls in March.",
    )
    async def update_governance_calendar_item(
        self,
        info: ResolverInfo,
        kind: Annotated[CalendarKind, strawberry.argument(description="The review to change.")],
        first_due_on: Annotated[
            datetime.date | None,
            strawberry.argument(description="Its first due date; the rhythm follows from it."),
        ] = None,
        opens_days_before: Annotated[
            int | None,
            strawberry.argument(
                description="How many days before it is due its case opens (0 to 365)."
            ),
        ] = None,
    ) -> GovernanceCalendarItem:
        return await service.update_item(  # type: ignore[return-value]
            caller=info.context.caller,
            kind=kind,
            first_due_on=first_due_on,
            opens_days_before=opens_days_before,
        )

    @mutation(
        Requires(Resource.GOVERNANCE_CALENDAR, Action.RECORD),
        description="Record a due review as done, by its owner's role or the Lead Agency "
        "(FORBIDDEN otherwise). The Disaster Recovery Plan's names the motion carried at the "
        "board's March meeting.",
    )
    async def complete_governance_calendar_case(
        self,
        info: ResolverInfo,
        case_id: Annotated[strawberry.ID, strawberry.argument(description="The case.")],
        evidence: Annotated[
            str, strawberry.argument(description="What was done, where it is kept (1 to 500).")
        ],
        motion_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The motion carried at the board's March meeting (the Disaster Recovery Plan's review)."
            ),
        ] = None,
    ) -> GovernanceCalendarCase:
        return await service.complete_case(  # type: ignore[return-value]
            caller=info.context.caller,
            case_id=parse_id(case_id, "caseId"),
            evidence=evidence,
            motion_id=optional_id(motion_id, "motionId"),
        )


def _subject(
    kind: models.MotionSubject | None, raw: strawberry.ID | None
) -> tuple[models.MotionSubject, UUID] | None:
    if kind is None and raw is None:
        return None
    if kind is None or raw is None:
        raise ValidationFailed("subjectKind and subjectId go together.", field="subjectId")
    return kind, parse_id(raw, "subjectId")
