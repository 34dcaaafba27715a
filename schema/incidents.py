"""Security and confidentiality incidents (policies 106, 108, 202) as GraphQL."""

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
from schema.operations import mutation, query
from schema.permissions import Authenticated, Requires
from schema.relay import Connection, Node, to_connection
from services import incidents as service

__all__ = ["IncidentMutation", "IncidentQuery"]

# GraphQL enums are the models' enums (annotations name the Python enum).
IncidentKind = models.IncidentKind
described_enum(
    IncidentKind,
    name="IncidentKind",
    description="UNAUTHORIZED_ACCESS, CREDENTIAL_COMPROMISE (a password or MFA contact exposed or "
    "shared), LOST_OR_STOLEN_DEVICE, IMPROPER_DISCLOSURE (client information given to the wrong "
    "party), MALWARE, OTHER.",
    values={
        "UNAUTHORIZED_ACCESS": "Someone reached data or the system without authorisation.",
        "CREDENTIAL_COMPROMISE": "A password or MFA contact exposed or shared.",
        "LOST_OR_STOLEN_DEVICE": "A device with access or data lost or stolen.",
        "IMPROPER_DISCLOSURE": "Client information given to the wrong party.",
        "MALWARE": "Malicious software on a device with access.",
        "OTHER": "Anything else (described in the report).",
    },
)
IncidentStatus = models.IncidentStatus
described_enum(
    IncidentStatus,
    name="IncidentStatus",
    description="REPORTED, CONTAINED (containment recorded), CLOSED.",
    values={
        "REPORTED": "Reported, not yet contained.",
        "CONTAINED": "Containment recorded.",
        "CLOSED": "Closed by the System Administrator or the Security Officer.",
    },
)


@strawberry.type(description="Who was notified of a breach, how and when.")
class BreachNotification:
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    notified_party: str = strawberry.field(
        description="Who: the affected clients, an authority, a funder."
    )
    method: str = strawberry.field(description="How: letter, e-mail, telephone ...")
    notified_at: datetime.datetime = strawberry.field(description="When they were notified.")
    recorded_at: datetime.datetime = strawberry.field(description="When it was recorded.")


@strawberry.type(
    description="The clients an incident affected, as the reader may know them: the ids of those "
    "the client-data policy lets the reader see, and only how many the others are."
)
class AffectedClients:
    client_ids: list[strawberry.ID] = strawberry.field(
        description="The affected clients the reader may see."
    )
    not_shown: int = strawberry.field(description="How many others (not shown to this reader).")
    total: int = strawberry.field(description="How many clients in all.")


@strawberry.type(
    description="A security or confidentiality incident (policies 106, 108). Read by its reporter, "
    "the agency's HDC and Security Coordinator, the System Administrator, the Security Officer "
    "and the Lead Agency."
)
class SecurityIncident(Node):
    id: strawberry.ID = strawberry.field(description="Hearth id.")
    kind: IncidentKind = strawberry.field(description="What happened, by kind.")
    status: IncidentStatus = strawberry.field(description="Where it stands.")
    reported_at: datetime.datetime = strawberry.field(description="When it was reported.")
    discovered_at: datetime.datetime = strawberry.field(description="When it was discovered.")
    description: str = strawberry.field(description="What happened, in the reporter's words.")
    contained_at: datetime.datetime | None = strawberry.field(description="When it was contained.")
    containment: str | None = strawberry.field(description="What was done to contain it.")
    closed_at: datetime.datetime | None = strawberry.field(description="When it was closed.")
    closure: str | None = strawberry.field(description="How it was closed.")
    breach: bool = strawberry.field(
        description="True when clients' information reached someone it should not have: who was "
        "notified, and when, is recorded (notifications)."
    )

    @strawberry.field(description="The agency concerned; null for a system-level incident.")
    def agency_id(self, row: strawberry.Parent[models.SecurityIncident]) -> strawberry.ID | None:
        return strawberry.ID(str(row.agency_id)) if row.agency_id else None

    @strawberry.field(description="Who reported it (a user or service account id).")
    def reported_by_id(self, row: strawberry.Parent[models.SecurityIncident]) -> strawberry.ID:
        return strawberry.ID(str(row.reported_by_id))

    @strawberry.field(description="The clients it affected, through the client-data policy.")
    async def affected_clients(
        self, info: ResolverInfo, row: strawberry.Parent[models.SecurityIncident]
    ) -> AffectedClients:
        found = await service.affected_clients(caller=info.context.caller, incident_id=row.id)
        return AffectedClients(
            client_ids=[strawberry.ID(str(i)) for i in found.visible],
            not_shown=found.hidden,
            total=len(found.visible) + found.hidden,
        )

    @strawberry.field(
        description="Breach notifications, in the order they were made.",
        graphql_type=list[BreachNotification],
    )
    async def notifications(
        self, row: strawberry.Parent[models.SecurityIncident]
    ) -> list[models.BreachNotification]:
        return list(
            await models.BreachNotification.filter(incident_id=row.id).order_by("notified_at", "id")
        )


