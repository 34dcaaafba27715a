"""``hearth admin create``: the first System Administrator, who then signs in over HTTP."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner, Result

from api.cli import app as cli
from authz import enforcer
from models.enums import SystemRole
from models.users import SystemRoleGrant, User
from tests.api.helpers import AGENCIES, tokens
from tests.factories import Api

PASSPHRASE = "lanterns over the harbour at dusk"


async def _create(runner: CliRunner, *args: str, password: str = PASSPHRASE) -> Result:
    """Run the command as its own process would: no authorizer of ours in reach."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)
        # The command runs its own event loop; ours is busy running this test.
        return await asyncio.to_thread(
            runner.invoke, cli, ["admin", "create", *args], input=password + "\n"
        )


async def test_creates_an_admin_who_signs_in_with_the_printed_secret(
    api: Api, runner: CliRunner
) -> None:
    # given
    server = enforcer.current_authorizer()
    server.reloaded.clear()
    # when
    result = await _create(runner, "--username", "Root.Admin", "--email", "root@lead.example.org")
    # then: one JSON line
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    created = json.loads(lines[0])
    assert created["username"] == "root.admin"
    uri = urlsplit(created["provisioningUri"])
    assert uri.scheme == "otpauth"
    assert parse_qs(uri.query)["secret"] == [created["totpSecret"]]
    assert PASSPHRASE not in result.stdout + result.stderr
    # and the running server learns of the new role through NOTIFY
    await asyncio.wait_for(server.reloaded.wait(), timeout=10)
    # so the admin signs in over HTTP and acts as System Administrator
    pair = await tokens(api, "root.admin", created["totpSecret"], PASSPHRASE)
    # after signing the End User Agreement in force (policy 401), as every user does first
    sign = 'mutation { signEndUserAgreement(input: {version: "2026-01"}) { signedOn } }'
    await api.ok(sign, token=pair["accessToken"])
    await api.ok(AGENCIES, token=pair["accessToken"])
    user = await User.get(username="root.admin")
    assert await SystemRoleGrant.exists(user=user, role=SystemRole.SYSTEM_ADMINISTRATOR)


@pytest.mark.parametrize("password", ["too short", "password1234", ""])
async def test_a_weak_password_creates_nothing(api: Api, runner: CliRunner, password: str) -> None:
    result = await _create(
        runner, "--username", "root.admin", "--email", "root@lead.example.org", password=password
    )
    assert result.exit_code != 0
    assert result.stdout == ""
    error = json.loads(result.stderr.strip().splitlines()[-1])["error"]
    assert (error["code"], error["field"]) == ("VALIDATION", "password")
    assert not await User.exists()


async def test_the_username_as_password_creates_nothing(api: Api, runner: CliRunner) -> None:
    result = await _create(
        runner,
        "--username",
        "administrator.one",
        "--email",
        "a@lead.example.org",
        password="Administrator.One",
    )
    assert result.exit_code != 0
    assert json.loads(result.stderr.strip().splitlines()[-1])["error"]["field"] == "password"
    assert not await User.exists()


async def test_a_duplicate_email_creates_nothing(api: Api, runner: CliRunner) -> None:
    # given
    first = await _create(runner, "--username", "root.admin", "--email", "root@lead.example.org")
    assert first.exit_code == 0, first.stderr
    # when: the same address, spelled differently
    result = await _create(
        runner, "--username", "second.admin", "--email", " ROOT@Lead.example.org"
    )
    # then
    assert result.exit_code != 0
    assert result.stdout == ""
    error = json.loads(result.stderr.strip().splitlines()[-1])["error"]
    assert (error["code"], error["field"]) == ("VALIDATION", "email")
    assert await User.all().values_list("username", flat=True) == ["root.admin"]


async def test_a_duplicate_username_creates_nothing(api: Api, runner: CliRunner) -> None:
    assert (
        await _create(runner, "--username", "root.admin", "--email", "a@lead.example.org")
    ).exit_code == 0
    result = await _create(runner, "--username", "Root.Admin", "--email", "b@lead.example.org")
    assert result.exit_code != 0
    assert json.loads(result.stderr.strip().splitlines()[-1])["error"]["field"] == "username"
    assert await User.all().count() == 1


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [
        ("--email", "not-an-address", "email"),
        ("--username", "ro ot", "username"),
    ],
)
async def test_bad_names_create_nothing(
    api: Api, runner: CliRunner, option: str, value: str, field: str
) -> None:
    args = {"--username": "root.admin", "--email": "root@lead.example.org", option: value}
    result = await _create(runner, *[part for pair in args.items() for part in pair])
    assert result.exit_code != 0
    assert json.loads(result.stderr.strip().splitlines()[-1])["error"]["field"] == field
    assert not await User.exists()
