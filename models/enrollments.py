"""Enrollments and what is collected in them (HUD Enrollment, Exit, Services, IncomeBenefits,
Disabilities, HealthAndDV)."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import ReleaseCategory
from models.hud import codes
from models.hud.elements import coded, day, element, money, number, text, updated_by
from models.provenance import Provenance

if TYPE_CHECKING:
    from models.clients import Client
    from models.governance import Agency, Project
    from models.users import User

__all__ = [
    "INCOME_SOURCES",
    "Disability",
    "EmploymentEducation",
    "Enrollment",
    "Exit",
    "HealthAndDv",
    "IncomeBenefits",
    "Service",
    "YouthEducationStatus",
]


# 4.02 income sources: each source's flag element and its monthly amount element (names).
INCOME_SOURCES: dict[str, str] = {
    "earned": "earned_amount",
    "unemployment": "unemployment_amount",
    "ssi": "ssi_amount",
    "ssdi": "ssdi_amount",
    "va_disability_service": "va_disability_service_amount",
    "va_disability_non_service": "va_disability_non_service_amount",
    "private_disability": "private_disability_amount",
    "workers_comp": "workers_comp_amount",
    "tanf": "tanf_amount",
    "ga": "ga_amount",
    "soc_sec_retirement": "soc_sec_retirement_amount",
    "pension": "pension_amount",
    "child_support": "child_support_amount",
    "alimony": "alimony_amount",
    "other_income_source": "other_income_amount",
}
_DV = ReleaseCategory.DOMESTIC_VIOLENCE
_HEALTH = ReleaseCategory.HEALTH
_EXPLOITED = ReleaseCategory.DOMESTIC_VIOLENCE


def _information_date() -> fields.DateField[datetime.date]:
    return element(
        fields.DateField(),
        "5.04",
        "InformationDate",
        "within the enrollment; from the exit to today for post-exit data.",
    )


def _stage() -> fields.SmallIntField:
    return element(
        fields.SmallIntField(), "5.03", "DataCollectionStage", codes=codes.DATA_COLLECTION_STAGE
    )


class Enrollment(Model):
    """A client's stay in a project (HUD Enrollment.csv)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    client: fields.ForeignKeyRelation[Client] = fields.ForeignKeyField(
        "hearth.Client", related_name="enrollments", on_delete=fields.RESTRICT
    )
    client_id: uuid.UUID
    project: fields.ForeignKeyRelation[Project] = fields.ForeignKeyField(
        "hearth.Project", related_name="enrollments", on_delete=fields.RESTRICT
    )
    project_id: uuid.UUID
    # The project's agency, denormalised: row visibility filters on it.
    agency: fields.ForeignKeyRelation[Agency] = fields.ForeignKeyField(
        "hearth.Agency", related_name="enrollments", on_delete=fields.RESTRICT
    )
    agency_id: uuid.UUID
    entry_date = element(fields.DateField(), "3.10", "EntryDate", "the project start date.")
    household_id = element(
        fields.CharField(max_length=32, db_index=True), "5.09", "HouseholdID", settable=False
    )
    relationship_to_hoh = element(
        fields.SmallIntField(),
        "3.15",
        "RelationshipToHoH",
        "SELF (1) is the head of household.",
        codes=codes.RELATIONSHIP_TO_HOH,
        graphql_name="relationshipToHoH",
    )
    enrollment_coc = element(
        fields.CharField(max_length=6, null=True),
        "3.16",
        "EnrollmentCoC",
        "a Connecticut CoC code.",
        codes=codes.COC,
        graphql_name="enrollmentCoC",
    )
    living_situation = element(
        fields.SmallIntField(null=True), "3.917", "LivingSituation", codes=codes.LIVING_SITUATION
    )
    rental_subsidy_type = element(
        fields.SmallIntField(null=True),
        "3.917",
        "RentalSubsidyType",
        codes=codes.RENTAL_SUBSIDY_TYPE,
    )
    length_of_stay = element(
        fields.SmallIntField(null=True), "3.917", "LengthOfStay", codes=codes.LENGTH_OF_STAY
    )
    los_under_threshold = element(
        fields.SmallIntField(null=True),
        "3.917",
        "LOSUnderThreshold",
        codes=codes.NO_YES_MISSING,
        graphql_name="losUnderThreshold",
    )
    previous_street_essh = element(
        fields.SmallIntField(null=True),
        "3.917",
        "PreviousStreetESSH",
        codes=codes.NO_YES_MISSING,
        graphql_name="previousStreetESSH",
    )
    date_to_street_essh = element(
        fields.DateField(null=True),
        "3.917",
        "DateToStreetESSH",
        "not after the entry date.",
        graphql_name="dateToStreetESSH",
    )
    times_homeless_past_three_years = element(
        fields.SmallIntField(null=True),
        "3.917",
        "TimesHomelessPastThreeYears",
        codes=codes.TIMES_HOMELESS,
    )
    months_homeless_past_three_years = element(
        fields.SmallIntField(null=True),
        "3.917",
        "MonthsHomelessPastThreeYears",
        codes=codes.MONTHS_HOMELESS,
    )
    disabling_condition = element(
        fields.SmallIntField(default=99), "3.08", "DisablingCondition", codes=codes.YES_NO_REASONS
    )
    move_in_date = element(
        fields.DateField(null=True), "3.20", "MoveInDate", "not before the entry date."
    )
    date_of_engagement = element(
        fields.DateField(null=True), "4.13", "DateOfEngagement", "not before the entry date."
    )
    # Program-specific elements (HUD Enrollment.csv, FY2026), in the column table's order.
    date_of_path_status = day("P3", "DateOfPATHStatus", graphql_name="dateOfPATHStatus")
    client_enrolled_in_path = coded(
        "P3", "ClientEnrolledInPATH", "1.7", graphql_name="clientEnrolledInPATH"
    )
    reason_not_enrolled = coded("P3", "ReasonNotEnrolled", "P3.A")
    percent_ami = coded("V4", "PercentAMI", "V4.1", graphql_name="percentAMI")
    referral_source = coded("R1", "ReferralSource", "R1.1")
    count_outreach_referral_approaches = number("R1", "CountOutreachReferralApproaches")
    date_of_bcp_status = day("R2", "DateOfBCPStatus", graphql_name="dateOfBCPStatus")
    eligible_for_rhy = coded("R2", "EligibleForRHY", "1.7", graphql_name="eligibleForRHY")
    reason_no_services = coded("R2", "ReasonNoServices", "R2.A")
    runaway_youth = coded("R2", "RunawayYouth", "1.8")
    mental_health_consultation = coded("V10", "MentalHealthConsultation", "V10", category=_HEALTH)
    former_ward_child_welfare = coded("R11", "FormerWardChildWelfare", "1.8")
    child_welfare_years = coded("R11", "ChildWelfareYears", "R11.A")
    child_welfare_months = number("R11", "ChildWelfareMonths")
    former_ward_juvenile_justice = coded("R12", "FormerWardJuvenileJustice", "1.8")
    juvenile_justice_years = coded("R12", "JuvenileJusticeYears", "R11.A")
    juvenile_justice_months = number("R12", "JuvenileJusticeMonths")
    unemployment_fam = coded("R13", "UnemploymentFam", "1.8")
    mental_health_disorder_fam = coded("R13", "MentalHealthDisorderFam", "1.8", category=_HEALTH)
    physical_disability_fam = coded("R13", "PhysicalDisabilityFam", "1.8", category=_HEALTH)
    alcohol_drug_use_disorder_fam = coded(
        "R13", "AlcoholDrugUseDisorderFam", "1.8", category=_HEALTH
    )
    insufficient_income = coded("R13", "InsufficientIncome", "1.8")
    incarcerated_parent = coded("R13", "IncarceratedParent", "1.8")
    vamc_station = element(
        fields.CharField(max_length=5, null=True),
        "V6",
        "VAMCStation",
        codes=codes.hud_list("V6.1"),
        graphql_name="vamcStation",
    )
    target_screen_reqd = coded("V7", "TargetScreenReqd", "1.7")
    time_to_housing_loss = coded("V7", "TimeToHousingLoss", "V7.A")
    annual_percent_ami = coded("V7", "AnnualPercentAMI", "V7.B", graphql_name="annualPercentAMI")
    literal_homeless_history = coded("V7", "LiteralHomelessHistory", "V7.C")
    client_leaseholder = coded("V7", "ClientLeaseholder", "1.7")
    hoh_leaseholder = coded("V7", "HOHLeaseholder", "1.7", graphql_name="hohLeaseholder")
    subsidy_at_risk = coded("V7", "SubsidyAtRisk", "1.7")
    eviction_history = coded("V7", "EvictionHistory", "V7.G")
    criminal_record = coded("V7", "CriminalRecord", "1.7")
    incarcerated_adult = coded("V7", "IncarceratedAdult", "V7.I")
    prison_discharge = coded("V7", "PrisonDischarge", "1.7")
    sex_offender = coded("V7", "SexOffender", "1.7")
    disabled_hoh = coded("V7", "DisabledHoH", "1.7", category=_HEALTH, graphql_name="disabledHoH")
    current_pregnant = coded("V7", "CurrentPregnant", "1.7", category=_HEALTH)
    single_parent = coded("V7", "SingleParent", "1.7")
    dependent_under6 = coded("V7", "DependentUnder6", "V7.O", graphql_name="dependentUnder6")
    hh5_plus = coded("V7", "HH5Plus", "1.7", graphql_name="hh5Plus")
    coc_prioritized = coded("V7", "CoCPrioritized", "1.7", graphql_name="cocPrioritized")
    hp_screening_score = number("V7", "HPScreeningScore", graphql_name="hpScreeningScore")
    threshold_score = number("V7", "ThresholdScore")
    created_by_user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="enrollments_created", on_delete=fields.RESTRICT
    )
    created_by_user_id: uuid.UUID
    updated_by_user: fields.ForeignKeyNullableRelation[User] = updated_by()
    updated_by_user_id: uuid.UUID | None
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    # Provenance of imported rows (HUD CSV import): the source HMIS and its id for the row.
    source_system = fields.CharField(max_length=200, null=True)
    source_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "enrollment"
        unique_together = (("agency", "source_system", "source_id"),)


