"""A client's audit trail as the client may ask for it: who added, edited or deleted what, and
when (policy 207 d); reads listed separately."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry

from authz.clients import ClientAccess, visible_entries
from models import governance as gov
from models import users as user_models
from models.audit import AuditEvent
from models.enums import AuditAction
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.loaders import by_id
from schema.relay import Connection, connection
from services import audit as audit_service

__all__ = ["AuditAction", "AuditEntry", "AuditRecordRead", "AuditTrailKind", "audit_trail"]

# GraphQL enums are the models' enums (annotations name the Python enum); described_enum
# registers each with its description and returns the class itself.
described_enum(
    AuditAction,
    description="What an audit row records.",
    values={
        "VIEW": "A record was read.",
        "SEARCH": "A client search was run.",
        "CREATE": "A record was created.",
        "UPDATE": "A record was changed.",
        "DELETE_REQUEST": "Deletion of a record was requested.",
        "DELETE": "A record was deleted.",
        "EXPORT": "Records were exported.",
        "DENIED": "An operation on client data was refused (FORBIDDEN or NOT_FOUND).",
    },
)


@strawberry.enum(
    description="Which part of the trail: changes (added, edited, deleted) or reads (viewed, searched, exported)."
)
class AuditTrailKind(Enum):
    CHANGES = strawberry.enum_value("CHANGES", description="Records added, edited or deleted.")
    READS = strawberry.enum_value("READS", description="Records viewed, searched or exported.")


@strawberry.type(
    description="A record of the client read in the same request as the client. Field names only."
)
class AuditRecordRead:
    entity_type: str = strawberry.field(description="What was read: Enrollment, CaseNote, ...")
    entity_id: str | None = strawberry.field(description="Its id.")
    fields: list[str] = strawberry.field(description="Names of the fields read.")


@strawberry.type(
    description="One access to or change of the client's record. Field names only, never values."
)
class AuditEntry:
    at: datetime.datetime = strawberry.field(description="When.")
    action: AuditAction = strawberry.field(
        description="CREATE, UPDATE, DELETE_REQUEST, DELETE; or VIEW, SEARCH, EXPORT."
    )
    entity_type: str = strawberry.field(
        description="What was touched: Client, Enrollment, CaseNote, ..."
    )
    entity_id: str | None = strawberry.field(description="Its id.")
    fields: list[str] = strawberry.field(description="Names of the fields read or changed.")
    read_with: list[AuditRecordRead] = strawberry.field(
        description="A VIEW of the client: the client's records read in the same request, each "
        "with its fields (one entry per client per request; earlier reads have an entry per "
        "record instead, and this list empty). Only records the caller may see are listed."
    )
    operation: str | None = strawberry.field(description="The API operation.")
    via_release_id: strawberry.ID | None = strawberry.field(
        description="The release of information that allowed another agency's read."
    )
    _actor_id: strawberry.Private[UUID | None]
    _agency_id: strawberry.Private[UUID | None]

    @strawberry.field(description="Who (username).")
    async def actor(self, info: ResolverInfo) -> str | None:
        if self._actor_id is None:
            return None
        user = await by_id(info.context, user_models.User).load(self._actor_id)
        return user.username if user else None

    @strawberry.field(description="For which agency (name).")
    async def agency(self, info: ResolverInfo) -> str | None:
        if self._agency_id is None:
            return None
        agency = await by_id(info.context, gov.Agency).load(self._agency_id)
        return agency.name if agency else None


def _entry(row: AuditEvent, shown: set[tuple[str, str | None]]) -> AuditEntry:
    own, *records = audit_service.read_entries(row)
    return AuditEntry(
        at=row.occurred_at,
        action=row.action,
        entity_type=own.entity_type,
        entity_id=own.entity_id,
        fields=list(own.fields),
        read_with=[
            AuditRecordRead(entity_type=r.entity_type, entity_id=r.entity_id, fields=list(r.fields))
            for r in records
            if (r.entity_type, r.entity_id) in shown
        ],
        operation=row.operation,
        via_release_id=strawberry.ID(str(row.release_id)) if row.release_id else None,
        _actor_id=row.actor_id,
        _agency_id=row.agency_id,
    )


async def audit_trail(
    client_id: UUID, kind: AuditTrailKind, first: int, after: str | None, access: ClientAccess
) -> Connection[Any]:
    """A page of the client's trail, of the entries about rows the caller sees (the client-data
    policy decides: ``authz.clients.visible_entries``). A page may hold fewer entries than
    ``first`` where some were left out; its cursor still walks the whole trail, and ``totalCount``
    counts every entry, without saying what the others are about."""
    actions = (
        audit_service.CHANGE_ACTIONS
        if kind == AuditTrailKind.CHANGES
        else audit_service.READ_ACTIONS
    )
    rows, more, total = await audit_service.client_trail(
        client_id=client_id, actions=actions, first=first, after=after
    )
    entries = {row.seq: audit_service.read_entries(row) for row in rows}
    shown = await visible_entries(
        access, [(e.entity_type, e.entity_id) for listed in entries.values() for e in listed]
    )

    def kept_row(row: AuditEvent) -> bool:
        own, *records = entries[row.seq]
        if (own.entity_type, own.entity_id) not in shown:
            return False
        # a client's VIEW row that read none of the client's own fields is about its records:
        # shown only if one of them is
        return (
            row.read_types is None
            or bool(own.fields)
            or any((r.entity_type, r.entity_id) in shown for r in records)
        )

    kept = [r for r in rows if kept_row(r)]
    return connection(
        [_entry(r, shown) for r in kept],
        lambda i: audit_service.encode_seq_cursor(kept[i].seq),
        has_next_page=more,
        has_previous_page=after is not None,
        total_count=total,
        # the page ends at the last row read, shown or not
        end_cursor=audit_service.encode_seq_cursor(rows[-1].seq) if rows else None,
    )
