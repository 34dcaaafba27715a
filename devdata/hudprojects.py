"""A project's rows: the project, its CoC, funders, bed inventory, HMIS participation and
coordinated entry participation."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta
from typing import Any

from devdata.hudcodes import draw
from devdata.hudprogram import HudState, Program
from devdata.plan import CE, COLORS_VEG, ES_EE, ES_NBN, HP, PSH, RRH, SO, TH, TOWNS

__all__ = ["ProjectRows"]

INVENTORIES = (
    "CHVetBedInventory",
    "YouthVetBedInventory",
    "VetBedInventory",
    "CHYouthBedInventory",
    "YouthBedInventory",
    "CHBedInventory",
    "OtherBedInventory",
)


class ProjectRows(HudState):
    def project(
        self,
        p: Program,
        *,
        can: int,
        vsp: bool,
        user: str,
        founded: date,
        created: datetime,
        ended: date | None = None,
    ) -> None:
        """The project and its records: CoC, funders (last year's grant ended for some), bed
        inventory for residential types, HMIS participation, coordinated entry participation."""
        rng = self.rng
        residential = p.type in (ES_EE, ES_NBN, TH, PSH, RRH, 8, 9, 10)
        rrh_sub = (1 if "Elm City" in p.name else 2) if p.type == RRH else None
        start = founded + timedelta(days=rng.randint(0, 300))
        self.emit(
            "Project",
            {
                "ProjectID": p.id,
                "OrganizationID": p.org,
                "ProjectName": p.name,
                "ProjectCommonName": p.name.split()[-1] if rng.random() < 0.5 else None,
                "OperatingStartDate": start,
                "OperatingEndDate": ended,
                "ContinuumProject": int(p.type != HP or 9 in p.funders),
                "ProjectType": p.type,
                "HousingType": (3 if p.type in (PSH, RRH) else rng.choice((1, 2)))
                if residential and rrh_sub != 1
                else None,
                "RRHSubType": rrh_sub,
                "ResidentialAffiliation": 1 if rrh_sub == 1 else None,
                "TargetPopulation": 1 if vsp else (3 if p.hopwa else 4),
                "HOPWAMedAssistedLivingFac": (rng.choice((0, 1)) if p.hopwa else 2)
                if p.hopwa or residential
                else None,
                "PITCount": rng.randint(8, 90) if residential and rrh_sub != 1 else None,
            },
            created,
            user,
        )
        town, zip_code = TOWNS[can][rng.randrange(3)]
        self.emit(
            "ProjectCoC",
            {
                "ProjectCoCID": self.new_id("ProjectCoC"),
                "ProjectID": p.id,
                "CoCCode": p.coc,
                "Geocode": f"09{rng.randint(0, 9999):04d}",
                "Address1": f"{rng.randint(1, 999)} {rng.choice(COLORS_VEG)} Street",
                "Address2": f"Suite {rng.randint(1, 40)}" if rng.random() < 0.4 else None,
                "City": town,
                "State": "CT",
                "ZIP": zip_code,
                "GeographyType": draw(rng, "GeographyType"),
            },
            created,
            user,
        )
        for code in p.funders:
            grant_start = start
            if rng.random() < 0.5:
                # last year's grant, ended, then this year's
                self.funder(p, code, grant_start, start + timedelta(days=364), created, user)
                grant_start = start + timedelta(days=365)
            self.funder(p, code, grant_start, ended, created, user)
        if residential and rrh_sub != 1:
            kinds = (4,) if p.rhy else ((1,) if p.type in (ES_NBN,) else (1, 3))
            for household_type in kinds:
                beds = rng.randint(10, 80)
                split = _split(rng, beds, 7 if p.ssvf or p.vash else 3)
                row: dict[str, Any] = {
                    "InventoryID": self.new_id("Inventory"),
                    "ProjectID": p.id,
                    "CoCCode": p.coc,
                    "HouseholdType": household_type,
                    "UnitInventory": beds if household_type == 1 else max(1, beds // 3),
                    "BedInventory": beds,
                    "InventoryStartDate": start,
                    "InventoryEndDate": ended,
                }
                if p.ssvf or p.vash:
                    row.update(zip(INVENTORIES, split, strict=True))
                elif p.rhy:
                    row.update(
                        {"CHYouthBedInventory": split[0], "YouthBedInventory": split[1] + split[2]}
                    )
                else:
                    row.update(
                        {"CHBedInventory": split[0], "OtherBedInventory": split[1] + split[2]}
                    )
                if p.type in (ES_EE, ES_NBN):
                    row["Availability"] = 3 if p.type == ES_NBN else 1
                    row["ESBedType"] = 2 if "Hotel" in p.name else 1
                self.emit("Inventory", row, created, user)
        participation_start = start
        if rng.random() < 0.15:
            # it joined the HMIS later: a row of non-participation first
            self.emit(
                "HMISParticipation",
                {
                    "HMISParticipationID": self.new_id("HMISParticipation"),
                    "ProjectID": p.id,
                    "HMISParticipationType": 0,
                    "HMISParticipationStatusStartDate": start,
                    "HMISParticipationStatusEndDate": start + timedelta(days=89),
                },
                created,
                user,
            )
            participation_start = start + timedelta(days=90)
        self.emit(
            "HMISParticipation",
            {
                "HMISParticipationID": self.new_id("HMISParticipation"),
                "ProjectID": p.id,
                "HMISParticipationType": 2 if vsp else 1,
                "HMISParticipationStatusStartDate": participation_start,
                "HMISParticipationStatusEndDate": ended,
            },
            created,
            user,
        )
        if p.type in (CE, ES_EE, ES_NBN, TH, PSH, RRH, HP, SO) and not vsp:
            access = p.type in (CE, SO, HP) or (p.type == ES_EE and rng.random() < 0.5)
            self.emit(
                "CEParticipation",
                {
                    "CEParticipationID": self.new_id("CEParticipation"),
                    "ProjectID": p.id,
                    "AccessPoint": int(access),
                    "PreventionAssessment": int(access and p.type in (CE, HP)) if access else None,
                    "CrisisAssessment": int(access and p.type != HP) if access else None,
                    "HousingAssessment": int(access and p.type == CE) if access else None,
                    "DirectServices": int(access and p.type in (SO, HP)) if access else None,
                    "ReceivesReferrals": int(p.type in (ES_EE, ES_NBN, TH, PSH, RRH)),
                    "CEParticipationStatusStartDate": start,
                    "CEParticipationStatusEndDate": ended,
                },
                created,
                user,
            )

    def funder(
        self, p: Program, code: int, start: date, end: date | None, created: datetime, user: str
    ) -> None:
        self.emit(
            "Funder",
            {
                "FunderID": self.new_id("Funder"),
                "ProjectID": p.id,
                "Funder": code,
                "OtherFunder": "Connecticut Department of Housing" if code == 46 else None,
                "GrantID": f"CT{self.rng.randint(0, 9999):04d}{code:02d}{start:%y}",
                "StartDate": start,
                "EndDate": end,
            },
            created,
            user,
        )


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` beds in ``parts`` sub-inventories (7 for veterans' projects), summing to it."""
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    edges = [0, *cuts, total]
    out = [b - a for a, b in itertools.pairwise(edges)]
    return out + [0] * (7 - len(out))
