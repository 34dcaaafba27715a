"""Hearth's own signed tokens (joserfc, Ed25519): access tokens and sign-in challenges."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from joserfc.jwt import ClaimsOption, JWTClaimsRegistry

from services.errors import Unauthenticated

__all__ = ["TokenService", "load_signing_key"]

ALGORITHMS = ["Ed25519"]


def load_signing_key(configured: str | None, data_dir: Path) -> OKPKey:
    """The configured key, else one kept (mode 0600) in the data folder across restarts.

    Several workers may start at once on a fresh data folder: each writes a candidate key to a
    private file and links it into place, which succeeds for exactly one; all then read that one.
    """
    if configured:
        return OKPKey.import_key(json.loads(configured))
    path = data_dir / "signing-key.json"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        candidate = data_dir / f".signing-key.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(json.dumps(OKPKey.generate_key("Ed25519").as_dict(private=True)))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)  # atomic, and never replaces a key already in place
        finally:
            candidate.unlink()
    return OKPKey.import_key(json.loads(path.read_text()))


# Tokens whose signature this process has checked, kept so that a bearer sending the same token
# again is not verified again (an Ed25519 verification on every request); the claims are still
# validated (issuer, expiry, use) every time. Only tokens signed with our key get in.
_VERIFIED_MAX = 4096


@dataclass(frozen=True, slots=True)
class TokenService:
    key: OKPKey
    issuer: str
    access_ttl: timedelta
    challenge_ttl: timedelta
    _verified: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    def _encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": ALGORITHMS[0]}, claims, self.key, algorithms=ALGORITHMS)

    def _decode(self, token: str, use: str | list[str], now: datetime) -> dict[str, Any]:
        token_use: ClaimsOption = {"essential": True}
        if isinstance(use, list):
            token_use["values"] = use
        else:
            token_use["value"] = use
        try:
            claims = self._verified.get(token)
            if claims is None:
                claims = jwt.decode(token, self.key, algorithms=ALGORITHMS).claims
                if len(self._verified) >= _VERIFIED_MAX:
                    self._verified.clear()
                self._verified[token] = claims
            registry = JWTClaimsRegistry(
                now=int(now.timestamp()),
                leeway=0,
                iss={"essential": True, "value": self.issuer},
                exp={"essential": True},
                sub={"essential": True},
                token_use=token_use,
            )
            registry.validate(claims)
        except (JoseError, ValueError):
            raise Unauthenticated("The token is not valid or has expired.") from None
        return dict(claims)

    def access_token(
        self, *, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime
    ) -> tuple[str, datetime]:
        expires = now + self.access_ttl
        claims = {
            "iss": self.issuer,
            "sub": str(user_id),
            "sid": str(session_id),
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
            "token_use": "access",
        }
        return self._encode(claims), expires

    def challenge(self, *, user_id: uuid.UUID, now: datetime) -> tuple[str, datetime]:
        expires = now + self.challenge_ttl
        claims = {
            "iss": self.issuer,
            "sub": str(user_id),
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
            "token_use": "mfa_challenge",
        }
        return self._encode(claims), expires

    def service_token(
        self,
        *,
        account_id: uuid.UUID,
        client_id: str,
        secret_version: int,
        ttl: timedelta,
        now: datetime,
    ) -> tuple[str, datetime]:
        """A service account's access token (client credentials): no session, no refresh."""
        expires = now + ttl
        claims = {
            "iss": self.issuer,
            "sub": str(account_id),
            "client_id": client_id,
            "ver": secret_version,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
            "token_use": "service",
        }
        return self._encode(claims), expires

    def read_access(self, token: str, now: datetime) -> dict[str, Any]:
        return self._decode(token, "access", now)

    def read_bearer(self, token: str, now: datetime) -> dict[str, Any]:
        """A user's access token or a service account's token (see ``token_use``)."""
        return self._decode(token, ["access", "service"], now)

    def read_challenge(self, token: str, now: datetime) -> dict[str, Any]:
        return self._decode(token, "mfa_challenge", now)
