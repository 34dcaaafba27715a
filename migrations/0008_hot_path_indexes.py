from tortoise import migrations
from tortoise.migrations import operations as ops

# Indexes for the hot read paths the benchmark measures. PostgreSQL does not index
# foreign keys by itself, and every client page or record asks, for a set of clients, which of
# the caller's agencies hold their consent, which releases are in force, and their case notes:
# without these, each of those statements read the whole table.
#
# The client search matches names by prefix (UPPER(CAST(col AS VARCHAR)) LIKE UPPER($1), what
# Tortoise sends for istartswith); text_pattern_ops lets a prefix pattern use the index.

INDEX_SQL = [
    "CREATE INDEX IF NOT EXISTS consent_to_enter_client_agency ON consent_to_enter (client_id, agency_id)",
    "CREATE INDEX IF NOT EXISTS consent_to_enter_agency_client ON consent_to_enter (agency_id, client_id)",
    "CREATE INDEX IF NOT EXISTS release_of_information_client ON release_of_information (client_id)",
    "CREATE INDEX IF NOT EXISTS release_recipient_agency ON release_recipient (agency_id, release_id)",
    "CREATE INDEX IF NOT EXISTS case_note_client_created ON case_note (client_id, created_at)",
    "CREATE INDEX IF NOT EXISTS client_annotation_client ON client_annotation (client_id)",
    "CREATE INDEX IF NOT EXISTS client_last_name_prefix ON client (upper(CAST(last_name AS VARCHAR)) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS client_first_name_prefix ON client (upper(CAST(first_name AS VARCHAR)) text_pattern_ops)",
]

INDEX_REVERSE_SQL = [
    "DROP INDEX IF EXISTS client_first_name_prefix",
    "DROP INDEX IF EXISTS client_last_name_prefix",
    "DROP INDEX IF EXISTS client_annotation_client",
    "DROP INDEX IF EXISTS case_note_client_created",
    "DROP INDEX IF EXISTS release_recipient_agency",
    "DROP INDEX IF EXISTS release_of_information_client",
    "DROP INDEX IF EXISTS consent_to_enter_agency_client",
    "DROP INDEX IF EXISTS consent_to_enter_client_agency",
]


class Migration(migrations.Migration):
    # Numbered for branch bench; after main's 0006. The lead renumbers the chain at merge.
    dependencies = [("hearth", "0007_hud_csv")]

    initial = False

    operations = [
        ops.RunSQL(INDEX_SQL, reverse_sql=INDEX_REVERSE_SQL),
    ]
