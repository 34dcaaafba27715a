"""HUD CSV import of awkward input: dates whose order of day and month is decided per column, and
every malformed zip a problem line with nothing written."""

from __future__ import annotations

import json
import warnings
import zipfile
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models.clients import Client
from models.enums import Duty
from models.governance import Agency
from services.hudcsv.dates import DMY, MDY, DateColumn, read_date
from services.hudcsv.importer import ImportRefused
from services.hudcsv.problems import _Problems
from services.hudcsv.read import ZipLimits
from tests.conftest import START
from tests.factories import make_agency, make_user
from tests.hudcsv.support import write_zip
from tests.hudcsv.test_cli import _cli
from tests.hudcsv.test_import import refused, run_import, source_files

TODAY = START.date()


@pytest.fixture
async def agency(app: object) -> Agency:
    agency = await make_agency("New Agency", coc="CT-505")
    await make_user("newhdc", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    return agency


# --- dates, per column ----------------------------------------------------------------------------


async def test_a_dd_mm_yy_column_is_read_day_first(agency: Agency, tmp_path: Path) -> None:
    files = source_files()
    files["Client"][0]["DOB"] = "25-06-85"  # only day first
    files["Client"][1]["DOB"] = "03-11-15"  # either, so the column decides: the 3rd of November
    await run_import(write_zip(tmp_path / "dmy.zip", files), agency)
    assert (await Client.get(source_id="C1")).dob == date(1985, 6, 25)
    assert (await Client.get(source_id="C2")).dob == date(2015, 11, 3)


async def test_a_column_that_reads_both_ways_is_refused(agency: Agency, tmp_path: Path) -> None:
    files = source_files()
    files["Client"][0]["DOB"] = "03-11-85"
    files["Client"][1]["DOB"] = "04-10-15"
    (problem,) = await refused(write_zip(tmp_path / "both.zip", files), agency)
    assert (problem.file, problem.row, problem.column) == ("Client.csv", 2, "DOB")
    assert "1985-03-11 or 1985-11-03" in problem.message


async def test_a_value_against_its_column_is_refused(agency: Agency, tmp_path: Path) -> None:
    files = source_files()
    files["Enrollment"][0]["EntryDate"] = "12-13-2025"  # month first
    files["Enrollment"][1]["EntryDate"] = "12-13-2025"
    files["Exit"][0]["ExitDate"] = "2026-01-10"
    files["Client"][0]["DateUpdated"] = "01/13/2026 09:30"
    files["Client"][1]["DateUpdated"] = "13/01/2026 09:30"  # day first: against the column
    problems = await refused(write_zip(tmp_path / "mixed.zip", files), agency)
    assert [(p.file, p.row, p.column) for p in problems] == [("Client.csv", 3, "DateUpdated")]
    assert "reads only as dd-mm where the column's dates are mm-dd" in problems[0].message


async def test_datetimes_without_seconds_read_in_the_column_order(
    agency: Agency, tmp_path: Path
) -> None:
    files = source_files()
    files["Client"][0]["DateCreated"] = "05/01/2026 9:30"
    files["Client"][1]["DateCreated"] = "13/01/2026 10:00"
    await run_import(write_zip(tmp_path / "dt.zip", files), agency)
    maria = await Client.get(source_id="C1")
    assert maria.created_at.astimezone(START.tzinfo).date() != date(2026, 5, 1)
    assert (maria.created_at.month, maria.created_at.day) == (1, 5)


def test_a_column_decides_from_all_its_values() -> None:
    column = DateColumn(timed=False, today=TODAY)
    assert column.check(2, "03-11-21") is None
    assert column.check(3, "2021-04-05") is None  # self-describing: no vote
    assert column.check(4, "25-12-20") is None
    assert column.check(5, "someday") == "not a date: 'someday'"
    problems = _Problems()
    assert column.decide(problems, "Event.csv", "EventDate") == DMY
    assert problems.total == 0
    assert read_date("03-11-21", TODAY, DMY) == date(2021, 11, 3)
    assert read_date("03-11-21", TODAY, MDY) == date(2021, 3, 11)
    assert read_date("1/2/45", TODAY, MDY) == date(1945, 1, 2)  # not in the future
    assert read_date("29-Feb-2024", TODAY, None) == date(2024, 2, 29)
    assert read_date("05/05/2020", TODAY, None) == date(2020, 5, 5)  # both readings agree
    # the same day and month either way is no ambiguity
    same = DateColumn(timed=False, today=TODAY)
    same.check(2, "05/05/2020")
    assert same.decide(problems, "Client.csv", "DOB") is None
    assert problems.total == 0


# --- malformed zips -------------------------------------------------------------------------------


def _stored(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _flip(path: Path, needle: bytes) -> None:
    """Change a byte of a member's stored data (its header and CRC left as they were)."""
    raw = bytearray(path.read_bytes())
    at = raw.index(needle)
    raw[at] ^= 0x20
    path.write_bytes(bytes(raw))


async def test_a_bad_crc_is_a_problem(agency: Agency, tmp_path: Path) -> None:
    path = _stored(tmp_path / "crc.zip", _members(write_zip(tmp_path / "ok.zip", source_files())))
    _flip(path, b"Maria")
    problems = await refused(path, agency)
    assert any(
        p.file == "Client.csv" and p.message.startswith("corrupt in the zip (BadZipFile: Bad CRC")
        for p in problems
    ), problems


async def test_a_corrupt_deflated_member_is_a_problem(agency: Agency, tmp_path: Path) -> None:
    members = _members(write_zip(tmp_path / "ok.zip", source_files()))
    path = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data * (50 if name == "Services.csv" else 1))
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo("Services.csv")
    start = info.header_offset + 30 + len(info.filename)
    for i in range(start + 10, start + 40):
        raw[i] = 0xFF
    path.write_bytes(bytes(raw))
    problems = await refused(path, agency)
    assert any(
        p.file == "Services.csv" and p.message.startswith("corrupt in the zip") for p in problems
    ), problems


async def test_a_zip_bomb_is_stopped_while_it_inflates(agency: Agency, tmp_path: Path) -> None:
    members = _members(write_zip(tmp_path / "ok.zip", source_files()))
    members["Funder.csv"] = b"0" * (8 * 1024 * 1024)  # a thousand times its deflated size
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    problems = await refused(path, agency)
    assert [(p.file, p.row) for p in problems] == [("Funder.csv", None)]
    assert "inflates more than 200 times its compressed size" in problems[0].message


async def test_the_total_size_is_limited(agency: Agency, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "ok.zip", source_files())
    with pytest.raises(ImportRefused) as caught:
        await run_import(path, agency, limits=ZipLimits(total_bytes=2000))
    (problem,) = caught.value.problems
    assert (problem.file, problem.row) == ("ok.zip", None)
    assert "over the limit of 2000" in problem.message
    assert await Client.all().count() == 0


async def test_files_in_folders_and_duplicates_are_problems(agency: Agency, tmp_path: Path) -> None:
    members = _members(write_zip(tmp_path / "ok.zip", source_files()))
    path = tmp_path / "odd.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("client.csv", members["Client.csv"])  # the same file in another case
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of a duplicate name, and writes it
            archive.writestr("Exit.csv", members["Exit.csv"])
        archive.writestr("extra/Event.csv", b"EventID\n")
        archive.writestr("__MACOSX/._Client.csv", b"\x00")  # ignored: macOS's resource fork
    problems = await refused(path, agency)
    assert {(p.file, p.message) for p in problems} == {
        ("client.csv", "twice in the zip: which one to read is unclear"),
        ("Exit.csv", "twice in the zip: which one to read is unclear"),
        ("extra/Event.csv", "in a folder: the CSVs must sit at the zip's root"),
    }


async def test_the_command_line_prints_a_broken_zip_as_problem_lines(
    app: object, runner: CliRunner, agency: Agency, tmp_path: Path
) -> None:
    path = _stored(tmp_path / "crc.zip", _members(write_zip(tmp_path / "ok.zip", source_files())))
    _flip(path, b"Lopez")
    result = await _cli(runner, "import", "hud-csv", str(path), "--agency", str(agency.id))
    assert result.exit_code == 2, result.output
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines[0]["file"] == "Client.csv"
    assert lines[0]["problem"].startswith("corrupt in the zip")
    assert lines[-1]["error"]["code"] == "VALIDATION"
    assert "Traceback" not in result.output
    assert await Client.all().count() == 0
