"""Sign-in (two steps), sessions, re-authentication (policy 202), enrolment, and ``me``."""

from __future__ import annotations

import datetime
import enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import compliance as compliance_models
from models.service_accounts import ServiceAccount as ServiceAccountModel
from models.training import TrainingCompletion as CompletionModel
from models.users import User as UserModel
from schema.compliance import ComplianceCase, open_cases_of
from schema.context import ResolverInfo
from schema.governance_rules import AgreementStatus, agreement_status
from schema.operations import mutation, query
from schema.permissions import Authenticated, Public
from schema.service_accounts import ServiceRole
from schema.types import TrainingCompletion, User
from services import agreements
from services import auth as auth_service

if TYPE_CHECKING:
    from api.identity.base import TokenPair  # what the identity provider answers

__all__ = ["AuthMutation", "AuthQuery"]


@strawberry.input(description="Step 1 of sign-in.")
class LoginInput:
    username: str = strawberry.field(description="Sign-in name.")
    password: str = strawberry.field(description="Password.")


@strawberry.type(
    description="Step 1 passed: prove the second factor with verifyMfa before expiresAt."
)
class LoginChallenge:
    challenge_token: str = strawberry.field(description="Pass to verifyMfa.")
    expires_at: datetime.datetime = strawberry.field(description="When the challenge lapses.")
    enrollment_required: bool = strawberry.field(
        description="True when the authenticator is new: the first valid code confirms it."
    )


@strawberry.input(description="Step 2 of sign-in.")
class VerifyMfaInput:
    challenge_token: str = strawberry.field(description="From login or acceptInvitation.")
    code: str = strawberry.field(description="The 6-digit TOTP code. Each code works once.")


@strawberry.type(description="A signed-in session's tokens.")
class AuthTokens:
    access_token: str = strawberry.field(description="Send as 'Authorization: Bearer <token>'.")
    expires_at: datetime.datetime = strawberry.field(description="When the access token expires.")
    refresh_token: str = strawberry.field(
        description="Trade for new tokens with refreshSession; one use."
    )
    mfa_expires_at: datetime.datetime = strawberry.field(
        description=(
            "After this, operations answer MFA_REQUIRED until reauthenticateMfa (policy 202)."
        )
    )


@strawberry.input(description="Redeem an enrolment invitation.")
class AcceptInvitationInput:
    token: str = strawberry.field(description="The invitation token.")
    password: str = strawberry.field(
        description="New password: 12 to 128 characters, not a common one."
    )


@strawberry.type(
    description="A new authenticator. Add it to an authenticator app, then call verifyMfa."
)
class AuthenticatorEnrollment:
    totp_secret: str = strawberry.field(description="Base32 TOTP secret (shown once).")
    provisioning_uri: str = strawberry.field(description="otpauth:// URI for a QR code.")
    challenge_token: str = strawberry.field(description="Pass to verifyMfa with the first code.")


@strawberry.type(description="Your current session.")
class SessionInfo:
    auth_time: datetime.datetime | None = strawberry.field(description="When you signed in.")
    mfa_at: datetime.datetime | None = strawberry.field(
        description="When you last proved your second factor."
    )
    mfa_expires_at: datetime.datetime | None = strawberry.field(
        description="When policy 202 asks for it again."
    )


@strawberry.type(description="An agency you belong to but cannot act in now.")
class BlockedAgency:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    reason: str = strawberry.field(description="Why (e.g. no signed MOU, policy 101).")


@strawberry.type(description="Your training status (policy 110).")
class TrainingStatus:
    complete: bool = strawberry.field(description="True when no required course is missing.")
    missing_courses: list[str] = strawberry.field(
        description="Codes of required courses not completed."
    )
    completions: list[CompletionModel] = strawberry.field(
        description="Courses completed.", graphql_type=list[TrainingCompletion]
    )


