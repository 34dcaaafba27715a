"""Participating agencies, their MOUs (policy 101), CANs and projects."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from authz.enforcer import Decisions, notify_change
from authz.resources import Action, Resource
from models.enums import AccessLevel
from models.governance import Agency, Can, ContinuumOfCare, Project
from models.hud.codes import hud_list
from services import governance_log
from services.caller import Caller
from services.contacts import normalize_email
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.values import max_length

__all__ = [
    "HUD_HOUSING_TYPES",
    "HUD_PROJECT_TYPES",
    "HUD_TARGET_POPULATIONS",
    "create_agency",
    "create_can",
    "create_project",
    "get_agency",
    "get_coc",
    "record_mou",
    "update_agency",
    "update_project",
]

# HUD FY2026 data standards 2.02.6 ProjectType: code -> HUD's name.
HUD_PROJECT_TYPES = dict(hud_list("2.02.6").labels)
# HUD 2.02.D HousingType and 2.02.7 TargetPopulation codes.
HUD_HOUSING_TYPES = hud_list("2.02.D").values
HUD_TARGET_POPULATIONS = hud_list("2.02.7").values


# What an agency's HMIS Data Coordinator keeps current on its record (policy 107); the rest of it
# (name, CoC, CAN, status, the VSP flag) stays with the Lead Agency and the System Administrator.
HDC_AGENCY_FIELDS = frozenset(
    {"common_name", "executive_director_name", "executive_director_email"}
)
_AGENCY_LOGGED = (
    "name",
    "common_name",
    "victim_service_provider",
    "coc_id",
    "can_id",
    "executive_director_name",
    "executive_director_email",
    "status",
)
_PROJECT_LOGGED = (
    "name",
    "common_name",
    "project_type",
    "operating_start_date",
    "operating_end_date",
    "continuum_project",
    "housing_type",
    "target_population",
    "coc_code",
)


def _values(row: Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _changed(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _require(decisions: Decisions, resource: Resource, action: Action, message: str) -> None:
    if not decisions.system_wide(resource, action):
        raise Forbidden(message)


def _name(value: str, model: type[Model], column: str = "name", field: str = "name") -> str:
    """Trimmed, 1 to as many characters as the column holds."""
    value = value.strip()
    limit = max_length(model, column)
    if not value or len(value) > limit:
        raise ValidationFailed(f"{field} must be 1 to {limit} characters.", field=field)
    return value


async def get_coc(code: str) -> ContinuumOfCare:
    code = code.strip().upper()
    # a code longer than any could be is unknown: not looked up (Tortoise refuses the filter)
    too_long = len(code) > max_length(ContinuumOfCare, "code")
    coc = None if too_long else await ContinuumOfCare.get_or_none(code=code)
    if coc is None:
        raise ValidationFailed("Unknown Continuum of Care code.", field="cocCode")
    return coc


async def get_agency(agency_id: UUID, *, field: str = "agencyId", lock: bool = False) -> Agency:
    """The agency, or NOT_FOUND naming ``field``; ``lock`` holds its row until the commit."""
    query = Agency.filter(id=agency_id)
    agency = await (query.select_for_update() if lock else query).first()
    if agency is None:
        raise NotFound("No such agency.", field=field)
    return agency


async def _unique_name(name: str, agency_id: UUID | None = None) -> None:
    """Agency names are unique whatever their case: "Hartford Shelter" = "HARTFORD SHELTER"."""
    clash = Agency.filter(name__iexact=name)
    if agency_id is not None:
        clash = clash.exclude(id=agency_id)
    if await clash.exists():
        raise Conflict("An agency with that name exists.", field="name")


async def _agency_values(changes: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "name":
            values["name"] = _name(value, Agency)
        elif key == "common_name":
            values[key] = _name(value, Agency, key, "commonName") if value else None
        elif key == "coc_code":
            values["coc"] = await get_coc(value)
        elif key == "can_id":
            values["can"] = None
            if value is not None:
                values["can"] = await Can.get_or_none(id=value)
                if values["can"] is None:
                    raise ValidationFailed("No such CAN.", field="canId")
        elif key == "executive_director_email":
            values[key] = normalize_email(value, field="executiveDirectorEmail") if value else None
        elif key == "executive_director_name":
            values[key] = _name(value, Agency, key, "executiveDirectorName") if value else None
        elif key in ("victim_service_provider", "status"):
            values[key] = value
        else:
            raise ValidationFailed(f"{key} cannot be set here.", field=key)
    if "can" in values and values["can"] is not None and "coc" in values:
        if values["can"].coc_id != values["coc"].id:
            raise ValidationFailed("The CAN belongs to another Continuum of Care.", field="canId")
    return values


async def create_agency(*, caller: Caller, data: dict[str, Any]) -> Agency:
    """A new participating agency. It gets no access until its MOU is recorded (policy 101)."""
    decisions = caller.decisions
    _require(
        decisions,
        Resource.AGENCY,
        Action.CREATE,
        "Only the Lead Agency or System Administrator creates agencies.",
    )
    if "name" not in data or "coc_code" not in data:
        raise ValidationFailed("name and cocCode are required.", field="name")
    values = await _agency_values(data)
    await _unique_name(values["name"])
    try:
        async with in_transaction():
            agency = await Agency.create(**values)
            await governance_log.record(
                caller.principal,
                "agency.create",
                entity_type="Agency",
                entity_id=agency.id,
                now=caller.now,
                agency_id=agency.id,
                after=_values(agency, _AGENCY_LOGGED),
            )
            return agency
    except IntegrityError:
        raise Conflict("An agency with that name exists.", field="name") from None


async def update_agency(*, caller: Caller, agency_id: UUID, changes: dict[str, Any]) -> Agency:
    """Change an agency: the Lead Agency and the System Administrator anything, the agency's HDC
    its contact information (policy 107)."""
    decisions = caller.decisions
    if not decisions.system_wide(Resource.AGENCY, Action.UPDATE):
        if not decisions.in_agency(Resource.AGENCY, Action.UPDATE, agency_id):
            raise Forbidden(
                "Only the Lead Agency, the System Administrator or the agency's HMIS Data "
                "Coordinator updates an agency."
            )
        beyond = sorted(set(changes) - HDC_AGENCY_FIELDS)
        if beyond:
            raise Forbidden(
                "The HMIS Data Coordinator keeps the agency's contact information current; the "
                "Lead Agency or the System Administrator changes the rest (policy 107).",
                field=beyond[0],
            )
    async with in_transaction():
        agency = await get_agency(agency_id, field="id", lock=True)
        old = _values(agency, _AGENCY_LOGGED)
        values = await _agency_values(changes)
        can_id = agency.can_id
        can = (
            values["can"]
            if "can" in values
            else (await Can.get_or_none(id=can_id) if can_id else None)
        )
        coc_id = values["coc"].id if "coc" in values else agency.coc_id
        if can is not None and can.coc_id != coc_id:
            field = "canId" if "can" in values else "cocCode"
            raise ValidationFailed("The CAN belongs to another Continuum of Care.", field=field)
        if "name" in values:
            await _unique_name(values["name"], agency.id)
        for key, value in values.items():
            setattr(agency, key, value)
        try:
            await agency.save()
        except IntegrityError:
            raise Conflict("An agency with that name exists.", field="name") from None
        before, after = _changed(old, _values(agency, _AGENCY_LOGGED))
        if after:
            await governance_log.record(
                caller.principal,
                "agency.update",
                entity_type="Agency",
                entity_id=agency.id,
                now=caller.now,
                agency_id=agency.id,
                before=before,
                after=after,
            )
    if "status" in values or "can" in values:
        # both change role assignments: agency status (policy 101), and a CAN reporting
        # service account's scope
        await notify_change()
    return agency


async def record_mou(
    *,
    caller: Caller,
    agency_id: UUID,
    signed_on: date,
    signed_by: str,
    access_levels: list[AccessLevel],
) -> Agency:
    """Record the signed MOU and the access levels it grants; the agency's users may then act."""
    decisions = caller.decisions
    today = caller.today
    _require(
        decisions,
        Resource.AGENCY,
        Action.RECORD_MOU,
        "Only the Lead Agency or System Administrator records MOUs.",
    )
    if signed_on > today:
        raise ValidationFailed("The MOU cannot be signed in the future.", field="signedOn")
    if not access_levels:
        raise ValidationFailed(
            "Name at least one access level the MOU grants.", field="accessLevels"
        )
    async with in_transaction():
        agency = await get_agency(agency_id, lock=True)
        before = {
            "signedOn": agency.mou_signed_on,
            "signedBy": agency.mou_signed_by,
            "accessLevels": agency.mou_access_levels,
        }
        agency.mou_signed_on = signed_on
        agency.mou_signed_by = _name(signed_by, Agency, "mou_signed_by", "signedBy")
        agency.mou_access_levels = sorted({level.value for level in access_levels})
        await agency.save()
        await governance_log.record(
            caller.principal,
            "mou.record",
            entity_type="Agency",
            entity_id=agency.id,
            now=caller.now,
            agency_id=agency.id,
            before=before if before["signedOn"] else None,
            after={
                "signedOn": signed_on,
                "signedBy": agency.mou_signed_by,
                "accessLevels": agency.mou_access_levels,
            },
        )
    await notify_change()
    return agency


