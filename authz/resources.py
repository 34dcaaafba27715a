"""The one vocabulary of resources, actions and roles for resolvers, policies.csv and tests."""

from __future__ import annotations

from enum import Enum

from models.enums import AccessLevel, Duty, ServiceRole, SystemRole

__all__ = [
    "Action",
    "Resource",
    "Role",
    "role_for_duty",
    "role_for_level",
    "role_for_service",
    "role_for_system",
]


class Resource(str, Enum):
    AGENCY = "agency"
    PROJECT = "project"
    # a project's HUD records the HDC keeps current (107): funders, inventory, participation
    PROJECT_DATA = "project_data"
    CAN = "can"
    USER = "user"
    ACCESS_REQUEST = "access_request"
    DUTY = "duty"
    SYSTEM_ROLE = "system_role"
    TRAINING = "training"
    CLIENT = "client"
    CONSENT = "consent"
    RELEASE = "release"
    ENROLLMENT = "enrollment"
    SERVICE = "service"
    CASE_NOTE = "case_note"
    CAN_STAFF = "can_staff"
    SERVICE_ACCOUNT = "service_account"
    ACCESS_REPORT = "access_report"
    ACCESS_REVIEW = "access_review"
    HELPDESK_TICKET = "helpdesk_ticket"
    RETRAINING = "retraining"
    COMPLIANCE_CASE = "compliance_case"
    JOB_RUN = "job_run"
    HUD_CSV = "hud_csv"
    GOVERNANCE_LOG = "governance_log"
    # the Data Strategy Board (102, 103, 111, 113)
    DSB = "dsb"
    GOVERNANCE_CALENDAR = "governance_calendar"
    # outside access requests (attachment)
    OUTSIDE_ACCESS = "outside_access"
    # incidents (106, 108, 202) and grievances (114)
    INCIDENT = "incident"
    INCIDENT_REPORT = "incident_report"
    GRIEVANCE = "grievance"
    GRIEVANCE_SUBCOMMITTEE = "grievance_subcommittee"
    # certification and security contacts (105, 108, 201, 210)
    CERTIFICATION_ITEM = "certification_item"
    CERTIFICATION = "certification"
    AGENCY_CASE = "agency_case"
    MONITORING_SAMPLE = "monitoring_sample"
    SECURITY_CONTACT = "security_contact"
    SECURITY_PLAN_REVIEW = "security_plan_review"
    # releasing data (405): aggregate data requests and Data Sharing Agreements
    DATA_REQUEST = "data_request"
    DATA_SHARING_AGREEMENT = "data_sharing_agreement"
    # the 7-year retention run (303)
    RETENTION = "retention"
    # aggregate reports with small-cell suppression (109, 405): counts, never rows
    AGGREGATE_REPORT = "aggregate_report"
    # the HUD data quality report (301, 302)
    DATA_QUALITY_REPORT = "data_quality_report"
    QUALITY_REVIEW = "quality_review"  # policy 302: the quarterly data quality review


class Action(str, Enum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    RECORD_MOU = "record_mou"
    SYNC = "sync"
    DEACTIVATE = "deactivate"
    INVITE = "invite"
    REQUEST = "request"
    DECIDE = "decide"
    ASSIGN = "assign"
    RECORD = "record"
    MANAGE = "manage"
    EXPORT = "export"
    REVOKE = "revoke"
    ANNOTATE = "annotate"
    REQUEST_DELETION = "request_deletion"
    APPROVE_DELETION = "approve_deletion"
    PUBLISH = "publish"
    NOTIFY = "notify"
    # outside access requests (attachment): the subcommittee vets
    VET = "vet"
    # governance rules (105, 401)
    NAME = "name"  # the Lead Agency names the Security Officer and the System Administrator
    # certification and security contacts (105, 108, 201, 210)
    ACKNOWLEDGE = "acknowledge"
    # releasing data (405): the Lead Agency produces a DSA's encrypted extract
    EXTRACT = "extract"
    # the 7-year retention run (303): dry-run and run a plan the board authorized
    RUN = "run"


class Role(str, Enum):
    """Casbin role names (the ``sub`` of policies.csv lines)."""

    LEVEL_FULL = "role:level_full"
    LEVEL_VIEW_ONLY = "role:level_view_only"
    LEVEL_REPORTING_ONLY = "role:level_reporting_only"
    HDC = "role:hdc"
    SECURITY_COORDINATOR = "role:security_coordinator"
    SYSTEM_ADMINISTRATOR = "role:system_administrator"
    SECURITY_OFFICER = "role:security_officer"
    LEAD_AGENCY = "role:lead_agency"
    DSB_MEMBER = "role:dsb_member"
    VENDOR_SYNC = "role:vendor_sync"
    CAN_BACKBONE = "role:can_backbone"
    # A CAN backbone agency's reporting service account, held in each agency of its CAN.
    CAN_REPORTING = "role:can_reporting"


_LEVEL_ROLES = {
    AccessLevel.FULL: Role.LEVEL_FULL,
    AccessLevel.VIEW_ONLY: Role.LEVEL_VIEW_ONLY,
    AccessLevel.REPORTING_ONLY: Role.LEVEL_REPORTING_ONLY,
}
_DUTY_ROLES = {
    Duty.HMIS_DATA_COORDINATOR: Role.HDC,
    Duty.AGENCY_SECURITY_COORDINATOR: Role.SECURITY_COORDINATOR,
}
_SYSTEM_ROLES = {
    SystemRole.SYSTEM_ADMINISTRATOR: Role.SYSTEM_ADMINISTRATOR,
    SystemRole.SECURITY_OFFICER: Role.SECURITY_OFFICER,
    SystemRole.LEAD_AGENCY: Role.LEAD_AGENCY,
    SystemRole.DSB_MEMBER: Role.DSB_MEMBER,
    SystemRole.VENDOR_SYNC: Role.VENDOR_SYNC,
}

_SERVICE_ROLES = {
    ServiceRole.VENDOR_SYNC: Role.VENDOR_SYNC,
    ServiceRole.CAN_REPORTING: Role.CAN_REPORTING,
}


def role_for_level(level: AccessLevel) -> Role:
    return _LEVEL_ROLES[level]


def role_for_duty(duty: Duty) -> Role:
    return _DUTY_ROLES[duty]


def role_for_system(role: SystemRole) -> Role:
    return _SYSTEM_ROLES[role]


def role_for_service(role: ServiceRole) -> Role:
    return _SERVICE_ROLES[role]
