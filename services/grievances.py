"""Grievances (policy 114), step by step, each with its owner, dates and outcome.

A client's grievance goes first to the agency's own procedure and, if unresolved there, to the
Data Strategy Board's grievance subcommittee; a system-level one goes to the subcommittee at
once. An agency's or a CoC's complaint about the Lead Agency: informal first, then formal in
writing to the Director of HMIS and Strategic Analysis, then an appeal to the subcommittee, heard
at its next regularly scheduled meeting. Steps are taken in that order only.

A grievance (its summary, text, statements and outcome notes) is read only by its parties and,
once it reaches them, the subcommittee's members (decision 106): everyone else is told it does
not exist. The governance log records each step without any of that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from authz.resources import Action, Resource
from models.enums import Duty, SystemRole, UserStatus
from models.governance import Agency, ContinuumOfCare
from models.incidents_grievances import (
    Grievance,
    GrievanceKind,
    GrievanceOutcome,
    GrievanceStage,
    GrievanceStatus,
    GrievanceStep,
    GrievanceSubcommitteeMeeting,
    GrievanceSubcommitteeMember,
)
from models.users import SystemRoleGrant, User, UserDuty
from services import governance_log
from services.caller import Caller
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.notifications import Notice, due_phrase, queue
from services.pagination import Page, paginate
from services.values import max_length

__all__ = [
    "Subcommittee",
    "add_member",
    "escalate",
    "file",
    "get",
    "page",
    "record_meeting",
    "record_outcome",
    "remove_member",
    "steps",
    "subcommittee",
    "withdraw",
]

TEXT_LIMIT = 8000
OWNERS = {
    GrievanceStage.AGENCY_PROCEDURE: "agency grievance procedure",
    GrievanceStage.INFORMAL: "Director of HMIS and Strategic Analysis",
    GrievanceStage.FORMAL: "Director of HMIS and Strategic Analysis",
    GrievanceStage.SUBCOMMITTEE: "DSB grievance subcommittee",
}
# The step after an unresolved one, by kind (policy 114's order; nothing else is allowed).
NEXT = {
    GrievanceStage.AGENCY_PROCEDURE: GrievanceStage.SUBCOMMITTEE,
    GrievanceStage.INFORMAL: GrievanceStage.FORMAL,
    GrievanceStage.FORMAL: GrievanceStage.SUBCOMMITTEE,
}
_COORDINATORS = (Duty.HMIS_DATA_COORDINATOR, Duty.AGENCY_SECURITY_COORDINATOR)


def _text(value: str | None, field: str, *, required: bool, limit: int = TEXT_LIMIT) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"Write the {field}.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{field} has at most {limit} characters.", field=field)
    return value or None


def _trained(caller: Caller) -> None:
    """Policy 110 for the operations open to any signed-in party."""
    if caller.principal.missing_training:
        raise Forbidden("Complete the required HMIS training first (policy 110).")


def _coordinator_agencies(caller: Caller) -> set[UUID]:
    """Where the caller is the HDC or Security Coordinator (and may act for the agency)."""
    principal = caller.principal
    return {
        agency
        for agency, duty in principal.duties
        if duty in _COORDINATORS and agency not in principal.blocked_agencies
    }


def _lead(caller: Caller) -> bool:
    """The Lead Agency: the Director of HMIS and Strategic Analysis and their designees."""
    return caller.decisions.system_wide(Resource.GRIEVANCE, Action.DECIDE)


async def _member(caller: Caller) -> bool:
    return await GrievanceSubcommitteeMember.exists(
        user_id=caller.principal.user_id, removed_at__isnull=True
    )


def _grieving_party(caller: Caller, grievance: Grievance) -> bool:
    """Who speaks for the grieving side: the filer, and the agency's coordinators (a client's
    grievance is carried by the agency's procedure; an agency's complaint is the agency's)."""
    if grievance.filed_by_id == caller.principal.user_id:
        return True
    return grievance.agency_id is not None and grievance.agency_id in _coordinator_agencies(caller)


async def may_read(caller: Caller, grievance: Grievance) -> bool:
    """The parties, and the subcommittee once the grievance has reached it."""
    if _grieving_party(caller, grievance):
        return True
    if grievance.kind == GrievanceKind.LEAD_AGENCY and _lead(caller):
        return True  # the respondent
    return grievance.stage == GrievanceStage.SUBCOMMITTEE and await _member(caller)


