"""Jobs run exactly once across instances (advisory lock + one run per scheduled slot), are
recorded with counts or errors, never crash the scheduler, and walk 14 days by the clock."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from tortoise.connection import get_connection
from typer.testing import CliRunner

from api.cli import app as cli
from authz import enforcer
from models.compliance import CaseStatus, ComplianceCase, JobRun, JobStatus
from models.enums import AccessLevel, Duty, UserStatus
from models.outbox import DeliveryStatus, OutboxMessage
from models.users import User
from services.clock import FrozenClock
from services.jobs import JOBS, JobContext, Scheduler, _lock_key, run_job
from services.notifications import SmtpConfig
from tests.factories import make_agency, make_user

TZ = ZoneInfo("America/New_York")
# Quarterly at 06:00 local on the first day of the quarter; daily deadlines at 07:00
SCHEDULES = {"shared-contacts": "0 6 1 1,4,7,10 *", "deadlines": "0 7 * * *"}
MARCH_31 = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # noon local


def _ctx(clock: FrozenClock, **changes) -> JobContext:
    return JobContext(clock=clock, tz=TZ, smtp=SmtpConfig(host=None), **changes)


async def _sharing_pair() -> tuple[User, User]:
    agency = await make_agency("Harbor House")
    await make_user("hdc", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    ann = await make_user(
        "ann", agencies={agency: AccessLevel.FULL}, email="A@x.org", email_normalized="a@x.org"
    )
    bob = await make_user(
        "bob", agencies={agency: AccessLevel.FULL}, email="a@X.org", email_normalized="a@x.org"
    )
    return ann, bob


async def test_a_run_is_recorded_with_its_counts(app: object, clock: FrozenClock) -> None:
    await _sharing_pair()
    clock.set(MARCH_31)
    run = await run_job("shared-contacts", _ctx(clock))
    assert run is not None
    assert run.status == JobStatus.SUCCEEDED
    stored = await JobRun.get(id=run.id)
    assert stored.trigger == "cli"
    assert stored.started_at == MARCH_31
    assert stored.finished_at == MARCH_31
    assert stored.counts["opened"] == 2
    assert stored.counts["messages"] == 4
    assert stored.counts["users_checked"] == 3


async def test_a_failing_job_is_recorded_not_raised(app: object, clock: FrozenClock) -> None:
    await _sharing_pair()
    await run_job("shared-contacts", _ctx(clock))
    # notifications without an SMTP host: FAILED with the reason; messages kept
    run = await run_job("notifications", _ctx(clock))
    assert run is not None
    assert run.status == JobStatus.FAILED
    assert "HEARTH_SMTP_HOST is not set" in run.error
    assert await OutboxMessage.filter(status=DeliveryStatus.PENDING).count() == 4


async def test_an_instance_that_finds_the_job_running_skips_it(
    app: object, clock: FrozenClock, database_url: str
) -> None:
    other = await asyncpg.connect(database_url)
    try:
        assert await other.fetchval("SELECT pg_try_advisory_lock($1)", _lock_key("deadlines"))
        assert await run_job("deadlines", _ctx(clock)) is None
        assert await JobRun.all().count() == 0
    finally:
        await other.close()
    assert await run_job("deadlines", _ctx(clock)) is not None


# The advisory locks held in this database (other workers' databases have their own).
_ADVISORY_LOCKS = """
SELECT count(*) FROM pg_locks
 WHERE locktype = 'advisory'
   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


async def _advisory_locks() -> int:
    rows = await get_connection("default").execute_query_dict(_ADVISORY_LOCKS)
    return rows[0]["count"]


async def _waits_until_cancelled(started: asyncio.Event) -> dict[str, int]:
    started.set()
    await asyncio.get_running_loop().create_future()
    return {}


