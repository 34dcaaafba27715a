"""Decorators for root fields: each declares its permission, and its description says which.

Every root field also checks the text and decimals it is sent (``schema.input_checks``), after
the permission check; ``batch=True`` leaves a list argument's items to the service, so that one
bad item fails alone.
"""

from __future__ import annotations

from typing import Any

import strawberry

from schema.input_checks import InputChecks
from schema.permissions import HearthPermission, guard

__all__ = ["mutation", "query"]


def query(permission: HearthPermission, *, description: str, **kwargs: Any) -> Any:
    return strawberry.field(
        description=f"{description} Permission: {permission.describe()}",
        # strawberry runs the last extension first: the permission, then the checks
        extensions=[InputChecks(), *guard(permission)],
        **kwargs,
    )


def mutation(
    permission: HearthPermission, *, description: str, batch: bool = False, **kwargs: Any
) -> Any:
    return strawberry.mutation(
        description=f"{description} Permission: {permission.describe()}",
        extensions=[InputChecks(batch=batch), *guard(permission)],
        **kwargs,
    )
