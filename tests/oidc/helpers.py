"""The test provider's clients and users, browser-flow drivers, and a token forge."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc import jwt

RESOURCE = "https://hearth.test/api"  # Hearth's resource indicator (its audience)
CLIENT_ID = "hearth"
CLIENT_SECRET = "hearth-test-client-secret-0123456789abcdef"
FRONTEND_CLIENT = "frontend"
HEARTH_CALLBACK = "http://hearth.test/auth/oidc/callback"
FRONTEND_CALLBACK = "http://frontend.test/callback"
LOGGED_OUT = "http://frontend.test/logged-out"
SESSION_SECRET = "hearth-test-session-secret-0123456789abcdef"
ACR_PWD = "urn:hearth:test:pwd"
ACR_MFA = "urn:hearth:test:mfa"

# The provider's users, keyed by subject (the HMIS vendor's externalId of the Hearth user).
ALICE = "V-1001"  # signs in with a second factor
BOB = "V-1002"  # password only
STRANGER = "V-9999"  # has no Hearth account
USERS: dict[str, dict[str, Any]] = {
    ALICE: {
        "claims": {"email": "alice@agency.example.org", "email_verified": True, "name": "Alice"},
        "amr": ["pwd", "otp"],
        "acr": ACR_MFA,
    },
    BOB: {
        "claims": {"email": "bob@agency.example.org", "email_verified": True, "name": "Bob"},
        "amr": ["pwd"],
        "acr": ACR_PWD,
    },
    STRANGER: {
        "claims": {"email": "stranger@example.org", "email_verified": True, "name": "S"},
        "amr": ["pwd", "otp"],
        "acr": ACR_MFA,
    },
}


@dataclass(frozen=True)
class OidcProvider:
    issuer: str
    keys: dict[str, Any] = field(default_factory=dict)  # kid -> private joserfc key

    def http(self) -> httpx.AsyncClient:
        """A browser's view of the provider: its own cookie jar, redirects by hand."""
        return httpx.AsyncClient(base_url=self.issuer, timeout=10)

    def claims(self) -> dict[str, Any]:
        """What the provider puts in an access token for alice, now."""
        now = int(time.time())
        return {
            "iss": self.issuer,
            "sub": ALICE,
            "aud": RESOURCE,
            "client_id": FRONTEND_CLIENT,
            "scope": "openid email profile api",
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_hex(8),
            "auth_time": now - 60,
            "amr": ["pwd", "otp"],
            "acr": ACR_MFA,
            "email": USERS[ALICE]["claims"]["email"],
            "email_verified": True,
        }

    def forge(
        self,
        claims: dict[str, Any] | None = None,
        *,
        kid: str = "provider-es256",
        typ: str | None = "at+jwt",
        drop: tuple[str, ...] = (),
        key: Any = None,
        alg: str | None = None,
    ) -> str:
        """An access token signed with the provider's own key, as the provider would issue it,
        except for what the arguments change."""
        payload = self.claims()
        payload.update(claims or {})
        for name in drop:
            payload.pop(name, None)
        signing_key = key if key is not None else self.keys[kid]
        header: dict[str, Any] = {"alg": alg or signing_key.alg or "ES256", "kid": kid}
        if typ is not None:
            header["typ"] = typ
        return jwt.encode(header, payload, signing_key, algorithms=[header["alg"]])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A compact JWS assembled by hand (for what no library will sign: alg none, HS256 with a
    public key)."""
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{b64url(signature)}"


def hs256_with(secret: bytes, header: dict[str, Any], claims: dict[str, Any]) -> str:
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def sign_in_at_provider(browser: httpx.AsyncClient, authorize_url: str, user: str) -> str:
    """Follow the provider's redirects, logging in ``user``; the URL it sends the browser back to."""
    origin = str(browser.base_url).rstrip("/")
    response = await browser.get(authorize_url)
    for _ in range(6):
        assert response.status_code in (302, 303), response.text
        location = response.headers["location"]
        if not location.startswith(("/", f"{origin}/")):
            return location  # off to the client's redirect URI
        path = urlsplit(location).path
        if path.startswith("/interaction/"):
            response = await browser.post(f"{path}/login", data={"user": user})
        else:
            response = await browser.get(location)
    raise AssertionError("the provider never sent the browser back")


async def browser_login(
    hearth: httpx.AsyncClient,
    provider: OidcProvider,
    user: str,
    *,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    """The whole browser flow: Hearth's /auth/oidc/login, the provider, Hearth's callback."""
    start = await hearth.get("/auth/oidc/login", params=params)
    assert start.status_code == 302, start.text
    async with provider.http() as browser:
        back = await sign_in_at_provider(browser, start.headers["location"], user)
    assert back.startswith("http://hearth.test/auth/oidc/callback"), back
    return await hearth.get(back)


async def provider_tokens(provider: OidcProvider, user: str) -> dict[str, Any]:
    """A front end's own code flow with PKCE at the provider: its access and ID tokens."""
    verifier = secrets.token_urlsafe(48)
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    async with provider.http() as browser:
        query = {
            "client_id": FRONTEND_CLIENT,
            "response_type": "code",
            "scope": "openid email profile",
            "redirect_uri": FRONTEND_CALLBACK,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "resource": RESOURCE,
        }
        authorize = str(httpx.URL("/auth", params=query))
        back = await sign_in_at_provider(browser, authorize, user)
        code = query_of(back)["code"]
        response = await browser.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": FRONTEND_CALLBACK,
                "client_id": FRONTEND_CLIENT,
                "code_verifier": verifier,
                "resource": RESOURCE,
            },
        )
    assert response.status_code == 200, response.text
    return response.json()


class StubProvider:
    """A loopback HTTP server answering fixed documents per path, or never answering ("hang").

    For what the real provider will not do: be down, hang, or serve malformed documents.
    """

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes] | str] = {}
        self.hits: dict[str, int] = {}
        self._release = asyncio.Event()
        self._server: asyncio.Server | None = None
        self.url = ""

    def serve_json(self, path: str, document: Any, status: int = 200) -> None:
        self.routes[path] = (status, json.dumps(document).encode())

    def discovery(self, **changes: Any) -> dict[str, Any]:
        document = {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/auth",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "id_token_signing_alg_values_supported": ["ES256"],
        }
        document.update(changes)
        return {k: v for k, v in document.items() if v is not None}

    async def __aenter__(self) -> StubProvider:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._release.set()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await reader.readline()
            while (await reader.readline()).strip():
                pass
            path = request_line.split()[1].decode().split("?")[0]
            self.hits[path] = self.hits.get(path, 0) + 1
            route = self.routes.get(path, (404, b"{}"))
            if route == "hang":
                await self._release.wait()
                return
            assert isinstance(route, tuple)
            status, body = route
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        finally:
            writer.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