class Exit(Provenance):
    """The end of an enrollment (HUD Exit.csv)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.OneToOneRelation[Enrollment] = fields.OneToOneField(
        "hearth.Enrollment", related_name="exit", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    exit_date = element(
        fields.DateField(), "3.11", "ExitDate", "not before the entry date, not in the future."
    )
    destination = element(fields.SmallIntField(), "3.12", "Destination", codes=codes.DESTINATION)
    destination_subsidy_type = element(
        fields.SmallIntField(null=True),
        "3.12",
        "DestinationSubsidyType",
        codes=codes.RENTAL_SUBSIDY_TYPE,
    )
    other_destination = element(
        fields.CharField(max_length=50, null=True), "3.12", "OtherDestination"
    )
    housing_assessment = coded("W5", "HousingAssessment", "W5.1")
    subsidy_information = coded("W5", "SubsidyInformation", "W5.AB")
    project_completion_status = coded("R17", "ProjectCompletionStatus", "R17.1")
    early_exit_reason = coded("R17", "EarlyExitReason", "R17.A")
    # R15 commercial sexual exploitation and R16 labor exploitation: victim information, masked
    # as domestic violence is (decision 136).
    exchange_for_sex = coded("R15", "ExchangeForSex", "1.8", category=_EXPLOITED)
    exchange_for_sex_past_three_months = coded(
        "R15", "ExchangeForSexPastThreeMonths", "1.8", category=_EXPLOITED
    )
    count_of_exchange_for_sex = coded("R15", "CountOfExchangeForSex", "R15.B", category=_EXPLOITED)
    asked_or_forced_to_exchange_for_sex = coded(
        "R15", "AskedOrForcedToExchangeForSex", "1.8", category=_EXPLOITED
    )
    asked_or_forced_to_exchange_for_sex_past_three_months = coded(
        "R15", "AskedOrForcedToExchangeForSexPastThreeMonths", "1.8", category=_EXPLOITED
    )
    workplace_violence_threats = coded(
        "R16", "WorkplaceViolenceThreats", "1.8", category=_EXPLOITED
    )
    workplace_promise_difference = coded(
        "R16", "WorkplacePromiseDifference", "1.8", category=_EXPLOITED
    )
    coerced_to_continue_work = coded("R16", "CoercedToContinueWork", "1.8", category=_EXPLOITED)
    labor_exploit_past_three_months = coded(
        "R16", "LaborExploitPastThreeMonths", "1.8", category=_EXPLOITED
    )
    counseling_received = coded("R18", "CounselingReceived", "1.10")
    individual_counseling = coded("R18", "IndividualCounseling", "1.10")
    family_counseling = coded("R18", "FamilyCounseling", "1.10")
    group_counseling = coded("R18", "GroupCounseling", "1.10")
    session_count_at_exit = number("R18", "SessionCountAtExit")
    post_exit_counseling_plan = coded("R18", "PostExitCounselingPlan", "1.10")
    sessions_in_plan = number("R18", "SessionsInPlan")
    destination_safe_client = coded("R19", "DestinationSafeClient", "1.8")
    destination_safe_worker = coded("R19", "DestinationSafeWorker", "R19.A")
    pos_adult_connections = coded("R19", "PosAdultConnections", "R19.A")
    pos_peer_connections = coded("R19", "PosPeerConnections", "R19.A")
    pos_community_connections = coded("R19", "PosCommunityConnections", "R19.A")
    aftercare_date = day("R20", "AftercareDate")
    aftercare_provided = coded("R20", "AftercareProvided", "R20.2")
    email_social_media = coded("R20", "EmailSocialMedia", "1.10")
    telephone = coded("R20", "Telephone", "1.10")
    in_person_individual = coded("R20", "InPersonIndividual", "1.10")
    in_person_group = coded("R20", "InPersonGroup", "1.10")
    cm_exit_reason = coded("V9", "CMExitReason", "V9.1", graphql_name="cmExitReason")

    class Meta:
        table = "enrollment_exit"


class Service(Provenance):
    """A service provided within an enrollment (HUD Services.csv)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="services", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    date_provided = element(fields.DateField(), "5.04", "DateProvided", "within the enrollment.")
    record_type = element(fields.SmallIntField(), "1.4", "RecordType", codes=codes.RECORD_TYPE)
    type_provided = element(
        fields.SmallIntField(),
        "1.4",
        "TypeProvided",
        "the service type for the record type (1 to 999).",
    )
    other_type_provided = element(
        fields.CharField(max_length=50, null=True), "1.4", "OtherTypeProvided"
    )
    moving_on_other_type = text("C2", "MovingOnOtherType", 50)
    # Its list depends on RecordType and TypeProvided together (V2.A, V2.B, V2.C): the column
    # table's conditional rows (models/hud/fy2026-column-lists.csv) hold them.
    sub_type_provided = element(
        fields.SmallIntField(null=True),
        "V2",
        "SubTypeProvided",
        "the SSVF sub-type of TypeProvided 3 (V2.A), 4 (V2.B) or 5 (V2.C), record type 144.",
    )
    fa_amount = element(
        fields.DecimalField(max_digits=12, decimal_places=2, null=True),
        "1.4",
        "FAAmount",
        "between 0 and 1,000,000.",
    )
    fa_start_date = day("V3", "FAStartDate", graphql_name="faStartDate")
    fa_end_date = day("V3", "FAEndDate", graphql_name="faEndDate")
    referral_outcome = element(
        fields.SmallIntField(null=True),
        "P2",
        "ReferralOutcome",
        "the outcome of a PATH referral (record type 161).",
        codes_when=("record_type", 161, codes.hud_list("P2.A")),
    )

    class Meta:
        table = "service"
        unique_together = (("enrollment", "source_system", "source_id"),)


