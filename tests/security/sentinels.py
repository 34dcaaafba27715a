"""Sentinel clients for the security suite: agency A's clients, each shared under one scenario,
every datum carrying a marker that names its client and what a caller must see to read it.

The world is the one of tests/authz/client_world.py (CAN North: A, C and the backbone agency K;
CAN South: B). A's FULL user enters each sentinel through the API, so that the audit trail holds
an entry for every row: the client (names, SSN, DOB, phone, e-mail, address), an enrollment with
a service, an income record, a mental-health disability (HEALTH) and a substance use disorder
(42 CFR Part 2), a health and DV record, a case note, and three annotations (on the last name,
on the enrollments, on the case notes). A's releases are then recorded as each scenario says.

Which caller sees which category of which sentinel is stated here a second time, from the
scenario's plain terms (:func:`sees`), independently of ``authz/``: that is the oracle the fuzz
holds the API to.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from models.clients import Client
from models.enums import ReleaseCategory, ReleaseScope
from tests.authz.client_world import World, build_world, make_role_user, release
from tests.factories import Api

__all__ = [
    "ROLES",
    "SCENARIOS",
    "Marker",
    "Scenario",
    "Sentinels",
    "build_sentinels",
    "leaks",
    "sees",
]

IDENT = ReleaseCategory.IDENTIFYING.value
ENROL = ReleaseCategory.ENROLLMENT_AND_SERVICES.value
HEALTH = ReleaseCategory.HEALTH.value
PART2 = ReleaseCategory.SUBSTANCE_USE.value
DV = ReleaseCategory.DOMESTIC_VIOLENCE.value
NOTES = ReleaseCategory.CASE_NOTES.value
EVERY = frozenset(c.value for c in ReleaseCategory)
# Not release categories: what only the holding agency sees.
FULL_SSN = "full SSN"  # the holding agency's FULL users
HOLDER = "holder"  # the holding agency's users with client access (its consent, for one)


@dataclass(frozen=True)
class Scenario:
    """How A shares one sentinel: a release (to B, to K, or statewide when ``to`` is None) of
    ``categories``, from ``starts`` to ``expires`` days from today; or none at all."""

    code: str  # two letters: every marker of this client starts zqx<code>
    what: str
    categories: frozenset[str] = frozenset()
    to: str | None = "B"
    starts: int = -30
    expires: int = 30
    revoked: bool = False
    released: bool = True

    def covers(self, agency: str) -> bool:
        """A release in force today that covers this agency."""
        in_force = self.released and not self.revoked and self.starts <= 0 <= self.expires
        return in_force and (self.to is None or self.to == agency)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("aa", "no release", released=False),
    Scenario("ab", "to B: IDENTIFYING only", frozenset({IDENT})),
    Scenario("ac", "to B: ENROLLMENT_AND_SERVICES only", frozenset({ENROL})),
    Scenario("ad", "to B: IDENTIFYING, ENROLLMENT_AND_SERVICES", frozenset({IDENT, ENROL})),
    Scenario("ae", "to B: CASE_NOTES only", frozenset({NOTES})),
    Scenario("af", "to B: all but CASE_NOTES and Part 2", frozenset({IDENT, ENROL, HEALTH, DV})),
    Scenario("ag", "to B: everything, revoked", EVERY, revoked=True),
    Scenario("ah", "to B: everything, expired yesterday", EVERY, expires=-1),
    Scenario("ai", "to B: everything, starts tomorrow", EVERY, starts=1),
    Scenario("aj", "to B: everything", EVERY),
    Scenario("ak", "statewide: IDENTIFYING, ENROLLMENT, Part 2", frozenset({IDENT, ENROL, PART2})),
    Scenario("al", "to K: CASE_NOTES, DOMESTIC_VIOLENCE", frozenset({NOTES, DV}), to="K"),
)

# Every role the fuzz plays, with the agency whose releases reach it.
ROLES: dict[str, str | None] = {
    "FULL@A": "A",
    "VIEW_ONLY@A": "A",
    "HDC@A": "A",
    "REPORTING_ONLY@A": None,
    "FULL@B": "B",
    "VIEW_ONLY@B": "B",
    "HDC@B": "B",
    "REPORTING_ONLY@B": None,
    "FULL@C": "C",
    "CAN_STAFF": "K",
    "CAN_STAFF+FULL": "K",
    "CAN_STAFF+REPORTING_ONLY": None,
    "BACKBONE_NOT_STAFF": "K",
    "SYSADMIN": None,
    "SECURITY_OFFICER": None,
}
# What CAN North's backbone staff see of its records with no release (decision 98).
BACKBONE = frozenset({IDENT, ENROL, HEALTH})


def sees(role: str, scenario: Scenario) -> frozenset[str]:
    """What the role may see of the scenario's sentinel: categories, FULL_SSN and HOLDER.
    Empty: the client is not seen at all."""
    agency = ROLES[role]
    if agency == "A":  # the holder: all of it; the full SSN at FULL access (HDC has FULL)
        return EVERY | {HOLDER} | ({FULL_SSN} if role != "VIEW_ONLY@A" else set())
    if agency is None:  # reporting-only access, system roles: no client rows at all
        return frozenset()
    seen = scenario.categories if scenario.covers(agency) else frozenset()
    if role in ("CAN_STAFF", "CAN_STAFF+FULL"):  # A's clients are created under CAN North
        seen |= BACKBONE
    return seen


@dataclass(frozen=True)
class Marker:
    """A sentinel value, and what a caller must see to read it (empty: the client at all).
    ``exact`` values (numbers, dates) are matched as whole values, dashes aside; the others,
    written to be unlike anything else, anywhere in a string, in any case."""

    client: str
    what: str
    value: str
    needs: frozenset[str]
    exact: bool = False

    def allowed(self, seen: frozenset[str]) -> bool:
        return bool(seen) and self.needs <= seen


@dataclass
class Sentinels:
    world: World
    clients: dict[str, str]  # scenario code -> client id
    markers: list[Marker]
    ids: dict[str, str] = field(default_factory=dict)  # every id of a sentinel's rows, by name
    tokens: dict[str, str] = field(default_factory=dict)

    def forbidden(self, role: str) -> list[Marker]:
        by_code = {s.code: s for s in SCENARIOS}
        return [m for m in self.markers if not m.allowed(sees(role, by_code[m.client]))]

    def allowed(self, role: str) -> list[Marker]:
        forbidden = set(map(id, self.forbidden(role)))
        return [m for m in self.markers if id(m) not in forbidden]

    async def token(self, api: Api, role: str) -> str:
        if role not in self.tokens:
            self.tokens[role] = await api.sign_in(await make_role_user(self.world, role))
        return self.tokens[role]


_OPAQUE = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")


def _leaves(value: Any) -> Iterator[str]:
    """Every value in a response, and what an opaque one (a cursor) decodes to."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        text = str(value)
        yield text
        if _OPAQUE.fullmatch(text):
            try:
                yield base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            except (ValueError, UnicodeDecodeError):
                pass


