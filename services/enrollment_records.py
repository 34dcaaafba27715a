"""The records an enrollment gathers beyond services and the collection stages of
``services.enrollments``: current living situations (4.12), coordinated entry assessments with
their questions and results (4.19) and events (4.20), and, at collection stages, employment and
education (R4-R6) and a youth's education status (C3).

The rules are today's enrollment records' (``services.enrollments``): written by FULL users of
the enrollment's own agency (``enrollment:update``), which holds the client's consent; values
checked as the element registry declares them (``services.elements.clean``); dates within the
enrollment (entry to exit, or to today while it is open); one transaction with the audit row of
every row written and the client's retention clock restarted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from authz.resources import Action, Resource
from models.coordinated_entry import (
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    CurrentLivingSituation,
    Event,
)
from models.enrollments import EmploymentEducation, YouthEducationStatus
from models.hud.elements import registry
from services import elements
from services.caller import Caller
from services.enrollments import _after_write, _own_enrollment, _stage_row, _within
from services.errors import ValidationFailed

__all__ = [
    "MAX_ASSESSMENT_ITEMS",
    "AssessmentData",
    "record_assessment",
    "record_current_living_situation",
    "record_employment_education",
    "record_event",
    "record_youth_education_status",
]

# Questions and results one assessment may carry (an instrument's items; VI-SPDAT has ~50).
MAX_ASSESSMENT_ITEMS = 200


@dataclass(frozen=True, slots=True)
class AssessmentData:
    """An assessment's elements, and its questions' and results' (element names to values)."""

    values: dict[str, Any]
    questions: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)


async def _dated_row(
    caller: Caller, model: type[Any], enrollment_id: UUID, values: dict[str, Any], day: str
) -> Any:
    """One row of ``model`` whose date ``day`` (an element name) falls within the enrollment."""
    scope = await caller.client_scope()
    decisions = caller.decisions
    async with in_transaction():
        enrollment = await _own_enrollment(
            decisions, enrollment_id, Resource.ENROLLMENT, Action.UPDATE
        )
        on: date = values[day]
        await _within(enrollment, on, registry().get(model, day).api_name, scope.today)
        row = await model.create(
            enrollment=enrollment,
            created_by_user_id=decisions.principal.user_id,
            created_at=caller.now,
            **values,
        )
        await _after_write(decisions, row, enrollment, caller.now)
    return row


async def record_current_living_situation(
    *, caller: Caller, enrollment_id: UUID, data: dict[str, Any]
) -> CurrentLivingSituation:
    """Where the client is living at a contact (4.12), dated within the enrollment."""
    values = elements.clean("CurrentLivingSituation", data)
    row: CurrentLivingSituation = await _dated_row(
        caller, CurrentLivingSituation, enrollment_id, values, "information_date"
    )
    return row


def _result_date(event_date: date | None) -> elements.Rule:
    def check(value: date | None) -> date | None:
        if value is not None and event_date is not None and value < event_date:
            raise ValidationFailed("resultDate is before the event date.", field="resultDate")
        return value

    return check


async def record_event(*, caller: Caller, enrollment_id: UUID, data: dict[str, Any]) -> Event:
    """A coordinated entry event (4.20: a referral, a diversion...), dated within the
    enrollment; its result not before it."""
    rules = {"result_date": _result_date(data.get("event_date"))}
    values = elements.clean("Event", data, rules=rules)
    row: Event = await _dated_row(caller, Event, enrollment_id, values, "event_date")
    return row


def _items(model: str, items: list[dict[str, Any]], field_name: str) -> list[dict[str, Any]]:
    if len(items) > MAX_ASSESSMENT_ITEMS:
        raise ValidationFailed(
            f"An assessment has at most {MAX_ASSESSMENT_ITEMS} {field_name}.", field=field_name
        )
    cleaned = []
    for index, item in enumerate(items):
        try:
            cleaned.append(elements.clean(model, item))
        except ValidationFailed as error:
            raise ValidationFailed(
                error.message, field=f"{field_name}[{index}].{error.field}"
            ) from None
    return cleaned


async def record_assessment(
    *, caller: Caller, enrollment_id: UUID, data: AssessmentData
) -> Assessment:
    """A coordinated entry assessment (4.19) with its questions and results, in one
    transaction, dated within the enrollment."""
    values = elements.clean("Assessment", data.values)
    questions = _items("AssessmentQuestion", data.questions, "questions")
    results = _items("AssessmentResult", data.results, "results")
    scope = await caller.client_scope()
    decisions = caller.decisions
    now = caller.now
    async with in_transaction():
        enrollment = await _own_enrollment(
            decisions, enrollment_id, Resource.ENROLLMENT, Action.UPDATE
        )
        await _within(enrollment, values["assessment_date"], "assessmentDate", scope.today)
        provenance: dict[str, Any] = {
            "created_by_user_id": decisions.principal.user_id,
            "created_at": now,
        }
        assessment = await Assessment.create(enrollment=enrollment, **provenance, **values)
        children: list[Any] = [
            AssessmentQuestion(
                assessment=assessment, enrollment=enrollment, **provenance, **question
            )
            for question in questions
        ] + [
            AssessmentResult(assessment=assessment, enrollment=enrollment, **provenance, **result)
            for result in results
        ]
        for child in children:
            await child.save()
        await _after_write(decisions, assessment, enrollment, now)
        for child in children:
            await _after_write(decisions, child, enrollment, now)
    return assessment


async def _stage_record(
    caller: Caller, model: type[Any], enrollment_id: UUID, data: dict[str, Any]
) -> Any:
    """A row at a data collection stage: dated within the enrollment, or after its exit for
    post-exit data (as ``services.enrollments``' stage records)."""
    values = elements.clean(model.__name__, data)
    scope = await caller.client_scope()
    decisions = caller.decisions
    async with in_transaction():
        enrollment = await _stage_row(decisions, scope, enrollment_id, values)
        stored = {k: v for k, v in values.items() if v is not None}
        row = await model.create(
            enrollment=enrollment,
            created_by_user_id=decisions.principal.user_id,
            created_at=caller.now,
            **stored,
        )
        await _after_write(decisions, row, enrollment, caller.now)
    return row


async def record_employment_education(
    *, caller: Caller, enrollment_id: UUID, data: dict[str, Any]
) -> EmploymentEducation:
    """Employment and education at a collection stage (R4-R6)."""
    row: EmploymentEducation = await _stage_record(caller, EmploymentEducation, enrollment_id, data)
    return row


async def record_youth_education_status(
    *, caller: Caller, enrollment_id: UUID, data: dict[str, Any]
) -> YouthEducationStatus:
    """A youth's education status at a collection stage (C3)."""
    row: YouthEducationStatus = await _stage_record(
        caller, YouthEducationStatus, enrollment_id, data
    )
    return row
