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

__all__ = [
    "SQL_SESSION",
    "clean_text",
    "hash_name",
    "hash_ssn",
    "hud_id",
    "hud_id_sql",
    "soundex",
    "value",
    "value_sql",
]

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


# The same rules as SQL, for the export's COPY (``services.hudcsv.selects``): each kind of value
# formatted by PostgreSQL as ``value`` formats it in Python (a test compares the two files byte
# for byte). Python's ``\s`` in a text pattern is ``str.isspace``: the class is built from it.
_SQL_SPACE = "[" + "".join(f"\\u{c:04x}" for c in range(0x10000) if chr(c).isspace()) + "]+"
_SQL_FORBIDDEN = r"[<>\[\]{}]"
assert _FORBIDDEN.pattern == _SQL_FORBIDDEN, "clean_text and its SQL disagree"


# What the session's statements must run under for ``value_sql``'s cells (dates and times in
# ISO style: yyyy-mm-dd, yyyy-mm-dd hh:mm:ss).
SQL_SESSION = "SET LOCAL DateStyle = 'ISO, YMD'"


# ``_DIRTY`` in SQL: a forbidden character, whitespace other than a space, two spaces, a space
# at either end.
_SQL_DIRTY = (
    f"{_SQL_FORBIDDEN}|["
    + "".join(f"\\u{c:04x}" for c in range(0x10000) if chr(c).isspace() and c != 0x20)
    + "]|  |^ | $"
)


def clean_sql(expr: str) -> str:
    """``clean_text`` of a text expression, NULL for an empty result (COPY writes NULL as an
    empty cell, as the Python writer writes None and ''). Like ``clean_text``, only text that
    needs it goes through the replacements (one match instead of two replacements: about five
    times faster on clean text)."""
    removed = f"regexp_replace({expr}, '{_SQL_FORBIDDEN}', '', 'g')"
    cleaned = f"NULLIF(btrim(regexp_replace({removed}, '{_SQL_SPACE}', ' ', 'g'), ' '), '')"
    return f"(CASE WHEN {expr} ~ '{_SQL_DIRTY}' THEN {cleaned} ELSE NULLIF({expr}, '') END)"


def hud_id_sql(expr: str) -> str:
    """``hud_id`` of a uuid expression: its 32 hex digits."""
    return f"encode(uuid_send({expr}), 'hex')"


def _tz_literal(tz: ZoneInfo) -> str:
    name = tz.key
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name):
        raise ValueError("not a time zone name")
    return f"'{name}'"


def value_sql(expr: str, kind: type, tz: ZoneInfo) -> str:
    """One cell of a value of ``kind`` (an element's kind, ``models.hud.elements``) as ``value``
    writes it: yyyy-mm-dd dates, local yyyy-mm-dd hh:mm:ss datetimes, money with 2 decimals,
    booleans as 1/0, uuids as HUD ids, text cleaned. Dates and datetimes are left to COPY's own
    output, in the ISO style the session must be set to (:data:`SQL_SESSION`)."""
    if kind is str:
        return clean_sql(expr)
    if kind is datetime:
        return f"date_trunc('second', ({expr}) AT TIME ZONE {_tz_literal(tz)})"
    if kind is date:
        return expr
    if kind is Decimal:
        return f"round({expr}, 2)"
    if kind is bool:
        return f"({expr})::int"
    if kind is UUID:
        return hud_id_sql(expr)
    if kind is int:
        return expr
    raise TypeError(f"no SQL format for {kind.__name__}")


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
