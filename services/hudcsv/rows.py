"""The rows of a HUD CSV export: each file's columns from the element registry
(``services.hudcsv.elements``), values as the client-data policy masks them, the trailer every
file ends with."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from uuid import UUID

from authz.clients import ClientAccess, client_fields
from models.clients import Client
from models.hud.codes import NO_YES
from services.hudcsv.elements import columns_of, to_csv
from services.hudcsv.format import hash_name, hash_ssn
from services.hudcsv.plan import HASHED

__all__ = [
    "ENROLLMENT_FIELDS",
    "HASHED_NAMES",
    "author",
    "client_row",
    "enrollment_row",
    "race_columns",
    "trailer",
]


def author(row: Any) -> UUID | None:
    """HUD UserID of a record (a model or a dict of its columns): its last updater, else its
    author."""
    if isinstance(row, dict):
        return row.get("updated_by_user_id") or row.get("created_by_user_id")
    return getattr(row, "updated_by_user_id", None) or getattr(row, "created_by_user_id", None)


def trailer(
    created: datetime, updated: datetime | None, user: UUID | None, export_id: str
) -> dict[str, Any]:
    return {
        "DateCreated": created,
        "DateUpdated": updated or created,
        "UserID": user,
        "ExportID": export_id,
    }


def client_row(
    client: Client, access: ClientAccess, hash_status: int, export_id: str
) -> dict[str, Any]:
    """Client.csv for one client, as the client-data policy masks it (hashed for HashStatus 4):
    an SSN the caller may not see in full goes out as its last four digits."""
    seen = client_fields(client, access)
    row = to_csv("Client", seen)
    last_four = seen["ssn_last_four"]
    row["SSN"] = seen["ssn"] or (f"xxxxx{last_four}" if last_four else None)
    if hash_status == HASHED:
        for column in HASHED_NAMES:
            row[column] = hash_name(row[column])
        row["SSN"] = hash_ssn(row["SSN"])
    if row["RaceNone"] is None and not any(row[column] == 1 for column in race_columns()):
        row["RaceNone"] = 99
    return {
        "PersonalID": client.id,
        **row,
        **trailer(client.created_at, client.updated_at, author(client), export_id),
    }


HASHED_NAMES = ("FirstName", "MiddleName", "LastName")


@functools.cache
def race_columns() -> tuple[str, ...]:
    """The 3.04 race and ethnicity flags' columns (RaceNone is 99 when none of them is 1)."""
    return tuple(
        column
        for column, item in columns_of("Client")
        if item.ref == "3.04" and item.codes is NO_YES
    )


def enrollment_row(e: dict[str, Any], export_id: str) -> dict[str, Any]:
    return {
        "EnrollmentID": e["id"],
        "PersonalID": e["client_id"],
        "ProjectID": e["project_id"],
        **to_csv("Enrollment", e),
        **trailer(e["created_at"], e["updated_at"], author(e), export_id),
    }


ENROLLMENT_FIELDS = (
    "id",
    "client_id",
    "project_id",
    "agency_id",
    *(item.name for _, item in columns_of("Enrollment")),
    "created_at",
    "updated_at",
    "created_by_user_id",
    "updated_by_user_id",
)
