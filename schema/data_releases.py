"""Releasing data (policy 405) as GraphQL: aggregate data requests, Data Sharing Agreements, the
encrypted extract of an approved and executed DSA, and its destruction. The Lead Agency enters
and keeps them (requestors have no accounts); the board's members and the System Administrator
read them."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import strawberry

from authz.resources import Action, Resource
from models import data_releases as models
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import one, parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from services import data_releases as service
from services.pagination import paginate

__all__ = ["DOWNLOAD_PATH", "DataReleaseMutation", "DataReleaseQuery"]

DOWNLOAD_PATH = "/exports/dsa-extract/"

DataRequestStatus = models.DataRequestStatus
described_enum(
    DataRequestStatus,
    name="DataRequestStatus",
    description="Policy 405's four steps for aggregate data: SUBMITTED, REVIEWED, MET, "
    "DELIVERED; or DECLINED / WITHDRAWN before delivery.",
    values={
        "SUBMITTED": "1) The Data Request Form, entered by the Lead Agency.",
        "REVIEWED": "2) Each variable and parameter reviewed by Lead Agency staff.",
        "MET": "3) Lead Agency staff met the requestor.",
        "DELIVERED": "4) Processed and delivered.",
        "DECLINED": "Declined by the Lead Agency before delivery.",
        "WITHDRAWN": "Withdrawn by the requestor before delivery.",
    },
)
DsaStatus = models.DsaStatus
described_enum(
    DsaStatus,
    name="DataSharingAgreementStatus",
    description="Policy 405's steps for data with PII, from the request to the attested "
    "destruction.",
    values={
        "REQUESTED": "1) A request with PII, entered by the Lead Agency.",
        "PII_CONFIRMED": "1) The Lead Agency confirmed with the requestor that PII is needed.",
        "SUBMITTED": "2) The DSA's terms submitted.",
        "REVIEWED": "3) Reviewed by the Lead Agency.",
        "MET": "4) The Lead Agency met the requestor: ready for the board.",
        "APPROVED": "5) Approved by a carried DSB motion.",
        "DENIED": "5) Denied: the DSB motion failed.",
        "EXECUTED": "6) Finalized and executed by the Lead Agency.",
        "EXTRACTED": "7) An encrypted extract produced.",
        "DELIVERED": "7) The extract delivered.",
        "COMPLETED": "The project completed: 90 days to destroy the file.",
        "DESTROYED": "8) The file's destruction attested.",
        "WITHDRAWN": "Withdrawn by the requestor before execution.",
    },
)


@strawberry.type(description="A variable of the catalogue a request may name (policy 405).")
class DataReleaseVariable:
    name: str = strawberry.field(description="The HUD CSV column (or Initials, Phone, Email).")
    level: str = strawberry.field(description="client (one per person) or enrollment.")
    pii: bool = strawberry.field(
        description="PII under policy 405 (names, initials, DOB, phone, e-mail, SSN): a DSA only."
    )
    description: str = strawberry.field(description="What it holds.")


@strawberry.type(description="The review of one variable or parameter of a data request.")
class DataRequestItemReview:
    item: str = strawberry.field(description="The variable, or the parameter scope or period.")
    accepted: bool = strawberry.field(description="Accepted as asked.")
    note: str | None = strawberry.field(description="The reviewer's note.")


@strawberry.type(description="A Data Request Form for aggregate data with no PII (policy 405).")
class DataRequest:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    requestor_name: str = strawberry.field(description="Who asks.")
    requestor_organization: str = strawberry.field(description="For which organization.")
    requestor_email: str = strawberry.field(description="Their e-mail address.")
    requestor_phone: str | None = strawberry.field(description="Their phone number.")
    purpose: str = strawberry.field(description="What the data is for.")
    variables: list[str] = strawberry.field(description="The variables requested.")
    scope: str = strawberry.field(description="project:ID, agency:ID, can:ID, coc:ID or all.")
    start_date: datetime.date = strawberry.field(description="The period's first day.")
    end_date: datetime.date = strawberry.field(description="The period's last day.")
    status: DataRequestStatus = strawberry.field(description="Where it stands.")
    entered_by_id: strawberry.ID = strawberry.field(description="Who entered it.")
    submitted_at: datetime.datetime = strawberry.field(description="When entered.")
    reviewed_at: datetime.datetime | None = strawberry.field(description="When reviewed.")
    met_on: datetime.date | None = strawberry.field(description="The meeting's day.")
    meeting_notes: str | None = strawberry.field(description="What the meeting settled.")
    delivered_at: datetime.datetime | None = strawberry.field(description="When delivered.")
    delivery: str | None = strawberry.field(description="What was delivered, and how.")
    closed_at: datetime.datetime | None = strawberry.field(
        description="When declined or withdrawn."
    )
    closed_reason: str | None = strawberry.field(description="Why declined or withdrawn.")

    @strawberry.field(description="Each variable and parameter's review (empty until reviewed).")
    def review(self, row: strawberry.Parent[models.DataRequest]) -> list[DataRequestItemReview]:
        return [
            DataRequestItemReview(item=r["item"], accepted=r["accepted"], note=r.get("note"))
            for r in row.review or []
        ]


@strawberry.type(description="An encrypted extract produced under a DSA (no client data here).")
class DsaExtract:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    agreement_id: strawberry.ID = strawberry.field(description="The DSA.")
    produced_by_id: strawberry.ID = strawberry.field(description="Who produced it.")
    produced_at: datetime.datetime = strawberry.field(description="When.")
    variables: list[str] = strawberry.field(description="Its columns.")
    scope: str = strawberry.field(description="The DSA's scope.")
    start_date: datetime.date = strawberry.field(description="The period's first day.")
    end_date: datetime.date = strawberry.field(description="The period's last day.")
    rows: int = strawberry.field(description="Data rows.")
    clients: int = strawberry.field(description="Distinct clients (each audited).")
    size_bytes: int = strawberry.field(description="The encrypted zip's size.")
    expires_at: datetime.datetime = strawberry.field(description="Downloadable until then.")


@strawberry.type(description="A request with PII and its Data Sharing Agreement (policy 405).")
class DataSharingAgreement:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    requestor_name: str = strawberry.field(description="Who asks.")
    requestor_organization: str = strawberry.field(description="For which organization.")
    requestor_email: str = strawberry.field(
        description="Their e-mail address (told of the destruction deadline)."
    )
    requestor_phone: str | None = strawberry.field(description="Their phone number.")
    purpose: str = strawberry.field(description="What the data is for, as first asked.")
    requested_variables: list[str] = strawberry.field(description="The variables first asked.")
    status: DsaStatus = strawberry.field(description="Where it stands.")
    entered_at: datetime.datetime = strawberry.field(description="When entered.")
    pii_contacted_on: datetime.date | None = strawberry.field(
        description="When the Lead Agency confirmed with the requestor that PII is needed."
    )
    pii_contact_notes: str | None = strawberry.field(description="What that contact settled.")
    business_need: str | None = strawberry.field(description="The business need, in detail.")
    intent: str | None = strawberry.field(description="The intent, in detail.")
    variables: list[str] | None = strawberry.field(
        description="The variables of the DSA: once approved, the only ones an extract holds."
    )
    scope: str | None = strawberry.field(description="The DSA's scope.")
    start_date: datetime.date | None = strawberry.field(description="The period's first day.")
    end_date: datetime.date | None = strawberry.field(description="The period's last day.")
    transfer_protocol: str | None = strawberry.field(description="The secure transfer agreed.")
    publication_review_agreed: bool = strawberry.field(
        description="Analyses and drafts go to the Lead Agency and the DSB before publication."
    )
    no_client_level_publication: bool = strawberry.field(
        description="Acknowledged: client-level data is never published."
    )
    parties: list[str] | None = strawberry.field(
        description="Who may hold the data; no third party outside them."
    )
    completion_expected_on: datetime.date | None = strawberry.field(
        description="The project's expected completion."
    )
    reviewed_at: datetime.datetime | None = strawberry.field(description="When reviewed.")
    review_notes: str | None = strawberry.field(description="The review's notes.")
    met_on: datetime.date | None = strawberry.field(description="The meeting's day.")
    meeting_notes: str | None = strawberry.field(description="What the meeting settled.")
    motion_id: strawberry.ID | None = strawberry.field(description="The board's deciding motion.")
    decided_at: datetime.datetime | None = strawberry.field(description="When the board decided.")
    executed_on: datetime.date | None = strawberry.field(description="When executed.")
    delivered_at: datetime.datetime | None = strawberry.field(description="When delivered.")
    delivered_extract_id: strawberry.ID | None = strawberry.field(
        description="The extract delivered."
    )
    delivery_notes: str | None = strawberry.field(description="How it was delivered.")
    completed_on: datetime.date | None = strawberry.field(description="The project's completion.")
    destruction_case_id: strawberry.ID | None = strawberry.field(
        description="The compliance case of the 90-day destruction."
    )
    destroyed_on: datetime.date | None = strawberry.field(description="When destroyed.")
    destruction_method: str | None = strawberry.field(description="How destroyed.")
    destruction_attested_by: str | None = strawberry.field(description="Who attested it.")
    destruction_recorded_at: datetime.datetime | None = strawberry.field(
        description="When the Lead Agency recorded the attestation."
    )
    closed_reason: str | None = strawberry.field(description="Why denied or withdrawn.")

    @strawberry.field(description="The destruction's deadline: 90 days after completion.")
    def destruction_due_on(
        self, row: strawberry.Parent[models.DataSharingAgreement]
    ) -> datetime.date | None:
        if row.completed_on is None:
            return None
        return row.completed_on + datetime.timedelta(days=service.DESTRUCTION_DAYS)

    @strawberry.field(description="Its extracts, newest first.", graphql_type=list[DsaExtract])
    async def extracts(
        self, row: strawberry.Parent[models.DataSharingAgreement]
    ) -> list[models.DsaExtract]:
        return list(
            await models.DsaExtract.filter(agreement_id=row.id).order_by("-produced_at", "id")
        )


@strawberry.type(
    description="The extract just produced: its passphrase is given this once, to hand over "
    "separately from the file."
)
class ProducedDsaExtract:
    extract: DsaExtract = strawberry.field(description="What was produced.")
    passphrase: str = strawberry.field(
        description="Opens the AES-256 zip; Hearth keeps no copy. Hand it over separately."
    )
    download_url: str = strawberry.field(
        description="GET it with the same 'Authorization: Bearer' token (only you may), before "
        "it expires; an encrypted zip (application/zip)."
    )


@strawberry.input(description="Who asks: outside Hearth, entered by the Lead Agency.")
class RequestorInput:
    name: str = strawberry.field(description="Their name, 1 to 200 characters.")
    organization: str = strawberry.field(description="Their organization, 1 to 200 characters.")
    email: str = strawberry.field(description="Their e-mail address.")
    phone: str | None = strawberry.field(default=None, description="Their phone number.")


def _requestor(given: RequestorInput) -> service.Requestor:
    return service.Requestor(given.name, given.organization, given.email, given.phone)


@strawberry.input(description="The review of one variable or parameter.")
class ItemReviewInput:
    item: str = strawberry.field(description="A variable requested, or scope, or period.")
    accepted: bool = strawberry.field(description="Accepted as asked.")
    note: str | None = strawberry.field(
        default=None, description="The reviewer's note.", metadata=MULTILINE
    )


@strawberry.input(description="A Data Sharing Agreement's terms (policy 405, step 2).")
class DsaTermsInput:
    business_need: str = strawberry.field(
        description="The business need, in detail.", metadata=MULTILINE
    )
    intent: str = strawberry.field(description="The intent, in detail.", metadata=MULTILINE)
    variables: list[str] = strawberry.field(
        description="Variables of the catalogue (dataReleaseVariables), at least one PII."
    )
    scope: str = strawberry.field(description="project:ID, agency:ID, can:ID, coc:ID or all.")
    start_date: datetime.date = strawberry.field(description="The period's first day.")
    end_date: datetime.date = strawberry.field(description="The period's last day.")
    transfer_protocol: str = strawberry.field(
        description="The secure transfer agreed with the requestor.", metadata=MULTILINE
    )
    publication_review_agreed: bool = strawberry.field(
        description="Must be true: analyses and drafts go to the Lead Agency and the DSB first."
    )
    no_client_level_publication: bool = strawberry.field(
        description="Must be true: client-level data is never published."
    )
    parties: list[str] = strawberry.field(
        description="Everyone who may hold the data (no third party outside them)."
    )
    completion_expected_on: datetime.date = strawberry.field(
        description="The project's expected completion."
    )


_READ_REQUESTS = Requires(Resource.DATA_REQUEST, Action.READ)
_MANAGE_REQUESTS = Requires(Resource.DATA_REQUEST, Action.MANAGE)
_READ_DSAS = Requires(Resource.DATA_SHARING_AGREEMENT, Action.READ)
_MANAGE_DSAS = Requires(Resource.DATA_SHARING_AGREEMENT, Action.MANAGE)

_Id = Annotated[strawberry.ID, strawberry.argument(description="The request's or DSA's id.")]
_Notes = Annotated[str, strawberry.argument(description="Notes.", metadata=MULTILINE)]


@strawberry.type
class DataReleaseQuery:
    @query(_READ_REQUESTS, description="The variables a data request or DSA may name (405).")
    async def data_release_variables(self, info: ResolverInfo) -> list[DataReleaseVariable]:
        return [
            DataReleaseVariable(name=v.name, level=v.level, pii=v.pii, description=v.description)
            for v in service.VARIABLES
        ]

    @query(
        _READ_REQUESTS,
        description="Aggregate data requests (pages of at most 100), optionally of one status.",
    )
    async def data_requests(
        self,
        info: ResolverInfo,
        status: Annotated[
            DataRequestStatus | None, strawberry.argument(description="Only in this state.")
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[DataRequest]:
        rows = models.DataRequest.all()
        if status is not None:
            rows = rows.filter(status=status)
        return to_connection(await paginate(rows, first=first, after=after))

    @query(_READ_REQUESTS, description="One aggregate data request; unknown: NOT_FOUND.")
    async def data_request(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The request's id.")],
    ) -> DataRequest:
        return await one(models.DataRequest.all(), id, "data request")  # type: ignore[return-value]

    @query(
        _READ_DSAS,
        description="Data Sharing Agreements (pages of at most 100), optionally of one status.",
    )
    async def data_sharing_agreements(
        self,
        info: ResolverInfo,
        status: Annotated[
            DsaStatus | None, strawberry.argument(description="Only in this state.")
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[DataSharingAgreement]:
        rows = models.DataSharingAgreement.all()
        if status is not None:
            rows = rows.filter(status=status)
        return to_connection(await paginate(rows, first=first, after=after))

    @query(_READ_DSAS, description="One Data Sharing Agreement; unknown: NOT_FOUND.")
    async def data_sharing_agreement(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The DSA's id.")],
    ) -> DataSharingAgreement:
        return await one(models.DataSharingAgreement.all(), id, "data sharing agreement")  # type: ignore[return-value]


def _caller(info: ResolverInfo) -> Any:
    return info.context.caller


@strawberry.type
class DataReleaseMutation:
    # Aggregate data requests -----------------------------------------------------------------
    @mutation(
        _MANAGE_REQUESTS,
        description="Enter a Data Request Form for aggregate data. A PII variable: VALIDATION "
        "(a request with PII needs a DSA: recordPiiDataRequest); a scope that does not exist: "
        "FORBIDDEN; a period ending before it starts: VALIDATION.",
    )
    async def submit_data_request(
        self,
        info: ResolverInfo,
        requestor: Annotated[RequestorInput, strawberry.argument(description="Who asks.")],
        purpose: Annotated[
            str, strawberry.argument(description="What the data is for.", metadata=MULTILINE)
        ],
        variables: Annotated[
            list[str], strawberry.argument(description="The variables (none PII).")
        ],
        scope: Annotated[str, strawberry.argument(description="project:ID ... or all.")],
        start_date: Annotated[datetime.date, strawberry.argument(description="First day.")],
        end_date: Annotated[datetime.date, strawberry.argument(description="Last day.")],
    ) -> DataRequest:
        return await service.submit_request(  # type: ignore[return-value]
            caller=_caller(info),
            requestor=_requestor(requestor),
            purpose=purpose,
            variables=variables,
            scope=scope,
            start_date=start_date,
            end_date=end_date,
        )

    @mutation(
        _MANAGE_REQUESTS,
        description="Step 2: review each variable requested and the parameters scope and "
        "period, once each (VALIDATION otherwise). Not SUBMITTED: CONFLICT.",
    )
    async def review_data_request(
        self,
        info: ResolverInfo,
        id: _Id,
        items: Annotated[
            list[ItemReviewInput], strawberry.argument(description="One per variable/parameter.")
        ],
    ) -> DataRequest:
        return await service.review_request(  # type: ignore[return-value]
            caller=_caller(info),
            request_id=parse_id(id, "id"),
            items=[service.ItemReview(i.item, i.accepted, i.note) for i in items],
        )

    @mutation(_MANAGE_REQUESTS, description="Step 3: the meeting with the requestor (REVIEWED).")
    async def record_data_request_meeting(
        self,
        info: ResolverInfo,
        id: _Id,
        met_on: Annotated[datetime.date, strawberry.argument(description="The day, not future.")],
        notes: _Notes,
    ) -> DataRequest:
        return await service.record_request_meeting(  # type: ignore[return-value]
            caller=_caller(info), request_id=parse_id(id, "id"), met_on=met_on, notes=notes
        )

    @mutation(
        _MANAGE_REQUESTS,
        description="Step 4: record what was delivered (the aggregate report, the channel) (MET).",
    )
    async def deliver_data_request(
        self,
        info: ResolverInfo,
        id: _Id,
        delivery: Annotated[
            str, strawberry.argument(description="What was delivered.", metadata=MULTILINE)
        ],
    ) -> DataRequest:
        return await service.deliver_request(  # type: ignore[return-value]
            caller=_caller(info), request_id=parse_id(id, "id"), delivery=delivery
        )

    @mutation(_MANAGE_REQUESTS, description="Decline or withdraw a request before its delivery.")
    async def close_data_request(
        self,
        info: ResolverInfo,
        id: _Id,
        status: Annotated[
            DataRequestStatus, strawberry.argument(description="DECLINED or WITHDRAWN.")
        ],
        reason: Annotated[str, strawberry.argument(description="Why, 1 to 500 characters.")],
    ) -> DataRequest:
        return await service.close_request(  # type: ignore[return-value]
            caller=_caller(info), request_id=parse_id(id, "id"), status=status, reason=reason
        )

    # Data sharing agreements -------------------------------------------------------------------
    @mutation(
        _MANAGE_DSAS,
        description="Step 1: enter a data request that includes PII (at least one PII variable; "
        "VALIDATION otherwise).",
    )
    async def record_pii_data_request(
        self,
        info: ResolverInfo,
        requestor: Annotated[RequestorInput, strawberry.argument(description="Who asks.")],
        purpose: Annotated[
            str, strawberry.argument(description="What the data is for.", metadata=MULTILINE)
        ],
        variables: Annotated[list[str], strawberry.argument(description="The variables asked.")],
    ) -> DataSharingAgreement:
        return await service.record_pii_request(  # type: ignore[return-value]
            caller=_caller(info),
            requestor=_requestor(requestor),
            purpose=purpose,
            variables=variables,
        )

    @mutation(
        _MANAGE_DSAS,
        description="Step 1: the Lead Agency contacted the requestor, confirmed PII is needed "
        "and discussed its sensitive nature (REQUESTED).",
    )
    async def confirm_dsa_pii(
        self,
        info: ResolverInfo,
        id: _Id,
        contacted_on: Annotated[datetime.date, strawberry.argument(description="The day.")],
        notes: _Notes,
    ) -> DataSharingAgreement:
        return await service.confirm_pii(  # type: ignore[return-value]
            caller=_caller(info),
            agreement_id=parse_id(id, "id"),
            contacted_on=contacted_on,
            notes=notes,
        )

    @mutation(
        _MANAGE_DSAS,
        description="Step 2: the DSA's terms (again, corrected, until reviewed). Each clause of "
        "policy 405 is required (VALIDATION otherwise).",
    )
    async def submit_data_sharing_agreement(
        self,
        info: ResolverInfo,
        id: _Id,
        terms: Annotated[DsaTermsInput, strawberry.argument(description="The terms.")],
    ) -> DataSharingAgreement:
        return await service.submit_agreement(  # type: ignore[return-value]
            caller=_caller(info),
            agreement_id=parse_id(id, "id"),
            terms=service.DsaTerms(
                business_need=terms.business_need,
                intent=terms.intent,
                variables=terms.variables,
                scope=terms.scope,
                start_date=terms.start_date,
                end_date=terms.end_date,
                transfer_protocol=terms.transfer_protocol,
                publication_review_agreed=terms.publication_review_agreed,
                no_client_level_publication=terms.no_client_level_publication,
                parties=terms.parties,
                completion_expected_on=terms.completion_expected_on,
            ),
        )

    @mutation(_MANAGE_DSAS, description="Step 3: the Lead Agency reviewed the DSA (SUBMITTED).")
    async def review_data_sharing_agreement(
        self, info: ResolverInfo, id: _Id, notes: _Notes
    ) -> DataSharingAgreement:
        return await service.review_agreement(  # type: ignore[return-value]
            caller=_caller(info), agreement_id=parse_id(id, "id"), notes=notes
        )

    @mutation(
        _MANAGE_DSAS,
        description="Step 4: the meeting with the requestor (REVIEWED); the DSA may then be put "
        "to the board (openDsbMotion with subjectKind DATA_SHARING_AGREEMENT).",
    )
    async def record_dsa_meeting(
        self,
        info: ResolverInfo,
        id: _Id,
        met_on: Annotated[datetime.date, strawberry.argument(description="The day, not future.")],
        notes: _Notes,
    ) -> DataSharingAgreement:
        return await service.record_agreement_meeting(  # type: ignore[return-value]
            caller=_caller(info), agreement_id=parse_id(id, "id"), met_on=met_on, notes=notes
        )

    @mutation(
        _MANAGE_DSAS,
        description="Step 6: finalized and executed by the Lead Agency, after the board "
        "approved it (APPROVED; CONFLICT otherwise).",
    )
    async def execute_data_sharing_agreement(
        self,
        info: ResolverInfo,
        id: _Id,
        executed_on: Annotated[datetime.date, strawberry.argument(description="The day.")],
    ) -> DataSharingAgreement:
        return await service.execute_agreement(  # type: ignore[return-value]
            caller=_caller(info), agreement_id=parse_id(id, "id"), executed_on=executed_on
        )

    @mutation(
        _MANAGE_DSAS,
        description="The requestor withdrew before execution (not while a motion is open).",
    )
    async def withdraw_data_sharing_agreement(
        self,
        info: ResolverInfo,
        id: _Id,
        reason: Annotated[str, strawberry.argument(description="Why, 1 to 500 characters.")],
    ) -> DataSharingAgreement:
        return await service.withdraw_agreement(  # type: ignore[return-value]
            caller=_caller(info), agreement_id=parse_id(id, "id"), reason=reason
        )

    @mutation(
        Requires(Resource.DATA_SHARING_AGREEMENT, Action.EXTRACT),
        description="Step 7: produce the AES-256 encrypted extract of an executed DSA, audited "
        "per client; returns the passphrase once and a short-lived download URL. A variable the "
        "DSA did not approve: VALIDATION, nothing written. Not EXECUTED/EXTRACTED: CONFLICT.",
    )
    async def produce_dsa_extract(
        self,
        info: ResolverInfo,
        id: _Id,
        variables: Annotated[
            list[str] | None,
            strawberry.argument(description="Some of the approved variables; none: all of them."),
        ] = None,
    ) -> ProducedDsaExtract:
        ctx = info.context
        settings = ctx.settings
        ctx.allow_time(settings.hud_export_timeout_seconds)
        result = await service.produce_extract(
            caller=ctx.caller,
            agreement_id=parse_id(id, "id"),
            variables=variables,
            directory=settings.exports_path,
            ttl=datetime.timedelta(seconds=settings.hud_export_ttl_seconds),
        )
        return ProducedDsaExtract(
            extract=result.extract,  # type: ignore[arg-type]
            passphrase=result.passphrase,
            download_url=f"{DOWNLOAD_PATH}{result.extract.id}",
        )

    @mutation(
        _MANAGE_DSAS,
        description="Step 7: the extract named was delivered (EXTRACTED), with how.",
    )
    async def deliver_dsa_extract(
        self,
        info: ResolverInfo,
        id: _Id,
        extract_id: Annotated[strawberry.ID, strawberry.argument(description="The extract.")],
        notes: _Notes,
    ) -> DataSharingAgreement:
        return await service.deliver_extract(  # type: ignore[return-value]
            caller=_caller(info),
            agreement_id=parse_id(id, "id"),
            extract_id=parse_id(extract_id, "extractId"),
            notes=notes,
        )

    @mutation(
        _MANAGE_DSAS,
        description="The project completed (DELIVERED): a compliance case opens, due 90 days "
        "later, and the requestor is told until the destruction is attested.",
    )
    async def complete_dsa_project(
        self,
        info: ResolverInfo,
        id: _Id,
        completed_on: Annotated[datetime.date, strawberry.argument(description="The day.")],
    ) -> DataSharingAgreement:
        return await service.complete_project(  # type: ignore[return-value]
            caller=_caller(info), agreement_id=parse_id(id, "id"), completed_on=completed_on
        )

    @mutation(
        _MANAGE_DSAS,
        description="Step 8: record the requestor's attestation that the file was destroyed "
        "(who, when, how); the case closes.",
    )
    async def attest_dsa_destruction(
        self,
        info: ResolverInfo,
        id: _Id,
        destroyed_on: Annotated[datetime.date, strawberry.argument(description="The day.")],
        attested_by: Annotated[str, strawberry.argument(description="Who attested it.")],
        method: Annotated[str, strawberry.argument(description="How it was destroyed.")],
    ) -> DataSharingAgreement:
        return await service.attest_destruction(  # type: ignore[return-value]
            caller=_caller(info),
            agreement_id=parse_id(id, "id"),
            destroyed_on=destroyed_on,
            attested_by=attested_by,
            method=method,
        )
