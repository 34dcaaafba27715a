# ruff: noqa: S608 -- the SQL is built of the models' table names and constants; values are parameters
"""A client's activity, for policy 303's seven years (docs/retention.md, decision 170).

Activity is a change recorded in Hearth's own client records, never a read: the client row's
``created_at``, ``updated_at`` and ``last_activity_at`` (which the services stamp when a
consent, release, annotation or case note is added); each of its enrollments' ``created_at`` and
``updated_at``; each enrollment record's (exit, services, income, disabilities, health and DV,
employment, education, current living situation, assessments, their questions and results,
events) ``created_at`` and ``updated_at`` (HUD's DateCreated and DateUpdated, kept by imports
too); its case notes' creation and deletion; its corrections and supplements; its consents'
and releases' recording and revocation. A client is *inactive since* an instant when none of
these is at or after it.

One list of stamps, two shapes of SQL: a set of all clients active since the instant (the plan:
one pass over each table, a hash anti-join: seconds over 100,000 clients) and a per-client test
for a batch of ids (the run re-checks its batch: an index probe per table and client).
"""

from __future__ import annotations

from tortoise.models import Model

from models.case_notes import CaseNote
from models.clients import Client, ClientAnnotation, ConsentToEnter
from models.coordinated_entry import (
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    CurrentLivingSituation,
    Event,
)
from models.enrollments import (
    Disability,
    EmploymentEducation,
    Enrollment,
    Exit,
    HealthAndDv,
    IncomeBenefits,
    Service,
    YouthEducationStatus,
)
from models.releases import Release

__all__ = ["ACTIVE_IN_BATCH_SQL", "INACTIVE_CLIENTS_SQL"]

_PROVENANCE = ("created_at", "updated_at")

# Records of an enrollment (keyed by enrollment_id): each one's stamps.
ENROLLMENT_RECORDS: tuple[type[Model], ...] = (
    Exit,
    Service,
    IncomeBenefits,
    Disability,
    HealthAndDv,
    EmploymentEducation,
    YouthEducationStatus,
    CurrentLivingSituation,
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    Event,
)
# Records of the client (keyed by client_id) and the stamps that are changes.
CLIENT_RECORDS: tuple[tuple[type[Model], tuple[str, ...]], ...] = (
    (Enrollment, _PROVENANCE),
    (CaseNote, ("created_at", "deleted_at")),
    (ClientAnnotation, ("created_at",)),
    (ConsentToEnter, ("recorded_at",)),
    (Release, ("recorded_at", "revoked_at")),
)
CLIENT_STAMPS = ("created_at", "updated_at", "last_activity_at")


def _table(model: type[Model]) -> str:
    return model._meta.db_table


def _since(alias: str, stamps: tuple[str, ...], param: str) -> str:
    """Any of the stamps at or after the instant (a null stamp is no change)."""
    return "(" + " OR ".join(f"{alias}.{s} >= {param}" for s in stamps) + ")"


def _active_set() -> str:
    """``SELECT client_id`` of every client with activity at or after $1 (repeats allowed: the
    plan anti-joins it, and a hash anti-join over all of it takes seconds where ``UNION``'s
    de-duplication or ``NOT IN`` did not)."""
    records = " UNION ALL ".join(
        f"SELECT r.enrollment_id FROM {_table(m)} r WHERE {_since('r', _PROVENANCE, '$1')}"
        for m in ENROLLMENT_RECORDS
    )
    parts = [
        f"SELECT e.client_id FROM enrollment e WHERE {_since('e', _PROVENANCE, '$1')}",
        f"SELECT e.client_id FROM enrollment e JOIN ({records}) r ON r.enrollment_id = e.id",
    ]
    parts += [
        f"SELECT r.client_id FROM {_table(m)} r WHERE {_since('r', stamps, '$1')}"
        for m, stamps in CLIENT_RECORDS
        if m is not Enrollment
    ]
    return " UNION ALL ".join(parts)


def _active_one(alias: str) -> str:
    """Whether the client ``alias`` has activity at or after $1 (correlated, for a few ids)."""
    records = " OR ".join(
        f"EXISTS (SELECT 1 FROM {_table(m)} r WHERE r.enrollment_id = e.id"
        f" AND {_since('r', _PROVENANCE, '$1')})"
        for m in ENROLLMENT_RECORDS
    )
    tests = [
        _since(alias, CLIENT_STAMPS, "$1"),
        f"EXISTS (SELECT 1 FROM enrollment e WHERE e.client_id = {alias}.id"
        f" AND ({_since('e', _PROVENANCE, '$1')} OR {records}))",
    ]
    tests += [
        f"EXISTS (SELECT 1 FROM {_table(m)} r WHERE r.client_id = {alias}.id"
        f" AND {_since('r', stamps, '$1')})"
        for m, stamps in CLIENT_RECORDS
        if m is not Enrollment
    ]
    return "(" + " OR ".join(tests) + ")"


# $1: the instant. Clients not de-identified, with no activity at or after it, by id.
INACTIVE_CLIENTS_SQL = (
    f"SELECT c.id FROM {_table(Client)} c"
    " WHERE c.deidentified_at IS NULL AND NOT "
    + _since("c", CLIENT_STAMPS, "$1")
    + f" AND NOT EXISTS (SELECT 1 FROM ({_active_set()}) a WHERE a.client_id = c.id)"
)
# $1: the instant, $2: client ids. Those of the ids with activity at or after the instant.
ACTIVE_IN_BATCH_SQL = (
    f"SELECT c.id FROM {_table(Client)} c WHERE c.id = ANY($2::uuid[]) AND {_active_one('c')}"
)
