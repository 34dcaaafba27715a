"""An enrollment's newer records over HTTP (current living situation, assessments with questions
and results, events, employment and education, youth education status): recorded by the
enrollment's agency as today's enrollment records are, refused with a typed error and nothing
written, audited, read back in pages, and masked by the client-data policy for another agency."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.audit import AuditEvent
from models.coordinated_entry import Assessment, AssessmentQuestion, AssessmentResult
from models.enums import AccessLevel, AuditAction
from tests.audit_rows import records
from tests.factories import Api, make_agency, make_user
from tests.schema.writes_support import (
    create_client,
    expect_refused,
    make_project,
    release_to,
    today,
)

ENROLL = """
mutation($input: CreateEnrollmentInput!) { createEnrollment(input: $input) { id } }"""
CLS = """
mutation($input: RecordCurrentLivingSituationInput!) {
  recordCurrentLivingSituation(input: $input) { id informationDate currentLivingSituation locationDetails }
}"""
ASSESS = """
mutation($input: RecordAssessmentInput!) {
  recordAssessment(input: $input) {
    id assessmentDate assessmentType
    questions { assessmentQuestion assessmentAnswer assessmentQuestionOrder }
    results { assessmentResultType assessmentResult }
  }
}"""
EVENT = """mutation($input: RecordEventInput!) { recordEvent(input: $input) { id eventDate event resultDate } }"""
EMPLOYMENT = """
mutation($input: RecordEmploymentEducationInput!) {
  recordEmploymentEducation(input: $input) { id informationDate employed }
}"""
YOUTH = """
mutation($input: RecordYouthEducationStatusInput!) {
  recordYouthEducationStatus(input: $input) { id currentSchoolAttend }
}"""
READ = """
query($id: ID!) {
  client(id: $id) {
    enrollmentsConnection { nodes {
      currentLivingSituationsConnection(first: 10) { totalCount nodes { currentLivingSituation locationDetails } }
      assessmentsConnection(first: 10) { totalCount nodes {
        assessmentType questions { assessmentQuestion assessmentAnswer } results { assessmentResult } } }
      eventsConnection(first: 10) { totalCount nodes { event } }
      employmentEducation { employed }
      youthEducationStatus { currentSchoolAttend }
    } }
  }
}"""


async def _world(api: Api) -> dict[str, Any]:
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    worker = await make_user(agencies={a: AccessLevel.FULL})
    token = await api.sign_in(worker)
    client = (await create_client(api, token))["id"]
    project = await make_project(a)
    entry = today(api) - timedelta(days=10)
    enrollment = (
        await api.ok(
            ENROLL,
            {
                "input": {
                    "clientId": client,
                    "projectId": str(project.id),
                    "entryDate": str(entry),
                    "relationshipToHoH": "SELF",
                }
            },
            token,
        )
    )["createEnrollment"]["id"]
    return {
        "a": a,
        "b": b,
        "worker": worker,
        "token": token,
        "client": client,
        "enrollment": enrollment,
        "entry": entry,
    }


async def _record_everything(api: Api, w: dict[str, Any]) -> None:
    e, day, token = w["enrollment"], str(w["entry"] + timedelta(days=1)), w["token"]
    await api.ok(
        CLS,
        {
            "input": {
                "enrollmentId": e,
                "informationDate": day,
                "currentLivingSituation": "PLACE_NOT_MEANT_FOR_HABITATION",
                "locationDetails": "under the Main St bridge",
            }
        },
        token,
    )
    await api.ok(
        ASSESS,
        {
            "input": {
                "enrollmentId": e,
                "assessmentDate": day,
                "assessmentType": "IN_PERSON",
                "assessmentLevel": "CRISIS_NEEDS_ASSESSMENT",
                "prioritizationStatus": "PLACED_ON_PRIORITIZATION_LIST",
                "questions": [
                    {
                        "assessmentQuestion": "Any chronic health condition?",
                        "assessmentAnswer": "yes",
                        "assessmentQuestionOrder": 1,
                    },
                ],
                "results": [{"assessmentResultType": "VI-SPDAT", "assessmentResult": "11"}],
            }
        },
        token,
    )
    await api.ok(
        EVENT,
        {
            "input": {
                "enrollmentId": e,
                "eventDate": day,
                "event": "REFERRAL_TO_PSH_PROJECT_RESOURCE_OPENING",
                "referralResult": "SUCCESSFUL_REFERRAL_CLIENT_ACCEPTED",
                "resultDate": day,
            }
        },
        token,
    )
    await api.ok(
        EMPLOYMENT,
        {
            "input": {
                "enrollmentId": e,
                "informationDate": str(w["entry"]),
                "dataCollectionStage": "PROJECT_ENTRY",
                "employed": "NO",
            }
        },
        token,
    )
    await api.ok(
        YOUTH,
        {
            "input": {
                "enrollmentId": e,
                "informationDate": str(w["entry"]),
                "dataCollectionStage": "PROJECT_ENTRY",
                "currentSchoolAttend": "NOT_CURRENTLY_ENROLLED_IN_ANY_SCHOOL_OR_EDUCATIONAL_COURSE",
            }
        },
        token,
    )


async def test_the_enrollments_agency_records_each_and_reads_it_back_audited(api: Api) -> None:
    w = await _world(api)

    await _record_everything(api, w)

    enrollment = (await api.ok(READ, {"id": w["client"]}, w["token"]))["client"][
        "enrollmentsConnection"
    ]["nodes"][0]
    assert enrollment["currentLivingSituationsConnection"]["nodes"] == [
        {
            "currentLivingSituation": "PLACE_NOT_MEANT_FOR_HABITATION",
            "locationDetails": "under the Main St bridge",
        }
    ]
    (assessment,) = enrollment["assessmentsConnection"]["nodes"]
    assert assessment["questions"] == [
        {"assessmentQuestion": "Any chronic health condition?", "assessmentAnswer": "yes"}
    ]
    assert assessment["results"] == [{"assessmentResult": "11"}]
    assert enrollment["eventsConnection"]["nodes"] == [
        {"event": "REFERRAL_TO_PSH_PROJECT_RESOURCE_OPENING"}
    ]
    assert enrollment["employmentEducation"] == [{"employed": "NO"}]
    assert enrollment["youthEducationStatus"] == [
        {"currentSchoolAttend": "NOT_CURRENTLY_ENROLLED_IN_ANY_SCHOOL_OR_EDUCATIONAL_COURSE"}
    ]
    created = await AuditEvent.filter(action=AuditAction.CREATE).values_list(
        "entity_type", flat=True
    )
    for kind in (
        "CurrentLivingSituation",
        "Assessment",
        "AssessmentQuestion",
        "AssessmentResult",
        "Event",
        "EmploymentEducation",
        "YouthEducationStatus",
    ):
        assert kind in created, kind
    # the read is audited as a read of the enrollment's lists
    views = [
        v
        for v in records(await AuditEvent.filter(action=AuditAction.VIEW))
        if v.entity_type == "Enrollment"
    ]
    read = {"assessmentsConnection", "eventsConnection", "currentLivingSituationsConnection"}
    assert any(read <= set(v.fields_touched) for v in views), [v.fields_touched for v in views]


async def test_another_agency_sees_the_records_masked_by_their_categories(api: Api) -> None:
    # given A shares identifying and enrollment data (not health) with B
    w = await _world(api)
    await _record_everything(api, w)
    await release_to(
        api, w["token"], w["client"], w["b"], ("IDENTIFYING", "ENROLLMENT_AND_SERVICES")
    )
    reader = await api.sign_in(await make_user(agencies={w["b"]: AccessLevel.FULL}))

    enrollment = (await api.ok(READ, {"id": w["client"]}, reader))["client"][
        "enrollmentsConnection"
    ]["nodes"][0]

    # then the rows, with the answer (HEALTH) masked; where the client was met (IDENTIFYING) shown
    (assessment,) = enrollment["assessmentsConnection"]["nodes"]
    assert assessment["questions"] == [
        {"assessmentQuestion": "Any chronic health condition?", "assessmentAnswer": None}
    ]
    assert enrollment["currentLivingSituationsConnection"]["nodes"][0]["locationDetails"] == (
        "under the Main St bridge"
    )


async def test_bad_records_are_refused_with_nothing_written(api: Api) -> None:
    w = await _world(api)
    e, token = w["enrollment"], w["token"]
    before_entry = str(w["entry"] - timedelta(days=1))
    question = {"assessmentQuestion": "Q"}

    await expect_refused(
        api,
        CLS,
        {
            "input": {
                "enrollmentId": e,
                "informationDate": before_entry,
                "currentLivingSituation": "PLACE_NOT_MEANT_FOR_HABITATION",
            }
        },
        token,
        code="VALIDATION",
        field="informationDate",
    )
    await expect_refused(
        api,
        ASSESS,
        {"input": {"enrollmentId": e, "assessmentDate": before_entry, "questions": [question]}},
        token,
        code="VALIDATION",
        field="assessmentDate",
    )
    await expect_refused(
        api,
        CLS,
        {
            "input": {
                "enrollmentId": e,
                "informationDate": str(w["entry"]),
                "currentLivingSituation": "PLACE_NOT_MEANT_FOR_HABITATION",
                "leaveSituation14Days": "MAYBE",
            }
        },
        token,
        code="GRAPHQL_VALIDATION_FAILED",
    )
    await expect_refused(
        api,
        ASSESS,
        {
            "input": {
                "enrollmentId": e,
                "assessmentDate": str(w["entry"]),
                "questions": [question, {"assessmentQuestion": "x" * 300}],
            }
        },
        token,
        code="VALIDATION",
        field="questions[1].assessmentQuestion",
    )
    day = str(w["entry"] + timedelta(days=2))
    await expect_refused(
        api,
        EVENT,
        {
            "input": {
                "enrollmentId": e,
                "eventDate": day,
                "event": "REFERRAL_TO_PSH_PROJECT_RESOURCE_OPENING",
                "resultDate": str(w["entry"]),
            }
        },
        token,
        code="VALIDATION",
        field="resultDate",
    )
    assert await Assessment.all().count() == 0
    assert await AssessmentQuestion.all().count() == 0
    assert await AssessmentResult.all().count() == 0


async def test_only_the_enrollments_agency_writes(api: Api) -> None:
    w = await _world(api)
    viewer = await api.sign_in(await make_user(agencies={w["a"]: AccessLevel.VIEW_ONLY}))
    outsider = await api.sign_in(await make_user(agencies={w["b"]: AccessLevel.FULL}))
    variables = {
        "input": {
            "enrollmentId": w["enrollment"],
            "eventDate": str(w["entry"]),
            "event": "PROBLEM_SOLVING_DIVERSION_RAPID_RESOLUTION_INTERVENTION_OR_SERVICE",
        }
    }

    await expect_refused(api, EVENT, variables, viewer, code="FORBIDDEN")
    await expect_refused(api, EVENT, variables, outsider, code="NOT_FOUND", field="enrollmentId")


HISTORY = """
query($id: ID!) {
  client(id: $id) {
    assessmentsConnection { totalCount nodes { assessmentDate questions { assessmentAnswer } } }
    eventsConnection { totalCount nodes { event } }
    currentLivingSituationsConnection(first: 1) {
      totalCount pageInfo { hasNextPage } nodes { informationDate locationDetails }
    }
  }
}"""


async def test_a_clients_coordinated_entry_history_across_enrollments(api: Api) -> None:
    # given records at two enrollments of the client, at two projects
    w = await _world(api)
    await _record_everything(api, w)
    second = (
        await api.ok(
            ENROLL,
            {
                "input": {
                    "clientId": w["client"],
                    "projectId": str((await make_project(w["a"], name="Second")).id),
                    "entryDate": str(w["entry"] + timedelta(days=2)),
                    "relationshipToHoH": "SELF",
                }
            },
            w["token"],
        )
    )["createEnrollment"]["id"]
    later = str(w["entry"] + timedelta(days=3))
    await api.ok(
        CLS,
        {
            "input": {
                "enrollmentId": second,
                "informationDate": later,
                "currentLivingSituation": "PLACE_NOT_MEANT_FOR_HABITATION",
                "locationDetails": "the library steps",
            }
        },
        w["token"],
    )
    # when the agency reads the client's history: both enrollments' rows, by date, paged
    history = (await api.ok(HISTORY, {"id": w["client"]}, w["token"]))["client"]
    living = history["currentLivingSituationsConnection"]
    assert (living["totalCount"], living["pageInfo"]["hasNextPage"]) == (2, True)
    assert living["nodes"] == [
        {
            "informationDate": str(w["entry"] + timedelta(days=1)),
            "locationDetails": "under the Main St bridge",
        }
    ]
    assert history["assessmentsConnection"]["nodes"][0]["questions"] == [
        {"assessmentAnswer": "yes"}
    ]
    assert history["eventsConnection"]["totalCount"] == 1
    # audited as a read of the client's lists
    views = await AuditEvent.filter(action=AuditAction.VIEW, entity_type="Client")
    read = {"assessmentsConnection", "eventsConnection", "currentLivingSituationsConnection"}
    assert any(read <= set(v.fields_touched) for v in views), [v.fields_touched for v in views]
    # another agency with a release of identifying and enrollment data: the rows, health masked
    await release_to(
        api, w["token"], w["client"], w["b"], ("IDENTIFYING", "ENROLLMENT_AND_SERVICES")
    )
    reader = await api.sign_in(await make_user(agencies={w["b"]: AccessLevel.FULL}))
    seen = (await api.ok(HISTORY, {"id": w["client"]}, reader))["client"]
    assert seen["assessmentsConnection"]["nodes"][0]["questions"] == [{"assessmentAnswer": None}]
    assert seen["currentLivingSituationsConnection"]["totalCount"] == 2
    # and without the enrollment category: no rows at all
    third = await make_agency("Agency C")
    await release_to(api, w["token"], w["client"], third, ("IDENTIFYING",))
    outsider = await api.sign_in(await make_user(agencies={third: AccessLevel.FULL}))
    unseen = (await api.ok(HISTORY, {"id": w["client"]}, outsider))["client"]
    assert unseen["assessmentsConnection"]["totalCount"] == 0
    assert unseen["currentLivingSituationsConnection"]["nodes"] == []
