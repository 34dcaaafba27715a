"""Every root query and mutation declares exactly one Hearth permission, and none is dead."""

from __future__ import annotations

import csv
from typing import Any

import pytest
from strawberry.permission import PermissionExtension

from authz.enforcer import POLICY_PATH
from authz.resources import Action, Resource
from schema import build_schema
from schema.permissions import Authenticated, HearthPermission, Public, Requires

# Deliberate lists: a new Public or merely-Authenticated root field needs a change here.
PUBLIC_FIELDS = {"login", "verifyMfa", "refreshSession", "acceptInvitation"}
AUTHENTICATED_FIELDS = {
    "me",
    "reauthenticateMfa",
    "logout",
    # incidents (106, 108, 202) and grievances (114): anyone signed in reports an
    # incident; reading, and a grievance's steps, are decided per record by the services
    "reportSecurityIncident",
    "securityIncidents",
    "securityIncident",
    "grievances",
    "grievance",
    "recordGrievanceOutcome",
    "escalateGrievance",
    "withdrawGrievance",
    # the End User Agreement (401): a user signs it before any other operation
    "signEndUserAgreement",
    # Relay's node(id:): it then checks the permission of the type's own root field
    # (schema.node.NODE_TYPES; tests/schema/test_node.py holds it to that field's answers)
    "node",
}
# Client records: the exact permission each root field checks, written out by hand so a
# field guarded by the wrong pair (say, deleting a note under case_note:create) shows up here.
CLIENT_RECORD_FIELDS = {
    "Query.clients": (Resource.CLIENT, Action.READ),
    "Query.client": (Resource.CLIENT, Action.READ),
    "Query.clientRecordExport": (Resource.CLIENT, Action.EXPORT),
    "Query.projectRoster": (Resource.CLIENT, Action.READ),
    "Query.household": (Resource.CLIENT, Action.READ),
    "Query.coordinatedEntry": (Resource.CLIENT, Action.READ),
    "Mutation.recordCurrentLivingSituation": (Resource.ENROLLMENT, Action.UPDATE),
    "Mutation.recordAssessment": (Resource.ENROLLMENT, Action.UPDATE),
    "Mutation.recordEvent": (Resource.ENROLLMENT, Action.UPDATE),
    "Mutation.recordEmploymentEducation": (Resource.ENROLLMENT, Action.UPDATE),
    "Mutation.recordYouthEducationStatus": (Resource.ENROLLMENT, Action.UPDATE),
    "Query.caseNoteDeletionRequests": (Resource.CASE_NOTE, Action.APPROVE_DELETION),
    "Mutation.createClient": (Resource.CLIENT, Action.CREATE),
    "Mutation.updateClient": (Resource.CLIENT, Action.UPDATE),
    "Mutation.markRecordInaccurate": (Resource.CLIENT, Action.ANNOTATE),
    "Mutation.supplementRecord": (Resource.CLIENT, Action.ANNOTATE),
    "Mutation.recordConsent": (Resource.CONSENT, Action.CREATE),
    "Mutation.recordRelease": (Resource.RELEASE, Action.CREATE),
    "Mutation.revokeRelease": (Resource.RELEASE, Action.REVOKE),
    "Mutation.createEnrollment": (Resource.ENROLLMENT, Action.CREATE),
    "Mutation.exitEnrollment": (Resource.ENROLLMENT, Action.UPDATE),
    "Mutation.recordIncomeBenefits": (Resource.ENROLLMENT, Action.UPDATE),
    "Mutation.recordDisability": (Resource.ENROLLMENT, Action.UPDATE),
    "Mutation.recordHealthAndDv": (Resource.ENROLLMENT, Action.UPDATE),
    "Mutation.recordService": (Resource.SERVICE, Action.CREATE),
    "Mutation.addCaseNote": (Resource.CASE_NOTE, Action.CREATE),
    "Mutation.requestCaseNoteDeletion": (Resource.CASE_NOTE, Action.REQUEST_DELETION),
    "Mutation.approveCaseNoteDeletion": (Resource.CASE_NOTE, Action.APPROVE_DELETION),
    "Mutation.denyCaseNoteDeletion": (Resource.CASE_NOTE, Action.APPROVE_DELETION),
    "Mutation.assignCanBackboneStaff": (Resource.CAN_STAFF, Action.ASSIGN),
    "Mutation.removeCanBackboneStaff": (Resource.CAN_STAFF, Action.ASSIGN),
}
CLIENT_RESOURCES = {
    Resource.CLIENT,
    Resource.CONSENT,
    Resource.RELEASE,
    Resource.ENROLLMENT,
    Resource.SERVICE,
    Resource.CASE_NOTE,
    Resource.CAN_STAFF,
}


