"""A Coordinated Access Network's coordinated entry: the assessments and events (referrals among
them) recorded by the CAN's agencies, as the client-data policy shows them to the caller.

The CAN's backbone agency runs coordinated entry (policy 207 e): its backbone staff see the
records created under their CAN (``authz.clients``: the backbone's categories), and an agency's
own users see their agency's. A caller who is neither backbone staff of the CAN nor reads
client data at one of its agencies is refused (NOT_FOUND on ``canId``: the CAN is not theirs).

The records of the date range are read whole (one statement per table, one for their
enrollments, one for the clients with the caller's access), the policy decides each row, then
the page is cut, as a roster is (decision 146); the range is at most a year, so what is read is
bounded by a year of one CAN's coordinated entry.
"""

from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from authz.clients import ClientAccess, ClientScope, sees
from models.clients import Client
from models.coordinated_entry import Assessment, Event
from models.enrollments import Enrollment
from models.governance import Agency, Can
from services.errors import NotFound, ValidationFailed
from services.pagination import Page, check_page_size
from services.rosters import visible_enrollments

__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "REFERRAL_EVENTS",
    "Activity",
    "ActivityKind",
    "activity_cursor",
    "can_activity",
]

DEFAULT_DAYS = 90
MAX_DAYS = 366
_PREFIX = "ce1:"


class ActivityKind(enum.Enum):
    ASSESSMENT = "ASSESSMENT"
    REFERRAL = "REFERRAL"
    EVENT = "EVENT"


# 4.20.2 Event: every event is a "Referral to ..." but 2, a problem solving, diversion or rapid
# resolution intervention or service (HUD's value list, FY2024 and FY2026).
PROBLEM_SOLVING = 2
REFERRAL_EVENTS = frozenset(range(1, 19)) - {PROBLEM_SOLVING}


@dataclass(frozen=True, slots=True)
class Activity:
    """One assessment or event, with its enrollment."""

    kind: ActivityKind
    day: date
    row: Any
    enrollment: Enrollment

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.day.isoformat(), self.kind.value, str(self.row.id))


def activity_cursor(activity: Activity) -> str:
    day, kind, key = activity.key
    return base64.urlsafe_b64encode(f"{_PREFIX}{day}|{kind}|{key}".encode()).decode()


def _decode(cursor: str) -> tuple[str, str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not raw.startswith(_PREFIX):
            raise ValueError(cursor)
        day, kind, key = raw[len(_PREFIX) :].split("|", 2)
        date.fromisoformat(day)
        return (day, ActivityKind(kind).value, str(UUID(key)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("The cursor is not one this API issued.", field="after") from None


@dataclass(frozen=True, slots=True)
class CanActivity:
    page: Page[Activity]
    clients: dict[UUID, tuple[Client, ClientAccess]]


def _range(since: date | None, until: date | None, today: date) -> tuple[date, date]:
    end = until or today
    start = since or end - timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise ValidationFailed("since is after until.", field="since")
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(f"The range is at most {MAX_DAYS} days.", field="since")
    return start, end


def _kind_of(event: Event) -> ActivityKind:
    return ActivityKind.REFERRAL if event.event in REFERRAL_EVENTS else ActivityKind.EVENT


async def _can_agencies(scope: ClientScope, can_id: UUID) -> list[UUID]:
    """The CAN's agencies, when the caller is its backbone staff or reads at one of them."""
    can = await Can.get_or_none(id=can_id)
    agencies = (
        []
        if can is None
        else [UUID(str(a)) for a in await Agency.filter(can_id=can_id).values_list("id", flat=True)]
    )
    if not agencies or not (
        can_id in scope.backbone_cans or scope.read_agencies.intersection(agencies)
    ):
        raise NotFound("No such CAN, or its coordinated entry is not yours.", field="canId")
    return agencies


async def can_activity(
    *,
    scope: ClientScope,
    can_id: UUID,
    since: date | None,
    until: date | None,
    kinds: frozenset[ActivityKind] | None,
    first: int,
    after: str | None,
) -> CanActivity:
    """The CAN's assessments and events in the range that the caller may see, by date."""
    check_page_size(first)
    start_after = _decode(after) if after is not None else None
    start, end = _range(since, until, scope.today)
    wanted = kinds or frozenset(ActivityKind)
    agencies = await _can_agencies(scope, can_id)
    rows: list[tuple[ActivityKind, date, Any]] = []
    if ActivityKind.ASSESSMENT in wanted:
        found = await Assessment.filter(
            enrollment__agency_id__in=agencies,
            assessment_date__gte=start,
            assessment_date__lte=end,
        )
        rows += [(ActivityKind.ASSESSMENT, a.assessment_date, a) for a in found]
    if wanted & {ActivityKind.REFERRAL, ActivityKind.EVENT}:
        events = await Event.filter(
            enrollment__agency_id__in=agencies, event_date__gte=start, event_date__lte=end
        )
        rows += [(_kind_of(e), e.event_date, e) for e in events if _kind_of(e) in wanted]
    enrollments = {
        e.id: e
        for e in await Enrollment.filter(id__in=list({row.enrollment_id for _, _, row in rows}))
    }
    shown_enrollments, clients = await visible_enrollments(scope, list(enrollments.values()))
    shown_ids = {e.id for e in shown_enrollments}
    activity = []
    for kind, day, row in rows:
        enrollment = enrollments.get(row.enrollment_id)
        if enrollment is None or enrollment.id not in shown_ids:
            continue
        access = clients[enrollment.client_id][1]
        if sees(type(row), row, enrollment.agency_id, access):
            activity.append(Activity(kind, day, row, enrollment))
    activity.sort(key=lambda a: a.key)
    rest = [a for a in activity if start_after is None or a.key > start_after]
    return CanActivity(
        page=Page(
            items=rest[:first],
            has_next_page=len(rest) > first,
            total_count=len(activity),
            has_previous_page=after is not None,
        ),
        clients=clients,
    )
