"""Users: listing, the HMIS vendor's sync, deactivation, invitations and system roles."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Annotated

import strawberry

from authz import visibility
from authz.resources import Action, Resource
from models import users as user_models
from models.enums import UserStatus as UserStatusEnum
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.errors import FieldError, error_payload
from schema.input_checks import MULTILINE
from schema.inputs import flat_input, one, optional_id, parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from schema.types import DeactivationReason, SystemRole, User, UserStatus
from services import user_pages
from services import user_sync as sync
from services import users as service
from services.errors import ValidationFailed
from services.values import bounded

__all__ = ["UserMutation", "UserQuery"]


@strawberry.input(description="Which users to list; all filters are optional and combine.")
class UserFilter:
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Members of this agency."
    )
    status: UserStatus | None = strawberry.field(default=None, description="Only this status.")
    external_id: str | None = strawberry.field(default=None, description="The vendor's id.")
    updated_since: datetime.datetime | None = strawberry.field(
        default=None,
        description="Changed at or after this time: pass the asOf of your last complete walk "
        "(incremental sync; see UserConnection.asOf).",
    )


@flat_input
@strawberry.input(
    description="A user as the HMIS vendor holds it. Keyed by externalId. externalId, username and "
    "email are required, but checked item by item: in syncUsers an item without one fails alone "
    "(its result's error names the field, code VALIDATION) while the other items apply."
)
class SyncUserInput:
    external_id: str | None = strawberry.field(
        default=None, description="Required: the vendor's stable id for the user."
    )
    username: str | None = strawberry.field(
        default=None,
        description="Required: sign-in name, 3-64 of a-z 0-9 . _ - @ (stored lower case).",
    )
    email: str | None = strawberry.field(
        default=None, description="Required: e-mail; no two users may share one (policy 109)."
    )
    mfa_contact: str | None = strawberry.field(
        default=None,
        description="Phone or e-mail for MFA; no two users may share one (policy 202).",
    )
    first_name: str | None = strawberry.field(default=None, description="First name.")
    last_name: str | None = strawberry.field(default=None, description="Last name.")
    status: UserStatus = strawberry.field(
        default=UserStatusEnum.ACTIVE, description="ACTIVE or INACTIVE."
    )


@strawberry.type(description="What syncUser did.")
class SyncUserPayload:
    user: user_models.User = strawberry.field(
        description="The user as stored now.", graphql_type=User
    )
    created: bool = strawberry.field(description="True when this call created the user.")
    changed_fields: list[str] = strawberry.field(
        description="Fields this call changed (empty: nothing)."
    )


@strawberry.type(
    description="A page of users in (updatedAt, id) order: least recently changed first, so a "
    "sync job can walk every page with `after: pageInfo.endCursor` while users change."
)
class UserConnection(Connection[User]):
    as_of: datetime.datetime = strawberry.field(
        description="The walk's high-water mark: keep it and pass it as the next walk's "
        "filter.updatedSince. Every change not visible to this walk is stamped at or after it, "
        "so a job that walks every page and then asks again from asOf misses no change (some "
        "users may come twice). Read when the walk's first page (no `after`) is asked for; "
        "every later page of the walk answers the same time. It is the database's clock, as "
        "updatedAt is: compare it with updatedAt values, not with your own clock."
    )


def _result_user(root: SyncUserResult) -> user_models.User | None:
    """Built when asked for: a batch's model instances cost more than the rest of its work."""
    return root.outcome.user if root.outcome is not None else None


@strawberry.type(description="One item of a syncUsers batch: the user, or why it failed.")
class SyncUserResult:
    index: int = strawberry.field(
        description="The item's position in the batch (0 is the first), to match the input."
    )
    external_id: str | None = strawberry.field(
        description="The item's externalId as sent (null when the item had none)."
    )
    user: user_models.User | None = strawberry.field(
        description="The user, when the item succeeded.",
        graphql_type=User | None,
        resolver=_result_user,
    )
    created: bool = strawberry.field(description="True when this item created the user.")
    changed_fields: list[str] = strawberry.field(description="Fields this item changed.")
    error: FieldError | None = strawberry.field(
        description="Why the item failed; other items are unaffected."
    )
    outcome: strawberry.Private[sync.SyncResult | None]


