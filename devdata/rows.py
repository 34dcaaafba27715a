"""The row generator: households and their clients, with the defects injected at the documented
rates; each household's stays, records and audit are drawn before its clients are written."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from devdata.enrollments import Enrollments
from devdata.households import households
from devdata.hudfill import fill
from devdata.plan import (
    CLIENT_DEFECTS,
    COLORS_VEG,
    DEFECT_RATES,
    ES_NBN,
    FIRST_STAY,
    HERBS,
    LATER_STAY,
    MEDIAN_LOS,
    ODD_FIRST,
    ODD_LAST,
    TOWNS,
    Agency,
    Member,
)
from devdata.state import new_uuid, weighted
from devdata.structure import Reference
from models.clients import Client, ssn_columns
from models.names import camel

__all__ = ["Generator", "Progress"]

Progress = Callable[[int, int], None]


class Generator(Reference, Enrollments):
    """Reference rows first (``structure``), then every household (``clients``)."""

    # -- households ----------------------------------------------------------------------------

    def plan(self) -> list[list[Member]]:
        """Household compositions until the client count is reached (ages at first entry)."""
        return households(self.rng, self.n)

    def pick_defects(
        self, households: list[list[Member]]
    ) -> tuple[dict[int, str], dict[int, str], set[int], set[int], set[int], set[int]]:
        """Exactly round(rate * population) clients (or households) for each client-level defect."""
        rng, n = self.rng, self.n
        names = ("name_dq_partial", "name_dq_dk_refused", "name_dq_missing")
        ssns = ("ssn_dq_dk_refused", "ssn_dq_missing", "ssn_invalid")

        def draw(keys: tuple[str, ...]) -> dict[int, str]:
            sizes = [round(DEFECT_RATES[k] * n) for k in keys]
            chosen = rng.sample(range(n), sum(sizes))
            out, start = {}, 0
            for key, size in zip(keys, sizes, strict=True):
                out.update(dict.fromkeys(chosen[start : start + size], key))
                start += size
            return out

        name_defects, ssn_defects = draw(names), draw(ssns)
        dob_bad = set(rng.sample(range(n), round(DEFECT_RATES["dob_bad"] * n)))
        # Special characters only where names are kept; child veterans only where the DOB is sound
        # (so each defect is found by the query that looks for it).
        named = [
            i
            for i in range(n)
            if name_defects.get(i) not in ("name_dq_dk_refused", "name_dq_missing")
        ]
        special = set(
            rng.sample(named, min(len(named), round(DEFECT_RATES["special_characters"] * n)))
        )
        members = (m for h in households for m in h)
        children = [i for i, m in enumerate(members) if m.age < 18 and i not in dob_bad]
        vets = set(
            rng.sample(children, min(len(children), round(DEFECT_RATES["child_veteran"] * n)))
        )
        hoh = set(
            rng.sample(
                range(len(households)), round(DEFECT_RATES["household_hoh"] * len(households))
            )
        )
        return name_defects, ssn_defects, dob_bad, special, vets, hoh

    # -- clients -------------------------------------------------------------------------------

    async def clients(self, progress: Progress | None) -> None:
        rng = self.rng
        households = self.plan()
        name_d, ssn_d, dob_bad, special, vets, hoh_d = self.pick_defects(households)
        for key in DEFECT_RATES:
            self.populations[key] = 0
        for key in CLIENT_DEFECTS:
            self.populations[key] = self.n
        self.populations["household_hoh"] = len(households)
        with_clients = [a for a in self.agencies if not a.vsp]
        weights = [a.weight for a in with_clients]
        index = 0
        for h_index, members in enumerate(households):
            home = rng.choices(with_clients, weights)[0]
            stays = self.stays(home, with_clients)
            ids = [new_uuid(rng) for _ in members]
            first_entry = stays[0][1]
            rows = [
                self.client(
                    ids[offset],
                    member,
                    index + offset,
                    home,
                    stays,
                    first_entry,
                    name_d,
                    ssn_d,
                    dob_bad,
                    special,
                    vets,
                )
                for offset, member in enumerate(members)
            ]
            self.household_enrollments(ids, members, stays, h_index in hoh_d)
            # Clients go in after their records are drawn, with the time of the last change
            # (policy 303's retention counts from it); COPY still writes the client table first.
            for row in rows:
                row["last_activity_at"] = self.activity.pop(row["id"])
                self.bulk.add(Client, row)
            index += len(members)
            if await self.bulk.maybe_flush() and progress:
                progress(index, self.n)
            await self.bulk.tick()
        await self.bulk.finish()
        if progress:
            progress(self.n, self.n)

    def stays(
        self, home: Agency, agencies: list[Agency]
    ) -> list[tuple[Agency, date, date | None, tuple[uuid.UUID, int, str]]]:
        """A household's stays: (agency, entry, exit or None, project)."""
        rng = self.rng
        count = weighted(rng, ((1, 50), (2, 30), (3, 15), (4, 5)))
        entry = self.window_start + timedelta(days=rng.randint(0, 1050))
        out = []
        for n in range(count):
            agency = (
                home
                if rng.random() < 0.8
                else rng.choice([a for a in agencies if a.coc == home.coc])
            )
            wanted = FIRST_STAY if n == 0 else LATER_STAY
            candidates = [p for p in agency.projects if p[1] in wanted] or agency.projects
            project = rng.choices(candidates, [wanted.get(p[1], 1) for p in candidates])[0]
            median = MEDIAN_LOS.get(project[1], 45)
            los = max(1, min(int(median * math.exp(rng.gauss(0, 0.7))), 2000))
            if project[1] == ES_NBN:
                los = min(los, 120)
            exit_on: date | None = entry + timedelta(days=los)
            last = n == count - 1
            # About a third of last stays are still open (night-by-night stays end: a bed night is
            # recorded for every open night, and HUD exits those without one for 90 days).
            if exit_on >= self.anchor or (last and project[1] != ES_NBN and rng.random() < 0.35):
                exit_on = None
            out.append((agency, entry, exit_on, project))
            if exit_on is None:
                break
            entry = exit_on + timedelta(days=rng.randint(0, 60))
            if entry >= self.anchor:
                break
        return out

    def client(
        self,
        cid: uuid.UUID,
        member: Member,
        i: int,
        home: Agency,
        stays: list[Any],
        first_entry: date,
        name_d: dict[int, str],
        ssn_d: dict[int, str],
        dob_bad: set[int],
        special: set[int],
        vets: set[int],
    ) -> dict[str, Any]:
        rng = self.rng
        first, last, middle = rng.choice(HERBS), rng.choice(COLORS_VEG), None
        if i in special:
            first, last = rng.choice(ODD_FIRST), rng.choice(ODD_LAST)
            self.defects["special_characters"] += 1
        elif rng.random() < 0.3:
            middle = rng.choice(HERBS)[0]
        name_dq = 1
        defect = name_d.get(i)
        if defect == "name_dq_partial":
            name_dq, last = 2, (last[0] if last else None)
        elif defect == "name_dq_dk_refused":
            name_dq, first, middle, last = rng.choice((8, 9)), None, None, None
        elif defect == "name_dq_missing":
            name_dq, first, middle, last = 99, None, None, None
        if defect:
            self.defects[defect] += 1
        ssn, ssn_dq = self.ssn(), 1
        defect = ssn_d.get(i)
        if defect == "ssn_dq_dk_refused":
            ssn, ssn_dq = None, rng.choice((8, 9))
        elif defect == "ssn_dq_missing":
            ssn, ssn_dq = None, 99
        elif defect == "ssn_invalid":
            ssn = (
                rng.choice(("000", "666", f"9{rng.randint(0, 99):02d}"))
                + f"{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
            )
            ssn = rng.choice((ssn, "123456789", "111111111"))
        if defect:
            self.defects[defect] += 1
        dob = first_entry - timedelta(days=int(member.age * 365.25) + rng.randint(0, 364))
        dob_dq = 1 if rng.random() < 0.95 else 2
        if i in dob_bad:
            # Implausible but storable: the API refuses a DOB before 1900 or after today (the anchor).
            dob = (
                date(rng.randint(1900, 1914), rng.randint(1, 12), rng.randint(1, 28))
                if rng.random() < 0.5
                else first_entry
                + timedelta(days=rng.randint(1, min(400, (self.anchor - first_entry).days)))
            )
            dob_dq = 1
            self.defects["dob_bad"] += 1
        sex = weighted(rng, ((1, 55), (0, 44), (8, 0.3), (9, 0.3), (99, 0.4)))
        race: dict[str, int] = {}  # the columns left out are 0 (no)
        race_none = None
        if rng.random() < 0.02:
            race_none = rng.choice((8, 9, 99))
        else:
            for column, rate in (
                ("black_af_american", 0.35),
                ("white", 0.40),
                ("hispanic_latinao", 0.30),
                ("am_ind_ak_native", 0.02),
                ("asian", 0.02),
                ("mid_east_n_african", 0.01),
                ("native_hi_pacific", 0.01),
            ):
                race[column] = 1 if rng.random() < rate else 0
            if not any(race.values()):
                race["white"] = 1
        veteran = 0
        if member.age >= 18:
            veteran = (
                1 if rng.random() < 0.06 else (rng.choice((8, 9, 99)) if rng.random() < 0.01 else 0)
            )
        if i in dob_bad:
            veteran = 0  # a DOB after entry would make an adult veteran look like a child veteran
        if i in vets:
            veteran = 1
            self.defects["child_veteran"] += 1
        town, zip_code = rng.choice(TOWNS[home.can])
        has_contact = member.relationship == 1 and member.age >= 18 and rng.random() < 0.6
        created = self.at(first_entry, 540 + rng.randint(0, 480))
        author = rng.choice(stays[0][0].staff)
        row = {
            "id": cid,
            "first_name": first,
            "middle_name": middle,
            "last_name": last,
            "name_data_quality": name_dq,
            **ssn_columns(ssn),
            "ssn_data_quality": ssn_dq,
            "dob": dob,
            "dob_data_quality": dob_dq,
            **race,
            "race_none": race_none,
            "sex": sex,
            "veteran_status": veteran,
            "phone": f"203555{rng.randint(0, 9999):04d}" if has_contact else None,
            "address_line1": (
                f"{rng.randint(1, 999)} {rng.choice(COLORS_VEG)} St" if has_contact else None
            ),
            "city": town if has_contact else None,
            "state": "CT" if has_contact else None,
            "zip_code": zip_code if has_contact else None,
            "version": 1,
            "created_at": created,
            "updated_at": created,
            "created_by_agency_id": stays[0][0].id,
            "created_by_user_id": author,
            "created_under_can_id": self.can_ids[stays[0][0].can],
        }
        # The rest of the client's elements, drawn as the statewide file draws them.
        hud: dict[str, Any] = {}
        if veteran == 1 and member.age >= 18:
            self.hud.veteran_details(hud, dob.year, first_entry.year)
        other = self.hud.rng
        if other.random() < 0.02:
            hud["NameSuffix"] = other.choice(("Jr", "Sr", "II", "III"))
        if race_none is None and other.random() < 0.08:
            hud["AdditionalRaceEthnicity"] = other.choice(("Puerto Rican", "Dominican", "Haitian"))
        fill(Client, row, hud)
        self.female[cid] = sex == 0
        fields = [
            camel(n)
            for n, v in (
                ("first_name", first),
                ("last_name", last),
                ("ssn", ssn),
                ("dob", dob),
                ("sex", sex),
            )
            if v is not None
        ]
        self.audit(created, author, stays[0][0].id, "CREATE", "Client", cid, cid, fields)
        self.consents(cid, stays)
        self.release(cid, stays[0][0], stays[0][1])
        # A case worker looked the client up recently.
        viewer = rng.choice(stays[-1][0].staff)
        self.audit(
            self.now - timedelta(days=rng.randint(1, 90), minutes=rng.randint(0, 600)),
            viewer,
            stays[-1][0].id,
            "VIEW",
            "Client",
            cid,
            cid,
            ["firstName", "lastName", "dob"],
        )
        return row

    def ssn(self) -> str:
        rng = self.rng
        area = rng.randint(1, 899)
        while area == 666:
            area = rng.randint(1, 899)
        return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