async def _readable(caller: Caller, grievance_id: UUID, *, lock: bool) -> Grievance:
    qs = Grievance.filter(id=grievance_id)
    grievance = await (qs.select_for_update() if lock else qs).first()
    if grievance is None or not await may_read(caller, grievance):
        raise NotFound("No such grievance, or you may not see it.", field="grievanceId")
    return grievance


async def _next_meeting(after: date) -> date | None:
    """The subcommittee's next regularly scheduled meeting after ``after``."""
    meeting = (
        await GrievanceSubcommitteeMeeting.filter(meets_on__gt=after).order_by("meets_on").first()
    )
    return meeting.meets_on if meeting else None


async def _open_step(
    caller: Caller, grievance: Grievance, stage: GrievanceStage, statement: str | None
) -> GrievanceStep:
    hearing = await _next_meeting(caller.today) if stage == GrievanceStage.SUBCOMMITTEE else None
    return await GrievanceStep.create(
        grievance_id=grievance.id,
        stage=stage,
        owner=OWNERS[stage],
        opened_by_id=caller.principal.user_id,
        opened_at=caller.now,
        statement=statement,
        hearing_on=hearing,
    )


async def _owners(grievance: Grievance, stage: GrievanceStage) -> set[UUID]:
    """The users who act on a step: the agency's coordinators, the Lead Agency's staff, or the
    subcommittee's members (active accounts only)."""
    if stage == GrievanceStage.AGENCY_PROCEDURE:
        rows = await UserDuty.filter(
            agency_id=grievance.agency_id,
            duty__in=list(_COORDINATORS),
            user__status=UserStatus.ACTIVE,
        ).values("user_id")
    elif stage == GrievanceStage.SUBCOMMITTEE:
        rows = await GrievanceSubcommitteeMember.filter(
            removed_at__isnull=True, user__status=UserStatus.ACTIVE
        ).values("user_id")
    else:
        rows = await SystemRoleGrant.filter(
            role=SystemRole.LEAD_AGENCY, user__status=UserStatus.ACTIVE
        ).values("user_id")
    return {row["user_id"] for row in rows}


def _notice(grievance: Grievance, event: str, user_id: UUID, subject: str, about: str) -> Notice:
    """A message about a grievance: its id, kind and step, never its summary or text."""
    return Notice(
        kind=f"grievance.{event}",
        subject=subject,
        body=(
            f"{about}\n\nGrievance: {grievance.id}\nKind: {grievance.kind.value}\n"
            f"Step: {OWNERS[GrievanceStage(grievance.stage)]}\n\n"
            "Read it in Hearth (grievance). Only its parties and the grievance subcommittee may; "
            "this message carries none of its text (CT HMIS policy 114).\n"
        ),
        dedupe_key=f"grievance:{grievance.id}:{event}:{user_id}",
        recipient_id=user_id,
        agency_id=grievance.agency_id,
        payload={"grievanceId": str(grievance.id), "stage": grievance.stage.value},
    )


async def _step_notices(caller: Caller, grievance: Grievance, step: GrievanceStep) -> None:
    """Tell a step's owners it is theirs (and, at the subcommittee, when it is heard)."""
    stage = GrievanceStage(step.stage)
    hearing = (
        f" It will be heard at the meeting of {due_phrase(step.hearing_on)}."
        if step.hearing_on
        else " It will be heard at the next meeting once one is scheduled."
        if stage == GrievanceStage.SUBCOMMITTEE
        else ""
    )
    event = f"{stage.value.lower()}.{step.hearing_on or 'open'}"
    await queue(
        [
            _notice(
                grievance,
                event,
                user_id,
                f"CT HMIS grievance for the {OWNERS[stage]} (policy 114)",
                f"A grievance has reached a step you own.{hearing}",
            )
            for user_id in sorted(
                await _owners(grievance, stage) - {caller.principal.user_id}, key=str
            )
        ],
        now=caller.now,
    )


def _state(grievance: Grievance, step: GrievanceStep | None = None) -> dict[str, Any]:
    """What the governance log keeps: never the summary, the text or a statement."""
    state: dict[str, Any] = {
        "kind": grievance.kind,
        "status": grievance.status,
        "stage": grievance.stage,
    }
    if step is not None:
        state |= {"owner": step.owner, "hearingOn": step.hearing_on, "outcome": step.outcome}
    return state


