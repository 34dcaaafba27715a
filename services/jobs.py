"""The jobs that keep accounts compliant, run by `hearth jobs run NAME` or the in-process
scheduler, exactly once across instances.

Two guards make "exactly once": a PostgreSQL advisory lock per job, held by a transaction for
the whole run (a second instance that finds the job running skips it), and one ``job_run`` row
per job and scheduled slot (an instance that comes later for the same slot finds it done). Every
run is recorded with its counts or error; a failing job is recorded as FAILED and never takes
the scheduler down.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError

from models.compliance import JobRun, JobStatus
from services import compliance, dsb, notifications
from services.clock import Clock

__all__ = ["JOBS", "JobContext", "Scheduler", "run_job"]

log = logging.getLogger("hearth.jobs")


@dataclass(frozen=True, slots=True)
class JobContext:
    clock: Clock
    tz: ZoneInfo
    smtp: notifications.SmtpConfig
    no_login_lookback_days: int = 90
    send: notifications.Sender = notifications.smtp_send

    @classmethod
    def from_settings(cls, settings: Any, clock: Clock, **overrides: Any) -> JobContext:
        return cls(
            clock=clock,
            tz=ZoneInfo(settings.timezone),
            smtp=notifications.SmtpConfig.from_settings(settings),
            no_login_lookback_days=settings.retraining_no_login_lookback_days,
            **overrides,
        )


async def _shared_contacts(ctx: JobContext) -> dict[str, Any]:
    return (await compliance.sweep_shared_contacts(now=ctx.clock.now(), tz=ctx.tz)).as_dict()


async def _retraining(ctx: JobContext) -> dict[str, Any]:
    counts = await compliance.sweep_retraining(
        now=ctx.clock.now(), tz=ctx.tz, lookback_days=ctx.no_login_lookback_days
    )
    return counts.as_dict()


async def _deadlines(ctx: JobContext) -> dict[str, Any]:
    return (await compliance.enforce_deadlines(now=ctx.clock.now(), tz=ctx.tz)).as_dict()


async def _notifications(ctx: JobContext) -> dict[str, Any]:
    return await notifications.deliver_pending(config=ctx.smtp, now=ctx.clock.now(), send=ctx.send)


# the governance calendar (105, 111, 113, 210, 212)
async def _governance_calendar(ctx: JobContext) -> dict[str, Any]:
    return (await dsb.sweep_calendar(now=ctx.clock.now(), tz=ctx.tz)).as_dict()


async def _agency_coordinators(ctx: JobContext) -> dict[str, Any]:
    # policies 106, 107, 108, 210
    return (await compliance.sweep_agency_coordinators(now=ctx.clock.now(), tz=ctx.tz)).as_dict()


async def _certifications(ctx: JobContext) -> dict[str, Any]:
    # certification (108, 210): escalations and yearly reminders
    from services import security_contacts

    return (await security_contacts.sweep(now=ctx.clock.now(), tz=ctx.tz)).as_dict()


JOBS: dict[str, Callable[[JobContext], Awaitable[dict[str, Any]]]] = {
    "shared-contacts": _shared_contacts,
    "retraining": _retraining,
    "deadlines": _deadlines,
    "notifications": _notifications,
    "governance-calendar": _governance_calendar,
    "agency-coordinators": _agency_coordinators,
    "certifications": _certifications,
}


def _lock_key(job: str) -> int:
    """A stable signed 64-bit advisory lock key per job."""
    return int.from_bytes(
        hashlib.sha256(f"hearth.job.{job}".encode()).digest()[:8], "big", signed=True
    )


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


async def run_job(
    name: str,
    ctx: JobContext,
    *,
    trigger: str = "cli",
    slot: datetime | None = None,
    instance: str | None = None,
) -> JobRun | None:
    """Run one job under its advisory lock and record the run. ``None``: another instance holds
    the lock, or already ran this slot.

    The lock is transaction-level, held by a transaction on one pooled connection that spans the
    claim and the run (the job's own statements commit on other connections as they go). Ending
    that transaction releases it, and if the end is interrupted (a cancellation, a broken
    connection), the pool's release, which asyncpg shields from cancellation, rolls the
    transaction back or closes the connection: the lock never outlives the job's hold on the
    connection. The transaction is READ COMMITTED, so it keeps no snapshot while the job runs.
    """
    job = JOBS.get(name)
    if job is None:
        raise ValueError(f"unknown job {name!r}; known: {', '.join(JOBS)}")
    client: Any = get_connection("default")
    async with client.acquire_connection() as conn, conn.transaction(isolation="read_committed"):
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _lock_key(name)):
            log.info("job %s is running elsewhere; skipped", name)
            return None
        return await _claim_and_run(
            name, job, ctx, trigger=trigger, slot=slot, instance=instance or instance_name()
        )


async def _claim_and_run(
    name: str,
    job: Callable[[JobContext], Awaitable[dict[str, Any]]],
    ctx: JobContext,
    *,
    trigger: str,
    slot: datetime | None,
    instance: str,
) -> JobRun | None:
    """Claim the slot with a RUNNING record, run the job and record how it ended."""
    if slot is not None and await JobRun.filter(job=name, slot=slot).exists():
        return None
    try:
        run = await JobRun.create(
            job=name,
            slot=slot,
            trigger=trigger,
            instance=instance,
            started_at=ctx.clock.now(),
            status=JobStatus.RUNNING,
        )
    except IntegrityError:  # the slot was taken between the check and the insert
        return None
    try:
        run.counts = await job(ctx)
        run.status = JobStatus.SUCCEEDED
    except asyncio.CancelledError:  # shutdown: say so rather than stay RUNNING forever
        run.status, run.error, run.finished_at = (
            JobStatus.FAILED,
            "interrupted by shutdown",
            ctx.clock.now(),
        )
        await asyncio.shield(run.save())
        raise
    except notifications.NotConfigured as error:  # expected on a developer's machine
        log.warning("job %s: %s", name, error)
        run.status, run.error = JobStatus.FAILED, str(error)
    except Exception as error:  # recorded, never raised into the scheduler
        log.exception("job %s failed", name)
        run.status = JobStatus.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
    run.finished_at = ctx.clock.now()
    await run.save()
    return run


class Scheduler:
    """Runs each job at the times of its crontab expression (``HEARTH_SCHEDULE_*``).

    ``tick(now)`` runs every job whose latest scheduled time is at or before ``now`` and has no
    run yet (a missed time, while every instance was down, is caught up once). The loop only
    sleeps until the next scheduled time and ticks; tests call ``tick`` with a frozen clock.
    """

    def __init__(
        self, schedules: dict[str, str], ctx: JobContext, *, instance: str | None = None
    ) -> None:
        unknown = set(schedules) - set(JOBS)
        if unknown:
            raise ValueError(f"unknown jobs in the schedule: {sorted(unknown)}")
        self.ctx = ctx
        self.instance = instance or instance_name()
        self.triggers: dict[str, CronTrigger] = {}
        for name, expression in schedules.items():
            try:
                self.triggers[name] = CronTrigger.from_crontab(expression, timezone=ctx.tz)
            except ValueError as error:
                raise ValueError(f"HEARTH_SCHEDULE for {name}: {error}") from None
        self._since: dict[str, datetime] = {}

    async def start(self, now: datetime) -> None:
        """Pick up where the last run of each job left off (or from now on a first start)."""
        for name in self.triggers:
            last = await JobRun.filter(job=name, slot__isnull=False).order_by("-slot").first()
            self._since[name] = last.slot if last is not None and last.slot is not None else now

    def due_slot(self, name: str, now: datetime) -> datetime | None:
        """The latest scheduled time in (since, now], if any."""
        trigger, slot = self.triggers[name], None
        fire = trigger.get_next_fire_time(None, self._since[name] + timedelta(microseconds=1))
        while fire is not None and fire <= now:
            slot = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        return slot

    async def tick(self, now: datetime) -> list[JobRun]:
        runs = []
        for name in self.triggers:
            if name not in self._since:
                self._since[name] = now
            slot = self.due_slot(name, now)
            if slot is None:
                continue
            run = await run_job(
                name, self.ctx, trigger="scheduler", slot=slot, instance=self.instance
            )
            self._since[name] = slot
            if run is not None:
                runs.append(run)
                log.info("job %s ran for its slot %s: %s", name, slot.isoformat(), run.status)
            else:  # once per due slot and instance: what each of N servers decided, in its log
                log.info("job %s: slot %s taken by another instance", name, slot.isoformat())
        return runs

    def next_time(self, now: datetime) -> datetime | None:
        times = [t.get_next_fire_time(None, now) for t in self.triggers.values()]
        return min((t for t in times if t is not None), default=None)

    async def run_forever(self) -> None:
        await self.start(self.ctx.clock.now())
        first = True
        while True:
            try:
                runs = await self.tick(self.ctx.clock.now())
                if first:  # the catch-up of times missed while no instance ran is done
                    log.info("scheduler started: %d missed run(s) made here", len(runs))
                    first = False
            except Exception:  # the database went away: try again at the next time
                log.exception("scheduler tick failed")
            now = self.ctx.clock.now()
            upcoming = self.next_time(now)
            delay = 60.0 if upcoming is None else (upcoming - now).total_seconds()
            await asyncio.sleep(min(max(delay, 1.0), 60.0))
