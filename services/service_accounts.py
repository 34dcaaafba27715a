"""Service accounts (policies 109, 401): machine clients for the vendor sync and CAN reporting.

The System Administrator creates one per integration (never shared, policy 109), with a role:
``VENDOR_SYNC`` (system-wide) or ``CAN_REPORTING`` (the agencies of one CAN). The client secret
is shown once and stored as an argon2id hash; rotating it or revoking the account ends every
token issued before, at once.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from authz.enforcer import Decisions, notify_change
from authz.principal import Principal
from authz.resources import Action, Resource
from models.enums import ServiceRole
from models.governance import Can
from models.service_accounts import ServiceAccount
from services import governance_log
from services.caller import Caller
from services.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from services.passwords import hash_password, verify_password
from services.values import max_length

__all__ = [
    "InvalidClient",
    "IssuedSecret",
    "authenticate_client",
    "create_service_account",
    "load_service_principal",
    "revoke_service_account",
    "rotate_secret",
    "scope_of",
    "visible_service_accounts",
]

CLIENT_ID_PREFIX = "hearth-sa-"
MAX_CLIENT_ID = 64
MAX_SECRET = 256


class InvalidClient(DomainError):
    """The client id and secret do not name an active service account (RFC 6749 invalid_client)."""

    code = ErrorCode.UNAUTHENTICATED


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    account: ServiceAccount
    client_secret: str


def scope_of(role: ServiceRole) -> str:
    """The OAuth2 scope a service account's tokens carry: its role, lower case."""
    return role.value.lower()


def _require(decisions: Decisions, action: Action) -> UUID:
    """The System Administrator's user id (a service principal never manages service accounts)."""
    principal = decisions.principal
    if principal.kind != "user" or not decisions.system_wide(Resource.SERVICE_ACCOUNT, action):
        raise Forbidden("Only the System Administrator manages service accounts.")
    return principal.user_id


def _new_secret() -> str:
    return secrets.token_urlsafe(32)  # 256 bits: guessing is hopeless, so no throttle is needed


async def _hash(secret: str) -> str:
    return await asyncio.to_thread(hash_password, secret)


def visible_service_accounts(decisions: Decisions, *, include_revoked: bool) -> QuerySet[Any]:
    if not decisions.system_wide(Resource.SERVICE_ACCOUNT, Action.READ):
        return ServiceAccount.filter(id__in=[])
    qs = ServiceAccount.all()
    return qs if include_revoked else qs.filter(revoked_at__isnull=True)


async def create_service_account(
    *,
    caller: Caller,
    name: str,
    role: ServiceRole,
    can_id: UUID | None,
) -> IssuedSecret:
    decisions = caller.decisions
    now = caller.now
    creator = _require(decisions, Action.CREATE)
    name = name.strip()
    limit = max_length(ServiceAccount, "name")
    if not 3 <= len(name) <= limit:
        raise ValidationFailed(f"name must be 3 to {limit} characters.", field="name")
    if role is ServiceRole.CAN_REPORTING:
        if can_id is None:
            raise ValidationFailed("A CAN_REPORTING account needs its CAN.", field="canId")
        if not await Can.exists(id=can_id):
            raise NotFound("No such CAN.", field="canId")
    elif can_id is not None:
        raise ValidationFailed(f"A {role.value} account is not scoped to a CAN.", field="canId")
    secret = _new_secret()
    secret_hash = await _hash(secret)
    try:
        async with in_transaction():
            account = await ServiceAccount.create(
                name=name,
                role=role,
                can_id=can_id,
                client_id=CLIENT_ID_PREFIX + secrets.token_hex(12),
                secret_hash=secret_hash,
                secret_rotated_at=now,
                created_by_id=creator,
                created_at=now,
            )
            await governance_log.record(
                caller.principal,
                "service_account.create",
                entity_type="ServiceAccount",
                entity_id=account.id,
                now=now,
                after={"name": name, "role": role, "canId": can_id, "clientId": account.client_id},
            )
    except IntegrityError:
        raise Conflict("A service account with this name exists.", field="name") from None
    await notify_change()
    return IssuedSecret(account, secret)


async def _get(account_id: UUID) -> ServiceAccount:
    account = await ServiceAccount.get_or_none(id=account_id)
    if account is None:
        raise NotFound("No such service account.", field="id")
    return account


