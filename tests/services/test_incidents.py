"""Security and confidentiality incidents (policies 106, 108, 202): reported by anyone signed in,
sent to the responders at once, read by the reporter, the agency's coordinators and the
system's responders, affected clients shown only through the client-data policy, contained,
notified and closed, and summarised for the Board without client data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models.enums import AccessLevel, Duty, SystemRole
from models.governance import Agency
from models.governance_log import GovernanceEvent
from models.outbox import OutboxMessage
from models.users import User
from tests.authz.client_world import add_client
from tests.factories import Api, make_agency, make_user

pytestmark = pytest.mark.usefixtures("app")

REPORT = """mutation($input: ReportSecurityIncidentInput!) {
  reportSecurityIncident(input: $input) {
    id kind status agencyId reportedById discoveredAt description breach
    affectedClients { clientIds notShown total }
  }
}"""
INCIDENT = """query($id: ID!) {
  securityIncident(id: $id) {
    id status description containment closure breach
    affectedClients { clientIds notShown total }
    notifications { notifiedParty method notifiedAt }
  }
}"""
INCIDENTS = """query { securityIncidents(first: 100) { totalCount nodes { id } } }"""
CONTAIN = """mutation($id: ID!, $text: String!, $at: DateTime!) {
  recordIncidentContainment(input: {incidentId: $id, containment: $text, containedAt: $at}) {
    status containedAt containment
  }
}"""
ADD_CLIENTS = """mutation($id: ID!, $clients: [ID!]!) {
  addIncidentClients(input: {incidentId: $id, clientIds: $clients}) { affectedClients { total } }
}"""
NOTIFY = """mutation($id: ID!, $at: DateTime!) {
  recordBreachNotification(input: {incidentId: $id, notifiedParty: "The affected clients",
    method: "letter", notifiedAt: $at}) { notifiedParty notifiedAt }
}"""
CLOSE = """mutation($id: ID!) {
  closeSecurityIncident(input: {incidentId: $id, closure: "Passwords reset; staff retrained."}) {
    status closedAt closure
  }
}"""
SUMMARY = """query($since: DateTime!, $until: DateTime!) {
  securityIncidentSummary(since: $since, until: $until) {
    reported breaches
    kinds { kind reported contained open breaches medianHoursToContainment longestHoursToContainment }
  }
}"""

SECRET = "Case manager left the shelter laptop unlocked at the library"


def _input(api: Api, **fields: Any) -> dict[str, Any]:
    return {
        "input": {
            "kind": "LOST_OR_STOLEN_DEVICE",
            "discoveredAt": (api.clock.now() - timedelta(hours=3)).isoformat(),
            "description": SECRET,
            **fields,
        }
    }


async def _responders() -> dict[SystemRole, User]:
    return {
        role: await make_user(roles=(role,))
        for role in (
            SystemRole.SYSTEM_ADMINISTRATOR,
            SystemRole.SECURITY_OFFICER,
            SystemRole.LEAD_AGENCY,
            SystemRole.DSB_MEMBER,
        )
    }


async def test_anyone_signed_in_reports_and_the_responders_hear_at_once(api: Api) -> None:
    # given an agency with two clients, a case manager who has not finished training, and the
    # system's responders
    agency = await make_agency("Agency A")
    rosa = await add_client(agency, first_name="Rosa")
    ben = await add_client(agency, first_name="Ben")
    reporter = await make_user(agencies={agency: AccessLevel.FULL}, trained=False)
    responders = await _responders()
    token = await api.sign_in(reporter)
    # when the case manager reports an incident affecting both clients
    data = await api.ok(
        REPORT,
        _input(api, agencyId=str(agency.id), clientIds=[str(rosa.id), str(ben.id), str(rosa.id)]),
        token,
    )
    incident = data["reportSecurityIncident"]
    # then it is recorded, with the clients the reporter may see
    assert incident["status"] == "REPORTED"
    assert incident["reportedById"] == str(reporter.id)
    assert incident["affectedClients"] == {
        "clientIds": sorted([str(rosa.id), str(ben.id)]),
        "notShown": 0,
        "total": 2,
    }
    # and the System Administrator, the Security Officer and the Lead Agency have a message at
    # once, with no client and no description in it; the Board member has none
    messages = await OutboxMessage.filter(kind="incident.reported")
    assert {m.recipient_id for m in messages} == {
        responders[r].id
        for r in (
            SystemRole.SYSTEM_ADMINISTRATOR,
            SystemRole.SECURITY_OFFICER,
            SystemRole.LEAD_AGENCY,
        )
    }
    for message in messages:
        text = message.subject + message.body
        assert "Agency A" in text
        assert "Clients affected (number): 2" in text
        assert SECRET not in text
        assert str(rosa.id) not in text
        assert "Rosa" not in text
    # and the governance log counts the clients, never names them or quotes the description
    (event,) = await GovernanceEvent.filter(action="incident.report")
    assert event.after is not None
    assert event.after["clientsAffected"] == 2
    assert event.actor_id == reporter.id
    assert event.agency_id == agency.id
    logged = str(event.after) + str(event.reason)
    assert SECRET not in logged
    assert str(rosa.id) not in logged


async def test_a_reporter_names_only_clients_they_may_see(api: Api) -> None:
    # given a client of another agency
    home, other = await make_agency("Home"), await make_agency("Other")
    theirs = await add_client(other, first_name="Ana")
    reporter = await make_user(agencies={home: AccessLevel.FULL})
    token = await api.sign_in(reporter)
    # when the reporter names that client, or an id that is no client at all
    unseen = await api.error(REPORT, _input(api, clientIds=[str(theirs.id)]), token)
    unknown = await api.error(
        REPORT, _input(api, clientIds=["00000000-0000-4000-8000-000000000000"]), token
    )
    # then both are refused alike, without saying which exists
    assert unseen["code"] == unknown["code"] == "VALIDATION"
    assert unseen["field"] == unknown["field"] == "clientIds[0]"
    assert unseen["message"] == unknown["message"]
    # and a discovery in the future is refused too
    future = (api.clock.now() + timedelta(hours=1)).isoformat()
    refused = await api.error(REPORT, _input(api, discoveredAt=future), token)
    assert (refused["code"], refused["field"]) == ("VALIDATION", "discoveredAt")
    # and so is a time without its offset, which could not be placed
    naive = await api.error(REPORT, _input(api, discoveredAt="2026-03-01T10:00:00"), token)
    assert (naive["code"], naive["field"]) == ("VALIDATION", "discoveredAt")


async def _reported(api: Api, agency: Agency, **fields: Any) -> tuple[str, User]:
    reporter = await make_user(agencies={agency: AccessLevel.FULL})
    token = await api.sign_in(reporter)
    data = await api.ok(REPORT, _input(api, agencyId=str(agency.id), **fields), token)
    return data["reportSecurityIncident"]["id"], reporter


async def test_who_reads_an_incident(api: Api) -> None:
    # given an incident at agency A
    a, b = await make_agency("A"), await make_agency("B")
    incident_id, reporter = await _reported(api, a)
    responders = await _responders()
    readers = {
        "reporter": reporter,
        "hdc": await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR}),
        "asc": await make_user(duties={a: Duty.AGENCY_SECURITY_COORDINATOR}),
        "admin": responders[SystemRole.SYSTEM_ADMINISTRATOR],
        "officer": responders[SystemRole.SECURITY_OFFICER],
        "lead": responders[SystemRole.LEAD_AGENCY],
    }
    others = {
        "colleague": await make_user(agencies={a: AccessLevel.FULL}),
        "other hdc": await make_user(duties={b: Duty.HMIS_DATA_COORDINATOR}),
        "board": responders[SystemRole.DSB_MEMBER],
    }
    # then the reporter, A's coordinators and the responders read it, in the list and by id
    for name, user in readers.items():
        token = await api.sign_in(user)
        listed = (await api.ok(INCIDENTS, token=token))["securityIncidents"]
        assert [n["id"] for n in listed["nodes"]] == [incident_id], name
        one = (await api.ok(INCIDENT, {"id": incident_id}, token))["securityIncident"]
        assert one["description"] == SECRET, name
    # and nobody else learns it exists
    for name, user in others.items():
        token = await api.sign_in(user)
        listed = (await api.ok(INCIDENTS, token=token))["securityIncidents"]
        assert listed == {"totalCount": 0, "nodes": []}, name
        assert (await api.error(INCIDENT, {"id": incident_id}, token))["code"] == "NOT_FOUND"


async def test_affected_clients_are_shown_only_to_those_who_may_see_them(api: Api) -> None:
    # given a reporter at two agencies naming a client of each
    a, b = await make_agency("A"), await make_agency("B")
    at_a = await add_client(a, first_name="Rosa")
    at_b = await add_client(b, first_name="Ben")
    reporter = await make_user(agencies={a: AccessLevel.FULL, b: AccessLevel.FULL})
    token = await api.sign_in(reporter)
    incident_id = (
        await api.ok(
            REPORT, _input(api, agencyId=str(a.id), clientIds=[str(at_a.id), str(at_b.id)]), token
        )
    )["reportSecurityIncident"]["id"]
    hdc = await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR})
    officer = await make_user(roles=(SystemRole.SECURITY_OFFICER,))

    async def seen(user: User) -> dict[str, Any]:
        t = await api.sign_in(user)
        result = await api.ok(INCIDENT, {"id": incident_id}, t)
        affected: dict[str, Any] = result["securityIncident"]["affectedClients"]
        return affected

    # then A's HDC sees A's client and only counts B's
    assert await seen(hdc) == {"clientIds": [str(at_a.id)], "notShown": 1, "total": 2}
    # and the Security Officer, who sees no client, only counts them
    assert await seen(officer) == {"clientIds": [], "notShown": 2, "total": 2}
    # and the reporter sees both
    assert (await seen(reporter))["notShown"] == 0


async def test_containment_notification_closure_and_the_boards_summary(api: Api) -> None:
    # given a breach at agency A affecting one client, discovered three hours ago
    a = await make_agency("A")
    client = await add_client(a, first_name="Rosa")
    start = api.clock.now()
    incident_id, _ = await _reported(
        api,
        a,
        clientIds=[str(client.id)],
        breach=True,
        discoveredAt=(start - timedelta(hours=3)).isoformat(),
    )
    responders = await _responders()
    hdc = await make_user(duties={a: Duty.HMIS_DATA_COORDINATOR})
    colleague = await make_user(agencies={a: AccessLevel.FULL})
    officer = await api.sign_in(responders[SystemRole.SECURITY_OFFICER])
    lead = await api.sign_in(responders[SystemRole.LEAD_AGENCY])
    # when a colleague without a coordinator's duty tries to record containment: refused
    at = api.clock.now().isoformat()
    refused = await api.error(
        CONTAIN, {"id": incident_id, "text": "x", "at": at}, await api.sign_in(colleague)
    )
    assert refused["code"] == "FORBIDDEN"
    # and closing before containment is a conflict
    assert (await api.error(CLOSE, {"id": incident_id}, officer))["code"] == "CONFLICT"
    # when the HDC records containment two hours after discovery
    hdc_token = await api.sign_in(hdc)
    contained_at = (start - timedelta(hours=1)).isoformat()
    data = await api.ok(
        CONTAIN,
        {"id": incident_id, "text": "Laptop wiped remotely.", "at": contained_at},
        hdc_token,
    )
    assert data["recordIncidentContainment"]["status"] == "CONTAINED"
    assert (
        await api.error(
            CONTAIN, {"id": incident_id, "text": "again", "at": contained_at}, hdc_token
        )
    )["code"] == "CONFLICT"
    # then the breach cannot close until someone's notification is recorded
    closing = await api.error(CLOSE, {"id": incident_id}, officer)
    assert closing["code"] == "CONFLICT"
    assert "notification" in closing["message"]
    # and the HDC may not close it at all
    assert (await api.error(CLOSE, {"id": incident_id}, hdc_token))["code"] == "FORBIDDEN"
    # when the Lead Agency records that the client was notified, the officer closes it
    notified_at = api.clock.now().isoformat()
    await api.ok(NOTIFY, {"id": incident_id, "at": notified_at}, lead)
    closed = (await api.ok(CLOSE, {"id": incident_id}, officer))["closeSecurityIncident"]
    assert closed["status"] == "CLOSED"
    read = (await api.ok(INCIDENT, {"id": incident_id}, officer))["securityIncident"]
    assert [n["notifiedParty"] for n in read["notifications"]] == ["The affected clients"]
    assert (await api.error(CLOSE, {"id": incident_id}, officer))["code"] == "CONFLICT"
    # and every step is in the governance log
    actions = [e.action for e in await GovernanceEvent.all().order_by("seq")]
    assert actions == ["incident.report", "incident.contain", "incident.notify", "incident.close"]
    # when the Board reads the month's summary
    board = await api.sign_in(responders[SystemRole.DSB_MEMBER])
    since = (api.clock.now() - timedelta(days=30)).isoformat()
    until = (api.clock.now() + timedelta(days=1)).isoformat()
    summary = (await api.ok(SUMMARY, {"since": since, "until": until}, board))[
        "securityIncidentSummary"
    ]
    # then it counts by kind, with the hours from discovery to containment
    assert summary == {
        "reported": 1,
        "breaches": 1,
        "kinds": [
            {
                "kind": "LOST_OR_STOLEN_DEVICE",
                "reported": 1,
                "contained": 1,
                "open": 0,
                "breaches": 1,
                "medianHoursToContainment": 2.0,
                "longestHoursToContainment": 2.0,
            }
        ],
    }
    # and a case manager may not read it
    refused = await api.error(
        SUMMARY, {"since": since, "until": until}, await api.sign_in(colleague)
    )
    assert refused["code"] == "FORBIDDEN"


async def test_clients_found_later_are_added_by_those_who_see_them(api: Api) -> None:
    # given an incident at A with no client named
    a = await make_agency("A")
    client = await add_client(a, first_name="Rosa")
    incident_id, _ = await _reported(api, a)
    asc = await make_user(duties={a: Duty.AGENCY_SECURITY_COORDINATOR})
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    # when the System Administrator, who sees no client, tries to name one: refused
    refused = await api.error(
        ADD_CLIENTS, {"id": incident_id, "clients": [str(client.id)]}, await api.sign_in(admin)
    )
    assert (refused["code"], refused["field"]) == ("VALIDATION", "clientIds[0]")
    # when the agency's Security Coordinator names the client
    data = await api.ok(
        ADD_CLIENTS, {"id": incident_id, "clients": [str(client.id)]}, await api.sign_in(asc)
    )
    # then the incident counts it, and the log records the count only
    assert data["addIncidentClients"]["affectedClients"]["total"] == 1
    (event,) = await GovernanceEvent.filter(action="incident.add_clients")
    assert (event.before, event.after) == ({"clientsAffected": 0}, {"clientsAffected": 1})


async def test_the_summary_counts_only_the_period_and_open_incidents_have_no_time(
    api: Api,
) -> None:
    # given two incidents reported a day apart, neither contained
    a = await make_agency("A")
    await _reported(api, a, kind="MALWARE")
    api.clock.advance(timedelta(days=1))
    await _reported(api, a, kind="MALWARE")
    board = await api.sign_in(await make_user(roles=(SystemRole.DSB_MEMBER,)))
    # when the Board asks for the second day only
    since = (api.clock.now() - timedelta(hours=1)).isoformat()
    until = (api.clock.now() + timedelta(hours=1)).isoformat()
    summary = (await api.ok(SUMMARY, {"since": since, "until": until}, board))[
        "securityIncidentSummary"
    ]
    # then it counts one, open, with no time to containment yet
    assert summary["reported"] == 1
    assert summary["kinds"] == [
        {
            "kind": "MALWARE",
            "reported": 1,
            "contained": 0,
            "open": 1,
            "breaches": 0,
            "medianHoursToContainment": None,
            "longestHoursToContainment": None,
        }
    ]
    # and a period that ends before it starts is refused
    refused = await api.error(SUMMARY, {"since": until, "until": since}, board)
    assert (refused["code"], refused["field"]) == ("VALIDATION", "until")
