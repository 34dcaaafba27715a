"""The key ring: authenticated encryption that names its key, rotation, the keyed lookup hash,
and errors (never garbage) for a wrong, missing or altered key or value."""

from __future__ import annotations

import os

import pytest

from models.sealed import KeyRing, SealingError, key_id_of

SSN = "123456789"
CONTEXT = b"client.ssn"


def ring(*ids: str, hash_key: bytes | None = None, keys: dict[str, bytes] | None = None) -> KeyRing:
    keys = {} if keys is None else keys
    return KeyRing(
        [(i, keys.setdefault(i, os.urandom(32))) for i in ids], hash_key or os.urandom(32)
    )


def test_a_sealed_value_opens_names_its_key_and_holds_no_clear_text() -> None:
    keys = ring("k1")
    first, second = keys.seal(SSN, CONTEXT), keys.seal(SSN, CONTEXT)
    assert SSN.encode() not in first
    assert first != second  # a fresh nonce each time
    assert key_id_of(first) == "k1"
    assert keys.open(first, CONTEXT) == keys.open(second, CONTEXT) == SSN


def test_after_rotation_new_values_use_the_newest_key_and_old_ones_still_open() -> None:
    material: dict[str, bytes] = {}
    old = ring("k1", keys=material)
    sealed_before = old.seal(SSN, CONTEXT)
    rotated = ring("k2", "k1", keys=material)
    assert rotated.open(sealed_before, CONTEXT) == SSN
    assert key_id_of(rotated.seal(SSN, CONTEXT)) == "k2"
    with pytest.raises(SealingError, match="'k1', which the key ring lacks"):
        ring("k2", keys=material).open(sealed_before, CONTEXT)


def test_a_wrong_key_altered_value_or_other_column_is_an_error_not_garbage() -> None:
    sealed = ring("k1").seal(SSN, CONTEXT)
    with pytest.raises(SealingError, match="does not open"):
        ring("k1").open(sealed, CONTEXT)  # same id, other key
    keys = ring("k1")
    sealed = keys.seal(SSN, CONTEXT)
    altered = sealed[:-1] + bytes((sealed[-1] ^ 1,))
    with pytest.raises(SealingError, match="does not open"):
        keys.open(altered, CONTEXT)
    with pytest.raises(SealingError, match="does not open"):
        keys.open(sealed, b"client.phone")
    with pytest.raises(SealingError, match="not sealed"):
        keys.open(SSN.encode(), CONTEXT)  # a clear value an upgrade left


def test_the_lookup_hash_is_keyed_and_normalised() -> None:
    hash_key = os.urandom(32)
    keys = ring("k1", hash_key=hash_key)
    assert keys.lookup_hash("123-45-6789", CONTEXT) == keys.lookup_hash(SSN, CONTEXT)
    assert keys.lookup_hash(SSN, CONTEXT) != keys.lookup_hash("123456788", CONTEXT)
    assert ring("k2", hash_key=hash_key).lookup_hash(SSN, CONTEXT) == keys.lookup_hash(SSN, CONTEXT)
    assert ring("k1").lookup_hash(SSN, CONTEXT) != keys.lookup_hash(SSN, CONTEXT)
    assert SSN not in keys.lookup_hash(SSN, CONTEXT)


def test_probes_tell_the_same_key_from_another() -> None:
    material: dict[str, bytes] = {}
    keys = ring("k1", keys=material)
    probe = keys.probe("k1")
    assert ring("k2", "k1", keys=material).opens_probe(probe)
    assert not ring("k1").opens_probe(probe)
    assert not ring("k2").opens_probe(probe)


@pytest.mark.parametrize(
    ("keys", "hash_key", "problem"),
    [
        ([], b"h" * 32, "at least one key"),
        ([("k1", b"k" * 16)], b"h" * 32, "not 32 bytes"),
        ([("k1", b"k" * 32), ("k1", b"j" * 32)], b"h" * 32, "same id"),
        ([("bad id", b"k" * 32)], b"h" * 32, "letters, digits"),
        ([("k1", b"k" * 32)], b"h" * 16, "shorter than 32 bytes"),
    ],
)
def test_a_malformed_ring_is_refused(
    keys: list[tuple[str, bytes]], hash_key: bytes, problem: str
) -> None:
    with pytest.raises(SealingError, match=problem):
        KeyRing(keys, hash_key)
