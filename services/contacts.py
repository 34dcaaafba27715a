"""Normalised e-mail addresses and MFA contacts, so that sharing is caught however it is spelled."""

from __future__ import annotations

import re

from services.errors import ValidationFailed

__all__ = ["normalize_email", "normalize_mfa_contact"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# NANP: area code and exchange each start with 2-9, so typos such as a dropped digit are caught.
_NANP = re.compile(r"^[2-9][0-9]{2}[2-9][0-9]{6}$")


def normalize_email(value: str, *, field: str = "email") -> str:
    """``A@X.org`` and ``a@x.org `` are one address."""
    email = value.strip().casefold()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationFailed("Enter a valid e-mail address.", field=field)
    return email


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
