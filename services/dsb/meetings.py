"""Board meetings: agendas, who was present, motions, votes and the decisions they make.

Only voting seats vote, one vote per seat, and only seats present at the meeting. A motion is
decided only with a quorum: more than half of the voting seats held on the meeting's day are
present. It carries when its yes votes outnumber its no votes (abstentions count for neither).
A motion on a customization request is put only at a quarterly meeting, once the request is
scored, and its outcome approves or declines the request (policy 102). A motion on another
subject (``services.dsb.subjects``: a data sharing agreement, a retention plan, a quarterly
review) asks that subject's service whether it may be put now, and tells it the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.dsb import (
    AgendaItem,
    CustomizationRequest,
    CustomizationStatus,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    Motion,
    MotionStatus,
    MotionSubject,
    Vote,
    VoteChoice,
)
from services.caller import Caller
from services.dsb.common import is_voting, log, need, seated_on, text
from services.dsb.subjects import handler
from services.errors import Conflict, NotFound, ValidationFailed

__all__ = [
    "Quorum",
    "add_agenda_item",
    "close_motion",
    "open_motion",
    "quorum_of",
    "record_attendance",
    "record_vote",
    "schedule_meeting",
]


@dataclass(frozen=True, slots=True)
class Quorum:
    """Voting seats held on the meeting's day, those present, and whether that is a quorum."""

    voting_seated: int
    voting_present: int

    @property
    def met(self) -> bool:
        return self.voting_seated > 0 and 2 * self.voting_present > self.voting_seated


async def quorum_of(meeting: Meeting) -> Quorum:
    seated = [s for s in await seated_on(meeting.held_on) if is_voting(s.category)]
    present = set(
        await MeetingAttendance.filter(meeting_id=meeting.id).values_list("seat_id", flat=True)
    )
    return Quorum(
        voting_seated=len(seated), voting_present=sum(1 for s in seated if s.id in present)
    )


async def _meeting(meeting_id: UUID, *, lock: bool = False) -> Meeting:
    qs = Meeting.filter(id=meeting_id)
    row = await (qs.select_for_update() if lock else qs).first()
    if row is None:
        raise NotFound("No such meeting.", field="meetingId")
    return row


async def schedule_meeting(
    *, caller: Caller, held_on: date, kind: MeetingKind, title: str, agenda: list[str]
) -> Meeting:
    """A meeting on a day, with its agenda in order."""
    name = need(title, "title", Meeting, "title")
    items = [need(t, f"agenda[{i}]", AgendaItem, "title") for i, t in enumerate(agenda)]
    async with in_transaction():
        meeting = await Meeting.create(
            held_on=held_on, kind=kind, title=name, created_at=caller.now
        )
        for position, title_ in enumerate(items, start=1):
            await AgendaItem.create(meeting=meeting, position=position, title=title_)
        await log(
            caller,
            "dsb_meeting.schedule",
            meeting,
            now=caller.now,
            after={"heldOn": held_on, "kind": kind, "title": name, "agenda": items},
        )
    return meeting


async def add_agenda_item(
    *, caller: Caller, meeting_id: UUID, title: str, notes: str | None
) -> AgendaItem:
    """An item at the end of the meeting's agenda."""
    name = need(title, "title", AgendaItem, "title")
    body = text(notes, "notes", AgendaItem, "notes", required=False)
    async with in_transaction():
        meeting = await _meeting(meeting_id, lock=True)
        last = await AgendaItem.filter(meeting=meeting).order_by("-position").first()
        item = await AgendaItem.create(
            meeting=meeting, position=(last.position + 1) if last else 1, title=name, notes=body
        )
        await log(
            caller,
            "dsb_agenda_item.add",
            item,
            now=caller.now,
            after={"meetingId": meeting.id, "position": item.position, "title": name},
        )
    return item


