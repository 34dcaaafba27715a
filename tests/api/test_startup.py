"""Start-up: whatever stops Hearth from starting is one line and a non-zero exit, with one
worker or several; production refuses to start without its secrets."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from pydantic import SecretStr

from api.app import create_app
from api.asgi import make_app
from api.serving import StartupError
from api.settings import Settings
from api.ssn_keys import load_key_ring, new_key
from models.sealed import installed
from services.sealing import check_keys

ROOT = Path(__file__).resolve().parents[2]
HEARTH = str(Path(sys.executable).with_name("hearth"))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env.update(
        {
            "HEARTH_ENV": "test",
            "HEARTH_DATA_DIR": str(tmp_path),
            "HEARTH_PORT": str(_closed_port()),
            "HEARTH_LOG_FORMAT": "json",
            **values,
        }
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (this virtualenv's own programs)
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_with_the_database_down_says_so_in_one_line_and_exits_non_zero(
    tmp_path: Path, settings: Settings, workers: str
) -> None:
    port = _closed_port()
    env = _environment(
        tmp_path,
        HEARTH_DATABASE_URL=f"postgres://postgres:pw@127.0.0.1:{port}/hearth",
        HEARTH_SSN_KEYS=settings.ssn_keys.get_secret_value(),  # type: ignore[union-attr]
        HEARTH_SSN_HASH_KEY=settings.ssn_hash_key.get_secret_value(),  # type: ignore[union-attr]
    )
    done = _run([HEARTH, "serve", "--workers", workers], env)
    assert done.returncode == 3  # the database unavailable, as for every command (docs/cli.md)
    (line,) = done.stderr.splitlines()
    error = json.loads(line)["error"]
    assert error["code"] == "UNAVAILABLE"
    assert error["message"].startswith(f"cannot reach the database at 127.0.0.1:{port}/hearth")
    assert "pw" not in line
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("manifest", ["{not json", None])
def test_serve_refuses_an_allow_list_it_cannot_read_before_any_worker_starts(
    tmp_path: Path, settings: Settings, manifest: str | None
) -> None:
    path = tmp_path / "manifest.json"
    if manifest is not None:
        path.write_text(manifest)
    env = _environment(
        tmp_path,
        HEARTH_DATABASE_URL=f"postgres://postgres:pw@127.0.0.1:{_closed_port()}/hearth",
        HEARTH_SSN_KEYS=settings.ssn_keys.get_secret_value(),  # type: ignore[union-attr]
        HEARTH_SSN_HASH_KEY=settings.ssn_hash_key.get_secret_value(),  # type: ignore[union-attr]
        HEARTH_PERSISTED_QUERIES="allowlist",
        HEARTH_PERSISTED_QUERY_MANIFEST=str(path),
    )
    done = _run([HEARTH, "serve", "--workers", "2"], env)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    error = json.loads(line)["error"]
    assert error["code"] == "STARTUP"
    assert error["message"].startswith(f"ValueError: persisted query manifest {path}: cannot read")


async def test_serve_refuses_a_database_without_this_codes_migrations(
    tmp_path: Path, settings: Settings, server_url: str
) -> None:
    parts = urlsplit(server_url)
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    empty = f"{parts.path.lstrip('/') or 'hearth_test'}_{os.getpid()}_empty"
    await admin.execute(f'DROP DATABASE IF EXISTS "{empty}"')
    await admin.execute(f'CREATE DATABASE "{empty}"')
    try:
        env = _environment(
            tmp_path,
            HEARTH_DATABASE_URL=urlunsplit(parts._replace(path=f"/{empty}")),
            HEARTH_SSN_KEYS=settings.ssn_keys.get_secret_value(),  # type: ignore[union-attr]
            HEARTH_SSN_HASH_KEY=settings.ssn_hash_key.get_secret_value(),  # type: ignore[union-attr]
        )
        done = _run([HEARTH, "serve", "--workers", "2"], env)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')
        await admin.close()
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert json.loads(line)["error"]["code"] == "STARTUP"
    assert "0001_initial" in line
    assert "run 'hearth migrate' first" in line


def test_production_refuses_to_start_without_its_secrets_naming_them(tmp_path: Path) -> None:
    env = _environment(
        tmp_path,
        HEARTH_ENV="production",
        HEARTH_DATABASE_URL=f"postgres://postgres@127.0.0.1:{_closed_port()}/hearth",
    )
    done = _run([HEARTH, "serve", "--workers", "1"], env)
    assert done.returncode == 2  # a setting refused, nothing done (docs/cli.md)
    (line,) = done.stderr.splitlines()
    assert json.loads(line)["error"] == {
        "code": "SETTINGS",
        "field": None,
        "message": "HEARTH_ENV=production needs HEARTH_SIGNING_KEY, HEARTH_SSN_KEYS,"
        " HEARTH_SSN_HASH_KEY set",
    }
    assert not (tmp_path / "signing-key.json").exists()  # nothing generated


def test_the_production_app_refuses_a_missing_signing_key_instead_of_generating_one(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    production = settings.model_copy(
        update={"env": "production", "signing_key": None, "data_dir": tmp_path}
    )
    with pytest.raises(StartupError, match=r"^HEARTH_ENV=production needs HEARTH_SIGNING_KEY set$"):
        create_app(production, database_url=database_url)
    assert not (tmp_path / "signing-key.json").exists()
    oidc = settings.model_copy(update={"env": "production"})
    assert oidc.missing_production_secrets() == []
    assert Settings(_env_file=None, env="development").missing_production_secrets() == []  # type: ignore[call-arg]


async def test_serve_refuses_an_ssn_key_other_than_the_one_on_record_in_one_line(
    app: object, tmp_path: Path, settings: Settings, database_url: str
) -> None:
    with installed(load_key_ring(settings)):
        await check_keys()  # the keys on record (the tables are emptied after each test)
    env = _environment(
        tmp_path,
        HEARTH_DATABASE_URL=database_url,
        HEARTH_SSN_KEYS=f"t1:{new_key()}",
        HEARTH_SSN_HASH_KEY=settings.ssn_hash_key.get_secret_value(),  # type: ignore[union-attr]
    )
    done = _run([HEARTH, "serve", "--workers", "2"], env)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert json.loads(line)["error"]["message"] == (
        "SealingError: HEARTH_SSN_KEYS key 't1' is not the key that sealed SSNs under that id."
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_worker_that_fails_to_start_stops_the_server_with_a_non_zero_exit_and_one_line(
    tmp_path: Path, workers: int
) -> None:
    program = (
        "import sys\n"
        "from api.serving import run_server\n"
        "from api.settings import Settings\n"
        "sys.exit(run_server('tests.api.failing_app:make', settings=Settings(_env_file=None,"
        f" env='test', log_format='json'), workers={workers}, host='127.0.0.1',"
        f" port={_closed_port()}))\n"
    )
    done = _run([sys.executable, "-c", program], _environment(tmp_path))
    assert done.returncode == 3  # uvicorn's STARTUP_FAILURE
    assert "Traceback" not in done.stdout + done.stderr
    messages = [json.loads(line)["message"] for line in done.stderr.splitlines()]
    assert "start-up failed: RuntimeError: the database said no" in messages


def test_an_app_factory_that_fails_exits_with_the_start_up_failure_code(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in [k for k in os.environ if k.startswith("HEARTH_")]:
        monkeypatch.delenv(name)
    with pytest.raises(SystemExit) as stopped:
        make_app()
    assert stopped.value.code == 3  # stops uvicorn's supervisor rather than being restarted
    assert [r.getMessage() for r in caplog.records if r.name == "hearth"] == [
        "start-up failed: StartupError: HEARTH_DATABASE_URL is not set;"
        " start Hearth with 'hearth serve'"
    ]


def test_settings_name_secrets_production_needs_in_oidc_mode() -> None:
    oidc = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="development",
        identity="oidc",
        oidc_issuer="https://idp.example.org",
        oidc_client_id="hearth",
        oidc_client_secret=SecretStr("x"),
        oidc_audience="https://hearth.example.org",
        session_secret=SecretStr("y"),
    )
    production = oidc.model_copy(update={"env": "production", "session_secret": None})
    assert production.missing_production_secrets() == [
        "HEARTH_SIGNING_KEY",
        "HEARTH_SSN_KEYS",
        "HEARTH_SSN_HASH_KEY",
        "HEARTH_SESSION_SECRET",
    ]
