"""Security and confidentiality incidents (policies 106, 108, 202; 212's breach paragraph).

Anyone signed in reports one; it reaches the System Administrator, the Security Officer and the
Lead Agency at once, through the outbox, in the report's own transaction. Readers: the reporter,
the agency's HDC and Security Coordinator, the System Administrator, the Security Officer and the
Lead Agency (decision 105). The clients an incident affected are stored as ids; a reader is shown
those the client-data policy lets them see, and only how many the others are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any, cast
from uuid import UUID

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from authz.clients import visible_by_id
from authz.resources import Action, Resource
from models.enums import SystemRole, UserStatus
from models.governance import Agency
from models.incidents_grievances import (
    BreachNotification,
    IncidentClient,
    IncidentKind,
    IncidentStatus,
    SecurityIncident,
)
from models.users import SystemRoleGrant
from services import governance_log
from services.caller import Caller
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.notifications import Notice, queue
from services.pagination import Page, paginate
from services.values import max_length

__all__ = [
    "AffectedClients",
    "IncidentSummary",
    "KindSummary",
    "add_clients",
    "affected_clients",
    "close",
    "get",
    "page",
    "record_breach_notification",
    "record_containment",
    "report",
    "summary",
]

MAX_CLIENTS = 500
TEXT_LIMIT = 8000
# Who hears of a new incident at once: policy 108 (the System Administrator and the Security
# Officer) and policy 106 (the Director of HMIS and Strategic Analysis, at the Lead Agency).
RESPONDERS = (SystemRole.SYSTEM_ADMINISTRATOR, SystemRole.SECURITY_OFFICER, SystemRole.LEAD_AGENCY)


def _text(value: str | None, field: str, *, required: bool, limit: int = TEXT_LIMIT) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"Write the {field}.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{field} has at most {limit} characters.", field=field)
    return value or None


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed(f"{field} needs a time zone offset.", field=field)
    return moment


def _not_future(moment: datetime, now: datetime, field: str) -> datetime:
    if _aware(moment, field) > now:
        raise ValidationFailed(f"{field} cannot be in the future.", field=field)
    return moment


def may_read(caller: Caller, incident: SecurityIncident) -> bool:
    """The reporter, the agency's HDC and Security Coordinator, and the system-wide readers."""
    decisions = caller.decisions
    if incident.reported_by_id == caller.principal.user_id:
        return True
    if decisions.system_wide(Resource.INCIDENT, Action.READ):
        return True
    return incident.agency_id is not None and decisions.in_agency(
        Resource.INCIDENT, Action.READ, incident.agency_id
    )


def _require(caller: Caller, incident: SecurityIncident, action: Action, message: str) -> None:
    decisions = caller.decisions
    allowed = decisions.system_wide(Resource.INCIDENT, action) or (
        incident.agency_id is not None
        and decisions.in_agency(Resource.INCIDENT, action, incident.agency_id)
    )
    if not allowed:
        raise Forbidden(message)


async def _visible_ids(caller: Caller, ids: Sequence[UUID], field: str) -> list[UUID]:
    """``ids`` without repeats, each a client the caller may see; otherwise VALIDATION that does
    not say whether the client exists."""
    unique = list(dict.fromkeys(ids))
    if len(unique) > MAX_CLIENTS:
        raise ValidationFailed(f"At most {MAX_CLIENTS} clients at a time.", field=field)
    if not unique:
        return []
    seen = {c.id for c in await visible_by_id(await caller.client_scope(), unique)}
    for index, client_id in enumerate(ids):
        if client_id not in seen:
            raise ValidationFailed(
                "Name only clients you may see (others are counted by those who can).",
                field=f"{field}[{index}]",
            )
    return unique


async def _locked(incident_id: UUID, caller: Caller) -> SecurityIncident:
    incident = await SecurityIncident.filter(id=incident_id).select_for_update().first()
    if incident is None or not may_read(caller, incident):
        raise NotFound("No such incident, or you may not see it.", field="incidentId")
    return incident


def _state(incident: SecurityIncident, clients: int) -> dict[str, Any]:
    """What the governance log keeps: never the description or a client."""
    return {
        "kind": incident.kind,
        "status": incident.status,
        "breach": incident.breach,
        "discoveredAt": incident.discovered_at,
        "containedAt": incident.contained_at,
        "closedAt": incident.closed_at,
        "clientsAffected": clients,
    }


