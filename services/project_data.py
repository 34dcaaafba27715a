"""A project's HUD records the agency's HMIS Data Coordinator keeps current (policy 107): its
CoCs and sites, funders, bed and unit inventory, residential affiliations, HMIS and coordinated
entry participation.

Recorded and changed by the HMIS Data Coordinator of the agency running the project, or by the
System Administrator (``project_data:record``); values checked as the element registry declares
them (``services.elements.clean``), a period's end not before its start; every write in the
governance log, in the write's transaction. Not client data: no masking, no read audit.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tortoise.models import Model
from tortoise.transactions import in_transaction

from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.governance import Project
from models.hud.elements import registry
from models.names import camel
from models.project_data import (
    Affiliation,
    CeParticipation,
    Funder,
    HmisParticipation,
    Inventory,
    ProjectCoc,
)
from services import elements, governance_log
from services.caller import Caller
from services.errors import Forbidden, NotFound, ValidationFailed

__all__ = ["PERIODS", "PROJECT_DATA", "record_project_data", "update_project_data"]

PROJECT_DATA: tuple[type[Model], ...] = (
    ProjectCoc,
    Funder,
    Inventory,
    Affiliation,
    HmisParticipation,
    CeParticipation,
)
# Each model's period, as (start, end) element names: the end is not before the start.
PERIODS: dict[type[Model], tuple[str, str]] = {
    Funder: ("start_date", "end_date"),
    Inventory: ("inventory_start_date", "inventory_end_date"),
    HmisParticipation: (
        "hmis_participation_status_start_date",
        "hmis_participation_status_end_date",
    ),
    CeParticipation: ("ce_participation_status_start_date", "ce_participation_status_end_date"),
}
_MESSAGE = "Only the agency's HMIS Data Coordinator or the System Administrator keeps project data."


def _allowed(decisions: Decisions, project: Project) -> bool:
    return decisions.system_wide(Resource.PROJECT_DATA, Action.RECORD) or decisions.in_agency(
        Resource.PROJECT_DATA, Action.RECORD, project.agency_id
    )


async def _project(decisions: Decisions, project_id: UUID, field: str) -> Project:
    """The project, locked for the write; another agency's is no more visible than a missing
    one (as ``services.agencies.update_project``)."""
    if not decisions.anywhere(Resource.PROJECT_DATA, Action.RECORD):
        raise Forbidden(_MESSAGE)
    project = await Project.filter(id=project_id).select_for_update().first()
    if project is None or not _allowed(decisions, project):
        raise NotFound("No such project.", field=field)
    return project


def _check_period(model: type[Model], merged: dict[str, Any]) -> None:
    period = PERIODS.get(model)
    if period is None:
        return
    start, end = (merged.get(name) for name in period)
    if start is not None and end is not None and end < start:
        name = registry().get(model, period[1]).api_name
        raise ValidationFailed(f"{name} is before the start date.", field=name)


async def _res_project(project: Project, res_project_id: Any) -> UUID:
    """An affiliation's residential project: another project of this HMIS."""
    if res_project_id is None:
        raise ValidationFailed("resProjectId cannot be null.", field="resProjectId")
    if res_project_id == project.id:
        raise ValidationFailed("A project is not affiliated with itself.", field="resProjectId")
    if not await Project.exists(id=res_project_id):
        raise NotFound("No such project.", field="resProjectId")
    return UUID(str(res_project_id))


def _logged(values: dict[str, Any]) -> dict[str, Any]:
    return {camel(k): v for k, v in values.items()}


async def record_project_data(
    *, caller: Caller, model: type[Model], project_id: UUID, data: dict[str, Any]
) -> Any:
    """A new row of ``model`` (one of :data:`PROJECT_DATA`) for the project."""
    decisions = caller.decisions
    extra = dict(data)
    res_project = extra.pop("res_project_id", None)
    values = elements.clean(model.__name__, extra)
    _check_period(model, values)
    async with in_transaction():
        project = await _project(decisions, project_id, "projectId")
        if model is Affiliation:
            values["res_project_id"] = await _res_project(project, res_project)
        row = await model.create(
            project=project,
            created_by_user_id=decisions.principal.user_id,
            created_at=caller.now,
            **values,
        )
        await governance_log.record(
            caller.principal,
            f"{model._meta.db_table}.record",
            entity_type=model.__name__,
            entity_id=row.pk,
            now=caller.now,
            agency_id=project.agency_id,
            after={"projectId": project.id, **_logged(values)},
        )
    return row


async def update_project_data(
    *, caller: Caller, model: type[Model], row_id: UUID, changes: dict[str, Any]
) -> Any:
    """Change a row of ``model`` (one of :data:`PROJECT_DATA`): an end date, a bed count..."""
    decisions = caller.decisions
    extra = dict(changes)
    res_project = extra.pop("res_project_id", None)
    values = elements.clean(model.__name__, extra)
    async with in_transaction():
        row = await model.filter(id=row_id).select_for_update().first()
        if row is None:
            raise NotFound("No such record.", field="id")
        project = await _project(decisions, row.project_id, "id")  # type: ignore[attr-defined]
        if model is Affiliation and res_project is not None:
            values["res_project_id"] = await _res_project(project, res_project)
        before = {name: getattr(row, name) for name in values}
        _check_period(
            model, {**{n: getattr(row, n, None) for n in PERIODS.get(model, ())}, **values}
        )
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_by_user_id = decisions.principal.user_id
        row.updated_at = caller.now
        await row.save()
        await governance_log.record(
            caller.principal,
            f"{model._meta.db_table}.update",
            entity_type=model.__name__,
            entity_id=row.pk,
            now=caller.now,
            agency_id=project.agency_id,
            before=_logged(before),
            after=_logged(values),
        )
    return row
