"""GraphQL documents and small steps shared by the identity tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyotp

from tests.factories import LOGIN, PASSWORD, VERIFY, Api

__all__ = [
    "ACCEPT",
    "AGENCIES",
    "DEACTIVATE",
    "INVITE",
    "LOGIN",
    "LOGOUT",
    "ME",
    "PASSWORD",
    "REAUTH",
    "REFRESH",
    "VERIFY",
    "CountingHasher",
    "challenge",
    "code_at",
    "tokens",
]

ME = "query { me { user { username } session { mfaAt mfaExpiresAt } } }"
AGENCIES = "query { agencies { edges { node { name } } } }"
LOGOUT = "mutation { logout }"
REFRESH = """
mutation($r: String!) {
  refreshSession(input: {refreshToken: $r}) { accessToken expiresAt refreshToken mfaExpiresAt }
}"""
REAUTH = "mutation($c: String!) { reauthenticateMfa(input: {code: $c}) }"
INVITE = "mutation($id: ID!) { inviteUser(input: {userId: $id}) { token expiresAt } }"
ACCEPT = """
mutation($t: String!, $p: String!) {
  acceptInvitation(input: {token: $t, password: $p}) { totpSecret provisioningUri challengeToken }
}"""
DEACTIVATE = """
mutation($id: ID!) { deactivateUser(input: {userId: $id, reasonCode: LEFT_AGENCY, reason: "left the agency"}) { status } }
"""


def code_at(secret: str, when: datetime, steps: int = 0) -> str:
    """The TOTP code ``steps`` time steps away from ``when``."""
    return pyotp.TOTP(secret).at(when + timedelta(seconds=30 * steps))


async def challenge(api: Api, username: str, password: str = PASSWORD) -> str:
    return (await api.ok(LOGIN, {"u": username, "p": password}))["login"]["challengeToken"]


async def tokens(api: Api, username: str, secret: str, password: str = PASSWORD) -> dict[str, Any]:
    """Both steps of sign-in; every token of the new session. Moves the clock past the code."""
    token = await challenge(api, username, password)
    pair = (await api.ok(VERIFY, {"t": token, "c": code_at(secret, api.clock.now())}))["verifyMfa"]
    api.clock.advance(timedelta(seconds=30))
    return pair


class CountingHasher:
    """Counts verifies; monkeypatch it over ``services.passwords._hasher``."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.verifies = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.verifies += 1
        return self.real.verify(password_hash, password)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)
