"""Grievances (policy 114): a client's through the agency's procedure, then the Data Strategy
Board's grievance subcommittee; an agency's or CoC's complaint about the Lead Agency informal,
then formal in writing, then appealed to the subcommittee at its next regularly scheduled
meeting. Steps in that order only, each with its owner; the text the parties' and the
subcommittee's alone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from models.enums import AccessLevel, Duty, SystemRole
from models.governance import ContinuumOfCare
from models.governance_log import GovernanceEvent
from models.outbox import OutboxMessage
from models.users import User
from tests.factories import Api, make_agency, make_user

pytestmark = pytest.mark.usefixtures("app")

FILE = """mutation($input: FileGrievanceInput!) {
  fileGrievance(input: $input) { id kind status stage summary text }
}"""
GRIEVANCE = """query($id: ID!) {
  grievance(id: $id) {
    id status stage summary text filedBy
    steps { stage owner statement hearingOn outcome outcomeNotes closedAt }
  }
}"""
GRIEVANCES = """query { grievances(first: 100) { totalCount nodes { id text } } }"""
OUTCOME = """mutation($id: ID!, $outcome: GrievanceOutcome!) {
  recordGrievanceOutcome(input: {grievanceId: $id, outcome: $outcome, notes: "Heard both sides."}) {
    status stage
  }
}"""
ESCALATE = """mutation($id: ID!, $statement: String) {
  escalateGrievance(input: {grievanceId: $id, statement: $statement}) {
    status stage steps { stage hearingOn statement }
  }
}"""
MEETING = """mutation($on: Date!) { recordGrievanceSubcommitteeMeeting(input: {meetsOn: $on}) { meetsOn } }"""
ADD_MEMBER = (
    """mutation($user: ID!) { addGrievanceSubcommitteeMember(input: {userId: $user}) { userId } }"""
)
SUBCOMMITTEE = """query { grievanceSubcommittee { members { username } meetings { meetsOn } } }"""

TEXT = "The agency told my landlord I was in the shelter without asking me."
TODAY = date(2026, 3, 2)


async def _lead_and_member(api: Api) -> tuple[str, User]:
    """The Lead Agency's token, and a user it seated on the subcommittee."""
    lead = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY,)))
    member = await make_user(roles=(SystemRole.DSB_MEMBER,))
    await api.ok(ADD_MEMBER, {"user": str(member.id)}, lead)
    return lead, member


async def _file(api: Api, token: str, **fields: Any) -> dict[str, Any]:
    data = await api.ok(
        FILE, {"input": {"kind": "CLIENT", "summary": "Disclosure", "text": TEXT, **fields}}, token
    )
    grievance: dict[str, Any] = data["fileGrievance"]
    return grievance


