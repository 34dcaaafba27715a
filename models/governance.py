"""Continuums of Care, Coordinated Access Networks, participating agencies and projects."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.enums import AgencyStatus

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
    name = fields.CharField(max_length=200)
    common_name = fields.CharField(max_length=200, null=True)
    # HUD 2.02.6 ProjectType code (0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14)
    project_type = fields.SmallIntField()
    operating_start_date = fields.DateField()
    operating_end_date = fields.DateField(null=True)
    continuum_project = fields.BooleanField(default=True)
    housing_type = fields.SmallIntField(null=True)
    target_population = fields.SmallIntField(null=True)
    coc_code = fields.CharField(max_length=6)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "project"
        unique_together = (("agency", "name"), ("agency", "source_system", "source_id"))
