# OutboxMessage and AuditEntry moved to the outbox app (ADR 0014): removed from this app's
# state only. Their tables (sync_outboxmessage, sync_auditentry) stay, with their rows; the
# outbox app's 0001 takes them over.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0010_engine_link_base_fields"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="OutboxMessage"),
                migrations.DeleteModel(name="AuditEntry"),
            ],
            database_operations=[],
        ),
    ]
