"""The quarterly User Access Report (policies 212, 213), computed in SQL over the audit trail.

Per user of the agency: role and access level, last login, records viewed, created and changed,
and each pattern of the manual's "What to look for" list flagged with a plain-language reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.access_reports import AccessReportPublication, AccessReview
from models.enums import AgencyStatus, Duty, UserStatus
from models.governance import Agency
from models.outbox import OutboxMessage
from models.users import UserDuty
from services import governance_log
from services.caller import Caller
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.progress import Progress, tell
from services.replica import on_replica

__all__ = [
    "REVIEW_WINDOW",
    "Flag",
    "Quarter",
    "ReportStatus",
    "Thresholds",
    "UserAccessReport",
    "UserAccessRow",
    "parse_quarter",
    "publish_user_access_report",
    "report_status",
    "require_report_access",
    "user_access_report",
]

# Policy 212: review "promptly (within one week of receipt)".
REVIEW_WINDOW = timedelta(days=7)
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a pattern is flagged. Settings ``HEARTH_ACCESS_REPORT_*`` override the defaults."""

    # (a) records viewed this quarter over this many times the average of earlier quarters ...
    increase_factor: float = 2.0
    # ... over this many earlier quarters, and only from this many records on (noise floor)
    previous_quarters: int = 4
    increase_min_records: int = 20
    # (b) this many clients viewed with no enrollment (nor service) at the user's agency
    unenrolled_views: int = 10
    # (c) this many refused attempts on client data
    denied_attempts: int = 5
    # (d) this many clients in one hour, or this many openings of one client's record
    views_per_hour: int = 50
    views_of_one_client: int = 20