def leaks(body: Any, forbidden: Iterable[Marker]) -> list[Marker]:
    """The forbidden markers found anywhere in a response (data, errors, extensions)."""
    leaves = list(_leaves(body))
    lowered = [leaf.lower() for leaf in leaves]
    whole = {leaf.replace("-", "") for leaf in leaves}
    found = []
    for marker in forbidden:
        if marker.exact:
            if marker.value.replace("-", "") in whole:
                found.append(marker)
        elif any(marker.value in leaf for leaf in lowered):
            found.append(marker)
    return found


CREATE = """
mutation($input: CreateClientInput!) { createClient(input: $input) { id consents { id } } }"""
ENROLL = """
mutation($input: CreateEnrollmentInput!) { createEnrollment(input: $input) { id } }"""
SERVICE = """mutation($input: RecordServiceInput!) { recordService(input: $input) { id } }"""
INCOME = """
mutation($input: RecordIncomeBenefitsInput!) { recordIncomeBenefits(input: $input) { id } }"""
DISABILITY = """
mutation($input: RecordDisabilityInput!) { recordDisability(input: $input) { id } }"""
HEALTH_DV = """
mutation($input: RecordHealthAndDvInput!) { recordHealthAndDv(input: $input) { id } }"""
NOTE = """mutation($input: AddCaseNoteInput!) { addCaseNote(input: $input) { id } }"""
MARK = """
mutation($input: MarkRecordInput!) { markRecordInaccurate(input: $input) { id } }"""
SUPPLEMENT = """
mutation($input: SupplementRecordInput!) { supplementRecord(input: $input) { id } }"""


