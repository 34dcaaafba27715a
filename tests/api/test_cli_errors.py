"""Every misuse of ``hearth`` a user can make: one JSON line on standard error, an exit code, never a
traceback, never a secret. Run as their own processes, as an operator or cron runs them."""

from __future__ import annotations

import asyncio
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import typer
from typer.testing import CliRunner

from api import cli as cli_module
from api.cli import app
from api.cli_errors import CommandError, explain
from api.settings import get_settings
from tests.api.cli_process import Ran, closed_port, environment, hearth

PASSWORD = "s3cret-Pa55word"  # in every database URL here: no message may show it
AGENCY = "8c9c6a8e-9c7b-4d4d-8f7e-1f6a0e0f2a11"


def _commands(command: object = None, path: tuple[str, ...] = ()) -> Iterator[str]:
    """Every leaf command of ``hearth``, as its words ("audit verify")."""
    command = command or typer.main.get_command(app)
    children = getattr(command, "commands", None)
    if children is None:
        yield " ".join(path)
        return
    for name, child in children.items():
        yield from _commands(child, (*path, name))


def _zip(folder: Path) -> Path:
    path = folder / "hud.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Export.csv", "ExportID\n1\n")
    return path


def _valid_arguments(command: str, folder: Path) -> list[str]:
    """Arguments with which the command gets as far as the database."""
    return {
        "migrate": [],
        "makemigrations": [],
        "serve": [],
        "admin create": ["--username", "root.admin", "--email", "root@lead.example.org"],
        "admin rekey-ssns": [],
        "schema export": [],
        "audit seal": [],
        "audit verify": [],
        "audit partitions": [],
        "audit detach-partition": ["--before", "2020-01"],
        "report user-access": ["--quarter", "2026Q1", "--agency", AGENCY],
        "jobs run": ["retraining"],
        "jobs requeue-dead": [],
        "seed": ["--clients", "10", "--anchor", "2026-03-02"],
        "export hud-csv": [
            *("--scope", "all", "--start", "2025-10-01", "--end", "2026-09-30"),
            *("--out", str(folder / "out.zip"), "--user", "lead.agency"),
        ],
        "import hud-csv": [str(_zip(folder)), "--agency", AGENCY],
        # the 7-year retention run (303)
        "retention plan": ["--user", "system.admin"],
        "retention dry-run": ["--plan", AGENCY, "--user", "system.admin"],
        "retention run": ["--plan", AGENCY, "--user", "system.admin"],
        "report aggregate": [
            *("--scope", "all", "--start", "2025-10-01", "--end", "2026-09-30"),
            *("--dimension", "SEX", "--user", "lead.agency"),
        ],
        "report data-quality": [
            *("--scope", "all", "--start", "2025-10-01", "--end", "2026-09-30"),
            *("--user", "lead.agency"),
        ],
    }[command]


# Commands that never touch the database, and the one whose start-up is the server's own.
NO_DATABASE = {"schema export"}
SERVER = {"serve"}
NO_SETTINGS = {"schema export"}


@pytest.fixture
def local() -> Iterator[CliRunner]:
    """The command line in this process (its settings read afresh), for the misuses that need no
    process of their own: the same group, handler and parsing as the installed ``hearth``."""
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _in_process(runner: CliRunner, args: list[str], env: dict[str, str], stdin: str = "") -> Ran:
    cleared = {name: None for name in os.environ if name.startswith("HEARTH_")}
    result = runner.invoke(app, args, env={**cleared, **env}, input=stdin)
    return Ran(result.exit_code, result.stdout, result.stderr)


def _one_line(ran: Ran, code: int, *, secrets: tuple[str, ...] = (PASSWORD,)) -> dict[str, str]:
    """The run ended with ``code`` and said why in one JSON line; nothing else, no secret."""
    assert ran.code == code, (ran.code, ran.stderr)
    assert "Traceback" not in ran.stderr + ran.stdout
    lines = ran.stderr.splitlines()
    assert len(lines) == 1, ran.stderr
    for secret in secrets:
        assert secret not in ran.stderr + ran.stdout
    error: dict[str, str] = json.loads(lines[0])["error"]
    assert set(error) == {"code", "field", "message"}
    return error


def test_the_cases_name_every_command(tmp_path: Path) -> None:
    # a new command fails here until the tests below know how to call it
    for command in _commands():
        assert _valid_arguments(command, tmp_path) is not None, command


def test_the_handler_is_the_group_of_every_command() -> None:
    from api.cli_errors import HearthGroup

    assert isinstance(typer.main.get_command(app), HearthGroup)


