"""What every part of the row generator shares: one random stream, the COPY buffers, the data
set's clock, the defect counts, and the audit trail every change leaves.

The generator is one class (``devdata.rows.Generator``) assembled from parts that each draw one
kind of row; they all draw from the same ``random.Random`` in a fixed order, which is what makes
a seed reproducible.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any, TypeVar

import asyncpg

from devdata.copy import Bulk
from devdata.plan import DEFECT_RATES, ONE_DAY, Agency, SeedUser
from models.audit import AuditEvent
from models.case_notes import CaseNote, CaseNoteDeletionRequest
from models.clients import Client, ConsentToEnter
from models.enrollments import Disability, Enrollment, Exit, HealthAndDv, IncomeBenefits, Service
from models.releases import Release, ReleaseRecipient

__all__ = ["PARENTS_FIRST", "GeneratorState", "new_uuid", "weighted"]

# The order the COPY task writes a batch's tables in: foreign keys are checked row by row.
PARENTS_FIRST = (
    Client,
    ConsentToEnter,
    Release,
    ReleaseRecipient,
    Enrollment,
    Exit,
    Service,
    IncomeBenefits,
    Disability,
    HealthAndDv,
    CaseNote,
    CaseNoteDeletionRequest,
    AuditEvent,
)


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


_T = TypeVar("_T")


def weighted(rng: random.Random, table: Sequence[tuple[_T, float]]) -> _T:
    total = sum(w for _, w in table)
    pick = rng.random() * total
    for value, weight in table:
        pick -= weight
        if pick < 0:
            return value
    return table[-1][0]


class GeneratorState:
    def __init__(
        self,
        conn: asyncpg.Connection,
        *,
        clients: int,
        seed: int,
        anchor: date,
        tag: str,
        batch: int,
    ) -> None:
        self.conn = conn
        self.n = clients
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by design)
        self.seed = seed
        self.anchor = anchor
        self.now = datetime.combine(anchor, dtime(12, 0), tzinfo=UTC)
        self.window_start = anchor - timedelta(days=1095)
        self.tag = tag
        from devdata.hudfill import SeedHud, hud_models  # the drawers import this module

        self.hud_models = hud_models()
        self.bulk = Bulk(conn, batch, (*PARENTS_FIRST, *self.hud_models.values()))
        # The HUD row drawers (decision 151), on this random stream, into these buffers.
        # Their own random stream: what the seed drew before them it still draws, value for value.
        self.hud = SeedHud(
            rng=random.Random(f"hud-{seed}"),  # noqa: S311 (synthetic data)
            anchor=anchor,
            at=self.at,
            bulk=self.bulk,
            models={**self.hud_models, "Services": Service},
        )
        self.programs: dict[uuid.UUID, Any] = {}  # project id -> the drawers' Program
        self.female: dict[uuid.UUID, bool] = {}
        # the enrollment being drawn: its project's program, whether the client is female
        self.hud_now: tuple[Any, bool] = (None, False)
        self.defects: dict[str, int] = dict.fromkeys(DEFECT_RATES, 0)
        self.populations: dict[str, int] = {}
        self.agencies: list[Agency] = []
        self.can_ids: list[uuid.UUID] = []
        self.summary_users: dict[str, SeedUser] = {}
        self.sysadmin: uuid.UUID | None = None
        self.small_counts: dict[str, int] = {}
        # Client id -> the time of the latest change to the client or its records.
        self.activity: dict[uuid.UUID, datetime] = {}
        self.notes_written = 0

    def at(self, day: date, minutes: int = 600) -> datetime:
        """A moment on ``day`` (never after the generator's now)."""
        moment = datetime.combine(day, dtime(0, 0), tzinfo=UTC) + timedelta(minutes=minutes)
        return min(moment, self.now - timedelta(minutes=1))

    def audit(
        self,
        at: datetime,
        actor: uuid.UUID | None,
        agency: uuid.UUID,
        action: str,
        entity: str,
        entity_id: uuid.UUID,
        client: uuid.UUID,
        fields: list[str],
    ) -> None:
        at = min(at, self.now - timedelta(minutes=1))
        if action != "VIEW" and at > self.activity.get(client, at - ONE_DAY):
            self.activity[client] = at
        self.bulk.add(
            AuditEvent,
            {
                "occurred_at": at,
                "actor_id": actor,
                "true_actor_id": actor,
                "agency_id": agency,
                "action": action,
                "entity_type": entity,
                "entity_id": str(entity_id),
                "client_id": client,
                "fields_touched": json.dumps(sorted(set(fields))),
                "operation": "seed",
            },
        )