async def _sentinel(
    api: Api, token: str, world: World, n: int, scenario: Scenario
) -> tuple[str, list[Marker], dict[str, str]]:
    """One sentinel client entered by A's FULL user, with its markers and row ids."""
    c = scenario.code
    tag = f"zqx{c}"
    ssn = f"{201 + n:03d}{11 + n:02d}{3001 + n:04d}"
    today = api.clock.now().date()
    identifying = {
        "firstName": f"{tag}first",
        "middleName": f"{tag}middle",
        "lastName": f"{tag}last",
        "email": f"{tag}mail@example.org",
        "addressLine1": f"{n + 1} {tag}road",
        "additionalRaceEthnicity": f"{tag}race",
        "phone": f"86055501{n:02d}",
        "dob": str(date(1950, 1, 1) + timedelta(days=40 * n)),
    }
    created = (
        await api.ok(
            CREATE,
            {
                "input": {
                    **identifying,
                    "ssn": ssn,
                    "nameDataQuality": "FULL_NAME_REPORTED",
                    "ssnDataQuality": "FULL_SSN_REPORTED",
                    "dobDataQuality": "FULL_DOB_REPORTED",
                    "consent": {
                        "kind": "WRITTEN",
                        "takenOn": str(today),
                        "evidenceReference": f"{tag}evidence",
                    },
                }
            },
            token,
        )
    )["createClient"]
    client = created["id"]
    entry = str(today - timedelta(days=10))
    enrollment = (
        await api.ok(
            ENROLL,
            {
                "input": {
                    "clientId": client,
                    "projectId": str(world.project_a.id),
                    "entryDate": entry,
                    "relationshipToHoH": "SELF",
                }
            },
            token,
        )
    )["createEnrollment"]["id"]
    stage = {
        "enrollmentId": enrollment,
        "informationDate": entry,
        "dataCollectionStage": "PROJECT_ENTRY",
    }
    ids = {"client": client, "consent": created["consents"][0]["id"], "enrollment": enrollment}
    writes = {
        "service": (
            SERVICE,
            {
                "enrollmentId": enrollment,
                "dateProvided": entry,
                "recordType": "BED_NIGHT",
                "typeProvided": 200,
            },
        ),
        "income": (
            INCOME,
            {
                **stage,
                "incomeFromAnySource": "YES",
                "ssi": "YES",
                "ssiAmount": "943",
            },
        ),
        "mental health": (
            DISABILITY,
            {**stage, "disabilityType": "MENTAL_HEALTH_DISORDER", "disabilityResponse": 1},
        ),
        "substance use": (
            DISABILITY,
            {**stage, "disabilityType": "SUBSTANCE_USE_DISORDER", "disabilityResponse": 3},
        ),
        "health and DV": (
            HEALTH_DV,
            {
                **stage,
                "domesticViolenceSurvivor": "YES",
                "whenOccurred": "THREE_TO_SIX_MONTHS_AGO",
                "generalHealthStatus": "VERY_GOOD",
            },
        ),
        "case note": (
            NOTE,
            {
                "clientId": client,
                "enrollmentId": enrollment,
                "text": f"{tag}note: misstates methadone dose",
            },
        ),
        "annotation on lastName": (
            MARK,
            {
                "clientId": client,
                "field": "lastName",
                "kind": "INACCURATE",
                "note": f"{tag}annident",
            },
        ),
        "annotation on enrollments": (
            SUPPLEMENT,
            {"clientId": client, "field": "enrollments", "note": f"{tag}annenrol"},
        ),
        "annotation on caseNotes": (
            SUPPLEMENT,
            {"clientId": client, "field": "caseNotes", "note": f"{tag}annnote"},
        ),
    }
    for name, (document, values) in writes.items():
        data = await api.ok(document, {"input": values}, token)
        ids[name] = next(iter(data.values()))["id"]

    def m(what: str, value: str, *needs: str, exact: bool = False) -> Marker:
        return Marker(c, what, value.lower(), frozenset(needs), exact)

    markers = [
        m("client id", client),
        m("consent id", ids["consent"], HOLDER),
        m("full SSN", ssn, FULL_SSN, exact=True),
        m("SSN last four", ssn[-4:], IDENT, exact=True),
        m("phone", identifying["phone"], IDENT, exact=True),
        m("dob", identifying["dob"], IDENT, exact=True),
        *(
            m(name, f"{tag}{name}", IDENT)
            for name in ("first", "middle", "last", "mail", "road", "race")
        ),
        m("annotation on lastName", f"{tag}annident", IDENT),
        m("annotation id on lastName", ids["annotation on lastName"], IDENT),
        *(
            m(f"{name} id", ids[name], ENROL)
            for name in ("enrollment", "service", "income", "health and DV")
        ),
        m("annotation on enrollments", f"{tag}annenrol", ENROL),
        m("annotation id on enrollments", ids["annotation on enrollments"], ENROL),
        m("mental health disability id", ids["mental health"], ENROL, HEALTH),
        m("substance use disorder id", ids["substance use"], ENROL, PART2),
        m("case note id", ids["case note"], NOTES),
        m("case note", f"{tag}note", NOTES),
        m("annotation on caseNotes", f"{tag}annnote", NOTES),
        m("annotation id on caseNotes", ids["annotation on caseNotes"], NOTES),
    ]
    return client, markers, {f"{c} {k}": v for k, v in ids.items()}


async def build_sentinels(api: Api) -> Sentinels:
    """The world, the sentinels entered through the API, and A's releases recorded."""
    world = await build_world()
    sentinels = Sentinels(world=world, clients={}, markers=[])
    token = await sentinels.token(api, "FULL@A")
    agencies = {"B": world.b, "K": world.k}
    for n, scenario in enumerate(SCENARIOS):
        client, markers, ids = await _sentinel(api, token, world, n, scenario)
        sentinels.clients[scenario.code] = client
        sentinels.markers.extend(markers)
        sentinels.ids.update(ids)
        if not scenario.released:
            continue
        row = await release(
            world,
            scope=ReleaseScope.AGENCIES if scenario.to else ReleaseScope.STATEWIDE,
            to=(agencies[scenario.to],) if scenario.to else (),
            categories=tuple(ReleaseCategory(c) for c in sorted(scenario.categories)),
            starts=scenario.starts,
            expires=scenario.expires,
            revoked=scenario.revoked,
            client=await Client.get(id=client),
        )
        sentinels.ids[f"{scenario.code} release"] = str(row.id)
    return sentinels
