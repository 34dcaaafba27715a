"""The variables a data request may ask for and a DSA extract may hold, declared once.

Names are the HUD HMIS CSV FY2026 columns (Client.csv, Enrollment.csv, Exit.csv), described by
the element registry that declares them (``models.hud.elements``), plus Hearth's ids and the
three PII items of policy 405 that are not HUD columns (initials, phone, e-mail). ``pii`` is policy
405's own definition: names, initials, date of birth, phone number, e-mail address and social
security number. An aggregate request (no PII) may break counts down by the variables that are
not PII; any PII variable needs a Data Sharing Agreement. ``level`` says whether the variable is
the client's (one value per person) or the enrollment's (one per stay): an extract of client
variables only has a row per client, otherwise a row per enrollment.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.hud.elements import registry
from services.errors import ValidationFailed

__all__ = ["BY_NAME", "PII", "VARIABLES", "Variable", "check_variables"]


@dataclass(frozen=True, slots=True)
class Variable:
    name: str  # the HUD CSV column (or Initials, Phone, Email)
    level: str  # "client" or "enrollment"
    pii: bool  # policy 405: names, initials, DOB, phone, e-mail, SSN
    description: str


def _own(name: str, level: str, description: str, *, pii: bool = False) -> Variable:
    """A variable of Hearth's own (an id, or a PII item of 405 that is not a HUD column)."""
    return Variable(name, level, pii, description)


def _hud(model: str, column: str, *, pii: bool = False) -> Variable:
    """A HUD CSV column, as the element registry declares it (its number, column and note):
    a column the registry does not hold fails here, at import."""
    (element,) = [e for e in registry().of(model) if e.column == column]
    return Variable(column, "client" if model == "Client" else "enrollment", pii, element.doc())


VARIABLES: tuple[Variable, ...] = (
    _own(
        "PersonalID", "client", "Hearth's id of the client (a key with no meaning outside Hearth)."
    ),
    *(_hud("Client", c, pii=True) for c in ("FirstName", "MiddleName", "LastName", "NameSuffix")),
    _own("Initials", "client", "The first letters of the first and last names.", pii=True),
    _hud("Client", "NameDataQuality"),
    _hud("Client", "SSN", pii=True),
    _hud("Client", "SSNDataQuality"),
    _hud("Client", "DOB", pii=True),
    _hud("Client", "DOBDataQuality"),
    _own("Phone", "client", "The client's phone number.", pii=True),
    _own("Email", "client", "The client's e-mail address.", pii=True),
    *(
        _hud("Client", c)
        for c in (
            "Sex",
            "AmIndAKNative",
            "Asian",
            "BlackAfAmerican",
            "HispanicLatinao",
            "MidEastNAfrican",
            "NativeHIPacific",
            "White",
            "RaceNone",
            "VeteranStatus",
        )
    ),
    _own("EnrollmentID", "enrollment", "Hearth's id of the enrollment."),
    _own("ProjectID", "enrollment", "The project of the enrollment."),
    *(
        _hud("Enrollment", c)
        for c in (
            "EntryDate",
            "HouseholdID",
            "RelationshipToHoH",
            "LivingSituation",
            "DisablingCondition",
            "MoveInDate",
        )
    ),
    _hud("Exit", "ExitDate"),
    _hud("Exit", "Destination"),
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
