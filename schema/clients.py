"""Client records under consent: search, records, releases, enrollments, notes, corrections."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from authz.clients import access_for
from authz.resources import Action, Resource
from models.case_notes import CaseNoteDeletionRequest as DeletionModel
from models.enums import AnnotationKind as AnnotationKindEnum
from models.enums import ConsentKind as ConsentKindEnum
from schema.audit import note_search
from schema.client_loaders import prime_access
from schema.client_types import (
    AnnotationKind,
    CaseNote,
    CaseNoteDeletionRequest,
    Client,
    ConsentKind,
    ConsentToEnter,
    DeletionRequestStatus,
    Disability,
    Enrollment,
    Exit,
    HealthAndDv,
    IncomeBenefits,
    RecordAnnotation,
    ReleaseCategory,
    ReleaseOfInformation,
    ReleaseScope,
    Service,
    client_view,
    health_view,
    prefetch_lists,
)
from schema.inputs import changes, not_null, parse_id
from schema.loaders import selected_below
from schema.operations import mutation, query
from schema.permissions import Can
from schema.relay import Connection, to_connection
from services import can_staff as can_staff_service
from services import case_notes as note_service
from services import client_export
from services import clients as service
from services import enrollments as enrollment_service
from services import releases as release_service
from services.errors import ValidationFailed
from services.pagination import paginate

__all__ = ["ClientMutation", "ClientQuery"]


@strawberry.input(
    description="Search criteria; at least one. Name, DOB and SSN match only clients whose identifying data you may see."
)
class ClientSearchInput:
    name: str | None = strawberry.field(
        default=None, description="Words matching the start of first or last names."
    )
    dob: datetime.date | None = strawberry.field(default=None, description="Exact date of birth.")
    ssn_last_four: str | None = strawberry.field(
        default=None, description="Last four digits of the SSN."
    )
    hmis_id: strawberry.ID | None = strawberry.field(
        default=None, description="The client's HMIS id."
    )


@strawberry.input(description="The client's consent to enter data (policy 207).")
class ConsentInput:
    kind: ConsentKind = strawberry.field(
        description="WRITTEN, or VERBAL when the first contact is by phone."
    )  # type: ignore[valid-type]
    taken_on: datetime.date = strawberry.field(
        description="When the client consented (not in the future)."
    )
    first_contact_by_phone: bool = strawberry.field(
        default=False, description="Required true for VERBAL."
    )
    evidence_reference: str | None = strawberry.field(
        default=None, description="Where the form or call note is kept."
    )


def _consent(value: ConsentInput | None) -> service.ConsentData | None:
    if value is None:
        return None
    return service.ConsentData(
        kind=ConsentKindEnum(value.kind),
        taken_on=value.taken_on,
        first_contact_by_phone=value.first_contact_by_phone,
        evidence_reference=value.evidence_reference,
    )


@strawberry.input(
    description="A new client (HUD universal data elements). Data quality codes default to 99."
)
class CreateClientInput:
    consent: ConsentInput | None = strawberry.field(
        description="Required: the consent to enter data, recorded with the client."
    )
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your agency; needed only if you act for several."
    )
    first_name: str | None = strawberry.field(default=None, description="3.01 FirstName.")
    middle_name: str | None = strawberry.field(default=None, description="3.01 MiddleName.")
    last_name: str | None = strawberry.field(default=None, description="3.01 LastName.")
    name_suffix: str | None = strawberry.field(default=None, description="3.01 NameSuffix.")
    name_data_quality: int = strawberry.field(
        default=99, description="3.01 NameDataQuality (1, 2, 8, 9, 99)."
    )
    ssn: str | None = strawberry.field(
        default=None, description="3.02 SSN: nine digits, 'x' for unknown ones."
    )
    ssn_data_quality: int = strawberry.field(default=99, description="3.02 SSNDataQuality.")
    dob: datetime.date | None = strawberry.field(default=None, description="3.03 DOB.")
    dob_data_quality: int = strawberry.field(default=99, description="3.03 DOBDataQuality.")
    am_ind_ak_native: int = strawberry.field(default=0, description="3.04 (0/1).")
    asian: int = strawberry.field(default=0, description="3.04 (0/1).")
    black_af_american: int = strawberry.field(default=0, description="3.04 (0/1).")
    hispanic_latinao: int = strawberry.field(default=0, description="3.04 (0/1).")
    mid_east_n_african: int = strawberry.field(default=0, description="3.04 (0/1).")
    native_hi_pacific: int = strawberry.field(default=0, description="3.04 (0/1).")
    white: int = strawberry.field(default=0, description="3.04 (0/1).")
    race_none: int | None = strawberry.field(
        default=None, description="3.04 RaceNone (8, 9, 99) when no flag is 1."
    )
    additional_race_ethnicity: str | None = strawberry.field(
        default=None, description="3.04 AdditionalRaceEthnicity."
    )
    sex: int | None = strawberry.field(default=None, description="4.21 Sex (0, 1, 8, 9, 99).")
    veteran_status: int = strawberry.field(default=99, description="3.07 VeteranStatus (1.8).")
    phone: str | None = strawberry.field(default=None, description="Phone.")
    email: str | None = strawberry.field(default=None, description="E-mail.")
    address_line1: str | None = strawberry.field(default=None, description="Address.")
    address_line2: str | None = strawberry.field(default=None, description="Address, second line.")
    city: str | None = strawberry.field(default=None, description="City.")
    state: str | None = strawberry.field(default=None, description="State.")
    zip_code: str | None = strawberry.field(default=None, description="ZIP code.")


@strawberry.input(
    description="Changes to a client; omitted fields stay. `version` must be the one you read."
)
class UpdateClientInput:
    id: strawberry.ID = strawberry.field(description="The client.")
    version: int = strawberry.field(description="The version you read; a stale one gets CONFLICT.")
    first_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="3.01 FirstName."
    )
    middle_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="3.01 MiddleName."
    )
    last_name: str | None = strawberry.field(default=strawberry.UNSET, description="3.01 LastName.")
    name_suffix: str | None = strawberry.field(
        default=strawberry.UNSET, description="3.01 NameSuffix."
    )
    name_data_quality: int | None = strawberry.field(
        default=strawberry.UNSET, description="3.01 NameDataQuality."
    )
    ssn: str | None = strawberry.field(default=strawberry.UNSET, description="3.02 SSN.")
    ssn_data_quality: int | None = strawberry.field(
        default=strawberry.UNSET, description="3.02 SSNDataQuality."
    )
    dob: datetime.date | None = strawberry.field(default=strawberry.UNSET, description="3.03 DOB.")
    dob_data_quality: int | None = strawberry.field(
        default=strawberry.UNSET, description="3.03 DOBDataQuality."
    )
    am_ind_ak_native: int | None = strawberry.field(default=strawberry.UNSET, description="3.04.")
    asian: int | None = strawberry.field(default=strawberry.UNSET, description="3.04.")
    black_af_american: int | None = strawberry.field(default=strawberry.UNSET, description="3.04.")
    hispanic_latinao: int | None = strawberry.field(default=strawberry.UNSET, description="3.04.")
    mid_east_n_african: int | None = strawberry.field(default=strawberry.UNSET, description="3.04.")
    native_hi_pacific: int | None = strawberry.field(default=strawberry.UNSET, description="3.04.")
    white: int | None = strawberry.field(default=strawberry.UNSET, description="3.04.")
    race_none: int | None = strawberry.field(default=strawberry.UNSET, description="3.04 RaceNone.")
    additional_race_ethnicity: str | None = strawberry.field(
        default=strawberry.UNSET, description="3.04."
    )
    sex: int | None = strawberry.field(default=strawberry.UNSET, description="4.21 Sex.")
    veteran_status: int | None = strawberry.field(
        default=strawberry.UNSET, description="3.07 VeteranStatus."
    )
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="Phone.")
    email: str | None = strawberry.field(default=strawberry.UNSET, description="E-mail.")
    address_line1: str | None = strawberry.field(default=strawberry.UNSET, description="Address.")
    address_line2: str | None = strawberry.field(
        default=strawberry.UNSET, description="Address, second line."
    )
    city: str | None = strawberry.field(default=strawberry.UNSET, description="City.")
    state: str | None = strawberry.field(default=strawberry.UNSET, description="State.")
    zip_code: str | None = strawberry.field(default=strawberry.UNSET, description="ZIP code.")


_NOT_NULL_CLIENT = (
    "name_data_quality",
    "ssn_data_quality",
    "dob_data_quality",
    "am_ind_ak_native",
    "asian",
    "black_af_american",
    "hispanic_latinao",
    "mid_east_n_african",
    "native_hi_pacific",
    "white",
    "veteran_status",
)


@strawberry.input(
    description="Consent for another of your agencies to enter data about a client it can see."
)
class RecordConsentInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    consent: ConsentInput | None = strawberry.field(description="Required: the consent.")
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your agency, if several."
    )


@strawberry.input(
    description="A release of information (policy 207): what is shared, with whom, until when."
)
class RecordReleaseInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    scope: ReleaseScope = strawberry.field(
        description="AGENCIES (name them), CAN (name it) or STATEWIDE."
    )  # type: ignore[valid-type]
    categories: list[ReleaseCategory] = strawberry.field(
        description="What is shared. SUBSTANCE_USE must be named to share Part 2 data."
    )  # type: ignore[valid-type]
    starts_on: datetime.date = strawberry.field(description="First day in force.")
    expires_on: datetime.date | None = strawberry.field(
        description="Required: last day in force, not before startsOn."
    )
    kind: ConsentKind = strawberry.field(description="WRITTEN or VERBAL.")  # type: ignore[valid-type]
    agency_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Agencies shared with (scope AGENCIES)."
    )
    can_id: strawberry.ID | None = strawberry.field(
        default=None, description="The CAN shared with (scope CAN)."
    )
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your agency (the releasing one), if several."
    )
    evidence_reference: str | None = strawberry.field(
        default=None, description="Where the signed release is kept."
    )


@strawberry.input(description="A new enrollment (HUD Enrollment.csv).")
class CreateEnrollmentInput:
    client_id: strawberry.ID = strawberry.field(
        description="The client; the project's agency must hold their consent."
    )
    project_id: strawberry.ID = strawberry.field(description="The project.")
    entry_date: datetime.date = strawberry.field(description="3.10 EntryDate.")
    relationship_to_hoh: int = strawberry.field(
        name="relationshipToHoH", description="3.15 (1 = head of household)."
    )
    household_id: str | None = strawberry.field(
        default=None,
        description="Join this household; omit to start one (then relationshipToHoH must be 1).",
    )
    enrollment_coc: str | None = strawberry.field(
        default=None, name="enrollmentCoC", description="3.16 (CT-503, CT-505)."
    )
    living_situation: int | None = strawberry.field(
        default=None, description="3.917 LivingSituation."
    )
    rental_subsidy_type: int | None = strawberry.field(
        default=None, description="3.917 RentalSubsidyType."
    )
    length_of_stay: int | None = strawberry.field(default=None, description="3.917 LengthOfStay.")
    los_under_threshold: int | None = strawberry.field(
        default=None, name="losUnderThreshold", description="3.917 LOSUnderThreshold."
    )
    previous_street_essh: int | None = strawberry.field(
        default=None, name="previousStreetESSH", description="3.917 PreviousStreetESSH."
    )
    date_to_street_essh: datetime.date | None = strawberry.field(
        default=None, name="dateToStreetESSH", description="3.917 DateToStreetESSH."
    )
    times_homeless_past_three_years: int | None = strawberry.field(
        default=None, description="3.917.4."
    )
    months_homeless_past_three_years: int | None = strawberry.field(
        default=None, description="3.917.5."
    )
    disabling_condition: int = strawberry.field(default=99, description="3.08 DisablingCondition.")
    move_in_date: datetime.date | None = strawberry.field(
        default=None, description="3.20 MoveInDate."
    )
    date_of_engagement: datetime.date | None = strawberry.field(
        default=None, description="DateOfEngagement."
    )


@strawberry.input(description="End an enrollment.")
class ExitEnrollmentInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")
    exit_date: datetime.date = strawberry.field(
        description="3.11 ExitDate: not before entry, not in the future."
    )
    destination: int = strawberry.field(description="3.12 Destination.")
    destination_subsidy_type: int | None = strawberry.field(default=None, description="3.12.A.")
    other_destination: str | None = strawberry.field(default=None, description="OtherDestination.")


@strawberry.input(description="A service within an enrollment's dates.")
class RecordServiceInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")
    date_provided: datetime.date = strawberry.field(description="Within the enrollment.")
    record_type: int = strawberry.field(description="HUD RecordType (1.4).")
    type_provided: int = strawberry.field(description="HUD TypeProvided.")
    other_type_provided: str | None = strawberry.field(
        default=None, description="OtherTypeProvided."
    )
    fa_amount: Decimal | None = strawberry.field(default=None, description="FAAmount.")


@strawberry.input(description="An income source marked yes.")
class IncomeSourceInput:
    source: str = strawberry.field(description="HUD name: Earned, Unemployment, SSI, SSDI, ...")
    amount: Decimal = strawberry.field(description="Monthly amount.")


@strawberry.input(description="Income and benefits at a collection stage.")
class RecordIncomeBenefitsInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")
    information_date: datetime.date = strawberry.field(description="InformationDate.")
    data_collection_stage: int = strawberry.field(
        description="5.03 (1 entry, 2 update, 3 exit, 5 annual, 6 post-exit)."
    )
    income_from_any_source: int | None = strawberry.field(default=None, description="1.8.")
    income_sources: list[IncomeSourceInput] = strawberry.field(
        default_factory=list, description="Sources marked yes."
    )
    benefits_from_any_source: int | None = strawberry.field(default=None, description="1.8.")
    insurance_from_any_source: int | None = strawberry.field(default=None, description="1.8.")


@strawberry.input(description="A disability at a collection stage.")
class RecordDisabilityInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")
    information_date: datetime.date = strawberry.field(description="InformationDate.")
    data_collection_stage: int = strawberry.field(description="5.03.")
    disability_type: int = strawberry.field(
        description="1.3 (5-10; 10 is substance use, 42 CFR Part 2)."
    )
    disability_response: int = strawberry.field(description="1.8 (4.10.2 for type 10).")
    indefinite_and_impairs: int | None = strawberry.field(default=None, description="1.8.")


@strawberry.input(
    name="RecordHealthAndDvInput", description="Health and domestic violence at a collection stage."
)
class RecordHealthAndDvInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")
    information_date: datetime.date = strawberry.field(description="InformationDate.")
    data_collection_stage: int = strawberry.field(description="5.03.")
    domestic_violence_survivor: int | None = strawberry.field(default=None, description="4.11.")
    when_occurred: int | None = strawberry.field(default=None, description="4.11.A.")
    currently_fleeing: int | None = strawberry.field(default=None, description="4.11.")
    general_health_status: int | None = strawberry.field(default=None, description="R7.")
    dental_health_status: int | None = strawberry.field(default=None, description="R7.")
    mental_health_status: int | None = strawberry.field(default=None, description="R7.")
    pregnancy_status: int | None = strawberry.field(default=None, description="1.8.")
    due_date: datetime.date | None = strawberry.field(default=None, description="DueDate.")


@strawberry.input(
    description="A new case note. It cannot be edited or deleted afterwards by the agency."
)
class AddCaseNoteInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    text: str = strawberry.field(description="The note (1 to 20,000 characters).")
    enrollment_id: strawberry.ID | None = strawberry.field(
        default=None, description="The enrollment it concerns."
    )
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your agency, if several."
    )


@strawberry.input(description="The HDC's request to delete a case note (policy 404).")
class RequestCaseNoteDeletionInput:
    client_id: strawberry.ID = strawberry.field(description="The client's HMIS id.")
    note_created_on: datetime.date = strawberry.field(description="The date the note was created.")
    reason: str = strawberry.field(description="Why it must be deleted.")
    note_id: strawberry.ID | None = strawberry.field(
        default=None, description="Needed when several notes share that date."
    )


@strawberry.input(description="The System Administrator's decision.")
class DecideCaseNoteDeletionInput:
    request_id: strawberry.ID = strawberry.field(description="The request.")
    note: str | None = strawberry.field(default=None, description="Note kept with the decision.")


@strawberry.input(
    description="Mark a field inaccurate or incomplete (policy 207 f); the original value stays."
)
class MarkRecordInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    field: str = strawberry.field(
        description="GraphQL field name (firstName, dob, ssn, ...), or 'record'."
    )
    note: str = strawberry.field(description="What is wrong or missing.")
    kind: AnnotationKind = strawberry.field(
        default=AnnotationKindEnum.INACCURATE, description="INACCURATE or INCOMPLETE."
    )  # type: ignore[valid-type]
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your agency, if several."
    )


@strawberry.input(description="Supplementary information shown with a field (policy 207 f).")
class SupplementRecordInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    field: str = strawberry.field(description="GraphQL field name, or 'record'.")
    note: str = strawberry.field(description="The supplementary information.")
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your agency, if several."
    )


def _opt_id(value: strawberry.ID | None, field: str) -> object:
    return parse_id(value, field) if value is not None else None


async def _view(info: Info, client: object) -> Client:
    scope = await info.context.client_scope()
    access = await access_for(scope, [client])  # type: ignore[list-item]
    prime_access(info.context, access)
    return client_view(client, access[client.id])  # type: ignore[attr-defined]


@strawberry.type
class ClientQuery:
    @query(
        Can(Resource.CLIENT, Action.READ),
        description="Find clients. Refuses empty criteria. Pages of at most 100.",
    )
    async def clients(
        self, info: Info, search: ClientSearchInput, first: int = 20, after: str | None = None
    ) -> Connection[Client]:
        ctx = info.context
        scope = await ctx.client_scope()
        criteria = service.SearchCriteria(
            name=search.name,
            dob=search.dob,
            ssn_last_four=search.ssn_last_four,
            hmis_id=parse_id(search.hmis_id, "search.hmisId")
            if search.hmis_id is not None
            else None,
        )
        # A sync job walking pages, or a list without a count, does not pay for counting.
        selected = info.selected_fields
        counted = "totalCount" in selected_below(selected, ())
        page = await service.search_clients(
            scope, criteria, first=first, after=after, count=counted
        )
        note_search(ctx, [name for name, value in vars(search).items() if value])
        access = await access_for(scope, page.items)
        prime_access(ctx, access)
        connection = to_connection(page, lambda c: client_view(c, access[c.id]))
        await prefetch_lists(
            ctx, connection.nodes, selected_below(selected, ("nodes",), ("edges", "node"))
        )
        return connection

    @query(
        Can(Resource.CLIENT, Action.READ),
        description="One client; NOT_FOUND if you may not see it.",
    )
    async def client(self, info: Info, id: strawberry.ID) -> Client:
        scope = await info.context.client_scope()
        client, access = await service.get_visible_client(scope, parse_id(id, "id"), field="id")
        prime_access(info.context, {client.id: access})
        return client_view(client, access)

    @query(
        Can(Resource.CLIENT, Action.EXPORT),
        description="The client's copy of their record (policy 207 e), as JSON: what your agency holds, or for CAN backbone staff what was recorded under the CAN.",
    )
    async def client_record_export(self, info: Info, client_id: strawberry.ID) -> JSON:
        ctx = info.context
        return await client_export.client_record_export(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            client_id=parse_id(client_id, "clientId"),
            now=ctx.now,
        )

    @query(
        Can(Resource.CASE_NOTE, Action.APPROVE_DELETION),
        description="Case note deletion requests (policy 404).",
    )
    async def case_note_deletion_requests(
        self,
        info: Info,
        status: DeletionRequestStatus | None = None,
        first: int = 50,
        after: str | None = None,  # type: ignore[valid-type]
    ) -> Connection[CaseNoteDeletionRequest]:
        qs = DeletionModel.all() if status is None else DeletionModel.filter(status=status)
        return to_connection(await paginate(qs, first=first, after=after))


@strawberry.type
class ClientMutation:
    @mutation(
        Can(Resource.CLIENT, Action.CREATE),
        description="Create a client with their consent to enter data (required).",
    )
    async def create_client(self, info: Info, input: CreateClientInput) -> Client:
        ctx = info.context
        data = changes(input)
        consent = data.pop("consent")
        agency_id = data.pop("agency_id")
        client = await service.create_client(
            decisions=ctx.decisions,
            agency_id=_opt_id(agency_id, "agencyId"),  # type: ignore[arg-type]
            data=data,
            consent=_consent(consent),
            now=ctx.now,
            today=ctx.today,
        )
        return await _view(info, client)

    @mutation(
        Can(Resource.CLIENT, Action.UPDATE),
        description="Change a client (optimistic locking by version).",
    )
    async def update_client(self, info: Info, input: UpdateClientInput) -> Client:
        ctx = info.context
        data = not_null(changes(input), *_NOT_NULL_CLIENT)
        client_id, version = parse_id(data.pop("id"), "id"), data.pop("version")
        client = await service.update_client(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            client_id=client_id,
            version=version,
            changes=data,
            now=ctx.now,
        )
        ctx._client_scope = None
        return await _view(info, client)

    @mutation(
        Can(Resource.CONSENT, Action.CREATE),
        description="Record consent for your agency to enter data about a client you can see.",
    )
    async def record_consent(self, info: Info, input: RecordConsentInput) -> ConsentToEnter:
        ctx = info.context
        return await service.record_consent(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            client_id=parse_id(input.client_id, "clientId"),
            agency_id=_opt_id(input.agency_id, "agencyId"),  # type: ignore[arg-type]
            consent=_consent(input.consent),
            now=ctx.now,
        )

    @mutation(
        Can(Resource.RELEASE, Action.CREATE),
        description="Record a release of information. Immutable; record a new one to change it.",
    )
    async def record_release(self, info: Info, input: RecordReleaseInput) -> ReleaseOfInformation:
        ctx = info.context
        return await release_service.record_release(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            client_id=parse_id(input.client_id, "clientId"),
            agency_id=_opt_id(input.agency_id, "agencyId"),  # type: ignore[arg-type]
            scope_kind=input.scope,
            recipient_agency_ids=[parse_id(a, "agencyIds") for a in input.agency_ids],
            can_id=_opt_id(input.can_id, "canId"),  # type: ignore[arg-type]
            categories=list(input.categories),
            starts_on=input.starts_on,
            expires_on=input.expires_on,
            kind=input.kind,
            evidence_reference=input.evidence_reference,
            now=ctx.now,
        )

    @mutation(
        Can(Resource.RELEASE, Action.REVOKE),
        description="The client withdraws a release; it shares nothing from now on.",
    )
    async def revoke_release(
        self, info: Info, release_id: strawberry.ID, reason: str | None = None
    ) -> ReleaseOfInformation:
        ctx = info.context
        return await release_service.revoke_release(
            decisions=ctx.decisions,
            release_id=parse_id(release_id, "releaseId"),
            reason=reason,
            now=ctx.now,
        )

    @mutation(
        Can(Resource.ENROLLMENT, Action.CREATE),
        description="Enroll a client in a project of your agency.",
    )
    async def create_enrollment(self, info: Info, input: CreateEnrollmentInput) -> Enrollment:
        ctx = info.context
        data = changes(input)
        for key in ("client_id", "project_id", "entry_date", "household_id", "relationship_to_hoh"):
            data.pop(key)
        return await enrollment_service.create_enrollment(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            client_id=parse_id(input.client_id, "clientId"),
            project_id=parse_id(input.project_id, "projectId"),
            entry_date=input.entry_date,
            household_id=input.household_id,
            relationship_to_hoh=input.relationship_to_hoh,
            data=data,
            now=ctx.now,
        )

    @mutation(Can(Resource.ENROLLMENT, Action.UPDATE), description="End an enrollment.")
    async def exit_enrollment(self, info: Info, input: ExitEnrollmentInput) -> Exit:
        ctx = info.context
        return await enrollment_service.exit_enrollment(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            exit_date=input.exit_date,
            destination=input.destination,
            destination_subsidy_type=input.destination_subsidy_type,
            other_destination=input.other_destination,
            now=ctx.now,
        )

    @mutation(
        Can(Resource.SERVICE, Action.CREATE), description="Record a service within an enrollment."
    )
    async def record_service(self, info: Info, input: RecordServiceInput) -> Service:
        ctx = info.context
        return await enrollment_service.record_service(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            date_provided=input.date_provided,
            record_type=input.record_type,
            type_provided=input.type_provided,
            other_type_provided=input.other_type_provided,
            fa_amount=input.fa_amount,
            now=ctx.now,
        )

    @mutation(
        Can(Resource.ENROLLMENT, Action.UPDATE),
        description="Record income and benefits at a collection stage.",
    )
    async def record_income_benefits(
        self, info: Info, input: RecordIncomeBenefitsInput
    ) -> IncomeBenefits:
        ctx = info.context
        sources: dict[str, Decimal] = {}
        for item in input.income_sources:
            if item.source in sources:
                raise ValidationFailed("Each income source once.", field="incomeSources")
            sources[item.source] = item.amount
        return await enrollment_service.record_income_benefits(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            information_date=input.information_date,
            stage=input.data_collection_stage,
            income_from_any_source=input.income_from_any_source,
            income_sources=sources,
            benefits_from_any_source=input.benefits_from_any_source,
            insurance_from_any_source=input.insurance_from_any_source,
            now=ctx.now,
        )

    @mutation(
        Can(Resource.ENROLLMENT, Action.UPDATE),
        description="Record a disability at a collection stage.",
    )
    async def record_disability(self, info: Info, input: RecordDisabilityInput) -> Disability:
        ctx = info.context
        return await enrollment_service.record_disability(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            information_date=input.information_date,
            stage=input.data_collection_stage,
            disability_type=input.disability_type,
            disability_response=input.disability_response,
            indefinite_and_impairs=input.indefinite_and_impairs,
            now=ctx.now,
        )

    @mutation(
        Can(Resource.ENROLLMENT, Action.UPDATE),
        description="Record health and domestic violence at a collection stage.",
    )
    async def record_health_and_dv(self, info: Info, input: RecordHealthAndDvInput) -> HealthAndDv:
        ctx = info.context
        data = changes(input)
        enrollment_id = parse_id(data.pop("enrollment_id"), "enrollmentId")
        information_date, stage = data.pop("information_date"), data.pop("data_collection_stage")
        row = await enrollment_service.record_health_and_dv(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            enrollment_id=enrollment_id,
            information_date=information_date,
            stage=stage,
            data=data,
            now=ctx.now,
        )
        # The writer's own agency row: nothing is masked.
        return health_view(row, own=True, access=None)  # type: ignore[arg-type]

    @mutation(
        Can(Resource.CASE_NOTE, Action.CREATE),
        description="Add a case note. Notes cannot be edited or deleted by agencies (policy 404).",
    )
    async def add_case_note(self, info: Info, input: AddCaseNoteInput) -> CaseNote:
        ctx = info.context
        return await note_service.add_case_note(
            decisions=ctx.decisions,
            scope=await ctx.client_scope(),
            client_id=parse_id(input.client_id, "clientId"),
            agency_id=_opt_id(input.agency_id, "agencyId"),  # type: ignore[arg-type]
            enrollment_id=_opt_id(input.enrollment_id, "enrollmentId"),  # type: ignore[arg-type]
            text=input.text,
            now=ctx.now,
        )

    @mutation(
        Can(Resource.CASE_NOTE, Action.REQUEST_DELETION),
        description="The HDC asks for a case note's deletion (policy 404).",
    )
    async def request_case_note_deletion(
        self, info: Info, input: RequestCaseNoteDeletionInput
    ) -> CaseNoteDeletionRequest:
        ctx = info.context
        return await note_service.request_case_note_deletion(
            decisions=ctx.decisions,
            client_id=parse_id(input.client_id, "clientId"),
            note_created_on=input.note_created_on,
            note_id=_opt_id(input.note_id, "noteId"),  # type: ignore[arg-type]
            reason=input.reason,
            timezone=ctx.timezone,
            now=ctx.now,
        )

    @mutation(
        Can(Resource.CASE_NOTE, Action.APPROVE_DELETION),
        description="Approve: the note's text is removed, a tombstone stays.",
    )
    async def approve_case_note_deletion(
        self, info: Info, input: DecideCaseNoteDeletionInput
    ) -> CaseNoteDeletionRequest:
        return await _decide_note(info, input, approve=True)

    @mutation(
        Can(Resource.CASE_NOTE, Action.APPROVE_DELETION),
        description="Deny a case note deletion request.",
    )
    async def deny_case_note_deletion(
        self, info: Info, input: DecideCaseNoteDeletionInput
    ) -> CaseNoteDeletionRequest:
        return await _decide_note(info, input, approve=False)

    @mutation(
        Can(Resource.CLIENT, Action.ANNOTATE),
        description="Mark a field inaccurate or incomplete (policy 207 f).",
    )
    async def mark_record_inaccurate(self, info: Info, input: MarkRecordInput) -> RecordAnnotation:
        if input.kind == AnnotationKindEnum.SUPPLEMENT:
            raise ValidationFailed("Use supplementRecord to add information.", field="kind")
        return await _annotate(
            info, input.client_id, input.field, input.note, input.kind, input.agency_id
        )

    @mutation(
        Can(Resource.CLIENT, Action.ANNOTATE),
        description="Supplement a field with information; the original stays (policy 207 f).",
    )
    async def supplement_record(self, info: Info, input: SupplementRecordInput) -> RecordAnnotation:
        return await _annotate(
            info,
            input.client_id,
            input.field,
            input.note,
            AnnotationKindEnum.SUPPLEMENT,
            input.agency_id,
        )

    @mutation(
        Can(Resource.CAN_STAFF, Action.ASSIGN),
        description="Make a backbone agency user CAN backbone staff (sees the CAN's records).",
    )
    async def assign_can_backbone_staff(
        self, info: Info, user_id: strawberry.ID, can_id: strawberry.ID
    ) -> bool:
        ctx = info.context
        await can_staff_service.assign_can_staff(
            decisions=ctx.decisions,
            user_id=parse_id(user_id, "userId"),
            can_id=parse_id(can_id, "canId"),
            now=ctx.now,
        )
        return True

    @mutation(
        Can(Resource.CAN_STAFF, Action.ASSIGN),
        description="Remove a user from a CAN's backbone staff.",
    )
    async def remove_can_backbone_staff(
        self, info: Info, user_id: strawberry.ID, can_id: strawberry.ID
    ) -> bool:
        ctx = info.context
        return await can_staff_service.remove_can_staff(
            decisions=ctx.decisions,
            user_id=parse_id(user_id, "userId"),
            can_id=parse_id(can_id, "canId"),
        )


async def _decide_note(
    info: Info, input: DecideCaseNoteDeletionInput, *, approve: bool
) -> CaseNoteDeletionRequest:
    ctx = info.context
    return await note_service.decide_case_note_deletion(
        decisions=ctx.decisions,
        request_id=parse_id(input.request_id, "requestId"),
        approve=approve,
        note=input.note,
        now=ctx.now,
    )


async def _annotate(
    info: Info,
    client_id: strawberry.ID,
    field: str,
    note: str,
    kind: AnnotationKindEnum,
    agency_id: strawberry.ID | None,
) -> RecordAnnotation:
    ctx = info.context
    return await service.annotate_client(
        decisions=ctx.decisions,
        scope=await ctx.client_scope(),
        client_id=parse_id(client_id, "clientId"),
        field=field,
        kind=AnnotationKindEnum(kind),
        note=note,
        agency_id=_opt_id(agency_id, "agencyId"),  # type: ignore[arg-type]
        now=ctx.now,
    )
