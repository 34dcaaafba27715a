"""Build the Principal for a user: memberships, duties, roles and missing training, one query."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection

from authz.clients import row_security
from authz.principal import Principal
from models.enums import AccessLevel, AgencyStatus, Duty, SystemRole

__all__ = ["PRINCIPAL_STATEMENTS", "SessionRow", "load_principal", "load_session_principal"]

_PRINCIPAL_SQL = """
SELECT u.id, u.username, u.status,
  (SELECT coalesce(json_agg(json_build_object(
            'agency', m.agency_id, 'level', m.access_level, 'name', a.name, 'can', a.can_id,
            'status', a.status, 'mou', a.mou_signed_on IS NOT NULL,
            'granted', a.mou_access_levels ? m.access_level,
            'cleared', EXISTS (SELECT 1 FROM agency_clearance k WHERE k.agency_id = a.id))),
            '[]'::json)
     FROM membership m JOIN agency a ON a.id = m.agency_id WHERE m.user_id = u.id) AS memberships,
  (SELECT coalesce(json_agg(json_build_object(
            'agency', d.agency_id, 'duty', d.duty, 'status', a.status,
            'mou', a.mou_signed_on IS NOT NULL)), '[]'::json)
     FROM user_duty d JOIN agency a ON a.id = d.agency_id WHERE d.user_id = u.id) AS duties,
  (SELECT coalesce(array_agg(r.role::text), '{}') FROM system_role_grant r WHERE r.user_id = u.id)
     AS roles,
  (SELECT coalesce(array_agg(c.code::text ORDER BY c.code), '{}') FROM training_course c
    WHERE c.required_for ?| ARRAY(
            SELECT m.access_level::text FROM membership m WHERE m.user_id = u.id
            UNION SELECT d.duty::text FROM user_duty d WHERE d.user_id = u.id
            UNION SELECT g.role::text FROM system_role_grant g WHERE g.user_id = u.id)
      AND NOT EXISTS (SELECT 1 FROM training_completion t
                       WHERE t.user_id = u.id AND t.course_id = c.id)) AS missing_training,
  (SELECT coalesce(array_agg(s.can_id), '{}') FROM can_staff s JOIN can c ON c.id = s.can_id
     JOIN agency a ON a.id = c.backbone_agency_id
    WHERE s.user_id = u.id AND a.status = 'ACTIVE' AND a.mou_signed_on IS NOT NULL
      AND EXISTS (SELECT 1 FROM membership m WHERE m.user_id = u.id
                     AND m.agency_id = c.backbone_agency_id AND a.mou_access_levels ? m.access_level
                     AND m.access_level IN ('FULL', 'VIEW_ONLY'))
      AND EXISTS (SELECT 1 FROM agency_clearance k WHERE k.agency_id = a.id))
     AS can_staff,
  (SELECT e.version FROM (SELECT id, version FROM end_user_agreement
                           ORDER BY published_at DESC, version DESC LIMIT 1) e
    WHERE NOT EXISTS (SELECT 1 FROM agreement_signature g
                       WHERE g.user_id = u.id AND g.agreement_id = e.id)) AS missing_agreement
