"""The committed migrations build the database the models describe, reference data included."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.db import tortoise_config
from api.dbmigrate import apply_migrations, pending_model_changes
from api.settings import Settings, get_settings

COURSES = {
    "PRIVACY-SECURITY",
    "NEW-USER-DATA-ENTRY",
    "REPORTING",
    "HDC-ORIENTATION",
    "SECURITY-COORDINATOR",
}

FOREIGN_KEY = """
SELECT c.confrelid::regclass::text AS target, c.confdeltype::text AS on_delete
  FROM pg_constraint c
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
 WHERE c.conrelid = 'agency'::regclass AND c.contype = 'f' AND a.attname = $1
"""


async def test_the_committed_migrations_match_the_models(database_url: str) -> None:
    config = tortoise_config(database_url, Settings(env="test"))
    pending = await pending_model_changes(config)
    assert pending == [], (
        f"The models changed without a migration ({pending}): run `hearth makemigrations` "
        "and commit what it writes."
    )


async def test_the_drift_check_sees_a_missing_migration(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the same models, with an empty migrations package
    package = tmp_path / "no_migrations_yet"
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    config = tortoise_config(database_url, Settings(env="test"))
    config["apps"]["hearth"]["migrations"] = "no_migrations_yet"
    # when / then: the check is not vacuous
    assert await pending_model_changes(config) != []


async def test_the_agency_refers_to_its_can_by_a_real_foreign_key(database_url: str) -> None:
    # The 0001 migration adds Agency.can after Can is created (the two refer to each other).
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        rows = await conn.fetch(FOREIGN_KEY, "can_id")
        coc = await conn.fetch(FOREIGN_KEY, "coc_id")
    finally:
        await conn.close()
    assert [(r["target"], r["on_delete"]) for r in rows] == [("can", "n")]  # n: SET NULL
    assert [r["target"] for r in coc] == ["continuum_of_care"]


async def test_the_reference_data_is_seeded(database_url: str) -> None:
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        cocs = await conn.fetch("SELECT code FROM continuum_of_care ORDER BY code")
        courses = await conn.fetch("SELECT code FROM training_course")
    finally:
        await conn.close()
    assert [r["code"] for r in cocs] == ["CT-503", "CT-505"]
    assert {r["code"] for r in courses} == COURSES


ALL_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text AS source, a.attname AS column_name,
       c.confrelid::regclass::text AS target
  FROM pg_constraint c
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
 WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
"""


async def test_every_model_foreign_key_is_a_real_constraint(database_url: str, app: object) -> None:
    # Tortoise silently drops a foreign key to a table its migration creates later (decision 10):
    # every relation the models declare must exist in the database as column and constraint.
    from tortoise import Tortoise

    expected = set()
    for model in Tortoise.apps["hearth"].values():
        meta = model._meta
        for name in meta.fk_fields:
            field = meta.fields_map[name]
            expected.add((meta.db_table, field.source_field, field.related_model._meta.db_table))
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        actual = {
            (r["source"], r["column_name"], r["target"]) for r in await conn.fetch(ALL_FOREIGN_KEYS)
        }
    finally:
        await conn.close()
    assert expected, "no foreign keys found on the models"
    assert expected - actual == set()


OLD_CLIENT = """
WITH a AS (
  INSERT INTO agency (id, name, victim_service_provider, status, mou_access_levels, created_at,
                      updated_at, coc_id)
  SELECT $1, 'Old Agency', false, 'ACTIVE', '[]', now(), now(), id FROM continuum_of_care LIMIT 1
), u AS (
  INSERT INTO hearth_user (id, username, email, email_normalized, status, created_at, updated_at)
  VALUES ($2, 'old.user', 'old@example.org', 'old@example.org', 'ACTIVE', now(), now())
)
INSERT INTO client (id, ssn, ssn_last_four, name_data_quality, ssn_data_quality,
  dob_data_quality, am_ind_ak_native, asian, black_af_american, hispanic_latinao,
  mid_east_n_african, native_hi_pacific, white, veteran_status, version, last_activity_at,
  created_at, updated_at, created_by_agency_id, created_by_user_id)
VALUES ($3, '234567890', '7890', 1, 1, 99, 0, 0, 0, 0, 0, 0, 0, 99, 1, now(), now(), now(), $1, $2)
"""


async def test_upgrading_a_database_with_clear_ssns_leaves_none(
    empty_database: str, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a database at the migration before SSNs were sealed, holding a clear SSN
    url = empty_database
    await apply_migrations(
        tortoise_config(url, Settings(env="test")), target="hearth.0009_audit_seal"
    )
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute(OLD_CLIENT, uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
        # when: `make serve` starts with `hearth migrate`
        monkeypatch.setenv("HEARTH_DATABASE_URL", url)
        get_settings.cache_clear()
        result = await asyncio.to_thread(runner.invoke, cli, ["migrate"])
        # then: the SSN is sealed, hashed, and its last four kept
        assert result.exit_code == 0, result.stderr
        assert "1 SSNs sealed" in result.stdout
        row = await conn.fetchrow("SELECT ssn, ssn_last_four, ssn_hash FROM client")
        copied = bytearray()
        await conn.copy_from_table("client", output=lambda chunk: _append(copied, chunk))
    finally:
        await conn.close()
    assert row["ssn"][:4] == b"\x01\x02t1"
    assert (row["ssn_last_four"], len(row["ssn_hash"])) == ("7890", 64)
    for text in (b"234567890", b"234567890".hex().encode()):
        assert text not in bytes(row["ssn"]) + bytes(copied)


async def _append(buffer: bytearray, chunk: bytes) -> None:
    buffer.extend(chunk)
