"""Policy 110 over HTTP: no use of HMIS before the required training; the LMS feed recording it."""

from __future__ import annotations

from typing import Any

import pytest

from models.enums import AccessLevel, Duty, SystemRole
from models.training import TrainingCompletion
from tests.factories import Api, make_agency, make_user

AGENCIES = "query { agencies(first: 10) { nodes { name } } }"
ME = """
query {
  me {
    user { username }
    training { complete missingCourses completions { completedOn course { code } } }
  }
}"""
RECORD = """
mutation($input: RecordTrainingCompletionInput!) {
  recordTrainingCompletion(input: $input) { completedOn course { code title } }
}"""
COURSES = "query { trainingCourses { code requiredFor } }"
UPSERT_COURSE = """
mutation($input: UpsertTrainingCourseInput!) {
  upsertTrainingCourse(input: $input) { code title requiredFor }
}"""

FULL_USER_COURSES = ["NEW-USER-DATA-ENTRY", "PRIVACY-SECURITY"]


async def signed_in(api: Api, **user: Any) -> str:
    return await api.sign_in(await make_user(**user))


async def test_an_untrained_user_signs_in_but_may_not_use_data(api: Api) -> None:
    # given a FULL user of an agency with no training recorded
    agency = await make_agency("Hartford Shelter")
    token = await signed_in(api, agencies={agency: AccessLevel.FULL}, trained=False)

    # when they use a data operation
    error = await api.error(AGENCIES, {}, token)

    # then FORBIDDEN, naming each missing course
    assert error["code"] == "FORBIDDEN"
    assert "policy 110" in error["message"]
    for code in FULL_USER_COURSES:
        assert code in error["message"]
    assert error["missingTraining"] == FULL_USER_COURSES

    # and `me` still answers, with what is missing
    me = (await api.ok(ME, {}, token))["me"]
    assert me["training"] == {
        "complete": False,
        "missingCourses": FULL_USER_COURSES,
        "completions": [],
    }


@pytest.mark.parametrize("role", [SystemRole.SYSTEM_ADMINISTRATOR, SystemRole.VENDOR_SYNC])
async def test_recording_every_required_course_opens_access(api: Api, role: SystemRole) -> None:
    # given an untrained FULL user, signed in, and the System Administrator or the LMS feed
    agency = await make_agency("Hartford Shelter")
    user = await make_user(agencies={agency: AccessLevel.FULL}, trained=False, external_id="lms-42")
    token = await api.sign_in(user)
    recorder = await signed_in(api, roles=(role,))

    # when one course is recorded, the other is still named
    await api.ok(
        RECORD,
        {
            "input": {
                "userId": str(user.id),
                "courseCode": "privacy-security",
                "completedOn": "2026-02-27",
            }
        },
        recorder,
    )
    error = await api.error(AGENCIES, {}, token)
    assert error["code"] == "FORBIDDEN"
    assert error["missingTraining"] == ["NEW-USER-DATA-ENTRY"]
    assert "PRIVACY-SECURITY" not in error["message"]

    # when the last one is recorded (by the vendor's id, as the LMS knows the user)
    done = await api.ok(
        RECORD,
        {
            "input": {
                "externalId": "lms-42",
                "courseCode": "NEW-USER-DATA-ENTRY",
                "completedOn": "2026-03-02",
            }
        },
        recorder,
    )
    assert done["recordTrainingCompletion"]["course"]["code"] == "NEW-USER-DATA-ENTRY"

    # then the same token works, and `me` shows training complete
    assert (await api.ok(AGENCIES, {}, token))["agencies"]["nodes"] == [
        {"name": "Hartford Shelter"}
    ]
    training = (await api.ok(ME, {}, token))["me"]["training"]
    assert training["complete"] is True
    assert training["missingCourses"] == []
    assert [c["course"]["code"] for c in training["completions"]] == [
        "PRIVACY-SECURITY",
        "NEW-USER-DATA-ENTRY",
    ]


async def test_duties_need_their_own_course(api: Api) -> None:
    # given an HDC who has every course but the HDC orientation
    agency = await make_agency()
    user = await make_user(duties={agency: Duty.HMIS_DATA_COORDINATOR})
    await TrainingCompletion.filter(user_id=user.id, course__code="HDC-ORIENTATION").delete()
    token = await api.sign_in(user)

    error = await api.error(AGENCIES, {}, token)

    assert error["code"] == "FORBIDDEN"
    assert error["missingTraining"] == ["HDC-ORIENTATION"]


