"""Client queries: search, one record, the client's copy, deletion requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from authz.clients import access_for, row_security
from authz.resources import Action, Resource
from models.case_notes import CaseNote as CaseNoteModel
from models.case_notes import CaseNoteDeletionRequest as DeletionModel
from schema.arguments import After, First
from schema.audit import note_search
from schema.client_loaders import prime_access
from schema.client_types import (
    CaseNoteDeletionRequest,
    Client,
    DeletionRequestStatus,
    client_view,
    prefetch_lists,
)
from schema.clients.inputs import ClientSearchInput
from schema.context import Context, ResolverInfo
from schema.inputs import optional_id, parse_id
from schema.loaders import selected_below
from schema.operations import query
from schema.permissions import Requires
from schema.relay import Connection, to_connection
from services import client_export
from services import clients as service
from services.pagination import paginate

__all__ = ["ClientConnection", "ClientQuery", "client_record"]

_UP_TO = service.SEARCH_COUNT_UP_TO


async def client_record(context: Context, id: str, also: Mapping[str, str] | None = None) -> Client:
    """``client(id:)``: the client as the caller may see it; NOT_FOUND if they may not. The
    field's resolver and the compiled path (``schema.compiled``, which reads its lists in the
    same statement: ``also``) both answer with it."""
    scope = await context.client_scope()
    client, access = await service.get_visible_client(
        scope, parse_id(id, "id"), field="id", also=also
    )
    prime_access(context, {client.id: access})
    return client_view(client, access)


@strawberry.type(
    name="ClientConnection",
    description="A page of clients found by a search, in a stable order. Walk with `first` and "
    "`after: pageInfo.endCursor`. For how many match, a search page asks `totalCountAtLeast` and "
    f"`totalCountIsExact` (counted up to {_UP_TO}); `totalCount` counts every match.",
)
class ClientConnection(Connection[Client]):
    total_count: int = strawberry.field(
        description="How many clients match in all pages, counted exactly: the database tests "
        "every match you may see for it, which on a broad search (a short name prefix) costs "
        "several times the page. A search page should ask `totalCountAtLeast` and "
        "`totalCountIsExact` instead; a job walking pages needs neither."
    )
    total_count_at_least: int = strawberry.field(
        description=f"How many clients match, counted up to {_UP_TO}: the number of matches "
        f'when `totalCountIsExact`, else {_UP_TO} and more match (show it as "more than '
        f'{_UP_TO}"). Costs the database the first {_UP_TO} matches at most, whatever the '
        "search. Asked with `totalCount`, it is `totalCount`."
    )
    total_count_is_exact: bool = strawberry.field(
        description="True when `totalCountAtLeast` is the number of matches; false when more "
        f"than `totalCountAtLeast` ({_UP_TO}) match."
    )


@strawberry.type
class ClientQuery:
    @query(
        Requires(Resource.CLIENT, Action.READ),
        description="Find clients. Refuses empty criteria. Pages of at most 100.",
    )
    async def clients(
        self,
        info: ResolverInfo,
        search: Annotated[
            ClientSearchInput,
            strawberry.argument(description="What to look for; at least one criterion."),
        ],
        first: First = 20,
        after: After = None,
    ) -> ClientConnection:
        ctx = info.context
        scope = await ctx.client_scope()
        criteria = service.SearchCriteria(
            name=search.name,
            dob=search.dob,
            ssn_last_four=search.ssn_last_four,
            hmis_id=optional_id(search.hmis_id, "search.hmisId"),
        )
        # A sync job walking pages, or a list without a count, does not pay for counting; a page
        # that shows "more than 100" pays for 100 matches at most (decision 185).
        selected = info.selected_fields
        below = selected_below(selected, ())
        exact = "totalCount" in below
        capped = not exact and bool({"totalCountAtLeast", "totalCountIsExact"} & below)
        page = await service.search_clients(
            scope,
            criteria,
            first=first,
            after=after,
            count=exact or capped,
            count_up_to=None if exact else _UP_TO,
        )
        note_search(ctx, [name for name, value in vars(search).items() if value])
        access = await access_for(scope, page.items)
        prime_access(ctx, access)
        base = to_connection(page, lambda c: client_view(c, access[c.id]))
        connection = ClientConnection(
            nodes=base.nodes,
            page_info=base.page_info,
            total_count=page.total_count,
            total_count_at_least=page.total_count,
            total_count_is_exact=page.total_is_exact,
            _cursor_of=base._cursor_of,
        )
        await prefetch_lists(
            ctx, connection.nodes, selected_below(selected, ("nodes",), ("edges", "node"))
        )
        return connection

    @query(
        Requires(Resource.CLIENT, Action.READ),
        description="One client; NOT_FOUND if you may not see it.",
    )
    async def client(
        self,
        info: ResolverInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The client's id.")],
    ) -> Client:
        return await client_record(info.context, id)

    @query(
        Requires(Resource.CLIENT, Action.EXPORT),
        description="The client's copy of their record (policy 207 e), as JSON: what your agency holds, or for CAN backbone staff what was recorded under the CAN.",
    )
    async def client_record_export(
        self,
        info: ResolverInfo,
        client_id: Annotated[
            strawberry.ID, strawberry.argument(description="The client whose record to export.")
        ],
    ) -> JSON:
        record = await client_export.client_record_export(
            caller=info.context.caller, client_id=parse_id(client_id, "clientId")
        )
        return JSON(record)

    @query(
        Requires(Resource.CASE_NOTE, Action.APPROVE_DELETION),
        description="Case note deletion requests (policy 404).",
    )
    async def case_note_deletion_requests(
        self,
        info: ResolverInfo,
        status: Annotated[
            DeletionRequestStatus | None,
            strawberry.argument(description="Only requests in this state."),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> Connection[CaseNoteDeletionRequest]:
        qs = DeletionModel.all() if status is None else DeletionModel.filter(status=status)
        # The System Administrator's queue of every agency's requests (policy 404): they read no
        # client, so PostgreSQL's row-level security is passed for the queue alone (decision 97).
        # The notes' times (never their text) are read with the page, past the wall as it is.
        with row_security.system():
            page = await paginate(qs, first=first, after=after)
            notes = {r.note_id for r in page.items}
            times = dict(await CaseNoteModel.filter(id__in=notes).values_list("id", "created_at"))
        for request in page.items:
            request.note_created_at = times.get(request.note_id)
        return to_connection(page)
