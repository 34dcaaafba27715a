"""requestHudCsvExport over GraphQL and the download over HTTP, as a front end uses them."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from models.audit import AuditEvent
from models.enums import AuditAction
from models.hud_exports import HudCsvExport
from services.hudcsv.columns import FILES
from tests.authz.client_world import build_world, make_role_user
from tests.factories import Api

REQUEST = """
mutation($input: RequestHudCsvExportInput!) {
  requestHudCsvExport(input: $input) {
    id scope startDate endDate hashStatus sizeBytes createdAt expiresAt downloadUrl files { file rows }
  }
}"""


def _input(scope: str, **extra: object) -> dict[str, object]:
    return {"input": {"scope": scope, "startDate": "2025-10-01", "endDate": "2026-09-30", **extra}}


async def test_request_then_download_the_zip(
    api: Api, http: httpx.AsyncClient, settings: Settings
) -> None:
    world = await build_world()
    hdc = await make_role_user(world, "HDC@A")
    token = await api.sign_in(hdc)
    export = (await api.ok(REQUEST, _input(f"agency:{world.a.id}"), token))["requestHudCsvExport"]
    assert export["scope"] == f"agency:{world.a.id}"
    assert export["hashStatus"] == "UNHASHED"
    rows = {f["file"]: f["rows"] for f in export["files"]}
    assert list(rows) == [f"{f}.csv" for f in FILES]
    assert (rows["Client.csv"], rows["Enrollment.csv"], rows["Export.csv"]) == (1, 1, 1)
    assert export["downloadUrl"] == f"/exports/hud-csv/{export['id']}"
    # the download: the same zip, for the same bearer token
    response = await http.get(export["downloadUrl"], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    assert len(response.content) == export["sizeBytes"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == sorted(f"{f}.csv" for f in FILES)
        assert "Rosa" in archive.read("Client.csv").decode()
    # audited: the export (scope, counts) and the download
    rows_audited = await AuditEvent.filter(
        action=AuditAction.EXPORT, entity_type="HudCsvExport"
    ).order_by("seq")
    assert [("download" in r.fields_touched) for r in rows_audited] == [False, True]
    assert "rows:Client:1" in rows_audited[0].fields_touched
    assert rows_audited[0].request_id is not None


async def test_only_the_requester_may_download_and_only_until_it_expires(
    api: Api, http: httpx.AsyncClient, settings: Settings
) -> None:
    world = await build_world()
    hdc = await make_role_user(world, "HDC@A")
    token = await api.sign_in(hdc)
    export = (await api.ok(REQUEST, _input(f"agency:{world.a.id}"), token))["requestHudCsvExport"]
    url = export["downloadUrl"]
    # no token, a bad token: 401 with the bearer challenge and the request id, as /graphql's
    missing = await http.get(url)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="hearth"'
    bad = await http.get(url, headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == 'Bearer realm="hearth", error="invalid_token"'
    assert bad.json()["errors"][0]["extensions"] == {
        "code": "UNAUTHENTICATED",
        "requestId": bad.headers["x-request-id"],
    }
    # another user who may export too: as if there were no such export
    other = await api.sign_in(await make_role_user(world, "CAN_STAFF"))
    theirs = await http.get(url, headers={"Authorization": f"Bearer {other}"})
    assert theirs.status_code == 404
    assert (
        await http.get("/exports/hud-csv/not-an-id", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 404
    # after the time to live: gone, and the file deleted
    record = await HudCsvExport.get(id=export["id"])
    path = Path(settings.exports_path) / record.file_name
    assert path.exists()
    api.clock.advance(timedelta(seconds=settings.hud_export_ttl_seconds + 1))
    token = await api.sign_in(hdc)
    late = await http.get(url, headers={"Authorization": f"Bearer {token}"})
    assert late.status_code == 410
    assert late.json()["errors"][0]["extensions"]["code"] == "GONE"
    assert not path.exists()


@pytest.mark.parametrize(
    ("role", "scope"), [("HDC@A", "agency:{b}"), ("HDC@A", "all"), ("CAN_STAFF", "can:{south}")]
)
async def test_a_scope_the_caller_may_not_read_is_forbidden_and_audited(
    api: Api, role: str, scope: str
) -> None:
    world = await build_world()
    token = await api.sign_in(await make_role_user(world, role))
    error = await api.error(
        REQUEST, _input(scope.format(b=world.b.id, south=world.south.id)), token
    )
    assert error["code"] == "FORBIDDEN"
    assert await AuditEvent.filter(action=AuditAction.DENIED).exists()
    assert not await HudCsvExport.exists()


async def test_callers_without_the_permission_and_bad_input(api: Api) -> None:
    world = await build_world()
    full = await api.sign_in(await make_role_user(world, "FULL@A"))
    assert (await api.error(REQUEST, _input(f"agency:{world.a.id}"), full))["code"] == "FORBIDDEN"
    hdc = await api.sign_in(await make_role_user(world, "HDC@A"))
    bad = await api.error(REQUEST, _input("agency:42"), hdc)
    assert (bad["code"], bad["field"]) == ("VALIDATION", "scope")
    backwards = await api.error(
        REQUEST,
        {
            "input": {
                "scope": f"agency:{world.a.id}",
                "startDate": "2026-01-02",
                "endDate": "2026-01-01",
            }
        },
        hdc,
    )
    assert backwards["code"] == "VALIDATION"
    assert (await api.error(REQUEST, _input(f"agency:{world.a.id}")))["code"] == "UNAUTHENTICATED"


async def test_a_reporting_only_hdc_is_refused_and_pointed_to_the_aggregate_report(
    api: Api, settings: Settings
) -> None:
    world = await build_world()
    token = await api.sign_in(await make_role_user(world, "HDC+REPORTING_ONLY@A"))
    before = set(settings.exports_path.glob("*.zip"))
    refused = await api.error(REQUEST, _input(f"agency:{world.a.id}", hashed=True), token)
    # FORBIDDEN (decision 162): no client-level rows for a caller who reads none
    assert refused["code"] == "FORBIDDEN"
    assert refused["field"] == "scope"
    assert "aggregateReport" in refused["message"]
    assert not await HudCsvExport.exists()
    assert set(settings.exports_path.glob("*.zip")) == before
    # the refusal is audited as a refused client operation
    assert await AuditEvent.filter(action=AuditAction.DENIED).exists()
