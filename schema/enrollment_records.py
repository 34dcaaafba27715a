"""GraphQL types, inputs and mutations of an enrollment's newer records: current living situation
(4.12), coordinated entry assessments with their questions and results (4.19) and events
(4.20), employment and education (R4-R6) and a youth's education status (C3).

Rows reach a caller only through the client-data policy: the enrollment's rows through its
loader (``schema.client_loaders.rows_by_enrollment``, which asks ``authz.clients``), and each
row's elements through its masking (``row_fields``: an element with a release category, such
as where a client was met or an assessment's answers, is null unless the writing agency shares
that category with the caller). Types and inputs take their elements from the registry.
"""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

import strawberry
from tortoise.models import Model

from authz.clients import ClientAccess, row_fields
from authz.resources import Action, Resource
from models import coordinated_entry as ce_models
from models import enrollments as enrollment_models
from schema.client_loaders import access_loader, rows_by_enrollment
from schema.context import Context, ResolverInfo
from schema.elements import with_elements
from schema.inputs import changes, parse_id
from schema.operations import mutation
from schema.permissions import Requires
from schema.relay import Connection, list_connection
from services import enrollment_records as service

__all__ = [
    "Assessment",
    "AssessmentQuestion",
    "AssessmentResult",
    "CurrentLivingSituation",
    "EmploymentEducation",
    "EnrollmentRecordMutation",
    "Event",
    "YouthEducationStatus",
    "enrollment_page",
    "enrollment_records",
    "record_view",
]

_V = TypeVar("_V")


@strawberry.type(
    description="One question of an assessment and the client's answer (HUD AssessmentQuestions)."
)
@with_elements("AssessmentQuestion", "output", after="id")
class AssessmentQuestion:
    id: strawberry.ID = strawberry.field(description="Hearth id.")


@strawberry.type(
    description="One result of an assessment: a score, a priority (HUD AssessmentResults)."
)
@with_elements("AssessmentResult", "output", after="id")
class AssessmentResult:
    id: strawberry.ID = strawberry.field(description="Hearth id.")


@strawberry.type(
    description="A coordinated entry assessment (HUD Assessment.csv, 4.19), with its questions "
    "and results. Answers are HEALTH data: null unless you may see it."
)
@with_elements("Assessment", "output", after="id")
class Assessment:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    created_at: datetime.datetime = strawberry.field(description="When recorded.")
    _enrollment: strawberry.Private[enrollment_models.Enrollment]

    @strawberry.field(description="The questions asked and answered, in their order.")
    async def questions(self, info: ResolverInfo) -> list[AssessmentQuestion]:
        return await self._children(info, ce_models.AssessmentQuestion, AssessmentQuestion)

    @strawberry.field(description="The assessment's results (scores, priorities).")
    async def results(self, info: ResolverInfo) -> list[AssessmentResult]:
        return await self._children(info, ce_models.AssessmentResult, AssessmentResult)

    async def _children(self, info: ResolverInfo, model: type[Model], view: type[_V]) -> list[_V]:
        order = (
            ("assessment_question_order", "id")
            if model is ce_models.AssessmentQuestion
            else ("id",)
        )
        rows = await enrollment_records(info.context, self._enrollment, model, order)
        mine = [row for row in rows if str(row.assessment_id) == str(self.id)]
        access = await access_loader(info.context).load(self._enrollment.client_id)
        return [record_view(view, row, self._enrollment, access) for row in mine]


@strawberry.type(
    description="A coordinated entry event (HUD Event.csv, 4.20): a referral, a diversion, a "
    "placement, and its result."
)
@with_elements("Event", "output", after="id")
class Event:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    created_at: datetime.datetime = strawberry.field(description="When recorded.")


@strawberry.type(
    description="Where the client was living at a contact (HUD CurrentLivingSituation.csv, "
    "4.12). Where they were met is IDENTIFYING data: null unless you may see it."
)
@with_elements("CurrentLivingSituation", "output", after="id")
class CurrentLivingSituation:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    created_at: datetime.datetime = strawberry.field(description="When recorded.")


