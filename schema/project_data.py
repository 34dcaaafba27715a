"""A project's HUD records beyond Project.csv, kept current by the agency's HMIS Data Coordinator
(policy 107): types (read on ``Project`` by whoever reads the project), inputs and mutations
(``project_data:record``: the HDC of the project's agency, the System Administrator)."""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

import strawberry
from tortoise.models import Model

from authz.resources import Action, Resource
from models import governance as gov
from models import project_data as models
from schema.context import ResolverInfo
from schema.elements import with_elements
from schema.inputs import changes, parse_id
from schema.loaders import by_id
from schema.operations import mutation
from schema.permissions import Requires
from schema.types import Project
from services import project_data as service

__all__ = [
    "Affiliation",
    "CeParticipation",
    "Funder",
    "HmisParticipation",
    "Inventory",
    "ProjectCoc",
    "ProjectDataMutation",
]


@strawberry.type(
    description="A CoC the project operates in, with its site (HUD ProjectCoC.csv, 2.03)."
)
@with_elements("ProjectCoc", "output", after="id")
class ProjectCoc:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    created_at: datetime.datetime = strawberry.field(description="When recorded.")


@strawberry.type(
    description="A source of the project's funding and its grant (HUD Funder.csv, 2.06)."
)
@with_elements("Funder", "output", after="id")
class Funder:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    created_at: datetime.datetime = strawberry.field(description="When recorded.")


@strawberry.type(
    description="Beds and units for one household type over a period (HUD Inventory.csv, 2.07)."
)
@with_elements("Inventory", "output", after="id")
class Inventory:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    created_at: datetime.datetime = strawberry.field(description="When recorded.")


@strawberry.type(
    description="A residential project a services-only project is affiliated with (HUD Affiliation.csv, 2.09)."
)
class Affiliation:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    created_at: datetime.datetime = strawberry.field(description="When recorded.")

    @strawberry.field(
        description="The residential project (HUD ResProjectID).", graphql_type=Project
    )
    async def res_project(
        self, info: ResolverInfo, row: strawberry.Parent[models.Affiliation]
    ) -> gov.Project | None:
        return await by_id(info.context, gov.Project).load(row.res_project_id)


@strawberry.type(
    description="The project's HMIS participation over a period (HUD HMISParticipation.csv, 2.08)."
)
@with_elements("HmisParticipation", "output", after="id")
class HmisParticipation:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    created_at: datetime.datetime = strawberry.field(description="When recorded.")


@strawberry.type(
    description="The project's part in coordinated entry over a period (HUD CEParticipation.csv, 2.09)."
)
@with_elements("CeParticipation", "output", after="id")
class CeParticipation:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    created_at: datetime.datetime = strawberry.field(description="When recorded.")


# Inputs: one to record, one to change, per record.


@strawberry.input(description="A CoC the project operates in, with its site (2.03).")
@with_elements("ProjectCoc", "create", after="project_id")
class RecordProjectCocInput:
    project_id: strawberry.ID = strawberry.field(description="The project.")


@strawberry.input(description="Changes to a project CoC; omitted fields stay as they are.")
@with_elements("ProjectCoc", "update", after="id")
class UpdateProjectCocInput:
    id: strawberry.ID = strawberry.field(description="The record to change.")


@strawberry.input(description="A funding source and its grant (2.06).")
@with_elements("Funder", "create", after="project_id")
class RecordFunderInput:
    project_id: strawberry.ID = strawberry.field(description="The project.")


@strawberry.input(description="Changes to a funder; omitted fields stay as they are.")
@with_elements("Funder", "update", after="id")
class UpdateFunderInput:
    id: strawberry.ID = strawberry.field(description="The record to change.")


@strawberry.input(description="Beds and units for one household type over a period (2.07).")
@with_elements("Inventory", "create", after="project_id")
class RecordInventoryInput:
    project_id: strawberry.ID = strawberry.field(description="The project.")


@strawberry.input(description="Changes to an inventory; omitted fields stay as they are.")
@with_elements("Inventory", "update", after="id")
class UpdateInventoryInput:
    id: strawberry.ID = strawberry.field(description="The record to change.")


@strawberry.input(
    description="A residential project a services-only project is affiliated with (2.09)."
)
class RecordAffiliationInput:
    project_id: strawberry.ID = strawberry.field(description="The services-only project.")
    res_project_id: strawberry.ID = strawberry.field(
        description="The residential project (HUD ResProjectID), another project of this HMIS."
    )


@strawberry.input(description="The project's HMIS participation over a period (2.08).")
@with_elements("HmisParticipation", "create", after="project_id")
class RecordHmisParticipationInput:
    project_id: strawberry.ID = strawberry.field(description="The project.")


@strawberry.input(description="Changes to an HMIS participation; omitted fields stay as they are.")
@with_elements("HmisParticipation", "update", after="id")
class UpdateHmisParticipationInput:
    id: strawberry.ID = strawberry.field(description="The record to change.")


