"""The identity tests sign in hundreds of times: argon2 at its cheapest keeps them fast.

The rules under test (an unknown account still costs one verify, argon2id, constant work) do not
depend on the cost parameters, which every hash carries with it.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

import services.passwords as passwords

_CHEAP = PasswordHasher.from_parameters(CHEAPEST)
_CHEAP_DUMMY = _CHEAP.hash("hearth-timing-equaliser-not-a-password")


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", _CHEAP)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", _CHEAP_DUMMY)
