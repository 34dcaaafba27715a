"""The README's "Setting up an agency" steps, run as written: from an empty database to a case
manager who works at a new agency, through the command line's `hearth admin create` and then
GraphQL only, with the README's own operations (read from README.md, in its order)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from graphql import OperationDefinitionNode, parse
from typer.testing import CliRunner

from api.cli import app as cli
from authz import enforcer
from tests.api.helpers import tokens
from tests.factories import Api

README = Path(__file__).resolve().parents[1] / "README.md"
ADMIN_PASSPHRASE = "lanterns over the harbour at dusk"
PASSPHRASE = "copper kettles by the north window"
STEPS = [
    "SignAgreement",
    "CreateAgency",
    "RecordMou",
    "SyncUsers",
    "Invite",
    "AcceptInvitation",
    "VerifyMfa",
    "DesignateCoordinators",
    "RecordTraining",
    "MyTraining",
    "CertificationItems",
    "CertifyExhibit",
    "RequestAccess",
    "ApproveAccess",
    "Me",
]


def readme_operations() -> dict[str, str]:
    """The GraphQL operations of the README's set-up section, by name, in order."""
    text = README.read_text()
    section = text.split("## Setting up an agency", 1)[1].split("\n## ", 1)[0]
    operations: dict[str, str] = {}
    for block in re.findall(r"```graphql\n(.*?)```", section, re.DOTALL):
        document = "\n".join(line.strip() for line in block.splitlines())
        (definition,) = parse(document).definitions
        assert isinstance(definition, OperationDefinitionNode)
        assert definition.name
        operations[definition.name.value] = document
    return operations


async def _admin_create(runner: CliRunner) -> dict[str, Any]:
    """`hearth admin create`, as the README has the operator run it, then the server's reload."""
    server = enforcer.current_authorizer()
    server.reloaded.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)  # the command is a process of its own
        result = await asyncio.to_thread(
            runner.invoke,
            cli,
            ["admin", "create", "--username", "admin", "--email", "admin@example.org"],
            input=ADMIN_PASSPHRASE + "\n",
        )
    assert result.exit_code == 0, result.stderr
    await asyncio.wait_for(server.reloaded.wait(), timeout=10)
    created: dict[str, Any] = json.loads(result.stdout)
    return created


async def test_the_readme_sets_up_an_agency_from_an_empty_database(
    api: Api, runner: CliRunner
) -> None:
    ops = readme_operations()
    assert list(ops) == STEPS

    async def run(name: str, bearer: str | None, /, **variables: Any) -> dict[str, Any]:
        return await api.ok(ops[name], variables, bearer)

    # 1. the first System Administrator, from the command line; signs in and signs the agreement
    created = await _admin_create(runner)
    admin = (await tokens(api, "admin", created["totpSecret"], ADMIN_PASSPHRASE))["accessToken"]
    await run("SignAgreement", admin)
    # 2. the agency and its MOU
    agency = (await run("CreateAgency", admin))["createAgency"]
    assert set(agency["missingDuties"]) == {"HMIS_DATA_COORDINATOR", "AGENCY_SECURITY_COORDINATOR"}
    agency_id = agency["id"]
    await run("RecordMou", admin, agencyId=agency_id)
    # 3. the users, as the vendor's sync sends them
    synced = (await run("SyncUsers", admin))["syncUsers"]
    assert [r["error"] for r in synced] == [None, None, None]
    ids = {r["user"]["username"]: r["user"]["id"] for r in synced}
    external = {r["user"]["username"]: r["externalId"] for r in synced}
    # 4. each is invited, sets a password and confirms an authenticator, which signs them in
    token: dict[str, str] = {}
    for username, user_id in ids.items():
        invitation = (await run("Invite", admin, userId=user_id))["inviteUser"]
        enrolment = (
            await run("AcceptInvitation", None, token=invitation["token"], password=PASSPHRASE)
        )["acceptInvitation"]
        code = pyotp.TOTP(enrolment["totpSecret"]).at(api.clock.now())
        signed_in = await run(
            "VerifyMfa", None, challengeToken=enrolment["challengeToken"], code=code
        )
        token[username] = signed_in["verifyMfa"]["accessToken"]
        api.clock.advance(timedelta(seconds=30))
    # 5. the agency's first coordinators, designated by the System Administrator
    designated = (
        await run(
            "DesignateCoordinators",
            admin,
            agencyId=agency_id,
            hdcId=ids["ann.hdc"],
            ascId=ids["ben.asc"],
        )
    )["designateAgencyCoordinators"]
    assert designated["agency"]["missingDuties"] == []
    assert {(d["duty"], d["user"]["username"]) for d in designated["duties"]} == {
        ("HMIS_DATA_COORDINATOR", "ann.hdc"),
        ("AGENCY_SECURITY_COORDINATOR", "ben.asc"),
    }

    # 6. training (recorded by the LMS feed, here the System Administrator), then the agreement
    async def train_and_sign(username: str) -> None:
        missing = (await run("MyTraining", token[username]))["me"]["training"]["missingCourses"]
        assert missing, username
        for course in missing:
            await run("RecordTraining", admin, externalId=external[username], courseCode=course)
        await run("SignAgreement", token[username])
        assert (await run("MyTraining", token[username]))["me"]["training"]["complete"]

    for username in ("ann.hdc", "ben.asc"):
        await train_and_sign(username)
    # 7. first-time access: Exhibit A by the HDC, Exhibit B by the Security Coordinator
    items = (await run("CertificationItems", token["ann.hdc"]))["certificationItems"]
    answers = {
        exhibit: [
            {"itemId": i["id"], "met": True, "evidence": f"Binder, tab {i['code']}"}
            for i in items
            if i["exhibit"] == exhibit
        ]
        for exhibit in ("A", "B")
    }
    first = await run(
        "CertifyExhibit", token["ann.hdc"], agencyId=agency_id, exhibit="A", answers=answers["A"]
    )
    assert first["certifyExhibit"]["accessCleared"] is False
    second = await run(
        "CertifyExhibit",
        token["ben.asc"],
        agencyId=agency_id,
        exhibit="B",
        answers=answers["B"],
        coordinator={"name": "Ben Ray", "email": "ben@harborlight.example.org"},
    )
    assert second["certifyExhibit"]["accessCleared"] is True
    # 8. the HDC's Designation of Access for the case manager, approved by the System Administrator
    request = (
        await run("RequestAccess", token["ann.hdc"], userId=ids["cam.worker"], agencyId=agency_id)
    )["requestAccess"]
    approved = (await run("ApproveAccess", admin, requestId=request["id"]))["approveAccessRequest"]
    assert approved["status"] == "APPROVED"
    # 9. once trained and signed, the case manager works at the agency
    await train_and_sign("cam.worker")
    me = (await run("Me", token["cam.worker"]))["me"]
    assert me == {
        "user": {
            "username": "cam.worker",
            "memberships": [
                {"accessLevel": "FULL", "agency": {"name": "Harborlight Housing Services"}}
            ],
        },
        "training": {"complete": True},
        "blockedAgencies": [],
    }
