"""A statewide HUD HMIS CSV file as another vendor's system writes it, for the migration tests
and the benchmark: ``write_statewide_zip`` (a library function) and
``python -m devdata.statewide OUT.zip`` (the command line).

The zip is written directly, never through Hearth's database or exporter, so that it can be an
oracle for Hearth's import and export rather than a copy of them (decision 152). It holds all 24
FY2026 files with every column populated somewhere: several organizations (one a victim service
provider, with a project but no client data), their projects with funders, CoCs, bed inventory,
affiliations, HMIS and coordinated entry participation, users, and households of clients with
their enrollments, exits and every record the projects' funders collect (PATH, RHY, SSVF, HOPWA,
HUD-VASH, YHDP). About one person in eighteen is enrolled at two organizations under the same
PersonalID. Defects are injected at the rates of ``devdata.plan.DEFECT_RATES``; one row in a
hundred of each file is soft-deleted (DateDeleted), and every file has at least one.

Variants other systems write (``Variant``): dd-mm-yy date columns, fields quoted only where
needed, a byte order mark, FY2024 column names. One ``random.Random(seed)`` draws everything in
a fixed order, ids are counters and the zip's timestamps are the anchor's: the same arguments
give the same bytes. Rows stream to one temporary CSV per file, so memory does not grow with the
number of clients.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from devdata.households import households
from devdata.hudclient import ClientRows
from devdata.hudprogram import Person, Program, Stay
from devdata.hudprojects import ProjectRows
from devdata.plan import (
    AGENCIES,
    COLORS_VEG,
    ES_EE,
    ES_NBN,
    FIRST_STAY,
    FUNDERS,
    HERBS,
    LATER_STAY,
    MEDIAN_LOS,
    PROJECTS,
    PSH,
    RRH,
    Member,
)
from devdata.state import weighted
from services.hudcsv.columns import FILES, columns

__all__ = ["DMY_COLUMNS", "StatewideSummary", "Variant", "write_statewide_zip"]

# The date column a vendor wrote as dd-mm-yy in the migration that found the day/month swap.
DMY_COLUMNS = ("Exit.ExitDate",)
SOURCE_SOFTWARE = "Lighthouse Case Manager"
# Files whose rows others point at: a deleted row there is an extra one nothing points at.
PARENTS = frozenset({"Organization", "User", "Project", "Client", "Enrollment", "Assessment"})
# FY2024's columns where FY2026 differs (hud-data-standards.md 1.1).
FY2024_RENAMED = {"Client": {"HispanicLatinao": "HispanicLatinaeo"}}
FY2024_DROPPED = {"Client": {"Sex"}, "Enrollment": {"MentalHealthConsultation"}}
FY2024_ADDED = {
    "Client": (
        "AdditionalRaceEthnicity",
        (
            "Woman",
            "Man",
            "NonBinary",
            "CulturallySpecific",
            "Transgender",
            "Questioning",
            "DifferentIdentity",
            "GenderNone",
            "DifferentIdentityText",
        ),
    ),
    "Enrollment": ("RunawayYouth", ("SexualOrientation", "SexualOrientationOther")),
}
FY2024_TAIL = {
    "Enrollment": ("TranslationNeeded", "PreferredLanguage", "PreferredLanguageDifferent")
}


@dataclass(frozen=True, slots=True)
class Variant:
    """How the other system writes its CSV."""

    # "File.Column" date columns written dd-mm-yy (e.g. DMY_COLUMNS); the others yyyy-mm-dd
    dmy: frozenset[str] = frozenset()
    quoted: bool = True  # every field quoted (False: only fields that need it)
    bom: bool = False  # each CSV starts with a UTF-8 byte order mark
    fy2024: bool = False  # FY2024 column names and CSVVersion
    deleted: bool = True  # about 1% soft-deleted rows
    # the victim service provider's organization (with a project, no client data)
    victim_service_provider: bool = True


@dataclass(slots=True)
class StatewideSummary:
    path: str
    clients: int
    seed: int
    anchor: date
    export_id: str
    organizations: int
    projects: int
    people_at_two_organizations: int
    rows: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    defects: dict[str, int] = field(default_factory=dict)
    populations: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _cell(value: Any) -> str:
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return str(value)
    if kind is date:
        return value.isoformat()  # type: ignore[no-any-return]
    if kind is datetime:
        return value.strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[no-any-return]
    if kind is Decimal:
        return f"{value:.2f}"
    return str(value)


def _dmy(value: Any) -> str:
    return value.strftime("%d-%m-%y") if isinstance(value, date) else _cell(value)


class _Sink:
    """One file's rows, streamed to a temporary CSV in the variant's dialect."""

    def __init__(self, file: str, folder: Path, variant: Variant) -> None:
        self.file = file
        self.path = folder / f"{file}.csv"
        self.handle: IO[str] = self.path.open(
            "w", newline="", encoding="utf-8-sig" if variant.bom else "utf-8"
        )
        self.writer = csv.writer(
            self.handle, quoting=csv.QUOTE_ALL if variant.quoted else csv.QUOTE_MINIMAL
        )
        names = [c.name for c in columns(file)]
        if variant.fy2024:
            names = [n for n in names if n not in FY2024_DROPPED.get(file, set())]
            if file in FY2024_ADDED:
                after, added = FY2024_ADDED[file]
                at = names.index(after) + 1
                names[at:at] = added
            if file in FY2024_TAIL:
                at = names.index("DateCreated")
                names[at:at] = FY2024_TAIL[file]
        self.columns = tuple(names)
        header = [FY2024_RENAMED.get(file, {}).get(n, n) if variant.fy2024 else n for n in names]
        self.writer.writerow(header)
        self.format = tuple(_dmy if f"{file}.{n}" in variant.dmy else _cell for n in self.columns)
        self.rows = 0
        self.deleted = 0

    def write(self, row: dict[str, Any]) -> None:
        get = row.get
        self.writer.writerow([f(get(n)) for n, f in zip(self.columns, self.format, strict=True)])
        self.rows += 1


class Statewide(ClientRows, ProjectRows):
    def __init__(
        self, *, clients: int, seed: int, anchor: date, variant: Variant, folder: Path
    ) -> None:
        self.n = clients
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by design)
        self.anchor = anchor
        self.variant = variant
        self.window_start = anchor - timedelta(days=1095)
        self.exported = datetime.combine(anchor, dtime(14, 0))
        self.export_id = f"LCM-{seed}-{anchor:%Y%m%d}"
        self.defects: dict[str, int] = {}
        self.populations: dict[str, int] = {}
        self.sinks = {f: _Sink(f, folder, variant) for f in FILES}
        self.ids: dict[str, int] = {}
        self.last: dict[str, tuple[dict[str, Any], datetime, str]] = {}
        self.staff: dict[str, list[str]] = {}
        self.programs: list[Program] = []
        self.orgs: list[tuple[str, str, int, bool]] = []  # id, name, weight, victim service
        self.people_orgs: int = 0

    # -- the shared machinery ----------------------------------------------------------------

    def new_id(self, file: str) -> str:
        n = self.ids.get(file, 0) + 1
        self.ids[file] = n
        return str(n)

    def at(self, day: date, minutes: int | None = None) -> datetime:
        if minutes is None:
            minutes = 480 + self.rng.randint(0, 600)
        moment = datetime.combine(day, dtime(0, 0)) + timedelta(minutes=minutes)
        return min(moment, self.exported - timedelta(minutes=5))

    def emit(self, file: str, row: dict[str, Any], created: datetime, user: str) -> None:
        rng = self.rng
        sink = self.sinks[file]
        updated = created
        if rng.random() < 0.25:
            updated = min(
                created + timedelta(days=rng.randint(0, 200), minutes=rng.randint(1, 600)),
                self.exported - timedelta(minutes=1),
            )
        row["DateCreated"] = created
        row["DateUpdated"] = updated
        if file != "User":
            row["UserID"] = user
        row["ExportID"] = self.export_id
        if self.variant.fy2024:
            _fy2024_values(file, row)
        self.last[file] = (row, created, user)
        if self.variant.deleted and file not in PARENTS and sink.rows % 100 == 49:
            row["DateDeleted"] = min(updated + timedelta(days=rng.randint(0, 30)), self.exported)
            sink.deleted += 1
        sink.write(row)

    def _deleted_copies(self) -> None:
        """An extra, soft-deleted row in every file that has none (entered in error)."""
        for file, sink in self.sinks.items():
            if file == "Export" or sink.deleted or file not in self.last:
                continue
            row, created, _user = self.last[file]
            copy = dict(row)
            key = columns(file)[0].name
            copy[key] = self.new_id(file)
            name = {"Project": "ProjectName", "Organization": "OrganizationName"}.get(file)
            if name:
                copy[name] = f"{row[name]} (entered in error)"
            copy["DateDeleted"] = min(created + timedelta(days=1), self.exported)
            sink.deleted += 1
            sink.write(copy)

    # -- reference files ---------------------------------------------------------------------

    def structure(self) -> None:
        rng = self.rng
        founded = self.anchor - timedelta(days=1800)
        created = self.at(founded)
        self.emit(
            "Export",
            {
                "ExportID": self.export_id,
                "SourceType": 1,
                "SourceID": "CT-503;CT-505",
                "SourceName": "Connecticut Statewide HMIS",
                "SourceContactFirst": "Juniper",
                "SourceContactLast": "Ochre",
                "SourceContactPhone": "8605550100",
                "SourceContactExtension": "204",
                "SourceContactEmail": "hmis.lead@example.org",
                "ExportDate": self.exported,
                "ExportStartDate": self.window_start,
                "ExportEndDate": self.anchor,
                "SoftwareName": SOURCE_SOFTWARE,
                "SoftwareVersion": f"9.4 (synthetic, seed {self.seed})",
                "CSVVersion": "2024 v1.5" if self.variant.fy2024 else "2026 v1.3",
                "ExportPeriodType": 3,
                "ExportDirective": 2,
                "HashStatus": 1,
                "ImplementationID": f"lighthouse-ct-{self.seed}",
            },
            created,
            "",
        )
        org_ids: list[str | None] = []
        for slug, name, _, weight, vsp, _ in AGENCIES:
            if vsp and not self.variant.victim_service_provider:
                org_ids.append(None)
                continue
            oid = self.new_id("Organization")
            org_ids.append(oid)
            self.orgs.append((oid, name, weight, vsp))
            staff = []
            for k in range(5 if not vsp else 2):
                uid = self.new_id("User")
                staff.append(uid)
                first, last = rng.choice(HERBS), rng.choice(COLORS_VEG)
                self.emit(
                    "User",
                    {
                        "UserID": uid,
                        "UserFirstName": first,
                        "UserLastName": last,
                        "UserPhone": f"203555{rng.randint(0, 9999):04d}",
                        "UserExtension": str(rng.randint(100, 999)) if k % 2 else None,
                        "UserEmail": f"{first}.{last}{uid}@{slug}.example.org".lower(),
                    },
                    created,
                    "",
                )
            self.staff[oid] = staff
            self.emit(
                "Organization",
                {
                    "OrganizationID": oid,
                    "OrganizationName": name,
                    "VictimServiceProvider": int(vsp),
                    "OrganizationCommonName": name.split()[0] if rng.random() < 0.6 else None,
                },
                created,
                staff[0],
            )
        for (index, ptype, name), funders in zip(PROJECTS, FUNDERS, strict=True):
            oid = org_ids[index]
            if oid is None:
                continue
            coc = _coc(index)
            program = Program(self.new_id("Project"), oid, name, ptype, coc, funders)
            self.programs.append(program)
            self.project(
                program,
                can=AGENCIES[index][2],
                vsp=AGENCIES[index][4],
                user=self.staff[oid][0],
                founded=founded,
                created=created,
            )
        sound_shore = org_ids[2]
        assert sound_shore is not None
        # A project that closed early in the window, with no clients of this export.
        closed = Program(
            self.new_id("Project"), sound_shore, "Sound Shore Hotel Program", ES_EE, "CT-505", (8,)
        )
        self.project(
            closed,
            can=1,
            vsp=False,
            user=self.staff[sound_shore][0],
            founded=founded,
            created=created,
            ended=self.window_start + timedelta(days=60),
        )
        by_name = {p.name: p for p in self.programs}
        for source, target in (
            ("Elm City Rapid Rehousing", "Elm City Transitional Living"),
            ("Elm City Rapid Rehousing", "Capitol Region PSH"),
            ("Riverbend Services Only", "Capitol Region Shelter"),
        ):
            self.emit(
                "Affiliation",
                {
                    "AffiliationID": self.new_id("Affiliation"),
                    "ProjectID": by_name[source].id,
                    "ResProjectID": by_name[target].id,
                },
                created,
                self.staff[by_name[source].org][0],
            )

    # -- households --------------------------------------------------------------------------

    def people(self) -> None:
        rng = self.rng
        with_clients = [o for o in self.orgs if not o[3]]
        weights = [o[2] for o in with_clients]
        programs_of: dict[str, list[Program]] = {}
        for p in self.programs:
            programs_of.setdefault(p.org, []).append(p)
        hoh_defects = 0
        serving = {
            trait: [o[0] for o in with_clients if any(test(p) for p in programs_of[o[0]])]
            for trait, test in (
                ("youth", lambda p: p.rhy),
                ("veteran", lambda p: p.ssvf or p.vash),
                ("hiv", lambda p: p.hopwa),
            )
        }
        for members in households(rng, self.n):
            home = rng.choices(with_clients, weights)[0][0]
            people = [self._person(m) for m in members]
            head = people[0]
            youth = head.age < 25
            # Most people a program serves come to an organization that runs one.
            for trait, wanted in (("youth", youth), ("veteran", head.veteran), ("hiv", head.hiv)):
                if wanted and home not in serving[trait] and rng.random() < 0.7:
                    home = rng.choice(serving[trait])
            stays = self._stays(home, with_clients, weights, programs_of, head, youth)
            first_entry = stays[0].entry
            for person in people:
                person.dob = first_entry - timedelta(
                    days=int(person.age * 365.25) + rng.randint(0, 364)
                )
            defect = self.count("household_hoh", rng.random() < 0.005)
            for person in people:
                self.client(person, first_entry, stays[0].user)
            for s_index, stay in enumerate(stays):
                household = self.new_id("Household")
                move_in = None
                if stay.program.type in (PSH, RRH):
                    candidate = stay.entry + timedelta(days=rng.randint(0, 90))
                    if candidate < (stay.exit or self.anchor):
                        move_in = candidate
                for m_index, person in enumerate(people):
                    person.orgs.add(stay.program.org)
                    relationship = person.relationship
                    if defect and s_index == 0:
                        if len(people) == 1:
                            relationship = 99
                        elif m_index == 1:
                            relationship = 1
                    self.enrollment(person, stay, household, relationship, move_in)
                if s_index == 0:
                    for person in people:
                        if self.count("overlapping_enrollment", rng.random() < 0.005):
                            short = stay.exit is not None and (stay.exit - stay.entry).days <= 3
                            second = (
                                stay.entry
                                if short
                                else stay.entry + timedelta(days=rng.randint(1, 3))
                            )
                            again = Stay(
                                stay.program, min(second, self.anchor), stay.exit, stay.user
                            )
                            self.enrollment(
                                person, again, self.new_id("Household"), 1, None, plain=True
                            )
            hoh_defects += defect
            self.people_orgs += sum(1 for p in people if len(p.orgs) > 1)

    def _person(self, member: Member) -> Person:
        rng = self.rng
        adult = member.age >= 18
        female = rng.random() < (0.44 if member.relationship == 1 else 0.5)
        return Person(
            pid=self.new_id("Client"),
            age=member.age,
            relationship=member.relationship,
            dob=self.anchor,
            female=female,
            veteran=adult and rng.random() < 0.06,
            hiv=adult and rng.random() < 0.03,
        )

    def _stays(
        self,
        home: str,
        orgs: list[tuple[str, str, int, bool]],
        weights: list[int],
        programs_of: dict[str, list[Program]],
        head: Person,
        youth: bool,
    ) -> list[Stay]:
        rng = self.rng
        count = weighted(rng, ((1, 50), (2, 30), (3, 15), (4, 5)))
        entry = self.window_start + timedelta(days=rng.randint(0, 1050))
        out: list[Stay] = []
        for n in range(count):
            org = home
            if n and rng.random() < 0.11:
                org = rng.choices(orgs, weights)[0][0]
            wanted = FIRST_STAY if n == 0 else LATER_STAY
            candidates = programs_of[org]
            scores = []
            for p in candidates:
                score = wanted.get(p.type, 0.2)
                if (
                    (youth and p.rhy)
                    or (head.veteran and (p.ssvf or p.vash))
                    or (head.hiv and p.hopwa)
                ):
                    score += 30
                elif (p.rhy and not youth) or ((p.ssvf or p.vash) and not head.veteran):
                    score = 0.05
                scores.append(score)
            program = rng.choices(candidates, scores)[0]
            # HUD-VASH case management ends sooner than a PSH tenancy: some exits in three years.
            median = 400 if program.vash else MEDIAN_LOS.get(program.type, 45)
            los = max(1, min(int(median * math.exp(rng.gauss(0, 0.7))), 2000))
            if program.type == ES_NBN:
                los = min(los, 120)
            exit_on: date | None = entry + timedelta(days=los)
            last = n == count - 1
            if exit_on is not None and (
                exit_on >= self.anchor or (last and program.type != ES_NBN and rng.random() < 0.35)
            ):
                exit_on = None
            out.append(Stay(program, entry, exit_on, rng.choice(self.staff[program.org])))
            if exit_on is None:
                break
            entry = exit_on + timedelta(days=rng.randint(0, 60))
            if entry >= self.anchor:
                break
        return out

    def finish(self, out: Path) -> None:
        if self.variant.deleted:
            self._deleted_copies()
        stamp = (self.anchor.year, self.anchor.month, self.anchor.day, 14, 0, 0)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for file in FILES:
                sink = self.sinks[file]
                sink.handle.close()
                info = zipfile.ZipInfo(f"{file}.csv", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                with sink.path.open("rb") as source, archive.open(info, "w") as target:
                    shutil.copyfileobj(source, target, 1 << 20)


def _coc(project_index: int) -> str:
    return "CT-505" if AGENCIES[project_index][2] in (0, 1) else "CT-503"


def _fy2024_values(file: str, row: dict[str, Any]) -> None:
    """The FY2024 columns of a row drawn for FY2026 (gender from sex; the rest blank)."""
    if file == "Client":
        sex = row.get("Sex")
        row["Woman"] = int(sex == 0)
        row["Man"] = int(sex == 1)
        for column in (
            "NonBinary",
            "CulturallySpecific",
            "Transgender",
            "Questioning",
            "DifferentIdentity",
        ):
            row[column] = 0
        row["GenderNone"] = 99 if sex is None else None
    elif file == "Enrollment" and row.get("RunawayYouth") is not None:
        row["SexualOrientation"] = 1
        row["TranslationNeeded"] = 0


def write_statewide_zip(
    out: Path,
    *,
    clients: int,
    seed: int = 1,
    anchor: date = date(2026, 3, 2),
    variant: Variant = Variant(),
) -> StatewideSummary:
    """Write the statewide HUD CSV zip to ``out`` (see the module docstring); what it holds."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hearth-statewide-") as folder:
        state = Statewide(
            clients=clients, seed=seed, anchor=anchor, variant=variant, folder=Path(folder)
        )
        try:
            state.structure()
            state.people()
            state.finish(out)
        finally:
            for sink in state.sinks.values():
                sink.handle.close()
    return StatewideSummary(
        path=str(out),
        clients=clients,
        seed=seed,
        anchor=anchor,
        export_id=state.export_id,
        organizations=len(state.orgs),
        projects=len(state.programs) + 1,
        people_at_two_organizations=state.people_orgs,
        rows={f: s.rows for f, s in state.sinks.items()},
        deleted={f: s.deleted for f, s in state.sinks.items()},
        defects=dict(state.defects),
        populations=dict(state.populations),
        seconds=round(time.perf_counter() - started, 2),
    )


