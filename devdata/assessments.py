"""The assessments recorded during an enrollment (income and benefits, disabilities, health and
DV) and the services provided, bed nights included."""

from __future__ import annotations

import functools
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from devdata.hudcodes import draw
from devdata.hudfill import fill
from devdata.hudprogram import Stay
from devdata.plan import (
    DISABILITY_TYPES,
    ES_NBN,
    HP,
    INCOME_SOURCES,
    ONE_DAY,
    RRH,
    SO,
    SSO,
    Agency,
    Member,
)
from devdata.state import GeneratorState, new_uuid, weighted
from models.enrollments import INCOME_SOURCES as SOURCE_COLUMNS
from models.enrollments import Disability, HealthAndDv, IncomeBenefits, Service
from models.hud.elements import registry

__all__ = ["Assessments"]


_PROGRAM_RECORDS = frozenset({142, 143, 151, 161, 210, 300})


class _Head:
    """What the services drawer asks of the person: the relationship to the head."""

    def __init__(self, relationship: int) -> None:
        self.relationship = relationship


@functools.cache
def _income_columns() -> dict[str, tuple[str, str]]:
    """Each 4.02 source's HUD name (as the plan names them) and its flag and amount elements."""
    return {
        item.column: (item.name, SOURCE_COLUMNS[item.name])
        for item in registry().of(IncomeBenefits)
        if item.name in SOURCE_COLUMNS and item.column
    }


