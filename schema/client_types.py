"""GraphQL types of client data. Client data reaches them only through the client-data policy
(``authz.clients``): rows through its loaders, fields through its masking. Rows are typed as in
``schema.types`` (``strawberry.Parent``, ``graphql_type``); ``Client`` and ``HealthAndDv`` are
views built from a row."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeAlias, TypeVar
from uuid import UUID

import strawberry
from strawberry.dataloader import DataLoader
from tortoise.models import Model

from authz.clients import (
    ClientAccess,
    client_fields,
    row_fields,
    row_security,
    row_shows,
    sees,
    shows_annotation,
    shows_consent,
    shows_release,
)
from models import case_notes as note_models
from models import clients as client_models
from models import coordinated_entry as ce_models
from models import enrollments as enrollment_models
from models import enums
from models import governance as gov
from models import releases as release_models
from models.hud.elements import Element
from schema import enrollment_records as records
from schema.arguments import After, First
from schema.audit_trail import AuditEntry, AuditTrailKind, audit_trail
from schema.client_loaders import access_loader, client_loader, rows_by_client, rows_by_enrollment
from schema.context import Context, ResolverInfo
from schema.elements import with_elements
from schema.enums import described_enum
from schema.households import Household, household_of
from schema.input_checks import InputChecks
from schema.loaders import by_id, many_by, username
from schema.relay import AFTER, FIRST, Connection, Node, list_connection
from schema.types import Agency, Can, Project
from services.hudcsv.records import ENROLLMENT_RECORDS

__all__ = [
    "CLIENT_LISTS",
    "PAGED_LISTS",
    "AnnotationKind",
    "CaseNote",
    "CaseNoteDeletionRequest",
    "Client",
    "ClientAccessInfo",
    "ClientList",
    "ConsentKind",
    "ConsentRelationship",
    "ConsentToEnter",
    "DeletionRequestStatus",
    "Enrollment",
    "Exit",
    "ReleaseCategory",
    "ReleaseOfInformation",
    "ReleaseScope",
    "Service",
    "client_list",
    "client_view",
    "enrollment_element",
    "health_view",
    "prefetch_lists",
]

_M = TypeVar("_M", bound=Model)
# A client's list of rows: prefetched for the page (prefetch_lists), or its loader's future.
_Rows: TypeAlias = list[Any] | Awaitable[list[Any]]

# GraphQL enums are the models' enums (annotations name the Python enum); described_enum
# registers each with its description and returns the class itself.
ConsentKind = enums.ConsentKind
described_enum(
    ConsentKind,
    description="Written, or verbal (first contact by phone).",
    values={
        "WRITTEN": "Signed by the client.",
        "VERBAL": "Given by phone at first contact, to be confirmed in writing.",
    },
)
ConsentRelationship = enums.ConsentRelationship
described_enum(
    ConsentRelationship,
    description="A second agency's relationship with a client another agency entered.",
    values={
        "ENROLLMENT": "The second agency enrolls the client.",
        "REFERRAL": "The client was referred to the second agency.",
    },
)
ReleaseScope = enums.ReleaseScope
described_enum(
    ReleaseScope,
    description="Who a release shares with.",
    values={
        "AGENCIES": "The agencies the release names.",
        "CAN": "The agencies of the client's Coordinated Access Network.",
        "STATEWIDE": "Every participating agency.",
    },
)
ReleaseCategory = enums.ReleaseCategory
described_enum(
    ReleaseCategory,
    description="A category of client data. SUBSTANCE_USE is 42 CFR Part 2 data.",
    values={
        "IDENTIFYING": "Names, SSN, date of birth, contact details.",
        "ENROLLMENT_AND_SERVICES": "Enrollments, exits and services received.",
        "HEALTH": "Health and disability data.",
        "SUBSTANCE_USE": "Substance use data (42 CFR Part 2): shared only when a release names it.",
        "DOMESTIC_VIOLENCE": "Domestic violence data.",
        "CASE_NOTES": "Case note text.",
    },
)
AnnotationKind = enums.AnnotationKind
described_enum(
    AnnotationKind,
    description="How a correction request was answered.",
    values={
        "INACCURATE": "The client says the record is wrong; the agency's answer is attached.",
        "INCOMPLETE": "The client says the record is missing something.",
        "SUPPLEMENT": "The client's own statement added to the record.",
    },
)
DeletionRequestStatus = enums.DeletionRequestStatus
described_enum(
    DeletionRequestStatus,
    description="Where a deletion request stands.",
    values={
        "PENDING": "Waiting for the HDC's decision.",
        "APPROVED": "Approved: the note is deleted.",
        "DENIED": "Denied: the note stays.",
    },
)


@strawberry.type(
    description="What you may see and do with this client, and why. Masked fields are null."
)
class ClientAccessInfo:
    can_view_identifying: bool = strawberry.field(
        description="Names, DOB, demographics, contact, address."
    )
    can_view_ssn: bool = strawberry.field(
        description="The full SSN (FULL access at an agency holding consent)."
    )
    can_view_ssn_last_four: bool = strawberry.field(description="The SSN's last four digits.")
    can_edit: bool = strawberry.field(
        description="Your agency holds the client's consent and you have FULL access."
    )
    holds_consent: bool = strawberry.field(
        description="One of your agencies holds the client's consent to enter data."
    )
    via_release: bool = strawberry.field(
        description="You see this client through a release of information."
    )
    via_can_backbone: bool = strawberry.field(
        description="You see it as backbone staff of the CAN it was created under."
    )
    shared_categories: list[ReleaseCategory] = strawberry.field(
        description="Categories of other agencies' data shared with you (by release or as CAN backbone)."
    )


def _access_info(access: ClientAccess) -> ClientAccessInfo:
    return ClientAccessInfo(
        can_view_identifying=access.can_view_identifying,
        can_view_ssn=access.can_view_full_ssn,
        can_view_ssn_last_four=access.can_view_identifying,
        can_edit=access.can_edit,
        holds_consent=access.holder,
        via_release=bool(access.release_ids),
        via_can_backbone=access.backbone,
        shared_categories=sorted(access.categories, key=lambda c: c.value),
    )


@strawberry.type(description="A client's consent for one agency to enter data (policies 205, 207).")
class ConsentToEnter:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    kind: ConsentKind = strawberry.field(description="WRITTEN or VERBAL.")
    first_contact_by_phone: bool = strawberry.field(
        description="Verbal consent is allowed only then."
    )
    taken_on: datetime.date = strawberry.field(description="When the client consented.")
    evidence_reference: str | None = strawberry.field(
        description="Where the signed form (or call note) is kept."
    )
    source: str | None = strawberry.field(
        description="Where the consent came from when imported (HUD CSV import: the source HMIS), else null."
    )
    recorded_at: datetime.datetime = strawberry.field(description="When recorded in HMIS.")
    relationship: ConsentRelationship | None = strawberry.field(
        description="For a second agency (the client was entered by another): ENROLLMENT or REFERRAL, its relationship with the client. Null for the agency that entered the client."
    )
    referral_reference: str | None = strawberry.field(
        description="The referral that brought the client to a second agency (REFERRAL)."
    )

    @strawberry.field(
        description="The agency the client allowed to enter data.", graphql_type=Agency
    )
    async def agency(
        self, info: ResolverInfo, row: strawberry.Parent[client_models.ConsentToEnter]
    ) -> gov.Agency | None:
        return await by_id(info.context, gov.Agency).load(row.agency_id)


@strawberry.type(
    name="ReleaseOfInformation",
    description="A client's release of information (policy 207). Immutable; revocation is an event.",
)
class ReleaseOfInformation:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    scope: ReleaseScope = strawberry.field(description="AGENCIES, CAN or STATEWIDE.")
    starts_on: datetime.date = strawberry.field(description="First day in force.")
    expires_on: datetime.date = strawberry.field(description="Last day in force.")
    kind: ConsentKind = strawberry.field(description="WRITTEN or VERBAL.")
    first_contact_by_phone: bool = strawberry.field(
        description="The first contact was by phone (the condition of a VERBAL release)."
    )
    evidence_reference: str | None = strawberry.field(
        description="Where the signed release is kept."
    )
    recorded_at: datetime.datetime = strawberry.field(description="When recorded.")
    revoked_at: datetime.datetime | None = strawberry.field(
        description="When the client withdrew it."
    )
    revocation_reason: str | None = strawberry.field(description="Why, if given.")

    @strawberry.field(description="Categories of data shared.")
    def categories(self, row: strawberry.Parent[release_models.Release]) -> list[ReleaseCategory]:
        return [enums.ReleaseCategory(c) for c in row.categories]

    @strawberry.field(description="True when in force today (started, not expired, not revoked).")
    def in_force(self, info: ResolverInfo) -> bool:
        today = info.context.today
        return self.revoked_at is None and self.starts_on <= today <= self.expires_on

    @strawberry.field(description="The agency that recorded the release.", graphql_type=Agency)
    async def releasing_agency(
        self, info: ResolverInfo, row: strawberry.Parent[release_models.Release]
    ) -> gov.Agency | None:
        return await by_id(info.context, gov.Agency).load(row.releasing_agency_id)

    @strawberry.field(description="The CAN shared with (scope CAN).", graphql_type=Can | None)
    async def can(
        self, info: ResolverInfo, row: strawberry.Parent[release_models.Release]
    ) -> gov.Can | None:
        can_id = row.scope_can_id
        return await by_id(info.context, gov.Can).load(can_id) if can_id else None

    @strawberry.field(
        description="The agencies shared with (scope AGENCIES).", graphql_type=list[Agency]
    )
    async def agencies(
        self, info: ResolverInfo, row: strawberry.Parent[release_models.Release]
    ) -> list[gov.Agency | None]:
        recipients = await many_by(
            info.context, release_models.ReleaseRecipient, "release_id"
        ).load(row.id)
        return await by_id(info.context, gov.Agency).load_many([r.agency_id for r in recipients])


@strawberry.type(description="A service within an enrollment (HUD Services.csv).")
@with_elements("Service", "output", after="id")
class Service:
    id: strawberry.ID = strawberry.field(description="Hearth id.")


@strawberry.type(description="The end of an enrollment (HUD Exit.csv).")
@with_elements("Exit", "output", after="id")
class Exit:
    id: strawberry.ID = strawberry.field(description="Hearth id.")


@strawberry.type(description="Income and benefits at a collection stage (HUD IncomeBenefits.csv).")
@with_elements("IncomeBenefits", "output", after="id")
class IncomeBenefits:
    id: strawberry.ID = strawberry.field(description="Hearth id.")


@strawberry.type(
    description="A disability at a collection stage (HUD Disabilities.csv). Type 10 is 42 CFR Part 2 data."
)
@with_elements("Disability", "output", after="id")
class Disability:
    id: strawberry.ID = strawberry.field(description="Hearth id.")


@strawberry.type(
    description="Health and domestic violence at a collection stage. Each group is null unless you may see it."
)
@with_elements("HealthAndDv", "output", after="id")
class HealthAndDv:
    id: strawberry.ID = strawberry.field(description="Hearth id.")


def health_view(
    row: enrollment_models.HealthAndDv,
    *,
    own: bool,
    access: ClientAccess | None,
    agency_id: Any = None,
) -> HealthAndDv:
    """A health and DV record with each group null unless the caller wrote it (``own``) or the
    writing agency (``agency_id``) shared the group's category with them."""
    fields = row_fields("HealthAndDv", row, own=own, access=access, agency_id=agency_id)
    return HealthAndDv(id=strawberry.ID(str(row.id)), **fields)


