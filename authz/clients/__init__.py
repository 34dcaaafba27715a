"""The client-data policy: who sees which client, which categories of its data, which records,
and which fields. Every reader asks it: the GraphQL loaders and types, the client's record
export, the HUD CSV export, the read audit. Nothing outside this package states a category rule,
the Part 2 rule or a masking rule.

- :mod:`~authz.clients.scope`: the caller's agencies and CANs for client data (``ClientScope``),
  the reporting lens of an export by someone who reads no client, and the lens of a Data
  Sharing Agreement's extract (policy 405).
- :mod:`~authz.clients.visibility`: which clients, as SQL (wall 2).
- :mod:`~authz.clients.access`: what is shared with the caller about each client
  (``ClientAccess``): categories, by which agency, backbone staff's categories.
- :mod:`~authz.clients.rows`: which records of each table (each table's category; Part 2).
- :mod:`~authz.clients.fields`: which fields (wall 3), from the element registry.
- :mod:`~authz.clients.reads`: visible clients read by id and in pages.
"""

from __future__ import annotations

from authz.clients.access import BACKBONE_CATEGORIES, ClientAccess, access_for
from authz.clients.fields import client_fields, mask_record, masked_elements, row_fields, row_shows
from authz.clients.reads import count_visible, visible_by_id, visible_page
from authz.clients.rows import (
    annotatable_fields,
    annotation_categories,
    client_rows,
    enrollment_rows,
    sees,
    shows_annotation,
    shows_consent,
    shows_release,
)
from authz.clients.scope import ClientScope, client_scope, dsa_lens, reporting_lens
from authz.clients.trail import visible_entries
from authz.clients.visibility import visible_client_sql, visible_row_sql

__all__ = [
    "BACKBONE_CATEGORIES",
    "ClientAccess",
    "ClientScope",
    "access_for",
    "annotatable_fields",
    "annotation_categories",
    "client_fields",
    "client_rows",
    "client_scope",
    "count_visible",
    "dsa_lens",
    "enrollment_rows",
    "mask_record",
    "masked_elements",
    "reporting_lens",
    "row_fields",
    "row_shows",
    "sees",
    "shows_annotation",
    "shows_consent",
    "shows_release",
    "visible_by_id",
    "visible_client_sql",
    "visible_entries",
    "visible_page",
    "visible_row_sql",
]
