from tortoise import migrations
from tortoise.migrations import operations as ops
from models.sealed import SealedCharField
from tortoise import fields

# SSNs sealed at rest (decision 96): client.ssn becomes bytea holding AES-256-GCM ciphertext that
# names its key (models.sealed), beside ssn_hash, the keyed hash that finds a client by exact SSN.
#
# A migration has no keys in hand, so this one only changes the column: the clear values become
# their bytes (still clear), and `hearth migrate` seals them right after applying the migrations
# (services.sealing.seal_clear_ssns, with the configured keys), filling ssn_hash. Reading a clear
# value fails with an error that says to run `hearth migrate`. There is no way back short of a
# backup: sealed values cannot turn into text in SQL.
#
# sealing_key holds, for each key that has sealed values (purpose 'ssn', by key id) and for the
# lookup hash's key (purpose 'ssn-hash'), a probe made with it: at start-up Hearth checks that
# its configured keys open every probe of a key still in use, so a wrong or missing key stops it
# with a clear error before any request. `hearth admin rekey-ssns` retires a key once no value is
# sealed with it. Production grants: the application's role needs SELECT, INSERT on sealing_key;
# the rekey command also UPDATE.

BEFORE_SQL = [
    "ALTER TABLE client ALTER COLUMN ssn TYPE bytea USING convert_to(ssn, 'UTF8')",
]

AFTER_SQL = [
    # Tortoise's AddField does not create the index db_index asks for.
    "CREATE INDEX IF NOT EXISTS client_ssn_hash ON client (ssn_hash)",
    """
    CREATE TABLE sealing_key (
      purpose varchar(16) NOT NULL,
      key_id varchar(32) NOT NULL,
      probe bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      retired_at timestamptz,
      PRIMARY KEY (purpose, key_id)
    )
    """,
    "COMMENT ON TABLE sealing_key IS 'Probes of the keys that sealed values (and of the lookup hash key): start-up checks the configured keys against them.'",
]

REVERSE_SQL = ["DROP TABLE IF EXISTS sealing_key", "DROP INDEX IF EXISTS client_ssn_hash"]


class Migration(migrations.Migration):
    dependencies = [("hearth", "0010_second_agency_consent")]

    initial = False

    operations = [
        ops.RunSQL(BEFORE_SQL),
        ops.AlterField(
            model_name="Client",
            name="ssn",
            field=SealedCharField(null=True, max_length=9),
        ),
        ops.AddField(
            model_name="Client",
            name="ssn_hash",
            field=fields.CharField(null=True, db_index=True, max_length=64),
        ),
        ops.RunSQL(AFTER_SQL, reverse_sql=REVERSE_SQL),
    ]
