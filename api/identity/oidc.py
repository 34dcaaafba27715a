"""OpenID Connect: sign-in through the state's identity provider, and its access tokens.

Two paths, one user mapping and one policy-202 check:

* **Browser**: ``/auth/oidc/login`` sends the browser to the provider (Authlib's Starlette
  client: authorization code, PKCE S256, state and nonce in a signed cookie); ``/auth/oidc/
  callback`` checks the ID token and ends in a Hearth session with Hearth tokens, exactly like
  the local ``verifyMfa``. ``/auth/oidc/logout`` ends the Hearth session and sends the browser
  to the provider's ``end_session_endpoint`` (RP-initiated logout).
* **Bearer**: a front end may call the API with the provider's own access token (a JWT for
  Hearth's resource indicator). It is checked here, against the provider's JWKS (fetched
  asynchronously with timeouts, cached, refetched once on an unknown ``kid`` at most every
  ``oidc_jwks_min_refetch_seconds``), with an algorithm allow-list, the exact issuer, an
  audience containing Hearth's, ``exp`` with at most 60 s leeway, and ``typ: at+jwt``
  (RFC 9068) so that an ID token is never taken for an access token.

Hearth's own tokens (sessions, service accounts) keep working when the provider is down: they
are told apart by their issuer and never touch the provider.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit
from uuid import UUID

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client import OAuthError as AuthlibOAuthError

with warnings.catch_warnings():
    # Authlib 1.9 nudges towards the "httpx2" fork; it still runs on httpx, which Hearth and its
    # tests use (decision 28). Imported once, so this is the only place the warning can come from.
    warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api.identity.base import Authenticated, TokenPair
from api.identity.local import Challenge, LocalIdentity
from api.settings import Settings
from authz.principal import Principal
from models.enums import UserStatus
from models.users import User
from services import auth
from services.clock import Clock
from services.contacts import normalize_email
from services.errors import DomainError, MfaRequired, Unauthenticated, ValidationFailed
from services.principals import load_principal

__all__ = ["OidcIdentity", "ProviderClient", "ProviderError"]

log = logging.getLogger("hearth.oidc")

LOGIN_PATH = "/auth/oidc/login"
CALLBACK_PATH = "/auth/oidc/callback"
LOGOUT_PATH = "/auth/oidc/logout"
AT_JWT_TYPES = {"at+jwt", "application/at+jwt"}
# Claims only an ID token carries (OIDC Core 2, 3.1.3.6): their presence betrays one.
ID_TOKEN_ONLY_CLAIMS = ("nonce", "at_hash", "c_hash", "s_hash")
MAX_DOCUMENT_BYTES = 512 * 1024
INVALID = "The token is not valid or has expired."


class ProviderError(Exception):
    """The provider cannot be reached, or answered something unusable. The message is safe."""


# --- discovery and keys ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    id_token_algorithms: list[str]


class ProviderClient:
    """The provider's discovery document and JWKS, fetched with deadlines and cached.

    Failures are not cached, but after one the next attempt waits ``retry_after_failure``
    seconds (requests fail fast meanwhile) so that a provider that is down is not hammered and
    nothing queues behind it. Keys that go stale stay in use while a refetch fails.
    """

    retry_after_failure = 5.0

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        assert settings.oidc_issuer
        self.issuer = settings.oidc_issuer
        self.discovery_url = settings.oidc_discovery_url or (
            self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        )
        self.algorithms = list(settings.oidc_algorithms)
        self.timeout = settings.oidc_http_timeout_seconds
        self.metadata_ttl = settings.oidc_metadata_cache_seconds
        self.jwks_ttl = settings.oidc_jwks_cache_seconds
        self.min_refetch = settings.oidc_jwks_min_refetch_seconds
        self._transport = transport
        self.monotonic = monotonic
        self._client: httpx.AsyncClient | None = None
        self._lock = asyncio.Lock()
        self._metadata: Metadata | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self._jwks: dict[str, Any] | None = None
        self._keys_at = 0.0
        self._last_jwks_fetch: float | None = None
        self._failed_until = 0.0
        self.jwks_fetches = 0  # observable by tests: how often the provider was asked

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                transport=self._transport,
                follow_redirects=False,
                headers={"Accept": "application/json"},
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        now = self.monotonic()
        if now < self._failed_until:
            raise ProviderError(
                f"The identity provider is unavailable ({what}); try again shortly."
            )
        try:
            async with asyncio.timeout(self.timeout * 2):  # one deadline for the whole exchange
                response = await self._http().get(url)
                body = response.content
        except (httpx.HTTPError, TimeoutError) as error:
            self._failed_until = self.monotonic() + self.retry_after_failure
            log.warning("identity provider %s fetch failed: %s", what, type(error).__name__)
            raise ProviderError(f"The identity provider could not be reached ({what}).") from None
        problem = None
        document: Any = None
        if response.status_code != 200:
            problem = f"answered HTTP {response.status_code}"
        elif len(body) > MAX_DOCUMENT_BYTES:
            problem = "is too large"
        else:
            try:
                document = json.loads(body)
            except ValueError:
                problem = "is not JSON"
            else:
                if not isinstance(document, dict):
                    problem = "is not a JSON object"
        if problem:
            self._failed_until = self.monotonic() + self.retry_after_failure
            log.warning("identity provider %s %s", what, problem)
            raise ProviderError(f"The identity provider's {what} {problem}.")
        return document

    def _url(self, value: Any, name: str) -> str:
        ok_schemes = {"https"} if self.issuer.startswith("https://") else {"https", "http"}
        if not isinstance(value, str) or urlsplit(value).scheme not in ok_schemes:
            raise ProviderError(f"The identity provider's discovery document has no valid {name}.")
        return value

    def _fresh_metadata(self) -> Metadata | None:
        if self._metadata and self.monotonic() - self._metadata_at < self.metadata_ttl:
            return self._metadata
        return None

    async def metadata(self) -> Metadata:
        fresh = self._fresh_metadata()
        if fresh is not None:
            return fresh
        async with self._lock:
            return await self._metadata_locked()

    async def _metadata_locked(self) -> Metadata:
        """The discovery document (the caller holds the lock); a stale one if a refetch fails."""
        fresh = self._fresh_metadata()
        if fresh is not None:
            return fresh
        try:
            self._metadata = self._parse_metadata(
                await self._get_json(self.discovery_url, "discovery document")
            )
        except ProviderError:
            if self._metadata is None:
                raise
            log.warning("using the stale discovery document; its refetch failed")
        self._metadata_at = self.monotonic()
        return self._metadata

    def _parse_metadata(self, document: dict[str, Any]) -> Metadata:
        if document.get("issuer") != self.issuer:  # OIDC Discovery 4.3: exactly the issuer
            self._failed_until = self.monotonic() + self.retry_after_failure
            raise ProviderError("The identity provider's discovery document names another issuer.")
        end_session = document.get("end_session_endpoint")
        offered = document.get("id_token_signing_alg_values_supported")
        offered = offered if isinstance(offered, list) else []
        return Metadata(
            issuer=self.issuer,
            authorization_endpoint=self._url(
                document.get("authorization_endpoint"), "authorization_endpoint"
            ),
            token_endpoint=self._url(document.get("token_endpoint"), "token_endpoint"),
            jwks_uri=self._url(document.get("jwks_uri"), "jwks_uri"),
            end_session_endpoint=(
                self._url(end_session, "end_session_endpoint") if end_session else None
            ),
            id_token_algorithms=[a for a in self.algorithms if a in offered] or self.algorithms,
        )

    def _parse_jwks(self, document: dict[str, Any]) -> tuple[KeySet, dict[str, Any]]:
        keys = document.get("keys")
        if not isinstance(keys, list):
            raise ProviderError("The identity provider's JWKS has no key list.")
        usable = []
        for key in keys:
            # Signing keys only, and never a symmetric one: an "oct" key from a JWKS would let
            # anyone holding the published document forge HS256 tokens.
            if not isinstance(key, dict) or key.get("kty") not in ("RSA", "EC", "OKP"):
                continue
            if key.get("use", "sig") != "sig" or not isinstance(key.get("kid"), str):
                continue
            public = {k: v for k, v in key.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
            try:
                KeySet.import_key_set({"keys": [public]})
            except (JoseError, ValueError, TypeError):
                log.warning("skipping an unusable key in the provider's JWKS")
                continue
            usable.append(public)
        if not usable:
            raise ProviderError("The identity provider's JWKS has no usable signing key.")
        jwks = {"keys": usable}
        return KeySet.import_key_set(jwks), jwks

    async def _refresh_keys(self) -> None:
        """Fetch the JWKS (the caller holds the lock)."""
        metadata = await self._metadata_locked()
        self._last_jwks_fetch = self.monotonic()
        self.jwks_fetches += 1
        document = await self._get_json(metadata.jwks_uri, "JWKS")
        try:
            self._keys, self._jwks = self._parse_jwks(document)
        except ProviderError:
            self._failed_until = self.monotonic() + self.retry_after_failure
            raise
        self._keys_at = self.monotonic()

    async def jwks(self) -> dict[str, Any]:
        """The usable public keys as a JWKS document (what Authlib checks ID tokens with)."""
        await self.key_for(None)
        assert self._jwks is not None
        return self._jwks

    async def key_for(self, kid: str | None) -> Any:
        """The provider's key with this ``kid`` (None: just make sure keys are loaded)."""
        async with self._lock:
            stale = self._keys is None or self.monotonic() - self._keys_at >= self.jwks_ttl
            if stale:
                try:
                    await self._refresh_keys()
                except ProviderError:
                    if self._keys is None:
                        raise
                    log.warning("using stale provider keys; the JWKS refetch failed")
            assert self._keys is not None
            if kid is None:
                return None
            key = self._find(kid)
            if key is None and self._may_refetch():
                try:
                    await self._refresh_keys()  # the provider may have rotated its keys
                except ProviderError:
                    log.warning("JWKS refetch for an unknown key id failed")
                key = self._find(kid)
            if key is None:
                raise Unauthenticated(INVALID)
            return key

    def _may_refetch(self) -> bool:
        last = self._last_jwks_fetch
        return last is None or self.monotonic() - last >= self.min_refetch

    def _find(self, kid: str) -> Any:
        assert self._keys is not None
        try:
            return self._keys.get_by_kid(kid)
        except (ValueError, KeyError, JoseError):
            return None


