"""Cell formatting, the forbidden characters, Soundex and the HashStatus 4 hashes."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg.pgproto.pgproto as pgproto
import pytest

from services.hudcsv.format import clean_text, hash_name, hash_ssn, soundex, value
from tests.hudcsv.support import TZ


def test_cells_in_hud_formats() -> None:
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert value(ident, TZ) == "12345678123456781234567812345678"
    assert (
        value(pgproto.UUID(str(ident)), TZ) == "12345678123456781234567812345678"
    )  # what asyncpg returns
    assert value(date(2026, 3, 2), TZ) == "2026-03-02"
    assert (
        value(datetime(2026, 3, 2, 14, 0, 5, 999, tzinfo=UTC), TZ) == "2026-03-02 09:00:05"
    )  # local time
    assert value(Decimal("850"), TZ) == "850.00"
    assert value(True, TZ) == "1"
    assert value(0, TZ) == "0"
    assert value(None, TZ) == ""


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ana María", "Ana María"),
        ("a<b>[c]{d}", "abcd"),
        ("  two\n lines\t", "two lines"),
        ('O\'Neil, "Jr"', 'O\'Neil, "Jr"'),
        ("😀 ok", "😀 ok"),
    ],
)
def test_forbidden_characters_are_removed_and_other_utf8_kept(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Robert", "R163"),
        ("Rupert", "R163"),
        ("Ashcraft", "A261"),
        ("Tymczak", "T522"),
        ("Pfister", "P236"),
        ("Lee", "L000"),
        ("O'Neil", "O540"),
        ("", ""),
    ],
)
def test_soundex(name: str, code: str) -> None:
    assert soundex(name) == code


def test_hashes_as_the_standard_describes() -> None:
    assert hash_name("Robert") == hashlib.sha256(b"R163").hexdigest()
    assert hash_name(None) is None
    assert hash_ssn("123456789") == "6789" + hashlib.sha256(b"123456789").hexdigest()
    assert hash_ssn("6789") == "6789" + hashlib.sha256(b"xxxxx6789").hexdigest()
