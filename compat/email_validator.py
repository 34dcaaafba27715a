"""email-validator internals: the domain's check made once per domain, not once per address.

``validate_email`` checks an address's domain with ``validate_email_domain_name`` (the domain's
characters through IDNA / UTS-46), about three quarters of the check's cost. That function is
pure: its answer depends only on the domain and the two options Hearth passes unchanged. The
vendor sync checks a hundred new staff addresses a batch, nearly all at a few agency domains, so
the domain's answer is kept (a bounded LRU, ``maxsize`` domains) and only the local part, the
whole address's length and the normal form are worked out per address. A domain refused is never
kept (``functools.lru_cache`` keeps no exception): it is checked again each time.

It replaces the module-level name ``validate_email_domain_name`` that
``email_validator.validate_email`` (the module) calls, private to email-validator 2.4: the
answers are the library's own (``tests/compat/test_email_validator.py`` compares them with the
unpatched function's, addresses and refusals alike).
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

import compat  # noqa: F401 (checks the installed versions)

__all__ = ["DOMAINS_KEPT", "install", "original"]

DOMAINS_KEPT = 1024

_module = importlib.import_module("email_validator.validate_email")
original = _module.validate_email_domain_name


@functools.lru_cache(maxsize=DOMAINS_KEPT)
def _kept(domain: str, test_environment: bool, globally_deliverable: bool) -> dict[str, Any]:
    answer: dict[str, Any] = original(
        domain, test_environment=test_environment, globally_deliverable=globally_deliverable
    )
    return answer


def _domain_name(
    domain: str, test_environment: bool = False, globally_deliverable: bool = True
) -> dict[str, Any]:
    # a copy: the caller gets a dict of its own, as from the library
    return dict(_kept(domain, bool(test_environment), bool(globally_deliverable)))


def install() -> None:
    """Make ``validate_email`` use the kept domain check (idempotent)."""
    _module.validate_email_domain_name = _domain_name  # type: ignore[attr-defined]


install()
