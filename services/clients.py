"""Clients, their consent to enter data, search, corrections (policies 205, 207)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from tortoise.expressions import F
from tortoise.filters import escape_like
from tortoise.transactions import in_transaction

from authz.client_rows import visible_by_id, visible_page
from authz.clients import ClientAccess, ClientScope, access_for
from authz.enforcer import Decisions
from authz.resources import Action, Resource
from models.clients import Client, ClientAnnotation, ConsentToEnter
from models.enums import AnnotationKind, AuditAction, ConsentKind
from models.governance import Agency
from services import hud
from services.audit import record as audit
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.pagination import Page, check_page_size, decode_cursor

__all__ = [
    "ANNOTATABLE_FIELDS",
    "ConsentData",
    "SearchCriteria",
    "acting_agency",
    "annotate_client",
    "create_client",
    "get_visible_client",
    "record_consent",
    "require_holder",
    "search_clients",
    "touch_client",
    "update_client",
]

_SSN = re.compile(r"^[0-9x]{9}$")
_ZIP = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")
_RACE_FLAGS = (
    "am_ind_ak_native",
    "asian",
    "black_af_american",
    "hispanic_latinao",
    "mid_east_n_african",
    "native_hi_pacific",
    "white",
)
# GraphQL names of client fields a correction may be attached to (policy 207 f).
ANNOTATABLE_FIELDS = frozenset(
    {
        "firstName",
        "middleName",
        "lastName",
        "nameSuffix",
        "ssn",
        "dob",
        "sex",
        "veteranStatus",
        "race",
        "phone",
        "email",
        "address",
        "enrollments",
        "services",
        "caseNotes",
        "record",
    }
)


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

    @property
    def empty(self) -> bool:
        return (
            not (self.name and self.name.strip())
            and self.dob is None
            and not self.ssn_last_four
            and self.hmis_id is None
        )


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


def _text(value: Any, field: str, limit: int) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    if len(value) > limit:
        raise ValidationFailed(f"{field} has at most {limit} characters.", field=field)
    return value or None


def _client_values(data: dict[str, Any], today: date) -> dict[str, Any]:
    """Validate client fields (HUD value lists) and derive the SSN's last four."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("first_name", "middle_name", "last_name", "name_suffix"):
            values[key] = _text(value, _camel(key), 50)
        elif key in ("name_data_quality", "ssn_data_quality", "dob_data_quality"):
            hud.check_code(value, hud.DATA_QUALITY, _camel(key), required=True)
            values[key] = value
        elif key == "ssn":
            ssn = re.sub(r"[\s-]", "", value).lower() if value else None
            if ssn is not None and not _SSN.match(ssn):
                raise ValidationFailed(
                    "An SSN is nine digits ('x' for each unknown digit).", field="ssn"
                )
            values["ssn"] = ssn
            values["ssn_last_four"] = ssn[-4:] if ssn and ssn[-4:].isdigit() else None
        elif key == "dob":
            if value is not None and (value > today or value.year < 1900):
                raise ValidationFailed(
                    "The date of birth is in the future or before 1900.", field="dob"
                )
            values[key] = value
        elif key in _RACE_FLAGS:
            hud.check_code(value, hud.NO_YES, _camel(key), required=True)
            values[key] = value
        elif key == "race_none":
            hud.check_code(value, hud.RACE_NONE, "raceNone")
            values[key] = value
        elif key == "sex":
            hud.check_code(value, hud.SEX, "sex")
            values[key] = value
        elif key == "veteran_status":
            hud.check_code(value, hud.YES_NO_REASONS, "veteranStatus", required=True)
            values[key] = value
        elif key == "additional_race_ethnicity":
            values[key] = _text(value, "additionalRaceEthnicity", 100)
        elif key == "phone":
            digits = re.sub(r"\D", "", value) if value else ""
            if value and not 10 <= len(digits) <= 15:
                raise ValidationFailed("Enter a phone number of 10 to 15 digits.", field="phone")
            values[key] = digits or None
        elif key == "email":
            email = _text(value, "email", 254)
            if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
                raise ValidationFailed("Enter a valid e-mail address.", field="email")
            values[key] = email
        elif key in ("address_line1", "address_line2", "city"):
            values[key] = _text(value, _camel(key), 200 if key != "city" else 100)
        elif key == "state":
            state = _text(value, "state", 2)
            if state and not (len(state) == 2 and state.isalpha()):
                raise ValidationFailed("state is a two-letter code.", field="state")
            values[key] = state.upper() if state else None
        elif key == "zip_code":
            zip_code = _text(value, "zipCode", 10)
            if zip_code and not _ZIP.match(zip_code):
                raise ValidationFailed("zipCode is 5 digits (or ZIP+4).", field="zipCode")
            values[key] = zip_code
        else:
            raise ValidationFailed(f"{_camel(key)} cannot be set here.", field=_camel(key))
    return values