@strawberry.type(
    description="Employment and education at a collection stage (HUD EmploymentEducation.csv, R4-R6)."
)
@with_elements("EmploymentEducation", "output", after="id")
class EmploymentEducation:
    id: strawberry.ID = strawberry.field(description="Hearth id.")


@strawberry.type(
    description="A youth's education status at a collection stage (HUD YouthEducationStatus.csv, C3)."
)
@with_elements("YouthEducationStatus", "output", after="id")
class YouthEducationStatus:
    id: strawberry.ID = strawberry.field(description="Hearth id.")


def record_view(
    view: type[_V],
    row: Any,
    enrollment: enrollment_models.Enrollment,
    access: ClientAccess | None,
) -> _V:
    """The row as the caller may see it: each element masked unless it has no category or the
    enrollment's agency shares its category with the caller (the client-data policy)."""
    fields = row_fields(
        type(row).__name__, row, own=False, access=access, agency_id=enrollment.agency_id
    )
    extra: dict[str, Any] = {}
    names = {f.python_name for f in view.__strawberry_definition__.fields}  # type: ignore[attr-defined]
    if "created_at" in names:
        extra["created_at"] = row.created_at
    if view is Assessment:
        extra["_enrollment"] = enrollment
    built: _V = view(id=strawberry.ID(str(row.id)), **fields, **extra)  # type: ignore[call-arg]  # a strawberry type's generated __init__
    return built


async def enrollment_records(
    context: Context,
    enrollment: enrollment_models.Enrollment,
    model: type[Any],
    order: tuple[str, ...],
) -> list[Any]:
    """The enrollment's rows of ``model`` the caller may see (one statement for every
    enrollment of the answer)."""
    key = (enrollment.id, enrollment.agency_id, enrollment.client_id)
    return await rows_by_enrollment(context, model, order).load(key)


async def enrollment_views(
    info: ResolverInfo,
    enrollment: enrollment_models.Enrollment,
    model: type[Any],
    view: type[_V],
    order: tuple[str, ...],
) -> list[_V]:
    rows = await enrollment_records(info.context, enrollment, model, order)
    if not rows:
        return []
    access = await access_loader(info.context).load(enrollment.client_id)
    return [record_view(view, row, enrollment, access) for row in rows]


async def enrollment_page(
    info: ResolverInfo,
    enrollment: enrollment_models.Enrollment,
    model: type[Any],
    view: type[Any],
    order: tuple[str, ...],
    first: int,
    after: str | None,
) -> Connection[Any]:
    """A page of the enrollment's rows of ``model``, as views, in ``order``."""
    rows = await enrollment_records(info.context, enrollment, model, order)
    page = list_connection(rows, first, after)
    if page.nodes:
        access = await access_loader(info.context).load(enrollment.client_id)
        page.nodes = [record_view(view, row, enrollment, access) for row in page.nodes]
    return page


# Inputs ------------------------------------------------------------------------------------


@strawberry.input(description="Where the client is living at a contact (4.12).")
@with_elements("CurrentLivingSituation", "create", after="enrollment_id")
class RecordCurrentLivingSituationInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")


@strawberry.input(description="A coordinated entry event (4.20).")
@with_elements("Event", "create", after="enrollment_id")
class RecordEventInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")


@strawberry.input(description="One question of an assessment and the client's answer.")
@with_elements("AssessmentQuestion", "create")
class AssessmentQuestionInput:
    pass


@strawberry.input(description="One result of an assessment.")
@with_elements("AssessmentResult", "create")
class AssessmentResultInput:
    pass


