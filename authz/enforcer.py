"""The casbin enforcer: policies.csv for permissions, the database for role assignments.

Role assignments change at run time (access approved, duty assigned, MOU recorded, user
deactivated). The process that makes the change reloads at once; every other process hears of it
through PostgreSQL ``NOTIFY hearth_authz`` and reloads too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import casbin
from casbin.util.builtin_operators import key_match
from tortoise.connection import get_connection

from authz.principal import SYSTEM_DOMAIN, Principal, agency_domain
from authz.resources import (
    Action,
    Resource,
    Role,
    role_for_duty,
    role_for_level,
    role_for_service,
    role_for_system,
)
from models.enums import AccessLevel, Duty, ServiceRole, SystemRole

__all__ = [
    "CHANNEL",
    "MODEL_PATH",
    "POLICY_PATH",
    "Authorizer",
    "Decisions",
    "current_authorizer",
    "notify_change",
    "set_current_authorizer",
]

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("model.conf")
POLICY_PATH = Path(__file__).resolve().parent.parent / "policies.csv"
CHANNEL = "hearth_authz"
# Decisions memoised per process between reloads (cleared whole past this many).
DECISION_CACHE_SIZE = 100_000

# One statement for every role assignment in force. A membership or duty counts only while the
# user is active and the agency is active with a signed MOU that grants the level (policy 101);
# an access level, CAN backbone staff and a CAN reporting account only once the agency's
# first-time access is cleared by certifying Exhibits A and B (policy 210; the HDC's and the
# Security Coordinator's duties count before, so that they can certify).
# Service accounts until revoked: VENDOR_SYNC system-wide, CAN_REPORTING in each agency of its CAN
# that is active with a signed MOU.
_ASSIGNMENTS_SQL = """
SELECT m.user_id::text AS user_id, 'level' AS kind, m.access_level AS name,
       m.agency_id::text AS agency
  FROM membership m JOIN hearth_user u ON u.id = m.user_id JOIN agency a ON a.id = m.agency_id
 WHERE u.status = 'ACTIVE' AND a.status = 'ACTIVE' AND a.mou_signed_on IS NOT NULL
   AND a.mou_access_levels ? m.access_level
   AND EXISTS (SELECT 1 FROM agency_clearance k WHERE k.agency_id = a.id)
UNION ALL
SELECT d.user_id::text, 'duty', d.duty, d.agency_id::text
  FROM user_duty d JOIN hearth_user u ON u.id = d.user_id JOIN agency a ON a.id = d.agency_id
 WHERE u.status = 'ACTIVE' AND a.status = 'ACTIVE' AND a.mou_signed_on IS NOT NULL
UNION ALL
SELECT s.user_id::text, 'can', 'CAN_BACKBONE', c.backbone_agency_id::text
  FROM can_staff s JOIN can c ON c.id = s.can_id JOIN hearth_user u ON u.id = s.user_id
  JOIN agency a ON a.id = c.backbone_agency_id
 WHERE u.status = 'ACTIVE' AND a.status = 'ACTIVE' AND a.mou_signed_on IS NOT NULL
   AND EXISTS (SELECT 1 FROM membership m
                WHERE m.user_id = s.user_id AND m.agency_id = c.backbone_agency_id
                  AND m.access_level IN ('FULL', 'VIEW_ONLY')
                  AND a.mou_access_levels ? m.access_level)
   AND EXISTS (SELECT 1 FROM agency_clearance k WHERE k.agency_id = a.id)
UNION ALL
SELECT r.user_id::text, 'system', r.role, NULL
  FROM system_role_grant r JOIN hearth_user u ON u.id = r.user_id
 WHERE u.status = 'ACTIVE'
UNION ALL
SELECT s.id::text, 'service', s.role, NULL
  FROM service_account s
 WHERE s.revoked_at IS NULL AND s.role = 'VENDOR_SYNC'
UNION ALL
SELECT s.id::text, 'service', s.role, a.id::text
  FROM service_account s JOIN agency a ON a.can_id = s.can_id
 WHERE s.revoked_at IS NULL AND s.role = 'CAN_REPORTING'
   AND a.status = 'ACTIVE' AND a.mou_signed_on IS NOT NULL
   AND EXISTS (SELECT 1 FROM agency_clearance k WHERE k.agency_id = a.id)
