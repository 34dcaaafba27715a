"""Writing HUD CSV values: dates, datetimes, money, the forbidden characters, hashing (HashStatus 4)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from asyncpg.pgproto.pgproto import UUID as PgUUID

__all__ = ["clean_text", "hash_name", "hash_ssn", "hud_id", "soundex", "value"]

_FORBIDDEN = re.compile(r"[<>\[\]{}]")
_SPACE = re.compile(r"\s+")
# Anything clean_text would change: a forbidden character, whitespace other than single inner
# spaces, or space at either end.
_DIRTY = re.compile(r"[<>\[\]{}]|[^\S ]|  |^ | $")
_SOUNDEX_CODES = {
    **dict.fromkeys("BFPV", "1"),
    **dict.fromkeys("CGJKQSXZ", "2"),
    **dict.fromkeys("DT", "3"),
    "L": "4",
    **dict.fromkeys("MN", "5"),
    "R": "6",
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


def _datetime(item: datetime, tz: ZoneInfo) -> str:
    return item.astimezone(tz).replace(tzinfo=None).isoformat(" ", "seconds")


def _hex(item: Any, _: ZoneInfo) -> str:
    return str(item.hex)


# By exact type (this runs for every non-blank cell of every row); subclasses fall back below.
_BY_TYPE: dict[type, Callable[[Any, ZoneInfo], str]] = {
    int: lambda item, _: str(item),
    str: lambda item, _: clean_text(item),
    datetime: _datetime,
    date: lambda item, _: item.isoformat(),
    UUID: _hex,
    PgUUID: _hex,  # what asyncpg returns
    bool: lambda item, _: "1" if item else "0",
    Decimal: lambda item, _: f"{item:.2f}",
}


def value(item: Any, tz: ZoneInfo) -> str:
    """One cell: yyyy-mm-dd dates, yyyy-mm-dd hh:mm:ss local datetimes, money with 2 decimals."""
    if item is None:
        return ""
    formatter = _BY_TYPE.get(type(item))
    if formatter is not None:
        return formatter(item, tz)
    for kind in (bool, int, str, datetime, date, UUID, Decimal):  # subclasses, most specific first
        if isinstance(item, kind):
            return _BY_TYPE[kind](item, tz)
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
