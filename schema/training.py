"""LMS courses and completions (policy 110)."""

from __future__ import annotations

import datetime

import strawberry
from strawberry.types import Info

from authz.resources import Action, Resource
from models.training import TrainingCourse as CourseModel
from schema.inputs import parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.types import TrainingCompletion, TrainingCourse
from services import training as service

__all__ = ["TrainingMutation", "TrainingQuery"]


@strawberry.input(
    description="A course completion from the LMS. Name the user by userId or externalId."
)
class RecordTrainingCompletionInput:
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Hearth id.")
    external_id: str | None = strawberry.field(default=None, description="The vendor's id.")
    course_code: str = strawberry.field(description="Course code.")
    completed_on: datetime.date = strawberry.field(description="Date completed; not in the future.")


@strawberry.input(description="A mandatory course and who needs it.")
class UpsertTrainingCourseInput:
    code: str = strawberry.field(description="Course code (stored upper case).")
    title: str = strawberry.field(description="Title.")
    required_for: list[str] = strawberry.field(
        description="Access levels (FULL, VIEW_ONLY, REPORTING_ONLY) and duties that need it."
    )


@strawberry.type
class TrainingQuery:
    @query(Requires(Resource.TRAINING, Action.READ), description="The mandatory LMS courses.")
    async def training_courses(self, info: Info) -> list[TrainingCourse]:
        return list(await CourseModel.all().order_by("code"))


@strawberry.type
class TrainingMutation:
    @mutation(
        Requires(Resource.TRAINING, Action.RECORD),
        description="Record a course completion (LMS sync).",
    )
    async def record_training_completion(
        self, info: Info, input: RecordTrainingCompletionInput
    ) -> TrainingCompletion:
        ctx = info.context
        return await service.record_completion(
            decisions=ctx.decisions,
            user_id=parse_id(input.user_id, "userId") if input.user_id is not None else None,
            external_id=input.external_id,
            course_code=input.course_code,
            completed_on=input.completed_on,
            now=ctx.now,
            tz=ctx.timezone,
        )

    @mutation(
        Requires(Resource.TRAINING, Action.MANAGE),
        description="Create or change a mandatory course.",
    )
    async def upsert_training_course(
        self, info: Info, input: UpsertTrainingCourseInput
    ) -> TrainingCourse:
        return await service.upsert_course(
            decisions=info.context.decisions,
            code=input.code,
            title=input.title,
            required_for=input.required_for,
        )
