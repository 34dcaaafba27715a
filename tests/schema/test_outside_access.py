"""Outside requests for HMIS access (the attachment "Procedure for Granting CT HMIS Access"): the
application (3.0), the ten core criteria (1.0), the two disqualifiers (2.0), 1.10 against
Hearth's own records, CAN leadership (1.5, 4.2), the subcommittee (4.3) and the grant through an
MOU stating the level (1.6, 4.1), every write in the governance log."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.access_reports import AccessEscalation
from models.compliance import CaseKind, CaseStatus, ComplianceCase
from models.enums import AccessLevel, AgencyStatus, SystemRole, UserStatus
from models.governance import Agency, Can, ContinuumOfCare
from models.governance_log import GovernanceEvent
from models.outbox import OutboxMessage
from models.outside_access import OutsideAccessApplication
from models.users import User
from tests.conftest import START
from tests.factories import Api, make_agency, make_user

pytestmark = pytest.mark.usefixtures("app")

FIELDS = """
  id status route levelRequested term canId agencyId decisionReason
  criteria { criterion number text finding note source }
  disqualifiers { disqualifier number applies note source }
  revocations { record id why finding }
  canInvolvement { leaderName informedOn position note }
  subcommittee { members decidedOn approved reason recordedById }
  staff { name email }
