"""Grievances (policy 114) and the Data Strategy Board's grievance subcommittee as GraphQL."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from authz.resources import Action, Resource
from models import incidents_grievances as models
from schema.arguments import After, First
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.input_checks import MULTILINE
from schema.inputs import optional_id, parse_id
from schema.loaders import username
from schema.operations import mutation, query
from schema.permissions import Authenticated, Requires
from schema.relay import Connection, Node, to_connection
from services import grievances as service

__all__ = ["GrievanceMutation", "GrievanceQuery"]

GrievanceKind = models.GrievanceKind
described_enum(
    GrievanceKind,
    name="GrievanceKind",
    description="CLIENT: a client's, about an agency's services or its use of their information "
    "(or a system-level concern). LEAD_AGENCY: a participating or prospective agency's, or a "
    "CoC's, about a decision or action of the Lead Agency's staff.",
    values={
        "CLIENT": "A client's, about an agency's services or its use of their information (or a system-level concern).",
        "LEAD_AGENCY": "An agency's or a CoC's, about a decision or action of the Lead Agency's staff.",
    },
)
GrievanceStage = models.GrievanceStage
described_enum(
    GrievanceStage,
    name="GrievanceStage",
    description="AGENCY_PROCEDURE (a client's, first), INFORMAL then FORMAL (to the Director of "
    "HMIS and Strategic Analysis), SUBCOMMITTEE (the Data Strategy Board's grievance "
    "subcommittee, at its next regularly scheduled meeting).",
    values={
        "AGENCY_PROCEDURE": "The agency's own procedure (a client's grievance, first).",
        "INFORMAL": "Informal, with the Director of HMIS and Strategic Analysis.",
        "FORMAL": "Formal, in writing, to the Director of HMIS and Strategic Analysis.",
        "SUBCOMMITTEE": "The Data Strategy Board's grievance subcommittee, at its next regular meeting.",
    },
)
GrievanceStatus = models.GrievanceStatus
described_enum(
    GrievanceStatus,
    name="GrievanceStatus",
    description="OPEN (a step under way), UNRESOLVED (the step ended unresolved; the grieving "
    "party may go on), RESOLVED, DECIDED (by the subcommittee: the last step), WITHDRAWN.",
    values={
        "OPEN": "A step is under way.",
        "UNRESOLVED": "The step ended unresolved: the grieving party may go on.",
        "RESOLVED": "Resolved at a step.",
        "DECIDED": "Decided by the subcommittee: the last step.",
        "WITHDRAWN": "Withdrawn by the grieving party.",
    },
)
GrievanceOutcome = models.GrievanceOutcome
described_enum(
    GrievanceOutcome,
    name="GrievanceOutcome",
    description="RESOLVED, or UNRESOLVED (the grieving party may take it to the next step).",
    values={
        "RESOLVED": "The step resolved it.",
        "UNRESOLVED": "Not resolved: the grieving party may take it to the next step.",
    },
)


@strawberry.type(description="One step of a grievance: its owner, dates and outcome.")
class GrievanceStep:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    stage: GrievanceStage = strawberry.field(description="Which step.")
    owner: str = strawberry.field(description="Who must act on it.")
    opened_at: datetime.datetime = strawberry.field(description="When it opened.")
    statement: str | None = strawberry.field(
        description="The written complaint (formal step) or the appeal's grounds."
    )
    hearing_on: datetime.date | None = strawberry.field(
        description="The subcommittee's meeting that hears it (null until one is scheduled)."
    )
    closed_at: datetime.datetime | None = strawberry.field(description="When it ended.")
    outcome: GrievanceOutcome | None = strawberry.field(description="How it ended.")
    outcome_notes: str | None = strawberry.field(description="The owner's account of it.")


@strawberry.type(
    description="A grievance (policy 114). Only its parties and, once it reaches them, the "
    "grievance subcommittee's members see it."
)
class Grievance(Node):
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    kind: GrievanceKind = strawberry.field(description="Whose and about what.")
    status: GrievanceStatus = strawberry.field(description="Where it stands.")
    stage: GrievanceStage = strawberry.field(description="Its current (or last) step.")
    filed_at: datetime.datetime = strawberry.field(description="When it was filed.")
    summary: str = strawberry.field(description="A one-line summary.")
    text: str = strawberry.field(description="The grievance in full.")
    updated_at: datetime.datetime = strawberry.field(description="Last change.")

    @strawberry.field(description="The agency concerned (for a complaint: the complainant).")
    def agency_id(self, row: strawberry.Parent[models.Grievance]) -> strawberry.ID | None:
        return strawberry.ID(str(row.agency_id)) if row.agency_id else None

    @strawberry.field(description="The complaining Continuum of Care, if a CoC's complaint.")
    def coc_id(self, row: strawberry.Parent[models.Grievance]) -> strawberry.ID | None:
        return strawberry.ID(str(row.coc_id)) if row.coc_id else None

    @strawberry.field(description="Who filed it (username).")
    async def filed_by(self, info: ResolverInfo, row: strawberry.Parent[models.Grievance]) -> str:
        return await username(info.context, row.filed_by_id)

    @strawberry.field(description="Its steps, first to last.", graphql_type=list[GrievanceStep])
    async def steps(self, row: strawberry.Parent[models.Grievance]) -> list[models.GrievanceStep]:
        return await service.steps(row.id)


@strawberry.type(description="A seat on the grievance subcommittee.")
class GrievanceSubcommitteeMember:
    added_at: datetime.datetime = strawberry.field(description="Since when.")

    @strawberry.field(description="The member's user id.")
    def user_id(self, row: strawberry.Parent[models.GrievanceSubcommitteeMember]) -> strawberry.ID:
        return strawberry.ID(str(row.user_id))

    @strawberry.field(description="The member (username).")
    async def username(
        self, info: ResolverInfo, row: strawberry.Parent[models.GrievanceSubcommitteeMember]
    ) -> str:
        return await username(info.context, row.user_id)


@strawberry.type(description="A regularly scheduled meeting of the grievance subcommittee.")
class GrievanceSubcommitteeMeeting:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    meets_on: datetime.date = strawberry.field(description="The meeting's date.")


@strawberry.type(description="The grievance subcommittee of the Data Strategy Board.")
class GrievanceSubcommittee:
    members: list[GrievanceSubcommitteeMember] = strawberry.field(
        description="Its current members."
    )
    meetings: list[GrievanceSubcommitteeMeeting] = strawberry.field(
        description="Its scheduled meetings from today on."
    )


@strawberry.input(description="A grievance to file (policy 114).")
class FileGrievanceInput:
    kind: GrievanceKind = strawberry.field(description="Whose and about what.")
    summary: str = strawberry.field(description="A one-line summary (at most 200 characters).")
    text: str = strawberry.field(
        description="The grievance in full (1 to 8000 characters).", metadata=MULTILINE
    )
    agency_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="CLIENT: the agency whose procedure takes it first (leave out for a "
        "system-level concern, which goes to the subcommittee). LEAD_AGENCY: the complaining "
        "agency (or give cocId).",
    )
    coc_id: strawberry.ID | None = strawberry.field(
        default=None, description="LEAD_AGENCY: the complaining Continuum of Care."
    )


@strawberry.type
class GrievanceQuery:
    @query(
        Authenticated(),
        description="The grievances the caller is a party to, and, for a member of the grievance "
        "subcommittee, those that reached it; by id, pages of at most 100.",
    )
    async def grievances(
        self, info: ResolverInfo, first: First = 50, after: After = None
    ) -> Connection[Grievance]:
        page = await service.page(caller=info.context.caller, first=first, after=after)
        return to_connection(page)

    @query(
        Authenticated(),
        description="One grievance the caller may read; NOT_FOUND otherwise.",
        graphql_type=Grievance,
    )
    async def grievance(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The grievance's id.")],
    ) -> models.Grievance:
        return await service.get(caller=info.context.caller, grievance_id=parse_id(id, "id"))

    @query(
        Requires(Resource.GRIEVANCE_SUBCOMMITTEE, Action.READ),
        description="The grievance subcommittee's members and scheduled meetings.",
    )
    async def grievance_subcommittee(self, info: ResolverInfo) -> GrievanceSubcommittee:
        found = await service.subcommittee(caller=info.context.caller)
        return GrievanceSubcommittee(
            members=found.members,  # type: ignore[arg-type]  # resolved from the model
            meetings=found.meetings,  # type: ignore[arg-type]  # resolved from the model
        )


@strawberry.type
class GrievanceMutation:
    @mutation(
        Requires(Resource.GRIEVANCE, Action.REQUEST),
        description="File a grievance at its first step: a client's at the agency's procedure "
        "(the agency's HDC or Security Coordinator) or, system-level, at the subcommittee; an "
        "agency's or CoC's complaint about the Lead Agency at the informal step.",
        graphql_type=Grievance,
    )
    async def file_grievance(
        self, info: ResolverInfo, input: FileGrievanceInput
    ) -> models.Grievance:
        return await service.file(
            caller=info.context.caller,
            kind=input.kind,
            agency_id=optional_id(input.agency_id, "agencyId"),
            coc_id=optional_id(input.coc_id, "cocId"),
            summary=input.summary,
            text=input.text,
        )

    @mutation(
        Authenticated(),
        description="Record how the current step ended: its owner (the agency's HDC or Security "
        "Coordinator for its procedure, the Lead Agency for the informal and formal steps, a "
        "subcommittee member on or after the hearing).",
        graphql_type=Grievance,
    )
    async def record_grievance_outcome(
        self,
        info: ResolverInfo,
        grievance_id: Annotated[strawberry.ID, strawberry.argument(description="The grievance.")],
        outcome: Annotated[
            GrievanceOutcome, strawberry.argument(description="How the step ended.")
        ],
        notes: Annotated[
            str, strawberry.argument(description="The owner's account of it.", metadata=MULTILINE)
        ],
    ) -> models.Grievance:
        return await service.record_outcome(
            caller=info.context.caller,
            grievance_id=parse_id(grievance_id, "grievanceId"),
            outcome=outcome,
            notes=notes,
        )

    @mutation(
        Authenticated(),
        description="The grieving party takes an unresolved grievance to the next step (the "
        "formal step needs the complaint in writing as statement; an appeal is heard at the "
        "subcommittee's next regularly scheduled meeting).",
        graphql_type=Grievance,
    )
    async def escalate_grievance(
        self,
        info: ResolverInfo,
        grievance_id: Annotated[strawberry.ID, strawberry.argument(description="The grievance.")],
        statement: Annotated[
            str | None,
            strawberry.argument(
                description="The complaint in writing (required for the formal step) or the appeal's grounds.",
                metadata=MULTILINE,
            ),
        ] = None,
    ) -> models.Grievance:
        return await service.escalate(
            caller=info.context.caller,
            grievance_id=parse_id(grievance_id, "grievanceId"),
            statement=statement,
        )

    @mutation(
        Authenticated(),
        description="The grieving party withdraws a grievance not yet settled.",
        graphql_type=Grievance,
    )
    async def withdraw_grievance(
        self,
        info: ResolverInfo,
        grievance_id: Annotated[strawberry.ID, strawberry.argument(description="The grievance.")],
    ) -> models.Grievance:
        return await service.withdraw(
            caller=info.context.caller, grievance_id=parse_id(grievance_id, "grievanceId")
        )

    @mutation(
        Requires(Resource.GRIEVANCE_SUBCOMMITTEE, Action.MANAGE),
        description="Seat a user on the grievance subcommittee, as the Board named them.",
        graphql_type=GrievanceSubcommitteeMember,
    )
    async def add_grievance_subcommittee_member(
        self,
        info: ResolverInfo,
        user_id: Annotated[
            strawberry.ID, strawberry.argument(description="The user the Board named.")
        ],
    ) -> models.GrievanceSubcommitteeMember:
        return await service.add_member(
            caller=info.context.caller, user_id=parse_id(user_id, "userId")
        )

    @mutation(
        Requires(Resource.GRIEVANCE_SUBCOMMITTEE, Action.MANAGE),
        description="End a user's seat on the grievance subcommittee. Returns true.",
    )
    async def remove_grievance_subcommittee_member(
        self,
        info: ResolverInfo,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="The member.")],
        reason: Annotated[
            str, strawberry.argument(description="Why the seat ends.", metadata=MULTILINE)
        ],
    ) -> bool:
        await service.remove_member(
            caller=info.context.caller, user_id=parse_id(user_id, "userId"), reason=reason
        )
        return True

    @mutation(
        Requires(Resource.GRIEVANCE_SUBCOMMITTEE, Action.MANAGE),
        description="Add a regularly scheduled meeting (after today) to the subcommittee's "
        "calendar; appeals lodged before it and not yet heard are heard at it when it is their "
        "next.",
        graphql_type=GrievanceSubcommitteeMeeting,
    )
    async def record_grievance_subcommittee_meeting(
        self,
        info: ResolverInfo,
        meets_on: Annotated[
            datetime.date, strawberry.argument(description="The meeting's day (after today).")
        ],
    ) -> models.GrievanceSubcommitteeMeeting:
        return await service.record_meeting(caller=info.context.caller, meets_on=meets_on)
