"""Service accounts: the System Administrator's GraphQL, POST /oauth/token, and what the tokens
may do (local identity mode; tests/oidc proves the same tokens in oidc mode)."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest

from authz.enforcer import current_authorizer
from models.enums import AgencyStatus, SystemRole
from models.governance import Can, ContinuumOfCare
from models.service_accounts import ServiceAccount
from services.clock import FrozenClock
from tests.factories import Api, make_agency, make_user

CREATE = """
mutation($input: CreateServiceAccountInput!) {
  createServiceAccount(input: $input) {
    clientId clientSecret
    serviceAccount { id name role clientId active coordinatedAccessNetwork { name } createdBy { username } }
  }
}"""
ROTATE = """
mutation($id: ID!) { rotateServiceAccountSecret(input: {id: $id}) { clientId clientSecret } }"""
REVOKE = """
mutation($id: ID!) { revokeServiceAccount(input: {id: $id, reason: "contract ended"}) {
  active revokedAt revokeReason } }"""
LIST = """
query($all: Boolean!) { serviceAccounts(includeRevoked: $all) {
  totalCount nodes { name role active lastUsedAt } } }"""
AGENCIES = "query { agencies { nodes { name } } }"
USERS = "query { users { totalCount } }"
ME = "query { me { user { username } } }"
ME_ANY = """query { me { kind user { username } serviceAccount { id name clientId role
  coordinatedAccessNetworkId } training { complete } blockedAgencies { agencyId }
  endUserAgreement { signed } } }"""
SYNC = """
mutation { syncUser(input: {externalId: "V-7", username: "vsync7", email: "v7@agency.example.org"}) {
  created user { username } } }"""
MOVE = """
mutation($id: ID!, $can: ID!) { updateAgency(input: {id: $id, canId: $can}) {
  coordinatedAccessNetwork { name } } }"""
CREATE_AGENCY = """mutation { createAgency(input: {name: "Rogue", cocCode: "CT-503"}) { id } }"""


@pytest.fixture
async def admin_token(api: Api) -> str:
    return await api.sign_in(await make_user("sysadmin", roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))


async def create(api: Api, token: str, **input: Any) -> dict[str, Any]:
    return (await api.ok(CREATE, {"input": input}, token))["createServiceAccount"]


async def token_for(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


async def access(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await token_for(http, client_id, secret)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def test_the_vendor_sync_gets_a_token_and_only_its_roles_operations(
    api: Api, http: httpx.AsyncClient, admin_token: str, clock: FrozenClock
) -> None:
    # given the System Administrator creates the vendor's service account
    created = await create(api, admin_token, name="HMIS vendor sync", role="VENDOR_SYNC")
    account = created["serviceAccount"]
    assert account["clientId"] == created["clientId"]
    assert account["createdBy"] == {"username": "sysadmin"}
    assert account["active"] is True
    # when the sync job exchanges its credentials (client_secret_basic) for a token
    response = await token_for(http, created["clientId"], created["clientSecret"])
    # then it gets a short-lived bearer token, not to be cached by intermediaries
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["scope"] == "vendor_sync"
    assert response.headers["cache-control"] == "no-store"
    token = body["access_token"]
    # and it may do what role:vendor_sync grants, and nothing else
    synced = await api.ok(SYNC, token=token)
    assert synced["syncUser"]["user"]["username"] == "vsync7"
    assert (await api.error(CREATE_AGENCY, token=token))["code"] == "FORBIDDEN"
    assert (await api.error(LIST, {"all": True}, token=token))["code"] == "FORBIDDEN"
    # and it can ask who it is: its identity and role, and nothing stands in its way
    assert (await api.ok(ME_ANY, token=token))["me"] == {
        "kind": "SERVICE_ACCOUNT",
        "user": None,
        "serviceAccount": {
            "id": account["id"],
            "name": "HMIS vendor sync",
            "clientId": created["clientId"],
            "role": "VENDOR_SYNC",
            "coordinatedAccessNetworkId": None,
        },
        "training": {"complete": True},
        "blockedAgencies": [],
        "endUserAgreement": {"signed": True},
    }
    # a query written for users still runs: its user is null
    assert (await api.ok(ME, token=token))["me"] == {"user": None}
    # and no MFA is asked of a machine, even weeks later (tokens are fetched afresh)
    clock.advance(timedelta(days=30))
    later = await access(http, created["clientId"], created["clientSecret"])
    assert (await api.ok(USERS, token=later))["users"]["totalCount"] >= 2


async def test_client_secret_post_works_too_and_last_use_is_recorded(
    api: Api, http: httpx.AsyncClient, admin_token: str, clock: FrozenClock
) -> None:
    created = await create(api, admin_token, name="Vendor (post)", role="VENDOR_SYNC")
    response = await http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["clientId"],
            "client_secret": created["clientSecret"],
            "scope": "vendor_sync",
        },
    )
    assert response.status_code == 200, response.text
    listed = await api.ok(LIST, {"all": False}, admin_token)
    assert listed["serviceAccounts"]["nodes"][0]["lastUsedAt"] is not None


async def test_a_token_expires_after_its_short_life(
    api: Api, http: httpx.AsyncClient, admin_token: str, clock: FrozenClock
) -> None:
    created = await create(api, admin_token, name="Vendor", role="VENDOR_SYNC")
    token = await access(http, created["clientId"], created["clientSecret"])
    clock.advance(timedelta(seconds=301))
    assert (await api.error(USERS, token=token))["code"] == "UNAUTHENTICATED"


async def test_rotating_the_secret_ends_the_old_secret_and_its_tokens_at_once(
    api: Api, http: httpx.AsyncClient, admin_token: str
) -> None:
    created = await create(api, admin_token, name="Vendor", role="VENDOR_SYNC")
    old_token = await access(http, created["clientId"], created["clientSecret"])
    # when
    rotated = (await api.ok(ROTATE, {"id": created["serviceAccount"]["id"]}, admin_token))[
        "rotateServiceAccountSecret"
    ]
    # then
    assert rotated["clientId"] == created["clientId"]
    assert rotated["clientSecret"] != created["clientSecret"]
    assert (await token_for(http, created["clientId"], created["clientSecret"])).status_code == 401
    assert (await api.error(USERS, token=old_token))["code"] == "UNAUTHENTICATED"
    new_token = await access(http, rotated["clientId"], rotated["clientSecret"])
    assert "users" in await api.ok(USERS, token=new_token)


async def test_revoking_ends_the_accounts_tokens_and_roles_at_once(
    api: Api, http: httpx.AsyncClient, admin_token: str
) -> None:
    created = await create(api, admin_token, name="Vendor", role="VENDOR_SYNC")
    account_id = created["serviceAccount"]["id"]
    token = await access(http, created["clientId"], created["clientSecret"])
    # when
    revoked = (await api.ok(REVOKE, {"id": account_id}, admin_token))["revokeServiceAccount"]
    # then
    assert revoked["active"] is False
    assert revoked["revokeReason"] == "contract ended"
    assert (await api.error(USERS, token=token))["code"] == "UNAUTHENTICATED"
    refused = await token_for(http, created["clientId"], created["clientSecret"])
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert not current_authorizer().allowed(f"service:{account_id}", "*", "user", "read")
    # and it is listed only on request; a second revocation or a rotation is a conflict
    assert (await api.ok(LIST, {"all": False}, admin_token))["serviceAccounts"]["totalCount"] == 0
    assert (await api.ok(LIST, {"all": True}, admin_token))["serviceAccounts"]["totalCount"] == 1
    assert (await api.error(REVOKE, {"id": account_id}, admin_token))["code"] == "CONFLICT"
    assert (await api.error(ROTATE, {"id": account_id}, admin_token))["code"] == "CONFLICT"


async def test_a_can_reporting_account_reads_its_cans_agencies_only_and_no_people(
    api: Api, http: httpx.AsyncClient, admin_token: str
) -> None:
    # given a CAN with two agencies (one without an MOU), and an agency elsewhere
    coc = await ContinuumOfCare.get(code="CT-503")
    can = await Can.create(name="Greater Hartford CAN", coc=coc)
    await make_agency("Journey Home", can=can)
    await make_agency("No MOU yet", can=can, mou=False)
    await make_agency("Suspended", can=can, status=AgencyStatus.SUSPENDED)
    elsewhere = await make_agency("Elsewhere")
    created = await create(
        api, admin_token, name="Hartford CAN reporting", role="CAN_REPORTING", canId=str(can.id)
    )
    assert created["serviceAccount"]["coordinatedAccessNetwork"] == {"name": "Greater Hartford CAN"}
    token = await access(http, created["clientId"], created["clientSecret"])
    # then it reads the CAN's agencies in force (policy 101), nothing else, and no users
    agencies = await api.ok(AGENCIES, token=token)
    assert [a["name"] for a in agencies["agencies"]["nodes"]] == ["Journey Home"]
    assert (await api.error(USERS, token=token))["code"] == "FORBIDDEN"
    assert (await api.error(SYNC, token=token))["code"] == "FORBIDDEN"
    # and it asks me for its role and its CAN
    me = (await api.ok(ME_ANY, token=token))["me"]["serviceAccount"]
    assert (me["role"], me["coordinatedAccessNetworkId"]) == ("CAN_REPORTING", str(can.id))
    # and an agency the Lead Agency moves into the CAN is in its scope at once
    moved = await api.ok(MOVE, {"id": str(elsewhere.id), "can": str(can.id)}, admin_token)
    assert moved["updateAgency"]["coordinatedAccessNetwork"] == {"name": "Greater Hartford CAN"}
    names = {a["name"] for a in (await api.ok(AGENCIES, token=token))["agencies"]["nodes"]}
    assert names == {"Journey Home", "Elsewhere"}


async def test_the_principal_says_which_service_account_is_calling(
    api: Api, http: httpx.AsyncClient, admin_token: str, app: Any
) -> None:
    created = await create(api, admin_token, name="Vendor", role="VENDOR_SYNC")
    token = await access(http, created["clientId"], created["clientSecret"])
    identity = app.state.identity
    authenticated = await identity.authenticate(token, now=api.clock.now())
    principal = authenticated.principal
    assert principal.kind == "service"
    assert str(principal.user_id) == created["serviceAccount"]["id"]
    assert principal.username == "Vendor"
    assert principal.client_id == created["clientId"]
    assert principal.subject == f"service:{created['serviceAccount']['id']}"
    assert authenticated.mfa_expired is False


VALIDATION_CASES = {
    "CAN_REPORTING without its CAN": ({"role": "CAN_REPORTING"}, "VALIDATION", "canId"),
    "VENDOR_SYNC scoped to a CAN": ({"role": "VENDOR_SYNC", "canId": "CAN"}, "VALIDATION", "canId"),
    "an unknown CAN": (
        {"role": "CAN_REPORTING", "canId": "00000000-0000-4000-8000-000000000000"},
        "NOT_FOUND",
        "canId",
    ),
    "a name too short": ({"role": "VENDOR_SYNC", "name": "x"}, "VALIDATION", "name"),
}


@pytest.mark.parametrize("case", VALIDATION_CASES, ids=list(VALIDATION_CASES))
async def test_bad_input_is_refused(api: Api, admin_token: str, case: str) -> None:
    given, code, field = VALIDATION_CASES[case]
    can = await Can.create(name="A CAN", coc=await ContinuumOfCare.get(code="CT-503"))
    input = {"name": "An integration", **given}
    if input.get("canId") == "CAN":
        input["canId"] = str(can.id)
    error = await api.error(CREATE, {"input": input}, admin_token)
    assert (error["code"], error.get("field")) == (code, field)
    assert await ServiceAccount.all().count() == 0


async def test_names_are_unique(api: Api, admin_token: str) -> None:
    await create(api, admin_token, name="Vendor", role="VENDOR_SYNC")
    error = await api.error(
        CREATE, {"input": {"name": "Vendor", "role": "VENDOR_SYNC"}}, admin_token
    )
    assert (error["code"], error["field"]) == ("CONFLICT", "name")


async def test_only_the_system_administrator_manages_them_and_the_security_officer_sees_them(
    api: Api, admin_token: str
) -> None:
    created = await create(api, admin_token, name="Vendor", role="VENDOR_SYNC")
    officer = await api.sign_in(await make_user(roles=(SystemRole.SECURITY_OFFICER,)))
    lead = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY,)))
    listed = await api.ok(LIST, {"all": True}, officer)
    assert listed["serviceAccounts"]["nodes"][0]["name"] == "Vendor"
    for token in (officer, lead):
        refused = await api.error(CREATE, {"input": {"name": "Mine", "role": "VENDOR_SYNC"}}, token)
        assert refused["code"] == "FORBIDDEN"
        rotate = await api.error(ROTATE, {"id": created["serviceAccount"]["id"]}, token)
        assert rotate["code"] == "FORBIDDEN"
    assert (await api.error(LIST, {"all": True}, lead))["code"] == "FORBIDDEN"


# --- POST /oauth/token: RFC 6749 error responses -------------------------------------------------


def basic(client_id: str, secret: str) -> str:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode()


@pytest.fixture
async def client(api: Api, admin_token: str) -> dict[str, Any]:
    return await create(api, admin_token, name="Vendor", role="VENDOR_SYNC")


async def test_a_wrong_or_unknown_client_gets_invalid_client_with_a_challenge(
    http: httpx.AsyncClient, client: dict[str, Any]
) -> None:
    for client_id, secret in (
        (client["clientId"], "wrong-secret"),
        ("hearth-sa-000000000000000000000000", client["clientSecret"]),
        ("somebody", "anything"),
    ):
        response = await token_for(http, client_id, secret)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith("Basic")
        assert "access_token" not in response.text


OAUTH_ERRORS: dict[str, tuple[dict[str, Any], int, str]] = {
    "an unsupported grant type": (
        {"data": {"grant_type": "password", "username": "u", "password": "p"}},
        400,
        "unsupported_grant_type",
    ),
    "no grant type": ({"data": {}}, 400, "invalid_request"),
    "no client authentication": (
        {"data": {"grant_type": "client_credentials"}},
        401,
        "invalid_client",
    ),
    "two client authentication methods": (
        {"data": {"grant_type": "client_credentials", "client_secret": "x"}, "basic": True},
        400,
        "invalid_request",
    ),
    "a JSON body": ({"json": {"grant_type": "client_credentials"}}, 400, "invalid_request"),
    "a repeated parameter": (
        {"content": "grant_type=client_credentials&grant_type=client_credentials", "basic": True},
        400,
        "invalid_request",
    ),
    "a scope the role does not have": (
        {"data": {"grant_type": "client_credentials", "scope": "admin"}, "basic": True},
        400,
        "invalid_scope",
    ),
    "a malformed Basic header": (
        {"data": {"grant_type": "client_credentials"}, "authorization": "Basic %%%"},
        401,
        "invalid_client",
    ),
}


@pytest.mark.parametrize("case", OAUTH_ERRORS, ids=list(OAUTH_ERRORS))
async def test_token_endpoint_errors_follow_rfc_6749(
    http: httpx.AsyncClient, client: dict[str, Any], case: str
) -> None:
    request, status, error = OAUTH_ERRORS[case]
    headers = {}
    if request.get("basic"):
        headers["Authorization"] = basic(client["clientId"], client["clientSecret"])
    if "authorization" in request:
        headers["Authorization"] = request["authorization"]
    if "content" in request:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    kwargs = {k: v for k, v in request.items() if k in ("data", "json", "content")}
    response = await http.post("/oauth/token", headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


async def test_the_token_endpoint_answers_only_post(http: httpx.AsyncClient) -> None:
    response = await http.get("/oauth/token")
    assert response.status_code == 405
    assert response.json()["error"] == "invalid_request"


async def test_no_shared_accounts_each_integration_has_its_own_client(
    api: Api, admin_token: str
) -> None:
    # policy 109: two integrations never share credentials
    first = await create(api, admin_token, name="Vendor A", role="VENDOR_SYNC")
    second = await create(api, admin_token, name="Vendor B", role="VENDOR_SYNC")
    assert first["clientId"] != second["clientId"]
    assert first["clientSecret"] != second["clientSecret"]
    stored = await ServiceAccount.all().values_list("secret_hash", flat=True)
    assert all(h.startswith("$argon2id$") for h in stored)
    assert first["clientSecret"] not in stored


async def test_every_call_is_audited_under_the_service_account(
    api: Api, http: httpx.AsyncClient, admin_token: str
) -> None:
    # given the vendor's sync account with a token
    from models.audit import AuditEvent

    created = await create(api, admin_token, name="Audited vendor sync", role="VENDOR_SYNC")
    account_id = created["serviceAccount"]["id"]
    token = await access(http, created["clientId"], created["clientSecret"])
    # when it syncs a user, lists users and tries what its role does not grant
    await api.ok(SYNC, token=token)
    await api.ok(USERS, token=token)
    assert (await api.error(CREATE_AGENCY, token=token))["code"] == "FORBIDDEN"
    # then each call is on the audit trail under the account, the refused one as DENIED
    rows = (
        await AuditEvent.filter(entity_type="ServiceCall")
        .order_by("seq")
        .values("actor_id", "action", "entity_id", "fields_touched")
    )
    assert [(str(r["actor_id"]), r["action"].value, r["entity_id"]) for r in rows] == [
        (account_id, "UPDATE", "syncUser"),
        (account_id, "VIEW", "users"),
        (account_id, "DENIED", "createAgency"),
    ]
    assert rows[0]["fields_touched"] == ["input"]
