"""Designation of Access requests and agency duties."""

from __future__ import annotations

from typing import Annotated

import strawberry

from authz import visibility
from authz.resources import Action, Resource
from models import access as access_models
from models import governance as governance_models
from models import users as user_models
from models.enums import AccessRequestKind
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.input_checks import MULTILINE
from schema.inputs import optional_id, parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from schema.types import (
    AccessLevel,
    AccessRequest,
    AccessRequestStatus,
    Agency,
    Duty,
    UserDuty,
)
from services import access as service
from services import onboarding
from services.pagination import paginate

__all__ = ["AccessMutation", "AccessQuery"]


@strawberry.input(description="Ask for a user's access at an agency to be granted or changed.")
class RequestAccessInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    agency_id: strawberry.ID = strawberry.field(description="Your agency.")
    level: AccessLevel = strawberry.field(
        description="Level needed; the agency's MOU must grant it."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why (need-based, policy 401).", metadata=MULTILINE
    )


@strawberry.input(
    description="Ask for a user's access at an agency to end (the user left, or no longer needs it)."
)
class RequestAccessRemovalInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    agency_id: strawberry.ID = strawberry.field(description="Your agency.")
    reason: str | None = strawberry.field(default=None, description="Why.", metadata=MULTILINE)


@strawberry.input(description="The System Administrator's decision on a request.")
class DecideAccessRequestInput:
    request_id: strawberry.ID = strawberry.field(description="The request.")
    note: str | None = strawberry.field(
        default=None, description="Note kept with the decision.", metadata=MULTILINE
    )


@strawberry.input(description="Give a licensed end user of the agency a duty.")
class AssignDutyInput:
    user_id: strawberry.ID = strawberry.field(
        description="The user (must hold access at the agency)."
    )
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    duty: Duty = strawberry.field(description="The duty; one holder per agency.")


@strawberry.input(
    description="A new agency's first HMIS Data Coordinator and Agency Security Coordinator, as "
    "its Executive Director or designee designated them (policies 105-108). Name either or both; "
    "one person may be both."
)
class DesignateAgencyCoordinatorsInput:
    agency_id: strawberry.ID = strawberry.field(
        description="The agency: its MOU signed (recordMou), and no coordinator yet."
    )
    hmis_data_coordinator_id: strawberry.ID | None = strawberry.field(
        default=None, description="The user who becomes the HMIS Data Coordinator (policy 107)."
    )
    security_coordinator_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The user who becomes the Agency Security Coordinator (policy 108).",
    )
    access_level: AccessLevel = strawberry.field(
        default=AccessLevel.FULL,
        description="Their access level at the agency; the MOU must grant it (policy 101). "
        "Changed later through a Designation of Access.",
    )
    authorized_by: str = strawberry.field(
        description="Who at the agency designated them: its Executive Director or designee "
        "(1-200 characters; kept in governanceLog)."
    )


@strawberry.type(description="What designateAgencyCoordinators did.")
class DesignateAgencyCoordinatorsPayload:
    agency: governance_models.Agency = strawberry.field(
        description="The agency (missingDuties lists what is still missing).", graphql_type=Agency
    )
    duties: list[user_models.UserDuty] = strawberry.field(
        description="The duties assigned, with their holders.", graphql_type=list[UserDuty]
    )


@strawberry.type
class AccessQuery:
    @query(
        Requires(Resource.ACCESS_REQUEST, Action.READ),
        description="Designation of Access requests you may see.",
    )
    async def access_requests(
        self,
        info: ResolverInfo,
        first: First = 50,
        after: After = None,
        status: Annotated[
            AccessRequestStatus | None,
            strawberry.argument(description="Only requests in this state."),
        ] = None,
        agency_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only requests for this agency.")
        ] = None,
    ) -> Connection[AccessRequest]:
        qs = visibility.access_requests(info.context.decisions)
        if status is not None:
            qs = qs.filter(status=status)
        if agency_id is not None:
            qs = qs.filter(agency_id=parse_id(agency_id, "agencyId"))
        return to_connection(await paginate(qs, first=first, after=after))


