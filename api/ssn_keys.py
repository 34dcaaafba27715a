"""The SSN key ring from settings: configured keys, or (development and tests) keys kept in the
data folder. Production refuses to start without configured keys."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import uuid
from pathlib import Path

from api.settings import Settings
from models.sealed import KeyRing, SealingError

__all__ = ["KEYS_FILE", "load_key_ring", "new_key"]

KEYS_FILE = "ssn-keys.json"


def new_key() -> str:
    """A fresh 32-byte key, URL-safe base64 (the form the settings take)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _decode(text: str, what: str) -> bytes:
    cleaned = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raise SealingError(f"{what} is not base64.") from None


def _parse_keys(text: str) -> list[tuple[str, bytes]]:
    keys = []
    for entry in (part.strip() for part in text.split(",")):
        key_id, sep, material = entry.partition(":")
        if not sep or not key_id.strip():
            raise SealingError("HEARTH_SSN_KEYS is 'id:key' entries separated by commas.")
        keys.append((key_id.strip(), _decode(material, f"HEARTH_SSN_KEYS key {key_id.strip()!r}")))
    return keys


def _kept(data_dir: Path) -> dict[str, str]:
    """The keys kept (mode 0600) in the data folder, made by the first process to need them.

    Several workers may start at once on a fresh data folder: each writes candidate keys to a
    private file and links it into place, which succeeds for exactly one; all then read that one.
    """
    path = data_dir / KEYS_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        candidate = data_dir / f".{KEYS_FILE}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(json.dumps({"keys": f"dev1:{new_key()}", "hash_key": new_key()}))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)  # atomic, and never replaces keys already in place
        finally:
            candidate.unlink()
    kept: dict[str, str] = json.loads(path.read_text())
    return kept


def load_key_ring(settings: Settings) -> KeyRing:
    """The ring HEARTH_SSN_KEYS and HEARTH_SSN_HASH_KEY configure; unset (not in production),
    keys kept in the data folder. :class:`SealingError` says what is missing or malformed."""
    keys = settings.ssn_keys.get_secret_value() if settings.ssn_keys else None
    hash_key = settings.ssn_hash_key.get_secret_value() if settings.ssn_hash_key else None
    if settings.production and not (keys and hash_key):
        raise SealingError(
            "HEARTH_ENV=production needs HEARTH_SSN_KEYS and HEARTH_SSN_HASH_KEY "
            "(docs/operations.md, 'SSN keys')."
        )
    if not (keys and hash_key):
        kept = _kept(settings.data_dir)
        keys, hash_key = keys or kept["keys"], hash_key or kept["hash_key"]
    return KeyRing(_parse_keys(keys), _decode(hash_key, "HEARTH_SSN_HASH_KEY"))
