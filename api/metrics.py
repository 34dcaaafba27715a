"""Prometheus metrics through ``prometheus_client`` (decision 127), at ``GET /metrics`` for a
scraper that sends ``HEARTH_METRICS_TOKEN`` as a bearer token (unset: not served).

Two kinds:

* **per process**, counted as requests are answered: requests by operation and outcome, their
  latency, the connection pool's use. With several uvicorn workers, ``hearth serve`` runs
  ``prometheus_client``'s multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``): every worker writes
  its values to files there and whichever worker answers a scrape adds them all up.
* **from the database**, read at each scrape: the audit trail's unsealed rows and their age (the
  sealer's lag), the last run of each job. They describe the deployment, not the process, so
  every instance reports the same values (aggregate them with ``max``, not ``sum``).

The GraphQL operation label is the operation's name as the client sent it, or ``(anonymous)``;
names beyond the first :data:`MAX_OPERATIONS` a process has seen count as ``(other)``, so that a
client inventing names cannot make the series grow without bound.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tortoise.connection import get_connection

__all__ = ["MAX_OPERATIONS", "Metrics", "metrics_endpoint", "multiprocess_dir"]

log = logging.getLogger("hearth.metrics")

MAX_OPERATIONS = 200
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "hearth_requests",
    "HTTP requests answered, by route, GraphQL operation and type, and outcome (ok, the first "
    "error code, or http_<status>).",
    ["route", "operation", "type", "outcome"],
)
LATENCY = Histogram(
    "hearth_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route, operation and type.",
    ["route", "operation", "type"],
)
POOL = Gauge(
    "hearth_db_pool_connections",
    "The worker's PostgreSQL connections: open (in use or idle), idle, and the pool's maximum.",
    ["state"],
    multiprocess_mode="livesum",
)

_JOBS_SQL = """
SELECT j.job, r.status, extract(epoch FROM r.started_at) AS started,
       extract(epoch FROM r.finished_at - r.started_at) AS seconds
FROM unnest($1::text[]) AS j(job)
CROSS JOIN LATERAL (
    SELECT status, started_at, finished_at FROM job_run
    WHERE job_run.job = j.job ORDER BY started_at DESC LIMIT 1
) AS r
"""
_AUDIT_SQL = """
SELECT count(*) AS unsealed, extract(epoch FROM now() - min(occurred_at)) AS age,
       (SELECT extract(epoch FROM now() - max(sealed_at)) FROM audit_seal) AS since_seal
FROM audit_event
WHERE seq > coalesce((SELECT max(last_seq) FROM audit_seal), -9223372036854775808)
"""


def multiprocess_dir() -> str | None:
    """Where the workers' values live in multiprocess mode (None: one process)."""
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    """The per-process metrics of one app: :meth:`observe` is the access log's hook."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = [r for r in routes if isinstance(r, Route)]
        self.operations: set[str] = set()

    def route_of(self, path: str) -> str:
        """The route's template (``/exports/hud-csv/{export_id}``), never a path's own ids."""
        for route in self.routes:
            if route.path_regex.match(path):
                return route.path
        return "(unknown)"

    def operation_of(self, name: str | None) -> str:
        if not name:
            return "(anonymous)"
        if name not in self.operations:
            if len(self.operations) >= MAX_OPERATIONS:
                return "(other)"
            self.operations.add(name)
        return name

    def observe(self, fields: dict[str, Any], seconds: float) -> None:
        route = self.route_of(fields.get("path") or "")
        graphql = "operation_type" in fields or "operation_name" in fields
        operation = self.operation_of(fields.get("operation_name")) if graphql else ""
        kind = fields.get("operation_type", "") if graphql else ""
        status = int(fields["status"])
        codes = fields.get("error_codes") or []
        outcome = codes[0] if codes else ("ok" if status < 400 else f"http_{status}")
        REQUESTS.labels(route, operation, kind, outcome).inc()
        LATENCY.labels(route, operation, kind).observe(seconds)
        update_pool()


def update_pool() -> None:
    """The pool gauges, from this worker's pool (nothing when there is none yet)."""
    try:
        pool = getattr(get_connection("default"), "_pool", None)
    except Exception:  # no Tortoise context: the app has not started
        return
    if pool is None:
        return
    POOL.labels("open").set(pool.get_size())
    POOL.labels("idle").set(pool.get_idle_size())
    POOL.labels("max").set(pool.get_max_size())