def enrollment_element(item: Element, root: Any, access: ClientAccess | None) -> Any:
    """An enrollment's (``root``) element with a category, as the caller may see it: null unless the
    enrollment's agency shares that category with them (``authz.clients.row_shows``)."""
    value = getattr(root, item.name, None)
    if value is None or access is None:
        return None
    return value if row_shows(item, own=False, access=access, agency_id=root.agency_id) else None


def _enrollment_element(item: Element, annotation: Any, description: str) -> Any:
    """An enrollment's element with a category (its HEALTH ones), null unless the enrollment's
    agency shares that category with the caller (``authz.clients.row_shows``): enrollments are
    served as they are loaded, from several places, so the mask is the field's."""

    async def resolve(root: enrollment_models.Enrollment, info: ResolverInfo) -> Any:
        if getattr(root, item.name, None) is None:
            return None
        access = await access_loader(info.context).load(root.client_id)
        return enrollment_element(item, root, access)

    resolve.element = item  # type: ignore[attr-defined]  # the compiled path's (schema.compiled)

    resolve.__annotations__ = {
        "root": strawberry.Parent[enrollment_models.Enrollment],
        "info": ResolverInfo,
        "return": annotation,
    }
    return strawberry.field(resolver=resolve, name=item.graphql_name, description=description)


