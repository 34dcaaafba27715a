"""Field masking: masked fields resolve to null, the rest of the record stays,
and ``access { ... }`` says why. The role-by-release matrix is in
tests/authz/test_client_visibility.py; these tables state the finer rules: ssn vs ssnLastFour,
one request listing clients under different access, what the record's own lists show."""

from __future__ import annotations

import pytest

from authz.clients.fields import CLIENT_ALWAYS_VISIBLE
from models.clients import Client as ClientModel
from models.clients import ClientAnnotation
from models.enums import AccessLevel, AnnotationKind, ReleaseCategory
from models.hud.elements import registry
from tests.authz.client_world import (
    NOW,
    add_client,
    add_enrollment,
    build_world,
    make_role_user,
    release,
)
from tests.factories import Api, make_user

IDENT = ReleaseCategory.IDENTIFYING
E = ReleaseCategory.ENROLLMENT_AND_SERVICES
H = ReleaseCategory.HEALTH
SU = ReleaseCategory.SUBSTANCE_USE
DV = ReleaseCategory.DOMESTIC_VIOLENCE
CN = ReleaseCategory.CASE_NOTES

SSN_OF = """
query($id: ID!) { client(id: $id) { ssn ssnLastFour ssnDataQuality access { canViewSsn canViewSsnLastFour } } }"""

STORED = (
    "123456789",
    "xxxxx6789",
    "xxxxxxxxx",
    None,
)  # full, partial (last four known), unknown, none
# caller, the release A recorded to B for each client (None: no release) ->
#   canViewSsn, canViewSsnLastFour, then (ssn, ssnLastFour) for each stored SSN above
SSN_RULES: list[
    tuple[
        str,
        tuple[ReleaseCategory, ...] | None,
        bool,
        bool,
        tuple[tuple[str | None, str | None], ...],
    ]
] = [
    (
        "FULL@A",
        None,
        True,
        True,
        (("123456789", "6789"), ("xxxxx6789", "6789"), ("xxxxxxxxx", None), (None, None)),
    ),
    (
        "HDC@A",
        None,
        True,
        True,
        (("123456789", "6789"), ("xxxxx6789", "6789"), ("xxxxxxxxx", None), (None, None)),
    ),
    (
        "VIEW_ONLY@A",
        None,
        False,
        True,
        ((None, "6789"), (None, "6789"), (None, None), (None, None)),
    ),
    # FULL somewhere else does not make a VIEW_ONLY holder's user see the full SSN
    (
        "VIEW_ONLY@A + FULL@B",
        None,
        False,
        True,
        ((None, "6789"), (None, "6789"), (None, None), (None, None)),
    ),
    ("FULL@B", (IDENT,), False, True, ((None, "6789"), (None, "6789"), (None, None), (None, None))),
    ("FULL@B", (E,), False, False, ((None, None), (None, None), (None, None), (None, None))),
    ("CAN_STAFF", None, False, True, ((None, "6789"), (None, "6789"), (None, None), (None, None))),
]


@pytest.mark.parametrize(
    ("caller", "categories", "can_view_ssn", "can_view_last_four", "expected"),
    SSN_RULES,
    ids=[
        f"{r[0]} | {'release ' + '+'.join(c.value for c in r[1]) if r[1] else 'no release'}"
        for r in SSN_RULES
    ],
)
async def test_full_ssn_only_for_full_access_at_a_holder_last_four_with_identifying_access(
    api: Api,
    caller: str,
    categories: tuple[ReleaseCategory, ...] | None,
    can_view_ssn: bool,
    can_view_last_four: bool,
    expected: tuple[tuple[str | None, str | None], ...],
) -> None:
    # given four clients of A with a full, a partial, an unknown and no SSN
    world = await build_world()
    clients = []
    for ssn in STORED:
        client = await add_client(
            world,
            first_name="S",
            ssn=ssn,
            ssn_data_quality=1 if ssn == "123456789" else 2 if ssn else 99,
        )
        if categories is not None:
            await release(world, client=client, to=(world.b,), categories=categories)
        clients.append(client)
    if caller == "VIEW_ONLY@A + FULL@B":
        user = await make_user(agencies={world.a: AccessLevel.VIEW_ONLY, world.b: AccessLevel.FULL})
    else:
        user = await make_role_user(world, caller)
    token = await api.sign_in(user)

    for client, stored, (ssn, last_four) in zip(clients, STORED, expected, strict=True):
        # when the caller reads the client
        seen = (await api.ok(SSN_OF, {"id": str(client.id)}, token))["client"]
        # then
        assert (seen["ssn"], seen["ssnLastFour"]) == (ssn, last_four), stored
        assert seen["ssnDataQuality"] == (
            "FULL_SSN_REPORTED"
            if stored == "123456789"
            else "APPROXIMATE_OR_PARTIAL_SSN_REPORTED"
            if stored
            else "DATA_NOT_COLLECTED"
        )
        assert seen["access"] == {
            "canViewSsn": can_view_ssn,
            "canViewSsnLastFour": can_view_last_four,
        }


