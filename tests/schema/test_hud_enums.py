"""HUD code lists are GraphQL enums generated from the lists' data: one per list, named after it,
each value named from HUD's label and described with its code and label; every element declared
with a list comes out as its enum in outputs and inputs, and the database keeps HUD's integers."""

from __future__ import annotations

import re
from typing import Any

import pytest
import strawberry
from graphql import GraphQLEnumType, GraphQLNonNull

from models.enrollments import Enrollment
from models.hud.codes import SEX, Codes, hud_list, hud_lists
from models.hud.elements import Element, registry
from schema import build_schema
from schema.elements import enum_of, with_elements
from schema.hud_enums import ENUM_NAMES, VALUE_NAMES, hud_enum, list_enum, value_name, value_names
from schema.inputs import changes
from tests.factories import Api
from tests.schema.writes_support import create_client, expect_refused, make_project, worker

GRAPHQL_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Client doesn't know", "CLIENT_DOESNT_KNOW"),
        (
            "Staying or living in a family member\u2019s room, apartment, or house",
            "STAYING_OR_LIVING_IN_A_FAMILY_MEMBERS_ROOM_APARTMENT_OR_HOUSE",
        ),
        ("Self (head of household)", "SELF"),
        (
            "HHS: PATH - Street Outreach & Supportive Services Only",
            "HHS_PATH_STREET_OUTREACH_AND_SUPPORTIVE_SERVICES_ONLY",
        ),
        ("30% or less", "NUM_30_PERCENT_OR_LESS"),
        ("1-3", "NUM_1_3"),
        ("(402) Togus, ME", "TOGUS_ME"),
        ("(only a remark)", "ONLY_A_REMARK"),
    ],
)
def test_a_value_is_named_from_hud_s_label(label: str, name: str) -> None:
    assert value_name(label) == name


def test_every_list_of_codes_is_an_enum_with_unique_described_values() -> None:
    names: dict[str, str] = {}
    for listed in hud_lists():
        # Hearth's Sex keeps the missing-data codes HUD's FY2026 list does not carry
        codes = SEX if listed.ref == SEX.ref else listed
        enum = hud_enum(codes)
        if not all(isinstance(code, int) for code in codes):
            assert enum is None, codes.ref  # the CoC and VAMC codes are text
            continue
        assert enum is not None, codes.ref
        name = enum.__strawberry_definition__.name  # type: ignore[attr-defined]
        assert name == ENUM_NAMES.get(codes.ref, codes.name)
        assert names.setdefault(name, codes.ref) == codes.ref, f"{name} is two lists"
        assert GRAPHQL_NAME.match(name)
        assert sorted(member.value for member in enum) == sorted(codes.values)
        for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
            assert GRAPHQL_NAME.match(value.name), (codes.ref, value.name)
            assert value.description == f"{value.value}: {codes.labels[value.value]}"
    # the overrides name only lists and codes that exist
    for ref, overrides in VALUE_NAMES.items():
        assert set(overrides) <= hud_list(ref).values
    assert set(ENUM_NAMES) <= {codes.ref for codes in hud_lists()}


def test_an_enum_is_made_once_and_a_name_is_never_two_code_sets() -> None:
    assert hud_enum(hud_list("1.8")) is list_enum("1.8")
    assert value_names(hud_list("2.06.1"))[51] == "HUD_HOME_ARP"  # not a repeat of 50's
    clash = Codes.of("9.1", {0, 1, 2}, "NoYes", {0: "No", 1: "Yes", 2: "Maybe"})
    with pytest.raises(ValueError, match="NoYes"):
        hud_enum(clash)
    # a list without HUD's name or labels stays Int
    assert hud_enum(Codes.of("9.99.1", {1, 2, 3})) is None


SCHEMA = build_schema()._schema


def _published(type_name: str, field: str) -> Any:
    gql = SCHEMA.get_type(type_name)
    kind = gql.fields[field].type  # type: ignore[union-attr]
    return kind.of_type if isinstance(kind, GraphQLNonNull) else kind


