"""Auditing reads: what a request read of client data, written before the response leaves.

Hearth's executor (:class:`HearthExecutionContext`, over ``compat.graphql``) reports every field
it resolves to the request's :class:`ReadBuffer`: the root fields with their arguments, and for
client data (a ``Client`` view, or a model row that carries ``client_id``: enrollment, case note,
consent, release, annotation, deletion request) the object with each field that came back with a
value (a masked field is null, so it is not counted as read). With the compiled path
(``schema.compiled``), which reports the same way, this is the only path by which reads are
noted. After the operation, :class:`AuditReads` writes in one multi-row INSERT a ``VIEW`` row per client (naming the client and its fields read, and listing the client's records
read with it, each with its fields: decision 189), the request's ``SEARCH`` rows and a ``DENIED``
row per refused client operation. If that write fails, the response carries an error and no data: nothing leaves
unaudited.

Changes are audited by the services themselves, in the transaction of the change
(``services.audit.record``); what a mutation answers is audited as read, like a query's answer.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType
from tortoise.models import Model

from authz.clients import ClientAccess, masked_elements
from compat.graphql import ObservedExecutionContext, Observer
from models.clients import Client as ClientModel
from models.enums import AuditAction
from models.names import camel
from schema.client_types import Client
from schema.relay import Connection, from_global_id
from services import audit as audit_service
from services.errors import DomainError

__all__ = ["AuditReads", "HearthExecutionContext", "ReadBuffer", "audit_reads", "note_search"]

log = logging.getLogger("hearth.audit")


_LINKED: dict[type, bool] = {}


def _client_linked(root: Any) -> bool:
    """A row with a foreign key to a client (not any attribute called client_id: a service
    account's ``client_id`` is its OAuth client id). Decided once per model class."""
    kind = type(root)
    linked = _LINKED.get(kind)
    if linked is None:
        relation = root._meta.fields_map.get("client") if isinstance(root, Model) else None
        linked = _LINKED[kind] = (
            relation is not None and getattr(relation, "related_model", None) is ClientModel
        )
    return linked


def _audited_view(root: Any) -> bool:
    """A view of a client's record that says which (``audit_entry()``: its type and id, its
    client, the agency that wrote it), where the row itself has no client column (a
    coordinated entry activity)."""
    return callable(getattr(type(root), "audit_entry", None))


# Fields of a Client that are personal data or lead to it: its masked elements and its lists;
# the rest (data quality codes, version, timestamps, access) say nothing about the person.
CLIENT_SENSITIVE = frozenset(
    {item.api_name for item in masked_elements("Client")}
    | {
        "enrollments",
        "enrollmentsConnection",
        "caseNotes",
        "caseNotesConnection",
        "assessmentsConnection",
        "eventsConnection",
        "currentLivingSituationsConnection",
        "annotations",
        "consents",
        "releases",
        "auditTrail",
    }
)
_NOT_DATA = frozenset({"id", "nodeId", "__typename"})
DENIED_CODES = frozenset({"FORBIDDEN", "NOT_FOUND"})


@dataclass(slots=True)
class _Seen:
    entity_type: str
    entity_id: str
    client_id: UUID
    agency_id: UUID | None = None
    access: ClientAccess | None = None
    fields: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ReadBuffer:
    """What one request read; written once, after execution."""

    meta: audit_service.RequestMeta
    seen: dict[tuple[str, str], _Seen] = field(default_factory=dict)
    searches: list[tuple[str, ...]] = field(default_factory=list)
    # root field name -> its arguments (a refused one is audited as DENIED)
    roots: dict[str, dict[str, Any]] = field(default_factory=dict)
    # response key (an alias, or the field name) -> root field name
    keys: dict[str, str] = field(default_factory=dict)
    # id(object) -> (the object, its entry): each field of an object finds its entry at once
    # (the object is kept, so its id cannot be reused by another during the request)
    objects: dict[int, tuple[Any, _Seen | None]] = field(default_factory=dict)

    def observes(self, source: Any) -> bool:
        """Whether ``source`` is client data (the executor reports its reads)."""
        return isinstance(source, Client) or _client_linked(source) or _audited_view(source)

    def root(self, response_key: str, field_name: str, arguments: dict[str, Any]) -> None:
        """A root field was executed (a refused client operation is audited with its
        arguments)."""
        self.roots.setdefault(field_name, arguments)
        self.keys[response_key] = field_name
        if self.meta.operation is None:
            self.meta.operation = field_name

    def read(self, root: Any, read: Iterable[tuple[str, Any]]) -> None:
        """``root`` was read: these fields (GraphQL names) with these values."""
        known = self.objects.get(id(root))
        if known is not None and known[0] is root:
            entry = known[1]
        else:
            entry = self._entry(root)
            self.objects[id(root)] = (root, entry)
        if entry is None:
            return
        fields = entry.fields
        if entry.entity_type == "Client":  # only what says something about the person
            for field_name, value in read:
                if value is not None and field_name in CLIENT_SENSITIVE and not _empty(value):
                    fields.add(field_name)
            return
        for field_name, value in read:
            if value is None or field_name in _NOT_DATA or field_name in fields or _empty(value):
                continue
            fields.add(field_name)

    def _entry(self, root: Any) -> _Seen | None:
        if isinstance(root, Client):
            key = ("Client", str(root.id))
            if key not in self.seen:
                self.seen[key] = _Seen("Client", key[1], root._model.id, access=root._access)
            return self.seen[key]
        if _audited_view(root):
            kind, entity_id, client_id, agency_id = root.audit_entry()
            key = (kind, entity_id)
            if key not in self.seen:
                self.seen[key] = _Seen(kind, entity_id, client_id, agency_id=agency_id)
            return self.seen[key]
        if _client_linked(root):
            kind = type(root).__name__
            if kind == "Release":
                kind = "ReleaseOfInformation"
            key = (kind, str(root.pk))
            if key not in self.seen:
                self.seen[key] = _Seen(
                    kind, key[1], root.client_id, agency_id=getattr(root, "agency_id", None)
                )
            return self.seen[key]
        return None


def _empty(value: Any) -> bool:
    """An empty list, or a page of one: nothing was read through it."""
    if isinstance(value, list):
        return not value
    return isinstance(value, Connection) and not value.nodes


def note_search(context: Any, criteria: Iterable[str]) -> None:
    """A client search was made with these criteria (names only, never the values)."""
    buffer = getattr(context, "audit", None)
    if buffer is not None:
        buffer.searches.append(tuple(camel(c) for c in criteria))


def _domain_code(error: GraphQLError) -> str | None:
    cause: BaseException | None = error.original_error
    while cause is not None:
        if isinstance(cause, DomainError):
            return cause.code
        cause = getattr(cause, "original_error", None)
    return None


def _node_of(arguments: dict[str, Any]) -> tuple[str, UUID] | None:
    """The type and Hearth id node(id:) was asked for, if its argument is a global id."""
    try:
        return from_global_id(arguments.get("id"))
    except DomainError:
        return None


def _denied_entity(
    root_field: str, arguments: dict[str, Any], client_data_nodes: frozenset[str]
) -> tuple[str, UUID | None, UUID | None] | None:
    """What a refused client operation was about: the entity type, its id, the client (None
    when the operation is not about client data)."""
    if root_field == "node":
        node = _node_of(arguments)
        if node is None or node[0] not in client_data_nodes:
            return None
        if node[0] == "Client":
            return "Client", node[1], node[1]
        return node[0], node[1], None
    if root_field in _SCOPED_OPERATIONS:
        entity_type, argument = _SCOPED_OPERATIONS[root_field]
        try:
            entity_id: UUID | None = UUID(str(arguments.get(argument)))
        except ValueError:
            entity_id = None
        return entity_type, entity_id, None
    client_id = _client_id_of(root_field, arguments)
    return "Client", client_id, client_id


# Client operations about the clients of a project (its roster, a household) or of a CAN (its
# coordinated entry): a refusal names the project or the CAN (the type and the argument).
_SCOPED_OPERATIONS = {
    "projectRoster": ("Project", "projectId"),
    "household": ("Project", "projectId"),
    "coordinatedEntry": ("Can", "canId"),
}


def _client_id_of(root_field: str, arguments: dict[str, Any]) -> UUID | None:
    """The client a refused operation named, when its (GraphQL) arguments say."""
    candidates: list[Any] = [arguments.get("clientId")]
    if root_field in ("client", "clientRecordExport"):
        candidates.append(arguments.get("id"))
    for value in arguments.values():
        if isinstance(value, dict):
            candidates.append(value.get("clientId"))
            if root_field == "updateClient":
                candidates.append(value.get("id"))
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            return UUID(str(candidate))
        except ValueError:
            continue
    return None


class AuditReads(SchemaExtension):
    """Collect the client data a request resolves and write the audit rows before responding."""

    client_fields: frozenset[str] = frozenset()
    # Node types that are client data: node(id:) of one is a client operation.
    client_data_nodes: frozenset[str] = frozenset()

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        request = getattr(context, "request", None)
        client = getattr(request, "client", None)
        meta = audit_service.RequestMeta(
            request_id=getattr(context, "request_id", None),
            operation=self.execution_context.operation_name,
            client_ip=getattr(client, "host", None),
            caller_request_id=getattr(context, "caller_request_id", None),
        )
        buffer = ReadBuffer(meta)
        context.audit = buffer
        token = audit_service.current_request.set(meta)
        try:
            yield
        finally:
            audit_service.current_request.reset(token)
        result = self.execution_context.result
        if result is None or not hasattr(result, "errors"):
            return
        try:
            await audit_service.append_together(self._rows(context, buffer, result.errors or []))
        except Exception as error:
            log.exception(
                "audit write failed (request %s); the response is withheld", meta.request_id
            )
            result.data = None
            result.errors = [
                *(result.errors or []),
                GraphQLError("audit write failed", original_error=error),
            ]

    def _rows(
        self, context: Any, buffer: ReadBuffer, errors: list[GraphQLError]
    ) -> list[audit_service.AuditRow]:
        principal = getattr(context, "principal", None)
        if principal is None:
            return []
        now = context.now
        common = {
            "occurred_at": now,
            "actor_id": principal.user_id,
            "request_id": buffer.meta.request_id,
            "operation": buffer.meta.operation,
            "client_ip": buffer.meta.client_ip,
            "caller_request_id": buffer.meta.caller_request_id,
        }
        access_by_client = {
            s.client_id: s.access for s in buffer.seen.values() if s.access is not None
        }
        mine = principal.agency_ids
        agency_by_access: dict[Any, UUID | None] = {}
        rows = []
        # One VIEW row per client (decision 189): the client, and the records of it read with it.
        by_client: dict[UUID, list[_Seen]] = {}
        for seen in buffer.seen.values():
            by_client.setdefault(seen.client_id, []).append(seen)
        for client_key, seens in by_client.items():
            access = access_by_client.get(client_key)
            own = next((s for s in seens if s.entity_type == "Client"), None)
            others = [s for s in seens if s is not own]
            # No field of the client itself was read (a record asked for by its id): the row is
            # for the agency of the first of those records that is the caller's, as its own was.
            head = own or _Seen(
                "Client",
                str(client_key),
                client_key,
                agency_id=next((s.agency_id for s in others if s.agency_id in mine), None),
                access=access,
            )
            release = self._release(head, access) or next(
                (r for r in (self._release(s, access) for s in others) if r is not None), None
            )
            rows.append(
                audit_service.AuditRow(
                    action=AuditAction.VIEW,
                    entity_type="Client",
                    entity_id=str(client_key),
                    client_id=client_key,
                    agency_id=self._agency(principal, mine, head, access, agency_by_access),
                    fields=tuple(head.fields),
                    release_id=release,
                    reads=tuple((s.entity_type, s.entity_id, tuple(s.fields)) for s in others),
                    **common,
                )
            )
        for criteria in buffer.searches:
            rows.append(
                audit_service.AuditRow(
                    action=AuditAction.SEARCH,
                    entity_type="ClientSearch",
                    agency_id=audit_service.acting_agency(principal),
                    fields=criteria,
                    **common,
                )
            )
        if principal.kind == "service":
            rows.extend(self._service_calls(buffer, errors, common))
        denied: set[str] = set()
        for error in errors:
            root_field = buffer.keys.get(str(error.path[0])) if error.path else None
            if (
                not isinstance(root_field, str)
                or root_field in denied
                or (root_field not in self.client_fields and root_field != "node")
            ):
                continue
            if _domain_code(error) not in DENIED_CODES:
                continue
            target = _denied_entity(
                root_field, buffer.roots.get(root_field, {}), self.client_data_nodes
            )
            if target is None:
                continue
            denied.add(root_field)
            entity_type, entity_id, client_id = target
            rows.append(
                audit_service.AuditRow(
                    action=AuditAction.DENIED,
                    entity_type=entity_type,
                    entity_id=str(entity_id) if entity_id else None,
                    client_id=client_id,
                    agency_id=audit_service.acting_agency(principal),
                    fields=(root_field,),
                    **common,
                )
            )
        return rows

    def _service_calls(
        self, buffer: ReadBuffer, errors: list[GraphQLError], common: dict[str, Any]
    ) -> list[audit_service.AuditRow]:
        """Every operation a service account calls (the vendor sync and CAN reporting jobs are
        audited under their own account): one row per root field, with its argument
        names; a refused call is DENIED."""
        refused = {buffer.keys.get(str(error.path[0])) for error in errors if error.path}
        mutation = self.execution_context.operation_type == OperationType.MUTATION
        return [
            audit_service.AuditRow(
                action=AuditAction.DENIED
                if root_field in refused
                else (AuditAction.UPDATE if mutation else AuditAction.VIEW),
                entity_type="ServiceCall",
                entity_id=root_field,
                fields=tuple(sorted(arguments)),
                **common,
            )
            for root_field, arguments in buffer.roots.items()
        ]

    @staticmethod
    def _agency(
        principal: Any,
        mine: Any,
        seen: _Seen,
        access: ClientAccess | None,
        by_access: dict[Any, UUID | None],
    ) -> UUID | None:
        """The agency the caller read this row for: the row's own agency if it is theirs, else
        the first of their agencies holding the client's consent, then of the agencies they read
        for (worked out once per set of consent holders: a page's clients share a few)."""
        if seen.agency_id is not None and seen.agency_id in mine:
            return seen.agency_id
        # what the answer depends on: the consent holders and the caller's scope
        key = (access.holder_agencies, id(access.scope)) if access is not None else None
        if key not in by_access:
            preferred: list[UUID] = []
            if access is not None:
                preferred.extend(sorted(access.holder_agencies & mine, key=str))
                preferred.extend(sorted(access.scope.read_agencies, key=str))
            by_access[key] = audit_service.acting_agency(principal, preferred)
        return by_access[key]

    @staticmethod
    def _release(seen: _Seen, access: ClientAccess | None) -> UUID | None:
        """The release that let the caller read another agency's data, if one did."""
        if access is None or not access.release_ids:
            return None
        if seen.entity_type == "Client":
            return None if access.holder else access.release_ids[0]
        if seen.agency_id is not None and seen.agency_id not in access.scope.read_agencies:
            return access.release_ids[0]
        return None


class HearthExecutionContext(ObservedExecutionContext):
    """The executor, reporting to the request's read buffer (``Context.audit``)."""

    @staticmethod
    def observer_of(context: Any) -> Observer | None:
        buffer: ReadBuffer | None = getattr(context, "audit", None)
        return buffer


def audit_reads(
    client_fields: Iterable[str], client_data_nodes: Iterable[str] = ()
) -> Callable[[], AuditReads]:
    """A factory for the extension that knows which root fields are client operations, and
    which Node types are client data (``node(id:)`` of one is a client operation)."""
    names = frozenset(client_fields)
    nodes = frozenset(client_data_nodes)

    def make() -> AuditReads:
        extension = AuditReads()
        extension.client_fields = names
        extension.client_data_nodes = nodes
        return extension

    return make
