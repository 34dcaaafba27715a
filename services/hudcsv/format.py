"""Writing HUD CSV values: dates, datetimes, money, the forbidden characters, hashing (HashStatus 4)."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

__all__ = ["clean_text", "hash_name", "hash_ssn", "hud_id", "soundex", "value"]

_FORBIDDEN = re.compile(r"[<>\[\]{}]")
_SPACE = re.compile(r"\s+")
# Anything clean_text would change: a forbidden character, whitespace other than single inner
# spaces, or space at either end.
_DIRTY = re.compile(r"[<>\[\]{}]|[^\S ]|  |^ | $")
_SOUNDEX_CODES = {
    **dict.fromkeys("BFPV", "1"), **dict.fromkeys("CGJKQSXZ", "2"), **dict.fromkeys("DT", "3"),
    "L": "4", **dict.fromkeys("MN", "5"), "R": "6",
}


def clean_text(text: str) -> str:
    """FY2026: every UTF-8 character as entered except ``< > [ ] { }``; whitespace (newlines
    included) collapsed to one space."""
    if not _DIRTY.search(text):
        return text
    return _SPACE.sub(" ", _FORBIDDEN.sub("", text)).strip()


def hud_id(value: UUID | str) -> str:
    """A Hearth UUID as a HUD id: 32 hex digits (HUD ids are at most 32 characters)."""
    return value.hex if isinstance(value, UUID) else str(value)


def value(item: Any, tz: ZoneInfo) -> str:
    """One cell: yyyy-mm-dd dates, yyyy-mm-dd hh:mm:ss local datetimes, money with 2 decimals."""
    kind = type(item)  # exact types first: this runs for every cell of every row
    if item is None:
        return ""
    if kind is int:
        return str(item)
    if kind is str:
        return clean_text(item)
    if kind is datetime:
        return item.astimezone(tz).replace(tzinfo=None).isoformat(" ", "seconds")
    if kind is date:
        return item.isoformat()
    if kind is UUID:
        return item.hex
    if isinstance(item, UUID):  # asyncpg's UUID is a subclass
        return item.hex
    if isinstance(item, bool):
        return "1" if item else "0"
    if isinstance(item, Decimal):
        return f"{item:.2f}"
    if isinstance(item, datetime):
        return item.astimezone(tz).replace(tzinfo=None).isoformat(" ", "seconds")
    if isinstance(item, date):
        return item.isoformat()
    if isinstance(item, str):
        return clean_text(item)
    return str(item)


def soundex(name: str) -> str:
    """American Soundex (letter + 3 digits); '' when the name has no letters A-Z."""
    letters = [c for c in name.upper() if "A" <= c <= "Z"]
    if not letters:
        return ""
    first = letters[0]
    digits = []
    previous = _SOUNDEX_CODES.get(first, "")
    for c in letters[1:]:
        code = _SOUNDEX_CODES.get(c, "")
        if code and code != previous:
            digits.append(code)
        if c not in "HW":  # H and W do not separate equal codes; vowels do
            previous = code
    return (first + "".join(digits) + "000")[:4]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_name(name: str | None) -> str | None:
    """HashStatus 4: SHA-256 (hex) of the name's Soundex code."""
    if not name:
        return None
    return _sha256(soundex(name))


def hash_ssn(ssn: str | None) -> str | None:
    """HashStatus 4: the last four digits followed by the SHA-256 of the SSN padded to 9 with 'x'."""
    if not ssn:
        return None
    return ssn[-4:] + _sha256(ssn.rjust(9, "x"))
