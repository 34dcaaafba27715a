"""Account lifecycle compliance: shared contacts (policies 109, 202) and retraining (policy 211).

Sweeps find users a rule applies to and open a *case* per user with a deadline; each rule that
matched is a *finding* with its evidence. The deadlines job closes cases whose user complied and,
on the due date, deactivates the accounts of those who did not. Every step queues e-mail in the
outbox in the same transaction. All of it is idempotent: a finding is keyed by the occurrence it
stands for, a user has at most one open case of a kind, and messages carry dedupe keys.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from authz.enforcer import Decisions, notify_change
from authz.resources import Action, Resource
from models.compliance import (
    AgencyRetrainingRequest,
    CaseKind,
    CaseRule,
    CaseStatus,
    ComplianceCase,
    ComplianceFinding,
    HelpdeskTicket,
)
from models.enums import AgencyStatus, Duty, UserStatus
from models.governance import Agency, ContinuumOfCare
from models.training import TrainingCompletion, TrainingCourse
from models.users import Membership, User, UserDuty
from services.contacts import normalize_email, normalize_mfa_contact
from services.errors import Forbidden, NotFound, ValidationFailed
from services.notifications import Notice, due_phrase, queue
from services.users import deactivate_account, get_user

__all__ = [
    "HELPDESK_MINUTES_PER_MONTH",
    "RETRAINING_DAYS",
    "SHARED_CONTACT_DAYS",
    "cases_visible_to",
    "describe_finding",
    "enforce_deadlines",
    "record_helpdesk_ticket",
    "request_agency_retraining",
    "resolve_retraining_on_completion",
    "resolve_unshared_contacts",
    "sweep_retraining",
    "sweep_shared_contacts",
    "topic_words",
]

SHARED_CONTACT_DAYS = 14  # policies 109, 202: "2 weeks"
RETRAINING_DAYS = 45  # policy 211
NO_LOGIN_DAYS = 45  # policy 211 (a)
TICKET_WINDOW_DAYS = 60  # policy 211 (b)
TICKETS_SAME_ISSUE = 3
HELPDESK_MINUTES_PER_MONTH = 4 * 60  # policy 211 (c)
TOPIC_SIMILARITY = 0.5  # share of words two topics have in common to count as "similar"
MAX_TICKET_MINUTES = 24 * 60

_POLICY = {CaseKind.SHARED_CONTACT: "109 and 202", CaseKind.RETRAINING: "211"}
_DAYS = {CaseKind.SHARED_CONTACT: SHARED_CONTACT_DAYS, CaseKind.RETRAINING: RETRAINING_DAYS}
_STOPWORDS = frozenset(
    "a an and are as at be but by can cannot cant could do does for from how i in is it my "
    "not of on or please the to too was when why with won wont".split()
)


@dataclass(slots=True)
class SweepCounts:
    """What a run did; a job records it."""

    opened: int = 0
    findings: int = 0
    resolved: int = 0
    enforced: int = 0
    withdrawn: int = 0
    messages: int = 0
    users_checked: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if k != "errors"} | (
            {"errors": self.errors} if self.errors else {}
        )


# --- help-desk tickets --------------------------------------------------------------------------


def topic_words(topic: str) -> frozenset[str]:
    """A topic's significant words, lightly stemmed: "Password resets" ~ "reset my password"."""
    words = set()
    for word in re.findall(r"[a-z0-9]+", topic.casefold()):
        if word in _STOPWORDS:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if len(word) > len(suffix) + 2 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        words.add(word)
    return frozenset(words)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= TOPIC_SIMILARITY


