"""What the HUD row drawers share: the project as a program (its funders decide the elements it
collects), the person and the stay being drawn, and the state the drawers write through.

The drawers (``devdata.hudclient``, ``devdata.hudrecords``, ``devdata.hudprojects``) build rows
as dicts keyed by HUD CSV column and hand them to ``HudState.emit``: the statewide file
(``devdata.statewide``) writes them to CSV.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from devdata.plan import DEFECT_RATES, PSH

__all__ = ["HudState", "Person", "Program", "Stay"]

PATH_FUNDERS = frozenset({21})
RHY_FUNDERS = frozenset({22, 23, 24, 25, 26})
SSVF_FUNDERS = frozenset({33})
HOPWA_FUNDERS = frozenset({13, 14, 15, 16, 17, 18, 19, 48})
VASH_FUNDERS = frozenset({20})
YHDP_FUNDERS = frozenset({43})
COC_PSH_FUNDERS = frozenset({2})


@dataclass(slots=True)
class Program:
    """A project as the client rows need it: type, CoC and the programs its funders make it."""

    id: str
    org: str
    name: str
    type: int
    coc: str
    funders: tuple[int, ...]
    path: bool = False
    rhy: bool = False
    ssvf: bool = False
    hopwa: bool = False
    vash: bool = False
    yhdp: bool = False
    coc_psh: bool = False

    def __post_init__(self) -> None:
        f = set(self.funders)
        self.path = bool(f & PATH_FUNDERS)
        self.rhy = bool(f & RHY_FUNDERS)
        self.ssvf = bool(f & SSVF_FUNDERS)
        self.hopwa = bool(f & HOPWA_FUNDERS)
        self.vash = bool(f & VASH_FUNDERS)
        self.yhdp = bool(f & YHDP_FUNDERS)
        self.coc_psh = bool(f & COC_PSH_FUNDERS) and self.type == PSH


@dataclass(slots=True)
class Person:
    """A client while drawn: age at the household's first entry, the traits programs follow."""

    pid: str
    age: int
    relationship: int
    dob: date
    female: bool
    veteran: bool = False
    hiv: bool = False
    orgs: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Stay:
    """One household stay: the project, entry and exit (None: still enrolled)."""

    program: Program
    entry: date
    exit: date | None
    user: str


class HudState:
    """What the row drawers share (``devdata.statewide.Statewide`` sets it up)."""

    rng: random.Random
    anchor: date
    defects: dict[str, int]
    populations: dict[str, int]

    def emit(self, file: str, row: dict[str, Any], created: datetime, user: str) -> None:
        raise NotImplementedError

    def new_id(self, file: str) -> str:
        raise NotImplementedError

    def at(self, day: date, minutes: int | None = None) -> datetime:
        raise NotImplementedError

    def count(self, defect: str, hit: bool) -> bool:
        """Count one row of ``defect``'s population, and the defect itself when ``hit``."""
        self.populations[defect] = self.populations.get(defect, 0) + 1
        if hit:
            self.defects[defect] = self.defects.get(defect, 0) + 1
        return hit

    def one_of(self, defects: tuple[str, ...]) -> str | None:
        """At most one of mutually exclusive client defects, each at its documented rate."""
        at, chosen = self.rng.random(), None
        for defect in defects:
            rate = DEFECT_RATES[defect]
            if chosen is None and at < rate:
                chosen = defect
            at -= rate
            self.count(defect, defect == chosen)
        return chosen

    # -- client ------------------------------------------------------------------------------
