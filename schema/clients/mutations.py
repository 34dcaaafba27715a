"""Client mutations: records under consent, releases, enrollments and what is collected in them,
case notes, corrections, CAN backbone staff. Each parses its input and calls a service."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from authz.clients import access_for
from authz.resources import Action, Resource
from models import case_notes as note_models
from models import clients as client_models
from models import enrollments as enrollment_models
from models import releases as release_models
from models.clients import Client as ClientModel
from models.enums import AnnotationKind as AnnotationKindEnum
from models.enums import ConsentKind as ConsentKindEnum
from schema.client_loaders import prime_access
from schema.client_types import (
    CaseNote,
    CaseNoteDeletionRequest,
    Client,
    ConsentToEnter,
    Disability,
    Enrollment,
    Exit,
    HealthAndDv,
    IncomeBenefits,
    RecordAnnotation,
    ReleaseOfInformation,
    Service,
    client_view,
    health_view,
)
from schema.clients.inputs import (
    AddCaseNoteInput,
    ConsentInput,
    CreateClientInput,
    CreateEnrollmentInput,
    DecideCaseNoteDeletionInput,
    ExitEnrollmentInput,
    MarkRecordInput,
    RecordConsentInput,
    RecordDisabilityInput,
    RecordHealthAndDvInput,
    RecordIncomeBenefitsInput,
    RecordReleaseInput,
    RecordServiceInput,
    RequestCaseNoteDeletionInput,
    SupplementRecordInput,
    UpdateClientInput,
)
from schema.context import ResolverInfo
from schema.hud_enums import plain
from schema.input_checks import MULTILINE
from schema.inputs import changes, optional_id, parse_id
from schema.operations import mutation
from schema.permissions import Requires
from services import can_staff as can_staff_service
from services import case_notes as note_service
from services import clients as service
from services import consents as consent_service
from services import enrollments as enrollment_service
from services import releases as release_service
from services.errors import ValidationFailed

__all__ = ["ClientMutation"]


def _consent(value: ConsentInput | None) -> service.ConsentData | None:
    if value is None:
        return None
    return service.ConsentData(
        kind=ConsentKindEnum(value.kind),
        taken_on=value.taken_on,
        first_contact_by_phone=value.first_contact_by_phone,
        evidence_reference=value.evidence_reference,
    )


def _elements(input: Any, *own: str) -> dict[str, Any]:
    """The element values an input carries: what the caller sent, less the input's own fields."""
    data = changes(input)
    for name in own:
        data.pop(name, None)
    return data


async def _view(info: ResolverInfo, client: ClientModel) -> Client:
    scope = await info.context.client_scope()
    access = await access_for(scope, [client])
    prime_access(info.context, access)
    return client_view(client, access[client.id])


