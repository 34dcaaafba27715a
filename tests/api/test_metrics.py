"""Prometheus metrics at /metrics: only for the scraper holding the token; requests by operation
and outcome, latency, the pool, the audit sealer's lag and the jobs' last runs; the workers of
one server added up."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from models.compliance import JobRun
from services.audit import unsealed
from services.clock import FrozenClock
from services.jobs import JobContext, run_job
from tests.api.test_http import running
from tests.factories import Api

TOKEN = "scrape-me-0123456789"
ME = "query Me { me { user { id } } }"
ROOT = Path(__file__).resolve().parents[2]


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(text: str, name: str, **labels: str) -> float | None:
    return _samples(text).get((name, frozenset(labels.items())))


@pytest.fixture
async def scraped(
    app: object, settings: Settings, database_url: str, clock: FrozenClock
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that serves /metrics (the session's app does not)."""
    with_metrics: Starlette = create_app(
        settings.model_copy(update={"metrics_token": SecretStr(TOKEN)}),
        database_url=database_url,
        clock=clock,
    )
    async with running(with_metrics) as client:
        yield client


async def _scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_are_not_served_without_a_token_setting(
    api: Api, settings: Settings, database_url: str
) -> None:
    assert (await api.http.get("/metrics")).status_code == 404
    # an empty token (compose's default when HEARTH_METRICS_TOKEN is not given) is no token
    empty = create_app(
        settings.model_copy(update={"metrics_token": SecretStr("")}), database_url=database_url
    )
    transport = httpx.ASGITransport(app=empty)
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth.test") as client:
        response = await client.get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 404


async def test_metrics_refuse_a_scraper_without_the_token(scraped: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = await scraped.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "hearth_" not in response.text


async def test_requests_are_counted_by_operation_and_outcome_with_their_latency(
    scraped: httpx.AsyncClient,
) -> None:
    labels = {"route": "/graphql", "operation": "Me", "type": "query"}
    before = await _scrape(scraped)
    count = _value(before, "hearth_requests_total", **labels, outcome="UNAUTHENTICATED") or 0
    timed = _value(before, "hearth_request_duration_seconds_count", **labels) or 0
    health = _value(
        before, "hearth_requests_total", route="/healthz", operation="", type="", outcome="ok"
    )

    for _ in range(3):
        await scraped.post("/graphql", json={"query": ME, "operationName": "Me"})
    await scraped.get("/healthz")
    await scraped.get("/exports/hud-csv/0b6f1c5e-6d6e-4a57-9a43-d7cfd1a0a2b1")

    after = await _scrape(scraped)
    assert _value(after, "hearth_requests_total", **labels, outcome="UNAUTHENTICATED") == count + 3
    assert _value(after, "hearth_request_duration_seconds_count", **labels) == timed + 3
    assert (_value(after, "hearth_request_duration_seconds_sum", **labels) or 0) > 0
    assert (
        _value(
            after, "hearth_requests_total", route="/healthz", operation="", type="", outcome="ok"
        )
        == (health or 0) + 1
    )
    # a path's own ids never become labels: the route's template does
    assert "0b6f1c5e" not in after
    assert any(
        name == "hearth_requests_total" and ("route", "/exports/hud-csv/{export_id}") in labels
        for name, labels in _samples(after)
    )
    assert (_value(after, "hearth_db_pool_connections", state="open") or 0) >= 1
    assert (_value(after, "hearth_db_pool_connections", state="max") or 0) >= 1


async def test_the_audit_sealers_lag_and_the_jobs_last_runs_come_from_the_database(
    scraped: httpx.AsyncClient, api: Api, settings: Settings, clock: FrozenClock
) -> None:
    await api.http.post("/graphql", json={"query": ME})  # (no audit row: nobody signed in)
    run = await run_job("deadlines", JobContext.from_settings(settings, clock))
    assert run is not None

    text = await _scrape(scraped)
    assert _value(text, "hearth_db_up") == 1
    assert _value(text, "hearth_audit_unsealed_rows") == await unsealed()
    assert _value(text, "hearth_audit_unsealed_oldest_seconds") is not None
    assert _value(text, "hearth_job_last_run_success", job="deadlines") == 1
    assert _value(text, "hearth_job_last_run_start_timestamp_seconds", job="deadlines") == (
        run.started_at.timestamp()
    )
    assert _value(text, "hearth_job_last_run_success", job="retraining") is None  # never ran

    await JobRun.filter(id=run.id).update(status="FAILED")
    failed = await _scrape(scraped)
    assert _value(failed, "hearth_job_last_run_success", job="deadlines") == 0


def test_the_workers_of_one_server_are_added_up(
    tmp_path: Path, settings: Settings, database_url: str
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARTH_", "PROMETHEUS_"))}
    env.update(
        {
            "HEARTH_ENV": "test",
            "HEARTH_DATA_DIR": str(tmp_path),
            "HEARTH_DATABASE_URL": database_url,
            "HEARTH_SIGNING_KEY": settings.signing_key or "",
            "HEARTH_SSN_KEYS": settings.ssn_keys.get_secret_value(),  # type: ignore[union-attr]
            "HEARTH_SSN_HASH_KEY": settings.ssn_hash_key.get_secret_value(),  # type: ignore[union-attr]
            "HEARTH_METRICS_TOKEN": TOKEN,
            "HEARTH_LOG_FORMAT": "json",
        }
    )
    hearth = str(Path(sys.executable).with_name("hearth"))
    server = subprocess.Popen(  # noqa: S603 (this virtualenv's own program)
        [hearth, "serve", "--workers", "2", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stderr is not None
        started = 0
        for line in server.stderr:  # the workers' log, until both have started
            if json.loads(line).get("message") == "Application startup complete.":
                started += 1
                if started == 2:
                    break
        assert started == 2
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(20):  # new connections: the kernel spreads them over the workers
                with httpx.Client(base_url=f"http://127.0.0.1:{port}") as fresh:
                    assert fresh.get("/healthz").status_code == 200
            scrapes = [
                client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
                for _ in range(2)
            ]
    finally:
        server.terminate()
        server.communicate(timeout=60)
    for text in scrapes:
        assert (
            _value(
                text,
                "hearth_requests_total",
                route="/healthz",
                operation="",
                type="",
                outcome="ok",
            )
            == 20
        )
