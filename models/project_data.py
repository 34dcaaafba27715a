"""A project's HUD records beyond Project.csv: its CoCs and sites, funders, bed and unit
inventory, residential affiliations, HMIS and coordinated entry participation (HUD ProjectCoC,
Funder, Inventory, Affiliation, HMISParticipation and CEParticipation). Agency and project
data the agency's HMIS Data Coordinator keeps current (policy 107), not client data: declared
in the element registry for their HUD CSV columns and validation, with no masking category."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from tortoise import fields

from models.hud import codes
from models.hud.elements import coded, day, element, text
from models.provenance import Provenance

if TYPE_CHECKING:
    from models.governance import Project

__all__ = [
    "Affiliation",
    "CeParticipation",
    "Funder",
    "HmisParticipation",
    "Inventory",
    "ProjectCoc",
]


def _project(related: str) -> fields.ForeignKeyRelation[Project]:
    return fields.ForeignKeyField("hearth.Project", related_name=related, on_delete=fields.RESTRICT)


def _count(column: str, required: bool = False) -> Any:
    return element(fields.IntField() if required else fields.IntField(null=True), "2.07", column)


def _coc(required: bool) -> Any:
    return element(
        fields.CharField(max_length=6) if required else fields.CharField(max_length=6, null=True),
        "2.03",
        "CoCCode",
        "a HUD CoC code.",
        codes=codes.COC,
        graphql_name="cocCode",
    )


class ProjectCoc(Provenance):
    """One CoC a project operates in, with its site's geography (2.03). A project has one or
    more; ``Project.coc_code`` is its principal one (decision 137)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    project: fields.ForeignKeyRelation[Project] = _project("cocs")
    project_id: uuid.UUID
    coc_code = _coc(required=True)
    geocode = element(fields.CharField(max_length=6, null=True), "2.03", "Geocode")
    address1 = text("2.03", "Address1", 100)
    address2 = text("2.03", "Address2", 100)
    city = text("2.03", "City", 50)
    state = text("2.03", "State", 2)
    zip = text("2.03", "ZIP", 5, graphql_name="zip")
    geography_type = coded("2.03", "GeographyType", "2.03.4")

    class Meta:
        table = "project_coc"
        unique_together = (("project", "source_system", "source_id"),)


class Funder(Provenance):
    """A source of the project's funding and its grant (2.06)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    project: fields.ForeignKeyRelation[Project] = _project("funders")
    project_id: uuid.UUID
    funder = element(fields.SmallIntField(), "2.06", "Funder", codes=codes.hud_list("2.06.1"))
    other_funder = text("2.06", "OtherFunder", 100)
    grant_id = text("2.06", "GrantID", 100, graphql_name="grantId")
    start_date = element(fields.DateField(), "2.06", "StartDate")
    end_date = day("2.06", "EndDate", "not before the start date.")

    class Meta:
        table = "funder"
        unique_together = (("project", "source_system", "source_id"),)


class Inventory(Provenance):
    """Beds and units of a project for one household type, over a period (2.07)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    project: fields.ForeignKeyRelation[Project] = _project("inventories")
    project_id: uuid.UUID
    coc_code = _coc(required=False)
    household_type = element(
        fields.SmallIntField(), "2.07", "HouseholdType", codes=codes.hud_list("2.07.4")
    )
    availability = coded("2.07", "Availability", "2.07.6")
    unit_inventory = _count("UnitInventory", required=True)
    bed_inventory = _count("BedInventory", required=True)
    ch_vet_bed_inventory = _count("CHVetBedInventory")
    youth_vet_bed_inventory = _count("YouthVetBedInventory")
    vet_bed_inventory = _count("VetBedInventory")
    ch_youth_bed_inventory = _count("CHYouthBedInventory")
    youth_bed_inventory = _count("YouthBedInventory")
    ch_bed_inventory = _count("CHBedInventory")
    other_bed_inventory = _count("OtherBedInventory")
    es_bed_type = coded("2.07", "ESBedType", "2.07.5")
    inventory_start_date = element(fields.DateField(), "2.07", "InventoryStartDate")
    inventory_end_date = day("2.07", "InventoryEndDate", "not before the start date.")

    class Meta:
        table = "inventory"
        unique_together = (("project", "source_system", "source_id"),)


class Affiliation(Provenance):
    """A residential project a services-only project is affiliated with (2.09)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    project: fields.ForeignKeyRelation[Project] = _project("affiliations")
    project_id: uuid.UUID
    # HUD's ResProjectID: a project of this HMIS
    res_project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "hearth.Project", related_name="affiliated_with", on_delete=fields.RESTRICT
    )
    res_project_id: uuid.UUID

    class Meta:
        table = "affiliation"
        unique_together = (("project", "source_system", "source_id"),)


class HmisParticipation(Provenance):
    """Whether the project takes part in HMIS (or a comparable database) over a period (2.08)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    project: fields.ForeignKeyRelation[Project] = _project("hmis_participations")
    project_id: uuid.UUID
    hmis_participation_type = element(
        fields.SmallIntField(),
        "2.08",
        "HMISParticipationType",
        codes=codes.hud_list("2.08.1"),
        graphql_name="hmisParticipationType",
    )
    hmis_participation_status_start_date = element(
        fields.DateField(),
        "2.08",
        "HMISParticipationStatusStartDate",
        graphql_name="hmisParticipationStatusStartDate",
    )
    hmis_participation_status_end_date = day(
        "2.08",
        "HMISParticipationStatusEndDate",
        graphql_name="hmisParticipationStatusEndDate",
    )

    class Meta:
        table = "hmis_participation"
        unique_together = (("project", "source_system", "source_id"),)


def _role(column: str, required: bool = False) -> Any:
    field = fields.SmallIntField() if required else fields.SmallIntField(null=True)
    return element(field, "2.09", column, codes=codes.NO_YES)


class CeParticipation(Provenance):
    """The project's part in coordinated entry over a period (2.09)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    project: fields.ForeignKeyRelation[Project] = _project("ce_participations")
    project_id: uuid.UUID
    access_point = _role("AccessPoint", required=True)
    prevention_assessment = _role("PreventionAssessment")
    crisis_assessment = _role("CrisisAssessment")
    housing_assessment = _role("HousingAssessment")
    direct_services = _role("DirectServices")
    receives_referrals = _role("ReceivesReferrals", required=True)
    ce_participation_status_start_date = element(
        fields.DateField(),
        "2.09",
        "CEParticipationStatusStartDate",
        graphql_name="ceParticipationStatusStartDate",
    )
    ce_participation_status_end_date = day(
        "2.09", "CEParticipationStatusEndDate", graphql_name="ceParticipationStatusEndDate"
    )

    class Meta:
        table = "ce_participation"
        unique_together = (("project", "source_system", "source_id"),)
