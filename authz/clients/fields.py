"""Wall 3: the one place that decides which client data fields a caller receives.

Each element's masking category comes from the element registry (``models.hud.elements``): an
element with no category is shown to whoever sees its row; a client's element with a category
is shown to a caller who sees that category of the client's data; an element of a record (a
health and DV row's groups) to a caller who sees that category of the writing agency's records.
The SSN is shown in full only to FULL access at an agency holding the client's consent; others
who may see identifying data get its last four digits. Masked fields come back as None, and the
client's ``access`` object tells the UI why: a record is never denied whole for one field.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from authz.clients.access import ClientAccess
from models.clients import Client
from models.enums import ReleaseCategory
from models.hud.elements import Element, Registry, registry

__all__ = [
    "CLIENT_ALWAYS_VISIBLE",
    "client_fields",
    "mask_record",
    "masked_elements",
    "row_fields",
    "row_shows",
    "shows",
]

# Columns of a client that are not elements and say nothing about the person.
# deidentified_at: when the retention run removed the identifiers (policy 303); not PII itself.
CLIENT_ALWAYS_VISIBLE = ("id", "version", "created_at", "updated_at", "deidentified_at")


def shows(item: Element, access: ClientAccess) -> bool:
    """Whether the caller sees this element of a client they see."""
    if item.category is None:
        return True
    if item.full_access_only:
        return access.can_view_full_ssn
    return access.sees_category(item.category)


@functools.cache
def _client_plan(
    elements: Registry,
) -> tuple[tuple[str, ...], tuple[tuple[ReleaseCategory, tuple[str, ...]], ...], tuple[str, ...]]:
    """The client's elements grouped once per registry (a page of clients asks for every
    element of each): those always shown, those of each category, those shown only to full
    access."""
    always: list[str] = list(CLIENT_ALWAYS_VISIBLE)
    by_category: dict[ReleaseCategory, list[str]] = {}
    full_only: list[str] = []
    for item in elements.of(Client):
        if item.full_access_only:
            full_only.append(item.name)
        elif item.category is None:
            always.append(item.name)
        else:
            by_category.setdefault(item.category, []).append(item.name)
    grouped = tuple((category, tuple(names)) for category, names in by_category.items())
    return tuple(always), grouped, tuple(full_only)


def client_fields(
    client: Client, access: ClientAccess, elements: Registry | None = None
) -> dict[str, Any]:
    """The client's elements (and the columns in :data:`CLIENT_ALWAYS_VISIBLE`) as this caller
    may see them; masked ones are None."""
    always, by_category, full_only = _client_plan(elements or registry())
    values: dict[str, Any] = {name: getattr(client, name, None) for name in always}
    for category, names in by_category:
        if access.sees_category(category):
            values.update({name: getattr(client, name, None) for name in names})
        else:
            values.update(dict.fromkeys(names))
    full = access.can_view_full_ssn
    values.update({name: getattr(client, name, None) if full else None for name in full_only})
    return values


def row_fields(
    model: str,
    values: Any,
    *,
    own: bool,
    access: ClientAccess | None,
    agency_id: UUID | None,
    elements: Registry | None = None,
) -> dict[str, Any]:
    """A record's elements (from a model instance or a dict of its columns), each masked unless
    it has no category, the caller wrote the record (``own``), or the writing agency
    (``agency_id``) shares its category with the caller."""
    get: Callable[[str], Any] = (
        values.get if isinstance(values, dict) else lambda name: getattr(values, name, None)
    )
    result: dict[str, Any] = {}
    for item in (elements or registry()).of(model):
        shown = row_shows(item, own=own, access=access, agency_id=agency_id)
        result[item.name] = get(item.name) if shown else None
    return result


def row_shows(
    item: Element, *, own: bool, access: ClientAccess | None, agency_id: UUID | None
) -> bool:
    """Whether the caller sees this element of a record written by ``agency_id``: it has no
    category, the caller wrote the record (``own``), or the agency shares its category with
    them (an enrollment's HEALTH elements, an exit's DOMESTIC_VIOLENCE ones...)."""
    return (
        item.category is None
        or own
        or (
            access is not None
            and agency_id is not None
            and access.sees_row(agency_id, item.category)
        )
    )


def mask_record(
    row: Any,
    *,
    access: ClientAccess | None,
    agency_id: UUID | None,
    elements: Registry | None = None,
) -> Any:
    """``row`` (this request's own model instance of a client record) with each element the
    caller may not see set to None, as :func:`row_fields` decides; returned for chaining."""
    for item in masked_elements(type(row).__name__, elements):
        if not row_shows(item, own=False, access=access, agency_id=agency_id):
            setattr(row, item.name, None)
    return row


def masked_elements(model: str, elements: Registry | None = None) -> Iterable[Element]:
    """The elements of ``model`` that some caller may be refused (those with a category)."""
    return (item for item in (elements or registry()).of(model) if item.category is not None)
