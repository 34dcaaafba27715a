"""Factories (plain async functions) and a small GraphQL client for the tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pyotp

from models.certification import AgencyClearance, ClearanceBasis
from models.enums import AccessLevel, Duty, SystemRole, UserStatus
from models.governance import Agency, ContinuumOfCare
from models.governance_rules import AgreementSignature, EndUserAgreement
from models.training import TrainingCompletion, TrainingCourse
from models.users import Membership, SystemRoleGrant, User, UserDuty
from services.audit import forget_horizons
from services.clock import FrozenClock
from services.passwords import hash_password

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)

LOGIN = """
mutation Login($u: String!, $p: String!) {
  login(input: {username: $u, password: $p}) { challengeToken expiresAt enrollmentRequired }
}"""
VERIFY = """
mutation Verify($t: String!, $c: String!) {
  verifyMfa(input: {challengeToken: $t, code: $c}) { accessToken expiresAt refreshToken mfaExpiresAt }
}"""


class Api:
    """Drives /graphql over HTTP the way a front end does."""

    def __init__(self, http: httpx.AsyncClient, clock: FrozenClock) -> None:
        self.http = http
        self.clock = clock

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    async def ok(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        body = await self.gql(query, variables, token)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The first error's ``extensions`` plus its ``message``."""
        body = await self.gql(query, variables, token)
        assert body.get("errors"), f"expected an error, got {body}"
        first = body["errors"][0]
        return {**first.get("extensions", {}), "message": first["message"]}

    def code(self, user: User) -> str:
        assert user.totp_secret
        return pyotp.TOTP(user.totp_secret).at(self.clock.now())

    async def sign_in(self, user: User, password: str = PASSWORD) -> str:
        """Password then a real TOTP code; the clock then moves past that code's time step."""
        challenge = (await self.ok(LOGIN, {"u": user.username, "p": password}))["login"][
            "challengeToken"
        ]
        tokens = (await self.ok(VERIFY, {"t": challenge, "c": self.code(user)}))["verifyMfa"]
        self.clock.advance(timedelta(seconds=30))
        return tokens["accessToken"]


async def make_agency(
    name: str | None = None,
    *,
    coc: str = "CT-503",
    mou: bool = True,
    levels: tuple[AccessLevel, ...] = tuple(AccessLevel),
    certified: bool = True,
    **fields: Any,
) -> Agency:
    """An agency; ``certified`` (the default): its first-time access is cleared (policy 210) as
    an established agency's, so that its users act once its MOU is signed."""
    agency = await Agency.create(
        name=name or f"Agency {next(_seq)}",
        coc=await ContinuumOfCare.get(code=coc),
        mou_signed_on=date(2026, 1, 15) if mou else None,
        mou_signed_by="Executive Director" if mou else None,
        mou_access_levels=[level.value for level in levels] if mou else [],
        **fields,
    )
    if certified:
        await AgencyClearance.create(
            agency=agency,
            basis=ClearanceBasis.ESTABLISHED,
            cleared_at=datetime(2026, 1, 15, tzinfo=UTC),
        )
    return agency


async def make_user(
    username: str | None = None,
    *,
    roles: tuple[SystemRole, ...] = (),
    agencies: dict[Agency, AccessLevel] | None = None,
    duties: dict[Agency, Duty] | None = None,
    trained: bool = True,
    signed: bool = True,
    status: UserStatus = UserStatus.ACTIVE,
    password: str = PASSWORD,
    **fields: Any,
) -> User:
    """A user with a password and a confirmed authenticator, holding what is asked; ``trained``
    completed every course and ``signed`` the End User Agreement in force (policies 110, 401)."""
    n = next(_seq)
    name = username or f"user{n}"
    user = await User.create(
        username=name,
        email=fields.pop("email", f"{name}@agency{n}.example.org"),
        email_normalized=fields.pop("email_normalized", f"{name}@agency{n}.example.org".casefold()),
        password_hash=hash_password(password),
        totp_secret=pyotp.random_base32(),
        totp_confirmed_at=None,
        status=status,
        **fields,
    )
    for role in roles:
        await SystemRoleGrant.create(user=user, role=role)
    for agency, level in (agencies or {}).items():
        await Membership.create(user=user, agency=agency, access_level=level)
    for agency, duty in (duties or {}).items():
        if not await Membership.exists(user=user, agency=agency):
            await Membership.create(user=user, agency=agency, access_level=AccessLevel.FULL)
        await UserDuty.create(user=user, agency=agency, duty=duty)
    if trained:
        for course in await TrainingCourse.all():
            await TrainingCompletion.create(
                user=user,
                course=course,
                completed_on=date(2026, 1, 20),
                recorded_at=datetime(2026, 1, 20, tzinfo=UTC),
            )
    if signed:
        for agreement in await EndUserAgreement.all():
            await AgreementSignature.create(
                user=user,
                agreement=agreement,
                signed_on=date(2026, 1, 20),
                recorded_at=datetime(2026, 1, 20, tzinfo=UTC),
                recorded_by_id=user.id,
            )
    from authz.enforcer import notify_change

    await notify_change()
    return user


