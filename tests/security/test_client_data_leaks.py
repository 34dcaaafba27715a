"""No sentinel value of agency A's clients reaches a caller who may not see it.

Twelve sentinel clients of agency A (tests/security/sentinels.py), each shared under one
scenario: no release; releases to B of some categories (IDENTIFYING only, ENROLLMENT only, case
notes only, all but case notes and Part 2, everything); everything but revoked, expired
yesterday or starting tomorrow; a statewide release naming Part 2; a release to the backbone
agency of case notes and DV. Every datum carries a marker. For fifteen roles, the oracle
(``sentinels.sees``) says which markers each may read.

Two tests hold the API to it:
- every role reads every sentinel in full (every field of the client, three levels down, both
  audit trails, the record export) and searches for each by every key: it reads exactly the
  markers the oracle allows, no fewer and no more, and a search finds exactly the sentinels
  whose identifying data it may see (by HMIS id: those it sees at all);
- a property-based fuzz (Hypothesis, derandomised, bounded) of operations generated from the
  checked-in SDL, any root field of the schema and the client-data mutations, per role: no
  forbidden marker anywhere in the answer (data, errors, extensions), never INTERNAL.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLField, is_required_argument
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.enrollments import Enrollment
from models.names import camel
from schema.relay import to_global_id
from tests.factories import Api
from tests.security.querygen import Pools, everything, operations, sdl_schema
from tests.security.sentinels import (
    IDENT,
    ROLES,
    SCENARIOS,
    Sentinels,
    build_sentinels,
    leaks,
    sees,
)


def _arguments(name: str, field_: GraphQLField) -> str:
    """Page sizes at their largest; fields whose arguments have no default are left out."""
    if any(is_required_argument(a) for a in field_.args.values()):
        return "-"
    return "(first: 100)" if "first" in field_.args else ""


CLIENT = everything("Client", 2, _arguments)
READ = f"""
query($id: ID!) {{
  client(id: $id) {{ {CLIENT} reads: auditTrail(kind: READS, first: 100) {{
    nodes {{ entityType entityId fields }} }} }}
}}"""
EXPORT = "query($id: ID!) { clientRecordExport(clientId: $id) }"


def _search(sentinels: Sentinels, codes: list[str]) -> tuple[str, dict[str, int]]:
    """One document searching for each of these sentinels by every key, and the alias of each
    search with the scenario it looks for."""
    by_code = {s.code: n for n, s in enumerate(SCENARIOS)}
    parts, aliases = [], {}
    for code in codes:
        n = by_code[code]
        markers = {m.what: m.value for m in sentinels.markers if m.client == code}
        keys = {
            "hmisId": f'"{sentinels.clients[code]}"',
            "name": f'"{markers["first"]}"',
            "dob": f'"{markers["dob"]}"',
            "ssnLastFour": f'"{markers["SSN last four"]}"',
        }
        for key, value in keys.items():
            alias = f"{code}_{key}"
            parts.append(
                f"{alias}: clients(search: {{{key}: {value}}}) {{ totalCount nodes {{ id }} }}"
            )
            aliases[alias] = n
    return "query { " + " ".join(parts) + " }", aliases


async def test_each_role_reads_exactly_what_it_may_of_every_sentinel(api: Api) -> None:
    sentinels = await build_sentinels(api)
    codes = [s.code for s in SCENARIOS]
    for role in ROLES:
        token = await sentinels.token(api, role)
        forbidden = sentinels.forbidden(role)
        found = []
        for scenario in SCENARIOS:
            # when the role reads the sentinel in full, and exports its record
            for document in (READ, EXPORT):
                body = await api.gql(document, {"id": sentinels.clients[scenario.code]}, token)
                # then nothing forbidden, never INTERNAL
                assert not leaks(body, forbidden), (role, scenario.what, leaks(body, forbidden))
                codes_seen = {e["extensions"]["code"] for e in body.get("errors", [])}
                assert "INTERNAL" not in codes_seen, (role, scenario.what, body["errors"])
                found.append(body)
                if not sees(role, scenario):
                    # the refused root field alone is null (it is the document's only one)
                    assert list(body["data"].values()) == [None], (role, scenario.what)
                    assert codes_seen <= {"NOT_FOUND", "FORBIDDEN"}, (role, scenario.what)
        # and everything it may see is there: the reads above are complete
        allowed = sentinels.allowed(role)
        missing = [(m.client, m.what) for m in allowed if not leaks(found, [m])]
        assert not missing, (role, missing)

        # when it searches for each sentinel by HMIS id, name, DOB and the last four of the SSN
        for half in (codes[:6], codes[6:]):
            document, aliases = _search(sentinels, half)
            body = await api.gql(document, {}, token)
            assert not leaks(body, forbidden), (role, leaks(body, forbidden))
            if ROLES[role] is None:  # no client access at all: not even a search
                assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (role, body)
                continue
            assert not body.get("errors"), (role, body["errors"])
            for alias, n in aliases.items():
                seen = sees(role, SCENARIOS[n])
                by_hmis_id = alias.endswith("_hmisId")
                expected = int(bool(seen) if by_hmis_id else IDENT in seen)
                assert body["data"][alias]["totalCount"] == expected, (role, alias, seen)
                assert len(body["data"][alias]["nodes"]) == expected, (role, alias)


# --- the fuzz --------------------------------------------------------------------------------

_QUERY = sdl_schema().query_type
assert _QUERY is not None
QUERIES = tuple(("query", name) for name in sorted(_QUERY.fields))
# Reading client data is where the leaks were: those roots are drawn more often.
CLIENT_QUERIES = (
    ("query", "client"),
    ("query", "clients"),
    ("query", "clientRecordExport"),
    ("query", "node"),
    ("query", "projectRoster"),
    ("query", "household"),
    ("query", "coordinatedEntry"),
)
# Writes to A's clients and their rows, which no other agency may make; their answers (and their
# refusals) are read for markers too. createClient and recordConsent are left out: an agency may
# legitimately enter a client, or record its own consent, and then see what it entered.
CLIENT_WRITES = tuple(
    ("mutation", name)
    for name in (
        "updateClient",
        "recordRelease",
        "revokeRelease",
        "createEnrollment",
        "exitEnrollment",
        "recordService",
        "recordIncomeBenefits",
        "recordDisability",
        "recordHealthAndDv",
        "recordCurrentLivingSituation",
        "recordAssessment",
        "recordEvent",
        "recordEmploymentEducation",
        "recordYouthEducationStatus",
        "addCaseNote",
        "requestCaseNoteDeletion",
        "approveCaseNoteDeletion",
        "markRecordInaccurate",
        "supplementRecord",
    )
)
HOLDERS = {role for role, agency in ROLES.items() if agency == "A"}
# Roles that see some of A's sentinels and not others are where a leak would show: drawn more.
PARTIAL = ("FULL@B", "VIEW_ONLY@B", "HDC@B", "FULL@C", "CAN_STAFF", "CAN_STAFF+FULL")
FUZZED_ROLES = (*sorted(ROLES), *PARTIAL * 3, "BACKBONE_NOT_STAFF")


def _pools(sentinels: Sentinels, households: list[str]) -> Pools:
    world = sentinels.world
    ids: dict[str, list[str]] = {}
    for name, value in sentinels.ids.items():  # "<code> <row>": "aa enrollment", "aa case note"
        ids.setdefault(camel(name.split(" ", 1)[1].replace(" ", "_")), []).append(value)
    clients = ids["client"]
    ids |= {
        "hmis": clients,
        "updateClient": clients,
        "clientRecordExport": clients,
        "agency": [str(world.a.id), str(world.b.id), str(world.k.id)],
        "project": [str(world.project_a.id), str(world.project_b.id)],
        "can": [str(world.north.id), str(world.south.id)],
        # the sentinels' households (HouseholdID within project A)
        "household": households,
    }
    # node(id:) takes global ids: of the sentinels and of their rows, and of other types
    ids["node"] = [
        to_global_id(type_name, key)
        for type_name, kind in (
            ("Client", "client"),
            ("Enrollment", "enrollment"),
            ("CaseNote", "caseNote"),
            ("Agency", "agency"),
            ("Project", "project"),
        )
        for key in ids[kind]
    ]
    strings = tuple(m.value for m in sentinels.markers if not m.what.endswith("id"))
    dates = tuple(m.value for m in sentinels.markers if m.what == "dob")
    return Pools(
        ids={k: tuple(v) for k, v in ids.items()},
        strings=strings,
        dates=(*dates, *Pools.dates),
    )


@pytest.fixture
def state() -> dict[str, Any]:
    """Kept across the examples of one test: the sentinels are built once."""
    return {}


@settings(
    max_examples=600,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_generated_operations_never_show_a_role_what_it_may_not_see(
    api: Api, state: dict[str, Any], data: st.DataObject
) -> None:
    if "sentinels" not in state:
        state["sentinels"] = await build_sentinels(api)
        state["households"] = await Enrollment.all().values_list("household_id", flat=True)
    sentinels: Sentinels = state["sentinels"]
    pools = _pools(sentinels, state["households"])
    role = data.draw(st.sampled_from(FUZZED_ROLES), label="role")
    # A's own users may write A's clients: their writes would change what the oracle knows.
    roots = (*QUERIES, *CLIENT_QUERIES * 12)
    if role not in HOLDERS:
        roots = (*roots, *CLIENT_WRITES)
    document, variables = data.draw(operations(roots, pools), label="operation")
    token = await sentinels.token(api, role)

    response = await api.post(document, variables, token)

    assert response.status_code == 200, response.text
    body = response.json()
    found = leaks(body, sentinels.forbidden(role))
    assert not found, [(m.client, m.what) for m in found]
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    assert "INTERNAL" not in codes, body["errors"]
    assert None not in codes, body["errors"]  # every error is typed
