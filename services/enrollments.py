"""Enrollments, exits, services and what is collected at each stage (HUD UDEs 3.08-3.917)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from authz.clients import ClientScope
from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.enrollments import Disability, Enrollment, Exit, HealthAndDv, IncomeBenefits, Service
from models.enums import AuditAction
from models.governance import Agency, Project
from services import hud
from services.audit import record as audit
from services.clients import get_visible_client, touch_client
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed

__all__ = [
    "INCOME_SOURCES",
    "create_enrollment",
    "exit_enrollment",
    "record_disability",
    "record_health_and_dv",
    "record_income_benefits",
    "record_service",
]

HOH = 1
POST_EXIT = 6  # 5.03.1 DataCollectionStage
# HUD IncomeBenefits source columns (4.02).
INCOME_SOURCES = frozenset(
    {
        "Earned",
        "Unemployment",
        "SSI",
        "SSDI",
        "VADisabilityService",
        "VADisabilityNonService",
        "PrivateDisability",
        "WorkersComp",
        "TANF",
        "GA",
        "SocSecRetirement",
        "Pension",
        "ChildSupport",
        "Alimony",
        "OtherIncomeSource",
    }
)
_ENROLLMENT_CODES = {
    "living_situation": hud.LIVING_SITUATION,
    "rental_subsidy_type": hud.RENTAL_SUBSIDY_TYPE,
    "length_of_stay": hud.LENGTH_OF_STAY,
    "los_under_threshold": hud.NO_YES_MISSING,
    "previous_street_essh": hud.NO_YES_MISSING,
    "times_homeless_past_three_years": hud.TIMES_HOMELESS,
    "months_homeless_past_three_years": hud.MONTHS_HOMELESS,
    "disabling_condition": hud.YES_NO_REASONS,
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def _audit_created(
    decisions: Decisions, row: Any, enrollment: Enrollment, now: datetime
) -> None:
    await audit(
        decisions.principal,
        AuditAction.CREATE,
        entity_type=type(row).__name__,
        entity_id=row.id,
        client_id=enrollment.client_id,  # type: ignore[attr-defined]
        now=now,
        agency_id=enrollment.agency_id,  # type: ignore[attr-defined]
    )


async def _project(project_id: UUID) -> Project:
    project = await Project.get_or_none(id=project_id)
    if project is None:
        raise NotFound("No such project.", field="projectId")
    return project


async def create_enrollment(
    *,
    decisions: Decisions,
    scope: ClientScope,
    client_id: UUID,
    project_id: UUID,
    entry_date: date,
    household_id: str | None,
    relationship_to_hoh: int,
    data: dict[str, Any],
    now: datetime,
) -> Enrollment:
    """Enroll a client in one of the caller's agency's projects; one head per household."""
    project = await _project(project_id)
    if not decisions.in_agency(Resource.ENROLLMENT, Action.CREATE, project.agency_id):  # type: ignore[attr-defined]
        raise Forbidden("You may not enroll clients in that agency's projects.")
    _, access = await get_visible_client(scope, client_id)
    if project.agency_id not in access.holder_agencies:  # type: ignore[attr-defined]
        raise ValidationFailed(
            "The project's agency has no consent from this client to enter data; record it first (policy 207).",
            field="clientId",
        )
    agency = await Agency.get(id=project.agency_id)  # type: ignore[attr-defined]
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
    hud.check_code(relationship_to_hoh, hud.RELATIONSHIP_TO_HOH, "relationshipToHoH", required=True)
    values = _enrollment_values(data, entry_date)
    async with in_transaction():
        household = await _household(project, household_id, relationship_to_hoh, client_id)
        enrollment = await Enrollment.create(
            client_id=client_id,
            project=project,
            agency_id=project.agency_id,  # type: ignore[attr-defined]
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
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in _ENROLLMENT_CODES:
            hud.check_code(value, _ENROLLMENT_CODES[key], _camel(key))
        elif key == "enrollment_coc":
            if value is not None and value not in hud.HUD_COC_CODES:
                raise ValidationFailed(
                    "enrollmentCoC must be a Connecticut HUD CoC code.", field="enrollmentCoC"
                )
        elif key in ("move_in_date", "date_of_engagement"):
            if value is not None and value < entry_date:
                raise ValidationFailed(
                    f"{_camel(key)} is before the entry date.", field=_camel(key)
                )
        elif key == "date_to_street_essh":
            if value is not None and value > entry_date:
                raise ValidationFailed(
                    "dateToStreetESSH is after the entry date.", field="dateToStreetESSH"
                )
        else:
            raise ValidationFailed(f"{_camel(key)} cannot be set here.", field=_camel(key))
        if value is not None:
            values[key] = value
    return values


async def _household(
    project: Project, household_id: str | None, relationship: int, client_id: UUID
) -> str:
    """The household to join (or a new one), keeping exactly one head among open enrollments."""
    if household_id is None:
        if relationship != HOH:
            raise ValidationFailed(
                "A new household starts with its head (relationshipToHoH 1).",
                field="relationshipToHoH",
            )
        return uuid.uuid4().hex
    household_id = household_id.strip()
    if not household_id or len(household_id) > 32:
        raise ValidationFailed("householdId is 1 to 32 characters.", field="householdId")
    # Serialise changes to one household so two heads cannot be added at once.
    await get_connection("default").execute_query(
        "SELECT pg_advisory_xact_lock(hashtext($1))", [f"household:{household_id}"]
    )
    members = await Enrollment.filter(household_id=household_id)
    if not members:
        raise ValidationFailed(
            "No such household; leave householdId empty to start one.", field="householdId"
        )
    if any(m.project_id != project.id for m in members):  # type: ignore[attr-defined]
        raise ValidationFailed("That household belongs to another project.", field="householdId")
    exited = set(
        await Exit.filter(enrollment_id__in=[m.id for m in members]).values_list(
            "enrollment_id", flat=True
        )
    )
    open_members = [m for m in members if m.id not in exited]
    if any(m.client_id == client_id for m in open_members):  # type: ignore[attr-defined]
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
    ):  # type: ignore[attr-defined]
        raise NotFound("No such enrollment, or you may not see it.", field="enrollmentId")
    if not decisions.in_agency(resource, action, enrollment.agency_id):  # type: ignore[attr-defined]
        raise Forbidden("You may read this enrollment but not change it.")
    return enrollment


async def exit_enrollment(
    *,
    decisions: Decisions,
    scope: ClientScope,
    enrollment_id: UUID,
    exit_date: date,
    destination: int,
    destination_subsidy_type: int | None,
    other_destination: str | None,
    now: datetime,
) -> Exit:
    """Close an enrollment (3.11, 3.12): not before entry, not in the future, once."""
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
        hud.check_code(destination, hud.DESTINATION, "destination", required=True)
        hud.check_code(destination_subsidy_type, hud.RENTAL_SUBSIDY_TYPE, "destinationSubsidyType")
        if other_destination is not None and len(other_destination) > 50:
            raise ValidationFailed(
                "otherDestination has at most 50 characters.", field="otherDestination"
            )
        row = await Exit.create(
            enrollment=enrollment,
            exit_date=exit_date,
            destination=destination,
            destination_subsidy_type=destination_subsidy_type,
            other_destination=other_destination,
            created_by_user_id=decisions.principal.user_id,
            created_at=now,
        )
        await _after_write(decisions, row, enrollment, now)
    return row


async def _after_write(
    decisions: Decisions, row: Any, enrollment: Enrollment, now: datetime
) -> None:
    """After a row is added to an enrollment: the client's retention clock restarts and the
    change is audited, in the same transaction."""
    await touch_client(enrollment.client_id, now)  # type: ignore[attr-defined]
    await _audit_created(decisions, row, enrollment, now)


async def _within(enrollment: Enrollment, day: date, field: str, today: date) -> None:
    exit_row = await Exit.get_or_none(enrollment_id=enrollment.id)
    end = exit_row.exit_date if exit_row else today
    if day < enrollment.entry_date or day > end:
        raise ValidationFailed("The date is outside the enrollment.", field=field)


async def record_service(
    *,
    decisions: Decisions,
    scope: ClientScope,
    enrollment_id: UUID,
    date_provided: date,
    record_type: int,
    type_provided: int,
    other_type_provided: str | None,
    fa_amount: Decimal | None,
    now: datetime,
) -> Service:
    """A service within the enrollment's dates (HUD Services.csv)."""
    async with in_transaction():
        enrollment = await _own_enrollment(
            decisions, enrollment_id, Resource.SERVICE, Action.CREATE
        )
        await _within(enrollment, date_provided, "dateProvided", scope.today)
        hud.check_code(record_type, hud.RECORD_TYPE, "recordType", required=True)
        if not 1 <= type_provided <= 999:
            raise ValidationFailed("typeProvided is not a valid HUD code.", field="typeProvided")
        if fa_amount is not None and (fa_amount < 0 or fa_amount > Decimal("1000000")):
            raise ValidationFailed("faAmount must be between 0 and 1,000,000.", field="faAmount")
        if other_type_provided is not None and len(other_type_provided) > 50:
            raise ValidationFailed(
                "otherTypeProvided has at most 50 characters.", field="otherTypeProvided"
            )
        row = await Service.create(
            enrollment=enrollment,
            date_provided=date_provided,
            record_type=record_type,
            type_provided=type_provided,
            other_type_provided=other_type_provided,
            fa_amount=fa_amount,
            created_by_user_id=decisions.principal.user_id,
            created_at=now,
        )
        await _after_write(decisions, row, enrollment, now)
    return row


