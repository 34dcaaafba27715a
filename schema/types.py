"""GraphQL object types of the governance domain. Leaf fields are plain model attributes.

A type's object is the model row itself (``models.governance.Agency`` for ``Agency``), so that
strawberry reads leaf fields straight off it. Typed as such: a resolver that reads the row's other
columns takes it as ``row: strawberry.Parent[Model]``, and a resolver (or a payload's field) that
gives rows declares the GraphQL type they stand for with ``graphql_type``, its Python annotation
naming the model.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import access as access_models
from models import enums
from models import governance as gov
from models import project_data as project_models
from models import training as training_models
from models import users as user_models
from schema.context import ResolverInfo
from schema.enums import described_enum
from schema.hud_enums import list_enum
from schema.loaders import by_id, many_by
from schema.relay import Node
from services.agencies import HUD_PROJECT_TYPES

if TYPE_CHECKING:
    from schema.project_data import (
        Affiliation,
        CeParticipation,
        Funder,
        HmisParticipation,
        Inventory,
        ProjectCoc,
    )

__all__ = [
    "AccessLevel",
    "AccessRequest",
    "AccessRequestKind",
    "AccessRequestStatus",
    "Agency",
    "AgencyStatus",
    "Can",
    "ContinuumOfCare",
    "DeactivationReason",
    "Duty",
    "Membership",
    "Project",
    "SystemRole",
    "TrainingCompletion",
    "TrainingCourse",
    "User",
    "UserDuty",
    "UserStatus",
]

# GraphQL enums are the models' enums (annotations name the Python enum); described_enum
# registers each with its description and returns the class itself.
AccessLevel = enums.AccessLevel
described_enum(
    AccessLevel,
    description="Licensed end user access level (policy 401).",
    values={
        "FULL": "Reads and writes the agency's client data.",
        "VIEW_ONLY": "Reads the agency's client data, writes none.",
        "REPORTING_ONLY": "Aggregate reports only, never client rows.",
    },
)
Duty = enums.Duty
described_enum(
    Duty,
    description="A duty held within one agency (policies 107, 108).",
    values={
        "HMIS_DATA_COORDINATOR": "The agency's HMIS Data Coordinator (policy 107): files Designation of Access requests, certifies Exhibit A.",
        "AGENCY_SECURITY_COORDINATOR": "The agency's Security Coordinator (policy 108): oversees its security, certifies Exhibit B.",
    },
)
SystemRole = enums.SystemRole
described_enum(
    SystemRole,
    description="A system-wide role.",
    values={
        "SYSTEM_ADMINISTRATOR": "Administers the system: agencies, access decisions, duties, service accounts.",
        "SECURITY_OFFICER": "Reviews security: the governance log, incidents, the User Access Reports.",
        "LEAD_AGENCY": "The HMIS Lead Agency's staff: governance, outside access, statewide export.",
        "DSB_MEMBER": "A member of the Data Strategy Board: its summaries, no client data.",
        "VENDOR_SYNC": "The HMIS vendor's user sync (a user acting for it).",
    },
)
UserStatus = enums.UserStatus
described_enum(
    UserStatus,
    description="Whether the account may sign in.",
    values={
        "ACTIVE": "May sign in.",
        "INACTIVE": "Deactivated: may not sign in; its sessions have ended.",
    },
)
AgencyStatus = enums.AgencyStatus
described_enum(
    AgencyStatus,
    description="Whether the agency's HMIS access is in force.",
    values={
        "ACTIVE": "Participating: its users' access is in force (with a signed MOU).",
        "SUSPENDED": "Access suspended: its users act for it in nothing.",
        "INACTIVE": "No longer participating.",
    },
)
AccessRequestKind = enums.AccessRequestKind
described_enum(
    AccessRequestKind,
    description="Grant or change access, or remove it.",
    values={
        "GRANT": "Grant or change a user's access at the agency.",
        "REMOVE": "End a user's access at the agency.",
    },
)
AccessRequestStatus = enums.AccessRequestStatus
described_enum(
    AccessRequestStatus,
    description="Where a request stands.",
    values={
        "PENDING": "Waiting for a decision.",
        "APPROVED": "Approved and applied.",
        "DENIED": "Denied; nothing changed.",
    },
)
# governance rules (policies 105, 107, 212)
DeactivationReason = enums.DeactivationReason
described_enum(
    DeactivationReason,
    description="Why an account was deactivated. deactivateUser takes LEFT_AGENCY, "
    "ACCESS_NO_LONGER_NEEDED (policy 107) and CREDENTIALS_COMPROMISED (109); MISUSE comes only "
    "from policy 212's escalation (deactivateForMisuse, after the HDC's and the manager's "
    "reviews); SHARED_CONTACT (109, 202) and TRAINING_OVERDUE (211) from the compliance deadlines.",
    values={
        "LEFT_AGENCY": "The user left the agency (policy 107); also the vendor sync's INACTIVE.",
        "ACCESS_NO_LONGER_NEEDED": "The user's work no longer needs HMIS access (policy 107).",
        "CREDENTIALS_COMPROMISED": "The user's credentials were exposed or shared (policy 109).",
        "MISUSE": "Confirmed inappropriate use, after policy 212's level 3 reviews (deactivateForInappropriateUse only).",
        "SHARED_CONTACT": "A shared e-mail or MFA contact not replaced within 14 days (policies 109, 202).",
        "TRAINING_OVERDUE": "Retraining not completed within 45 days (policy 211).",
    },
)


@strawberry.type(description="A HUD Continuum of Care.")
class ContinuumOfCare:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    code: str = strawberry.field(description="HUD CoC code, e.g. CT-503.")
    name: str = strawberry.field(description="Name of the CoC.")


@strawberry.type(name="CoordinatedAccessNetwork", description="A Coordinated Access Network (CAN).")
class Can:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    name: str = strawberry.field(description="Name of the CAN.")

    @strawberry.field(description="The CoC the CAN belongs to.", graphql_type=ContinuumOfCare)
    async def continuum_of_care(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Can]
    ) -> gov.ContinuumOfCare | None:
        return await by_id(info.context, gov.ContinuumOfCare).load(row.coc_id)

    @strawberry.field(
        description="The CAN's backbone agency, if recorded.", graphql_type="Agency | None"
    )
    async def backbone_agency(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Can]
    ) -> gov.Agency | None:
        agency_id = row.backbone_agency_id
        return await by_id(info.context, gov.Agency).load(agency_id) if agency_id else None


@strawberry.type(description="The MOU an agency signed with the Lead Agency (policy 101).")
class Mou:
    signed_on: datetime.date = strawberry.field(description="Date signed.")
    signed_by: str | None = strawberry.field(description="Who signed for the agency.")
    access_levels: list[AccessLevel] = strawberry.field(
        description="The access levels the MOU grants the agency's users."
    )


@strawberry.type(description="A participating agency (HUD Organization).")
class Agency(Node):
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    name: str = strawberry.field(description="HUD OrganizationName.")
    common_name: str | None = strawberry.field(description="HUD OrganizationCommonName.")
    victim_service_provider: bool = strawberry.field(
        description="HUD VictimServiceProvider: such agencies keep no client data in HMIS."
    )
    status: AgencyStatus = strawberry.field(description="Whether HMIS access is in force.")
    executive_director_name: str | None = strawberry.field(description="Executive Director.")
    executive_director_email: str | None = strawberry.field(
        description="Executive Director's e-mail."
    )
    created_at: datetime.datetime = strawberry.field(description="When created.")
    updated_at: datetime.datetime = strawberry.field(description="When last changed.")

    @strawberry.field(description="The signed MOU; null until recorded, and until then no access.")
    def mou(self, row: strawberry.Parent[gov.Agency]) -> Mou | None:
        if row.mou_signed_on is None:
            return None
        return Mou(
            signed_on=row.mou_signed_on,
            signed_by=row.mou_signed_by,
            access_levels=[enums.AccessLevel(v) for v in row.mou_access_levels],
        )

    @strawberry.field(description="The agency's CoC.", graphql_type=ContinuumOfCare)
    async def continuum_of_care(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Agency]
    ) -> gov.ContinuumOfCare | None:
        return await by_id(info.context, gov.ContinuumOfCare).load(row.coc_id)

    @strawberry.field(
        name="coordinatedAccessNetwork",
        description="The agency's CAN, if any.",
        graphql_type=Can | None,
    )
    async def can(self, info: ResolverInfo, row: strawberry.Parent[gov.Agency]) -> gov.Can | None:
        can_id = row.can_id
        return await by_id(info.context, gov.Can).load(can_id) if can_id else None

    @strawberry.field(
        description="Holders of the agency's duties (one HDC, one Security Coordinator).",
        graphql_type=list["UserDuty"],
    )
    async def duties(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Agency]
    ) -> list[user_models.UserDuty]:
        return await many_by(info.context, user_models.UserDuty, "agency_id").load(row.id)

    @strawberry.field(
        description="Duties nobody holds: every agency needs one HMIS Data Coordinator and one "
        "Agency Security Coordinator (policies 106, 107, 108, 210). Empty when both are named."
    )
    async def missing_duties(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Agency]
    ) -> list[Duty]:
        held = await many_by(info.context, user_models.UserDuty, "agency_id").load(row.id)
        named = {Duty(d.duty) for d in held}
        return [duty for duty in Duty if duty not in named]


@strawberry.type(description="A HUD project run by an agency.")
class Project(Node):
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    name: str = strawberry.field(description="HUD ProjectName.")
    common_name: str | None = strawberry.field(description="HUD ProjectCommonName.")
    project_type: int = strawberry.field(
        description="HUD 2.02.6 ProjectType.", graphql_type=list_enum("2.02.6")
    )
    operating_start_date: datetime.date = strawberry.field(description="HUD OperatingStartDate.")
    operating_end_date: datetime.date | None = strawberry.field(description="HUD OperatingEndDate.")
    continuum_project: bool = strawberry.field(description="HUD ContinuumProject.")
    housing_type: int | None = strawberry.field(
        description="HUD 2.02.D HousingType.", graphql_type=list_enum("2.02.D") | None
    )
    target_population: int | None = strawberry.field(
        description="HUD 2.02.7 TargetPopulation.", graphql_type=list_enum("2.02.7") | None
    )
    coc_code: str = strawberry.field(description="HUD CoCCode of the project.")

    @strawberry.field(description="HUD's name for the project type.")
    def project_type_name(self) -> str:
        return HUD_PROJECT_TYPES[self.project_type]

    @strawberry.field(description="The agency running the project.", graphql_type=Agency)
    async def agency(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Project]
    ) -> gov.Agency | None:
        return await by_id(info.context, gov.Agency).load(row.agency_id)

    # A project's HUD records beyond Project.csv (schema.project_data): lists bounded by the
    # project's history (a few rows a year each).
    @strawberry.field(
        description="The CoCs the project operates in, with their sites (HUD ProjectCoC, 2.03).",
        graphql_type=list[Annotated["ProjectCoc", strawberry.lazy("schema.project_data")]],
    )
    async def project_cocs(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Project]
    ) -> list[Any]:
        return await _project_rows(info, "ProjectCoc", row)

    @strawberry.field(
        description="Funding sources and grants (HUD Funder, 2.06), by start date.",
        graphql_type=list[Annotated["Funder", strawberry.lazy("schema.project_data")]],
    )
    async def funders(self, info: ResolverInfo, row: strawberry.Parent[gov.Project]) -> list[Any]:
        return await _project_rows(info, "Funder", row)

    @strawberry.field(
        description="Bed and unit inventory (HUD Inventory, 2.07), by start date.",
        graphql_type=list[Annotated["Inventory", strawberry.lazy("schema.project_data")]],
    )
    async def inventories(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Project]
    ) -> list[Any]:
        return await _project_rows(info, "Inventory", row)

    @strawberry.field(
        description="Residential projects this services-only project is affiliated with (HUD "
        "Affiliation, 2.09).",
        graphql_type=list[Annotated["Affiliation", strawberry.lazy("schema.project_data")]],
    )
    async def affiliations(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Project]
    ) -> list[Any]:
        return await _project_rows(info, "Affiliation", row)

    @strawberry.field(
        description="HMIS participation periods (HUD HMISParticipation, 2.08), by start date.",
        graphql_type=list[Annotated["HmisParticipation", strawberry.lazy("schema.project_data")]],
    )
    async def hmis_participations(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Project]
    ) -> list[Any]:
        return await _project_rows(info, "HmisParticipation", row)

    @strawberry.field(
        description="Coordinated entry participation periods (HUD CEParticipation, 2.09), by "
        "start date.",
        graphql_type=list[Annotated["CeParticipation", strawberry.lazy("schema.project_data")]],
    )
    async def ce_participations(
        self, info: ResolverInfo, row: strawberry.Parent[gov.Project]
    ) -> list[Any]:
        return await _project_rows(info, "CeParticipation", row)


# Each project record's order: by its period's start, else as recorded.
_PROJECT_ORDER = {
    "ProjectCoc": "created_at",
    "Funder": "start_date",
    "Inventory": "inventory_start_date",
    "Affiliation": "created_at",
    "HmisParticipation": "hmis_participation_status_start_date",
    "CeParticipation": "ce_participation_status_start_date",
}


async def _project_rows(info: ResolverInfo, model_name: str, row: gov.Project) -> list[Any]:
    """The project's rows of one of its HUD records, batched for every project of the answer."""
    model = getattr(project_models, model_name)
    return await many_by(info.context, model, "project_id", _PROJECT_ORDER[model_name]).load(row.id)