async def record_helpdesk_ticket(
    *,
    decisions: Decisions,
    user_id: UUID | None,
    external_id: str | None,
    opened_at: datetime,
    topic: str,
    minutes_spent: int,
    system_performance_issue: bool,
    external_ref: str | None,
    now: datetime,
) -> tuple[HelpdeskTicket, bool]:
    """Record a ticket from the help desk (policy 211's evidence). The same ``external_ref``
    twice returns the first ticket unchanged."""
    if not decisions.system_wide(Resource.HELPDESK_TICKET, Action.RECORD):
        raise Forbidden(
            "Only the System Administrator or the help-desk integration records tickets."
        )
    topic = topic.strip()
    if not topic or len(topic) > 200:
        raise ValidationFailed("topic must be 1 to 200 characters.", field="topic")
    if not 0 <= minutes_spent <= MAX_TICKET_MINUTES:
        raise ValidationFailed(
            f"minutesSpent must be between 0 and {MAX_TICKET_MINUTES}.", field="minutesSpent"
        )
    if opened_at.tzinfo is None:
        raise ValidationFailed("openedAt needs a time zone offset.", field="openedAt")
    if opened_at > now:
        raise ValidationFailed("openedAt is in the future.", field="openedAt")
    ref = external_ref.strip() if external_ref else None
    if ref is not None and not 1 <= len(ref) <= 64:
        raise ValidationFailed("externalRef must be 1 to 64 characters.", field="externalRef")
    user = await get_user(user_id=user_id, external_id=external_id)
    if ref is not None:
        existing = await HelpdeskTicket.get_or_none(external_ref=ref)
        if existing is not None:
            if existing.user_id != user.id:
                raise ValidationFailed(
                    "That externalRef is another user's ticket.", field="externalRef"
                )
            return existing, False
    words = topic_words(topic)
    try:
        ticket = await HelpdeskTicket.create(
            user=user,
            external_ref=ref,
            opened_at=opened_at,
            topic=topic,
            topic_key=" ".join(sorted(words))[:200],
            minutes_spent=minutes_spent,
            system_performance_issue=system_performance_issue,
            recorded_at=now,
        )
    except IntegrityError:  # the same externalRef, recorded concurrently
        existing = await HelpdeskTicket.get_or_none(external_ref=ref)
        if existing is None or existing.user_id != user.id:
            raise ValidationFailed(
                "That externalRef is another user's ticket.", field="externalRef"
            ) from None
        return existing, False
    return ticket, True


