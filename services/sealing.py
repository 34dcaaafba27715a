"""The SSN keys against the stored data: the start-up check, sealing the clear values an upgrade
leaves, and re-sealing under the newest key (rotation).

``sealing_key`` (migration 0011) holds a probe of each key that sealed SSNs and of the lookup
hash's key. The check refuses keys that do not open the probes of keys still in use, so a wrong
or missing key stops Hearth at start-up instead of failing requests one by one. The re-seal walks
the clients by id in batches, each in its own transaction, so it runs beside a serving Hearth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from models.clients import Client, ssn_columns
from models.sealed import VERSION, SealedCharField, SealingError, current_ring, header_of, key_id_of
from services.progress import Progress, tell

__all__ = ["RekeyReport", "check_keys", "rekey_ssns", "seal_clear_ssns"]

SEAL, HASH = "ssn", "ssn-hash"
REKEY = "`hearth admin rekey-ssns`"

_PROBE = (
    "INSERT INTO sealing_key (purpose, key_id, probe) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
)
# The current key's probe; a key retired earlier and configured again is in use again.
_CURRENT_PROBE = (
    "INSERT INTO sealing_key (purpose, key_id, probe) VALUES ($1, $2, $3) "
    "ON CONFLICT (purpose, key_id) DO UPDATE SET probe = EXCLUDED.probe, retired_at = NULL, "
    "created_at = now() WHERE sealing_key.retired_at IS NOT NULL"
)
_UPDATE = (
    "UPDATE client SET ssn = $2, ssn_last_four = $3, ssn_hash = $4, ssn_valid = $6 "
    "WHERE id = $1 AND ssn = $5"
)
_BY_KEY = (
    "SELECT convert_from(substring(ssn FROM 3 FOR get_byte(ssn, 1)), 'SQL_ASCII') AS key_id, "
    "count(*) AS n FROM client WHERE ssn IS NOT NULL AND substring(ssn FROM 1 FOR 1) = $1 GROUP BY 1"
)


def _field() -> SealedCharField:
    found: SealedCharField = Client._meta.fields_map["ssn"]  # type: ignore[assignment]  # models.clients
    return found


async def check_keys(*, hash_key_may_change: bool = False) -> None:
    """Refuse (:class:`SealingError`) a key ring that lacks a key still in use or holds another key
    under a used key's id, or whose hash key is not the one the stored hashes were made with
    (unless ``hash_key_may_change``: the re-seal recomputes them). Probes of keys not seen before
    are recorded."""
    ring = current_ring()
    conn = get_connection("default")
    await _check_probes(hash_key_may_change)
    # Recorded only once the keys passed: a refused start leaves no trace. Checked again, as
    # another process may have recorded other keys in between.
    await conn.execute_query(_CURRENT_PROBE, [SEAL, ring.current_id, ring.probe(ring.current_id)])
    for key_id in ring.key_ids[1:]:
        await conn.execute_query(_PROBE, [SEAL, key_id, ring.probe(key_id)])
    await conn.execute_query(_PROBE, [HASH, "", ring.hash_probe()])
    await _check_probes(hash_key_may_change)


async def _check_probes(hash_key_may_change: bool) -> None:
    ring = current_ring()
    _, rows = await get_connection("default").execute_query(
        "SELECT purpose, key_id, probe, retired_at FROM sealing_key ORDER BY purpose, key_id"
    )
    for row in rows:
        if row["purpose"] == HASH:
            if bytes(row["probe"]) != ring.hash_probe() and not hash_key_may_change:
                raise SealingError(
                    "HEARTH_SSN_HASH_KEY is not the key the stored SSN hashes were made with: "
                    f"configure that one again, or run {REKEY} to recompute them with the new one."
                )
        elif row["retired_at"] is not None:
            continue
        elif row["key_id"] not in ring.key_ids:
            raise SealingError(
                f"SSNs may still be sealed with key {row['key_id']!r}, which HEARTH_SSN_KEYS lacks: "
                f"configure it again, and run {REKEY} before removing it."
            )
        elif not ring.opens_probe(bytes(row["probe"])):
            raise SealingError(
                f"HEARTH_SSN_KEYS key {row['key_id']!r} is not the key that sealed SSNs under that id."
            )


@dataclass(slots=True)
class RekeyReport:
    resealed: int = 0  # values sealed again with the current key (or sealed for the first time)
    rehashed: int = 0  # lookup hashes recomputed with a new hash key
    keys: dict[str, int] = field(default_factory=dict)  # sealed values left, by key id
    retired: list[str] = field(default_factory=list)  # keys no value is sealed with any more


def _plain(blob: bytes, sealed: SealedCharField) -> str:
    """The SSN a stored value holds: opened, or (left by the upgrade) clear."""
    if blob[:1] == bytes((VERSION,)):
        opened = sealed.to_python_value(blob)
        assert opened is not None
        return opened
    return blob.decode()


async def _reseal(
    where: str, params: list[Any], *, batch: int, rehash: bool, progress: Progress | None
) -> RekeyReport:
    """Seal with the current key every stored SSN meeting ``where`` (by id, ``batch`` at a time)
    not sealed with it already; with ``rehash``, recompute the lookup hash of each. ``progress``
    hears of the clients gone through (step ``SSNs``)."""
    sealed = _field()
    current = current_ring().current_id
    report = RekeyReport()
    after: Any = None
    done, total = 0, None
    if progress is not None:
        _, counted = await get_connection("default").execute_query(
            f"SELECT count(*) AS n FROM client WHERE ssn IS NOT NULL AND {where}",  # noqa: S608 (fixed conditions)
            params,
        )
        total = int(counted[0]["n"])
        tell(progress, "SSNs", 0, total)
    while True:
        keyset = f" AND id > ${len(params) + 2}" if after is not None else ""
        sql = (
            f"SELECT id, ssn FROM client WHERE ssn IS NOT NULL AND {where}{keyset} "  # noqa: S608 (fixed conditions)
            f"ORDER BY id LIMIT ${len(params) + 1}"
        )
        args = [*params, batch, *([after] if after is not None else [])]
        async with in_transaction() as conn:
            _, rows = await conn.execute_query(sql, args)
            updates = []
            for row in rows:
                blob = bytes(row["ssn"])
                plain = _plain(blob, sealed)
                columns = ssn_columns(plain or None)
                again = blob[:1] != bytes((VERSION,)) or key_id_of(blob) != current
                value = sealed.to_db_value(plain, None) if again and plain else blob
                if not plain:
                    value = None
                report.resealed += again
                report.rehashed += rehash
                updates.append(
                    [
                        row["id"],
                        value,
                        columns["ssn_last_four"],
                        columns["ssn_hash"],
                        blob,
                        columns["ssn_valid"],
                    ]
                )
            if updates:
                await conn.execute_many(_UPDATE, updates)
        done += len(rows)
        tell(progress, "SSNs", done, max(total or 0, done))
        if len(rows) < batch:
            return report
        after = rows[-1]["id"]


async def seal_clear_ssns(*, batch: int = 500, progress: Progress | None = None) -> int:
    """Seal the SSNs left in clear (by migration 0011, or by a writer that bypassed the field)
    and fill their lookup hashes; how many. SSNs whose validity flag is not known yet (migration
    0028_data_quality) are opened and get it, sealed as they were."""
    report = await _reseal(
        "(substring(ssn FROM 1 FOR 1) <> $1 OR ssn_valid IS NULL)",
        [bytes((VERSION,))],
        batch=batch,
        rehash=False,
        progress=progress,
    )
    return report.resealed


async def rekey_ssns(*, batch: int = 500, progress: Progress | None = None) -> RekeyReport:
    """Seal every SSN not sealed with the current key with it, recompute every lookup hash if
    the hash key changed, and retire the keys no value is sealed with any more."""
    ring = current_ring()
    await check_keys(hash_key_may_change=True)
    conn = get_connection("default")
    _, rows = await conn.execute_query(
        "SELECT probe FROM sealing_key WHERE purpose = $1 AND key_id = ''", [HASH]
    )
    rehash = not rows or bytes(rows[0]["probe"]) != ring.hash_probe()
    header = header_of(ring.current_id)
    if rehash:
        report = await _reseal("TRUE", [], batch=batch, rehash=True, progress=progress)
    else:
        report = await _reseal(
            "substring(ssn FROM 1 FOR $1) <> $2",
            [len(header), header],
            batch=batch,
            rehash=False,
            progress=progress,
        )
    _, counts = await conn.execute_query(_BY_KEY, [bytes((VERSION,))])
    report.keys = {row["key_id"]: int(row["n"]) for row in counts}
    async with in_transaction() as tx:
        retired = await tx.execute_query_dict(  # (execute_query drops an UPDATE's rows)
            "UPDATE sealing_key SET retired_at = now() WHERE purpose = $1 AND retired_at IS NULL "
            "AND key_id <> $2 AND NOT key_id = ANY($3::text[]) RETURNING key_id",
            [SEAL, ring.current_id, list(report.keys)],
        )
        await tx.execute_query(
            "INSERT INTO sealing_key (purpose, key_id, probe) VALUES ($1, '', $2) "
            "ON CONFLICT (purpose, key_id) DO UPDATE SET probe = EXCLUDED.probe, created_at = now()",
            [HASH, ring.hash_probe()],
        )
    report.retired = sorted(row["key_id"] for row in retired)
    return report
