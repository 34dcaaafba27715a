"""Who names whom (policy 105: system-role grants that take two people) and the End User
Agreement (policy 401)."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from authz.resources import Action, Resource
from models import governance_rules as models
from models import users as user_models
from models.enums import PendingGrantStatus as PendingGrantStatusEnum
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import optional_id, parse_id
from schema.loaders import by_id
from schema.operations import mutation, query
from schema.permissions import Authenticated, Requires
from schema.relay import Connection, to_connection
from schema.types import SystemRole, User
from services import agreements
from services import role_grants as grants
from services.pagination import paginate

__all__ = [
    "AgreementStatus",
    "GovernanceRulesMutation",
    "GovernanceRulesQuery",
    "agreement_status",
]

PendingGrantStatus = PendingGrantStatusEnum
described_enum(
    PendingGrantStatus,
    description="PENDING: waiting for a second person. CONFIRMED: the role was granted. "
    "CANCELLED: withdrawn.",
    values={
        "PENDING": "Waiting for a second person.",
        "CONFIRMED": "Confirmed: the role was granted.",
        "CANCELLED": "Withdrawn.",
    },
)


@strawberry.type(
    description="A system role proposed by one person and granted only when a second confirms "
    "(policy 105: Lead Agency)."
)
class PendingSystemRoleGrant:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    role: SystemRole = strawberry.field(description="The role proposed.")
    status: PendingGrantStatus = strawberry.field(description="Where it stands.")
    reason: str = strawberry.field(description="Why, as the proposer gave it.")
    proposed_at: datetime.datetime = strawberry.field(description="When proposed.")
    decided_at: datetime.datetime | None = strawberry.field(
        description="When confirmed or withdrawn."
    )

    @strawberry.field(description="Who would hold the role.", graphql_type=User | None)
    async def user(
        self, info: ResolverInfo, row: strawberry.Parent[models.PendingRoleGrant]
    ) -> user_models.User | None:
        return await by_id(info.context, user_models.User).load(row.user_id)

    @strawberry.field(description="The proposer's user id.")
    def proposed_by_id(self, row: strawberry.Parent[models.PendingRoleGrant]) -> strawberry.ID:
        return strawberry.ID(str(row.proposed_by_id))

    @strawberry.field(description="Who confirmed or withdrew it.")
    def decided_by_id(
        self, row: strawberry.Parent[models.PendingRoleGrant]
    ) -> strawberry.ID | None:
        return strawberry.ID(str(row.decided_by_id)) if row.decided_by_id else None


@strawberry.type(description="A version of the Licensed End User Agreement (policy 401).")
class EndUserAgreement:
    version: str = strawberry.field(description="Its version, e.g. 2026-01.")
    title: str = strawberry.field(description="Its title.")
    published_at: datetime.datetime = strawberry.field(description="When it came into force.")


@strawberry.type(description="A user's signature of a version of the End User Agreement.")
class AgreementSignature:
    signed_on: datetime.date = strawberry.field(description="The date signed.")
    recorded_at: datetime.datetime = strawberry.field(description="When Hearth recorded it.")

    @strawberry.field(description="The version signed.", graphql_type=EndUserAgreement)
    async def agreement(
        self, info: ResolverInfo, row: strawberry.Parent[models.AgreementSignature]
    ) -> models.EndUserAgreement | None:
        return await by_id(info.context, models.EndUserAgreement).load(row.agreement_id)


@strawberry.type(description="Where you stand with the End User Agreement (policy 401).")
class AgreementStatus:
    signed: bool = strawberry.field(
        description="True when you signed the version in force (or none is published)."
    )
    current: models.EndUserAgreement | None = strawberry.field(
        description="The version in force; sign it with signEndUserAgreement.",
        graphql_type=EndUserAgreement | None,
    )
    signed_on: datetime.date | None = strawberry.field(
        description="When you signed the version in force."
    )


async def agreement_status(user_id: object) -> AgreementStatus:
    current = await agreements.current_agreement()
    if current is None:
        return AgreementStatus(signed=True, current=None, signed_on=None)
    signature = await agreements.signature_of(user_id, current)  # type: ignore[arg-type]
    return AgreementStatus(
        signed=signature is not None,
        current=current,
        signed_on=signature.signed_on if signature else None,
    )


@strawberry.input(description="A signature made in the LMS. Name the user by userId or externalId.")
class RecordAgreementSignatureInput:
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Hearth id.")
    external_id: str | None = strawberry.field(default=None, description="The vendor's id.")
    version: str = strawberry.field(description="The version signed.")
    signed_on: datetime.date = strawberry.field(description="Date signed; not in the future.")


@strawberry.input(description="The first half of a two-person system-role grant (policy 105).")
class ProposeSystemRoleGrantInput:
    user_id: strawberry.ID = strawberry.field(description="Who would hold the role.")
    role: SystemRole = strawberry.field(description="The role: LEAD_AGENCY.")
    reason: str = strawberry.field(description="Why (1-500 characters).", metadata=MULTILINE)


@strawberry.type
class GovernanceRulesQuery:
    @query(
        Requires(Resource.SYSTEM_ROLE, Action.ASSIGN, Action.NAME),
        description="System-role grants waiting for a second person (pages of at most 100): the Lead Agency and the System Administrator.",
    )
    async def pending_system_role_grants(
        self, info: ResolverInfo, first: First = 50, after: After = None
    ) -> Connection[PendingSystemRoleGrant]:
        qs = grants.pending_grants(info.context.caller)
        return to_connection(await paginate(qs, first=first, after=after))


@strawberry.type
class GovernanceRulesMutation:
    @mutation(
        Requires(Resource.SYSTEM_ROLE, Action.ASSIGN, Action.NAME),
        description="Propose granting LEAD_AGENCY (policy 105): nothing is granted until another "
        "authorised person (Lead Agency or System Administrator, not the grantee) confirms.",
        graphql_type=PendingSystemRoleGrant,
    )
    async def propose_system_role_grant(
        self, info: ResolverInfo, input: ProposeSystemRoleGrantInput
    ) -> models.PendingRoleGrant:
        return await grants.propose_grant(
            caller=info.context.caller,
            user_id=parse_id(input.user_id, "userId"),
            role=input.role,
            reason=input.reason,
        )

    @mutation(
        Requires(Resource.SYSTEM_ROLE, Action.ASSIGN, Action.NAME),
        description="Confirm a pending grant as the second person: the role is granted now. "
        "FORBIDDEN for its proposer and its grantee.",
        graphql_type=PendingSystemRoleGrant,
    )
    async def confirm_system_role_grant(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The pending grant.")],
    ) -> models.PendingRoleGrant:
        return await grants.confirm_grant(caller=info.context.caller, grant_id=parse_id(id, "id"))

    @mutation(
        Requires(Resource.SYSTEM_ROLE, Action.ASSIGN, Action.NAME),
        description="Withdraw a pending grant.",
        graphql_type=PendingSystemRoleGrant,
    )
    async def withdraw_system_role_grant(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The pending grant.")],
        reason: Annotated[
            str, strawberry.argument(description="Why (1-500 characters).", metadata=MULTILINE)
        ],
    ) -> models.PendingRoleGrant:
        return await grants.withdraw_grant(
            caller=info.context.caller, grant_id=parse_id(id, "id"), reason=reason
        )

    @mutation(
        Authenticated(),
        description="Sign the End User Agreement in force (policy 401), after completing the "
        "required training; until then every other operation is FORBIDDEN.",
        graphql_type=AgreementSignature,
    )
    async def sign_end_user_agreement(
        self,
        info: ResolverInfo,
        version: Annotated[
            str, strawberry.argument(description="The version you read (me.endUserAgreement).")
        ],
    ) -> models.AgreementSignature:
        return await agreements.sign_agreement(caller=info.context.caller, version=version)

    @mutation(
        Requires(Resource.TRAINING, Action.RECORD),
        description="Record a signature of the End User Agreement made in the LMS (the LMS feed). "
        "Idempotent per user and version.",
        graphql_type=AgreementSignature,
    )
    async def record_end_user_agreement_signature(
        self, info: ResolverInfo, input: RecordAgreementSignatureInput
    ) -> models.AgreementSignature:
        return await agreements.record_signature(
            caller=info.context.caller,
            user_id=optional_id(input.user_id, "userId"),
            external_id=input.external_id,
            version=input.version,
            signed_on=input.signed_on,
        )

    @mutation(
        Requires(Resource.TRAINING, Action.MANAGE),
        description="Publish a new version of the End User Agreement; it is in force at once and "
        "every user signs it before their next operation.",
        graphql_type=EndUserAgreement,
    )
    async def publish_end_user_agreement(
        self,
        info: ResolverInfo,
        version: Annotated[str, strawberry.argument(description="Its version (unique).")],
        title: Annotated[str, strawberry.argument(description="Its title.")],
    ) -> models.EndUserAgreement:
        return await agreements.publish_agreement(
            caller=info.context.caller, version=version, title=title
        )
