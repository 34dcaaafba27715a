"""The users of a data set, who can really sign in: system roles, memberships and duties, the
access requests that granted them, CAN staff, and completed training."""

from __future__ import annotations

import math
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.low_level import hash_secret

from devdata.copy import copy_rows
from devdata.plan import AGENCIES, COLORS_VEG, HERBS, Agency, SeedUser
from devdata.state import GeneratorState, new_uuid
from models.access import AccessRequest
from models.clients import CanStaff
from models.governance_rules import AgreementSignature
from models.training import TrainingCompletion
from models.users import Membership, SystemRoleGrant, User, UserDuty

__all__ = ["Users"]


def password_hash(password: str, rng: random.Random) -> str:
    """An argon2id hash with the library's parameters and a salt drawn from the seed."""
    params = PasswordHasher()
    salt = rng.getrandbits(128).to_bytes(16, "big")
    return hash_secret(
        password.encode(),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=params.hash_len,
        type=Type.ID,
    ).decode()


def totp_secret(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "".join(alphabet[rng.getrandbits(5)] for _ in range(32))


class Users(GeneratorState):
    """Draws the users (the named ones a test or benchmark signs in as among them) and writes
    them and their grants at once."""

    async def users(self, password: str, courses: list[uuid.UUID], created: datetime) -> None:
        rng, tag = self.rng, self.tag
        pw_hash = password_hash(password, rng)
        users: list[dict[str, Any]] = []
        grants, memberships, duties, staff, requests = [], [], [], [], []

        def user(
            key: str | None, username: str, role: str, agency: Agency | None = None
        ) -> uuid.UUID:
            uid, secret = new_uuid(rng), totp_secret(rng)
            username = f"{username}{tag}"
            email = f"{username}@{agency.slug if agency else 'lead'}{tag}.example.org"
            users.append(
                {
                    "id": uid,
                    "username": username,
                    "email": email,
                    "email_normalized": email.casefold(),
                    "first_name": rng.choice(HERBS),
                    "last_name": rng.choice(COLORS_VEG),
                    "password_hash": pw_hash,
                    "totp_secret": secret,
                    "totp_confirmed_at": created,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if key:
                self.summary_users[key] = SeedUser(
                    key,
                    username,
                    uid,
                    password,
                    secret,
                    role,
                    agency.id if agency else None,
                    agency.name if agency else None,
                )
            return uid

        self.sysadmin = user("system_admin", "sysadmin", "SYSTEM_ADMINISTRATOR")
        grants.append((self.sysadmin, "SYSTEM_ADMINISTRATOR"))
        for key, name, role in (
            ("security_officer", "security.officer", "SECURITY_OFFICER"),
            ("lead_agency", "lead.agency", "LEAD_AGENCY"),
            ("dsb_member", "dsb.member", "DSB_MEMBER"),
        ):
            grants.append((user(key, name, role), role))

        def member(uid: uuid.UUID, agency: Agency, level: str, hdc: uuid.UUID | None) -> None:
            memberships.append((uid, agency.id, level))
            requests.append((uid, agency.id, level, hdc or uid))

        share = sum(a.weight for a in self.agencies)
        other_can = next(a for a in self.agencies if not a.vsp and a.can != self.agencies[0].can)
        for agency in self.agencies:
            big = agency is self.agencies[0]
            hdc = user(
                "hdc" if big else ("vsp_hdc" if agency.vsp else None),
                f"{agency.slug}.hdc",
                "HDC",
                agency,
            )
            agency.hdc = hdc
            member(hdc, agency, "FULL", None)
            duties.append((hdc, agency.id, "HMIS_DATA_COORDINATOR"))
            asc = user("asc" if big else None, f"{agency.slug}.asc", "ASC", agency)
            member(asc, agency, "FULL", hdc)
            duties.append((asc, agency.id, "AGENCY_SECURITY_COORDINATOR"))
            count = (
                max(2, min(40, math.ceil(self.n * agency.weight / share / 2500)))
                if not agency.vsp
                else 1
            )
            for i in range(1, count + 1):
                key = None
                if big and i == 1:
                    key = "case_manager"
                elif agency is other_can and i == 1:
                    key = "case_manager_other_can"
                uid = user(key, f"{agency.slug}.cm{i}", "FULL", agency)
                member(uid, agency, "FULL", hdc)
                agency.staff.append(uid)
            member(
                user("view_only" if big else None, f"{agency.slug}.view", "VIEW_ONLY", agency),
                agency,
                "VIEW_ONLY",
                hdc,
            )
            member(
                user(
                    "reporting_only" if big else None,
                    f"{agency.slug}.report",
                    "REPORTING_ONLY",
                    agency,
                ),
                agency,
                "REPORTING_ONLY",
                hdc,
            )
        for can_index, can_id in enumerate(self.can_ids):
            backbone = next(
                a
                for a, spec in zip(self.agencies, AGENCIES, strict=True)
                if spec[5] and a.can == can_index
            )
            key = "can_backbone" if can_index == self.agencies[0].can else None
            uid = user(key, f"can{can_index + 1}.backbone", "CAN_BACKBONE", backbone)
            member(uid, backbone, "FULL", backbone.hdc)
            staff.append((uid, can_id))
        await self.grants(created, users, courses, grants, memberships, duties, staff, requests)

    async def grants(
        self,
        created: datetime,
        users: list[dict[str, Any]],
        courses: list[uuid.UUID],
        grants: list[tuple[uuid.UUID, str]],
        memberships: list[tuple[uuid.UUID, uuid.UUID, str]],
        duties: list[tuple[uuid.UUID, uuid.UUID, str]],
        staff: list[tuple[uuid.UUID, uuid.UUID]],
        requests: list[tuple[uuid.UUID, uuid.UUID, str, uuid.UUID]],
    ) -> None:
        """The users and what they were granted, all as of ``created``."""
        rng, conn = self.rng, self.conn
        counts = self.small_counts
        counts["hearth_user"] = await copy_rows(conn, User, users)
        counts["system_role_grant"] = await copy_rows(
            conn,
            SystemRoleGrant,
            (
                {"id": new_uuid(rng), "role": role, "granted_at": created, "user_id": uid}
                for uid, role in grants
            ),
        )
        counts["membership"] = await copy_rows(
            conn,
            Membership,
            (
                {
                    "id": new_uuid(rng),
                    "access_level": level,
                    "created_at": created,
                    "updated_at": created,
                    "agency_id": aid,
                    "user_id": uid,
                }
                for uid, aid, level in memberships
            ),
        )
        counts["user_duty"] = await copy_rows(
            conn,
            UserDuty,
            (
                {
                    "id": new_uuid(rng),
                    "duty": duty,
                    "assigned_at": created,
                    "agency_id": aid,
                    "user_id": uid,
                }
                for uid, aid, duty in duties
            ),
        )
        counts["can_staff"] = await copy_rows(
            conn,
            CanStaff,
            (
                {"id": new_uuid(rng), "assigned_at": created, "can_id": cid, "user_id": uid}
                for uid, cid in staff
            ),
        )
        # Designation of Access: each membership was requested by the agency's HDC and approved
        # by the System Administrator (policies 107, 401).
        counts["access_request"] = await copy_rows(
            conn,
            AccessRequest,
            (
                {
                    "id": new_uuid(rng),
                    "kind": "GRANT",
                    "access_level": level,
                    "reason": "Designation of Access",
                    "status": "APPROVED",
                    "requested_at": created - timedelta(days=2),
                    "decided_at": created - timedelta(days=1),
                    "agency_id": aid,
                    "decided_by_id": self.sysadmin,
                    "requested_by_id": by,
                    "user_id": uid,
                }
                for uid, aid, level, by in requests
            ),
        )
        # Policy 110: every user completed the LMS courses before using HMIS.
        trained_on = (created - timedelta(days=3)).date()
        counts["training_completion"] = await copy_rows(
            conn,
            TrainingCompletion,
            (
                {
                    "id": new_uuid(rng),
                    "completed_on": trained_on,
                    "recorded_at": created,
                    "course_id": course,
                    "user_id": u["id"],
                }
                for u in users
                for course in courses
            ),
        )
        # Policy 401: and signed the End User Agreement in force. Ids from the user's, so the
        # generator's random stream (and every row drawn after) is as it was.
        agreements = [r["id"] for r in await conn.fetch("SELECT id FROM end_user_agreement")]
        counts["agreement_signature"] = await copy_rows(
            conn,
            AgreementSignature,
            (
                {
                    "id": uuid.uuid5(u["id"], f"agreement:{agreement}"),
                    "signed_on": trained_on,
                    "recorded_at": created,
                    "recorded_by_id": u["id"],
                    "agreement_id": agreement,
                    "user_id": u["id"],
                }
                for u in users
                for agreement in agreements
            ),
        )
