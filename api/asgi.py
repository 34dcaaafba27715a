"""The app factory uvicorn's workers import (``api.asgi:make_app``)."""

from __future__ import annotations

from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings

__all__ = ["make_app"]


def make_app() -> Starlette:
    settings = Settings()  # fresh: `hearth serve` set HEARTH_DATABASE_URL after start-up
    if not settings.database_url:
        raise RuntimeError("HEARTH_DATABASE_URL is not set; start Hearth with 'hearth serve'.")
    return create_app(settings, database_url=settings.database_url)
