"""SSNs sealed at rest: no clear SSN in the client table however one is written, the keyed hash
finds a client by exact SSN, rotation and the re-seal, clear values an upgrade left."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import Settings, get_settings
from api.ssn_keys import load_key_ring, new_key
from models.clients import Client
from models.enums import AccessLevel, ConsentKind, Duty
from models.sealed import SealingError, installed, key_id_of
from services.clients import (
    ConsentData,
    SearchCriteria,
    create_client,
    search_clients,
    update_client,
)
from services.errors import ValidationFailed
from services.sealing import check_keys, rekey_ssns
from tests.factories import make_agency, make_user
from tests.hudcsv.support import TZ, write_zip
from tests.hudcsv.test_import import source_files
from tests.services.support import NOW, caller_of, decisions_for

CONSENT = ConsentData(kind=ConsentKind.WRITTEN, taken_on=date(2026, 3, 1))


@pytest.fixture
async def raw(app: object, database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of its own, reading what is committed, as a dump would."""
    connection = await asyncpg.connect(database_url, timeout=10)
    yield connection
    await connection.close()


async def dump(conn: asyncpg.Connection) -> bytes:
    """The client table as ``SELECT ssn`` and as ``pg_dump`` writes it (COPY, text format)."""
    selected = b"|".join(r["ssn"] or b"" for r in await conn.fetch("SELECT ssn FROM client"))
    copied = io.BytesIO()
    await conn.copy_from_table("client", output=copied)
    return selected + b"\n" + copied.getvalue()


def assert_no_clear(dumped: bytes, *ssns: str) -> None:
    for ssn in ssns:
        assert ssn.encode() not in dumped
        assert ssn.encode().hex().encode() not in dumped  # bytea in clear, as COPY writes it


async def _caller(agency_name: str = "Shelter A") -> object:
    agency = await make_agency(agency_name)
    user = await make_user(agencies={agency: AccessLevel.FULL})
    return caller_of(await decisions_for(user))


async def _client(caller: object, ssn: str | None, **data: object) -> Client:
    values = {"first_name": "Rosa", "name_data_quality": 1, "ssn": ssn, **data}
    return await create_client(caller=caller, agency_id=None, data=values, consent=CONSENT)  # type: ignore[arg-type]


async def test_no_clear_ssn_is_stored_after_create_update_and_import(
    raw: asyncpg.Connection, tmp_path: Path
) -> None:
    # given: a client created, another created then changed, and two imported (HUD CSV)
    caller = await _caller()
    created = await _client(caller, "234-56-7890", ssn_data_quality=1)
    changed = await _client(caller, "345678901", ssn_data_quality=1)
    changed = await update_client(
        caller=caller,  # type: ignore[arg-type]
        client_id=changed.id,
        version=changed.version,
        changes={"ssn": "456789012"},
    )
    importer = await make_agency("Importer", coc="CT-505")
    await make_user("importer.hdc", duties={importer: Duty.HMIS_DATA_COORDINATOR})
    from services.hudcsv.importer import import_hud_csv

    await import_hud_csv(
        write_zip(tmp_path / "in.zip", source_files()),
        agency_id=importer.id,
        username=None,
        now=NOW,
        tz=TZ,
    )
    # when: the table is read raw, as a dump reads it
    dumped = await dump(raw)
    # then: no SSN in clear, every stored SSN sealed with the current key
    assert_no_clear(dumped, "234567890", "345678901", "456789012", "123456789")
    stored = [r["ssn"] for r in await raw.fetch("SELECT ssn FROM client WHERE ssn IS NOT NULL")]
    assert len(stored) == 3
    assert {key_id_of(s) for s in stored} == {"t1"}
    # and everything that read the SSN still reads it as it was
    assert (await Client.get(id=created.id)).ssn == "234567890"
    assert (changed.ssn, changed.ssn_last_four) == ("456789012", "9012")
    imported = await Client.get(source_id="C1")
    assert (imported.ssn, imported.ssn_last_four) == ("123456789", "6789")
    assert (await Client.filter(id=created.id).values("ssn")) == [{"ssn": "234567890"}]


async def test_the_keyed_hash_finds_a_client_by_exact_ssn(raw: asyncpg.Connection) -> None:
    # given: clients with close SSNs, and one of another agency the caller may not see
    caller = await _caller()
    wanted = await _client(caller, "123-45-6789", ssn_data_quality=1)
    await _client(caller, "123456780", ssn_data_quality=1)
    await _client(caller, "xxxxx6789", ssn_data_quality=2)
    await _client(await _caller("Shelter B"), "123456789", ssn_data_quality=1)
    scope = await caller.client_scope()  # type: ignore[attr-defined]

    async def found(ssn: str) -> list[object]:
        page = await search_clients(scope, SearchCriteria(ssn=ssn), first=10, after=None)
        return [c.id for c in page.items]

    # when / then: exact SSN, dashes or not; visibility holds
    assert await found("123456789") == [wanted.id]
    assert await found("123-45-6789") == [wanted.id]
    assert await found("123456788") == []
    with pytest.raises(ValidationFailed) as refused:
        await found("12345")
    assert refused.value.field == "search.ssn"
    # the hash, indexed, is no clear SSN either
    assert await raw.fetchval(
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'client' AND indexdef LIKE '%(ssn_hash)'"
    )
    assert_no_clear(await dump(raw), "123456789", "123456780")