@dataclass(frozen=True, slots=True)
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * (self.number - 1) + 1, 1)

    def shifted(self, quarters: int) -> Quarter:
        index = self.year * 4 + (self.number - 1) + quarters
        return Quarter(index // 4, index % 4 + 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The quarter as instants: local midnight of its first day to that of the next."""
        start = datetime.combine(self.first_day, time.min, tzinfo=tz)
        end = datetime.combine(self.shifted(1).first_day, time.min, tzinfo=tz)
        return start, end


def parse_quarter(value: str, *, today: date) -> Quarter:
    """``2026Q3``; a quarter that has not begun is refused (there is nothing to report)."""
    match = _QUARTER.match(value.strip().upper())
    if not match:
        raise ValidationFailed("A quarter is written like 2026Q3.", field="quarter")
    quarter = Quarter(int(match.group(1)), int(match.group(2)))
    if quarter.first_day > today:
        raise ValidationFailed("That quarter has not begun yet.", field="quarter")
    return quarter


@dataclass(frozen=True, slots=True)
class Flag:
    """One pattern of policy 212's "What to look for", and why it was raised."""

    # SUDDEN_INCREASE, VIEWED_WITHOUT_ENROLLMENT, INCONSISTENT_WITH_ROLE, CONCENTRATION,
    # SECOND_AGENCY_CONSENT
    pattern: str
    reason: str


@dataclass(frozen=True, slots=True)
class UserAccessRow:
    user_id: UUID
    username: str
    name: str | None
    status: str
    access_level: str | None
    duties: tuple[str, ...]
    last_login_at: datetime | None
    records_viewed: int
    records_created: int
    records_changed: int
    denied_attempts: int
    previous_average: float
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportStatus:
    published_at: datetime | None
    review_due_by: datetime | None
    overdue: bool
    reviews: tuple[AccessReview, ...]


@dataclass(frozen=True, slots=True)
class UserAccessReport:
    agency_id: UUID
    agency_name: str
    quarter: str
    starts_at: datetime
    ends_at: datetime
    thresholds: Thresholds
    rows: tuple[UserAccessRow, ...] = field(default_factory=tuple)


def require_report_access(decisions: Decisions, agency_id: UUID) -> None:
    """The System Administrator, or the agency's own HDC or Security Coordinator."""
    if not decisions.in_agency(Resource.ACCESS_REPORT, Action.READ, agency_id):
        raise Forbidden("You do not administer that agency's user access.")


_STAFF_SQL = """
SELECT user_id FROM membership WHERE agency_id = $1
 UNION
SELECT user_id FROM user_duty WHERE agency_id = $1
"""

# One statement: the agency's users and their activity in the quarter and before it.
# $1 agency, $2 quarter start, $3 quarter end, $4 start of the earlier quarters, $5 time zone,
# $6 the agency's users (from _STAFF_SQL).
_REPORT_SQL = """
WITH staff AS (
  SELECT u.id, u.username, u.first_name, u.last_name, u.status, u.last_login_at,
         m.access_level,
         coalesce((SELECT array_agg(d.duty ORDER BY d.duty) FROM user_duty d
                    WHERE d.user_id = u.id AND d.agency_id = $1), '{}') AS duties
    FROM hearth_user u
    LEFT JOIN membership m ON m.user_id = u.id AND m.agency_id = $1
   WHERE m.id IS NOT NULL
      OR EXISTS (SELECT 1 FROM user_duty d WHERE d.user_id = u.id AND d.agency_id = $1)
),
activity AS (
  -- $6 (the staff's ids, as an array) lets the planner use the (actor_id, occurred_at) index
  SELECT e.actor_id, e.action, e.entity_type, e.client_id, e.occurred_at
    FROM audit_event e
   WHERE e.actor_id = ANY($6::uuid[])
     AND e.occurred_at >= $4 AND e.occurred_at < $3
     AND (e.agency_id = $1 OR e.agency_id IS NULL)
),
current AS (
  SELECT * FROM activity WHERE occurred_at >= $2
),
totals AS (
  SELECT actor_id,
         count(DISTINCT client_id) FILTER (WHERE action = 'VIEW') AS viewed,
         count(DISTINCT client_id) FILTER (WHERE action = 'CREATE' AND entity_type = 'Client') AS created,
         count(DISTINCT client_id) FILTER (WHERE action IN ('UPDATE', 'DELETE_REQUEST', 'DELETE')
                                            OR (action = 'CREATE' AND entity_type <> 'Client')) AS changed,
         count(*) FILTER (WHERE action = 'DENIED') AS denied,
         count(*) FILTER (WHERE action IN ('CREATE', 'UPDATE', 'DELETE_REQUEST', 'DELETE')) AS writes,
         count(*) FILTER (WHERE action IN ('VIEW', 'SEARCH', 'EXPORT')) AS reads
    FROM current GROUP BY actor_id
),
earlier AS (
  SELECT actor_id, count(DISTINCT client_id) AS viewed
    FROM activity WHERE occurred_at < $2 AND action = 'VIEW'
   GROUP BY actor_id, date_trunc('quarter', occurred_at AT TIME ZONE $5)
),
earlier_avg AS (
  SELECT actor_id, sum(viewed) AS viewed FROM earlier GROUP BY actor_id
),
unenrolled AS (
  SELECT c.actor_id, count(DISTINCT c.client_id) AS clients
    FROM current c
   WHERE c.action = 'VIEW' AND c.client_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM enrollment en WHERE en.client_id = c.client_id AND en.agency_id = $1)
   GROUP BY c.actor_id
),
hourly AS (
  SELECT DISTINCT ON (actor_id) actor_id, hour, clients FROM (
    SELECT actor_id, date_trunc('hour', occurred_at) AS hour, count(DISTINCT client_id) AS clients
      FROM current WHERE action = 'VIEW' GROUP BY 1, 2) h
   ORDER BY actor_id, clients DESC, hour
),
one_client AS (
  SELECT DISTINCT ON (actor_id) actor_id, client_id, openings FROM (
    SELECT actor_id, client_id, count(*) AS openings
      FROM current WHERE action = 'VIEW' AND entity_type = 'Client' GROUP BY 1, 2) o
   ORDER BY actor_id, openings DESC, client_id
)
SELECT s.id, s.username, s.first_name, s.last_name, s.status, s.last_login_at, s.access_level, s.duties,
       coalesce(t.viewed, 0) AS viewed, coalesce(t.created, 0) AS created,
       coalesce(t.changed, 0) AS changed, coalesce(t.denied, 0) AS denied,
       coalesce(t.writes, 0) AS writes, coalesce(t.reads, 0) AS reads,
       coalesce(ea.viewed, 0) AS earlier_viewed,
       coalesce(un.clients, 0) AS unenrolled,
       h.hour AS busiest_hour, coalesce(h.clients, 0) AS busiest_hour_clients,
       oc.client_id AS most_opened_client, coalesce(oc.openings, 0) AS most_openings
  FROM staff s
  LEFT JOIN totals t ON t.actor_id = s.id
  LEFT JOIN earlier_avg ea ON ea.actor_id = s.id
  LEFT JOIN unenrolled un ON un.actor_id = s.id
  LEFT JOIN hourly h ON h.actor_id = s.id
  LEFT JOIN one_client oc ON oc.actor_id = s.id
 ORDER BY s.username
"""


# Consents a user recorded for their agency about clients another agency entered (policy 207;
# services.consents): each is flagged for the review, with its count. $1 agency, $2 and $3 the
# quarter's bounds.
_SECOND_AGENCY_SQL = """
SELECT taken_by_id AS user_id, count(*) AS consents FROM consent_to_enter
 WHERE agency_id = $1 AND relationship IS NOT NULL AND recorded_at >= $2 AND recorded_at < $3
 GROUP BY taken_by_id
"""


def _second_agency_flag(consents: int) -> tuple[Flag, ...]:
    if not consents:
        return ()
    return (
        Flag(
            "SECOND_AGENCY_CONSENT",
            f"Recorded {consents} consent(s) to enter data about clients another agency entered: "
            "check each one's evidence and the client's enrollment or referral.",
        ),
    )


def _flags(row: dict[str, Any], t: Thresholds, tz: ZoneInfo) -> tuple[Flag, ...]:
    flags = []
    viewed = row["viewed"]
    average = float(row["earlier_viewed"]) / t.previous_quarters
    if average > 0 and viewed >= t.increase_min_records and viewed > t.increase_factor * average:
        flags.append(
            Flag(
                "SUDDEN_INCREASE",
                f"Viewed {viewed} client records this quarter against an average of {average:.1f} "
                f"over the previous {t.previous_quarters} quarters (more than {t.increase_factor:g} times).",
            )
        )
    if row["unenrolled"] >= t.unenrolled_views:
        flags.append(
            Flag(
                "VIEWED_WITHOUT_ENROLLMENT",
                f"Viewed {row['unenrolled']} client records that have no enrollment or service at this agency.",
            )
        )
    level = row["access_level"]
    if level == "VIEW_ONLY" and row["writes"]:
        flags.append(
            Flag(
                "INCONSISTENT_WITH_ROLE",
                f"Made {row['writes']} changes to client data while holding view-only access.",
            )
        )
    if level == "REPORTING_ONLY" and row["reads"]:
        flags.append(
            Flag(
                "INCONSISTENT_WITH_ROLE",
                f"Opened client records {row['reads']} times while holding reporting-only access, which shows no client records.",
            )
        )
    if row["denied"] >= t.denied_attempts:
        flags.append(
            Flag(
                "INCONSISTENT_WITH_ROLE",
                f"Was refused {row['denied']} times when reaching for client data beyond their access.",
            )
        )
    if row["busiest_hour_clients"] >= t.views_per_hour:
        hour = row["busiest_hour"].astimezone(tz)
        flags.append(
            Flag(
                "CONCENTRATION",
                f"Viewed {row['busiest_hour_clients']} client records within one hour ({hour:%Y-%m-%d %H:00} {hour.tzname()}).",
            )
        )
    if row["most_openings"] >= t.views_of_one_client:
        flags.append(
            Flag(
                "CONCENTRATION",
                f"Opened one client's record {row['most_openings']} times this quarter (client {row['most_opened_client']}).",
            )
        )
    return tuple(flags)


async def user_access_report(
    *,
    agency_id: UUID,
    quarter: Quarter,
    thresholds: Thresholds,
    tz: ZoneInfo,
    progress: Progress | None = None,
) -> UserAccessReport:
    """The report for one agency and quarter (authorize the caller first). It is three queries,
    the second over the quarter's audit trail; ``progress`` hears of each (step ``queries``).
    Reads only: on the replica if there is one (:func:`services.replica.on_replica`)."""
    return await on_replica(
        lambda: _user_access_report(
            agency_id=agency_id, quarter=quarter, thresholds=thresholds, tz=tz, progress=progress
        ),
        what="the User Access Report",
    )


async def _user_access_report(
    *,
    agency_id: UUID,
    quarter: Quarter,
    thresholds: Thresholds,
    tz: ZoneInfo,
    progress: Progress | None,
) -> UserAccessReport:
    agency = await Agency.get_or_none(id=agency_id)
    if agency is None:
        raise NotFound("No such agency.", field="agencyId")
    start, end = quarter.bounds(tz)
    earlier_start, _ = quarter.shifted(-thresholds.previous_quarters).bounds(tz)
    conn = get_connection("default")
    tell(progress, "queries", 0, 3)
    staff = [r["user_id"] for r in await conn.execute_query_dict(_STAFF_SQL, [agency_id])]
    tell(progress, "queries", 1, 3)
    rows = await conn.execute_query_dict(
        _REPORT_SQL, [agency_id, start, end, earlier_start, str(tz), staff]
    )
    tell(progress, "queries", 2, 3)
    second_agency = {
        r["user_id"]: r["consents"]
        for r in await conn.execute_query_dict(_SECOND_AGENCY_SQL, [agency_id, start, end])
    }
    tell(progress, "queries", 3, 3)
    result = []
    for row in rows:
        name = " ".join(p for p in (row["first_name"], row["last_name"]) if p) or None
        result.append(
            UserAccessRow(
                user_id=row["id"],
                username=row["username"],
                name=name,
                status=row["status"],
                access_level=row["access_level"],
                duties=tuple(row["duties"] or ()),
                last_login_at=row["last_login_at"],
                records_viewed=row["viewed"],
                records_created=row["created"],
                records_changed=row["changed"],
                denied_attempts=row["denied"],
                previous_average=float(row["earlier_viewed"]) / thresholds.previous_quarters,
                flags=_flags(row, thresholds, tz)
                + _second_agency_flag(second_agency.get(row["id"], 0)),
            )
        )
    return UserAccessReport(
        agency_id=agency.id,
        agency_name=agency.name,
        quarter=quarter.label,
        starts_at=start,
        ends_at=end,
        thresholds=thresholds,
        rows=tuple(result),
    )


async def report_status(*, agency_id: UUID, quarter: Quarter, now: datetime) -> ReportStatus:
    """Whether the quarter was published, and whether the agency's review is overdue."""
    publication = await AccessReportPublication.get_or_none(quarter=quarter.label)
    reviews = tuple(
        await AccessReview.filter(agency_id=agency_id, quarter=quarter.label).order_by(
            "reviewed_at"
        )
    )
    if publication is None:
        return ReportStatus(None, None, False, reviews)
    due = publication.published_at + REVIEW_WINDOW
    return ReportStatus(publication.published_at, due, not reviews and now > due, reviews)


async def publish_user_access_report(
    *,
    caller: Caller,
    quarter: Quarter,
) -> AccessReportPublication:
    """Distribute a quarter's report: each active agency's HDC and Security Coordinator get a
    notification in the outbox; their review is due within a week (policy 212)."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.ACCESS_REPORT, Action.PUBLISH):
        raise Forbidden(
            "Only the System Administrator publishes the User Access Report (policy 212)."
        )
    async with in_transaction():
        if await AccessReportPublication.filter(quarter=quarter.label).select_for_update().exists():
            raise Conflict("That quarter's report has already been published.")
        publication = await AccessReportPublication.create(
            quarter=quarter.label, published_by_id=decisions.principal.user_id, published_at=now
        )
        await governance_log.record(
            caller.principal,
            "access_report.publish",
            entity_type="AccessReportPublication",
            entity_id=publication.id,
            now=now,
            after={"quarter": quarter.label},
        )
        recipients = await UserDuty.filter(
            duty__in=[Duty.HMIS_DATA_COORDINATOR, Duty.AGENCY_SECURITY_COORDINATOR],
            user__status=UserStatus.ACTIVE,
            agency__status=AgencyStatus.ACTIVE,
        ).values("user_id", "agency_id", "duty")
        due = now + REVIEW_WINDOW
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(
                    recipient_id=r["user_id"],
                    agency_id=r["agency_id"],
                    kind="user_access_report.published",
                    subject=f"User Access Report {quarter.label}: review it by {due:%Y-%m-%d}",
                    body=(
                        f"The CT HMIS User Access Report for {quarter.label} has been published for "
                        f"your agency. As its {Duty(r['duty']).value.replace('_', ' ').title()}, review it "
                        f"in CT HMIS by {due:%Y-%m-%d} (policies 212 and 213) and record your review.\n\n"
                        "This message was sent by the CT HMIS system. It contains no client information.\n"
                    ),
                    dedupe_key=f"uar:{quarter.label}:{r['agency_id']}:{Duty(r['duty']).value}:{r['user_id']}",
                    payload={
                        "quarter": quarter.label,
                        "agencyId": str(r["agency_id"]),
                        "duty": r["duty"],
                        "reviewDueBy": due.isoformat(),
                    },
                    created_at=now,
                )
                for r in recipients
            ]
        )
    return publication
