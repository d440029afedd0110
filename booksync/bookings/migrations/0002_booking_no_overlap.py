"""On PostgreSQL the database itself refuses overlapping active bookings.

An exclusion constraint over the blocked time range holds even for
concurrent transactions under READ COMMITTED. SQLite has no such constraint;
there the booking transaction takes the write lock at BEGIN instead
(settings: transaction_mode IMMEDIATE).
"""

from django.db import migrations

CONSTRAINT = (
    "ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap "
    "EXCLUDE USING gist (tstzrange(blocked_start, blocked_end, '[)') WITH &&) "
    "WHERE (status IN ('pending', 'confirmed'))"
)


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINT)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_no_overlap")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]
    operations = [migrations.RunPython(add_constraint, drop_constraint)]
