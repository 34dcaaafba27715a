"""A valid call of every mutation of the schema, in a small world of its own: the starting point
the malformed-input tests spoil one field at a time (tests/schema/test_malformed_inputs.py).

Each case returns who calls (a token, or None for the sign-in operations) and the arguments;
a case reaches past the permission check and the lookups, so a spoilt field is met where the
service validates it and, if nothing refuses it, where it is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from models.access_reports import AccessEscalation
from models.case_notes import CaseNote
from models.enums import AccessLevel, Duty, SystemRole
from models.governance import Agency, Can, ContinuumOfCare
from models.users import User
from services.auth import AuthPolicy, create_invite
from tests.api.helpers import challenge, code_at
from tests.factories import PASSWORD, VERIFY, Api, make_agency, make_user
from tests.schema.writes_support import create_client, make_project, today

__all__ = ["CASES", "Case", "World", "build_world"]

ENROLL = """
mutation($input: CreateEnrollmentInput!) { createEnrollment(input: $input) { id } }"""
NOTE = """mutation($input: AddCaseNoteInput!) { addCaseNote(input: $input) { id } }"""
REQUEST_DELETION = """
mutation($input: RequestCaseNoteDeletionInput!) { requestCaseNoteDeletion(input: $input) { id } }"""
REQUEST_ACCESS = """
mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id } }"""
SERVICE_ACCOUNT = """
mutation($input: CreateServiceAccountInput!) { createServiceAccount(input: $input) {
  serviceAccount { id } } }"""
OPEN = """
mutation($input: OpenAccessEscalationInput!) { openAccessEscalation(input: $input) { id } }"""


@dataclass
class World:
    api: Api
    a: Agency
    b: Agency
    can: Can
    admin: User  # System Administrator, Lead Agency, vendor sync
    worker: User  # FULL at A
    hdc: User  # the HMIS Data Coordinator of A and of B
    member: User  # VIEW_ONLY at A: whose access, duties and conduct are decided
    worker_b: User
    tokens: dict[str, str] = field(default_factory=dict)
    calls: int = 0  # cases run so far: names that must be unique take it

    def unique(self, text: str) -> str:
        self.calls += 1
        return f"{text} {self.calls}"

    async def token(self, who: str) -> str:
        if who not in self.tokens:
            user = getattr(self, who, None) or await User.get(username=who)
            self.tokens[who] = await self.api.sign_in(user)
        return self.tokens[who]

    async def client(self) -> str:
        return (await create_client(self.api, await self.token("worker")))["id"]

    async def enrollment(self) -> str:
        client_id = await self.client()
        project = await make_project(self.a, self.unique("Shelter"))
        data = await self.api.ok(
            ENROLL,
            {
                "input": {
                    "clientId": client_id,
                    "projectId": str(project.id),
                    "entryDate": str(today(self.api)),
                    "relationshipToHoH": "SELF",
                    "disablingCondition": "NO",
                }
            },
            await self.token("worker"),
        )
        return str(data["createEnrollment"]["id"])

    async def note(self) -> tuple[str, CaseNote]:
        client_id = await self.client()
        data = await self.api.ok(
            NOTE, {"input": {"clientId": client_id, "text": "Met."}}, await self.token("worker")
        )
        return client_id, await CaseNote.get(id=data["addCaseNote"]["id"])

    async def escalation(self, level: int = 1) -> str:
        data = await self.api.ok(
            OPEN,
            {
                "input": {
                    "agencyId": str(self.a.id),
                    "quarter": "2026Q1",
                    "userId": str(self.member.id),
                    "findings": "Many records in an hour.",
                }
            },
            await self.token("hdc"),
        )
        escalation_id = str(data["openAccessEscalation"]["id"])
        if level > 1:
            await AccessEscalation.filter(id=escalation_id).update(level=level)
        return escalation_id


async def build_world(api: Api) -> World:
    coc = await ContinuumOfCare.get(code="CT-503")
    can = await Can.create(name="CAN North", coc=coc)
    a = await make_agency("Agency A", can=can)
    b = await make_agency("Agency B", can=can)
    can.backbone_agency = b
    await can.save()
    admin = await make_user(
        "admin",
        roles=(SystemRole.SYSTEM_ADMINISTRATOR, SystemRole.LEAD_AGENCY, SystemRole.VENDOR_SYNC),
    )
    return World(
        api=api,
        a=a,
        b=b,
        can=can,
        admin=admin,
        worker=await make_user("worker", agencies={a: AccessLevel.FULL}),
        hdc=await make_user(
            "hdc",
            duties={a: Duty.HMIS_DATA_COORDINATOR, b: Duty.HMIS_DATA_COORDINATOR},
        ),
        member=await make_user("member", agencies={a: AccessLevel.VIEW_ONLY}),
        # FULL at B: records B's consent for A's clients (a release shares them with B)
        worker_b=await make_user("worker.b", agencies={b: AccessLevel.FULL}),
    )


Call = tuple[str | None, dict[str, Any]]  # who calls (a token; None signs in) and the arguments
Case = Callable[[World], Awaitable[Call]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        CASES[name] = function
        return function

    return register


# Signing in --------------------------------------------------------------------------------


@case("login")
async def _login(w: World) -> Call:
    return None, {"input": {"username": "worker", "password": PASSWORD}}


@case("verifyMfa")
async def _verify(w: World) -> Call:
    token = await challenge(w.api, "worker")
    assert w.worker.totp_secret
    return None, {
        "input": {"challengeToken": token, "code": code_at(w.worker.totp_secret, w.api.clock.now())}
    }


@case("refreshSession")
async def _refresh(w: World) -> Call:
    token = await challenge(w.api, "worker")
    assert w.worker.totp_secret
    code = code_at(w.worker.totp_secret, w.api.clock.now())
    pair = (await w.api.ok(VERIFY, {"t": token, "c": code}))["verifyMfa"]
    w.api.clock.advance(timedelta(seconds=30))
    return None, {"input": {"refreshToken": pair["refreshToken"]}}


@case("reauthenticateMfa")
async def _reauth(w: World) -> Call:
    token = await w.token("worker")
    assert w.worker.totp_secret
    return token, {"input": {"code": code_at(w.worker.totp_secret, w.api.clock.now())}}


@case("logout")
async def _logout(w: World) -> Call:
    return await w.token("worker"), {}


@case("acceptInvitation")
async def _accept(w: World) -> Call:
    invited = await make_user(
        w.unique("invited").replace(" ", ""), agencies={w.a: AccessLevel.FULL}
    )
    token = await create_invite(user_id=invited.id, now=w.api.clock.now(), policy=AuthPolicy())
    return None, {"input": {"token": token, "password": "a long and unusual passphrase"}}


# Governance --------------------------------------------------------------------------------


@case("createAgency")
async def _create_agency(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "name": w.unique("Agency C"),
            "cocCode": "CT-503",
            "commonName": "C",
            "canId": str(w.can.id),
            "victimServiceProvider": False,
            "executiveDirectorName": "Pat Director",
            "executiveDirectorEmail": "pat@agency-c.example.org",
        }
    }


@case("updateAgency")
async def _update_agency(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "id": str(w.b.id),
            "name": "Agency B2",
            "cocCode": "CT-503",
            "commonName": "B2",
            "executiveDirectorName": "Lee Director",
            "executiveDirectorEmail": "lee@agency-b.example.org",
        }
    }


@case("recordMou")
async def _record_mou(w: World) -> Call:
    fresh = await make_agency(w.unique("Agency D"), mou=False)
    return await w.token("admin"), {
        "input": {
            "agencyId": str(fresh.id),
            "signedOn": str(today(w.api)),
            "signedBy": "Executive Director",
            "accessLevels": ["FULL"],
        }
    }


@case("createCan")
async def _create_can(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "name": w.unique("CAN South"),
            "cocCode": "CT-503",
            "backboneAgencyId": str(w.b.id),
        }
    }


@case("createProject")
async def _create_project(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "agencyId": str(w.a.id),
            "name": w.unique("Night Shelter"),
            "projectType": "EMERGENCY_SHELTER_ENTRY_EXIT",
            "operatingStartDate": "2020-01-01",
            "commonName": "Night",
            "continuumProject": True,
            "cocCode": "CT-503",
        }
    }


@case("updateProject")
async def _update_project(w: World) -> Call:
    project = await make_project(w.a, w.unique("Shelter"))
    return await w.token("admin"), {
        "input": {
            "id": str(project.id),
            "name": w.unique("Day Shelter"),
            "commonName": "Day",
            "cocCode": "CT-505",
        }
    }


@case("createServiceAccount")
async def _create_service_account(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "name": w.unique("CAN reporting"),
            "role": "CAN_REPORTING",
            "canId": str(w.can.id),
        }
    }


async def _service_account(w: World) -> str:
    data = await w.api.ok(
        SERVICE_ACCOUNT,
        {"input": {"name": w.unique("Vendor feed"), "role": "VENDOR_SYNC"}},
        await w.token("admin"),
    )
    return str(data["createServiceAccount"]["serviceAccount"]["id"])


@case("rotateServiceAccountSecret")
async def _rotate(w: World) -> Call:
    return await w.token("admin"), {"input": {"id": await _service_account(w)}}


@case("revokeServiceAccount")
async def _revoke_service_account(w: World) -> Call:
    return await w.token("admin"), {
        "input": {"id": await _service_account(w), "reason": "Contract ended."}
    }
