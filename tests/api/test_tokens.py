"""Access tokens: a token whose signature was checked once is not verified again on every request,
but its claims still are: an expired token is refused however often it was accepted,
and a token that differs by one character is verified afresh (and refused)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from joserfc.jwk import OKPKey

from api.identity.tokens import TokenService
from services.errors import Unauthenticated

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _service(key: OKPKey | None = None) -> TokenService:
    return TokenService(
        key=key or OKPKey.generate_key("Ed25519"),
        issuer="hearth-test",
        access_ttl=timedelta(minutes=15),
        challenge_ttl=timedelta(minutes=5),
    )


def test_a_remembered_token_is_still_checked_for_expiry_and_use() -> None:
    tokens = _service()
    user = uuid.uuid4()
    token, expires = tokens.access_token(user_id=user, session_id=uuid.uuid4(), now=NOW)
    assert tokens.read_bearer(token, NOW)["sub"] == str(user)
    assert tokens.read_bearer(token, NOW + timedelta(minutes=5))["sub"] == str(user)
    with pytest.raises(Unauthenticated):
        tokens.read_bearer(token, expires + timedelta(seconds=1))
    with pytest.raises(Unauthenticated):
        tokens.read_challenge(token, NOW)  # an access token is not a challenge, remembered or not


def test_a_changed_or_foreign_token_is_verified_and_refused() -> None:
    tokens = _service()
    token, _ = tokens.access_token(user_id=uuid.uuid4(), session_id=uuid.uuid4(), now=NOW)
    tokens.read_bearer(token, NOW)
    head, payload, signature = token.split(".")
    forged = ".".join((head, payload, ("A" if signature[0] != "A" else "B") + signature[1:]))
    with pytest.raises(Unauthenticated):
        tokens.read_bearer(forged, NOW)
    foreign, _ = _service().access_token(user_id=uuid.uuid4(), session_id=uuid.uuid4(), now=NOW)
    with pytest.raises(Unauthenticated):
        tokens.read_bearer(foreign, NOW)


def test_callers_get_their_own_copy_of_the_claims() -> None:
    tokens = _service()
    token, _ = tokens.access_token(user_id=uuid.uuid4(), session_id=uuid.uuid4(), now=NOW)
    claims = tokens.read_bearer(token, NOW)
    claims["sub"] = "someone else"
    assert tokens.read_bearer(token, NOW)["sub"] != "someone else"