@pytest.mark.parametrize("command", sorted(set(_commands()) - NO_DATABASE - SERVER))
def test_every_command_with_the_database_down(command: str, tmp_path: Path) -> None:
    url = f"postgres://hearth:{PASSWORD}@127.0.0.1:{closed_port()}/hearth"
    env = environment(tmp_path, HEARTH_DATABASE_URL=url)
    ran = hearth(*command.split(), *_valid_arguments(command, tmp_path), env=env, stdin="x\n")
    error = _one_line(ran, 3)
    assert error["code"] == "UNAVAILABLE"
    assert "'hearth' at 127.0.0.1" in error["message"]
    assert "refused" in error["message"]
    assert ran.stdout == ""


@pytest.mark.parametrize("command", sorted(set(_commands()) - NO_SETTINGS))
def test_every_command_with_a_setting_that_is_not_valid(
    command: str, tmp_path: Path, local: CliRunner
) -> None:
    env = {"HEARTH_PORT": "eighty", "HEARTH_SMTP_PASSWORD": PASSWORD}
    args = [*command.split(), *_valid_arguments(command, tmp_path)]
    ran = _in_process(local, args, env, stdin="x\n")
    error = _one_line(ran, 2)
    assert (error["code"], error["field"]) == ("SETTINGS", "HEARTH_PORT")
    assert "eighty" not in error["message"]  # values are never echoed: they may be secrets


@pytest.mark.parametrize(
    ("url", "why"),
    [
        (f"mysql://root:{PASSWORD}@db.example.org/hearth", "scheme 'mysql'"),
        ("not a url", "is not a URL"),
        (f"postgres://hearth:{PASSWORD}@127.0.0.1:99999/hearth", "not a URL Hearth can read"),
        (f"postgres://hearth:{PASSWORD}@127.0.0.1:5432", "names no database"),
    ],
)
def test_a_database_url_hearth_cannot_use(url: str, why: str, tmp_path: Path) -> None:
    ran = hearth("audit", "verify", env=environment(tmp_path, HEARTH_DATABASE_URL=url))
    error = _one_line(ran, 2)
    assert (error["code"], error["field"]) == ("SETTINGS", "HEARTH_DATABASE_URL")
    assert why in error["message"]


def test_an_unknown_database_host(tmp_path: Path) -> None:
    url = f"postgres://hearth:{PASSWORD}@no-such-host.invalid:5432/hearth"
    ran = hearth("migrate", env=environment(tmp_path, HEARTH_DATABASE_URL=url))
    assert "host name is not known" in _one_line(ran, 3)["message"]


def test_a_database_that_does_not_exist(server_url: str, tmp_path: Path) -> None:
    parts = urlsplit(server_url)
    url = urlunsplit(parts._replace(path="/hearth_no_such_database", netloc=_with_password(parts)))
    ran = hearth("jobs", "requeue-dead", env=environment(tmp_path, HEARTH_DATABASE_URL=url))
    error = _one_line(ran, 3)
    assert "'hearth_no_such_database'" in error["message"]
    assert "does not exist" in error["message"]


