"""The inputs of client operations. Client data elements come from the element registry
(``schema.elements``); the rest is declared here."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import strawberry

from models.enums import AnnotationKind as AnnotationKindEnum
from schema.client_types import AnnotationKind, ConsentKind, ReleaseCategory, ReleaseScope
from schema.elements import with_elements
from schema.input_checks import MULTILINE

__all__ = [
    "AddCaseNoteInput",
    "ClientSearchInput",
    "ConsentEnrollmentInput",
    "ConsentInput",
    "CreateClientInput",
    "CreateEnrollmentInput",
    "DecideCaseNoteDeletionInput",
    "ExitEnrollmentInput",
    "MarkRecordInput",
    "RecordConsentInput",
    "RecordDisabilityInput",
    "RecordHealthAndDvInput",
    "RecordIncomeBenefitsInput",
    "RecordReleaseInput",
    "RecordServiceInput",
    "RequestCaseNoteDeletionInput",
    "SupplementRecordInput",
    "UpdateClientInput",
]


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
    )
    taken_on: datetime.date = strawberry.field(
        description="When the client consented (not in the future)."
    )
    first_contact_by_phone: bool = strawberry.field(
        default=False, description="Required true for VERBAL."
    )
    evidence_reference: str | None = strawberry.field(
        default=None, description="Where the form or call note is kept."
    )


@strawberry.input(
    description="A new client (HUD universal data elements). Data quality codes default to 99."
)
@with_elements("Client", "create")
class CreateClientInput:
    consent: ConsentInput | None = strawberry.field(
        description="Required: the consent to enter data, recorded with the client."
    )
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your agency; needed only if you act for several."
    )


@strawberry.input(
    description="Changes to a client; omitted fields stay. `version` must be the one you read."
)
@with_elements("Client", "update")
class UpdateClientInput:
    id: strawberry.ID = strawberry.field(description="The client.")
    version: int = strawberry.field(description="The version you read; a stale one gets CONFLICT.")


@strawberry.input(
    description="The enrollment a second agency records with its consent (HUD Enrollment.csv)."
)
@with_elements("Enrollment", "create", after="project_id")
class ConsentEnrollmentInput:
    project_id: strawberry.ID = strawberry.field(description="A project of your agency.")
    household_id: str | None = strawberry.field(
        default=None,
        description="Join this household; omit to start one (then relationshipToHoH must be SELF).",
    )
    if TYPE_CHECKING:  # elements the registry adds (with_elements) that recordConsent reads
        entry_date: datetime.date
        relationship_to_hoh: int


@strawberry.input(
    description="Consent for your agency to enter data about a client another agency entered and you can see (policy 207). It needs its evidence, and your relationship with the client: enroll them with it (`enrollment`), or name the referral that brought them (`referralReference`)."
)
class RecordConsentInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    consent: ConsentInput | None = strawberry.field(
        description="Required: the consent, with its evidenceReference."
    )
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your agency, if several."
    )
    enrollment: ConsentEnrollmentInput | None = strawberry.field(
        default=None, description="The client's enrollment at your agency, recorded with it."
    )
    referral_reference: str | None = strawberry.field(
        default=None,
        description="The referral that brought the client to your agency (its reference, at most 200 characters), when you do not enroll them now.",
    )


@strawberry.input(
    description="A release of information (policy 207): what is shared, with whom, until when."
)
class RecordReleaseInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    scope: ReleaseScope = strawberry.field(
        description="AGENCIES (name them), CAN (name it) or STATEWIDE."
    )
    categories: list[ReleaseCategory] = strawberry.field(
        description="What is shared. SUBSTANCE_USE must be named to share Part 2 data."
    )
    starts_on: datetime.date = strawberry.field(description="First day in force.")
    expires_on: datetime.date | None = strawberry.field(
        description="Required: last day in force, not before startsOn."
    )
    kind: ConsentKind = strawberry.field(
        description="WRITTEN, or VERBAL when the first contact is by phone."
    )
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
    first_contact_by_phone: bool = strawberry.field(
        default=False, description="Required true for a VERBAL release."
    )


@strawberry.input(description="A new enrollment (HUD Enrollment.csv).")
@with_elements("Enrollment", "create", after="project_id")
class CreateEnrollmentInput:
    client_id: strawberry.ID = strawberry.field(
        description="The client; the project's agency must hold their consent."
    )
    project_id: strawberry.ID = strawberry.field(description="The project.")
    household_id: str | None = strawberry.field(
        default=None,
        description="Join this household; omit to start one (then relationshipToHoH must be SELF).",
    )
    if TYPE_CHECKING:  # elements the registry adds (with_elements) that createEnrollment reads
        entry_date: datetime.date
        relationship_to_hoh: int


@strawberry.input(description="End an enrollment.")
@with_elements("Exit", "create")
class ExitEnrollmentInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")


@strawberry.input(description="A service within an enrollment's dates.")
@with_elements("Service", "create")
class RecordServiceInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")


@strawberry.input(description="Income and benefits at a collection stage.")
@with_elements("IncomeBenefits", "create", after="enrollment_id")
class RecordIncomeBenefitsInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")


@strawberry.input(description="A disability at a collection stage.")
@with_elements("Disability", "create")
class RecordDisabilityInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")


@strawberry.input(
    name="RecordHealthAndDvInput", description="Health and domestic violence at a collection stage."
)
@with_elements("HealthAndDv", "create")
class RecordHealthAndDvInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrollment.")


@strawberry.input(
    description="A new case note. It cannot be edited or deleted afterwards by the agency."
)
class AddCaseNoteInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    text: str = strawberry.field(
        description="The note (1 to 20,000 characters).", metadata=MULTILINE
    )
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
    reason: str = strawberry.field(description="Why it must be deleted.", metadata=MULTILINE)
    note_id: strawberry.ID | None = strawberry.field(
        default=None, description="Needed when several notes share that date."
    )


@strawberry.input(description="The System Administrator's decision.")
class DecideCaseNoteDeletionInput:
    request_id: strawberry.ID = strawberry.field(description="The request.")
    note: str | None = strawberry.field(
        default=None, description="Note kept with the decision.", metadata=MULTILINE
    )


@strawberry.input(
    description="Mark a field inaccurate or incomplete (policy 207 f); the original value stays."
)
class MarkRecordInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    field: str = strawberry.field(
        description="GraphQL field name (firstName, dob, ssn, ...), or 'record'."
    )
    note: str = strawberry.field(description="What is wrong or missing.", metadata=MULTILINE)
    kind: AnnotationKind = strawberry.field(
        default=AnnotationKindEnum.INACCURATE, description="INACCURATE or INCOMPLETE."
    )
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your agency, if several."
    )


@strawberry.input(description="Supplementary information shown with a field (policy 207 f).")
class SupplementRecordInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    field: str = strawberry.field(description="GraphQL field name, or 'record'.")
    note: str = strawberry.field(description="The supplementary information.", metadata=MULTILINE)
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="Your agency, if several."
    )
