"""The database cache's table, so `migrate` alone prepares a database.

The shared cache holds the sync lock, the slot picker's version and the rate
limits; a deployment that only runs `migrate` (as operations.md describes)
must not fail on a missing table. `createcachetable` is idempotent.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("sync", "0004_ledger_snapshots_state_webhooks")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