async def test_a_job_cancelled_mid_run_leaves_no_lock_behind(
    app: object, clock: FrozenClock
) -> None:
    # given: the job is running, under its lock
    started = asyncio.Event()
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(JOBS, "deadlines", lambda _ctx: _waits_until_cancelled(started))
        task = asyncio.create_task(run_job("deadlines", _ctx(clock)))
        await started.wait()
        assert await _advisory_locks() == 1
        assert await run_job("deadlines", _ctx(clock)) is None  # a second instance skips it
        # when: it is cancelled (a shutdown)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    # then: the run says so, the lock is gone and the next run is not skipped
    interrupted = await JobRun.get(job="deadlines")
    assert (interrupted.status, interrupted.error) == (JobStatus.FAILED, "interrupted by shutdown")
    assert await _advisory_locks() == 0
    run = await run_job("deadlines", _ctx(clock))
    assert run is not None
    assert run.status == JobStatus.SUCCEEDED


@pytest.mark.parametrize("commit", ["never sent", "in flight"])
async def test_a_job_cancelled_while_releasing_its_lock_leaves_none_behind(
    app: object, clock: FrozenClock, commit: str
) -> None:
    # given: a job that runs no transaction of its own has run; the statement that ends its
    # lock's transaction is about to go out (and never does) or is on its way to the server
    async def job(_ctx: JobContext) -> dict[str, int]:
        return {}

    ending, execute = asyncio.Event(), asyncpg.Connection.execute

    async def stepped_execute(self: asyncpg.Connection, query: str, *args, **kwargs):
        if query == "COMMIT;":  # asyncpg's statement ending a transaction block
            ending.set()
            if commit == "never sent":
                await asyncio.get_running_loop().create_future()
        return await execute(self, query, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(JOBS, "deadlines", job)
        patch.setattr(asyncpg.Connection, "execute", stepped_execute)
        task = asyncio.create_task(run_job("deadlines", _ctx(clock)))
        async with asyncio.timeout(10):  # a guard: the statement comes at once
            await ending.wait()
        # when: the task is cancelled right there (when the statement never went out, the
        # pool's release rolls the transaction back, and asyncpg logs that it had to)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    # then: no lock is left on the pooled connection, and the next run is not skipped
    assert await _advisory_locks() == 0
    run = await run_job("deadlines", _ctx(clock))
    assert run is not None
    assert run.status == JobStatus.SUCCEEDED


async def test_two_scheduler_instances_racing_run_a_slot_once(
    app: object, clock: FrozenClock
) -> None:
    # given: two instances, started before the quarter's first day
    await _sharing_pair()
    clock.set(MARCH_31)
    first, second = (Scheduler(SCHEDULES, _ctx(clock), instance=name) for name in ("one", "two"))
    await first.start(clock.now())
    await second.start(clock.now())
    # when: both tick at the same moment, 07:01 local on April 1 (both jobs due)
    clock.set(datetime(2026, 4, 1, 11, 1, tzinfo=UTC))
    results = await asyncio.gather(first.tick(clock.now()), second.tick(clock.now()))
    # then: the sweep ran once, by one of them, for the 06:00 slot; then deadlines ran once too
    runs = await JobRun.filter(job="shared-contacts")
    assert len(runs) == 1
    assert runs[0].slot == datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
    assert runs[0].trigger == "scheduler"
    assert runs[0].instance in {"one", "two"}
    assert sum(len(r) for r in results) == await JobRun.all().count() == 2
    assert await ComplianceCase.all().count() == 2
    # and a third instance coming later for the same slot runs nothing
    late = Scheduler(SCHEDULES, _ctx(clock), instance="three")
    await late.start(MARCH_31)
    assert await late.tick(clock.now()) == []


async def test_nothing_runs_before_its_time_and_missed_times_run_once(
    app: object, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 4, 1, 10, 30, tzinfo=UTC))  # 06:30 local: deadlines not due
    scheduler = Scheduler({"deadlines": "0 7 * * *"}, _ctx(clock))
    await scheduler.start(clock.now())
    assert await scheduler.tick(clock.now()) == []
    # all instances down for three days: one catch-up run, for the latest time
    clock.set(datetime(2026, 4, 4, 12, 0, tzinfo=UTC))
    runs = await scheduler.tick(clock.now())
    assert [r.slot for r in runs] == [datetime(2026, 4, 4, 11, 0, tzinfo=UTC)]
    assert await scheduler.tick(clock.now()) == []