async def test_a_clients_grievance_goes_through_the_agency_then_the_subcommittee(
    api: Api,
) -> None:
    # given agency A's coordinators, the Lead Agency, a subcommittee member and two meetings
    a = await make_agency("A")
    hdc_user = await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR})
    hdc = await api.sign_in(hdc_user)
    asc = await api.sign_in(await make_user(duties={a: Duty.AGENCY_SECURITY_COORDINATOR}))
    lead, member_user = await _lead_and_member(api)
    for day in (TODAY + timedelta(days=14), TODAY + timedelta(days=42)):
        await api.ok(MEETING, {"on": day.isoformat()}, lead)
    # when A's HDC records a client's grievance
    grievance = await _file(api, hdc, agencyId=str(a.id))
    gid = grievance["id"]
    # then it starts at the agency's own procedure
    assert (grievance["stage"], grievance["status"]) == ("AGENCY_PROCEDURE", "OPEN")
    # and it cannot skip to the subcommittee while the agency's step is under way
    assert (await api.error(ESCALATE, {"id": gid}, hdc))["code"] == "CONFLICT"
    # when A's Security Coordinator records that the agency could not resolve it
    data = await api.ok(OUTCOME, {"id": gid, "outcome": "UNRESOLVED"}, asc)
    assert data["recordGrievanceOutcome"]["status"] == "UNRESOLVED"
    # and the HDC takes it to the subcommittee
    escalated = (await api.ok(ESCALATE, {"id": gid, "statement": "Still unresolved."}, hdc))[
        "escalateGrievance"
    ]
    # then it is heard at the subcommittee's next regularly scheduled meeting
    assert escalated["stage"] == "SUBCOMMITTEE"
    assert escalated["steps"][-1]["hearingOn"] == (TODAY + timedelta(days=14)).isoformat()
    # and the member may not decide it before that meeting
    member = await api.sign_in(member_user)
    early = await api.error(OUTCOME, {"id": gid, "outcome": "RESOLVED"}, member)
    assert early["code"] == "CONFLICT"
    # when the meeting's day comes, the member records the decision: the last step
    api.clock.advance(timedelta(days=14))
    member = await api.sign_in(member_user)
    decided = (await api.ok(OUTCOME, {"id": gid, "outcome": "RESOLVED"}, member))[
        "recordGrievanceOutcome"
    ]
    assert decided == {"status": "DECIDED", "stage": "SUBCOMMITTEE"}
    hdc = await api.sign_in(hdc_user)
    assert (await api.error(ESCALATE, {"id": gid}, hdc))["code"] == "CONFLICT"
    # and each step's owners heard of it, and the filer of each outcome, without its text
    messages = await OutboxMessage.filter(kind__startswith="grievance.").order_by("created_at")
    heard = {(m.kind, m.recipient_id) for m in messages}
    asc_user = await User.get(duties__agency_id=a.id, duties__duty=Duty.AGENCY_SECURITY_COORDINATOR)
    hearing = (TODAY + timedelta(days=14)).isoformat()
    assert heard == {
        ("grievance.agency_procedure.open", asc_user.id),
        ("grievance.agency_procedure.outcome", hdc_user.id),
        (f"grievance.subcommittee.{hearing}", member_user.id),
        ("grievance.subcommittee.outcome", hdc_user.id),
    }
    for message in messages:
        assert TEXT not in message.body
        assert "Disclosure" not in message.subject + message.body
    assert "Monday, March 16, 2026" in next(m.body for m in messages if hearing in m.kind)
    # and each step has its owner, dates and outcome
    steps = (await api.ok(GRIEVANCE, {"id": gid}, hdc))["grievance"]["steps"]
    assert [(s["stage"], s["owner"], s["outcome"]) for s in steps] == [
        ("AGENCY_PROCEDURE", "agency grievance procedure", "UNRESOLVED"),
        ("SUBCOMMITTEE", "DSB grievance subcommittee", "RESOLVED"),
    ]
    assert all(s["closedAt"] for s in steps)


async def test_a_complaint_about_the_lead_agency_is_informal_then_formal_then_appealed(
    api: Api,
) -> None:
    # given an agency's HDC, the Lead Agency and a subcommittee with a meeting in ten days
    a = await make_agency("A")
    hdc_user = await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR})
    hdc = await api.sign_in(hdc_user)
    lead_user = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    lead = await api.sign_in(lead_user)
    await api.ok(MEETING, {"on": (TODAY + timedelta(days=10)).isoformat()}, lead)
    # when the HDC files the agency's complaint
    gid = (await _file(api, hdc, kind="LEAD_AGENCY", agencyId=str(a.id)))["id"]
    one = (await api.ok(GRIEVANCE, {"id": gid}, hdc))["grievance"]
    # then it starts informally, with the Director of HMIS and Strategic Analysis
    assert one["stage"] == "INFORMAL"
    assert one["steps"][0]["owner"] == "Director of HMIS and Strategic Analysis"
    # and only the Lead Agency records the informal step's outcome, not the complainant
    assert (await api.error(OUTCOME, {"id": gid, "outcome": "RESOLVED"}, hdc))[
        "code"
    ] == "FORBIDDEN"
    await api.ok(OUTCOME, {"id": gid, "outcome": "UNRESOLVED"}, lead)
    # when the HDC goes formal without the complaint in writing: refused
    refused = await api.error(ESCALATE, {"id": gid}, hdc)
    assert (refused["code"], refused["field"]) == ("VALIDATION", "statement")
    formal = (await api.ok(ESCALATE, {"id": gid, "statement": "Our written complaint."}, hdc))[
        "escalateGrievance"
    ]
    assert formal["stage"] == "FORMAL"
    # when the Director's formal decision does not satisfy the agency, twenty days on
    await api.ok(OUTCOME, {"id": gid, "outcome": "UNRESOLVED"}, lead)
    api.clock.advance(timedelta(days=20))
    hdc = await api.sign_in(hdc_user)
    appealed = (await api.ok(ESCALATE, {"id": gid}, hdc))["escalateGrievance"]
    # then the appeal goes to the subcommittee, but no later meeting is on the calendar yet
    assert appealed["stage"] == "SUBCOMMITTEE"
    assert appealed["steps"][-1]["hearingOn"] is None
    # when the Lead Agency records the subcommittee's next regular meeting
    lead = await api.sign_in(lead_user)
    await api.ok(MEETING, {"on": (TODAY + timedelta(days=38)).isoformat()}, lead)
    # then the appeal is heard there
    steps = (await api.ok(GRIEVANCE, {"id": gid}, hdc))["grievance"]["steps"]
    assert [s["stage"] for s in steps] == ["INFORMAL", "FORMAL", "SUBCOMMITTEE"]
    assert steps[-1]["hearingOn"] == (TODAY + timedelta(days=38)).isoformat()
    # and the log has every step, with no text
    events = await GovernanceEvent.filter(entity_type="Grievance").order_by("seq")
    assert [e.action for e in events] == [
        "grievance.file",
        "grievance.outcome",
        "grievance.escalate",
        "grievance.outcome",
        "grievance.escalate",
    ]
    for event in events:
        logged = f"{event.before}{event.after}{event.reason}"
        assert TEXT not in logged
        assert "written complaint" not in logged
        assert "Disclosure" not in logged


