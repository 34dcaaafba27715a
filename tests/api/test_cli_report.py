"""``hearth report user-access``: the agency's report as CSV, refusals as JSON with exit 2."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.cli import app as cli
from authz import enforcer
from models.enums import AccessLevel, AuditAction
from services.audit import AuditRow, append
from tests.factories import make_agency, make_user


async def _report(runner: CliRunner, *args: str) -> Result:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)
        return await asyncio.to_thread(runner.invoke, cli, ["report", "user-access", *args])


async def test_the_report_is_written_as_csv_with_flags_and_reasons(
    app: object, runner: CliRunner, tmp_path: Path
) -> None:
    # given: a view-only user who changed a client record in 2026Q1
    agency = await make_agency("Agency A")
    viewer = await make_user("viewer", agencies={agency: AccessLevel.VIEW_ONLY})
    await make_user("worker", agencies={agency: AccessLevel.FULL})
    await append(
        [
            AuditRow(
                occurred_at=datetime(2026, 2, 3, 15, tzinfo=UTC),
                action=AuditAction.UPDATE,
                entity_type="Client",
                entity_id="x",
                actor_id=viewer.id,
                agency_id=agency.id,
            )
        ]
    )
    out = tmp_path / "q1.csv"
    # when
    result = await _report(
        runner, "--quarter", "2026Q1", "--agency", str(agency.id), "--csv", str(out)
    )
    # then
    assert result.exit_code == 0, result.output
    rows = {r["username"]: r for r in csv.DictReader(out.read_text().splitlines())}
    assert set(rows) == {"viewer", "worker"}
    assert rows["viewer"]["access_level"] == "VIEW_ONLY"
    assert rows["viewer"]["flags"] == "INCONSISTENT_WITH_ROLE"
    assert "view-only" in rows["viewer"]["reasons"]
    assert rows["worker"]["flags"] == ""


async def test_a_future_quarter_or_a_bad_agency_is_refused(app: object, runner: CliRunner) -> None:
    agency = await make_agency("Agency A")
    result = await _report(runner, "--quarter", "2099Q1", "--agency", str(agency.id))
    assert result.exit_code == 2
    assert json.loads(result.stderr)["error"]["code"] == "VALIDATION"
    result = await _report(runner, "--quarter", "2026Q1", "--agency", "not-an-id")
    assert result.exit_code == 2
    assert json.loads(result.stderr)["error"]["field"] == "agency"