async def _notices(incident: SecurityIncident, clients: int) -> list[Notice]:
    """One message to each active responder: what kind, where, when; no client, no description."""
    agency = await Agency.get_or_none(id=incident.agency_id) if incident.agency_id else None
    where = agency.name if agency else "the CT HMIS system (no one agency)"
    rows = await SystemRoleGrant.filter(
        role__in=list(RESPONDERS), user__status=UserStatus.ACTIVE
    ).values("user_id")
    body = (
        "A security or confidentiality incident has been reported in CT HMIS (policies 106, 108).\n\n"
        f"Incident: {incident.id}\nKind: {incident.kind.value}\nAgency: {where}\n"
        f"Discovered: {incident.discovered_at:%Y-%m-%d %H:%M} UTC\n"
        f"Clients affected (number): {clients}\n\n"
        "Read the report and record containment in Hearth (securityIncident). "
        "This message contains no client information.\n"
    )
    return [
        Notice(
            kind="incident.reported",
            subject=f"Security incident reported: {incident.kind.value} at {where}",
            body=body,
            dedupe_key=f"incident:{incident.id}:reported:{user_id}",
            recipient_id=user_id,
            agency_id=incident.agency_id,
            payload={"incidentId": str(incident.id), "kind": incident.kind.value},
        )
        for user_id in sorted({r["user_id"] for r in rows}, key=str)
    ]


async def report(
    *,
    caller: Caller,
    kind: IncidentKind,
    agency_id: UUID | None,
    discovered_at: datetime,
    description: str,
    client_ids: Sequence[UUID],
    breach: bool,
) -> SecurityIncident:
    """Report an incident: recorded, logged and sent to the responders in one transaction."""
    now = caller.now
    text = _text(description, "description", required=True)
    _not_future(discovered_at, now, "discoveredAt")
    if agency_id is not None and not await Agency.exists(id=agency_id):
        raise NotFound("No such agency.", field="agencyId")
    ids = await _visible_ids(caller, client_ids, "clientIds")
    actor = caller.principal
    async with in_transaction():
        incident = await SecurityIncident.create(
            agency_id=agency_id,
            kind=kind,
            reported_by_id=actor.user_id,
            reported_at=now,
            discovered_at=discovered_at,
            description=text,
            breach=breach,
            updated_at=now,
        )
        await IncidentClient.bulk_create(
            [
                IncidentClient(
                    incident_id=incident.id, client_id=c, added_by_id=actor.user_id, added_at=now
                )
                for c in ids
            ]
        )
        await governance_log.record(
            actor,
            "incident.report",
            entity_type="SecurityIncident",
            entity_id=incident.id,
            now=now,
            agency_id=agency_id,
            after=_state(incident, len(ids)),
        )
        await queue(await _notices(incident, len(ids)), now=now)
    return incident


async def get(*, caller: Caller, incident_id: UUID) -> SecurityIncident:
    """One incident the caller may read, or NOT_FOUND."""
    incident = await SecurityIncident.get_or_none(id=incident_id)
    if incident is None or not may_read(caller, incident):
        raise NotFound("No such incident, or you may not see it.", field="id")
    return incident


async def page(
    *,
    caller: Caller,
    status: IncidentStatus | None,
    agency_id: UUID | None,
    first: int,
    after: str | None,
) -> Page[SecurityIncident]:
    """The incidents the caller may read, by id."""
    decisions = caller.decisions
    qs = SecurityIncident.all()
    if not decisions.system_wide(Resource.INCIDENT, Action.READ):
        mine = Q(reported_by_id=caller.principal.user_id)
        agencies = decisions.agencies(Resource.INCIDENT, Action.READ)
        qs = qs.filter(mine | Q(agency_id__in=list(agencies)) if agencies else mine)
    if status is not None:
        qs = qs.filter(status=status)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    return await paginate(qs, first=first, after=after)


@dataclass(frozen=True, slots=True)
class AffectedClients:
    """The affected clients as one reader may know them."""

    visible: list[UUID]
    hidden: int


