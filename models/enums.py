"""Enumerations shared by the models, the services and the GraphQL schema."""

from __future__ import annotations

from enum import Enum

__all__ = [
    "AccessLevel",
    "AccessRequestKind",
    "AccessRequestStatus",
    "AgencyStatus",
    "AnnotationKind",
    "AuditAction",
    "ConsentKind",
    "ConsentRelationship",
    "DeactivationReason",
    "DeletionRequestStatus",
    "Duty",
    "EscalationReviewer",
    "PendingGrantStatus",
    "ReleaseCategory",
    "ReleaseScope",
    "ServiceRole",
    "SystemRole",
    "UserStatus",
]


class AccessLevel(str, Enum):
    """Licensed end user access levels (policy 401)."""

    FULL = "FULL"
    VIEW_ONLY = "VIEW_ONLY"
    REPORTING_ONLY = "REPORTING_ONLY"


class Duty(str, Enum):
    """Duties a licensed end user holds within one agency (policies 107, 108)."""

    HMIS_DATA_COORDINATOR = "HMIS_DATA_COORDINATOR"
    AGENCY_SECURITY_COORDINATOR = "AGENCY_SECURITY_COORDINATOR"


class SystemRole(str, Enum):
    """System-wide roles, not tied to one agency."""

    SYSTEM_ADMINISTRATOR = "SYSTEM_ADMINISTRATOR"
    SECURITY_OFFICER = "SECURITY_OFFICER"
    LEAD_AGENCY = "LEAD_AGENCY"
    DSB_MEMBER = "DSB_MEMBER"
    VENDOR_SYNC = "VENDOR_SYNC"


class ServiceRole(str, Enum):
    """What a service account (a machine client, never a person) does."""

    VENDOR_SYNC = "VENDOR_SYNC"  # the HMIS vendor's user sync and LMS feed, system-wide
    CAN_REPORTING = "CAN_REPORTING"  # a CAN backbone agency's reporting job, within its CAN


class UserStatus(str, Enum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class AgencyStatus(str, Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    INACTIVE = "INACTIVE"


class AccessRequestKind(str, Enum):
    GRANT = "GRANT"
    REMOVE = "REMOVE"


class AccessRequestStatus(str, Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DENIED = "DENIED"


class ConsentKind(str, Enum):
    """How the client gave consent or a release (policy 207)."""

    WRITTEN = "WRITTEN"
    VERBAL = "VERBAL"


class ReleaseScope(str, Enum):
    """Who a release of information shares with."""

    AGENCIES = "AGENCIES"
    CAN = "CAN"
    STATEWIDE = "STATEWIDE"


class ReleaseCategory(str, Enum):
    """Categories of client data a release names. SUBSTANCE_USE is 42 CFR Part 2 data."""

    IDENTIFYING = "IDENTIFYING"
    ENROLLMENT_AND_SERVICES = "ENROLLMENT_AND_SERVICES"
    HEALTH = "HEALTH"
    SUBSTANCE_USE = "SUBSTANCE_USE"
    DOMESTIC_VIOLENCE = "DOMESTIC_VIOLENCE"
    CASE_NOTES = "CASE_NOTES"


class ConsentRelationship(str, Enum):
    """Why a second agency holds a client another agency entered (policy 207): it enrolled the
    client, or the client was referred to it."""

    ENROLLMENT = "ENROLLMENT"
    REFERRAL = "REFERRAL"


class AnnotationKind(str, Enum):
    """How a correction request is answered without deleting (policy 207 f)."""

    INACCURATE = "INACCURATE"
    INCOMPLETE = "INCOMPLETE"
    SUPPLEMENT = "SUPPLEMENT"


class DeletionRequestStatus(str, Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DENIED = "DENIED"


class AuditAction(str, Enum):
    """What an audit row records (DESIGN.md section 5; policy 207)."""

    VIEW = "VIEW"
    SEARCH = "SEARCH"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE_REQUEST = "DELETE_REQUEST"
    DELETE = "DELETE"
    EXPORT = "EXPORT"
    DENIED = "DENIED"


class EscalationReviewer(str, Enum):
    """Who must have reviewed before a level 3 deactivation (policy 212)."""

    HDC = "HDC"
    MANAGER = "MANAGER"


# governance rules (policies 105, 107, 212, 401)
class DeactivationReason(str, Enum):
    """Why an account was made inactive. ``deactivateUser`` takes the first three; the others are
    set by their own paths only: MISUSE by the escalation of policy 212 after the HDC's and the
    manager's reviews, SHARED_CONTACT and TRAINING_OVERDUE by the compliance deadlines."""

    LEFT_AGENCY = "LEFT_AGENCY"  # policy 107: the HDC notifies that the user left
    ACCESS_NO_LONGER_NEEDED = "ACCESS_NO_LONGER_NEEDED"  # policy 107
    CREDENTIALS_COMPROMISED = "CREDENTIALS_COMPROMISED"  # policy 109
    MISUSE = "MISUSE"  # policy 212, level 3
    SHARED_CONTACT = "SHARED_CONTACT"  # policies 109, 202
    TRAINING_OVERDUE = "TRAINING_OVERDUE"  # policy 211


class PendingGrantStatus(str, Enum):
    """A system-role grant that needs a second person (policy 105: Lead Agency)."""

    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
