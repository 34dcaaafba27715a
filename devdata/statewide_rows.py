"""The statewide file's client-level rows: a client, each enrollment and everything recorded
during it (exit, income and benefits, disabilities, health and DV, employment and education,
youth education, services, current living situations, coordinated entry assessments and
events), with the program-specific elements only where the project's funders collect them.

Rows are dicts keyed by HUD CSV column; ``StatewideState.emit`` adds the trailer and writes them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from devdata.hudcodes import VAMC_STATIONS, draw, missing_or, pick, yes
from devdata.plan import (
    CE,
    COLORS_VEG,
    DAY,
    DEFECT_RATES,
    DESTINATIONS,
    DISABILITY_TYPES,
    ES_EE,
    ES_NBN,
    HERBS,
    HP,
    LIVING,
    ODD_FIRST,
    ODD_LAST,
    ONE_DAY,
    PSH,
    RRH,
    SO,
    SSO,
    TH,
)
from devdata.state import weighted

__all__ = ["Person", "Program", "StatewideRecords", "StatewideState", "Stay"]

PATH_FUNDERS = frozenset({21})
RHY_FUNDERS = frozenset({22, 23, 24, 25, 26})
SSVF_FUNDERS = frozenset({33})
HOPWA_FUNDERS = frozenset({13, 14, 15, 16, 17, 18, 19, 48})
VASH_FUNDERS = frozenset({20})
YHDP_FUNDERS = frozenset({43})
COC_PSH_FUNDERS = frozenset({2})
PH_TYPES = frozenset({PSH, RRH, 9, 10})

INCOME = (
    ("Earned", 0.22, 400, 2400),
    ("Unemployment", 0.03, 300, 1800),
    ("SSI", 0.12, 900, 967),
    ("SSDI", 0.10, 800, 1900),
    ("VADisabilityService", 0.01, 500, 3500),
    ("VADisabilityNonService", 0.01, 500, 1500),
    ("PrivateDisability", 0.005, 400, 2000),
    ("WorkersComp", 0.005, 300, 1500),
    ("TANF", 0.05, 300, 800),
    ("GA", 0.03, 200, 300),
    ("SocSecRetirement", 0.04, 700, 1800),
    ("Pension", 0.01, 300, 2000),
    ("ChildSupport", 0.03, 100, 800),
    ("Alimony", 0.003, 200, 900),
    ("OtherIncomeSource", 0.02, 50, 500),
)
AMOUNT = {
    "OtherIncomeSource": "OtherIncomeAmount",
}
BENEFITS = (
    ("SNAP", 0.55),
    ("WIC", 0.06),
    ("TANFChildCare", 0.02),
    ("TANFTransportation", 0.02),
    ("OtherTANF", 0.02),
    ("OtherBenefitsSource", 0.03),
)
INSURANCE = (
    ("Medicaid", "NoMedicaidReason", 0.65),
    ("Medicare", "NoMedicareReason", 0.10),
    ("SCHIP", "NoSCHIPReason", 0.02),
    ("VHAServices", "NoVHAReason", 0.03),
    ("EmployerProvided", "NoEmployerProvidedReason", 0.04),
    ("COBRA", "NoCOBRAReason", 0.005),
    ("PrivatePay", "NoPrivatePayReason", 0.03),
    ("StateHealthIns", "NoStateHealthInsReason", 0.04),
    ("IndianHealthServices", "NoIndianHealthServicesReason", 0.003),
)
ASSESSMENT_QUESTIONS = (
    ("Housing history", "Where did you sleep last night?"),
    ("Housing history", "How long have you been without stable housing?"),
    ("Safety", "Are you fleeing domestic violence?"),
    ("Health", "Do you have a chronic health condition?"),
    ("Income", "Do you have any income right now?"),
    ("Household", "How many people are in your household?"),
    ("Wellness", "Have you been to the emergency room in the last six months?"),
)
ANSWERS = ("Yes", "No", "Outside, near the station", "About 8 months", "Two", "Declined", "Unsure")
RESULT_TYPES = (("Priority score", 1, 17), ("VI-SPDAT total", 0, 20), ("Acuity", 1, 4))
TOWNS = (
    ("Bridgeport", "06604"),
    ("Hartford", "06103"),
    ("New Haven", "06510"),
    ("Stamford", "06901"),
    ("Norwich", "06360"),
    ("Waterbury", "06702"),
)
VERIFIERS = ("Outreach worker", "Shelter staff", "Coordinated entry navigator", "Police officer")
LOCATIONS = (
    "Under the I-95 overpass",
    "Behind the library",
    "Car in the Walmart lot",
    "Tent by the river trail",
    "Bus station",
)
OTHER_TEXT = ("Lottery winnings", "Gift from family", "Odd jobs", "Plasma donation")


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


class StatewideState:
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


class StatewideRecords(StatewideState):
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

    def client(self, person: Person, first_entry: date, user: str) -> None:
        rng = self.rng
        first, last = rng.choice(HERBS), rng.choice(COLORS_VEG)
        middle = rng.choice(HERBS) if rng.random() < 0.3 else None
        if self.count("special_characters", rng.random() < DEFECT_RATES["special_characters"]):
            first, last = rng.choice(ODD_FIRST), rng.choice(ODD_LAST)
        suffix = (
            pick(rng, (("Jr", 50), ("Sr", 20), ("III", 15), ("II", 15)))
            if rng.random() < 0.02
            else None
        )
        name_dq = 1
        defect = self.one_of(("name_dq_partial", "name_dq_dk_refused", "name_dq_missing"))
        if defect == "name_dq_partial":
            name_dq, last = 2, last[0]
        elif defect:
            name_dq = 99 if defect == "name_dq_missing" else rng.choice((8, 9))
            first = middle = last = suffix = None
        valid = self.ssn()
        ssn: str | None = valid
        ssn_dq = 1
        defect = self.one_of(("ssn_dq_dk_refused", "ssn_dq_missing", "ssn_invalid"))
        if defect == "ssn_dq_dk_refused":
            ssn, ssn_dq = None, rng.choice((8, 9))
        elif defect == "ssn_dq_missing":
            ssn, ssn_dq = None, 99
        elif defect == "ssn_invalid":
            ssn = (
                rng.choice(("000", "666", "912")) + valid[3:]
                if rng.random() < 0.6
                else rng.choice(("123456789", "111111111"))
            )
        elif rng.random() < 0.03:
            ssn, ssn_dq = "xxxxx" + valid[5:], 2  # the last four only
        dob: date | None = person.dob
        dob_dq = 1 if rng.random() < 0.95 else 2
        if self.count("dob_bad", rng.random() < DEFECT_RATES["dob_bad"]):
            dob = date(rng.randint(1900, 1914), rng.randint(1, 12), rng.randint(1, 28))
        elif rng.random() < 0.01:
            dob, dob_dq = None, rng.choice((8, 9, 99))
        race = {
            "AmIndAKNative": 0.02,
            "Asian": 0.02,
            "BlackAfAmerican": 0.35,
            "HispanicLatinao": 0.30,
            "MidEastNAfrican": 0.01,
            "NativeHIPacific": 0.01,
            "White": 0.40,
        }
        row: dict[str, Any] = {
            "PersonalID": person.pid,
            "FirstName": first,
            "MiddleName": middle,
            "LastName": last,
            "NameSuffix": suffix,
            "NameDataQuality": name_dq,
            "SSN": ssn,
            "SSNDataQuality": ssn_dq,
            "DOB": dob,
            "DOBDataQuality": dob_dq,
            "Sex": 0 if person.female and rng.random() > 0.006 else draw(rng, "Sex"),
        }
        if rng.random() < 0.02:
            row.update(dict.fromkeys(race, 0))
            row["RaceNone"] = rng.choice((8, 9, 99))
        else:
            flags = {k: int(rng.random() < v) for k, v in race.items()}
            if not any(flags.values()):
                flags["White"] = 1
            row.update(flags)
            if rng.random() < 0.08:
                row["AdditionalRaceEthnicity"] = rng.choice(
                    (
                        "Puerto Rican",
                        "Dominican",
                        "Haitian",
                        "Jamaican",
                        "Cape Verdean",
                        "Brazilian",
                    )
                )
        adult = person.age >= 18
        veteran = 1 if person.veteran else (missing_or(rng, 0, 0.015) if adult else 0)
        if not adult and self.count(
            "child_veteran", rng.random() < DEFECT_RATES["child_veteran"] * 4
        ):
            veteran = 1
        row["VeteranStatus"] = veteran
        if veteran == 1 and adult:
            born = (dob or person.dob).year
            entered = min(born + rng.randint(18, 26), first_entry.year - 1)
            row["YearEnteredService"] = entered
            row["YearSeparated"] = min(entered + rng.randint(2, 20), first_entry.year)
            wars = {
                "WorldWarII": (1941, 1945),
                "KoreanWar": (1950, 1953),
                "VietnamWar": (1961, 1975),
                "DesertStorm": (1990, 1991),
                "AfghanistanOEF": (2001, 2014),
                "IraqOIF": (2003, 2010),
                "IraqOND": (2010, 2011),
            }
            for column, (start, end) in wars.items():
                served = entered <= end and row["YearSeparated"] >= start
                row[column] = (
                    (1 if rng.random() < 0.6 else 0) if served else missing_or(rng, 0, 0.01)
                )
            row["OtherTheater"] = yes(rng, 0.08)
            row["MilitaryBranch"] = draw(rng, "MilitaryBranch")
            row["DischargeStatus"] = draw(rng, "DischargeStatus")
        self.emit("Client", row, self.at(first_entry), user)

    def ssn(self) -> str:
        rng = self.rng
        area = rng.randint(1, 899)
        while area == 666:
            area = rng.randint(1, 899)
        return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"

    # -- enrollment ---------------------------------------------------------------------------

    def enrollment(
        self,
        person: Person,
        stay: Stay,
        household: str,
        relationship: int,
        move_in: date | None,
        *,
        plain: bool = False,
    ) -> str:
        """The enrollment and its records; its id."""
        rng, p = self.rng, stay.program
        eid = self.new_id("Enrollment")
        age = max(0, (stay.entry - person.dob).days // 365)
        adult = age >= 18 or relationship == 1
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
        created = self.at(min(stay.entry + timedelta(days=lag), self.anchor))
        coc: str | None = p.coc
        if (
            relationship == 1
            and not plain
            and self.count(
                "null_enrollment_coc", rng.random() < DEFECT_RATES["null_enrollment_coc"]
            )
        ):
            coc = None
        row: dict[str, Any] = {
            "EnrollmentID": eid,
            "PersonalID": person.pid,
            "ProjectID": p.id,
            "EntryDate": stay.entry,
            "HouseholdID": household,
            "RelationshipToHoH": relationship,
            "EnrollmentCoC": coc,
            "DisablingCondition": 0,
        }
        disabling = 0
        if adult:
            living = weighted(rng, LIVING)
            row["LivingSituation"] = living
            if living == 435:
                row["RentalSubsidyType"] = draw(rng, "RentalSubsidyType")
            los = draw(rng, "LengthOfStay")
            row["LengthOfStay"] = los
            if living >= 200 or living in (8, 9, 99):
                row["LOSUnderThreshold"] = rng.choice((0, 1)) if los in (10, 11, 2, 3) else 0
                row["PreviousStreetESSH"] = rng.choice((0, 1)) if row["LOSUnderThreshold"] else None
            street = living < 200 or row.get("PreviousStreetESSH") == 1
            if street:
                row["DateToStreetESSH"] = stay.entry - timedelta(
                    days=rng.randint(400, 1500) if rng.random() < 0.2 else rng.randint(0, 364)
                )
                times, months = draw(rng, "TimesHomeless"), rng.randint(101, 113)
                if not plain and self.count(
                    "missing_times_months_homeless",
                    rng.random() < DEFECT_RATES["missing_times_months_homeless"],
                ):
                    times = months = None
                row["TimesHomelessPastThreeYears"] = times
                row["MonthsHomelessPastThreeYears"] = (
                    missing_or(rng, months) if months is not None else None
                )
            disabling = yes(rng, 0.35 if not person.hiv else 1.0)
            row["DisablingCondition"] = disabling
        elif rng.random() < 0.08:
            disabling = 1
            row["DisablingCondition"] = 1
        if p.type in (SO, ES_NBN) and rng.random() < 0.8:
            row["DateOfEngagement"] = min(
                stay.entry + timedelta(days=rng.randint(0, 30)), stay.exit or self.anchor
            )
        row["MoveInDate"] = move_in
        if p.path and adult:
            status = min(stay.entry + timedelta(days=rng.randint(0, 20)), stay.exit or self.anchor)
            row["DateOfPATHStatus"] = status
            enrolled = 1 if rng.random() < 0.7 else 0
            row["ClientEnrolledInPATH"] = enrolled
            if not enrolled:
                row["ReasonNotEnrolled"] = draw(rng, "ReasonNotEnrolled")
        if p.ssvf or p.vash:
            row["PercentAMI"] = draw(rng, "PercentAMI")
            row["VAMCStation"] = pick(rng, VAMC_STATIONS)
            row["MentalHealthConsultation"] = yes(rng, 0.3)
        if p.ssvf and p.type == HP and relationship == 1:
            self.hp_targeting(row, rng)
        if p.rhy:
            self.rhy_entry(row, rng, stay)
        self.emit("Enrollment", row, created, stay.user)
        self.records(person, stay, eid, adult, relationship, disabling, created, plain)
        return eid

    @staticmethod
    def hp_targeting(row: dict[str, Any], rng: random.Random) -> None:
        """V7: the SSVF prevention screening (heads of household)."""
        row["TargetScreenReqd"] = 1 if rng.random() < 0.8 else 0
        if not row["TargetScreenReqd"]:
            return
        row["TimeToHousingLoss"] = draw(rng, "TimeToHousingLoss")
        row["AnnualPercentAMI"] = draw(rng, "AnnualPercentAMI")
        row["LiteralHomelessHistory"] = draw(rng, "LiteralHomelessHistory")
        row["ClientLeaseholder"] = rng.choice((0, 1))
        row["HOHLeaseholder"] = rng.choice((0, 1))
        row["SubsidyAtRisk"] = int(rng.random() < 0.2)
        row["EvictionHistory"] = draw(rng, "EvictionHistory")
        row["CriminalRecord"] = int(rng.random() < 0.25)
        row["IncarceratedAdult"] = draw(rng, "IncarceratedAdult")
        row["PrisonDischarge"] = int(rng.random() < 0.05)
        row["SexOffender"] = int(rng.random() < 0.02)
        row["DisabledHoH"] = int(rng.random() < 0.4)
        row["CurrentPregnant"] = int(rng.random() < 0.04)
        row["SingleParent"] = int(rng.random() < 0.2)
        row["DependentUnder6"] = draw(rng, "DependentUnder6")
        row["HH5Plus"] = int(rng.random() < 0.08)
        row["CoCPrioritized"] = int(rng.random() < 0.3)
        row["HPScreeningScore"] = rng.randint(5, 40)
        row["ThresholdScore"] = 20

    def rhy_entry(self, row: dict[str, Any], rng: random.Random, stay: Stay) -> None:
        """R1-R3, R11, R13: referral source, BCP status, runaway youth, wards, family issues."""
        source = draw(rng, "ReferralSource")
        row["ReferralSource"] = source
        if source == 7:
            row["CountOutreachReferralApproaches"] = rng.randint(1, 12)
        if stay.program.type == ES_EE or rng.random() < 0.6:
            row["DateOfBCPStatus"] = min(
                stay.entry + timedelta(days=rng.randint(0, 3)), stay.exit or self.anchor
            )
            row["EligibleForRHY"] = 1 if rng.random() < 0.9 else 0
            if not row["EligibleForRHY"]:
                row["ReasonNoServices"] = draw(rng, "ReasonNoServices")
        row["RunawayYouth"] = yes(rng, 0.3)
        for ward, years, months in (
            ("FormerWardChildWelfare", "ChildWelfareYears", "ChildWelfareMonths"),
            ("FormerWardJuvenileJustice", "JuvenileJusticeYears", "JuvenileJusticeMonths"),
        ):
            row[ward] = yes(rng, 0.25)
            if row[ward] == 1:
                row[years] = draw(rng, "WelfareYears")
                row[months] = rng.randint(0, 11)
        for column, rate in (
            ("UnemploymentFam", 0.35),
            ("MentalHealthDisorderFam", 0.25),
            ("PhysicalDisabilityFam", 0.12),
            ("AlcoholDrugUseDisorderFam", 0.3),
            ("InsufficientIncome", 0.5),
            ("IncarceratedParent", 0.15),
        ):
            row[column] = yes(rng, rate)

    # -- what is recorded during an enrollment -----------------------------------------------

    def records(
        self,
        person: Person,
        stay: Stay,
        eid: str,
        adult: bool,
        relationship: int,
        disabling: int,
        created: datetime,
        plain: bool,
    ) -> None:
        rng, p = self.rng, stay.program
        end = stay.exit or self.anchor
        ids = {"EnrollmentID": eid, "PersonalID": person.pid}
        mismatch = False
        if adult and not plain:
            mismatch = disabling == 0 and self.count(
                "disabling_condition_mismatch",
                rng.random() < DEFECT_RATES["disabling_condition_mismatch"] / 0.65,
            )
        if adult:
            if plain or not self.count(
                "missing_entry_income", rng.random() < DEFECT_RATES["missing_entry_income"]
            ):
                self.income(ids, p, stay.entry, 1, created, stay.user, defects=not plain)
            self.disabilities(
                ids, p, person, stay.entry, 1, created, stay.user, disabling, mismatch
            )
            self.health(ids, p, person, stay.entry, 1, created, stay.user)
            if p.rhy:
                self.employment(ids, stay.entry, 1, created, stay.user)
            if p.yhdp:
                self.youth_education(ids, stay.entry, 1, created, stay.user)
        self.services(ids, stay, person)
        if p.type in (SO, CE, DAY) or (p.type == ES_NBN and rng.random() < 0.3):
            self.living_situations(ids, stay)
        if relationship == 1 and (p.type == CE or (p.type in (ES_EE, SO) and rng.random() < 0.3)):
            self.coordinated_entry(ids, stay)
        if relationship == 1 and adult:
            year = 1
            while stay.entry + timedelta(days=365 * year + 30) < end:
                day = stay.entry + timedelta(days=365 * year + rng.randint(-30, 30))
                self.income(ids, p, day, 5, self.at(day), stay.user)
                if rng.random() < 0.3:
                    self.health(ids, p, person, day, 5, self.at(day), stay.user)
                year += 1
        if stay.exit is not None:
            exit_created = self.at(min(stay.exit + timedelta(days=rng.randint(0, 14)), self.anchor))
            self.exit_row(ids, stay, exit_created)
            if adult:
                self.income(ids, p, stay.exit, 3, exit_created, stay.user)
                self.disabilities(
                    ids, p, person, stay.exit, 3, exit_created, stay.user, disabling, mismatch
                )
                if rng.random() < 0.5:
                    self.health(ids, p, person, stay.exit, 3, exit_created, stay.user)
                if p.rhy:
                    self.employment(ids, stay.exit, 3, exit_created, stay.user)
                if p.yhdp:
                    self.youth_education(ids, stay.exit, 3, exit_created, stay.user)
        elif adult and rng.random() < 0.05 and end > stay.entry + timedelta(days=30):
            day = stay.entry + timedelta(days=rng.randint(30, (end - stay.entry).days))
            self.income(ids, p, day, 2, self.at(day), stay.user)

    def exit_row(self, ids: dict[str, str], stay: Stay, created: datetime) -> None:
        rng, p = self.rng, stay.program
        destination = weighted(rng, DESTINATIONS)
        if self.count("destination_missing", rng.random() < DEFECT_RATES["destination_missing"]):
            destination = rng.choice((30, 99))
        row: dict[str, Any] = {
            "ExitID": self.new_id("Exit"),
            **ids,
            "ExitDate": stay.exit,
            "Destination": destination,
        }
        if destination == 435:
            row["DestinationSubsidyType"] = draw(rng, "RentalSubsidyType")
        elif destination == 17:
            row["OtherDestination"] = rng.choice(
                ("Moved out of state", "With a partner", "Hotel paid by church")
            )
        if p.type == HP or p.hopwa:
            assessment = draw(rng, "HousingAssessment")
            row["HousingAssessment"] = assessment
            if assessment in (1, 2):
                row["SubsidyInformation"] = draw(rng, f"SubsidyInformation{assessment}")
        if p.rhy:
            self.rhy_exit(row, rng, stay)
        if p.vash:
            row["CMExitReason"] = draw(rng, "CMExitReason")
        self.emit("Exit", row, created, stay.user)

    def rhy_exit(self, row: dict[str, Any], rng: random.Random, stay: Stay) -> None:
        """R15-R20: completion, exploitation, counseling, safe exit, aftercare."""
        row["ProjectCompletionStatus"] = draw(rng, "ProjectCompletionStatus")
        if row["ProjectCompletionStatus"] == 3:
            row["EarlyExitReason"] = draw(rng, "EarlyExitReason")
        row["ExchangeForSex"] = yes(rng, 0.15)
        if row["ExchangeForSex"] == 1:
            row["ExchangeForSexPastThreeMonths"] = yes(rng, 0.5)
            row["CountOfExchangeForSex"] = draw(rng, "CountOfExchangeForSex")
            row["AskedOrForcedToExchangeForSex"] = yes(rng, 0.5)
            if row["AskedOrForcedToExchangeForSex"] == 1:
                row["AskedOrForcedToExchangeForSexPastThreeMonths"] = yes(rng, 0.5)
        row["WorkplaceViolenceThreats"] = yes(rng, 0.1)
        row["WorkplacePromiseDifference"] = yes(rng, 0.12)
        if 1 in (row["WorkplaceViolenceThreats"], row["WorkplacePromiseDifference"]):
            row["CoercedToContinueWork"] = yes(rng, 0.4)
            row["LaborExploitPastThreeMonths"] = yes(rng, 0.5)
        row["CounselingReceived"] = int(rng.random() < 0.6)
        if row["CounselingReceived"]:
            row["IndividualCounseling"] = int(rng.random() < 0.8)
            row["FamilyCounseling"] = int(rng.random() < 0.3)
            row["GroupCounseling"] = int(rng.random() < 0.4)
            row["SessionCountAtExit"] = rng.randint(1, 30)
        row["PostExitCounselingPlan"] = int(rng.random() < 0.4)
        if row["PostExitCounselingPlan"]:
            row["SessionsInPlan"] = rng.randint(1, 12)
        row["DestinationSafeClient"] = yes(rng, 0.8)
        row["DestinationSafeWorker"] = draw(rng, "WorkerJudgement")
        for column in ("PosAdultConnections", "PosPeerConnections", "PosCommunityConnections"):
            row[column] = draw(rng, "WorkerJudgement")
        if stay.exit is not None and rng.random() < 0.7:
            after = stay.exit + timedelta(days=rng.randint(7, 180))
            if after <= self.anchor:
                row["AftercareDate"] = after
                row["AftercareProvided"] = draw(rng, "AftercareProvided")
                if row["AftercareProvided"] == 1:
                    for column in (
                        "EmailSocialMedia",
                        "Telephone",
                        "InPersonIndividual",
                        "InPersonGroup",
                    ):
                        row[column] = int(rng.random() < 0.5)

    def income(
        self,
        ids: dict[str, str],
        p: Program,
        day: date,
        stage: int,
        created: datetime,
        user: str,
        *,
        defects: bool = False,
    ) -> None:
        rng = self.rng
        row: dict[str, Any] = {"IncomeBenefitsID": self.new_id("IncomeBenefits"), **ids}
        row["InformationDate"] = day
        row["DataCollectionStage"] = stage
        anything = 1 if rng.random() < 0.55 else weighted(rng, ((0, 90), (8, 3), (9, 3), (99, 4)))
        row["IncomeFromAnySource"] = anything
        no_sources = (
            defects
            and anything == 1
            and self.count(
                "income_any_no_sources",
                rng.random() < DEFECT_RATES["income_any_no_sources"] / 0.55,
            )
        )
        if defects and anything != 1:
            self.count("income_any_no_sources", False)
        if anything in (0, 1) and not no_sources:
            total = Decimal(0)
            chosen = {name for name, rate, _, _ in INCOME if rng.random() < rate * 1.6}
            if anything == 1 and not chosen:
                chosen = {rng.choice(INCOME)[0]}
            for name, _, low, high in INCOME:
                has = int(anything == 1 and name in chosen)
                row[name] = has
                if has:
                    amount = Decimal(rng.randint(low * 100, high * 100)) / 100
                    row[AMOUNT.get(name, name + "Amount")] = amount
                    total += amount
            if anything == 1:
                row["TotalMonthlyIncome"] = total
            if row.get("OtherIncomeSource") == 1:
                row["OtherIncomeSourceIdentify"] = rng.choice(OTHER_TEXT)
        benefits = 1 if rng.random() < 0.6 else weighted(rng, ((0, 90), (8, 3), (9, 3), (99, 4)))
        row["BenefitsFromAnySource"] = benefits
        if benefits in (0, 1):
            got = {name for name, rate in BENEFITS if rng.random() < rate}
            if benefits == 1 and not got:
                got = {"SNAP"}
            for name, _ in BENEFITS:
                row[name] = int(benefits == 1 and name in got)
            if row["OtherBenefitsSource"] == 1:
                row["OtherBenefitsSourceIdentify"] = rng.choice(
                    ("Energy assistance", "Food pantry card")
                )
        insured = 1 if rng.random() < 0.85 else weighted(rng, ((0, 80), (8, 5), (9, 5), (99, 10)))
        row["InsuranceFromAnySource"] = insured
        if insured in (0, 1):
            has_any = {name for name, _, rate in INSURANCE if rng.random() < rate}
            if insured == 1 and not has_any and rng.random() < 0.97:
                has_any = {"Medicaid"}
            for name, reason, _ in INSURANCE:
                flag = int(insured == 1 and name in has_any)
                row[name] = flag
                if not flag and p.hopwa:
                    row[reason] = draw(rng, "NoInsuranceReason")
            row["OtherInsurance"] = int(insured == 1 and rng.random() < 0.02)
            if row["OtherInsurance"]:
                row["OtherInsuranceIdentify"] = rng.choice(("Husky D", "Access Health CT plan"))
        if p.hopwa:
            for flag, reason in (
                ("ADAP", "NoADAPReason"),
                ("RyanWhiteMedDent", "NoRyanWhiteReason"),
            ):
                row[flag] = yes(rng, 0.5)
                if row[flag] == 0:
                    row[reason] = draw(rng, "NoInsuranceReason")
        if p.path or p.ssvf:
            row["ConnectionWithSOAR"] = yes(rng, 0.15)
        self.emit("IncomeBenefits", row, created, user)

    def disabilities(
        self,
        ids: dict[str, str],
        p: Program,
        person: Person,
        day: date,
        stage: int,
        created: datetime,
        user: str,
        disabling: int,
        mismatch: bool,
    ) -> None:
        rng = self.rng
        impairing = (
            (8 if person.hiv else rng.choice(DISABILITY_TYPES))
            if disabling == 1 or mismatch
            else None
        )
        for dtype in DISABILITY_TYPES:
            row: dict[str, Any] = {"DisabilitiesID": self.new_id("Disabilities"), **ids}
            row["InformationDate"] = day
            row["DisabilityType"] = dtype
            if dtype == impairing or (dtype == 8 and person.hiv):
                response, indefinite = (rng.choice((1, 2, 3)) if dtype == 10 else 1), 1
            elif rng.random() < 0.12:
                response = rng.choice((1, 2, 3)) if dtype == 10 else 1
                indefinite = missing_or(rng, 0, 0.05)
            else:
                response, indefinite = missing_or(rng, 0, 0.01), None
            if dtype in (6, 8) or response in (8, 9, 99) or response == 0:
                indefinite = None
            row["DisabilityResponse"] = response
            row["IndefiniteAndImpairs"] = indefinite
            if dtype == 8 and response == 1 and p.hopwa:
                row["TCellCountAvailable"] = yes(rng, 0.7)
                if row["TCellCountAvailable"] == 1:
                    row["TcellCount"] = rng.randint(50, 1200)
                    row["TcellSource"] = draw(rng, "CountSource")
                row["ViralLoadAvailable"] = draw(rng, "ViralLoadAvailable")
                if row["ViralLoadAvailable"] == 1:
                    row["ViralLoad"] = rng.randint(20, 30000)
                    row["ViralLoadSource"] = draw(rng, "CountSource")
                row["AntiRetroviral"] = yes(rng, 0.85)
            row["DataCollectionStage"] = stage
            self.emit("Disabilities", row, created, user)

    def health(
        self,
        ids: dict[str, str],
        p: Program,
        person: Person,
        day: date,
        stage: int,
        created: datetime,
        user: str,
    ) -> None:
        rng = self.rng
        row: dict[str, Any] = {"HealthAndDVID": self.new_id("HealthAndDV"), **ids}
        row["InformationDate"] = day
        survivor = yes(rng, 0.25 if person.female else 0.1)
        row["DomesticViolenceSurvivor"] = survivor
        if survivor == 1:
            row["WhenOccurred"] = draw(rng, "WhenOccurred")
            row["CurrentlyFleeing"] = yes(rng, 0.3)
        if p.rhy or p.hopwa:
            row["GeneralHealthStatus"] = draw(rng, "HealthStatus")
            row["DentalHealthStatus"] = draw(rng, "HealthStatus")
            row["MentalHealthStatus"] = draw(rng, "HealthStatus")
            if person.female:
                row["PregnancyStatus"] = yes(rng, 0.1)
                if row["PregnancyStatus"] == 1:
                    row["DueDate"] = day + timedelta(days=rng.randint(20, 250))
        row["DataCollectionStage"] = stage
        self.emit("HealthAndDV", row, created, user)

    def employment(
        self, ids: dict[str, str], day: date, stage: int, created: datetime, user: str
    ) -> None:
        rng = self.rng
        row: dict[str, Any] = {"EmploymentEducationID": self.new_id("EmploymentEducation"), **ids}
        row["InformationDate"] = day
        row["LastGradeCompleted"] = draw(rng, "LastGradeCompleted")
        row["SchoolStatus"] = draw(rng, "SchoolStatus")
        row["Employed"] = yes(rng, 0.3)
        if row["Employed"] == 1:
            row["EmploymentType"] = draw(rng, "EmploymentType")
        elif row["Employed"] == 0:
            row["NotEmployedReason"] = draw(rng, "NotEmployedReason")
        row["DataCollectionStage"] = stage
        self.emit("EmploymentEducation", row, created, user)

    def youth_education(
        self, ids: dict[str, str], day: date, stage: int, created: datetime, user: str
    ) -> None:
        rng = self.rng
        row: dict[str, Any] = {
            "YouthEducationStatusID": self.new_id("YouthEducationStatus"),
            **ids,
            "InformationDate": day,
        }
        attend = draw(rng, "CurrentSchoolAttend")
        row["CurrentSchoolAttend"] = attend
        if attend == 0:
            row["MostRecentEdStatus"] = draw(rng, "MostRecentEdStatus")
        elif attend in (1, 2):
            row["CurrentEdStatus"] = draw(rng, "CurrentEdStatus")
        row["DataCollectionStage"] = stage
        self.emit("YouthEducationStatus", row, created, user)

    def services(self, ids: dict[str, str], stay: Stay, person: Person) -> None:
        rng, p = self.rng, stay.program
        last = (stay.exit - ONE_DAY) if stay.exit else self.anchor - ONE_DAY
        span = max(0, (last - stay.entry).days)

        def service(record: int, kind: int, day: date, **extra: Any) -> None:
            row = {
                "ServicesID": self.new_id("Services"),
                **ids,
                "DateProvided": day,
                "RecordType": record,
                "TypeProvided": kind,
                **extra,
            }
            self.emit("Services", row, self.at(day, 1260 if record == 200 else None), stay.user)

        if p.type == ES_NBN:
            day = stay.entry
            while day <= last:
                service(200, 200, day)
                day += ONE_DAY * (1 if rng.random() < 0.85 else 2)
            return
        if span < 0:
            return
        kinds: list[int] = []
        if p.path:
            kinds += [141] * rng.randint(1, 4) + [161] * rng.randint(0, 2)
        if p.rhy:
            kinds += [142] * rng.randint(1, 3)
        if p.hopwa:
            kinds += [143] * rng.randint(1, 3) + [151] * rng.randint(0, 2)
        if p.ssvf:
            kinds += [144] * rng.randint(1, 4) + [152] * rng.randint(0, 3)
        if p.vash and person.relationship == 1:
            kinds += [210] * rng.randint(1, 2)
        if p.coc_psh and rng.random() < 0.5:
            kinds.append(300)
        for record in kinds:
            day = stay.entry + timedelta(days=rng.randint(0, span))
            kind = draw(rng, str(record))
            extra: dict[str, Any] = {}
            if record == 144 and kind in (3, 4, 5):
                extra["SubTypeProvided"] = draw(rng, "SubTypeProvided")
            if (record, kind) in ((144, 6), (143, 14)):
                extra["OtherTypeProvided"] = rng.choice(
                    ("Phone card", "Clothing voucher", "ID documents")
                )
            if record == 300 and kind == 5:
                extra["MovingOnOtherType"] = rng.choice(("Furniture", "Landlord mediation"))
            if record in (151, 152):
                extra["FAAmount"] = Decimal(rng.randint(15000, 300000)) / 100
                if record == 152 and kind in (1, 14):
                    extra["FAStartDate"] = day
                    extra["FAEndDate"] = day + timedelta(days=rng.choice((29, 30, 60, 90)))
            if record == 161:
                extra["ReferralOutcome"] = draw(rng, "ReferralOutcome")
            service(record, kind, day, **extra)

    def living_situations(self, ids: dict[str, str], stay: Stay) -> None:
        """4.12 every 14-45 days (a gap of more than 90 days for about a tenth of stays)."""
        rng = self.rng
        end = min(stay.exit or self.anchor, self.anchor)
        day = stay.entry
        gap = rng.random() < 0.1
        for _ in range(12):
            if day > end:
                break
            situation = draw(rng, "CurrentLivingSituation")
            row: dict[str, Any] = {
                "CurrentLivingSitID": self.new_id("CurrentLivingSituation"),
                **ids,
                "InformationDate": day,
                "CurrentLivingSituation": situation,
            }
            if situation == 435:
                row["CLSSubsidyType"] = draw(rng, "RentalSubsidyType")
            if stay.program.type == CE and rng.random() < 0.5:
                row["VerifiedBy"] = rng.choice(VERIFIERS)
            if situation >= 200 and situation not in (8, 9, 99):
                row["LeaveSituation14Days"] = yes(rng, 0.4)
                if row["LeaveSituation14Days"] == 0:
                    row["SubsequentResidence"] = yes(rng, 0.3)
                    row["ResourcesToObtain"] = yes(rng, 0.4)
                    row["LeaseOwn60Day"] = yes(rng, 0.2)
                    row["MovedTwoOrMore"] = yes(rng, 0.3)
            if situation in (116, 118) or rng.random() < 0.1:
                row["LocationDetails"] = rng.choice(LOCATIONS)
            self.emit("CurrentLivingSituation", row, self.at(day), stay.user)
            day += timedelta(days=rng.randint(100, 140) if gap else rng.randint(14, 45))

    def coordinated_entry(self, ids: dict[str, str], stay: Stay) -> None:
        """4.19 assessments (questions and results) and 4.20 events, referrals with results."""
        rng = self.rng
        end = min(stay.exit or self.anchor, self.anchor)
        span = max(0, (end - stay.entry).days)
        for _ in range(weighted(rng, ((1, 70), (2, 25), (3, 5)))):
            day = stay.entry + timedelta(days=rng.randint(0, min(span, 30)))
            aid = self.new_id("Assessment")
            created = self.at(day)
            self.emit(
                "Assessment",
                {
                    "AssessmentID": aid,
                    **ids,
                    "AssessmentDate": day,
                    "AssessmentLocation": f"{stay.program.name} intake office",
                    "AssessmentType": draw(rng, "AssessmentType"),
                    "AssessmentLevel": draw(rng, "AssessmentLevel"),
                    "PrioritizationStatus": draw(rng, "PrioritizationStatus"),
                },
                created,
                stay.user,
            )
            for order, (group, question) in enumerate(
                rng.sample(ASSESSMENT_QUESTIONS, rng.randint(3, 6)), start=1
            ):
                self.emit(
                    "AssessmentQuestions",
                    {
                        "AssessmentQuestionID": self.new_id("AssessmentQuestions"),
                        "AssessmentID": aid,
                        **ids,
                        "AssessmentQuestionGroup": group,
                        "AssessmentQuestionOrder": order,
                        "AssessmentQuestion": question,
                        "AssessmentAnswer": rng.choice(ANSWERS) if rng.random() < 0.95 else None,
                    },
                    created,
                    stay.user,
                )
            for kind, low, high in rng.sample(RESULT_TYPES, rng.randint(1, 2)):
                self.emit(
                    "AssessmentResults",
                    {
                        "AssessmentResultID": self.new_id("AssessmentResults"),
                        "AssessmentID": aid,
                        **ids,
                        "AssessmentResultType": kind,
                        "AssessmentResult": str(rng.randint(low, high)),
                    },
                    created,
                    stay.user,
                )
        for _ in range(weighted(rng, ((0, 20), (1, 45), (2, 25), (3, 10)))):
            day = stay.entry + timedelta(days=rng.randint(0, span))
            event = draw(rng, "Event")
            row: dict[str, Any] = {
                "EventID": self.new_id("Event"),
                **ids,
                "EventDate": day,
                "Event": event,
            }
            if event == 2:
                row["ProbSolDivRRResult"] = int(rng.random() < 0.35)
            if event == 5:
                row["ReferralCaseManageAfter"] = int(rng.random() < 0.6)
            if event in (10, 11, 12, 13, 14, 15, 17, 18):
                row["LocationCrisisOrPHHousing"] = rng.choice(
                    (
                        "Harborlight Emergency Shelter",
                        "Sound Shore Rapid Rehousing",
                        "Capitol Region PSH",
                        "Elm City Transitional Living",
                    )
                )
                result = draw(rng, "ReferralResult")
                row["ReferralResult"] = result
                done = day + timedelta(days=rng.randint(1, 45))
                if done <= self.anchor and rng.random() < 0.9:
                    row["ResultDate"] = done
            self.emit("Event", row, self.at(day), stay.user)


# Kept for the stay planner: which types a household moves through.
RESIDENTIAL = frozenset({ES_EE, ES_NBN, TH, PSH, RRH})
SERVICES_ONLY = frozenset({SSO, DAY, CE, SO, HP})
