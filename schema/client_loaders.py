"""Per-request loaders for client data: access per client, and each table of a client's records
filtered in SQL to the rows the caller may see, as the client-data policy decides
(``authz.clients``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from authz.clients import (
    ClientAccess,
    access_for,
    client_rows,
    enrollment_rows,
    mask_record,
    visible_by_id,
)
from models.clients import Client
from schema.context import Context

__all__ = [
    "access_loader",
    "client_loader",
    "prime_access",
    "prime_clients",
    "rows_by_client",
    "rows_by_enrollment",
]

# An enrollment's rows are asked for with the enrollment, its agency and its client.
EnrollmentKey = tuple[UUID, UUID, UUID]
_M = TypeVar("_M", bound=Model)


def access_loader(context: Context) -> DataLoader[UUID, ClientAccess | None]:
    """The caller's access to clients by id (None: not visible), batched."""
    key = "client-access"
    if key not in context.loaders:

        async def load(ids: Sequence[UUID]) -> list[ClientAccess | None]:
            found = await _visible(context, ids)
            return [found[i][1] if i in found else None for i in ids]

        context.loaders[key] = DataLoader(load_fn=load)
    loader: DataLoader[UUID, ClientAccess | None] = context.loaders[key]
    return loader


def client_loader(context: Context) -> DataLoader[UUID, tuple[Client, ClientAccess] | None]:
    """Clients by id with the caller's access (None: not visible), batched: the same statement
    as :func:`access_loader`'s, and each primes the other."""
    key = "visible-client"
    if key not in context.loaders:

        async def load(ids: Sequence[UUID]) -> list[tuple[Client, ClientAccess] | None]:
            found = await _visible(context, ids)
            return [found.get(i) for i in ids]

        context.loaders[key] = DataLoader(load_fn=load)
    loader: DataLoader[UUID, tuple[Client, ClientAccess] | None] = context.loaders[key]
    return loader


async def _visible(
    context: Context, ids: Sequence[UUID]
) -> dict[UUID, tuple[Client, ClientAccess]]:
    """The visible clients among ``ids`` with the caller's access, primed in both loaders."""
    scope = await context.client_scope()
    clients = await visible_by_id(scope, list(ids))
    access = await access_for(scope, clients)
    found = {client.id: (client, access[client.id]) for client in clients}
    prime_clients(context, found, missing=ids)
    return found


def prime_access(context: Context, access: dict[UUID, ClientAccess]) -> None:
    loader = access_loader(context)
    for client_id, value in access.items():
        loader.prime(client_id, value)


def prime_clients(
    context: Context,
    clients: dict[UUID, tuple[Client, ClientAccess]],
    missing: Sequence[UUID] = (),
) -> None:
    """Clients read with the caller's access (and ``missing``: ids found not visible), for both
    loaders: a field that asks for them again sends no statement."""
    by_client = client_loader(context)
    by_access = access_loader(context)
    for client_id in missing:
        if client_id not in clients:
            by_client.prime(client_id, None)
            by_access.prime(client_id, None)
    for client_id, (client, access) in clients.items():
        by_client.prime(client_id, (client, access))
        by_access.prime(client_id, access)


def _group(rows: list[_M], column: str, ids: Sequence[UUID]) -> list[list[_M]]:
    grouped: dict[UUID, list[_M]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, column)].append(row)
    return [grouped.get(i, []) for i in ids]


def rows_by_client(
    context: Context, model: type[_M], order: tuple[str, ...]
) -> DataLoader[UUID, list[_M]]:
    """A client's rows of ``model`` (a table with the client and the writing agency on each
    row) that the caller may see."""
    key = ("client-rows", model)
    if key not in context.loaders:

        async def load(ids: Sequence[UUID]) -> list[list[_M]]:
            accesses = await access_loader(context).load_many(list(ids))
            condition = client_rows(model, dict(zip(ids, accesses, strict=True)))
            rows = list(await model.filter(condition).order_by(*order))
            return _group(rows, "client_id", ids)

        context.loaders[key] = DataLoader(load_fn=load)
    loader: DataLoader[UUID, list[_M]] = context.loaders[key]
    return loader


def rows_by_enrollment(
    context: Context, model: type[_M], order: tuple[str, ...]
) -> DataLoader[EnrollmentKey, list[_M]]:
    """An enrollment's rows of ``model`` that the caller may see, keyed (enrollment, its agency,
    its client), each element the caller may not see set to None (an exit's DOMESTIC_VIOLENCE
    elements, an income record's HEALTH ones: ``authz.clients.mask_record``)."""
    key = ("enrollment-rows", model)
    if key not in context.loaders:

        async def load(keys: Sequence[EnrollmentKey]) -> list[list[_M]]:
            accesses = await access_loader(context).load_many([k[2] for k in keys])
            seen = [
                (enrollment, agency, access)
                for (enrollment, agency, _), access in zip(keys, accesses, strict=True)
            ]
            rows = list(await model.filter(enrollment_rows(model, seen)).order_by(*order))
            writer = {enrollment: (agency, access) for enrollment, agency, access in seen}
            for row in rows:
                agency, access = writer[row.enrollment_id]  # type: ignore[attr-defined]
                mask_record(row, access=access, agency_id=agency)
            return _group(rows, "enrollment_id", [k[0] for k in keys])

        context.loaders[key] = DataLoader(load_fn=load)
    loader: DataLoader[EnrollmentKey, list[_M]] = context.loaders[key]
    return loader
