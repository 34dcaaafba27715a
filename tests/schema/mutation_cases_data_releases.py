"""The valid calls of tests/schema/mutation_cases.py, continued: releasing data (policy 405),
data requests and Data Sharing Agreements, mutations and the queries that take text or ids.
Each case makes its own row at the step its mutation follows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from models.compliance import CaseKind, ComplianceCase
from models.data_releases import (
    DataRequest,
    DataRequestStatus,
    DataSharingAgreement,
    DsaExtract,
    DsaStatus,
)
from tests.schema.mutation_cases import Call, World, case
from tests.schema.query_cases import query_case

__all__: list[str] = []

START, END = date(2025, 1, 1), date(2025, 12, 31)
VARIABLES = ["PersonalID", "FirstName", "DOB", "EntryDate"]


def _requestor() -> dict[str, str]:
    return {
        "name": "Dana Researcher",
        "organization": "State University",
        "email": "dana@university.example.edu",
        "phone": "860-555-0100",
    }


async def _request(w: World, status: DataRequestStatus) -> DataRequest:
    now = w.api.clock.now()
    return await DataRequest.create(
        requestor_name="Dana",
        requestor_organization="Uni",
        requestor_email="dana@university.example.edu",
        purpose="Counts.",
        variables=["VeteranStatus"],
        scope=f"agency:{w.a.id}",
        start_date=START,
        end_date=END,
        status=status,
        entered_by=w.admin,
        submitted_at=now - timedelta(days=2),
        reviewed_at=now - timedelta(days=1) if status != DataRequestStatus.SUBMITTED else None,
    )


async def _dsa(w: World, status: DsaStatus, **more: Any) -> DataSharingAgreement:
    now = w.api.clock.now()
    terms = status not in (DsaStatus.REQUESTED, DsaStatus.PII_CONFIRMED)
    return await DataSharingAgreement.create(
        requestor_name="Dana",
        requestor_organization="Uni",
        requestor_email="dana@university.example.edu",
        purpose="Study.",
        requested_variables=VARIABLES,
        status=status,
        entered_by=w.admin,
        entered_at=now - timedelta(days=10),
        updated_at=now - timedelta(days=10),
        variables=VARIABLES if terms else None,
        scope=f"agency:{w.a.id}" if terms else None,
        start_date=START if terms else None,
        end_date=END if terms else None,
        reviewed_at=now - timedelta(days=5) if terms else None,
        decided_at=now - timedelta(days=3) if terms else None,
        **more,
    )


def _terms(w: World) -> dict[str, Any]:
    return {
        "businessNeed": "Match stays to hospital records.",
        "intent": "Aggregate readmission rates.",
        "variables": VARIABLES,
        "scope": f"agency:{w.a.id}",
        "startDate": str(START),
        "endDate": str(END),
        "transferProtocol": "SFTP; passphrase by phone.",
        "publicationReviewAgreed": True,
        "noClientLevelPublication": True,
        "parties": ["State University"],
        "completionExpectedOn": "2026-12-31",
    }


def _today(w: World) -> str:
    return str(w.api.clock.now().date())


@case("submitDataRequest")
async def _submit_request(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "requestor": _requestor(),
            "purpose": "Counts of veterans by destination.",
            "variables": ["VeteranStatus", "Destination"],
            "scope": f"agency:{w.a.id}",
            "startDate": str(START),
            "endDate": str(END),
        }
    }


@case("reviewDataRequest")
async def _review_request(w: World) -> Call:
    row = await _request(w, DataRequestStatus.SUBMITTED)
    items = [
        {"item": i, "accepted": True, "note": "Fine."} for i in ("VeteranStatus", "scope", "period")
    ]
    return await w.token("admin"), {"input": {"id": str(row.id), "items": items}}


@case("recordDataRequestMeeting")
async def _request_meeting(w: World) -> Call:
    row = await _request(w, DataRequestStatus.REVIEWED)
    return await w.token("admin"), {
        "input": {"id": str(row.id), "metOn": _today(w), "notes": "Agreed the breakdowns."}
    }


@case("deliverDataRequest")
async def _deliver_request(w: World) -> Call:
    row = await _request(w, DataRequestStatus.MET)
    return await w.token("admin"), {
        "input": {"id": str(row.id), "delivery": "Aggregate report, by e-mail."}
    }


@case("closeDataRequest")
async def _close_request(w: World) -> Call:
    row = await _request(w, DataRequestStatus.SUBMITTED)
    return await w.token("admin"), {
        "input": {"id": str(row.id), "status": "WITHDRAWN", "reason": "No longer needed."}
    }


@case("recordPiiDataRequest")
async def _pii_request(w: World) -> Call:
    return await w.token("admin"), {
        "input": {"requestor": _requestor(), "purpose": "Study.", "variables": VARIABLES}
    }


@case("confirmDsaPii")
async def _confirm(w: World) -> Call:
    row = await _dsa(w, DsaStatus.REQUESTED)
    return await w.token("admin"), {
        "input": {"id": str(row.id), "contactedOn": _today(w), "notes": "PII is needed."}
    }


@case("submitDataSharingAgreement")
async def _submit_dsa(w: World) -> Call:
    row = await _dsa(w, DsaStatus.PII_CONFIRMED)
    return await w.token("admin"), {"input": {"id": str(row.id), "terms": _terms(w)}}


@case("reviewDataSharingAgreement")
async def _review_dsa(w: World) -> Call:
    row = await _dsa(w, DsaStatus.SUBMITTED)
    return await w.token("admin"), {"input": {"id": str(row.id), "notes": "Complete."}}


@case("recordDsaMeeting")
async def _dsa_meeting(w: World) -> Call:
    row = await _dsa(w, DsaStatus.REVIEWED)
    return await w.token("admin"), {
        "input": {"id": str(row.id), "metOn": _today(w), "notes": "Discussed security."}
    }


@case("executeDataSharingAgreement")
async def _execute(w: World) -> Call:
    row = await _dsa(w, DsaStatus.APPROVED)
    return await w.token("admin"), {"input": {"id": str(row.id), "executedOn": _today(w)}}


@case("withdrawDataSharingAgreement")
async def _withdraw(w: World) -> Call:
    row = await _dsa(w, DsaStatus.SUBMITTED)
    return await w.token("admin"), {"input": {"id": str(row.id), "reason": "Changed plans."}}


@case("produceDsaExtract")
async def _produce(w: World) -> Call:
    row = await _dsa(w, DsaStatus.EXECUTED)
    return await w.token("admin"), {"input": {"id": str(row.id), "variables": ["FirstName"]}}


async def _extracted(
    w: World, status: DsaStatus, **more: Any
) -> tuple[DataSharingAgreement, DsaExtract]:
    now = w.api.clock.now()
    row = await _dsa(w, status, **more)
    extract = await DsaExtract.create(
        agreement=row,
        produced_by=w.admin,
        produced_at=now - timedelta(days=2),
        variables=VARIABLES,
        scope=f"agency:{w.a.id}",
        start_date=START,
        end_date=END,
        rows=0,
        clients=0,
        file_name="dsa-extract-none.zip",
        size_bytes=0,
        expires_at=now - timedelta(days=1),
    )
    return row, extract


@case("deliverDsaExtract")
async def _deliver_extract(w: World) -> Call:
    row, extract = await _extracted(w, DsaStatus.EXTRACTED)
    return await w.token("admin"), {
        "input": {"id": str(row.id), "extractId": str(extract.id), "notes": "SFTP."}
    }


@case("completeDsaProject")
async def _complete(w: World) -> Call:
    row, _ = await _extracted(
        w, DsaStatus.DELIVERED, delivered_at=w.api.clock.now() - timedelta(days=2)
    )
    return await w.token("admin"), {"input": {"id": str(row.id), "completedOn": _today(w)}}


@case("attestDsaDestruction")
async def _attest(w: World) -> Call:
    now = w.api.clock.now()
    case_ = await ComplianceCase.create(
        kind=CaseKind.DSA_DESTRUCTION, opened_at=now, due_on=now.date() + timedelta(days=90)
    )
    row, _ = await _extracted(
        w,
        DsaStatus.COMPLETED,
        delivered_at=now - timedelta(days=2),
        completed_on=now.date(),
        destruction_case=case_,
    )
    return await w.token("admin"), {
        "input": {
            "id": str(row.id),
            "destroyedOn": _today(w),
            "attestedBy": "Dana Researcher",
            "method": "Secure deletion.",
        }
    }


@query_case("dataRequests")
async def _requests(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("dataRequest")
async def _one_request(w: World) -> Call:
    return await w.token("admin"), {"id": str((await _request(w, DataRequestStatus.MET)).id)}


@query_case("dataSharingAgreements")
async def _dsas(w: World) -> Call:
    return await w.token("admin"), {"first": 10}


@query_case("dataSharingAgreement")
async def _one_dsa(w: World) -> Call:
    return await w.token("admin"), {"id": str((await _dsa(w, DsaStatus.MET)).id)}
