"""Normalised e-mail addresses and MFA contacts (policy 109: no sharing, however it is spelled)."""

from __future__ import annotations

import pytest

from services.contacts import normalize_email, normalize_mfa_contact, valid_email
from services.errors import ValidationFailed

# Addresses a pattern of "something@something.something" lets through and mail systems refuse.
BAD_ADDRESSES = (
    "a@example..org",
    "<a>@example.org",
    "a@-example.org",
    ".a@example.org",
    "a@example.org.",
    "a\x00b@example.org",
    "a@example.test",  # a special-use domain
)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("a@x.org", "a@x.org"),
        ("A@X.org", "a@x.org"),
        ("  Ann.Lee@Agency.Example.ORG \t", "ann.lee@agency.example.org"),
        ("first+tag@x.org", "first+tag@x.org"),
    ],
)
def test_email_spellings_of_one_address_normalise_alike(raw: str, normal: str) -> None:
    assert normalize_email(raw) == normal


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "no-at-sign.org",
        "two@@x.org",
        "a@b@x.org",
        "a @x.org",
        "a@x",
        "@x.org",
        "a@" + "x" * 250 + ".org",
        *BAD_ADDRESSES,
    ],
)
def test_malformed_email_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_email(raw)
    assert caught.value.field == "email"
    assert caught.value.code == "VALIDATION"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Ann.Lee@Hartford.Example.ORG", "Ann.Lee@hartford.example.org"),
        (" a@x.org ", "a@x.org"),
        ("zoë@Example.org", "zoë@example.org"),
    ],
)
def test_an_address_is_stored_in_its_normal_form(raw: str, normal: str) -> None:
    # the domain in lower case, the local part as given (only its owner's server may fold it)
    assert valid_email(raw) == normal


def test_email_error_names_the_field_the_caller_gives() -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_email("nope", field="executiveDirectorEmail")
    assert caught.value.field == "executiveDirectorEmail"


@pytest.mark.parametrize(
    "raw",
    [
        "(860) 555-0100",
        "860-555-0100",
        "860.555.0100",
        "8605550100",
        "+1 8605550100",
        "+1 (860) 555-0100",
        "1-860-555-0100",
        " 860 555 0100 ",
    ],
)
def test_phone_spellings_of_one_number_normalise_to_its_ten_digits(raw: str) -> None:
    assert normalize_mfa_contact(raw) == "8605550100"


def test_an_email_mfa_contact_normalises_as_an_email() -> None:
    assert normalize_mfa_contact(" Ann@X.ORG ") == "ann@x.org"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "call me",
        "555-0100",  # seven digits: no area code
        "+44 20 7946 0958",  # not a North American number
        "2-860-555-0100",  # eleven digits not starting with the country code 1
        "860-555-01000",
        "(060) 555-0100",  # NANP area codes never start with 0 or 1
        "(160) 555-0100",
        "(860) 055-0100",  # nor do exchange codes
        "bad@",
        "\u0668\u0666\u0660\u0665\u0665\u0665\u0660\u0661\u0660\u0660",  # Arabic-Indic digits
    ],
)
def test_malformed_mfa_contact_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_mfa_contact(raw)
    assert caught.value.field == "mfaContact"


def test_different_numbers_stay_different() -> None:
    assert normalize_mfa_contact("860-555-0100") != normalize_mfa_contact("860-555-0101")


@pytest.mark.parametrize(
    "raw", ["  Ann.Lee@Agency.Example.ORG ", *BAD_ADDRESSES, "a" * 300 + "@x.org"]
)
def test_a_remembered_address_is_checked_as_any_other(raw: str) -> None:
    # given the answer for an address without remembering it
    try:
        expected: str | ValidationFailed = valid_email(raw)
    except ValidationFailed as error:
        expected = error

    # when it is asked for twice with remembering on (the vendor sync)
    for _ in range(2):
        try:
            answer: str | ValidationFailed = valid_email(raw, remember=True)
        except ValidationFailed as error:
            answer = error

        # then the answer is the same, refusals included
        assert type(answer) is type(expected)
        assert str(answer) == str(expected)


def test_only_the_vendor_syncs_addresses_are_remembered() -> None:
    from services import contacts

    # given an empty memory
    contacts._remembered.cache_clear()

    # when a client's address is checked (no remembering) and a long value is remembered
    valid_email("client@x.org")
    with pytest.raises(ValidationFailed):
        valid_email("a" * 300 + "@x.org", remember=True)

    # then neither is kept; a staff address asked to be remembered is
    assert contacts._remembered.cache_info().currsize == 0
    valid_email("staff@x.org", remember=True)
    assert contacts._remembered.cache_info().currsize == 1