@strawberry.type(description="A client's stay in a project (HUD Enrollment.csv).")
@with_elements("Enrollment", "output", after="id", guard=_enrollment_element)
class Enrollment(Node):
    id: strawberry.ID = strawberry.field(description="Hearth id (HUD EnrollmentID).")
    created_at: datetime.datetime = strawberry.field(description="When recorded.")

    @strawberry.field(description="The project.", graphql_type=Project)
    async def project(
        self, info: ResolverInfo, row: strawberry.Parent[enrollment_models.Enrollment]
    ) -> gov.Project | None:
        return await by_id(info.context, gov.Project).load(row.project_id)

    @strawberry.field(
        description="The client enrolled, as you may see them (identifying fields masked as "
        "everywhere). Null only if you may not see the client.",
        graphql_type="Client | None",
    )
    async def client(
        self, info: ResolverInfo, row: strawberry.Parent[enrollment_models.Enrollment]
    ) -> Client | None:
        found = await client_loader(info.context).load(row.client_id)
        return client_view(*found) if found is not None else None

    @strawberry.field(
        description="The household (5.09 HouseholdID within the project): the members you may "
        "see, each with their relationship to the head of household.",
    )
    async def household(
        self, info: ResolverInfo, row: strawberry.Parent[enrollment_models.Enrollment]
    ) -> Household:
        return await household_of(info.context, row)

    @strawberry.field(
        description="The exit, once the enrollment has ended.", graphql_type=Exit | None
    )
    async def exit(
        self, info: ResolverInfo, row: strawberry.Parent[enrollment_models.Enrollment]
    ) -> enrollment_models.Exit | None:
        rows = await _enrollment_rows(row, info, enrollment_models.Exit, ("id",))
        return rows[0] if rows else None

    @strawberry.field(
        description="Services provided, by date.",
        graphql_type=list[Service],
        deprecation_reason="Unpaged: use servicesConnection.",
    )
    async def services(
        self, info: ResolverInfo, row: strawberry.Parent[enrollment_models.Enrollment]
    ) -> list[enrollment_models.Service]:
        return await _enrollment_rows(row, info, enrollment_models.Service, _SERVICE_ORDER)

    @strawberry.field(
        description="Services provided, by date, in pages of at most 100 (one statement for "
        "every enrollment of the answer).",
        graphql_type=Connection[Service],
        extensions=[InputChecks()],
    )
    async def services_connection(
        self,
        info: ResolverInfo,
        row: strawberry.Parent[enrollment_models.Enrollment],
        first: FIRST = 50,
        after: AFTER = None,
    ) -> Connection[Any]:
        rows = await _enrollment_rows(row, info, enrollment_models.Service, _SERVICE_ORDER)
        return list_connection(rows, first, after)

    @strawberry.field(
        description="Where the client was living at each contact (4.12), by date, in pages of "
        "at most 100 (one statement for every enrollment of the answer).",
        graphql_type=Connection[records.CurrentLivingSituation],
        extensions=[InputChecks()],
    )
    async def current_living_situations_connection(
        self,
        info: ResolverInfo,
        row: strawberry.Parent[enrollment_models.Enrollment],
        first: FIRST = 50,
        after: AFTER = None,
    ) -> Connection[Any]:
        model = ce_models.CurrentLivingSituation
        order = ("information_date", "id")
        view = records.CurrentLivingSituation
        return await records.enrollment_page(info, row, model, view, order, first, after)

    @strawberry.field(
        description="Coordinated entry assessments (4.19) with their questions and results, by "
        "date, in pages of at most 100 (one statement for every enrollment of the answer).",
        graphql_type=Connection[records.Assessment],
        extensions=[InputChecks()],
    )
    async def assessments_connection(
        self,
        info: ResolverInfo,
        row: strawberry.Parent[enrollment_models.Enrollment],
        first: FIRST = 50,
        after: AFTER = None,
    ) -> Connection[Any]:
        order = ("assessment_date", "id")
        return await records.enrollment_page(
            info, row, ce_models.Assessment, records.Assessment, order, first, after
        )

    @strawberry.field(
        description="Coordinated entry events (4.20): referrals, diversions, placements, by "
        "date, in pages of at most 100 (one statement for every enrollment of the answer).",
        graphql_type=Connection[records.Event],
        extensions=[InputChecks()],
    )
    async def events_connection(
        self,
        info: ResolverInfo,
        row: strawberry.Parent[enrollment_models.Enrollment],
        first: FIRST = 50,
        after: AFTER = None,
    ) -> Connection[Any]:
        order = ("event_date", "id")
        return await records.enrollment_page(
            info, row, ce_models.Event, records.Event, order, first, after
        )

    @strawberry.field(
        description="Employment and education records (R4-R6), one per collection stage.",
        graphql_type=list[records.EmploymentEducation],
    )
    async def employment_education(
        self, info: ResolverInfo, row: strawberry.Parent[enrollment_models.Enrollment]
    ) -> list[Any]:
        model = enrollment_models.EmploymentEducation
        order = ("information_date", "id")
        return await records.enrollment_views(info, row, model, records.EmploymentEducation, order)

    @strawberry.field(
        description="A youth's education status records (C3), one per collection stage.",
        graphql_type=list[records.YouthEducationStatus],
    )
    async def youth_education_status(
        self, info: ResolverInfo, row: strawberry.Parent[enrollment_models.Enrollment]
    ) -> list[Any]:
        model = enrollment_models.YouthEducationStatus
        order = ("information_date", "id")
        return await records.enrollment_views(info, row, model, records.YouthEducationStatus, order)

    @strawberry.field(description="Income and benefits records.", graphql_type=list[IncomeBenefits])
    async def income_benefits(
        self, info: ResolverInfo, row: strawberry.Parent[enrollment_models.Enrollment]
    ) -> list[enrollment_models.IncomeBenefits]:
        order = ("information_date", "id")
        return await _enrollment_rows(row, info, enrollment_models.IncomeBenefits, order)

    @strawberry.field(
        description="Disabilities you may see (HEALTH; type 10 needs SUBSTANCE_USE).",
        graphql_type=list[Disability],
    )
    async def disabilities(
        self, info: ResolverInfo, row: strawberry.Parent[enrollment_models.Enrollment]
    ) -> list[enrollment_models.Disability]:
        order = ("information_date", "id")
        return await _enrollment_rows(row, info, enrollment_models.Disability, order)

    @strawberry.field(
        name="healthAndDv", description="Health and DV records, each group masked unless shared."
    )
    async def health_and_dv(
        self, info: ResolverInfo, row: strawberry.Parent[enrollment_models.Enrollment]
    ) -> list[HealthAndDv]:
        order = ("information_date", "id")
        records = await _enrollment_rows(row, info, enrollment_models.HealthAndDv, order)
        if not records:
            return []
        access = await access_loader(info.context).load(row.client_id)
        return [
            health_view(record, own=False, access=access, agency_id=row.agency_id)
            for record in records
        ]