@strawberry.enum(description="Who is signed in: a person or a machine client.")
class PrincipalKind(enum.Enum):
    USER = strawberry.enum_value("USER", description="A person's account (me.user).")
    SERVICE_ACCOUNT = strawberry.enum_value(
        "SERVICE_ACCOUNT",
        description="A service account signed in at /oauth/token (me.serviceAccount).",
    )


@strawberry.type(description="The service account signed in: who it is and what it may do.")
class ServiceAccountIdentity:
    id: strawberry.ID = strawberry.field(description="Hearth id of the service account.")
    name: str = strawberry.field(description="Which integration this is.")
    client_id: str = strawberry.field(description="Its OAuth2 client id.")
    role: ServiceRole = strawberry.field(description="What it may do.")
    coordinated_access_network_id: strawberry.ID | None = strawberry.field(
        description="The CAN a CAN_REPORTING account reports on; null for system-wide roles."
    )


@strawberry.type(
    description="Who is signed in (a user or a service account), what they hold, and what stands "
    "in their way. Exactly one of user and serviceAccount is set, as kind says."
)
class Me:
    kind: PrincipalKind = strawberry.field(description="USER or SERVICE_ACCOUNT.")
    user: UserModel | None = strawberry.field(
        description="Your account; null for a service account.", graphql_type=User | None
    )
    service_account: ServiceAccountIdentity | None = strawberry.field(
        description="The service account signed in; null for a user."
    )
    session: SessionInfo = strawberry.field(
        description="Your session (a service account's: when its token was issued, no MFA)."
    )
    training: TrainingStatus = strawberry.field(
        description="Your training status (a service account needs none: complete)."
    )
    blocked_agencies: list[BlockedAgency] = strawberry.field(
        description="Agencies you cannot act in now (none for a service account)."
    )
    compliance_cases: list[compliance_models.ComplianceCase] = strawberry.field(
        description="Your open compliance cases and their deadlines (policies 109, 202, 211); "
        "none for a service account.",
        graphql_type=list[ComplianceCase],
    )
    end_user_agreement: AgreementStatus = strawberry.field(
        description="The End User Agreement in force and whether you signed it (policy 401); a "
        "service account signs nothing: signed is true."
    )


@strawberry.type
class AuthQuery:
    @query(
        Authenticated(allow_expired_mfa=True),
        description="Who is signed in: a user (me.user) or a service account (me.serviceAccount).",
    )
    async def me(self, info: ResolverInfo) -> Me:
        ctx = info.context
        principal = ctx.require_principal(allow_expired_mfa=True)
        if principal.kind != "user":
            return await _service_me(principal.user_id, principal.auth_time)
        user = await UserModel.get(id=principal.user_id)
        completions = list(await CompletionModel.filter(user_id=user.id).order_by("completed_on"))
        mfa_at = principal.mfa_at
        return Me(
            kind=PrincipalKind.USER,
            user=user,
            service_account=None,
            session=SessionInfo(
                auth_time=principal.auth_time,
                mfa_at=mfa_at,
                mfa_expires_at=mfa_at + ctx.identity.mfa_max_age if mfa_at else None,
            ),
            training=TrainingStatus(
                complete=not principal.missing_training,
                missing_courses=list(principal.missing_training),
                completions=completions,
            ),
            blocked_agencies=[
                BlockedAgency(agency_id=strawberry.ID(str(a)), reason=r)
                for a, r in principal.blocked_agencies.items()
            ],
            compliance_cases=await open_cases_of(user.id),
            end_user_agreement=await agreement_status(user.id),
        )