class IncomeBenefits(Provenance):
    """Income, benefits and insurance at a collection stage (HUD IncomeBenefits.csv, 4.02-4.04,
    W3, SOAR). Every column is its own: a blank stays blank (decision 135)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="income_benefits", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    information_date = _information_date()
    income_from_any_source = element(
        fields.SmallIntField(null=True), "4.02", "IncomeFromAnySource", codes=codes.YES_NO_REASONS
    )
    total_monthly_income = element(
        fields.DecimalField(max_digits=12, decimal_places=2, null=True),
        "4.02",
        "TotalMonthlyIncome",
        "the sum of the amounts of the sources marked yes.",
        settable=False,
    )
    earned = coded("4.02", "Earned", "1.7")
    earned_amount = money("4.02", "EarnedAmount")
    unemployment = coded("4.02", "Unemployment", "1.7")
    unemployment_amount = money("4.02", "UnemploymentAmount")
    ssi = coded("4.02", "SSI", "1.7")
    ssi_amount = money("4.02", "SSIAmount")
    ssdi = coded("4.02", "SSDI", "1.7")
    ssdi_amount = money("4.02", "SSDIAmount")
    va_disability_service = coded("4.02", "VADisabilityService", "1.7")
    va_disability_service_amount = money("4.02", "VADisabilityServiceAmount")
    va_disability_non_service = coded("4.02", "VADisabilityNonService", "1.7")
    va_disability_non_service_amount = money("4.02", "VADisabilityNonServiceAmount")
    private_disability = coded("4.02", "PrivateDisability", "1.7")
    private_disability_amount = money("4.02", "PrivateDisabilityAmount")
    workers_comp = coded("4.02", "WorkersComp", "1.7")
    workers_comp_amount = money("4.02", "WorkersCompAmount")
    tanf = coded("4.02", "TANF", "1.7")
    tanf_amount = money("4.02", "TANFAmount")
    ga = coded("4.02", "GA", "1.7")
    ga_amount = money("4.02", "GAAmount")
    soc_sec_retirement = coded("4.02", "SocSecRetirement", "1.7")
    soc_sec_retirement_amount = money("4.02", "SocSecRetirementAmount")
    pension = coded("4.02", "Pension", "1.7")
    pension_amount = money("4.02", "PensionAmount")
    child_support = coded("4.02", "ChildSupport", "1.7")
    child_support_amount = money("4.02", "ChildSupportAmount")
    alimony = coded("4.02", "Alimony", "1.7")
    alimony_amount = money("4.02", "AlimonyAmount")
    other_income_source = coded("4.02", "OtherIncomeSource", "1.7")
    other_income_amount = money("4.02", "OtherIncomeAmount")
    other_income_source_identify = text("4.02", "OtherIncomeSourceIdentify", 50)
    benefits_from_any_source = element(
        fields.SmallIntField(null=True), "4.03", "BenefitsFromAnySource", codes=codes.YES_NO_REASONS
    )
    snap = coded("4.03", "SNAP", "1.7")
    wic = coded("4.03", "WIC", "1.7")
    tanf_child_care = coded("4.03", "TANFChildCare", "1.7")
    tanf_transportation = coded("4.03", "TANFTransportation", "1.7")
    other_tanf = coded("4.03", "OtherTANF", "1.7")
    other_benefits_source = coded("4.03", "OtherBenefitsSource", "1.7")
    other_benefits_source_identify = text("4.03", "OtherBenefitsSourceIdentify", 50)
    # 4.04 health insurance: health information (decision 136)
    insurance_from_any_source = element(
        fields.SmallIntField(null=True),
        "4.04",
        "InsuranceFromAnySource",
        codes=codes.YES_NO_REASONS,
        category=_HEALTH,
    )
    medicaid = coded("4.04", "Medicaid", "1.7", category=_HEALTH)
    no_medicaid_reason = coded("4.04", "NoMedicaidReason", "4.04.A", category=_HEALTH)
    medicare = coded("4.04", "Medicare", "1.7", category=_HEALTH)
    no_medicare_reason = coded("4.04", "NoMedicareReason", "4.04.A", category=_HEALTH)
    schip = coded("4.04", "SCHIP", "1.7", category=_HEALTH)
    no_schip_reason = coded("4.04", "NoSCHIPReason", "4.04.A", category=_HEALTH)
    vha_services = coded("4.04", "VHAServices", "1.7", category=_HEALTH)
    no_vha_reason = coded("4.04", "NoVHAReason", "4.04.A", category=_HEALTH)
    employer_provided = coded("4.04", "EmployerProvided", "1.7", category=_HEALTH)
    no_employer_provided_reason = coded(
        "4.04", "NoEmployerProvidedReason", "4.04.A", category=_HEALTH
    )
    cobra = coded("4.04", "COBRA", "1.7", category=_HEALTH)
    no_cobra_reason = coded("4.04", "NoCOBRAReason", "4.04.A", category=_HEALTH)
    private_pay = coded("4.04", "PrivatePay", "1.7", category=_HEALTH)
    no_private_pay_reason = coded("4.04", "NoPrivatePayReason", "4.04.A", category=_HEALTH)
    state_health_ins = coded("4.04", "StateHealthIns", "1.7", category=_HEALTH)
    no_state_health_ins_reason = coded("4.04", "NoStateHealthInsReason", "4.04.A", category=_HEALTH)
    indian_health_services = coded("4.04", "IndianHealthServices", "1.7", category=_HEALTH)
    no_indian_health_services_reason = coded(
        "4.04", "NoIndianHealthServicesReason", "4.04.A", category=_HEALTH
    )
    other_insurance = coded("4.04", "OtherInsurance", "1.7", category=_HEALTH)
    other_insurance_identify = text("4.04", "OtherInsuranceIdentify", 50, category=_HEALTH)
    # W3 HIV/AIDS medical assistance: says the client lives with HIV (decision 136)
    adap = coded("W3", "ADAP", "1.8", category=_HEALTH)
    no_adap_reason = coded("W3", "NoADAPReason", "W3", category=_HEALTH)
    ryan_white_med_dent = coded("W3", "RyanWhiteMedDent", "1.8", category=_HEALTH)
    no_ryan_white_reason = coded("W3", "NoRyanWhiteReason", "W3", category=_HEALTH)
    connection_with_soar = coded("4.02", "ConnectionWithSOAR", "1.8")
    data_collection_stage = _stage()

    class Meta:
        table = "income_benefits"
        unique_together = (("enrollment", "source_system", "source_id"),)


class Disability(Provenance):
    """A disability at a collection stage (HUD Disabilities.csv). Type 10 is substance use."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="disabilities", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    information_date = _information_date()
    data_collection_stage = _stage()
    disability_type = element(
        fields.SmallIntField(),
        "1.3",
        "DisabilityType",
        "SUBSTANCE_USE_DISORDER (10) is 42 CFR Part 2 data.",
        codes=codes.DISABILITY_TYPE,
    )
    disability_response = element(
        fields.SmallIntField(),
        "4.05",
        "DisabilityResponse",
        codes=codes.YES_NO_REASONS,
        codes_when=("disability_type", codes.SUBSTANCE_USE_DISORDER, codes.SUBSTANCE_USE_RESPONSE),
    )
    indefinite_and_impairs = element(
        fields.SmallIntField(null=True), "4.05", "IndefiniteAndImpairs", codes=codes.YES_NO_REASONS
    )
    # W4 T-cell (CD4) and viral load, HOPWA: HIV/AIDS health information (decision 136)
    t_cell_count_available = coded("W4", "TCellCountAvailable", "1.8", category=_HEALTH)
    t_cell_count = number("W4", "TcellCount", category=_HEALTH)
    t_cell_source = coded("W4", "TcellSource", "W4.B", category=_HEALTH)
    viral_load_available = coded("W4", "ViralLoadAvailable", "W4.3", category=_HEALTH)
    viral_load = number("W4", "ViralLoad", category=_HEALTH)
    viral_load_source = coded("W4", "ViralLoadSource", "W4.B", category=_HEALTH)
    anti_retroviral = coded("W4", "AntiRetroviral", "1.8", category=_HEALTH)

    class Meta:
        table = "disability"
        unique_together = (("enrollment", "source_system", "source_id"),)


