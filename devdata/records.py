"""A client's consents to enter, releases of information and case notes, with their audit."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

from devdata.plan import CATEGORIES, NOTES, ODD_NOTES, ONE_DAY, Agency
from devdata.state import GeneratorState, new_uuid, weighted
from models.case_notes import CaseNote, CaseNoteDeletionRequest
from models.clients import ConsentToEnter
from models.releases import Release, ReleaseRecipient

__all__ = ["Records"]


class Records(GeneratorState):
    def consents(self, cid: uuid.UUID, stays: list[Any]) -> None:
        """Consent to enter for each agency that enrolled the client (policies 205, 207)."""
        rng = self.rng
        seen: set[uuid.UUID] = set()
        for agency, entry, _, _ in stays:
            if agency.id in seen:
                continue
            seen.add(agency.id)
            taker = rng.choice(agency.staff)
            verbal = rng.random() < 0.05
            consent_id = new_uuid(rng)
            at = self.at(entry, 540)
            self.bulk.add(
                ConsentToEnter,
                {
                    "id": consent_id,
                    "kind": "VERBAL" if verbal else "WRITTEN",
                    "first_contact_by_phone": verbal,
                    "taken_on": entry,
                    "recorded_at": at,
                    "agency_id": agency.id,
                    "client_id": cid,
                    "taken_by_id": taker,
                },
            )
            self.audit(at, taker, agency.id, "CREATE", "ConsentToEnter", consent_id, cid, [])

    def release(self, cid: uuid.UUID, agency: Agency, entry: date) -> None:
        """About 45% of clients signed a release: in force, expired, revoked or Part 2."""
        rng, add = self.rng, self.bulk.add
        if rng.random() >= 0.45:
            return
        state = weighted(
            rng, ((0, 55), (1, 20), (2, 15), (3, 10))
        )  # in force, expired, revoked, Part 2
        starts = min(entry, self.anchor - ONE_DAY)
        categories = [
            "IDENTIFYING",
            "ENROLLMENT_AND_SERVICES",
            *rng.sample(CATEGORIES[2:], rng.randint(0, 3)),
        ]
        if state == 3:
            categories.append("SUBSTANCE_USE")
        if state == 1:
            expires = self.anchor - timedelta(days=rng.randint(1, 300))
            starts = min(starts, expires - timedelta(days=30))
        else:
            expires = self.anchor + timedelta(days=rng.randint(30, 700))
        scope = weighted(rng, ((0, 40), (1, 35), (2, 25)))
        rid, by = new_uuid(rng), rng.choice(agency.staff)
        recorded = self.at(starts, 600)
        revoked_at = revoked_by = reason = None
        if state == 2:
            revoked_at = self.at(
                starts + timedelta(days=rng.randint(1, max(1, (self.anchor - starts).days - 1))),
                700,
            )
            revoked_by, reason = by, "Client withdrew the release"
        add(
            Release,
            {
                "id": rid,
                "scope": ("AGENCIES", "CAN", "STATEWIDE")[scope],
                "categories": json.dumps(sorted(categories)),
                "starts_on": starts,
                "expires_on": expires,
                "kind": "WRITTEN",
                "evidence_reference": f"ROI-{rid.hex[:8]}",
                "recorded_at": recorded,
                "revoked_at": revoked_at,
                "revocation_reason": reason,
                "client_id": cid,
                "recorded_by_id": by,
                "releasing_agency_id": agency.id,
                "revoked_by_id": revoked_by,
                "scope_can_id": self.can_ids[agency.can] if scope == 1 else None,
            },
        )
        if scope == 0:
            others = [
                a for a in self.agencies if a is not agency and not a.vsp and a.coc == agency.coc
            ]
            for recipient in sorted(
                rng.sample(others, min(len(others), rng.randint(1, 2))), key=lambda a: a.slug
            ):
                add(
                    ReleaseRecipient,
                    {"id": new_uuid(rng), "agency_id": recipient.id, "release_id": rid},
                )
        self.audit(
            recorded,
            by,
            agency.id,
            "CREATE",
            "ReleaseOfInformation",
            rid,
            cid,
            ["scope", "categories", "startsOn", "expiresOn"],
        )
        if revoked_at is not None:
            self.audit(
                revoked_at,
                by,
                agency.id,
                "UPDATE",
                "ReleaseOfInformation",
                rid,
                cid,
                ["revokedAt", "revocationReason"],
            )

    def notes(self, cid: uuid.UUID, eid: uuid.UUID, agency: Agency, entry: date, end: date) -> None:
        rng, add = self.rng, self.bulk.add
        for _ in range(weighted(rng, ((0, 35), (1, 35), (2, 20), (3, 10)))):
            span = max(0, (end - entry).days)
            day = entry + timedelta(days=rng.randint(0, span))
            at = self.at(day, 600 + rng.randint(0, 400))
            author = rng.choice(agency.staff)
            text = rng.choice(ODD_NOTES) if rng.random() < 0.02 else rng.choice(NOTES)
            nid = new_uuid(rng)
            # About 0.5% of notes deleted under an approved request (one early on, so a small data
            # set has one too).
            self.notes_written += 1
            deleted = rng.random() < 0.005 or self.notes_written == 8
            requested = min(at + ONE_DAY, self.now - timedelta(minutes=2))
            decided = min(at + 2 * ONE_DAY, self.now - timedelta(minutes=1))
            add(
                CaseNote,
                {
                    "id": nid,
                    "created_at": at,
                    "text": None if deleted else text,
                    "deleted_at": decided if deleted else None,
                    "agency_id": agency.id,
                    "author_id": author,
                    "client_id": cid,
                    "enrollment_id": eid,
                },
            )
            self.audit(at, author, agency.id, "CREATE", "CaseNote", nid, cid, ["text"])
            if deleted:
                # Policy 404: the HDC requested, the System Administrator approved; a tombstone stays.
                add(
                    CaseNoteDeletionRequest,
                    {
                        "id": new_uuid(rng),
                        "reason": "Entered in the wrong client's record",
                        "status": "APPROVED",
                        "requested_at": requested,
                        "decided_at": decided,
                        "decision_note": "Approved",
                        "agency_id": agency.id,
                        "client_id": cid,
                        "decided_by_id": self.sysadmin,
                        "note_id": nid,
                        "requested_by_id": agency.hdc,
                    },
                )
                self.audit(
                    requested, agency.hdc, agency.id, "DELETE_REQUEST", "CaseNote", nid, cid, []
                )
                self.audit(
                    decided, self.sysadmin, agency.id, "DELETE", "CaseNote", nid, cid, ["text"]
                )