class _Snapshot(Collector):
    """Metrics read from the database for one scrape."""

    def __init__(self, families: Iterable[GaugeMetricFamily]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self.families


async def _database_families(jobs: Sequence[str], seconds: float) -> list[GaugeMetricFamily]:
    up = GaugeMetricFamily("hearth_db_up", "1 when the database answered this scrape's queries.")
    try:
        async with asyncio.timeout(seconds):
            conn = get_connection("default")
            audit = (await conn.execute_query_dict(_AUDIT_SQL))[0]
            runs = await conn.execute_query_dict(_JOBS_SQL, [list(jobs)])
    except Exception as error:  # the scrape still reports the process's own metrics
        log.warning("metrics: database unavailable (%s)", type(error).__name__)
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    unsealed = GaugeMetricFamily(
        "hearth_audit_unsealed_rows", "Audit rows written and not yet sealed into the hash chain."
    )
    unsealed.add_metric([], audit["unsealed"])
    age = GaugeMetricFamily(
        "hearth_audit_unsealed_oldest_seconds",
        "Age of the oldest unsealed audit row (0 when every row is sealed): the sealer's lag.",
    )
    age.add_metric([], float(audit["age"] or 0))
    since = GaugeMetricFamily(
        "hearth_audit_last_seal_age_seconds", "Time since the newest seal (absent before one)."
    )
    if audit["since_seal"] is not None:
        since.add_metric([], float(audit["since_seal"]))
    started = GaugeMetricFamily(
        "hearth_job_last_run_start_timestamp_seconds",
        "When each job's latest run started (Unix time).",
        labels=["job"],
    )
    succeeded = GaugeMetricFamily(
        "hearth_job_last_run_success",
        "1 when each job's latest finished run succeeded, 0 when it failed.",
        labels=["job"],
    )
    duration = GaugeMetricFamily(
        "hearth_job_last_run_duration_seconds",
        "How long each job's latest finished run took.",
        labels=["job"],
    )
    for run in runs:
        started.add_metric([run["job"]], float(run["started"]))
        if run["status"] != "RUNNING":
            succeeded.add_metric([run["job"]], 1.0 if run["status"] == "SUCCEEDED" else 0.0)
        if run["seconds"] is not None:
            duration.add_metric([run["job"]], float(run["seconds"]))
    return [
        up,
        unsealed,
        age,
        since,
        started,
        succeeded,
        duration,
        *await _replica_families(seconds),
    ]


async def _replica_families(seconds: float) -> list[GaugeMetricFamily]:
    """The streaming replica's state (``HEARTH_REPLICA_URL``), asked at this scrape: nothing
    when no replica is configured."""
    from services.replica import current_replica

    replica = current_replica()
    if replica is None:
        return []
    up = GaugeMetricFamily(
        "hearth_replica_up", "1 when the streaming replica answered this scrape's lag query."
    )
    lag = GaugeMetricFamily(
        "hearth_replica_lag_seconds",
        "How far the replica is behind the primary (0 when it has replayed all it received); "
        "reports go to the primary beyond HEARTH_REPLICA_MAX_LAG_SECONDS.",
    )
    try:
        async with asyncio.timeout(seconds):
            measured = await replica.measure_lag()
    except Exception as error:
        log.warning("metrics: replica unavailable (%s)", type(error).__name__)
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    lag.add_metric([], measured)
    return [up, lag]


def metrics_endpoint(token: str, jobs: Sequence[str], timeout: float) -> Any:
    """``GET /metrics`` for a scraper holding ``token``; 401 for anyone else."""
    expected = f"Bearer {token}".encode()

    async def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return Response(
                "Send the metrics token as 'Authorization: Bearer <token>'.\n",
                status_code=401,
                headers={"www-authenticate": 'Bearer realm="metrics"'},
            )
        update_pool()
        snapshot = CollectorRegistry(auto_describe=False)
        snapshot.register(_Snapshot(await _database_families(jobs, timeout)))
        directory = multiprocess_dir()
        if directory is not None:
            workers = CollectorRegistry()
            MultiProcessCollector(workers, path=directory)  # type: ignore[no-untyped-call]  # untyped in prometheus_client
            body = generate_latest(workers)
        else:
            body = generate_latest(REGISTRY)
        return Response(
            body + generate_latest(snapshot),
            media_type=CONTENT_TYPE_LATEST,
            headers={"cache-control": "no-store"},
        )

    return metrics