class HealthAndDv(Provenance):
    """Health and domestic violence at a collection stage (HUD HealthAndDV.csv)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="health_and_dv", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    information_date = _information_date()
    data_collection_stage = _stage()
    domestic_violence_survivor = element(
        fields.SmallIntField(null=True),
        "4.11",
        "DomesticViolenceSurvivor",
        codes=codes.YES_NO_REASONS,
        category=_DV,
    )
    when_occurred = element(
        fields.SmallIntField(null=True),
        "4.11",
        "WhenOccurred",
        codes=codes.WHEN_OCCURRED,
        category=_DV,
    )
    currently_fleeing = element(
        fields.SmallIntField(null=True),
        "4.11",
        "CurrentlyFleeing",
        codes=codes.YES_NO_REASONS,
        category=_DV,
    )
    general_health_status = element(
        fields.SmallIntField(null=True),
        "R7",
        "GeneralHealthStatus",
        codes=codes.HEALTH_STATUS,
        category=_HEALTH,
    )
    dental_health_status = element(
        fields.SmallIntField(null=True),
        "R7",
        "DentalHealthStatus",
        codes=codes.HEALTH_STATUS,
        category=_HEALTH,
    )
    mental_health_status = element(
        fields.SmallIntField(null=True),
        "R7",
        "MentalHealthStatus",
        codes=codes.HEALTH_STATUS,
        category=_HEALTH,
    )
    pregnancy_status = element(
        fields.SmallIntField(null=True),
        "R10",
        "PregnancyStatus",
        codes=codes.YES_NO_REASONS,
        category=_HEALTH,
    )
    due_date = element(fields.DateField(null=True), "R10", "DueDate", category=_HEALTH)

    class Meta:
        table = "health_and_dv"
        unique_together = (("enrollment", "source_system", "source_id"),)


class EmploymentEducation(Provenance):
    """Education and employment at a collection stage (HUD EmploymentEducation.csv, R4-R6)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="employment_education", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    information_date = _information_date()
    last_grade_completed = coded("R4", "LastGradeCompleted", "R4.1")
    school_status = coded("R5", "SchoolStatus", "R5.1")
    employed = coded("R6", "Employed", "1.8")
    employment_type = coded("R6", "EmploymentType", "R6.A")
    not_employed_reason = coded("R6", "NotEmployedReason", "R6.B")
    data_collection_stage = _stage()

    class Meta:
        table = "employment_education"
        unique_together = (("enrollment", "source_system", "source_id"),)


class YouthEducationStatus(Provenance):
    """A youth's education status at a collection stage (HUD YouthEducationStatus.csv, C3)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = fields.ForeignKeyField(
        "hearth.Enrollment", related_name="youth_education_status", on_delete=fields.RESTRICT
    )
    enrollment_id: uuid.UUID
    information_date = _information_date()
    current_school_attend = coded("C3", "CurrentSchoolAttend", "C3.2")
    most_recent_ed_status = coded("C3", "MostRecentEdStatus", "C3.A")
    current_ed_status = coded("C3", "CurrentEdStatus", "C3.B")
    data_collection_stage = _stage()

    class Meta:
        table = "youth_education_status"
        unique_together = (("enrollment", "source_system", "source_id"),)
