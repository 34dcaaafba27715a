"""What the data release services share: the requestor's details, the scope and period checks,
row locks, and the governance log of every write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from tortoise.models import Model
from tortoise.transactions import in_transaction

from authz.resources import Action, Resource
from services import governance_log
from services.caller import Caller
from services.contacts import valid_email
from services.dsb.common import need, text
from services.errors import Conflict, NotFound, ValidationFailed
from services.reports.scope import ScopePlan, check_period, parse_scope, plan_scope

__all__ = [
    "Requestor",
    "checked_scope",
    "conflict",
    "locked",
    "log",
    "need",
    "record_meeting",
    "text",
]

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True, slots=True)
class Requestor:
    """Who asks (outside Hearth: no account), as the Lead Agency entered it."""

    name: str
    organization: str
    email: str
    phone: str | None = None

    def checked(self, model: type[Model]) -> dict[str, Any]:
        return {
            "requestor_name": need(self.name, "requestorName", model, "requestor_name"),
            "requestor_organization": need(
                self.organization, "requestorOrganization", model, "requestor_organization"
            ),
            "requestor_email": valid_email(
                need(self.email, "requestorEmail", model, "requestor_email"),
                field="requestorEmail",
            ),
            "requestor_phone": text(
                self.phone, "requestorPhone", model, "requestor_phone", required=False
            ),
        }


async def checked_scope(
    caller: Caller, scope: str, start: date, end: date, *, resource: Resource, action: Action
) -> ScopePlan:
    """A scope that exists and the caller may work over, and a period whose end is not before
    its start; the scope's text as ``str(plan.scope)``."""
    check_period(start, end)
    return await plan_scope(
        caller.decisions,
        parse_scope(scope),
        resource=resource,
        action=action,
        today=caller.today,
        forbidden="No such scope, or you may not work over it.",
    )


async def locked(model: type[_M], id_: UUID, what: str, *, field: str = "id") -> _M:
    """The row, locked for the transaction; NOT_FOUND otherwise."""
    row = await model.filter(id=id_).select_for_update().first()
    if row is None:
        raise NotFound(f"No such {what}.", field=field)
    return row


def conflict(status: Any, allowed: tuple[Any, ...], step: str) -> None:
    """CONFLICT unless the row is at one of the ``allowed`` steps."""
    if status not in allowed:
        names = " or ".join(a.value for a in allowed)
        raise Conflict(f"{step} follows {names}; this one is {status.value}.", field="id")


async def record_meeting(
    caller: Caller,
    model: type[_M],
    row_id: UUID,
    what: str,
    *,
    met_on: date,
    notes: str,
    reviewed: Any,
    met: Any,
    action: str,
    stamped: bool = False,
) -> _M:
    """The step both routes share (405: "staff meets with requestor"): after the review, on a
    day not in the future nor before the review, with notes. ``stamped``: the row keeps an
    ``updated_at`` of its own."""
    body = need(notes, "notes", model, "meeting_notes")
    if met_on > caller.today:
        raise ValidationFailed("metOn is in the future.", field="metOn")
    async with in_transaction():
        row: Any = await locked(model, row_id, what)
        conflict(row.status, (reviewed,), "The meeting")
        if row.reviewed_at is not None and met_on < row.reviewed_at.date():
            raise ValidationFailed("metOn is before the review.", field="metOn")
        row.met_on, row.meeting_notes, row.status = met_on, body, met
        changed = ["met_on", "meeting_notes", "status"]
        if stamped:
            row.updated_at = caller.now
            changed.append("updated_at")
        await row.save(update_fields=changed)
        await log(
            caller,
            action,
            row,
            now=caller.now,
            before={"status": reviewed},
            after={"status": row.status, "metOn": met_on},
        )
    return row  # type: ignore[no-any-return]


async def log(
    caller: Caller | None,
    action: str,
    row: Model,
    *,
    now: Any,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """One governance-log row for a write (``caller`` None: a job)."""
    await governance_log.record(
        caller.principal if caller is not None else None,
        action,
        entity_type=type(row).__name__,
        entity_id=row.pk,
        now=now,
        before=before,
        after=after,
        reason=reason,
    )
