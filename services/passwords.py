"""Password rules after NIST SP 800-63B: length and a blocklist, no composition rules; argon2id."""

from __future__ import annotations

import unicodedata
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
# Runs along these (either way round) are "sequential characters" (800-63B 3.1.1.2).
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890123456789",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
_EDGE = "0123456789!@#$%^&*()-_=+[]{};:'\",.<>/?\\|`~ "


@lru_cache(maxsize=1)
def _blocklist() -> frozenset[str]:
    path = Path(__file__).with_name("data") / "common-passwords.txt"
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def _normalize(password: str) -> str:
    """One spelling per password (800-63B asks for Unicode normalisation before hashing)."""
    return unicodedata.normalize("NFKC", password)


def _repeats_short_unit(text: str) -> bool:
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size) for size in range(1, 5)
    )


def _too_guessable(lowered: str, context: set[str]) -> bool:
    core = lowered.strip(_EDGE)  # "Password2026!" is "password" with decoration
    return (
        lowered in _blocklist()
        or core in _blocklist()
        or lowered in context
        or core in context
        or _repeats_short_unit(lowered)
        or any(lowered in run or lowered[::-1] in run for run in _SEQUENCES)
    )


def check_password_policy(password: str, *, username: str = "", email: str = "") -> None:
    """Refuse a password that is too short, too long, common, or made of the account's names."""
    password = _normalize(password)
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(
            f"A password needs at least {MIN_LENGTH} characters.", field="password"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"A password has at most {MAX_LENGTH} characters.", field="password")
    email = email.strip().lower()
    context = {username.strip().lower(), email, email.split("@")[0]} - {""}
    if _too_guessable(password.lower(), context):
        raise ValidationFailed(
            "This password is too easy to guess; choose a longer, less common one.",
            field="password",
        )


def hash_password(password: str) -> str:
    return _hasher.hash(_normalize(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account has a password."""
    try:
        return (
            _hasher.verify(password_hash or _DUMMY_HASH, _normalize(password))
            and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False
