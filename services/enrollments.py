"""Enrollments, exits, services and what is collected at each stage (HUD UDEs 3.08-3.917).

Element values are checked as the element registry declares them (``services.elements``), with
the rules below for what the registry cannot say: dates relative to the enrollment, a service
type's range, the disability response list of a substance use disorder.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from authz.clients import ClientScope
from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.enrollments import (
    INCOME_SOURCES,
    Disability,
    Enrollment,
    Exit,
    HealthAndDv,
    IncomeBenefits,
    Service,
)
from models.enums import AuditAction
from models.governance import Agency, Project
from models.hud.elements import registry
from services import elements
from services.audit import record as audit
from services.caller import Caller
from services.clients import get_visible_client, touch_client
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.values import max_length

__all__ = [
    "create_enrollment",
    "exit_enrollment",
    "record_disability",
    "record_health_and_dv",
    "record_income_benefits",
    "record_service",
]

HOH = 1
POST_EXIT = 6  # 5.03.1 DataCollectionStage
_MAX_FA_AMOUNT = Decimal("1000000")
# The rows recorded at a data collection stage of an enrollment.
_StageRow = TypeVar("_StageRow", IncomeBenefits, Disability, HealthAndDv)


def _not_before(entry_date: date, field: str) -> elements.Rule:
    def check(value: date | None) -> date | None:
        if value is not None and value < entry_date:
            raise ValidationFailed(f"{field} is before the entry date.", field=field)
        return value

    return check


def _not_after_entry(entry_date: date) -> elements.Rule:
    def check(value: date | None) -> date | None:
        if value is not None and value > entry_date:
            raise ValidationFailed(
                "dateToStreetESSH is after the entry date.", field="dateToStreetESSH"
            )
        return value

    return check


async def _audit_created(
    decisions: Decisions, row: Any, enrollment: Enrollment, now: datetime
) -> None:
    await audit(
        decisions.principal,
        AuditAction.CREATE,
        entity_type=type(row).__name__,
        entity_id=row.id,
        client_id=enrollment.client_id,
        now=now,
        agency_id=enrollment.agency_id,
    )


async def _project(project_id: UUID) -> Project:
    project = await Project.get_or_none(id=project_id)
    if project is None:
        raise NotFound("No such project.", field="projectId")
    return project


async def create_enrollment(
    *,
    caller: Caller,
    client_id: UUID,
    project_id: UUID,
    entry_date: date,
    household_id: str | None,
    relationship_to_hoh: int,
    data: dict[str, Any],
) -> Enrollment:
    """Enroll a client in one of the caller's agency's projects; one head per household."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    project = await _project(project_id)
    if not decisions.in_agency(Resource.ENROLLMENT, Action.CREATE, project.agency_id):
        raise Forbidden("You may not enroll clients in that agency's projects.")
    _, access = await get_visible_client(scope, client_id)
    if project.agency_id not in access.holder_agencies:
        raise ValidationFailed(
            "The project's agency has no consent from this client to enter data; record it first (policy 207).",
            field="clientId",
        )
    agency = await Agency.get(id=project.agency_id)
    if agency.victim_service_provider:
        raise Forbidden("Victim service providers keep client data out of HMIS (HUD privacy rule).")
    if entry_date > scope.today:
        raise ValidationFailed("The entry date is in the future.", field="entryDate")
    if entry_date < project.operating_start_date or (
        project.operating_end_date and entry_date > project.operating_end_date
    ):
        raise ValidationFailed(
            "The project was not operating on the entry date.", field="entryDate"
        )
    elements.check_code(registry().get(Enrollment, "relationship_to_hoh"), relationship_to_hoh)
    values = _enrollment_values(data, entry_date)
    async with in_transaction():
        household = await _household(project, household_id, relationship_to_hoh, client_id)
        enrollment = await Enrollment.create(
            client_id=client_id,
            project=project,
            agency_id=project.agency_id,
            entry_date=entry_date,
            household_id=household,
            relationship_to_hoh=relationship_to_hoh,
            created_by_user_id=decisions.principal.user_id,
            created_at=now,
            updated_at=now,
            **values,
        )
        await _after_write(decisions, enrollment, enrollment, now)
    return enrollment


def _enrollment_values(data: dict[str, Any], entry_date: date) -> dict[str, Any]:
    rules = {
        "move_in_date": _not_before(entry_date, "moveInDate"),
        "date_of_engagement": _not_before(entry_date, "dateOfEngagement"),
        "date_to_street_essh": _not_after_entry(entry_date),
    }
    values = elements.clean("Enrollment", data, rules=rules)
    return {key: value for key, value in values.items() if value is not None}


