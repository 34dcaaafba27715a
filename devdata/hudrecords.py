"""What is recorded during an enrollment: income and benefits, disabilities, health and DV,
employment and education, youth education status, services by record type, current living
situations, and coordinated entry assessments (questions, results) and events."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from devdata.hudcodes import draw, missing_or, yes
from devdata.hudprogram import HudState, Person, Program, Stay
from devdata.plan import CE, DEFECT_RATES, DISABILITY_TYPES, ES_NBN, ONE_DAY
from devdata.state import weighted

__all__ = ["EnrollmentRecords"]

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
VERIFIERS = ("Outreach worker", "Shelter staff", "Coordinated entry navigator", "Police officer")
LOCATIONS = (
    "Under the I-95 overpass",
    "Behind the library",
    "Car in the Walmart lot",
    "Tent by the river trail",
    "Bus station",
)
OTHER_TEXT = ("Lottery winnings", "Gift from family", "Odd jobs", "Plasma donation")


class EnrollmentRecords(HudState):
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
        self.benefits_and_insurance(row, p)
        self.emit("IncomeBenefits", row, created, user)

    def benefits_and_insurance(self, row: dict[str, Any], p: Program) -> None:
        """4.03 non-cash benefits, 4.04 health insurance (reasons for HOPWA), W3 ADAP and Ryan
        White (HOPWA), SOAR (PATH, SSVF)."""
        rng = self.rng
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
                self.hiv_details(row)
            row["DataCollectionStage"] = stage
            self.emit("Disabilities", row, created, user)

    def hiv_details(self, row: dict[str, Any]) -> None:
        """W4: T-cell count, viral load, antiretroviral therapy (HOPWA, HIV/AIDS yes)."""
        rng = self.rng
        row["TCellCountAvailable"] = yes(rng, 0.7)
        if row["TCellCountAvailable"] == 1:
            row["TcellCount"] = rng.randint(50, 1200)
            row["TcellSource"] = draw(rng, "CountSource")
        row["ViralLoadAvailable"] = draw(rng, "ViralLoadAvailable")
        if row["ViralLoadAvailable"] == 1:
            row["ViralLoad"] = rng.randint(20, 30000)
            row["ViralLoadSource"] = draw(rng, "CountSource")
        row["AntiRetroviral"] = yes(rng, 0.85)

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
            self.health_details(row, person.female, day)
        row["DataCollectionStage"] = stage
        self.emit("HealthAndDV", row, created, user)

    def health_details(self, row: dict[str, Any], female: bool, day: date) -> None:
        """R7-R10: general, dental and mental health, pregnancy (RHY, HOPWA)."""
        rng = self.rng
        row["GeneralHealthStatus"] = draw(rng, "HealthStatus")
        row["DentalHealthStatus"] = draw(rng, "HealthStatus")
        row["MentalHealthStatus"] = draw(rng, "HealthStatus")
        if female:
            row["PregnancyStatus"] = yes(rng, 0.15)
            if row["PregnancyStatus"] == 1:
                row["DueDate"] = day + timedelta(days=rng.randint(20, 250))

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

    def services(
        self,
        ids: dict[str, str],
        stay: Stay,
        person: Person,
        only: frozenset[int] | None = None,
    ) -> None:
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
            if only is not None and record not in only:
                continue
            day = stay.entry + timedelta(days=rng.randint(0, span))
            kind = draw(rng, str(record))
            service(record, kind, day, **self.service_details(record, kind, day))

    def service_details(self, record: int, kind: int, day: date) -> dict[str, Any]:
        """The columns a service's record type and type add: SSVF sub-types, other types,
        financial assistance amounts and dates, PATH referral outcomes."""
        rng = self.rng
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
        return extra

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