def test_a_bad_schedule_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="deadlines"):
        Scheduler({"deadlines": "every day at 7"}, _ctx(FrozenClock(MARCH_31)))
    with pytest.raises(ValueError, match="unknown jobs"):
        Scheduler({"backup": "0 7 * * *"}, _ctx(FrozenClock(MARCH_31)))


async def test_fourteen_days_of_scheduled_runs_deactivate_accounts_still_sharing(
    app: object, clock: FrozenClock
) -> None:
    # given
    ann, bob = await _sharing_pair()
    clock.set(MARCH_31)
    scheduler = Scheduler(SCHEDULES, _ctx(clock))
    await scheduler.start(clock.now())
    # when: the clock walks day by day to April 14 (day 13): accounts stay active
    for day in range(1, 15):
        clock.set(MARCH_31 + timedelta(days=day))
        await scheduler.tick(clock.now())
    assert (await User.get(id=ann.id)).status == UserStatus.ACTIVE
    # when: April 15, after 07:00
    clock.set(MARCH_31 + timedelta(days=15))
    await scheduler.tick(clock.now())
    # then
    assert {u.status for u in await User.filter(id__in=[ann.id, bob.id])} == {UserStatus.INACTIVE}
    assert {c.status for c in await ComplianceCase.all()} == {CaseStatus.ENFORCED}
    assert await JobRun.filter(job="shared-contacts").count() == 1
    assert await JobRun.filter(job="deadlines").count() == 15


async def test_the_cli_runs_a_job_and_prints_its_record(app: object, runner: CliRunner) -> None:
    await _sharing_pair()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)
        result = await asyncio.to_thread(runner.invoke, cli, ["jobs", "run", "shared-contacts"])
        unknown = await asyncio.to_thread(runner.invoke, cli, ["jobs", "run", "backup"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["status"] == "SUCCEEDED"
    assert record["counts"]["opened"] == 2
    assert await ComplianceCase.all().count() == 2
    assert unknown.exit_code == 2


async def test_the_served_app_runs_the_scheduler_and_catches_up(
    app: object, settings, clock: FrozenClock, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """create_app starts the scheduler when HEARTH_SCHEDULER_ENABLED is on (off under env=test);
    a time missed while no instance ran is caught up at start-up."""
    from api.app import create_app

    assert settings.runs_scheduler is False
    assert settings.model_copy(update={"env": "production"}).runs_scheduler is True
    clock.set(datetime(2026, 4, 10, 15, 0, tzinfo=UTC))
    await JobRun.create(
        job="deadlines",
        slot=datetime(2026, 4, 8, 11, 0, tzinfo=UTC),
        trigger="scheduler",
        instance="old",
        status=JobStatus.SUCCEEDED,
        started_at=clock.now(),
    )
    ticked, tick = asyncio.Event(), Scheduler.tick

    async def tick_and_say(self: Scheduler, now: datetime) -> list[JobRun]:
        runs = await tick(self, now)
        ticked.set()
        return runs

    monkeypatch.setattr(Scheduler, "tick", tick_and_say)
    on = settings.model_copy(update={"scheduler_enabled": True})
    served = create_app(on, database_url=database_url, clock=clock)
    async with served.router.lifespan_context(served):
        assert any(t.get_name() == "hearth-scheduler" for t in asyncio.all_tasks())
        async with asyncio.timeout(10):  # a guard: the first tick runs at once
            await ticked.wait()
    assert not any(t.get_name() == "hearth-scheduler" and not t.done() for t in asyncio.all_tasks())
    caught_up = await JobRun.get(job="deadlines", instance__not="old")
    assert caught_up.slot == datetime(2026, 4, 10, 11, 0, tzinfo=UTC)
    assert caught_up.status == JobStatus.SUCCEEDED