async def _household(
    project: Project, household_id: str | None, relationship: int, client_id: UUID
) -> str:
    """The household to join (or a new one), keeping exactly one head among open enrollments."""
    if household_id is None:
        if relationship != HOH:
            raise ValidationFailed(
                "A new household starts with its head (relationshipToHoH SELF).",
                field="relationshipToHoH",
            )
        return uuid.uuid4().hex
    household_id = household_id.strip()
    limit = max_length(Enrollment, "household_id")
    if not household_id or len(household_id) > limit:
        raise ValidationFailed(f"householdId is 1 to {limit} characters.", field="householdId")
    # Serialise changes to one household so two heads cannot be added at once.
    await get_connection("default").execute_query(
        "SELECT pg_advisory_xact_lock(hashtext($1))", [f"household:{household_id}"]
    )
    members = await Enrollment.filter(household_id=household_id)
    if not members:
        raise ValidationFailed(
            "No such household; leave householdId empty to start one.", field="householdId"
        )
    if any(m.project_id != project.id for m in members):
        raise ValidationFailed("That household belongs to another project.", field="householdId")
    exited = set(
        await Exit.filter(enrollment_id__in=[m.id for m in members]).values_list(
            "enrollment_id", flat=True
        )
    )
    open_members = [m for m in members if m.id not in exited]
    if any(m.client_id == client_id for m in open_members):
        raise Conflict("The client is already enrolled in this household.", field="clientId")
    if relationship == HOH and any(m.relationship_to_hoh == HOH for m in open_members):
        raise ValidationFailed("The household already has a head.", field="relationshipToHoH")
    return household_id


async def _own_enrollment(
    decisions: Decisions, enrollment_id: UUID, resource: Resource, action: Action
) -> Enrollment:
    """The enrollment, locked for the caller's transaction: writes to one enrollment (an exit and
    what must fall within it) are serialised, so two exits at once end it once."""
    enrollment = await Enrollment.filter(id=enrollment_id).select_for_update().first()
    if enrollment is None or not decisions.in_agency(
        Resource.CLIENT, Action.READ, enrollment.agency_id
    ):
        raise NotFound("No such enrollment, or you may not see it.", field="enrollmentId")
    if not decisions.in_agency(resource, action, enrollment.agency_id):
        raise Forbidden("You may read this enrollment but not change it.")
    return enrollment


async def exit_enrollment(
    *,
    caller: Caller,
    enrollment_id: UUID,
    data: dict[str, Any],
) -> Exit:
    """Close an enrollment (3.11, 3.12): not before entry, not in the future, once."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    values = elements.clean("Exit", data)
    exit_date: date = values["exit_date"]
    async with in_transaction():
        enrollment = await _own_enrollment(
            decisions, enrollment_id, Resource.ENROLLMENT, Action.UPDATE
        )
        if await Exit.exists(enrollment_id=enrollment.id):
            raise Conflict("The enrollment has already ended.")
        if exit_date < enrollment.entry_date:
            raise ValidationFailed("The exit date is before the entry date.", field="exitDate")
        if exit_date > scope.today:
            raise ValidationFailed("The exit date is in the future.", field="exitDate")
        if enrollment.move_in_date and enrollment.move_in_date > exit_date:
            raise ValidationFailed("The move-in date is after the exit date.", field="exitDate")
        row = await Exit.create(
            enrollment=enrollment,
            created_by_user_id=decisions.principal.user_id,
            created_at=now,
            **values,
        )
        await _after_write(decisions, row, enrollment, now)
    return row


async def _after_write(
    decisions: Decisions, row: Any, enrollment: Enrollment, now: datetime
) -> None:
    """After a row is added to an enrollment: the client's retention clock restarts and the
    change is audited, in the same transaction."""
    await touch_client(enrollment.client_id, now)
    await _audit_created(decisions, row, enrollment, now)


async def _within(enrollment: Enrollment, day: date, field: str, today: date) -> None:
    exit_row = await Exit.get_or_none(enrollment_id=enrollment.id)
    end = exit_row.exit_date if exit_row else today
    if day < enrollment.entry_date or day > end:
        raise ValidationFailed("The date is outside the enrollment.", field=field)


def _type_provided(value: int) -> int:
    if not 1 <= value <= 999:
        raise ValidationFailed("typeProvided is not a valid HUD code.", field="typeProvided")
    return value


def _fa_amount(value: Decimal | None) -> Decimal | None:
    if value is not None and (value < 0 or value > _MAX_FA_AMOUNT):
        raise ValidationFailed("faAmount must be between 0 and 1,000,000.", field="faAmount")
    return value


async def record_service(
    *,
    caller: Caller,
    enrollment_id: UUID,
    data: dict[str, Any],
) -> Service:
    """A service within the enrollment's dates (HUD Services.csv)."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    rules: dict[str, elements.Rule] = {"type_provided": _type_provided, "fa_amount": _fa_amount}
    values = elements.clean("Service", data, rules=rules)
    async with in_transaction():
        enrollment = await _own_enrollment(
            decisions, enrollment_id, Resource.SERVICE, Action.CREATE
        )
        await _within(enrollment, values["date_provided"], "dateProvided", scope.today)
        row = await Service.create(
            enrollment=enrollment,
            created_by_user_id=decisions.principal.user_id,
            created_at=now,
            **values,
        )
        await _after_write(decisions, row, enrollment, now)
    return row


