"""A valid call of every query of the schema that takes text or ids, in the world of
tests/schema/mutation_cases.py: the malformed-input tests spoil them as they do the mutations."""

from __future__ import annotations

from collections.abc import Callable

from models.enrollments import Enrollment
from schema.relay import to_global_id
from tests.schema.mutation_cases import Call, Case, World
from tests.schema.writes_support import make_project

__all__ = ["QUERY_CASES"]

QUERY_CASES: dict[str, Case] = {}


def query_case(name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        QUERY_CASES[name] = function
        return function

    return register


@query_case("agencies")
async def _agencies(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("agency")
async def _agency(w: World) -> Call:
    return await w.token("admin"), {"id": str(w.a.id)}


@query_case("projects")
async def _projects(w: World) -> Call:
    return await w.token("admin"), {"agencyId": str(w.a.id)}


@query_case("project")
async def _project(w: World) -> Call:
    return await w.token("admin"), {"id": str((await make_project(w.a, w.unique("P"))).id)}


@query_case("cans")
async def _cans(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("users")
async def _users(w: World) -> Call:
    return await w.token("admin"), {"filter": {"agencyId": str(w.a.id), "externalId": "V-9"}}


@query_case("user")
async def _user(w: World) -> Call:
    return await w.token("admin"), {"id": str(w.member.id)}


@query_case("accessRequests")
async def _access_requests(w: World) -> Call:
    return await w.token("hdc"), {"agencyId": str(w.a.id)}


@query_case("clients")
async def _clients(w: World) -> Call:
    client_id = await w.client()
    return await w.token("worker"), {
        "search": {"name": "Rosa", "ssnLastFour": "6789", "hmisId": client_id}
    }


@query_case("client")
async def _client(w: World) -> Call:
    return await w.token("worker"), {"id": await w.client()}


@query_case("node")
async def _node(w: World) -> Call:
    return await w.token("worker"), {"id": to_global_id("Client", await w.client())}


@query_case("projectRoster")
async def _project_roster(w: World) -> Call:
    enrollment = await w.enrollment()
    project_id = await Enrollment.get(id=enrollment).values_list("project_id", flat=True)
    return await w.token("worker"), {"projectId": str(project_id), "first": 10}


@query_case("household")
async def _household(w: World) -> Call:
    row = await Enrollment.get(id=await w.enrollment())
    return await w.token("worker"), {
        "projectId": str(row.project_id),
        "householdId": row.household_id,
    }


@query_case("clientRecordExport")
async def _client_record_export(w: World) -> Call:
    return await w.token("worker"), {"clientId": await w.client()}


@query_case("caseNoteDeletionRequests")
async def _deletion_requests(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("serviceAccounts")
async def _service_accounts(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("userAccessReport")
async def _user_access_report(w: World) -> Call:
    return await w.token("hdc"), {"agencyId": str(w.a.id), "quarter": "2026Q1"}


@query_case("dataStrategyBoardAccessSummary")
async def _dsb_summary(w: World) -> Call:
    return await w.token("admin"), {"quarter": "2026Q1"}


@query_case("complianceCases")
async def _compliance_cases(w: World) -> Call:
    return await w.token("admin"), {"agencyId": str(w.a.id)}


@query_case("jobRuns")
async def _job_runs(w: World) -> Call:
    return await w.token("admin"), {"job": "retraining"}


@query_case("governanceLog")
async def _governance_log(w: World) -> Call:
    return await w.token("admin"), {"filter": {"entityType": "User", "agencyId": str(w.a.id)}}


# governance rules (105)
@query_case("pendingSystemRoleGrants")
async def _pending_grants(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("securityIncidentSummary")
async def _security_incident_summary(w: World) -> Call:
    return await w.token("admin"), {
        "since": "2026-01-01T00:00:00+00:00",
        "until": "2026-04-01T00:00:00+00:00",
    }


# aggregate reports (109, 405)
@query_case("aggregateReport")
async def _aggregate_report(w: World) -> Call:
    return await w.token("hdc"), {
        "scope": f"agency:{w.a.id}",
        "startDate": "2026-01-01",
        "endDate": "2026-03-31",
        "dimensions": ["AGE_BAND", "SEX"],
    }


# the HUD data quality report (301, 302)
@query_case("dataQualityReport")
async def _data_quality_report(w: World) -> Call:
    return await w.token("hdc"), {
        "scope": f"agency:{w.a.id}",
        "startDate": "2025-10-01",
        "endDate": "2026-09-30",
    }


@query_case("dataQualityCell")
async def _data_quality_cell(w: World) -> Call:
    return await w.token("hdc"), {
        "scope": f"agency:{w.a.id}",
        "startDate": "2025-10-01",
        "endDate": "2026-09-30",
        "key": "Q6a.ssn.total",
        "first": 10,
    }
