"""Clients, their consent to enter data, search, corrections (policies 205, 207)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from tortoise.expressions import F
from tortoise.filters import escape_like
from tortoise.transactions import in_transaction

from authz.clients import (
    ClientAccess,
    ClientScope,
    access_for,
    annotatable_fields,
    visible_by_id,
    visible_page,
)
from authz.resources import Action, Resource
from models.clients import Client, ClientAnnotation, ConsentToEnter, ssn_columns
from models.enums import AnnotationKind, AuditAction, ConsentKind
from models.governance import Agency
from models.hud import codes
from models.hud.elements import registry
from models.names import camel
from services import elements
from services.audit import record as audit
from services.caller import Caller
from services.contacts import valid_email
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.pagination import Page, check_page_size, decode_cursor

__all__ = [
    "ConsentData",
    "SearchCriteria",
    "acting_agency",
    "agency_for_client_data",
    "annotate_client",
    "consent_values",
    "create_client",
    "get_visible_client",
    "require_holder",
    "search_clients",
    "store_consent",
    "touch_client",
    "update_client",
]

_SSN = re.compile(r"^[0-9x]{9}$")
_ZIP = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")


@dataclass(frozen=True, slots=True)
class ConsentData:
    """Consent to enter data: written, or verbal when the first contact is by phone."""

    kind: ConsentKind
    taken_on: date
    first_contact_by_phone: bool = False
    evidence_reference: str | None = None


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    name: str | None = None
    dob: date | None = None
    ssn_last_four: str | None = None
    hmis_id: UUID | None = None
    # The exact SSN, found by its lookup hash. Not offered by the API: there it would let a
    # caller who sees only the last four confirm a guessed SSN.
    ssn: str | None = None

    @property
    def empty(self) -> bool:
        return (
            not (self.name and self.name.strip())
            and self.dob is None
            and not self.ssn_last_four
            and self.hmis_id is None
            and not self.ssn
        )

    @property
    def identifying(self) -> bool:
        return bool(self.name or self.dob or self.ssn_last_four or self.ssn)


def acting_agency(allowed: frozenset[UUID], requested: UUID | None, *, doing: str) -> UUID:
    """The agency the caller acts for: the one asked for, or their only one."""
    if requested is not None:
        if requested not in allowed:
            raise Forbidden(f"You may not {doing} for that agency.")
        return requested
    if not allowed:
        raise Forbidden(f"You may not {doing}.")
    if len(allowed) > 1:
        raise ValidationFailed(
            f"You act for several agencies: name the agency to {doing} for.", field="agencyId"
        )
    return next(iter(allowed))


def _race_flags() -> tuple[str, ...]:
    """The 3.04 race and ethnicity flags (0/1)."""
    return tuple(
        e.name for e in registry().of(Client) if e.ref == "3.04" and e.codes is codes.NO_YES
    )


def _ssn(value: str | None) -> str | None:
    ssn = re.sub(r"[\s-]", "", value).lower() if value else None
    if ssn is not None and not _SSN.match(ssn):
        raise ValidationFailed("An SSN is nine digits ('x' for each unknown digit).", field="ssn")
    return ssn


def _dob(today: date) -> elements.Rule:
    def check(value: date | None) -> date | None:
        if value is not None and (value > today or value.year < 1900):
            raise ValidationFailed(
                "The date of birth is in the future or before 1900.", field="dob"
            )
        return value

    return check


def _phone(value: str | None) -> str | None:
    digits = re.sub(r"\D", "", value) if value else ""
    if value and not 10 <= len(digits) <= 15:
        raise ValidationFailed("Enter a phone number of 10 to 15 digits.", field="phone")
    return digits or None


def _email(value: str | None) -> str | None:
    """The address in its normal form (``services.contacts.valid_email``)."""
    return valid_email(value) if value else value


def _state(value: str | None) -> str | None:
    if value and len(value) <= 2 and not (len(value) == 2 and value.isalpha()):
        raise ValidationFailed("state is a two-letter code.", field="state")
    return value.upper() if value else None


def _zip(value: str | None) -> str | None:
    if value and len(value) <= 10 and not _ZIP.match(value):
        raise ValidationFailed("zipCode is 5 digits (or ZIP+4).", field="zipCode")
    return value


def _client_values(data: dict[str, Any], today: date) -> dict[str, Any]:
    """Validate client fields (the element registry, and the rules below) and derive the SSN's
    last four and lookup hash."""
    rules = {
        "ssn": _ssn,
        "dob": _dob(today),
        "phone": _phone,
        "email": _email,
        "state": _state,
        "zip_code": _zip,
    }
    values = elements.clean("Client", data, rules=rules)
    if "ssn" in values:
        values.update(ssn_columns(values["ssn"]))
    return values


def _audited(values: dict[str, Any]) -> list[str]:
    """The fields a write touched, as the audit trail names them (the hash and the validity
    flag are no fields)."""
    return [camel(k) for k in values if k not in ("ssn_hash", "ssn_valid")]


def _check_consistency(merged: dict[str, Any]) -> None:
    ssn = merged.get("ssn")
    if ssn and "x" in ssn and merged.get("ssn_data_quality") != 2:
        raise ValidationFailed(
            "A partial SSN needs ssnDataQuality 2 (approximate or partial).", field="ssnDataQuality"
        )
    if merged.get("race_none") is not None and any(merged.get(f) == 1 for f in _race_flags()):
        raise ValidationFailed(
            "raceNone is only for a client with no race or ethnicity marked.", field="raceNone"
        )


def consent_values(consent: ConsentData | None, today: date) -> ConsentData:
    if consent is None:
        raise ValidationFailed(
            "Record the client's consent to enter data first (policy 207).", field="consent"
        )
    if consent.kind == ConsentKind.VERBAL and not consent.first_contact_by_phone:
        raise ValidationFailed(
            "Verbal consent is accepted only when the first contact is by phone (policy 207).",
            field="consent.kind",
        )
    if consent.taken_on > today:
        raise ValidationFailed("Consent cannot be taken in the future.", field="consent.takenOn")
    return consent


async def agency_for_client_data(agency_id: UUID) -> Agency:
    agency = await Agency.get(id=agency_id)
    if agency.victim_service_provider:
        raise Forbidden("Victim service providers keep client data out of HMIS (HUD privacy rule).")
    return agency


async def create_client(
    *,
    caller: Caller,
    agency_id: UUID | None,
    data: dict[str, Any],
    consent: ConsentData | None,
) -> Client:
    """A new client, with the consent that allows the agency to enter them (policies 205, 207)."""
    decisions = caller.decisions
    now = caller.now
    today = caller.today
    agency = await agency_for_client_data(
        acting_agency(
            decisions.agencies(Resource.CLIENT, Action.CREATE), agency_id, doing="create clients"
        )
    )
    consent = consent_values(consent, today)
    values = _client_values(data, today)
    _check_consistency(values)
    async with in_transaction():
        client = await Client.create(
            **values,
            created_by_agency=agency,
            created_under_can_id=agency.can_id,
            created_by_user_id=decisions.principal.user_id,
            created_at=now,
            updated_at=now,
            last_activity_at=now,
        )
        stored = await store_consent(
            client.id, agency.id, consent, decisions.principal.user_id, now
        )
        await audit(
            decisions.principal,
            AuditAction.CREATE,
            entity_type="Client",
            entity_id=client.id,
            client_id=client.id,
            now=now,
            fields=_audited(values),
            agency_id=agency.id,
        )
        await audit(
            decisions.principal,
            AuditAction.CREATE,
            entity_type="ConsentToEnter",
            entity_id=stored.id,
            client_id=client.id,
            now=now,
            agency_id=agency.id,
        )
    return client


async def store_consent(
    client_id: UUID,
    agency_id: UUID,
    consent: ConsentData,
    user_id: UUID,
    now: datetime,
    **relationship: Any,
) -> ConsentToEnter:
    """The consent row (a second agency's with its relationship with the client)."""
    return await ConsentToEnter.create(
        client_id=client_id,
        agency_id=agency_id,
        kind=consent.kind,
        first_contact_by_phone=consent.first_contact_by_phone,
        taken_by_id=user_id,
        taken_on=consent.taken_on,
        evidence_reference=elements.text(
            consent.evidence_reference, "consent.evidenceReference", 200
        ),
        recorded_at=now,
        **relationship,
    )


async def get_visible_client(
    scope: ClientScope,
    client_id: UUID,
    *,
    field: str = "clientId",
    also: Mapping[str, str] | None = None,
) -> tuple[Client, ClientAccess]:
    """The client and the caller's access to it; NOT_FOUND (on the input ``field`` that named
    the client) when the caller may not see it. ``also``: more columns read with the client
    (``authz.clients.visible_by_id``)."""
    found = await visible_by_id(scope, [client_id], also=also)
    if not found:
        raise NotFound("No such client, or you may not see it.", field=field)
    return found[0], (await access_for(scope, found))[client_id]


def require_holder(
    access: ClientAccess, allowed: frozenset[UUID], requested: UUID | None, *, doing: str
) -> UUID:
    """The caller's agency that holds the client's consent and may do this."""
    holders = access.holder_agencies & allowed
    if requested is not None and requested in allowed and requested not in access.holder_agencies:
        raise ValidationFailed(
            "Record the client's consent to enter data for that agency first (policy 207).",
            field="agencyId",
        )
    if not holders:
        if allowed:
            raise ValidationFailed(
                "Your agency has no consent from this client to enter data; record it first (policy 207).",
                field="clientId",
            )
        raise Forbidden(f"You may not {doing}.")
    return acting_agency(holders, requested, doing=doing)


async def update_client(
    *,
    caller: Caller,
    client_id: UUID,
    version: int,
    changes: dict[str, Any],
) -> Client:
    """Change a client's fields; a stale ``version`` gets CONFLICT and nothing is written."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    client, access = await get_visible_client(scope, client_id, field="id")
    if not access.can_edit:
        raise Forbidden("You may read this client but not change it.")
    values = _client_values(changes, scope.today)
    merged = {
        **{k: getattr(client, k) for k in ("ssn", "ssn_data_quality", "race_none", *_race_flags())},
        **values,
    }
    _check_consistency(merged)
    if not values:
        return client
    async with in_transaction():
        updated = await Client.filter(id=client_id, version=version).update(
            **values, version=F("version") + 1, updated_at=now, last_activity_at=now
        )
        if not updated:
            raise Conflict(
                "The client was changed by someone else since you read it; reload and retry.",
                field="version",
            )
        editing = sorted(access.holder_agencies & scope.write_agencies, key=str)
        await audit(
            decisions.principal,
            AuditAction.UPDATE,
            entity_type="Client",
            entity_id=client_id,
            client_id=client_id,
            now=now,
            fields=_audited(values),
            agency_id=editing[0] if editing else None,
        )
    return await Client.get(id=client_id)


async def touch_client(client_id: UUID, now: datetime) -> None:
    """Record activity on the client (its records changed): the retention clock restarts."""
    await Client.filter(id=client_id).update(last_activity_at=now)


# A name matches the first or the last name by prefix. The matches come from the owner's
# function of migration 0013 (the prefix indexes of 0008, and only clients the caller's row-level
# security lets through); the caller's query reaches them by id (decision 97), as candidates
# walked in id order (decision 185). Several names: the clients every one of them matches.
_NAME_MATCH = "SELECT hearth_clients_named({p})"
# One name: the candidates as a lazy walk in id order, which a LIMIT stops (decision 188).
_NAME_WALK = "SELECT hearth_clients_named_from({p}, {{after}})"

# A search's count stops here unless the exact total is asked for (``totalCount``): "more than
# 100" is what a search page shows, and counting every match of a broad name was two thirds of
# the page's database time (decision 185).
SEARCH_COUNT_UP_TO = 100


def _criteria_sql(
    criteria: SearchCriteria,
) -> tuple[str | None, str | None, list[str], list[Any]]:
    """The criteria as SQL: the name search's candidate ids (through the name prefix indexes
    of migration 0008, by ``hearth_clients_named``; None without a name), for one name the
    same as a lazy walk (``hearth_clients_named_from``, with ``{after}`` to fill), conditions
    on ``"client"``, and their parameters."""
    conditions: list[str] = []
    params: list[Any] = []
    names: list[str] = []
    walk: str | None = None

    def param(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    if criteria.hmis_id is not None:
        conditions.append(f'"client"."id" = {param(criteria.hmis_id)}::uuid')
    if criteria.name:
        words = criteria.name.split()
        if len(words) > 5 or any(len(w) > 50 for w in words):
            raise ValidationFailed("Search by at most five names.", field="search.name")
        for word in words:
            names.append(_NAME_MATCH.format(p=param(f"{escape_like(word)}%")))
        if len(words) == 1:
            walk = _NAME_WALK.format(p=f"${len(params)}")
    if criteria.dob is not None:
        conditions.append(f'"client"."dob" = {param(criteria.dob)}::date')
    if criteria.ssn_last_four:
        if not (len(criteria.ssn_last_four) == 4 and criteria.ssn_last_four.isdigit()):
            raise ValidationFailed("ssnLastFour is four digits.", field="search.ssnLastFour")
        conditions.append(f'"client"."ssn_last_four" = {param(criteria.ssn_last_four)}')
    if criteria.ssn:
        try:
            ssn = _ssn(criteria.ssn)
        except ValidationFailed as error:
            raise ValidationFailed(error.message, field="search.ssn") from None
        assert ssn is not None
        conditions.append(f'"client"."ssn_hash" = {param(ssn_columns(ssn)["ssn_hash"])}')
    if criteria.identifying:
        # A client the retention run de-identified (policy 303) is found by its HMIS id only:
        # never by name, DOB or SSN, whatever is left of them.
        conditions.append('"client"."deidentified_at" IS NULL')
    candidates = " INTERSECT ".join(names) if names else None
    return candidates, walk, conditions, params


async def search_clients(
    scope: ClientScope,
    criteria: SearchCriteria,
    *,
    first: int,
    after: str | None,
    count: bool = True,
    count_up_to: int | None = None,
) -> Page[Client]:
    """A page of clients matching every criterion given, by id; refuses an empty search (no
    dumping the table). Name, DOB and SSN match only among clients whose identifying data the
    caller may see. ``count=False`` leaves out the total (``total_count`` -1): on a broad search
    the count costs the database more than the page, and a sync job walking pages needs none.
    ``count_up_to``: the total is counted up to that many (``total_is_exact`` false and
    ``total_count`` ``count_up_to`` when more match), which costs what it counts."""
    if criteria.empty:
        raise ValidationFailed(
            "Give at least one of name, dob, ssnLastFour or hmisId.", field="search"
        )
    candidates, walk, conditions, params = _criteria_sql(criteria)
    check_page_size(first)
    clients, total = await visible_page(
        scope,
        identifying=criteria.identifying,
        conditions=conditions,
        params=params,
        limit=first + 1,
        after=decode_cursor(after) if after is not None else None,
        count=count,
        candidates=candidates,
        count_up_to=count_up_to,
        walk=walk,
    )
    exact = count_up_to is None or total <= count_up_to
    return Page(
        items=clients[:first],
        has_next_page=len(clients) > first,
        total_count=total if exact else count_up_to,  # type: ignore[arg-type]
        has_previous_page=after is not None,
        total_is_exact=exact,
    )


async def annotate_client(
    *,
    caller: Caller,
    client_id: UUID,
    field: str,
    kind: AnnotationKind,
    note: str,
    agency_id: UUID | None,
) -> ClientAnnotation:
    """Mark a field inaccurate or incomplete, or supplement it; the original value stays (207 f)."""
    decisions = caller.decisions
    scope = await caller.client_scope()
    now = caller.now
    _, access = await get_visible_client(scope, client_id)
    agency = require_holder(
        access,
        decisions.agencies(Resource.CLIENT, Action.ANNOTATE),
        agency_id,
        doing="annotate this client",
    )
    if field not in annotatable_fields():
        raise ValidationFailed("That field cannot be annotated.", field="field")
    text = elements.text(note, "note", 4000)
    if not text:
        raise ValidationFailed("Write the note.", field="note")
    async with in_transaction():
        annotation = await ClientAnnotation.create(
            client_id=client_id,
            agency_id=agency,
            field=field,
            kind=kind,
            note=text,
            created_by_id=decisions.principal.user_id,
            created_at=now,
        )
        await touch_client(client_id, now)
        await audit(
            decisions.principal,
            AuditAction.CREATE,
            entity_type="ClientAnnotation",
            entity_id=annotation.id,
            client_id=client_id,
            now=now,
            fields=[field],
            agency_id=agency,
        )
    return annotation