@strawberry.type
class ClientMutation:
    @mutation(
        Requires(Resource.CLIENT, Action.CREATE),
        description="Create a client with their consent to enter data (required).",
    )
    async def create_client(self, info: ResolverInfo, input: CreateClientInput) -> Client:
        client = await service.create_client(
            caller=info.context.caller,
            agency_id=optional_id(input.agency_id, "agencyId"),
            data=_elements(input, "consent", "agency_id"),
            consent=_consent(input.consent),
        )
        return await _view(info, client)

    @mutation(
        Requires(Resource.CLIENT, Action.UPDATE),
        description="Change a client (optimistic locking by version).",
    )
    async def update_client(self, info: ResolverInfo, input: UpdateClientInput) -> Client:
        client = await service.update_client(
            caller=info.context.caller,
            client_id=parse_id(input.id, "id"),
            version=input.version,
            changes=_elements(input, "id", "version"),
        )
        return await _view(info, client)

    @mutation(
        Requires(Resource.CONSENT, Action.CREATE),
        description="Record consent for your agency to enter data about a client you can see.",
        graphql_type=ConsentToEnter,
    )
    async def record_consent(
        self, info: ResolverInfo, input: RecordConsentInput
    ) -> client_models.ConsentToEnter:
        enrollment = input.enrollment
        return await consent_service.record_consent(
            caller=info.context.caller,
            client_id=parse_id(input.client_id, "clientId"),
            agency_id=optional_id(input.agency_id, "agencyId"),
            consent=_consent(input.consent),
            referral_reference=input.referral_reference,
            enrollment=None
            if enrollment is None
            else consent_service.ConsentEnrollment(
                project_id=parse_id(enrollment.project_id, "enrollment.projectId"),
                entry_date=enrollment.entry_date,
                relationship_to_hoh=plain(enrollment.relationship_to_hoh),
                household_id=enrollment.household_id,
                data=_elements(
                    enrollment, "project_id", "entry_date", "relationship_to_hoh", "household_id"
                ),
            ),
        )

    @mutation(
        Requires(Resource.RELEASE, Action.CREATE),
        description="Record a release of information. Immutable; record a new one to change it.",
        graphql_type=ReleaseOfInformation,
    )
    async def record_release(
        self, info: ResolverInfo, input: RecordReleaseInput
    ) -> release_models.Release:
        return await release_service.record_release(
            caller=info.context.caller,
            client_id=parse_id(input.client_id, "clientId"),
            agency_id=optional_id(input.agency_id, "agencyId"),
            scope_kind=input.scope,
            recipient_agency_ids=[parse_id(a, "agencyIds") for a in input.agency_ids],
            can_id=optional_id(input.can_id, "canId"),
            categories=list(input.categories),
            starts_on=input.starts_on,
            expires_on=input.expires_on,
            kind=input.kind,
            evidence_reference=input.evidence_reference,
            first_contact_by_phone=input.first_contact_by_phone,
        )

    @mutation(
        Requires(Resource.RELEASE, Action.REVOKE),
        description="The client withdraws a release; it shares nothing from now on.",
        graphql_type=ReleaseOfInformation,
    )
    async def revoke_release(
        self,
        info: ResolverInfo,
        release_id: Annotated[
            strawberry.ID, strawberry.argument(description="The release to revoke.")
        ],
        reason: Annotated[
            str | None,
            strawberry.argument(description="Why (kept with the release).", metadata=MULTILINE),
        ] = None,
    ) -> release_models.Release:
        return await release_service.revoke_release(
            caller=info.context.caller,
            release_id=parse_id(release_id, "releaseId"),
            reason=reason,
        )

    @mutation(
        Requires(Resource.ENROLLMENT, Action.CREATE),
        description="Enroll a client in a project of your agency.",
        graphql_type=Enrollment,
    )
    async def create_enrollment(
        self, info: ResolverInfo, input: CreateEnrollmentInput
    ) -> enrollment_models.Enrollment:
        own = ("client_id", "project_id", "entry_date", "household_id", "relationship_to_hoh")
        return await enrollment_service.create_enrollment(
            caller=info.context.caller,
            client_id=parse_id(input.client_id, "clientId"),
            project_id=parse_id(input.project_id, "projectId"),
            entry_date=input.entry_date,
            household_id=input.household_id,
            relationship_to_hoh=plain(input.relationship_to_hoh),
            data=_elements(input, *own),
        )

    @mutation(
        Requires(Resource.ENROLLMENT, Action.UPDATE),
        description="End an enrollment.",
        graphql_type=Exit,
    )
    async def exit_enrollment(
        self, info: ResolverInfo, input: ExitEnrollmentInput
    ) -> enrollment_models.Exit:
        return await enrollment_service.exit_enrollment(
            caller=info.context.caller,
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            data=_elements(input, "enrollment_id"),
        )

    @mutation(
        Requires(Resource.SERVICE, Action.CREATE),
        description="Record a service within an enrollment.",
        graphql_type=Service,
    )
    async def record_service(
        self, info: ResolverInfo, input: RecordServiceInput
    ) -> enrollment_models.Service:
        return await enrollment_service.record_service(
            caller=info.context.caller,
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            data=_elements(input, "enrollment_id"),
        )

    @mutation(
        Requires(Resource.ENROLLMENT, Action.UPDATE),
        description="Record income and benefits at a collection stage.",
        graphql_type=IncomeBenefits,
    )
    async def record_income_benefits(
        self, info: ResolverInfo, input: RecordIncomeBenefitsInput
    ) -> enrollment_models.IncomeBenefits:
        return await enrollment_service.record_income_benefits(
            caller=info.context.caller,
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            data=_elements(input, "enrollment_id"),
        )

    @mutation(
        Requires(Resource.ENROLLMENT, Action.UPDATE),
        description="Record a disability at a collection stage.",
        graphql_type=Disability,
    )
    async def record_disability(
        self, info: ResolverInfo, input: RecordDisabilityInput
    ) -> enrollment_models.Disability:
        return await enrollment_service.record_disability(
            caller=info.context.caller,
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            data=_elements(input, "enrollment_id"),
        )

    @mutation(
        Requires(Resource.ENROLLMENT, Action.UPDATE),
        description="Record health and domestic violence at a collection stage.",
    )
    async def record_health_and_dv(
        self, info: ResolverInfo, input: RecordHealthAndDvInput
    ) -> HealthAndDv:
        row = await enrollment_service.record_health_and_dv(
            caller=info.context.caller,
            enrollment_id=parse_id(input.enrollment_id, "enrollmentId"),
            data=_elements(input, "enrollment_id"),
        )
        # The writer's own agency row: nothing is masked.
        return health_view(row, own=True, access=None)

    @mutation(
        Requires(Resource.CASE_NOTE, Action.CREATE),
        description="Add a case note. Notes cannot be edited or deleted by agencies (policy 404).",
        graphql_type=CaseNote,
    )
    async def add_case_note(
        self, info: ResolverInfo, input: AddCaseNoteInput
    ) -> note_models.CaseNote:
        return await note_service.add_case_note(
            caller=info.context.caller,
            client_id=parse_id(input.client_id, "clientId"),
            agency_id=optional_id(input.agency_id, "agencyId"),
            enrollment_id=optional_id(input.enrollment_id, "enrollmentId"),
            text=input.text,
        )

    @mutation(
        Requires(Resource.CASE_NOTE, Action.REQUEST_DELETION),
        description="The HDC asks for a case note's deletion (policy 404).",
        graphql_type=CaseNoteDeletionRequest,
    )
    async def request_case_note_deletion(
        self, info: ResolverInfo, input: RequestCaseNoteDeletionInput
    ) -> note_models.CaseNoteDeletionRequest:
        return await note_service.request_case_note_deletion(
            caller=info.context.caller,
            client_id=parse_id(input.client_id, "clientId"),
            note_created_on=input.note_created_on,
            note_id=optional_id(input.note_id, "noteId"),
            reason=input.reason,
        )

    @mutation(
        Requires(Resource.CASE_NOTE, Action.APPROVE_DELETION),
        description="Approve: the note's text is removed, a tombstone stays.",
        graphql_type=CaseNoteDeletionRequest,
    )
    async def approve_case_note_deletion(
        self, info: ResolverInfo, input: DecideCaseNoteDeletionInput
    ) -> note_models.CaseNoteDeletionRequest:
        return await _decide_note(info, input, approve=True)

    @mutation(
        Requires(Resource.CASE_NOTE, Action.APPROVE_DELETION),
        description="Deny a case note deletion request.",
        graphql_type=CaseNoteDeletionRequest,
    )
    async def deny_case_note_deletion(
        self, info: ResolverInfo, input: DecideCaseNoteDeletionInput
    ) -> note_models.CaseNoteDeletionRequest:
        return await _decide_note(info, input, approve=False)

    @mutation(
        Requires(Resource.CLIENT, Action.ANNOTATE),
        description="Mark a field inaccurate or incomplete (policy 207 f).",
        graphql_type=RecordAnnotation,
    )
    async def mark_record_inaccurate(
        self, info: ResolverInfo, input: MarkRecordInput
    ) -> client_models.ClientAnnotation:
        if input.kind == AnnotationKindEnum.SUPPLEMENT:
            raise ValidationFailed("Use supplementRecord to add information.", field="kind")
        kind = AnnotationKindEnum(input.kind)
        return await _annotate(
            info, input.client_id, input.field, input.note, kind, input.agency_id
        )

    @mutation(
        Requires(Resource.CLIENT, Action.ANNOTATE),
        description="Supplement a field with information; the original stays (policy 207 f).",
        graphql_type=RecordAnnotation,
    )
    async def supplement_record(
        self, info: ResolverInfo, input: SupplementRecordInput
    ) -> client_models.ClientAnnotation:
        kind = AnnotationKindEnum.SUPPLEMENT
        return await _annotate(
            info, input.client_id, input.field, input.note, kind, input.agency_id
        )

    @mutation(
        Requires(Resource.CAN_STAFF, Action.ASSIGN),
        description="Make a backbone agency user CAN backbone staff (sees the CAN's records).",
    )
    async def assign_can_backbone_staff(
        self,
        info: ResolverInfo,
        user_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The user, staff of the CAN's backbone agency."),
        ],
        can_id: Annotated[
            strawberry.ID, strawberry.argument(description="The Coordinated Access Network.")
        ],
    ) -> bool:
        await can_staff_service.assign_can_staff(
            caller=info.context.caller,
            user_id=parse_id(user_id, "userId"),
            can_id=parse_id(can_id, "canId"),
        )
        return True

    @mutation(
        Requires(Resource.CAN_STAFF, Action.ASSIGN),
        description="Remove a user from a CAN's backbone staff.",
    )
    async def remove_can_backbone_staff(
        self,
        info: ResolverInfo,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="The user.")],
        can_id: Annotated[
            strawberry.ID, strawberry.argument(description="The Coordinated Access Network.")
        ],
    ) -> bool:
        return await can_staff_service.remove_can_staff(
            caller=info.context.caller,
            user_id=parse_id(user_id, "userId"),
            can_id=parse_id(can_id, "canId"),
        )


async def _decide_note(
    info: ResolverInfo, input: DecideCaseNoteDeletionInput, *, approve: bool
) -> note_models.CaseNoteDeletionRequest:
    return await note_service.decide_case_note_deletion(
        caller=info.context.caller,
        request_id=parse_id(input.request_id, "requestId"),
        approve=approve,
        note=input.note,
    )


async def _annotate(
    info: ResolverInfo,
    client_id: strawberry.ID,
    field: str,
    note: str,
    kind: AnnotationKindEnum,
    agency_id: strawberry.ID | None,
) -> client_models.ClientAnnotation:
    return await service.annotate_client(
        caller=info.context.caller,
        client_id=parse_id(client_id, "clientId"),
        field=field,
        kind=kind,
        note=note,
        agency_id=optional_id(agency_id, "agencyId"),
    )
