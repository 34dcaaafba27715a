"""Enrollments, exits, services and stage records over HTTP (HUD 3.08-3.917, 4.02-4.11): bad
input refused with a typed error and nothing written."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from models.enrollments import Enrollment, Exit
from models.enums import AccessLevel
from models.governance import Agency, Project
from tests.factories import Api, make_agency
from tests.schema.writes_support import (
    create_client,
    expect_refused,
    make_project,
    release_to,
    today,
    worker,
)

CREATE_ENROLLMENT = """
mutation($input: CreateEnrollmentInput!) {
  createEnrollment(input: $input) { id householdId relationshipToHoH entryDate project { id } }
}"""
EXIT = """mutation($input: ExitEnrollmentInput!) { exitEnrollment(input: $input) { id exitDate destination } }"""
RECORD_SERVICE = (
    """mutation($input: RecordServiceInput!) { recordService(input: $input) { id dateProvided } }"""
)
RECORD_INCOME = """
mutation($input: RecordIncomeBenefitsInput!) {
  recordIncomeBenefits(input: $input) { id totalMonthlyIncome earned earnedAmount ssi ssiAmount unemployment }
}"""
RECORD_DISABILITY = """
mutation($input: RecordDisabilityInput!) { recordDisability(input: $input) { id disabilityType disabilityResponse } }"""
RECORD_HEALTH = """
mutation($input: RecordHealthAndDvInput!) { recordHealthAndDv(input: $input) { id domesticViolenceSurvivor } }"""
READ_ENROLLMENTS = """
query($id: ID!) {
  client(id: $id) {
    enrollments {
      id householdId exit { exitDate destination } services { dateProvided }
      incomeBenefits { totalMonthlyIncome } disabilities { disabilityType } healthAndDv { generalHealthStatus }
    }
  }
}"""
RECORD_CONSENT = """mutation($input: RecordConsentInput!) { recordConsent(input: $input) { id } }"""
UNKNOWN = "00000000-0000-4000-8000-000000000000"
# A value that is not one of a HUD list enum's: GraphQL refuses the document, nothing runs.
GRAPHQL = "GRAPHQL_VALIDATION_FAILED"
ENTRY_DAYS_AGO = 10


@dataclass
class World:
    a: Agency
    b: Agency
    project: Project
    token: str
    client: str
    entry: date


async def _world(api: Api) -> World:
    """Agency A with a shelter and a client it holds; agency B."""
    a = await make_agency("Agency A")
    b = await make_agency("Agency B")
    project = await make_project(a, "A Shelter")
    token = await api.sign_in(await worker({a: AccessLevel.FULL}))
    client = (await create_client(api, token))["id"]
    return World(a, b, project, token, client, today(api) - timedelta(days=ENTRY_DAYS_AGO))


def _enroll(w: World, **fields: Any) -> dict[str, Any]:
    return {
        "input": {
            "clientId": w.client,
            "projectId": str(w.project.id),
            "entryDate": str(w.entry),
            "relationshipToHoH": "SELF",
            **fields,
        }
    }


async def _enrolled(api: Api, w: World) -> str:
    return (await api.ok(CREATE_ENROLLMENT, _enroll(w), w.token))["createEnrollment"]["id"]


def _day(d: date) -> str:
    return str(d)


# ------------------------------------------------------------------------------ createEnrollment


async def test_an_enrollment_carries_its_household_exit_and_records(api: Api) -> None:
    w = await _world(api)
    head = await api.ok(
        CREATE_ENROLLMENT,
        _enroll(w, enrollmentCoC="CT-503", livingSituation="PLACE_NOT_MEANT_FOR_HABITATION"),
        w.token,
    )
    household = head["createEnrollment"]["householdId"]
    enrollment = head["createEnrollment"]["id"]
    child = (await create_client(api, w.token, firstName="Ruby"))["id"]
    joined = await api.ok(
        CREATE_ENROLLMENT,
        _enroll(w, clientId=child, householdId=household, relationshipToHoH="CHILD"),
        w.token,
    )
    assert joined["createEnrollment"]["householdId"] == household

    day = w.entry + timedelta(days=2)
    await api.ok(
        RECORD_SERVICE,
        {
            "input": {
                "enrollmentId": enrollment,
                "dateProvided": _day(day),
                "recordType": "BED_NIGHT",
                "typeProvided": 200,
            }
        },
        w.token,
    )
    income = (
        await api.ok(
            RECORD_INCOME,
            {
                "input": {
                    "enrollmentId": enrollment,
                    "informationDate": _day(w.entry),
                    "dataCollectionStage": "PROJECT_ENTRY",
                    "incomeFromAnySource": "YES",
                    "earned": "YES",
                    "earnedAmount": "800.50",
                    "ssi": "YES",
                    "ssiAmount": "100",
                    "unemployment": "NO",
                    "unemploymentAmount": "50",
                }
            },
            w.token,
        )
    )["recordIncomeBenefits"]
    # the total is the amounts of the sources marked yes; a source not given stays blank
    assert income["totalMonthlyIncome"] == "900.50"
    assert (income["earned"], income["ssi"], income["unemployment"]) == ("YES", "YES", "NO")
    await api.ok(
        RECORD_DISABILITY,
        {
            "input": {
                "enrollmentId": enrollment,
                "informationDate": _day(w.entry),
                "dataCollectionStage": "PROJECT_ENTRY",
                "disabilityType": "SUBSTANCE_USE_DISORDER",
                "disabilityResponse": 2,
            }
        },
        w.token,
    )
    await api.ok(
        RECORD_HEALTH,
        {
            "input": {
                "enrollmentId": enrollment,
                "informationDate": _day(w.entry),
                "dataCollectionStage": "PROJECT_ENTRY",
                "generalHealthStatus": "GOOD",
            }
        },
        w.token,
    )
    exit_day = today(api) - timedelta(days=1)
    await api.ok(
        EXIT,
        {
            "input": {
                "enrollmentId": enrollment,
                "exitDate": _day(exit_day),
                "destination": "EMERGENCY_SHELTER_INCLUDING_HOTEL_OR_MOTEL_PAID_FOR_WITH_EMERGENCY_SHELTER_VOUCHER_OR_HOST_HOME_SHELTER",
            }
        },
        w.token,
    )

    seen = (await api.ok(READ_ENROLLMENTS, {"id": w.client}, w.token))["client"]["enrollments"]
    assert seen == [
        {
            "id": enrollment,
            "householdId": household,
            "exit": {
                "exitDate": _day(exit_day),
                "destination": "EMERGENCY_SHELTER_INCLUDING_HOTEL_OR_MOTEL_PAID_FOR_WITH_EMERGENCY_SHELTER_VOUCHER_OR_HOST_HOME_SHELTER",
            },
            "services": [{"dateProvided": _day(day)}],
            "incomeBenefits": [{"totalMonthlyIncome": "900.50"}],
            "disabilities": [{"disabilityType": "SUBSTANCE_USE_DISORDER"}],
            "healthAndDv": [{"generalHealthStatus": "GOOD"}],
        }
    ]


async def test_bad_enrollments_are_refused_and_nothing_is_written(api: Api) -> None:
    w = await _world(api)
    closed = await make_project(
        w.a,
        "Closed Shelter",
        operating_start_date=date(2020, 1, 1),
        operating_end_date=date(2021, 12, 31),
    )
    new = await make_project(
        w.a, "New Shelter", operating_start_date=today(api) - timedelta(days=2)
    )
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        ({"clientId": UNKNOWN}, "NOT_FOUND", "clientId"),
        ({"clientId": "nope"}, "VALIDATION", "clientId"),
        ({"projectId": UNKNOWN}, "NOT_FOUND", "projectId"),
        ({"entryDate": _day(today(api) + timedelta(days=1))}, "VALIDATION", "entryDate"),
        ({"projectId": str(closed.id)}, "VALIDATION", "entryDate"),  # after the project closed
        ({"projectId": str(new.id)}, "VALIDATION", "entryDate"),  # before it opened
        (
            {"relationshipToHoH": "CHILD"},
            "VALIDATION",
            "relationshipToHoH",
        ),  # a new household needs its head
        ({"relationshipToHoH": 6}, GRAPHQL, None),
        ({"householdId": "no-such-household"}, "VALIDATION", "householdId"),
        ({"householdId": "x" * 33}, "VALIDATION", "householdId"),
        ({"enrollmentCoC": "CT-999"}, "VALIDATION", "enrollmentCoC"),
        ({"livingSituation": 1}, GRAPHQL, None),
        ({"disablingCondition": 2}, GRAPHQL, None),
        ({"moveInDate": _day(w.entry - timedelta(days=1))}, "VALIDATION", "moveInDate"),
        ({"dateToStreetESSH": _day(w.entry + timedelta(days=1))}, "VALIDATION", "dateToStreetESSH"),
    ]
    for fields, code, field in cases:
        await expect_refused(
            api, CREATE_ENROLLMENT, _enroll(w, **fields), w.token, code=code, field=field
        )


async def test_a_household_has_one_head_and_belongs_to_one_project(api: Api) -> None:
    # given a household headed by the client in A's shelter, and another client
    w = await _world(api)
    other_project = await make_project(w.a, "A Outreach")
    head = (await api.ok(CREATE_ENROLLMENT, _enroll(w), w.token))["createEnrollment"]
    household = head["householdId"]
    second = (await create_client(api, w.token, firstName="Ruby"))["id"]

    # a second head is refused
    await expect_refused(
        api,
        CREATE_ENROLLMENT,
        _enroll(w, clientId=second, householdId=household),
        w.token,
        code="VALIDATION",
        field="relationshipToHoH",
    )
    # so is joining it through another project
    await expect_refused(
        api,
        CREATE_ENROLLMENT,
        _enroll(
            w,
            clientId=second,
            householdId=household,
            relationshipToHoH="CHILD",
            projectId=str(other_project.id),
        ),
        w.token,
        code="VALIDATION",
        field="householdId",
    )
    # and enrolling the head in it again
    await expect_refused(
        api,
        CREATE_ENROLLMENT,
        _enroll(w, householdId=household, relationshipToHoH="CHILD"),
        w.token,
        code="CONFLICT",
        field="clientId",
    )

    # once the head has exited, the household may take a new head
    await api.ok(
        EXIT,
        {
            "input": {
                "enrollmentId": head["id"],
                "exitDate": _day(today(api)),
                "destination": "EMERGENCY_SHELTER_INCLUDING_HOTEL_OR_MOTEL_PAID_FOR_WITH_EMERGENCY_SHELTER_VOUCHER_OR_HOST_HOME_SHELTER",
            }
        },
        w.token,
    )
    joined = await api.ok(
        CREATE_ENROLLMENT, _enroll(w, clientId=second, householdId=household), w.token
    )
    assert joined["createEnrollment"]["householdId"] == household


async def test_the_projects_agency_must_hold_the_clients_consent(api: Api) -> None:
    # given a user at A and B; the client is held by A only
    w = await _world(api)
    project_b = await make_project(w.b, "B Shelter")
    token = await api.sign_in(await worker({w.a: AccessLevel.FULL, w.b: AccessLevel.FULL}))

    await expect_refused(
        api,
        CREATE_ENROLLMENT,
        _enroll(w, projectId=str(project_b.id)),
        token,
        code="VALIDATION",
        field="clientId",
    )


async def test_a_user_of_another_agency_cannot_enroll_into_a_project(api: Api) -> None:
    # given B sees A's client through a release and holds its own consent, but A runs the project
    w = await _world(api)
    token_b = await api.sign_in(await worker({w.b: AccessLevel.FULL}))
    await release_to(api, w.token, w.client, w.b)
    await api.ok(
        RECORD_CONSENT,
        {
            "input": {
                "clientId": w.client,
                "consent": {
                    "kind": "WRITTEN",
                    "takenOn": _day(today(api)),
                    "evidenceReference": "Signed form, intake binder",
                },
                "referralReference": "CAN referral 7",
            }
        },
        token_b,
    )

    await expect_refused(api, CREATE_ENROLLMENT, _enroll(w), token_b, code="FORBIDDEN")


async def test_view_only_users_write_no_enrollment_data(api: Api) -> None:
    w = await _world(api)
    enrollment = await _enrolled(api, w)
    token_v = await api.sign_in(await worker({w.a: AccessLevel.VIEW_ONLY}))
    entry = _day(w.entry)

    for document, variables in (
        (CREATE_ENROLLMENT, _enroll(w)),
        (
            EXIT,
            {
                "input": {
                    "enrollmentId": enrollment,
                    "exitDate": entry,
                    "destination": "EMERGENCY_SHELTER_INCLUDING_HOTEL_OR_MOTEL_PAID_FOR_WITH_EMERGENCY_SHELTER_VOUCHER_OR_HOST_HOME_SHELTER",
                }
            },
        ),
        (
            RECORD_SERVICE,
            {
                "input": {
                    "enrollmentId": enrollment,
                    "dateProvided": entry,
                    "recordType": "BED_NIGHT",
                    "typeProvided": 200,
                }
            },
        ),
        (
            RECORD_INCOME,
            {
                "input": {
                    "enrollmentId": enrollment,
                    "informationDate": entry,
                    "dataCollectionStage": "PROJECT_ENTRY",
                }
            },
        ),
        (
            RECORD_DISABILITY,
            {
                "input": {
                    "enrollmentId": enrollment,
                    "informationDate": entry,
                    "dataCollectionStage": "PROJECT_ENTRY",
                    "disabilityType": "PHYSICAL_DISABILITY",
                    "disabilityResponse": 1,
                }
            },
        ),
        (
            RECORD_HEALTH,
            {
                "input": {
                    "enrollmentId": enrollment,
                    "informationDate": entry,
                    "dataCollectionStage": "PROJECT_ENTRY",
                }
            },
        ),
    ):
        await expect_refused(api, document, variables, token_v, code="FORBIDDEN")


# ------------------------------------------------------------------------------- exitEnrollment


async def test_bad_exits_are_refused_and_an_enrollment_ends_once(api: Api) -> None:
    w = await _world(api)
    enrollment = await _enrolled(api, w)
    token_b = await api.sign_in(await worker({w.b: AccessLevel.FULL}))

    def exit_(**fields: Any) -> dict[str, Any]:
        return {
            "input": {
                "enrollmentId": enrollment,
                "exitDate": _day(today(api)),
                "destination": "EMERGENCY_SHELTER_INCLUDING_HOTEL_OR_MOTEL_PAID_FOR_WITH_EMERGENCY_SHELTER_VOUCHER_OR_HOST_HOME_SHELTER",
                **fields,
            }
        }

    for fields, code, field in (
        ({"exitDate": _day(w.entry - timedelta(days=1))}, "VALIDATION", "exitDate"),
        ({"exitDate": _day(today(api) + timedelta(days=1))}, "VALIDATION", "exitDate"),
        ({"destination": 1}, GRAPHQL, None),
        ({"destinationSubsidyType": 1}, GRAPHQL, None),
        ({"otherDestination": "x" * 51}, "VALIDATION", "otherDestination"),
        ({"enrollmentId": UNKNOWN}, "NOT_FOUND", "enrollmentId"),
    ):
        await expect_refused(api, EXIT, exit_(**fields), w.token, code=code, field=field)
    # another agency's user does not even see the enrollment
    await expect_refused(api, EXIT, exit_(), token_b, code="NOT_FOUND", field="enrollmentId")

    first = (await api.ok(EXIT, exit_(exitDate=_day(w.entry)), w.token))["exitEnrollment"]
    assert first["exitDate"] == _day(w.entry)  # same-day exit is allowed
    await expect_refused(api, EXIT, exit_(), w.token, code="CONFLICT")
    assert (await Exit.get(enrollment_id=enrollment)).exit_date == w.entry


async def test_a_move_in_after_the_exit_is_refused(api: Api) -> None:
    w = await _world(api)
    move_in = w.entry + timedelta(days=5)
    enrollment = (await api.ok(CREATE_ENROLLMENT, _enroll(w, moveInDate=_day(move_in)), w.token))[
        "createEnrollment"
    ]["id"]

    await expect_refused(
        api,
        EXIT,
        {
            "input": {
                "enrollmentId": enrollment,
                "exitDate": _day(move_in - timedelta(days=1)),
                "destination": "EMERGENCY_SHELTER_INCLUDING_HOTEL_OR_MOTEL_PAID_FOR_WITH_EMERGENCY_SHELTER_VOUCHER_OR_HOST_HOME_SHELTER",
            }
        },
        w.token,
        code="VALIDATION",
        field="exitDate",
    )


# ----------------------------------------------------------------------- services and stage records


async def test_a_service_must_fall_within_the_enrollment(api: Api) -> None:
    w = await _world(api)
    enrollment = await _enrolled(api, w)

    def service(day: date, **fields: Any) -> dict[str, Any]:
        return {
            "input": {
                "enrollmentId": enrollment,
                "dateProvided": _day(day),
                "recordType": "BED_NIGHT",
                "typeProvided": 200,
                **fields,
            }
        }

    for variables, code, field in (
        (service(w.entry - timedelta(days=1)), "VALIDATION", "dateProvided"),
        (
            service(today(api) + timedelta(days=1)),
            "VALIDATION",
            "dateProvided",
        ),  # still open: not after today
        (service(w.entry, recordType=999), GRAPHQL, None),
        (service(w.entry, typeProvided=0), "VALIDATION", "typeProvided"),
        # the lists that depend on the row: a bed night is type 200; an SSVF service of
        # type 3 takes the V2.A sub-types (1 to 4)
        (service(w.entry, typeProvided=201), "VALIDATION", "typeProvided"),
        (
            service(w.entry, recordType="SSVF_SERVICE", typeProvided=3, subTypeProvided=9),
            "VALIDATION",
            "subTypeProvided",
        ),
        (service(w.entry, faAmount="-1"), "VALIDATION", "faAmount"),
        (service(w.entry, enrollmentId=UNKNOWN), "NOT_FOUND", "enrollmentId"),
    ):
        await expect_refused(api, RECORD_SERVICE, variables, w.token, code=code, field=field)

    # after the exit, services stop at the exit date
    exit_day = w.entry + timedelta(days=3)
    await api.ok(
        EXIT,
        {
            "input": {
                "enrollmentId": enrollment,
                "exitDate": _day(exit_day),
                "destination": "EMERGENCY_SHELTER_INCLUDING_HOTEL_OR_MOTEL_PAID_FOR_WITH_EMERGENCY_SHELTER_VOUCHER_OR_HOST_HOME_SHELTER",
            }
        },
        w.token,
    )
    await expect_refused(
        api,
        RECORD_SERVICE,
        service(exit_day + timedelta(days=1)),
        w.token,
        code="VALIDATION",
        field="dateProvided",
    )
    assert (await api.ok(RECORD_SERVICE, service(exit_day), w.token))["recordService"][
        "dateProvided"
    ] == _day(exit_day)


async def test_bad_income_disability_and_health_records_are_refused(api: Api) -> None:
    w = await _world(api)
    enrollment = await _enrolled(api, w)
    token_b = await api.sign_in(await worker({w.b: AccessLevel.FULL}))
    entry = _day(w.entry)
    base = {
        "enrollmentId": enrollment,
        "informationDate": entry,
        "dataCollectionStage": "PROJECT_ENTRY",
    }

    cases: list[tuple[str, dict[str, Any], str, str | None]] = [
        (RECORD_INCOME, {"earned": "YES", "earnedAmount": "-1"}, "VALIDATION", "earnedAmount"),
        (RECORD_INCOME, {"earned": 2}, GRAPHQL, None),
        (RECORD_INCOME, {"incomeFromAnySource": 2}, GRAPHQL, None),
        (RECORD_INCOME, {"dataCollectionStage": 4}, GRAPHQL, None),
        (
            RECORD_INCOME,
            {"informationDate": _day(w.entry - timedelta(days=1))},
            "VALIDATION",
            "informationDate",
        ),
        (RECORD_INCOME, {"enrollmentId": UNKNOWN}, "NOT_FOUND", "enrollmentId"),
        (
            RECORD_DISABILITY,
            {"disabilityType": 11, "disabilityResponse": 1},
            GRAPHQL,
            None,
        ),
        (
            RECORD_DISABILITY,
            {"disabilityType": "PHYSICAL_DISABILITY", "disabilityResponse": 2},
            "VALIDATION",
            "disabilityResponse",
        ),
        (
            RECORD_DISABILITY,
            {
                "disabilityType": "PHYSICAL_DISABILITY",
                "disabilityResponse": 1,
                "indefiniteAndImpairs": 3,
            },
            GRAPHQL,
            None,
        ),
        (
            RECORD_DISABILITY,
            {
                "disabilityType": "PHYSICAL_DISABILITY",
                "disabilityResponse": 1,
                "enrollmentId": UNKNOWN,
            },
            "NOT_FOUND",
            "enrollmentId",
        ),
        (RECORD_HEALTH, {"generalHealthStatus": 6}, GRAPHQL, None),
        (RECORD_HEALTH, {"domesticViolenceSurvivor": 2}, GRAPHQL, None),
        (
            RECORD_HEALTH,
            {"informationDate": _day(today(api) + timedelta(days=1))},
            "VALIDATION",
            "informationDate",
        ),
        (RECORD_HEALTH, {"enrollmentId": UNKNOWN}, "NOT_FOUND", "enrollmentId"),
    ]
    for document, fields, code, field in cases:
        await expect_refused(
            api, document, {"input": {**base, **fields}}, w.token, code=code, field=field
        )
    # another agency's user cannot write into A's enrollment
    await expect_refused(
        api, RECORD_INCOME, {"input": base}, token_b, code="NOT_FOUND", field="enrollmentId"
    )
    assert await Enrollment.filter(id=enrollment).count() == 1


async def test_post_exit_data_falls_after_the_exit(api: Api) -> None:
    w = await _world(api)
    enrollment = await _enrolled(api, w)
    post_exit = {
        "enrollmentId": enrollment,
        "informationDate": _day(today(api)),
        "dataCollectionStage": "POST_EXIT",
    }

    # no exit yet: nothing is post-exit
    await expect_refused(
        api,
        RECORD_INCOME,
        {"input": post_exit},
        w.token,
        code="VALIDATION",
        field="dataCollectionStage",
    )

    exit_day = w.entry + timedelta(days=3)
    await api.ok(
        EXIT,
        {
            "input": {
                "enrollmentId": enrollment,
                "exitDate": _day(exit_day),
                "destination": "EMERGENCY_SHELTER_INCLUDING_HOTEL_OR_MOTEL_PAID_FOR_WITH_EMERGENCY_SHELTER_VOUCHER_OR_HOST_HOME_SHELTER",
            }
        },
        w.token,
    )
    for day in (exit_day - timedelta(days=1), today(api) + timedelta(days=1)):
        await expect_refused(
            api,
            RECORD_HEALTH,
            {"input": {**post_exit, "informationDate": _day(day)}},
            w.token,
            code="VALIDATION",
            field="informationDate",
        )
    recorded = await api.ok(
        RECORD_DISABILITY,
        {"input": {**post_exit, "disabilityType": "PHYSICAL_DISABILITY", "disabilityResponse": 0}},
        w.token,
    )
    assert recorded["recordDisability"]["disabilityType"] == "PHYSICAL_DISABILITY"


async def test_two_exits_at_once_end_the_enrollment_once(api: Api) -> None:
    w = await _world(api)
    enrollment = await _enrolled(api, w)
    variables = {
        "input": {
            "enrollmentId": enrollment,
            "exitDate": _day(today(api)),
            "destination": "EMERGENCY_SHELTER_INCLUDING_HOTEL_OR_MOTEL_PAID_FOR_WITH_EMERGENCY_SHELTER_VOUCHER_OR_HOST_HOME_SHELTER",
        }
    }

    bodies = await asyncio.gather(*(api.gql(EXIT, variables, w.token) for _ in range(2)))

    codes = sorted(
        body["errors"][0]["extensions"]["code"] if body.get("errors") else "OK" for body in bodies
    )
    assert codes == ["CONFLICT", "OK"]
    assert await Exit.filter(enrollment_id=enrollment).count() == 1
