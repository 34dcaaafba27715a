"""HUD FY2026 value lists used to validate client data (hud-data-standards.md section 1.4)."""

from __future__ import annotations

from collections.abc import Collection

from services.errors import ValidationFailed

__all__ = [
    "DATA_COLLECTION_STAGE",
    "DATA_QUALITY",
    "DESTINATION",
    "DISABILITY_TYPE",
    "LIVING_SITUATION",
    "NO_YES",
    "NO_YES_MISSING",
    "RECORD_TYPE",
    "RELATIONSHIP_TO_HOH",
    "SEX",
    "YES_NO_REASONS",
    "check_code",
]

MISSING = {8, 9, 99}
DATA_QUALITY = {1, 2} | MISSING  # 3.01.5, 3.02.2, 3.03.2
NO_YES = {0, 1}
NO_YES_MISSING = {0, 1, 99}  # 1.7
YES_NO_REASONS = {0, 1} | MISSING  # 1.8
RACE_NONE = MISSING
SEX = {0, 1} | MISSING  # 4.21
RELATIONSHIP_TO_HOH = {1, 2, 3, 4, 5, 99}  # 3.15.1
LIVING_SITUATION = {
    101,
    116,
    118,
    204,
    205,
    206,
    207,
    215,
    225,
    302,
    314,
    329,
    332,
    335,
    336,
    410,
    411,
    421,
    435,
} | MISSING  # 3.917
DESTINATION = (LIVING_SITUATION - {335, 336}) | {312, 313, 327, 422, 423, 426, 17, 24, 30}  # 3.12
RENTAL_SUBSIDY_TYPE = {419, 420, 428, 431, 433, 434, 436, 437, 438, 439, 440}  # 3.12.A
LENGTH_OF_STAY = {10, 11, 2, 3, 4, 5} | MISSING  # 3.917.2
TIMES_HOMELESS = {1, 2, 3, 4} | MISSING  # 3.917.4
MONTHS_HOMELESS = set(range(101, 114)) | MISSING  # 3.917.5
DISABILITY_TYPE = {5, 6, 7, 8, 9, 10}  # 1.3
DATA_COLLECTION_STAGE = {1, 2, 3, 5, 6}  # 5.03.1
RECORD_TYPE = {141, 142, 143, 144, 151, 152, 161, 200, 210, 300}  # 1.4
HUD_COC_CODES = {"CT-503", "CT-505"}


def check_code(
    value: int | None, allowed: Collection[int], field: str, *, required: bool = False
) -> None:
    """Refuse a code outside its HUD list (None passes unless required)."""
    if value is None:
        if required:
            raise ValidationFailed(f"{field} is required.", field=field)
        return
    if value not in allowed:
        raise ValidationFailed(f"{field} is not a valid HUD code.", field=field)
