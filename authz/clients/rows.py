"""Which of a client's records a caller sees: each table's release category, Part 2 included.

A row is seen by a caller who sees rows of its category written by its agency
(:meth:`ClientAccess.sees_row`). Each table of client records has one category, except
disabilities: a substance use disorder (DisabilityType 10) is 42 CFR Part 2 data, shared only
by a release naming SUBSTANCE_USE, while the other types are HEALTH. The rule is given two ways
from the same declaration: as a Python test of one row (:func:`sees`), and as SQL conditions
(Tortoise ``Q``) that select the rows a set of clients' access allows (:func:`client_rows` for
tables with the client and agency on the row, :func:`enrollment_rows` for an enrollment's rows,
whose agency is the enrollment's).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tortoise.expressions import Q
from tortoise.models import Model

from authz.clients.access import ClientAccess
from models.case_notes import CaseNote
from models.clients import Client, ClientAnnotation, ConsentToEnter
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
from models.enums import ReleaseCategory
from models.hud.codes import SUBSTANCE_USE_DISORDER
from models.hud.elements import registry
from models.releases import Release

__all__ = [
    "ROW_RULES",
    "RowRule",
    "annotatable_fields",
    "annotation_categories",
    "client_rows",
    "enrollment_rows",
    "rule",
    "sees",
    "shows_annotation",
    "shows_consent",
    "shows_release",
]


@dataclass(frozen=True, slots=True)
class RowRule:
    """A table's release category; rows whose ``column`` holds one of ``values`` are of
    ``other`` instead."""

    category: ReleaseCategory
    column: str | None = None
    values: frozenset[Any] = frozenset()
    other: ReleaseCategory | None = None

    @property
    def categories(self) -> tuple[ReleaseCategory, ...]:
        return (self.category,) if self.other is None else (self.category, self.other)

    def category_of(self, row: Any) -> ReleaseCategory:
        """One row's category (a model instance or a dict of its columns)."""
        if self.column is None or self.other is None:
            return self.category
        value = row[self.column] if isinstance(row, dict) else getattr(row, self.column)
        return self.other if value in self.values else self.category

    def only(self, category: ReleaseCategory, condition: Q) -> Q:
        """``condition``, narrowed to the rows of this category."""
        if self.column is None or self.other is None:
            return condition
        in_values: dict[str, Any] = {f"{self.column}__in": list(self.values)}
        within = Q(**in_values)
        return condition & (within if category == self.other else ~within)


_ENROLLMENT = RowRule(ReleaseCategory.ENROLLMENT_AND_SERVICES)
ROW_RULES: dict[type[Model], RowRule] = {
    Enrollment: _ENROLLMENT,
    Exit: _ENROLLMENT,
    Service: _ENROLLMENT,
    IncomeBenefits: _ENROLLMENT,
    HealthAndDv: _ENROLLMENT,  # its fields are masked by their own categories (authz.clients.fields)
    Disability: RowRule(
        ReleaseCategory.HEALTH,
        column="disability_type",
        values=frozenset({SUBSTANCE_USE_DISORDER}),
        other=ReleaseCategory.SUBSTANCE_USE,
    ),
    CaseNote: RowRule(ReleaseCategory.CASE_NOTES),
    # An enrollment's other records are of its category (decision 136); the fields that say
    # more (a CE answer, where the client was met) are masked by their own categories.
    EmploymentEducation: _ENROLLMENT,
    YouthEducationStatus: _ENROLLMENT,
    CurrentLivingSituation: _ENROLLMENT,
    Assessment: _ENROLLMENT,
    AssessmentQuestion: _ENROLLMENT,
    AssessmentResult: _ENROLLMENT,
    Event: _ENROLLMENT,
}


def rule(model: type[Model]) -> RowRule:
    """The table's rule; a table of client records without one is refused loudly."""
    try:
        return ROW_RULES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no release category in authz.clients") from None


