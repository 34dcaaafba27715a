"""The governance log as GraphQL: the Security Officer's and the System Administrator's view of
every administrative write (policies 105, 202, 212)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from authz.resources import Action, Resource
from models.governance_log import GovernanceEvent as Row
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.inputs import optional_id
from schema.operations import query
from schema.permissions import Requires
from schema.relay import Connection, connection
from services import governance_log as service
from services.audit import encode_seq_cursor
from services.values import bounded

__all__ = ["GovernanceLogQuery"]


@strawberry.type(description="One administrative write: who, what, before and after, and why.")
class GovernanceEvent:
    seq: int = strawberry.field(description="Its number in the log (later writes, higher).")
    at: datetime.datetime = strawberry.field(description="When.")
    actor_id: strawberry.ID | None = strawberry.field(
        description="The user or service account; null for Hearth itself (a job, the CLI)."
    )
    actor_kind: str = strawberry.field(description="user, service or system.")
    agency_id: strawberry.ID | None = strawberry.field(description="The agency concerned.")
    action: str = strawberry.field(
        description='What was done, as "<record>.<verb>": system_role.grant, mou.record ...'
    )
    entity_type: str = strawberry.field(description="The kind of record.")
    entity_id: str | None = strawberry.field(description="The record's id.")
    before: JSON | None = strawberry.field(description="Its values before (null: created).")
    after: JSON | None = strawberry.field(description="Its values after (null: removed).")
    reason: str | None = strawberry.field(description="Why, as the actor gave it.")
    request_id: str | None = strawberry.field(description="Hearth's id of the request.")


def _event(row: Row) -> GovernanceEvent:
    return GovernanceEvent(
        seq=row.seq,
        at=row.occurred_at,
        actor_id=strawberry.ID(str(row.actor_id)) if row.actor_id else None,
        actor_kind=row.actor_kind,
        agency_id=strawberry.ID(str(row.agency_id)) if row.agency_id else None,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        before=JSON(row.before) if row.before is not None else None,
        after=JSON(row.after) if row.after is not None else None,
        reason=row.reason,
        request_id=row.request_id,
    )


@strawberry.input(description="Which rows of the governance log; every given field must match.")
class GovernanceLogFilter:
    entity_type: str | None = strawberry.field(default=None, description="The kind of record.")
    entity_id: str | None = strawberry.field(default=None, description="The record's id.")
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="Who acted.")
    agency_id: strawberry.ID | None = strawberry.field(default=None, description="The agency.")
    action: str | None = strawberry.field(default=None, description="What was done.")
    since: datetime.datetime | None = strawberry.field(default=None, description="From (incl.).")
    until: datetime.datetime | None = strawberry.field(default=None, description="Before.")


@strawberry.type
class GovernanceLogQuery:
    @query(
        Requires(Resource.GOVERNANCE_LOG, Action.READ),
        description="Every administrative write, newest first (pages of at most 100): the "
        "Security Officer and the System Administrator.",
    )
    async def governance_log(
        self,
        info: ResolverInfo,
        filter: Annotated[
            GovernanceLogFilter | None,
            strawberry.argument(description="Narrow the log (actor, action, entity, period)."),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[GovernanceEvent]:
        where = filter or GovernanceLogFilter()
        text: dict[str, Any] = {
            name: bounded(getattr(where, name), Row, name, f"filter.{name}")
            for name in ("entity_type", "entity_id", "action")
        }
        rows, more, total = await service.page(
            service.LogFilter(
                **text,
                actor_id=optional_id(where.actor_id, "filter.actorId"),
                agency_id=optional_id(where.agency_id, "filter.agencyId"),
                since=where.since,
                until=where.until,
            ),
            first=first,
            after=after,
        )
        return connection(
            [_event(r) for r in rows],
            lambda i: encode_seq_cursor(rows[i].seq),
            has_next_page=more,
            has_previous_page=after is not None,
            total_count=total,
        )