async def affected_clients(*, caller: Caller, incident_id: UUID) -> AffectedClients:
    """The ids the caller may see through the client-data policy, and how many others."""
    ids = cast(
        "list[UUID]",
        await IncidentClient.filter(incident_id=incident_id).values_list("client_id", flat=True),
    )
    if not ids:
        return AffectedClients(visible=[], hidden=0)
    seen = {c.id for c in await visible_by_id(await caller.client_scope(), ids)}
    visible = sorted((i for i in ids if i in seen), key=str)
    return AffectedClients(visible=visible, hidden=len(ids) - len(visible))


async def _client_count(incident_id: UUID) -> int:
    return await IncidentClient.filter(incident_id=incident_id).count()


async def record_containment(
    *, caller: Caller, incident_id: UUID, containment: str, contained_at: datetime
) -> SecurityIncident:
    """What was done to contain it, and when: the agency's coordinators or the responders."""
    now = caller.now
    text = _text(containment, "containment", required=True) or ""
    _not_future(contained_at, now, "containedAt")
    async with in_transaction():
        incident = await _locked(incident_id, caller)
        _require(
            caller,
            incident,
            Action.UPDATE,
            "The agency's HDC or Security Coordinator, the System Administrator or the Security "
            "Officer records containment.",
        )
        if incident.status != IncidentStatus.REPORTED:
            raise Conflict("The incident's containment is already recorded.")
        if contained_at < incident.discovered_at:
            raise ValidationFailed(
                "containedAt cannot be before the discovery.", field="containedAt"
            )
        clients = await _client_count(incident.id)
        before = _state(incident, clients)
        incident.status = IncidentStatus.CONTAINED
        incident.containment = text
        incident.contained_at = contained_at
        incident.updated_at = now
        await incident.save()
        await governance_log.record(
            caller.principal,
            "incident.contain",
            entity_type="SecurityIncident",
            entity_id=incident.id,
            now=now,
            agency_id=incident.agency_id,
            before=before,
            after=_state(incident, clients),
        )
    return incident


async def add_clients(
    *, caller: Caller, incident_id: UUID, client_ids: Sequence[UUID]
) -> SecurityIncident:
    """More affected clients, found after the report (each one the caller may see)."""
    now = caller.now
    if not client_ids:
        raise ValidationFailed("Name at least one client.", field="clientIds")
    async with in_transaction():
        incident = await _locked(incident_id, caller)
        _require(
            caller,
            incident,
            Action.UPDATE,
            "The agency's HDC or Security Coordinator, the System Administrator or the Security "
            "Officer adds affected clients.",
        )
        if incident.status == IncidentStatus.CLOSED:
            raise Conflict("The incident is closed.")
        ids = await _visible_ids(caller, client_ids, "clientIds")
        before = await _client_count(incident.id)
        await IncidentClient.bulk_create(
            [
                IncidentClient(
                    incident_id=incident.id,
                    client_id=c,
                    added_by_id=caller.principal.user_id,
                    added_at=now,
                )
                for c in ids
            ],
            ignore_conflicts=True,
        )
        after = await _client_count(incident.id)
        incident.updated_at = now
        await incident.save()
        await governance_log.record(
            caller.principal,
            "incident.add_clients",
            entity_type="SecurityIncident",
            entity_id=incident.id,
            now=now,
            agency_id=incident.agency_id,
            before={"clientsAffected": before},
            after={"clientsAffected": after},
        )
    return incident


