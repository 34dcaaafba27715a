"""Releasing data (policy 405): the aggregate request's steps in order and its refusal of PII;
the DSA's steps, the board's gate (no extract before a carried motion and the execution; a
failed motion denies; one open motion at a time); the encrypted extract holding only the
approved variables over the scope (another agency's sentinel client never in it; a wrong
passphrase opens nothing), audited per client; the 90-day destruction case from completion to
attestation, with a frozen clock. Bad input: typed errors, nothing changed."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pyzipper

from authz.clients import dsa_lens
from models.audit import AuditEvent
from models.clients import Client, ConsentToEnter, ssn_columns
from models.compliance import CaseKind, CaseStatus, ComplianceCase
from models.data_releases import (
    DataRequest,
    DataRequestStatus,
    DataSharingAgreement,
    DsaExtract,
    DsaStatus,
)
from models.dsb import MeetingKind, MotionStatus, MotionSubject, SeatCategory, VoteChoice
from models.enrollments import Enrollment, Exit
from models.enums import AuditAction, ConsentKind, ReleaseScope, SystemRole
from models.governance import Agency, Project
from models.governance_log import GovernanceEvent
from models.outbox import OutboxMessage
from models.releases import Release, ReleaseRecipient
from models.users import User
from services import data_releases as dr
from services import dsb
from services.caller import Caller
from services.compliance import enforce_deadlines
from services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.factories import make_agency, make_user
from tests.services.support import NOW, caller_of, decisions_for

pytestmark = pytest.mark.usefixtures("app")

TZ = NOW.tzinfo
START, END = date(2025, 1, 1), date(2026, 2, 28)
TTL = timedelta(minutes=15)
REQUESTOR = dr.Requestor(
    name="Dana Researcher", organization="State University", email="dana@university.example.edu"
)


async def _lead(now: datetime = NOW) -> Caller:
    user = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    return caller_of(await decisions_for(user), now=now)


async def _counts() -> dict[str, int]:
    return {
        "requests": await DataRequest.all().count(),
        "dsas": await DataSharingAgreement.all().count(),
        "extracts": await DsaExtract.all().count(),
        "cases": await ComplianceCase.all().count(),
        "log": await GovernanceEvent.all().count(),
        "outbox": await OutboxMessage.all().count(),
    }


# Aggregate requests ---------------------------------------------------------------------------


async def _request(caller: Caller, agency: Agency, **changes: Any) -> DataRequest:
    values: dict[str, Any] = {
        "requestor": REQUESTOR,
        "purpose": "Counts of veterans by destination for a policy brief.",
        "variables": ["VeteranStatus", "Destination"],
        "scope": f"agency:{agency.id}",
        "start_date": START,
        "end_date": END,
    }
    values.update(changes)
    return await dr.submit_request(caller=caller, **values)


def _review_all(row: DataRequest) -> list[dr.ItemReview]:
    return [dr.ItemReview(item, True, "Fine.") for item in [*row.variables, "scope", "period"]]


async def test_an_aggregate_request_goes_submitted_reviewed_met_delivered_in_that_order() -> None:
    caller = await _lead()
    agency = await make_agency()
    row = await _request(caller, agency)
    assert row.status == DataRequestStatus.SUBMITTED
    assert row.variables == ["VeteranStatus", "Destination"]  # the catalogue's order
    # out of order: a meeting or a delivery before the review
    with pytest.raises(Conflict):
        await dr.record_request_meeting(
            caller=caller, request_id=row.id, met_on=NOW.date(), notes="Met."
        )
    with pytest.raises(Conflict):
        await dr.deliver_request(caller=caller, request_id=row.id, delivery="Report")
    # the review covers each variable and each parameter, exactly
    with pytest.raises(ValidationFailed) as missing:
        await dr.review_request(caller=caller, request_id=row.id, items=_review_all(row)[:-1])
    assert missing.value.field == "items"
    with pytest.raises(ValidationFailed):
        await dr.review_request(
            caller=caller,
            request_id=row.id,
            items=[*_review_all(row), dr.ItemReview("DOB", False)],
        )
    reviewed = await dr.review_request(caller=caller, request_id=row.id, items=_review_all(row))
    assert reviewed.status == DataRequestStatus.REVIEWED
    assert [r["item"] for r in reviewed.review or []] == [
        "VeteranStatus",
        "Destination",
        "scope",
        "period",
    ]
    with pytest.raises(Conflict):  # reviewed once
        await dr.review_request(caller=caller, request_id=row.id, items=_review_all(row))
    with pytest.raises(Conflict):
        await dr.deliver_request(caller=caller, request_id=row.id, delivery="Report")
    with pytest.raises(ValidationFailed):  # a meeting in the future
        await dr.record_request_meeting(
            caller=caller, request_id=row.id, met_on=NOW.date() + timedelta(days=1), notes="x"
        )
    met = await dr.record_request_meeting(
        caller=caller, request_id=row.id, met_on=NOW.date(), notes="Agreed the breakdowns."
    )
    assert met.status == DataRequestStatus.MET
    done = await dr.deliver_request(
        caller=caller, request_id=row.id, delivery="Aggregate report 2026-03, sent by e-mail."
    )
    assert done.status == DataRequestStatus.DELIVERED
    assert done.delivered_at == NOW
    with pytest.raises(Conflict):  # delivered: it closes no more
        await dr.close_request(
            caller=caller, request_id=row.id, status=DataRequestStatus.WITHDRAWN, reason="x"
        )
    actions = [
        e.action async for e in GovernanceEvent.filter(entity_id=str(row.id)).order_by("seq")
    ]
    assert actions == [
        "data_request.submit",
        "data_request.review",
        "data_request.meet",
        "data_request.deliver",
    ]


@pytest.mark.parametrize("pii", ["FirstName", "Initials", "DOB", "Phone", "Email", "SSN"])
async def test_a_pii_variable_on_the_aggregate_route_is_refused_for_a_dsa(pii: str) -> None:
    caller = await _lead()
    agency = await make_agency()
    before = await _counts()
    with pytest.raises(dr.PiiNeedsAgreement) as refused:
        await _request(caller, agency, variables=["VeteranStatus", pii])
    assert refused.value.field == "variables"
    assert "Data Sharing Agreement" in refused.value.message
    assert await _counts() == before


async def test_a_request_may_be_declined_or_withdrawn_before_delivery() -> None:
    caller = await _lead()
    agency = await make_agency()
    row = await _request(caller, agency)
    with pytest.raises(ValidationFailed):
        await dr.close_request(
            caller=caller, request_id=row.id, status=DataRequestStatus.MET, reason="x"
        )
    closed = await dr.close_request(
        caller=caller, request_id=row.id, status=DataRequestStatus.DECLINED, reason="Out of scope."
    )
    assert closed.status == DataRequestStatus.DECLINED
    with pytest.raises(Conflict):
        await dr.review_request(caller=caller, request_id=row.id, items=_review_all(row))


async def test_bad_aggregate_input_is_a_typed_error_and_changes_nothing() -> None:
    caller = await _lead()
    agency = await make_agency()
    before = await _counts()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"variables": ["NoSuchColumn"]}, "variables"),
        ({"variables": []}, "variables"),
        ({"variables": ["Sex", "Sex"]}, "variables"),
        ({"start_date": END, "end_date": START}, "endDate"),
        ({"scope": "agency:not-a-uuid"}, "scope"),
        ({"purpose": "  "}, "purpose"),
        ({"requestor": dr.Requestor("Dana", "Uni", "not an address")}, "requestorEmail"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationFailed) as error:
            await _request(caller, agency, **changes)
        assert error.value.field == field, changes
    with pytest.raises(Forbidden) as unknown:  # a scope that does not exist: never said which
        await _request(caller, agency, scope=f"agency:{uuid.uuid4()}")
    assert unknown.value.field == "scope"
    with pytest.raises(NotFound):
        await dr.review_request(caller=caller, request_id=uuid.uuid4(), items=[])
    assert await _counts() == before


# Data sharing agreements ----------------------------------------------------------------------


@pytest.fixture
async def world() -> dict[str, Any]:
    """Agency A (the DSA's scope) with a client enrolled in the period and one enrolled after
    it, agency B with a sentinel client; three voting seats and a meeting."""
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    worker = await make_user(agencies={})
    project_a = await Project.create(
        agency=a,
        name="Shelter A",
        project_type=0,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )
    project_b = await Project.create(
        agency=b,
        name="Shelter B",
        project_type=0,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )
    rosa = await _client(a, worker, "Rosa", "Parks", "123456789", date(1980, 2, 4))
    late = await _client(a, worker, "Late", "Comer", "987654321", date(1990, 1, 1))
    sentinel = await _client(b, worker, "Sentinel", "Other", "111223333", date(1970, 5, 5))
    e_rosa = await _enroll(rosa, project_a, worker, date(2025, 6, 1))
    await Exit.create(
        enrollment=e_rosa,
        exit_date=date(2025, 9, 30),
        destination=410,
        created_by_user=worker,
        created_at=NOW,
        updated_at=NOW,
    )
    await _enroll(late, project_a, worker, date(2026, 3, 1))  # after the period
    await _enroll(sentinel, project_b, worker, date(2025, 6, 1))
    # B's client (consent at B only, nothing released) with a stay recorded at A's project: the
    # DSA's lens (what A holds) does not see it
    hidden = await _client(b, worker, "Hidden", "Other", "222334444", date(1975, 3, 3))
    await _enroll(hidden, project_a, worker, date(2025, 6, 1))
    lead = await _lead()
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
        caller=lead, held_on=NOW.date(), kind=MeetingKind.REGULAR, title="March", agenda=[]
    )
    await dsb.record_attendance(caller=lead, meeting_id=meeting.id, seat_ids=[s.id for s in seats])
    return {
        "a": a,
        "b": b,
        "lead": lead,
        "seats": seats,
        "meeting": meeting,
        "rosa": rosa,
        "late": late,
        "sentinel": sentinel,
        "e_rosa": e_rosa,
    }


async def _client(
    agency: Agency, writer: User, first: str, last: str, ssn: str, dob: date
) -> Client:
    client = await Client.create(
        first_name=first,
        last_name=last,
        dob=dob,
        **ssn_columns(ssn),
        veteran_status=1,
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
    return client


async def _enroll(client: Client, project: Project, writer: User, entry: date) -> Enrollment:
    return await Enrollment.create(
        client=client,
        project=project,
        agency_id=project.agency_id,
        entry_date=entry,
        household_id=uuid.uuid4().hex,
        relationship_to_hoh=1,
        created_by_user=writer,
        created_at=NOW,
        updated_at=NOW,
    )


APPROVED = [
    "PersonalID",
    "FirstName",
    "LastName",
    "DOB",
    "VeteranStatus",
    "EntryDate",
    "ExitDate",
    "Destination",
]


def _terms(agency: Agency, **changes: Any) -> dr.DsaTerms:
    values: dict[str, Any] = {
        "business_need": "Match shelter stays to hospital records for a readmission study.",
        "intent": "Publish aggregate readmission rates; no client-level results.",
        "variables": APPROVED,
        "scope": f"agency:{agency.id}",
        "start_date": START,
        "end_date": END,
        "transfer_protocol": "SFTP to the university's server; passphrase by phone.",
        "publication_review_agreed": True,
        "no_client_level_publication": True,
        "parties": ["State University", "State Hospital"],
        "completion_expected_on": date(2026, 12, 31),
    }
    values.update(changes)
    return dr.DsaTerms(**values)


async def _ready(lead: Caller, agency: Agency) -> DataSharingAgreement:
    """A DSA through steps 1-4: ready for the board."""
    row = await dr.record_pii_request(
        caller=lead, requestor=REQUESTOR, purpose="Readmission study.", variables=APPROVED
    )
    await dr.confirm_pii(
        caller=lead, agreement_id=row.id, contacted_on=NOW.date(), notes="PII needed to match."
    )
    await dr.submit_agreement(caller=lead, agreement_id=row.id, terms=_terms(agency))
    await dr.review_agreement(caller=lead, agreement_id=row.id, notes="Complete.")
    return await dr.record_agreement_meeting(
        caller=lead, agreement_id=row.id, met_on=NOW.date(), notes="Discussed security."
    )


async def _decide(w: dict[str, Any], dsa: DataSharingAgreement, *, yes: int) -> Any:
    motion = await dsb.open_motion(
        caller=w["lead"],
        meeting_id=w["meeting"].id,
        text_="Approve the DSA.",
        subject=(MotionSubject.DATA_SHARING_AGREEMENT, dsa.id),
    )
    for n, seat in enumerate(w["seats"]):
        choice = VoteChoice.YES if n < yes else VoteChoice.NO
        await dsb.record_vote(caller=w["lead"], motion_id=motion.id, seat_id=seat.id, choice=choice)
    return await dsb.close_motion(caller=w["lead"], motion_id=motion.id)


async def _produce(lead: Caller, dsa: DataSharingAgreement, tmp: Path, **kw: Any) -> Any:
    return await dr.produce_extract(
        caller=lead,
        agreement_id=dsa.id,
        variables=kw.pop("variables", None),
        directory=tmp,
        ttl=TTL,
        **kw,
    )


def _open(path: Path, passphrase: str) -> list[dict[str, str]]:
    with pyzipper.AESZipFile(path) as archive:
        archive.setpassword(passphrase.encode())
        text = archive.read("extract.csv").decode("utf-8")
        assert "variables.csv" in archive.namelist()
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_dsa_steps_go_in_order_and_no_extract_before_approval_and_execution(
    world: dict[str, Any], tmp_path: Path
) -> None:
    w, lead = world, world["lead"]
    row = await dr.record_pii_request(
        caller=lead, requestor=REQUESTOR, purpose="Readmission study.", variables=APPROVED
    )
    assert row.status == DsaStatus.REQUESTED
    with pytest.raises(Conflict):  # the DSA before the PII contact
        await dr.submit_agreement(caller=lead, agreement_id=row.id, terms=_terms(w["a"]))
    await dr.confirm_pii(caller=lead, agreement_id=row.id, contacted_on=NOW.date(), notes="Yes.")
    with pytest.raises(Conflict):  # the meeting before the review
        await dr.record_agreement_meeting(
            caller=lead, agreement_id=row.id, met_on=NOW.date(), notes="x"
        )
    await dr.submit_agreement(caller=lead, agreement_id=row.id, terms=_terms(w["a"]))
    # not yet ready for the board: a motion on it is refused, nothing written
    with pytest.raises(Conflict) as early:
        await dsb.open_motion(
            caller=lead,
            meeting_id=w["meeting"].id,
            text_="Approve",
            subject=(MotionSubject.DATA_SHARING_AGREEMENT, row.id),
        )
    assert early.value.field == "subjectId"
    await dr.review_agreement(caller=lead, agreement_id=row.id, notes="Complete.")
    await dr.record_agreement_meeting(
        caller=lead, agreement_id=row.id, met_on=NOW.date(), notes="Met."
    )
    # ready, but no extract: the board has not approved it, nor the Lead Agency executed it
    with pytest.raises(Conflict):
        await _produce(lead, row, tmp_path)
    with pytest.raises(Conflict):
        await dr.execute_agreement(caller=lead, agreement_id=row.id, executed_on=NOW.date())
    motion = await _decide(w, row, yes=2)
    assert motion.status == MotionStatus.CARRIED
    approved = await DataSharingAgreement.get(id=row.id)
    assert approved.status == DsaStatus.APPROVED
    assert approved.motion_id == motion.id
    with pytest.raises(Conflict):  # approved, not yet executed
        await _produce(lead, row, tmp_path)
    assert not any(tmp_path.glob("*.zip"))  # noqa: ASYNC240 (a test's temporary folder)
    await dr.execute_agreement(caller=lead, agreement_id=row.id, executed_on=NOW.date())
    result = await _produce(lead, row, tmp_path)
    assert (await DataSharingAgreement.get(id=row.id)).status == DsaStatus.EXTRACTED
    assert result.extract.variables == APPROVED
    actions = [
        e.action
        async for e in GovernanceEvent.filter(
            entity_type="DataSharingAgreement", entity_id=str(row.id)
        ).order_by("seq")
    ]
    assert actions == [
        "data_sharing_agreement.request",
        "data_sharing_agreement.confirm_pii",
        "data_sharing_agreement.submit",
        "data_sharing_agreement.review",
        "data_sharing_agreement.meet",
        "data_sharing_agreement.decide",
        "data_sharing_agreement.execute",
        "data_sharing_agreement.extract",
    ]


async def test_a_failed_motion_denies_the_dsa_and_a_second_motion_is_refused_while_one_is_open(
    world: dict[str, Any], tmp_path: Path
) -> None:
    w, lead = world, world["lead"]
    dsa = await _ready(lead, w["a"])
    motion = await dsb.open_motion(
        caller=lead,
        meeting_id=w["meeting"].id,
        text_="Approve",
        subject=(MotionSubject.DATA_SHARING_AGREEMENT, dsa.id),
    )
    with pytest.raises(Conflict) as second:
        await dsb.open_motion(
            caller=lead,
            meeting_id=w["meeting"].id,
            text_="Approve again",
            subject=(MotionSubject.DATA_SHARING_AGREEMENT, dsa.id),
        )
    assert second.value.field == "subjectId"
    with pytest.raises(Conflict):  # no withdrawal while the board decides
        await dr.withdraw_agreement(caller=lead, agreement_id=dsa.id, reason="Changed mind.")
    for seat in w["seats"]:
        await dsb.record_vote(
            caller=lead, motion_id=motion.id, seat_id=seat.id, choice=VoteChoice.NO
        )
    closed = await dsb.close_motion(caller=lead, motion_id=motion.id)
    assert closed.status == MotionStatus.FAILED
    denied = await DataSharingAgreement.get(id=dsa.id)
    assert denied.status == DsaStatus.DENIED
    assert denied.motion_id == motion.id
    with pytest.raises(Conflict):
        await dr.execute_agreement(caller=lead, agreement_id=dsa.id, executed_on=NOW.date())
    with pytest.raises(Conflict):
        await _produce(lead, dsa, tmp_path)
    with pytest.raises(Conflict):  # decided: not put to the board again
        await dsb.open_motion(
            caller=lead,
            meeting_id=w["meeting"].id,
            text_="Again",
            subject=(MotionSubject.DATA_SHARING_AGREEMENT, dsa.id),
        )
    with pytest.raises(NotFound):
        await dsb.open_motion(
            caller=lead,
            meeting_id=w["meeting"].id,
            text_="Unknown",
            subject=(MotionSubject.DATA_SHARING_AGREEMENT, uuid.uuid4()),
        )


async def _executed(w: dict[str, Any]) -> DataSharingAgreement:
    dsa = await _ready(w["lead"], w["a"])
    await _decide(w, dsa, yes=3)
    return await dr.execute_agreement(caller=w["lead"], agreement_id=dsa.id, executed_on=NOW.date())


async def test_the_extract_holds_only_the_approved_variables_over_the_scope_encrypted(
    world: dict[str, Any], tmp_path: Path
) -> None:
    w = world
    dsa = await _executed(w)
    result = await _produce(w["lead"], dsa, tmp_path)
    path = tmp_path / result.extract.file_name
    rows = _open(path, result.passphrase)
    assert list(rows[0]) == APPROVED
    # Rosa (agency A, enrolled in the period) only: not the client enrolled after the period,
    # never agency B's sentinel
    assert rows == [
        {
            "PersonalID": w["rosa"].id.hex,
            "FirstName": "Rosa",
            "LastName": "Parks",
            "DOB": "1980-02-04",
            "VeteranStatus": "1",
            "EntryDate": "2025-06-01",
            "ExitDate": "2025-09-30",
            "Destination": "410",
        }
    ]
    raw = path.read_bytes()
    for secret in (b"Rosa", b"Parks", b"Sentinel", b"1980-02-04"):
        assert secret not in raw  # encrypted, not merely zipped
    assert result.extract.rows == 1
    assert result.extract.clients == 1
    # the passphrase is returned once and stored nowhere
    assert result.passphrase not in str(await DsaExtract.filter(id=result.extract.id).values())
    # a wrong passphrase opens nothing
    with pyzipper.AESZipFile(path) as archive:
        archive.setpassword(b"WRONG-PASSPHRASE")
        with pytest.raises(RuntimeError, match="password"):
            archive.read("extract.csv")


async def test_an_extract_of_client_variables_only_has_a_row_per_client_and_ssn_in_full(
    world: dict[str, Any], tmp_path: Path
) -> None:
    w = world
    dsa = await _ready(w["lead"], w["a"])
    await DataSharingAgreement.filter(id=dsa.id).update(variables=[*APPROVED, "SSN", "Initials"])
    await _decide(w, dsa, yes=3)
    await dr.execute_agreement(caller=w["lead"], agreement_id=dsa.id, executed_on=NOW.date())
    writer = await User.get(id=w["rosa"].created_by_user_id)
    await _enroll(w["rosa"], await Project.get(name="Shelter A"), writer, date(2025, 10, 1))
    result = await _produce(w["lead"], dsa, tmp_path, variables=["SSN", "Initials", "PersonalID"])
    rows = _open(tmp_path / result.extract.file_name, result.passphrase)
    assert rows == [{"PersonalID": w["rosa"].id.hex, "Initials": "RP", "SSN": "123456789"}]


async def test_an_unapproved_variable_is_refused_and_nothing_is_written(
    world: dict[str, Any], tmp_path: Path
) -> None:
    w = world
    dsa = await _executed(w)
    before = await _counts()
    audit = await AuditEvent.all().count()
    for variables, field in ((["FirstName", "SSN"], "variables"), (["Nope"], "variables")):
        with pytest.raises(ValidationFailed) as refused:
            await _produce(w["lead"], dsa, tmp_path, variables=variables)
        assert refused.value.field == field
    with pytest.raises(NotFound):
        await dr.produce_extract(
            caller=w["lead"],
            agreement_id=uuid.uuid4(),
            variables=None,
            directory=tmp_path,
            ttl=TTL,
        )
    assert not any(tmp_path.glob("*.zip"))  # noqa: ASYNC240 (a test's temporary folder)
    assert await _counts() == before
    assert await AuditEvent.all().count() == audit
    assert (await DataSharingAgreement.get(id=dsa.id)).status == DsaStatus.EXECUTED


async def test_the_extract_is_audited_per_client_and_as_a_file(
    world: dict[str, Any], tmp_path: Path
) -> None:
    w = world
    dsa = await _executed(w)
    result = await _produce(w["lead"], dsa, tmp_path)
    per_client = await AuditEvent.filter(action=AuditAction.EXPORT, entity_type="Client")
    assert [e.client_id for e in per_client] == [w["rosa"].id]
    assert per_client[0].actor_id == w["lead"].principal.user_id
    assert "dsaExtract" in per_client[0].fields_touched
    file_row = await AuditEvent.get(action=AuditAction.EXPORT, entity_type="DsaExtract")
    assert file_row.entity_id == str(result.extract.id)
    assert f"scope:agency:{w['a'].id}" in file_row.fields_touched
    assert "variable:FirstName" in file_row.fields_touched


async def test_bad_dsa_terms_are_typed_errors_and_change_nothing(world: dict[str, Any]) -> None:
    w, lead = world, world["lead"]
    row = await dr.record_pii_request(
        caller=lead, requestor=REQUESTOR, purpose="Study.", variables=APPROVED
    )
    await dr.confirm_pii(caller=lead, agreement_id=row.id, contacted_on=NOW.date(), notes="Yes.")
    before = await _counts()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"variables": ["VeteranStatus"]}, "variables"),  # no PII: no DSA needed
        ({"variables": ["FirstName", "Nope"]}, "variables"),
        ({"start_date": END, "end_date": START}, "endDate"),
        ({"publication_review_agreed": False}, "publicationReviewAgreed"),
        ({"no_client_level_publication": False}, "noClientLevelPublication"),
        ({"parties": []}, "parties"),
        ({"parties": ["Uni", "uni"]}, "parties"),
        ({"transfer_protocol": ""}, "transferProtocol"),
        ({"completion_expected_on": date(2024, 1, 1)}, "completionExpectedOn"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationFailed) as error:
            await dr.submit_agreement(
                caller=lead, agreement_id=row.id, terms=_terms(w["a"], **changes)
            )
        assert error.value.field == field, changes
    with pytest.raises(NotFound):
        await dr.submit_agreement(caller=lead, agreement_id=uuid.uuid4(), terms=_terms(w["a"]))
    with pytest.raises(ValidationFailed):
        await dr.record_pii_request(
            caller=lead, requestor=REQUESTOR, purpose="Study.", variables=["Sex"]
        )
    assert await _counts() == before
    assert (await DataSharingAgreement.get(id=row.id)).status == DsaStatus.PII_CONFIRMED


# The 90-day destruction -------------------------------------------------------------------------


async def test_completion_opens_a_90_day_case_that_notifies_escalates_and_closes_on_attestation(
    world: dict[str, Any], tmp_path: Path
) -> None:
    w, lead = world, world["lead"]
    dsa = await _executed(w)
    result = await _produce(lead, dsa, tmp_path)
    with pytest.raises(Conflict):  # completion before delivery
        await dr.complete_project(caller=lead, agreement_id=dsa.id, completed_on=NOW.date())
    with pytest.raises(NotFound):
        await dr.deliver_extract(
            caller=lead, agreement_id=dsa.id, extract_id=uuid.uuid4(), notes="SFTP."
        )
    await dr.deliver_extract(
        caller=lead, agreement_id=dsa.id, extract_id=result.extract.id, notes="SFTP; phone."
    )
    completed = await dr.complete_project(caller=lead, agreement_id=dsa.id, completed_on=NOW.date())
    assert completed.status == DsaStatus.COMPLETED
    case = await ComplianceCase.get(id=completed.destruction_case_id)
    assert case.kind == CaseKind.DSA_DESTRUCTION
    assert case.status == CaseStatus.OPEN
    assert case.due_on == NOW.date() + timedelta(days=90)
    opened = await OutboxMessage.get(kind="compliance.dsa_destruction.opened")
    assert opened.to_address == REQUESTOR.email
    assert "Rosa" not in opened.body
    assert "Parks" not in opened.body

    async def run(day: date) -> list[OutboxMessage]:
        seen = {m.id for m in await OutboxMessage.all()}
        moment = datetime(day.year, day.month, day.day, 14, tzinfo=UTC)
        await enforce_deadlines(now=moment, tz=TZ)  # type: ignore[arg-type]
        return [m for m in await OutboxMessage.all() if m.id not in seen]

    assert await run(NOW.date() + timedelta(days=30)) == []  # 60 days left: nothing yet
    reminded = await run(case.due_on - timedelta(days=20))
    assert [m.kind for m in reminded] == ["compliance.dsa_destruction.reminder"]
    assert await run(case.due_on - timedelta(days=19)) == []  # that reminder once
    assert [m.kind for m in await run(case.due_on - timedelta(days=7))] == [
        "compliance.dsa_destruction.reminder"
    ]
    assert [m.kind for m in await run(case.due_on)] == ["compliance.dsa_destruction.reminder"]
    # overdue the day after: the requestor again and the Lead Agency (escalation); once per 30 days
    overdue = await run(case.due_on + timedelta(days=1))
    assert sorted(m.kind for m in overdue) == [
        "compliance.dsa_destruction.escalated",
        "compliance.dsa_destruction.overdue",
    ]
    assert {m.recipient_id for m in overdue if m.recipient_id} == {lead.principal.user_id}
    assert await run(case.due_on + timedelta(days=10)) == []
    assert len(await run(case.due_on + timedelta(days=31))) == 2
    assert (await ComplianceCase.get(id=case.id)).status == CaseStatus.OPEN  # nothing enforced

    with pytest.raises(ValidationFailed):
        await dr.attest_destruction(
            caller=lead,
            agreement_id=dsa.id,
            destroyed_on=NOW.date(),
            attested_by="",
            method="Shredded",
        )
    later = caller_of(lead.decisions, now=datetime(2026, 7, 1, 14, tzinfo=UTC))
    done = await dr.attest_destruction(
        caller=later,
        agreement_id=dsa.id,
        destroyed_on=date(2026, 6, 30),
        attested_by="Dana Researcher",
        method="Secure deletion (NIST 800-88 clear)",
    )
    assert done.status == DsaStatus.DESTROYED
    assert done.destruction_recorded_by_id == lead.principal.user_id
    closed = await ComplianceCase.get(id=case.id)
    assert closed.status == CaseStatus.RESOLVED
    assert "after the deadline" in (closed.resolution or "")
    assert await OutboxMessage.exists(kind="compliance.dsa_destruction.resolved")
    assert await run(case.due_on + timedelta(days=61)) == []  # closed: no more reminders
    with pytest.raises(Conflict):
        await dr.attest_destruction(
            caller=later,
            agreement_id=dsa.id,
            destroyed_on=date(2026, 6, 30),
            attested_by="Dana",
            method="Again",
        )


async def test_the_lead_agency_alone_produces_extracts(
    world: dict[str, Any], tmp_path: Path
) -> None:
    w = world
    dsa = await _executed(w)
    board = await make_user(roles=(SystemRole.DSB_MEMBER, SystemRole.SYSTEM_ADMINISTRATOR))
    other = caller_of(await decisions_for(board))
    with pytest.raises(Forbidden):
        await _produce(other, dsa, tmp_path)
    assert await DsaExtract.all().count() == 0


async def test_the_dsa_lens_masks_as_the_client_data_policy_does(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """B's client released to A (IDENTIFYING) with a stay at A's project: in A's extract with
    its names but the SSN's last four digits only (A holds no consent: no full SSN); the lens
    never shows 42 CFR Part 2 data."""
    w = world
    writer = await User.get(id=w["rosa"].created_by_user_id)
    shared = await _client(w["b"], writer, "Shared", "Person", "555667777", date(1985, 1, 1))
    release = await Release.create(
        client=shared,
        releasing_agency=w["b"],
        scope=ReleaseScope.AGENCIES,
        categories=["IDENTIFYING", "ENROLLMENT_AND_SERVICES"],
        starts_on=date(2025, 1, 1),
        expires_on=date(2027, 1, 1),
        kind=ConsentKind.WRITTEN,
        recorded_by=writer,
        recorded_at=NOW,
    )
    await ReleaseRecipient.create(release=release, agency=w["a"])
    await _enroll(shared, await Project.get(name="Shelter A"), writer, date(2025, 7, 1))
    lens = await dsa_lens(frozenset({w["a"].id}), NOW.date())
    assert lens.part2 is False
    assert lens.write_agencies == frozenset()
    dsa = await _ready(w["lead"], w["a"])
    await DataSharingAgreement.filter(id=dsa.id).update(variables=["FirstName", "SSN"])
    await _decide(w, dsa, yes=3)
    await dr.execute_agreement(caller=w["lead"], agreement_id=dsa.id, executed_on=NOW.date())
    result = await _produce(w["lead"], dsa, tmp_path)
    rows = _open(tmp_path / result.extract.file_name, result.passphrase)
    assert sorted(rows, key=lambda r: r["FirstName"]) == [
        {"FirstName": "Rosa", "SSN": "123456789"},
        {"FirstName": "Shared", "SSN": "xxxxx7777"},
    ]


async def test_an_expired_extracts_file_is_removed_when_another_is_produced(
    world: dict[str, Any], tmp_path: Path
) -> None:
    w = world
    dsa = await _executed(w)
    first = await _produce(w["lead"], dsa, tmp_path)
    later = caller_of(w["lead"].decisions, now=NOW + TTL + timedelta(seconds=1))
    second = await _produce(later, dsa, tmp_path)  # a lost passphrase: produced again
    assert not (tmp_path / first.extract.file_name).exists()
    assert (tmp_path / second.extract.file_name).exists()
    assert second.passphrase != first.passphrase