def sees(model: type[Model], row: Any, agency_id: UUID, access: ClientAccess) -> bool:
    """Whether the caller sees this row of ``model``, written by ``agency_id``."""
    return access.sees_row(agency_id, rule(model).category_of(row))


def client_rows(model: type[Model], accesses: Mapping[UUID, ClientAccess | None]) -> Q:
    """The rows of ``model`` (a table with ``client_id`` and ``agency_id``) the caller sees,
    for these clients; a client with no access (None) contributes nothing."""
    table = rule(model)
    condition = Q(id=None)
    for category in table.categories:
        # clients grouped by the agencies whose rows the caller sees: one condition per group
        groups: dict[frozenset[UUID], list[UUID]] = defaultdict(list)
        for client_id, access in accesses.items():
            if access is not None and (agencies := access.row_agencies(category)):
                groups[agencies].append(client_id)
        for agencies, clients in groups.items():
            condition |= table.only(
                category, Q(client_id__in=clients, agency_id__in=list(agencies))
            )
    return condition


def enrollment_rows(
    model: type[Model], enrollments: Iterable[tuple[UUID, UUID, ClientAccess | None]]
) -> Q:
    """The rows of ``model`` (an enrollment's table) the caller sees, for these enrollments,
    each given with its agency and the caller's access to its client."""
    table = rule(model)
    seen: dict[ReleaseCategory, list[UUID]] = {category: [] for category in table.categories}
    for enrollment_id, agency_id, access in enrollments:
        if access is None:
            continue
        for category, ids in seen.items():
            if access.sees_row(agency_id, category):
                ids.append(enrollment_id)
    condition = Q(id=None)
    for category, ids in seen.items():
        if ids:
            condition |= table.only(category, Q(enrollment_id__in=ids))
    return condition


# The fields a correction or supplement may name (GraphQL names, policy 207 f), each with the
# category of what it annotates: an annotation is shown as the field's own rows are, by the
# annotating agency's sharing of that category (decision 99). The client's identifying elements
# come from the element registry; the rest are groups and lists.
_ANNOTATED_GROUPS: dict[str, ReleaseCategory] = {
    "race": ReleaseCategory.IDENTIFYING,
    "address": ReleaseCategory.IDENTIFYING,
    "record": ReleaseCategory.IDENTIFYING,
    "enrollments": ReleaseCategory.ENROLLMENT_AND_SERVICES,
    "services": ReleaseCategory.ENROLLMENT_AND_SERVICES,
    "caseNotes": ReleaseCategory.CASE_NOTES,
}
_ANNOTATED_ELEMENTS = (
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "ssn",
    "dob",
    "sex",
    "veteran_status",
    "phone",
    "email",
)


@functools.cache
def annotation_categories() -> dict[str, ReleaseCategory]:
    """The annotatable fields (GraphQL names) and the category each annotation takes."""
    categories = dict(_ANNOTATED_GROUPS)
    for item in registry().of(Client):
        if item.name in _ANNOTATED_ELEMENTS and item.category is not None:
            categories[item.api_name] = item.category
    return categories


def annotatable_fields() -> frozenset[str]:
    """The fields a correction may name (policy 207 f)."""
    return frozenset(annotation_categories())


def shows_annotation(access: ClientAccess, annotation: ClientAnnotation) -> bool:
    """A correction or supplement is shown to a caller who sees the annotating agency's rows of
    the category of the field it annotates; one on a field no longer known, to nobody else."""
    category = annotation_categories().get(annotation.field)
    if category is None:
        return annotation.agency_id in access.scope.read_agencies
    return access.sees_row(annotation.agency_id, category)


def shows_consent(access: ClientAccess, consent: ConsentToEnter) -> bool:
    """Consents are shown to the agencies that hold them."""
    return consent.agency_id in access.scope.read_agencies


def shows_release(access: ClientAccess, release: Release) -> bool:
    """A release is shown to the agencies that recorded it and to those it shares with."""
    return (
        release.releasing_agency_id in access.scope.read_agencies
        or release.id in access.release_ids
    )
