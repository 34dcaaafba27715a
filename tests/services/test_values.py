"""The checks every value a client sends passes (services/values.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.governance import ContinuumOfCare
from models.users import User
from services.errors import ValidationFailed
from services.values import bounded, check_decimal, check_text, max_length


@pytest.mark.parametrize(
    "text", ["a\x00b", "a\x01", "\x1b[31m", "a\x7fb", "a\x85b", "a\x9fb", "a\ud800b", "\udfff"]
)
@pytest.mark.parametrize("multiline", [False, True])
def test_control_characters_and_lone_surrogates_are_refused(text: str, multiline: bool) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_text(text, "note", multiline=multiline)
    assert (caught.value.code, caught.value.field) == ("VALIDATION", "note")
    assert text not in caught.value.message


@pytest.mark.parametrize("text", ["a\tb", "a\nb", "a\r\nb"])
def test_tabs_and_line_breaks_only_in_multiline_text(text: str) -> None:
    assert check_text(text, "note", multiline=True) == text
    with pytest.raises(ValidationFailed):
        check_text(text, "name")


@pytest.mark.parametrize(
    "text", ["Zoë O'Brien-Núñez", "漢字", "🏠 with a family 👨\u200d👩\u200d👧", "a\u00a0b", ""]
)
def test_ordinary_text_of_any_script_passes(text: str) -> None:
    assert check_text(text, "name") == text


@pytest.mark.parametrize("value", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_decimal_must_be_a_number(value: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_decimal(Decimal(value), "faAmount")
    assert caught.value.field == "faAmount"


@pytest.mark.parametrize("value", ["1E+31", "1E-31", "0E-999999", "1E+999999"])
def test_a_decimal_of_absurd_size_is_refused(value: str) -> None:
    with pytest.raises(ValidationFailed):
        check_decimal(Decimal(value), "amount")


@pytest.mark.parametrize("value", ["0", "120.50", "-3", "1000000", "1E+5", "0.000001"])
def test_ordinary_decimals_pass(value: str) -> None:
    assert check_decimal(Decimal(value), "amount") == Decimal(value)


def test_lengths_are_the_columns() -> None:
    assert max_length(User, "username") == 64
    assert max_length(ContinuumOfCare, "code") == 6
    with pytest.raises(TypeError):
        max_length(User, "created_at")


def test_a_value_longer_than_its_column_is_refused_without_repeating_it() -> None:
    assert bounded("CT-503", ContinuumOfCare, "code", "cocCode") == "CT-503"
    with pytest.raises(ValidationFailed) as caught:
        bounded("CT-5030", ContinuumOfCare, "code", "cocCode")
    assert (caught.value.field, caught.value.message) == (
        "cocCode",
        "cocCode has at most 6 characters.",
    )