"""
RECORD = f"""mutation($input: RecordOutsideAccessApplicationInput!) {{
  recordOutsideAccessApplication(input: $input) {{ {FIELDS} }}
}}"""
CAN_INVOLVEMENT = f"""mutation($input: RecordOutsideAccessCanInvolvementInput!) {{
  recordOutsideAccessCanInvolvement(input: $input) {{ {FIELDS} }}
}}"""
ASSESS = f"""mutation($input: AssessOutsideAccessApplicationInput!) {{
  assessOutsideAccessApplication(input: $input) {{ {FIELDS} }}
}}"""
VET = f"""mutation($input: RecordOutsideAccessSubcommitteeDecisionInput!) {{
  recordOutsideAccessSubcommitteeDecision(input: $input) {{ {FIELDS} }}
}}"""
GRANT = f"""mutation($input: GrantOutsideAccessInput!) {{
  grantOutsideAccess(input: $input) {{ {FIELDS} }}
}}"""
LIST = """query($status: OutsideAccessStatus) {
  outsideAccessApplications(status: $status) { totalCount nodes { id status organisationName } }
}"""
ONE = f"query($id: ID!) {{ outsideAccessApplication(id: $id) {{ {FIELDS} }} }}"

JUDGED = (
    "NO_OTHER_REPORTING_OPTION",
    "FUNDING_OR_PROVIDER",
    "WORKS_WITH_PEOPLE_EXPERIENCING_HOMELESSNESS",
    "CONTRIBUTES_TO_ENDING_HOMELESSNESS",
)
STAFF_EMAIL = "analyst@uconn.example.edu"


def application(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "organisationName": "Statewide Housing Research Institute",
        "contactName": "Dana Reyes",
        "contactEmail": "Dana.Reyes@UConn.example.edu",
        "purpose": "Track returns to homelessness for the state's funders.",
        "contribution": "Shows which housing programs keep people housed.",
        "program": "Housing Research Unit",
        "staff": [{"name": "Sam Analyst", "email": STAFF_EMAIL}],
        "levelRequested": "REPORTING_ONLY",
        "term": "ONGOING",
        "researcher": False,
        "trainingAgreed": True,
        "cocCode": "CT-503",
        "receivedOn": "2026-02-20",
    }
    values.update(changes)
    return values


def findings(**overrides: tuple[str, str | None]) -> list[dict[str, Any]]:
    """MET for each criterion the Lead Agency judges, unless overridden."""
    out = []
    for criterion in JUDGED:
        finding, note = overrides.get(criterion, ("MET", None))
        out.append({"criterion": criterion, "finding": finding, "note": note})
    for criterion, (finding, note) in overrides.items():
        if criterion not in JUDGED:
            out.append({"criterion": criterion, "finding": finding, "note": note})
    return out


class World:
    def __init__(self, api: Api, lead: str, dsb: str) -> None:
        self.api, self.lead, self.dsb = api, lead, dsb

    async def record(self, **changes: Any) -> dict[str, Any]:
        data = await self.api.ok(RECORD, {"input": application(**changes)}, self.lead)
        return data["recordOutsideAccessApplication"]  # type: ignore[no-any-return]

    async def assess(
        self, app_id: str, *, risk: bool = False, note: str | None = None, **overrides: Any
    ) -> dict[str, Any]:
        data = await self.api.ok(
            ASSESS, {"input": self._assessment(app_id, risk, note, overrides)}, self.lead
        )
        return data["assessOutsideAccessApplication"]  # type: ignore[no-any-return]

    def _assessment(
        self, app_id: str, risk: bool, note: str | None, overrides: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "applicationId": app_id,
            "findings": findings(**overrides),
            "highRiskOfAbuse": risk,
            "riskNote": note,
        }

    async def grant(self, app_id: str, token: str | None = None, **extra: Any) -> dict[str, Any]:
        payload = {"applicationId": app_id, "signedOn": "2026-03-01", "signedBy": "Dana Reyes"}
        data = await self.api.ok(GRANT, {"input": {**payload, **extra}}, token or self.lead)
        return data["grantOutsideAccess"]  # type: ignore[no-any-return]

    async def vet(self, app_id: str, *, approve: bool, token: str | None = None) -> dict[str, Any]:
        data = await self.api.ok(VET, {"input": self._vetting(app_id, approve)}, token or self.dsb)
        return data["recordOutsideAccessSubcommitteeDecision"]  # type: ignore[no-any-return]

    @staticmethod
    def _vetting(app_id: str, approve: bool) -> dict[str, Any]:
        return {
            "applicationId": app_id,
            "approve": approve,
            "reason": "De-identified extracts cannot answer the funders' question.",
            "members": ["A. Chair", "B. Member"],
            "decidedOn": "2026-03-02",
        }


@pytest.fixture
async def world(api: Api) -> World:
    lead = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY,)))
    dsb = await api.sign_in(await make_user(roles=(SystemRole.DSB_MEMBER,)))
    return World(api, lead, dsb)


def criterion(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in result["criteria"] if c["criterion"] == name)


def disqualifier(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in result["disqualifiers"] if d["disqualifier"] == name)


async def actions(app_id: str) -> list[str]:
    rows = GovernanceEvent.filter(entity_type="OutsideAccessApplication", entity_id=app_id)
    return [row.action for row in await rows.order_by("seq")]


# --- the Lead Agency path: all criteria met, granted through an MOU -------------------------------


async def test_an_application_meeting_every_criterion_is_granted_through_an_mou(
    world: World,
) -> None:
    # given an application the Lead Agency recorded as received (3.1-3.3)
    recorded = await world.record()
    assert recorded["status"] == "RECEIVED"
    assert recorded["staff"] == [{"name": "Sam Analyst", "email": STAFF_EMAIL}]
    assert recorded["criteria"] == []
    # when it assesses every criterion it judges as met
    assessed = await world.assess(recorded["id"])
    # then the ten criteria are all met or not applicable, in order, and it is READY
    assert [c["number"] for c in assessed["criteria"]] == [f"1.{n}" for n in range(1, 11)]
    assert {c["finding"] for c in assessed["criteria"]} == {"MET", "NOT_APPLICABLE"}
    assert (assessed["status"], assessed["route"]) == ("READY", "LEAD_AGENCY")
    assert [d["applies"] for d in assessed["disqualifiers"]] == [False, False]
    assert criterion(assessed, "LEVEL_IN_MOU")["note"] == (
        "The grant records an MOU stating REPORTING_ONLY."
    )
    # when the Lead Agency grants it
    granted = await world.grant(recorded["id"], note="Signed at the February meeting.")
    # then an agency is created for the requestor, its MOU stating exactly the level (1.6, 4.1)
    assert granted["status"] == "GRANTED"
    assert granted["decisionReason"] == (
        "Meets the core criteria (4.3). Signed at the February meeting."
    )
    agency = await Agency.get(id=granted["agencyId"])
    assert agency.name == "Statewide Housing Research Institute"
    assert agency.mou_signed_on == date(2026, 3, 1)
    assert agency.mou_signed_by == "Dana Reyes"
    assert agency.mou_access_levels == ["REPORTING_ONLY"]
    # and every write is in the governance log, the grant with its MOU and agency
    assert await actions(recorded["id"]) == [
        "outside_access.record",
        "outside_access.assess",
        "outside_access.grant",
    ]
    grant_row = await GovernanceEvent.get(action="outside_access.grant")
    assert grant_row.agency_id == agency.id
    assert grant_row.after is not None
    assert grant_row.after["mou"] == {"signedOn": "2026-03-01", "accessLevels": ["REPORTING_ONLY"]}
    assert grant_row.before is not None
    assert grant_row.before["status"] == "READY"
    # and no staff contact is written to the log
    assert STAFF_EMAIL not in str(await GovernanceEvent.all().values())


async def test_the_grant_uses_an_agency_created_for_the_requestor_but_never_one_with_an_mou(
    world: World,
) -> None:
    # given a READY application and two agencies, one without an MOU and one with
    app_id = (await world.record(levelRequested="VIEW_ONLY"))["id"]
    await world.assess(app_id)
    fresh = await make_agency("Research Institute", mou=False)
    participating = await make_agency("Participating Agency")
    # when the Lead Agency grants through the agency that has an MOU: refused, nothing changed
    refused = await world.api.error(
        GRANT,
        {
            "input": {
                "applicationId": app_id,
                "signedOn": "2026-03-01",
                "signedBy": "Dana Reyes",
                "agencyId": str(participating.id),
            }
        },
        world.lead,
    )
    assert (refused["code"], refused["field"]) == ("CONFLICT", "agencyId")
    assert (await OutsideAccessApplication.get(id=app_id)).status == "READY"
    # when it grants through the fresh one, that agency's MOU states the level
    granted = await world.grant(app_id, agencyId=str(fresh.id))
    assert granted["agencyId"] == str(fresh.id)
    assert (await Agency.get(id=fresh.id)).mou_access_levels == ["VIEW_ONLY"]


async def test_a_grant_is_refused_until_the_application_is_ready_or_approved(world: World) -> None:
    app_id = (await world.record())["id"]
    refused = await world.api.error(
        GRANT,
        {"input": {"applicationId": app_id, "signedOn": "2026-03-01", "signedBy": "D. Reyes"}},
        world.lead,
    )
    assert refused["code"] == "CONFLICT"
    assert await Agency.all().count() == 0


# --- each core criterion -------------------------------------------------------------------------


@pytest.mark.parametrize("name", JUDGED)
@pytest.mark.parametrize("finding", ["NOT_MET", "UNCLEAR"])
async def test_a_judged_criterion_not_clearly_met_sends_it_to_the_subcommittee(
    world: World, name: str, finding: str
) -> None:
    # given an application the Lead Agency finds does not clearly meet one criterion
    app_id = (await world.record())["id"]
    assessed = await world.assess(app_id, **{name: (finding, "Not shown in the application.")})
    # then the finding is kept with its reason and the subcommittee vets it (4.3)
    assert criterion(assessed, name) | {"text": None} == {
        "criterion": name,
        "number": criterion(assessed, name)["number"],
        "text": None,
        "finding": finding,
        "note": "Not shown in the application.",
        "source": "LEAD_AGENCY",
    }
    assert (assessed["status"], assessed["route"]) == ("REFERRED", "SUBCOMMITTEE")
    # and a grant by the Lead Agency alone is refused
    refused = await world.api.error(
        GRANT,
        {"input": {"applicationId": app_id, "signedOn": "2026-03-01", "signedBy": "D. Reyes"}},
        world.lead,
    )
    assert refused["code"] == "CONFLICT"


async def test_a_finding_other_than_met_needs_its_reason(world: World) -> None:
    app_id = (await world.record())["id"]
    error = await world.api.error(
        ASSESS,
        {
            "input": world._assessment(
                app_id, False, None, {"FUNDING_OR_PROVIDER": ("NOT_MET", None)}
            )
        },
        world.lead,
    )
    assert (error["code"], error["field"]) == ("VALIDATION", "findings[1].note")


async def test_every_judged_criterion_is_judged_once_and_hearths_own_are_not(world: World) -> None:
    app_id = (await world.record())["id"]
    # 1.1 left out
    missing = world._assessment(app_id, False, None, {})
    missing["findings"] = missing["findings"][1:]
    error = await world.api.error(ASSESS, {"input": missing}, world.lead)
    assert (error["code"], error["field"]) == ("VALIDATION", "findings")
    assert "1.1" in error["message"]
    # 1.2, 1.6, 1.7 and 1.10 are answered by the application and Hearth's records
    for worked_out in ("ONGOING_ACCESS", "LEVEL_IN_MOU", "TRAINING", "GOOD_STANDING"):
        error = await world.api.error(
            ASSESS,
            {"input": world._assessment(app_id, False, None, {worked_out: ("MET", None)})},
            world.lead,
        )
        assert (error["code"], error["field"]) == ("VALIDATION", "findings[4].criterion")
    # twice
    twice = world._assessment(app_id, False, None, {})
    twice["findings"].append(twice["findings"][0])
    error = await world.api.error(ASSESS, {"input": twice}, world.lead)
    assert error["code"] == "VALIDATION"
    assert (await OutsideAccessApplication.get(id=app_id)).status == "RECEIVED"


async def test_1_2_one_time_access_is_not_met_and_disqualifies(world: World) -> None:
    # given an application for one-time access (1.2, 2.1)
    app_id = (await world.record(term="ONE_TIME"))["id"]
    assessed = await world.assess(app_id)
    # then 1.2 is not met, 2.1 applies, and it is denied with the reason
    assert criterion(assessed, "ONGOING_ACCESS")["finding"] == "NOT_MET"
    assert disqualifier(assessed, "ONE_TIME_ACCESS")["applies"] is True
    assert (assessed["status"], assessed["route"]) == ("DENIED", "DISQUALIFIED")
    assert assessed["decisionReason"] == "Not granted. 2.1: one-time access only."
    assert await actions(app_id) == ["outside_access.record", "outside_access.assess"]
    log = await GovernanceEvent.get(action="outside_access.assess")
    assert log.reason == "Not granted. 2.1: one-time access only."
    assert log.after is not None
    assert log.after["disqualifiers"] == {"2.1": True, "2.2": False}


async def test_1_5_a_can_concerned_takes_part_before_the_assessment(world: World) -> None:
    # given an application concerning one CAN
    coc = await ContinuumOfCare.get(code="CT-503")
    can = await Can.create(name="Greater Hartford CAN", coc=coc)
    app_id = (await world.record(canId=str(can.id)))["id"]
    # when the Lead Agency assesses before involving the CAN's leadership: refused (4.2)
    error = await world.api.error(
        ASSESS, {"input": world._assessment(app_id, False, None, {})}, world.lead
    )
    assert (error["code"], error["field"]) == ("VALIDATION", "applicationId")
    # when CAN leadership is informed and supports it
    involved = (
        await world.api.ok(
            CAN_INVOLVEMENT,
            {
                "input": {
                    "applicationId": app_id,
                    "leaderName": "CAN Co-Chair",
                    "informedOn": "2026-02-25",
                    "position": "SUPPORTS",
                }
            },
            world.lead,
        )
    )["recordOutsideAccessCanInvolvement"]
    assert involved["canInvolvement"] == {
        "leaderName": "CAN Co-Chair",
        "informedOn": "2026-02-25",
        "position": "SUPPORTS",
        "note": None,
    }
    # then 1.5 is met, the Lead Agency may grant, and the agency it creates is in that CAN
    assessed = await world.assess(app_id)
    assert criterion(assessed, "CAN_PARTICIPATION")["finding"] == "MET"
    assert assessed["status"] == "READY"
    granted = await world.grant(app_id)
    assert (await Agency.get(id=granted["agencyId"])).can_id == can.id
    assert "outside_access.can_involvement" in await actions(app_id)


async def test_1_5_a_can_that_opposes_sends_it_to_the_subcommittee(world: World) -> None:
    coc = await ContinuumOfCare.get(code="CT-503")
    can = await Can.create(name="Fairfield CAN", coc=coc)
    app_id = (await world.record(canId=str(can.id)))["id"]
    involvement = {
        "applicationId": app_id,
        "leaderName": "CAN Lead",
        "informedOn": "2026-02-25",
        "position": "OPPOSES",
    }
    # an opposition without its reasons is refused
    error = await world.api.error(CAN_INVOLVEMENT, {"input": involvement}, world.lead)
    assert (error["code"], error["field"]) == ("VALIDATION", "note")
    await world.api.ok(
        CAN_INVOLVEMENT,
        {"input": {**involvement, "note": "Duplicates the CAN's own reports."}},
        world.lead,
    )
    assessed = await world.assess(app_id)
    assert criterion(assessed, "CAN_PARTICIPATION") | {"text": None} == {
        "criterion": "CAN_PARTICIPATION",
        "number": "1.5",
        "text": None,
        "finding": "UNCLEAR",
        "note": "CAN leadership opposes.",
        "source": "CAN",
    }
    assert assessed["status"] == "REFERRED"


async def test_1_5_without_a_can_the_criterion_does_not_apply(world: World) -> None:
    app_id = (await world.record())["id"]
    error = await world.api.error(
        CAN_INVOLVEMENT,
        {
            "input": {
                "applicationId": app_id,
                "leaderName": "Someone",
                "informedOn": "2026-02-25",
                "position": "SUPPORTS",
            }
        },
        world.lead,
    )
    assert (error["code"], error["field"]) == ("VALIDATION", "applicationId")
    assessed = await world.assess(app_id)
    assert criterion(assessed, "CAN_PARTICIPATION")["finding"] == "NOT_APPLICABLE"


async def test_1_6_the_level_requested_is_the_level_the_mou_states(world: World) -> None:
    app_id = (await world.record(levelRequested="FULL"))["id"]
    assessed = await world.assess(app_id)
    assert criterion(assessed, "LEVEL_IN_MOU") == {
        "criterion": "LEVEL_IN_MOU",
        "number": "1.6",
        "text": "The access level (full access, view only, reporting only) is reflected in the "
        "MOU.",
        "finding": "MET",
        "note": "The grant records an MOU stating FULL.",
        "source": "HEARTH",
    }
    granted = await world.grant(app_id)
    assert (await Agency.get(id=granted["agencyId"])).mou_access_levels == ["FULL"]


async def test_1_7_training_not_agreed_is_not_met(world: World) -> None:
    app_id = (await world.record(trainingAgreed=False))["id"]
    assessed = await world.assess(app_id)
    assert criterion(assessed, "TRAINING")["finding"] == "NOT_MET"
    assert assessed["status"] == "REFERRED"


async def test_1_9_a_researcher_is_judged_on_aggregate_data(world: World) -> None:
    # given a researcher's application
    app_id = (await world.record(researcher=True))["id"]
    # when 1.9 is left unjudged: refused
    error = await world.api.error(
        ASSESS, {"input": world._assessment(app_id, False, None, {})}, world.lead
    )
    assert (error["code"], error["field"]) == ("VALIDATION", "findings")
    assert "1.9" in error["message"]
    # when client-level data is asked although aggregates would do
    assessed = await world.assess(
        app_id, RESEARCH_AGGREGATE_DATA=("NOT_MET", "Aggregates would answer it.")
    )
    assert criterion(assessed, "RESEARCH_AGGREGATE_DATA")["finding"] == "NOT_MET"
    assert assessed["status"] == "REFERRED"


async def test_1_9_is_not_judged_for_a_requestor_who_is_not_a_researcher(world: World) -> None:
    app_id = (await world.record())["id"]
    error = await world.api.error(
        ASSESS,
        {
            "input": world._assessment(
                app_id, False, None, {"RESEARCH_AGGREGATE_DATA": ("MET", None)}
            )
        },
        world.lead,
    )
    assert (error["code"], error["field"]) == ("VALIDATION", "findings[4].criterion")
    assessed = await world.assess(app_id)
    assert criterion(assessed, "RESEARCH_AGGREGATE_DATA")["finding"] == "NOT_APPLICABLE"


# --- 1.10 against Hearth's own records -----------------------------------------------------------


async def _staff_user(**fields: Any) -> User:
    return await make_user(email=STAFF_EMAIL, email_normalized=STAFF_EMAIL, **fields)


async def test_1_10_a_staff_member_deactivated_for_misuse_denies_it(world: World) -> None:
    # given a staff member whose account was deactivated for inappropriate use (policy 212)
    agency = await make_agency("Old Agency")
    staff = await _staff_user(status=UserStatus.INACTIVE)
    hdc = await make_user()
    await AccessEscalation.create(
        agency=agency,
        quarter="2025Q3",
        subject=staff,
        level=3,
        opened_by=hdc,
        opened_at=START,
        updated_at=START,
        findings="Viewed many clients without enrollments.",
        deactivated_at=START,
        deactivation_reason="Misuse",
    )
    # when the application naming them (e-mail in another case) is assessed
    app_id = (await world.record(staff=[{"name": "Sam Analyst", "email": STAFF_EMAIL.upper()}]))[
        "id"
    ]
    assessed = await world.assess(app_id)
    # then 1.10 is not met from Hearth's records, and it is denied with the reason
    assert criterion(assessed, "GOOD_STANDING") | {"text": None} == {
        "criterion": "GOOD_STANDING",
        "number": "1.10",
        "text": None,
        "finding": "NOT_MET",
        "note": "Earlier access revoked.",
        "source": "RECORDS",
    }
    assert assessed["revocations"] == [
        {
            "record": "User",
            "id": str(staff.id),
            "why": "DEACTIVATED_FOR_MISUSE",
            "finding": "NOT_MET",
        }
    ]
    assert (assessed["status"], assessed["route"]) == ("DENIED", "DISQUALIFIED")
    assert "1.10" in assessed["decisionReason"]


async def test_1_10_a_suspended_agency_of_the_same_name_denies_it(world: World) -> None:
    agency = await make_agency(
        "STATEWIDE housing research institute", status=AgencyStatus.SUSPENDED
    )
    app_id = (await world.record())["id"]
    assessed = await world.assess(app_id)
    assert assessed["revocations"] == [
        {"record": "Agency", "id": str(agency.id), "why": "AGENCY_SUSPENDED", "finding": "NOT_MET"}
    ]
    assert assessed["status"] == "DENIED"


@pytest.mark.parametrize("lapse", ["deadline", "inactive_agency"])
async def test_1_10_access_that_lapsed_is_unclear_and_goes_to_the_subcommittee(
    world: World, lapse: str
) -> None:
    # given earlier access that ended without misuse: an account made inactive when a deadline
    # passed (109, 202, 211), or an inactive agency of the same name
    if lapse == "deadline":
        staff = await _staff_user(status=UserStatus.INACTIVE)
        await ComplianceCase.create(
            user=staff,
            kind=CaseKind.RETRAINING,
            status=CaseStatus.ENFORCED,
            opened_at=START,
            due_on=date(2026, 1, 1),
        )
    else:
        await make_agency("Statewide Housing Research Institute", status=AgencyStatus.INACTIVE)
    app_id = (await world.record())["id"]
    assessed = await world.assess(app_id)
    # then 1.10 is unclear and the subcommittee weighs it
    assert criterion(assessed, "GOOD_STANDING")["finding"] == "UNCLEAR"
    assert [r["finding"] for r in assessed["revocations"]] == ["UNCLEAR"]
    assert assessed["status"] == "REFERRED"


async def test_1_10_a_staff_member_who_simply_left_is_in_good_standing(world: World) -> None:
    await _staff_user(
        status=UserStatus.INACTIVE, deactivation_reason="Left the agency", deactivated_at=START
    )
    app_id = (await world.record())["id"]
    assessed = await world.assess(app_id)
    assert criterion(assessed, "GOOD_STANDING")["finding"] == "MET"
    assert assessed["revocations"] == []
    assert assessed["status"] == "READY"


# --- the disqualifiers ---------------------------------------------------------------------------


async def test_2_2_a_high_risk_of_abuse_denies_it_with_the_reason(world: World) -> None:
    app_id = (await world.record())["id"]
    # the risk must be explained
    error = await world.api.error(
        ASSESS, {"input": world._assessment(app_id, True, None, {})}, world.lead
    )
    assert (error["code"], error["field"]) == ("VALIDATION", "riskNote")
    assessed = await world.assess(app_id, risk=True, note="Would resell client-level data.")
    assert disqualifier(assessed, "HIGH_RISK_OF_ABUSE") == {
        "disqualifier": "HIGH_RISK_OF_ABUSE",
        "number": "2.2",
        "applies": True,
        "note": "Would resell client-level data.",
        "source": "LEAD_AGENCY",
    }
    assert (assessed["status"], assessed["route"]) == ("DENIED", "DISQUALIFIED")
    assert assessed["decisionReason"] == (
        "Not granted. 2.2: possibility for high abuse of client data: Would resell client-level "
        "data."
    )
    # and nothing grants it afterwards, nor assesses it again
    refused = await world.api.error(
        GRANT,
        {"input": {"applicationId": app_id, "signedOn": "2026-03-01", "signedBy": "D. Reyes"}},
        world.lead,
    )
    assert refused["code"] == "CONFLICT"
    again = await world.api.error(
        ASSESS, {"input": world._assessment(app_id, False, None, {})}, world.lead
    )
    assert again["code"] == "CONFLICT"


# --- the subcommittee path -----------------------------------------------------------------------


async def test_the_subcommittee_vets_a_referral_and_the_lead_agency_grants_what_it_approves(
    world: World,
) -> None:
    # given a referred application; the Data Strategy Board's members are told
    app_id = (await world.record(trainingAgreed=False))["id"]
    assert (await world.assess(app_id))["status"] == "REFERRED"
    notices = await OutboxMessage.filter(kind="outside_access.referred").count()
    assert notices == await User.filter(system_roles__role=SystemRole.DSB_MEMBER).count() == 1
    # the Lead Agency cannot record the subcommittee's decision
    forbidden = await world.api.error(
        VET, {"input": world._vetting(app_id, approve=True)}, world.lead
    )
    assert forbidden["code"] == "FORBIDDEN"
    # when the subcommittee approves, with its members and reasons
    approved = await world.vet(app_id, approve=True)
    assert approved["status"] == "APPROVED"
    assert approved["subcommittee"]["members"] == ["A. Chair", "B. Member"]
    assert approved["subcommittee"]["approved"] is True
    # then the Lead Agency grants it through an MOU, the reason naming the subcommittee
    granted = await world.grant(app_id)
    assert granted["status"] == "GRANTED"
    assert granted["decisionReason"].startswith(
        "Approved by the HMIS Steering Committee subcommittee: De-identified"
    )
    assert (await Agency.get(id=granted["agencyId"])).mou_access_levels == ["REPORTING_ONLY"]
    assert await actions(app_id) == [
        "outside_access.record",
        "outside_access.assess",
        "outside_access.subcommittee_decide",
        "outside_access.grant",
    ]


async def test_the_subcommittee_denies_with_its_reason(world: World) -> None:
    app_id = (await world.record())["id"]
    await world.assess(app_id, FUNDING_OR_PROVIDER=("UNCLEAR", "No funder named."))
    denied = await world.vet(app_id, approve=False)
    assert denied["status"] == "DENIED"
    assert denied["decisionReason"] == (
        "Denied by the HMIS Steering Committee subcommittee: De-identified extracts cannot "
        "answer the funders' question."
    )
    again = await world.api.error(VET, {"input": world._vetting(app_id, True)}, world.dsb)
    assert again["code"] == "CONFLICT"


async def test_the_subcommittee_vets_only_referrals_and_not_the_assessors_own(
    api: Api, world: World
) -> None:
    # an application READY for the Lead Agency is not the subcommittee's
    ready = (await world.record())["id"]
    await world.assess(ready)
    error = await world.api.error(VET, {"input": world._vetting(ready, True)}, world.dsb)
    assert error["code"] == "CONFLICT"
    # someone who is both Lead Agency staff and a DSB member does not vet their own referral
    both = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY, SystemRole.DSB_MEMBER)))
    app_id = (await api.ok(RECORD, {"input": application(trainingAgreed=False)}, both))[
        "recordOutsideAccessApplication"
    ]["id"]
    await api.ok(ASSESS, {"input": world._assessment(app_id, False, None, {})}, both)
    error = await api.error(VET, {"input": world._vetting(app_id, True)}, both)
    assert error["code"] == "FORBIDDEN"
    # nor does a vetting without members or reason, or dated in the future, pass
    for bad, field in (
        ({"members": []}, "members"),
        ({"reason": "  "}, "reason"),
        ({"decidedOn": "2026-03-03"}, "decidedOn"),
    ):
        error = await world.api.error(
            VET, {"input": {**world._vetting(app_id, True), **bad}}, world.dsb
        )
        assert (error["code"], error["field"]) == ("VALIDATION", field)


# --- who may, and what is checked ----------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        {"roles": (SystemRole.SYSTEM_ADMINISTRATOR,)},
        {"roles": (SystemRole.DSB_MEMBER,)},
        {"roles": (SystemRole.SECURITY_OFFICER,)},
        {"agencies": "FULL"},
    ],
)
async def test_only_the_lead_agency_records_and_decides(api: Api, world: World, who: Any) -> None:
    if who.get("agencies"):
        who = {"agencies": {await make_agency(): AccessLevel.FULL}}
    token = await api.sign_in(await make_user(**who))
    app_id = (await world.record())["id"]
    for document, variables in (
        (RECORD, {"input": application()}),
        (ASSESS, {"input": world._assessment(app_id, False, None, {})}),
    ):
        assert (await api.error(document, variables, token))["code"] == "FORBIDDEN"
    assert await OutsideAccessApplication.all().count() == 1


@pytest.mark.parametrize(
    "role", [SystemRole.SYSTEM_ADMINISTRATOR, SystemRole.SECURITY_OFFICER, SystemRole.DSB_MEMBER]
)
async def test_the_overseers_read_applications(api: Api, world: World, role: SystemRole) -> None:
    app_id = (await world.record())["id"]
    token = await api.sign_in(await make_user(roles=(role,)))
    listed = (await api.ok(LIST, {"status": "RECEIVED"}, token))["outsideAccessApplications"]
    assert listed["totalCount"] == 1
    assert listed["nodes"][0]["organisationName"] == "Statewide Housing Research Institute"
    one = (await api.ok(ONE, {"id": app_id}, token))["outsideAccessApplication"]
    assert one["status"] == "RECEIVED"
    assert (await api.ok(LIST, {"status": "GRANTED"}, token))["outsideAccessApplications"][
        "totalCount"
    ] == 0


async def test_a_case_manager_reads_nothing(api: Api, world: World) -> None:
    await world.record()
    token = await api.sign_in(await make_user(agencies={await make_agency(): AccessLevel.FULL}))
    assert (await api.error(LIST, {}, token))["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"staff": []}, "staff"),
        ({"staff": [{"name": "X", "email": "not-an-address"}]}, "staff[0].email"),
        ({"purpose": "   "}, "purpose"),
        ({"contribution": "x" * 4001}, "contribution"),
        ({"organisationName": "x" * 201}, "organisationName"),
        ({"contactEmail": "nope"}, "contactEmail"),
        ({"cocCode": "CT-999"}, "cocCode"),
        ({"receivedOn": "2026-03-03"}, "receivedOn"),
        ({"canId": "00000000-0000-4000-8000-000000000000"}, "canId"),
        ({"canId": "not-an-id"}, "canId"),
    ],
)
async def test_a_bad_application_is_refused_with_its_field(
    world: World, changes: dict[str, Any], field: str
) -> None:
    error = await world.api.error(RECORD, {"input": application(**changes)}, world.lead)
    assert (error["code"], error["field"]) == ("VALIDATION", field)
    assert await OutsideAccessApplication.all().count() == 0
    assert await GovernanceEvent.all().count() == 0


async def test_an_unknown_application_is_not_found(world: World) -> None:
    error = await world.api.error(
        ASSESS,
        {"input": world._assessment("00000000-0000-4000-8000-000000000000", False, None, {})},
        world.lead,
    )
    assert (error["code"], error["field"]) == ("NOT_FOUND", "applicationId")


async def test_the_granted_level_takes_effect_at_once(api: Api, world: World) -> None:
    # given the requestor's agency, created without an MOU, and its staff member's licence there
    agency = await make_agency("Research Institute", mou=False)
    staff = await make_user(agencies={agency: AccessLevel.REPORTING_ONLY})
    token = await api.sign_in(staff)
    read = "query($id: ID!) { agency(id: $id) { id } }"
    assert (await api.error(read, {"id": str(agency.id)}, token))["code"] == "FORBIDDEN"
    app_id = (await world.record())["id"]
    await world.assess(app_id)
    # when the Lead Agency grants through that agency's MOU
    await world.grant(app_id, agencyId=str(agency.id))
    # then the staff member acts for the agency at the level the MOU states, with no other change
    assert (await api.ok(read, {"id": str(agency.id)}, token))["agency"]["id"] == str(agency.id)


async def test_the_cans_view_may_change_while_the_subcommittee_vets_but_not_after(
    world: World,
) -> None:
    coc = await ContinuumOfCare.get(code="CT-503")
    can = await Can.create(name="Eastern CAN", coc=coc)
    app_id = (await world.record(canId=str(can.id), trainingAgreed=False))["id"]
    involvement = {
        "applicationId": app_id,
        "leaderName": "CAN Lead",
        "informedOn": "2026-02-25",
        "position": "NO_POSITION",
    }
    await world.api.ok(CAN_INVOLVEMENT, {"input": involvement}, world.lead)
    assert (await world.assess(app_id))["status"] == "REFERRED"
    # while the subcommittee vets, the CAN's leadership takes a position (4.3)
    changed = (
        await world.api.ok(
            CAN_INVOLVEMENT,
            {"input": {**involvement, "position": "SUPPORTS", "informedOn": "2026-03-02"}},
            world.lead,
        )
    )["recordOutsideAccessCanInvolvement"]
    assert changed["canInvolvement"]["position"] == "SUPPORTS"
    logged = GovernanceEvent.filter(action="outside_access.can_involvement").order_by("seq")
    changes = [(row.before or {}).get("canPosition") for row in await logged]
    assert changes == [None, "NO_POSITION"]
    await world.vet(app_id, approve=False)
    # once decided, it is past vetting
    error = await world.api.error(CAN_INVOLVEMENT, {"input": involvement}, world.lead)
    assert error["code"] == "CONFLICT"
