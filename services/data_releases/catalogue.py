"""The variables a data request may ask for and a DSA extract may hold, declared once.

Names are the HUD HMIS CSV FY2026 columns (Client.csv, Enrollment.csv, Exit.csv) plus the three
PII items of policy 405 that are not HUD columns (initials, phone, e-mail). ``pii`` is policy
405's own definition: names, initials, date of birth, phone number, e-mail address and social
security number. An aggregate request (no PII) may break counts down by the variables that are
not PII; any PII variable needs a Data Sharing Agreement. ``level`` says whether the variable is
the client's (one value per person) or the enrollment's (one per stay): an extract of client
variables only has a row per client, otherwise a row per enrollment.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import ValidationFailed

__all__ = ["BY_NAME", "PII", "VARIABLES", "Variable", "check_variables"]


@dataclass(frozen=True, slots=True)
class Variable:
    name: str  # the HUD CSV column (or Initials, Phone, Email)
    level: str  # "client" or "enrollment"
    pii: bool  # policy 405: names, initials, DOB, phone, e-mail, SSN
    description: str


def _c(name: str, description: str, *, pii: bool = False) -> Variable:
    return Variable(name, "client", pii, description)


def _e(name: str, description: str) -> Variable:
    return Variable(name, "enrollment", False, description)


VARIABLES: tuple[Variable, ...] = (
    _c("PersonalID", "Hearth's id of the client (a key with no meaning outside Hearth)."),
    _c("FirstName", "3.01 first name.", pii=True),
    _c("MiddleName", "3.01 middle name.", pii=True),
    _c("LastName", "3.01 last name.", pii=True),
    _c("NameSuffix", "3.01 name suffix.", pii=True),
    _c("Initials", "The first letters of the first and last names.", pii=True),
    _c("NameDataQuality", "3.01 name data quality."),
    _c("SSN", "3.02 social security number.", pii=True),
    _c("SSNDataQuality", "3.02 SSN data quality."),
    _c("DOB", "3.03 date of birth.", pii=True),
    _c("DOBDataQuality", "3.03 DOB data quality."),
    _c("Phone", "The client's phone number.", pii=True),
    _c("Email", "The client's e-mail address.", pii=True),
    _c("Sex", "4.21 sex."),
    _c("AmIndAKNative", "3.04 American Indian, Alaska Native or Indigenous."),
    _c("Asian", "3.04 Asian or Asian American."),
    _c("BlackAfAmerican", "3.04 Black, African American or African."),
    _c("HispanicLatinao", "3.04 Hispanic/Latina/e/o."),
    _c("MidEastNAfrican", "3.04 Middle Eastern or North African."),
    _c("NativeHIPacific", "3.04 Native Hawaiian or Pacific Islander."),
    _c("White", "3.04 White."),
    _c("RaceNone", "3.04 client doesn't know, prefers not to answer, not collected."),
    _c("VeteranStatus", "3.07 veteran status."),
    _e("EnrollmentID", "Hearth's id of the enrollment."),
    _e("ProjectID", "The project of the enrollment."),
    _e("EntryDate", "3.10 project start date."),
    _e("HouseholdID", "3.14 household id."),
    _e("RelationshipToHoH", "3.15 relationship to head of household."),
    _e("LivingSituation", "3.917 prior living situation."),
    _e("DisablingCondition", "3.08 disabling condition."),
    _e("MoveInDate", "3.20 housing move-in date."),
    _e("ExitDate", "3.11 project exit date."),
    _e("Destination", "3.12 destination."),
)
BY_NAME = {v.name: v for v in VARIABLES}
PII = frozenset(v.name for v in VARIABLES if v.pii)


def check_variables(names: list[str], *, field: str = "variables") -> list[str]:
    """Known variable names, each once, in the catalogue's order; VALIDATION otherwise."""
    if not names:
        raise ValidationFailed("Name at least one variable.", field=field)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValidationFailed(
            f"Unknown variable {unknown[0][:40]!r}: see the catalogue (dataReleaseVariables).",
            field=field,
        )
    if len(set(names)) != len(names):
        raise ValidationFailed("Name each variable once.", field=field)
    return [v.name for v in VARIABLES if v.name in set(names)]
