"""Visibility: for each role and access level, across two agencies, with and without releases
of information, exactly what is seen of a client and what is masked.

The world (tests/authz/client_world.py): CAN North holds agencies A, C and the backbone agency K;
CAN South holds agency B. Client Rosa was created by A under CAN North; A holds her consent and
recorded an enrollment (a service, an income record, disabilities of type 5 and type 10, a health
and DV record) and a case note. Releases below are recorded by A for Rosa. Today is 2026-03-02.

Each row reads: the caller, the release in force (or not), and what `client(id)` answers -
NOT_FOUND, FORBIDDEN, or a ``Seen`` (see its docstring) stating which fields are null, ssn vs
ssnLastFour, which child records are listed and the ``access { ... }`` booleans and
sharedCategories. `clients(search: {hmisId})` must agree with it row by row.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from authz.enforcer import notify_change
from models.clients import CanStaff
from models.enums import ReleaseCategory, ReleaseScope
from models.governance import Project
from tests.authz.client_world import (
    CLIENT_FIELDS,
    DISABILITY_TYPE,
    FORBIDDEN,
    FULL_SSN,
    LAST_FOUR,
    NO_SSN,
    NOT_FOUND,
    NOW,
    TODAY,
    Seen,
    World,
    add_client,
    add_enrollment,
    build_world,
    make_role_user,
    observe,
    release,
)
from tests.factories import Api

READ_CLIENT = (
    CLIENT_FIELDS
    + """
query($id: ID!) { client(id: $id) { ...ClientSeen } }"""
)
FIND_BY_HMIS_ID = (
    CLIENT_FIELDS
    + """
