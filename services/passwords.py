"""Password rules after NIST SP 800-63B: length and a blocklist, no composition rules; argon2id."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.errors import ValidationFailed

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "check_password_policy", "hash_password", "verify_password"]

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's current RFC 9106 parameters
# Verified against when the account is unknown, so that path costs what a real check costs.
_DUMMY_HASH = _hasher.hash("hearth-timing-equaliser-not-a-password")


@lru_cache(maxsize=1)
def _blocklist() -> frozenset[str]:
    path = Path(__file__).with_name("data") / "common-passwords.txt"
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def check_password_policy(password: str, *, username: str = "", email: str = "") -> None:
    """Refuse a password that is too short, too long, common, or made of the account's names."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"A password needs at least {MIN_LENGTH} characters.", field="password")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"A password has at most {MAX_LENGTH} characters.", field="password")
    lowered = password.lower()
    context = {username.lower(), email.lower(), email.lower().split("@")[0]} - {""}
    if lowered in _blocklist() or len(set(lowered)) <= 2 or lowered in context:
        raise ValidationFailed(
            "This password is too easy to guess; choose a longer, less common one.", field="password"
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account has a password."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
