"""Household compositions and adult ages, drawn the same way for the database seed and the
statewide HUD CSV file."""

from __future__ import annotations

import random

from devdata.plan import Member

__all__ = ["adult_age", "households"]


def adult_age(rng: random.Random) -> int:
    """An adult's age at the household's first entry (18-24 13%, 25-54 64%, 55-64 17%, 65+)."""
    r = rng.random() * 78
    if r < 10:
        return rng.randint(18, 24)
    if r < 60:
        return rng.randint(25, 54)
    if r < 73:
        return rng.randint(55, 64)
    return rng.randint(65, 85)


def households(rng: random.Random, clients: int) -> list[list[Member]]:
    """Household compositions until ``clients`` people: 65% single adults, 27% adults with
    children, 3% unaccompanied youth, 5% adult couples."""
    out: list[list[Member]] = []
    remaining = clients
    while remaining > 0:
        kind = rng.random()
        if kind < 0.65:
            members = [Member(adult_age(rng), 1)]
        elif kind < 0.92:
            members = [Member(adult_age(rng), 1)]
            if rng.random() < 0.3:
                members.append(Member(adult_age(rng), 3))
            members += [Member(rng.randint(0, 17), 2) for _ in range(rng.randint(1, 3))]
        elif kind < 0.95:
            members = [Member(rng.randint(16, 17), 1)]
            if rng.random() < 0.3:
                members.append(Member(rng.randint(14, 17), 4))
        else:
            members = [Member(adult_age(rng), 1), Member(adult_age(rng), 3)]
        members = members[:remaining]
        remaining -= len(members)
        out.append(members)
    return out