def _check_consistency(merged: dict[str, Any]) -> None:
    ssn = merged.get("ssn")
    if ssn and "x" in ssn and merged.get("ssn_data_quality") != 2:
        raise ValidationFailed(
            "A partial SSN needs ssnDataQuality 2 (approximate or partial).", field="ssnDataQuality"
        )
    if merged.get("race_none") is not None and any(merged.get(f) == 1 for f in _RACE_FLAGS):
        raise ValidationFailed(
            "raceNone is only for a client with no race or ethnicity marked.", field="raceNone"
        )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _consent_values(consent: ConsentData | None, today: date) -> ConsentData:
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


async def _agency_for_client_data(agency_id: UUID) -> Agency:
    agency = await Agency.get(id=agency_id)
    if agency.victim_service_provider:
        raise Forbidden("Victim service providers keep client data out of HMIS (HUD privacy rule).")
    return agency


async def create_client(
    *,
    decisions: Decisions,
    agency_id: UUID | None,
    data: dict[str, Any],
    consent: ConsentData | None,
    now: datetime,
    today: date,
) -> Client:
    """A new client, with the consent that allows the agency to enter them (policies 205, 207)."""
    agency = await _agency_for_client_data(
        acting_agency(
            decisions.agencies(Resource.CLIENT, Action.CREATE), agency_id, doing="create clients"
        )
    )
    consent = _consent_values(consent, today)
    values = _client_values(data, today)
    _check_consistency(values)
    async with in_transaction():
        client = await Client.create(
            **values,
            created_by_agency=agency,
            created_under_can_id=agency.can_id,  # type: ignore[attr-defined]
            created_by_user_id=decisions.principal.user_id,
            created_at=now,
            updated_at=now,
            last_activity_at=now,
        )
        stored = await _store_consent(
            client.id, agency.id, consent, decisions.principal.user_id, now
        )
        await audit(
            decisions.principal,
            AuditAction.CREATE,
            entity_type="Client",
            entity_id=client.id,
            client_id=client.id,
            now=now,
            fields=[_camel(k) for k in values],
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


async def _store_consent(
    client_id: UUID, agency_id: UUID, consent: ConsentData, user_id: UUID, now: datetime
) -> ConsentToEnter:
    return await ConsentToEnter.create(
        client_id=client_id,
        agency_id=agency_id,
        kind=consent.kind,
        first_contact_by_phone=consent.first_contact_by_phone,
        taken_by_id=user_id,
        taken_on=consent.taken_on,
        evidence_reference=_text(consent.evidence_reference, "consent.evidenceReference", 200),
        recorded_at=now,
    )


async def get_visible_client(
    scope: ClientScope, client_id: UUID, *, field: str = "clientId"
) -> tuple[Client, ClientAccess]:
    """The client and the caller's access to it; NOT_FOUND (on the input ``field`` that named
    the client) when the caller may not see it."""
    found = await visible_by_id(scope, [client_id])
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
    decisions: Decisions,
    scope: ClientScope,
    client_id: UUID,
    version: int,
    changes: dict[str, Any],
    now: datetime,
) -> Client:
    """Change a client's fields; a stale ``version`` gets CONFLICT and nothing is written."""
    client, access = await get_visible_client(scope, client_id, field="id")
    if not access.can_edit:
        raise Forbidden("You may read this client but not change it.")
    values = _client_values(changes, scope.today)
    merged = {
        **{k: getattr(client, k) for k in ("ssn", "ssn_data_quality", "race_none", *_RACE_FLAGS)},
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
            fields=[_camel(k) for k in values],
            agency_id=editing[0] if editing else None,
        )
    return await Client.get(id=client_id)


async def touch_client(client_id: UUID, now: datetime) -> None:
    """Record activity on the client (its records changed): the retention clock restarts."""
    await Client.filter(id=client_id).update(last_activity_at=now)


