"""The database's own guard for policies 207 and 404, below every service: direct SQL cannot edit
or delete a case note (only an approved deletion empties it, once), cannot touch a deletion
tombstone once decided, and cannot edit or delete a release of information (revocation aside).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError, OperationalError

from models.case_notes import CaseNote, CaseNoteDeletionRequest
from models.clients import Client, ClientAnnotation
from models.enums import AnnotationKind, ConsentKind, DeletionRequestStatus, ReleaseScope
from models.governance import Agency
from models.releases import Release
from models.users import User
from tests.factories import make_agency, make_user

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
# Tortoise maps asyncpg's IntegrityConstraintViolationError to one of these, by driver version.
REFUSED = (IntegrityError, OperationalError)


@dataclass
class World:
    agency: Agency
    author: User
    admin: User
    client: Client
    note: CaseNote


async def _world() -> World:
    agency = await make_agency("Agency A")
    author = await make_user(trained=False)
    admin = await make_user(trained=False)
    client = await Client.create(
        first_name="Rosa",
        created_by_agency=agency,
        created_by_user=author,
        last_activity_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    note = await CaseNote.create(
        client=client, agency=agency, author=author, created_at=NOW, text="Met at intake."
    )
    return World(agency, author, admin, client, note)


async def _sql(statement: str, *values: Any) -> None:
    await get_connection("default").execute_query(statement, list(values))


async def _request(world: World, status: DeletionRequestStatus) -> CaseNoteDeletionRequest:
    decided = status != DeletionRequestStatus.PENDING
    return await CaseNoteDeletionRequest.create(
        note=world.note,
        client=world.client,
        agency=world.agency,
        reason="wrong client",
        status=status,
        requested_by=world.author,
        requested_at=NOW,
        decided_by=world.admin if decided else None,
        decided_at=LATER if decided else None,
    )


async def _row(note: CaseNote) -> dict[str, Any]:
    rows = await get_connection("default").execute_query_dict(
        "SELECT text, deleted_at, author_id, created_at FROM case_note WHERE id = $1", [note.id]
    )
    assert len(rows) == 1
    return rows[0]


# --- case notes ---------------------------------------------------------------------------------


NOTE_EDITS = {
    "change the text": "UPDATE case_note SET text = 'rewritten' WHERE id = $1",
    "empty the text without deleting": "UPDATE case_note SET text = NULL WHERE id = $1",
    "empty the text with an empty string": "UPDATE case_note SET text = '' WHERE id = $1",
    "mark deleted but keep the text": "UPDATE case_note SET deleted_at = now() WHERE id = $1",
    "replace the text while deleting": "UPDATE case_note SET text = 'x', deleted_at = now() WHERE id = $1",
    "backdate it": "UPDATE case_note SET created_at = created_at - interval '1 day' WHERE id = $1",
    "change its author": "UPDATE case_note SET author_id = (SELECT id FROM hearth_user WHERE id <> author_id LIMIT 1) WHERE id = $1",
    "move it to another client": "UPDATE case_note SET client_id = gen_random_uuid() WHERE id = $1",
    "give it a new id": "UPDATE case_note SET id = gen_random_uuid() WHERE id = $1",
    "delete the row": "DELETE FROM case_note WHERE id = $1",
}


@pytest.mark.parametrize(("what", "statement"), list(NOTE_EDITS.items()), ids=list(NOTE_EDITS))
async def test_direct_sql_cannot_edit_or_delete_a_note(
    app: object, what: str, statement: str
) -> None:
    # given a saved note
    world = await _world()
    before = await _row(world.note)

    # when someone with database access tries to change it
    with pytest.raises(REFUSED, match=r"policy 404|never deleted"):
        await _sql(statement, world.note.id)

    # then the note is as it was
    assert await _row(world.note) == before, what


async def test_an_unchanged_update_of_a_note_is_harmless(app: object) -> None:
    world = await _world()
    await _sql("UPDATE case_note SET text = text WHERE id = $1", world.note.id)
    assert (await _row(world.note))["text"] == "Met at intake."


@pytest.mark.parametrize(
    "status", [None, DeletionRequestStatus.PENDING, DeletionRequestStatus.DENIED]
)
async def test_a_note_is_not_emptied_without_an_approved_request(
    app: object, status: DeletionRequestStatus | None
) -> None:
    # given a note with no request, a pending one or a denied one
    world = await _world()
    if status is not None:
        await _request(world, status)

    # when the deletion UPDATE the service uses runs anyway
    with pytest.raises(REFUSED, match="approved"):
        await _sql(
            "UPDATE case_note SET text = NULL, deleted_at = $2 WHERE id = $1", world.note.id, LATER
        )

    # then the text stays
    assert (await _row(world.note))["text"] == "Met at intake."


async def test_the_approved_deletion_empties_the_text_once_and_the_row_stays(app: object) -> None:
    # given an approved deletion request
    world = await _world()
    await _request(world, DeletionRequestStatus.APPROVED)

    # when the approved deletion runs (as services.case_notes does it)
    await CaseNote.filter(id=world.note.id).update(text=None, deleted_at=LATER)

    # then the row is a tombstone: no text, the deletion time, author and date kept
    row = await _row(world.note)
    assert row["text"] is None
    assert row["deleted_at"] == LATER
    assert row["author_id"] == world.author.id
    assert row["created_at"] == NOW
    # and it cannot be restored, re-dated, re-deleted or removed
    for statement in (
        "UPDATE case_note SET text = 'restored' WHERE id = $1",
        "UPDATE case_note SET text = 'restored', deleted_at = NULL WHERE id = $1",
        "UPDATE case_note SET deleted_at = deleted_at + interval '1 day' WHERE id = $1",
        "DELETE FROM case_note WHERE id = $1",
    ):
        with pytest.raises(REFUSED):
            await _sql(statement, world.note.id)
    assert await _row(world.note) == row


# --- the deletion request is the tombstone: decided once, then fixed ----------------------------


DECIDED_REQUEST_EDITS = {
    "rewrite the reason": "UPDATE case_note_deletion_request SET reason = 'other' WHERE id = $1",
    "change who approved": "UPDATE case_note_deletion_request SET decided_by_id = requested_by_id WHERE id = $1",
    "change when": "UPDATE case_note_deletion_request SET decided_at = decided_at - interval '1 day' WHERE id = $1",
    "reopen it": "UPDATE case_note_deletion_request SET status = 'PENDING', decided_by_id = NULL, decided_at = NULL WHERE id = $1",
    "turn it into a denial": "UPDATE case_note_deletion_request SET status = 'DENIED' WHERE id = $1",
    "delete it": "DELETE FROM case_note_deletion_request WHERE id = $1",
}


@pytest.mark.parametrize(
    ("what", "statement"), list(DECIDED_REQUEST_EDITS.items()), ids=list(DECIDED_REQUEST_EDITS)
)
async def test_a_decided_request_cannot_be_changed_or_deleted(
    app: object, what: str, statement: str
) -> None:
    world = await _world()
    request = await _request(world, DeletionRequestStatus.APPROVED)

    with pytest.raises(REFUSED, match="policy 404"):
        await _sql(statement, request.id)

    kept = await CaseNoteDeletionRequest.get(id=request.id)
    assert (kept.status, kept.reason, kept.decided_at) == (
        DeletionRequestStatus.APPROVED,
        "wrong client",
        LATER,
    ), what


async def test_a_pending_request_is_decided_once_but_its_request_stays_fixed(app: object) -> None:
    world = await _world()
    request = await _request(world, DeletionRequestStatus.PENDING)

    # the request itself (what, who, why, when) is fixed even while pending
    with pytest.raises(REFUSED, match="policy 404"):
        await _sql(
            "UPDATE case_note_deletion_request SET reason = 'other' WHERE id = $1", request.id
        )
    with pytest.raises(REFUSED, match="policy 404"):
        await _sql("DELETE FROM case_note_deletion_request WHERE id = $1", request.id)
    # the decision is recorded (as services.case_notes does it)
    await _sql(
        "UPDATE case_note_deletion_request SET status = 'DENIED', decided_by_id = $2, decided_at = $3 WHERE id = $1",
        request.id,
        world.admin.id,
        LATER,
    )
    assert (await CaseNoteDeletionRequest.get(id=request.id)).status == DeletionRequestStatus.DENIED


# --- releases of information (policy 207) -------------------------------------------------------


async def _release(world: World) -> Release:
    return await Release.create(
        client=world.client,
        releasing_agency=world.agency,
        scope=ReleaseScope.STATEWIDE,
        categories=["IDENTIFYING"],
        starts_on=date(2026, 3, 1),
        expires_on=date(2026, 6, 1),
        kind=ConsentKind.WRITTEN,
        recorded_by=world.author,
        recorded_at=NOW,
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE release_of_information SET expires_on = expires_on + 365 WHERE id = $1",
        """UPDATE release_of_information SET categories = '["IDENTIFYING","SUBSTANCE_USE"]' WHERE id = $1""",
        "UPDATE release_of_information SET scope = 'AGENCIES' WHERE id = $1",
        "DELETE FROM release_of_information WHERE id = $1",
    ],
)
async def test_direct_sql_cannot_edit_or_delete_a_release(app: object, statement: str) -> None:
    world = await _world()
    release = await _release(world)

    with pytest.raises(REFUSED, match="release of information"):
        await _sql(statement, release.id)

    kept = await Release.get(id=release.id)
    assert (kept.expires_on, kept.categories, kept.scope) == (
        date(2026, 6, 1),
        ["IDENTIFYING"],
        ReleaseScope.STATEWIDE,
    )


async def test_a_release_is_revoked_once_and_then_fixed(app: object) -> None:
    world = await _world()
    release = await _release(world)

    await _sql(
        "UPDATE release_of_information SET revoked_at = $2, revoked_by_id = $3, revocation_reason = 'asked' WHERE id = $1",
        release.id,
        LATER,
        world.author.id,
    )
    assert (await Release.get(id=release.id)).revoked_at == LATER

    for statement in (
        "UPDATE release_of_information SET revoked_at = NULL WHERE id = $1",
        "UPDATE release_of_information SET revocation_reason = 'other' WHERE id = $1",
    ):
        with pytest.raises(REFUSED, match="release of information"):
            await _sql(statement, release.id)
    assert (await Release.get(id=release.id)).revoked_at == LATER


@pytest.mark.parametrize(
    "table",
    ["case_note", "release_of_information", "case_note_deletion_request", "client_annotation"],
)
async def test_the_append_only_tables_refuse_truncation(app: object, table: str) -> None:
    # given a world with a note, a release and a deletion request
    world = await _world()
    await _release(world)
    await _request(world, DeletionRequestStatus.PENDING)
    await _annotation(world)
    # when TRUNCATE is tried (it bypasses row triggers), then it is refused and nothing goes:
    # the app's role holds no TRUNCATE privilege, and the tables' owner meets the trigger
    with pytest.raises(REFUSED, match="permission denied"):
        await _sql(f"TRUNCATE {table} CASCADE")
    with pytest.raises(REFUSED, match="append-only"):
        await get_connection("default").execute_script(
            f"BEGIN; SET LOCAL ROLE NONE; TRUNCATE {table} CASCADE; COMMIT"
        )
    assert await get_connection("default").execute_query_dict(
        f"SELECT 1 FROM {table} LIMIT 1"  # noqa: S608
    )


async def _annotation(world: World) -> ClientAnnotation:
    return await ClientAnnotation.create(
        client=world.client,
        agency=world.agency,
        field="lastName",
        kind=AnnotationKind.INACCURATE,
        note="Spelled Rossa on the ID.",
        created_by=world.author,
        created_at=NOW,
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE client_annotation SET note = 'nothing to see' WHERE id = $1",
        "UPDATE client_annotation SET field = 'dob' WHERE id = $1",
        "DELETE FROM client_annotation WHERE id = $1",
    ],
)
async def test_a_correction_is_never_changed_or_deleted(app: object, statement: str) -> None:
    # given a correction of the client's last name (policy 207 f)
    world = await _world()
    annotation = await _annotation(world)
    # when someone with database access tries to change or remove it, then it is refused
    with pytest.raises(REFUSED, match="207 f"):
        await _sql(statement, annotation.id)
    # and it is as it was
    kept = await ClientAnnotation.get(id=annotation.id)
    assert (kept.field, kept.note) == ("lastName", "Spelled Rossa on the ID.")