async def test_recording_again_is_idempotent_and_keeps_one_row(api: Api) -> None:
    user = await make_user(trained=False)
    admin = await signed_in(api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    variables = {
        "input": {"userId": str(user.id), "courseCode": "REPORTING", "completedOn": "2026-02-01"}
    }

    await api.ok(RECORD, variables, admin)
    again = await api.ok(RECORD, variables, admin)
    corrected = await api.ok(
        RECORD, {"input": {**variables["input"], "completedOn": "2026-02-02"}}, admin
    )

    assert again["recordTrainingCompletion"]["completedOn"] == "2026-02-01"
    assert corrected["recordTrainingCompletion"]["completedOn"] == "2026-02-02"
    assert await TrainingCompletion.filter(user_id=user.id).count() == 1


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"completedOn": "2026-03-03"}, "VALIDATION", "completedOn"),  # tomorrow
        ({"courseCode": "BASKET-WEAVING"}, "VALIDATION", "courseCode"),
        ({"userId": "not-an-id"}, "VALIDATION", "userId"),
        ({"userId": "00000000-0000-0000-0000-000000000007"}, "NOT_FOUND", "userId"),
        ({"userId": None, "externalId": "nobody"}, "NOT_FOUND", "externalId"),
        ({"userId": None}, "VALIDATION", "userId"),
    ],
)
async def test_bad_completions_are_refused_and_nothing_is_recorded(
    api: Api, changes: dict[str, Any], code: str, field: str
) -> None:
    # given an untrained user
    user = await make_user(trained=False)
    admin = await signed_in(api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    variables = {
        "userId": str(user.id),
        "courseCode": "PRIVACY-SECURITY",
        "completedOn": "2026-03-02",
        **changes,
    }

    # when a completion comes with a bad date, course or user
    error = await api.error(RECORD, {"input": variables}, admin)

    # then a typed error, and no completion is stored
    assert (error["code"], error.get("field")) == (code, field)
    assert await TrainingCompletion.filter(user_id=user.id).count() == 0


@pytest.mark.parametrize(
    "holding",
    [
        pytest.param({"duty": Duty.HMIS_DATA_COORDINATOR}, id="hdc"),
        pytest.param({"roles": (SystemRole.LEAD_AGENCY,)}, id="lead-agency"),
        pytest.param({"roles": (SystemRole.SECURITY_OFFICER,)}, id="security-officer"),
    ],
)
async def test_only_the_administrator_and_the_lms_feed_record_training(
    api: Api, holding: dict[str, Any]
) -> None:
    user = await make_user(trained=False)
    agency = await make_agency()
    caller: dict[str, Any] = {"roles": holding.get("roles", ())}
    if "duty" in holding:
        caller["duties"] = {agency: holding["duty"]}
    token = await signed_in(api, **caller)

    error = await api.error(
        RECORD,
        {
            "input": {
                "userId": str(user.id),
                "courseCode": "PRIVACY-SECURITY",
                "completedOn": "2026-03-01",
            }
        },
        token,
    )

    assert error["code"] == "FORBIDDEN"
    assert await TrainingCompletion.filter(user_id=user.id).count() == 0


async def test_a_new_required_course_blocks_until_completed(api: Api) -> None:
    # given a trained FULL user
    agency = await make_agency()
    token = await signed_in(api, agencies={agency: AccessLevel.FULL})
    admin = await signed_in(api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    await api.ok(AGENCIES, {}, token)

    # when the System Administrator adds a course required for FULL users
    course = await api.ok(
        UPSERT_COURSE,
        {"input": {"code": "ces-basics", "title": "Coordinated Entry", "requiredFor": ["FULL"]}},
        admin,
    )

    # then the user is blocked until they complete it
    assert course["upsertTrainingCourse"] == {
        "code": "CES-BASICS",
        "title": "Coordinated Entry",
        "requiredFor": ["FULL"],
    }
    assert (await api.error(AGENCIES, {}, token))["missingTraining"] == ["CES-BASICS"]


async def test_a_course_required_for_nonsense_is_refused(api: Api) -> None:
    admin = await signed_in(api, roles=(SystemRole.SYSTEM_ADMINISTRATOR,))

    error = await api.error(
        UPSERT_COURSE, {"input": {"code": "X", "title": "X", "requiredFor": ["EVERYONE"]}}, admin
    )

    assert (error["code"], error["field"]) == ("VALIDATION", "requiredFor")
    codes = [c["code"] for c in (await api.ok(COURSES, {}, admin))["trainingCourses"]]
    assert "X" not in codes
