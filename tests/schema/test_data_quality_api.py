"""dataQualityReport and dataQualityCell over GraphQL: the report's shape, the drill-down's
connection (audited as client reads), counts only for a reporting-only user, FORBIDDEN scopes
audited, bad input typed."""

from __future__ import annotations

from models.audit import AuditEvent
from models.enums import AuditAction
from tests.audit_rows import records
from tests.authz.client_world import build_world, make_role_user
from tests.factories import Api
from tests.reports.test_data_quality import END, START, Fixture

REPORT = """
query($scope: String!, $start: Date!, $end: Date!) {
  dataQualityReport(scope: $scope, startDate: $start, endDate: $end) {
    scope startDate endDate drillDown
    q1 { persons adults children unknownAge leavers stayers veterans adultHoh stayers365Days }
    q6a {
      rows { key element dkPnta { key count } missing { count } dataIssues { count }
             total { key count denominator rate } }
      overall { key count denominator rate }
    }
    q6b { key dkPnta { count } missing { count } dataIssues { count } total { count denominator } }
    q6c { key total { count denominator rate } }
    q6d { key label projectTypes count { count } institutionMissing { count } any { count rate } }
    q6e { key event lessThanZero { count } zero { count } elevenPlus { count } total { count } }
    q6f { key label records { count } inactive { count rate } }
    cells { key count denominator rate }
  }
}"""

CELL = """
query($scope: String!, $start: Date!, $end: Date!, $key: String!, $first: Int!, $after: String) {
  dataQualityCell(scope: $scope, startDate: $start, endDate: $end, key: $key, first: $first,
                  after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id entryDate client { id firstName lastName } }
  }
}"""


def _vars(scope: str, **extra: object) -> dict[str, object]:
    return {"scope": scope, "start": START.isoformat(), "end": END.isoformat(), **extra}


async def _world() -> Fixture:
    world = await build_world()
    fx = Fixture(world, world.writer_a)
    await fx.project("es", 0)
    await fx.enrol("a_dk", "es", person={"name_data_quality": 8, "first_name": "Ana"})
    await fx.enrol("a_clean", "es", person={"first_name": "Bea"})
    project_b = await fx.project("b", 0, agency=world.b)
    del project_b
    sentinel = await fx.client(agency=world.b, name_data_quality=8, first_name="Sentinel")
    await fx.enrol("sentinel_b", "b", client=sentinel)
    return fx


async def test_the_report_and_its_drill_down(api: Api) -> None:
    fx = await _world()
    hdc = await make_role_user(fx.world, "HDC@A")
    token = await api.sign_in(hdc)
    scope = f"agency:{fx.world.a.id}"
    report = (await api.ok(REPORT, _vars(scope), token))["dataQualityReport"]
    assert (report["scope"], report["startDate"], report["drillDown"]) == (
        scope,
        "2025-01-01",
        True,
    )
    assert report["q1"]["persons"] == 2
    name = report["q6a"]["rows"][0]
    assert name["key"] == "Q6a.name"
    assert name["dkPnta"] == {"key": "Q6a.name.dk_pnta", "count": 1}
    assert name["total"] == {"key": "Q6a.name.total", "count": 1, "denominator": 2, "rate": 0.5}
    assert [r["key"] for r in report["q6a"]["rows"]] == [
        "Q6a.name",
        "Q6a.ssn",
        "Q6a.dob",
        "Q6a.race",
    ]
    assert report["q6a"]["rows"][3]["dataIssues"] is None  # race has no data issues column
    assert next(r["key"] for r in report["q6d"]) == "Q6d.es_sh_so"
    assert report["q6d"][0]["institutionMissing"] is None
    assert [r["event"] for r in report["q6e"]] == ["START", "EXIT"]
    assert [r["key"] for r in report["q6f"]] == ["Q6f.contact", "Q6f.bed_night"]
    keys = [c["key"] for c in report["cells"]]
    assert len(keys) == len(set(keys))
    assert "Q6a.ssn.data_issues" in keys
    # the drill-down: A's client only, audited as a client read
    cell = (await api.ok(CELL, _vars(scope, key="Q6a.name.total", first=10), token))[
        "dataQualityCell"
    ]
    assert cell["totalCount"] == 1
    assert [n["client"]["firstName"] for n in cell["nodes"]] == ["Ana"]
    views = records(await AuditEvent.filter(action=AuditAction.VIEW, actor_id=hdc.id))
    assert {v.entity_type for v in views} >= {"Client", "Enrollment"}
    # never the other agency's sentinel, whatever the cell
    every = (await api.ok(CELL, _vars(scope, key="Q1.persons", first=100), token))[
        "dataQualityCell"
    ]
    assert "Sentinel" not in str(every)
    assert every["totalCount"] == 2


async def test_a_reporting_only_user_gets_counts_only(api: Api) -> None:
    fx = await _world()
    user = await make_role_user(fx.world, "REPORTING_ONLY@A")
    token = await api.sign_in(user)
    scope = f"agency:{fx.world.a.id}"
    report = (await api.ok(REPORT, _vars(scope), token))["dataQualityReport"]
    assert report["drillDown"] is False
    assert report["q6a"]["overall"]["count"] == 1
    error = await api.error(CELL, _vars(scope, key="Q6a.name.total", first=10), token)
    assert (error["code"], error["field"]) == ("FORBIDDEN", "key")
    assert await AuditEvent.filter(action=AuditAction.DENIED, actor_id=user.id).count() == 1
    assert not await AuditEvent.filter(action=AuditAction.VIEW, actor_id=user.id).exists()


async def test_forbidden_scopes_and_bad_input(api: Api) -> None:
    fx = await _world()
    hdc = await make_role_user(fx.world, "HDC@A")
    token = await api.sign_in(hdc)
    other = await api.error(REPORT, _vars(f"agency:{fx.world.b.id}"), token)
    assert (other["code"], other["field"]) == ("FORBIDDEN", "scope")
    statewide = await api.error(REPORT, _vars("all"), token)
    assert statewide["code"] == "FORBIDDEN"
    denied = await AuditEvent.filter(action=AuditAction.DENIED, actor_id=hdc.id)
    assert len(denied) == 2
    assert all(d.entity_type == "DataQualityReport" for d in denied)
    backwards = await api.error(
        REPORT,
        {"scope": f"agency:{fx.world.a.id}", "start": "2025-02-01", "end": "2025-01-31"},
        token,
    )
    assert (backwards["code"], backwards["field"]) == ("VALIDATION", "endDate")
    bad = await api.error(REPORT, _vars("agency:nope"), token)
    assert (bad["code"], bad["field"]) == ("VALIDATION", "scope")
    key = await api.error(CELL, _vars(f"agency:{fx.world.a.id}", key="Q6z", first=1), token)
    assert (key["code"], key["field"]) == ("VALIDATION", "key")
    # no permission at all: a Security Officer
    officer = await api.sign_in(await make_role_user(fx.world, "SECURITY_OFFICER"))
    assert (await api.error(REPORT, _vars("all"), officer))["code"] == "FORBIDDEN"
    assert (await api.error(REPORT, _vars("all")))["code"] == "UNAUTHENTICATED"