# --- tokens ------------------------------------------------------------------------------------


def _segment(part: str) -> dict[str, Any]:
    padded = part + "=" * (-len(part) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a compact JWS, unverified (to route it, never to trust it)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Unauthenticated(INVALID)
    try:
        return _segment(parts[0]), _segment(parts[1])
    except (ValueError, UnicodeError, TypeError):
        raise Unauthenticated(INVALID) from None


class AccessTokenValidator:
    """RFC 9068 JWT access tokens from the provider, for Hearth's audience."""

    def __init__(self, settings: Settings, provider: ProviderClient) -> None:
        assert settings.oidc_issuer
        assert settings.oidc_audience
        self.provider = provider
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        self.algorithms = list(settings.oidc_algorithms)
        self.leeway = min(settings.oidc_leeway_seconds, 60)
        self.require_at_jwt = settings.oidc_require_at_jwt

    async def validate(self, token: str, now: datetime) -> dict[str, Any]:
        header, _ = peek(token)
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.algorithms:  # "none", HS256 and friends never are
            raise Unauthenticated(INVALID)
        typ = header.get("typ")
        if self.require_at_jwt and (not isinstance(typ, str) or typ.lower() not in AT_JWT_TYPES):
            raise Unauthenticated("This is not an access token (RFC 9068 typ at+jwt).")
        if not isinstance(kid, str):
            raise Unauthenticated(INVALID)
        try:
            key = await self.provider.key_for(kid)
        except ProviderError as error:
            raise Unauthenticated(
                "The identity provider's keys are unavailable; try again shortly.",
                reason="IDENTITY_PROVIDER_UNAVAILABLE",
            ) from error
        try:
            decoded = jwt.decode(token, key, algorithms=[alg])
            JWTClaimsRegistry(
                now=int(now.timestamp()),
                leeway=self.leeway,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.audience},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError, TypeError):
            raise Unauthenticated(INVALID) from None
        claims = decoded.claims
        if claims.get("iss") != self.issuer:
            raise Unauthenticated(INVALID)
        if any(name in claims for name in ID_TOKEN_ONLY_CLAIMS):
            raise Unauthenticated("This is an ID token, not an access token.")
        return claims


