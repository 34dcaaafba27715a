"""File downloads over HTTP: HUD CSV exports requested through GraphQL, and a Data Sharing
Agreement's encrypted extracts (``GET /exports/dsa-extract/{id}``, policy 405) on the same terms.

``GET /exports/hud-csv/{id}`` with the same ``Authorization: Bearer`` token as /graphql. Only
the user who requested the export may fetch it, while it has not expired and while they still
may export HUD CSV; each download is audited. Errors answer in GraphQL's shape (``errors[0]``
with ``extensions.code``): 401 UNAUTHENTICATED or MFA_REQUIRED, 403 FORBIDDEN, 404 NOT_FOUND
(no such export, or not yours), 410 GONE (expired; the file is then deleted). Each carries the
request id in ``extensions.requestId``, and a 401 its ``WWW-Authenticate`` challenge, as /graphql's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from api.middleware import error_response
from api.settings import Settings
from authz.enforcer import Authorizer, Decisions
from authz.resources import Action, Resource
from models.data_releases import DsaExtract
from models.enums import AuditAction
from models.hud_exports import HudCsvExport
from services.audit import AuditRow, append
from services.clock import Clock
from services.errors import DomainError, MfaRequired, Unauthenticated

__all__ = ["dsa_extract_download", "hud_csv_download"]


_CHALLENGE = 'Bearer realm="hearth"'


async def _bearer(request: Request, identity: Any, now: Any) -> Any:
    """The download's caller from its bearer token, or the 401 response that refuses it (no
    token, a token not valid, a second factor older than policy 202 allows)."""

    def _error(status: int, code: str, message: str, headers: dict[str, str]) -> Response:
        return error_response(request.scope, status, code, message, headers)

    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _error(
            401,
            Unauthenticated.code,
            "Use 'Authorization: Bearer <access token>'.",
            {"WWW-Authenticate": _CHALLENGE},
        )
    try:
        authenticated = await identity.authenticate(token.strip(), now=now)
    except DomainError as error:
        challenge = f'{_CHALLENGE}, error="invalid_token"'
        return _error(401, error.code, error.message, {"WWW-Authenticate": challenge})
    if authenticated.mfa_expired:
        return _error(
            401,
            MfaRequired.code,
            "Your second factor is too old (policy 202): reauthenticate first.",
            {"WWW-Authenticate": f'{_CHALLENGE}, error="insufficient_user_authentication"'},
        )
    return authenticated.principal


async def _send(
    request: Request, now: Any, actor_id: Any, entity: str, record_id: UUID, path: Path, name: str
) -> Response:
    """The file, once its download is audited (who, which record, from where)."""
    await append(
        [
            AuditRow(
                occurred_at=now,
                action=AuditAction.EXPORT,
                entity_type=entity,
                entity_id=str(record_id),
                actor_id=actor_id,
                fields=("download",),
                request_id=request.scope.get("state", {}).get("request_id"),
                client_ip=request.client.host if request.client else None,
            )
        ]
    )
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"{name}-{record_id.hex}.zip",
        headers={"Cache-Control": "no-store"},
    )


def hud_csv_download(
    identity: Any, authorizer: Authorizer, clock: Clock, settings: Settings
) -> Callable[[Request], Awaitable[Response]]:
    async def download(request: Request) -> Response:
        def _error(
            status: int, code: str, message: str, headers: dict[str, str] | None = None
        ) -> Response:
            return error_response(request.scope, status, code, message, headers)

        now = clock.now()
        principal = await _bearer(request, identity, now)
        if isinstance(principal, Response):
            return principal
        try:
            export_id = UUID(request.path_params["export_id"])
        except ValueError:
            return _error(404, "NOT_FOUND", "No such export.")
        record = await HudCsvExport.filter(id=export_id).first()
        if record is None or record.requested_by_id != principal.user_id:
            return _error(404, "NOT_FOUND", "No such export.")
        path = settings.exports_path / record.file_name
        if record.expires_at is None or record.expires_at <= now:
            await asyncio.to_thread(path.unlink, missing_ok=True)
            return _error(410, "GONE", "The export has expired: request it again.")
        if not Decisions(authorizer, principal).anywhere(Resource.HUD_CSV, Action.EXPORT):
            return _error(403, "FORBIDDEN", "You may no longer export HUD CSV.")
        if not await asyncio.to_thread(Path.exists, path):
            return _error(410, "GONE", "The export's file is gone: request it again.")
        return await _send(
            request, now, principal.user_id, "HudCsvExport", record.id, path, "hud-csv"
        )

    return download


def dsa_extract_download(
    identity: Any, authorizer: Authorizer, clock: Clock, settings: Settings
) -> Callable[[Request], Awaitable[Response]]:
    """``GET /exports/dsa-extract/{id}``: a Data Sharing Agreement's encrypted extract (policy
    405), as the HUD CSV export's download: only the Lead Agency user who produced it, while it
    has not expired and while they still may produce extracts; each download audited. The file
    is an AES-256 zip whose passphrase was given once, to the producer, when it was produced."""

    async def download(request: Request) -> Response:
        def _error(
            status: int, code: str, message: str, headers: dict[str, str] | None = None
        ) -> Response:
            return error_response(request.scope, status, code, message, headers)

        now = clock.now()
        principal = await _bearer(request, identity, now)
        if isinstance(principal, Response):
            return principal
        try:
            extract_id = UUID(request.path_params["extract_id"])
        except ValueError:
            return _error(404, "NOT_FOUND", "No such extract.")
        record = await DsaExtract.filter(id=extract_id).first()
        if record is None or record.produced_by_id != principal.user_id:
            return _error(404, "NOT_FOUND", "No such extract.")
        path = settings.exports_path / record.file_name
        if record.expires_at <= now:
            await asyncio.to_thread(path.unlink, missing_ok=True)
            return _error(410, "GONE", "The extract has expired: produce it again.")
        if not Decisions(authorizer, principal).anywhere(
            Resource.DATA_SHARING_AGREEMENT, Action.EXTRACT
        ):
            return _error(403, "FORBIDDEN", "You may no longer produce DSA extracts.")
        if not await asyncio.to_thread(Path.exists, path):
            return _error(410, "GONE", "The extract's file is gone: produce it again.")
        return await _send(
            request, now, principal.user_id, "DsaExtract", record.id, path, "dsa-extract"
        )

    return download