async def _stage_row(
    decisions: Decisions, scope: ClientScope, enrollment_id: UUID, values: dict[str, Any]
) -> Enrollment:
    """The enrollment a collection-stage row (income, disability, health) is added to, once its
    information date fits the stage: within the enrollment, or from the exit to today after it."""
    enrollment = await _own_enrollment(decisions, enrollment_id, Resource.ENROLLMENT, Action.UPDATE)
    information_date: date = values["information_date"]
    if values["data_collection_stage"] == POST_EXIT:
        exit_row = await Exit.get_or_none(enrollment_id=enrollment.id)
        if exit_row is None:
            raise ValidationFailed(
                "Post-exit data needs an exited enrollment.", field="dataCollectionStage"
            )
        if not exit_row.exit_date <= information_date <= scope.today:
            raise ValidationFailed(
                "Post-exit data is dated from the exit to today.", field="informationDate"
            )
    else:
        await _within(enrollment, information_date, "informationDate", scope.today)
    return enrollment


async def _add_stage_row(
    decisions: Decisions,
    scope: ClientScope,
    enrollment_id: UUID,
    model: type[_StageRow],
    values: dict[str, Any],
    now: datetime,
) -> _StageRow:
    async with in_transaction():
        enrollment = await _stage_row(decisions, scope, enrollment_id, values)
        stored = {k: v for k, v in values.items() if v is not None}
        row = await model.create(
            enrollment=enrollment,
            created_by_user_id=decisions.principal.user_id,
            created_at=now,
            **stored,
        )
        await _after_write(decisions, row, enrollment, now)
    return row


async def record_income_benefits(
    *,
    caller: Caller,
    enrollment_id: UUID,
    data: dict[str, Any],
) -> IncomeBenefits:
    """Income, benefits and insurance at a collection stage (4.02-4.04); the total is the sum of
    the amounts of the sources marked yes. Each source is a flag and an amount of its own: a
    source left out stays blank (decision 135)."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    values = elements.clean("IncomeBenefits", data)
    for amount in INCOME_SOURCES.values():
        if (values.get(amount) or 0) < 0:
            field = registry().get(IncomeBenefits, amount).api_name
            raise ValidationFailed("Income amounts cannot be negative.", field=field)
    marked = [
        values.get(amount) or Decimal(0)
        for flag, amount in INCOME_SOURCES.items()
        if values.get(flag) == 1
    ]
    values["total_monthly_income"] = sum(marked, Decimal(0)) if marked else None
    return await _add_stage_row(decisions, scope, enrollment_id, IncomeBenefits, values, now)


async def record_disability(
    *,
    caller: Caller,
    enrollment_id: UUID,
    data: dict[str, Any],
) -> Disability:
    """A disability at a collection stage (4.05-4.10). Type 10 is 42 CFR Part 2 data."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    values = elements.clean("Disability", data)
    return await _add_stage_row(decisions, scope, enrollment_id, Disability, values, now)


async def record_health_and_dv(
    *,
    caller: Caller,
    enrollment_id: UUID,
    data: dict[str, Any],
) -> HealthAndDv:
    """Health and domestic violence at a collection stage (4.11, R7, R10)."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    values = elements.clean("HealthAndDv", data)
    return await _add_stage_row(decisions, scope, enrollment_id, HealthAndDv, values, now)
