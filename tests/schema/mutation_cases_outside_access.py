"""Valid calls of the outside access operations (the manual's attachment), registered with the
malformed-input tests' cases (tests/schema/mutation_cases.py, query_cases.py)."""

from __future__ import annotations

from typing import Any

from models.enums import SystemRole
from models.users import User
from tests.factories import make_user
from tests.schema.mutation_cases import Call, World, case
from tests.schema.query_cases import query_case

RECORD = """mutation($input: RecordOutsideAccessApplicationInput!) {
  recordOutsideAccessApplication(input: $input) { id } }"""
ASSESS = """mutation($input: AssessOutsideAccessApplicationInput!) {
  assessOutsideAccessApplication(input: $input) { id } }"""
MET = (
    "NO_OTHER_REPORTING_OPTION",
    "FUNDING_OR_PROVIDER",
    "WORKS_WITH_PEOPLE_EXPERIENCING_HOMELESSNESS",
    "CONTRIBUTES_TO_ENDING_HOMELESSNESS",
)


def _application(w: World, **changes: Any) -> dict[str, Any]:
    return {
        "organisationName": w.unique("Outside Research Institute"),
        "contactName": "Dana Reyes",
        "contactEmail": "dana@research.example.org",
        "purpose": "Returns to homelessness.",
        "contribution": "Shows which programs keep people housed.",
        "program": "Research Unit",
        "staff": [{"name": "Sam Analyst", "email": "sam@research.example.org"}],
        "levelRequested": "REPORTING_ONLY",
        "term": "ONGOING",
        "researcher": False,
        "trainingAgreed": True,
        "cocCode": "CT-503",
        "canId": str(w.can.id),
        "receivedOn": "2026-02-20",
        **changes,
    }


def _findings(**overrides: str) -> list[dict[str, Any]]:
    return [
        {"criterion": c, "finding": overrides.get(c, "MET"), "note": "Reason given."} for c in MET
    ]


async def _recorded(w: World, **changes: Any) -> str:
    data = await w.api.ok(RECORD, {"input": _application(w, **changes)}, await w.token("admin"))
    return str(data["recordOutsideAccessApplication"]["id"])


async def _assessed(w: World, **overrides: str) -> str:
    app_id = await _recorded(w, canId=None)
    assessment = {
        "applicationId": app_id,
        "findings": _findings(**overrides),
        "highRiskOfAbuse": False,
    }
    await w.api.ok(ASSESS, {"input": assessment}, await w.token("admin"))
    return app_id


async def _dsb(w: World) -> str:
    if not await User.exists(username="dsb"):
        await make_user("dsb", roles=(SystemRole.DSB_MEMBER,))
    return await w.token("dsb")


@case("recordOutsideAccessApplication")
async def _record(w: World) -> Call:
    return await w.token("admin"), {"input": _application(w)}


@case("recordOutsideAccessCanInvolvement")
async def _can_involvement(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "applicationId": await _recorded(w),
            "leaderName": "CAN Co-Chair",
            "informedOn": "2026-02-25",
            "position": "OPPOSES",
            "note": "Duplicates the CAN's reports.",
        }
    }


@case("assessOutsideAccessApplication")
async def _assess(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "applicationId": await _recorded(w, canId=None),
            "findings": _findings(FUNDING_OR_PROVIDER="UNCLEAR"),
            "highRiskOfAbuse": True,
            "riskNote": "Asked for client-level data to resell.",
        }
    }


@case("recordOutsideAccessSubcommitteeDecision")
async def _vet(w: World) -> Call:
    app_id = await _assessed(w, FUNDING_OR_PROVIDER="UNCLEAR")
    return await _dsb(w), {
        "input": {
            "applicationId": app_id,
            "approve": True,
            "reason": "The funders need it.",
            "members": ["A. Chair"],
            "decidedOn": "2026-03-01",
        }
    }


@case("grantOutsideAccess")
async def _grant(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "applicationId": await _assessed(w),
            "signedOn": "2026-03-01",
            "signedBy": "Dana Reyes",
            "note": "Signed.",
        }
    }


@query_case("outsideAccessApplications")
async def _applications(w: World) -> Call:
    await _recorded(w)
    return await w.token("admin"), {"first": 10, "after": None}


@query_case("outsideAccessApplication")
async def _application_by_id(w: World) -> Call:
    return await w.token("admin"), {"id": await _recorded(w)}


# The governance log's query (commit 263ffb5) came without a case; its filter takes text and ids.
@query_case("governanceLog")
async def _governance_log(w: World) -> Call:
    return await w.token("admin"), {
        "filter": {
            "entityType": "Agency",
            "entityId": str(w.a.id),
            "action": "mou.record",
            "actorId": str(w.admin.id),
            "agencyId": str(w.a.id),
        },
        "first": 10,
        "after": None,
    }
