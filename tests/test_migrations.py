"""The committed migrations build the database the models describe, reference data included."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from api.db import tortoise_config
from api.dbmigrate import pending_model_changes
from api.settings import Settings

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