# --- policy 202 and the user mapping -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MfaProof:
    """What the provider says of the sign-in: when, and whether a second factor was shown."""

    auth_time: datetime | None
    problem: str | None  # None: policy 202 is met


class OidcIdentity:
    """Identity through an OpenID Connect provider; Hearth sessions and service tokens too."""

    name = "oidc"

    def __init__(
        self,
        *,
        settings: Settings,
        local: LocalIdentity,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        assert settings.oidc_issuer
        assert settings.oidc_client_id
        assert settings.oidc_client_secret
        self.settings = settings
        self.local = local
        self.tokens = local.tokens
        self.policy = local.policy
        self.mfa_max_age = local.mfa_max_age
        self.clock = clock
        self.provider = ProviderClient(settings, transport=transport, monotonic=monotonic)
        self.validator = AccessTokenValidator(settings, self.provider)
        self.mfa_amr = set(settings.oidc_mfa_amr_values)
        self.mfa_acr = set(settings.oidc_mfa_acr_values)
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

    async def aclose(self) -> None:
        await self.provider.aclose()

    # -- where to send the user ------------------------------------------------------------

    def login_url(self, *, step_up: bool = False) -> str:
        params = {"prompt": "login"}
        if step_up:
            params["step_up"] = "1"
        return f"{LOGIN_PATH}?{urlencode(params)}"

    def _mfa_error(self, problem: str) -> MfaRequired:
        messages = {
            "NO_SECOND_FACTOR": "The identity provider did not report a second factor "
            "(policy 202): sign in again at loginUrl.",
            "TOO_OLD": "Your second factor is more than 7 days old (policy 202): "
            "sign in again at loginUrl.",
            "NO_AUTH_TIME": "The identity provider did not say when you signed in "
            "(policy 202): sign in again at loginUrl.",
        }
        return MfaRequired(
            messages[problem],
            reason=problem,
            reauthenticate_with="oidc",
            login_url=self.login_url(step_up=problem == "NO_SECOND_FACTOR"),
        )

    def mfa_proof(self, claims: dict[str, Any], now: datetime) -> MfaProof:
        """Policy 202 from the provider's claims: a second factor, within the last 7 days."""
        raw = claims.get("auth_time")
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return MfaProof(None, "NO_AUTH_TIME")
        auth_time = datetime.fromtimestamp(raw, UTC)
        amr = claims.get("amr")
        amr_values = {a for a in amr if isinstance(a, str)} if isinstance(amr, list) else set()
        second_factor = bool(amr_values & self.mfa_amr) or claims.get("acr") in self.mfa_acr
        if not second_factor:
            return MfaProof(auth_time, "NO_SECOND_FACTOR")
        if now - auth_time > self.mfa_max_age:
            return MfaProof(auth_time, "TOO_OLD")
        return MfaProof(auth_time, None)

    async def map_user(self, claims: dict[str, Any]) -> UUID:
        """The Hearth user the provider's subject is linked to; never created here."""
        unknown = Unauthenticated(
            "No Hearth account is linked to this sign-in; "
            "ask the System Administrator to add yours."
        )
        if self.settings.oidc_user_match == "email":
            email, verified = claims.get("email"), claims.get("email_verified")
            if not isinstance(email, str) or verified not in (True, "true"):
                raise unknown
            try:
                normalized = normalize_email(email)
            except ValidationFailed:
                raise unknown from None
            ids = await User.filter(email_normalized=normalized).values_list("id", flat=True)
        else:
            value = claims.get(self.settings.oidc_external_id_claim)
            if not isinstance(value, str) or not 0 < len(value) <= 128:
                raise unknown
            ids = await User.filter(external_id=value).values_list("id", flat=True)
        if len(ids) != 1:
            raise unknown
        return ids[0]

    async def _active_principal(self, user_id: UUID, **session: Any) -> Principal:
        loaded = await load_principal(user_id, **session)
        if loaded is None or loaded[1] != UserStatus.ACTIVE.value:
            raise Unauthenticated("The account is not active.")
        return loaded[0]

    # -- bearer tokens -----------------------------------------------------------------------

    async def authenticate(self, bearer: str, *, now: datetime) -> Authenticated:
        _, unverified = peek(bearer)
        if unverified.get("iss") == self.tokens.issuer:
            # Hearth's own: a session from the browser flow, or a service account.
            result = await self.local.authenticate(bearer, now=now)
            if result.mfa_expired and result.principal.kind == "user":
                return Authenticated(result.principal, True, self._mfa_error("TOO_OLD"))
            return result
        if unverified.get("iss") != self.validator.issuer:
            raise Unauthenticated(INVALID)
        claims = await self.validator.validate(bearer, now)
        user_id = await self.map_user(claims)
        proof = self.mfa_proof(claims, now)
        principal = await self._active_principal(
            user_id, auth_time=proof.auth_time, mfa_at=None if proof.problem else proof.auth_time
        )
        if proof.problem:
            return Authenticated(principal, True, self._mfa_error(proof.problem))
        return Authenticated(principal, False)

    # -- what the GraphQL sign-in operations do in this mode ----------------------------------

    def _local_login_refused(self) -> Unauthenticated:
        return Unauthenticated("Sign in through the identity provider.", login_url=LOGIN_PATH)

    async def login(self, *, username: str, password: str, now: datetime) -> Challenge:
        if not self.settings.oidc_allow_local_login:
            raise self._local_login_refused()
        return await self.local.login(username=username, password=password, now=now)

    async def verify_mfa(self, *, challenge_token: str, code: str, now: datetime) -> TokenPair:
        if not self.settings.oidc_allow_local_login:
            raise self._local_login_refused()
        return await self.local.verify_mfa(challenge_token=challenge_token, code=code, now=now)

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenPair:
        return await self.local.refresh(refresh_token=refresh_token, now=now)

    async def reauthenticate(self, *, principal: Principal, code: str, now: datetime) -> datetime:
        if self.settings.oidc_allow_local_login:
            return await self.local.reauthenticate(principal=principal, code=code, now=now)
        raise self._mfa_error("TOO_OLD")

    async def logout(self, *, principal: Principal, now: datetime) -> None:
        await self.local.logout(principal=principal, now=now)

    # -- the browser flow --------------------------------------------------------------------

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
        params = {"max_age": str(int(self.mfa_max_age.total_seconds()))}
        if request.query_params.get("prompt") == "login":
            params["prompt"] = "login"
        if request.query_params.get("step_up") and self.settings.oidc_step_up_acr:
            params["acr_values"] = self.settings.oidc_step_up_acr
        return await self.client.authorize_redirect(request, self._redirect_uri(request), **params)

    async def callback_route(self, request: Request) -> Response:
        now = self.clock.now()
        try:
            await self._prepare()
            token = await self.client.authorize_access_token(
                request,
                leeway=self.validator.leeway,
                claims_options={"iss": {"essential": True, "value": self.validator.issuer}},
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
            user_id = await self.map_user(claims)
            proof = self.mfa_proof(claims, now)
            if proof.problem:
                raise self._mfa_error(proof.problem)
            await self._active_principal(user_id)
            user = await User.get(id=user_id)
            session, refresh = await auth.create_session(
                user=user,
                now=now,
                policy=self.policy,
                auth_time=proof.auth_time,
                mfa_at=proof.auth_time,
            )
        except DomainError as error:
            return _failure(self.settings, error.code, error.message, 401, **error.details)
        pair = await self.local.pair_for(session, refresh, now)
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


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _failure(settings: Settings, code: str, message: str, status: int, **details: Any) -> Response:
    """A failed browser sign-in: JSON like every Hearth error, or back to the front end."""
    extensions = {"code": code, **{_camel(k): v for k, v in details.items() if v is not None}}
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
