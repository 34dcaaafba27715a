"""Client records under consent: search, records, releases, enrollments, notes, corrections."""

from __future__ import annotations

from schema.clients.mutations import ClientMutation
from schema.clients.queries import ClientQuery

__all__ = ["ClientMutation", "ClientQuery"]
