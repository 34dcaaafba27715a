"""asyncpg internals: a pool whose acquire has a deadline but skips asyncpg's timer when a
connection is free.

With a timeout, ``Pool.acquire`` always waits through ``asyncio.wait_for`` (a task and a timer),
on every statement Tortoise sends outside a transaction. When the pool's queue holds a free
connection nobody waits, so :class:`DeadlinePool` takes it without the timer. It reads the pool's
queue (``Pool._queue``) and overrides ``Pool._acquire``: both private to asyncpg 0.30-0.32.
"""

from __future__ import annotations

from typing import Any

import asyncpg

import compat  # noqa: F401 (checks the installed versions)

__all__ = ["DeadlinePool"]


class DeadlinePool(asyncpg.Pool):  # type: ignore[misc]  # asyncpg ships no type information
    """An asyncpg pool whose every acquire has a deadline (``acquire_timeout`` seconds)."""

    acquire_timeout: float = 10.0

    def acquire(self, *, timeout: float | None = None) -> Any:
        return super().acquire(timeout=self.acquire_timeout if timeout is None else timeout)

    async def _acquire(self, timeout: float | None) -> Any:  # noqa: ASYNC109 (asyncpg's signature)
        if timeout is not None and not self._queue.empty():
            timeout = None
        proxy = await super()._acquire(timeout)
        # The caller's row-security settings (api.pgclient.HearthConnection), before the
        # connection is anyone's: a statement sent by a path that does not check them still runs
        # as the task that took the connection.
        hold = getattr(proxy, "hold_row_security", None)
        if hold is not None:
            try:
                await hold()
            except BaseException:
                await self.release(proxy)
                raise
        return proxy