async def record_breach_notification(
    *,
    caller: Caller,
    incident_id: UUID,
    notified_party: str,
    method: str,
    notified_at: datetime,
) -> BreachNotification:
    """Who was notified of a breach, how and when; the incident is a breach from then on."""
    now = caller.now
    party = _text(
        notified_party,
        "notifiedParty",
        required=True,
        limit=max_length(BreachNotification, "notified_party"),
    )
    how = _text(method, "method", required=True, limit=max_length(BreachNotification, "method"))
    _not_future(notified_at, now, "notifiedAt")
    async with in_transaction():
        incident = await _locked(incident_id, caller)
        _require(
            caller,
            incident,
            Action.NOTIFY,
            "The Lead Agency, the System Administrator or the Security Officer records breach "
            "notifications.",
        )
        if notified_at < incident.discovered_at:
            raise ValidationFailed("notifiedAt cannot be before the discovery.", field="notifiedAt")
        notification = await BreachNotification.create(
            incident_id=incident.id,
            notified_party=party,
            method=how,
            notified_at=notified_at,
            recorded_by_id=caller.principal.user_id,
            recorded_at=now,
        )
        was_breach = incident.breach
        incident.breach = True
        incident.updated_at = now
        await incident.save()
        await governance_log.record(
            caller.principal,
            "incident.notify",
            entity_type="SecurityIncident",
            entity_id=incident.id,
            now=now,
            agency_id=incident.agency_id,
            before={"breach": was_breach},
            after={
                "breach": True,
                "notifiedParty": party,
                "method": how,
                "notifiedAt": notified_at,
            },
        )
    return notification


async def close(*, caller: Caller, incident_id: UUID, closure: str) -> SecurityIncident:
    """Close a contained incident (the System Administrator or the Security Officer). A breach
    that affected clients closes only once someone's notification is recorded."""
    now = caller.now
    text = _text(closure, "closure", required=True) or ""
    async with in_transaction():
        incident = await _locked(incident_id, caller)
        _require(
            caller,
            incident,
            Action.MANAGE,
            "The System Administrator or the Security Officer closes an incident.",
        )
        if incident.status == IncidentStatus.CLOSED:
            raise Conflict("The incident is already closed.")
        if incident.status != IncidentStatus.CONTAINED:
            raise Conflict("Record the containment before closing the incident.")
        clients = await _client_count(incident.id)
        if (
            incident.breach
            and clients
            and not await BreachNotification.exists(incident_id=incident.id)
        ):
            raise Conflict(
                "A breach affecting clients closes only once the notifications are recorded "
                "(recordBreachNotification)."
            )
        before = _state(incident, clients)
        incident.status = IncidentStatus.CLOSED
        incident.closure = text
        incident.closed_at = now
        incident.updated_at = now
        await incident.save()
        await governance_log.record(
            caller.principal,
            "incident.close",
            entity_type="SecurityIncident",
            entity_id=incident.id,
            now=now,
            agency_id=incident.agency_id,
            before=before,
            after=_state(incident, clients),
        )
    return incident


@dataclass(frozen=True, slots=True)
class KindSummary:
    kind: IncidentKind
    reported: int
    contained: int
    open: int
    breaches: int
    median_hours_to_containment: float | None
    longest_hours_to_containment: float | None


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    since: datetime
    until: datetime
    reported: int
    breaches: int
    kinds: list[KindSummary]


async def summary(*, caller: Caller, since: datetime, until: datetime) -> IncidentSummary:
    """For the Data Strategy Board: incidents reported in [since, until) counted by kind, with
    the hours from discovery to containment. No client, no agency, no description."""
    if not caller.decisions.system_wide(Resource.INCIDENT_REPORT, Action.READ):
        raise Forbidden("The incident summary is for the Board and the system's responders.")
    if _aware(until, "until") <= _aware(since, "since"):
        raise ValidationFailed("until must be after since.", field="until")
    rows = await SecurityIncident.filter(reported_at__gte=since, reported_at__lt=until).values(
        "kind", "status", "breach", "discovered_at", "contained_at"
    )
    kinds: list[KindSummary] = []
    for kind in IncidentKind:
        mine = [r for r in rows if r["kind"] == kind]
        if not mine:
            continue
        hours = sorted(
            (r["contained_at"] - r["discovered_at"]).total_seconds() / 3600
            for r in mine
            if r["contained_at"] is not None
        )
        kinds.append(
            KindSummary(
                kind=kind,
                reported=len(mine),
                contained=len(hours),
                open=sum(1 for r in mine if r["status"] != IncidentStatus.CLOSED),
                breaches=sum(1 for r in mine if r["breach"]),
                median_hours_to_containment=round(median(hours), 2) if hours else None,
                longest_hours_to_containment=round(hours[-1], 2) if hours else None,
            )
        )
    return IncidentSummary(
        since=since,
        until=until,
        reported=len(rows),
        breaches=sum(1 for r in rows if r["breach"]),
        kinds=kinds,
    )
