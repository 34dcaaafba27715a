"""A small closed-loop HTTP load generator for the benchmarks (loopback only, always bounded).

``concurrency`` workers each keep one HTTP/1.1 keep-alive connection (httpx) and send the next
request as soon as the previous answer arrived. A run stops by itself at ``duration`` seconds or
after ``max_requests`` requests, whichever comes first. A request counts as an error when the
status is not 200 or the GraphQL body carries ``errors``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

__all__ = ["LoadResult", "drive", "require_loopback"]

MAX_DURATION = 120.0
MAX_REQUESTS = 1_000_000


def require_loopback(url: str) -> None:
    """Refuse any target that does not resolve to a loopback address only."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as error:
        raise ValueError(f"cannot resolve {host!r}") from error
    if not addresses or not all(
        ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses
    ):
        raise ValueError(f"the load generator only targets loopback; {host!r} is not")


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: tuple[float, ...]
    first_error: str | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p99(self) -> float:
        return self.percentile(0.99)


async def drive(
    url: str,
    body: Callable[[int], bytes],
    *,
    headers: dict[str, str],
    concurrency: int,
    duration: float,
    max_requests: int = MAX_REQUESTS,
) -> LoadResult:
    """Send POSTs of ``body(n)`` (n: the request's number) to ``url`` for ``duration`` seconds."""
    require_loopback(url)
    if not 0 < duration <= MAX_DURATION or not 0 < max_requests <= MAX_REQUESTS:
        raise ValueError("a run is bounded: 0 < duration <= 120 s, 0 < max_requests <= 1e6")
    headers = {"content-type": "application/json", **headers}
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    issued = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # httpx writes a request's head and body separately: without TCP_NODELAY, Nagle holds the
    # body until the server's delayed ACK (about 40 ms a request on Linux).
    transport = httpx.AsyncHTTPTransport(
        limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    )
    async with httpx.AsyncClient(transport=transport, timeout=30.0) as client:
        start = time.perf_counter()
        deadline = start + duration

        async def worker() -> None:
            nonlocal issued, errors, first_error
            while issued < max_requests and time.perf_counter() < deadline:
                n = issued
                issued += 1
                sent = time.perf_counter()
                try:
                    response = await client.post(url, content=body(n), headers=headers)
                    failed = response.status_code != 200 or b'"errors"' in response.content
                    detail = response.text[:300] if failed else None
                except httpx.HTTPError as error:
                    failed, detail = True, repr(error)
                latencies.append((time.perf_counter() - sent) * 1000.0)
                if failed:
                    errors += 1
                    first_error = first_error or detail

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    return LoadResult(len(latencies), errors, seconds, tuple(latencies), first_error)
