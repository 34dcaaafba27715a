"""The element registry drives the GraphQL types and inputs, validation, masking and the HUD CSV
columns: an element declared once (here a made-up one, added to the registry in the test) shows
up in every one of them, and the registry agrees with the models and HUD's column table."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import pytest
import strawberry

from authz.clients import ClientAccess, ClientScope, client_fields
from models.clients import Client
from models.enums import ReleaseCategory
from models.hud.codes import Codes
from models.hud.elements import HUD_FILES, Element, registry
from schema.elements import with_elements
from services import elements as validation
from services.errors import ValidationFailed
from services.hudcsv.columns import columns
from services.hudcsv.elements import columns_of, to_csv

FAVORITE = Element(
    "9.99",
    "FavoriteColor",
    "a made-up element.",
    codes=Codes.of("9.99.1", {1, 2, 3}),
    category=ReleaseCategory.IDENTIFYING,
    model="Client",
    name="favorite_color",
    kind=int,
    nullable=True,
)
EXTENDED = registry().with_elements(FAVORITE)


@strawberry.type
class _Query:
    ping: bool = True


def _sdl(*types: type) -> str:
    return str(strawberry.Schema(query=_Query, types=types))


def test_an_element_declared_once_becomes_a_graphql_field_of_the_type_and_the_inputs() -> None:
    @strawberry.type(name="ClientView")
    @with_elements("Client", "output", elements=EXTENDED)
    class View:
        id: strawberry.ID

    @strawberry.input(name="CreateInput")
    @with_elements("Client", "create", elements=EXTENDED)
    class Create:
        agency_id: strawberry.ID | None = None

    @strawberry.input(name="UpdateInput")
    @with_elements("Client", "update", elements=EXTENDED)
    class Update:
        id: strawberry.ID

    sdl = _sdl(Create, Update, View)

    def block(header: str) -> str:
        start = sdl.index(header)
        return sdl[start : sdl.index("\n}", start)]

    view = block("type ClientView")
    create, update = block("input CreateInput"), block("input UpdateInput")
    # the output type: masked, so nullable, documented with its number, column and category
    assert "favoriteColor: Int\n" in view + "\n"
    assert (
        "9.99 FavoriteColor: a made-up element. Codes (9.99.1): 1, 2, 3. "
        "Null unless you may see IDENTIFYING."
    ) in view
    # the create input: nullable with a default of null; its codes documented
    assert "favoriteColor: Int = null" in create
    assert "Codes (9.99.1): 1, 2, 3." in create
    # the update input: may be omitted
    assert "favoriteColor: Int" in update
    # and the registry's own elements are there too; one Hearth derives only on the output
    assert "ssnLastFour: String" in view
    assert "ssnLastFour" not in create


def test_an_element_declared_once_is_validated_by_its_code_list() -> None:
    assert validation.clean("Client", {"favorite_color": 2}, elements=EXTENDED) == {
        "favorite_color": 2
    }
    with pytest.raises(ValidationFailed) as refused:
        validation.clean("Client", {"favorite_color": 7}, elements=EXTENDED)
    assert refused.value.field == "favoriteColor"
    # without the declaration the same field is refused as unknown
    with pytest.raises(ValidationFailed, match="cannot be set here"):
        validation.clean("Client", {"favorite_color": 2})


def _access(*, holder: bool, categories: frozenset[ReleaseCategory]) -> ClientAccess:
    agency = uuid4()
    scope = ClientScope(
        read_agencies=frozenset({agency}),
        write_agencies=frozenset(),
        full_agencies=frozenset(),
        recipient_cans=frozenset(),
        backbone_cans=frozenset(),
        today=date(2026, 3, 2),
    )
    holders = frozenset({agency}) if holder else frozenset()
    return ClientAccess(
        scope=scope,
        holder_agencies=holders,
        categories=categories,
        release_ids=(),
        backbone=False,
    )


def test_an_element_declared_once_is_masked_by_its_category() -> None:
    client: Any = Client(first_name="Ada", name_data_quality=1)
    client.favorite_color = 2
    shown = client_fields(client, _access(holder=True, categories=frozenset()), EXTENDED)
    assert (shown["favorite_color"], shown["first_name"]) == (2, "Ada")
    enrollment_only = frozenset({ReleaseCategory.ENROLLMENT_AND_SERVICES})
    masked = client_fields(client, _access(holder=False, categories=enrollment_only), EXTENDED)
    assert (masked["favorite_color"], masked["first_name"], masked["name_data_quality"]) == (
        None,
        None,
        1,
    )
    identifying = frozenset({ReleaseCategory.IDENTIFYING})
    released = client_fields(client, _access(holder=False, categories=identifying), EXTENDED)
    assert released["favorite_color"] == 2


def test_an_element_declared_once_is_a_hud_csv_column() -> None:
    assert ("FavoriteColor", FAVORITE) in columns_of("Client", EXTENDED)
    assert "FavoriteColor" not in dict(columns_of("Client"))
    assert to_csv("Client", {"favorite_color": 3}, EXTENDED)["FavoriteColor"] == 3


def test_the_registry_agrees_with_the_models_and_hud_s_column_table() -> None:
    for item in registry():
        assert item.model in HUD_FILES, item
        # the element is a column of its model, and its type, length and null are the column's
        assert item.kind is not object, item
        if item.column is not None:
            table = {c.name: c for c in columns(HUD_FILES[item.model])}
            assert item.column in table, (item.model, item.column)
            if item.fy2024:
                assert item.fy2024 not in table
        if item.codes is not None:
            assert item.kind in (int, str), item
    names = [(i.model, i.column) for i in registry() if i.column]
    assert len(names) == len(set(names)), "a HUD column is declared twice"


def test_a_value_list_can_depend_on_another_element_of_the_row() -> None:
    # 4.10.2: a substance use disorder's response names alcohol (1), drugs (2) or both (3)
    assert validation.clean("Disability", {"disability_type": 10, "disability_response": 2}) == {
        "disability_type": 10,
        "disability_response": 2,
    }
    with pytest.raises(ValidationFailed) as refused:
        validation.clean("Disability", {"disability_type": 5, "disability_response": 2})
    assert refused.value.field == "disabilityResponse"