async def request_agency_retraining(
    *,
    decisions: Decisions,
    agency_id: UUID,
    coc_code: str,
    reason: str,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[AgencyRetrainingRequest, int]:
    """Policy 211 (d): a CoC asks that an agency's users be retrained. Every active user of the
    agency gets a retraining case at once. Returns the request and the number of users flagged."""
    if not decisions.system_wide(Resource.RETRAINING, Action.REQUEST):
        raise Forbidden("Only the System Administrator or the Lead Agency records a CoC's request.")
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed("Give a reason of 1 to 500 characters.", field="reason")
    coc = await ContinuumOfCare.get_or_none(code=coc_code.strip().upper())
    if coc is None:
        raise ValidationFailed("No such Continuum of Care.", field="cocCode")
    agency = await Agency.get_or_none(id=agency_id)
    if agency is None:
        raise NotFound("No such agency.", field="agencyId")
    if agency.coc_id != coc.id:
        raise ValidationFailed(
            f"The agency is not in {coc.code}; a CoC requests retraining for its own agencies.",
            field="agencyId",
        )
    counts = SweepCounts()
    async with in_transaction():
        request = await AgencyRetrainingRequest.create(
            agency=agency,
            coc=coc,
            reason=reason,
            requested_by_id=decisions.principal.user_id,
            requested_at=now,
        )
        user_ids = await Membership.filter(
            agency=agency, user__status=UserStatus.ACTIVE
        ).values_list("user_id", flat=True)
        found = [
            _Found(
                user_id=uid,
                rule=CaseRule.COC_REQUEST,
                key=f"request:{request.id}",
                evidence={
                    "requestId": str(request.id),
                    "coc": coc.code,
                    "agency": agency.name,
                    "reason": reason,
                },
            )
            for uid in user_ids
        ]
        await _record_findings(CaseKind.RETRAINING, found, now=now, tz=tz, counts=counts)
    return request, counts.opened + counts.findings


# --- cases and findings -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    user_id: UUID
    rule: CaseRule
    key: str
    evidence: dict[str, Any]


_RULE_TEXT = {
    CaseRule.SHARED_EMAIL: lambda e: (
        f"the e-mail address is also used by {len(e['sharedWith'])} other account(s)"
    ),
    CaseRule.SHARED_MFA_CONTACT: lambda e: (
        f"the MFA contact is also used by {len(e['sharedWith'])} other account(s)"
    ),
    CaseRule.NO_LOGIN_AFTER_TRAINING: lambda e: (
        f"no sign-in within {NO_LOGIN_DAYS} days of the initial training completed on {e['initialTrainingOn']}"
    ),
    CaseRule.REPEATED_TICKETS: lambda e: (
        f'{len(e["ticketIds"])} help-desk tickets on the same or a similar issue ("{e["topic"]}") '
        f"within {TICKET_WINDOW_DAYS} days"
    ),
    CaseRule.HELPDESK_HOURS: lambda e: (
        f"{e['minutes'] / 60:.1f} hours of help-desk support in {e['month']}"
    ),
    CaseRule.COC_REQUEST: lambda e: (
        f"{e['coc']} requested retraining for {e['agency']}: {e['reason']}"
    ),
}


def describe_finding(rule: CaseRule, evidence: dict[str, Any]) -> str:
    return _RULE_TEXT[rule](evidence)


async def _record_findings(
    kind: CaseKind, found: Iterable[_Found], *, now: datetime, tz: ZoneInfo, counts: SweepCounts
) -> None:
    """Attach findings to the user's open case of this kind, opening one (and notifying) when
    there is none. A finding seen before (same user, rule and key) or a rule already in the open
    case adds nothing."""
    by_user: dict[UUID, list[_Found]] = defaultdict(list)
    for f in found:
        by_user[f.user_id].append(f)
    if not by_user:
        return
    users = {u.id: u for u in await User.filter(id__in=list(by_user))}
    open_cases = {
        c.user_id: c
        for c in await ComplianceCase.filter(
            user_id__in=list(by_user), kind=kind, status=CaseStatus.OPEN
        )
    }
    seen = {
        (r["user_id"], r["rule"], r["key"])
        for r in await ComplianceFinding.filter(user_id__in=list(by_user)).values(
            "user_id", "rule", "key"
        )
    }
    open_rules: dict[UUID, set[CaseRule]] = defaultdict(set)
    for r in await ComplianceFinding.filter(case_id__in=[c.id for c in open_cases.values()]).values(
        "case__user_id", "rule"
    ):
        open_rules[r["case__user_id"]].add(CaseRule(r["rule"]))
    today = now.astimezone(tz).date()
    notices: list[Notice] = []
    for user_id, items in by_user.items():
        user = users.get(user_id)
        if user is None or user.status != UserStatus.ACTIVE:
            continue
        fresh = [
            f
            for f in items
            if (f.user_id, f.rule.value, f.key) not in seen and f.rule not in open_rules[user_id]
        ]
        # One finding per rule in a sweep: the first is evidence enough.
        by_rule: dict[CaseRule, _Found] = {}
        for f in fresh:
            by_rule.setdefault(f.rule, f)
        if not by_rule:
            continue
        case = open_cases.get(user_id)
        opened = case is None
        if case is None:
            case = await ComplianceCase.create(
                user_id=user_id,
                kind=kind,
                opened_at=now,
                due_on=today + timedelta(days=_DAYS[kind]),
            )
            counts.opened += 1
        else:
            counts.findings += len(by_rule)
        await ComplianceFinding.bulk_create(
            [
                ComplianceFinding(
                    case=case,
                    user_id=user_id,
                    rule=f.rule,
                    key=f.key,
                    evidence=f.evidence,
                    found_at=now,
                )
                for f in by_rule.values()
            ]
        )
        if opened:
            notices += await _case_notices(
                case, user, "opened", [(f.rule, f.evidence) for f in by_rule.values()]
            )
    counts.messages += await queue(notices, now=now)


@dataclass(frozen=True, slots=True)
class _Recipients:
    hdcs: list[tuple[UUID, UUID, str]]  # (user id, agency id, agency name)
    directors: list[tuple[str, str | None, UUID, str]]  # (e-mail, name, agency id, agency name)


async def _recipients(user_id: UUID) -> _Recipients:
    """The HDCs (policy 107) and Executive Directors on record (policy 211) of the user's active
    agencies."""
    agencies = await Agency.filter(memberships__user_id=user_id, status=AgencyStatus.ACTIVE).values(
        "id", "name", "executive_director_name", "executive_director_email"
    )
    ids = [a["id"] for a in agencies]
    names = {a["id"]: a["name"] for a in agencies}
    hdcs = await UserDuty.filter(
        agency_id__in=ids, duty=Duty.HMIS_DATA_COORDINATOR, user__status=UserStatus.ACTIVE
    ).values("user_id", "agency_id")
    return _Recipients(
        hdcs=[
            (h["user_id"], h["agency_id"], names[h["agency_id"]])
            for h in hdcs
            if h["user_id"] != user_id
        ],
        directors=[
            (a["executive_director_email"], a["executive_director_name"], a["id"], a["name"])
            for a in agencies
            if a["executive_director_email"]
        ],
    )


def _display(user: User) -> str:
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    return f"{name} ({user.username})" if name else user.username


_SUBJECTS = {
    (
        CaseKind.SHARED_CONTACT,
        "opened",
    ): "Action needed by {due}: {who} shares an e-mail address or MFA contact (CT HMIS policies 109, 202)",
    (
        CaseKind.SHARED_CONTACT,
        "enforced",
    ): "{who}: CT HMIS account deactivated, shared contact not replaced (policies 109, 202)",
    (
        CaseKind.SHARED_CONTACT,
        "resolved",
    ): "Resolved: {who} now has a unique contact (CT HMIS policies 109, 202)",
    (CaseKind.RETRAINING, "opened"): "Retraining required by {due}: {who} (CT HMIS policy 211)",
    (
        CaseKind.RETRAINING,
        "enforced",
    ): "{who}: CT HMIS access made inactive, retraining not completed (policy 211)",
    (
        CaseKind.RETRAINING,
        "resolved",
    ): "Resolved: {who} completed the retraining (CT HMIS policy 211)",
}

_ACTION = {
    (CaseKind.SHARED_CONTACT, "opened"): (
        "Each CT HMIS user must have an e-mail address and an MFA contact of their own (policies 109 "
        "and 202). A unique e-mail address or MFA contact must be provided by {due}. If it is not, "
        "the account will be deactivated on that date."
    ),
    (CaseKind.SHARED_CONTACT, "enforced"): (
        "No unique e-mail address or MFA contact was provided by {due}, so the account has been "
        "deactivated and its sessions ended (policies 109 and 202). The HMIS Data Coordinator can "
        "ask the System Administrator to restore it once a unique contact is provided."
    ),
    (CaseKind.SHARED_CONTACT, "resolved"): (
        "The account's e-mail address and MFA contact are no longer shared. Nothing more is needed."
    ),
    (CaseKind.RETRAINING, "opened"): (
        "Under policy 211 the user must register for and complete the CT HMIS training for their "
        "project type by {due}. If the training is not completed by then, the user's CT HMIS access "
        "will be made inactive."
    ),
    (CaseKind.RETRAINING, "enforced"): (
        "The retraining was not completed by {due}, so the user's CT HMIS access has been made "
        "inactive (policy 211). It can be restored once the training is completed."
    ),
    (
        CaseKind.RETRAINING,
        "resolved",
    ): "The required training has been completed. Nothing more is needed.",
}


async def _case_notices(
    case: ComplianceCase, user: User, event: str, findings: list[tuple[CaseRule, dict[str, Any]]]
) -> list[Notice]:
    """The user, their HDCs and (for retraining) their agencies' Executive Directors."""
    kind = CaseKind(case.kind)
    due = due_phrase(case.due_on)
    who = _display(user)
    reasons = "".join(f"\n  - {describe_finding(rule, ev)}" for rule, ev in findings)
    why = f"\nWhy:{reasons}\n" if reasons else ""
    action = _ACTION[(kind, event)].format(due=due)
    subject = _SUBJECTS[(kind, event)].format(due=due, who=who)
    payload = {
        "caseId": str(case.id),
        "kind": kind.value,
        "event": event,
        "dueOn": case.due_on.isoformat(),
    }

    def notice(
        to: str,
        *,
        recipient_id: UUID | None = None,
        address: str | None = None,
        agency_id: UUID | None = None,
        greeting: str,
        about: str,
    ) -> Notice:
        body = (
            f"{greeting}\n\n{about}\n{why}\n{action}\n\nDeadline: {due}\n"
            f"Policy: CT HMIS Policies and Procedures, policy {_POLICY[kind]}\n\n"
            "This message was sent by the CT HMIS system. It contains no client information.\n"
        )
        return Notice(
            kind=f"compliance.{kind.value.lower()}.{event}",
            subject=subject,
            body=body,
            dedupe_key=f"case:{case.id}:{event}:{to}",
            recipient_id=recipient_id,
            to_address=address,
            agency_id=agency_id,
            payload=payload,
        )

    recipients = await _recipients(user.id)
    notices = [
        notice(
            f"user:{user.id}",
            recipient_id=user.id,
            greeting=f"Hello {user.first_name or user.username},",
            about=f"This concerns your CT HMIS account {user.username}.",
        )
    ]
    for hdc_id, agency_id, agency_name in recipients.hdcs:
        notices.append(
            notice(
                f"user:{hdc_id}",
                recipient_id=hdc_id,
                agency_id=agency_id,
                greeting="Hello,",
                about=f"As HMIS Data Coordinator of {agency_name}: this concerns the CT HMIS account of {who}.",
            )
        )
    if kind == CaseKind.RETRAINING and event != "resolved":
        for email, name, agency_id, agency_name in recipients.directors:
            notices.append(
                notice(
                    f"director:{agency_id}",
                    address=email,
                    agency_id=agency_id,
                    greeting=f"Dear {name or 'Executive Director'},",
                    about=f"As Executive Director of {agency_name} on record with the CT HMIS System "
                    f"Administrator: a user of your agency, {who}, needs retraining.",
                )
            )
    return notices


async def _close(case: ComplianceCase, status: CaseStatus, resolution: str, now: datetime) -> None:
    case.status, case.closed_at, case.resolution = status, now, resolution[:500]
    await case.save(update_fields=["status", "closed_at", "resolution"])


async def _findings_of(case: ComplianceCase) -> list[tuple[CaseRule, dict[str, Any]]]:
    rows = await ComplianceFinding.filter(case=case).order_by("found_at").values("rule", "evidence")
    return [(CaseRule(r["rule"]), r["evidence"]) for r in rows]


# --- shared contacts (policies 109, 202) --------------------------------------------------------


def _contact_points(email: str | None, mfa: str | None) -> dict[str, CaseRule]:
    """The normalised contact points of one account: ``A@x.org`` = ``a@X.org``,
    ``(860) 555-0100`` = ``8605550100``. A value that does not validate (an account loaded from
    elsewhere) is compared by its case-folded form, so it is still caught."""
    points: dict[str, CaseRule] = {}
    for value, normalize, rule in (
        (email, normalize_email, CaseRule.SHARED_EMAIL),
        (mfa, normalize_mfa_contact, CaseRule.SHARED_MFA_CONTACT),
    ):
        if not value or not value.strip():
            continue
        try:
            point = normalize(value)
        except ValidationFailed:
            point = value.strip().casefold()
        points.setdefault(point, rule)
    return points


async def _sharing() -> tuple[dict[UUID, list[_Found]], int]:
    """Active accounts that share a contact point with another active account."""
    rows = await User.filter(status=UserStatus.ACTIVE).values(
        "id", "username", "email", "mfa_contact"
    )
    holders: dict[str, set[UUID]] = defaultdict(set)
    points_of: dict[UUID, dict[str, CaseRule]] = {}
    usernames = {r["id"]: r["username"] for r in rows}
    for r in rows:
        points_of[r["id"]] = _contact_points(r["email"], r["mfa_contact"])
        for point in points_of[r["id"]]:
            holders[point].add(r["id"])
    found: dict[UUID, list[_Found]] = defaultdict(list)
    for user_id, points in points_of.items():
        for point, rule in points.items():
            others = holders[point] - {user_id}
            if others:
                found[user_id].append(
                    _Found(
                        user_id=user_id,
                        rule=rule,
                        key=f"{point}",
                        evidence={
                            "field": "email" if rule == CaseRule.SHARED_EMAIL else "mfaContact",
                            "sharedWith": sorted(usernames[o] for o in others),
                        },
                    )
                )
    return found, len(rows)


async def sweep_shared_contacts(*, now: datetime, tz: ZoneInfo) -> SweepCounts:
    """The quarterly audit of policy 202: a case for every active account sharing an e-mail
    address or MFA contact, due in 14 days; cases whose contact became unique close."""
    counts = SweepCounts()
    async with in_transaction():
        found, counts.users_checked = await _sharing()
        await _resolve_unshared(now=now, counts=counts, found=found)
        # A key stands for "this contact, shared, found in this open case": the day makes a
        # later re-sharing (after a resolved case) a new finding; the open-case rule keeps a
        # daily re-run from adding copies.
        day = now.astimezone(tz).date().isoformat()
        items = [
            _Found(f.user_id, f.rule, f"{f.key}@{day}", f.evidence)
            for fs in found.values()
            for f in fs
        ]
        await _record_findings(CaseKind.SHARED_CONTACT, items, now=now, tz=tz, counts=counts)
    return counts


async def _resolve_unshared(
    *, now: datetime, counts: SweepCounts, found: dict[UUID, list[_Found]] | None = None
) -> None:
    """Close open shared-contact cases whose user shares nothing now (``found``: the current
    sharing, when the caller has it already)."""
    open_cases = await ComplianceCase.filter(
        kind=CaseKind.SHARED_CONTACT, status=CaseStatus.OPEN
    ).select_related("user")
    if not open_cases:
        return
    if found is None:
        found, _ = await _sharing()
    notices: list[Notice] = []
    for case in open_cases:
        if case.user.status != UserStatus.ACTIVE:
            await _close(
                case, CaseStatus.WITHDRAWN, "The account was deactivated for another reason.", now
            )
            counts.withdrawn += 1
        elif case.user_id not in found:
            await _close(
                case, CaseStatus.RESOLVED, "The e-mail address and MFA contact are unique now.", now
            )
            counts.resolved += 1
            notices += await _case_notices(case, case.user, "resolved", [])
    counts.messages += await queue(notices, now=now)


async def resolve_unshared_contacts(*, now: datetime) -> int:
    """Close open shared-contact cases whose contact became unique (after a contact change)."""
    counts = SweepCounts()
    if await ComplianceCase.filter(kind=CaseKind.SHARED_CONTACT, status=CaseStatus.OPEN).exists():
        async with in_transaction():
            await _resolve_unshared(now=now, counts=counts)
    return counts.resolved


# --- retraining (policy 211) --------------------------------------------------------------------


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


async def _no_login_findings(*, today: date, tz: ZoneInfo, lookback_days: int) -> list[_Found]:
    """(a) No sign-in in the first 45 days from the initial training."""
    first_training = await TrainingCompletion.filter(user__status=UserStatus.ACTIVE).values(
        "user_id", "completed_on", "user__first_login_at"
    )
    initial: dict[UUID, tuple[date, datetime | None]] = {}
    for r in first_training:
        current = initial.get(r["user_id"])
        if current is None or r["completed_on"] < current[0]:
            initial[r["user_id"]] = (r["completed_on"], r["user__first_login_at"])
    found = []
    for user_id, (trained_on, first_login) in initial.items():
        deadline = trained_on + timedelta(days=NO_LOGIN_DAYS)
        if today <= deadline or trained_on < today - timedelta(days=lookback_days):
            continue
        if first_login is not None and _local_date(first_login, tz) <= deadline:
            continue
        found.append(
            _Found(
                user_id=user_id,
                rule=CaseRule.NO_LOGIN_AFTER_TRAINING,
                key=f"training:{trained_on.isoformat()}",
                evidence={
                    "initialTrainingOn": trained_on.isoformat(),
                    "signInDeadline": deadline.isoformat(),
                    "firstSignInAt": first_login.isoformat() if first_login else None,
                },
            )
        )
    return found


async def _ticket_findings(*, now: datetime, tz: ZoneInfo) -> list[_Found]:
    """(b) 3+ tickets on the same or a similar issue in 60 days and (c) 4+ hours in a calendar
    month, both counting only tickets unrelated to system performance and opened after the
    user's last retraining case closed (a completed retraining starts the count again)."""
    horizon = now - timedelta(days=2 * TICKET_WINDOW_DAYS)
    tickets = (
        await HelpdeskTicket.filter(
            opened_at__gte=horizon, system_performance_issue=False, user__status=UserStatus.ACTIVE
        )
        .order_by("opened_at", "id")
        .values("id", "user_id", "opened_at", "topic", "topic_key", "minutes_spent")
    )
    if not tickets:
        return []
    closed = await ComplianceCase.filter(
        kind=CaseKind.RETRAINING,
        status__in=[CaseStatus.RESOLVED, CaseStatus.ENFORCED],
        user_id__in={t["user_id"] for t in tickets},
    ).values("user_id", "closed_at")
    since: dict[UUID, datetime] = {}
    for c in closed:
        if c["closed_at"] and (c["user_id"] not in since or c["closed_at"] > since[c["user_id"]]):
            since[c["user_id"]] = c["closed_at"]
    by_user: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for t in tickets:
        if t["user_id"] not in since or t["opened_at"] > since[t["user_id"]]:
            by_user[t["user_id"]].append(t)
    window = timedelta(days=TICKET_WINDOW_DAYS)
    found = []
    for user_id, items in by_user.items():
        words = [frozenset(t["topic_key"].split()) for t in items]
        for i, last in enumerate(items):
            cluster = [
                items[j]
                for j in range(i + 1)
                if last["opened_at"] - items[j]["opened_at"] < window
                and _similar(words[j], words[i])
            ]
            if len(cluster) >= TICKETS_SAME_ISSUE:
                found.append(
                    _Found(
                        user_id=user_id,
                        rule=CaseRule.REPEATED_TICKETS,
                        key=f"tickets:{cluster[0]['id']}",
                        evidence={
                            "ticketIds": [str(t["id"]) for t in cluster],
                            "topic": cluster[0]["topic"],
                        },
                    )
                )
                break
        months: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for t in items:
            months[_local_date(t["opened_at"], tz).strftime("%Y-%m")].append(t)
        for month, month_tickets in sorted(months.items()):
            minutes = sum(t["minutes_spent"] for t in month_tickets)
            if minutes >= HELPDESK_MINUTES_PER_MONTH:
                found.append(
                    _Found(
                        user_id=user_id,
                        rule=CaseRule.HELPDESK_HOURS,
                        key=f"month:{month}",
                        evidence={
                            "month": month,
                            "minutes": minutes,
                            "ticketIds": [str(t["id"]) for t in month_tickets],
                        },
                    )
                )
    return found


async def sweep_retraining(*, now: datetime, tz: ZoneInfo, lookback_days: int = 90) -> SweepCounts:
    """Policy 211: flag users who need retraining; each flag names its rule and evidence."""
    counts = SweepCounts()
    today = _local_date(now, tz)
    async with in_transaction():
        await _resolve_trained(now=now, tz=tz, counts=counts)
        found = await _no_login_findings(today=today, tz=tz, lookback_days=lookback_days)
        found += await _ticket_findings(now=now, tz=tz)
        counts.users_checked = len({f.user_id for f in found})
        await _record_findings(CaseKind.RETRAINING, found, now=now, tz=tz, counts=counts)
    return counts


async def _required_courses(user_id: UUID, courses: list[TrainingCourse]) -> set[UUID]:
    levels = await Membership.filter(user_id=user_id).values_list("access_level", flat=True)
    duties = await UserDuty.filter(user_id=user_id).values_list("duty", flat=True)
    keys = {str(getattr(v, "value", v)) for v in (*levels, *duties)}
    return {c.id for c in courses if keys & set(c.required_for)}


async def _completed_since(
    case: ComplianceCase, tz: ZoneInfo, courses: list[TrainingCourse]
) -> bool:
    """The retraining counts when a course the user's access requires (or, if none is set up,
    any course) is completed on or after the day the case opened."""
    opened_on = _local_date(case.opened_at, tz)
    completions = TrainingCompletion.filter(user_id=case.user_id, completed_on__gte=opened_on)
    required = await _required_courses(case.user_id, courses)
    if required:
        completions = completions.filter(course_id__in=list(required))
    return await completions.exists()


async def _resolve_trained(
    *, now: datetime, tz: ZoneInfo, counts: SweepCounts, user_id: UUID | None = None
) -> None:
    cases = ComplianceCase.filter(kind=CaseKind.RETRAINING, status=CaseStatus.OPEN).select_related(
        "user"
    )
    if user_id is not None:
        cases = cases.filter(user_id=user_id)
    open_cases = await cases
    if not open_cases:
        return
    courses = list(await TrainingCourse.all())
    notices: list[Notice] = []
    for case in open_cases:
        if case.user.status != UserStatus.ACTIVE:
            await _close(
                case, CaseStatus.WITHDRAWN, "The account was deactivated for another reason.", now
            )
            counts.withdrawn += 1
        elif await _completed_since(case, tz, courses):
            await _close(case, CaseStatus.RESOLVED, "The required training was completed.", now)
            counts.resolved += 1
            notices += await _case_notices(case, case.user, "resolved", [])
    counts.messages += await queue(notices, now=now)


async def resolve_retraining_on_completion(*, user_id: UUID, now: datetime, tz: ZoneInfo) -> int:
    """Called when the LMS reports a completion: the user's open retraining case closes."""
    counts = SweepCounts()
    async with in_transaction():
        await _resolve_trained(now=now, tz=tz, counts=counts, user_id=user_id)
    return counts.resolved


# --- deadlines ----------------------------------------------------------------------------------


async def enforce_deadlines(*, now: datetime, tz: ZoneInfo) -> SweepCounts:
    """Close cases whose user complied; on and after the due date, deactivate (109, 202) or
    make inactive (211) the accounts of those who did not, ending their sessions."""
    counts = SweepCounts()
    today = _local_date(now, tz)
    async with in_transaction():
        await _resolve_unshared(now=now, counts=counts)
        await _resolve_trained(now=now, tz=tz, counts=counts)
        due = await ComplianceCase.filter(status=CaseStatus.OPEN, due_on__lte=today).select_related(
            "user"
        )
        notices: list[Notice] = []
        for case in due:
            kind = CaseKind(case.kind)
            findings = await _findings_of(case)
            reason = (
                f"Policy {_POLICY[kind]}: "
                + (
                    "shared e-mail address or MFA contact not replaced"
                    if kind == CaseKind.SHARED_CONTACT
                    else "retraining not completed"
                )
                + f" by {case.due_on.isoformat()} (case {case.id})"
            )
            if case.user.status == UserStatus.ACTIVE:
                await deactivate_account(case.user, reason, now)
                await case.user.save()
            await _close(case, CaseStatus.ENFORCED, reason, now)
            counts.enforced += 1
            notices += await _case_notices(case, case.user, "enforced", findings)
        counts.messages += await queue(notices, now=now)
    if counts.enforced:
        await notify_change()
    return counts


# --- the deadlines view -------------------------------------------------------------------------


def cases_visible_to(
    decisions: Decisions,
    *,
    status: CaseStatus | None,
    agency_id: UUID | None,
    kind: CaseKind | None,
) -> QuerySet[ComplianceCase]:
    """System Administrator and Security Officer: every case; an HDC: cases of users of the
    agencies they coordinate. Asking for another agency is FORBIDDEN."""
    cases = ComplianceCase.all()
    if not decisions.system_wide(Resource.COMPLIANCE_CASE, Action.READ):
        mine = decisions.agencies(Resource.COMPLIANCE_CASE, Action.READ)
        if not mine or (agency_id is not None and agency_id not in mine):
            raise Forbidden("You may see the compliance cases of your own agency's users only.")
        scope = [agency_id] if agency_id is not None else list(mine)
        cases = cases.filter(
            user_id__in=Subquery(Membership.filter(agency_id__in=scope).values("user_id"))
        )
    elif agency_id is not None:
        cases = cases.filter(
            user_id__in=Subquery(Membership.filter(agency_id=agency_id).values("user_id"))
        )
    if status is not None:
        cases = cases.filter(status=status)
    if kind is not None:
        cases = cases.filter(kind=kind)
    return cases
