"""LMS courses and completions (policy 110): no use of the system before the required training."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.resources import Action, Resource
from models.enums import AccessLevel, Duty, SystemRole
from models.training import TrainingCompletion, TrainingCourse
from services import governance_log
from services.caller import Caller
from services.compliance import resolve_retraining_on_completion
from services.errors import Forbidden, ValidationFailed
from services.users import get_user
from services.values import bounded, max_length

__all__ = ["REQUIREMENT_KEYS", "record_completion", "upsert_course"]

# Policy 110: "different levels of training are required for level of access and roles such as
# Systems Administrators": access levels, duties and system roles.
REQUIREMENT_KEYS = frozenset(
    {*(a.value for a in AccessLevel), *(d.value for d in Duty), *(r.value for r in SystemRole)}
)


async def upsert_course(
    *, caller: Caller, code: str, title: str, required_for: list[str]
) -> TrainingCourse:
    """Create or change a course and the access levels, duties and system roles that require it."""
    decisions = caller.decisions
    if not decisions.system_wide(Resource.TRAINING, Action.MANAGE):
        raise Forbidden("Only the System Administrator manages training courses.")
    code = code.strip().upper()
    limit = max_length(TrainingCourse, "code")
    if not code or len(code) > limit:
        raise ValidationFailed(f"code must be 1 to {limit} characters.", field="code")
    limit = max_length(TrainingCourse, "title")
    if not title.strip() or len(title) > limit:
        raise ValidationFailed(f"title must be 1 to {limit} characters.", field="title")
    unknown = set(required_for) - REQUIREMENT_KEYS
    if unknown:
        raise ValidationFailed(
            "requiredFor names access levels, duties and system roles only.", field="requiredFor"
        )
    async with in_transaction():
        before = await TrainingCourse.filter(code=code).select_for_update().first()
        old = {"title": before.title, "requiredFor": before.required_for} if before else None
        course, _ = await TrainingCourse.update_or_create(
            code=code, defaults={"title": title.strip(), "required_for": sorted(set(required_for))}
        )
        await governance_log.record(
            caller.principal,
            "training_course.upsert",
            entity_type="TrainingCourse",
            entity_id=course.id,
            now=caller.now,
            before=old,
            after={"code": code, "title": course.title, "requiredFor": course.required_for},
        )
    return course


async def record_completion(
    *,
    caller: Caller,
    user_id: UUID | None,
    external_id: str | None,
    course_code: str,
    completed_on: date,
) -> TrainingCompletion:
    """Record that the user completed the course (the LMS feed); idempotent per user and course."""
    decisions = caller.decisions
    now = caller.now
    tz = caller.timezone
    if not decisions.system_wide(Resource.TRAINING, Action.RECORD):
        raise Forbidden("Only the System Administrator or the LMS feed records training.")
    if completed_on > now.date():
        raise ValidationFailed("A course cannot be completed in the future.", field="completedOn")
    code = bounded(course_code.strip().upper(), TrainingCourse, "code", "courseCode")
    course = await TrainingCourse.get_or_none(code=code)
    if course is None:
        raise ValidationFailed("No such course.", field="courseCode")
    user = await get_user(user_id=user_id, external_id=external_id)
    async with in_transaction():
        completion, created = await TrainingCompletion.get_or_create(
            user=user, course=course, defaults={"completed_on": completed_on, "recorded_at": now}
        )
        before = None if created else {"completedOn": completion.completed_on}
        if not created and completion.completed_on != completed_on:
            completion.completed_on = completed_on
            completion.recorded_at = now
            await completion.save()
        if created or before != {"completedOn": completed_on}:
            await governance_log.record(
                caller.principal,
                "training.record",
                entity_type="TrainingCompletion",
                entity_id=completion.id,
                now=now,
                before=before,
                after={"userId": user.id, "course": code, "completedOn": completed_on},
            )
        # Policy 211: completing the training closes an open retraining case.
        await resolve_retraining_on_completion(user_id=user.id, now=now, tz=tz)
    return completion
