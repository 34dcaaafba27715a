"""An app whose start-up fails, for the tests of ``hearth serve``'s workers (test_startup)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette


@asynccontextmanager
async def _lifespan(_: Starlette) -> AsyncIterator[None]:
    raise RuntimeError("the database said no")
    yield  # an async generator, as a lifespan is


def make() -> Starlette:
    return Starlette(lifespan=_lifespan)