@strawberry.type
class AccessMutation:
    @mutation(
        Requires(Resource.ACCESS_REQUEST, Action.REQUEST),
        description="Designation of Access (policy 107): the agency's HDC or Security Coordinator asks.",
        graphql_type=AccessRequest,
    )
    async def request_access(
        self, info: ResolverInfo, input: RequestAccessInput
    ) -> access_models.AccessRequest:
        ctx = info.context
        return await service.request_access(
            caller=ctx.caller,
            user_id=parse_id(input.user_id, "userId"),
            agency_id=parse_id(input.agency_id, "agencyId"),
            kind=AccessRequestKind.GRANT,
            level=input.level,
            reason=input.reason,
        )

    @mutation(
        Requires(Resource.ACCESS_REQUEST, Action.REQUEST),
        description="Ask for a user's access at your agency to end (policy 107).",
        graphql_type=AccessRequest,
    )
    async def request_access_removal(
        self, info: ResolverInfo, input: RequestAccessRemovalInput
    ) -> access_models.AccessRequest:
        ctx = info.context
        return await service.request_access(
            caller=ctx.caller,
            user_id=parse_id(input.user_id, "userId"),
            agency_id=parse_id(input.agency_id, "agencyId"),
            kind=AccessRequestKind.REMOVE,
            level=None,
            reason=input.reason,
        )

    @mutation(
        Requires(Resource.ACCESS_REQUEST, Action.DECIDE),
        description="Approve a request: the membership is created, changed or removed. Not your own.",
        graphql_type=AccessRequest,
    )
    async def approve_access_request(
        self, info: ResolverInfo, input: DecideAccessRequestInput
    ) -> access_models.AccessRequest:
        return await _decide(info, input, approve=True)

    @mutation(
        Requires(Resource.ACCESS_REQUEST, Action.DECIDE),
        description="Deny a request. Not your own.",
        graphql_type=AccessRequest,
    )
    async def deny_access_request(
        self, info: ResolverInfo, input: DecideAccessRequestInput
    ) -> access_models.AccessRequest:
        return await _decide(info, input, approve=False)

    @mutation(
        Requires(Resource.DUTY, Action.ASSIGN),
        description="Assign a duty (HDC or Security Coordinator); CONFLICT if another user holds it.",
        graphql_type=UserDuty,
    )
    async def assign_duty(self, info: ResolverInfo, input: AssignDutyInput) -> user_models.UserDuty:
        return await service.assign_duty(
            caller=info.context.caller,
            user_id=parse_id(input.user_id, "userId"),
            agency_id=parse_id(input.agency_id, "agencyId"),
            duty=input.duty,
        )

    @mutation(
        Requires(Resource.DUTY, Action.ASSIGN),
        description="Onboard an agency: designate its first HMIS Data Coordinator and Agency "
        "Security Coordinator, licensing them at the agency (policies 101, 105-108). Only while "
        "the agency has neither (CONFLICT after: its coordinators then ask with requestAccess and "
        "duties are assigned with assignDuty); the MOU must be signed and grant the access level "
        "(VALIDATION); not yourself (FORBIDDEN). They still complete their training and sign the "
        "End User Agreement before using Hearth (policies 110, 401); logged in governanceLog.",
    )
    async def designate_agency_coordinators(
        self, info: ResolverInfo, input: DesignateAgencyCoordinatorsInput
    ) -> DesignateAgencyCoordinatorsPayload:
        done = await onboarding.designate_agency_coordinators(
            caller=info.context.caller,
            agency_id=parse_id(input.agency_id, "agencyId"),
            hmis_data_coordinator_id=optional_id(
                input.hmis_data_coordinator_id, "hmisDataCoordinatorId"
            ),
            security_coordinator_id=optional_id(
                input.security_coordinator_id, "securityCoordinatorId"
            ),
            access_level=input.access_level,
            authorized_by=input.authorized_by,
        )
        return DesignateAgencyCoordinatorsPayload(agency=done.agency, duties=done.duties)

    @mutation(
        Requires(Resource.DUTY, Action.ASSIGN), description="Remove a duty's holder at an agency."
    )
    async def remove_duty(
        self,
        info: ResolverInfo,
        agency_id: Annotated[strawberry.ID, strawberry.argument(description="The agency.")],
        duty: Annotated[Duty, strawberry.argument(description="The duty whose holder is removed.")],
    ) -> bool:
        return await service.remove_duty(
            caller=info.context.caller, agency_id=parse_id(agency_id, "agencyId"), duty=duty
        )


async def _decide(
    info: ResolverInfo, input: DecideAccessRequestInput, *, approve: bool
) -> access_models.AccessRequest:
    ctx = info.context
    return await service.decide_access_request(
        caller=ctx.caller,
        request_id=parse_id(input.request_id, "requestId"),
        approve=approve,
        note=input.note,
    )
