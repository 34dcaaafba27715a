"""LMS courses and completions (policy 110)."""

from __future__ import annotations

import datetime

import strawberry

from authz.resources import Action, Resource
from models import training as training_models
from schema.context import ResolverInfo
from schema.inputs import optional_id
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
        description="Access levels (FULL, VIEW_ONLY, REPORTING_ONLY), duties "
        "(HMIS_DATA_COORDINATOR, AGENCY_SECURITY_COORDINATOR) and system roles (SYSTEM_ADMINISTRATOR, "
        "SECURITY_OFFICER, LEAD_AGENCY, DSB_MEMBER, VENDOR_SYNC) that need it (policy 110)."
    )


@strawberry.type
class TrainingQuery:
    @query(
        Requires(Resource.TRAINING, Action.READ),
        description="The mandatory LMS courses.",
        graphql_type=list[TrainingCourse],
    )
    async def training_courses(self, info: ResolverInfo) -> list[training_models.TrainingCourse]:
        return list(await training_models.TrainingCourse.all().order_by("code"))


@strawberry.type
class TrainingMutation:
    @mutation(
        Requires(Resource.TRAINING, Action.RECORD),
        description="Record a course completion (LMS sync).",
        graphql_type=TrainingCompletion,
    )
    async def record_training_completion(
        self, info: ResolverInfo, input: RecordTrainingCompletionInput
    ) -> training_models.TrainingCompletion:
        ctx = info.context
        return await service.record_completion(
            caller=ctx.caller,
            user_id=optional_id(input.user_id, "userId"),
            external_id=input.external_id,
            course_code=input.course_code,
            completed_on=input.completed_on,
        )

    @mutation(
        Requires(Resource.TRAINING, Action.MANAGE),
        description="Create or change a mandatory course.",
        graphql_type=TrainingCourse,
    )
    async def upsert_training_course(
        self, info: ResolverInfo, input: UpsertTrainingCourseInput
    ) -> training_models.TrainingCourse:
        return await service.upsert_course(
            caller=info.context.caller,
            code=input.code,
            title=input.title,
            required_for=input.required_for,
        )
