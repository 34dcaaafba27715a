"""The synthetic data generator (``hearth seed``): a Connecticut-shaped HMIS of any size.

``generate`` fills a migrated database with CANs, agencies (one victim service provider with no
client data), projects, users who can really sign in, and clients with households, enrollments,
exits, services, income, disabilities, health and DV, consents, releases of information (in
force, expired, revoked, Part 2), case notes and their audit history, with data-quality defects
injected at the rates of ``hud-data-standards.md`` section 5.7.

Everything is drawn from one ``random.Random(seed)`` and dated relative to ``anchor`` (the
generator's "today"): the same seed and anchor give the same rows, ids included. Bulk rows go in
with PostgreSQL COPY (``copy_records_to_table``) in one transaction; the audit trail is numbered
like any other insert, and the sealer chains it afterwards, so ``hearth audit verify`` holds.

A developer's tool, not part of the product's rules: ``plan`` is the fixed shape (CANs, agencies,
projects, name tables, defect rates); ``rows.Generator`` draws the rows, assembled from
``structure`` and ``users`` (reference rows), ``enrollments``, ``assessments`` and ``records``
(a client's data), all on ``state``; ``copy`` writes them with COPY (columns from the models'
``_meta``); ``seed`` loads a data set into a database.
"""

from devdata.plan import CLIENT_DEFECTS, DEFECT_RATES, MAX_CLIENTS, SeedSummary, SeedUser
from devdata.seed import generate, generate_at, has_data

__all__ = [
    "CLIENT_DEFECTS",
    "DEFECT_RATES",
    "MAX_CLIENTS",
    "SeedSummary",
    "SeedUser",
    "generate",
    "generate_at",
    "has_data",
]