async def record_consent(
    *,
    decisions: Decisions,
    scope: ClientScope,
    client_id: UUID,
    agency_id: UUID | None,
    consent: ConsentData | None,
    now: datetime,
) -> ConsentToEnter:
    """Consent for another agency to enter data about a client it can already see."""
    agency = await _agency_for_client_data(
        acting_agency(
            decisions.agencies(Resource.CONSENT, Action.CREATE), agency_id, doing="record consent"
        )
    )
    consent = _consent_values(consent, scope.today)
    await get_visible_client(scope, client_id)
    async with in_transaction():
        # Lock the client: two recordings at once are serialised and the second sees the first
        # (FOR UPDATE on the missing consent row would lock nothing; .exists() drops it anyway).
        await Client.filter(id=client_id).select_for_update().first()
        if await ConsentToEnter.exists(client_id=client_id, agency_id=agency.id):
            raise Conflict("This agency already holds the client's consent.")
        stored = await _store_consent(
            client_id, agency.id, consent, decisions.principal.user_id, now
        )
        await touch_client(client_id, now)
        await audit(
            decisions.principal,
            AuditAction.CREATE,
            entity_type="ConsentToEnter",
            entity_id=stored.id,
            client_id=client_id,
            now=now,
            agency_id=agency.id,
        )
    return stored


_NAME_MATCH = (
    'UPPER(CAST("client"."first_name" AS VARCHAR)) LIKE UPPER({p}) ESCAPE \'\\\' '
    'OR UPPER(CAST("client"."last_name" AS VARCHAR)) LIKE UPPER({p}) ESCAPE \'\\\''
)


def _criteria_sql(criteria: SearchCriteria) -> tuple[list[str], list[Any]]:
    """The criteria as SQL conditions on ``"client"`` with parameters (the expressions of the
    name prefix indexes of migration 0008, so that PostgreSQL finds names through them)."""
    conditions: list[str] = []
    params: list[Any] = []

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
            conditions.append("(" + _NAME_MATCH.format(p=param(f"{escape_like(word)}%")) + ")")
    if criteria.dob is not None:
        conditions.append(f'"client"."dob" = {param(criteria.dob)}::date')
    if criteria.ssn_last_four:
        if not (len(criteria.ssn_last_four) == 4 and criteria.ssn_last_four.isdigit()):
            raise ValidationFailed("ssnLastFour is four digits.", field="search.ssnLastFour")
        conditions.append(f'"client"."ssn_last_four" = {param(criteria.ssn_last_four)}')
    return conditions, params


async def search_clients(
    scope: ClientScope,
    criteria: SearchCriteria,
    *,
    first: int,
    after: str | None,
    count: bool = True,
) -> Page[Client]:
    """A page of clients matching every criterion given, by id; refuses an empty search (no
    dumping the table). Name, DOB and SSN match only among clients whose identifying data the
    caller may see. ``count=False`` leaves out the total (``total_count`` -1): on a broad search
    the count costs the database more than the page, and a sync job walking pages needs none."""
    if criteria.empty:
        raise ValidationFailed(
            "Give at least one of name, dob, ssnLastFour or hmisId.", field="search"
        )
    conditions, params = _criteria_sql(criteria)
    check_page_size(first)
    clients, total = await visible_page(
        scope,
        identifying=bool(criteria.name or criteria.dob or criteria.ssn_last_four),
        conditions=conditions,
        params=params,
        limit=first + 1,
        after=decode_cursor(after) if after is not None else None,
        count=count,
    )
    return Page(items=clients[:first], has_next_page=len(clients) > first, total_count=total)


async def annotate_client(
    *,
    decisions: Decisions,
    scope: ClientScope,
    client_id: UUID,
    field: str,
    kind: AnnotationKind,
    note: str,
    agency_id: UUID | None,
    now: datetime,
) -> ClientAnnotation:
    """Mark a field inaccurate or incomplete, or supplement it; the original value stays (207 f)."""
    _, access = await get_visible_client(scope, client_id)
    agency = require_holder(
        access,
        decisions.agencies(Resource.CLIENT, Action.ANNOTATE),
        agency_id,
        doing="annotate this client",
    )
    if field not in ANNOTATABLE_FIELDS:
        raise ValidationFailed("That field cannot be annotated.", field="field")
    text = _text(note, "note", 4000)
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