async def _stage_row(
    decisions: Decisions,
    scope: ClientScope,
    enrollment_id: UUID,
    information_date: date,
    stage: int,
) -> Enrollment:
    enrollment = await _own_enrollment(decisions, enrollment_id, Resource.ENROLLMENT, Action.UPDATE)
    hud.check_code(stage, hud.DATA_COLLECTION_STAGE, "dataCollectionStage", required=True)
    if stage == POST_EXIT:
        # post-exit rows fall after the exit (between it and today)
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


async def record_income_benefits(
    *,
    decisions: Decisions,
    scope: ClientScope,
    enrollment_id: UUID,
    information_date: date,
    stage: int,
    income_from_any_source: int | None,
    income_sources: dict[str, Decimal],
    benefits_from_any_source: int | None,
    insurance_from_any_source: int | None,
    now: datetime,
) -> IncomeBenefits:
    """Income and benefits at a collection stage (4.02-4.04)."""
    async with in_transaction():
        enrollment = await _stage_row(decisions, scope, enrollment_id, information_date, stage)
        for name, code in (
            ("incomeFromAnySource", income_from_any_source),
            ("benefitsFromAnySource", benefits_from_any_source),
            ("insuranceFromAnySource", insurance_from_any_source),
        ):
            hud.check_code(code, hud.YES_NO_REASONS, name)
        unknown = set(income_sources) - INCOME_SOURCES
        if unknown:
            raise ValidationFailed("Unknown income source.", field="incomeSources")
        if any(amount < 0 for amount in income_sources.values()):
            raise ValidationFailed("Income amounts cannot be negative.", field="incomeSources")
        total = sum(income_sources.values(), Decimal(0)) if income_sources else None
        row = await IncomeBenefits.create(
            enrollment=enrollment,
            information_date=information_date,
            data_collection_stage=stage,
            income_from_any_source=income_from_any_source,
            total_monthly_income=total,
            income_sources={k: str(v) for k, v in sorted(income_sources.items())},
            benefits_from_any_source=benefits_from_any_source,
            insurance_from_any_source=insurance_from_any_source,
            created_at=now,
        )
        await _after_write(decisions, row, enrollment, now)
    return row


