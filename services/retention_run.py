"""Policy 303's retention run: the identifiers of an authorized plan's clients removed, their
history kept (docs/retention.md, decisions 171-174).

Removed: first, middle and last name and suffix; the SSN (sealed value, last four, lookup hash);
phone; e-mail; the address (both lines, city, state, ZIP); case notes' text (the note stays as a
deleted one, dated); the text of corrections and supplements. Hearth stores no photographs,
aliases or uploaded documents. Kept: the client row and its id, DOB, demographics, veteran
data, every enrollment, exit, service and record, every date. NameDataQuality and SSNDataQuality
become 99 (data not collected), consistent with the empty fields; the client is marked
de-identified (when, by which plan).

The run is dry-run first (same plan, after its authorization), then runs in batches, each its
own transaction (plan row locked, one audit row per client de-identified, the plan's counts);
a crash leaves the plan RUNNING and the next run resumes with the clients not yet done. Each
batch re-checks activity: a client active again since the cut-off is skipped, not stripped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from authz.clients import row_security
from authz.resources import Action, Resource
from models.enums import AuditAction
from models.retention import RetentionOutcome, RetentionPlan, RetentionStatus
from services.audit import AuditRow, append, current_request
from services.caller import Caller
from services.errors import Conflict, Forbidden, NotFound
from services.progress import Progress, tell
from services.retention import check_window, cutoff_instant, log_plan
from services.retention_activity import ACTIVE_IN_BATCH_SQL

__all__ = ["BATCH", "IDENTIFIERS", "DryRun", "RunResult", "dry_run", "run_plan"]

BATCH = 500

# What each kind of identifier is, as a test on the client row ``c`` (a count per kind).
IDENTIFIERS: dict[str, str] = {
    "names": "num_nonnulls(c.first_name, c.middle_name, c.last_name, c.name_suffix) > 0",
    "ssns": "num_nonnulls(c.ssn, c.ssn_last_four, c.ssn_hash) > 0",
    "phones": "c.phone IS NOT NULL",
    "emails": "c.email IS NOT NULL",
    "addresses": "num_nonnulls(c.address_line1, c.address_line2, c.city, c.state, c.zip_code) > 0",
}
# The audit row's field names for each kind.
_FIELDS: dict[str, tuple[str, ...]] = {
    "names": ("firstName", "middleName", "lastName", "nameSuffix", "nameDataQuality"),
    "ssns": ("ssn", "ssnLastFour", "ssnDataQuality"),
    "phones": ("phone",),
    "emails": ("email",),
    "addresses": ("addressLine1", "addressLine2", "city", "state", "zipCode"),
    "caseNotes": ("caseNotes",),
    "annotations": ("annotations",),
}
_HELD_SQL = (
    "SELECT c.id, "  # noqa: S608 (constants only)
    + ", ".join(f"({test}) AS {kind}" for kind, test in IDENTIFIERS.items())
    + ", (SELECT count(*) FROM case_note n WHERE n.client_id = c.id AND n.deleted_at IS NULL)"
    " AS case_notes, (SELECT count(*) FROM client_annotation a WHERE a.client_id = c.id"
    " AND a.note <> '') AS annotations, c.deidentified_at IS NOT NULL AS done"
    " FROM client c WHERE c.id = ANY($1::uuid[])"
)
_STRIP_SQL = """
UPDATE client SET first_name = NULL, middle_name = NULL, last_name = NULL, name_suffix = NULL,
  name_data_quality = 99, ssn = NULL, ssn_last_four = NULL, ssn_hash = NULL, ssn_valid = NULL,
  ssn_data_quality = 99, phone = NULL, email = NULL, address_line1 = NULL, address_line2 = NULL,
  city = NULL, state = NULL, zip_code = NULL, deidentified_at = $2, deidentified_by_plan_id = $3,
  updated_at = $2, updated_by_user_id = $4, version = version + 1