async def record_attendance(*, caller: Caller, meeting_id: UUID, seat_ids: list[UUID]) -> Meeting:
    """The seats present, replacing any earlier record, until a motion has been decided."""
    async with in_transaction():
        meeting = await _meeting(meeting_id, lock=True)
        if caller.today < meeting.held_on:
            raise ValidationFailed("The meeting has not taken place yet.", field="meetingId")
        if await Motion.filter(meeting=meeting).exclude(status=MotionStatus.OPEN).exists():
            raise Conflict("A motion was decided at this meeting: its attendance stands.")
        seated = {s.id for s in await seated_on(meeting.held_on).filter(id__in=seat_ids)}
        for i, seat_id in enumerate(seat_ids):
            if seat_id not in seated:
                raise ValidationFailed(
                    "That seat is not held on the meeting's day.", field=f"seatIds[{i}]"
                )
        before = sorted(
            str(s)
            for s in await MeetingAttendance.filter(meeting=meeting).values_list(
                "seat_id", flat=True
            )
        )
        await MeetingAttendance.filter(meeting=meeting).delete()
        await MeetingAttendance.bulk_create(
            [MeetingAttendance(meeting=meeting, seat_id=s) for s in dict.fromkeys(seat_ids)]
        )
        await log(
            caller,
            "dsb_meeting.attendance",
            meeting,
            now=caller.now,
            before={"present": before},
            after={"present": sorted(str(s) for s in dict.fromkeys(seat_ids))},
        )
    return meeting


def motion_values(motion: Motion) -> dict[str, Any]:
    return {
        "meetingId": motion.meeting_id,
        "text": motion.text,
        "status": motion.status,
        "customizationRequestId": motion.customization_request_id,
        "subjectKind": motion.subject_kind,
        "subjectId": motion.subject_id,
        "yes": motion.yes,
        "no": motion.no,
        "abstain": motion.abstain,
        "votingPresent": motion.voting_present,
        "votingSeated": motion.voting_seated,
    }


async def open_motion(
    *,
    caller: Caller,
    meeting_id: UUID,
    text_: str,
    agenda_item_id: UUID | None = None,
    customization_request_id: UUID | None = None,
    subject: tuple[MotionSubject, UUID] | None = None,
) -> Motion:
    """Put a question to the board at a meeting, optionally on one subject it decides."""
    body = need(text_, "text", Motion, "text")
    if subject is not None and customization_request_id is not None:
        raise ValidationFailed(
            "A motion decides one thing: a customization request or another subject.",
            field="subjectId",
        )
    async with in_transaction():
        meeting = await _meeting(meeting_id)
        if agenda_item_id is not None and not await AgendaItem.exists(
            id=agenda_item_id, meeting=meeting
        ):
            raise NotFound("No such item on this meeting's agenda.", field="agendaItemId")
        if customization_request_id is not None:
            request = (
                await CustomizationRequest.filter(id=customization_request_id)
                .select_for_update()
                .first()
            )
            if request is None:
                raise NotFound("No such customization request.", field="customizationRequestId")
            if meeting.kind != MeetingKind.QUARTERLY:
                raise Conflict(
                    "Customization requests are decided at the quarterly meetings (policy 102).",
                    field="meetingId",
                )
            if request.status != CustomizationStatus.SCORED:
                raise Conflict(
                    "Only a scored, undecided request is put to the board.",
                    field="customizationRequestId",
                )
            if await Motion.exists(customization_request=request, status=MotionStatus.OPEN):
                raise Conflict("A motion on this request is open.", field="customizationRequestId")
        if subject is not None:
            kind, subject_id = subject
            await handler(kind).opened(caller, meeting, subject_id)
            if await Motion.exists(
                subject_kind=kind, subject_id=subject_id, status=MotionStatus.OPEN
            ):
                raise Conflict("A motion on this subject is open.", field="subjectId")
        motion = await Motion.create(
            meeting=meeting,
            agenda_item_id=agenda_item_id,
            customization_request_id=customization_request_id,
            subject_kind=subject[0] if subject else None,
            subject_id=subject[1] if subject else None,
            text=body,
            opened_at=caller.now,
        )
        await log(caller, "dsb_motion.open", motion, now=caller.now, after=motion_values(motion))
    return motion