async def file(
    *,
    caller: Caller,
    kind: GrievanceKind,
    agency_id: UUID | None,
    coc_id: UUID | None,
    summary: str,
    text: str,
) -> Grievance:
    """Open a grievance at its first step (see the module's docstring for which)."""
    _trained(caller)
    title = _text(summary, "summary", required=True, limit=max_length(Grievance, "summary"))
    body = _text(text, "text", required=True)
    mine = _coordinator_agencies(caller)
    if agency_id is not None and not await Agency.exists(id=agency_id):
        raise NotFound("No such agency.", field="agencyId")
    if kind == GrievanceKind.CLIENT:
        if coc_id is not None:
            raise ValidationFailed(
                "A client's grievance names an agency, not a CoC.", field="cocId"
            )
        if agency_id is not None:
            if agency_id not in mine:
                raise Forbidden(
                    "The agency's HDC or Security Coordinator records a client's grievance "
                    "under the agency's procedure (policy 114)."
                )
            stage = GrievanceStage.AGENCY_PROCEDURE
        else:
            if not mine and not _lead(caller):
                raise Forbidden("An HDC, Security Coordinator or the Lead Agency records it.")
            stage = GrievanceStage.SUBCOMMITTEE  # a system-level concern goes there at once
    else:
        if (agency_id is None) == (coc_id is None):
            raise ValidationFailed(
                "A complaint about the Lead Agency comes from one agency or one CoC.",
                field="agencyId",
            )
        if agency_id is not None and agency_id not in mine:
            raise Forbidden("The agency's HDC or Security Coordinator files its complaint.")
        if coc_id is not None:
            if not await ContinuumOfCare.exists(id=coc_id):
                raise NotFound("No such CoC.", field="cocId")
            if not await Agency.exists(id__in=list(mine), coc_id=coc_id):
                raise Forbidden(
                    "An HDC or Security Coordinator of an agency in the CoC files its complaint."
                )
        stage = GrievanceStage.INFORMAL
    async with in_transaction():
        grievance = await Grievance.create(
            kind=kind,
            agency_id=agency_id,
            coc_id=coc_id,
            filed_by_id=caller.principal.user_id,
            filed_at=caller.now,
            summary=title,
            text=body,
            stage=stage,
            updated_at=caller.now,
        )
        step = await _open_step(caller, grievance, stage, None)
        await _step_notices(caller, grievance, step)
        await governance_log.record(
            caller.principal,
            "grievance.file",
            entity_type="Grievance",
            entity_id=grievance.id,
            now=caller.now,
            agency_id=agency_id,
            after={**_state(grievance, step), "cocId": coc_id},
        )
    return grievance


async def get(*, caller: Caller, grievance_id: UUID) -> Grievance:
    """One grievance the caller may read, or NOT_FOUND."""
    return await _readable(caller, grievance_id, lock=False)


async def page(*, caller: Caller, first: int, after: str | None) -> Page[Grievance]:
    """The grievances the caller may read, by id."""
    where = Q(filed_by_id=caller.principal.user_id)
    agencies = _coordinator_agencies(caller)
    if agencies:
        where |= Q(agency_id__in=list(agencies))
    if _lead(caller):
        where |= Q(kind=GrievanceKind.LEAD_AGENCY)
    if await _member(caller):
        where |= Q(stage=GrievanceStage.SUBCOMMITTEE)
    return await paginate(Grievance.filter(where), first=first, after=after)


async def steps(grievance_id: UUID) -> list[GrievanceStep]:
    """A grievance's steps, first to last (for a reader already allowed to see it)."""
    order = list(GrievanceStage)  # the steps' own order: two may open in the same instant
    rows = await GrievanceStep.filter(grievance_id=grievance_id)
    return sorted(rows, key=lambda s: (s.opened_at, order.index(GrievanceStage(s.stage))))


async def _current(grievance: Grievance) -> GrievanceStep:
    step = await GrievanceStep.get(grievance_id=grievance.id, stage=grievance.stage)
    return step


