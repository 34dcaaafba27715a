"""Reference data: Connecticut's two Continuums of Care and the mandatory LMS courses (policy 110).

The courses are the defaults a fresh deployment enforces; the System Administrator changes them
with ``upsertTrainingCourse``. ``required_for`` names access levels and duties.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("hearth", "0001_initial")]

    operations = [
        ops.RunSQL(
            [
                """
                INSERT INTO continuum_of_care (id, code, name) VALUES
                  (gen_random_uuid(), 'CT-503', 'Connecticut Balance of State CoC'),
                  (gen_random_uuid(), 'CT-505', 'Opening Doors Fairfield County CoC')
                ON CONFLICT (code) DO NOTHING
                """,
                """
                INSERT INTO training_course (id, code, title, required_for, created_at) VALUES
                  (gen_random_uuid(), 'PRIVACY-SECURITY', 'HMIS Privacy and Security',
                   '["FULL", "VIEW_ONLY", "REPORTING_ONLY"]', now()),
                  (gen_random_uuid(), 'NEW-USER-DATA-ENTRY', 'New User Data Entry',
                   '["FULL", "VIEW_ONLY"]', now()),
                  (gen_random_uuid(), 'REPORTING', 'HMIS Reporting',
                   '["REPORTING_ONLY"]', now()),
                  (gen_random_uuid(), 'HDC-ORIENTATION', 'HMIS Data Coordinator Orientation',
                   '["HMIS_DATA_COORDINATOR"]', now()),
                  (gen_random_uuid(), 'SECURITY-COORDINATOR', 'Agency Security Coordinator Training',
                   '["AGENCY_SECURITY_COORDINATOR"]', now())
                ON CONFLICT (code) DO NOTHING
                """,
            ],
            reverse_sql=[
                "DELETE FROM training_course WHERE code IN ('PRIVACY-SECURITY', "
                "'NEW-USER-DATA-ENTRY', 'REPORTING', 'HDC-ORIENTATION', 'SECURITY-COORDINATOR')",
                "DELETE FROM continuum_of_care WHERE code IN ('CT-503', 'CT-505')",
            ],
        ),
    ]
