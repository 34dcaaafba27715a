"""The app factory uvicorn's workers import (``api.asgi:make_app``)."""

from __future__ import annotations

import logging
import sys

from starlette.applications import Starlette
from uvicorn.config import STARTUP_FAILURE

from api.app import create_app
from api.serving import StartupError
from api.settings import Settings

__all__ = ["make_app"]

log = logging.getLogger("hearth")


def make_app() -> Starlette:
    """The app for this worker. A failure is one logged line and uvicorn's start-up failure
    exit code, which stops the other workers (an exception would be restarted forever)."""
    try:
        settings = Settings()  # fresh: `hearth serve` set HEARTH_DATABASE_URL after start-up
        if not settings.database_url:
            raise StartupError("HEARTH_DATABASE_URL is not set; start Hearth with 'hearth serve'")
        return create_app(settings, database_url=settings.database_url)
    except Exception as error:
        log.error("start-up failed: %s", " ".join(f"{type(error).__name__}: {error}".split()))
        sys.exit(STARTUP_FAILURE)