_SERVICE_ORDER = ("date_provided", "id")


async def _enrollment_rows(
    enrollment: enrollment_models.Enrollment,
    info: ResolverInfo,
    model: type[_M],
    order: tuple[str, ...],
) -> list[_M]:
    """The enrollment's rows of ``model`` that the caller may see."""
    key = (enrollment.id, enrollment.agency_id, enrollment.client_id)
    return await rows_by_enrollment(info.context, model, order).load(key)


@strawberry.type(
    description="Who asked for a case note's deletion, who approved, why and when (policy 404)."
)
class CaseNoteDeletionRequest:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    reason: str = strawberry.field(description="Why deletion was asked for.")
    status: DeletionRequestStatus = strawberry.field(description="PENDING, APPROVED or DENIED.")
    requested_at: datetime.datetime = strawberry.field(description="When asked.")
    decided_at: datetime.datetime | None = strawberry.field(description="When decided.")
    decision_note: str | None = strawberry.field(description="The System Administrator's note.")

    @strawberry.field(description="The HDC who asked.")
    async def requested_by(
        self, info: ResolverInfo, row: strawberry.Parent[note_models.CaseNoteDeletionRequest]
    ) -> str:
        return await username(info.context, row.requested_by_id)

    @strawberry.field(description="The System Administrator who decided.")
    async def decided_by(
        self, info: ResolverInfo, row: strawberry.Parent[note_models.CaseNoteDeletionRequest]
    ) -> str | None:
        decided = row.decided_by_id
        return await username(info.context, decided) if decided else None

    @strawberry.field(description="The client's HMIS id.")
    def client_id(
        self, row: strawberry.Parent[note_models.CaseNoteDeletionRequest]
    ) -> strawberry.ID:
        return strawberry.ID(str(row.client_id))

    @strawberry.field(description="When the note was created (the date the HDC gave).")
    async def note_created_at(
        self, info: ResolverInfo, row: strawberry.Parent[note_models.CaseNoteDeletionRequest]
    ) -> datetime.datetime:
        # The System Administrator's queue reads each note's time with its page, past the wall as
        # the queue is (decision 97); other readers load the note under their own visibility.
        known: datetime.datetime | None = getattr(row, "note_created_at", None)
        if known is not None:
            return known
        note = await by_id(info.context, note_models.CaseNote).load(row.note_id)
        if note is not None:
            return note.created_at
        # A request answered outside the queue (the decision's own answer to the System
        # Administrator): the note's time, never its text, read past the wall.
        with row_security.system():
            hidden = await note_models.CaseNote.get(id=row.note_id).only("id", "created_at")
        return hidden.created_at


