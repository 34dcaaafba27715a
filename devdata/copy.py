"""The COPY writer: rows built as dicts keyed by column, written with PostgreSQL COPY.

A table's columns come from its model's ``_meta``, so a column added to a model with a default
(or nullable) needs nothing here or in the generator: a row that leaves a column out gets the
model field's default, or NULL. A required column left out fails the COPY (NOT NULL), and a key
that names no column fails at once. A sealed column (``models.sealed``) takes text in the row and
is sealed here, as the field would seal it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.models import Model

from api.db import MODEL_MODULES
from models.sealed import SealedCharField

__all__ = ["Bulk", "Table", "copy_rows", "table"]


@dataclass(frozen=True, slots=True, eq=False)
class Table:
    """How one model's rows go into COPY: the columns (generated ones left to the database) and
    the value a row that omits a column gets."""

    name: str
    columns: tuple[str, ...]
    # every column's default as the database takes it (None: NULL, or a required column)
    defaults: dict[str, Any]
    # columns whose default is made anew for each row (a callable default, e.g. ``list``)
    factories: tuple[tuple[str, Callable[[], Any]], ...]
    known: frozenset[str]
    pick: Callable[[dict[str, Any]], tuple[Any, ...]]
    # columns whose text is sealed on the way in
    sealed: tuple[tuple[str, SealedCharField], ...] = ()

    def record(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """``row`` as a COPY record, in ``columns`` order."""
        if not self.known.issuperset(row):
            raise KeyError(f"{self.name} has no column {sorted(set(row) - self.known)}")
        full = self.defaults | row
        for column, make in self.factories:
            if column not in row:
                full[column] = make()
        for column, field in self.sealed:
            full[column] = field.to_db_value(full[column], None)
        return self.pick(full)


def _factory(field: Any) -> Callable[[], Any]:
    return lambda: field.to_db_value(field.default(), None)


@functools.cache
def _relations_ready() -> None:
    """Tortoise adds each foreign key's ``<name>_id`` column to ``_meta`` when it initialises the
    models' relations, which the app does on start-up but the command line's seed never does.
    Models already initialised are left as they are."""
    with TortoiseContext():
        Tortoise.init_models(MODEL_MODULES, "hearth")


@functools.cache
def table(model: type[Model]) -> Table:
    """The COPY layout of ``model``'s table."""
    _relations_ready()
    meta = model._meta
    generated = set(meta.generated_db_fields)
    columns: list[str] = []
    defaults: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    sealed: list[tuple[str, SealedCharField]] = []
    for name, column in meta.fields_db_projection.items():
        if column in generated:
            continue
        field = meta.fields_map[name]
        columns.append(column)
        if isinstance(field, SealedCharField):
            sealed.append((column, field))
        default = field.default
        if callable(default):
            factories.append((column, _factory(field)))
            defaults[column] = None
        else:
            defaults[column] = None if default is None else field.to_db_value(default, None)
    getter = itemgetter(*columns)
    pick = getter if len(columns) > 1 else lambda row: (getter(row),)
    return Table(
        name=meta.db_table,
        columns=tuple(columns),
        defaults=defaults,
        factories=tuple(factories),
        known=frozenset(columns),
        pick=pick,
        sealed=tuple(sealed),
    )


async def copy_rows(
    conn: asyncpg.Connection, model: type[Model], rows: Iterable[dict[str, Any]]
) -> int:
    """COPY ``rows`` into ``model``'s table; how many."""
    spec = table(model)
    records = [spec.record(row) for row in rows]
    if records:
        await conn.copy_records_to_table(spec.name, records=records, columns=spec.columns)
    return len(records)


class Bulk:
    """Row buffers per table, handed over in batches to one COPY task, which writes each batch's
    tables in ``order`` (parents first: foreign keys are checked row by row during COPY).
    Generating the next batch (Python) overlaps with PostgreSQL loading the last one; at most two
    batches wait, so memory stays bounded."""

    def __init__(self, conn: asyncpg.Connection, batch: int, order: Sequence[type[Model]]) -> None:
        self.conn = conn
        self.batch = batch
        self.specs = {model: table(model) for model in order}
        self.rows: dict[Table, list[tuple[Any, ...]]] = {t: [] for t in self.specs.values()}
        self.counts: dict[str, int] = {t.name: 0 for t in self.specs.values()}
        self.pending = 0
        self.queue: asyncio.Queue[dict[Table, list[tuple[Any, ...]]]] = asyncio.Queue(maxsize=2)
        self.worker: asyncio.Task[None] | None = None

    def add(self, model: type[Model], row: dict[str, Any]) -> None:
        """Buffer ``row``, converted at once: the dicts of a whole batch, kept until its COPY,
        would cost the garbage collector more than the conversion."""
        spec = self.specs[model]
        self.rows[spec].append(spec.record(row))
        self.pending += 1

    async def _copy(self) -> None:
        while True:
            batch = await self.queue.get()
            try:
                for spec, records in batch.items():
                    if records:
                        await self.conn.copy_records_to_table(
                            spec.name, records=records, columns=spec.columns
                        )
                        self.counts[spec.name] += len(records)
            finally:
                self.queue.task_done()

    async def _until(self, awaitable: Awaitable[Any]) -> None:
        """Await ``awaitable`` unless the COPY task fails first (then raise its error)."""
        assert self.worker is not None
        waiting = asyncio.ensure_future(awaitable)
        done, _ = await asyncio.wait({waiting, self.worker}, return_when=asyncio.FIRST_COMPLETED)
        if self.worker in done:
            waiting.cancel()
            self.worker.result()
            raise RuntimeError("the COPY task stopped")
        waiting.result()

    async def tick(self) -> None:
        """Let the COPY task send data while the generator works."""
        if self.worker is not None:
            await asyncio.sleep(0)

    async def maybe_flush(self) -> bool:
        if self.pending < self.batch:
            return False
        await self.flush()
        return True

    async def flush(self) -> None:
        if self.worker is None:
            self.worker = asyncio.get_running_loop().create_task(self._copy())
        batch, self.pending = self.rows, 0
        self.rows = {t: [] for t in self.specs.values()}
        await self._until(self.queue.put(batch))

    async def finish(self) -> None:
        """Flush what is left and wait until PostgreSQL has every row."""
        await self.flush()
        try:
            await self._until(self.queue.join())
        finally:
            await self.close()

    async def close(self) -> None:
        if self.worker is not None and not self.worker.done():
            self.worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.worker
