"""Logs: one JSON access line per request with its facts and no personal data; Hearth's own and
uvicorn's loggers configured through one JSON (or console) handler."""

from __future__ import annotations

import json
import logging
import logging.config
import subprocess
import sys
import uuid
from datetime import date

import pytest

from api.logs import ACCESS_LOGGER, OneLineTracebacks, logging_config
from api.settings import Settings
from models.users import AccessLevel
from tests.factories import Api, make_agency, make_user

CREATE_CLIENT = """
mutation CreateClient($input: CreateClientInput!) { createClient(input: $input) { id } }"""
READ_CLIENT = "query ReadClient($id: ID!) { client(id: $id) { id firstName } }"
ME = "query { me { user { id } } }"

SECRET_NAME = "Zebulonia"
SECRET_LAST = "Quackenbush"


def _json_lines(records: list[logging.LogRecord]) -> list[dict[str, object]]:
    """The records as the production handler writes them."""
    config = logging_config(Settings(env="production"))
    formatter = logging.config.DictConfigurator(config).configure_formatter(
        dict(config["formatters"]["hearth"])
    )
    return [json.loads(formatter.format(record)) for record in records]


def _access(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return _json_lines([r for r in caplog.records if r.name == ACCESS_LOGGER])


async def test_every_request_writes_one_json_access_line_with_its_facts_and_no_personal_data(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    agency = await make_agency()
    worker = await make_user(agencies={agency: AccessLevel.FULL})
    token = await api.sign_in(worker)
    caplog.clear()
    # as configured (api.logs): Hearth's loggers at the level asked, the libraries' at WARNING
    caplog.set_level(logging.WARNING)
    caplog.set_level(logging.DEBUG, logger="hearth")

    created = await api.post(
        CREATE_CLIENT,
        {
            "input": {
                "firstName": SECRET_NAME,
                "lastName": SECRET_LAST,
                "nameDataQuality": "FULL_NAME_REPORTED",
                "dob": "1980-02-04",
                "dobDataQuality": "FULL_DOB_REPORTED",
                "consent": {"kind": "WRITTEN", "takenOn": str(date(2026, 3, 2))},
            }
        },
        token,
    )
    assert created.status_code == 200
    assert not created.json().get("errors"), created.json()
    missing = await api.post(READ_CLIENT, {"id": str(uuid.uuid4())}, token)
    anonymous = await api.post(ME)

    first, second, third = _access(caplog)
    assert first["request_id"] == created.headers["x-request-id"]
    assert first["operation_name"] == "CreateClient"
    assert first["operation_type"] == "mutation"
    assert first["principal_id"] == str(worker.id)
    assert first["principal_kind"] == "user"
    assert first["status"] == 200
    assert first["method"] == "POST"
    assert first["path"] == "/graphql"
    assert isinstance(first["duration_ms"], float)
    assert first["duration_ms"] >= 0
    assert "error_codes" not in first
    assert first["level"] == "INFO"
    assert first["logger"] == ACCESS_LOGGER

    assert second["request_id"] == missing.headers["x-request-id"]
    assert second["operation_name"] == "ReadClient"
    assert second["operation_type"] == "query"
    assert second["error_codes"] == ["NOT_FOUND"]

    assert third["operation_type"] == "query"
    assert "operation_name" not in third  # an anonymous document
    assert "principal_id" not in third
    assert third["error_codes"] == [anonymous.json()["errors"][0]["extensions"]["code"]]

    everything = "\n".join(json.dumps(line) for line in _json_lines(caplog.records))
    for personal in (SECRET_NAME, SECRET_LAST, worker.username, worker.email, "1980-02-04"):
        assert personal not in everything


async def test_requests_outside_graphql_and_refused_documents_are_logged_too(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    health = await api.http.get("/healthz")
    broken = await api.http.post("/graphql", json={"query": "query Broken { me { "})
    evil = await api.http.post(
        "/graphql", json={"query": "{ me { user { id } } }", "operationName": "x y\nz"}
    )

    lines = _access(caplog)
    assert [line["request_id"] for line in lines] == [
        r.headers["x-request-id"] for r in (health, broken, evil)
    ]
    assert lines[0]["path"] == "/healthz"
    assert lines[0]["status"] == 200
    assert "operation_type" not in lines[0]
    assert lines[1]["error_codes"] == ["GRAPHQL_PARSE_FAILED"]
    assert "operation_name" not in lines[2]  # not a GraphQL name: never written to the log


def test_start_up_tracebacks_become_one_line() -> None:
    record = logging.LogRecord(
        "uvicorn.error",
        logging.ERROR,
        __file__,
        1,
        'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n'
        "    connect()\nOSError: Connect call failed ('127.0.0.1', 1)\n",
        None,
        None,
    )
    assert OneLineTracebacks().filter(record)
    assert record.getMessage() == "start-up failed: OSError: Connect call failed ('127.0.0.1', 1)"


def test_the_format_is_json_except_in_development_unless_configured() -> None:
    def formatter(**options: object) -> dict[str, object]:
        config = logging_config(Settings(_env_file=None, **options))  # type: ignore[arg-type]
        return config["formatters"]["hearth"]  # type: ignore[no-any-return]

    assert formatter(env="production")["()"] == "pythonjsonlogger.json.JsonFormatter"
    assert formatter(env="test")["()"] == "pythonjsonlogger.json.JsonFormatter"
    assert "()" not in formatter(env="development")
    assert formatter(env="development", log_format="json")["()"] == (
        "pythonjsonlogger.json.JsonFormatter"
    )
    assert "()" not in formatter(env="production", log_format="console")
    loggers = logging_config(Settings(env="production"))["loggers"]
    assert loggers["hearth"]["handlers"] == loggers["uvicorn"]["handlers"] == ["default"]


def test_a_configured_process_writes_hearths_info_and_uvicorns_lines_as_json() -> None:
    program = (
        "import logging\n"
        "from api.logs import configure_logging\n"
        "from api.settings import Settings\n"
        "configure_logging(Settings(_env_file=None, env='production', log_level='DEBUG'))\n"
        "logging.getLogger('hearth.jobs').info('job %s ran', 'deadlines')\n"
        "logging.getLogger('uvicorn.error').info('Started server process [1]',"
        " extra={'color_message': 'Started server process [\\x1b[36m1\\x1b[0m]'})\n"
        "logging.getLogger('asyncpg').warning('a library warning')\n"
        # Tortoise writes every statement's parameters (client data) at DEBUG: never written
        "logging.getLogger('tortoise.db_client').debug('INSERT ...: Zebulonia')\n"
        "logging.getLogger('hearth.access').debug('a debug line')\n"
    )
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed program)
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["logger"], line["level"], line["message"]) for line in lines] == [
        ("hearth.jobs", "INFO", "job deadlines ran"),
        ("uvicorn.error", "INFO", "Started server process [1]"),
        ("asyncpg", "WARNING", "a library warning"),
        ("hearth.access", "DEBUG", "a debug line"),
    ]
    assert all("time" in line for line in lines)
    assert "color_message" not in lines[1]
