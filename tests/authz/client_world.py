"""A small world of client data for the visibility, masking and search tests, built straight
through the models (the mutations that build it are proved in tests/schema/test_client_scenario.py).

Two CANs. CAN North: agencies A and C, backbone agency K. CAN South: agency B.
Client Rosa is created by A under CAN North and held by A (consent to enter data). A recorded
for her one enrollment with a service and an income record, a physical disability (type 5), a
substance use disorder (type 10, 42 CFR Part 2), a health and DV record, and a case note.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest.mock import patch

from authz.enforcer import notify_change
from models.case_notes import CaseNote
from models.clients import CanStaff, Client, ConsentToEnter
from models.enrollments import Disability, Enrollment, HealthAndDv, IncomeBenefits, Service
from models.enums import AccessLevel, ConsentKind, Duty, ReleaseCategory, ReleaseScope, SystemRole
from models.governance import Agency, Can, ContinuumOfCare, Project
from models.releases import Release, ReleaseRecipient
from models.users import User
from schema.hud_enums import list_enum
from services.passwords import hash_password
from tests import factories
from tests.factories import make_agency, make_user

DISABILITY_TYPE = list_enum("1.3")

__all__ = [
    "DISABILITY_TYPE",
    "IDENTIFYING_FIELDS",
    "ROSA",
    "ROSA_HEALTH",
    "TODAY",
    "World",
    "add_client",
    "add_enrollment",
    "build_world",
    "make_role_user",
    "release",
]

TODAY = date(2026, 3, 2)  # the frozen clock's date in America/New_York
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
_seq = itertools.count(1)

# Rosa's identifying data as the API shows it, by GraphQL field name.
ROSA: dict[str, Any] = {
    "firstName": "Rosa",
    "middleName": "Louise",
    "lastName": "Parks",
    "nameSuffix": "Sr",
    "dob": "1980-02-04",
    "amIndAkNative": "NO",
    "asian": "NO",
    "blackAfAmerican": "YES",
    "hispanicLatinao": "NO",
    "midEastNAfrican": "NO",
    "nativeHiPacific": "NO",
    "white": "NO",
    "raceNone": None,
    "additionalRaceEthnicity": "Alabaman",
    "sex": "FEMALE",
    "veteranStatus": "NO",
    "phone": "8605550123",
    "email": "rosa@example.org",
    "addressLine1": "1 Main St",
    "addressLine2": "Apt 2",
    "city": "Hartford",
    "state": "CT",
    "zipCode": "06103",
}
# Every identifying field the Client type has (raceNone is null for Rosa: she has a flag set).
IDENTIFYING_FIELDS = tuple(ROSA)
ROSA_SSN = "123456789"
ROSA_HEALTH = {
    "domesticViolenceSurvivor": "YES",
    "whenOccurred": "THREE_TO_SIX_MONTHS_AGO",
    "currentlyFleeing": "NO",
    "generalHealthStatus": "GOOD",
    "dentalHealthStatus": "VERY_GOOD",
    "mentalHealthStatus": "FAIR",
    "pregnancyStatus": "NO",
    "dueDate": None,
}
DV_FIELDS = ("domesticViolenceSurvivor", "whenOccurred", "currentlyFleeing")
HEALTH_FIELDS = (
    "generalHealthStatus",
    "dentalHealthStatus",
    "mentalHealthStatus",
    "pregnancyStatus",
    "dueDate",
)

_MODEL_VALUES = {
    "first_name": "Rosa",
    "middle_name": "Louise",
    "last_name": "Parks",
    "name_suffix": "Sr",
    "name_data_quality": 1,
    "ssn": ROSA_SSN,
    "ssn_last_four": ROSA_SSN[-4:],
    "ssn_data_quality": 1,
    "dob": date(1980, 2, 4),
    "dob_data_quality": 1,
    "black_af_american": 1,
    "additional_race_ethnicity": "Alabaman",
    "sex": 0,
    "veteran_status": 0,
    "phone": "8605550123",
    "email": "rosa@example.org",
    "address_line1": "1 Main St",
    "address_line2": "Apt 2",
    "city": "Hartford",
    "state": "CT",
    "zip_code": "06103",
}


@dataclass
class World:
    a: Agency
    b: Agency
    c: Agency
    k: Agency
    north: Can
    south: Can
    project_a: Project
    project_b: Project
    writer_a: User
    writer_b: User
    rosa: Client
    rosa_enrollment: Enrollment
    rosa_note: CaseNote
    extra: dict[str, Any] = field(default_factory=dict)


async def _writer(agency: Agency) -> User:
    """A user who wrote records and never signs in (no password: cheap to make)."""
    n = next(_seq)
    return await User.create(
        username=f"writer{n}",
        email=f"writer{n}@example.org",
        email_normalized=f"writer{n}@example.org",
    )


async def add_client(
    world_or_agency: World | Agency,
    writer: User | None = None,
    *,
    holders: tuple[Agency, ...] = (),
    **values: Any,
) -> Client:
    """A client created by an agency (under its CAN), with that agency's consent and any others'."""
    agency = world_or_agency.a if isinstance(world_or_agency, World) else world_or_agency
    if writer is None:
        writer = (
            world_or_agency.writer_a
            if isinstance(world_or_agency, World)
            else await _writer(agency)
        )
    fields_ = {"name_data_quality": 1, "ssn_data_quality": 1, "dob_data_quality": 1, **values}
    if fields_.get("ssn") and "ssn_last_four" not in fields_:
        tail = fields_["ssn"][-4:]
        fields_["ssn_last_four"] = tail if tail.isdigit() else None
    client = await Client.create(
        **fields_,
        created_by_agency=agency,
        created_under_can_id=agency.can_id,  # type: ignore[attr-defined]
        created_by_user=writer,
        created_at=NOW,
        updated_at=NOW,
        last_activity_at=NOW,
    )
    for holder in (agency, *holders):
        await ConsentToEnter.create(
            client=client,
            agency=holder,
            kind=ConsentKind.WRITTEN,
            taken_by=writer,
            taken_on=TODAY,
            recorded_at=NOW,
        )
    return client


async def add_enrollment(
    client: Client,
    project: Project,
    writer: User,
    *,
    disabilities: tuple[int, ...] = (5, 10),
    note: str | None = None,
) -> Enrollment:
    """An enrollment with a service, an income record, disabilities, health and DV, and a note."""
    enrollment = await Enrollment.create(
        client=client,
        project=project,
        agency_id=project.agency_id,  # type: ignore[attr-defined]
        entry_date=TODAY - timedelta(days=10),
        household_id=f"h{next(_seq)}",
        relationship_to_hoh=1,
        created_by_user=writer,
        created_at=NOW,
        updated_at=NOW,
    )
    await Service.create(
        enrollment=enrollment,
        date_provided=TODAY - timedelta(days=5),
        record_type=200,
        type_provided=200,
        created_by_user=writer,
        created_at=NOW,
    )
    await IncomeBenefits.create(
        enrollment=enrollment,
        information_date=enrollment.entry_date,
        data_collection_stage=1,
        income_from_any_source=1,
        total_monthly_income=Decimal("900.00"),
        ssi=1,
        ssi_amount=Decimal("900.00"),
        created_by_user=writer,
        created_at=NOW,
    )
    for kind in disabilities:
        await Disability.create(
            enrollment=enrollment,
            information_date=enrollment.entry_date,
            data_collection_stage=1,
            disability_type=kind,
            disability_response=1,
            indefinite_and_impairs=1,
            created_by_user=writer,
            created_at=NOW,
        )
    await HealthAndDv.create(
        enrollment=enrollment,
        information_date=enrollment.entry_date,
        data_collection_stage=1,
        domestic_violence_survivor=1,
        when_occurred=2,
        currently_fleeing=0,
        general_health_status=3,
        dental_health_status=2,
        mental_health_status=4,
        pregnancy_status=0,
        created_by_user=writer,
        created_at=NOW,
    )
    if note is not None:
        await CaseNote.create(
            client=client,
            agency_id=project.agency_id,
            enrollment=enrollment,
            author=writer,  # type: ignore[attr-defined]
            created_at=NOW,
            text=note,
        )
    return enrollment


async def build_world() -> World:
    coc = await ContinuumOfCare.get(code="CT-503")
    north = await Can.create(name=f"CAN North {next(_seq)}", coc=coc)
    south = await Can.create(name=f"CAN South {next(_seq)}", coc=coc)
    a = await make_agency("Agency A", can=north)
    b = await make_agency("Agency B", can=south)
    c = await make_agency("Agency C", can=north)
    k = await make_agency("Agency K (North backbone)", can=north)
    north.backbone_agency = k  # type: ignore[assignment]
    await north.save()
    project_a = await Project.create(
        agency=a,
        name="A Shelter",
        project_type=0,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )
    project_b = await Project.create(
        agency=b,
        name="B Outreach",
        project_type=4,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )
    writer_a, writer_b = await _writer(a), await _writer(b)
    rosa = await add_client(a, writer_a, **_MODEL_VALUES)
    enrollment = await add_enrollment(rosa, project_a, writer_a, note="Met at intake.")
    note = await CaseNote.get(client=rosa)
    return World(
        a=a,
        b=b,
        c=c,
        k=k,
        north=north,
        south=south,
        project_a=project_a,
        project_b=project_b,
        writer_a=writer_a,
        writer_b=writer_b,
        rosa=rosa,
        rosa_enrollment=enrollment,
        rosa_note=note,
    )


async def release(
    world: World,
    *,
    scope: ReleaseScope = ReleaseScope.AGENCIES,
    to: tuple[Agency, ...] = (),
    can: Can | None = None,
    categories: tuple[ReleaseCategory, ...] = (
        ReleaseCategory.IDENTIFYING,
        ReleaseCategory.ENROLLMENT_AND_SERVICES,
    ),
    starts: int = -30,
    expires: int = 30,
    revoked: bool = False,
    client: Client | None = None,
    by: Agency | None = None,
) -> Release:
    """A release recorded by ``by`` (default A) for ``client`` (default Rosa); ``starts`` and
    ``expires`` are days from today."""
    row = await Release.create(
        client=client or world.rosa,
        releasing_agency=by or world.a,
        scope=scope,
        scope_can=can,
        categories=sorted(c.value for c in categories),
        starts_on=TODAY + timedelta(days=starts),
        expires_on=TODAY + timedelta(days=expires),
        kind=ConsentKind.WRITTEN,
        recorded_by=world.writer_a if (by or world.a) == world.a else world.writer_b,
        recorded_at=NOW - timedelta(days=40),
        revoked_at=NOW - timedelta(hours=1) if revoked else None,
        revoked_by=world.writer_a if revoked else None,
        revocation_reason="client asked" if revoked else None,
    )
    for agency in to:
        await ReleaseRecipient.create(release=row, agency=agency)
    return row


_HASHES: dict[str, str] = {}


def _hash_once(password: str) -> str:
    """argon2 once per password per session: these tests are about what users see, not hashing
    (sign-in still verifies the password for real)."""
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


async def make_role_user(world: World, role: str) -> User:
    with patch.object(factories, "hash_password", _hash_once):
        return await _make_role_user(world, role)


async def _make_role_user(world: World, role: str) -> User:
    """The user a matrix row names.

    FULL@A, VIEW_ONLY@A, REPORTING_ONLY@A (and @B): that access level at that agency.
    HDC@A, HDC@B: the HMIS Data Coordinator duty (with the FULL membership the factory gives).
    HDC+REPORTING_ONLY@A: the duty on a reporting-only membership.
    CAN_STAFF: a VIEW_ONLY user of K assigned as CAN North backbone staff.
    CAN_STAFF+FULL: a FULL user of K assigned as CAN North backbone staff.
    CAN_STAFF+REPORTING_ONLY: a REPORTING_ONLY user of K assigned as CAN North backbone staff.
    BACKBONE_NOT_STAFF: a FULL user of K who is not backbone staff.
    SYSADMIN: System Administrator with no membership. SECURITY_OFFICER: Security Officer.
    """
    agencies = {"A": world.a, "B": world.b, "C": world.c, "K": world.k}
    if role in ("SYSADMIN", "SECURITY_OFFICER"):
        system = (
            SystemRole.SYSTEM_ADMINISTRATOR if role == "SYSADMIN" else SystemRole.SECURITY_OFFICER
        )
        return await make_user(roles=(system,))
    if role in ("HDC@A", "HDC@B"):
        return await make_user(duties={agencies[role[-1]]: Duty.HMIS_DATA_COORDINATOR})
    if role == "HDC+REPORTING_ONLY@A":
        return await make_user(
            agencies={world.a: AccessLevel.REPORTING_ONLY},
            duties={world.a: Duty.HMIS_DATA_COORDINATOR},
        )
    if role in ("CAN_STAFF", "CAN_STAFF+FULL", "CAN_STAFF+REPORTING_ONLY", "BACKBONE_NOT_STAFF"):
        level = {
            "CAN_STAFF": AccessLevel.VIEW_ONLY,
            "CAN_STAFF+REPORTING_ONLY": AccessLevel.REPORTING_ONLY,
        }.get(role, AccessLevel.FULL)
        user = await make_user(agencies={world.k: level})
        if role != "BACKBONE_NOT_STAFF":
            await CanStaff.create(user=user, can=world.north, assigned_at=NOW)
            await notify_change()
        return user
    level, _, where = role.partition("@")
    return await make_user(agencies={agencies[where]: AccessLevel(level)})


# --- What a caller sees of Rosa, summarised so a table row can state it -------------------------

CLIENT_FIELDS = """
fragment ClientSeen on Client {
  id firstName middleName lastName nameSuffix nameDataQuality ssn ssnLastFour ssnDataQuality
  dob dobDataQuality amIndAkNative asian blackAfAmerican hispanicLatinao midEastNAfrican
  nativeHiPacific white raceNone additionalRaceEthnicity sex veteranStatus phone email
  addressLine1 addressLine2 city state zipCode version
  access {
    canViewIdentifying canViewSsn canViewSsnLastFour canEdit holdsConsent viaRelease
    viaCanBackbone sharedCategories
  }
  enrollments {
    id
    services { id } incomeBenefits { id totalMonthlyIncome }
    disabilities { disabilityType }
    healthAndDv {
      domesticViolenceSurvivor whenOccurred currentlyFleeing generalHealthStatus
      dentalHealthStatus mentalHealthStatus pregnancyStatus dueDate
    }
  }
  caseNotes { id text agency { name } }
}"""

FULL_SSN, LAST_FOUR, NO_SSN = "full ssn", "ssnLastFour only", "no ssn"
NOT_FOUND, FORBIDDEN = "NOT_FOUND", "FORBIDDEN"


@dataclass(frozen=True)
class Seen:
    """What a caller sees of Rosa.

    identifying: every identifying field (names, DOB, race, sex, veteran status, contact, address)
      has its value; False: every one is null. ssn: FULL_SSN (ssn and ssnLastFour), LAST_FOUR
      (ssn null), NO_SSN (both null). enrollment: A's enrollment is listed, with its service and
      income record. disabilities: the disability types listed. dv / health: the healthAndDv
      record's DV group / health group is unmasked (the record is listed whenever the enrollment
      is). note: A's case note is listed, with its text. The rest is ``access { ... }``.
    """

    identifying: bool
    ssn: str
    enrollment: bool = False
    disabilities: tuple[int, ...] = ()
    dv: bool = False
    health: bool = False
    note: bool = False
    can_edit: bool = False
    holds_consent: bool = False
    via_release: bool = False
    via_backbone: bool = False
    shared: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "shared", tuple(sorted(self.shared)))


def _all_or_none(values: dict[str, Any], expected: dict[str, Any], what: str) -> bool:
    """True when every field has its stored value, False when every one is null; else fails."""
    if all(values[k] == expected[k] for k in expected):
        return any(v is not None for v in expected.values())
    leaked = {k: values[k] for k in expected if values[k] is not None}
    assert not leaked, f"{what} partly masked: {leaked}"
    return False


def observe(client: dict[str, Any], world: World) -> Seen:
    """Summarise a ``ClientSeen`` result, failing on anything inconsistent (half-masked groups,
    unknown rows, access flags that disagree with the fields)."""
    assert client["id"] == str(world.rosa.id)
    # never masked: data quality and the version
    assert (client["nameDataQuality"], client["ssnDataQuality"], client["dobDataQuality"]) == (
        "FULL_NAME_REPORTED",
        "FULL_SSN_REPORTED",
        "FULL_DOB_REPORTED",
    )
    assert client["version"] == 1
    identifying = _all_or_none({k: client[k] for k in IDENTIFYING_FIELDS}, ROSA, "identifying data")
    if client["ssn"] is not None:
        assert (client["ssn"], client["ssnLastFour"]) == (ROSA_SSN, ROSA_SSN[-4:])
        ssn = FULL_SSN
    elif client["ssnLastFour"] is not None:
        assert client["ssnLastFour"] == ROSA_SSN[-4:]
        ssn = LAST_FOUR
    else:
        ssn = NO_SSN
    access = client["access"]
    assert access["canViewIdentifying"] == identifying
    assert access["canViewSsn"] == (ssn == FULL_SSN)
    assert access["canViewSsnLastFour"] == (ssn != NO_SSN)

    enrollments = client["enrollments"]
    assert [e["id"] for e in enrollments] in ([], [str(world.rosa_enrollment.id)]), enrollments
    disabilities: tuple[int, ...] = ()
    dv = health = False
    for e in enrollments:
        assert len(e["services"]) == 1
        assert [i["totalMonthlyIncome"] for i in e["incomeBenefits"]] == ["900.00"]
        # as HUD codes: the worlds' expectations name them by number (10: substance use)
        disabilities = tuple(
            sorted(DISABILITY_TYPE[d["disabilityType"]].value for d in e["disabilities"])
        )
        assert len(e["healthAndDv"]) == 1
        row = e["healthAndDv"][0]
        dv = _all_or_none(
            {k: row[k] for k in DV_FIELDS}, {k: ROSA_HEALTH[k] for k in DV_FIELDS}, "DV group"
        )
        health = _all_or_none(
            {k: row[k] for k in HEALTH_FIELDS},
            {k: ROSA_HEALTH[k] for k in HEALTH_FIELDS},
            "health group",
        )
    notes = client["caseNotes"]
    assert [(n["id"], n["text"]) for n in notes] in (
        [],
        [(str(world.rosa_note.id), "Met at intake.")],
    ), notes
    return Seen(
        identifying=identifying,
        ssn=ssn,
        enrollment=bool(enrollments),
        disabilities=disabilities,
        dv=dv,
        health=health,
        note=bool(notes),
        can_edit=access["canEdit"],
        holds_consent=access["holdsConsent"],
        via_release=access["viaRelease"],
        via_backbone=access["viaCanBackbone"],
        shared=tuple(access["sharedCategories"]),
    )