async def test_a_grievance_is_the_parties_and_the_subcommittees_only(api: Api) -> None:
    # given a client's grievance at agency A and a complaint about the Lead Agency from A
    a, b = await make_agency("A"), await make_agency("B")
    hdc_user = await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR})
    hdc = await api.sign_in(hdc_user)
    lead, member_user = await _lead_and_member(api)
    client_grievance = (await _file(api, hdc, agencyId=str(a.id)))["id"]
    complaint = (await _file(api, hdc, kind="LEAD_AGENCY", agencyId=str(a.id)))["id"]
    outsiders = {
        "colleague at A": await make_user(agencies={a: AccessLevel.FULL}),
        "HDC of B": await make_user(duties={b: Duty.HMIS_DATA_COORDINATOR}),
        "System Administrator": await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)),
        "Security Officer": await make_user(roles=(SystemRole.SECURITY_OFFICER,)),
        "Board member off the subcommittee": await make_user(roles=(SystemRole.DSB_MEMBER,)),
        # the subcommittee sees neither yet: neither has reached it
        "subcommittee member": member_user,
    }
    # then outsiders get nothing: no list entry, and NOT_FOUND by id
    for name, user in outsiders.items():
        token = await api.sign_in(user)
        listed = (await api.ok(GRIEVANCES, token=token))["grievances"]
        assert listed == {"totalCount": 0, "nodes": []}, name
        for gid in (client_grievance, complaint):
            assert (await api.error(GRIEVANCE, {"id": gid}, token))["code"] == "NOT_FOUND", name
    # and the Lead Agency, the respondent, reads the complaint but not the client's grievance
    listed = (await api.ok(GRIEVANCES, token=lead))["grievances"]["nodes"]
    assert [n["id"] for n in listed] == [complaint]
    assert (await api.error(GRIEVANCE, {"id": client_grievance}, lead))["code"] == "NOT_FOUND"
    # and the HDC, a party to both, reads both with their text
    listed = (await api.ok(GRIEVANCES, token=hdc))["grievances"]["nodes"]
    assert sorted(n["id"] for n in listed) == sorted([client_grievance, complaint])
    assert {n["text"] for n in listed} == {TEXT}
    # when the client's grievance reaches the subcommittee, its members read it
    asc = await api.sign_in(await make_user(duties={a: Duty.AGENCY_SECURITY_COORDINATOR}))
    await api.ok(OUTCOME, {"id": client_grievance, "outcome": "UNRESOLVED"}, asc)
    await api.ok(ESCALATE, {"id": client_grievance}, hdc)
    member = await api.sign_in(member_user)
    listed = (await api.ok(GRIEVANCES, token=member))["grievances"]["nodes"]
    assert [n["id"] for n in listed] == [client_grievance]
    assert (await api.ok(GRIEVANCE, {"id": client_grievance}, member))["grievance"]["text"] == TEXT
    # and outsiders still get nothing
    officer = await api.sign_in(outsiders["Security Officer"])
    assert (await api.error(GRIEVANCE, {"id": client_grievance}, officer))["code"] == "NOT_FOUND"