@strawberry.input(description="Deactivate a user, named by externalId or userId (exactly one).")
class DeactivateUserInput:
    external_id: str | None = strawberry.field(default=None, description="The vendor's id.")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Hearth id.")
    reason_code: DeactivationReason = strawberry.field(
        description="Why, as a code: LEFT_AGENCY, ACCESS_NO_LONGER_NEEDED (policy 107) or "
        "CREDENTIALS_COMPROMISED (109). MISUSE is FORBIDDEN here: it follows policy 212's "
        "escalation (deactivateForMisuse); the compliance codes are VALIDATION."
    )
    reason: str | None = strawberry.field(
        default=None,
        description="Why, in words (kept with the account; default: the code's words).",
        metadata=MULTILINE,
    )


@strawberry.type(description="A one-time enrolment invitation; deliver the token to the user only.")
class Invitation:
    token: str = strawberry.field(
        description="Shown once. The user redeems it with acceptInvitation."
    )
    expires_at: datetime.datetime = strawberry.field(description="When it stops working.")


def _data(item: SyncUserInput) -> sync.UserData:
    return sync.UserData(
        external_id=item.external_id,
        username=item.username,
        email=item.email,
        mfa_contact=item.mfa_contact,
        first_name=item.first_name,
        last_name=item.last_name,
        status=item.status,
    )


def _result(
    index: int, item: SyncUserInput, outcome: sync.SyncResult | ValidationFailed
) -> SyncUserResult:
    if isinstance(outcome, ValidationFailed):
        return SyncUserResult(
            index=index,
            external_id=item.external_id,
            outcome=None,
            created=False,
            changed_fields=[],
            error=error_payload(outcome),
        )
    return SyncUserResult(
        index=index,
        external_id=item.external_id,
        outcome=outcome,
        created=outcome.created,
        changed_fields=list(outcome.changed_fields),
        error=None,
    )


@strawberry.type
class UserQuery:
    @query(
        Requires(Resource.USER, Action.READ),
        description="Users you may see (pages of at most 100), least recently changed first "
        "(updatedAt, then id), with the asOf time an incremental sync keeps as its next "
        "filter.updatedSince (docs/service-accounts.md).",
    )
    async def users(
        self,
        info: ResolverInfo,
        first: First = 50,
        after: After = None,
        filter: Annotated[
            UserFilter | None,
            strawberry.argument(description="Narrow the list (status, agency, updatedSince)."),
        ] = None,
    ) -> UserConnection:
        # a source HMIS's user named by imported records is not an account (decision 142)
        qs = visibility.users(info.context.decisions).filter(source_system__isnull=True)
        since = None
        if filter is not None:
            if filter.agency_id is not None:
                qs = qs.filter(memberships__agency_id=parse_id(filter.agency_id, "agencyId"))
            if filter.status is not None:
                qs = qs.filter(status=filter.status)
            if filter.external_id is not None:
                external_id = bounded(
                    filter.external_id, user_models.User, "external_id", "filter.externalId"
                )
                qs = qs.filter(external_id=external_id)
            since = filter.updated_since
        page = await user_pages.users_page(qs, first=first, after=after, updated_since=since)
        plain = to_connection(page)
        fields = {f.name: getattr(plain, f.name) for f in dataclasses.fields(plain) if f.init}
        return UserConnection(**fields, as_of=page.as_of)

    @query(
        Requires(Resource.USER, Action.READ),
        description="One user; NOT_FOUND if you may not see them.",
        graphql_type=User,
    )
    async def user(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The user's id.")],
    ) -> user_models.User:
        return await one(visibility.users(info.context.decisions), id, "user")


