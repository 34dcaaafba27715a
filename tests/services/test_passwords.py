"""Password policy (NIST SP 800-63B: length and blocklist, no composition rules) and argon2id."""

from __future__ import annotations

from typing import Any

import pytest

import services.passwords as passwords
from services.errors import ValidationFailed
from services.passwords import MAX_LENGTH, check_password_policy, hash_password, verify_password


def _refused(password: str, **context: str) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        check_password_policy(password, **context)
    assert caught.value.field == "password"
    assert len(password) < 6 or password not in caught.value.message
    return caught.value


@pytest.mark.parametrize("password", ["", "a", "eleven char", "ab cd ef gh"])
def test_fewer_than_twelve_characters_are_refused(password: str) -> None:
    assert "12" in _refused(password).message


def test_twelve_characters_are_enough() -> None:
    check_password_policy("tulip meadow")


def test_length_counts_characters_not_bytes() -> None:
    check_password_policy("ñandú ñandú!")  # 12 characters, more bytes
    _refused("ñandú ñandú")  # 11 characters


def test_more_than_the_maximum_is_refused() -> None:
    check_password_policy("river stone " * 10 + "abcdefgh")  # 128
    _refused("river stone " * 10 + "abcdefghi")  # 129
    assert MAX_LENGTH == 128


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "PASSWORD1234",
        "qwerty123456",
        "hmispassword",
        "Password2026!",  # a blocklisted word with digits and a symbol
        "!!welcome2026",
        "123456789012",  # sequential
        "abcdefghijklm",
        "mlkjihgfedcba",  # sequential, backwards
        "qwertyuiopas",  # a keyboard row
        "aaaaaaaaaaaa",  # repetitive
        "abababababab",
        "abcabcabcabc",
        "password1234".translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}),  # full width
    ],
)
def test_common_and_guessable_passwords_are_refused(password: str) -> None:
    _refused(password)


@pytest.mark.parametrize(
    ("password", "username", "email"),
    [
        ("jennifer.lopez", "jennifer.lopez", "jl@example.org"),
        ("Jennifer.Lopez", "jennifer.lopez", "jl@example.org"),
        ("jennifer.lopez2026", "jennifer.lopez", "jl@example.org"),
        ("jlopez@shelter.example.org", "jlo", "jlopez@shelter.example.org"),
        ("jlopez.shelter", "jlo", "jlopez.shelter@example.org"),
    ],
)
def test_the_accounts_own_names_are_refused(password: str, username: str, email: str) -> None:
    _refused(password, username=username, email=email)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",  # all lower case, no digits, no symbols
        "my dog likes long walks",
        "thequickbrownfox",
        "ZEBRAS SLEEP STANDING",
        "hunter2hunter2",
    ],
)
def test_no_composition_rules(password: str) -> None:
    check_password_policy(password, username="jennifer.lopez", email="jl@example.org")


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "correct horse battery stapler")


def test_equivalent_unicode_spellings_verify() -> None:
    composed = "caf\u00e9 au lait please"
    decomposed = "cafe\u0301 au lait please"
    assert verify_password(hash_password(composed), decomposed)


def test_a_corrupt_hash_never_verifies() -> None:
    assert not verify_password("not-a-hash", "correct horse battery staple")


class _Counting:
    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls = 0

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls += 1
        return self.real.verify(password_hash, password)


def test_no_password_still_costs_a_verify_and_never_succeeds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = _Counting(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", spy)
    assert not verify_password(None, "hearth-timing-equaliser-not-a-password")
    assert not verify_password(None, "anything at all here")
    assert spy.calls == 2