# Tables that refuse TRUNCATE (migrations 0005, 0009, 0010), each with its guard.
TRUNCATE_GUARDS = {
    "audit_event": "audit_event_no_truncate",
    "audit_seal": "audit_seal_no_truncate",
    # months detached for archive (migration 0034)
    "audit_archive": "audit_archive_no_truncate",
    "audit_archive_block": "audit_archive_block_no_truncate",
    "case_note": "case_note_no_truncate",
    "release_of_information": "release_of_information_no_truncate",
    "case_note_deletion_request": "case_note_deletion_request_no_truncate",
    "client_annotation": "client_annotation_no_truncate",
    "governance_event": "governance_event_no_truncate",
    "dsb_vote": "dsb_vote_no_truncate",
    # certification (201, 210)
    "certification": "certification_no_truncate",
    "certification_answer": "certification_answer_no_truncate",
}


def _partition_guards(switch: str) -> str:
    """SQL that switches the TRUNCATE guard of every partition of the audit trail."""
    return (
        "DO $$ DECLARE p record; BEGIN FOR p IN SELECT inhrelid::regclass::text AS t"  # noqa: S608
        " FROM pg_inherits WHERE inhparent = 'audit_event'::regclass LOOP"
        f" EXECUTE format('ALTER TABLE %s {switch} TRIGGER audit_event_no_truncate', p.t);"
        " END LOOP; END $$;"
    )


def truncation(tables: list[str] | tuple[str, ...]) -> str:
    """SQL that empties ``tables`` as their owner may: the audit trail, its seals and the
    append-only client tables refuse TRUNCATE, so their guards are switched off around it; the
    seals go with the trail, numbering restarts, and this process's sealer forgets its
    horizons."""
    names = list(dict.fromkeys(t.strip() for t in tables if t.strip()))
    if "audit_event" in names and "audit_seal" not in names:
        names.append("audit_seal")
    forget_horizons()
    guarded = [(table, guard) for table, guard in TRUNCATE_GUARDS.items() if table in names]
    # a month partition of the audit trail (and a detached one) has its own guard (0034), and
    # TRUNCATE audit_event meets each partition's
    guarded += [(t, "audit_event_no_truncate") for t in names if t.startswith("audit_event_")]
    off = "".join(f"ALTER TABLE {t} DISABLE TRIGGER {g};" for t, g in guarded)
    on = ";".join(f"ALTER TABLE {t} ENABLE TRIGGER {g}" for t, g in guarded)
    if "audit_event" in names:
        off += _partition_guards("DISABLE")
        on += ";" + _partition_guards("ENABLE").rstrip(";")
    # as the owner: the app's sessions run as hearth_app (migration 0013), which may not
    return (
        f"BEGIN; SET LOCAL ROLE NONE;{off}TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE;"
        f"{on}; COMMIT"
    )


def deletion(tables: list[str] | tuple[str, ...]) -> str:
    """SQL that empties ``tables`` as ``truncation`` does, by DELETE with every trigger off for
    its transaction (``session_replication_role``: no foreign-key checks, no audit guards), and
    restarts their identities. A superuser's way: it takes milliseconds where TRUNCATE, which
    makes new files for every table and index, takes a few hundred per test."""
    names = list(dict.fromkeys(t.strip() for t in tables if t.strip()))
    forget_horizons()
    deletes = "".join(f"DELETE FROM {name};" for name in names)  # noqa: S608 (table names)
    restarts = (
        "SELECT setval(s.seqrelid::regclass, s.seqstart, false) FROM pg_sequence s"  # noqa: S608
        " JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid"
        f" AND d.deptype IN ('a', 'i') WHERE d.refobjid = ANY ('{{{','.join(names)}}}'::regclass[])"
    )
    return (
        "BEGIN; SET LOCAL ROLE NONE; SET LOCAL session_replication_role = replica;"
        f"{deletes}{restarts}; COMMIT"
    )
