"""The HMIS vendor's user sync: idempotent by external id, a batch in a constant number of statements.

A batch is applied as if its items were sent one by one, in order (an item sees what the items
before it did), but in one transaction of seven statements whatever its size: the advisory locks of
every contact point, external id and username of the batch (policy 109:
``services.users.lock_keys``; ``check_unique`` takes the contact points' too), the stored users
with the batch's external ids (locked), every user that could clash with a username or contact
point of the batch, then one INSERT of the new users, one UPDATE of the changed ones, one
UPDATE of the sessions of the deactivated ones and one INSERT into the governance log (which
fields changed and the status, never the values). The clash checks run in Python over what was
read; the locks, taken before the reads, keep another writer from taking a contact point, an
external id or a username meanwhile, so two syncs of the same user at once return the same user.
A unique violation (a writer that takes no such lock took a username after the read) rolls the
batch back and the items go one by one, each in its own transaction, exactly as a batch of one.
Each item's text is checked here, not by the schema, so that a bad item fails alone.
docs/decisions.md 81, 95 and 182-184."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise import timezone
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from authz.enforcer import notify_change
from authz.resources import Action, Resource
from models.enums import DeactivationReason, UserStatus
from models.names import camel
from models.sessions import Session
from models.users import User
from services import governance_log
from services.caller import Caller
from services.contacts import normalize_mfa_contact, valid_email
from services.errors import Forbidden, ValidationFailed
from services.users import contact_refusal, lock_keys
from services.values import check_text, max_length

__all__ = ["SyncResult", "UserData", "sync_user", "sync_users"]

_USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")
# Policy 107: the HDC notifies the System Administrator (through the vendor) when a user leaves
# or no longer needs access; that is all the vendor's INACTIVE says.
_VENDOR_DEACTIVATION = "deactivated by the vendor sync: left the agency (policy 107)"
_VENDOR_CODE = DeactivationReason.LEFT_AGENCY
# Columns as the vendor names them in SyncUserInput (normalised forms count as their field).
_PUBLIC_NAMES = {
    "external_id": "externalId",
    "username": "username",
    "email": "email",
    "email_normalized": "email",
    "mfa_contact": "mfaContact",
    "mfa_contact_normalized": "mfaContact",
    "first_name": "firstName",
    "last_name": "lastName",
    "status": "status",
    "deactivated_at": "status",
    "deactivation_reason": "status",
    "deactivation_code": "status",
}
# What a sync writes, in the order of the INSERT's and UPDATE's arrays.
_COLUMNS = (
    ("id", "uuid"),
    ("external_id", "text"),
    ("username", "text"),
    ("email", "text"),
    ("email_normalized", "text"),
    ("mfa_contact", "text"),
    ("mfa_contact_normalized", "text"),
    ("first_name", "text"),
    ("last_name", "text"),
    ("status", "text"),
    ("deactivated_at", "timestamptz"),
    ("deactivation_reason", "text"),
    ("deactivation_code", "text"),
    ("updated_at", "timestamptz"),
)
_ARRAYS = ", ".join(f"${n}::{kind}[]" for n, (_, kind) in enumerate(_COLUMNS, start=1))
_NAMES = ", ".join(name for name, _ in _COLUMNS)
_INSERT_SQL = (
    f"INSERT INTO hearth_user ({_NAMES}, created_at) "  # noqa: S608 (constant names)
    f"SELECT *, u.updated_at FROM unnest({_ARRAYS}) AS u({_NAMES}) RETURNING id, updated_at"
)
_UPDATE_SQL = (
    "UPDATE hearth_user SET "  # noqa: S608 (constant names)
    + ", ".join(f"{name} = u.{name}" for name, _ in _COLUMNS[1:])
    + f" FROM unnest({_ARRAYS}) AS u({_NAMES}) WHERE hearth_user.id = u.id"
    + " RETURNING hearth_user.id, hearth_user.updated_at"
)

# Every user holding a username or contact point of the batch: one index probe per column, so
# that the plan stays an index lookup whatever the table's size and statistics (an OR of the
# three made PostgreSQL scan the table once its estimates were stale: decision 183).
_CLASHING_SQL = (
    "SELECT id, username, email_normalized, mfa_contact_normalized FROM hearth_user"
    " WHERE username = ANY($1::text[])"
    " UNION SELECT id, username, email_normalized, mfa_contact_normalized FROM hearth_user"
    " WHERE email_normalized = ANY($2::text[])"
    " UNION SELECT id, username, email_normalized, mfa_contact_normalized FROM hearth_user"
    " WHERE mfa_contact_normalized = ANY($2::text[])"
)


@dataclass(frozen=True, slots=True)
class UserData:
    """A user as the HMIS vendor describes it. The schema leaves every field optional so that an
    item missing one fails alone; ``_clean`` refuses a missing external id, username or e-mail."""

    external_id: str | None
    username: str | None
    email: str | None
    mfa_contact: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    status: UserStatus = UserStatus.ACTIVE


@dataclass(slots=True, kw_only=True)
class _Draft:
    """A user the batch creates, as the batch has left it so far: the columns it writes, without
    a model instance (building one costs more than the rest of the item's work). The result
    builds the model when asked for it (decision 184)."""

    id: UUID
    external_id: str
    username: str
    email: str
    email_normalized: str
    mfa_contact: str | None
    mfa_contact_normalized: str | None
    first_name: str | None
    last_name: str | None
    status: UserStatus
    deactivated_at: datetime | None
    deactivation_reason: str | None
    deactivation_code: DeactivationReason | None
    created_at: datetime
    updated_at: datetime

    def model(self) -> User:
        user = User(**{name: getattr(self, name) for name in _DRAFT_FIELDS})
        user._saved_in_db = True
        return user


_DRAFT_FIELDS = tuple(field.name for field in dataclasses.fields(_Draft))


class SyncResult:
    """One item's user (built on first use when the batch created it), whether the item created
    it and which fields it changed."""

    __slots__ = ("_user", "changed_fields", "created")

    def __init__(self, user: User | _Draft, created: bool, changed_fields: tuple[str, ...]):
        self._user = user
        self.created = created
        self.changed_fields = changed_fields

    @property
    def user(self) -> User:
        if isinstance(self._user, _Draft):
            self._user = self._user.model()
        return self._user

    def __repr__(self) -> str:
        return f"SyncResult(created={self.created}, changed_fields={self.changed_fields})"


Outcome = SyncResult | ValidationFailed


def _required(value: str | None, field: str) -> str:
    if value is None:
        raise ValidationFailed(f"{field} is required.", field=field)
    return value


def _text(value: str, column: str, field: str, *, least: int = 0) -> str:
    """Trimmed single-line text of ``least`` to as many characters as the column holds. The
    schema leaves a batch's items to this check, so that one bad item fails alone."""
    value = check_text(value, field).strip()
    limit = max_length(User, column)
    if not least <= len(value) <= limit:
        span = f"{least} to {limit}" if least else f"at most {limit}"
        raise ValidationFailed(f"{field} must be {span} characters.", field=field)
    return value


def _clean(data: UserData) -> dict[str, Any]:
    external_id = _text(
        _required(data.external_id, "externalId"), "external_id", "externalId", least=1
    )
    username = _text(_required(data.username, "username"), "username", "username", least=3)
    username = username.casefold()
    if not set(username) <= _USERNAME_CHARS:
        limit = max_length(User, "username")
        raise ValidationFailed(
            f"username must be 3 to {limit} letters, digits or . _ - @.", field="username"
        )
    names = {
        column: _text(value, column, camel(column)) if value is not None else None
        for column, value in (("first_name", data.first_name), ("last_name", data.last_name))
    }
    email = valid_email(check_text(_required(data.email, "email"), "email"), remember=True)
    mfa = check_text(data.mfa_contact, "mfaContact").strip() if data.mfa_contact else None
    if mfa and "@" in mfa:
        mfa = valid_email(mfa, field="mfaContact", remember=True)  # stored as the e-mail is
        mfa_normalized: str | None = mfa.casefold()  # normalize_mfa_contact's, checked once
    else:
        mfa_normalized = normalize_mfa_contact(mfa) if mfa else None
    return {
        "external_id": external_id,
        "username": username,
        "email": email,
        "email_normalized": email.casefold(),
        "mfa_contact": mfa,
        "mfa_contact_normalized": mfa_normalized,
        **names,
    }


def _points(values: dict[str, Any]) -> set[str]:
    return {values["email_normalized"], values["mfa_contact_normalized"]} - {None}


class _Holders:
    """Who holds each username and contact point, as the batch has left them so far."""

    def __init__(self) -> None:
        self.held: dict[UUID, tuple[str, set[str]]] = {}
        self.by_name: dict[str, set[UUID]] = defaultdict(set)
        self.by_point: dict[str, set[UUID]] = defaultdict(set)

    def hold(self, user_id: UUID, username: str, email: str | None, mfa: str | None) -> None:
        if user_id in self.held:
            old_name, old_points = self.held[user_id]
            self.by_name[old_name].discard(user_id)
            for point in old_points:
                self.by_point[point].discard(user_id)
        points = {point for point in (email, mfa) if point is not None}
        self.held[user_id] = (username, points)
        self.by_name[username].add(user_id)
        for point in points:
            self.by_point[point].add(user_id)

    def clash(self, values: dict[str, Any], user_id: UUID | None) -> ValidationFailed | None:
        """Policy 109: no shared user names, e-mail addresses or MFA contacts (an MFA contact that
        is another user's e-mail address is shared too). Same checks and messages as
        ``services.users.check_unique``."""
        others = {user_id}
        if self.by_name.get(values["username"], set()) - others:
            return contact_refusal("username")
        if self.by_point.get(values["email_normalized"], set()) - others:
            return contact_refusal("email")
        mfa = values["mfa_contact_normalized"]
        if mfa is not None and self.by_point.get(mfa, set()) - others:
            return contact_refusal("mfaContact")
        return None


def _clash_field(error: IntegrityError) -> str:
    """The input field behind a unique violation a concurrent writer caused."""
    constraint = str(getattr(error.__cause__, "constraint_name", "") or error)
    for column, field in (
        ("username", "username"),
        ("mfa_contact", "mfaContact"),
        ("external_id", "externalId"),
    ):
        if column in constraint:
            return field
    return "email"


def _arrays(users: Sequence[User | _Draft]) -> list[list[Any]]:
    columns: list[list[Any]] = []
    for name, _ in _COLUMNS:
        values = [getattr(u, name) for u in users]
        if name == "status":
            values = [UserStatus(v).value for v in values]
        elif name == "deactivation_code":
            values = [DeactivationReason(v).value if v else None for v in values]
        columns.append(values)
    return columns


class _Batch:
    """One transaction's worth of items: read, decided in Python, written in three statements."""

    def __init__(
        self,
        items: Sequence[UserData],
        cleaned: Sequence[dict[str, Any] | ValidationFailed],
        now: datetime,
        caller: Caller,
    ):
        self.items, self.cleaned, self.now, self.caller = items, cleaned, now, caller
        self.log: list[governance_log.Entry] = []
        self.stamp = timezone.now()  # what Tortoise's auto_now would write
        self.holders = _Holders()
        self.by_external: dict[str | None, User | _Draft] = {}
        self.new: dict[UUID, _Draft] = {}
        self.changed: dict[UUID, User] = {}
        self.revoked: set[UUID] = set()
        self.returned: set[int] = set()  # ids of instances already handed out in a result

    async def run(self) -> list[Outcome]:
        valid = [values for values in self.cleaned if isinstance(values, dict)]
        if not valid:
            return [values for values in self.cleaned if isinstance(values, ValidationFailed)]
        async with in_transaction() as connection:
            await self._read(connection, valid)
            outcomes = [
                values if isinstance(values, ValidationFailed) else self._apply(item, values)
                for item, values in zip(self.items, self.cleaned, strict=True)
            ]
            await self._write(connection)
        for outcome in outcomes:
            if isinstance(outcome, SyncResult) and isinstance(outcome._user, User):
                outcome._user._saved_in_db = True
        return outcomes

    async def _read(self, connection: Any, valid: list[dict[str, Any]]) -> None:
        external_ids = sorted({v["external_id"] for v in valid})
        points = sorted(set().union(*(_points(v) for v in valid)))
        names = sorted({v["username"] for v in valid})
        # Locked before anything is read: a concurrent sync of the same external id (or
        # username) waits here until the first commits, then reads the user it made.
        await lock_keys(
            [
                *(f"contact:{point}" for point in points),
                *(f"external:{external_id}" for external_id in external_ids),
                *(f"username:{name}" for name in names),
            ],
            connection,
        )
        stored = (
            await User.filter(external_id__in=external_ids)
            .order_by("id")
            .select_for_update()
            .using_db(connection)
        )
        clashing = await connection.execute_query_dict(_CLASHING_SQL, [names, points])
        for row in clashing:
            self.holders.hold(
                row["id"], row["username"], row["email_normalized"], row["mfa_contact_normalized"]
            )
        for user in stored:
            self.by_external[user.external_id] = user
            self.holders.hold(
                user.id, user.username, user.email_normalized, user.mfa_contact_normalized
            )

    def _apply(self, item: UserData, values: dict[str, Any]) -> Outcome:
        user = self.by_external.get(values["external_id"])
        refused = self.holders.clash(values, user.id if user else None)
        if refused is not None:
            return refused
        if user is None:
            return self._create(item, values)
        if id(user) in self.returned:  # an earlier item's result keeps the state it left
            user = self.by_external[values["external_id"]] = copy.copy(user)
        columns = [k for k, v in values.items() if getattr(user, k) != v]
        for key in columns:
            setattr(user, key, values[key])
        if columns:
            # which fields changed, never their values (names and contacts stay out of the log)
            self.log.append(
                governance_log.Entry(
                    "user.sync_update",
                    "User",
                    user.id,
                    after={"changed": sorted({_PUBLIC_NAMES[c] for c in columns})},
                )
            )
        if user.status != item.status:
            columns += ["status", "deactivated_at", "deactivation_reason", "deactivation_code"]
            inactive = item.status == UserStatus.INACTIVE
            self.log.append(
                governance_log.Entry(
                    "user.deactivate" if inactive else "user.reactivate",
                    "User",
                    user.id,
                    before={"status": user.status, "deactivationCode": user.deactivation_code},
                    after={
                        "status": item.status,
                        "deactivationCode": _VENDOR_CODE if inactive else None,
                    },
                    reason="The vendor sync (policy 107)." if inactive else None,
                )
            )
            user.status = item.status
            user.deactivated_at = self.now if inactive else None
            user.deactivation_reason = _VENDOR_DEACTIVATION if inactive else None
            user.deactivation_code = _VENDOR_CODE if inactive else None
            if inactive:
                self.revoked.add(user.id)
        if columns:
            user.updated_at = self.stamp
            if isinstance(user, _Draft):  # created by an earlier item of the batch
                self.new[user.id] = user
            else:
                self.changed[user.id] = user
        self.holders.hold(
            user.id, user.username, user.email_normalized, user.mfa_contact_normalized
        )
        self.returned.add(id(user))
        return SyncResult(
            user=user,
            created=False,
            changed_fields=tuple(dict.fromkeys(_PUBLIC_NAMES[c] for c in columns)),
        )

    def _create(self, item: UserData, values: dict[str, Any]) -> SyncResult:
        inactive = item.status == UserStatus.INACTIVE
        user = _Draft(
            id=uuid.uuid4(),
            **values,
            status=item.status,
            deactivated_at=self.now if inactive else None,
            deactivation_reason=_VENDOR_DEACTIVATION if inactive else None,
            deactivation_code=_VENDOR_CODE if inactive else None,
            created_at=self.stamp,
            updated_at=self.stamp,
        )
        self.by_external[user.external_id] = self.new[user.id] = user
        self.log.append(
            governance_log.Entry("user.sync_create", "User", user.id, after={"status": item.status})
        )
        self.holders.hold(
            user.id, user.username, user.email_normalized, user.mfa_contact_normalized
        )
        self.returned.add(id(user))
        return SyncResult(user=user, created=True, changed_fields=())

    async def _write(self, connection: Any) -> None:
        # The database stamps updated_at (migration 0021: the users list's asOf), so the
        # results take the stamps it wrote.
        for sql, users in ((_INSERT_SQL, self.new), (_UPDATE_SQL, self.changed)):
            if users:
                for row in await connection.execute_query_dict(sql, _arrays(list(users.values()))):
                    users[row["id"]].updated_at = row["updated_at"]
        if self.revoked:
            await (
                Session.filter(user_id__in=sorted(self.revoked), revoked_at__isnull=True)
                .using_db(connection)
                .update(revoked_at=self.now, revoke_reason="user deactivated")
            )
        await governance_log.record_many(
            self.caller.principal, self.log, now=self.now, connection=connection
        )


def _cleaned(items: Sequence[UserData]) -> list[dict[str, Any] | ValidationFailed]:
    cleaned: list[dict[str, Any] | ValidationFailed] = []
    for item in items:
        try:
            cleaned.append(_clean(item))
        except ValidationFailed as error:
            cleaned.append(error)
    return cleaned


async def sync_users(
    *,
    caller: Caller,
    items: Sequence[UserData],
) -> list[Outcome]:
    """Create or update each user by external id, in order; each item succeeds or fails alone
    (its outcome is the user or the ValidationFailed that refused it). The same input twice
    changes nothing."""
    decisions = caller.decisions
    now = caller.now
    if not decisions.system_wide(Resource.USER, Action.SYNC):
        raise Forbidden("Only the HMIS vendor or the System Administrator syncs users.")
    cleaned = _cleaned(items)
    try:
        outcomes = await _Batch(items, cleaned, now, caller).run()
    except IntegrityError:
        # Another writer took a username or external id between the read and the write: the
        # items go one by one, each alone as a batch of one.
        outcomes = []
        for item, values in zip(items, cleaned, strict=True):
            try:
                outcomes += await _Batch([item], [values], now, caller).run()
            except IntegrityError as error:
                outcomes.append(
                    ValidationFailed(
                        "The username, e-mail address or MFA contact belongs to another user (policy 109).",
                        field=_clash_field(error),
                    )
                )
    changed = {name for o in outcomes if isinstance(o, SyncResult) for name in o.changed_fields}
    if "status" in changed:
        await notify_change()
    if {"email", "mfaContact"} & changed:
        # Policies 109, 202: a case about a shared contact closes once the contact is unique.
        from services.compliance import resolve_unshared_contacts

        await resolve_unshared_contacts(now=now)
    return outcomes


async def sync_user(*, caller: Caller, data: UserData) -> SyncResult:
    """Create or update the user with this external id; the same input twice changes nothing."""
    (outcome,) = await sync_users(caller=caller, items=[data])
    if isinstance(outcome, ValidationFailed):
        raise outcome
    return outcome