# --- one request, several clients, each masked by its own access ---------------------------

LIST_WALKERS = """
query {
  clients(search: {name: "walker"}, first: 10) {
    totalCount
    nodes {
      firstName lastName ssn ssnLastFour
      access { holdsConsent viaRelease sharedCategories }
      enrollments {
        project { name }
        disabilities { disabilityType }
        healthAndDv { domesticViolenceSurvivor generalHealthStatus }
      }
      caseNotes { text }
    }
  }
}"""

# Walkers held by B or released to B by A; what B's FULL user sees of each in one list.
#   first name, how B sees it, enrollment project, disability types, (DV, health) of the
#   healthAndDv record, case notes
PHYSICAL, SUD = "PHYSICAL_DISABILITY", "SUBSTANCE_USE_DISORDER"
WALKERS: list[
    tuple[str, str, str | None, list[str], tuple[str | None, str | None] | None, list[str]]
] = [
    ("Own", "held by B", "B Outreach", [PHYSICAL, SUD], ("YES", "GOOD"), ["Own note"]),
    ("Health", "A's release [I, E, HEALTH]", "A Shelter", [PHYSICAL], (None, "GOOD"), []),
    ("Part2", "A's release [I, E, SUBSTANCE_USE]", "A Shelter", [SUD], (None, None), []),
    ("Violence", "A's release [I, E, DV]", "A Shelter", [], ("YES", None), []),
    ("Notes", "A's release [I, CASE_NOTES]", None, [], None, ["Notes note"]),
    ("Bare", "A's release [I]", None, [], None, []),
]
_WALKER_RELEASES = {
    "Health": (IDENT, E, H),
    "Part2": (IDENT, E, SU),
    "Violence": (IDENT, E, DV),
    "Notes": (IDENT, CN),
    "Bare": (IDENT,),
}


async def test_a_list_masks_each_client_by_that_clients_access(api: Api) -> None:
    # given the Walkers of the table, plus one of A's that B may see only without names
    world = await build_world()
    for first, *_ in WALKERS:
        if first == "Own":
            client = await add_client(
                world.b, world.writer_b, first_name=first, last_name="Walker", ssn="111223333"
            )
            await add_enrollment(client, world.project_b, world.writer_b, note="Own note")
            continue
        client = await add_client(world, first_name=first, last_name="Walker", ssn="111223333")
        await add_enrollment(client, world.project_a, world.writer_a, note=f"{first} note")
        await release(world, client=client, to=(world.b,), categories=_WALKER_RELEASES[first])
    hidden = await add_client(world, first_name="Hidden", last_name="Walker")
    await release(world, client=hidden, to=(world.b,), categories=(E,))
    token = await api.sign_in(await make_role_user(world, "FULL@B"))

    # when B's user lists the Walkers
    page = (await api.ok(LIST_WALKERS, {}, token))["clients"]

    # then each client shows exactly what its own access allows; the nameless one is not listed
    assert page["totalCount"] == len(WALKERS)
    seen = {node["firstName"]: node for node in page["nodes"]}
    assert sorted(seen) == sorted(row[0] for row in WALKERS)
    for first, how, project, disabilities, health, notes in WALKERS:
        node = seen[first]
        assert node["lastName"] == "Walker", how
        assert (node["ssn"], node["ssnLastFour"]) == (
            ("111223333", "3333") if first == "Own" else (None, "3333")
        ), how
        assert node["access"]["holdsConsent"] == (first == "Own"), how
        assert node["access"]["viaRelease"] == (first != "Own"), how
        assert [e["project"]["name"] for e in node["enrollments"]] == (
            [project] if project else []
        ), how
        for enrollment in node["enrollments"]:
            assert (
                sorted(d["disabilityType"] for d in enrollment["disabilities"]) == disabilities
            ), how
            row = enrollment["healthAndDv"][0]
            assert (row["domesticViolenceSurvivor"], row["generalHealthStatus"]) == health, how
        assert [n["text"] for n in node["caseNotes"]] == notes, how


