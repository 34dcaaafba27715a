"""Build the Principal for a user: memberships, duties, roles and missing training, one query."""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

from tortoise.connection import get_connection

from authz.principal import Principal
from models.enums import AccessLevel, AgencyStatus, Duty, SystemRole

__all__ = ["load_principal"]

_PRINCIPAL_SQL = """
SELECT u.id, u.username, u.status,
  (SELECT coalesce(json_agg(json_build_object(
            'agency', m.agency_id, 'level', m.access_level, 'name', a.name,
            'status', a.status, 'mou', a.mou_signed_on IS NOT NULL,
            'granted', a.mou_access_levels ? m.access_level)), '[]'::json)
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
            UNION SELECT d.duty::text FROM user_duty d WHERE d.user_id = u.id)
      AND NOT EXISTS (SELECT 1 FROM training_completion t
                       WHERE t.user_id = u.id AND t.course_id = c.id)) AS missing_training,
  (SELECT coalesce(array_agg(s.can_id), '{}') FROM can_staff s JOIN can c ON c.id = s.can_id
     JOIN agency a ON a.id = c.backbone_agency_id
    WHERE s.user_id = u.id AND a.status = 'ACTIVE' AND a.mou_signed_on IS NOT NULL
      AND EXISTS (SELECT 1 FROM membership m WHERE m.user_id = u.id
                     AND m.agency_id = c.backbone_agency_id AND a.mou_access_levels ? m.access_level
                     AND m.access_level IN ('FULL', 'VIEW_ONLY')))
     AS can_staff
FROM hearth_user u WHERE u.id = $1
"""


def _json(value: object) -> list[dict[str, object]]:
    return json.loads(value) if isinstance(value, str) else list(value or [])  # type: ignore[arg-type]


def _blocked_reason(row: dict[str, object]) -> str | None:
    if row["status"] != AgencyStatus.ACTIVE.value:
        return "The agency's HMIS access is not active."
    if not row["mou"]:
        return "The agency has no signed MOU with the Lead Agency (policy 101)."
    if row.get("granted") is False:
        return "The agency's MOU does not grant your access level (policy 101)."
    return None


async def load_principal(
    user_id: UUID,
    *,
    session_id: UUID | None = None,
    auth_time: datetime | None = None,
    mfa_at: datetime | None = None,
) -> tuple[Principal, str] | None:
    """The principal for an existing user, with the user's status; None if there is no such user."""
    rows = await get_connection("default").execute_query_dict(_PRINCIPAL_SQL, [user_id])
    if not rows:
        return None
    row = rows[0]
    memberships: dict[UUID, AccessLevel] = {}
    blocked: dict[UUID, str] = {}
    for m in _json(row["memberships"]):
        agency = UUID(str(m["agency"]))
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
        can_staff=frozenset(row["can_staff"]),
    )
    return principal, row["status"]