def _variant(args: argparse.Namespace) -> Variant:
    return Variant(
        dmy=frozenset(args.dmy or ()),
        quoted=not args.unquoted,
        bom=args.bom,
        fy2024=args.fy2024,
        deleted=not args.no_deleted,
        victim_service_provider=not args.no_victim_service_provider,
    )


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m devdata.statewide",
        description="Write a synthetic statewide HUD HMIS CSV zip (FY2026) as another vendor's system would.",
    )
    parser.add_argument("out", type=Path, help="the zip to write")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--anchor",
        type=date.fromisoformat,
        default=date(2026, 3, 2),
        help="the export's end date, YYYY-MM-DD",
    )
    parser.add_argument(
        "--dmy",
        action="append",
        metavar="FILE.COLUMN",
        help=f"a date column written dd-mm-yy (repeatable; e.g. {DMY_COLUMNS[0]})",
    )
    parser.add_argument("--unquoted", action="store_true", help="quote fields only where needed")
    parser.add_argument(
        "--bom", action="store_true", help="start each CSV with a UTF-8 byte order mark"
    )
    parser.add_argument("--fy2024", action="store_true", help="FY2024 column names")
    parser.add_argument("--no-deleted", action="store_true", help="no soft-deleted rows")
    parser.add_argument(
        "--no-victim-service-provider",
        action="store_true",
        help="leave out the victim service provider's organization and project",
    )
    args = parser.parse_args(None if argv is None else list(argv))
    summary = write_statewide_zip(
        args.out, clients=args.clients, seed=args.seed, anchor=args.anchor, variant=_variant(args)
    )
    print(json.dumps(asdict(summary), default=str))


if __name__ == "__main__":
    main()
