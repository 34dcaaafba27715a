"""A database refusal that only a client's value can cause, reaching the error formatter
because a service missed a check, is VALIDATION without the value; no log line carries an
exception's message (it may quote the request's values)."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg.exceptions
import pytest
from tortoise.exceptions import OperationalError
from tortoise.exceptions import ValidationError as ModelValidationError

import services.agencies
from models.enums import SystemRole
from schema.errors import CLIENT_VALUE_MESSAGE
from tests.factories import Api, make_user

CREATE_AGENCY = """
mutation { createAgency(input: {name: "Hartford Shelter", cocCode: "CT-503", victimServiceProvider: false}) { id } }"""
SECRET = "Rosa-Parks-123-45-6789"


def _too_long() -> BaseException:
    cause = asyncpg.exceptions.StringDataRightTruncationError(
        f"value too long for type character varying(200): {SECRET}"
    )
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


def _nul() -> BaseException:
    cause = asyncpg.exceptions.CharacterNotInRepertoireError(
        f'invalid byte sequence for encoding "UTF8": 0x00 in {SECRET}'
    )
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "make",
    [_too_long, _nul, lambda: ModelValidationError(f"name: Length of '{SECRET}' 300 > 200")],
    ids=["too long", "NUL", "Tortoise's length check"],
)
async def test_a_client_caused_database_error_is_validation_without_the_value(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    make: Any,
) -> None:
    token = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))

    async def service(**_: Any) -> Any:
        raise make()

    monkeypatch.setattr(services.agencies, "create_agency", service)
    with caplog.at_level(logging.INFO, logger="hearth"):
        response = await api.post(CREATE_AGENCY, token=token)
    [error] = response.json()["errors"]
    assert (error["extensions"]["code"], error["message"]) == ("VALIDATION", CLIENT_VALUE_MESSAGE)
    assert SECRET not in response.text
    # the log says a check is missing, and where, but not the value
    assert "reached the database unchecked" in caplog.text
    assert "createAgency" in caplog.text
    assert SECRET not in caplog.text


async def test_an_unexpected_error_is_logged_without_its_message(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    token = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))

    async def service(**_: Any) -> Any:
        raise KeyError(SECRET)

    monkeypatch.setattr(services.agencies, "create_agency", service)
    with caplog.at_level(logging.ERROR, logger="hearth.errors"):
        response = await api.post(CREATE_AGENCY, token=token)
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert "KeyError" in caplog.text
    assert "raise KeyError(SECRET)" in caplog.text  # the line, from the traceback
    assert SECRET not in caplog.text.replace("raise KeyError(SECRET)", "")