@strawberry.input(
    description="A coordinated entry assessment (4.19) with its questions and results."
)
@with_elements("Assessment", "create", after="enrollment_id")
class RecordAssessmentInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")
    questions: list[AssessmentQuestionInput] = strawberry.field(
        default_factory=list,
        description=f"The questions and answers (at most {service.MAX_ASSESSMENT_ITEMS}).",
    )
    results: list[AssessmentResultInput] = strawberry.field(
        default_factory=list,
        description=f"The results (at most {service.MAX_ASSESSMENT_ITEMS}).",
    )


@strawberry.input(description="Employment and education at a collection stage (R4-R6).")
@with_elements("EmploymentEducation", "create", after="enrollment_id")
class RecordEmploymentEducationInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")


@strawberry.input(description="A youth's education status at a collection stage (C3).")
@with_elements("YouthEducationStatus", "create", after="enrollment_id")
class RecordYouthEducationStatusInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")


def _elements(input: Any, *own: str) -> dict[str, Any]:
    data = changes(input)
    for name in own:
        data.pop(name, None)
    return data


async def _own_view(info: ResolverInfo, row: Any, view: type[_V]) -> _V:
    """The writer's answer: the row as the writer (of the enrollment's agency) sees it."""
    enrollment = await enrollment_models.Enrollment.get(id=row.enrollment_id)
    access = await access_loader(info.context).load(enrollment.client_id)
    return record_view(view, row, enrollment, access)


@strawberry.type
class EnrollmentRecordMutation:
    @mutation(
        Requires(Resource.ENROLLMENT, Action.UPDATE),
        description="Record where the client is living at a contact (4.12), within the enrollment.",
    )
    async def record_current_living_situation(
        self, info: ResolverInfo, input: RecordCurrentLivingSituationInput
    ) -> CurrentLivingSituation:
        row = await service.record_current_living_situation(
            caller=info.context.caller,
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            data=_elements(input, "enrollment_id"),
        )
        return await _own_view(info, row, CurrentLivingSituation)

    @mutation(
        Requires(Resource.ENROLLMENT, Action.UPDATE),
        description="Record a coordinated entry assessment (4.19) with its questions and "
        "results, in one transaction, within the enrollment.",
    )
    async def record_assessment(
        self, info: ResolverInfo, input: RecordAssessmentInput
    ) -> Assessment:
        row = await service.record_assessment(
            caller=info.context.caller,
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            data=service.AssessmentData(
                values=_elements(input, "enrollment_id", "questions", "results"),
                questions=[changes(q) for q in input.questions],
                results=[changes(r) for r in input.results],
            ),
        )
        return await _own_view(info, row, Assessment)

    @mutation(
        Requires(Resource.ENROLLMENT, Action.UPDATE),
        description="Record a coordinated entry event (4.20): a referral, a diversion, a "
        "placement, within the enrollment.",
    )
    async def record_event(self, info: ResolverInfo, input: RecordEventInput) -> Event:
        row = await service.record_event(
            caller=info.context.caller,
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            data=_elements(input, "enrollment_id"),
        )
        return await _own_view(info, row, Event)

    @mutation(
        Requires(Resource.ENROLLMENT, Action.UPDATE),
        description="Record employment and education at a collection stage (R4-R6).",
    )
    async def record_employment_education(
        self, info: ResolverInfo, input: RecordEmploymentEducationInput
    ) -> EmploymentEducation:
        row = await service.record_employment_education(
            caller=info.context.caller,
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            data=_elements(input, "enrollment_id"),
        )
        return await _own_view(info, row, EmploymentEducation)

    @mutation(
        Requires(Resource.ENROLLMENT, Action.UPDATE),
        description="Record a youth's education status at a collection stage (C3).",
    )
    async def record_youth_education_status(
        self, info: ResolverInfo, input: RecordYouthEducationStatusInput
    ) -> YouthEducationStatus:
        row = await service.record_youth_education_status(
            caller=info.context.caller,
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            data=_elements(input, "enrollment_id"),
        )
        return await _own_view(info, row, YouthEducationStatus)
