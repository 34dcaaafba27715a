"""Valid calls of the certification and security-contact operations (105, 108, 201,
210), for the malformed-input tests."""

from __future__ import annotations

from datetime import timedelta

from models.certification import (
    AgencyCase,
    AgencyCaseKind,
    CertificationItem,
    Exhibit,
    MitigationMilestone,
    MonitoringSample,
    MonitoringSelection,
    RemediationStep,
    SecurityPlanReview,
)
from models.enums import Duty, SystemRole
from tests.factories import make_agency, make_user
from tests.schema.mutation_cases import Call, World, case
from tests.schema.query_cases import query_case
from tests.schema.writes_support import today


async def _officer(w: World) -> str:
    name = w.unique("officer").replace(" ", "")
    await make_user(name, roles=(SystemRole.SECURITY_OFFICER,))
    return await w.token(name)


async def _open_case(w: World, kind: AgencyCaseKind) -> AgencyCase:
    agency = await make_agency(w.unique("Agency K"))
    day = today(w.api)
    return await AgencyCase.create(
        agency=agency,
        kind=kind,
        opened_at=w.api.clock.now(),
        opened_on=day,
        due_on=day + timedelta(days=60 if kind == AgencyCaseKind.REMEDIATION else 30),
        year=day.year if kind == AgencyCaseKind.REMEDIATION else None,
        exhibit=Exhibit.A if kind == AgencyCaseKind.REMEDIATION else None,
    )


async def _selection(w: World, *, requested: bool) -> MonitoringSelection:
    await MonitoringSample.all().delete()
    sample = await MonitoringSample.create(
        year=today(w.api).year,
        seed="s",
        percent=25,
        population=[str(w.a.id)],
        drawn_by=w.admin,
        drawn_at=w.api.clock.now(),
    )
    return await MonitoringSelection.create(
        sample=sample,
        agency=w.a,
        documentation_requested_at=w.api.clock.now() if requested else None,
    )


@case("createCertificationItem")
async def _create_item(w: World) -> Call:
    return await w.token("admin"), {
        "input": {
            "exhibit": "B",
            "code": w.unique("B"),
            "text": "Backups are encrypted.",
            "policy": "208",
            "reason": "DSB decision.",
        }
    }


@case("updateCertificationItem")
async def _update_item(w: World) -> Call:
    item = await CertificationItem.filter(exhibit=Exhibit.A).order_by("position").first()
    assert item is not None
    return await w.token("admin"), {
        "input": {
            "id": str(item.id),
            "text": "Reworded.",
            "policy": "107",
            "position": 2,
            "reason": "Clearer.",
        }
    }


@case("retireCertificationItem")
async def _retire_item(w: World) -> Call:
    item = await CertificationItem.create(
        exhibit=Exhibit.A,
        code=w.unique("R"),
        text="Old.",
        policy="107",
        position=99,
        created_at=w.api.clock.now(),
        updated_at=w.api.clock.now(),
    )
    return await w.token("admin"), {"input": {"id": str(item.id), "reason": "Obsolete."}}


@case("certifyExhibit")
async def _certify(w: World) -> Call:
    items = await CertificationItem.filter(exhibit=Exhibit.A, retired_at__isnull=True)
    return await w.token("hdc"), {
        "input": {
            "agencyId": str(w.a.id),
            "exhibit": "A",
            "answers": [
                {"itemId": str(i.id), "met": True, "evidence": "Binder 1", "note": "ok"}
                for i in items
            ],
        }
    }


@case("planRemediation")
async def _plan(w: World) -> Call:
    opened = await _open_case(w, AgencyCaseKind.REMEDIATION)
    return await w.token("admin"), {
        "input": {
            "caseId": str(opened.id),
            "dueOn": str(opened.opened_on + timedelta(days=50)),
            "steps": ["Adopt a firewall policy."],
            "reason": "Shortfall in A-05.",
        }
    }


@case("completeRemediationStep")
async def _complete(w: World) -> Call:
    opened = await _open_case(w, AgencyCaseKind.REMEDIATION)
    step = await RemediationStep.create(case=opened, position=1, text="Do it.")
    name = w.unique("hdc").replace(" ", "")
    agency = await opened.agency
    await make_user(name, duties={agency: Duty.HMIS_DATA_COORDINATOR})
    return await w.token(name), {"input": {"stepId": str(step.id)}}


@case("acknowledgeCoordinatorChange")
async def _acknowledge(w: World) -> Call:
    opened = await _open_case(w, AgencyCaseKind.COORDINATOR_CHANGE)
    return await w.token("admin"), {"input": {"caseId": str(opened.id)}}


@case("drawMonitoringSample")
async def _draw(w: World) -> Call:
    await MonitoringSample.all().delete()
    return await w.token("admin"), {
        "input": {"year": today(w.api).year, "percent": 25, "seed": "seed-1"}
    }


@case("requestMonitoringDocumentation")
async def _request(w: World) -> Call:
    selection = await _selection(w, requested=False)
    return await w.token("admin"), {
        "input": {"selectionId": str(selection.id), "note": "Policies."}
    }


@case("recordMonitoringResult")
async def _result(w: World) -> Call:
    selection = await _selection(w, requested=True)
    return await w.token("admin"), {
        "input": {
            "selectionId": str(selection.id),
            "result": "NOT_COMPLIANT",
            "findings": "No firewall policy.",
        }
    }


@case("recordSecurityPlanReview")
async def _review(w: World) -> Call:
    day = today(w.api)
    return await _officer(w), {
        "input": {
            "reviewedOn": str(day),
            "adheres": False,
            "shortfalls": "Penetration test overdue.",
            "mitigationPlan": "Contract a test.",
            "milestones": [{"description": "Test contracted.", "dueOn": str(day + timedelta(30))}],
        }
    }


@case("recordMitigationMilestoneMet")
async def _milestone(w: World) -> Call:
    token = await _officer(w)
    day = today(w.api)
    review = await SecurityPlanReview.create(
        reviewed_on=day,
        reviewer=w.admin,
        adheres=False,
        shortfalls="x",
        mitigation_plan="y",
        recorded_at=w.api.clock.now(),
    )
    milestone = await MitigationMilestone.create(
        review=review, position=1, description="z", due_on=day + timedelta(days=10)
    )
    return token, {"input": {"milestoneId": str(milestone.id), "metOn": str(day)}}


@query_case("certifications")
async def _certifications(w: World) -> Call:
    return await w.token("admin"), {"agencyId": str(w.a.id), "first": 10}


@query_case("agencyCertificationStatus")
async def _status(w: World) -> Call:
    return await w.token("admin"), {"agencyId": str(w.a.id)}


@query_case("agencyCases")
async def _cases(w: World) -> Call:
    return await w.token("admin"), {"agencyId": str(w.a.id), "first": 10}


@query_case("securityPlanReviews")
async def _reviews(w: World) -> Call:
    return await _officer(w), {"first": 10}


# The governance log's query (commit 263ffb5) had no valid call yet; the suite needs one.
@query_case("governanceLog")
async def _governance_log(w: World) -> Call:
    return await _officer(w), {"filter": {"agencyId": str(w.a.id), "action": "mou.record"}}
