"""The COPY export (PostgreSQL writes the client files' CSV, ``services.hudcsv.selects``) gives
the same bytes as the Python export (each cell formatted by ``services.hudcsv.format.value``),
for every file, every role allowed to export, hashed or not, on generated data with its defects,
and with releases that share a client's records but mask some of their categories (identifying
data, domestic violence, 42 CFR Part 2) from another agency. And both audit the same clients."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from authz.enforcer import current_authorizer
from devdata import generate
from services.hudcsv.columns import columns
from services.hudcsv.export import write_export
from services.hudcsv.format import SQL_SESSION, hud_id, value, value_sql
from services.hudcsv.plan import parse_scope, plan_export
from tests.conftest import START
from tests.factories import Api
from tests.hudcsv.support import TZ, decisions_for, statewide_reader
from tests.hudcsv.test_generated import (
    ANCHOR,
    CLIENTS,
    HIDDEN_FROM_BACKBONE,
    PERIOD,
    RECORD_RELEASE,
    SEED,
    Generated,
    _first_can,
    _sign_in_by_name,
)

pytestmark = pytest.mark.slow  # the generator at size


_CLIENT_EXPORTS = """SELECT client_id FROM audit_event
    WHERE action = 'EXPORT' AND entity_type = 'Client' AND seq > $1 ORDER BY client_id"""


@pytest.fixture
async def generated(app: object, database_url: str) -> AsyncIterator[Generated]:
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        summary = await generate(conn, clients=CLIENTS, seed=SEED, anchor=ANCHOR)
        await current_authorizer().reload()
        yield Generated(summary, conn)
    finally:
        await conn.close()


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def _both(
    g: Generated, user: Any, scope: str, tmp: Path, *, hashed: bool
) -> dict[str, list[list[str]]]:
    """Export ``scope`` as ``user`` both ways; every file equal byte for byte (the export id
    aside: each export has its own); the same clients audited. The files' rows."""
    plan = await plan_export(
        await decisions_for(user),
        parse_scope(scope),
        hashed=hashed,
        today=START.date(),
        **PERIOD,
    )
    files: dict[str, dict[str, bytes]] = {}
    audited: dict[str, list[UUID]] = {}
    for engine in ("python", "copy"):
        mark = await g.conn.fetchval("SELECT coalesce(max(seq), 0) FROM audit_event")
        export_id = uuid4()
        result = await write_export(
            plan,
            out=tmp / f"{engine}.zip",
            now=START,
            tz=TZ,
            implementation_id="hearth-test",
            export_id=export_id,
            engine=engine,
        )
        eid = hud_id(export_id).encode()
        files[engine] = {
            name: data.replace(eid, b"<export>") for name, data in _entries(result.path).items()
        }
        audited[engine] = [r["client_id"] for r in await g.conn.fetch(_CLIENT_EXPORTS, mark)]
    assert list(files["copy"]) == list(files["python"])
    for name, data in files["python"].items():
        assert files["copy"][name] == data, f"{scope} {name} differs"
    assert audited["copy"] == audited["python"]
    rows = {
        name.removesuffix(".csv"): list(csv.reader(io.StringIO(data.decode())))[1:]
        for name, data in files["copy"].items()
    }
    assert len(rows["Client"]) == len(audited["copy"])
    return rows


async def test_statewide_both_ways(generated: Generated, tmp_path: Path) -> None:
    reader = await statewide_reader("statewide.copy")
    for hashed in (True, False):
        assert len((await _both(generated, reader, "all", tmp_path, hashed=hashed))["Client"]) > 100


async def test_agency_and_project_both_ways(generated: Generated, tmp_path: Path) -> None:
    g = generated
    hdc = await g.db_user("hdc")
    a01 = g.summary.agencies["a01"]
    for hashed in (False, True):
        assert (await _both(g, hdc, f"agency:{a01}", tmp_path, hashed=hashed))["Client"]
    project = await g.conn.fetchval(
        "SELECT p.id FROM project p JOIN enrollment e ON e.project_id = p.id"
        " WHERE p.agency_id = $1 GROUP BY p.id ORDER BY count(*) DESC LIMIT 1",
        a01,
    )
    assert (await _both(g, hdc, f"project:{project}", tmp_path, hashed=False))["Enrollment"]