def test_every_element_with_a_list_is_its_enum_in_the_output_and_the_inputs() -> None:
    outputs = {
        "Client": "Client",
        "Enrollment": "Enrollment",
        "Exit": "Exit",
        "Service": "Service",
        "IncomeBenefits": "IncomeBenefits",
        "Disability": "Disability",
        "HealthAndDv": "HealthAndDv",
    }
    inputs = {
        "Client": "CreateClientInput",
        "Enrollment": "CreateEnrollmentInput",
        "Exit": "ExitEnrollmentInput",
        "Service": "RecordServiceInput",
        "IncomeBenefits": "RecordIncomeBenefitsInput",
        "Disability": "RecordDisabilityInput",
        "HealthAndDv": "RecordHealthAndDvInput",
    }
    checked = 0
    for item in registry():
        if item.model not in outputs or item.codes is None:
            continue
        enum = enum_of(item)
        for type_name in (outputs[item.model], inputs[item.model]):
            if type_name == inputs[item.model] and not item.settable:
                continue
            published = _published(type_name, item.api_name)
            if enum is None:
                assert published.name in ("Int", "String"), (type_name, item.api_name)
                continue
            assert isinstance(published, GraphQLEnumType), (type_name, item.api_name)
            assert published.name == enum.__strawberry_definition__.name  # type: ignore[attr-defined]
            checked += 1
    assert checked > 40
    # a list that depends on another element stays Int, its codes and labels described
    response = SCHEMA.get_type("Disability").fields["disabilityResponse"]  # type: ignore[union-attr]
    assert _published("Disability", "disabilityResponse").name == "Int"
    assert "When disabilityType is 10, codes (4.10.2): 0: No, 1: Alcohol use disorder" in (
        response.description or ""
    )
    provided = SCHEMA.get_type("Service").fields["typeProvided"]  # type: ignore[union-attr]
    assert "When recordType 144, codes (V2.2): 1: Outreach services" in (provided.description or "")
    # project fields that are not elements
    assert _published("Project", "projectType").name == "ProjectType"
    assert _published("CreateProjectInput", "housingType").name == "HousingType"
    assert _published("HudCsvExport", "hashStatus").name == "HashStatus"


def test_an_element_declared_later_with_a_hud_list_comes_out_as_its_enum() -> None:
    branch = Element(
        "V1.11",
        "MilitaryBranch",
        codes=hud_list("V1.11"),
        model="Client",
        name="military_branch",
        kind=int,
        nullable=True,
    )
    extended = registry().with_elements(branch)

    @strawberry.type(name="BranchView")
    @with_elements("Client", "output", elements=extended)
    class View:
        id: strawberry.ID

    @strawberry.input(name="BranchInput")
    @with_elements("Client", "update", elements=extended)
    class Update:
        id: strawberry.ID

    @strawberry.type
    class Query:
        ping: bool = True

    sdl = str(strawberry.Schema(query=Query, types=[View, Update]))
    assert "militaryBranch: MilitaryBranch\n" in sdl
    assert '"""4: Marines"""\n  MARINES' in sdl


def test_an_input_s_enum_value_is_read_as_the_hud_integer() -> None:
    @strawberry.input
    class Sent:
        destination: int = strawberry.field(graphql_type=list_enum("3.12"))
        other: str | None = strawberry.UNSET

    read = changes(Sent(destination=list_enum("3.12")(116)))
    assert read == {"destination": 116}
    assert type(read["destination"]) is int


async def test_a_name_goes_in_the_integer_is_stored_and_the_name_comes_back(api: Api) -> None:
    from models.enums import AccessLevel
    from tests.factories import make_agency

    agency = await make_agency("Agency A")
    token = await api.sign_in(await worker({agency: AccessLevel.FULL}))
    client = await create_client(api, token)
    project = await make_project(agency)
    create = """mutation($input: CreateEnrollmentInput!) {
      createEnrollment(input: $input) { id relationshipToHoH livingSituation disablingCondition }
    }"""
    variables = {
        "input": {
            "clientId": client["id"],
            "projectId": str(project.id),
            "entryDate": str(api.clock.now().date()),
            "relationshipToHoH": "SELF",
            "livingSituation": "PLACE_NOT_MEANT_FOR_HABITATION",
        }
    }
    made = (await api.ok(create, variables, token))["createEnrollment"]
    assert (made["relationshipToHoH"], made["livingSituation"]) == (
        "SELF",
        "PLACE_NOT_MEANT_FOR_HABITATION",
    )
    assert made["disablingCondition"] == "DATA_NOT_COLLECTED"  # the default, 99
    stored = await Enrollment.get(id=made["id"])
    assert (stored.relationship_to_hoh, stored.living_situation, stored.disabling_condition) == (
        1,
        116,
        99,
    )

    # the number HUD's CSV carries is not a value of the enum
    variables["input"]["livingSituation"] = 116
    error = await expect_refused(api, create, variables, token, code="GRAPHQL_VALIDATION_FAILED")
    assert error.get("variable") == "input"


async def test_a_bad_literal_is_a_graphql_validation_error_without_suggestions(api: Api) -> None:
    from models.enums import AccessLevel
    from tests.factories import make_agency

    agency = await make_agency("Agency A")
    token = await api.sign_in(await worker({agency: AccessLevel.FULL}))
    client = await create_client(api, token)
    literal = 'mutation { updateClient(input: {id: "ID", version: 1, sex: FEMAL}) { id sex } }'
    document = literal.replace("ID", client["id"])
    error = await api.error(document, None, token)
    assert error["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Did you mean" not in error["message"]
    changed = """mutation($input: UpdateClientInput!) { updateClient(input: $input) { sex } }"""
    done = await api.ok(
        changed, {"input": {"id": client["id"], "version": 1, "sex": "FEMALE"}}, token
    )
    assert done["updateClient"]["sex"] == "FEMALE"
