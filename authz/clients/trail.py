"""Which entries of a client's audit trail a caller may see: those about a row the caller sees
(policy 207 d lets the client learn who touched their record; a reader must not learn from the
trail that rows exist which the policy hides from them, such as another agency's case notes or
a Part 2 disability). The rows are asked of the same rules as the API's readers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from tortoise.models import Model

from authz.clients.access import ClientAccess
from authz.clients.rows import ROW_RULES, sees, shows_annotation, shows_consent, shows_release
from models.case_notes import CaseNote, CaseNoteDeletionRequest
from models.clients import ClientAnnotation, ConsentToEnter
from models.releases import Release

__all__ = ["visible_entries"]

Entry = tuple[str, str | None]

# The audit trail's entity types that name a row of a table with a row rule.
_RULED: dict[str, type[Model]] = {model.__name__: model for model in ROW_RULES}


def _ids(values: Iterable[str | None]) -> list[UUID]:
    ids = []
    for value in values:
        try:
            ids.append(UUID(str(value)))
        except ValueError:
            continue
    return ids


async def _ruled(model: type[Model], ids: list[UUID], access: ClientAccess) -> set[str]:
    """The rows of a table with a row rule that the caller sees."""
    rule = ROW_RULES[model]
    own_agency = "agency_id" in model._meta.fields_map
    agency = "agency_id" if own_agency else "enrollment__agency_id"
    columns = ["id", agency] + ([rule.column] if rule.column else [])
    rows: list[dict[str, Any]] = await model.filter(id__in=ids).values(*columns)
    return {str(row["id"]) for row in rows if sees(model, row, row[agency], access)}


async def visible_entries(access: ClientAccess, entries: Iterable[Entry]) -> set[Entry]:
    """The entries (entity type, entity id) about rows the caller sees; an entry about the
    client itself is seen by whoever sees the client, one of an unknown kind by no one."""
    wanted: dict[str, set[str | None]] = defaultdict(set)
    for kind, entity_id in entries:
        wanted[kind].add(entity_id)
    seen: set[Entry] = {("Client", i) for i in wanted.pop("Client", set())}
    for kind, values in wanted.items():
        ids = _ids(values)
        if not ids:
            continue
        shown: set[str]
        if kind in _RULED:
            shown = await _ruled(_RULED[kind], ids, access)
        elif kind == "ConsentToEnter":
            rows = await ConsentToEnter.filter(id__in=ids)
            shown = {str(r.id) for r in rows if shows_consent(access, r)}
        elif kind == "ReleaseOfInformation":
            releases = await Release.filter(id__in=ids)
            shown = {str(r.id) for r in releases if shows_release(access, r)}
        elif kind == "ClientAnnotation":
            annotations = await ClientAnnotation.filter(id__in=ids)
            shown = {str(r.id) for r in annotations if shows_annotation(access, r)}
        elif kind == "CaseNoteDeletionRequest":
            requests = await CaseNoteDeletionRequest.filter(id__in=ids).values("id", "agency_id")
            shown = {str(r["id"]) for r in requests if sees(CaseNote, {}, r["agency_id"], access)}
        else:
            continue
        seen.update((kind, entity_id) for entity_id in values if entity_id in shown)
    return seen
