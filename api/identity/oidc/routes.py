"""The browser's sign-in through the provider: ``/auth/oidc/login``, ``/auth/oidc/callback`` and
``/auth/oidc/logout``, their answers, and the signed cookie that carries the flow's state."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from uuid import UUID

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client import OAuthError as AuthlibOAuthError

from models.names import camel

with warnings.catch_warnings():
    # Authlib 1.9 nudges towards the "httpx2" fork; it still runs on httpx, which Hearth and its
    # tests use (decision 28). Imported once, so this is the only place the warning can come from.
    warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth

from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api.identity.base import TokenPair
from api.identity.oidc.provider import ProviderError
from api.settings import Settings
from models.users import User
from services import auth
from services.errors import DomainError, Unauthenticated

if TYPE_CHECKING:
    from api.identity.oidc.mapping import OidcIdentity

__all__ = ["BrowserSignIn", "session_cookie_options"]

log = logging.getLogger("hearth.oidc")

LOGIN_PATH = "/auth/oidc/login"
CALLBACK_PATH = "/auth/oidc/callback"
LOGOUT_PATH = "/auth/oidc/logout"


class BrowserSignIn:
    """Authlib's Starlette client (authorization code, PKCE S256, state and nonce in the signed
    cookie) in front of the identity's user mapping and policy-202 check."""

    def __init__(
        self, identity: OidcIdentity, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        settings = identity.settings
        assert settings.oidc_client_id
        assert settings.oidc_client_secret
        self.identity = identity
        self.settings = settings
        self.provider = identity.provider
        self.clock = identity.clock
        oauth = OAuth()
        self.client: Any = oauth.register(
            "hearth",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            client_kwargs={
                "scope": settings.oidc_scopes,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic",
                "timeout": httpx.Timeout(settings.oidc_http_timeout_seconds),
                **({"transport": transport} if transport is not None else {}),
            },
        )

    async def _prepare(self) -> None:
        """Give Authlib the validated discovery document and the cached keys."""
        metadata = await self.provider.metadata()
        jwks = await self.provider.jwks()
        self.client.server_metadata.clear()
        self.client.server_metadata.update(
            {
                "issuer": metadata.issuer,
                "authorization_endpoint": metadata.authorization_endpoint,
                "token_endpoint": metadata.token_endpoint,
                "jwks_uri": metadata.jwks_uri,
                "jwks": jwks,
                "id_token_signing_alg_values_supported": metadata.id_token_algorithms,
            }
        )

    def _redirect_uri(self, request: Request) -> str:
        return self.settings.oidc_redirect_uri or str(request.url_for("oidc_callback"))

    async def login_route(self, request: Request) -> Response:
        try:
            await self._prepare()
        except ProviderError as error:
            return _failure(self.settings, "IDENTITY_PROVIDER_UNAVAILABLE", str(error), 503)
        params = {"max_age": str(int(self.identity.mfa_max_age.total_seconds()))}
        if request.query_params.get("prompt") == "login":
            params["prompt"] = "login"
        if request.query_params.get("step_up") and self.settings.oidc_step_up_acr:
            params["acr_values"] = self.settings.oidc_step_up_acr
        redirect: Response = await self.client.authorize_redirect(
            request, self._redirect_uri(request), **params
        )
        return redirect

    async def callback_route(self, request: Request) -> Response:
        now = self.clock.now()
        try:
            await self._prepare()
            token = await self.client.authorize_access_token(
                request,
                leeway=self.identity.validator.leeway,
                claims_options={
                    "iss": {"essential": True, "value": self.identity.validator.issuer}
                },
            )
        except ProviderError as error:
            return _failure(self.settings, "IDENTITY_PROVIDER_UNAVAILABLE", str(error), 503)
        except AuthlibOAuthError as error:
            # state missing or not ours (RFC 6749 10.12), or the provider reported an error
            log.info("OIDC callback refused: %s", error.error)
            return _failure(
                self.settings, "UNAUTHENTICATED", "The sign-in did not complete; start again.", 400
            )
        except (httpx.HTTPError, TimeoutError):
            return _failure(
                self.settings,
                "IDENTITY_PROVIDER_UNAVAILABLE",
                "The identity provider could not be reached.",
                503,
            )
        except (JoseError, ValueError, KeyError, TypeError, RuntimeError):
            log.warning("OIDC callback: the provider's answer was refused", exc_info=True)
            return _failure(
                self.settings, "UNAUTHENTICATED", "The identity provider's answer was refused.", 401
            )
        claims = dict(token.get("userinfo") or {})
        try:
            if not claims:
                raise Unauthenticated("The identity provider sent no ID token.")
            user_id = await self.identity.map_user(claims)
            proof = self.identity.mfa_proof(claims, now)
            if proof.problem:
                raise self.identity.mfa_error(proof.problem)
            await self.identity.active_principal(user_id)
            user = await User.get(id=user_id)
            session, refresh = await auth.create_session(
                user=user,
                now=now,
                policy=self.identity.policy,
                auth_time=proof.auth_time,
                mfa_at=proof.auth_time,
            )
        except DomainError as error:
            return _failure(self.settings, error.code, error.message, 401, **error.details)
        pair = await self.identity.local.pair_for(session, refresh, now)
        request.session.clear()
        request.session.update({"sid": str(session.id), "id_token": token.get("id_token")})
        return _success(self.settings, pair)

    async def logout_route(self, request: Request) -> Response:
        """End the Hearth session of this browser, then RP-initiated logout at the provider."""
        sid, id_token = request.session.get("sid"), request.session.get("id_token")
        request.session.clear()
        if isinstance(sid, str):
            try:
                await auth.revoke_session(
                    session_id=UUID(sid), reason="logout", now=self.clock.now()
                )
            except ValueError:
                pass
        target = self.settings.oidc_post_logout_redirect_uri
        try:
            metadata = await self.provider.metadata()
        except ProviderError:
            metadata = None
        if metadata is None or metadata.end_session_endpoint is None:
            if target:
                return RedirectResponse(target, status_code=303)
            return JSONResponse({"loggedOut": True, "provider": False})
        params = {"client_id": self.settings.oidc_client_id}
        if isinstance(id_token, str):
            params["id_token_hint"] = id_token
        if target:
            params["post_logout_redirect_uri"] = target
        separator = "&" if "?" in metadata.end_session_endpoint else "?"
        return RedirectResponse(
            metadata.end_session_endpoint + separator + urlencode(params), status_code=303
        )

    def routes(self) -> list[Route]:
        return [
            Route(LOGIN_PATH, self.login_route, methods=["GET"], name="oidc_login"),
            Route(CALLBACK_PATH, self.callback_route, methods=["GET"], name="oidc_callback"),
            Route(LOGOUT_PATH, self.logout_route, methods=["GET"], name="oidc_logout"),
        ]


def _failure(settings: Settings, code: str, message: str, status: int, **details: Any) -> Response:
    """A failed browser sign-in: JSON like every Hearth error, or back to the front end."""
    extensions = {"code": code, **{camel(k): v for k, v in details.items() if v is not None}}
    if settings.oidc_post_login_redirect:
        fragment = urlencode({"error": code, "message": message, **extensions})
        return RedirectResponse(f"{settings.oidc_post_login_redirect}#{fragment}", status_code=303)
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _success(settings: Settings, pair: TokenPair) -> Response:
    """The session's tokens: in the front end's URL fragment (never sent to a server), or JSON."""
    tokens = {
        "accessToken": pair.access_token,
        "expiresAt": pair.expires_at.isoformat(),
        "refreshToken": pair.refresh_token,
        "mfaExpiresAt": pair.mfa_expires_at.isoformat(),
    }
    if settings.oidc_post_login_redirect:
        return RedirectResponse(
            f"{settings.oidc_post_login_redirect}#{urlencode(tokens)}",
            status_code=303,
            headers={"Cache-Control": "no-store"},
        )
    return JSONResponse(tokens, headers={"Cache-Control": "no-store"})


def session_cookie_options(settings: Settings) -> dict[str, Any]:
    """SessionMiddleware's options: the signed cookie holding state, nonce and PKCE verifier."""
    assert settings.session_secret is not None
    return {
        "secret_key": settings.session_secret.get_secret_value(),
        "session_cookie": "hearth_oidc",
        "max_age": int(timedelta(seconds=settings.refresh_token_ttl_seconds).total_seconds()),
        "path": "/auth/oidc",
        "same_site": "lax",
        "https_only": settings.production,
    }
