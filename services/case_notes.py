"""Case notes (policy 404): agencies add, never edit or delete; the HDC asks, the System
Administrator approves, and a tombstone keeps who asked, who approved, why and when."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.clients import row_security
from authz.resources import Action, Resource
from models.case_notes import CaseNote, CaseNoteDeletionRequest
from models.enrollments import Enrollment
from models.enums import AuditAction, DeletionRequestStatus
from services.audit import record as audit
from services.caller import Caller
from services.clients import get_visible_client, require_holder, touch_client
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.values import max_length

__all__ = [
    "MAX_NOTE_LENGTH",
    "add_case_note",
    "decide_case_note_deletion",
    "request_case_note_deletion",
]

MAX_NOTE_LENGTH = 20_000


async def add_case_note(
    *,
    caller: Caller,
    client_id: UUID,
    agency_id: UUID | None,
    enrollment_id: UUID | None,
    text: str,
) -> CaseNote:
    """A new note. Once saved it cannot be changed or deleted by the agency."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    _, access = await get_visible_client(scope, client_id)
    agency = require_holder(
        access,
        decisions.agencies(Resource.CASE_NOTE, Action.CREATE),
        agency_id,
        doing="write case notes",
    )
    text = text.strip()
    if not text or len(text) > MAX_NOTE_LENGTH:
        raise ValidationFailed(f"A note is 1 to {MAX_NOTE_LENGTH} characters.", field="text")
    if enrollment_id is not None and not await Enrollment.exists(
        id=enrollment_id, client_id=client_id, agency_id=agency
    ):
        raise ValidationFailed(
            "No such enrollment of this client at your agency.", field="enrollmentId"
        )
    async with in_transaction():
        note = await CaseNote.create(
            client_id=client_id,
            agency_id=agency,
            enrollment_id=enrollment_id,
            author_id=decisions.principal.user_id,
            created_at=now,
            text=text,
        )
        await touch_client(client_id, now)
        await audit(
            decisions.principal,
            AuditAction.CREATE,
            entity_type="CaseNote",
            entity_id=note.id,
            client_id=client_id,
            now=now,
            fields=["text"],
            agency_id=agency,
        )
    return note


async def request_case_note_deletion(
    *,
    caller: Caller,
    client_id: UUID,
    note_created_on: date,
    note_id: UUID | None,
    reason: str,
) -> CaseNoteDeletionRequest:
    """The agency's HDC asks for a note's deletion: client, date the note was created, reason."""
    decisions = caller.decisions
    now = caller.now
    timezone = caller.timezone
    agencies = decisions.agencies(Resource.CASE_NOTE, Action.REQUEST_DELETION)
    if not agencies:
        raise Forbidden(
            "Only the agency's HMIS Data Coordinator requests case note deletion (policy 404)."
        )
    # The notes are read as the client-data policy lets the caller read them (and so
    # PostgreSQL's row-level security, which knows the caller from here on: decision 97).
    await caller.client_scope()
    reason = reason.strip()
    limit = max_length(CaseNoteDeletionRequest, "reason")
    if not reason or len(reason) > limit:
        raise ValidationFailed(f"Give a reason of 1 to {limit} characters.", field="reason")
    day_start = datetime.combine(note_created_on, time.min, tzinfo=timezone)
    candidates = CaseNote.filter(
        client_id=client_id,
        agency_id__in=list(agencies),
        deleted_at__isnull=True,
        created_at__gte=day_start,
        created_at__lt=day_start + timedelta(days=1),
    )
    if note_id is not None:
        candidates = candidates.filter(id=note_id)
    notes = list(await candidates.limit(2))
    if not notes:
        raise NotFound(
            "No note of your agency for that client on that date.", field="noteCreatedOn"
        )
    if len(notes) > 1:
        raise ValidationFailed("Several notes match that date: give noteId.", field="noteId")
    note = notes[0]
    async with in_transaction():
        # Lock the note itself: two requests for it at once are serialised and the second sees
        # the first (locking the pending requests would lock nothing while there are none).
        # (.exists() would drop FOR UPDATE: tortoise's ExistsQuery does not carry it.)
        if (
            await CaseNote.filter(id=note.id, deleted_at__isnull=True).select_for_update().first()
            is None
        ):
            raise NotFound(
                "No note of your agency for that client on that date.", field="noteCreatedOn"
            )
        pending = CaseNoteDeletionRequest.filter(
            note_id=note.id, status=DeletionRequestStatus.PENDING
        )
        if await pending.exists():
            raise Conflict("A deletion request for this note is already pending.")
        request = await CaseNoteDeletionRequest.create(
            note=note,
            client_id=client_id,
            agency_id=note.agency_id,
            reason=reason,
            requested_by_id=decisions.principal.user_id,
            requested_at=now,
        )
        await audit(
            decisions.principal,
            AuditAction.DELETE_REQUEST,
            entity_type="CaseNote",
            entity_id=note.id,
            client_id=client_id,
            now=now,
            fields=["text"],
            agency_id=note.agency_id,
        )
        return request


async def decide_case_note_deletion(
    *,
    caller: Caller,
    request_id: UUID,
    approve: bool,
    note: str | None,
) -> CaseNoteDeletionRequest:
    """The System Administrator decides. Approval removes the text; the tombstone stays."""
    decisions = caller.decisions
    if not decisions.system_wide(Resource.CASE_NOTE, Action.APPROVE_DELETION):
        raise Forbidden("Only the System Administrator approves case note deletion (policy 404).")
    limit = max_length(CaseNoteDeletionRequest, "decision_note")
    if note is not None and len(note) > limit:
        raise ValidationFailed(f"note has at most {limit} characters.", field="note")
    # The System Administrator reads no client, yet decides on any agency's note: an
    # administrative act past PostgreSQL's row-level security (decision 97).
    with row_security.system():
        return await _decide(caller, request_id, approve, note)


async def _decide(
    caller: Caller, request_id: UUID, approve: bool, note: str | None
) -> CaseNoteDeletionRequest:
    decisions, now = caller.decisions, caller.now
    async with in_transaction():
        request = await CaseNoteDeletionRequest.filter(id=request_id).select_for_update().first()
        if request is None:
            raise NotFound("No such deletion request.", field="requestId")
        if request.status != DeletionRequestStatus.PENDING:
            raise Conflict("The request has already been decided.")
        if request.requested_by_id == decisions.principal.user_id:
            raise Forbidden("No one may decide a request they made.")
        request.status = DeletionRequestStatus.APPROVED if approve else DeletionRequestStatus.DENIED
        request.decided_by_id = decisions.principal.user_id
        request.decided_at = now
        request.decision_note = note
        await request.save()
        if approve:
            await CaseNote.filter(id=request.note_id).update(text=None, deleted_at=now)
            await touch_client(request.client_id, now)
        await audit(
            decisions.principal,
            AuditAction.DELETE if approve else AuditAction.UPDATE,
            entity_type="CaseNote" if approve else "CaseNoteDeletionRequest",
            entity_id=request.note_id if approve else request.id,
            client_id=request.client_id,
            now=now,
            fields=["text"] if approve else ["status"],
            agency_id=request.agency_id,
        )
    return request
