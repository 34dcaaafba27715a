"""aggregateReport over GraphQL and ``hearth report aggregate`` on the command line: the same
service (services/reports/aggregates.py), small cells suppressed, scopes checked."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from authz import enforcer
from models.clients import Client
from models.enrollments import Enrollment
from models.enums import SystemRole
from tests.authz.client_world import NOW, World, add_client, build_world, make_role_user
from tests.factories import Api, make_user

REPORT = """
query($scope: String!, $start: Date!, $end: Date!, $dims: [AggregateDimension!]!) {
  aggregateReport(scope: $scope, startDate: $start, endDate: $end, dimensions: $dims) {
    scope startDate endDate dimensions universe rule
    cells { values { dimension key label } count suppressed }
    totals { values { dimension key } count suppressed }
    total { values { key } count suppressed }
  }
}"""


def _vars(scope: str, *dims: str) -> dict[str, object]:
    return {"scope": scope, "start": "2026-01-01", "end": "2026-03-31", "dims": list(dims)}


async def _served(world: World, n: int, **values: object) -> None:
    for i in range(n):
        client = await add_client(world.a, world.writer_a, **values)
        await Enrollment.create(
            client=client,
            project=world.project_a,
            agency_id=world.a.id,
            entry_date=date(2026, 2, 1),
            household_id=f"api{values.get('sex')}-{i}",
            relationship_to_hoh=1,
            created_by_user=world.writer_a,
            created_at=NOW,
            updated_at=NOW,
        )


async def test_a_reporting_only_user_reads_counts_with_small_cells_hidden(api: Api) -> None:
    world = await build_world()
    await Client.filter(id=world.rosa.id).update(sex=0)  # Rosa: female, 13 in all
    await _served(world, 12, sex=0)
    await _served(world, 20, sex=1)
    await _served(world, 3, sex=99)
    token = await api.sign_in(await make_role_user(world, "REPORTING_ONLY@A"))
    report = (await api.ok(REPORT, _vars(f"agency:{world.a.id}", "SEX"), token))["aggregateReport"]
    assert report["dimensions"] == ["SEX"]
    assert report["totals"] == []
    assert report["total"] == {"values": [], "count": 36, "suppressed": False}
    shown = {c["values"][0]["key"]: (c["count"], c["suppressed"]) for c in report["cells"]}
    # 3 is hidden; the next smallest (13) with it, so that 3 = 36 - 20 - 13 cannot be done
    assert shown == {
        "FEMALE": (None, True),
        "MALE": (20, False),
        "DOESNT_KNOW_OR_PREFERS_NOT": (0, False),
        "NOT_COLLECTED": (None, True),
    }
    assert report["cells"][0]["values"][0]["label"] == "Female"
    assert "1 to 10" in report["rule"]


async def test_a_cross_tab_has_cells_and_both_margins(api: Api) -> None:
    world = await build_world()
    await Client.filter(id=world.rosa.id).update(sex=0, veteran_status=0, dob=date(1980, 1, 1))
    token = await api.sign_in(await make_role_user(world, "HDC@A"))
    report = (
        await api.ok(REPORT, _vars(f"project:{world.project_a.id}", "SEX", "VETERAN_STATUS"), token)
    )["aggregateReport"]
    assert len(report["cells"]) == 4 * 5
    assert len(report["totals"]) == 4 + 5
    # one client: every non-zero figure is hidden, and never a count from 1 to 10
    figures = [*report["cells"], *report["totals"], report["total"]]
    assert all(f["count"] is None or f["count"] == 0 or f["count"] > 10 for f in figures)
    assert report["total"] == {"values": [], "count": None, "suppressed": True}


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("REPORTING_ONLY@A", "agency:{b}"),
        ("REPORTING_ONLY@A", "all"),
        ("HDC@A", "project:{project_b}"),
        ("VIEW_ONLY@A", "can:{north}"),
    ],
)
async def test_a_scope_the_caller_may_not_use_is_forbidden(api: Api, role: str, scope: str) -> None:
    world = await build_world()
    token = await api.sign_in(await make_role_user(world, role))
    ids = {"b": world.b.id, "project_b": world.project_b.id, "north": world.north.id}
    error = await api.error(REPORT, _vars(scope.format(**ids), "SEX"), token)
    assert (error["code"], error["field"]) == ("FORBIDDEN", "scope")


async def test_the_lead_agency_and_dsb_members_read_statewide(api: Api) -> None:
    await build_world()
    for role in (SystemRole.LEAD_AGENCY, SystemRole.DSB_MEMBER):
        token = await api.sign_in(await make_user(roles=(role,)))
        report = (await api.ok(REPORT, _vars("all", "AGE_BAND"), token))["aggregateReport"]
        assert report["scope"] == "all"


async def test_bad_input_gets_validation_errors(api: Api) -> None:
    world = await build_world()
    token = await api.sign_in(await make_role_user(world, "HDC@A"))
    scope = f"agency:{world.a.id}"
    backwards = {**_vars(scope, "SEX"), "start": "2026-04-01"}
    assert (await api.error(REPORT, backwards, token))["field"] == "endDate"
    three = _vars(scope, "SEX", "AGE_BAND", "PROJECT")
    assert (await api.error(REPORT, three, token))["field"] == "dimensions"
    assert (await api.error(REPORT, _vars("agency:x", "SEX"), token))["field"] == "scope"


async def test_the_command_line_writes_the_csv(
    app: object, runner: CliRunner, tmp_path: Path
) -> None:
    world = await build_world()
    await Client.filter(id=world.rosa.id).update(sex=0)
    await _served(world, 11, sex=1)
    hdc = await make_role_user(world, "HDC@A")
    out = tmp_path / "counts.csv"
    args = [
        *("report", "aggregate", "--scope", f"agency:{world.a.id}"),
        *("--start", "2026-01-01", "--end", "2026-03-31"),
        *("--dimension", "sex", "--user", hdc.username, "--csv", str(out)),
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)
        result = await asyncio.to_thread(runner.invoke, cli, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["category1"], r["count"], r["suppressed"]) for r in rows] == [
        ("FEMALE", "", "yes"),
        ("MALE", "", "yes"),
        ("DOESNT_KNOW_OR_PREFERS_NOT", "0", "no"),
        ("NOT_COLLECTED", "0", "no"),
        ("TOTAL", "12", "no"),
    ]