class Assessments(GeneratorState):
    def income(
        self,
        eid: uuid.UUID,
        day: date,
        stage: int,
        created: datetime,
        user: uuid.UUID,
        defect_rate: float = 0.0,
    ) -> None:
        rng = self.rng
        sources: dict[str, str] = {}
        anything = 1 if rng.random() < 0.55 else weighted(rng, ((0, 90), (8, 3), (9, 3), (99, 4)))
        if defect_rate:
            self.populations["income_any_no_sources"] += 1
        if anything == 1:
            if defect_rate and rng.random() < defect_rate / 0.55:
                self.defects["income_any_no_sources"] += 1
            else:
                for name in rng.sample(INCOME_SOURCES, rng.randint(1, 2)):
                    sources[name] = f"{rng.randint(100, 2500)}.00"
        total = sum((Decimal(v) for v in sources.values()), Decimal(0)) if sources else None
        # each source a flag and an amount: marked, 1 with its amount; else 0 when the client
        # answered whether any, blank when not
        answered = 0 if anything in (0, 1) else None
        columns: dict[str, object] = {}
        for name, (flag, amount) in _income_columns().items():
            columns[flag] = 1 if name in sources else answered
            columns[amount] = Decimal(sources[name]) if name in sources else None
        row = {
            "id": new_uuid(rng),
            "information_date": day,
            "data_collection_stage": stage,
            "income_from_any_source": anything,
            "total_monthly_income": total,
            **columns,
            # drawn on this stream as before; the drawers' answers (with their sources) win
            "benefits_from_any_source": rng.choice((0, 1)),
            "insurance_from_any_source": 1 if rng.random() < 0.85 else 0,
            "created_at": created,
            "created_by_user_id": user,
            "enrollment_id": eid,
        }
        program, _ = self.hud_now
        hud: dict[str, Any] = {}
        self.hud.benefits_and_insurance(hud, program)
        row.pop("benefits_from_any_source")
        row.pop("insurance_from_any_source")
        self.bulk.add(IncomeBenefits, fill(IncomeBenefits, row, hud))

    def disabilities(
        self,
        eid: uuid.UUID,
        day: date,
        stage: int,
        created: datetime,
        user: uuid.UUID,
        disabling: int,
        mismatch: bool,
    ) -> None:
        rng = self.rng
        impairing = rng.choice(DISABILITY_TYPES) if disabling == 1 or mismatch else None
        for dtype in DISABILITY_TYPES:
            if dtype == impairing:
                response, indefinite = (rng.choice((1, 2, 3)) if dtype == 10 else 1), 1
            elif rng.random() < 0.12:
                response, indefinite = (rng.choice((1, 2, 3)) if dtype == 10 else 1), 0
            else:
                response, indefinite = 0, None
            hud: dict[str, Any] = {}
            program, _ = self.hud_now
            if dtype == 8 and response == 1 and program.hopwa:
                self.hud.hiv_details(hud)
            self.bulk.add(
                Disability,
                fill(
                    Disability,
                    {
                        "id": new_uuid(rng),
                        "information_date": day,
                        "data_collection_stage": stage,
                        "disability_type": dtype,
                        "disability_response": response,
                        "indefinite_and_impairs": indefinite,
                        "created_at": created,
                        "created_by_user_id": user,
                        "enrollment_id": eid,
                    },
                    hud,
                ),
            )

    def health(
        self,
        eid: uuid.UUID,
        day: date,
        stage: int,
        created: datetime,
        user: uuid.UUID,
        member: Member,
    ) -> None:
        rng = self.rng
        survivor = 1 if rng.random() < 0.25 else 0
        program, female = self.hud_now
        hud: dict[str, Any] = {}
        if program.rhy or program.hopwa:
            self.hud.health_details(hud, female, day)
        self.bulk.add(
            HealthAndDv,
            fill(
                HealthAndDv,
                {
                    "id": new_uuid(rng),
                    "information_date": day,
                    "data_collection_stage": stage,
                    "domestic_violence_survivor": survivor,
                    "when_occurred": rng.randint(1, 4) if survivor else None,
                    "currently_fleeing": rng.choice((0, 1)) if survivor else None,
                    "general_health_status": rng.randint(1, 5),
                    "dental_health_status": rng.randint(1, 5),
                    "mental_health_status": rng.randint(1, 5),
                    "created_at": created,
                    "created_by_user_id": user,
                    "enrollment_id": eid,
                },
                hud,
            ),
        )

    def services(
        self,
        eid: uuid.UUID,
        entry: date,
        exit_on: date | None,
        ptype: int,
        user: uuid.UUID,
        agency: Agency,
        relationship: int = 1,
    ) -> None:
        rng, add = self.rng, self.bulk.add
        last = (exit_on - ONE_DAY) if exit_on else self.anchor - ONE_DAY
        if ptype == ES_NBN:
            day = entry
            # a bed night for every night, including the entry date, none on exit
            while day <= last:
                add(
                    Service,
                    {
                        "id": new_uuid(rng),
                        "date_provided": day,
                        "record_type": 200,
                        "type_provided": 200,
                        "created_at": self.at(day, 1260),
                        "created_by_user_id": user,
                        "enrollment_id": eid,
                    },
                )
                day += ONE_DAY
            return
        program, _ = self.hud_now
        hud = self.hud
        if ptype in (SO, RRH, HP, SSO):
            record = {SO: 141, RRH: 152, HP: 152, SSO: 144}[ptype]
            for _ in range(rng.randint(0, 3)):
                span = max(0, (last - entry).days)
                day = entry + timedelta(days=rng.randint(0, span))
                amount = Decimal(rng.randint(200, 3000)) if record == 152 else None
                sid = new_uuid(rng)
                rng.randint(1, 10)  # the type this stream drew before the drawers' weights
                kind = draw(hud.rng, str(record))
                details = hud.service_details(record, kind, day)
                details.pop("FAAmount", None)
                add(
                    Service,
                    fill(
                        Service,
                        {
                            "id": sid,
                            "date_provided": day,
                            "record_type": record,
                            "type_provided": kind,
                            "fa_amount": amount,
                            "created_at": self.at(day, 900),
                            "created_by_user_id": user,
                            "enrollment_id": eid,
                        },
                        details,
                    ),
                )
        # The records only the funders' programs have (RHY, HOPWA, PATH referrals, HUD-VASH,
        # Moving On), drawn as the statewide file draws them.
        stay = Stay(program, entry, exit_on, user.hex)
        hud.services(
            {"EnrollmentID": eid.hex},
            stay,
            _Head(relationship),
            only=_PROGRAM_RECORDS,  # type: ignore[arg-type]
        )
