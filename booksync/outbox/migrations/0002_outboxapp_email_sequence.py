# An email's booking sequence moves from its key into its payload (ADR 0014): the email handler
# reads the payload and no longer parses keys. Emails still to be delivered (pending, in
# flight, or failed and retryable by hand) get it here, from their key's tail
# (``email:<booking>:<kind>:<sequence>``), once.
from django.db import migrations

NOT_DONE = ["pending", "in_flight", "failed"]


def sequence_into_payload(apps, schema_editor):
    OutboxMessage = apps.get_model("outbox", "OutboxMessage")
    db = schema_editor.connection.alias
    for message in OutboxMessage.objects.using(db).filter(topic="email", state__in=NOT_DONE).iterator():
        payload = message.payload or {}
        tail = message.key.rsplit(":", 1)[-1]
        if "sequence" in payload or not tail.isdigit():
            continue
        message.payload = {**payload, "sequence": int(tail)}
        message.save(update_fields=["payload"])


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_outboxapp_initial"),
    ]

    operations = [
        migrations.RunPython(sequence_into_payload, migrations.RunPython.noop),
    ]
