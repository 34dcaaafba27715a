"""A later export of the same source: rows it updated since, and rows it deleted (DateDeleted).

Updated: an imported row whose source DateUpdated is newer than the row's own (its updated_at,
else its created_at) takes the source's values, DateUpdated and UserID, audited as UPDATE with
the fields that changed (names, never values). A row edited in Hearth since carries a newer
time and keeps Hearth's values. Running the same file again finds nothing newer: it changes
nothing.

Deleted: Hearth keeps no HUD record the source deleted. An enrollment goes with every record
below it, each audited as DELETE; the audit trail keeps who, when and which record, as it keeps
them for any record (its rows outlive what they name). A client is never deleted: other agencies
may hold them, and consents, releases, case notes and the client's own trail hang on the record
(decision 143); the import counts them as kept, for the agencies to review.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.models import Model

from models.enums import AuditAction
from services.audit import AuditRow

__all__: list[str] = []


async def stamps(
    conn: Any, model: type[Model], sources: Sequence[str], source_system: str
) -> dict[str, tuple[UUID, datetime]]:
    """The model's rows of this source by source id: (id, when last updated)."""
    if not sources:
        return {}
    meta = model._meta
    stamp = "coalesce(updated_at, created_at)" if "updated_at" in meta.fields_map else "created_at"
    rows = await conn.execute_query_dict(
        f'SELECT source_id, id, {stamp} AS stamp FROM "{meta.db_table}"'  # noqa: S608 (the models' names)
        " WHERE source_system = $1 AND source_id = ANY($2::text[])",
        [source_system, list(sources)],
    )
    return {r["source_id"]: (r["id"], r["stamp"]) for r in rows}


def updatable(model: type[Model]) -> bool:
    """Whether the model keeps when its rows were updated (what makes an update idempotent)."""
    return "updated_at" in model._meta.fields_map


async def update_rows(
    conn: Any,
    model: type[Model],
    rows: list[dict[str, Any]],
    *,
    sealed: dict[str, Any],
    entity: str,
    clients: dict[UUID, UUID],
    actor: UUID,
    agency_of: dict[UUID, UUID],
    now: datetime,
) -> list[AuditRow]:
    """Write the rows (each with ``id`` and the same columns) over the stored ones; an UPDATE
    audit row each, naming the columns whose value changed. ``clients``: row id -> client id."""
    if not rows:
        return []
    meta = model._meta
    table = meta.db_table
    columns = [c for c in rows[0] if c != "id"]
    old = {
        r["id"]: r
        for r in await conn.execute_query_dict(
            f'SELECT * FROM "{table}" WHERE id = ANY($1::uuid[])',  # noqa: S608 (the models' names)
            [[r["id"] for r in rows]],
        )
    }
    assignments = ", ".join(f'"{c}" = ${i}' for i, c in enumerate(columns, 2))
    if "version" in meta.fields_map:
        assignments += ", version = version + 1"
    values = []
    audit = []
    for row in rows:
        before = old.get(row["id"], {})
        changed = tuple(
            c
            for c in columns
            if c not in sealed
            and c not in ("updated_at", "last_activity_at", "ssn_hash", "ssn_valid")
            and before.get(c) != row[c]
        )
        if "ssn_hash" in row and before.get("ssn_hash") != row["ssn_hash"]:
            changed += ("ssn",)
        values.append(
            [
                row["id"],
                *(sealed[c].to_db_value(row[c], model) if c in sealed else row[c] for c in columns),
            ]
        )
        audit.append(
            AuditRow(
                occurred_at=now,
                action=AuditAction.UPDATE,
                entity_type=entity,
                entity_id=str(row["id"]),
                client_id=clients.get(row["id"]),
                actor_id=actor,
                agency_id=agency_of.get(row["id"]),
                fields=("hudCsvImport", *changed),
            )
        )
    await conn.execute_many(
        f'UPDATE "{table}" SET {assignments} WHERE id = $1',  # noqa: S608 (the models' names)
        values,
    )
    return audit


async def _children(conn: Any, table: str) -> list[tuple[str, str]]:
    """(table, column) of each foreign key that points at the table's id."""
    rows = await conn.execute_query_dict(
        """
        SELECT c.relname AS child, a.attname AS col
          FROM pg_constraint k
          JOIN pg_class c ON c.oid = k.conrelid
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
         WHERE k.contype = 'f' AND k.confrelid = $1::regclass AND array_length(k.conkey, 1) = 1
         ORDER BY 1, 2
        """,
        [table],
    )
    return [(r["child"], r["col"]) for r in rows]


async def kept_back(conn: Any, table: str, ids: list[UUID], source_system: str) -> set[UUID]:
    """The rows that records not of this source hang on (entered in Hearth, a case note, another
    source's): they are not deleted."""
    kept: set[UUID] = set()
    for child, column in await _children(conn, table):
        has_source = await conn.execute_query_dict(
            "SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = 'source_system'",
            [child],
        )
        foreign = " AND source_system IS DISTINCT FROM $2" if has_source else ""
        rows = await conn.execute_query_dict(
            f'SELECT DISTINCT "{column}" AS parent FROM "{child}" WHERE "{column}" = ANY($1::uuid[]){foreign}',  # noqa: S608 (catalog names)
            [ids, source_system] if has_source else [ids],
        )
        kept |= {r["parent"] for r in rows}
    return kept


async def delete_rows(
    conn: Any,
    table: str,
    entity: str,
    ids: list[UUID],
    *,
    clients: dict[UUID, UUID],
    actor: UUID,
    agency_of: dict[UUID, UUID],
    now: datetime,
) -> list[AuditRow]:
    """Delete the rows and, first, every row below them (found by the foreign keys), a DELETE
    audit row each (the rows below under their table's name)."""
    if not ids:
        return []
    audit: list[AuditRow] = []
    for child, column in await _children(conn, table):
        below = await conn.execute_query_dict(
            f'SELECT id, "{column}" AS parent FROM "{child}" WHERE "{column}" = ANY($1::uuid[])',  # noqa: S608 (catalog names)
            [ids],
        )
        if below:
            audit += await delete_rows(
                conn,
                child,
                child,
                [r["id"] for r in below],
                clients={r["id"]: clients[r["parent"]] for r in below if r["parent"] in clients},
                actor=actor,
                agency_of={
                    r["id"]: agency_of[r["parent"]] for r in below if r["parent"] in agency_of
                },
                now=now,
            )
    await conn.execute_query(
        f'DELETE FROM "{table}" WHERE id = ANY($1::uuid[])',  # noqa: S608 (the models' names)
        [ids],
    )
    audit += [
        AuditRow(
            occurred_at=now,
            action=AuditAction.DELETE,
            entity_type=entity,
            entity_id=str(i),
            client_id=clients.get(i),
            actor_id=actor,
            agency_id=agency_of.get(i),
            fields=("hudCsvImport", "DateDeleted"),
        )
        for i in ids
    ]
    return audit
