"""Validating client data elements, as the element registry declares them.

Every write of client data elements (the API's mutations and the HUD CSV import) passes
:func:`clean`: an element must exist and be settable, text is trimmed (blank is null) and within
the column's length, a code must be on its HUD value list, a column that cannot be null refuses
null. A service adds the rules an element has beyond that (an SSN's form, a date within an
enrollment) as ``rules``: each takes the trimmed value and returns the value to store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from models.hud.codes import Codes, column_codes_when
from models.hud.elements import Element, Registry, registry
from models.names import camel
from services.errors import ValidationFailed

__all__ = ["Rule", "check_code", "clean", "text"]

Rule = Callable[[Any], Any]


def text(value: Any, field: str, limit: int | None) -> str | None:
    """Text trimmed (blank is None), at most ``limit`` characters."""
    if value is None:
        return None
    value = str(value).strip()
    if limit is not None and len(value) > limit:
        raise ValidationFailed(f"{field} has at most {limit} characters.", field=field)
    return value or None


def _row_codes(item: Element, row: Mapping[str, Any]) -> Codes | None:
    """The list the column table gives the element's column under the row's other values
    (SubTypeProvided under RecordType 144 and TypeProvided 3, 4 or 5), when one applies."""
    if item.file is None or item.column is None:
        return None
    conditions = column_codes_when(item.file, item.column)
    if not conditions:
        return None
    columns = {
        other.column: row.get(other.name) for other in registry().of(item.model) if other.column
    }
    return next((c.codes for c in conditions if c.applies(columns)), None)


def check_code(
    item: Element, value: Any, field: str | None = None, row: Mapping[str, Any] | None = None
) -> None:
    """Refuse a value outside the element's HUD value list in ``row`` (None passes): its own
    list, or the one the column table gives it under the row's other values."""
    codes = item.codes_for(row or {})
    if codes is None and row:
        codes = _row_codes(item, row)
    if value is not None and codes is not None and value not in codes:
        name = field or item.api_name
        raise ValidationFailed(f"{name} is not a valid HUD code.", field=name)


def clean(
    model: str,
    data: Mapping[str, Any],
    *,
    rules: Mapping[str, Rule] | None = None,
    elements: Registry | None = None,
) -> dict[str, Any]:
    """``data`` (element names to values) checked and normalised; errors name the API's field."""
    by_name = {item.name: item for item in (elements or registry()).of(model)}
    rules = rules or {}
    values: dict[str, Any] = {}
    for name, raw in data.items():
        item = by_name.get(name)
        if item is None or not item.settable:
            raise ValidationFailed(f"{camel(name)} cannot be set here.", field=camel(name))
        field = item.api_name
        value = raw.strip() or None if isinstance(raw, str) else raw
        if value is None and not item.nullable:
            raise ValidationFailed(f"{field} cannot be null.", field=field)
        if name in rules:
            value = rules[name](value)
        if item.kind is str:
            value = text(value, field, item.max_length)
        check_code(item, value, field, data)
        values[name] = value
    return values