async def create_can(
    *, caller: Caller, name: str, coc_code: str, backbone_agency_id: UUID | None
) -> Can:
    decisions = caller.decisions
    _require(
        decisions,
        Resource.CAN,
        Action.CREATE,
        "Only the Lead Agency or System Administrator creates CANs.",
    )
    coc = await get_coc(coc_code)
    backbone = (
        await get_agency(backbone_agency_id, field="backboneAgencyId")
        if backbone_agency_id
        else None
    )
    name = _name(name, Can)
    if await Can.filter(name__iexact=name).exists():
        raise Conflict("A CAN with that name exists.", field="name")
    try:
        async with in_transaction():
            can = await Can.create(name=name, coc=coc, backbone_agency=backbone)
            await governance_log.record(
                caller.principal,
                "can.create",
                entity_type="Can",
                entity_id=can.id,
                now=caller.now,
                after={"name": name, "cocCode": coc.code, "backboneAgencyId": backbone_agency_id},
            )
            return can
    except IntegrityError:
        raise Conflict("A CAN with that name exists.", field="name") from None


def _project_values(changes: dict[str, Any]) -> dict[str, Any]:
    values = dict(changes)
    if "name" in values:
        values["name"] = _name(values["name"], Project)
    if values.get("common_name") is not None:
        values["common_name"] = _name(values["common_name"], Project, "common_name", "commonName")
    if "project_type" in values and values["project_type"] not in HUD_PROJECT_TYPES:
        raise ValidationFailed(
            "projectType must be a HUD 2.02.6 ProjectType code.", field="projectType"
        )
    if values.get("housing_type") is not None and values["housing_type"] not in HUD_HOUSING_TYPES:
        raise ValidationFailed(
            "housingType must be a HUD 2.08 HousingType code (1, 2, 3).", field="housingType"
        )
    population = values.get("target_population")
    if population is not None and population not in HUD_TARGET_POPULATIONS:
        raise ValidationFailed(
            "targetPopulation must be a HUD 2.09 TargetPopulation code (1, 3, 4).",
            field="targetPopulation",
        )
    start, end = values.get("operating_start_date"), values.get("operating_end_date")
    if start and end and end < start:
        raise ValidationFailed(
            "The operating end date is before the start date.", field="operatingEndDate"
        )
    return values


