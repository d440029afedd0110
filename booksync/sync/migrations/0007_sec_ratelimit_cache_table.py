"""The rate-limit counters' cache table (settings CACHES["ratelimit"]), so `migrate` alone prepares it."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("sync", "0006_sec_prune_webhooks_schedule")]
    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
