"""``hearth export hud-csv`` and ``hearth import hud-csv``: the same services, on the command line."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.cli import app as cli
from api.settings import get_settings
from authz import enforcer
from models.clients import Client
from models.enums import Duty
from models.governance import Agency
from tests.authz.client_world import build_world, make_role_user
from tests.factories import make_agency, make_user
from tests.hudcsv.support import read_zip, write_zip
from tests.hudcsv.test_import import source_files


async def _cli(runner: CliRunner, *args: str) -> Result:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)
        return await asyncio.to_thread(runner.invoke, cli, list(args))


async def test_export_as_a_user_writes_the_zip(
    app: object, runner: CliRunner, tmp_path: Path
) -> None:
    world = await build_world()
    hdc = await make_role_user(world, "HDC@A")
    out = tmp_path / "a.zip"
    result = await _cli(
        runner,
        "export",
        "hud-csv",
        "--scope",
        f"agency:{world.a.id}",
        "--start",
        "2025-10-01",
        "--end",
        "2026-09-30",
        "--out",
        str(out),
        "--user",
        hdc.username,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"]["Client"] == 1
    assert summary["hashStatus"] == 1
    assert [c["FirstName"] for c in read_zip(out)["Client"]] == ["Rosa"]


async def test_export_of_a_scope_the_user_may_not_read_is_refused(
    app: object, runner: CliRunner, tmp_path: Path
) -> None:
    world = await build_world()
    hdc = await make_role_user(world, "HDC@A")
    out = tmp_path / "b.zip"
    result = await _cli(
        runner,
        "export",
        "hud-csv",
        "--scope",
        f"agency:{world.b.id}",
        "--start",
        "2025-10-01",
        "--end",
        "2026-09-30",
        "--out",
        str(out),
        "--user",
        hdc.username,
    )
    assert result.exit_code == 2
    assert json.loads(result.stderr)["error"]["code"] == "FORBIDDEN"
    assert not out.exists()


async def test_import_reports_problems_as_json_lines_and_writes_nothing(
    app: object, runner: CliRunner, tmp_path: Path
) -> None:
    agency = await make_agency("New Agency", coc="CT-505")
    await make_user("newhdc", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    files = source_files()
    files["Enrollment"][0]["EntryDate"] = "someday"
    files["Enrollment"][1]["PersonalID"] = "C9"
    bad = write_zip(tmp_path / "bad.zip", files)
    result = await _cli(runner, "import", "hud-csv", str(bad), "--agency", str(agency.id))
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert {
        "file": "Enrollment.csv",
        "row": 2,
        "column": "EntryDate",
        "problem": "not a date: 'someday'",
    } in lines
    assert any(line.get("column") == "PersonalID" and line.get("row") == 3 for line in lines)
    assert lines[-1]["error"]["code"] == "VALIDATION"
    assert await Client.all().count() == 0
    # the good file goes in
    good = write_zip(tmp_path / "good.zip", source_files())
    result = await _cli(runner, "import", "hud-csv", str(good), "--agency", str(agency.id))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"]["Client"] == 2


async def test_the_zip_limits_are_settings(
    app: object, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = await make_agency("Limited Agency", coc="CT-505")
    await make_user("limitedhdc", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    good = write_zip(tmp_path / "good.zip", source_files())
    monkeypatch.setenv("HEARTH_HUD_IMPORT_MAX_BYTES", "2000")
    get_settings.cache_clear()
    try:
        result = await _cli(runner, "import", "hud-csv", str(good), "--agency", str(agency.id))
    finally:
        monkeypatch.delenv("HEARTH_HUD_IMPORT_MAX_BYTES")
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "over the limit of 2000" in result.stderr
    assert await Client.all().count() == 0


async def test_seed_then_export_on_the_command_line(
    app: object, runner: CliRunner, tmp_path: Path
) -> None:
    # given a generated data set (the seed command prints the ids an export scope names)
    seeded = await _cli(runner, "seed", "--clients", "60", "--seed", "4", "--anchor", "2026-03-02")
    assert seeded.exit_code == 0, seeded.output
    a01 = (await Agency.get(name="Harborlight Housing Services")).id
    assert str(a01) in seeded.output
    period = ("--start", "2023-01-01", "--end", "2026-03-02")
    # when the Lead Agency asks for a statewide file, then for the statewide counts, and the
    # agency's HDC exports the agency
    statewide = await _cli(
        runner,
        "export",
        "hud-csv",
        "--scope",
        "all",
        *period,
        "--out",
        str(tmp_path / "all.zip"),
        "--user",
        "lead.agency",
    )
    counts = await _cli(
        runner,
        "report",
        "aggregate",
        "--scope",
        "all",
        *period,
        "--dimension",
        "SEX",
        "--user",
        "lead.agency",
    )
    agency = await _cli(
        runner,
        "export",
        "hud-csv",
        "--scope",
        f"agency:{a01}",
        *period,
        "--out",
        str(tmp_path / "a01.zip"),
        "--user",
        "a01.hdc",
    )
    # then the Lead Agency gets no client rows (decision 162) but the aggregate: every
    # generated client counted; the agency's file holds its own, unhashed
    assert statewide.exit_code != 0
    assert "aggregate report" in statewide.output
    assert not (tmp_path / "all.zip").exists()
    assert counts.exit_code == 0, counts.output
    total = [r for r in csv.DictReader(io.StringIO(counts.stdout)) if r["category1"] == "TOTAL"]
    assert [r["count"] for r in total] == ["60"]
    assert agency.exit_code == 0, agency.output
    rows = json.loads(agency.stdout)["rows"]
    assert json.loads(agency.stdout)["hashStatus"] == 1
    assert rows["Client"] == await Client.filter(consents__agency_id=a01).distinct().count()
    assert len(read_zip(tmp_path / "a01.zip")["Client"]) == rows["Client"]
