"""Values sealed at rest: AES-256-GCM under a key ring whose keys have ids, and a keyed hash.

A sealed value is ``01 | n | key id (n ASCII bytes) | nonce (12) | ciphertext and tag``: it names
the key that sealed it, so older keys keep opening older values while the ring's first key seals
every new one (rotation; ``hearth admin rekey-ssns`` re-seals the old ones). The associated data
is the header and the column (``client.ssn``): a value copied into another sealed column, or
given another key id, does not open. A keyed hash (HMAC-SHA-256 with a key of its own) of the
normalised value finds a row by its exact value without opening any.

:class:`SealedCharField` is a ``CharField`` stored as ``bytea``: models, services and the API read
and write text, and only the database sees ciphertext. The process installs its key ring at
start-up (``api.ssn_keys``); models never read settings.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import fields
from tortoise.models import Model

__all__ = [
    "KEY_ID",
    "KeyRing",
    "SealedCharField",
    "SealingError",
    "current_ring",
    "header_of",
    "install_ring",
    "installed",
    "key_id_of",
]

VERSION = 1
KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_NONCE = 12
_PROBE = b"hearth sealing key probe"
_NOT_SSN = re.compile(r"[^0-9x]")


class SealingError(Exception):
    """A key is missing, wrong or malformed, or a stored value is not sealed. The message names
    keys and columns, never a value."""


def header_of(key_id: str) -> bytes:
    """The bytes every value sealed with ``key_id`` starts with."""
    raw = key_id.encode("ascii")
    return bytes((VERSION, len(raw))) + raw


def key_id_of(blob: bytes) -> str:
    """The id of the key that sealed ``blob``."""
    if len(blob) < 2 or blob[0] != VERSION:
        raise SealingError("A stored value is not sealed (run `hearth migrate`).")
    end = 2 + blob[1]
    if len(blob) < end + _NONCE + 16:
        raise SealingError("A stored sealed value is truncated.")
    return blob[2:end].decode("ascii")


class KeyRing:
    """AES-256-GCM keys by id (the first seals, every one opens) and the lookup hash's key."""

    def __init__(self, keys: Sequence[tuple[str, bytes]], hash_key: bytes) -> None:
        if not keys:
            raise SealingError("The key ring needs at least one key.")
        ids = [key_id for key_id, _ in keys]
        if len(set(ids)) != len(ids):
            raise SealingError("Two keys of the ring have the same id.")
        for key_id, key in keys:
            if not KEY_ID.fullmatch(key_id):
                raise SealingError(f"Key id {key_id!r} is not 1-32 letters, digits, '.', '_', '-'.")
            if len(key) != 32:
                raise SealingError(f"Key {key_id!r} is not 32 bytes (AES-256).")
        if len(hash_key) < 32:
            raise SealingError("The lookup hash key is shorter than 32 bytes.")
        self.current_id = ids[0]
        self.key_ids = tuple(ids)
        self._aead = {key_id: AESGCM(key) for key_id, key in keys}
        self._hash_key = hash_key

    def seal(self, plain: str, context: bytes) -> bytes:
        """``plain`` sealed with the current key, bound to ``context`` (the column)."""
        header = header_of(self.current_id)
        nonce = os.urandom(_NONCE)
        return (
            header
            + nonce
            + self._aead[self.current_id].encrypt(nonce, plain.encode(), header + context)
        )

    def open(self, blob: bytes, context: bytes) -> str:
        """The text ``blob`` seals; :class:`SealingError` if no key of the ring opens it."""
        key_id = key_id_of(blob)
        aead = self._aead.get(key_id)
        if aead is None:
            raise SealingError(
                f"A value is sealed with key {key_id!r}, which the key ring lacks (HEARTH_SSN_KEYS)."
            )
        start = 2 + blob[1]
        nonce = blob[start : start + _NONCE]
        try:
            plain = aead.decrypt(nonce, blob[start + _NONCE :], blob[:start] + context)
        except InvalidTag:
            raise SealingError(
                f"Key {key_id!r} does not open a value sealed with that id: a wrong key, or the "
                "value was altered."
            ) from None
        return plain.decode()

    def lookup_hash(self, value: str, context: bytes) -> str:
        """The keyed hash of ``value`` normalised (digits and 'x' only, lower case), hex."""
        normalised = _NOT_SSN.sub("", value.lower()).encode()
        return hmac.new(self._hash_key, context + b"\x00" + normalised, hashlib.sha256).hexdigest()

    def probe(self, key_id: str) -> bytes:
        """A value sealed with ``key_id`` that proves, later, that the key is still the same."""
        header = header_of(key_id)
        nonce = os.urandom(_NONCE)
        return header + nonce + self._aead[key_id].encrypt(nonce, _PROBE, header)

    def opens_probe(self, probe: bytes) -> bool:
        """Whether the ring's key of the probe's id opens it."""
        try:
            key_id = key_id_of(probe)
        except SealingError:
            return False
        aead = self._aead.get(key_id)
        start = 2 + probe[1]
        try:
            return aead is not None and (
                aead.decrypt(probe[start : start + _NONCE], probe[start + _NONCE :], probe[:start])
                == _PROBE
            )
        except InvalidTag:
            return False

    def hash_probe(self) -> bytes:
        """The lookup hash key's fingerprint (its HMAC of a fixed text)."""
        return hmac.new(self._hash_key, _PROBE, hashlib.sha256).digest()


_ring: KeyRing | None = None


def install_ring(ring: KeyRing | None) -> KeyRing | None:
    """Make ``ring`` the process's key ring; the previous one is returned."""
    global _ring
    previous, _ring = _ring, ring
    return previous


@contextmanager
def installed(ring: KeyRing) -> Iterator[KeyRing]:
    """``ring`` is the process's key ring until exit, then the previous one again."""
    previous = install_ring(ring)
    try:
        yield ring
    finally:
        install_ring(previous)


def current_ring() -> KeyRing:
    if _ring is None:
        raise SealingError("No SSN keys are installed in this process (api.ssn_keys).")
    return _ring


class SealedCharField(fields.CharField[Any]):
    """Text of at most ``max_length`` characters, stored sealed (``bytea``) with the process's
    key ring. Filtering on it compares ciphertexts, which never match: look values up by a
    keyed hash column instead."""

    SQL_TYPE = "BYTEA"  # CharField has a property of the length

    @property
    def context(self) -> bytes:
        """What a value is bound to: the table and column."""
        model: type[Model] = self.model
        return f"{model._meta.db_table}.{self.source_field or self.model_field_name}".encode()

    def to_db_value(self, value: Any, instance: Any) -> bytes | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"{self.model_field_name} takes text")
        self.validate(value)
        return current_ring().seal(value, self.context)

    def to_python_value(self, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return current_ring().open(bytes(value), self.context)

    def lookup_hash(self, value: str) -> str:
        """The keyed hash that finds ``value`` in this column's hash column."""
        return current_ring().lookup_hash(value, self.context)
