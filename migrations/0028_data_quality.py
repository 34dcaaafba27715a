from tortoise import fields, migrations
from tortoise.migrations import operations as ops

# The data quality report (policy 302, issue 18) counts invalid SSNs (HUD's rules: Q6a) in SQL.
# SSNs are sealed at rest (0011), so the database cannot read them: the validity is decided when
# an SSN is written (models.clients.ssn_columns) and kept beside the sealed value as
# client.ssn_valid (null: no SSN). A migration has no keys in hand, so this one only adds the
# column: `hearth migrate` then opens each stored SSN whose flag is still null and fills it
# (services.sealing.seal_clear_ssns), in batches, leaving the sealed value as it was.


class Migration(migrations.Migration):
    dependencies = [("hearth", "0027_retention")]

    initial = False

    operations = [
        ops.AddField(model_name="Client", name="ssn_valid", field=fields.BooleanField(null=True)),
    ]
