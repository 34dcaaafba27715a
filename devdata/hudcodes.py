"""HUD FY2026 codes with the weights the generator draws them by: realistic proportions for a
Connecticut-shaped HMIS (hud-data-standards.md section 5), the missing-data answers (8, 9, 99)
at low rates so that the data quality checks find some.

The tables say how often a code is drawn, not which codes exist: HUD's lists are
``models.hud.codes``; ``tests/devdata`` checks every drawn value against them.
"""

from __future__ import annotations

import random

__all__ = ["VAMC_STATIONS", "W", "draw", "missing_or", "yes"]

Weights = tuple[tuple[int, float], ...]

W: dict[str, Weights] = {
    # Client
    "VeteranStatus": ((0, 92.5), (1, 6), (8, 0.5), (9, 0.5), (99, 0.5)),
    "Theater": ((0, 80), (1, 17), (8, 1), (9, 1), (99, 1)),
    "MilitaryBranch": ((1, 45), (2, 12), (3, 18), (4, 15), (6, 4), (7, 1), (8, 2), (9, 1), (99, 2)),
    "DischargeStatus": (
        (1, 70),
        (2, 12),
        (4, 2),
        (5, 1),
        (6, 8),
        (7, 2),
        (8, 2),
        (9, 1),
        (99, 2),
    ),
    # Enrollment (3.917 and program-specific)
    "LengthOfStay": (
        (10, 8),
        (11, 14),
        (2, 20),
        (3, 22),
        (4, 18),
        (5, 14),
        (8, 1),
        (9, 1),
        (99, 2),
    ),
    "TimesHomeless": ((1, 45), (2, 22), (3, 12), (4, 15), (8, 2), (9, 2), (99, 2)),
    "RentalSubsidyType": (
        (419, 6),
        (420, 10),
        (428, 2),
        (431, 20),
        (433, 18),
        (434, 14),
        (436, 3),
        (437, 3),
        (438, 2),
        (439, 16),
        (440, 6),
    ),
    "ReasonNotEnrolled": ((1, 30), (2, 55), (3, 15)),
    "PercentAMI": ((1, 70), (2, 18), (3, 8), (4, 2), (99, 2)),
    "MentalHealthConsultation": ((1, 40), (2, 25), (3, 15), (4, 20)),
    "ReferralSource": (
        (1, 30),
        (2, 12),
        (7, 12),
        (11, 8),
        (18, 4),
        (28, 5),
        (30, 8),
        (34, 4),
        (35, 5),
        (37, 2),
        (38, 6),
        (39, 4),
        (8, 1),
        (9, 1),
        (99, 1),
    ),
    "ReasonNoServices": ((1, 40), (2, 25), (3, 10), (4, 25)),
    "WelfareYears": ((1, 40), (2, 35), (3, 25)),
    "TimeToHousingLoss": ((0, 25), (1, 30), (2, 25), (3, 20)),
    "AnnualPercentAMI": ((0, 35), (1, 30), (2, 25), (3, 10)),
    "LiteralHomelessHistory": ((0, 30), (1, 25), (2, 45)),
    "EvictionHistory": ((0, 60), (1, 25), (2, 15)),
    "IncarceratedAdult": ((0, 75), (1, 17), (2, 8)),
    "DependentUnder6": ((0, 70), (1, 10), (2, 20)),
    # Exit
    "ProjectCompletionStatus": ((1, 60), (2, 28), (3, 12)),
    "EarlyExitReason": ((1, 20), (2, 35), (3, 10), (4, 15), (5, 5), (6, 15)),
    "CountOfExchangeForSex": ((1, 50), (2, 20), (3, 10), (4, 10), (8, 4), (9, 4), (99, 2)),
    "WorkerJudgement": ((0, 20), (1, 70), (2, 10)),
    "AftercareProvided": ((0, 30), (1, 65), (9, 5)),
    "CMExitReason": (
        (1, 35),
        (2, 5),
        (3, 15),
        (4, 5),
        (5, 5),
        (6, 3),
        (7, 3),
        (8, 8),
        (9, 6),
        (10, 3),
        (11, 3),
        (12, 3),
        (13, 6),
    ),
    "HousingAssessment": (
        (1, 55),
        (2, 20),
        (3, 5),
        (4, 4),
        (5, 4),
        (6, 4),
        (7, 2),
        (10, 1),
        (8, 1),
        (9, 1),
        (99, 3),
    ),
    # W5.AB: when able to keep the housing (1), or moved to a new unit (2)
    "SubsidyInformation1": ((1, 40), (2, 30), (3, 15), (4, 15)),
    "SubsidyInformation2": ((11, 55), (12, 45)),
    # Income, benefits and insurance
    "NoInsuranceReason": ((1, 15), (2, 10), (3, 50), (4, 20), (8, 2), (9, 1), (99, 2)),
    # Health and DV; education and employment
    "WhenOccurred": ((1, 25), (2, 15), (3, 20), (4, 35), (8, 2), (9, 2), (99, 1)),
    "HealthStatus": ((1, 10), (2, 22), (3, 35), (4, 20), (5, 10), (8, 1), (9, 1), (99, 1)),
    "LastGradeCompleted": (
        (1, 1),
        (2, 2),
        (3, 8),
        (4, 30),
        (5, 25),
        (6, 2),
        (7, 10),
        (10, 10),
        (11, 4),
        (12, 3),
        (13, 1),
        (14, 2),
        (8, 1),
        (9, 0.5),
        (99, 0.5),
    ),
    "SchoolStatus": (
        (1, 30),
        (2, 15),
        (3, 20),
        (4, 10),
        (5, 15),
        (6, 2),
        (7, 2),
        (8, 2),
        (9, 2),
        (99, 2),
    ),
    "EmploymentType": ((1, 35), (2, 45), (3, 20)),
    "NotEmployedReason": ((1, 55), (2, 25), (3, 20)),
    "CurrentSchoolAttend": ((0, 45), (1, 15), (2, 35), (8, 2), (9, 1), (99, 2)),
    "MostRecentEdStatus": (
        (0, 30),
        (1, 10),
        (2, 30),
        (3, 5),
        (4, 3),
        (5, 5),
        (6, 7),
        (7, 5),
        (8, 2),
        (9, 1),
        (99, 2),
    ),
    "CurrentEdStatus": ((0, 55), (1, 15), (2, 10), (3, 3), (4, 12), (8, 2), (9, 1), (99, 2)),
    # HIV/AIDS (HOPWA)
    "CountSource": ((1, 70), (2, 25), (3, 5)),
    "ViralLoadAvailable": ((0, 20), (1, 45), (2, 30), (8, 2), (9, 1), (99, 2)),
    # Current living situation (4.12: 3.917 plus 17 and 37)
    "CurrentLivingSituation": (
        (116, 40),
        (101, 25),
        (118, 3),
        (335, 6),
        (336, 6),
        (302, 2),
        (314, 3),
        (206, 2),
        (207, 1),
        (205, 1),
        (410, 2),
        (435, 1),
        (17, 3),
        (37, 4),
        (8, 0.5),
        (9, 0.5),
        (99, 0.5),
    ),
    # Coordinated entry
    "AssessmentType": ((1, 25), (2, 10), (3, 65)),
    "AssessmentLevel": ((1, 45), (2, 55)),
    "PrioritizationStatus": ((1, 70), (2, 30)),
    "Event": (
        (1, 4),
        (2, 14),
        (3, 8),
        (4, 10),
        (5, 5),
        (6, 6),
        (7, 8),
        (8, 3),
        (9, 3),
        (10, 12),
        (11, 4),
        (12, 2),
        (13, 9),
        (14, 7),
        (15, 2),
        (16, 2),
        (17, 1),
        (18, 1),
    ),
    "ReferralResult": ((1, 65), (2, 20), (3, 15)),
    # Services, by record type (TypeProvided), and their follow-ups
    "141": tuple(
        (t, w)
        for t, w in zip(range(1, 15), (25, 18, 3, 12, 6, 30, 4, 1, 3, 4, 2, 2, 0, 5), strict=True)
        if w
    ),
    "142": ((2, 6), (5, 14), (6, 16), (7, 10), (8, 18), (14, 12), (18, 8), (29, 16)),
    "143": (
        (1, 2),
        (2, 40),
        (3, 2),
        (4, 3),
        (5, 3),
        (6, 4),
        (7, 15),
        (8, 8),
        (9, 4),
        (10, 7),
        (11, 3),
        (12, 3),
        (13, 5),
        (14, 3),
    ),
    "144": ((1, 15), (2, 40), (3, 8), (4, 12), (5, 4), (6, 8), (7, 2), (8, 3), (9, 8), (10, 4)),
    "151": ((1, 60), (2, 15), (3, 5), (4, 15), (7, 5)),
    "152": ((1, 50), (2, 15), (3, 5), (4, 10), (5, 8), (12, 7), (14, 5)),
    "161": (
        (1, 20),
        (2, 15),
        (3, 15),
        (4, 5),
        (5, 3),
        (6, 15),
        (7, 10),
        (8, 8),
        (9, 4),
        (10, 3),
        (11, 2),
    ),
    "210": (
        (1, 20),
        (2, 3),
        (3, 18),
        (4, 3),
        (5, 30),
        (6, 2),
        (7, 1),
        (8, 2),
        (9, 6),
        (10, 3),
        (11, 4),
        (12, 8),
    ),
    "300": ((1, 30), (2, 25), (3, 25), (4, 15), (5, 10)),
    "SubTypeProvided": ((1, 40), (2, 30), (3, 20), (4, 10)),
    "ReferralOutcome": ((1, 55), (2, 30), (3, 15)),
    # Project descriptors
    "GeographyType": ((1, 55), (2, 35), (3, 10)),
}

# VA medical centers serving Connecticut (V6.1 station numbers).
VAMC_STATIONS = (("689", 88), ("650", 7), ("99", 5))


def draw(rng: random.Random, key: str) -> int:
    """A code of table ``key``, by its weights."""
    table = W[key]
    total = _TOTALS.get(key)
    if total is None:
        total = _TOTALS[key] = sum(w for _, w in table)
    pick = rng.random() * total
    for code, weight in table:
        pick -= weight
        if pick < 0:
            return code
    return table[-1][0]


def yes(rng: random.Random, rate: float, *, dk: float = 0.02) -> int:
    """1.8: yes with ``rate``, a missing-data answer (8, 9, 99) with ``dk``, otherwise no."""
    at = rng.random()
    if at < rate:
        return 1
    if at < rate + dk:
        return rng.choice((8, 9, 99))
    return 0


def missing_or(rng: random.Random, value: int, rate: float = 0.02) -> int:
    """``value``, or 8/9/99 with ``rate``."""
    return rng.choice((8, 9, 99)) if rng.random() < rate else value


_TOTALS: dict[str, float] = {}
