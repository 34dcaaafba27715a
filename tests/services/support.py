"""Helpers for service-level tests: a user's casbin decisions, as a request would have them."""

from __future__ import annotations

from authz.enforcer import Decisions, current_authorizer
from models.users import User
from services.principals import load_principal


async def decisions_for(user: User) -> Decisions:
    loaded = await load_principal(user.id)
    assert loaded is not None
    return Decisions(current_authorizer(), loaded[0])