async def _motion(motion_id: UUID) -> Motion:
    motion = await Motion.filter(id=motion_id).select_for_update().first()
    if motion is None:
        raise NotFound("No such motion.", field="motionId")
    return motion


async def record_vote(
    *, caller: Caller, motion_id: UUID, seat_id: UUID, choice: VoteChoice
) -> Vote:
    """A seat's vote: a voting seat, held on the meeting's day and present; once."""
    async with in_transaction():
        motion = await _motion(motion_id)
        if motion.status != MotionStatus.OPEN:
            raise Conflict("The motion is decided.", field="motionId")
        meeting = await Meeting.get(id=motion.meeting_id)
        seat = await seated_on(meeting.held_on).filter(id=seat_id).first()
        if seat is None:
            raise ValidationFailed("That seat is not held on the meeting's day.", field="seatId")
        if not is_voting(seat.category):
            raise ValidationFailed(
                "The HMIS Lead and System Administration seats do not vote (policy 102).",
                field="seatId",
            )
        if not await MeetingAttendance.exists(meeting=meeting, seat=seat):
            raise ValidationFailed("That seat is not recorded as present.", field="seatId")
        try:
            async with in_transaction():
                vote = await Vote.create(
                    motion=motion, seat=seat, choice=choice, recorded_at=caller.now
                )
        except IntegrityError:
            raise Conflict("That seat has voted on this motion.", field="seatId") from None
        await log(
            caller,
            "dsb_vote.record",
            vote,
            now=caller.now,
            after={"motionId": motion.id, "seatId": seat.id, "choice": choice},
        )
    return vote


async def close_motion(*, caller: Caller, motion_id: UUID) -> Motion:
    """Count the votes and record the decision; refused without a quorum."""
    async with in_transaction():
        motion = await _motion(motion_id)
        if motion.status != MotionStatus.OPEN:
            raise Conflict("The motion is decided.", field="motionId")
        meeting = await Meeting.get(id=motion.meeting_id)
        quorum = await quorum_of(meeting)
        if not quorum.met:
            raise Conflict(
                f"No quorum: {quorum.voting_present} of {quorum.voting_seated} voting members "
                "present; more than half must be.",
                field="motionId",
            )
        before = motion_values(motion)
        choices = [v.choice for v in await Vote.filter(motion=motion)]
        motion.yes = choices.count(VoteChoice.YES)
        motion.no = choices.count(VoteChoice.NO)
        motion.abstain = choices.count(VoteChoice.ABSTAIN)
        motion.voting_present, motion.voting_seated = quorum.voting_present, quorum.voting_seated
        motion.status = MotionStatus.CARRIED if motion.yes > motion.no else MotionStatus.FAILED
        motion.closed_at = caller.now
        await motion.save()
        await log(
            caller,
            "dsb_motion.close",
            motion,
            now=caller.now,
            before=before,
            after=motion_values(motion),
        )
        if motion.customization_request_id is not None:
            request = await CustomizationRequest.get(id=motion.customization_request_id)
            old = request.status
            request.status = (
                CustomizationStatus.APPROVED
                if motion.status == MotionStatus.CARRIED
                else CustomizationStatus.DECLINED
            )
            request.decided_at = caller.now
            await request.save(update_fields=["status", "decided_at"])
            await log(
                caller,
                "customization_request.decide",
                request,
                now=caller.now,
                before={"status": old},
                after={"status": request.status, "motionId": motion.id},
            )
        if motion.subject_kind is not None:
            await handler(motion.subject_kind).decided(caller, motion)
    return motion