async def record_disability(
    *,
    decisions: Decisions,
    scope: ClientScope,
    enrollment_id: UUID,
    information_date: date,
    stage: int,
    disability_type: int,
    disability_response: int,
    indefinite_and_impairs: int | None,
    now: datetime,
) -> Disability:
    """A disability at a collection stage (4.05-4.10). Type 10 is 42 CFR Part 2 data."""
    async with in_transaction():
        enrollment = await _stage_row(decisions, scope, enrollment_id, information_date, stage)
        hud.check_code(disability_type, hud.DISABILITY_TYPE, "disabilityType", required=True)
        responses = {0, 1, 2, 3} | hud.MISSING if disability_type == 10 else hud.YES_NO_REASONS
        hud.check_code(disability_response, responses, "disabilityResponse", required=True)
        hud.check_code(indefinite_and_impairs, hud.YES_NO_REASONS, "indefiniteAndImpairs")
        row = await Disability.create(
            enrollment=enrollment,
            information_date=information_date,
            data_collection_stage=stage,
            disability_type=disability_type,
            disability_response=disability_response,
            indefinite_and_impairs=indefinite_and_impairs,
            created_at=now,
        )
        await _after_write(decisions, row, enrollment, now)
    return row


async def record_health_and_dv(
    *,
    decisions: Decisions,
    scope: ClientScope,
    enrollment_id: UUID,
    information_date: date,
    stage: int,
    data: dict[str, Any],
    now: datetime,
) -> HealthAndDv:
    """Health and domestic violence at a collection stage (4.11, R7, W)."""
    async with in_transaction():
        enrollment = await _stage_row(decisions, scope, enrollment_id, information_date, stage)
        for key in ("domestic_violence_survivor", "currently_fleeing"):
            hud.check_code(data.get(key), hud.YES_NO_REASONS, _camel(key))
        hud.check_code(data.get("when_occurred"), {1, 2, 3, 4} | hud.MISSING, "whenOccurred")
        for key in ("general_health_status", "dental_health_status", "mental_health_status"):
            hud.check_code(data.get(key), {1, 2, 3, 4, 5} | hud.MISSING, _camel(key))
        hud.check_code(data.get("pregnancy_status"), hud.YES_NO_REASONS, "pregnancyStatus")
        row = await HealthAndDv.create(
            enrollment=enrollment,
            information_date=information_date,
            data_collection_stage=stage,
            created_at=now,
            **{k: v for k, v in data.items() if v is not None},
        )
        await _after_write(decisions, row, enrollment, now)
    return row