def _with_password(parts: object) -> str:
    """The URL's user and host with our password (the test server trusts, and ignores it)."""
    netloc = str(getattr(parts, "netloc", ""))
    user, _, host = netloc.rpartition("@")
    return f"{(user or 'postgres').split(':')[0]}:{PASSWORD}@{host}" if host else netloc


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["seed", "--clients", "-5"], "clients"),
        (["seed", "--clients", "many"], "clients"),
        (["seed", "--anchor", "yesterday"], "anchor"),
        (["import", "hud-csv", "/no/such/file.zip", "--agency", AGENCY], "file"),
        (["import", "hud-csv", "{not_a_zip}", "--agency", AGENCY], "file"),
        (["import", "hud-csv", "{folder}", "--agency", AGENCY], "file"),
        (["import", "hud-csv", "{zip}", "--agency", "agency-a"], "agency"),
        (["report", "user-access", "--quarter", "Q3", "--agency", AGENCY], "quarter"),
        (["report", "user-access", "--quarter", "2026Q1", "--agency", AGENCY, "--csv", "{folder}"], "csv"),
        (["jobs", "run", "cleanup"], "name"),
        (["export", "hud-csv", "--scope", "agency:a", "--start", "2026-01-01", "--end", "2026-02-01", "--out", "{out}", "--user", "u"], "scope"),
        (["export", "hud-csv", "--scope", "all", "--start", "01/01/2026", "--end", "2026-02-01", "--out", "{out}", "--user", "u"], "start"),
        (["export", "hud-csv", "--scope", "all", "--start", "2026-03-01", "--end", "2026-02-01", "--out", "{out}", "--user", "u"], "end"),
        (["export", "hud-csv", "--scope", "all", "--start", "2026-01-01", "--end", "2026-02-01", "--out", "{folder}", "--user", "u"], "out"),
        (["export", "hud-csv", "--scope", "all", "--start", "2026-01-01", "--end", "2026-02-01", "--user", "u"], "out"),
        (["schema", "export", "--out", "{folder}"], "out"),
        (["serve", "--workers", "0"], "workers"),
        (["serve", "--workers", "-1"], "workers"),
        (["serve", "--port", "99999"], "port"),
        (["serve", "--port", "0"], "port"),
        (["report", "aggregate", "--scope", "agency:a", "--start", "2026-01-01", "--end", "2026-02-01", "--dimension", "SEX", "--user", "u"], "scope"),
        (["report", "aggregate", "--scope", "all", "--start", "2026-03-01", "--end", "2026-02-01", "--dimension", "SEX", "--user", "u"], "end"),
        (["report", "aggregate", "--scope", "all", "--start", "2026-01-01", "--end", "2026-02-01", "--dimension", "GENDER", "--user", "u"], "dimension"),
        (["report", "aggregate", "--scope", "all", "--start", "2026-01-01", "--end", "2026-02-01", "--dimension", "SEX", "--dimension", "SEX", "--user", "u"], "dimension"),
        (["report", "aggregate", "--scope", "all", "--start", "2026-01-01", "--end", "2026-02-01", "--dimension", "SEX", "--user", "u", "--csv", "{folder}"], "csv"),
    ],
)  # fmt: skip
def test_a_bad_option_value_is_refused_before_any_work(
    args: list[str], field: str, tmp_path: Path, local: CliRunner
) -> None:
    # the database is down: a refusal with exit 2 shows that nothing got as far as it
    (tmp_path / "notes.zip").write_text("not a zip")
    names = {
        "not_a_zip": str(tmp_path / "notes.zip"),
        "folder": str(tmp_path),
        "zip": str(_zip(tmp_path)),
        "out": str(tmp_path / "out.zip"),
    }
    url = f"postgres://hearth:{PASSWORD}@127.0.0.1:{closed_port()}/hearth"
    env = {"HEARTH_DATABASE_URL": url, "HEARTH_DATA_DIR": str(tmp_path)}
    ran = _in_process(local, [a.format(**names) for a in args], env)
    error = _one_line(ran, 2)
    assert (error["code"], error["field"]) == ("VALIDATION", field)
    assert "--help" in error["message"]
    assert ran.stdout == ""


def test_seed_with_a_negative_count_as_its_own_process(tmp_path: Path) -> None:
    # refused before the migrations and the progress bar (and before the database is reached)
    url = f"postgres://hearth:{PASSWORD}@127.0.0.1:{closed_port()}/hearth"
    ran = hearth("seed", "--clients", "-5", env=environment(tmp_path, HEARTH_DATABASE_URL=url))
    error = _one_line(ran, 2)
    assert error["message"].startswith("Invalid value for '--clients': -5 is not between 1 and")


def test_a_file_that_is_not_a_zip_as_its_own_process(tmp_path: Path) -> None:
    notes = tmp_path / "notes.zip"
    notes.write_text("FirstName,LastName\n")
    ran = hearth("import", "hud-csv", str(notes), "--agency", AGENCY, env=environment(tmp_path))
    error = _one_line(ran, 2)
    assert error["field"] == "file"
    assert "is not a zip archive" in error["message"]


@pytest.mark.parametrize("args", [["--bogus"], ["audit", "sign"], ["migrate", "now"]])
def test_a_command_line_that_is_not_hearth_s(
    args: list[str], tmp_path: Path, local: CliRunner
) -> None:
    error = _one_line(_in_process(local, args, {"HEARTH_DATA_DIR": str(tmp_path)}), 2)
    assert error["code"] == "USAGE"


def test_settings_that_contradict_each_other_name_the_settings(tmp_path: Path) -> None:
    env = environment(
        tmp_path, HEARTH_IDENTITY="oidc", HEARTH_OIDC_CLIENT_SECRET=PASSWORD, HEARTH_OIDC_ISSUER=""
    )
    error = _one_line(hearth("migrate", env=env), 2)
    assert error["code"] == "SETTINGS"
    assert "HEARTH_OIDC_ISSUER" in error["message"]


