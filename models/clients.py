"""Clients (HUD Client.csv, universal data elements 3.01-3.07) and the consent to enter them."""

from __future__ import annotations

import itertools
import uuid
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models.enums import AnnotationKind, ConsentKind, ConsentRelationship, ReleaseCategory
from models.hud import codes
from models.hud.elements import coded, element, number, updated_by
from models.sealed import SealedCharField

if TYPE_CHECKING:
    from models.governance import Agency, Can
    from models.retention import RetentionPlan
    from models.users import User

__all__ = [
    "CanStaff",
    "Client",
    "ClientAnnotation",
    "ConsentToEnter",
    "ssn_columns",
    "ssn_valid",
]


_ID = ReleaseCategory.IDENTIFYING


def _race(column: str, **declared: Any) -> fields.SmallIntField:
    """A 3.04 race and ethnicity flag (0/1; HUD writes a blank as 0)."""
    return element(
        fields.SmallIntField(default=0),
        "3.04",
        column,
        codes=codes.NO_YES,
        category=_ID,
        csv_default=0,
        **declared,
    )


class Client(Model):
    """One person. Identifying fields are PII: served only through the masking layer."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    first_name = element(
        fields.CharField(max_length=50, null=True), "3.01", "FirstName", category=_ID
    )
    middle_name = element(
        fields.CharField(max_length=50, null=True), "3.01", "MiddleName", category=_ID
    )
    last_name = element(
        fields.CharField(max_length=50, null=True), "3.01", "LastName", category=_ID
    )
    name_suffix = element(
        fields.CharField(max_length=50, null=True), "3.01", "NameSuffix", category=_ID
    )
    name_data_quality = element(
        fields.SmallIntField(default=99),
        "3.01",
        "NameDataQuality",
        codes=codes.NAME_DATA_QUALITY,
        csv_default=99,
    )
    # Nine characters, digits or 'x' for unknown digits (HUD); sealed at rest (models.sealed).
    ssn = element(
        SealedCharField(max_length=9, null=True),
        "3.02",
        "SSN",
        "in full; nine digits, 'x' for each unknown one.",
        category=_ID,
        full_access_only=True,
    )
    # Kept for search and shown where the full SSN is not.
    ssn_last_four = element(
        fields.CharField(max_length=4, null=True, db_index=True),
        None,
        None,
        "The SSN's last four digits.",
        category=_ID,
        settable=False,
    )
    # The SSN's keyed hash (HMAC): finds a client by exact SSN without opening any.
    ssn_hash = fields.CharField(max_length=64, null=True, db_index=True)
    # Whether the SSN passes HUD's validity rules (``ssn_valid``), decided when it is written
    # (null: no SSN): the data quality report counts invalid SSNs in SQL without opening any.
    ssn_valid = fields.BooleanField(null=True)
    ssn_data_quality = element(
        fields.SmallIntField(default=99),
        "3.02",
        "SSNDataQuality",
        codes=codes.SSN_DATA_QUALITY,
        csv_default=99,
    )
    dob = element(fields.DateField(null=True), "3.03", "DOB", category=_ID)
    dob_data_quality = element(
        fields.SmallIntField(default=99),
        "3.03",
        "DOBDataQuality",
        codes=codes.DOB_DATA_QUALITY,
        csv_default=99,
    )
    am_ind_ak_native = _race("AmIndAKNative")
    asian = _race("Asian")
    black_af_american = _race("BlackAfAmerican")
    hispanic_latinao = _race("HispanicLatinao", fy2024="HispanicLatinaeo")
    mid_east_n_african = _race("MidEastNAfrican")
    native_hi_pacific = _race("NativeHIPacific")
    white = _race("White")
    race_none = element(
        fields.SmallIntField(null=True),
        "3.04",
        "RaceNone",
        "only when no race or ethnicity is marked.",
        codes=codes.RACE_NONE,
        category=_ID,
    )
    additional_race_ethnicity = element(
        fields.CharField(max_length=100, null=True), "3.04", "AdditionalRaceEthnicity", category=_ID
    )
    sex = element(fields.SmallIntField(null=True), "4.21", "Sex", codes=codes.SEX, category=_ID)
    veteran_status = element(
        fields.SmallIntField(default=99),
        "3.07",
        "VeteranStatus",
        codes=codes.YES_NO_REASONS,
        category=_ID,
        csv_default=99,
    )
    # V1 veteran's information: null for a non-veteran; identifying, as veteran status is
    year_entered_service = number("V1", "YearEnteredService", category=_ID)
    year_separated = number("V1", "YearSeparated", category=_ID)
    world_war_ii = coded("V1", "WorldWarII", "1.8", category=_ID, graphql_name="worldWarII")
    korean_war = coded("V1", "KoreanWar", "1.8", category=_ID)
    vietnam_war = coded("V1", "VietnamWar", "1.8", category=_ID)
    desert_storm = coded("V1", "DesertStorm", "1.8", category=_ID)
    afghanistan_oef = coded(
        "V1", "AfghanistanOEF", "1.8", category=_ID, graphql_name="afghanistanOEF"
    )
    iraq_oif = coded("V1", "IraqOIF", "1.8", category=_ID, graphql_name="iraqOIF")
    iraq_ond = coded("V1", "IraqOND", "1.8", category=_ID, graphql_name="iraqOND")
    other_theater = coded("V1", "OtherTheater", "1.8", category=_ID)
    military_branch = coded("V1", "MilitaryBranch", "V1.11", category=_ID)
    discharge_status = coded("V1", "DischargeStatus", "V1.12", category=_ID)
    phone = element(
        fields.CharField(max_length=20, null=True), None, None, "Phone (digits).", category=_ID
    )
    email = element(
        fields.CharField(max_length=254, null=True), None, None, "E-mail.", category=_ID
    )
    address_line1 = element(
        fields.CharField(max_length=200, null=True), None, None, "Address.", category=_ID
    )
    address_line2 = element(
        fields.CharField(max_length=200, null=True),
        None,
        None,
        "Address, second line.",
        category=_ID,
    )
    city = element(fields.CharField(max_length=100, null=True), None, None, "City.", category=_ID)
    state = element(
        fields.CharField(max_length=2, null=True), None, None, "State (two letters).", category=_ID
    )
    zip_code = element(
        fields.CharField(max_length=10, null=True), None, None, "ZIP code.", category=_ID
    )
    # Provenance: who created it, and under which CAN (policy 207 e)
    created_by_agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="clients_created", on_delete=fields.RESTRICT
    )
    created_by_agency_id: uuid.UUID
    created_under_can: fields.ForeignKeyNullableRelation[Can] = fields.ForeignKeyField(
        "hearth.Can", related_name="clients_created", null=True, on_delete=fields.SET_NULL
    )
    created_under_can_id: uuid.UUID | None
    created_by_user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="clients_created", on_delete=fields.RESTRICT
    )
    created_by_user_id: uuid.UUID
    updated_by_user: fields.ForeignKeyNullableRelation[User] = updated_by()
    updated_by_user_id: uuid.UUID | None
    version = fields.IntField(default=1)
    # The last change to the client or its records (policy 303's seven years start here).
    last_activity_at = fields.DatetimeField()
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    # When the retention run removed the client's identifiers (policy 303), and under which plan.
    deidentified_at = fields.DatetimeField(null=True)
    deidentified_by_plan: fields.ForeignKeyNullableRelation[RetentionPlan] = fields.ForeignKeyField(
        "hearth.RetentionPlan",
        related_name="deidentified_clients",
        null=True,
        on_delete=fields.RESTRICT,
    )
    deidentified_by_plan_id: uuid.UUID | None

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "client"
        unique_together = (("created_by_agency", "source_system", "source_id"),)


_INVALID_SSNS = frozenset({"078051120", "219099999"})  # the Woolworth wallet card, an ad's


def _sequence(digits: str, step: int) -> bool:
    return all((int(b) - int(a)) % 10 == step % 10 for a, b in itertools.pairwise(digits))


def ssn_valid(ssn: str | None) -> bool | None:
    """Whether an SSN passes HUD's validity rules (hud-data-standards.md section 3, Q6a: GR
    ``valid_social?``, DL ``sequential_ssn``); None for no SSN. Invalid: not nine digits (an
    'x' for an unknown digit included); area 000, 666 or 900 and above; group 00; serial 0000;
    all nine digits the same; an ascending or descending run (123456789, 987654321, 234567890);
    078051120 or 219099999."""
    if ssn is None:
        return None
    if len(ssn) != 9 or not ssn.isascii() or not ssn.isdigit():
        return False
    area, group, serial = ssn[:3], ssn[3:5], ssn[5:]
    return not (
        area in ("000", "666")
        or area >= "900"
        or group == "00"
        or serial == "0000"
        or len(set(ssn)) == 1
        or _sequence(ssn, 1)
        or _sequence(ssn, -1)
        or ssn in _INVALID_SSNS
    )


def ssn_columns(ssn: str | None) -> dict[str, Any]:
    """The columns an SSN (normalised) is stored in: itself, its last four digits (shown and
    searched where the full SSN is not), its lookup hash and whether it is valid (HUD's rules,
    for the data quality report). Every writer of clients uses it."""
    field: SealedCharField = Client._meta.fields_map["ssn"]  # type: ignore[assignment]  # declared above
    return {
        "ssn": ssn,
        "ssn_last_four": ssn[-4:] if ssn and ssn[-4:].isdigit() else None,
        "ssn_hash": field.lookup_hash(ssn) if ssn else None,
        "ssn_valid": ssn_valid(ssn),
    }


class ConsentToEnter(Model):
    """The client's consent for one agency to enter data into HMIS (policies 205, 207)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="consents", on_delete=fields.RESTRICT
    )
    client_id: uuid.UUID
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="consents", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    kind = fields.CharEnumField(ConsentKind, max_length=16)
    first_contact_by_phone = fields.BooleanField(default=False)
    taken_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="consents_taken", on_delete=fields.RESTRICT
    )
    taken_by_id: uuid.UUID
    taken_on = fields.DateField()
    evidence_reference = fields.CharField(max_length=200, null=True)
    source = fields.CharField(max_length=200, null=True)
    recorded_at = fields.DatetimeField()
    # For a second agency (the client was entered by another): its relationship with the client,
    # and the referral's reference when it is a referral (policy 207; decision 99).
    relationship = fields.CharEnumField(ConsentRelationship, max_length=16, null=True)
    referral_reference = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "consent_to_enter"
        unique_together = (("client", "agency"),)


class ClientAnnotation(Model):
    """A correction request answered by marking, not deleting (policy 207 f)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="annotations", on_delete=fields.RESTRICT
    )
    client_id: uuid.UUID
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="annotations", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    field = fields.CharField(max_length=64)
    kind = fields.CharEnumField(AnnotationKind, max_length=16)
    note = fields.TextField()
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="annotations", on_delete=fields.RESTRICT
    )
    created_by_id: uuid.UUID
    created_at = fields.DatetimeField()

    class Meta:
        table = "client_annotation"


class CanStaff(Model):
    """A user of a CAN's backbone agency who sees the records created under that CAN (207 e)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="can_staff", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    can: fields.ForeignKeyRelation[Can] = fields.ForeignKeyField(
        "hearth.Can", related_name="staff", on_delete=fields.CASCADE
    )
    can_id: uuid.UUID
    assigned_at = fields.DatetimeField()

    class Meta:
        table = "can_staff"
        unique_together = (("user", "can"),)
