"""A household's enrollments: entries and exits, with the assessments due at entry, each year and
at exit, the case notes and the audit."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from devdata.assessments import Assessments
from devdata.hudcodes import draw
from devdata.hudfill import fill
from devdata.hudprogram import Stay
from devdata.plan import (
    CE,
    DAY,
    DEFECT_RATES,
    DESTINATIONS,
    ES_EE,
    ES_NBN,
    LIVING,
    PSH,
    RRH,
    SO,
    Agency,
    Member,
)
from devdata.records import Records
from devdata.state import new_uuid, weighted
from models.enrollments import Enrollment, Exit

__all__ = ["Enrollments"]


class Enrollments(Records, Assessments):
    def household_enrollments(
        self, ids: list[uuid.UUID], members: list[Member], stays: list[Any], hoh_defect: bool
    ) -> None:
        rng = self.rng
        for s_index, (agency, entry, exit_on, project) in enumerate(stays):
            household = new_uuid(rng).hex
            user = rng.choice(agency.staff)
            move_in = None
            if project[1] in (PSH, RRH):
                candidate = entry + timedelta(days=rng.randint(0, 90))
                if candidate < (exit_on or self.anchor):
                    move_in = candidate
            for m_index, (cid, member) in enumerate(zip(ids, members, strict=True)):
                relationship = member.relationship
                if hoh_defect and s_index == 0:
                    if len(members) == 1:
                        relationship = 99  # no head
                    elif m_index == 1:
                        relationship = 1  # a second head
                self.enrollment(
                    cid,
                    member,
                    relationship,
                    household,
                    agency,
                    entry,
                    exit_on,
                    project,
                    user,
                    move_in,
                )
                if s_index == 0 and m_index == 0 and hoh_defect:
                    self.defects["household_hoh"] += 1
            if s_index == 0:
                # The overlapping-stay defect: the head enrolled twice at once in one project.
                self.populations["overlapping_enrollment"] += len(members)
                for cid, member in zip(ids, members, strict=True):
                    if rng.random() < DEFECT_RATES["overlapping_enrollment"]:
                        self.defects["overlapping_enrollment"] += 1
                        short = exit_on is not None and (exit_on - entry).days <= 3
                        second = entry if short else entry + timedelta(days=rng.randint(1, 3))
                        self.enrollment(
                            cid,
                            member,
                            1,
                            new_uuid(rng).hex,
                            agency,
                            second,
                            exit_on,
                            project,
                            user,
                            None,
                            plain=True,
                        )

    def enrollment(
        self,
        cid: uuid.UUID,
        member: Member,
        relationship: int,
        household: str,
        agency: Agency,
        entry: date,
        exit_on: date | None,
        project: tuple[uuid.UUID, int, str],
        user: uuid.UUID,
        move_in: date | None,
        *,
        plain: bool = False,
    ) -> None:
        rng, add, d = self.rng, self.bulk.add, self.defects
        pop = self.populations
        eid = new_uuid(rng)
        adult = member.age >= 18 or relationship == 1
        lag = weighted(
            rng,
            (
                (0, 50),
                (rng.randint(1, 3), 25),
                (rng.randint(4, 6), 8),
                (rng.randint(7, 10), 6),
                (rng.randint(11, 30), 9),
                (-1, 2),
            ),
        )
        created = self.at(entry + timedelta(days=lag), 540 + rng.randint(0, 480))
        coc = project[2]
        if relationship == 1 and not plain:
            pop["null_enrollment_coc"] += 1
            if rng.random() < DEFECT_RATES["null_enrollment_coc"]:
                coc = None
                d["null_enrollment_coc"] += 1
        living = los = under = prev = street = times = months = None
        disabling = 99 if not adult else (1 if rng.random() < 0.35 else 0)
        mismatch = False
        if adult:
            living = weighted(rng, LIVING)
            los = rng.choice((10, 11, 2, 3, 4, 5))
            under = rng.choice((0, 1))
            prev = rng.choice((0, 1))
            street = entry - timedelta(
                days=rng.randint(400, 1500) if rng.random() < 0.2 else rng.randint(0, 364)
            )
            times, months = rng.randint(1, 4), rng.randint(101, 113)
            if not plain:
                pop["missing_times_months_homeless"] += 1
                if rng.random() < DEFECT_RATES["missing_times_months_homeless"]:
                    times = months = None
                    d["missing_times_months_homeless"] += 1
                pop["disabling_condition_mismatch"] += 1
                if (
                    disabling == 0
                    and rng.random() < DEFECT_RATES["disabling_condition_mismatch"] / 0.65
                ):
                    mismatch = True
                    d["disabling_condition_mismatch"] += 1
        elif member.age < 18:
            disabling = 0
        engagement = entry + timedelta(days=rng.randint(0, 20)) if project[1] == SO else None
        program = self.programs[project[0]]
        stay = Stay(program, entry, exit_on, user.hex)
        self.hud_now = (program, self.female.get(cid, False))
        hud: dict[str, Any] = {}
        if living == 435:
            hud["RentalSubsidyType"] = draw(self.hud.rng, "RentalSubsidyType")
        self.hud.program_entry(hud, stay, adult, relationship)
        add(
            Enrollment,
            fill(
                Enrollment,
                {
                    "id": eid,
                    "entry_date": entry,
                    "household_id": household,
                    "relationship_to_hoh": relationship,
                    "enrollment_coc": coc,
                    "living_situation": living,
                    "length_of_stay": los,
                    "los_under_threshold": under,
                    "previous_street_essh": prev,
                    "date_to_street_essh": street,
                    "times_homeless_past_three_years": times,
                    "months_homeless_past_three_years": months,
                    "disabling_condition": disabling,
                    "move_in_date": move_in,
                    "date_of_engagement": engagement,
                    "created_at": created,
                    "updated_at": created,
                    "agency_id": agency.id,
                    "client_id": cid,
                    "created_by_user_id": user,
                    "project_id": project[0],
                },
                hud,
            ),
        )
        self.audit(
            created,
            user,
            agency.id,
            "CREATE",
            "Enrollment",
            eid,
            cid,
            ["entryDate", "projectId", "householdId"],
        )
        end = exit_on or self.anchor
        # Stage 1 records dated the entry date.
        if adult:
            if plain:
                self.income(eid, entry, 1, created, user)
            else:
                pop["missing_entry_income"] += 1
                if rng.random() < DEFECT_RATES["missing_entry_income"]:
                    d["missing_entry_income"] += 1
                else:
                    self.income(
                        eid,
                        entry,
                        1,
                        created,
                        user,
                        defect_rate=DEFECT_RATES["income_any_no_sources"],
                    )
            self.disabilities(eid, entry, 1, created, user, disabling, mismatch)
            self.health(eid, entry, 1, created, user, member)
        self.services(eid, entry, exit_on, project[1], user, agency, relationship)
        self.hud_records(cid, eid, stay, adult, relationship, created)
        # Annual assessments (stage 5) for heads within 30 days of each anniversary.
        if relationship == 1 and adult:
            year = 1
            while entry + timedelta(days=365 * year + 30) < end:
                day = entry + timedelta(days=365 * year + rng.randint(-30, 30))
                self.income(eid, day, 5, self.at(day, 600), user)
                year += 1
        if exit_on is not None:
            exit_created = self.at(exit_on + timedelta(days=rng.randint(1, 14)), 600)
            pop["destination_missing"] += 1
            if rng.random() < DEFECT_RATES["destination_missing"]:
                destination = rng.choice((30, 99))
                d["destination_missing"] += 1
            else:
                destination = weighted(rng, DESTINATIONS)
            xid = new_uuid(rng)
            hud_exit: dict[str, Any] = {"Destination": destination}
            self.hud.program_exit(hud_exit, stay)
            add(
                Exit,
                fill(
                    Exit,
                    {
                        "id": xid,
                        "exit_date": exit_on,
                        "destination": destination,
                        "created_at": exit_created,
                        "created_by_user_id": user,
                        "enrollment_id": eid,
                    },
                    hud_exit,
                ),
            )
            self.audit(
                exit_created,
                user,
                agency.id,
                "CREATE",
                "Exit",
                xid,
                cid,
                ["exitDate", "destination"],
            )
            if adult:
                self.income(eid, exit_on, 3, exit_created, user)
                self.disabilities(eid, exit_on, 3, exit_created, user, disabling, mismatch)
                ids = {"EnrollmentID": eid.hex, "PersonalID": cid.hex}
                if program.rhy:
                    self.hud.employment(ids, exit_on, 3, exit_created, user.hex)
                if program.yhdp:
                    self.hud.youth_education(ids, exit_on, 3, exit_created, user.hex)
        self.notes(cid, eid, agency, entry, end)

    def hud_records(
        self,
        cid: uuid.UUID,
        eid: uuid.UUID,
        stay: Stay,
        adult: bool,
        relationship: int,
        created: datetime,
    ) -> None:
        """The files the seed has no drawer of its own for, drawn as the statewide file draws
        them: employment and education (RHY), youth education (YHDP), current living situations
        (outreach, coordinated entry, day shelter), coordinated entry assessments and events."""
        if not self.hud_models:
            return
        rng, p = self.hud.rng, stay.program
        ids = {"EnrollmentID": eid.hex, "PersonalID": cid.hex}
        if adult and p.rhy:
            self.hud.employment(ids, stay.entry, 1, created, stay.user)
        if adult and p.yhdp:
            self.hud.youth_education(ids, stay.entry, 1, created, stay.user)
        if p.type in (SO, CE, DAY) or (p.type == ES_NBN and rng.random() < 0.3):
            self.hud.living_situations(ids, stay)
        if relationship == 1 and (p.type == CE or (p.type in (ES_EE, SO) and rng.random() < 0.3)):
            self.hud.coordinated_entry(ids, stay)