@strawberry.type(description="A user's licence at one agency.")
class Membership:
    access_level: AccessLevel = strawberry.field(description="Access level at the agency.")

    @strawberry.field(description="The agency.", graphql_type=Agency)
    async def agency(
        self, info: ResolverInfo, row: strawberry.Parent[user_models.Membership]
    ) -> gov.Agency | None:
        return await by_id(info.context, gov.Agency).load(row.agency_id)


@strawberry.type(description="A duty a user holds within one agency.")
class UserDuty:
    duty: Duty = strawberry.field(description="The duty.")
    assigned_at: datetime.datetime = strawberry.field(description="When assigned.")

    @strawberry.field(description="The agency.", graphql_type=Agency)
    async def agency(
        self, info: ResolverInfo, row: strawberry.Parent[user_models.UserDuty]
    ) -> gov.Agency | None:
        return await by_id(info.context, gov.Agency).load(row.agency_id)

    @strawberry.field(description="The holder.", graphql_type="User")
    async def user(
        self, info: ResolverInfo, row: strawberry.Parent[user_models.UserDuty]
    ) -> user_models.User | None:
        return await by_id(info.context, user_models.User).load(row.user_id)


@strawberry.type(description="An HMIS user account (staff, never a client).")
class User(Node):
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    external_id: str | None = strawberry.field(description="The HMIS vendor's id for the user.")
    username: str = strawberry.field(description="Sign-in name (unique, lower case).")
    email: str = strawberry.field(description="E-mail address (unique, policy 109).")
    mfa_contact: str | None = strawberry.field(description="MFA contact (unique, policy 202).")
    first_name: str | None = strawberry.field(description="First name.")
    last_name: str | None = strawberry.field(description="Last name.")
    status: UserStatus = strawberry.field(description="ACTIVE or INACTIVE.")
    last_login_at: datetime.datetime | None = strawberry.field(
        description="Last completed sign-in."
    )
    deactivated_at: datetime.datetime | None = strawberry.field(description="When deactivated.")
    deactivation_reason: str | None = strawberry.field(description="Why deactivated.")
    deactivation_code: DeactivationReason | None = strawberry.field(
        description="Why deactivated, as a code (null: active, or deactivated before codes)."
    )
    created_at: datetime.datetime = strawberry.field(description="When created.")
    updated_at: datetime.datetime = strawberry.field(description="When last changed.")

    @strawberry.field(description="Agencies and access levels.", graphql_type=list[Membership])
    async def memberships(
        self, info: ResolverInfo, row: strawberry.Parent[user_models.User]
    ) -> list[user_models.Membership]:
        return await many_by(info.context, user_models.Membership, "user_id").load(row.id)

    @strawberry.field(description="Duties held, per agency.", graphql_type=list[UserDuty])
    async def duties(
        self, info: ResolverInfo, row: strawberry.Parent[user_models.User]
    ) -> list[user_models.UserDuty]:
        return await many_by(info.context, user_models.UserDuty, "user_id").load(row.id)

    @strawberry.field(description="System-wide roles.")
    async def system_roles(
        self, info: ResolverInfo, row: strawberry.Parent[user_models.User]
    ) -> list[SystemRole]:
        grants = await many_by(info.context, user_models.SystemRoleGrant, "user_id").load(row.id)
        return [g.role for g in grants]

    @strawberry.field(description="Whether the user has enrolled an authenticator (TOTP).")
    def mfa_enrolled(self, row: strawberry.Parent[user_models.User]) -> bool:
        return row.totp_confirmed_at is not None


