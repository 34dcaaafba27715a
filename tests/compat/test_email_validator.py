"""compat.email_validator: the domain's check kept per domain gives email-validator's own answers."""

from __future__ import annotations

import importlib

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import compat.email_validator as kept

_module = importlib.import_module("email_validator.validate_email")


def _answer(address: str) -> tuple[str, ...]:
    """What validate_email says of ``address``: its normal and ASCII forms, or the refusal."""
    try:
        found = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        return ("refused", type(error).__name__, str(error))
    return ("valid", found.normalized, str(found.ascii_email), str(found.smtputf8))


def _unpatched(address: str) -> tuple[str, ...]:
    _module.validate_email_domain_name = kept.original
    try:
        return _answer(address)
    finally:
        kept.install()


_EXAMPLES = [
    "staff@agency.example.org",
    "Staff.Member+sync@Agency.Example.ORG",
    "a@b.co",
    "x@localhost",
    "x@example.test",
    "x@example.invalid",
    "x@münchen.de",
    "ü@münchen.de",
    "x@xn--mnchen-3ya.de",
    "x@-bad-.org",
    "x@bad..org",
    "x@.org",
    "x@org",
    "x@[127.0.0.1]",
    "postmaster@Example.ORG",
    '"quoted"@example.org',
    "x@" + "a" * 64 + ".org",
    "y" * 64 + "@" + ".".join(["d" * 60] * 3) + ".org",
    "y" * 65 + "@example.org",
    "@example.org",
    "x@",
    "x@exa mple.org",
    "x@EXAMPLE.org",
    "x@example.org.",
]


@pytest.mark.parametrize("address", _EXAMPLES)
def test_the_kept_check_answers_as_the_library(address: str) -> None:
    expected = _unpatched(address)
    assert _answer(address) == expected
    assert _answer(address) == expected  # again, the domain now kept


_DOMAINS = st.sampled_from(
    ["example.org", "Agency.Example.ORG", "münchen.de", "a.test", "b..org", "ex_ample.org", "x"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    local=st.text(alphabet=st.sampled_from('abcXYZ09._+-!#ü"@ é'), min_size=0, max_size=70),
    domain=_DOMAINS | st.text(alphabet=st.sampled_from("abc.-_üXn9"), max_size=70),
)
def test_generated_addresses_get_the_library_s_answer(local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    assert _answer(address) == _unpatched(address)


def test_the_library_calls_the_kept_check_once_per_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = kept.original

    def counted(domain: str, **options: bool) -> object:
        calls.append(domain)
        return original(domain, **options)

    monkeypatch.setattr(kept, "original", counted)
    kept._kept.cache_clear()
    for i in range(20):
        validate_email(f"user{i}@kept-once.example.org", check_deliverability=False)
    with pytest.raises(EmailNotValidError):
        validate_email("user@kept..twice.org", check_deliverability=False)
    with pytest.raises(EmailNotValidError):
        validate_email("other@kept..twice.org", check_deliverability=False)
    assert calls == ["kept-once.example.org", "kept..twice.org", "kept..twice.org"]
    kept._kept.cache_clear()


def test_a_caller_changing_its_answer_does_not_change_the_kept_one() -> None:
    first = _module.validate_email_domain_name("example.org")
    first["domain"] = "changed"
    assert _module.validate_email_domain_name("example.org")["domain"] == "example.org"
