"""A real OpenID Connect provider (node's oidc-provider) for the whole session, and Hearth apps
configured to trust it.

The provider runs from ``tests/oidc/provider`` (``npm ci`` there first when ``node_modules`` is
missing) on a free loopback port. Its signing keys are made here, so tests can also forge tokens
that are correctly signed but wrong in exactly one way. Without Node.js these tests are skipped
(``.ci/run`` refuses to run without it).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey, RSAKey
from pydantic import SecretStr
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from services.clock import FrozenClock
from tests.conftest import exclusive
from tests.oidc.helpers import (
    ACR_MFA,
    ACR_PWD,
    CLIENT_ID,
    CLIENT_SECRET,
    FRONTEND_CALLBACK,
    FRONTEND_CLIENT,
    HEARTH_CALLBACK,
    LOGGED_OUT,
    RESOURCE,
    SESSION_SECRET,
    USERS,
    OidcProvider,
)

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
NO_NODE = (
    "Node.js is not installed: the OpenID Connect tests run node's oidc-provider "
    "(tests/oidc/provider) and are skipped. Install Node.js 20.19+ to run them."
)


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that runs the real provider (directly or through ``hearth``) is slow."""
    for item in items:
        if "oidc_provider" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def _npm_ci(shared: Path) -> None:
    with exclusive(shared / "npm-ci.lock"):  # pytest-xdist's workers: one installs, all use it
        _npm_ci_once()


def _npm_ci_once() -> None:
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: it installs tests/oidc/provider's pinned oidc-provider.")
    done = subprocess.run(  # noqa: S603 (a fixed command)
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=PROVIDER_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm ci in {PROVIDER_DIR} failed:\n{done.stdout}\n{done.stderr}")


def _provider_config(keys: list[Any]) -> dict[str, Any]:
    return {
        "resource": RESOURCE,
        "cookie_keys": ["hearth-test-provider-cookie-key-0123456789"],
        "acr_values": [ACR_PWD, ACR_MFA],
        "jwks": {"keys": [key.as_dict(private=True) for key in keys]},
        "clients": [
            {
                # Hearth itself: the browser flow through /auth/oidc/*
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [HEARTH_CALLBACK],
                "post_logout_redirect_uris": [LOGGED_OUT],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
                "id_token_signed_response_alg": "ES256",
            },
            {
                # A front end calling the API directly with the provider's access token
                "client_id": FRONTEND_CLIENT,
                "redirect_uris": [FRONTEND_CALLBACK],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
                "id_token_signed_response_alg": "ES256",
            },
        ],
        "users": {
            sub: {"claims": user["claims"], "amr": user["amr"], "acr": user["acr"]}
            for sub, user in USERS.items()
        },
    }


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    node = shutil.which("node")
    if node is None:
        pytest.skip(NO_NODE)
    _npm_ci(tmp_path_factory.getbasetemp().parent)
    keys = [
        ECKey.generate_key("P-256", {"kid": "provider-es256", "use": "sig", "alg": "ES256"}),
        RSAKey.generate_key(2048, {"kid": "provider-rs256", "use": "sig", "alg": "RS256"}),
    ]
    folder = tmp_path_factory.mktemp("oidc-provider")
    config = folder / "config.json"
    config.write_text(json.dumps(_provider_config(keys)))
    log = (folder / "provider.log").open("w")
    process = subprocess.Popen(  # noqa: S603 (a fixed command)
        [node, "server.js", str(config)],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "NODE_ENV": "test"},
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline() if ready else ""
        if not line:
            pytest.fail(f"the test provider did not start; see {folder / 'provider.log'}")
        issuer = json.loads(line)["issuer"]
        _wait_for_discovery(issuer)
        yield OidcProvider(issuer=issuer, keys={key.kid: key for key in keys})  # type: ignore[misc]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
        log.close()


def _wait_for_discovery(issuer: str, attempts: int = 50) -> None:
    """Bounded: the provider answers its discovery document within ~10 s or the suite fails."""
    url = f"{issuer}/.well-known/openid-configuration"
    for _ in range(attempts):
        try:
            if httpx.get(url, timeout=0.2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        select.select([], [], [], 0.2)  # a bounded pause between attempts (no busy loop)
    pytest.fail(f"the test provider never served {url}")


def oidc_settings(settings: Settings, issuer: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "identity": "oidc",
        "oidc_issuer": issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": SecretStr(CLIENT_SECRET),
        "oidc_audience": RESOURCE,
        "oidc_mfa_acr_values": [ACR_MFA],
        "oidc_step_up_acr": ACR_MFA,
        "oidc_http_timeout_seconds": 2.0,
        "session_secret": SecretStr(SESSION_SECRET),
        **overrides,
    }
    return settings.model_copy(update=values)


@asynccontextmanager
async def running(application: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://hearth.test") as client:
            client.app = application  # type: ignore[attr-defined]
            yield client


@pytest.fixture
async def hearth(
    app: Starlette,  # the session's app: its database, and emptied tables after the test
    settings: Settings,
    database_url: str,
    clock: FrozenClock,
    oidc_provider: OidcProvider,
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of a Hearth app in oidc mode, trusting the real provider."""
    application = create_app(
        oidc_settings(settings, oidc_provider.issuer), database_url=database_url, clock=clock
    )
    async with running(application) as client:
        yield client