WHERE id = ANY($1::uuid[])
"""
_NOTES_SQL = (
    "UPDATE case_note SET text = NULL, deleted_at = $2"
    " WHERE client_id = ANY($1::uuid[]) AND deleted_at IS NULL"
)
_ANNOTATIONS_SQL = (
    "UPDATE client_annotation SET note = '' WHERE client_id = ANY($1::uuid[]) AND note <> ''"
)
_MARK_SQL = (
    "UPDATE retention_plan_client SET outcome = $2, done_at = $3 WHERE plan_id = $4::uuid"
    " AND client_id = ANY($1::uuid[])"
)


def _require(caller: Caller) -> None:
    if not caller.decisions.system_wide(Resource.RETENTION, Action.RUN):
        raise Forbidden("Only the System Administrator may run a retention plan.")


async def _runnable(caller: Caller, plan_id: UUID, conn: BaseDBAsyncClient) -> RetentionPlan:
    """The plan, locked, if it may be (dry-)run now: authorized (or running), in this window."""
    plan = await RetentionPlan.filter(id=plan_id).using_db(conn).select_for_update().first()
    if plan is None:
        raise NotFound("No such retention plan.", field="planId")
    if plan.status == RetentionStatus.COMPLETED:
        raise Conflict("This retention plan has already run.", field="planId")
    if plan.status not in (RetentionStatus.AUTHORIZED, RetentionStatus.RUNNING):
        raise Conflict(
            "The Data Strategy Board has not authorized this retention plan (policy 303).",
            field="planId",
        )
    if plan.as_of.year != caller.today.year:
        raise Conflict(
            "This plan was made in an earlier year's window; make a new plan.", field="planId"
        )
    return plan


@dataclass(frozen=True, slots=True)
class _Batch:
    remove: list[UUID]  # to de-identify
    active: list[UUID]  # activity since the cut-off: skipped
    done: list[UUID]  # de-identified already (another plan): skipped
    held: dict[UUID, dict[str, Any]]  # per client: which identifiers it holds


async def _sort(
    plan: RetentionPlan, caller: Caller, ids: Sequence[UUID], conn: BaseDBAsyncClient
) -> _Batch:
    _, rows = await conn.execute_query(ACTIVE_IN_BATCH_SQL, [cutoff_instant(plan, caller), ids])
    active = {r["id"] for r in rows}
    _, rows = await conn.execute_query(_HELD_SQL, [ids])
    held = {r["id"]: dict(r) for r in rows}
    done = [i for i in ids if held[i]["done"]]
    return _Batch(
        remove=[i for i in ids if i not in active and not held[i]["done"]],
        active=[i for i in ids if i in active and not held[i]["done"]],
        done=done,
        held=held,
    )


@dataclass(frozen=True, slots=True)
class DryRun:
    """What the run would do now: clients to de-identify and to skip, identifiers by kind."""

    clients: int
    skipped_active: int
    skipped_done: int
    identifiers: dict[str, int]

    def report(self) -> dict[str, int]:
        return {
            "clients": self.clients,
            "skippedActive": self.skipped_active,
            "skippedDone": self.skipped_done,
            **self.identifiers,
        }


def _kinds(held: dict[str, Any]) -> dict[str, int]:
    counts = {kind: int(bool(held[kind])) for kind in IDENTIFIERS}
    return counts | {"caseNotes": int(held["case_notes"]), "annotations": int(held["annotations"])}


async def dry_run(*, caller: Caller, plan_id: UUID, progress: Progress | None = None) -> DryRun:
    """Report exactly what the run would remove from the plan's clients not yet done; change no
    client data. Recorded on the plan: the run requires a dry run after the authorization."""
    _require(caller)
    check_window(caller)
    with row_security.system():
        async with in_transaction() as conn:
            plan = await _runnable(caller, plan_id, conn)
            _, rows = await conn.execute_query(
                "SELECT client_id FROM retention_plan_client WHERE plan_id = $1::uuid"
                " AND outcome IS NULL ORDER BY id",
                [plan.id],
            )
            pending = [r["client_id"] for r in rows]
            totals = dict.fromkeys((*IDENTIFIERS, "caseNotes", "annotations"), 0)
            clients = active = done = 0
            for start in range(0, len(pending), BATCH):
                batch = await _sort(plan, caller, pending[start : start + BATCH], conn)
                clients, active = clients + len(batch.remove), active + len(batch.active)
                done += len(batch.done)
                for client_id in batch.remove:
                    for kind, n in _kinds(batch.held[client_id]).items():
                        totals[kind] += n
                tell(progress, "clients checked", start + len(batch.held), len(pending))
            result = DryRun(clients, active, done, totals)
            plan.dry_run_at, plan.dry_run_by_id = caller.now, caller.principal.user_id
            plan.dry_run_report = result.report()
            await plan.save(
                update_fields=["dry_run_at", "dry_run_by_id", "dry_run_report"], using_db=conn
            )
            await log_plan(caller, "retention_plan.dry_run", plan, result.report())
    return result


@dataclass(frozen=True, slots=True)
class RunResult:
    plan: RetentionPlan
    deidentified: int  # in this call
    skipped: int


def _audit_rows(caller: Caller, batch: _Batch, now: datetime) -> list[AuditRow]:
    meta = current_request.get()
    rows = []
    for client_id in batch.remove:
        kinds = _kinds(batch.held[client_id])
        fields = [f for kind, n in kinds.items() if n for f in _FIELDS[kind]]
        rows.append(
            AuditRow(
                occurred_at=now,
                action=AuditAction.UPDATE,
                entity_type="Client",
                entity_id=str(client_id),
                client_id=client_id,
                actor_id=caller.principal.user_id,
                fields=(*fields, "deidentifiedAt"),
                request_id=meta.request_id if meta else None,
                operation=(meta.operation if meta else None) or "retention run",
                client_ip=meta.client_ip if meta else None,
                caller_request_id=meta.caller_request_id if meta else None,
            )
        )
    return rows


async def _run_batch(
    caller: Caller, plan_id: UUID, batch_size: int
) -> tuple[RetentionPlan, int, int, bool]:
    """One batch in its own transaction: (plan, de-identified, skipped, finished)."""
    now = caller.now
    async with in_transaction() as conn:
        plan = await _runnable(caller, plan_id, conn)
        if plan.status == RetentionStatus.AUTHORIZED:
            if (
                plan.dry_run_at is None
                or plan.decided_at is None
                or plan.dry_run_at < plan.decided_at
            ):
                raise Conflict("Dry-run this plan first (policy 303).", field="planId")
            plan.status, plan.run_started_at, plan.run_by_id = (
                RetentionStatus.RUNNING,
                now,
                caller.principal.user_id,
            )
            await plan.save(update_fields=["status", "run_started_at", "run_by_id"], using_db=conn)
            await log_plan(caller, "retention_plan.run", plan, {"status": plan.status})
        _, rows = await conn.execute_query(
            "SELECT client_id FROM retention_plan_client WHERE plan_id = $1::uuid"
            " AND outcome IS NULL ORDER BY id LIMIT $2 FOR UPDATE",
            [plan.id, batch_size],
        )
        ids = [r["client_id"] for r in rows]
        if not ids:
            plan.status, plan.run_completed_at = RetentionStatus.COMPLETED, now
            await plan.save(update_fields=["status", "run_completed_at"], using_db=conn)
            await log_plan(
                caller,
                "retention_plan.complete",
                plan,
                {"deidentified": plan.deidentified, "skipped": plan.skipped},
            )
            return plan, 0, 0, True
        batch = await _sort(plan, caller, ids, conn)
        # The append-only triggers of case notes and corrections let this transaction empty the
        # text of this plan's pending clients, and nothing else (migration 0027).
        await conn.execute_query("SELECT set_config('hearth.retention_run', 'on', true)")
        if batch.remove:
            await conn.execute_query(
                _STRIP_SQL, [batch.remove, now, plan.id, caller.principal.user_id]
            )
            await conn.execute_query(_NOTES_SQL, [batch.remove, now])
            await conn.execute_query(_ANNOTATIONS_SQL, [batch.remove])
            await conn.execute_query(
                _MARK_SQL, [batch.remove, RetentionOutcome.DEIDENTIFIED.value, now, plan.id]
            )
            await append(_audit_rows(caller, batch, now))
        for outcome, skipped in (
            (RetentionOutcome.SKIPPED_ACTIVE, batch.active),
            (RetentionOutcome.SKIPPED_DONE, batch.done),
        ):
            if skipped:
                await conn.execute_query(_MARK_SQL, [skipped, outcome.value, now, plan.id])
        await conn.execute_query("SELECT set_config('hearth.retention_run', 'off', true)")
        skipped_n = len(batch.active) + len(batch.done)
        plan.deidentified += len(batch.remove)
        plan.skipped += skipped_n
        await plan.save(update_fields=["deidentified", "skipped"], using_db=conn)
        return plan, len(batch.remove), skipped_n, False


async def run_plan(
    *, caller: Caller, plan_id: UUID, batch: int = BATCH, progress: Progress | None = None
) -> RunResult:
    """Run an authorized, dry-run plan (or resume a run that stopped): batch by batch, each
    committed; CONFLICT for a plan not authorized, not dry-run, already run or outside the
    window (nothing changed). ``progress`` hears of each committed batch."""
    _require(caller)
    check_window(caller)
    removed = skipped = 0
    with row_security.system():
        while True:
            plan, n, s, finished = await _run_batch(caller, plan_id, batch)
            removed, skipped = removed + n, skipped + s
            if finished:
                return RunResult(plan, removed, skipped)
            tell(progress, "clients", plan.deidentified + plan.skipped, plan.client_count)
