"""The caller of a service: who is asking (their principal and decisions), when, and where.

Resolvers, the CLI and scheduled jobs build one ``Caller`` per request or command and hand it to
every service they call, so that every rule in one request sees the same instant, the same
local date and the same client-data scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from authz.clients import ClientScope, client_scope, row_security
from authz.enforcer import Decisions
from authz.principal import Principal

__all__ = ["CONNECTICUT", "Caller"]

CONNECTICUT = ZoneInfo("America/New_York")


@dataclass(slots=True)
class Caller:
    """Who calls a service and when. ``now`` is one instant per request; ``today`` is the date
    in Connecticut (release expiry, note dates and deadlines are local dates)."""

    decisions: Decisions
    now: datetime
    timezone: ZoneInfo = CONNECTICUT
    _scope: ClientScope | None = field(default=None, repr=False)

    @property
    def principal(self) -> Principal:
        return self.decisions.principal

    @property
    def today(self) -> date:
        return self.now.astimezone(self.timezone).date()

    async def client_scope(self) -> ClientScope:
        """The caller's client-data scope (agencies, CANs), worked out once."""
        if self._scope is None:
            self._scope = await client_scope(self.decisions, self.today)
            # PostgreSQL's row-level security now knows the request's caller (decision 97).
            row_security.fill(self._scope)
        return self._scope