"""


def grouping_lines(rows: list[dict[str, Any]]) -> list[list[str]]:
    """Casbin g lines from assignment rows."""
    lines = []
    for row in rows:
        subject = f"user:{row['user_id']}"
        if row["kind"] == "service":
            role = role_for_service(ServiceRole(row["name"])).value
            domain = agency_domain(row["agency"]) if row["agency"] else SYSTEM_DOMAIN
            lines.append([f"service:{row['user_id']}", role, domain])
        elif row["kind"] == "level":
            lines.append(
                [
                    subject,
                    role_for_level(AccessLevel(row["name"])).value,
                    agency_domain(row["agency"]),
                ]
            )
        elif row["kind"] == "can":
            lines.append([subject, Role.CAN_BACKBONE.value, agency_domain(row["agency"])])
        elif row["kind"] == "duty":
            lines.append(
                [subject, role_for_duty(Duty(row["name"])).value, agency_domain(row["agency"])]
            )
        else:
            lines.append([subject, role_for_system(SystemRole(row["name"])).value, SYSTEM_DOMAIN])
    return lines


def build_enforcer(lines: list[list[str]], policy_path: Path = POLICY_PATH) -> casbin.Enforcer:
    enforcer = casbin.Enforcer(str(MODEL_PATH), str(policy_path))
    # "*" in a g line holds in every domain; key_match (never key_match2) keeps agency:8 from
    # matching agency:7.
    enforcer.add_named_domain_matching_func("g", key_match)
    if lines:
        enforcer.add_named_grouping_policies("g", lines)
    return enforcer


class Authorizer:
    """A process's view of the matrix, swapped whole on reload so readers never see half a load."""

    def __init__(self, policy_path: Path = POLICY_PATH) -> None:
        self.instance_id = uuid.uuid4().hex
        self._policy_path = policy_path
        self._enforcer = build_enforcer([], policy_path)
        self._decided: dict[tuple[str, str, str, str], bool] = {}
        self._lock = asyncio.Lock()
        self._listener: asyncpg.Connection | None = None
        self._dsn: str | None = None
        self._closing = False
        # A reload is queued that has not read the database yet: later notices need no other.
        self._reload_queued = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.generation = 0
        self.reloaded = asyncio.Event()

    async def reload(self) -> None:
        async with self._lock:
            await self._reload_locked()

    async def _reload_locked(self) -> None:
        rows = await get_connection("default").execute_query_dict(_ASSIGNMENTS_SQL)
        enforcer = build_enforcer(grouping_lines(rows), self._policy_path)
        # Swapped together, with no await between: no decision of the old matrix survives.
        self._enforcer, self._decided = enforcer, {}
        self.generation += 1
        self.reloaded.set()

    def allowed(self, subject: str, domain: str, obj: str, act: str) -> bool:
        """casbin's decision, memoised until the next reload: the matrix only changes by a
        reload (the policy file is fixed, role assignments are reloaded whole), and casbin's
        matcher costs about a millisecond a call, several per request."""
        key = (subject, domain, obj, act)
        decided = self._decided.get(key)
        if decided is None:
            if len(self._decided) >= DECISION_CACHE_SIZE:
                self._decided = {}
            decided = self._decided[key] = bool(self._enforcer.enforce(subject, domain, obj, act))
        return decided

    async def listen(self, dsn: str) -> None:
        """Reload whenever another process announces a change.

        Reloads once more after subscribing, so a change announced before the subscription is
        not missed; if the connection drops, reconnects (and reloads) in the background.
        """
        self._dsn = dsn
        self._closing = False
        await self._connect()

    async def _connect(self) -> None:
        assert self._dsn is not None
        connection = await asyncpg.connect(self._dsn, timeout=10)
        try:
            await connection.add_listener(CHANNEL, self._on_notify)
            await self.reload()
        except BaseException:
            with contextlib.suppress(Exception):
                await connection.close(timeout=5)
            raise
        if self._closing:
            await connection.close(timeout=5)
            return
        connection.add_termination_listener(self._on_listener_lost)
        self._listener = connection

    def _on_listener_lost(self, connection: Any) -> None:
        if self._closing or connection is not self._listener:
            return
        self._listener = None
        log.warning("authorization listener connection lost; reconnecting")
        self._spawn(self._reconnect())

    async def _reconnect(self) -> None:
        delay = 0.2
        while not self._closing:
            try:
                await self._connect()
                return
            except Exception:
                log.warning(
                    "authorization listener reconnect failed; retrying in %.1fs",
                    delay,
                    exc_info=True,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload == self.instance_id or self._reload_queued:
            return
        self._reload_queued = True
        self._spawn(self._reload_logged())

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload_logged(self) -> None:
        started = False
        try:
            async with self._lock:
                # From here on the database is read afresh: a later notice needs its own reload.
                self._reload_queued, started = False, True
                await self._reload_locked()
        except Exception:
            log.exception("authorization reload after NOTIFY failed")
        finally:
            if not started:  # cancelled while waiting: do not leave later notices ignored
                self._reload_queued = False

    async def close(self) -> None:
        self._closing = True
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(Exception):
                await listener.close(timeout=5)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


_current: Authorizer | None = None


def set_current_authorizer(authorizer: Authorizer | None) -> None:
    global _current
    _current = authorizer


def current_authorizer() -> Authorizer:
    if _current is None:
        raise RuntimeError("no Authorizer registered for this process")
    return _current


async def notify_change() -> None:
    """After a committed change to role assignments: reload here, tell the other processes."""
    authorizer = _current
    payload = authorizer.instance_id if authorizer else ""
    await get_connection("default").execute_query("SELECT pg_notify($1, $2)", [CHANNEL, payload])
    if authorizer is not None:
        await authorizer.reload()


class Decisions:
    """One request's casbin decisions, memoised."""

    __slots__ = ("_authorizer", "_cache", "principal")

    def __init__(self, authorizer: Authorizer, principal: Principal) -> None:
        self._authorizer = authorizer
        self.principal = principal
        self._cache: dict[tuple[str, str, str], bool] = {}

    def _allowed(self, domain: str, obj: str, act: str) -> bool:
        key = (domain, obj, act)
        if key not in self._cache:
            self._cache[key] = self._authorizer.allowed(self.principal.subject, domain, obj, act)
        return self._cache[key]

    def in_agency(self, resource: Resource, action: Action, agency_id: Any) -> bool:
        """Allowed in this agency (through an agency role there, or a system-wide role)."""
        return self._allowed(agency_domain(agency_id), resource.value, action.value)

    def system_wide(self, resource: Resource, action: Action) -> bool:
        """Allowed through a system-wide role, in every agency."""
        return self._allowed(SYSTEM_DOMAIN, resource.value, action.value)

    def anywhere(self, resource: Resource, action: Action) -> bool:
        """Allowed in at least one domain the principal holds."""
        return any(
            self._allowed(domain, resource.value, action.value)
            for domain in self.principal.domains()
        )

    def agencies(self, resource: Resource, action: Action) -> frozenset[Any]:
        """The principal's agencies where this is allowed through an agency role."""
        return frozenset(
            agency
            for agency in self.principal.agency_ids
            if self.in_agency(resource, action, agency)
        )
