"""Tortoise's own migrations: apply the committed ones, detect drift, write new ones."""

from __future__ import annotations

import pkgutil
from typing import Any

from tortoise.context import TortoiseContext

from compat.tortoise_migrations import MigrationAutodetector, migrate
from services.progress import Progress, tell

__all__ = [
    "APPLIED_SQL",
    "MigrationFailed",
    "apply_migrations",
    "code_migrations",
    "pending_migrations",
    "pending_model_changes",
    "write_migrations",
]

# The migrations the database has applied (Tortoise's own record of them).
APPLIED_SQL = "SELECT name FROM tortoise_migrations WHERE app = 'hearth'"


def code_migrations() -> list[str]:
    """The committed migrations of this code, in order: the modules of ``migrations/``, named
    as Tortoise's loader names them (no import)."""
    import migrations

    return sorted(
        name
        for _, name, is_package in pkgutil.iter_modules(migrations.__path__)
        if not is_package and name[0] not in "_~"
    )


def pending_migrations(applied: list[str]) -> list[str]:
    """The code's migrations that ``applied`` (the database's record) lacks."""
    done = set(applied)
    return [name for name in code_migrations() if name not in done]


class MigrationFailed(Exception):
    """A migration stopped with an error; its transaction was rolled back, the ones before it
    stay applied."""


def _reason(error: BaseException) -> str:
    """PostgreSQL's own message for the failure (never its detail, which may quote row values),
    or the error's class."""
    import asyncpg

    current: BaseException | None = error
    while current is not None:
        if isinstance(current, asyncpg.PostgresError) and current.args:
            return str(current.args[0]).splitlines()[0]
        current = current.__cause__ or current.__context__
    return type(error).__name__


async def apply_migrations(
    config: dict[str, Any], *, progress: Progress | None = None, target: str | None = None
) -> None:
    """Bring the database to the latest committed migration (or to ``target``, ``hearth.NAME``);
    ``progress`` hears of each one applied (step ``migrations``). A migration that fails raises
    :class:`MigrationFailed`."""
    total = 0
    done = 0
    running: str | None = None

    def planned(connection: str, plan: list[Any], fake: bool, dry_run: bool) -> None:
        nonlocal total
        total += len(plan)
        tell(progress, "migrations", done, total)

    def stepped(event: str, app: str, name: str) -> None:
        nonlocal done, running
        if event == "apply_start":
            running = f"{app}.{name}"
        elif event == "apply_done":
            running = None
            done += 1
            tell(progress, "migrations", done, total)

    async with TortoiseContext():
        try:
            await migrate(
                config=config,
                target=target,
                reporter=planned if progress else None,
                progress=stepped,
            )
        except Exception as error:
            if running is None:
                raise  # not a migration's own failure (e.g. the database cannot be reached)
            raise MigrationFailed(f"migration {running} failed: {_reason(error)}") from error


async def _writers(config: dict[str, Any]) -> list[Any]:
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None  # init has made them
        detector = MigrationAutodetector(ctx.apps, config["apps"])
        return list(await detector.changes())


async def pending_model_changes(config: dict[str, Any]) -> list[str]:
    """Names of migrations the models need but ``migrations/`` lacks (empty: no drift)."""
    return [f"{w.app_label}.{w.name}" for w in await _writers(config)]


async def write_migrations(config: dict[str, Any]) -> list[str]:
    """Write a migration for every model change not yet in ``migrations/``."""
    written = []
    for writer in await _writers(config):
        written.append(str(writer.write()))
    return written