@strawberry.type(description="Incidents of one kind in the period.")
class IncidentKindSummary:
    kind: IncidentKind = strawberry.field(description="The kind.")
    reported: int = strawberry.field(description="How many were reported.")
    contained: int = strawberry.field(description="How many have their containment recorded.")
    open: int = strawberry.field(description="How many are not closed.")
    breaches: int = strawberry.field(description="How many were breaches.")
    median_hours_to_containment: float | None = strawberry.field(
        description="Median hours from discovery to containment (contained ones)."
    )
    longest_hours_to_containment: float | None = strawberry.field(
        description="The longest hours from discovery to containment."
    )


@strawberry.type(
    description="Incidents for the Data Strategy Board: counts by kind and time to containment. "
    "No client, agency or description."
)
class SecurityIncidentSummary:
    since: datetime.datetime = strawberry.field(description="Reported from (inclusive).")
    until: datetime.datetime = strawberry.field(description="Reported before.")
    reported: int = strawberry.field(description="How many were reported.")
    breaches: int = strawberry.field(description="How many were breaches.")
    kinds: list[IncidentKindSummary] = strawberry.field(
        description="By kind (kinds with none left out)."
    )


@strawberry.input(description="A security or confidentiality incident to report.")
class ReportSecurityIncidentInput:
    kind: IncidentKind = strawberry.field(description="What happened, by kind.")
    discovered_at: datetime.datetime = strawberry.field(
        description="When it was discovered (not in the future)."
    )
    description: str = strawberry.field(
        description="What happened (1 to 8000 characters). Name no client here: list them in "
        "clientIds.",
        metadata=MULTILINE,
    )
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="The agency concerned; leave out for a system-level incident."
    )
    client_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Clients affected (at most 500), each one you may see.",
    )
    breach: bool = strawberry.field(
        default=False,
        description="True when clients' information reached someone it should not have.",
    )


