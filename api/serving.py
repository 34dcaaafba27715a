"""uvicorn's HTTP protocol with TCP_NODELAY set on every connection.

With more than one worker, uvicorn binds the listening socket itself (``socket.socket(AF_INET,
SOCK_STREAM)``, protocol number 0) and hands it to the workers; asyncio sets TCP_NODELAY only on
sockets whose protocol number says TCP, so the accepted connections keep Nagle's algorithm. A
response written in two parts (head, then body) then waits for the client's delayed ACK: about 40
ms added to every request on a keep-alive connection (measured: 1.9 ms per request with one worker,
44 ms with two, for an app answering 2.5 kB). ``hearth serve`` and the benchmark's servers use this
protocol (``--http api.serving:NoDelayH11Protocol``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HTTP_PROTOCOL", "NoDelayH11Protocol", "set_nodelay"]

HTTP_PROTOCOL = "api.serving:NoDelayH11Protocol"


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn's own signature (asyncio's is BaseTransport)
        set_nodelay(transport)
        super().connection_made(transport)