async def _service_me(account_id: object, issued: datetime.datetime | None) -> Me:
    account = await ServiceAccountModel.get(id=account_id)
    current = await agreements.current_agreement()
    return Me(
        kind=PrincipalKind.SERVICE_ACCOUNT,
        user=None,
        service_account=ServiceAccountIdentity(
            id=strawberry.ID(str(account.id)),
            name=account.name,
            client_id=account.client_id,
            role=account.role,
            coordinated_access_network_id=strawberry.ID(str(account.can_id))
            if account.can_id
            else None,
        ),
        session=SessionInfo(auth_time=issued, mfa_at=None, mfa_expires_at=None),
        training=TrainingStatus(complete=True, missing_courses=[], completions=[]),
        blocked_agencies=[],
        compliance_cases=[],
        end_user_agreement=AgreementStatus(signed=True, current=current, signed_on=None),
    )


def _tokens(pair: TokenPair) -> AuthTokens:
    return AuthTokens(
        access_token=pair.access_token,
        expires_at=pair.expires_at,
        refresh_token=pair.refresh_token,
        mfa_expires_at=pair.mfa_expires_at,
    )


@strawberry.type
class AuthMutation:
    @mutation(
        Public(), description="Sign-in step 1: password. Failed attempts are throttled per account."
    )
    async def login(self, info: ResolverInfo, input: LoginInput) -> LoginChallenge:
        ctx = info.context
        challenge = await ctx.identity.login(
            username=input.username, password=input.password, now=ctx.now
        )
        return LoginChallenge(
            challenge_token=challenge.challenge_token,
            expires_at=challenge.expires_at,
            enrollment_required=challenge.enrollment_required,
        )

    @mutation(Public(), description="Sign-in step 2: the TOTP code. Returns the session's tokens.")
    async def verify_mfa(self, info: ResolverInfo, input: VerifyMfaInput) -> AuthTokens:
        ctx = info.context
        pair = await ctx.identity.verify_mfa(
            challenge_token=input.challenge_token, code=input.code, now=ctx.now
        )
        return _tokens(pair)

    @mutation(
        Public(),
        description="Trade a refresh token for new tokens (the old refresh token stops working).",
    )
    async def refresh_session(
        self,
        info: ResolverInfo,
        refresh_token: Annotated[
            str,
            strawberry.argument(
                description="The refresh token of the last verifyMfa or refreshSession; it works once."
            ),
        ],
    ) -> AuthTokens:
        ctx = info.context
        pair = await ctx.identity.refresh(refresh_token=refresh_token, now=ctx.now)
        return _tokens(pair)

    @mutation(
        Authenticated(allow_expired_mfa=True),
        description=(
            "Prove the second factor again on this session (weekly, policy 202). "
            "Returns when it is next due."
        ),
    )
    async def reauthenticate_mfa(
        self,
        info: ResolverInfo,
        code: Annotated[
            str, strawberry.argument(description="The current code of your authenticator (TOTP).")
        ],
    ) -> datetime.datetime:
        ctx = info.context
        principal = ctx.require_principal(allow_expired_mfa=True)
        return await ctx.identity.reauthenticate(principal=principal, code=code, now=ctx.now)

    @mutation(
        Authenticated(allow_expired_mfa=True),
        description="End this session; its tokens stop working.",
    )
    async def logout(self, info: ResolverInfo) -> bool:
        ctx = info.context
        await ctx.identity.logout(
            principal=ctx.require_principal(allow_expired_mfa=True), now=ctx.now
        )
        return True

    @mutation(
        Public(),
        description=(
            "Redeem an invitation: set a password and get a new authenticator "
            "to confirm with verifyMfa."
        ),
    )
    async def accept_invitation(
        self, info: ResolverInfo, input: AcceptInvitationInput
    ) -> AuthenticatorEnrollment:
        ctx = info.context
        enrollment = await auth_service.accept_invite(
            token=input.token, password=input.password, now=ctx.now, policy=ctx.auth_policy
        )
        challenge, _ = ctx.identity.tokens.challenge(user_id=enrollment.user.id, now=ctx.now)
        return AuthenticatorEnrollment(
            totp_secret=enrollment.totp_secret,
            provisioning_uri=enrollment.provisioning_uri,
            challenge_token=challenge,
        )