query($id: ID!) { clients(search: {hmisId: $id}) { totalCount nodes { ...ClientSeen } } }"""
)

IDENT = ReleaseCategory.IDENTIFYING
E = ReleaseCategory.ENROLLMENT_AND_SERVICES
H = ReleaseCategory.HEALTH
SU = ReleaseCategory.SUBSTANCE_USE
DV = ReleaseCategory.DOMESTIC_VIOLENCE
CN = ReleaseCategory.CASE_NOTES
ALL = (IDENT, E, H, SU, DV, CN)
# What backbone staff see with no release (decision 98).
BACKBONE_SHARED = ("ENROLLMENT_AND_SERVICES", "HEALTH", "IDENTIFYING")

# Releases recorded by A for Rosa. Dates are days from today; default categories IDENTIFYING +
# ENROLLMENT_AND_SERVICES, in force from 30 days ago to 30 days ahead.
RELEASES: dict[str, dict[str, Any] | None] = {
    "none": None,
    "AGENCIES(B) in force": {"to": "B"},
    "AGENCIES(C) in force": {"to": "C"},
    "AGENCIES(K) in force": {"to": "K"},
    "CAN(South: B's CAN) in force": {"scope": ReleaseScope.CAN, "can": "south"},
    "CAN(North: A's CAN) in force": {"scope": ReleaseScope.CAN, "can": "north"},
    "STATEWIDE in force": {"scope": ReleaseScope.STATEWIDE},
    "AGENCIES(B) expired yesterday": {"to": "B", "expires": -1},
    "AGENCIES(B) expires today": {"to": "B", "expires": 0},
    "AGENCIES(B) starts tomorrow": {"to": "B", "starts": 1},
    "AGENCIES(B) starts today": {"to": "B", "starts": 0},
    "AGENCIES(B) revoked": {"to": "B", "revoked": True},
    "AGENCIES(B) [ENROLLMENT_AND_SERVICES] only": {"to": "B", "categories": (E,)},
    "AGENCIES(B) [IDENTIFYING] only": {"to": "B", "categories": (IDENT,)},
    "AGENCIES(B) [+HEALTH]": {"to": "B", "categories": (IDENT, E, H)},
    "AGENCIES(B) [+SUBSTANCE_USE]": {"to": "B", "categories": (IDENT, E, SU)},
    "AGENCIES(B) [+HEALTH +SUBSTANCE_USE]": {"to": "B", "categories": (IDENT, E, H, SU)},
    "AGENCIES(B) [+DOMESTIC_VIOLENCE]": {"to": "B", "categories": (IDENT, E, DV)},
    "AGENCIES(B) [IDENTIFYING, CASE_NOTES]": {"to": "B", "categories": (IDENT, CN)},
    "AGENCIES(B) all categories": {"to": "B", "categories": ALL},
    "AGENCIES(K) [+SUBSTANCE_USE]": {"to": "K", "categories": (IDENT, E, SU)},
    "STATEWIDE all categories": {"scope": ReleaseScope.STATEWIDE, "categories": ALL},
}

# --- what is seen -------------------------------------------------------------------------
# A FULL user of the holding agency: everything, full SSN, may edit; no release is involved.
HOLDER_FULL = Seen(
    identifying=True,
    ssn=FULL_SSN,
    enrollment=True,
    disabilities=(5, 10),
    dv=True,
    health=True,
    note=True,
    can_edit=True,
    holds_consent=True,
)
# VIEW_ONLY at the holding agency: the same but the last four of the SSN only, and no edits.
HOLDER_VIEW = replace(HOLDER_FULL, ssn=LAST_FOUR, can_edit=False)
# Another agency under a release of IDENTIFYING + ENROLLMENT_AND_SERVICES: names and the last
# four, the enrollment with its services; disabilities hidden, health and DV groups null, no notes.
RELEASED_IE = Seen(
    identifying=True,
    ssn=LAST_FOUR,
    enrollment=True,
    via_release=True,
    shared=("IDENTIFYING", "ENROLLMENT_AND_SERVICES"),
)
# CAN North backbone staff: who the client is, enrollments and services, health; no case notes,
# DV or Part 2 (type 10) without a release naming them (decision 98).
BACKBONE = Seen(
    identifying=True,
    ssn=LAST_FOUR,
    enrollment=True,
    disabilities=(5,),
    health=True,
    via_backbone=True,
    shared=BACKBONE_SHARED,
)

MATRIX: list[tuple[str, str, Seen | str]] = [
    # caller                    release                                    what client(id) answers
    # -- roles and access levels, no release -------------------------------------------------
    ("FULL@A", "none", HOLDER_FULL),
    ("VIEW_ONLY@A", "none", HOLDER_VIEW),
    ("REPORTING_ONLY@A", "none", FORBIDDEN),
    ("HDC@A", "none", HOLDER_FULL),
    ("HDC+REPORTING_ONLY@A", "none", FORBIDDEN),
    ("FULL@B", "none", NOT_FOUND),
    ("VIEW_ONLY@B", "none", NOT_FOUND),
    ("REPORTING_ONLY@B", "none", FORBIDDEN),
    ("FULL@C", "none", NOT_FOUND),  # same CAN as A
    ("CAN_STAFF", "none", BACKBONE),
    ("CAN_STAFF+FULL", "none", BACKBONE),
    # a REPORTING_ONLY member of the backbone agency is never CAN staff: no client rows at all
    ("CAN_STAFF+REPORTING_ONLY", "none", FORBIDDEN),
    ("BACKBONE_NOT_STAFF", "none", NOT_FOUND),
    ("SYSADMIN", "none", FORBIDDEN),
    ("SECURITY_OFFICER", "none", FORBIDDEN),
    # -- FULL at agency B, release by release -------------------------------------------------
    ("FULL@B", "AGENCIES(B) in force", RELEASED_IE),
    ("FULL@B", "CAN(South: B's CAN) in force", RELEASED_IE),
    ("FULL@B", "STATEWIDE in force", RELEASED_IE),
    ("FULL@B", "CAN(North: A's CAN) in force", NOT_FOUND),
    ("FULL@B", "AGENCIES(C) in force", NOT_FOUND),
    ("FULL@B", "AGENCIES(B) expired yesterday", NOT_FOUND),
    ("FULL@B", "AGENCIES(B) expires today", RELEASED_IE),
    ("FULL@B", "AGENCIES(B) starts tomorrow", NOT_FOUND),
    ("FULL@B", "AGENCIES(B) starts today", RELEASED_IE),
    ("FULL@B", "AGENCIES(B) revoked", NOT_FOUND),
    (
        "FULL@B",
        "AGENCIES(B) [ENROLLMENT_AND_SERVICES] only",
        replace(RELEASED_IE, identifying=False, ssn=NO_SSN, shared=("ENROLLMENT_AND_SERVICES",)),
    ),
    (
        "FULL@B",
        "AGENCIES(B) [IDENTIFYING] only",
        replace(RELEASED_IE, enrollment=False, shared=("IDENTIFYING",)),
    ),
    (
        "FULL@B",
        "AGENCIES(B) [+HEALTH]",
        replace(
            RELEASED_IE, disabilities=(5,), health=True, shared=(*RELEASED_IE.shared, "HEALTH")
        ),
    ),
    (
        "FULL@B",
        "AGENCIES(B) [+SUBSTANCE_USE]",
        replace(RELEASED_IE, disabilities=(10,), shared=(*RELEASED_IE.shared, "SUBSTANCE_USE")),
    ),
    (
        "FULL@B",
        "AGENCIES(B) [+HEALTH +SUBSTANCE_USE]",
        replace(
            RELEASED_IE,
            disabilities=(5, 10),
            health=True,
            shared=(*RELEASED_IE.shared, "HEALTH", "SUBSTANCE_USE"),
        ),
    ),
    (
        "FULL@B",
        "AGENCIES(B) [+DOMESTIC_VIOLENCE]",
        replace(RELEASED_IE, dv=True, shared=(*RELEASED_IE.shared, "DOMESTIC_VIOLENCE")),
    ),
    (
        "FULL@B",
        "AGENCIES(B) [IDENTIFYING, CASE_NOTES]",
        replace(RELEASED_IE, enrollment=False, note=True, shared=("IDENTIFYING", "CASE_NOTES")),
    ),
    (
        "FULL@B",
        "AGENCIES(B) all categories",
        replace(
            RELEASED_IE,
            disabilities=(5, 10),
            dv=True,
            health=True,
            note=True,
            shared=tuple(c.value for c in ALL),
        ),
    ),
    # -- the other callers under a release ----------------------------------------------------
    ("VIEW_ONLY@B", "AGENCIES(B) in force", RELEASED_IE),
    ("REPORTING_ONLY@B", "STATEWIDE all categories", FORBIDDEN),
    ("FULL@C", "CAN(North: A's CAN) in force", RELEASED_IE),
    ("FULL@C", "AGENCIES(B) in force", NOT_FOUND),
    # the holder's own release shares nothing new with the holder
    ("FULL@A", "STATEWIDE all categories", HOLDER_FULL),
    ("VIEW_ONLY@A", "STATEWIDE all categories", HOLDER_VIEW),
    ("REPORTING_ONLY@A", "STATEWIDE all categories", FORBIDDEN),
    ("HDC+REPORTING_ONLY@A", "STATEWIDE all categories", FORBIDDEN),
    # backbone staff: a release to B changes nothing; one to K (their agency) naming Part 2 adds it
    ("CAN_STAFF", "AGENCIES(B) all categories", BACKBONE),
    (
        "CAN_STAFF",
        "AGENCIES(K) [+SUBSTANCE_USE]",
        replace(
            BACKBONE,
            disabilities=(5, 10),
            via_release=True,
            shared=(*BACKBONE_SHARED, "SUBSTANCE_USE"),
        ),
    ),
    ("CAN_STAFF+REPORTING_ONLY", "AGENCIES(K) [+SUBSTANCE_USE]", FORBIDDEN),
    ("BACKBONE_NOT_STAFF", "AGENCIES(K) in force", RELEASED_IE),
    ("SYSADMIN", "STATEWIDE all categories", FORBIDDEN),
    ("SECURITY_OFFICER", "STATEWIDE all categories", FORBIDDEN),
]


async def _record(world: World, name: str) -> None:
    spec = RELEASES[name]
    if spec is None:
        return
    kwargs = dict(spec)
    agencies = {"A": world.a, "B": world.b, "C": world.c, "K": world.k}
    if "to" in kwargs:
        kwargs["to"] = (agencies[kwargs.pop("to")],)
    if "can" in kwargs:
        kwargs["can"] = getattr(world, kwargs["can"])
    await release(world, **kwargs)


@pytest.mark.parametrize(
    ("role", "release_name", "expected"), MATRIX, ids=[f"{r} | {n}" for r, n, _ in MATRIX]
)
async def test_what_each_caller_sees_of_a_client(
    api: Api, role: str, release_name: str, expected: Seen | str
) -> None:
    # given Rosa's record at A, the release of this row, and the caller
    world = await build_world()
    await _record(world, release_name)
    token = await api.sign_in(await make_role_user(world, role))

    # when the caller reads her record, and looks her up by HMIS id
    variables = {"id": str(world.rosa.id)}
    body = await api.gql(READ_CLIENT, variables, token)
    found = await api.gql(FIND_BY_HMIS_ID, variables, token)

    # then
    if isinstance(expected, Seen):
        assert not body.get("errors"), body["errors"]
        assert observe(body["data"]["client"], world) == expected
        assert found["data"]["clients"]["totalCount"] == 1
        assert observe(found["data"]["clients"]["nodes"][0], world) == expected
        return
    assert body["data"] == {"client": None}
    assert body["errors"][0]["path"] == ["client"]
    assert body["errors"][0]["extensions"]["code"] == expected
    assert "Rosa" not in body["errors"][0]["message"]
    if expected == NOT_FOUND:
        assert found["data"]["clients"] == {"totalCount": 0, "nodes": []}
    else:
        assert found["errors"][0]["extensions"]["code"] == FORBIDDEN


# --- a client held by both A and B ---------------------------------------------------------

READ_ROWS = """
query($id: ID!) {
  client(id: $id) {
    firstName access { holdsConsent viaRelease sharedCategories }
    enrollments { project { name } disabilities { disabilityType } healthAndDv { generalHealthStatus } }
    caseNotes { text }
  }
}"""

# Ben was created by A and also consented to B; each wrote an enrollment and a note.
# Release by ... -> what A's FULL user sees of B's rows (A's own rows are always listed).
HELD_BY_BOTH: list[tuple[str, dict[str, Any] | None, bool, bool]] = [
    # release                                      spec                                                             B's enrollment  B's note
    ("none", None, False, False),
    (
        "by B to A [ENROLLMENT_AND_SERVICES]",
        {"by": "B", "to": "A", "categories": (E,)},
        True,
        False,
    ),
    ("by B to A [CASE_NOTES]", {"by": "B", "to": "A", "categories": (CN,)}, False, True),
    (
        "by B to A, expired yesterday",
        {"by": "B", "to": "A", "categories": (E, CN), "expires": -1},
        False,
        False,
    ),
    (
        "by B to A, revoked",
        {"by": "B", "to": "A", "categories": (E, CN), "revoked": True},
        False,
        False,
    ),
    (
        "by B STATEWIDE",
        {"by": "B", "scope": ReleaseScope.STATEWIDE, "categories": (E, CN)},
        True,
        True,
    ),
    ("by B to C", {"by": "B", "to": "C", "categories": (E, CN)}, False, False),
    # A cannot open B's records with a release of its own
    (
        "by A STATEWIDE, all categories",
        {"by": "A", "scope": ReleaseScope.STATEWIDE, "categories": ALL},
        False,
        False,
    ),
    ("by A to A, all categories", {"by": "A", "to": "A", "categories": ALL}, False, False),
]


@pytest.mark.parametrize(
    ("name", "spec", "sees_enrollment", "sees_note"), HELD_BY_BOTH, ids=[r[0] for r in HELD_BY_BOTH]
)
async def test_a_client_held_by_a_and_b_shows_bs_records_to_a_only_through_bs_release(
    api: Api, name: str, spec: dict[str, Any] | None, sees_enrollment: bool, sees_note: bool
) -> None:
    # given Ben, held by A and B, with an enrollment (disabilities 5 and 10) and a note from each
    world = await build_world()
    ben = await add_client(world, holders=(world.b,), first_name="Ben")
    await add_enrollment(ben, world.project_a, world.writer_a, note="A's note")
    await add_enrollment(ben, world.project_b, world.writer_b, note="B's note")
    if spec is not None:
        agencies = {"A": world.a, "B": world.b, "C": world.c}
        kwargs = {**spec, "client": ben, "by": agencies[spec["by"]]}
        if "to" in kwargs:
            kwargs["to"] = (agencies[kwargs["to"]],)
        await release(world, **kwargs)
    token = await api.sign_in(await make_role_user(world, "FULL@A"))

    # when A's FULL user reads Ben
    ben_seen = (await api.ok(READ_ROWS, {"id": str(ben.id)}, token))["client"]

    # then A's own rows are all there, B's only as the release says
    assert ben_seen["firstName"] == "Ben"
    assert ben_seen["access"]["holdsConsent"]
    projects = sorted(e["project"]["name"] for e in ben_seen["enrollments"])
    assert projects == (["A Shelter", "B Outreach"] if sees_enrollment else ["A Shelter"])
    by_project = {e["project"]["name"]: e for e in ben_seen["enrollments"]}
    assert sorted(d["disabilityType"] for d in by_project["A Shelter"]["disabilities"]) == [
        "PHYSICAL_DISABILITY",
        "SUBSTANCE_USE_DISORDER",
    ]
    if (
        sees_enrollment
    ):  # B's enrollment, but not B's health data: that needs HEALTH / SUBSTANCE_USE
        assert by_project["B Outreach"]["disabilities"] == []
        assert by_project["B Outreach"]["healthAndDv"] == [{"generalHealthStatus": None}]
    notes = sorted(n["text"] for n in ben_seen["caseNotes"])
    assert notes == (["A's note", "B's note"] if sees_note else ["A's note"])


# --- CAN backbone staff --------------------------------------------------------------------


async def test_backbone_staff_see_only_what_agencies_of_their_can_recorded(api: Api) -> None:
    # given Ben, created by A (CAN North) and also held by B (CAN South), with records from both,
    # and Sam, created by B under CAN South and held by A too
    world = await build_world()
    ben = await add_client(world, holders=(world.b,), first_name="Ben")
    await add_enrollment(ben, world.project_a, world.writer_a, note="A's note")
    await add_enrollment(ben, world.project_b, world.writer_b, note="B's note")
    sam = await add_client(world.b, world.writer_b, holders=(world.a,), first_name="Sam")
    token = await api.sign_in(await make_role_user(world, "CAN_STAFF"))

    # when CAN North backbone staff read them
    ben_seen = (await api.ok(READ_ROWS, {"id": str(ben.id)}, token))["client"]
    sam_error = await api.error(READ_ROWS, {"id": str(sam.id)}, token)

    # then Ben's CAN North records only (no Part 2), nothing of B's; Sam was not created under North
    assert ben_seen["firstName"] == "Ben"
    assert ben_seen["access"] == {
        "holdsConsent": False,
        "viaRelease": False,
        "sharedCategories": list(BACKBONE_SHARED),
    }
    assert [e["project"]["name"] for e in ben_seen["enrollments"]] == ["A Shelter"]
    assert [d["disabilityType"] for d in ben_seen["enrollments"][0]["disabilities"]] == [
        "PHYSICAL_DISABILITY"
    ]
    assert ben_seen["caseNotes"] == []  # notes need a release naming CASE_NOTES
    assert sam_error["code"] == NOT_FOUND


async def test_backbone_staff_of_another_can_see_nothing(api: Api) -> None:
    # given a user of B assigned as backbone staff of CAN South (B is its backbone agency)
    world = await build_world()
    world.south.backbone_agency = world.b  # type: ignore[assignment]
    await world.south.save()
    user = await make_role_user(world, "VIEW_ONLY@B")
    await CanStaff.create(user=user, can=world.south, assigned_at=NOW)
    await notify_change()
    token = await api.sign_in(user)

    # when they read Rosa (created under CAN North)
    error = await api.error(READ_ROWS, {"id": str(world.rosa.id)}, token)

    # then
    assert error["code"] == NOT_FOUND


# Sam was created by B under CAN South; the backbone agency K also holds his consent and enrolled
# him (disabilities 5 and 10). Backbone staff see him only as far as their level at K allows.
BACKBONE_AGENCY_HOLDS: list[tuple[str, str | dict[str, Any]]] = [
    # caller                      what client(id) answers for Sam
    ("CAN_STAFF+REPORTING_ONLY", FORBIDDEN),  # REPORTING_ONLY: no client rows, CAN staff or not
    (
        "CAN_STAFF",
        {"holdsConsent": True, "canEdit": False, "viaCanBackbone": False, "disabilities": [5, 10]},
    ),
    (
        "CAN_STAFF+FULL",
        {"holdsConsent": True, "canEdit": True, "viaCanBackbone": False, "disabilities": [5, 10]},
    ),
]


@pytest.mark.parametrize(
    ("role", "expected"), BACKBONE_AGENCY_HOLDS, ids=[r[0] for r in BACKBONE_AGENCY_HOLDS]
)
async def test_backbone_staff_see_what_the_backbone_agency_holds_only_by_their_level_there(
    api: Api, role: str, expected: str | dict[str, Any]
) -> None:
    # given Sam, created under CAN South, held by B and by K, enrolled at K
    world = await build_world()
    project_k = await Project.create(
        agency=world.k,
        name="K Hub",
        project_type=14,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )
    sam = await add_client(world.b, world.writer_b, holders=(world.k,), first_name="Sam")
    await add_enrollment(sam, project_k, world.writer_a)
    token = await api.sign_in(await make_role_user(world, role))

    # when
    body = await api.gql(READ_SAM, {"id": str(sam.id)}, token)

    # then
    if isinstance(expected, str):
        assert body["errors"][0]["extensions"]["code"] == expected
        return
    seen = body["data"]["client"]
    assert seen["firstName"] == "Sam"
    flags = {k: seen["access"][k] for k in ("holdsConsent", "canEdit", "viaCanBackbone")}
    # as HUD codes, as the table above names them
    disabilities = sorted(
        DISABILITY_TYPE[d["disabilityType"]].value
        for e in seen["enrollments"]
        for d in e["disabilities"]
    )
    assert {**flags, "disabilities": disabilities} == expected


READ_SAM = """
query($id: ID!) {
  client(id: $id) {
    firstName access { holdsConsent canEdit viaCanBackbone }
    enrollments { disabilities { disabilityType } }
  }
}"""


# --- "today" is the date in Connecticut ----------------------------------------------------

# A release to B of IDENTIFYING + ENROLLMENT_AND_SERVICES; days are relative to 2026-03-02.
IN_FORCE_BY_LOCAL_DATE: list[tuple[str, datetime, dict[str, int], str]] = [
    # UTC instant of the read                            (= New York)       release window          answer
    (
        "expires 3/2, read 3/2 21:00 New York",
        datetime(2026, 3, 3, 2, 0, tzinfo=UTC),
        {"expires": 0},
        "visible",
    ),
    (
        "expires 3/2, read 3/3 00:30 New York",
        datetime(2026, 3, 3, 5, 30, tzinfo=UTC),
        {"expires": 0},
        NOT_FOUND,
    ),
    (
        "starts 3/3, read 3/2 21:00 New York",
        datetime(2026, 3, 3, 2, 0, tzinfo=UTC),
        {"starts": 1},
        NOT_FOUND,
    ),
    (
        "starts 3/3, read 3/3 00:30 New York",
        datetime(2026, 3, 3, 5, 30, tzinfo=UTC),
        {"starts": 1},
        "visible",
    ),
]


@pytest.mark.parametrize(
    ("what", "at", "window", "expected"),
    IN_FORCE_BY_LOCAL_DATE,
    ids=[r[0] for r in IN_FORCE_BY_LOCAL_DATE],
)
async def test_release_dates_are_connecticut_dates(
    api: Api, what: str, at: datetime, window: dict[str, int], expected: str
) -> None:
    # given a release to B with that window, and B's user signed in at that instant
    world = await build_world()
    await release(world, to=(world.b,), **window)
    user = await make_role_user(world, "FULL@B")
    api.clock.set(at)
    token = await api.sign_in(user)

    # when
    body = await api.gql(READ_ROWS, {"id": str(world.rosa.id)}, token)

    # then
    if expected == "visible":
        assert body["data"]["client"]["firstName"] == "Rosa", what
    else:
        assert body["errors"][0]["extensions"]["code"] == expected, what


ELEMENTS_OF_OTHER_CATEGORIES = """
query($id: ID!) {
  client(id: $id) {
    enrollments {
      project { name }
      currentPregnant disabledHoH mentalHealthConsultation
      exit { exchangeForSex laborExploitPastThreeMonths destination }
      incomeBenefits { medicaid insuranceFromAnySource totalMonthlyIncome }
    }
  }
}"""


@pytest.mark.parametrize(
    ("categories", "sees_health", "sees_dv"),
    [((E,), False, False), ((E, H), True, False), ((E, DV), False, True), ((E, H, DV), True, True)],
    ids=["ENROLLMENT_AND_SERVICES", "+HEALTH", "+DOMESTIC_VIOLENCE", "+HEALTH+DOMESTIC_VIOLENCE"],
)
async def test_an_enrollments_health_and_an_exits_dv_elements_follow_their_own_categories(
    api: Api, categories: tuple[ReleaseCategory, ...], sees_health: bool, sees_dv: bool
) -> None:
    # given Ben, held by A and B; B's enrollment records him pregnant, his exit an exchange for
    # sex, his income Medicaid; B releases to A its enrollments and what ``categories`` add
    from models.enrollments import Enrollment, Exit, IncomeBenefits

    world = await build_world()
    ben = await add_client(world, holders=(world.b,), first_name="Ben")
    await add_enrollment(ben, world.project_a, world.writer_a)
    b_stay = await add_enrollment(ben, world.project_b, world.writer_b)
    await Enrollment.filter(id=b_stay.id).update(
        current_pregnant=1, disabled_hoh=1, mental_health_consultation=1
    )
    await Exit.create(
        enrollment=b_stay,
        exit_date=TODAY,
        destination=116,
        exchange_for_sex=1,
        labor_exploit_past_three_months=1,
        created_by_user=world.writer_b,
        created_at=NOW,
    )
    await IncomeBenefits.filter(enrollment_id=b_stay.id).update(
        medicaid=1, insurance_from_any_source=1
    )
    await release(world, client=ben, by=world.b, to=(world.a,), categories=categories)

    # when A's FULL user and B's FULL user read Ben's enrollments
    def b_outreach(seen: dict[str, Any]) -> dict[str, Any]:
        by_project = {e["project"]["name"]: e for e in seen["client"]["enrollments"]}
        return by_project["B Outreach"]

    a_token = await api.sign_in(await make_role_user(world, "FULL@A"))
    b_token = await api.sign_in(await make_role_user(world, "FULL@B"))
    as_a = b_outreach(await api.ok(ELEMENTS_OF_OTHER_CATEGORIES, {"id": str(ben.id)}, a_token))
    as_b = b_outreach(await api.ok(ELEMENTS_OF_OTHER_CATEGORIES, {"id": str(ben.id)}, b_token))

    # then B sees all it wrote; A sees the enrollment, its exit and income, and each element of
    # another category only if the release names it
    health = {
        "currentPregnant": "YES",
        "disabledHoH": "YES",
        "mentalHealthConsultation": "MENTAL_HEALTH_CONSULTATION_COMPLETED",
    }
    assert {k: as_b[k] for k in health} == health
    assert {k: as_a[k] for k in health} == (health if sees_health else dict.fromkeys(health))
    dv = {"exchangeForSex": "YES", "laborExploitPastThreeMonths": "YES"}
    assert {k: as_b["exit"][k] for k in dv} == dv
    assert {k: as_a["exit"][k] for k in dv} == (dv if sees_dv else dict.fromkeys(dv))
    assert as_a["exit"]["destination"] == as_b["exit"]["destination"] is not None
    insurance = {"medicaid": "YES", "insuranceFromAnySource": "YES"}
    assert {k: as_b["incomeBenefits"][0][k] for k in insurance} == insurance
    assert {k: as_a["incomeBenefits"][0][k] for k in insurance} == (
        insurance if sees_health else dict.fromkeys(insurance)
    )
    assert as_a["incomeBenefits"][0]["totalMonthlyIncome"] is not None