async def test_can_backbone_both_ways_with_releases_that_mask_categories(
    generated: Generated, api: Api, tmp_path: Path
) -> None:
    """Backbone staff see the CAN's agencies' records in ``BACKBONE_CATEGORIES`` only; clients of
    another CAN come in through a release, which shares the categories it names (so identifying
    data, DV fields and Part 2 disabilities are masked or left out row by row)."""
    g = generated
    staff, can, agencies = await _first_can(g)
    db_staff = await g.db_user("can_backbone")
    before = await _both(g, db_staff, f"can:{can}", tmp_path, hashed=False)
    hidden = await g.conn.fetch(
        f"""SELECT DISTINCT e.client_id, e.agency_id {HIDDEN_FROM_BACKBONE}
              AND NOT EXISTS (SELECT 1 FROM release_of_information r WHERE r.client_id = c.id)
            ORDER BY e.client_id LIMIT 2""",  # noqa: S608
        agencies,
        can,
        staff.agency_id,
    )
    assert len(hidden) == 2
    shares = (
        ["ENROLLMENT_AND_SERVICES", "HEALTH"],  # no identifying data, no DV, no Part 2
        ["IDENTIFYING", "ENROLLMENT_AND_SERVICES", "DOMESTIC_VIOLENCE", "SUBSTANCE_USE"],
    )
    for row, categories in zip(hidden, shares, strict=True):
        manager = await g.conn.fetchval(
            """SELECT u.username FROM hearth_user u JOIN membership m ON m.user_id = u.id
                WHERE m.agency_id = $1 AND m.access_level = 'FULL' AND u.username LIKE '%.cm%'
                ORDER BY u.username LIMIT 1""",
            row["agency_id"],
        )
        writer = await _sign_in_by_name(api, g, manager)
        await api.ok(
            RECORD_RELEASE,
            {
                "input": {
                    "clientId": str(row["client_id"]),
                    "scope": "STATEWIDE",
                    "categories": categories,
                    "startsOn": ANCHOR.isoformat(),
                    "expiresOn": date(2027, 3, 1).isoformat(),
                    "kind": "WRITTEN",
                    "agencyId": str(row["agency_id"]),
                }
            },
            writer,
        )
    # both have an enrollment element of HEALTH recorded (V7 CurrentPregnant: yes)
    await g.conn.execute(
        "UPDATE enrollment SET current_pregnant = 1 WHERE client_id = ANY($1::uuid[])",
        [r["client_id"] for r in hidden],
    )
    after = await _both(g, db_staff, f"can:{can}", tmp_path, hashed=False)
    assert len(after["Client"]) == len(before["Client"]) + 2
    # Enrollment.csv shows it where the release shares HEALTH, and masks it where it does not
    # (as the API's Enrollment.currentPregnant does)
    pregnant = [c.name for c in columns("Enrollment")].index("CurrentPregnant")
    by_client: dict[str, set[str]] = {}
    for enrollment in after["Enrollment"]:
        by_client.setdefault(enrollment[1], set()).add(enrollment[pregnant])
    with_health, without = (by_client[r["client_id"].hex] for r in hidden)
    assert with_health == {"1"}
    assert "1" not in without
    clients = {r[0]: r for r in after["Client"]}
    masked, shown = (clients[r["client_id"].hex] for r in hidden)
    # FirstName, MiddleName, LastName, SSN, DOB: masked without IDENTIFYING, shown with it
    # (the SSN's last four digits only: no consent at a FULL agency of the caller's)
    assert [masked[i] for i in (1, 2, 3, 6, 8)] == [""] * 5
    assert any(shown[i] for i in (1, 3, 8))
    assert shown[6] == "" or shown[6].startswith("xxxxx")
    await _both(g, db_staff, f"can:{can}", tmp_path, hashed=True)


TEXTS = (
    "",
    " ",
    "plain",
    "two  spaces",
    " lead and trail ",
    "tab\there",
    "line\nbreak\r\nand\u2028separator",
    "no\u00a0break\u3000ideographic\u0085next",
    "<b>[x]{y}</b>",
    "   <>  ",
    "ünïcödé ✓",
    '"quoted", with comma',
)


async def test_each_cell_format_is_the_same_in_sql(database_url: str) -> None:
    """``format.value_sql`` against ``format.value``, on the values that differ most."""
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        async with conn.transaction():
            await conn.execute(SQL_SESSION)
            for text in TEXTS:
                got = await conn.fetchval(f"SELECT {value_sql('$1::text', str, TZ)}", text)
                assert (got or "") == value(text, TZ), repr(text)
            cases: tuple[tuple[Any, type, str], ...] = (
                (datetime(2026, 3, 2, 4, 59, 59, 999999, tzinfo=UTC), datetime, "timestamptz"),
                (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime, "timestamptz"),
                (date(1931, 2, 3), date, "date"),
                (Decimal("12.5"), Decimal, "numeric"),
                (Decimal("1234567.89"), Decimal, "numeric"),
                (True, bool, "boolean"),
                (False, bool, "boolean"),
                (UUID("0a1b2c3d-0000-4000-8000-00000000abcd"), UUID, "uuid"),
                (-7, int, "int"),
            )
            for item, kind, sql_type in cases:
                cell = await conn.fetchval(
                    f"SELECT ({value_sql(f'$1::{sql_type}', kind, TZ)})::text", item
                )
                assert cell == value(item, TZ), repr(item)
    finally:
        await conn.close()
