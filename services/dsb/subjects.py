"""What a motion decides besides a customization request: a data sharing agreement (policy
405), a retention plan (303), a quarterly data quality review (302). Each kind's service
registers two steps, run inside the motion's own transaction:

- ``opened(caller, meeting, subject_id)``: the subject exists and may be put to the board now
  (lock it, check its status; raise NotFound or Conflict with ``field="subjectId"``);
- ``decided(caller, motion)``: the motion closed, carried or failed; record the outcome on the
  subject (naming the motion) and log it.

Registration is by the subject's module at import; ``handler`` imports the modules listed in
``SUBJECT_MODULES`` first, so the registry is complete whoever asks.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from models.dsb import Meeting, Motion, MotionSubject
from services.caller import Caller
from services.errors import ValidationFailed

__all__ = ["SUBJECT_MODULES", "SubjectHandler", "handler", "register"]

# The modules that register a subject kind (imported on first use).
SUBJECT_MODULES: tuple[str, ...] = (
    # policy 405: a data sharing agreement
    "services.data_releases.agreements",
    # policy 303: a retention plan
    "services.retention",
    # policy 302: a quarterly data quality review
    "services.quality_review",
)

Opened = Callable[[Caller, Meeting, UUID], Awaitable[None]]
Decided = Callable[[Caller, Motion], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SubjectHandler:
    kind: MotionSubject
    opened: Opened
    decided: Decided


_HANDLERS: dict[MotionSubject, SubjectHandler] = {}


def register(kind: MotionSubject, *, opened: Opened, decided: Decided) -> None:
    """Called once by the module that owns ``kind``."""
    _HANDLERS[kind] = SubjectHandler(kind, opened, decided)


def handler(kind: MotionSubject) -> SubjectHandler:
    for module in SUBJECT_MODULES:
        importlib.import_module(module)
    found = _HANDLERS.get(kind)
    if found is None:  # a kind declared before its service exists: nothing may be put on it
        raise ValidationFailed(f"No motion may be put on a {kind.value} yet.", field="subjectKind")
    return found
