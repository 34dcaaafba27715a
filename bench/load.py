"""A small closed-loop HTTP load generator for the benchmarks (loopback only, always bounded).

``concurrency`` workers each keep one HTTP/1.1 keep-alive connection (asyncio streams, the
request prepared as bytes) and send the next request as soon as the previous answer arrived. A
run stops by itself at ``duration`` seconds or after ``max_requests`` requests, whichever comes
first. A request counts as an error when the
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


class _Connection:
    """One keep-alive HTTP/1.1 connection sending a prepared POST and reading its answer: the
    status line, the headers up to the blank line, and ``content-length`` bytes of body. Nothing
    else is parsed: the benchmark's servers answer GraphQL with a length (a chunked or
    length-less answer is an error here, never misread). httpx cost the benchmark's load
    generator about 2 ms of CPU per request, on the same 2 cores as the servers it measures
    (decision 207); this costs a tenth of it."""

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(*self._address)
            sock = self._writer.get_extra_info("socket")
            # the request goes in one write, but no delayed ACK should hold an answer either
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._reader, self._writer

    async def post(self, request: bytes) -> tuple[int, bytes]:
        reader, writer = await self._open()
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length: int | None = None
            close = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
                elif name == b"transfer-encoding":
                    raise ConnectionError("a chunked answer: the load generator reads lengths only")
            if length is None:
                raise ConnectionError("an answer without content-length")
            body = await reader.readexactly(length)
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def _request(url: str, headers: dict[str, str], body: bytes) -> bytes:
    parts = urlsplit(url)
    lines = [
        f"POST {parts.path or '/'} HTTP/1.1",
        f"host: {parts.netloc}",
        f"content-length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


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
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    issued = 0
    connections = [_Connection(*address) for _ in range(concurrency)]
    start = time.perf_counter()
    deadline = start + duration

    async def worker(connection: _Connection) -> None:
        nonlocal issued, errors, first_error
        while issued < max_requests and time.perf_counter() < deadline:
            n = issued
            issued += 1
            request = _request(url, headers, body(n))
            sent = time.perf_counter()
            try:
                status, content = await connection.post(request)
                failed = status != 200 or b'"errors"' in content
                detail = content[:300].decode("utf-8", "replace") if failed else None
            except (OSError, ValueError, asyncio.IncompleteReadError) as error:
                failed, detail = True, repr(error)
            latencies.append((time.perf_counter() - sent) * 1000.0)
            if failed:
                errors += 1
                first_error = first_error or detail

    try:
        await asyncio.gather(*(worker(c) for c in connections))
    finally:
        for connection in connections:
            connection.close()
    seconds = time.perf_counter() - start
    return LoadResult(len(latencies), errors, seconds, tuple(latencies), first_error)