def _ring(settings: Settings, keys: str | None = None, hash_key: str | None = None) -> object:
    update = {}
    if keys is not None:
        update["ssn_keys"] = SecretStr(keys)
    if hash_key is not None:
        update["ssn_hash_key"] = SecretStr(hash_key)
    return load_key_ring(settings.model_copy(update=update))


async def test_a_rotated_out_key_still_opens_old_rows_until_the_reseal(
    raw: asyncpg.Connection, settings: Settings
) -> None:
    # given: a client sealed with t1, then a new key t9 put first
    assert settings.ssn_keys is not None
    t1 = settings.ssn_keys.get_secret_value()
    caller = await _caller()
    old = await _client(caller, "234567890", ssn_data_quality=1)
    await check_keys()
    t9 = f"t9:{new_key()}"
    with installed(_ring(settings, f"{t9}, {t1}")):  # type: ignore[arg-type]
        new = await _client(caller, "345678901", ssn_data_quality=1)
        by_id = {
            r["id"]: key_id_of(r["ssn"]) for r in await raw.fetch("SELECT id, ssn FROM client")
        }
        assert by_id == {old.id: "t1", new.id: "t9"}
        assert (await Client.get(id=old.id)).ssn == "234567890"
        # t1 cannot go yet: values are sealed with it
        with installed(_ring(settings, t9)), pytest.raises(SealingError, match="'t1'"):  # type: ignore[arg-type]
            await check_keys()
        # when: the re-seal runs
        report = await rekey_ssns(batch=1)
        # then: every value is under t9, t1 is retired and can go
        assert (report.resealed, report.keys, report.retired) == (1, {"t9": 2}, ["t1"])
        with installed(_ring(settings, t9)):  # type: ignore[arg-type]
            await check_keys()
            assert (await Client.get(id=old.id)).ssn == "234567890"
            assert (await Client.get(id=new.id)).ssn == "345678901"
        assert_no_clear(await dump(raw), "234567890", "345678901")


async def test_a_new_hash_key_is_refused_until_the_reseal_recomputes_the_hashes(
    app: object, settings: Settings
) -> None:
    # given: a client hashed with the hash key on record
    caller = await _caller()
    client = await _client(caller, "234567890", ssn_data_quality=1)
    await check_keys()
    new_hash = new_key()
    with installed(_ring(settings, hash_key=new_hash)):  # type: ignore[arg-type]
        with pytest.raises(SealingError, match="HEARTH_SSN_HASH_KEY"):
            await check_keys()
        # when
        report = await rekey_ssns()
        # then
        assert (report.resealed, report.rehashed) == (0, 1)
        await check_keys()
        scope = await caller.client_scope()  # type: ignore[attr-defined]
        page = await search_clients(scope, SearchCriteria(ssn="234567890"), first=5, after=None)
        assert [c.id for c in page.items] == [client.id]


async def _cli(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    # The command runs its own event loop; ours is busy running this test.
    result = await asyncio.to_thread(runner.invoke, cli, list(args))
    return result.exit_code, result.stdout, result.stderr


async def test_the_rekey_command_reseals_and_says_which_keys_can_go(
    raw: asyncpg.Connection, runner: CliRunner, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.ssn_keys is not None
    t1 = settings.ssn_keys.get_secret_value()
    t9 = f"t9:{new_key()}"
    old = await _client(await _caller(), "234567890", ssn_data_quality=1)
    monkeypatch.setenv("HEARTH_SSN_KEYS", f"{t9}, {t1}")
    code, out, err = await _cli(runner, "admin", "rekey-ssns")
    assert code == 0, err
    assert json.loads(out) == {"resealed": 1, "rehashed": 0, "keys": {"t9": 1}, "retired": ["t1"]}
    with installed(_ring(settings, t9)):  # type: ignore[arg-type]
        assert (await Client.get(id=old.id)).ssn == "234567890"
    # a key missing from the ring: a clear refusal, nothing else
    monkeypatch.setenv("HEARTH_SSN_KEYS", f"t2:{new_key()}")
    get_settings.cache_clear()
    code, out, err = await _cli(runner, "admin", "rekey-ssns")
    assert code == 2
    assert "'t9', which HEARTH_SSN_KEYS lacks" in err
    assert "234567890" not in out + err


async def test_migrate_seals_the_clear_ssns_an_upgrade_left(
    raw: asyncpg.Connection, runner: CliRunner
) -> None:
    # given: SSNs left in clear (migration 0011 turns the text into its bytes)
    caller = await _caller()
    left = await _client(caller, "234567890", ssn_data_quality=1)
    await _client(caller, None)
    await raw.execute(
        "UPDATE client SET ssn = convert_to('234567890', 'UTF8'), ssn_hash = NULL WHERE id = $1",
        left.id,
    )
    with pytest.raises(SealingError, match="hearth migrate"):
        await Client.get(id=left.id)
    # when
    code, out, err = await _cli(runner, "migrate")
    # then
    assert code == 0, err
    assert "1 SSNs sealed" in out
    assert_no_clear(await dump(raw), "234567890")
    stored = await Client.get(id=left.id)
    assert (stored.ssn, stored.ssn_last_four) == ("234567890", "7890")
    scope = await caller.client_scope()  # type: ignore[attr-defined]
    page = await search_clients(scope, SearchCriteria(ssn="234567890"), first=5, after=None)
    assert [c.id for c in page.items] == [left.id]
    code, out, _ = await _cli(runner, "migrate")
    assert out.strip() == "migrations applied"
