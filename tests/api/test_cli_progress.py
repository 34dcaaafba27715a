"""Progress bars of the long commands: counts and rate on a terminal, nothing at all otherwise."""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path

import asyncpg
from rich.console import Console

from api.cli_progress import progress_bar
from api.ssn_keys import new_key
from services.hudcsv.records import ENROLLMENT_RECORDS
from tests.api.cli_process import Ran, environment, hearth, hearth_on_terminal

_CONTROL = re.compile(r"\x1b|\r")


def test_a_terminal_gets_a_bar_per_step_with_counts_and_rate() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with progress_bar(console) as progress:
        progress("rows checked", 2500)
        progress("rows imported", 0, 4000)
        progress("rows imported", 4000, 4000)
    drawn = screen.getvalue()
    assert "rows checked" in drawn
    assert "2500/?" in drawn  # no total known yet
    assert "4000/4000" in drawn
    assert re.search(r"[\d,]+/s", drawn)  # the rate


def test_no_terminal_no_bar() -> None:
    screen = io.StringIO()
    with progress_bar(Console(file=screen)) as progress:
        progress("rows imported", 10, 10)
    assert screen.getvalue() == ""


def _bar(ran: Ran, step: str) -> tuple[int, int]:
    """The last count the terminal showed for ``step`` (done, total)."""
    assert ran.code == 0, (ran.stdout, ran.stderr)
    counts = re.findall(re.escape(step) + r"[^\n\r]*?(\d+)/(\d+)", ran.stderr)
    assert counts, ran.stderr
    done, total = counts[-1]
    assert re.search(r"[\d,]+/s", ran.stderr)  # with its rate
    return int(done), int(total)


def _quiet(ran: Ran) -> str:
    """The run printed its result and nothing else: no bar, no control characters."""
    assert ran.code == 0, (ran.stdout, ran.stderr)
    assert ran.stderr == ""
    assert not _CONTROL.search(ran.stdout)
    return ran.stdout


async def test_the_long_commands_on_a_terminal_and_redirected(
    empty_database: str, tmp_path: Path
) -> None:
    env = environment(tmp_path, HEARTH_DATABASE_URL=empty_database)
    migrations = len(list((Path(__file__).parents[2] / "migrations").glob("0*.py")))

    async def terminal(*args: str) -> Ran:
        return await asyncio.to_thread(hearth_on_terminal, *args, env=env)

    async def redirected(*args: str) -> Ran:
        return await asyncio.to_thread(hearth, *args, env=env)

    # migrate: each migration counted
    assert _bar(await terminal("migrate"), "migrations") == (migrations, migrations)
    assert _quiet(await redirected("migrate")) == "migrations applied\n"

    # seed: its migrations step (none left), then the clients
    seeded = await terminal("seed", "--clients", "30", "--seed", "3", "--anchor", "2026-03-02")
    assert _bar(seeded, "migrations") == (0, 0)
    assert _bar(seeded, "clients") == (30, 30)
    assert "Seeded 30 clients" in seeded.stdout
    assert not _CONTROL.search(seeded.stdout)  # the bars went to the terminal, standard error

    # audit verify: the rows sealed, then the rows verified
    verified = await terminal("audit", "verify")
    result = json.loads(verified.stdout)
    assert result["ok"] is True
    assert result["checked"] > 0
    assert _bar(verified, "audit rows verified") == (result["checked"], result["checked"])
    assert json.loads(_quiet(await redirected("audit", "verify")))["ok"] is True

    # the SSN re-seal under a new key: every client with an SSN gone through
    kept = json.loads((tmp_path / "ssn-keys.json").read_text())
    env |= {
        "HEARTH_SSN_KEYS": f"dev2:{new_key()},{kept['keys']}",
        "HEARTH_SSN_HASH_KEY": kept["hash_key"],
    }
    rekeyed = await terminal("admin", "rekey-ssns")
    done, total = _bar(rekeyed, "SSNs")
    assert done == total > 0
    assert json.loads(_quiet(await redirected("admin", "rekey-ssns")))["resealed"] == 0

    # the User Access Report: its three queries
    conn = await asyncpg.connect(empty_database, timeout=10)
    try:
        agency = await conn.fetchval(
            "SELECT d.agency_id FROM user_duty d JOIN hearth_user u ON u.id = d.user_id"
            " WHERE u.username = 'a01.hdc' AND d.duty = 'HMIS_DATA_COORDINATOR'"
        )
    finally:
        await conn.close()
    report = ("report", "user-access", "--quarter", "2026Q1", "--agency", str(agency))
    reported = await terminal(*report)
    assert _bar(reported, "queries") == (3, 3)
    assert reported.stdout.startswith("username,name,status")
    assert _quiet(await redirected(*report)).startswith("username,name,status")

    # the HUD CSV export: the enrollments written, then the clients audited
    out = tmp_path / "a01.zip"
    export = (
        *("export", "hud-csv", "--scope", f"agency:{agency}", "--user", "a01.hdc"),
        *("--start", "2023-01-01", "--end", "2026-03-02", "--out"),
    )
    exported = await terminal(*export, str(out))
    rows = json.loads(exported.stdout)["rows"]
    assert _bar(exported, "enrollments") == (rows["Enrollment"], rows["Enrollment"])
    assert _bar(exported, "clients audited") == (rows["Client"], rows["Client"])
    again = json.loads(_quiet(await redirected(*export, str(tmp_path / "again.zip"))))
    assert again["rows"] == rows

    # the HUD CSV import of that file: the rows checked (no total until the end), then imported
    imported = await terminal("import", "hud-csv", str(out), "--agency", str(agency))
    assert json.loads(imported.stdout)["created"]["Client"] == rows["Client"]
    assert re.search(r"rows checked[^\n\r]*?\d+/\?", imported.stderr)
    # the client files, each enrollment's records included (the project files are few)
    written = rows["Client"] + rows["Enrollment"] + sum(rows[r.file] for r in ENROLLMENT_RECORDS)
    assert _bar(imported, "rows imported") == (written, written)
    quiet = _quiet(await redirected("import", "hud-csv", str(out), "--agency", str(agency)))
    assert json.loads(quiet)["read"]["Client"] == rows["Client"]
