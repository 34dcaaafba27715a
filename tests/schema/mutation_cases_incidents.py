"""The valid calls of tests/schema/mutation_cases.py, continued: the governance incidents (policies
106, 108, 202) and grievances (policy 114), mutations and the queries that take text or ids."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import make_user
from tests.schema.mutation_cases import Call, World, case
from tests.schema.query_cases import query_case

__all__: list[str] = []

REPORT = """mutation($input: ReportSecurityIncidentInput!) {
  reportSecurityIncident(input: $input) { id } }"""
CONTAIN = """mutation($id: ID!, $at: DateTime!) {
  recordIncidentContainment(input: {incidentId: $id, containment: "Wiped.", containedAt: $at}) { id } }"""
FILE = """mutation($input: FileGrievanceInput!) { fileGrievance(input: $input) { id } }"""
OUTCOME = """mutation($id: ID!) {
  recordGrievanceOutcome(input: {grievanceId: $id, outcome: UNRESOLVED, notes: "Not settled."}) { id } }"""
ADD_MEMBER = (
    """mutation($user: ID!) { addGrievanceSubcommitteeMember(input: {userId: $user}) { userId } }"""
)


def _now(w: World) -> str:
    return w.api.clock.now().isoformat()


async def _incident(w: World, *, contained: bool = False) -> str:
    """An incident at agency A, reported by its case manager (contained by the administrator)."""
    data = await w.api.ok(
        REPORT,
        {
            "input": {
                "kind": "UNAUTHORIZED_ACCESS",
                "discoveredAt": (w.api.clock.now() - timedelta(hours=1)).isoformat(),
                "description": "A shared screen.",
                "agencyId": str(w.a.id),
            }
        },
        await w.token("worker"),
    )
    incident_id = str(data["reportSecurityIncident"]["id"])
    if contained:
        await w.api.ok(CONTAIN, {"id": incident_id, "at": _now(w)}, await w.token("admin"))
    return incident_id


async def _grievance(w: World, *, unresolved: bool = False) -> str:
    """A client's grievance at agency A, filed by its HDC (its agency step ended unresolved)."""
    data = await w.api.ok(
        FILE,
        {
            "input": {
                "kind": "CLIENT",
                "summary": "Disclosure",
                "text": "Told my landlord.",
                "agencyId": str(w.a.id),
            }
        },
        await w.token("hdc"),
    )
    grievance_id = str(data["fileGrievance"]["id"])
    if unresolved:
        await w.api.ok(OUTCOME, {"id": grievance_id}, await w.token("hdc"))
    return grievance_id


# Incidents ---------------------------------------------------------------------------------


@case("reportSecurityIncident")
async def _report(w: World) -> Call:
    return await w.token("worker"), {
        "input": {
            "kind": "LOST_OR_STOLEN_DEVICE",
            "discoveredAt": (w.api.clock.now() - timedelta(hours=2)).isoformat(),
            "description": "A laptop left on a bus.",
            "agencyId": str(w.a.id),
            "clientIds": [await w.client()],
            "breach": True,
        }
    }


@case("recordIncidentContainment")
async def _contain(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "incidentId": await _incident(w),
            "containment": "The laptop was wiped remotely.",
            "containedAt": _now(w),
        }
    }


@case("addIncidentClients")
async def _add_clients(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {"incidentId": await _incident(w), "clientIds": [await w.client()]}
    }


@case("recordBreachNotification")
async def _notify(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "incidentId": await _incident(w),
            "notifiedParty": "The affected clients",
            "method": "letter",
            "notifiedAt": _now(w),
        }
    }


@case("closeSecurityIncident")
async def _close(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "incidentId": await _incident(w, contained=True),
            "closure": "Staff retrained.",
        }
    }


@query_case("securityIncidents")
async def _incidents(w: World) -> Call:
    await _incident(w)
    return await w.token("admin"), {"agencyId": str(w.a.id), "first": 10}


@query_case("securityIncident")
async def _one_incident(w: World) -> Call:
    return await w.token("admin"), {"id": await _incident(w)}


# Grievances --------------------------------------------------------------------------------


@case("fileGrievance")
async def _file(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {
            "kind": "CLIENT",
            "summary": "Services refused",
            "text": "The shelter turned me away.",
            "agencyId": str(w.a.id),
        }
    }


@case("recordGrievanceOutcome")
async def _outcome(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {
            "grievanceId": await _grievance(w),
            "outcome": "RESOLVED",
            "notes": "Apologised; the client is satisfied.",
        }
    }


@case("escalateGrievance")
async def _escalate(w: World) -> Call:
    return await w.token("hdc"), {
        "input": {
            "grievanceId": await _grievance(w, unresolved=True),
            "statement": "The client asks the subcommittee.",
        }
    }


@case("withdrawGrievance")
async def _withdraw(w: World) -> Call:
    return await w.token("hdc"), {"input": {"grievanceId": await _grievance(w)}}


@case("addGrievanceSubcommitteeMember")
async def _add_member(w: World) -> Call:
    return await w.token("admin"), {"input": {"userId": str((await make_user()).id)}}


@case("removeGrievanceSubcommitteeMember")
async def _remove_member(w: World) -> Call:
    user = await make_user()
    await w.api.ok(ADD_MEMBER, {"user": str(user.id)}, await w.token("admin"))
    return await w.token("admin"), {"input": {"userId": str(user.id), "reason": "Term ended."}}


@case("recordGrievanceSubcommitteeMeeting")
async def _meeting(w: World) -> Call:
    w.calls += 1
    day = w.api.clock.now().date() + timedelta(days=w.calls)
    return await w.token("admin"), {"input": {"meetsOn": day.isoformat()}}


@query_case("grievances")
async def _grievances(w: World) -> Call:
    await _grievance(w)
    return await w.token("hdc"), {"first": 10}


@query_case("grievance")
async def _one_grievance(w: World) -> Call:
    return await w.token("hdc"), {"id": await _grievance(w)}


# The governance log (commit 263ffb5 added the query without a case; the check above needs one).


@query_case("governanceLog")
async def _governance_log(w: World) -> Call:
    return await w.token("admin"), {
        "filter": {
            "entityType": "SecurityIncident",
            "entityId": "1",
            "actorId": str(w.admin.id),
            "agencyId": str(w.a.id),
            "action": "incident.report",
        },
        "first": 10,
    }
