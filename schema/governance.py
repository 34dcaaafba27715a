"""Agencies, MOUs, CANs, CoCs and projects."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from authz import visibility
from authz.resources import Action, Resource
from models import governance as gov
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.hud_enums import list_enum
from schema.inputs import changes, not_null, one, parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from schema.types import AccessLevel, Agency, AgencyStatus, ContinuumOfCare, Project
from schema.types import Can as CanType
from services import agencies as service
from services.pagination import paginate

__all__ = ["GovernanceMutation", "GovernanceQuery"]


@strawberry.input(description="A new participating agency.")
class CreateAgencyInput:
    name: str = strawberry.field(description="HUD OrganizationName (unique).")
    coc_code: str = strawberry.field(description="CT-503 or CT-505.")
    common_name: str | None = strawberry.field(
        default=None, description="HUD OrganizationCommonName."
    )
    can_id: strawberry.ID | None = strawberry.field(default=None, description="The agency's CAN.")
    victim_service_provider: bool = strawberry.field(
        default=False, description="HUD VictimServiceProvider."
    )
    executive_director_name: str | None = strawberry.field(
        default=None, description="Executive Director."
    )
    executive_director_email: str | None = strawberry.field(
        default=None, description="Their e-mail."
    )


@strawberry.input(description="Changes to an agency; omitted fields stay as they are.")
class UpdateAgencyInput:
    id: strawberry.ID = strawberry.field(description="The agency.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    coc_code: str | None = strawberry.field(default=strawberry.UNSET, description="New CoC.")
    common_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="New common name."
    )
    can_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New CAN (null: none)."
    )
    victim_service_provider: bool | None = strawberry.field(
        default=strawberry.UNSET, description="VSP flag."
    )
    executive_director_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="ED name."
    )
    executive_director_email: str | None = strawberry.field(
        default=strawberry.UNSET, description="ED e-mail."
    )
    status: AgencyStatus | None = strawberry.field(
        default=strawberry.UNSET, description="Access status."
    )


@strawberry.input(description="A signed MOU (policy 101).")
class RecordMouInput:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    signed_on: datetime.date = strawberry.field(description="Date signed; not in the future.")
    signed_by: str = strawberry.field(description="Who signed for the agency.")
    access_levels: list[AccessLevel] = strawberry.field(
        description="Access levels the MOU grants the agency's users."
    )


@strawberry.input(description="A new Coordinated Access Network.")
class CreateCanInput:
    name: str = strawberry.field(description="Name (unique).")
    coc_code: str = strawberry.field(description="CT-503 or CT-505.")
    backbone_agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Backbone agency."
    )


@strawberry.input(description="A new HUD project.")
class CreateProjectInput:
    agency_id: strawberry.ID = strawberry.field(description="The agency running it.")
    name: str = strawberry.field(description="HUD ProjectName (unique within the agency).")
    project_type: int = strawberry.field(
        description="HUD 2.02.6 ProjectType.", graphql_type=list_enum("2.02.6")
    )
    operating_start_date: datetime.date = strawberry.field(description="HUD OperatingStartDate.")
    operating_end_date: datetime.date | None = strawberry.field(
        default=None, description="HUD OperatingEndDate."
    )
    common_name: str | None = strawberry.field(default=None, description="HUD ProjectCommonName.")
    continuum_project: bool = strawberry.field(default=True, description="HUD ContinuumProject.")
    housing_type: int | None = strawberry.field(
        default=None, description="HUD 2.02.D HousingType.", graphql_type=list_enum("2.02.D") | None
    )
    target_population: int | None = strawberry.field(
        default=None,
        description="HUD 2.02.7 TargetPopulation.",
        graphql_type=list_enum("2.02.7") | None,
    )
    coc_code: str | None = strawberry.field(
        default=None, description="Project CoC; default: the agency's."
    )


@strawberry.input(description="Changes to a project; omitted fields stay as they are.")
class UpdateProjectInput:
    id: strawberry.ID = strawberry.field(description="The project.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    project_type: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="New HUD 2.02.6 ProjectType.",
        graphql_type=list_enum("2.02.6") | None,
    )
    operating_start_date: datetime.date | None = strawberry.field(
        default=strawberry.UNSET, description="Start."
    )
    operating_end_date: datetime.date | None = strawberry.field(
        default=strawberry.UNSET, description="End."
    )
    common_name: str | None = strawberry.field(default=strawberry.UNSET, description="Common name.")
    continuum_project: bool | None = strawberry.field(
        default=strawberry.UNSET, description="ContinuumProject."
    )
    housing_type: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="HUD 2.02.D HousingType.",
        graphql_type=list_enum("2.02.D") | None,
    )
    target_population: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="HUD 2.02.7 TargetPopulation.",
        graphql_type=list_enum("2.02.7") | None,
    )
    coc_code: str | None = strawberry.field(default=strawberry.UNSET, description="Project CoC.")


PAGE = "Pages hold at most 100 items."


@strawberry.type
class GovernanceQuery:
    @query(Requires(Resource.AGENCY, Action.READ), description=f"Agencies you may see. {PAGE}")
    async def agencies(
        self, info: ResolverInfo, first: First = 50, after: After = None
    ) -> Connection[Agency]:
        page = await paginate(visibility.agencies(info.context.decisions), first=first, after=after)
        return to_connection(page)

    @query(
        Requires(Resource.AGENCY, Action.READ),
        description="One agency; NOT_FOUND if you may not see it.",
        graphql_type=Agency,
    )
    async def agency(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The agency's id.")],
    ) -> gov.Agency:
        return await one(visibility.agencies(info.context.decisions), id, "agency")

    @query(Requires(Resource.PROJECT, Action.READ), description=f"Projects you may see. {PAGE}")
    async def projects(
        self,
        info: ResolverInfo,
        first: First = 50,
        after: After = None,
        agency_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this agency's projects.")
        ] = None,
    ) -> Connection[Project]:
        qs = visibility.projects(info.context.decisions)
        if agency_id is not None:
            qs = qs.filter(agency_id=parse_id(agency_id, "agencyId"))
        return to_connection(await paginate(qs, first=first, after=after))

    @query(
        Requires(Resource.PROJECT, Action.READ),
        description="One project; NOT_FOUND if you may not see it.",
        graphql_type=Project,
    )
    async def project(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The project's id.")],
    ) -> gov.Project:
        return await one(visibility.projects(info.context.decisions), id, "project")

    @query(Requires(Resource.CAN, Action.READ), description=f"Coordinated Access Networks. {PAGE}")
    async def cans(
        self, info: ResolverInfo, first: First = 50, after: After = None
    ) -> Connection[CanType]:
        return to_connection(
            await paginate(visibility.cans(info.context.decisions), first=first, after=after)
        )

    @query(
        Requires(Resource.CAN, Action.READ),
        description="Connecticut's Continuums of Care.",
        graphql_type=list[ContinuumOfCare],
    )
    async def continuums_of_care(self, info: ResolverInfo) -> list[gov.ContinuumOfCare]:
        return list(await gov.ContinuumOfCare.all().order_by("code"))


@strawberry.type
class GovernanceMutation:
    @mutation(
        Requires(Resource.AGENCY, Action.CREATE),
        description="Create a participating agency. It has no access until recordMou.",
        graphql_type=Agency,
    )
    async def create_agency(self, info: ResolverInfo, input: CreateAgencyInput) -> gov.Agency:
        data = changes(input)
        if data.get("can_id") is not None:
            data["can_id"] = parse_id(data["can_id"], "canId")
        return await service.create_agency(caller=info.context.caller, data=data)

    @mutation(
        Requires(Resource.AGENCY, Action.UPDATE),
        description="Change an agency.",
        graphql_type=Agency,
    )
    async def update_agency(self, info: ResolverInfo, input: UpdateAgencyInput) -> gov.Agency:
        data = not_null(changes(input), "name", "coc_code", "victim_service_provider", "status")
        agency_id = parse_id(data.pop("id"), "id")
        if data.get("can_id") is not None:
            data["can_id"] = parse_id(data["can_id"], "canId")
        return await service.update_agency(
            caller=info.context.caller, agency_id=agency_id, changes=data
        )

    @mutation(
        Requires(Resource.AGENCY, Action.RECORD_MOU),
        description="Record the agency's signed MOU (policy 101).",
        graphql_type=Agency,
    )
    async def record_mou(self, info: ResolverInfo, input: RecordMouInput) -> gov.Agency:
        return await service.record_mou(
            caller=info.context.caller,
            agency_id=parse_id(input.agency_id, "agencyId"),
            signed_on=input.signed_on,
            signed_by=input.signed_by,
            access_levels=list(input.access_levels),
        )

    @mutation(
        Requires(Resource.CAN, Action.CREATE),
        description="Create a Coordinated Access Network.",
        graphql_type=CanType,
    )
    async def create_can(self, info: ResolverInfo, input: CreateCanInput) -> gov.Can:
        backbone = (
            parse_id(input.backbone_agency_id, "backboneAgencyId")
            if input.backbone_agency_id
            else None
        )
        return await service.create_can(
            caller=info.context.caller,
            name=input.name,
            coc_code=input.coc_code,
            backbone_agency_id=backbone,
        )

    @mutation(
        Requires(Resource.PROJECT, Action.CREATE),
        description="Create a HUD project for an agency.",
        graphql_type=Project,
    )
    async def create_project(self, info: ResolverInfo, input: CreateProjectInput) -> gov.Project:
        data = changes(input)
        agency_id = parse_id(data.pop("agency_id"), "agencyId")
        return await service.create_project(
            caller=info.context.caller, agency_id=agency_id, data=data
        )

    @mutation(
        Requires(Resource.PROJECT, Action.UPDATE),
        description="Change a project.",
        graphql_type=Project,
    )
    async def update_project(self, info: ResolverInfo, input: UpdateProjectInput) -> gov.Project:
        data = not_null(
            changes(input),
            "name",
            "project_type",
            "operating_start_date",
            "continuum_project",
            "coc_code",
        )
        project_id = parse_id(data.pop("id"), "id")
        return await service.update_project(
            caller=info.context.caller, project_id=project_id, changes=data
        )
