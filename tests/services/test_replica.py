"""Reports read on the replica (HEARTH_REPLICA_URL) through one mechanism, fall back to the
primary when it does not answer, and never write there.

Here the "replica" is the test database itself through the replica's client (read-only
sessions, Hearth's engine and role): what is proven is the routing. tests/services/
test_replica_streaming.py starts a real standby."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import pytest
from tortoise.connection import get_connection
from tortoise.exceptions import TransactionManagementError
from tortoise.transactions import in_transaction
from typer.testing import CliRunner

from api.cli import app as cli
from api.db import replica_client
from api.settings import Settings, get_settings
from authz import enforcer
from authz.clients import ClientScope
from authz.enforcer import Decisions, current_authorizer
from authz.resources import Action, Resource
from models.clients import Client
from models.enums import SystemRole
from models.governance import Agency
from services.access_reports import Quarter, Thresholds, user_access_report
from services.hudcsv.export import write_export
from services.hudcsv.plan import plan_export
from services.principals import load_principal
from services.replica import Replica, installed, on_replica, unavailable
from services.reports.aggregates import Dimension, tabulate
from services.reports.data_quality import compute_report
from services.reports.scope import ReportScope, plan_scope
from tests.authz.client_world import make_role_user
from tests.conftest import START
from tests.factories import Api, make_agency, make_user
from tests.hudcsv.support import TZ, decisions_for, statewide_reader
from tests.security.sentinels import ROLES, build_sentinels
from tests.security.test_row_security import _scope, _through_row_security

PERIOD = (date(2026, 1, 1), date(2026, 3, 31))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def replica(database_url: str, settings: Settings) -> AsyncIterator[Replica]:
    async with installed(Replica(replica_client(database_url, settings))) as r:
        assert r is not None
        yield r


async def _served_by_replica() -> bool:
    """Whether the current task's connection is the replica's (read-only sessions)."""
    rows = await get_connection("default").execute_query_dict(
        "SELECT current_setting('default_transaction_read_only') AS ro"
    )
    return bool(rows[0]["ro"] == "on")


async def _lead_decisions() -> Decisions:
    lead = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    loaded = await load_principal(lead.id)
    assert loaded is not None
    return Decisions(current_authorizer(), loaded[0])


async def test_each_heavy_report_reads_on_the_replica(
    app: object, replica: Replica, tmp_path: Path
) -> None:
    # given: an agency and a Lead Agency user (who plans statewide counts)
    agency = await make_agency("Harbor House")
    decisions = await _lead_decisions()
    plan = await plan_scope(
        decisions,
        ReportScope("agency", agency.id),
        resource=Resource.AGGREGATE_REPORT,
        action=Action.READ,
        today=START.date(),
    )
    # when: the four heavy reads run
    await compute_report([], *PERIOD, START.date())
    assert replica.served == 1
    await tabulate(plan, (Dimension.VETERAN_STATUS,), start=PERIOD[0], end=PERIOD[1])
    assert replica.served == 2
    await user_access_report(
        agency_id=agency.id, quarter=Quarter(2026, 1), thresholds=Thresholds(), tz=TZ
    )
    assert replica.served == 3
    export_plan = await plan_export(
        await decisions_for(await statewide_reader()),
        ReportScope("agency", agency.id),
        start=PERIOD[0],
        end=PERIOD[1],
        hashed=True,
        today=START.date(),
    )
    await write_export(export_plan, out=tmp_path / "x.zip", now=START, tz=TZ, implementation_id="t")
    # then: each ran on the replica, none fell back; the export's record and audit are on the
    # primary (the replica's sessions could not have written them)
    assert (replica.served, replica.fell_back) == (4, 0)
    assert (tmp_path / "x.zip").exists()


async def test_the_work_sees_the_replica_and_the_caller_the_primary_after(
    app: object, replica: Replica
) -> None:
    assert await on_replica(_served_by_replica, what="t") is True
    assert await _served_by_replica() is False  # the swap is the work's alone


async def test_a_write_on_the_replica_path_fails_loudly_and_writes_nothing(
    app: object, replica: Replica
) -> None:
    async def write() -> None:
        await Agency.create(name="Written on a replica")

    with pytest.raises(TransactionManagementError, match="read-only"):
        await on_replica(write, what="t")
    # not retried on the primary either: a refused write is no outage
    assert replica.fell_back == 0
    assert not await Agency.filter(name="Written on a replica").exists()


async def test_work_inside_a_transaction_that_wrote_reads_its_own_writes_on_the_primary(
    app: object, replica: Replica
) -> None:
    async with in_transaction():
        await make_agency("Written first")
        seen = await on_replica(
            lambda: Agency.filter(name="Written first").exists(), what="read-after-write"
        )
        assert await on_replica(_served_by_replica, what="t") is False
    assert seen is True
    assert replica.served == 0


async def test_a_replica_that_refuses_connections_falls_back_and_is_left_alone_a_while(
    app: object, database_url: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    parts = urlsplit(database_url)
    down = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{_closed_port()}"))
    await make_agency("Harbor House")
    calls = 0

    async def count_agencies() -> int:
        nonlocal calls
        calls += 1
        return await Agency.all().count()

    caplog.set_level(logging.WARNING, "hearth.replica")
    # when: the replica is down from start-up (logged then)
    # (no lag check: the work itself meets the refusal)
    async with installed(
        Replica(replica_client(down, settings), retry_seconds=60, max_lag=0)
    ) as replica:
        assert replica is not None
        assert not replica.up
        assert "start-up" in caplog.text
        # then: the work runs on the primary without trying the replica again
        assert await on_replica(count_agencies, what="t") == 1
        assert (calls, replica.served) == (1, 0)
        # when: the retry time has come and the replica still refuses, at use
        replica._down_until = 0.0
        caplog.clear()
        assert await on_replica(count_agencies, what="the test report") == 1
        # then: tried there, failed, run again on the primary, logged once
        assert (calls, replica.fell_back) == (3, 1)
        assert "the test report" in caplog.text
        assert not replica.up
        # when: the lag is checked, the check meets the refusal first: the work runs once, on
        # the primary, and the fallback is counted the same
        replica._down_until, replica.max_lag = 0.0, 60
        assert await on_replica(count_agencies, what="t") == 1
        assert (calls, replica.fell_back, replica.behind) == (4, 2, 0)
        assert not replica.up


def test_what_counts_as_the_replica_being_unavailable() -> None:
    import asyncpg

    assert unavailable(ConnectionRefusedError())
    assert unavailable(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    assert unavailable(asyncpg.exceptions.CannotConnectNowError("starting up"))
    conflict = asyncpg.exceptions.SerializationError(
        "canceling statement due to conflict with recovery"
    )
    assert unavailable(conflict)
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = ConnectionResetError()
    assert unavailable(wrapped)
    assert not unavailable(asyncpg.exceptions.ReadOnlySQLTransactionError("read-only"))
    assert not unavailable(asyncpg.exceptions.QueryCanceledError("statement timeout"))
    assert not unavailable(ValueError("a bug"))


async def test_the_command_lines_reports_read_on_the_replica_too(
    app: object, runner: CliRunner, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import services.replica

    agency = await make_agency("Harbor House")
    used: list[Replica] = []
    original = services.replica.installed

    def recording(replica: Replica | None) -> Any:
        assert replica is not None
        used.append(replica)
        return original(replica)

    monkeypatch.setattr(services.replica, "installed", recording)
    monkeypatch.setenv("HEARTH_REPLICA_URL", database_url)
    get_settings.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)
        result = await asyncio.to_thread(
            runner.invoke,
            cli,
            ["report", "user-access", "--quarter", "2026Q1", "--agency", str(agency.id)],
        )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    (replica,) = used
    assert (replica.served, replica.fell_back) == (1, 0)


async def test_row_security_reads_on_the_replica_exactly_as_on_the_primary(
    api: Api, replica: Replica
) -> None:
    # given: agency A's sentinel clients under every consent and release scenario, and a user
    # of every role
    sentinels = await build_sentinels(api)
    users = {role: await make_role_user(sentinels.world, role) for role in ROLES}
    await current_authorizer().reload()
    every_client = await Client.all().count()
    hidden_from_someone = False
    for role, user in users.items():
        scope = await _scope(user.id)

        async def read(scope: ClientScope = scope) -> dict[str, set[UUID]]:
            return await _through_row_security(scope)

        # when: every client-data table is read with the role's settings, on both servers
        on_primary = await read()
        on_the_replica = await on_replica(read, what="t")
        # then: the same rows, table by table (the replica's role and settings are the primary's)
        assert on_the_replica == on_primary, role
        hidden_from_someone |= len(on_primary["Client"]) < every_client
    assert hidden_from_someone  # the wall did hide rows: the comparison was not of everything
    assert replica.served == len(users)


async def test_the_served_app_opens_the_replica_for_its_life(
    app: object, settings: Settings, database_url: str
) -> None:
    from api.app import create_app
    from services.replica import current_replica

    assert current_replica() is None  # unset: everything on the primary
    served = create_app(
        settings.model_copy(update={"replica_url": database_url}), database_url=database_url
    )
    async with served.router.lifespan_context(served):
        replica = current_replica()
        assert replica is not None
        assert replica.up
        assert await on_replica(_served_by_replica, what="t") is True
    assert current_replica() is None


async def test_a_replica_further_behind_than_the_limit_is_skipped_until_it_catches_up(
    replica: Replica, caplog: pytest.LogCaptureFixture
) -> None:
    # the "replica" here is a primary: its measured lag is 0, and it serves
    assert replica.max_lag == 60
    assert await on_replica(_served_by_replica, what="t") is True
    assert replica.lag == 0
    # given: the last measure said two minutes behind (a real standby's is proven in
    # test_replica_streaming), still fresh
    caplog.set_level(logging.WARNING, "hearth.replica")
    replica.lag = 120.0
    # then: the work reads the primary, counted and logged once, and the replica stays up
    assert await on_replica(_served_by_replica, what="the report") is False
    assert await on_replica(_served_by_replica, what="the report") is False
    assert (replica.behind, replica.fell_back, replica.up) == (2, 0, True)
    assert caplog.text.count("replica 120.0 s behind") == 1
    # when the measure is due again, it is taken, and the caught-up replica serves again
    replica._lag_at = float("-inf")
    assert await on_replica(_served_by_replica, what="t") is True
    assert replica.lag == 0
    # and a limit of 0 never asks
    replica.max_lag, replica.lag = 0, 120.0
    assert await on_replica(_served_by_replica, what="t") is True


async def test_the_metrics_show_the_replicas_lag_or_that_it_does_not_answer(
    replica: Replica, database_url: str, settings: Settings
) -> None:
    from api.metrics import _replica_families

    families = {f.name: f for f in await _replica_families(5)}
    assert [s.value for s in families["hearth_replica_up"].samples] == [1]
    assert [s.value for s in families["hearth_replica_lag_seconds"].samples] == [0]
    parts = urlsplit(database_url)
    down = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{_closed_port()}"))
    async with installed(Replica(replica_client(down, settings))):
        families = {f.name: f for f in await _replica_families(5)}
    assert [s.value for s in families["hearth_replica_up"].samples] == [0]
    assert "hearth_replica_lag_seconds" not in families
    async with installed(None):
        assert await _replica_families(5) == []