FROM hearth_user u WHERE u.id = $1
"""

# A bearer token's session and its user's principal in one statement (every request sends it).
_SESSION_PRINCIPAL_SQL = _PRINCIPAL_SQL.replace(
    "SELECT u.id, u.username, u.status,",
    "SELECT u.id, u.username, u.status, s.revoked_at AS session_revoked_at,"
    " s.expires_at AS session_expires_at, s.auth_time AS session_auth_time, s.mfa_at AS session_mfa_at,",
).replace(
    "FROM hearth_user u WHERE u.id = $1",
    "FROM hearth_user u JOIN session s ON s.user_id = u.id AND s.id = $2 WHERE u.id = $1",
)

# Read under row_security.unguarded_tables(): none of their tables may have row security
# (tests/security/test_row_security.py checks each table they name).
PRINCIPAL_STATEMENTS = (_PRINCIPAL_SQL, _SESSION_PRINCIPAL_SQL)


def _json(value: str | list[dict[str, object]] | None) -> list[dict[str, object]]:
    """A JSON array column, as asyncpg returns it (text, or already decoded)."""
    if isinstance(value, str):
        decoded: list[dict[str, object]] = json.loads(value)
        return decoded
    return list(value or [])


def _blocked_reason(row: dict[str, object]) -> str | None:
    if row["status"] != AgencyStatus.ACTIVE.value:
        return "The agency's HMIS access is not active."
    if not row["mou"]:
        return "The agency has no signed MOU with the Lead Agency (policy 101)."
    if row.get("granted") is False:
        return "The agency's MOU does not grant your access level (policy 101)."
    if row.get("cleared") is False:
        return (
            "The agency has not yet self-certified Exhibits A and B of its MOU as met (policy 210)."
        )
    return None


async def load_principal(
    user_id: UUID,
    *,
    session_id: UUID | None = None,
    auth_time: datetime | None = None,
    mfa_at: datetime | None = None,
) -> tuple[Principal, str] | None:
    """The principal for an existing user, with the user's status; None if there is no such user."""
    with row_security.unguarded_tables():
        rows = await get_connection("default").execute_query_dict(_PRINCIPAL_SQL, [user_id])
    if not rows:
        return None
    return _principal(rows[0], session_id=session_id, auth_time=auth_time, mfa_at=mfa_at)


@dataclass(frozen=True, slots=True)
class SessionRow:
    revoked_at: datetime | None
    expires_at: datetime
    auth_time: datetime
    mfa_at: datetime


async def load_session_principal(
    user_id: UUID, session_id: UUID
) -> tuple[Principal, str, SessionRow] | None:
    """A session of this user with the user's principal and status, in one statement; None if the
    user has no such session."""
    with row_security.unguarded_tables():
        rows = await get_connection("default").execute_query_dict(
            _SESSION_PRINCIPAL_SQL, [user_id, session_id]
        )
    if not rows:
        return None
    row = rows[0]
    session = SessionRow(
        row["session_revoked_at"],
        row["session_expires_at"],
        row["session_auth_time"],
        row["session_mfa_at"],
    )
    principal, status = _principal(
        row, session_id=session_id, auth_time=session.auth_time, mfa_at=session.mfa_at
    )
    return principal, status, session


def _principal(
    row: dict[str, Any],
    *,
    session_id: UUID | None,
    auth_time: datetime | None,
    mfa_at: datetime | None,
) -> tuple[Principal, str]:
    memberships: dict[UUID, AccessLevel] = {}
    agency_cans: dict[UUID, UUID | None] = {}
    blocked: dict[UUID, str] = {}
    for m in _json(row["memberships"]):
        agency = UUID(str(m["agency"]))
        agency_cans[agency] = UUID(str(m["can"])) if m.get("can") else None
        reason = _blocked_reason(m)
        if reason:
            blocked[agency] = reason
        else:
            memberships[agency] = AccessLevel(m["level"])
    duties = frozenset(
        (UUID(str(d["agency"])), Duty(d["duty"]))
        for d in _json(row["duties"])
        if _blocked_reason(d) is None
    )
    principal = Principal(
        user_id=row["id"],
        username=row["username"],
        session_id=session_id,
        auth_time=auth_time,
        mfa_at=mfa_at,
        memberships=memberships,
        duties=duties,
        system_roles=frozenset(SystemRole(r) for r in row["roles"]),
        blocked_agencies=blocked,
        missing_training=tuple(row["missing_training"]),
        missing_agreement=row["missing_agreement"],
        can_staff=frozenset(row["can_staff"]),
        agency_cans=agency_cans,
    )
    return principal, row["status"]
