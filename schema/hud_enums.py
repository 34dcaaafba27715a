"""GraphQL enums of HUD's value lists, generated from the lists' data (``models.hud.codes``).

One enum per HUD list, named after the list (``NoYesReasonsForMissingData``, ``Destination``),
each value named from HUD's label (``CLIENT_PREFERS_NOT_TO_ANSWER``) and described as
``<code>: <HUD label>``. The Python enum is an ``IntEnum`` of HUD's codes, so a value read from an
input is the HUD integer the database, the import and the export keep, and an integer a resolver
returns is shown as its name. :data:`ENUM_NAMES` and :data:`VALUE_NAMES` are the checked-in
overrides, only where a generated name is unusable; a name is never reused for other codes.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum, IntEnum
from typing import Any

from models.hud.codes import Codes, hud_list
from schema.enums import described_enum

__all__ = [
    "ENUM_NAMES",
    "VALUE_NAMES",
    "enum_name",
    "hud_enum",
    "list_enum",
    "plain",
    "value_names",
]

# List number -> GraphQL name, where the list's HUD name is unusable or taken.
ENUM_NAMES: dict[str, str] = {
    # The CurrentLivingSituation record type has HUD's list name.
    "4.12": "CurrentLivingSituationOptions",
    "R11.A": "RHYNumberOfYears",
    "V9.1": "CMExitReason",
}

# List number -> code -> GraphQL value name, where the label gives none worth having.
VALUE_NAMES: dict[str, dict[int | str, str]] = {
    # "$0 (i.e., not employed, not receiving cash benefits, no other current income)"
    "V7.B": {0: "ZERO_INCOME"},
    # "HUD: HOME (ARP)" would repeat 50's "HUD: HOME"
    "2.06.1": {51: "HUD_HOME_ARP"},
}

_PARENTHESES = re.compile(r"\([^)]*\)")
_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")
_SPELLED = {"&": " and ", "%": " percent ", "+": " plus ", "'": "", "\u2019": ""}

_made: dict[str, tuple[frozenset[int | str], type[IntEnum]]] = {}


def value_name(label: str) -> str:
    """A GraphQL enum value name from a HUD label: UPPER_SNAKE, ASCII, parentheses dropped
    ("Client doesn't know" -> ``CLIENT_DOESNT_KNOW``), ``NUM_`` before a leading digit."""
    text = _PARENTHESES.sub(" ", label)
    if not _NOT_NAME.sub("", text):
        text = label
    for sign, word in _SPELLED.items():
        text = text.replace(sign, word)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = _NOT_NAME.sub("_", text).strip("_").upper() or "CODE"
    return f"NUM_{name}" if name[0].isdigit() else name


def enum_name(codes: Codes) -> str:
    return ENUM_NAMES.get(codes.ref, codes.name)


def value_names(codes: Codes) -> dict[int | str, str]:
    """Code -> value name, unique within the list (a repeat gets ``_<code>``)."""
    overrides = VALUE_NAMES.get(codes.ref, {})
    names: dict[int | str, str] = {}
    for code in codes:
        name = overrides.get(code) or value_name(codes.labels[code])
        if name in names.values():
            name = f"{name}_{code}"
        names[code] = name
    return names


def hud_enum(codes: Codes | None) -> type[IntEnum] | None:
    """The GraphQL enum of a HUD list (None: no list, a list of text codes such as the CoCs, or a
    list without HUD's name and a label for every code)."""
    if codes is None or not codes.name or not codes.values:
        return None
    if not all(isinstance(c, int) and c in codes.labels for c in codes.values):
        return None
    name = enum_name(codes)
    made = _made.get(name)
    if made is not None:
        if made[0] != codes.values:
            raise ValueError(
                f"two lists would be the GraphQL enum {name}: {sorted(map(str, made[0]))} and "
                f"{sorted(map(str, codes.values))}; name one in schema.hud_enums.ENUM_NAMES"
            )
        return made[1]
    names = value_names(codes)
    cls = IntEnum(name, {names[code]: code for code in codes})  # type: ignore[misc]  # the functional API
    described_enum(
        cls,
        name=name,
        description=f"HUD FY2026 value list {codes.ref} {codes.name}.",
        values={names[code]: f"{code}: {codes.labels[code]}" for code in codes},
    )
    _made[name] = (codes.values, cls)
    return cls


def list_enum(ref: str) -> type[IntEnum]:
    """The GraphQL enum of the HUD list numbered ``ref``, for a field that is not an element."""
    enum = hud_enum(hud_list(ref))
    if enum is None:
        raise ValueError(f"HUD list {ref} has no GraphQL enum")
    return enum


def plain(value: Any) -> Any:
    """An enum member as its value (the HUD code); anything else unchanged."""
    return value.value if isinstance(value, Enum) else value
