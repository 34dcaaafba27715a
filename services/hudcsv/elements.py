"""HUD CSV columns of the client data elements, from the element registry: what the export
writes and the import reads for each element, under which column."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from models.hud.elements import Element, Registry, registry

__all__ = ["columns_of", "to_csv"]


@functools.cache
def _columns(file: str) -> tuple[tuple[str, Element], ...]:
    return tuple((item.column, item) for item in registry().in_file(file) if item.column)


def columns_of(file: str, elements: Registry | None = None) -> tuple[tuple[str, Element], ...]:
    """The file's element columns, as (HUD column, element), in the model's order."""
    if elements is None:
        return _columns(file)
    return tuple((item.column, item) for item in elements.in_file(file) if item.column)


def to_csv(
    file: str, values: Mapping[str, Any], elements: Registry | None = None
) -> dict[str, Any]:
    """One row's element columns from its values by element name; a blank element with a HUD
    default on export is written as that default."""
    row: dict[str, Any] = {}
    for column, item in columns_of(file, elements):
        value = values.get(item.name)
        row[column] = item.csv_default if value is None else value
    return row