def test_malformed_ssn_keys(tmp_path: Path) -> None:
    env = environment(tmp_path, HEARTH_SSN_KEYS=f"k1:{PASSWORD}", HEARTH_SSN_HASH_KEY=PASSWORD)
    error = _one_line(hearth("migrate", env=env), 2)
    assert error["code"] == "KEYS"


def test_seed_refused_in_production(tmp_path: Path) -> None:
    env = environment(tmp_path, HEARTH_ENV="production")
    error = _one_line(hearth("seed", "--clients", "5", env=env), 2)
    assert (error["code"], error["field"]) == ("FORBIDDEN", "HEARTH_ENV")


async def test_a_migration_that_fails_names_itself(empty_database: str, tmp_path: Path) -> None:
    # given a database where the first migration's table exists already
    conn = await asyncpg.connect(empty_database, timeout=10)
    await conn.execute("CREATE TABLE agency (id int)")
    await conn.close()
    # when
    env = environment(tmp_path, HEARTH_DATABASE_URL=empty_database)
    ran = await asyncio.to_thread(hearth, "migrate", env=env)
    # then
    error = _one_line(ran, 1)
    assert error["code"] == "MIGRATION"
    assert error["message"].startswith("migration hearth.0001_initial failed: ")
    assert 'relation "agency" already exists' in error["message"]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    url = f"postgres://hearth:{PASSWORD}@127.0.0.1:{closed_port()}/hearth"
    env = environment(tmp_path, HEARTH_DATABASE_URL=url)
    for ran in (
        hearth("--debug", "audit", "seal", env=env),
        hearth("audit", "seal", env=env | {"HEARTH_DEBUG": "1"}),
    ):
        assert ran.code == 1
        assert "Traceback" in ran.stderr
        assert "ConnectionRefusedError" in ran.stderr
        assert PASSWORD not in ran.stderr  # the traceback shows no local variables


# --- in the process: what cannot be caused from outside -----------------------------------------


def _failing(error: BaseException) -> object:
    """A stand-in for ``_with_orm`` that fails with ``error`` (closing the work it was given)."""

    async def run(url: str, settings: object, coro: Any, **kwargs: object) -> None:
        coro.close()
        raise error

    return run


def test_an_unexpected_error_says_its_class_only(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        cli_module, "_with_orm", _failing(RuntimeError(f"a detail that may hold data: {PASSWORD}"))
    )
    result = runner.invoke(app, ["jobs", "requeue-dead"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "INTERNAL"
    assert "RuntimeError" in error["message"]
    assert "--debug" in error["message"]
    assert PASSWORD not in result.stderr


def test_an_interrupt_exits_130(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "_with_orm", _failing(KeyboardInterrupt()))
    result = runner.invoke(app, ["audit", "seal"])
    assert result.exit_code == 130
    assert json.loads(result.stderr)["error"]["code"] == "INTERRUPTED"


def test_the_server_s_own_exit_code_passes_through(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # hearth serve ends as uvicorn ends it (a start-up failure exits 3): the handler keeps that
    import api.serving

    def failed_start(*args: object, **kwargs: object) -> int:
        return 3

    monkeypatch.setattr(api.serving, "preflight", lambda *args, **kwargs: None)
    monkeypatch.setattr(api.serving, "run_server", failed_start)
    monkeypatch.setenv("HEARTH_WORKERS", "1")  # serve sets it for its workers: restored after
    result = runner.invoke(app, ["serve", "--workers", "1"])
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert json.loads(result.stderr)["error"]["code"] == "STARTUP"


def test_an_os_error_on_a_file_names_the_file() -> None:
    error = explain(PermissionError(13, "Permission denied", "/srv/out.zip"))
    assert (error.code, error.exit_code) == ("FILE", 1)
    assert error.message == "/srv/out.zip: Permission denied"


def test_a_message_is_one_line_whatever_it_was_given() -> None:
    error = CommandError("X", "first line\n  second line\r\nthird")
    assert error.line().count("\n") == 0
    assert json.loads(error.line())["error"]["message"] == "first line second line third"


def test_a_full_disk_is_not_the_database() -> None:
    error = explain(OSError(28, "No space left on device"))
    assert (error.code, error.exit_code, error.message) == ("SYSTEM", 1, "No space left on device")
    assert explain(OSError(111, "Connection refused")).exit_code == 3
