"""Releasing data (policy 405) over GraphQL and HTTP: the DSA's steps as the Lead Agency takes
them, the extract's passphrase given once and its download for its producer only, on the same
terms as the HUD CSV export; who reads and who may not act; PII refused on the aggregate
route."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import httpx
import pyzipper

from models.audit import AuditEvent
from models.clients import Client, ConsentToEnter, ssn_columns
from models.data_releases import DataSharingAgreement, DsaStatus
from models.dsb import MeetingKind, MotionSubject, SeatCategory, VoteChoice
from models.enrollments import Enrollment
from models.enums import AccessLevel, AuditAction, ConsentKind, SystemRole
from models.governance import Agency, Project
from services import dsb
from tests.factories import Api, make_agency, make_user
from tests.services.support import NOW, caller_of, decisions_for

RECORD = """
mutation($input: RecordPiiDataRequestInput!) { recordPiiDataRequest(input: $input) { id status } }"""
CONFIRM = """
mutation($input: ConfirmDsaPiiInput!) { confirmDsaPii(input: $input) { id status } }"""
SUBMIT = """
mutation($input: SubmitDataSharingAgreementInput!) {
  submitDataSharingAgreement(input: $input) { id status variables parties } }"""
REVIEW = """
mutation($input: ReviewDataSharingAgreementInput!) {
  reviewDataSharingAgreement(input: $input) { id status } }"""
MEET = """
mutation($input: RecordDsaMeetingInput!) { recordDsaMeeting(input: $input) { id status } }"""
EXECUTE = """
mutation($input: ExecuteDataSharingAgreementInput!) {
  executeDataSharingAgreement(input: $input) { id status motionId } }"""
PRODUCE = """
mutation($input: ProduceDsaExtractInput!) {
  produceDsaExtract(input: $input) {
    passphrase downloadUrl extract { id variables rows clients sizeBytes expiresAt } } }"""
LIST = """
query { dataSharingAgreements(first: 10) { edges { node { id status extracts { id } } } } }"""
SUBMIT_REQUEST = """
mutation($input: SubmitDataRequestInput!) { submitDataRequest(input: $input) { id status } }"""
VARIABLES_QUERY = "query { dataReleaseVariables { name pii level description } }"
DELIVER = """
mutation($input: DeliverDsaExtractInput!) { deliverDsaExtract(input: $input) { id status } }"""
COMPLETE = """
mutation($input: CompleteDsaProjectInput!) {
  completeDsaProject(input: $input) { id status destructionDueOn destructionCaseId } }"""
ATTEST = """
mutation($input: AttestDsaDestructionInput!) { attestDsaDestruction(input: $input) { id status } }"""
CASES = """
query { complianceCases(kind: DSA_DESTRUCTION, first: 10) {
  edges { node { id kind status dueOn user { id } agencyId policy } } } }"""
ONE = """
query($id: ID!) { dataSharingAgreement(id: $id) {
  id requestorName requestorOrganization requestorEmail requestorPhone purpose requestedVariables
  status enteredAt piiContactedOn piiContactNotes businessNeed intent variables scope startDate
  endDate transferProtocol publicationReviewAgreed noClientLevelPublication parties
  completionExpectedOn reviewedAt reviewNotes metOn meetingNotes motionId decidedAt executedOn
  deliveredAt deliveredExtractId deliveryNotes completedOn destructionCaseId destructionDueOn
  destroyedOn destructionMethod destructionAttestedBy destructionRecordedAt closedReason
  extracts { id agreementId producedById producedAt variables scope startDate endDate rows
    clients sizeBytes expiresAt } } }"""
ONE_REQUEST = """
query($id: ID!) { dataRequest(id: $id) {
  id requestorName requestorOrganization requestorEmail requestorPhone purpose variables scope
  startDate endDate status enteredById submittedAt reviewedAt metOn meetingNotes deliveredAt
  delivery closedAt closedReason review { item accepted note } } }"""

VARIABLES = ["PersonalID", "FirstName", "LastName", "EntryDate"]
REQUESTOR = {"name": "Dana", "organization": "State University", "email": "dana@uni.example.edu"}


async def _world() -> tuple[Agency, Agency]:
    a, b = await make_agency("Agency A"), await make_agency("Agency B")
    writer = await make_user(agencies={a: AccessLevel.FULL, b: AccessLevel.FULL})
    for agency, name in ((a, "Rosa"), (b, "Sentinel")):
        project = await Project.create(
            agency=agency,
            name=f"Shelter {name}",
            project_type=0,
            operating_start_date=date(2020, 1, 1),
            coc_code="CT-503",
        )
        client = await Client.create(
            first_name=name,
            last_name="Parks",
            dob=date(1980, 2, 4),
            **ssn_columns("123456789"),
            created_by_agency=agency,
            created_by_user=writer,
            created_at=NOW,
            updated_at=NOW,
            last_activity_at=NOW,
        )
        await ConsentToEnter.create(
            client=client,
            agency=agency,
            kind=ConsentKind.WRITTEN,
            taken_by=writer,
            taken_on=date(2025, 1, 2),
            recorded_at=NOW,
        )
        await Enrollment.create(
            client=client,
            project=project,
            agency=agency,
            entry_date=date(2025, 6, 1),
            household_id=name,
            relationship_to_hoh=1,
            created_by_user=writer,
            created_at=NOW,
            updated_at=NOW,
        )
    return a, b


async def _approve(lead_user: Any, agreement_id: str, held_on: date) -> None:
    """The board approves it: three voting seats present, all yes."""
    lead = caller_of(await decisions_for(lead_user), today=held_on)
    seats = [
        await dsb.appoint_seat(
            caller=lead,
            category=SeatCategory.PROVIDER_DATA_EXPERT,
            member_name=f"Member {n}",
            appointing_body="Board",
            term_start=date(2026, 1, 1),
            term_end=date(2027, 12, 31),
            lived_experience=False,
        )
        for n in range(3)
    ]
    meeting = await dsb.schedule_meeting(
        caller=lead, held_on=held_on, kind=MeetingKind.SPECIAL, title="DSA", agenda=[]
    )
    await dsb.record_attendance(caller=lead, meeting_id=meeting.id, seat_ids=[s.id for s in seats])
    motion = await dsb.open_motion(
        caller=lead,
        meeting_id=meeting.id,
        text_="Approve the DSA.",
        subject=(MotionSubject.DATA_SHARING_AGREEMENT, agreement_id),  # type: ignore[arg-type]
    )
    for seat in seats:
        await dsb.record_vote(
            caller=lead, motion_id=motion.id, seat_id=seat.id, choice=VoteChoice.YES
        )
    await dsb.close_motion(caller=lead, motion_id=motion.id)


async def test_a_dsa_from_request_to_encrypted_download(api: Api, http: httpx.AsyncClient) -> None:
    a, _ = await _world()
    lead_user = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    token = await api.sign_in(lead_user)
    today = str(api.clock.now().date())
    dsa = (
        await api.ok(
            RECORD,
            {"input": {"requestor": REQUESTOR, "purpose": "Study.", "variables": VARIABLES}},
            token,
        )
    )["recordPiiDataRequest"]
    assert dsa["status"] == "REQUESTED"
    ident = dsa["id"]
    await api.ok(CONFIRM, {"input": {"id": ident, "contactedOn": today, "notes": "Yes."}}, token)
    terms = {
        "businessNeed": "Match stays to hospital records.",
        "intent": "Readmission rates.",
        "variables": VARIABLES,
        "scope": f"agency:{a.id}",
        "startDate": "2025-01-01",
        "endDate": "2025-12-31",
        "transferProtocol": "SFTP.",
        "publicationReviewAgreed": True,
        "noClientLevelPublication": True,
        "parties": ["State University"],
        "completionExpectedOn": "2026-12-31",
    }
    refused = await api.error(
        SUBMIT,
        {"input": {"id": ident, "terms": {**terms, "noClientLevelPublication": False}}},
        token,
    )
    assert (refused["code"], refused["field"]) == ("VALIDATION", "noClientLevelPublication")
    submitted = (await api.ok(SUBMIT, {"input": {"id": ident, "terms": terms}}, token))[
        "submitDataSharingAgreement"
    ]
    assert submitted["status"] == "SUBMITTED"
    await api.ok(REVIEW, {"input": {"id": ident, "notes": "Complete."}}, token)
    # no extract before the board and the execution
    early = await api.error(PRODUCE, {"input": {"id": ident}}, token)
    assert early["code"] == "CONFLICT"
    await api.ok(MEET, {"input": {"id": ident, "metOn": today, "notes": "Met."}}, token)
    await _approve(lead_user, ident, api.clock.now().date())
    executed = (await api.ok(EXECUTE, {"input": {"id": ident, "executedOn": today}}, token))[
        "executeDataSharingAgreement"
    ]
    assert executed["status"] == "EXECUTED"
    assert executed["motionId"]
    unapproved = await api.error(PRODUCE, {"input": {"id": ident, "variables": ["SSN"]}}, token)
    assert (unapproved["code"], unapproved["field"]) == ("VALIDATION", "variables")
    produced = (await api.ok(PRODUCE, {"input": {"id": ident}}, token))["produceDsaExtract"]
    assert produced["extract"]["variables"] == VARIABLES
    assert produced["extract"]["clients"] == 1
    url = produced["downloadUrl"]
    assert url == f"/exports/dsa-extract/{produced['extract']['id']}"
    response = await http.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    with pyzipper.AESZipFile(io.BytesIO(response.content)) as archive:
        archive.setpassword(produced["passphrase"].encode())
        text = archive.read("extract.csv").decode()
    assert text.splitlines()[0] == ",".join(VARIABLES)
    assert "Rosa" in text
    assert "Sentinel" not in text
    # the passphrase was given once: the DSA's own page does not have it
    listed = await api.ok(LIST, token=token)
    assert produced["passphrase"] not in str(listed)
    page = (await api.ok(ONE, {"id": ident}, token))["dataSharingAgreement"]
    assert page["status"] == "EXTRACTED"
    assert page["extracts"][0]["agreementId"] == ident
    assert page["parties"] == ["State University"]
    assert produced["passphrase"] not in str(page)
    assert (await DataSharingAgreement.get(id=ident)).status == DsaStatus.EXTRACTED
    # another Lead Agency user may not download it; nor may anyone once it expired
    other = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY,)))
    assert (await http.get(url, headers={"Authorization": f"Bearer {other}"})).status_code == 404
    api.clock.advance(timedelta(hours=1))
    token = await api.sign_in(lead_user)
    assert (await http.get(url, headers={"Authorization": f"Bearer {token}"})).status_code == 410
    downloads = await AuditEvent.filter(action=AuditAction.EXPORT, entity_type="DsaExtract")
    assert ["download" in e.fields_touched for e in downloads] == [False, True]
    # delivered, the project completed: the 90-day case, seen by the System Administrator
    today = str(api.clock.now().date())
    delivered = {"id": ident, "extractId": produced["extract"]["id"], "notes": "SFTP."}
    await api.ok(DELIVER, {"input": delivered}, token)
    completed = (await api.ok(COMPLETE, {"input": {"id": ident, "completedOn": today}}, token))[
        "completeDsaProject"
    ]
    due = str(api.clock.now().date() + timedelta(days=90))
    assert (completed["status"], completed["destructionDueOn"]) == ("COMPLETED", due)
    admin = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    cases = (await api.ok(CASES, token=admin))["complianceCases"]["edges"]
    assert [c["node"] for c in cases] == [
        {
            "id": completed["destructionCaseId"],
            "kind": "DSA_DESTRUCTION",
            "status": "OPEN",
            "dueOn": due,
            "user": None,
            "agencyId": None,
            "policy": "405",
        }
    ]
    attested = {
        "id": ident,
        "destroyedOn": today,
        "attestedBy": "Dana",
        "method": "Secure deletion.",
    }
    destroyed = (await api.ok(ATTEST, {"input": attested}, token))["attestDsaDestruction"]
    assert destroyed["status"] == "DESTROYED"
    cases = (await api.ok(CASES, token=admin))["complianceCases"]["edges"]
    assert cases[0]["node"]["status"] == "RESOLVED"


async def test_board_members_read_and_no_one_but_the_lead_agency_acts(api: Api) -> None:
    a, _ = await _world()
    member = await api.sign_in(await make_user(roles=(SystemRole.DSB_MEMBER,)))
    worker = await api.sign_in(await make_user(agencies={a: AccessLevel.FULL}))
    admin = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))
    assert (await api.ok(LIST, token=member))["dataSharingAgreements"]["edges"] == []
    assert (await api.ok(LIST, token=admin))["dataSharingAgreements"]["edges"] == []
    assert (await api.error(LIST, token=worker))["code"] == "FORBIDDEN"
    call = {"input": {"requestor": REQUESTOR, "purpose": "Study.", "variables": VARIABLES}}
    for token in (member, worker, admin):
        assert (await api.error(RECORD, call, token))["code"] == "FORBIDDEN"
    assert await DataSharingAgreement.all().count() == 0


async def test_pii_on_the_aggregate_route_is_refused_over_graphql(api: Api) -> None:
    a, _ = await _world()
    token = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY,)))
    catalogue = (await api.ok(VARIABLES_QUERY, token=token))["dataReleaseVariables"]
    assert {v["name"] for v in catalogue if v["pii"]} == {
        "FirstName",
        "MiddleName",
        "LastName",
        "NameSuffix",
        "Initials",
        "SSN",
        "DOB",
        "Phone",
        "Email",
    }
    call = {
        "input": {
            "requestor": REQUESTOR,
            "purpose": "Counts.",
            "variables": ["VeteranStatus", "DOB"],
            "scope": f"agency:{a.id}",
            "startDate": "2025-01-01",
            "endDate": "2025-12-31",
        }
    }
    refused = await api.error(SUBMIT_REQUEST, call, token)
    assert (refused["code"], refused["field"]) == ("VALIDATION", "variables")
    backwards = {"input": {**call["input"], "variables": ["Sex"], "endDate": "2024-01-01"}}
    assert (await api.error(SUBMIT_REQUEST, backwards, token))["field"] == "endDate"
    ok = await api.ok(SUBMIT_REQUEST, {"input": {**call["input"], "variables": ["Sex"]}}, token)
    assert ok["submitDataRequest"]["status"] == "SUBMITTED"
    page = await api.ok(ONE_REQUEST, {"id": ok["submitDataRequest"]["id"]}, token)
    assert page["dataRequest"]["variables"] == ["Sex"]
    assert page["dataRequest"]["review"] == []
