"""Checks for the values a client sends, before a service uses them: text without control
characters, decimals that are numbers, and text no longer than the column that stores it.

The schema runs :func:`check_text` and :func:`check_decimal` over every argument of every
operation (``schema.input_checks``); a batch whose items fail alone runs them per item itself.
Lengths are the service's to check, since only it knows the column: :func:`max_length` reads it
from the model, so the number is stated once, on the field.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.models import Model

from services.errors import ValidationFailed

__all__ = ["MAX_DECIMAL_EXPONENT", "bounded", "check_decimal", "check_text", "max_length"]

# C0 and C1 control characters, DEL, and UTF-16 surrogates (a lone one cannot be stored as
# UTF-8). PostgreSQL refuses NUL in text outright; the others are kept out of names, codes and
# notes, where they can only hide or garble what a reader sees. Multi-line text keeps tab,
# line feed and carriage return.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Hearth's decimals are amounts of money: no column holds more digits than this on either side
# of the point, and an exponent beyond it is an attempt to make a number absurdly costly.
MAX_DECIMAL_EXPONENT = 30


def check_text(value: str, field: str, *, multiline: bool = False) -> str:
    """``value``, or VALIDATION if it holds a control character (tab and line breaks are
    allowed in ``multiline`` text)."""
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        allowed = " (line breaks and tabs are allowed)" if multiline else ""
        raise ValidationFailed(f"{field} contains a control character{allowed}.", field=field)
    return value


def check_decimal(value: Decimal, field: str) -> Decimal:
    """``value``, or VALIDATION if it is not a finite number of sensible size."""
    if not value.is_finite():
        raise ValidationFailed(f"{field} must be a number.", field=field)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if abs(exponent) > MAX_DECIMAL_EXPONENT or value.adjusted() > MAX_DECIMAL_EXPONENT:
        raise ValidationFailed(f"{field} is out of range.", field=field)
    return value


def check_moment(value: datetime, field: str) -> datetime:
    """``value``, or VALIDATION if PostgreSQL could not store it: a time whose offset takes it
    out of the years 1 to 9999 in UTC (``9999-12-31T23:59:59-12:00``)."""
    if value.utcoffset() is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise ValidationFailed(f"{field} is out of range.", field=field) from None
    return value


def max_length(model: type[Model], column: str) -> int:
    """The most characters ``model``'s ``column`` holds, as its field declares."""
    length = getattr(model._meta.fields_map[column], "max_length", None)
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{column} declares no max_length")
    return length


def bounded(value: Any, model: type[Model], column: str, field: str) -> Any:
    """``value``, or VALIDATION if it is text longer than ``model``'s ``column`` holds. Check
    before a lookup as before a write: Tortoise validates a filter's value as it would a
    column's."""
    limit = max_length(model, column)
    if isinstance(value, str) and len(value) > limit:
        raise ValidationFailed(f"{field} has at most {limit} characters.", field=field)
    return value
