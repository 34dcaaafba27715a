"""A project's roster on a date and its households, as the client-data policy shows them.

An enrollment is on the roster of a date when it had started (EntryDate on or before the date)
and had not ended: no exit, or an exit after the date. The exit date is the day the client
left, so a client exiting on the date is not on that date's roster (HUD counts nights: a bed
night is a night between the entry date and the day before the exit date, as the PIT count and
the LSA read them). Only enrollments the caller sees are listed: the client-data policy
(``authz.clients``) is asked for each client and each row; a household shows only the members
the caller sees, and says nothing of the others (not even how many there are).

A roster is read whole for its date (one statement for the project's enrollments, one for their
clients with the caller's access), then paged: a project's enrollments open on one date are
bounded by its beds and caseload, and the policy decides row by row in Python, so the page is
cut after it has decided (a page cut before would come out short, and its count wrong).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from tortoise.expressions import Q, Subquery

from authz import visibility
from authz.clients import ClientAccess, ClientScope, access_for, sees, visible_by_id
from authz.enforcer import Decisions
from models.clients import Client
from models.enrollments import Enrollment, Exit
from models.governance import Project
from services.errors import NotFound, ValidationFailed
from services.pagination import Page, check_page_size
from services.values import max_length

__all__ = [
    "HOH",
    "Roster",
    "household_key",
    "household_members",
    "no_household",
    "no_project",
    "project_roster",
    "roster_cursor",
    "visible_enrollments",
    "visible_project",
]

HOH = 1  # 3.15 RelationshipToHoH: self (head of household)
_PREFIX = "r1:"


@dataclass(frozen=True, slots=True)
class Roster:
    """A page of a project's roster, with the clients of its enrollments as the caller may see
    them (to answer the enrollments' ``client`` without another statement)."""

    project: Project
    page: Page[Enrollment]
    clients: dict[UUID, tuple[Client, ClientAccess]]


def _sort_key(row: Enrollment) -> tuple[str, int, str, str]:
    """Households together, the head first, then by entry date."""
    head = 0 if row.relationship_to_hoh == HOH else 1
    return (row.household_id, head, row.entry_date.isoformat(), str(row.id))


def roster_cursor(row: Enrollment) -> str:
    """The opaque keyset cursor of a roster entry: its position in the roster's order."""
    household, head, entry, key = _sort_key(row)
    text = f"{_PREFIX}{head}|{entry}|{key}|{household}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode(cursor: str) -> tuple[str, int, str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not raw.startswith(_PREFIX):
            raise ValueError(cursor)
        head, entry, key, household = raw[len(_PREFIX) :].split("|", 3)
        date.fromisoformat(entry)
        return (household, int(head), entry, str(UUID(key)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("The cursor is not one this API issued.", field="after") from None


async def visible_enrollments(
    scope: ClientScope, rows: list[Enrollment]
) -> tuple[list[Enrollment], dict[UUID, tuple[Client, ClientAccess]]]:
    """The rows the caller sees (in their order), and their clients with the caller's access, in
    one statement whatever their number: the client-data policy decides each."""
    clients = await visible_by_id(scope, list({row.client_id for row in rows}))
    access = await access_for(scope, clients)
    found = {client.id: (client, access[client.id]) for client in clients}
    shown = [
        row
        for row in rows
        if row.client_id in found and sees(Enrollment, row, row.agency_id, found[row.client_id][1])
    ]
    return shown, found


async def visible_project(decisions: Decisions, project_id: UUID) -> Project:
    """The project, if the caller may see it (``authz.visibility``); else NOT_FOUND."""
    project = await visibility.projects(decisions).filter(id=project_id).first()
    if project is None:
        raise no_project()
    return project


def no_project() -> NotFound:
    return NotFound("No such project, or you may not see it.", field="projectId")


def household_key(household_id: str) -> str:
    """A HouseholdID as a caller sent it, checked (VALIDATION on ``householdId``)."""
    limit = max_length(Enrollment, "household_id")
    if not 1 <= len(household_id) <= limit:
        raise ValidationFailed(f"householdId is 1 to {limit} characters.", field="householdId")
    return household_id


def no_household() -> NotFound:
    """The refusal of a household the caller sees no member of (or that does not exist)."""
    return NotFound("No such household, or you may not see it.", field="householdId")


async def project_roster(
    *,
    decisions: Decisions,
    scope: ClientScope,
    project_id: UUID,
    on: date,
    head_of_household: bool | None,
    first: int,
    after: str | None,
) -> Roster:
    """The enrollments of a project open on ``on`` that the caller sees, households together
    (the head first); ``head_of_household`` True: heads only, False: the other members only."""
    check_page_size(first)
    start = _decode(after) if after is not None else None
    project = await visible_project(decisions, project_id)
    ended = Exit.filter(enrollment__project_id=project.id, exit_date__lte=on)
    candidates = Enrollment.filter(project_id=project.id, entry_date__lte=on).exclude(
        id__in=Subquery(ended.values("enrollment_id"))
    )
    if head_of_household is not None:
        candidates = (
            candidates.filter(relationship_to_hoh=HOH)
            if head_of_household
            else candidates.exclude(relationship_to_hoh=HOH)
        )
    shown, clients = await visible_enrollments(scope, list(await candidates))
    shown.sort(key=_sort_key)
    rest = [row for row in shown if start is None or _sort_key(row) > start]
    return Roster(
        project=project,
        page=Page(
            items=rest[:first],
            has_next_page=len(rest) > first,
            total_count=len(shown),
            has_previous_page=after is not None,
        ),
        clients=clients,
    )


async def household_members(
    scope: ClientScope, keys: list[tuple[UUID, str]]
) -> tuple[list[list[Enrollment]], dict[UUID, tuple[Client, ClientAccess]]]:
    """For each (project, HouseholdID): the members' enrollments the caller sees, the head
    first, then by entry date; and their clients as the caller may see them. Members the
    caller does not see are left out without a trace."""
    if not keys:
        return [], {}
    condition = Q(id=None)
    for project_id, household_id in set(keys):
        condition |= Q(project_id=project_id, household_id=household_id)
    rows = list(await Enrollment.filter(condition))
    shown, clients = await visible_enrollments(scope, rows)
    shown.sort(key=_sort_key)
    grouped: dict[tuple[UUID, str], list[Enrollment]] = {key: [] for key in keys}
    for row in shown:
        grouped[(row.project_id, row.household_id)].append(row)
    return [grouped[key] for key in keys], clients
