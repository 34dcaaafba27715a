"""The signed-in caller, as every layer below the API sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID

from models.enums import AccessLevel, Duty, SystemRole

__all__ = ["Principal", "agency_domain"]

SYSTEM_DOMAIN = "*"


def agency_domain(agency_id: UUID | str) -> str:
    return f"agency:{agency_id}"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling and what they hold. ``memberships`` lists only agencies they may act in.

    A service account (``kind == "service"``) is a principal too: ``user_id`` is then the
    service account's id, ``username`` its name and ``client_id`` its OAuth2 client id; it has
    no session, memberships or duties, and ``service_agencies`` lists the agencies its role is
    held in (a CAN reporting account's CAN). Its casbin subject is ``service:<id>``.
    """

    user_id: UUID
    username: str
    kind: Literal["user", "service"] = "user"
    client_id: str | None = None
    service_agencies: frozenset[UUID] = frozenset()
    session_id: UUID | None = None
    auth_time: datetime | None = None
    mfa_at: datetime | None = None
    memberships: dict[UUID, AccessLevel] = field(default_factory=dict)
    duties: frozenset[tuple[UUID, Duty]] = frozenset()
    system_roles: frozenset[SystemRole] = frozenset()
    # Agencies the user belongs to but may not act in now, with the reason (policy 101).
    blocked_agencies: dict[UUID, str] = field(default_factory=dict)
    # Mandatory LMS courses not completed (policy 110).
    missing_training: tuple[str, ...] = ()
    # The End User Agreement version the user must sign before using Hearth (policy 401).
    missing_agreement: str | None = None
    # CANs whose records the user sees as backbone staff (policy 207 e).
    can_staff: frozenset[UUID] = frozenset()
    # The CAN of each agency the user is a member of (None: the agency is in no CAN), loaded with
    # the memberships so that working out the client scope needs no query of its own.
    agency_cans: dict[UUID, UUID | None] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        return f"{self.kind}:{self.user_id}"

    @property
    def agency_ids(self) -> frozenset[UUID]:
        return (
            frozenset(self.memberships)
            | {agency for agency, _ in self.duties}
            | self.service_agencies
        )

    def domains(self) -> list[str]:
        """Every casbin domain the principal may hold a role in: "*" first, then agencies."""
        return [SYSTEM_DOMAIN, *(agency_domain(a) for a in sorted(self.agency_ids, key=str))]
