"""Continuums of Care, Coordinated Access Networks, participating agencies and projects."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import AgencyStatus
from models.hud import codes
from models.hud.elements import coded, element, number, updated_by

if TYPE_CHECKING:
    from models.users import User

__all__ = ["Agency", "Can", "ContinuumOfCare", "Project"]


class ContinuumOfCare(Model):
    """A HUD Continuum of Care (CT-503 Balance of State, CT-505 Opening Doors Fairfield County)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    code = fields.CharField(max_length=6, unique=True)
    name = fields.CharField(max_length=200)

    class Meta:
        table = "continuum_of_care"


class Can(Model):
    """A Coordinated Access Network: a region of a CoC with one backbone agency."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    name = fields.CharField(max_length=200, unique=True)
    coc: fields.ForeignKeyRelation[ContinuumOfCare] = fields.ForeignKeyField(
        "hearth.ContinuumOfCare", related_name="cans", on_delete=fields.RESTRICT
    )
    coc_id: uuid.UUID
    backbone_agency: fields.ForeignKeyNullableRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="backbone_of", null=True, on_delete=fields.SET_NULL
    )
    backbone_agency_id: uuid.UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "can"


class Agency(Model):
    """A participating agency (HUD Organization) and its MOU with the Lead Agency (policy 101)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    name = fields.CharField(max_length=200, unique=True)
    common_name = fields.CharField(max_length=200, null=True)
    victim_service_provider = fields.BooleanField(default=False)
    coc: fields.ForeignKeyRelation[ContinuumOfCare] = fields.ForeignKeyField(
        "hearth.ContinuumOfCare", related_name="agencies", on_delete=fields.RESTRICT
    )
    coc_id: uuid.UUID
    can: fields.ForeignKeyNullableRelation[Can] = fields.ForeignKeyField(
        "hearth.Can", related_name="agencies", null=True, on_delete=fields.SET_NULL
    )
    can_id: uuid.UUID | None
    executive_director_name = fields.CharField(max_length=200, null=True)
    executive_director_email = fields.CharField(max_length=254, null=True)
    status = fields.CharEnumField(AgencyStatus, default=AgencyStatus.ACTIVE, max_length=16)
    mou_signed_on = fields.DateField(null=True)
    mou_signed_by = fields.CharField(max_length=200, null=True)
    # Access levels (AccessLevel values) the MOU grants the agency's users.
    mou_access_levels: fields.JSONField[list[str]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    # HUD UserID of the Organization row: who recorded the agency, where known (an agency an
    # import created from a source's Organization row: that row's user); the export names the
    # exporting user otherwise.
    created_by_user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_user_id: uuid.UUID | None
    # The HUD CSV Organization an import created the agency from (its HMIS and OrganizationID):
    # a later export of the same source maps that organization here again (decision 141).
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "agency"
        unique_together = (("source_system", "source_id"),)


class Project(Model):
    """A HUD project run by an agency (HUD Project.csv fields)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="projects", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    name = element(fields.CharField(max_length=200), "2.02", "ProjectName")
    common_name = element(fields.CharField(max_length=200, null=True), "2.02", "ProjectCommonName")
    operating_start_date = element(fields.DateField(), "2.02", "OperatingStartDate")
    operating_end_date = element(fields.DateField(null=True), "2.02", "OperatingEndDate")
    continuum_project = element(fields.BooleanField(default=True), "2.02", "ContinuumProject")
    project_type = element(
        fields.SmallIntField(), "2.02", "ProjectType", codes=codes.hud_list("2.02.6")
    )
    housing_type = coded("2.02", "HousingType", "2.02.D")
    rrh_sub_type = coded(
        "2.02",
        "RRHSubType",
        "2.02.A",
        "only for rapid re-housing (type 13).",
        graphql_name="rrhSubType",
    )
    residential_affiliation = coded(
        "2.02", "ResidentialAffiliation", "1.10", "only for RRH services only (sub-type 1)."
    )
    target_population = coded("2.02", "TargetPopulation", "2.02.7")
    hopwa_med_assisted_living_fac = coded(
        "2.02", "HOPWAMedAssistedLivingFac", "2.02.8", graphql_name="hopwaMedAssistedLivingFac"
    )
    pit_count = number("2.02", "PITCount", graphql_name="pitCount")
    # The project's principal CoC (its enrollments' default); every CoC it operates in, with
    # its geography, is a ProjectCoc (decision 137).
    coc_code = fields.CharField(max_length=6)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    # HUD UserID: the last updater, else the author; None for a project recorded before
    # Hearth kept them (the export names the exporting user).
    created_by_user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_user_id: uuid.UUID | None
    updated_by_user: fields.ForeignKeyNullableRelation[User] = updated_by()
    updated_by_user_id: uuid.UUID | None

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "project"
        unique_together = (("agency", "name"), ("agency", "source_system", "source_id"))
