"""The client data element registry: each element of client data declared once.

An element is declared on its model field, with :func:`element`: the Tortoise field is the
database column (type, length, null, default: read back from ``Model._meta``), and the
declaration adds what HUD and Hearth say about it: the data standards number, the HUD CSV
column (the file is the model's, :data:`HUD_FILES`), the value list, the release category that
masks it, the FY2024 column name where it differs. Everything else is derived from the
:class:`Registry`: GraphQL types and inputs (``schema.elements``), validation
(``services.elements``), masking (``authz.clients``), the HUD CSV columns of the export and the
import (``services.hudcsv.elements``). Adding an element is one declaration plus its migration.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from tortoise import fields
from tortoise.fields.base import Field
from tortoise.models import Model

from models.enums import ReleaseCategory
from models.hud.codes import Codes, hud_list
from models.names import camel

__all__ = [
    "CLIENT_FILES",
    "HUD_FILES",
    "PROJECT_FILES",
    "Element",
    "Registry",
    "coded",
    "day",
    "element",
    "money",
    "number",
    "registry",
    "text",
    "updated_by",
]

# The models whose fields are HUD data elements, and the HUD CSV file each one is: first the
# client data (masked by the client-data policy, under row-level security), then the agency and
# project data (decision 137: one source of truth for every HUD CSV column).
CLIENT_FILES = {
    "Client": "Client",
    "Enrollment": "Enrollment",
    "Exit": "Exit",
    "Service": "Services",
    "IncomeBenefits": "IncomeBenefits",
    "Disability": "Disabilities",
    "HealthAndDv": "HealthAndDV",
    "EmploymentEducation": "EmploymentEducation",
    "YouthEducationStatus": "YouthEducationStatus",
    "CurrentLivingSituation": "CurrentLivingSituation",
    "Assessment": "Assessment",
    "AssessmentQuestion": "AssessmentQuestions",
    "AssessmentResult": "AssessmentResults",
    "Event": "Event",
}
PROJECT_FILES = {
    "Project": "Project",
    "ProjectCoc": "ProjectCoC",
    "Funder": "Funder",
    "Inventory": "Inventory",
    "Affiliation": "Affiliation",
    "HmisParticipation": "HMISParticipation",
    "CeParticipation": "CEParticipation",
}
HUD_FILES = {**CLIENT_FILES, **PROJECT_FILES}

_KINDS: tuple[tuple[type[Field[Any]], type], ...] = (
    (fields.DatetimeField, datetime.datetime),
    (fields.DateField, datetime.date),
    (fields.DecimalField, Decimal),
    (fields.JSONField, dict),
    (fields.CharField, str),
    (fields.TextField, str),
    (fields.SmallIntField, int),
    (fields.IntField, int),
    (fields.BooleanField, bool),
)


@dataclass(frozen=True, slots=True)
class Element:
    """One element of client data. The first group is declared; ``model`` to ``default`` are
    read from the model's field when the registry is built (or given, for an element with no
    model, as the tests make)."""

    ref: str | None  # HUD data standards number ("3.04"); None: an element of Hearth's own
    column: str | None  # the HUD CSV column; None: not in HUD CSV
    description: str = ""  # what the API documentation says beyond the number and column
    codes: Codes | None = None
    # Another value list that applies when another element of the row has a value:
    # (that element's name, its value, the list).
    codes_when: tuple[str, object, Codes] | None = None
    # The release category that masks the value (None: whoever sees the row sees the value).
    category: ReleaseCategory | None = None
    # Shown in full only to FULL access at an agency holding the client's consent (the SSN).
    full_access_only: bool = False
    # The GraphQL name, where camel-casing ``name`` would not give HUD's spelling.
    graphql_name: str | None = None
    fy2024: str | None = None  # the FY2024 CSV column, where it differs
    settable: bool = True  # False: Hearth derives it (clients and imports never set it)
    # Shown in the CSV as this when blank (HUD's "defaults on export").
    csv_default: int | None = None
    model: str = ""
    name: str = ""
    kind: type = object
    max_length: int | None = None
    nullable: bool = True
    default: Any = None

    @property
    def file(self) -> str | None:
        """The HUD CSV file, when the element is a HUD CSV column."""
        return HUD_FILES.get(self.model) if self.column else None

    @property
    def client_data(self) -> bool:
        """Whether the element is client data (else agency or project data)."""
        return self.model in CLIENT_FILES

    @property
    def api_name(self) -> str:
        """The GraphQL name (and the name validation errors report)."""
        return self.graphql_name or camel(self.name)

    def codes_for(self, row: Mapping[str, object]) -> Codes | None:
        """The value list that applies in ``row`` (element names to values)."""
        if self.codes_when is not None:
            name, value, codes = self.codes_when
            if row.get(name) == value:
                return codes
        return self.codes

    @property
    def has_default(self) -> bool:
        return self.default is not None

    def doc(self) -> str:
        """The API documentation's line: number and column, then the description."""
        head = " ".join(p for p in (self.ref, self.column) if p)
        if head and self.description:
            return f"{head}: {self.description}"
        return f"{head}." if head else self.description