@strawberry.type
class IncidentQuery:
    @query(
        Authenticated(),
        description="The incidents the caller may read (their own reports; their agency's as "
        "HDC or Security Coordinator; all for the System Administrator, the Security Officer "
        "and the Lead Agency), by id, pages of at most 100.",
    )
    async def security_incidents(
        self,
        info: ResolverInfo,
        status: Annotated[
            IncidentStatus | None, strawberry.argument(description="Only incidents in this state.")
        ] = None,
        agency_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only incidents of this agency.")
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[SecurityIncident]:
        page = await service.page(
            caller=info.context.caller,
            status=status,
            agency_id=optional_id(agency_id, "agencyId"),
            first=first,
            after=after,
        )
        return to_connection(page)

    @query(
        Authenticated(),
        description="One incident the caller may read; NOT_FOUND otherwise.",
        graphql_type=SecurityIncident,
    )
    async def security_incident(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The incident's id.")],
    ) -> models.SecurityIncident:
        return await service.get(caller=info.context.caller, incident_id=parse_id(id, "id"))

    @query(
        Requires(Resource.INCIDENT_REPORT, Action.READ),
        description="Incidents reported in [since, until), counted by kind, with the hours to "
        "containment: for the Data Strategy Board, the Lead Agency, the System Administrator and "
        "the Security Officer.",
    )
    async def security_incident_summary(
        self,
        info: ResolverInfo,
        since: Annotated[
            datetime.datetime, strawberry.argument(description="The period's start (included).")
        ],
        until: Annotated[
            datetime.datetime, strawberry.argument(description="The period's end (excluded).")
        ],
    ) -> SecurityIncidentSummary:
        found = await service.summary(caller=info.context.caller, since=since, until=until)
        return SecurityIncidentSummary(
            since=found.since,
            until=found.until,
            reported=found.reported,
            breaches=found.breaches,
            kinds=[
                IncidentKindSummary(
                    kind=k.kind,
                    reported=k.reported,
                    contained=k.contained,
                    open=k.open,
                    breaches=k.breaches,
                    median_hours_to_containment=k.median_hours_to_containment,
                    longest_hours_to_containment=k.longest_hours_to_containment,
                )
                for k in found.kinds
            ],
        )


@strawberry.type
class IncidentMutation:
    @mutation(
        Authenticated(),
        description="Report a security or confidentiality incident (policies 106, 108): anyone "
        "signed in, training or not. The System Administrator, the Security Officer and the Lead "
        "Agency are sent a message at once (no client information in it).",
        graphql_type=SecurityIncident,
    )
    async def report_security_incident(
        self, info: ResolverInfo, input: ReportSecurityIncidentInput
    ) -> models.SecurityIncident:
        return await service.report(
            caller=info.context.caller,
            kind=input.kind,
            agency_id=optional_id(input.agency_id, "agencyId"),
            discovered_at=input.discovered_at,
            description=input.description,
            client_ids=[parse_id(c, f"clientIds[{i}]") for i, c in enumerate(input.client_ids)],
            breach=input.breach,
        )

    @mutation(
        Requires(Resource.INCIDENT, Action.UPDATE),
        description="Record what was done to contain an incident, and when: the agency's HDC or "
        "Security Coordinator, the System Administrator or the Security Officer.",
        graphql_type=SecurityIncident,
    )
    async def record_incident_containment(
        self,
        info: ResolverInfo,
        incident_id: Annotated[strawberry.ID, strawberry.argument(description="The incident.")],
        containment: Annotated[
            str, strawberry.argument(description="What was done to contain it.", metadata=MULTILINE)
        ],
        contained_at: Annotated[
            datetime.datetime,
            strawberry.argument(description="When it was contained (not before its discovery)."),
        ],
    ) -> models.SecurityIncident:
        return await service.record_containment(
            caller=info.context.caller,
            incident_id=parse_id(incident_id, "incidentId"),
            containment=containment,
            contained_at=contained_at,
        )

    @mutation(
        Requires(Resource.INCIDENT, Action.UPDATE),
        description="Add affected clients found after the report (each one the caller may see).",
        graphql_type=SecurityIncident,
    )
    async def add_incident_clients(
        self,
        info: ResolverInfo,
        incident_id: Annotated[strawberry.ID, strawberry.argument(description="The incident.")],
        client_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="The clients it affected, each one you may see."),
        ],
    ) -> models.SecurityIncident:
        return await service.add_clients(
            caller=info.context.caller,
            incident_id=parse_id(incident_id, "incidentId"),
            client_ids=[parse_id(c, f"clientIds[{i}]") for i, c in enumerate(client_ids)],
        )

    @mutation(
        Requires(Resource.INCIDENT, Action.NOTIFY),
        description="Record who was notified of a breach, how and when (the incident is a "
        "breach from then on): the Lead Agency, the System Administrator or the Security Officer.",
        graphql_type=BreachNotification,
    )
    async def record_breach_notification(
        self,
        info: ResolverInfo,
        incident_id: Annotated[strawberry.ID, strawberry.argument(description="The incident.")],
        notified_party: Annotated[
            str,
            strawberry.argument(
                description="Who was notified (a role or an organisation, never a client's name)."
            ),
        ],
        method: Annotated[
            str, strawberry.argument(description="How (letter, e-mail, phone, ...).")
        ],
        notified_at: Annotated[datetime.datetime, strawberry.argument(description="When.")],
    ) -> models.BreachNotification:
        return await service.record_breach_notification(
            caller=info.context.caller,
            incident_id=parse_id(incident_id, "incidentId"),
            notified_party=notified_party,
            method=method,
            notified_at=notified_at,
        )

    @mutation(
        Requires(Resource.INCIDENT, Action.MANAGE),
        description="Close a contained incident: the System Administrator or the Security "
        "Officer. A breach that affected clients closes only once a notification is recorded.",
        graphql_type=SecurityIncident,
    )
    async def close_security_incident(
        self,
        info: ResolverInfo,
        incident_id: Annotated[strawberry.ID, strawberry.argument(description="The incident.")],
        closure: Annotated[
            str, strawberry.argument(description="How it ended.", metadata=MULTILINE)
        ],
    ) -> models.SecurityIncident:
        return await service.close(
            caller=info.context.caller,
            incident_id=parse_id(incident_id, "incidentId"),
            closure=closure,
        )