@strawberry.type(description="A Designation of Access request (policies 107, 401).")
class AccessRequest:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    kind: AccessRequestKind = strawberry.field(description="GRANT (or change) or REMOVE.")
    access_level: AccessLevel | None = strawberry.field(description="Level asked for (GRANT).")
    reason: str | None = strawberry.field(description="Why, as the requester wrote it.")
    status: AccessRequestStatus = strawberry.field(description="PENDING, APPROVED or DENIED.")
    requested_at: datetime.datetime = strawberry.field(description="When requested.")
    decided_at: datetime.datetime | None = strawberry.field(description="When decided.")
    decision_note: str | None = strawberry.field(description="The System Administrator's note.")

    @strawberry.field(description="The user whose access changes.", graphql_type=User)
    async def user(
        self, info: ResolverInfo, row: strawberry.Parent[access_models.AccessRequest]
    ) -> user_models.User | None:
        return await by_id(info.context, user_models.User).load(row.user_id)

    @strawberry.field(description="The agency.", graphql_type=Agency)
    async def agency(
        self, info: ResolverInfo, row: strawberry.Parent[access_models.AccessRequest]
    ) -> gov.Agency | None:
        return await by_id(info.context, gov.Agency).load(row.agency_id)

    @strawberry.field(
        description="Who asked (the agency's HDC or Security Coordinator).", graphql_type=User
    )
    async def requested_by(
        self, info: ResolverInfo, row: strawberry.Parent[access_models.AccessRequest]
    ) -> user_models.User | None:
        return await by_id(info.context, user_models.User).load(row.requested_by_id)

    @strawberry.field(description="Who decided.", graphql_type=User | None)
    async def decided_by(
        self, info: ResolverInfo, row: strawberry.Parent[access_models.AccessRequest]
    ) -> user_models.User | None:
        decided = row.decided_by_id
        return await by_id(info.context, user_models.User).load(decided) if decided else None


@strawberry.type(description="A mandatory LMS course (policy 110).")
class TrainingCourse:
    code: str = strawberry.field(description="Course code.")
    title: str = strawberry.field(description="Course title.")
    required_for: list[str] = strawberry.field(
        description="Access levels, duties and system roles that need this course before any "
        "use of HMIS (policy 110)."
    )


@strawberry.type(description="A user's completion of a course.")
class TrainingCompletion:
    completed_on: datetime.date = strawberry.field(
        description="Date completed, as the LMS reports."
    )

    @strawberry.field(description="The course.", graphql_type=TrainingCourse)
    async def course(
        self, info: ResolverInfo, row: strawberry.Parent[training_models.TrainingCompletion]
    ) -> training_models.TrainingCourse | None:
        return await by_id(info.context, training_models.TrainingCourse).load(row.course_id)
