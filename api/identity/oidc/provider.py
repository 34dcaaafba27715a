"""The provider's discovery document and JWKS, fetched with deadlines, checked and cached."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import DictKey, KeySet

from api.settings import Settings
from services.errors import Unauthenticated

__all__ = ["INVALID", "Metadata", "ProviderClient", "ProviderError"]

log = logging.getLogger("hearth.oidc")

MAX_DOCUMENT_BYTES = 512 * 1024
INVALID = "The token is not valid or has expired."


class ProviderError(Exception):
    """The provider cannot be reached, or answered something unusable. The message is safe."""


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
        document: dict[str, Any] = {}
        if response.status_code != 200:
            problem = f"answered HTTP {response.status_code}"
        elif len(body) > MAX_DOCUMENT_BYTES:
            problem = "is too large"
        else:
            try:
                parsed = json.loads(body)
            except ValueError:
                problem = "is not JSON"
            else:
                if isinstance(parsed, dict):
                    document = parsed
                else:
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
        usable: list[DictKey] = []
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
        return KeySet.import_key_set({"keys": usable}), {"keys": usable}

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