async def rotate_secret(*, caller: Caller, account_id: UUID) -> IssuedSecret:
    """A new secret; the old one, and every token issued under it, stop working at once."""
    decisions = caller.decisions
    now = caller.now
    _require(decisions, Action.MANAGE)
    secret = _new_secret()
    secret_hash = await _hash(secret)
    async with in_transaction():
        account = await ServiceAccount.filter(id=account_id).select_for_update().first()
        if account is None:
            raise NotFound("No such service account.", field="id")
        if account.revoked_at is not None:
            raise Conflict("The service account is revoked; create a new one.", field="id")
        account.secret_hash = secret_hash
        account.secret_version += 1
        account.secret_rotated_at = now
        await account.save(update_fields=["secret_hash", "secret_version", "secret_rotated_at"])
        await governance_log.record(
            caller.principal,
            "service_account.rotate",
            entity_type="ServiceAccount",
            entity_id=account.id,
            now=now,
            before={"secretVersion": account.secret_version - 1},
            after={"secretVersion": account.secret_version},
        )
    return IssuedSecret(account, secret)


async def revoke_service_account(
    *,
    caller: Caller,
    account_id: UUID,
    reason: str,
) -> ServiceAccount:
    """Revoke for good: its tokens stop working and it holds no role any more."""
    decisions = caller.decisions
    now = caller.now
    revoker = _require(decisions, Action.MANAGE)
    reason = reason.strip()
    limit = max_length(ServiceAccount, "revoke_reason")
    if not 1 <= len(reason) <= limit:
        raise ValidationFailed(f"reason must be 1 to {limit} characters.", field="reason")
    async with in_transaction():
        changed = await ServiceAccount.filter(id=account_id, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by_id=revoker, revoke_reason=reason
        )
        if changed:
            await governance_log.record(
                caller.principal,
                "service_account.revoke",
                entity_type="ServiceAccount",
                entity_id=account_id,
                now=now,
                before={"revoked": False},
                after={"revoked": True},
                reason=reason,
            )
    account = await _get(account_id)
    if not changed:
        raise Conflict("The service account is already revoked.", field="id")
    await notify_change()
    return account


async def authenticate_client(
    *, client_id: str, client_secret: str, now: datetime
) -> ServiceAccount:
    """The active service account these credentials name; the same error for any failure."""
    account = None
    if client_id.startswith(CLIENT_ID_PREFIX) and len(client_id) <= MAX_CLIENT_ID:
        account = await ServiceAccount.get_or_none(client_id=client_id)
    # An unknown client costs one argon2 verify too (against a dummy hash): no timing oracle.
    ok = len(client_secret) <= MAX_SECRET and await asyncio.to_thread(
        verify_password, account.secret_hash if account else None, client_secret
    )
    if not ok or account is None or account.revoked_at is not None:
        raise InvalidClient("Client authentication failed.")
    await ServiceAccount.filter(id=account.id).update(last_used_at=now)
    return account


_SERVICE_PRINCIPAL_SQL = """
SELECT s.id, s.name, s.role, s.client_id, s.secret_version, s.revoked_at,
  (SELECT coalesce(json_agg(a.id), '[]'::json) FROM agency a
    WHERE s.role = 'CAN_REPORTING' AND a.can_id = s.can_id
      AND a.status = 'ACTIVE' AND a.mou_signed_on IS NOT NULL
      AND EXISTS (SELECT 1 FROM agency_clearance k WHERE k.agency_id = a.id)) AS agencies
FROM service_account s WHERE s.id = $1
"""


async def load_service_principal(account_id: UUID, *, secret_version: int) -> Principal | None:
    """The principal of an active service account, if the token's secret version is current."""
    rows = await get_connection("default").execute_query_dict(_SERVICE_PRINCIPAL_SQL, [account_id])
    if not rows:
        return None
    row = rows[0]
    if row["revoked_at"] is not None or row["secret_version"] != secret_version:
        return None
    agencies = row["agencies"]
    agencies = json.loads(agencies) if isinstance(agencies, str) else agencies or []
    return Principal(
        user_id=row["id"],
        username=row["name"],
        kind="service",
        client_id=row["client_id"],
        service_agencies=frozenset(UUID(str(a)) for a in agencies),
    )