@strawberry.type(description="A case note. Agencies cannot edit or delete notes (policy 404).")
class CaseNote(Node):
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    created_at: datetime.datetime = strawberry.field(description="When written.")
    text: str | None = strawberry.field(description="The note; null once deleted under policy 404.")

    @strawberry.field(description="True once an approved deletion removed the text.")
    def deleted(self, row: strawberry.Parent[note_models.CaseNote]) -> bool:
        return row.deleted_at is not None

    @strawberry.field(description="The agency that wrote it.", graphql_type=Agency)
    async def agency(
        self, info: ResolverInfo, row: strawberry.Parent[note_models.CaseNote]
    ) -> gov.Agency | None:
        return await by_id(info.context, gov.Agency).load(row.agency_id)

    @strawberry.field(description="Who wrote it (username).")
    async def author(self, info: ResolverInfo, row: strawberry.Parent[note_models.CaseNote]) -> str:
        return await username(info.context, row.author_id)

    @strawberry.field(
        description="The approved deletion (the tombstone), if any.",
        graphql_type=CaseNoteDeletionRequest | None,
    )
    async def deletion(
        self, info: ResolverInfo, row: strawberry.Parent[note_models.CaseNote]
    ) -> note_models.CaseNoteDeletionRequest | None:
        if row.deleted_at is None:
            return None
        requests = await many_by(info.context, note_models.CaseNoteDeletionRequest, "note_id").load(
            row.id
        )
        approved = [r for r in requests if r.status == enums.DeletionRequestStatus.APPROVED]
        return approved[-1] if approved else None