_F = TypeVar("_F", bound=Field[Any])


def element(
    field: _F,
    ref: str | None,
    column: str | None,
    description: str = "",
    **declared: Any,
) -> _F:
    """Declare the field ``field`` a client data element; the field itself is returned, so the
    model still declares its column as usual."""
    field.hud_element = Element(ref, column, description, **declared)  # type: ignore[attr-defined]  # the declaration rides on Tortoise's field
    return field


def coded(ref: str, column: str, codes_ref: str, description: str = "", **declared: Any) -> Any:
    """A nullable coded element (a small integer on HUD's value list ``codes_ref``)."""
    return element(
        fields.SmallIntField(null=True),
        ref,
        column,
        description,
        codes=hud_list(codes_ref),
        **declared,
    )


def number(ref: str, column: str, description: str = "", **declared: Any) -> Any:
    """A nullable whole number (a count, a score, a year)."""
    return element(fields.IntField(null=True), ref, column, description, **declared)


def day(ref: str, column: str, description: str = "", **declared: Any) -> Any:
    return element(fields.DateField(null=True), ref, column, description, **declared)


def text(ref: str, column: str, length: int, description: str = "", **declared: Any) -> Any:
    return element(
        fields.CharField(max_length=length, null=True), ref, column, description, **declared
    )


def money(ref: str, column: str, description: str = "", **declared: Any) -> Any:
    return element(
        fields.DecimalField(max_digits=12, decimal_places=2, null=True),
        ref,
        column,
        description,
        **declared,
    )


def updated_by() -> Any:
    """HUD 5.07 UserID is the user who created the record or last updated it: the last
    updater (None: nobody since its author)."""
    return fields.ForeignKeyField(
        "hearth.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )


def _bind(model: type[Model], name: str, field: Field[Any]) -> Element:
    declared: Element = field.hud_element  # type: ignore[attr-defined]  # set by element()
    kind = next((k for f, k in _KINDS if isinstance(field, f)), object)
    default = field.default if not callable(field.default) else None
    return dataclasses.replace(
        declared,
        model=model.__name__,
        name=name,
        kind=kind,
        max_length=getattr(field, "max_length", None),
        nullable=bool(field.null),
        default=default,
    )


class Registry:
    """The elements, by model, in the order the models declare them."""

    def __init__(self, elements: Iterable[Element]) -> None:
        self._elements = tuple(elements)
        by_model: dict[str, list[Element]] = {}
        for item in self._elements:
            by_model.setdefault(item.model, []).append(item)
        self._by_model = {model: tuple(items) for model, items in by_model.items()}

    def __iter__(self) -> Iterator[Element]:
        return iter(self._elements)

    def of(self, model: str | type[Model]) -> tuple[Element, ...]:
        """The elements of one model (its name or the class)."""
        name = model if isinstance(model, str) else model.__name__
        return self._by_model.get(name, ())

    def get(self, model: str | type[Model], name: str) -> Element:
        for item in self.of(model):
            if item.name == name:
                return item
        raise KeyError(f"{model}.{name} is not a client data element")

    def in_file(self, file: str) -> tuple[Element, ...]:
        """The elements written to one HUD CSV file, in the model's order."""
        return tuple(e for e in self._elements if e.file == file)

    def with_elements(self, *extra: Element) -> Registry:
        """This registry and ``extra`` (the tests add elements of no model)."""
        return Registry((*self._elements, *extra))


def models() -> tuple[type[Model], ...]:
    """The models that carry HUD data elements (imported here: the registry module is imported
    by the models themselves)."""
    from models.clients import Client
    from models.coordinated_entry import (
        Assessment,
        AssessmentQuestion,
        AssessmentResult,
        CurrentLivingSituation,
        Event,
    )
    from models.enrollments import (
        Disability,
        EmploymentEducation,
        Enrollment,
        Exit,
        HealthAndDv,
        IncomeBenefits,
        Service,
        YouthEducationStatus,
    )
    from models.governance import Project
    from models.project_data import (
        Affiliation,
        CeParticipation,
        Funder,
        HmisParticipation,
        Inventory,
        ProjectCoc,
    )

    found = (
        Client,
        Enrollment,
        Exit,
        Service,
        IncomeBenefits,
        Disability,
        HealthAndDv,
        EmploymentEducation,
        YouthEducationStatus,
        CurrentLivingSituation,
        Assessment,
        AssessmentQuestion,
        AssessmentResult,
        Event,
        Project,
        ProjectCoc,
        Funder,
        Inventory,
        Affiliation,
        HmisParticipation,
        CeParticipation,
    )
    assert [m.__name__ for m in found] == list(HUD_FILES), "HUD_FILES and models() disagree"
    return found


@functools.cache
def registry() -> Registry:
    """Every element the models declare."""
    return Registry(
        _bind(model, name, field)
        for model in models()
        for name, field in model._meta.fields_map.items()
        if hasattr(field, "hud_element")
    )
