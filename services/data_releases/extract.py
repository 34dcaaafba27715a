"""The extract of an approved, executed Data Sharing Agreement (policy 405, step 7).

Only the Lead Agency produces it (``data_sharing_agreement:extract``), only for a DSA the Data
Strategy Board approved and the Lead Agency executed (EXECUTED; again while EXTRACTED, e.g. a
lost passphrase), and only with the DSA's approved variables over its scope and period: asking
for a variable the DSA did not approve is VALIDATION and nothing is written.

What it reads: the enrollments at the scope's projects active in the period (entry on or before
the end, no exit before the start), as the HUD CSV export chooses them, through the DSA's lens
(``authz.clients.dsa_lens``): what the scope's agencies hold, never 42 CFR Part 2 data; masked
fields (a client whose identifying data the scope's agencies neither hold nor were released)
stay blank. The Lead Agency reads none of it: the rows go straight to the encrypted file.

What it writes: ``extract.csv`` (one row per client when only client variables are approved,
else one per enrollment; columns the approved variables in the catalogue's order) and
``variables.csv`` (each column's description and whether it is PII), in a zip encrypted with
AES-256 (WinZip AES, pyzipper) under a random passphrase returned once to the producer, to hand
over separately from the file; the passphrase is not stored. One EXPORT audit row per client in
the file and one for the file (variables, scope, period, counts). The file is downloaded by its
producer over a short-lived URL (``/exports/dsa-extract/{id}``) as the HUD CSV export is.
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pyzipper
from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.transactions import in_transaction

from authz.clients import (
    ClientScope,
    access_for,
    client_fields,
    dsa_lens,
    row_fields,
    row_security,
    sees,
    visible_client_sql,
)
from authz.resources import Action, Resource
from models.clients import Client
from models.data_releases import DataSharingAgreement, DsaExtract, DsaStatus
from models.enrollments import Enrollment, Exit
from models.enums import AuditAction
from services.audit import AuditRow, append, current_request
from services.caller import Caller
from services.data_releases.catalogue import BY_NAME, VARIABLES, check_variables
from services.data_releases.common import conflict, locked, log
from services.errors import NotFound, ValidationFailed
from services.hudcsv.elements import to_csv
from services.hudcsv.format import value
from services.hudcsv.rows import ENROLLMENT_FIELDS
from services.reports.scope import ScopePlan, parse_scope, plan_scope

__all__ = ["EXTRACT_FILE", "PASSPHRASE_ALPHABET", "ExtractResult", "produce_extract"]

EXTRACT_FILE = "extract.csv"
VARIABLES_FILE = "variables.csv"
# No look-alike characters (0/O, 1/I/l): it is read out or typed from another channel.
PASSPHRASE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 (an alphabet, no secret)
_GROUPS, _GROUP = 6, 5  # 30 characters of 32: 150 bits


@dataclass(frozen=True, slots=True)
class ExtractResult:
    extract: DsaExtract
    passphrase: str  # returned once; never stored


def new_passphrase() -> str:
    return "-".join(
        "".join(secrets.choice(PASSPHRASE_ALPHABET) for _ in range(_GROUP)) for _ in range(_GROUPS)
    )


async def produce_extract(
    *,
    caller: Caller,
    agreement_id: UUID,
    variables: list[str] | None,
    directory: Path,
    ttl: timedelta,
    batch: int = 2000,
) -> ExtractResult:
    """Write the encrypted extract of an executed DSA (``variables``: some of the approved ones;
    None: all of them) to ``directory``; audit it per client; record it."""
    row = await DataSharingAgreement.filter(id=agreement_id).first()
    if row is None:
        raise NotFound("No such data sharing agreement.", field="agreementId")
    conflict(row.status, (DsaStatus.EXECUTED, DsaStatus.EXTRACTED), "The extract")
    approved = list(row.variables or [])
    names = approved if variables is None else check_variables(variables)
    unapproved = [n for n in names if n not in approved]
    if unapproved:
        raise ValidationFailed(
            f"The DSA did not approve {', '.join(unapproved)}: the extract holds only its "
            "approved variables.",
            field="variables",
        )
    assert row.scope is not None  # (a DSA is executed with its terms)
    plan = await plan_scope(
        caller.decisions,
        parse_scope(row.scope),
        resource=Resource.DATA_SHARING_AGREEMENT,
        action=Action.EXTRACT,
        today=caller.today,
        forbidden="You may not produce this DSA's extract.",
    )
    lens = await dsa_lens(frozenset(plan.agency_ids), caller.today)
    await _purge_expired(directory, caller.now)
    extract_id = uuid4()
    passphrase = new_passphrase()
    out = directory / f"dsa-extract-{extract_id.hex}.zip"
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(dir=directory, prefix=".dsa-") as tmp:
            spool = Path(tmp) / EXTRACT_FILE
            ids_path = Path(tmp) / "clients.txt"
            with row_security.lens(lens):
                async with in_transaction() as conn:
                    await conn.execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    with (
                        spool.open("w", newline="", encoding="utf-8") as handle,
                        ids_path.open("w") as ids_out,
                    ):
                        rows, clients = await _write_rows(
                            plan,
                            lens,
                            names,
                            row,
                            csv.writer(handle),
                            ids_out,
                            caller.timezone,
                            batch,
                        )
            await asyncio.to_thread(_zip, out, spool, names, passphrase)
            async with in_transaction():
                locked_row = await locked(DataSharingAgreement, agreement_id, "DSA")
                conflict(
                    locked_row.status, (DsaStatus.EXECUTED, DsaStatus.EXTRACTED), "The extract"
                )
                with ids_path.open() as ids_in:
                    while chunk := [UUID(line.strip()) for line in itertools.islice(ids_in, batch)]:
                        await _audit_clients(caller, extract_id, chunk)
                record = await DsaExtract.create(
                    id=extract_id,
                    agreement_id=agreement_id,
                    produced_by_id=caller.principal.user_id,
                    produced_at=caller.now,
                    variables=names,
                    scope=row.scope,
                    start_date=row.start_date,
                    end_date=row.end_date,
                    rows=rows,
                    clients=clients,
                    file_name=out.name,
                    size_bytes=(await asyncio.to_thread(out.stat)).st_size,
                    expires_at=caller.now + ttl,
                )
                await _audit_file(caller, record)
                before = locked_row.status
                locked_row.status, locked_row.updated_at = DsaStatus.EXTRACTED, caller.now
                await locked_row.save(update_fields=["status", "updated_at"])
                await log(
                    caller,
                    "data_sharing_agreement.extract",
                    locked_row,
                    now=caller.now,
                    before={"status": before},
                    after={
                        "status": locked_row.status,
                        "extractId": extract_id,
                        "variables": names,
                        "rows": rows,
                        "clients": clients,
                    },
                )
    except BaseException:
        await asyncio.to_thread(out.unlink, missing_ok=True)
        raise
    return ExtractResult(extract=record, passphrase=passphrase)


async def _purge_expired(directory: Path, now: datetime) -> None:
    """The files of extracts past their download window go (the download deletes them too):
    encrypted as they are, copies of PII are not left lying about."""
    for name in await DsaExtract.filter(expires_at__lte=now).values_list("file_name", flat=True):
        await asyncio.to_thread((directory / str(name)).unlink, missing_ok=True)


def _zip(out: Path, spool: Path, names: list[str], passphrase: str) -> None:
    """The AES-256 encrypted zip: the rows and the variables' descriptions."""
    with pyzipper.AESZipFile(
        out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(passphrase.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        archive.write(spool, EXTRACT_FILE)
        lines = ["Variable,PII,Description"] + [
            ",".join(
                [
                    v.name,
                    "yes" if v.pii else "no",
                    '"' + v.description.replace('"', '""') + '"',
                ]
            )
            for v in VARIABLES
            if v.name in names
        ]
        archive.writestr(VARIABLES_FILE, "\r\n".join(lines) + "\r\n")


def _enrollments(plan: ScopePlan, lens: ClientScope, row: DataSharingAgreement) -> Any:
    """The enrollments at the scope's projects active in the DSA's period, of clients the lens
    sees (as the HUD CSV export chooses them)."""
    assert row.start_date is not None  # (an executed DSA has its period)
    assert row.end_date is not None
    ended_before = Exit.filter(exit_date__lt=row.start_date).values("enrollment_id")
    visible = visible_client_sql(lens, '"enrollment"."client_id"')
    return (
        Enrollment.filter(project_id__in=list(plan.project_ids), entry_date__lte=row.end_date)
        .exclude(id__in=Subquery(ended_before))
        .annotate(client_visible=RawSQL(visible))
        .filter(client_visible=True)
    )


def _client_values(client: Client, seen: dict[str, Any]) -> dict[str, Any]:
    """A client's variables from what the lens shows of it (masked ones are None)."""
    row = to_csv("Client", seen)
    last_four = seen.get("ssn_last_four")
    first, last = seen.get("first_name"), seen.get("last_name")
    return {
        **row,
        "PersonalID": client.id,
        "SSN": seen.get("ssn") or (f"xxxxx{last_four}" if last_four else None),
        "Initials": "".join(n.strip()[:1].upper() for n in (first, last) if n and n.strip())
        or None,
        "Phone": seen.get("phone"),
        "Email": seen.get("email"),
    }


async def _write_rows(
    plan: ScopePlan,
    lens: ClientScope,
    names: list[str],
    agreement: DataSharingAgreement,
    writer: Any,
    ids_out: TextIO,
    tz: ZoneInfo,
    batch: int,
) -> tuple[int, int]:
    """The header and the rows, in keyset batches by client; each client's id to ``ids_out``
    (audited after the snapshot closes). Returns (rows, clients)."""
    writer.writerow(names)
    per_client = all(BY_NAME[n].level == "client" for n in names)
    if not plan.project_ids:
        return 0, 0
    base = _enrollments(plan, lens, agreement)
    last: tuple[UUID, UUID] | None = None
    written_client: UUID | None = None
    rows = clients = 0
    while True:
        qs = base
        if last is not None:
            qs = qs.filter(Q(client_id__gt=last[0]) | Q(client_id=last[0], id__gt=last[1]))
        found = list(await qs.order_by("client_id", "id").limit(batch).values(*ENROLLMENT_FIELDS))
        if not found:
            return rows, clients
        last = (found[-1]["client_id"], found[-1]["id"])
        by_id = {c.id: c for c in await Client.filter(id__in=list({r["client_id"] for r in found}))}
        access = await access_for(lens, list(by_id.values()))
        kept = [r for r in found if sees(Enrollment, r, r["agency_id"], access[r["client_id"]])]
        exits: dict[UUID, dict[str, Any]] = {}
        if not per_client:
            of = {r["id"]: r for r in kept}
            for x in await Exit.filter(enrollment_id__in=list(of)).values():
                enrollment = of[x["enrollment_id"]]
                agency, seen_by = enrollment["agency_id"], access[enrollment["client_id"]]
                if sees(Exit, x, agency, seen_by):
                    exits[x["enrollment_id"]] = row_fields(
                        "Exit", x, own=False, access=seen_by, agency_id=agency
                    )
        for r in kept:
            new_client = r["client_id"] != written_client
            if per_client and not new_client:
                continue
            client = by_id[r["client_id"]]
            values = _client_values(client, client_fields(client, access[client.id]))
            if not per_client:
                values.update(to_csv("Enrollment", r))
                values.update(
                    {
                        "EnrollmentID": r["id"],
                        "ProjectID": r["project_id"],
                    }
                )
                exit_values = exits.get(r["id"])
                values["ExitDate"] = exit_values.get("exit_date") if exit_values else None
                values["Destination"] = exit_values.get("destination") if exit_values else None
            writer.writerow([value(values.get(n), tz) for n in names])
            rows += 1
            if new_client:
                written_client = r["client_id"]
                ids_out.write(f"{client.id}\n")
                clients += 1


def _meta() -> dict[str, Any]:
    meta = current_request.get()
    return {
        "request_id": meta.request_id if meta else None,
        "operation": meta.operation if meta else None,
        "client_ip": meta.client_ip if meta else None,
        "caller_request_id": meta.caller_request_id if meta else None,
    }


async def _audit_clients(caller: Caller, extract_id: UUID, clients: list[UUID]) -> None:
    """One EXPORT row per client in the file (the client's own trail shows the release)."""
    meta = _meta()
    await append(
        [
            AuditRow(
                occurred_at=caller.now,
                action=AuditAction.EXPORT,
                entity_type="Client",
                entity_id=str(c),
                client_id=c,
                actor_id=caller.principal.user_id,
                fields=("dsaExtract", f"extract:{extract_id}"),
                **meta,
            )
            for c in clients
        ]
    )


async def _audit_file(caller: Caller, record: DsaExtract) -> None:
    """The file's EXPORT row: its DSA, variables, scope, period and counts (no client data)."""
    await append(
        [
            AuditRow(
                occurred_at=caller.now,
                action=AuditAction.EXPORT,
                entity_type="DsaExtract",
                entity_id=str(record.id),
                actor_id=caller.principal.user_id,
                fields=(
                    f"agreement:{record.agreement_id}",
                    f"scope:{record.scope}",
                    f"period:{record.start_date.isoformat()}..{record.end_date.isoformat()}",
                    f"rows:{record.rows}",
                    f"clients:{record.clients}",
                    *(f"variable:{n}" for n in record.variables),
                ),
                **_meta(),
            )
        ]
    )


def expired(record: DsaExtract, now: datetime) -> bool:
    return record.expires_at <= now