async def create_project(*, caller: Caller, agency_id: UUID, data: dict[str, Any]) -> Project:
    decisions = caller.decisions
    _require(
        decisions,
        Resource.PROJECT,
        Action.CREATE,
        "Only the Lead Agency or System Administrator creates projects.",
    )
    agency = await get_agency(agency_id)
    values = _project_values(data)
    coc_code = values.pop("coc_code", None)
    coc = await get_coc(coc_code) if coc_code else await ContinuumOfCare.get(id=agency.coc_id)
    try:
        async with in_transaction():
            project = await Project.create(agency=agency, coc_code=coc.code, **values)
            await governance_log.record(
                caller.principal,
                "project.create",
                entity_type="Project",
                entity_id=project.id,
                now=caller.now,
                agency_id=agency.id,
                after=_values(project, _PROJECT_LOGGED),
            )
            return project
    except IntegrityError:
        raise Conflict("The agency already has a project with that name.", field="name") from None


async def update_project(*, caller: Caller, project_id: UUID, changes: dict[str, Any]) -> Project:
    """Change a project: the Lead Agency, the System Administrator, or the HMIS Data Coordinator
    of the agency that runs it, who keeps program information current (policy 107)."""
    decisions = caller.decisions
    message = (
        "Only the Lead Agency, the System Administrator or the agency's HMIS Data Coordinator "
        "updates a project."
    )
    if not decisions.anywhere(Resource.PROJECT, Action.UPDATE):
        raise Forbidden(message)
    async with in_transaction():
        project = await Project.filter(id=project_id).select_for_update().first()
        if project is None or not decisions.in_agency(
            Resource.PROJECT, Action.UPDATE, project.agency_id
        ):
            # another agency's project is no more visible to an HDC than a missing one
            raise NotFound("No such project.", field="id")
        old = _values(project, _PROJECT_LOGGED)
        values = _project_values(changes)
        if "coc_code" in values:
            values["coc_code"] = (await get_coc(values["coc_code"])).code
        merged_start = values.get("operating_start_date", project.operating_start_date)
        merged_end = values.get("operating_end_date", project.operating_end_date)
        if merged_end and merged_end < merged_start:
            raise ValidationFailed(
                "The operating end date is before the start date.", field="operatingEndDate"
            )
        for key, value in values.items():
            setattr(project, key, value)
        try:
            await project.save()
        except IntegrityError:
            raise Conflict(
                "The agency already has a project with that name.", field="name"
            ) from None
        before, after = _changed(old, _values(project, _PROJECT_LOGGED))
        if after:
            await governance_log.record(
                caller.principal,
                "project.update",
                entity_type="Project",
                entity_id=project.id,
                now=caller.now,
                agency_id=project.agency_id,
                before=before,
                after=after,
            )
    return project
