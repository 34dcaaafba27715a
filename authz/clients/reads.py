"""Visible clients read with written-out SQL: by id, and in keyset pages with or without a count.

Every statement tests visibility row by row (:func:`authz.clients.visibility.visible_row_sql`)
and reads each client with the columns :func:`authz.clients.access.access_for` needs
(:func:`access_columns_sql`), so
that working out the caller's access sends no statement of its own. The statements are text made
of the model's column names, the scope's checked literals and ``$n`` parameters for everything a
caller typed: nothing is built through Tortoise's query builder on a request (a page cost about
0.7 ms of Python in PyPika), and rows become instances as Tortoise makes them
(:func:`compat.tortoise.from_row`).

A name search's candidates (the owner's function ``hearth_clients_named``) are walked in id
order, each tested as the walk reaches it, so that a page or a count up to a threshold (the
search page's ``totalCountAtLeast``, decision 185) stops testing at its LIMIT.

A page that is counted is one statement: the matches are collected once (``MATERIALIZED``, so
PostgreSQL finds them through the criteria's indexes, as a count does) and both the count and the
page are taken from them. Counted apart, PostgreSQL walked the same matches for the count and
again, along the primary key, for the page: about a quarter of the search's database time on the
benchmark data (docs/decisions.md 82).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection

from authz.clients.scope import ClientScope
from authz.clients.visibility import (
    HOLDERS_COLUMN,
    RELEASES_COLUMN,
    access_columns_sql,
    visible_row_sql,
)
from compat.tortoise import from_row
from models.clients import Client

__all__ = ["count_visible", "visible_by_id", "visible_page"]

_TOTAL_COLUMN = "hearth_page_total"


@functools.cache
def _client_columns() -> str:
    return ", ".join(f'"client"."{column}"' for column in Client._meta.db_fields)


def _select_list(scope: ClientScope, also: Mapping[str, str] | None = None) -> str:
    columns = _client_columns()
    if scope.read_agencies:
        holders, releases = access_columns_sql(scope)
        columns += f', {holders} AS "{HOLDERS_COLUMN}", {releases} AS "{RELEASES_COLUMN}"'
    for name, expression in (also or {}).items():
        columns += f', {expression} AS "{name}"'
    return columns


async def _read(
    scope: ClientScope, sql: str, params: Sequence[Any], also: Mapping[str, str] | None = None
) -> tuple[list[Client], Sequence[dict[str, Any]]]:
    _, rows = await get_connection("default").execute_query(sql, list(params))
    clients = []
    for row in rows:
        client = from_row(Client, row)
        if scope.read_agencies:
            object.__setattr__(client, HOLDERS_COLUMN, row[HOLDERS_COLUMN])
            object.__setattr__(client, RELEASES_COLUMN, row[RELEASES_COLUMN])
        for name in also or ():
            object.__setattr__(client, name, row[name])
        clients.append(client)
    return clients, rows


def _where(scope: ClientScope, identifying: bool, conditions: Sequence[str]) -> str:
    return " AND ".join([visible_row_sql(scope, identifying=identifying), *conditions])


async def visible_by_id(
    scope: ClientScope, ids: Sequence[UUID], *, also: Mapping[str, str] | None = None
) -> list[Client]:
    """The clients among ``ids`` the caller may see (in no particular order). ``also``: more
    columns to read with each visible client (name -> a SQL expression over the ``client`` row,
    made of declared names only), set on the instance under their names (the compiled path's
    lists, ``schema.compiled``)."""
    if scope.empty or not ids:
        return []
    where = _where(scope, False, ['"client"."id" = ANY($1::uuid[])'])
    sql = f'SELECT {_select_list(scope, also)} FROM "client" WHERE {where}'  # noqa: S608 (checked literals, parameters)
    clients, _ = await _read(scope, sql, [list(ids)], also)
    return clients


def _walk(
    scope: ClientScope,
    identifying: bool,
    conditions: Sequence[str],
    candidates: str | None,
    *,
    keyset: str | None,
    limit: str,
    walk: str | None = None,
) -> str:
    """The ids of the visible clients meeting ``conditions``, in id order, after ``keyset``
    (SQL, or None), at most ``limit`` (SQL). With ``candidates`` (SQL giving ids, such as the
    name search's function), the candidates are put in id order first and each is tested as the
    walk reaches it (``OFFSET 0`` keeps the order a plan of its own), so that the LIMIT stops
    the tests: a count that stops early costs what it counts, not every match (decision 185).
    ``walk``, when given, yields the candidates itself, lazily and in id order, after its
    ``{after}`` (SQL of a set-returning function in a select list, such as
    ``hearth_clients_named_from``): its rows are tested as they come, the LIMIT stopping the
    function too (decision 188); a nested loop over a select list keeps its order."""
    where = _where(scope, identifying, conditions)
    if walk is not None:
        source = walk.format(after=keyset or "NULL::uuid")
        return (
            f'SELECT "w"."id" FROM ({source}) AS "o"("id"), LATERAL (SELECT "client"."id"'  # noqa: S608
            f' FROM "client" WHERE "client"."id" = "o"."id" AND {where} OFFSET 0) AS "w"'
            f" LIMIT {limit}"
        )
    if candidates is None:
        after = f' AND "client"."id" > {keyset}' if keyset else ""
        return f'SELECT "client"."id" FROM "client" WHERE {where}{after} ORDER BY "client"."id" LIMIT {limit}'  # noqa: S608
    after = f' WHERE "o"."id" > {keyset}' if keyset else ""
    return (
        f'SELECT "client"."id" FROM (SELECT "o"."id" FROM ({candidates}) AS "o"("id"){after}'  # noqa: S608
        ' ORDER BY 1 OFFSET 0) AS "o" JOIN "client" ON "client"."id" = "o"."id"'
        f' WHERE {where} ORDER BY "o"."id" LIMIT {limit}'
    )


def _matching(conditions: Sequence[str], candidates: str | None) -> list[str]:
    """The conditions, the candidates among them (for statements that take every match)."""
    if candidates is None:
        return list(conditions)
    return [*conditions, f'"client"."id" IN ({candidates})']


async def count_visible(
    scope: ClientScope,
    *,
    identifying: bool,
    conditions: Sequence[str],
    params: Sequence[Any],
    candidates: str | None = None,
    up_to: int | None = None,
    walk: str | None = None,
) -> int:
    """How many clients the caller may see meet ``conditions`` (SQL over ``"client"`` with
    parameters ``$1`` ... for ``params``) and are among ``candidates``; with ``up_to``, counted
    up to ``up_to + 1`` at most (more than ``up_to``: the walk stops there)."""
    if scope.empty:
        return 0
    args = list(params)
    if up_to is None:
        where = _where(scope, identifying, _matching(conditions, candidates))
        sql = f'SELECT COUNT(*) FROM "client" WHERE {where}'  # noqa: S608
    else:
        args.append(up_to + 1)
        ids = _walk(
            scope,
            identifying,
            conditions,
            candidates,
            keyset=None,
            limit=f"${len(args)}",
            walk=walk,
        )
        sql = f'SELECT COUNT(*) FROM ({ids}) AS "m"'  # noqa: S608
    _, rows = await get_connection("default").execute_query(sql, args)
    return int(rows[0][0])


async def visible_page(
    scope: ClientScope,
    *,
    identifying: bool,
    conditions: Sequence[str],
    params: Sequence[Any],
    limit: int,
    after: UUID | None,
    count: bool,
    candidates: str | None = None,
    count_up_to: int | None = None,
    walk: str | None = None,
) -> tuple[list[Client], int]:
    """Up to ``limit`` visible clients meeting ``conditions`` and among ``candidates`` (as
    :func:`count_visible`), by id, after the client ``after``; and how many match in all when
    ``count`` (else -1): exactly, or with ``count_up_to`` up to ``count_up_to + 1`` (a total
    above ``count_up_to`` means "more than ``count_up_to``"), which costs the database what it
    counts rather than every match. ``walk``: the candidates as a lazy walk (:func:`_walk`),
    for the page and the capped count (the exact count takes ``candidates``)."""
    if scope.empty:
        return [], 0 if count else -1
    args = list(params)
    keyset = None
    if after is not None:
        args.append(after)
        keyset = f"${len(args)}::uuid"
    args.append(limit)
    limit_arg = f"${len(args)}"
    columns = _select_list(scope)
    if not count:
        ids = _walk(
            scope, identifying, conditions, candidates, keyset=keyset, limit=limit_arg, walk=walk
        )
        sql = (
            f'SELECT {columns} FROM "client" WHERE "client"."id" IN ({ids}) ORDER BY "client"."id"'  # noqa: S608
        )
        clients, _ = await _read(scope, sql, args)
        return clients, -1
    if count_up_to is None:
        where = _where(scope, identifying, _matching(conditions, candidates))
        after_sql = f' WHERE "m"."id" > {keyset}' if keyset else ""
        matches = f'SELECT "client"."id" FROM "client" WHERE {where}'  # noqa: S608
        page_ids = f'SELECT "m"."id" FROM "m"{after_sql} ORDER BY "m"."id" LIMIT {limit_arg}'  # noqa: S608
    else:
        args.append(count_up_to + 1)
        matches = _walk(
            scope,
            identifying,
            conditions,
            candidates,
            keyset=None,
            limit=f"${len(args)}",
            walk=walk,
        )
        if keyset is None and limit <= count_up_to + 1:
            # the first page is the first of the counted matches
            page_ids = f'SELECT "m"."id" FROM "m" ORDER BY "m"."id" LIMIT {limit_arg}'  # noqa: S608
        else:
            page_ids = _walk(
                scope,
                identifying,
                conditions,
                candidates,
                keyset=keyset,
                limit=limit_arg,
                walk=walk,
            )
    sql = (
        f'WITH "m" AS MATERIALIZED ({matches}) '  # noqa: S608
        f'SELECT {columns}, (SELECT COUNT(*) FROM "m") AS "{_TOTAL_COLUMN}" FROM "client" '
        f'WHERE "client"."id" IN ({page_ids}) ORDER BY "client"."id"'
    )
    clients, rows = await _read(scope, sql, args)
    if rows:
        return clients, int(rows[0][_TOTAL_COLUMN])
    if after is None:
        return [], 0
    # a cursor past the last match: no row to carry the total
    return [], await count_visible(
        scope,
        identifying=identifying,
        conditions=conditions,
        params=params,
        candidates=candidates,
        up_to=count_up_to,
        walk=walk,
    )