@strawberry.type(
    description="A correction note on the record; the original value stays (policy 207 f)."
)
class RecordAnnotation:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    field: str = strawberry.field(description="The field annotated (GraphQL name), or 'record'.")
    kind: AnnotationKind = strawberry.field(description="INACCURATE, INCOMPLETE or SUPPLEMENT.")
    note: str = strawberry.field(description="The annotation or supplementary information.")
    created_at: datetime.datetime = strawberry.field(description="When added.")

    @strawberry.field(description="The agency that added it.", graphql_type=Agency)
    async def agency(
        self, info: ResolverInfo, row: strawberry.Parent[client_models.ClientAnnotation]
    ) -> gov.Agency | None:
        return await by_id(info.context, gov.Agency).load(row.agency_id)


@strawberry.type(
    description="A person served. Identifying fields are null unless `access` allows them."
)
@with_elements("Client", "output", after="id")
class Client(Node):
    id: strawberry.ID = strawberry.field(description="The HMIS id (HUD PersonalID).")
    version: int = strawberry.field(
        description="Pass to updateClient: a stale version gets CONFLICT."
    )
    created_at: datetime.datetime = strawberry.field(description="When created.")
    updated_at: datetime.datetime = strawberry.field(description="When last changed.")
    deidentified_at: datetime.datetime | None = strawberry.field(
        description="When the 7-year retention run removed the client's identifiers (policy "
        "303): names, SSN, contact and address are then null, the history stays. Null if never."
    )
    access: ClientAccessInfo = strawberry.field(description="What you may see and do, and why.")
    _access: strawberry.Private[ClientAccess]
    _model: strawberry.Private[client_models.Client]
    # GraphQL field name -> this client's rows, loaded for a whole page at once (prefetch_lists)
    _prefetched: strawberry.Private[dict[str, list[Any]]] = dataclasses.field(default_factory=dict)

    @strawberry.field(description="The agency that created the record.", graphql_type=Agency)
    async def created_by_agency(self, info: ResolverInfo) -> gov.Agency | None:
        return await by_id(info.context, gov.Agency).load(self._model.created_by_agency_id)

    @strawberry.field(
        description="Consents to enter data held by your agencies.",
        graphql_type=list[ConsentToEnter],
    )
    async def consents(self, info: ResolverInfo) -> list[client_models.ConsentToEnter]:
        rows = await many_by(info.context, client_models.ConsentToEnter, "client_id").load(
            self._model.id
        )
        return [r for r in rows if shows_consent(self._access, r)]

    @strawberry.field(
        description="Releases recorded by your agencies, and those that share this client with you.",
        graphql_type=list[ReleaseOfInformation],
    )
    async def releases(self, info: ResolverInfo) -> list[release_models.Release]:
        releases = CLIENT_LISTS["releases"]
        rows = await many_by(
            info.context, release_models.Release, "client_id", *releases.order
        ).load(self._model.id)
        return [r for r in rows if releases.keep(self._access, r)]

    # Declared sync on purpose: prefetched rows (prefetch_lists) are returned as a list, with no
    # coroutine, task or future per client; otherwise the loader's future is returned, which
    # graphql-core awaits as it would an async resolver's.
    @strawberry.field(
        description="Enrollments: your agencies' own, and others' shared by release (ENROLLMENT_AND_SERVICES).",
        graphql_type=list[Enrollment],
        deprecation_reason="Unpaged: use enrollmentsConnection.",
    )
    def enrollments(self, info: ResolverInfo) -> _Rows:
        return self._rows(info, "enrollments")

    @strawberry.field(
        description="Enrollments: your agencies' own, and others' shared by release "
        "(ENROLLMENT_AND_SERVICES), by entry date, in pages of at most 100 (one statement for "
        "every client of the answer).",
        graphql_type=Connection[Enrollment],
        extensions=[InputChecks()],
    )
    async def enrollments_connection(
        self, info: ResolverInfo, first: FIRST = 50, after: AFTER = None
    ) -> Connection[Any]:
        return list_connection(await self._all_rows(info, "enrollments"), first, after)

    @strawberry.field(
        description="Case notes: your agencies' own, and others' shared by release (CASE_NOTES).",
        graphql_type=list[CaseNote],
        deprecation_reason="Unpaged: use caseNotesConnection.",
    )
    def case_notes(self, info: ResolverInfo) -> _Rows:
        return self._rows(info, "caseNotes")

    @strawberry.field(
        description="Case notes: your agencies' own, and others' shared by release (CASE_NOTES), "
        "oldest first, in pages of at most 100 (one statement for every client of the answer).",
        graphql_type=Connection[CaseNote],
        extensions=[InputChecks()],
    )
    async def case_notes_connection(
        self, info: ResolverInfo, first: FIRST = 50, after: AFTER = None
    ) -> Connection[Any]:
        return list_connection(await self._all_rows(info, "caseNotes"), first, after)

    @strawberry.field(
        description="The client's coordinated entry assessments (4.19) with their questions and "
        "results, across the enrollments you see (enrollmentsConnection), by date, in pages of at "
        "most 100.",
        graphql_type=Connection[records.Assessment],
        extensions=[InputChecks()],
    )
    async def assessments_connection(
        self, info: ResolverInfo, first: FIRST = 50, after: AFTER = None
    ) -> Connection[Any]:
        return await self._across(info, ce_models.Assessment, records.Assessment, first, after)

    @strawberry.field(
        description="The client's coordinated entry events (4.20: referrals, diversions, "
        "placements) across the enrollments you see, by date, in pages of at most 100.",
        graphql_type=Connection[records.Event],
        extensions=[InputChecks()],
    )
    async def events_connection(
        self, info: ResolverInfo, first: FIRST = 50, after: AFTER = None
    ) -> Connection[Any]:
        return await self._across(info, ce_models.Event, records.Event, first, after)

    @strawberry.field(
        description="Where the client was living at each contact (4.12), across the enrollments "
        "you see, by date, in pages of at most 100.",
        graphql_type=Connection[records.CurrentLivingSituation],
        extensions=[InputChecks()],
    )
    async def current_living_situations_connection(
        self, info: ResolverInfo, first: FIRST = 50, after: AFTER = None
    ) -> Connection[Any]:
        return await self._across(
            info, ce_models.CurrentLivingSituation, records.CurrentLivingSituation, first, after
        )

    async def _across(
        self, info: ResolverInfo, model: type[Model], view: type[Any], first: int, after: str | None
    ) -> Connection[Any]:
        """The rows of ``model`` of every enrollment the caller sees, by date then id, as the
        policy masks them (one statement for all the enrollments: the loader batches them)."""
        enrollments = await self._all_rows(info, "enrollments")
        order = _ACROSS_ORDER[model]
        found = await asyncio.gather(
            *(records.enrollment_records(info.context, e, model, order) for e in enrollments)
        )
        enrollment_of = {
            row.pk: e for e, part in zip(enrollments, found, strict=True) for row in part
        }
        rows = sorted(
            (row for part in found for row in part),
            key=lambda row: tuple(getattr(row, name) for name in order),
        )
        page = list_connection(rows, first, after)
        page.nodes = [
            records.record_view(view, r, enrollment_of[r.pk], self._access) for r in page.nodes
        ]
        return page

    async def _all_rows(self, info: ResolverInfo, field_name: str) -> list[Any]:
        rows = self._rows(info, field_name)
        return rows if isinstance(rows, list) else await rows

    def _rows(self, info: ResolverInfo, field_name: str) -> _Rows:
        rows = self._prefetched.get(field_name)
        return (
            rows
            if rows is not None
            else _CLIENT_LISTS[field_name](info.context).load(self._model.id)
        )

    @strawberry.field(
        description="Corrections and supplements shown with the record (policy 207 f).",
        graphql_type=list[RecordAnnotation],
    )
    async def annotations(self, info: ResolverInfo) -> list[client_models.ClientAnnotation]:
        rows = await many_by(
            info.context, client_models.ClientAnnotation, "client_id", "created_at"
        ).load(self._model.id)
        return [r for r in rows if shows_annotation(self._access, r)]

    @strawberry.field(
        description="Who added, edited or deleted what in this record, and when (policy 207 d); READS lists who viewed, searched or exported it. Newest first, pages of at most 100.",
        extensions=[InputChecks()],
    )
    async def audit_trail(
        self,
        info: ResolverInfo,
        kind: Annotated[
            AuditTrailKind,
            strawberry.argument(
                description="Changes (added, edited, deleted) or reads (viewed, searched, exported)."
            ),
        ] = AuditTrailKind.CHANGES,
        first: First = 20,
        after: After = None,
    ) -> Connection[AuditEntry]:
        return await audit_trail(self._model.id, kind, first, after, self._access)


