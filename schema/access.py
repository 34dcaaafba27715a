"""Designation of Access requests and agency duties."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from authz import visibility
from authz.resources import Action, Resource
from models.enums import AccessRequestKind
from schema.inputs import parse_id
from schema.operations import mutation, query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from schema.types import AccessLevel, AccessRequest, AccessRequestStatus, Duty, UserDuty
from services import access as service
from services.pagination import paginate

__all__ = ["AccessMutation", "AccessQuery"]


@strawberry.input(description="Ask for a user's access at an agency to be granted or changed.")
class RequestAccessInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    agency_id: strawberry.ID = strawberry.field(description="Your agency.")
    level: AccessLevel = strawberry.field(
        description="Level needed; the agency's MOU must grant it."
    )  # type: ignore[valid-type]
    reason: str | None = strawberry.field(default=None, description="Why (need-based, policy 401).")


@strawberry.input(
    description="Ask for a user's access at an agency to end (the user left, or no longer needs it)."
)
class RequestAccessRemovalInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    agency_id: strawberry.ID = strawberry.field(description="Your agency.")
    reason: str | None = strawberry.field(default=None, description="Why.")


@strawberry.input(description="The System Administrator's decision on a request.")
class DecideAccessRequestInput:
    request_id: strawberry.ID = strawberry.field(description="The request.")
    note: str | None = strawberry.field(default=None, description="Note kept with the decision.")


@strawberry.input(description="Give a licensed end user of the agency a duty.")
class AssignDutyInput:
    user_id: strawberry.ID = strawberry.field(
        description="The user (must hold access at the agency)."
    )
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    duty: Duty = strawberry.field(description="The duty; one holder per agency.")  # type: ignore[valid-type]


@strawberry.type
class AccessQuery:
    @query(
        Requires(Resource.ACCESS_REQUEST, Action.READ),
        description="Designation of Access requests you may see.",
    )
    async def access_requests(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        status: AccessRequestStatus | None = None,  # type: ignore[valid-type]
        agency_id: strawberry.ID | None = None,
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
    )
    async def request_access(self, info: Info, input: RequestAccessInput) -> AccessRequest:
        ctx = info.context
        return await service.request_access(
            decisions=ctx.decisions,
            user_id=parse_id(input.user_id, "userId"),
            agency_id=parse_id(input.agency_id, "agencyId"),
            kind=AccessRequestKind.GRANT,
            level=input.level,
            reason=input.reason,
            now=ctx.now,
        )

    @mutation(
        Requires(Resource.ACCESS_REQUEST, Action.REQUEST),
        description="Ask for a user's access at your agency to end (policy 107).",
    )
    async def request_access_removal(
        self, info: Info, input: RequestAccessRemovalInput
    ) -> AccessRequest:
        ctx = info.context
        return await service.request_access(
            decisions=ctx.decisions,
            user_id=parse_id(input.user_id, "userId"),
            agency_id=parse_id(input.agency_id, "agencyId"),
            kind=AccessRequestKind.REMOVE,
            level=None,
            reason=input.reason,
            now=ctx.now,
        )

    @mutation(
        Requires(Resource.ACCESS_REQUEST, Action.DECIDE),
        description="Approve a request: the membership is created, changed or removed. Not your own.",
    )
    async def approve_access_request(
        self, info: Info, input: DecideAccessRequestInput
    ) -> AccessRequest:
        return await _decide(info, input, approve=True)

    @mutation(
        Requires(Resource.ACCESS_REQUEST, Action.DECIDE),
        description="Deny a request. Not your own.",
    )
    async def deny_access_request(
        self, info: Info, input: DecideAccessRequestInput
    ) -> AccessRequest:
        return await _decide(info, input, approve=False)

    @mutation(
        Requires(Resource.DUTY, Action.ASSIGN),
        description="Assign a duty (HDC or Security Coordinator); CONFLICT if another user holds it.",
    )
    async def assign_duty(self, info: Info, input: AssignDutyInput) -> UserDuty:
        return await service.assign_duty(
            decisions=info.context.decisions,
            user_id=parse_id(input.user_id, "userId"),
            agency_id=parse_id(input.agency_id, "agencyId"),
            duty=input.duty,
        )

    @mutation(
        Requires(Resource.DUTY, Action.ASSIGN), description="Remove a duty's holder at an agency."
    )
    async def remove_duty(self, info: Info, agency_id: strawberry.ID, duty: Duty) -> bool:  # type: ignore[valid-type]
        return await service.remove_duty(
            decisions=info.context.decisions, agency_id=parse_id(agency_id, "agencyId"), duty=duty
        )


async def _decide(info: Info, input: DecideAccessRequestInput, *, approve: bool) -> AccessRequest:
    ctx = info.context
    return await service.decide_access_request(
        decisions=ctx.decisions,
        request_id=parse_id(input.request_id, "requestId"),
        approve=approve,
        note=input.note,
        now=ctx.now,
    )
