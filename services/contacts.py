"""Normalised e-mail addresses and MFA contacts, so that sharing is caught however it is spelled."""

from __future__ import annotations

import functools
import re

from email_validator import EmailNotValidError, validate_email

import compat.email_validator  # noqa: F401 (the domain's check kept per domain)
from services.errors import ValidationFailed

__all__ = ["normalize_email", "normalize_mfa_contact", "valid_email"]

# NANP: area code and exchange each start with 2-9, so typos such as a dropped digit are caught.
_NANP = re.compile(r"^[2-9][0-9]{2}[2-9][0-9]{6}$")


def valid_email(value: str, *, field: str = "email", remember: bool = False) -> str:
    """The address in its normal form (the domain in lower case, Unicode in NFC), or VALIDATION.

    email-validator checks the syntax of RFC 5321/5322 as mail systems accept it (no quoted
    local parts, no IP literals, at most 254 characters) and refuses special-use domains such
    as ``.test`` and ``.invalid``; it is never asked to look the domain up (no network).

    ``remember``: keep the answer for the next time the same address comes (staff addresses of
    the vendor sync, which sends them again in every batch that re-syncs its users: the check
    costs about 30 µs an address; decision 183). Client addresses are never remembered: nothing
    of a client's outlives the request here. The domain's own check is kept per domain for
    every address (``compat.email_validator``, decision 209): a domain is not a person's.
    """
    value = value.strip()
    # an address is at most 254 characters: a longer value is checked but never remembered
    check = _remembered if remember and len(value) <= 254 else _normalized
    normalized = check(value)
    if normalized is None:
        raise ValidationFailed("Enter a valid e-mail address.", field=field)
    return normalized


def _normalized(value: str) -> str | None:
    """email-validator's normal form of ``value``, or None when it refuses it."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


_remembered = functools.lru_cache(maxsize=4096)(_normalized)


def normalize_email(value: str, *, field: str = "email") -> str:
    """The address as a key: ``A@X.org`` and ``a@x.org `` are one address."""
    return valid_email(value, field=field).casefold()


def normalize_mfa_contact(value: str, *, field: str = "mfaContact") -> str:
    """An e-mail address, or a North American phone number as its ten digits."""
    if "@" in value:
        return normalize_email(value, field=field)
    digits = re.sub(r"[^0-9]", "", value)  # ASCII: \d would keep other scripts' digits
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not _NANP.match(digits):
        raise ValidationFailed("Enter an e-mail address or a 10-digit phone number.", field=field)
    return digits