@dataclasses.dataclass(frozen=True, slots=True)
class ClientList:
    """A list of a client's rows (a ``Client`` field): the table, its order (a column of the
    client first: ``client_id``), and which rows the caller may see, as the client-data policy
    says it (``keep``: its Python statement of the rule; ``rows_by_client`` selects with the
    same rule's SQL, ``authz.clients.client_rows``). The field's resolver and the compiled path
    (``schema.compiled``) read the same declaration."""

    model: type[Model]
    order: tuple[str, ...]
    keep: Callable[[ClientAccess, Any], bool]
    # loaded by rows_by_client (the rule in SQL); else by many_by (the rule in Python)
    by_policy_sql: bool = True


def _sees(model: type[Model]) -> Callable[[ClientAccess, Any], bool]:
    return lambda access, row: sees(model, row, row.agency_id, access)


CLIENT_LISTS: dict[str, ClientList] = {
    "enrollments": ClientList(
        enrollment_models.Enrollment,
        ("entry_date", "id"),
        _sees(enrollment_models.Enrollment),
    ),
    "caseNotes": ClientList(
        note_models.CaseNote, ("created_at", "id"), _sees(note_models.CaseNote)
    ),
    "releases": ClientList(release_models.Release, ("id",), shows_release, by_policy_sql=False),
}


