"""Per-request loaders for client data: access per client, and each child list filtered in SQL
to the rows the caller may see (own agency's rows, or a release naming the category)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from strawberry.dataloader import DataLoader
from tortoise.expressions import Q
from tortoise.models import Model

from authz.client_rows import visible_by_id
from authz.clients import ClientAccess, access_for
from models.clients import Client
from models.enums import ReleaseCategory

__all__ = ["access_loader", "prime_access", "rows_by_client", "rows_by_enrollment"]


def access_loader(context: Any) -> DataLoader[UUID, ClientAccess | None]:
    """The caller's access to clients by id (None: not visible), batched."""
    key = "client-access"
    if key not in context.loaders:

        async def load(ids: Sequence[UUID]) -> list[ClientAccess | None]:
            scope = await context.client_scope()
            clients = await visible_by_id(scope, list(ids))
            access = await access_for(scope, clients)
            return [access.get(i) for i in ids]

        context.loaders[key] = DataLoader(load_fn=load)
    return context.loaders[key]


def prime_access(context: Any, access: dict[UUID, ClientAccess]) -> None:
    loader = access_loader(context)
    for client_id, value in access.items():
        loader.prime(client_id, value)


def _group(rows: list[Any], column: str, ids: Sequence[UUID]) -> list[list[Any]]:
    grouped: dict[UUID, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, column)].append(row)
    return [grouped.get(i, []) for i in ids]


def rows_by_client(
    context: Any, model: type[Model], category: ReleaseCategory, order: tuple[str, ...]
) -> DataLoader[UUID, list[Any]]:
    """A client's rows of ``model`` the caller may see: their agencies' own, another agency's by
    that agency's release naming ``category``, the CAN's agencies' for backbone staff."""
    key = ("client-rows", model)
    if key not in context.loaders:

        async def load(ids: Sequence[UUID]) -> list[list[Any]]:
            accesses = await access_loader(context).load_many(list(ids))
            # Clients grouped by the agencies whose rows the caller sees: one condition per group.
            groups: dict[frozenset[UUID], list[UUID]] = defaultdict(list)
            for client_id, access in zip(ids, accesses, strict=True):
                if access is not None:
                    agencies = access.row_agencies(category)
                    if agencies:
                        groups[agencies].append(client_id)
            condition = Q(id=None)
            for agencies, clients in groups.items():
                condition |= Q(client_id__in=clients, agency_id__in=list(agencies))
            rows = list(await model.filter(condition).order_by(*order))
            return _group(rows, "client_id", ids)

        context.loaders[key] = DataLoader(load_fn=load)
    return context.loaders[key]


def rows_by_enrollment(
    context: Any, model: type[Model], order: tuple[str, ...]
) -> DataLoader[UUID, list[Any]]:
    """An enrollment's child rows (the enrollment itself was already found visible)."""
    key = ("enrollment-rows", model)
    if key not in context.loaders:

        async def load(ids: Sequence[UUID]) -> list[list[Any]]:
            rows = list(await model.filter(enrollment_id__in=list(ids)).order_by(*order))
            return _group(rows, "enrollment_id", ids)

        context.loaders[key] = DataLoader(load_fn=load)
    return context.loaders[key]


def clients_by_id(context: Any) -> DataLoader[UUID, Client | None]:
    key = ("id", Client)
    if key not in context.loaders:

        async def load(ids: Sequence[UUID]) -> list[Client | None]:
            rows = {c.id: c for c in await Client.filter(id__in=list(ids))}
            return [rows.get(i) for i in ids]

        context.loaders[key] = DataLoader(load_fn=load)
    return context.loaders[key]


def disabilities_loader(context: Any) -> DataLoader[tuple[UUID, UUID, UUID], list[Any]]:
    """Disabilities of an enrollment, keyed (enrollment, its agency, its client). Another agency's
    rows need its release naming HEALTH, or SUBSTANCE_USE for type 10 (42 CFR Part 2); backbone
    staff never see type 10."""
    from models.enrollments import Disability

    key = "disabilities"
    if key not in context.loaders:

        async def load(keys: Sequence[tuple[UUID, UUID, UUID]]) -> list[list[Any]]:
            accesses = await access_loader(context).load_many([k[2] for k in keys])
            health, part2 = [], []
            for (enrollment, agency, _), access in zip(keys, accesses, strict=True):
                if access is None:
                    continue
                if access.sees_row(agency, ReleaseCategory.HEALTH):
                    health.append(enrollment)
                if access.sees_row(agency, ReleaseCategory.SUBSTANCE_USE):
                    part2.append(enrollment)
            condition = Q(id=None)
            if health:
                condition |= Q(enrollment_id__in=health, disability_type__not=10)
            if part2:
                condition |= Q(enrollment_id__in=part2, disability_type=10)
            rows = list(await Disability.filter(condition).order_by("information_date", "id"))
            return _group(rows, "enrollment_id", [k[0] for k in keys])

        context.loaders[key] = DataLoader(load_fn=load)
    return context.loaders[key]
