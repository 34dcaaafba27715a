"""Hearth past one machine: two `hearth serve` processes behind one database (each its own
pool, authorization listener, scheduler and audit sealer, as on two hosts) run a scheduled job
once, decide a request on one by a permission granted through the other, and seal one audit
chain between them. No sleeps: every wait polls a real condition, with a bound."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.connection import get_connection

from api.settings import Settings
from models.compliance import JobRun, JobStatus
from models.enums import AuditAction, SystemRole
from services.audit import AuditRow, append, unsealed, verify_chain
from services.clock import FrozenClock
from tests.api.cli_process import HEARTH, ROOT, environment
from tests.factories import Api, make_user

pytestmark = pytest.mark.slow

JOB_RUNS = 'query { jobRuns(job: "deadlines") { nodes { id } } }'
GRANT = """
mutation Grant($u: ID!, $r: SystemRole!) {
  grantSystemRole(input: {userId: $u, role: $r, reason: "second server test"}) { id }
}"""


@dataclass
class Server:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def said(self, text: str) -> bool:
        return text in self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until(condition: Callable[[], Awaitable[bool]], what: str, bound: float = 30) -> None:
    """Poll ``condition`` until it holds; fail after ``bound`` seconds."""
    try:
        async with asyncio.timeout(bound):
            while not await condition():  # noqa: ASYNC110 (another process's state: polled)
                await asyncio.sleep(0.02)  # a poll's pause, not a wait for time to pass
    except TimeoutError:
        raise AssertionError(f"not within {bound} s: {what}") from None


@asynccontextmanager
async def _servers(
    n: int, tmp_path: Path, settings: Settings, database_url: str
) -> AsyncIterator[list[Server]]:
    """``n`` servers (one worker each) on free ports, the scheduler and a fast sealer on."""
    secrets = {
        "HEARTH_SIGNING_KEY": settings.signing_key or "",
        "HEARTH_SSN_KEYS": settings.ssn_keys.get_secret_value() if settings.ssn_keys else "",
        "HEARTH_SSN_HASH_KEY": (
            settings.ssn_hash_key.get_secret_value() if settings.ssn_hash_key else ""
        ),
    }
    servers: list[Server] = []
    try:
        for i in range(n):
            port = _free_port()
            log = tmp_path / f"server{i}.log"
            env = environment(
                tmp_path / f"data{i}",
                HEARTH_DATABASE_URL=database_url,
                HEARTH_PORT=str(port),
                HEARTH_WORKERS="1",
                HEARTH_DB_POOL_MAX="4",
                HEARTH_SCHEDULER_ENABLED="true",
                HEARTH_AUDIT_SEAL_SECONDS="0.05",
                HEARTH_LOG_FORMAT="json",
                HEARTH_LOG_LEVEL="INFO",
                **secrets,
            )
            with log.open("wb") as out:
                process = await asyncio.to_thread(
                    subprocess.Popen,
                    [*HEARTH, "serve"],
                    env=env,
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            servers.append(Server(f"http://127.0.0.1:{port}", log, process))
        async with httpx.AsyncClient(timeout=5) as http:
            for server in servers:

                async def ready(s: Server = server) -> bool:
                    assert s.process.poll() is None, s.log.read_text()
                    try:
                        return (await http.get(f"{s.url}/readyz")).status_code == 200
                    except httpx.TransportError:
                        return False

                await _until(ready, f"{server.url} ready", bound=60)
        yield servers
    finally:
        for server in servers:
            if server.process.poll() is None:
                os.killpg(server.process.pid, signal.SIGTERM)
        for server in servers:
            try:
                await asyncio.to_thread(server.process.wait, 20)
            except subprocess.TimeoutExpired:
                os.killpg(server.process.pid, signal.SIGKILL)
                await asyncio.to_thread(server.process.wait)


async def test_two_servers_share_one_database_jobs_permissions_and_the_audit_chain(
    app: object, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    # given: the deadlines job last ran two days ago (a slot due since), people on the system
    now = datetime.now(UTC)
    await JobRun.create(
        job="deadlines",
        slot=now - timedelta(days=2),
        trigger="scheduler",
        instance="old",
        status=JobStatus.SUCCEEDED,
        started_at=now - timedelta(days=2),
    )
    lead = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    candidate = await make_user()
    clock = FrozenClock(now)  # the servers' own clocks are the system's: TOTP codes at now

    async with _servers(2, tmp_path, settings, database_url) as (one, two):
        # (a) both catch up the missed slot at start-up: it runs once, by one of them
        async def both_decided() -> bool:
            return all(s.said("scheduler started") for s in (one, two))

        await _until(both_decided, "both schedulers decided the deadlines slot")
        runs = await JobRun.filter(job="deadlines", instance__not="old")
        assert len(runs) == 1, [(r.instance, r.slot) for r in runs]
        assert runs[0].status == JobStatus.SUCCEEDED
        assert sum(s.said("job deadlines ran for its slot") for s in (one, two)) == 1

        async with (
            httpx.AsyncClient(base_url=one.url, timeout=10) as http_one,
            httpx.AsyncClient(base_url=two.url, timeout=10) as http_two,
        ):
            api_one, api_two = Api(http_one, clock), Api(http_two, clock)
            lead_token = await api_one.sign_in(lead)
            candidate_token = await api_two.sign_in(candidate)
            # (b) server two refuses the candidate (and remembers that decision) ...
            refused = await api_two.error(JOB_RUNS, token=candidate_token)
            assert refused["code"] == "FORBIDDEN"
            # ... server one grants the role ...
            await api_one.ok(GRANT, {"u": str(candidate.id), "r": "SECURITY_OFFICER"}, lead_token)

            # ... and server two's next requests are decided with it, once its listener heard
            # (nothing else makes it reload: its decisions are memoised until a reload)
            async def allowed_on_two() -> bool:
                body = await api_two.gql(JOB_RUNS, token=candidate_token)
                return not body.get("errors")

            await _until(allowed_on_two, "server two allows the candidate", bound=20)

            # (c) audit rows written through both servers and beside them, while both seal
            async def write(n: int) -> None:
                at = datetime.now(UTC)
                await append(
                    [
                        AuditRow(at, AuditAction.VIEW, "Test", str(i), fields=("t",))
                        for i in range(n)
                    ]
                )

            for _ in range(20):
                await asyncio.gather(
                    write(3),
                    api_one.gql(JOB_RUNS, token=candidate_token),
                    api_two.gql(JOB_RUNS, token=candidate_token),
                    write(2),
                )

        async def all_sealed() -> bool:
            return await unsealed() == 0

        await _until(all_sealed, "every audit row sealed by the servers")
    total = (
        await get_connection("default").execute_query_dict("SELECT count(*) AS n FROM audit_event")
    )[0]["n"]
    assert total >= 100
    assert await verify_chain() == (total, None, 0)
    blocks: list[Any] = await get_connection("default").execute_query_dict(
        "SELECT after_seq, last_seq FROM audit_seal ORDER BY last_seq"
    )
    assert len(blocks) > 1
    assert all(b["after_seq"] == a["last_seq"] for a, b in itertools.pairwise(blocks))