@strawberry.type
class UserMutation:
    @mutation(
        Requires(Resource.USER, Action.SYNC),
        description="Create or update the user with this externalId. Idempotent: the same input "
        "twice changes nothing. A shared e-mail or MFA contact is refused (VALIDATION, policy 109).",
    )
    async def sync_user(self, info: ResolverInfo, input: SyncUserInput) -> SyncUserPayload:
        ctx = info.context
        result = await sync.sync_user(caller=ctx.caller, data=_data(input))
        return SyncUserPayload(
            user=result.user, created=result.created, changed_fields=list(result.changed_fields)
        )

    @mutation(
        Requires(Resource.USER, Action.SYNC),
        description="syncUser for up to 100 users; each item succeeds or fails alone, in order.",
        batch=True,
    )
    async def sync_users(
        self, info: ResolverInfo, input: list[SyncUserInput]
    ) -> list[SyncUserResult]:
        ctx = info.context
        if len(input) > ctx.max_batch_size:
            raise ValidationFailed(f"At most {ctx.max_batch_size} users per batch.", field="input")
        outcomes = await sync.sync_users(caller=ctx.caller, items=[_data(item) for item in input])
        return [
            _result(index, item, outcome)
            for index, (item, outcome) in enumerate(zip(input, outcomes, strict=True))
        ]

    @mutation(
        Requires(Resource.USER, Action.DEACTIVATE),
        description="Deactivate a user and end their sessions, with a reason code (policies 107, "
        "212); logged in governanceLog.",
        graphql_type=User,
    )
    async def deactivate_user(
        self, info: ResolverInfo, input: DeactivateUserInput
    ) -> user_models.User:
        ctx = info.context
        user_id = optional_id(input.user_id, "userId")
        return await service.deactivate_user(
            caller=ctx.caller,
            user_id=user_id,
            external_id=input.external_id,
            code=input.reason_code,
            reason=input.reason,
        )

    @mutation(
        Requires(Resource.USER, Action.INVITE),
        description="Issue a one-time invitation to set a password and enrol an authenticator.",
    )
    async def invite_user(
        self,
        info: ResolverInfo,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="The user to invite.")],
    ) -> Invitation:
        ctx = info.context
        token = await service.invite_user(
            caller=ctx.caller,
            user_id=parse_id(user_id, "userId"),
            policy=ctx.auth_policy,
        )
        return Invitation(token=token, expires_at=ctx.now + ctx.auth_policy.invite_ttl)

    @mutation(
        Requires(Resource.SYSTEM_ROLE, Action.ASSIGN, Action.NAME),
        description="Grant a system-wide role (policy 105): the Lead Agency names the Security "
        "Officer and the System Administrator, the System Administrator the other roles; LEAD_AGENCY "
        "needs a second person (proposeSystemRoleGrant, then confirmSystemRoleGrant); nobody "
        "grants their own. Logged in governanceLog.",
        graphql_type=User,
    )
    async def grant_system_role(
        self,
        info: ResolverInfo,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="Who gets the role.")],
        role: Annotated[SystemRole, strawberry.argument(description="The role.")],
        reason: Annotated[
            str | None, strawberry.argument(description="Why (kept in governanceLog).")
        ] = None,
    ) -> user_models.User:
        return await service.grant_system_role(
            caller=info.context.caller,
            user_id=parse_id(user_id, "userId"),
            role=role,
            reason=reason,
        )

    @mutation(
        Requires(Resource.SYSTEM_ROLE, Action.ASSIGN, Action.NAME),
        description="Revoke a system-wide role (policy 105): the Lead Agency names the Security "
        "Officer and the System Administrator, the System Administrator the other roles; LEAD_AGENCY "
        "is revoked by the Lead Agency or the System Administrator; nobody revokes their own. "
        "Logged in governanceLog.",
        graphql_type=User,
    )
    async def revoke_system_role(
        self,
        info: ResolverInfo,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="Whose role ends.")],
        role: Annotated[SystemRole, strawberry.argument(description="The role.")],
        reason: Annotated[
            str | None, strawberry.argument(description="Why (kept in governanceLog).")
        ] = None,
    ) -> user_models.User:
        return await service.revoke_system_role(
            caller=info.context.caller,
            user_id=parse_id(user_id, "userId"),
            role=role,
            reason=reason,
        )