# A client's lists filtered to the rows the caller may see, by GraphQL field name: the loader
# both the field's resolver and prefetch_lists use.
def _loader(rows: ClientList) -> Callable[[Context], DataLoader[UUID, list[Any]]]:
    return lambda context: rows_by_client(context, rows.model, rows.order)


_CLIENT_LISTS: dict[str, Callable[[Context], DataLoader[UUID, list[Any]]]] = {
    name: _loader(rows) for name, rows in CLIENT_LISTS.items() if rows.by_policy_sql
}


# A paged list's field name -> the list it pages (the same rows, prefetched once).
PAGED_LISTS = {"enrollmentsConnection": "enrollments", "caseNotesConnection": "caseNotes"}


def client_list(context: Context, field_name: str) -> DataLoader[UUID, list[Any]]:
    """The loader of a client's list (``enrollments``, ``caseNotes``) as the caller may see it."""
    return _CLIENT_LISTS[field_name](context)


async def prefetch_lists(context: Context, views: list[Client], wanted: set[str]) -> None:
    """Load the lists a page of clients will be asked for (``wanted``: field names of its nodes;
    enrollments and case notes are loaded ahead), for the whole page now: the same batched
    statement the field's loader would send, so that each client's field is a plain list rather
    than a future awaited client by client."""
    if not views:
        return
    lists_wanted = {PAGED_LISTS.get(name, name) for name in wanted}
    for field_name in sorted(lists_wanted & _CLIENT_LISTS.keys()):
        lists = await _CLIENT_LISTS[field_name](context).load_many(
            [view._model.id for view in views]
        )
        for view, rows in zip(views, lists, strict=True):
            view._prefetched[field_name] = rows


def client_view(client: client_models.Client, access: ClientAccess) -> Client:
    """The client as this caller may see it: the masking layer decides every PII field."""
    fields = client_fields(client, access)
    fields["id"] = strawberry.ID(str(fields["id"]))
    return Client(**fields, access=_access_info(access), _access=access, _model=client)


# A client's records across enrollments: in each enrollment's order (by date, then id), from the
# one declaration of the record files.
_ACROSS_ORDER: dict[type[Model], tuple[str, ...]] = {
    record.model: tuple(name for name in record.order if name != "enrollment_id")
    for record in ENROLLMENT_RECORDS
}