@strawberry.input(description="The project's part in coordinated entry over a period (2.09).")
@with_elements("CeParticipation", "create", after="project_id")
class RecordCeParticipationInput:
    project_id: strawberry.ID = strawberry.field(description="The project.")


@strawberry.input(description="Changes to a CE participation; omitted fields stay as they are.")
@with_elements("CeParticipation", "update", after="id")
class UpdateCeParticipationInput:
    id: strawberry.ID = strawberry.field(description="The record to change.")


_M = TypeVar("_M", bound=Model)


async def _record(info: ResolverInfo, model: type[_M], input: Any) -> _M:
    data = changes(input)
    project_id = parse_id(data.pop("project_id"), "projectId")
    if "res_project_id" in data:
        data["res_project_id"] = parse_id(data["res_project_id"], "resProjectId")
    row: _M = await service.record_project_data(
        caller=info.context.caller, model=model, project_id=project_id, data=data
    )
    return row


async def _update(info: ResolverInfo, model: type[_M], input: Any) -> _M:
    data = changes(input)
    row_id = parse_id(data.pop("id"), "id")
    row: _M = await service.update_project_data(
        caller=info.context.caller, model=model, row_id=row_id, changes=data
    )
    return row


_RECORD = Requires(Resource.PROJECT_DATA, Action.RECORD)
_WHO = (
    "The HMIS Data Coordinator of the project's agency, or the System Administrator (policy 107)."
)


@strawberry.type
class ProjectDataMutation:
    @mutation(
        _RECORD,
        description=f"Record a CoC the project operates in (2.03). {_WHO}",
        graphql_type=ProjectCoc,
    )
    async def record_project_coc(
        self, info: ResolverInfo, input: RecordProjectCocInput
    ) -> models.ProjectCoc:
        return await _record(info, models.ProjectCoc, input)

    @mutation(_RECORD, description=f"Change a project CoC. {_WHO}", graphql_type=ProjectCoc)
    async def update_project_coc(
        self, info: ResolverInfo, input: UpdateProjectCocInput
    ) -> models.ProjectCoc:
        return await _update(info, models.ProjectCoc, input)

    @mutation(
        _RECORD, description=f"Record a funder and its grant (2.06). {_WHO}", graphql_type=Funder
    )
    async def record_funder(self, info: ResolverInfo, input: RecordFunderInput) -> models.Funder:
        return await _record(info, models.Funder, input)

    @mutation(
        _RECORD,
        description=f"Change a funder (its end date, its grant). {_WHO}",
        graphql_type=Funder,
    )
    async def update_funder(self, info: ResolverInfo, input: UpdateFunderInput) -> models.Funder:
        return await _update(info, models.Funder, input)

    @mutation(
        _RECORD,
        description=f"Record a bed and unit inventory (2.07). {_WHO}",
        graphql_type=Inventory,
    )
    async def record_inventory(
        self, info: ResolverInfo, input: RecordInventoryInput
    ) -> models.Inventory:
        return await _record(info, models.Inventory, input)

    @mutation(
        _RECORD,
        description=f"Change an inventory (its beds, its end date). {_WHO}",
        graphql_type=Inventory,
    )
    async def update_inventory(
        self, info: ResolverInfo, input: UpdateInventoryInput
    ) -> models.Inventory:
        return await _update(info, models.Inventory, input)

    @mutation(
        _RECORD,
        description=f"Record a residential affiliation (2.09). {_WHO}",
        graphql_type=Affiliation,
    )
    async def record_affiliation(
        self, info: ResolverInfo, input: RecordAffiliationInput
    ) -> models.Affiliation:
        return await _record(info, models.Affiliation, input)

    @mutation(
        _RECORD,
        description=f"Record the project's HMIS participation (2.08). {_WHO}",
        graphql_type=HmisParticipation,
    )
    async def record_hmis_participation(
        self, info: ResolverInfo, input: RecordHmisParticipationInput
    ) -> models.HmisParticipation:
        return await _record(info, models.HmisParticipation, input)

    @mutation(
        _RECORD,
        description=f"Change an HMIS participation (its end date). {_WHO}",
        graphql_type=HmisParticipation,
    )
    async def update_hmis_participation(
        self, info: ResolverInfo, input: UpdateHmisParticipationInput
    ) -> models.HmisParticipation:
        return await _update(info, models.HmisParticipation, input)

    @mutation(
        _RECORD,
        description=f"Record the project's CE participation (2.09). {_WHO}",
        graphql_type=CeParticipation,
    )
    async def record_ce_participation(
        self, info: ResolverInfo, input: RecordCeParticipationInput
    ) -> models.CeParticipation:
        return await _record(info, models.CeParticipation, input)

    @mutation(
        _RECORD,
        description=f"Change a CE participation (its end date). {_WHO}",
        graphql_type=CeParticipation,
    )
    async def update_ce_participation(
        self, info: ResolverInfo, input: UpdateCeParticipationInput
    ) -> models.CeParticipation:
        return await _update(info, models.CeParticipation, input)
