"""HUD FY2026 value lists (hud-data-standards.md section 1.4): the codes an element may take."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "COC",
    "CODES",
    "DATA_COLLECTION_STAGE",
    "DATA_QUALITY",
    "DESTINATION",
    "DISABILITY_TYPE",
    "HEALTH_STATUS",
    "LENGTH_OF_STAY",
    "LIVING_SITUATION",
    "MISSING",
    "MONTHS_HOMELESS",
    "NO_YES",
    "NO_YES_MISSING",
    "RACE_NONE",
    "RECORD_TYPE",
    "RELATIONSHIP_TO_HOH",
    "RENTAL_SUBSIDY_TYPE",
    "SEX",
    "SUBSTANCE_USE_DISORDER",
    "SUBSTANCE_USE_RESPONSE",
    "TIMES_HOMELESS",
    "WHEN_OCCURRED",
    "YES_NO_REASONS",
    "Codes",
]


@dataclass(frozen=True, slots=True)
class Codes:
    """One HUD value list: its number in the data standards and the codes it allows."""

    ref: str
    values: frozenset[int | str]

    @classmethod
    def of(cls, ref: str, values: Iterable[int | str]) -> Codes:
        return cls(ref, frozenset(values))

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def __iter__(self) -> Iterator[int | str]:
        return iter(sorted(self.values, key=lambda v: (isinstance(v, str), v)))

    def __or__(self, other: Codes | Iterable[int | str]) -> frozenset[int | str]:
        return self.values | (other.values if isinstance(other, Codes) else frozenset(other))

    def describe(self) -> str:
        """The codes as a front end shows them: ``0, 1, 8, 9, 99``."""
        return ", ".join(str(v) for v in self)


MISSING = frozenset({8, 9, 99})
DATA_QUALITY = Codes.of("3.01.5", {1, 2} | MISSING)
NO_YES = Codes.of("1.10", {0, 1})
NO_YES_MISSING = Codes.of("1.7", {0, 1, 99})
YES_NO_REASONS = Codes.of("1.8", {0, 1} | MISSING)
RACE_NONE = Codes.of("1.6", MISSING)
SEX = Codes.of("4.21", {0, 1} | MISSING)
RELATIONSHIP_TO_HOH = Codes.of("3.15.1", {1, 2, 3, 4, 5, 99})
COC = Codes.of("2.03.1", {"CT-503", "CT-505"})
LIVING_SITUATION = Codes.of(
    "3.917",
    {101, 116, 118, 204, 205, 206, 207, 215, 225, 302, 314, 329, 332, 335, 336}
    | {410, 411, 421, 435}
    | MISSING,
)
DESTINATION = Codes.of(
    "3.12", (LIVING_SITUATION.values - {335, 336}) | {312, 313, 327, 422, 423, 426, 17, 24, 30}
)
RENTAL_SUBSIDY_TYPE = Codes.of("3.12.A", {419, 420, 428, 431, 433, 434, 436, 437, 438, 439, 440})
LENGTH_OF_STAY = Codes.of("3.917.2", {10, 11, 2, 3, 4, 5} | MISSING)
TIMES_HOMELESS = Codes.of("3.917.4", {1, 2, 3, 4} | MISSING)
MONTHS_HOMELESS = Codes.of("3.917.5", set(range(101, 114)) | MISSING)
DISABILITY_TYPE = Codes.of("1.3", {5, 6, 7, 8, 9, 10})
# DisabilityType 10, substance use disorder: 42 CFR Part 2 data (authz.clients decides who sees it).
SUBSTANCE_USE_DISORDER = 10
# DisabilityResponse when DisabilityType is 10: 1 alcohol, 2 drug, 3 both, or no.
SUBSTANCE_USE_RESPONSE = Codes.of("4.10.2", {0, 1, 2, 3} | MISSING)
DATA_COLLECTION_STAGE = Codes.of("5.03.1", {1, 2, 3, 5, 6})
RECORD_TYPE = Codes.of("1.4", {141, 142, 143, 144, 151, 152, 161, 200, 210, 300})
WHEN_OCCURRED = Codes.of("4.11.A", {1, 2, 3, 4} | MISSING)
HEALTH_STATUS = Codes.of("R7.1", {1, 2, 3, 4, 5} | MISSING)

CODES: tuple[Codes, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Codes))


def hud_list(ref: str) -> Codes | None:
    """The value list numbered ``ref``, when Hearth knows it (None: not yet checked)."""
    return next((c for c in CODES if c.ref == ref), None)