async def record_outcome(
    *, caller: Caller, grievance_id: UUID, outcome: GrievanceOutcome, notes: str
) -> Grievance:
    """The current step's owner records how it ended: the agency's coordinators (its procedure),
    the Lead Agency (informal and formal), a subcommittee member (on or after the hearing)."""
    _trained(caller)
    text = _text(notes, "notes", required=True) or ""
    async with in_transaction():
        grievance = await _readable(caller, grievance_id, lock=True)
        if grievance.status != GrievanceStatus.OPEN:
            raise Conflict("No step of this grievance is under way.")
        step = await _current(grievance)
        stage = GrievanceStage(step.stage)
        if stage == GrievanceStage.AGENCY_PROCEDURE:
            owner = grievance.agency_id in _coordinator_agencies(caller)
        elif stage == GrievanceStage.SUBCOMMITTEE:
            owner = await _member(caller)
        else:
            owner = _lead(caller)
        if not owner:
            raise Forbidden(f"The step's owner ({step.owner}) records its outcome.")
        if stage == GrievanceStage.SUBCOMMITTEE:
            if step.hearing_on is None or caller.today < step.hearing_on:
                raise Conflict(
                    "The subcommittee decides at the meeting that hears the grievance"
                    + (f" ({step.hearing_on:%Y-%m-%d})." if step.hearing_on else " (none set yet).")
                )
        before = _state(grievance, step)
        step.outcome = outcome
        step.outcome_notes = text
        step.closed_at = caller.now
        step.closed_by_id = caller.principal.user_id
        await step.save()
        if stage == GrievanceStage.SUBCOMMITTEE:
            grievance.status = GrievanceStatus.DECIDED
        elif outcome == GrievanceOutcome.RESOLVED:
            grievance.status = GrievanceStatus.RESOLVED
        else:
            grievance.status = GrievanceStatus.UNRESOLVED
        grievance.updated_at = caller.now
        await grievance.save()
        if grievance.filed_by_id != caller.principal.user_id:
            await queue(
                [
                    _notice(
                        grievance,
                        f"{stage.value.lower()}.outcome",
                        grievance.filed_by_id,
                        f"CT HMIS grievance: the {step.owner} recorded an outcome (policy 114)",
                        f"The step ended {outcome.value.lower()}."
                        + (
                            " The grieving party may take it to the next step."
                            if grievance.status == GrievanceStatus.UNRESOLVED
                            else ""
                        ),
                    )
                ],
                now=caller.now,
            )
        await governance_log.record(
            caller.principal,
            "grievance.outcome",
            entity_type="Grievance",
            entity_id=grievance.id,
            now=caller.now,
            agency_id=grievance.agency_id,
            before=before,
            after=_state(grievance, step),
        )
    return grievance


async def escalate(*, caller: Caller, grievance_id: UUID, statement: str | None) -> Grievance:
    """The grieving party takes an unresolved grievance to the next step: a client's to the
    subcommittee; a complaint from informal to formal (the complaint in writing, ``statement``),
    then on appeal to the subcommittee, heard at its next regularly scheduled meeting."""
    _trained(caller)
    async with in_transaction():
        grievance = await _readable(caller, grievance_id, lock=True)
        if not _grieving_party(caller, grievance):
            raise Forbidden("The grieving party takes a grievance to the next step.")
        if grievance.status != GrievanceStatus.UNRESOLVED:
            raise Conflict("Only a grievance whose step ended unresolved goes on to the next.")
        stage = NEXT.get(GrievanceStage(grievance.stage))
        if stage is None:
            raise Conflict("The subcommittee's decision is the last step.")
        written = _text(statement, "statement", required=stage == GrievanceStage.FORMAL)
        before = _state(grievance)
        grievance.stage = stage
        grievance.status = GrievanceStatus.OPEN
        grievance.updated_at = caller.now
        await grievance.save()
        step = await _open_step(caller, grievance, stage, written)
        await _step_notices(caller, grievance, step)
        await governance_log.record(
            caller.principal,
            "grievance.escalate",
            entity_type="Grievance",
            entity_id=grievance.id,
            now=caller.now,
            agency_id=grievance.agency_id,
            before=before,
            after=_state(grievance, step),
        )
    return grievance


async def withdraw(*, caller: Caller, grievance_id: UUID) -> Grievance:
    """The grieving party withdraws a grievance that is not yet settled."""
    _trained(caller)
    async with in_transaction():
        grievance = await _readable(caller, grievance_id, lock=True)
        if not _grieving_party(caller, grievance):
            raise Forbidden("Only the grieving party withdraws a grievance.")
        if grievance.status not in (GrievanceStatus.OPEN, GrievanceStatus.UNRESOLVED):
            raise Conflict("The grievance is already settled.")
        before = _state(grievance)
        # the step under way ends with it (no hearing is set for a withdrawn appeal)
        await GrievanceStep.filter(grievance_id=grievance.id, closed_at__isnull=True).update(
            closed_at=caller.now, closed_by_id=caller.principal.user_id
        )
        grievance.status = GrievanceStatus.WITHDRAWN
        grievance.updated_at = caller.now
        await grievance.save()
        await governance_log.record(
            caller.principal,
            "grievance.withdraw",
            entity_type="Grievance",
            entity_id=grievance.id,
            now=caller.now,
            agency_id=grievance.agency_id,
            before=before,
            after=_state(grievance),
        )
    return grievance


