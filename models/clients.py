"""Clients (HUD Client.csv, universal data elements 3.01-3.07) and the consent to enter them."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from models.enums import AnnotationKind, ConsentKind

__all__ = ["CanStaff", "Client", "ClientAnnotation", "ConsentToEnter"]


class Client(Model):
    """One person. Identifying fields are PII: served only through the masking layer."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    # 3.01 Name
    first_name = fields.CharField(max_length=50, null=True)
    middle_name = fields.CharField(max_length=50, null=True)
    last_name = fields.CharField(max_length=50, null=True)
    name_suffix = fields.CharField(max_length=50, null=True)
    name_data_quality = fields.SmallIntField(default=99)
    # 3.02 SSN: nine characters, digits or 'x' for unknown digits (HUD); last four kept for search
    ssn = fields.CharField(max_length=9, null=True)
    ssn_last_four = fields.CharField(max_length=4, null=True, db_index=True)
    ssn_data_quality = fields.SmallIntField(default=99)
    # 3.03 DOB
    dob = fields.DateField(null=True)
    dob_data_quality = fields.SmallIntField(default=99)
    # 3.04 Race and ethnicity (0/1 flags), RaceNone, AdditionalRaceEthnicity
    am_ind_ak_native = fields.SmallIntField(default=0)
    asian = fields.SmallIntField(default=0)
    black_af_american = fields.SmallIntField(default=0)
    hispanic_latinao = fields.SmallIntField(default=0)
    mid_east_n_african = fields.SmallIntField(default=0)
    native_hi_pacific = fields.SmallIntField(default=0)
    white = fields.SmallIntField(default=0)
    race_none = fields.SmallIntField(null=True)
    additional_race_ethnicity = fields.CharField(max_length=100, null=True)
    # 4.21 Sex, 3.07 Veteran status
    sex = fields.SmallIntField(null=True)
    veteran_status = fields.SmallIntField(default=99)
    # Contact and address (PII)
    phone = fields.CharField(max_length=20, null=True)
    email = fields.CharField(max_length=254, null=True)
    address_line1 = fields.CharField(max_length=200, null=True)
    address_line2 = fields.CharField(max_length=200, null=True)
    city = fields.CharField(max_length=100, null=True)
    state = fields.CharField(max_length=2, null=True)
    zip_code = fields.CharField(max_length=10, null=True)
    # Provenance: who created it, and under which CAN (policy 207 e)
    created_by_agency = fields.ForeignKeyField(
        "hearth.Agency", related_name="clients_created", on_delete=fields.RESTRICT
    )
    created_under_can = fields.ForeignKeyField(
        "hearth.Can", related_name="clients_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_user = fields.ForeignKeyField(
        "hearth.User", related_name="clients_created", on_delete=fields.RESTRICT
    )
    version = fields.IntField(default=1)
    # The last change to the client or its records (policy 303's seven years start here).
    last_activity_at = fields.DatetimeField()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "client"
        unique_together = (("created_by_agency", "source_system", "source_id"),)


class ConsentToEnter(Model):
    """The client's consent for one agency to enter data into HMIS (policies 205, 207)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="consents", on_delete=fields.RESTRICT
    )
    agency = fields.ForeignKeyField(
        "hearth.Agency", related_name="consents", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(ConsentKind, max_length=16)
    first_contact_by_phone = fields.BooleanField(default=False)
    taken_by = fields.ForeignKeyField(
        "hearth.User", related_name="consents_taken", on_delete=fields.RESTRICT
    )
    taken_on = fields.DateField()
    evidence_reference = fields.CharField(max_length=200, null=True)
    source = fields.CharField(max_length=200, null=True)
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "consent_to_enter"
        unique_together = (("client", "agency"),)


class ClientAnnotation(Model):
    """A correction request answered by marking, not deleting (policy 207 f)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="annotations", on_delete=fields.RESTRICT
    )
    agency = fields.ForeignKeyField(
        "hearth.Agency", related_name="annotations", on_delete=fields.RESTRICT
    )
    field = fields.CharField(max_length=64)
    kind = fields.CharEnumField(AnnotationKind, max_length=16)
    note = fields.TextField()
    created_by = fields.ForeignKeyField(
        "hearth.User", related_name="annotations", on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "client_annotation"


class CanStaff(Model):
    """A user of a CAN's backbone agency who sees the records created under that CAN (207 e)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user = fields.ForeignKeyField("hearth.User", related_name="can_staff", on_delete=fields.CASCADE)
    can = fields.ForeignKeyField("hearth.Can", related_name="staff", on_delete=fields.CASCADE)
    assigned_at = fields.DatetimeField()

    class Meta:
        table = "can_staff"
        unique_together = (("user", "can"),)