def _root_fields() -> dict[str, Any]:
    """``"Query.me" -> StrawberryField`` for every root field of the built schema."""
    graphql_schema = build_schema()._schema
    fields = {}
    for root in (graphql_schema.query_type, graphql_schema.mutation_type):
        assert root is not None
        for name, field in root.fields.items():
            fields[f"{root.name}.{name}"] = field.extensions["strawberry-definition"]
    return fields


def _permissions(field: Any) -> list[Any]:
    """The permissions of a field's PermissionExtensions (each extension's list, flattened)."""
    return [
        permission
        for extension in field.extensions
        if isinstance(extension, PermissionExtension)
        for permission in extension.permissions
    ]


FIELDS = _root_fields()


def _declared(kind: type[HearthPermission]) -> set[str]:
    return {
        path.split(".", 1)[1]
        for path, field in FIELDS.items()
        if any(isinstance(permission, kind) for permission in _permissions(field))
    }


def _granted_pairs() -> set[tuple[str, str]]:
    with POLICY_PATH.open(newline="") as handle:
        rows = csv.reader(
            line for line in handle if line.strip() and not line.lstrip().startswith("#")
        )
        return {(row[2].strip(), row[3].strip()) for row in rows if row[0].strip() == "p"}


def test_the_schema_has_root_queries_and_mutations() -> None:
    assert any(path.startswith("Query.") for path in FIELDS)
    assert any(path.startswith("Mutation.") for path in FIELDS)


def test_every_root_field_declares_exactly_one_hearth_permission() -> None:
    problems = []
    for path, field in sorted(FIELDS.items()):
        extensions = [e for e in field.extensions if isinstance(e, PermissionExtension)]
        permissions = _permissions(field)
        if len(extensions) != 1 or len(permissions) != 1:
            problems.append(
                f"{path}: {len(extensions)} permission extensions, {len(permissions)} permissions"
            )
        elif not isinstance(permissions[0], HearthPermission):
            problems.append(f"{path}: {type(permissions[0]).__name__} is not a HearthPermission")
        elif type(permissions[0]) not in (Public, Authenticated, Requires):
            problems.append(f"{path}: unexpected permission class {type(permissions[0]).__name__}")
        elif extensions[0].fail_silently:
            problems.append(f"{path}: the permission fails silently (null instead of an error)")
    assert not problems, (
        "root fields without exactly one Public/Authenticated/Requires:\n" + "\n".join(problems)
    )


def test_only_the_sign_in_operations_are_public() -> None:
    assert _declared(Public) == PUBLIC_FIELDS


def test_only_the_session_operations_skip_the_role_matrix() -> None:
    assert _declared(Authenticated) == AUTHENTICATED_FIELDS


@pytest.mark.parametrize(
    "path",
    sorted(p for p, f in FIELDS.items() if any(isinstance(x, Requires) for x in _permissions(f))),
)
def test_every_can_is_granted_to_some_role(path: str) -> None:
    # given the field's Requires(resource, action)
    (permission,) = _permissions(FIELDS[path])
    assert isinstance(permission.resource, Resource)
    assert isinstance(permission.action, Action)
    # then some role in policies.csv holds it (else no one could ever call the field)
    assert (permission.resource.value, permission.action.value) in _granted_pairs(), path


@pytest.mark.parametrize("path", sorted(CLIENT_RECORD_FIELDS))
def test_each_client_record_field_checks_its_own_permission(path: str) -> None:
    (permission,) = _permissions(FIELDS[path])
    assert isinstance(permission, Requires), path
    assert (permission.resource, permission.action) == CLIENT_RECORD_FIELDS[path]


def test_every_root_field_on_client_data_is_in_the_client_table() -> None:
    # a new root field guarded by a client-record resource must be added to the table above
    on_client_data = {
        path
        for path, field in FIELDS.items()
        for permission in _permissions(field)
        if isinstance(permission, Requires) and permission.resource in CLIENT_RESOURCES
    }
    assert on_client_data == set(CLIENT_RECORD_FIELDS)


def test_a_field_without_a_permission_would_be_caught() -> None:
    # the walk sees through to the extensions: a bare strawberry field has none
    import strawberry

    @strawberry.type
    class Bare:
        @strawberry.field(description="x")
        def naked(self) -> int:
            return 1

    field = Bare.__strawberry_definition__.fields[0]  # type: ignore[attr-defined]
    assert _permissions(field) == []
