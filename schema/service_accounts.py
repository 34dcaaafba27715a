"""Service accounts: the System Administrator's machine clients for /oauth/token."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from authz.resources import Action, Resource
from models import enums
from models import governance as gov
from models import service_accounts as account_models
from models import users as user_models
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import optional_id, parse_id
from schema.loaders import by_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from schema.types import Can as CanType
from schema.types import User
from services import service_accounts as service
from services.pagination import paginate

__all__ = ["ServiceAccountMutation", "ServiceAccountQuery"]

# GraphQL enums are the models' enums (annotations name the Python enum); described_enum
# registers each with its description and returns the class itself.
ServiceRole = enums.ServiceRole
described_enum(
    ServiceRole,
    description="What a service account does: VENDOR_SYNC (the HMIS vendor's user sync and LMS "
    "feed, system-wide) or CAN_REPORTING (a CAN backbone agency's read-only reporting in its CAN).",
    values={
        "VENDOR_SYNC": "The HMIS vendor's user sync and LMS feed, system-wide.",
        "CAN_REPORTING": "A CAN backbone agency's read-only reporting in its CAN.",
    },
)


@strawberry.type(description="A machine client (never a person) that signs in at /oauth/token.")
class ServiceAccount:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    name: str = strawberry.field(description="Which integration this is (unique).")
    role: ServiceRole = strawberry.field(description="What it may do.")
    client_id: str = strawberry.field(description="OAuth2 client id for /oauth/token.")
    created_at: datetime.datetime = strawberry.field(description="When created.")
    secret_rotated_at: datetime.datetime = strawberry.field(
        description="When the current secret was issued."
    )
    last_used_at: datetime.datetime | None = strawberry.field(
        description="When it last obtained a token."
    )
    revoked_at: datetime.datetime | None = strawberry.field(
        description="When revoked; its tokens stopped working then."
    )
    revoke_reason: str | None = strawberry.field(description="Why it was revoked.")

    @strawberry.field(description="True until revoked.")
    def active(self) -> bool:
        return self.revoked_at is None

    @strawberry.field(
        name="coordinatedAccessNetwork",
        description="The CAN a CAN_REPORTING account reports on; null for system-wide roles.",
        graphql_type=CanType | None,
    )
    async def can(
        self, info: ResolverInfo, row: strawberry.Parent[account_models.ServiceAccount]
    ) -> gov.Can | None:
        can_id = row.can_id
        return await by_id(info.context, gov.Can).load(can_id) if can_id else None

    @strawberry.field(description="The System Administrator who created it.", graphql_type=User)
    async def created_by(
        self, info: ResolverInfo, row: strawberry.Parent[account_models.ServiceAccount]
    ) -> user_models.User | None:
        return await by_id(info.context, user_models.User).load(row.created_by_id)


@strawberry.type(description="A service account and its client secret, shown this once only.")
class ServiceAccountSecret:
    service_account: account_models.ServiceAccount = strawberry.field(
        description="The account.", graphql_type=ServiceAccount
    )
    client_id: str = strawberry.field(description="OAuth2 client id.")
    client_secret: str = strawberry.field(
        description="OAuth2 client secret. Shown once: Hearth keeps only a hash of it."
    )


@strawberry.input(description="A new service account.")
class CreateServiceAccountInput:
    name: str = strawberry.field(description="Which integration (3-100 characters, unique).")
    role: ServiceRole = strawberry.field(description="What it may do.")
    can_id: strawberry.ID | None = strawberry.field(
        default=None, description="The CAN, for CAN_REPORTING (and only then)."
    )


def _issued(issued: service.IssuedSecret) -> ServiceAccountSecret:
    return ServiceAccountSecret(
        service_account=issued.account,
        client_id=issued.account.client_id,
        client_secret=issued.client_secret,
    )


@strawberry.type
class ServiceAccountQuery:
    @query(
        Requires(Resource.SERVICE_ACCOUNT, Action.READ),
        description="Service accounts (active ones unless includeRevoked), pages of at most 100.",
    )
    async def service_accounts(
        self,
        info: ResolverInfo,
        first: First = 50,
        after: After = None,
        include_revoked: Annotated[
            bool, strawberry.argument(description="Include revoked accounts.")
        ] = False,
    ) -> Connection[ServiceAccount]:
        qs = service.visible_service_accounts(
            info.context.decisions, include_revoked=include_revoked
        )
        return to_connection(await paginate(qs, first=first, after=after))


@strawberry.type
class ServiceAccountMutation:
    @mutation(
        Requires(Resource.SERVICE_ACCOUNT, Action.CREATE),
        description="Create a service account for one integration (policy 109: never shared). "
        "Returns its client secret, once.",
    )
    async def create_service_account(
        self, info: ResolverInfo, input: CreateServiceAccountInput
    ) -> ServiceAccountSecret:
        ctx = info.context
        issued = await service.create_service_account(
            caller=ctx.caller,
            name=input.name,
            role=enums.ServiceRole(input.role),
            can_id=optional_id(input.can_id, "canId"),
        )
        return _issued(issued)

    @mutation(
        Requires(Resource.SERVICE_ACCOUNT, Action.MANAGE),
        description="Issue a new client secret, shown once; the old secret and every token "
        "issued under it stop working at once.",
    )
    async def rotate_service_account_secret(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The service account.")],
    ) -> ServiceAccountSecret:
        ctx = info.context
        issued = await service.rotate_secret(caller=ctx.caller, account_id=parse_id(id, "id"))
        return _issued(issued)

    @mutation(
        Requires(Resource.SERVICE_ACCOUNT, Action.MANAGE),
        description="Revoke a service account for good: its tokens stop working at once.",
        graphql_type=ServiceAccount,
    )
    async def revoke_service_account(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The service account.")],
        reason: Annotated[
            str, strawberry.argument(description="Why (kept in governanceLog).", metadata=MULTILINE)
        ],
    ) -> account_models.ServiceAccount:
        ctx = info.context
        return await service.revoke_service_account(
            caller=ctx.caller, account_id=parse_id(id, "id"), reason=reason
        )
