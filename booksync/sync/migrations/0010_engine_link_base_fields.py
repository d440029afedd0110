"""The ledger's agreed state per side is the "base" (docs/architecture.md's glossary), not a snapshot."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sync", "0009_perf_link_updated_at_index")]
    operations = [
        migrations.RenameField("bookinglink", "notion_snapshot", "notion_base"),
        migrations.RenameField("bookinglink", "calendar_snapshot", "calendar_base"),
    ]