def _require_manager(caller: Caller) -> None:
    if not caller.decisions.system_wide(Resource.GRIEVANCE_SUBCOMMITTEE, Action.MANAGE):
        raise Forbidden("The Lead Agency keeps the grievance subcommittee's records.")


async def add_member(*, caller: Caller, user_id: UUID) -> GrievanceSubcommitteeMember:
    """Seat a user on the grievance subcommittee (as the Board named them)."""
    _require_manager(caller)
    async with in_transaction():
        if not await User.exists(id=user_id, status=UserStatus.ACTIVE):
            raise NotFound("No such active user.", field="userId")
        if await GrievanceSubcommitteeMember.exists(user_id=user_id, removed_at__isnull=True):
            raise Conflict("The user is already a member of the subcommittee.")
        member = await GrievanceSubcommitteeMember.create(
            user_id=user_id, added_at=caller.now, added_by_id=caller.principal.user_id
        )
        await governance_log.record(
            caller.principal,
            "grievance_subcommittee.add_member",
            entity_type="GrievanceSubcommitteeMember",
            entity_id=member.id,
            now=caller.now,
            after={"userId": user_id},
        )
    return member


async def remove_member(*, caller: Caller, user_id: UUID, reason: str) -> None:
    """End a user's seat on the grievance subcommittee."""
    _require_manager(caller)
    why = _text(reason, "reason", required=True, limit=500)
    async with in_transaction():
        member = (
            await GrievanceSubcommitteeMember.filter(user_id=user_id, removed_at__isnull=True)
            .select_for_update()
            .first()
        )
        if member is None:
            raise NotFound("The user is not a member of the subcommittee.", field="userId")
        member.removed_at = caller.now
        member.removed_by_id = caller.principal.user_id
        await member.save()
        await governance_log.record(
            caller.principal,
            "grievance_subcommittee.remove_member",
            entity_type="GrievanceSubcommitteeMember",
            entity_id=member.id,
            now=caller.now,
            before={"userId": user_id},
            reason=why,
        )


async def record_meeting(*, caller: Caller, meets_on: date) -> GrievanceSubcommitteeMeeting:
    """Add a regularly scheduled meeting to the subcommittee's calendar; appeals waiting for a
    hearing date are heard at it when it is the first after their appeal."""
    _require_manager(caller)
    if meets_on <= caller.today:
        raise ValidationFailed("A scheduled meeting is after today.", field="meetsOn")
    async with in_transaction():
        if await GrievanceSubcommitteeMeeting.exists(meets_on=meets_on):
            raise Conflict("That meeting is already on the calendar.")
        meeting = await GrievanceSubcommitteeMeeting.create(
            meets_on=meets_on, recorded_by_id=caller.principal.user_id, recorded_at=caller.now
        )
        # Appeals lodged before this meeting with no hearing yet, or with a later one (this
        # meeting is now their next), are heard at it.
        waiting = await GrievanceStep.filter(
            stage=GrievanceStage.SUBCOMMITTEE, closed_at__isnull=True
        ).filter(Q(hearing_on__isnull=True) | Q(hearing_on__gt=meets_on))
        for step in waiting:
            opened_on = step.opened_at.astimezone(caller.timezone).date()
            if opened_on < meets_on:
                step.hearing_on = meets_on
                await step.save(update_fields=["hearing_on"])
                await _step_notices(caller, await Grievance.get(id=step.grievance_id), step)
        await governance_log.record(
            caller.principal,
            "grievance_subcommittee.schedule",
            entity_type="GrievanceSubcommitteeMeeting",
            entity_id=meeting.id,
            now=caller.now,
            after={"meetsOn": meets_on},
        )
    return meeting


@dataclass(frozen=True, slots=True)
class Subcommittee:
    members: list[GrievanceSubcommitteeMember]
    meetings: list[GrievanceSubcommitteeMeeting]


async def subcommittee(*, caller: Caller) -> Subcommittee:
    """The subcommittee's current members and its meetings from today on."""
    return Subcommittee(
        members=list(
            await GrievanceSubcommitteeMember.filter(removed_at__isnull=True).order_by("added_at")
        ),
        meetings=list(
            await GrievanceSubcommitteeMeeting.filter(meets_on__gte=caller.today).order_by(
                "meets_on"
            )
        ),
    )
