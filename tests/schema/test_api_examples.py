"""The operations docs/api.md shows for rosters, households and coordinated entry, run as written
(read from the page, by name) against a small world: each is a complete operation that works."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from graphql import OperationDefinitionNode, parse

from models.enrollments import Enrollment
from models.enums import AccessLevel
from tests.factories import Api, make_agency, make_user
from tests.schema.test_coordinated_entry import DAY, _client_with_ce, _world
from tests.schema.writes_support import create_client, make_project, today

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ENROLL = """
mutation($input: CreateEnrollmentInput!) { createEnrollment(input: $input) { id householdId } }"""


def documented(section: str) -> dict[str, str]:
    """The named GraphQL operations of one section of docs/api.md."""
    text = API_MD.read_text().split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    found = {}
    for block in re.findall(r"```graphql\n(.*?)```", text, re.DOTALL):
        (definition,) = parse(block).definitions
        assert isinstance(definition, OperationDefinitionNode)
        assert definition.name
        found[definition.name.value] = block
    return found


async def test_the_roster_and_household_examples_answer(api: Api) -> None:
    # given a shelter with a household of two at agency A
    agency = await make_agency("Harborlight")
    project = await make_project(agency, "Harbor Shelter")
    token = await api.sign_in(await make_user(agencies={agency: AccessLevel.FULL}))
    head = (await create_client(api, token, firstName="Ana"))["id"]
    child = (await create_client(api, token, firstName="Ben"))["id"]
    entry = {"projectId": str(project.id), "entryDate": str(today(api))}
    first = await api.ok(
        ENROLL, {"input": {**entry, "clientId": head, "relationshipToHoH": "SELF"}}, token
    )
    household_id = first["createEnrollment"]["householdId"]
    await api.ok(
        ENROLL,
        {
            "input": {
                **entry,
                "clientId": child,
                "relationshipToHoH": "CHILD",
                "householdId": household_id,
            }
        },
        token,
    )
    operations = documented("Rosters and households")
    assert sorted(operations) == ["Household", "ProjectRoster"]

    # when the documented operations are sent as written
    roster = await api.ok(
        operations["ProjectRoster"], {"projectId": str(project.id), "on": str(today(api))}, token
    )
    household = await api.ok(
        operations["Household"], {"projectId": str(project.id), "householdId": household_id}, token
    )

    # then they answer the household
    nodes = roster["projectRoster"]["nodes"]
    assert [n["client"]["firstName"] for n in nodes] == ["Ana", "Ben"]
    assert roster["projectRoster"]["totalCount"] == 2
    members = household["household"]["members"]
    assert [(m["relationshipToHoH"], m["client"]["firstName"]) for m in members] == [
        ("SELF", "Ana"),
        ("CHILD", "Ben"),
    ]
    assert household["household"]["head"]["client"]["firstName"] == "Ana"
    assert await Enrollment.filter(household_id=household_id).count() == 2


async def test_the_coordinated_entry_example_answers(api: Api) -> None:
    # given a CAN whose agency A recorded an assessment, a referral and a diversion for Ana
    w = await _world()
    await _client_with_ce(w, "Ana")
    token = await api.sign_in(w.backbone)
    operations = documented("Coordinated entry")
    assert sorted(operations) == ["CoordinatedEntry"]

    # when the CAN's backbone staff send the documented operation as written
    data = await api.ok(
        operations["CoordinatedEntry"],
        {
            "canId": str(w.north.id),
            "since": str(DAY - timedelta(days=5)),
            "until": str(DAY + timedelta(days=5)),
        },
        token,
    )

    # then it answers the assessment and the referral (the diversion is not asked for)
    nodes = data["coordinatedEntry"]["nodes"]
    assert [n["kind"] for n in nodes] == ["ASSESSMENT", "REFERRAL"]
    assert nodes[0]["enrollment"]["client"]["firstName"] == "Ana"
    assert data["coordinatedEntry"]["totalCount"] == 2
