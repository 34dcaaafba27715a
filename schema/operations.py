"""Decorators for root fields: each declares its permission, and its description says which."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.permissions import HearthPermission, guard

__all__ = ["mutation", "query"]


def query(permission: HearthPermission, *, description: str, **kwargs: Any) -> Any:
    return strawberry.field(
        description=f"{description} Permission: {permission.describe()}",
        extensions=guard(permission),
        **kwargs,
    )


def mutation(permission: HearthPermission, *, description: str, **kwargs: Any) -> Any:
    return strawberry.mutation(
        description=f"{description} Permission: {permission.describe()}",
        extensions=guard(permission),
        **kwargs,
    )
