"""The signing key kept in the data folder: made once, private, shared by workers."""

from __future__ import annotations

import json
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from joserfc.jwk import OKPKey

from api.identity.tokens import load_signing_key


def _public(key: OKPKey) -> str:
    return json.dumps(key.as_dict(private=False), sort_keys=True)


def test_a_fresh_folder_gets_a_private_key_kept_across_restarts(tmp_path: Path) -> None:
    first = load_signing_key(None, tmp_path / "data")
    again = load_signing_key(None, tmp_path / "data")
    path = tmp_path / "data" / "signing-key.json"
    assert _public(first) == _public(again)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["signing-key.json"]


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    # given: sixteen workers, released at the same instant on an empty folder
    barrier = threading.Barrier(16)

    def start() -> str:
        barrier.wait()
        return _public(load_signing_key(None, tmp_path))

    # when
    with ThreadPoolExecutor(16) as pool:
        keys = list(pool.map(lambda _: start(), range(16)))
    # then
    assert len(set(keys)) == 1
    assert keys[0] == _public(
        OKPKey.import_key(json.loads((tmp_path / "signing-key.json").read_text()))
    )


def test_a_configured_key_wins(tmp_path: Path) -> None:
    key = OKPKey.generate_key("Ed25519")
    loaded = load_signing_key(json.dumps(key.as_dict(private=True)), tmp_path)
    assert _public(loaded) == _public(key)
    assert not (tmp_path / "signing-key.json").exists()
