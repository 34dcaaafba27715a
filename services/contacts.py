"""Normalised e-mail addresses and MFA contacts, so that sharing is caught however it is spelled."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from services.errors import ValidationFailed

__all__ = ["normalize_email", "normalize_mfa_contact", "valid_email"]

# NANP: area code and exchange each start with 2-9, so typos such as a dropped digit are caught.
_NANP = re.compile(r"^[2-9][0-9]{2}[2-9][0-9]{6}$")


def valid_email(value: str, *, field: str = "email") -> str:
    """The address in its normal form (the domain in lower case, Unicode in NFC), or VALIDATION.

    email-validator checks the syntax of RFC 5321/5322 as mail systems accept it (no quoted
    local parts, no IP literals, at most 254 characters) and refuses special-use domains such
    as ``.test`` and ``.invalid``; it is never asked to look the domain up (no network).
    """
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationFailed("Enter a valid e-mail address.", field=field) from None


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
