"""The bare stack: stock strawberry + starlette + asyncpg answering the benchmark's queries with
the same data SQL Hearth sends, and nothing else (no auth, no consent, no masking, no audit).

The statements come from a plan file (``HEARTH_BENCH_PLAN``) that ``bench.run`` writes after
capturing what Hearth sent for the same query: the page of clients (and its count), the enrollments of
the page, the record's releases and notes; each statement is replayed with the captured
arguments (the benchmark asks the same page every time). Stock means stock: one pool call per
statement, DataLoaders for the nested lists, strawberry's default field resolution, no GC
tuning. It connects as the login of its URL (the tables' owner), which row-level security does
not bind; each connection is given the caller's row-security settings Hearth's session held
(the plan's ``settings``), which the name search's function reads to find the caller's clients
(decision 97), as startup settings (they outlast the pool's ``RESET ALL`` on release), so
nothing is sent for them per request. Served by uvicorn with the same worker count as
Hearth::

    HEARTH_BENCH_PLAN=plan.pickle HEARTH_BENCH_DATABASE_URL=postgres://... \\
        uvicorn bench.bare:make_app --factory --workers 2
"""

from __future__ import annotations

import datetime
import os
import pickle
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import strawberry
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader
from strawberry.types import Info

__all__ = ["make_app"]


@strawberry.type
class Enrollment:
    id: strawberry.ID
    entry_date: datetime.date
    relationship_to_hoh: int = strawberry.field(name="relationshipToHoH")
    disabling_condition: int
    household_id: str


@strawberry.type
class Release:
    id: strawberry.ID
    scope: str
    starts_on: datetime.date
    expires_on: datetime.date
    kind: str
    recorded_at: datetime.datetime


@strawberry.type
class CaseNote:
    id: strawberry.ID
    created_at: datetime.datetime
    text: str | None


CLIENT_COLUMNS = (
    "id",
    "first_name",
    "middle_name",
    "last_name",
    "dob",
    "ssn_last_four",
    "veteran_status",
    "name_data_quality",
    "version",
    "phone",
    "city",
    "state",
    "zip_code",
)


@strawberry.type
class Client:
    id: strawberry.ID
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    dob: datetime.date | None
    ssn_last_four: str | None
    veteran_status: int | None
    name_data_quality: int
    version: int
    phone: str | None
    city: str | None
    state: str | None
    zip_code: str | None

    @strawberry.field
    async def enrollments(self, info: Info) -> list[Enrollment]:
        return await info.context["loaders"]("enrollment", Enrollment).load(self.id)

    @strawberry.field
    async def releases(self, info: Info) -> list[Release]:
        return await info.context["loaders"]("release_of_information", Release).load(self.id)

    @strawberry.field
    async def case_notes(self, info: Info) -> list[CaseNote]:
        return await info.context["loaders"]("case_note", CaseNote).load(self.id)


# Hearth's search count stops at 100 (services.clients.SEARCH_COUNT_UP_TO, decision 185): the
# page's total is then 101, shown as 100 and "more".
_UP_TO = 100


@strawberry.type
class ClientConnection:
    total_count: int
    nodes: list[Client]

    @strawberry.field
    def total_count_at_least(self) -> int:
        return min(self.total_count, _UP_TO)

    @strawberry.field
    def total_count_is_exact(self) -> bool:
        return self.total_count <= _UP_TO


@strawberry.input
class ClientSearchInput:
    name: str | None = None


def _client(row: asyncpg.Record) -> Client:
    return Client(**{name: row[name] for name in CLIENT_COLUMNS})


def _row(kind: type, row: asyncpg.Record) -> Any:
    names = kind.__strawberry_definition__.fields  # type: ignore[attr-defined]
    return kind(**{f.python_name: row[f.python_name] for f in names})


@strawberry.type
class Query:
    @strawberry.field
    async def clients(
        self, info: Info, search: ClientSearchInput, first: int = 20
    ) -> ClientConnection:
        plan, pool = info.context["plan"]["search"], info.context["pool"]
        rows = await pool.fetch(*plan["page"])
        if "count" in plan:  # Hearth counted apart
            total = await pool.fetchval(*plan["count"])
        else:  # the total came with the page (COUNT(*) OVER ())
            total = rows[0]["hearth_page_total"] if rows else 0
        return ClientConnection(total_count=total, nodes=[_client(r) for r in rows[:first]])

    @strawberry.field
    async def client(self, info: Info, id: strawberry.ID) -> Client:
        plan, pool = info.context["plan"]["record"], info.context["pool"]
        return _client(await pool.fetchrow(*plan["client"]))


def _loaders(plan: dict[str, Any], pool: asyncpg.Pool) -> Any:
    made: dict[str, DataLoader[Any, Any]] = {}

    def get(table: str, kind: type) -> DataLoader[Any, Any]:
        if table not in made:

            async def load(ids: Sequence[Any]) -> list[list[Any]]:
                grouped: dict[Any, list[Any]] = defaultdict(list)
                for row in await pool.fetch(*plan[table]):
                    grouped[str(row["client_id"])].append(_row(kind, row))
                return [grouped.get(str(i), []) for i in ids]

            made[table] = DataLoader(load_fn=load)
        return made[table]

    return get


class BareGraphQL(GraphQL):
    plans: dict[str, Any]
    pool: asyncpg.Pool

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        operation = "record" if b"client(id" in (await request.body()) else "search"
        plan = self.plans[operation]
        return {"plan": self.plans, "pool": self.pool, "loaders": _loaders(plan, self.pool)}


_SETTING = re.compile(r"set_config\('([^']+)', \$(\d+)")


def _startup_settings(plan: dict[str, Any]) -> dict[str, str]:
    """The row-security settings of the plan's captured ``set_config`` statement, by name."""
    if "settings" not in plan:
        return {}
    sql, *args = plan["settings"]
    return {name: str(args[int(n) - 1]) for name, n in _SETTING.findall(sql)}


def make_app() -> Starlette:
    plans = pickle.loads(Path(os.environ["HEARTH_BENCH_PLAN"]).read_bytes())  # noqa: S301 (written by bench.run)
    url = os.environ["HEARTH_BENCH_DATABASE_URL"]
    view = BareGraphQL(strawberry.Schema(query=Query))
    view.plans = plans

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        view.pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=int(os.environ.get("HEARTH_DB_POOL_MAX", "10")),
            server_settings=_startup_settings(plans["search"]),
        )
        try:
            yield
        finally:
            await view.pool.close()

    async def health(_: Any) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/graphql", view, methods=["POST"]), Route("/healthz", health)],
        lifespan=lifespan,
    )
