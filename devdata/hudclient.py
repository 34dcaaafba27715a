"""A client's rows: the client, each enrollment with the program-specific elements its project's
funders collect, and the exit; ``records`` draws what is recorded during the enrollment."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from devdata.hudcodes import VAMC_STATIONS, draw, missing_or, yes
from devdata.hudprogram import Person, Stay
from devdata.hudrecords import EnrollmentRecords
from devdata.plan import (
    CE,
    COLORS_VEG,
    DAY,
    DEFECT_RATES,
    DESTINATIONS,
    ES_EE,
    ES_NBN,
    HERBS,
    HP,
    LIVING,
    ODD_FIRST,
    ODD_LAST,
    SO,
)
from devdata.state import weighted

__all__ = ["ClientRows"]

WARS = {
    "WorldWarII": (1941, 1945),
    "KoreanWar": (1950, 1953),
    "VietnamWar": (1961, 1975),
    "DesertStorm": (1990, 1991),
    "AfghanistanOEF": (2001, 2014),
    "IraqOIF": (2003, 2010),
    "IraqOND": (2010, 2011),
}


class ClientRows(EnrollmentRecords):
    def client(self, person: Person, first_entry: date, user: str) -> None:
        rng = self.rng
        first, last = rng.choice(HERBS), rng.choice(COLORS_VEG)
        middle = rng.choice(HERBS) if rng.random() < 0.3 else None
        if self.count("special_characters", rng.random() < DEFECT_RATES["special_characters"]):
            first, last = rng.choice(ODD_FIRST), rng.choice(ODD_LAST)
        suffix = (
            weighted(rng, (("Jr", 50), ("Sr", 20), ("III", 15), ("II", 15)))
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
            "Sex": (0 if person.female else 1) if rng.random() > 0.005 else None,
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
            self.veteran_details(row, (dob or person.dob).year, first_entry.year)
        self.emit("Client", row, self.at(first_entry), user)

    def veteran_details(self, row: dict[str, Any], born: int, first_entry_year: int) -> None:
        """V1: years of service, theaters by the years served, branch and discharge."""
        rng = self.rng
        entered = min(born + rng.randint(18, 26), first_entry_year - 1)
        row["YearEnteredService"] = entered
        row["YearSeparated"] = min(entered + rng.randint(2, 20), first_entry_year)
        for column, (start, end) in WARS.items():
            served = entered <= end and row["YearSeparated"] >= start
            row[column] = (1 if rng.random() < 0.6 else 0) if served else missing_or(rng, 0, 0.01)
        row["OtherTheater"] = yes(rng, 0.08)
        row["MilitaryBranch"] = draw(rng, "MilitaryBranch")
        row["DischargeStatus"] = draw(rng, "DischargeStatus")

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
        self.program_entry(row, stay, adult, relationship)
        self.emit("Enrollment", row, created, stay.user)
        self.records(person, stay, eid, adult, relationship, disabling, created, plain)
        return eid

    def program_entry(
        self, row: dict[str, Any], stay: Stay, adult: bool, relationship: int
    ) -> None:
        """The program-specific elements at entry the project's funders collect: PATH, SSVF and
        HUD-VASH (V4, V6, V10; V7 for SSVF prevention), RHY."""
        rng, p = self.rng, stay.program
        if p.path and adult:
            status = min(stay.entry + timedelta(days=rng.randint(0, 20)), stay.exit or self.anchor)
            row["DateOfPATHStatus"] = status
            enrolled = 1 if rng.random() < 0.7 else 0
            row["ClientEnrolledInPATH"] = enrolled
            if not enrolled:
                row["ReasonNotEnrolled"] = draw(rng, "ReasonNotEnrolled")
        if p.ssvf or p.vash:
            row["PercentAMI"] = draw(rng, "PercentAMI")
            row["VAMCStation"] = weighted(rng, VAMC_STATIONS)
            row["MentalHealthConsultation"] = draw(rng, "MentalHealthConsultation")
        if p.ssvf and p.type == HP and relationship == 1:
            self.hp_targeting(row, rng)
        if p.rhy:
            self.rhy_entry(row, rng, stay)

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
        rng = self.rng
        destination = weighted(rng, DESTINATIONS)
        if self.count("destination_missing", rng.random() < DEFECT_RATES["destination_missing"]):
            destination = rng.choice((30, 99))
        row: dict[str, Any] = {
            "ExitID": self.new_id("Exit"),
            **ids,
            "ExitDate": stay.exit,
            "Destination": destination,
        }
        self.program_exit(row, stay)
        self.emit("Exit", row, created, stay.user)

    def program_exit(self, row: dict[str, Any], stay: Stay) -> None:
        """What follows the destination, and the exit elements the funders collect: housing
        assessment (prevention, HOPWA), RHY's, HUD-VASH's case management exit reason."""
        rng, p = self.rng, stay.program
        destination = row["Destination"]
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