async def test_who_files_and_who_keeps_the_subcommittee(api: Api) -> None:
    # given two agencies in one CoC and one in another, and their coordinators
    a, b = await make_agency("A"), await make_agency("B", coc="CT-505")
    hdc_a = await api.sign_in(await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR}))
    case_manager = await api.sign_in(await make_user(agencies={a: AccessLevel.FULL}))
    # then a case manager does not file grievances (the agency's coordinators carry them)
    refused = await api.error(
        FILE, {"input": {"kind": "CLIENT", "summary": "s", "text": "t"}}, case_manager
    )
    assert refused["code"] == "FORBIDDEN"
    # and A's HDC files neither for agency B nor for a CoC A is not in
    for fields in (
        {"kind": "CLIENT", "agencyId": str(b.id)},
        {"kind": "LEAD_AGENCY", "agencyId": str(b.id)},
        {"kind": "LEAD_AGENCY", "cocId": str((await ContinuumOfCare.get(code="CT-505")).id)},
    ):
        refused = await api.error(FILE, {"input": {"summary": "s", "text": "t", **fields}}, hdc_a)
        assert refused["code"] == "FORBIDDEN", fields
    # but files its own CoC's complaint, which starts informally
    coc = await ContinuumOfCare.get(code="CT-503")
    filed = await _file(api, hdc_a, kind="LEAD_AGENCY", cocId=str(coc.id))
    assert filed["stage"] == "INFORMAL"
    # and a complaint names one complainant, never both an agency and a CoC
    both = await api.error(
        FILE,
        {
            "input": {
                "kind": "LEAD_AGENCY",
                "summary": "s",
                "text": "t",
                "agencyId": str(a.id),
                "cocId": str(coc.id),
            }
        },
        hdc_a,
    )
    assert (both["code"], both["field"]) == ("VALIDATION", "agencyId")
    # and a client's system-level grievance goes to the subcommittee at once
    system_level = await _file(api, hdc_a)
    assert system_level["stage"] == "SUBCOMMITTEE"
    # and only the Lead Agency seats members and schedules meetings; coordinators read them
    member = await make_user()
    assert (await api.error(ADD_MEMBER, {"user": str(member.id)}, hdc_a))["code"] == "FORBIDDEN"
    lead = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY,)))
    await api.ok(ADD_MEMBER, {"user": str(member.id)}, lead)
    assert (await api.error(ADD_MEMBER, {"user": str(member.id)}, lead))["code"] == "CONFLICT"
    past = await api.error(MEETING, {"on": TODAY.isoformat()}, lead)
    assert (past["code"], past["field"]) == ("VALIDATION", "meetsOn")
    await api.ok(MEETING, {"on": (TODAY + timedelta(days=7)).isoformat()}, lead)
    seen = (await api.ok(SUBCOMMITTEE, token=hdc_a))["grievanceSubcommittee"]
    assert seen["members"] == [{"username": member.username}]
    assert seen["meetings"] == [{"meetsOn": (TODAY + timedelta(days=7)).isoformat()}]
    # and the system-level grievance filed before the meeting was recorded is heard at it
    steps = (await api.ok(GRIEVANCE, {"id": system_level["id"]}, hdc_a))["grievance"]["steps"]
    assert steps[0]["hearingOn"] == (TODAY + timedelta(days=7)).isoformat()


WITHDRAW = """mutation($id: ID!) { withdrawGrievance(input: {grievanceId: $id}) { status } }"""


async def test_the_grieving_party_withdraws_and_a_withdrawn_appeal_is_not_scheduled(
    api: Api,
) -> None:
    # given a system-level client grievance waiting for the subcommittee's next meeting
    a = await make_agency("A")
    hdc = await api.sign_in(await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR}))
    lead, member_user = await _lead_and_member(api)
    gid = (await _file(api, hdc))["id"]
    # when a subcommittee member (not the grieving party) tries to withdraw it: refused
    member = await api.sign_in(member_user)
    assert (await api.error(WITHDRAW, {"id": gid}, member))["code"] == "FORBIDDEN"
    # when the HDC who filed it withdraws it
    assert (await api.ok(WITHDRAW, {"id": gid}, hdc))["withdrawGrievance"]["status"] == "WITHDRAWN"
    assert (await api.error(WITHDRAW, {"id": gid}, hdc))["code"] == "CONFLICT"
    # then a meeting recorded afterwards does not hear it
    await api.ok(MEETING, {"on": (TODAY + timedelta(days=7)).isoformat()}, lead)
    steps = (await api.ok(GRIEVANCE, {"id": gid}, hdc))["grievance"]["steps"]
    assert steps[-1]["hearingOn"] is None
    assert steps[-1]["closedAt"] is not None