# --- the record's own lists: consents, releases, annotations -------------------------------

OWN_LISTS = """
query($id: ID!) {
  client(id: $id) {
    consents { agency { name } }
    releases { agencies { name } inForce }
    annotations { field note agency { name } }
  }
}"""

# A annotated Rosa's DOB and recorded a release to C. Callers, the release A recorded to B ->
#   consents listed, releases listed (by recipient), annotations listed
OWN_LIST_RULES: list[
    tuple[str, tuple[ReleaseCategory, ...] | None, list[str], list[list[str]], bool]
] = [
    ("FULL@A", None, ["Agency A"], [["Agency C"]], True),
    ("FULL@A", (E,), ["Agency A"], [["Agency B"], ["Agency C"]], True),
    ("VIEW_ONLY@A", None, ["Agency A"], [["Agency C"]], True),
    ("FULL@B", (IDENT,), [], [["Agency B"]], True),  # A's release to C is not B's business
    ("FULL@B", (E,), [], [["Agency B"]], False),  # corrections name identifying data
    ("CAN_STAFF", None, [], [], True),
]


@pytest.mark.parametrize(
    ("caller", "categories", "consents", "releases", "annotations"),
    OWN_LIST_RULES,
    ids=[
        f"{r[0]} | {'release ' + '+'.join(c.value for c in r[1]) if r[1] else 'no release to B'}"
        for r in OWN_LIST_RULES
    ],
)
async def test_consents_releases_and_annotations_follow_access(
    api: Api,
    caller: str,
    categories: tuple[ReleaseCategory, ...] | None,
    consents: list[str],
    releases: list[list[str]],
    annotations: bool,
) -> None:
    # given
    world = await build_world()
    await release(world, to=(world.c,))
    if categories is not None:
        await release(world, to=(world.b,), categories=categories)
    await ClientAnnotation.create(
        client=world.rosa,
        agency=world.a,
        field="dob",
        kind=AnnotationKind.INACCURATE,
        note="Client says the DOB is a day off",
        created_by=world.writer_a,
        created_at=NOW,
    )
    token = await api.sign_in(await make_role_user(world, caller))

    # when
    seen = (await api.ok(OWN_LISTS, {"id": str(world.rosa.id)}, token))["client"]

    # then
    assert [c["agency"]["name"] for c in seen["consents"]] == consents
    assert sorted([a["name"] for a in r["agencies"]] for r in seen["releases"]) == releases
    assert all(r["inForce"] for r in seen["releases"])
    expected = [
        {"field": "dob", "note": "Client says the DOB is a day off", "agency": {"name": "Agency A"}}
    ]
    assert seen["annotations"] == (expected if annotations else [])


# --- every stored client column is classified ----------------------------------------------

# Columns that never reach the GraphQL Client type as values (provenance and retention; the
# source HMIS and its id for an imported client, which the HUD CSV export does not write either).
NOT_SERVED = {
    "created_by_agency_id",
    "created_under_can_id",
    "created_by_user_id",
    "updated_by_user_id",
    "last_activity_at",
    "source_system",
    "source_id",
    "ssn_hash",  # the SSN's lookup hash: never served, not even in the record export
    "deidentified_by_plan_id",  # the retention plan that de-identified it (its record export names it)
    "ssn_valid",  # HUD's SSN validity, decided when the SSN is written: counted by the DQ report only
}


def test_every_client_column_is_masked_or_declared_harmless() -> None:
    """A new client column is an element with a masking category in the registry (or consciously
    declared harmless here)."""
    elements = registry().of(ClientModel)
    columns = set(ClientModel._meta.fields_db_projection)
    assert columns == {e.name for e in elements} | set(CLIENT_ALWAYS_VISIBLE) | NOT_SERVED
    unmasked = {e.name for e in elements if e.category is None}
    assert unmasked == {"name_data_quality", "ssn_data_quality", "dob_data_quality"}
    assert not {e.name for e in elements} & set(CLIENT_ALWAYS_VISIBLE)
