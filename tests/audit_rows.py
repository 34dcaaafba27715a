"""The audit rows as records read, whatever their shape: a client's VIEW row (one per client per
request since migration 0032, decision 189) is the client and each record listed on it; any
other row is itself. For tests that ask what was read of which record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple
from uuid import UUID

from models.audit import AuditEvent
from services.audit import read_entries

__all__ = ["Read", "records"]


class Read(NamedTuple):
    action: str
    entity_type: str
    entity_id: str | None
    client_id: UUID | None
    agency_id: UUID | None
    fields_touched: list[str]
    release_id: UUID | None
    row: AuditEvent

    @property
    def seq(self) -> Any:
        return self.row.seq


def records(rows: Iterable[AuditEvent]) -> list[Read]:
    """Each record a row names, with the row's action, client, agency and release."""
    return [
        Read(
            str(getattr(row.action, "value", row.action)),
            entry.entity_type,
            entry.entity_id,
            row.client_id,
            row.agency_id,
            list(entry.fields),
            row.release_id,
            row,
        )
        for row in rows
        for entry in read_entries(row)
    ]
