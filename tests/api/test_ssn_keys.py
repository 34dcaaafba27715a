"""The SSN keys from settings: configured (rotation order), kept in the data folder outside
production, refused in production when unset, and checked against the database at start-up."""

from __future__ import annotations

import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import SecretStr

from api.app import create_app
from api.serving import StartupError
from api.settings import Settings
from api.ssn_keys import KEYS_FILE, load_key_ring, new_key
from models.sealed import SealingError, current_ring
from services.clock import FrozenClock
from services.sealing import check_keys

SSN = "123456789"
CONTEXT = b"client.ssn"


def test_configured_keys_seal_with_the_first_and_open_with_every_one(tmp_path: Path) -> None:
    old = load_key_ring(
        Settings(
            data_dir=tmp_path,
            ssn_keys=SecretStr(f"k1:{(k1 := new_key())}"),
            ssn_hash_key=SecretStr(new_key()),
        )
    )
    rotated = load_key_ring(
        Settings(
            data_dir=tmp_path,
            ssn_keys=SecretStr(f"k2:{new_key()}, k1:{k1}"),
            ssn_hash_key=SecretStr(new_key()),
        )
    )
    assert rotated.current_id == "k2"
    assert rotated.key_ids == ("k2", "k1")
    assert rotated.open(old.seal(SSN, CONTEXT), CONTEXT) == SSN
    assert not (tmp_path / KEYS_FILE).exists()


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ("no-separator", "'id:key' entries"),
        ("k1:not base64!", "not base64"),
        ("k1:c2hvcnQ", "not 32 bytes"),
    ],
)
def test_malformed_keys_are_refused_with_what_is_wrong(
    tmp_path: Path, keys: str, problem: str
) -> None:
    settings = Settings(
        data_dir=tmp_path, ssn_keys=SecretStr(keys), ssn_hash_key=SecretStr(new_key())
    )
    with pytest.raises(SealingError, match=problem):
        load_key_ring(settings)


def test_production_refuses_to_start_without_configured_keys(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    bare = settings.model_copy(
        update={"env": "production", "ssn_keys": None, "ssn_hash_key": None, "data_dir": tmp_path}
    )
    # one line naming every missing secret (api.settings.Settings.missing_production_secrets)
    with pytest.raises(StartupError, match="needs HEARTH_SSN_KEYS, HEARTH_SSN_HASH_KEY set"):
        create_app(bare, database_url=database_url)
    no_hash = settings.model_copy(update={"env": "production", "ssn_hash_key": None})
    with pytest.raises(SealingError, match="HEARTH_SSN_HASH_KEY"):
        load_key_ring(no_hash)
    assert not (tmp_path / KEYS_FILE).exists()


def test_outside_production_keys_are_kept_private_in_the_data_folder(tmp_path: Path) -> None:
    first = load_key_ring(Settings(env="development", data_dir=tmp_path / "data"))
    again = load_key_ring(Settings(env="development", data_dir=tmp_path / "data"))
    path = tmp_path / "data" / KEYS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert again.open(first.seal(SSN, CONTEXT), CONTEXT) == SSN
    assert again.lookup_hash(SSN, CONTEXT) == first.lookup_hash(SSN, CONTEXT)
    assert [p.name for p in (tmp_path / "data").iterdir()] == [KEYS_FILE]


def test_workers_starting_together_agree_on_one_set_of_keys(tmp_path: Path) -> None:
    barrier = threading.Barrier(12)

    def start() -> str:
        barrier.wait()
        return load_key_ring(Settings(data_dir=tmp_path)).lookup_hash(SSN, CONTEXT)

    with ThreadPoolExecutor(12) as pool:
        hashes = list(pool.map(lambda _: start(), range(12)))
    assert len(set(hashes)) == 1


async def test_a_wrong_key_stops_the_start_up_with_a_clear_error(
    app: object, settings: Settings, database_url: str, clock: FrozenClock
) -> None:
    # given: the keys the running app sealed with are on record
    await check_keys()
    app_ring = current_ring()
    wrong_key = settings.model_copy(update={"ssn_keys": SecretStr(f"t1:{new_key()}")})
    missing_key = settings.model_copy(update={"ssn_keys": SecretStr(f"t2:{new_key()}")})
    wrong_hash = settings.model_copy(update={"ssn_hash_key": SecretStr(new_key())})
    # when / then: each refuses to start, saying which key
    for changed, problem in (
        (wrong_key, "key 't1' is not the key that sealed"),
        (missing_key, "sealed with key 't1', which HEARTH_SSN_KEYS lacks"),
        (wrong_hash, "HEARTH_SSN_HASH_KEY is not the key"),
    ):
        other = create_app(changed, database_url=database_url, clock=clock)
        with pytest.raises(SealingError, match=problem):
            async with other.router.lifespan_context(other):
                pass
        assert current_ring() is app_ring  # the running app's keys are left in place
    # and the right keys start
    same = create_app(settings, database_url=database_url, clock=clock)
    async with same.router.lifespan_context(same):
        pass
