# OutboxMessage and AuditEntry, moved here from the sync app (ADR 0014). State only: the tables
# keep their names (Meta.db_table) and their rows. The content types are relabelled, so admin
# permissions and log entries follow the models.
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

MOVED = ["outboxmessage", "auditentry"]


def relabel_content_types(apps, schema_editor, old="sync", new="outbox"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            continue  # already there (made by a post_migrate before this ran): nothing to carry over
        ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def relabel_back(apps, schema_editor):
    relabel_content_types(apps, schema_editor, old="outbox", new="sync")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("bookings", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sync", "0011_outboxapp_move_outbox_audit"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxMessage",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("topic", models.CharField(help_text="email, notion, calendar", max_length=30)),
                        ("action", models.CharField(max_length=50)),
                        ("key", models.CharField(max_length=255, unique=True)),
                        ("payload", models.JSONField(blank=True, default=dict)),
                        ("state", models.CharField(choices=[("pending", "Pending"), ("in_flight", "In flight"), ("done", "Done"), ("failed", "Failed (needs a human)")], default="pending", max_length=20)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("not_before", models.DateTimeField(default=django.utils.timezone.now)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.TextField(blank=True)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        ("provider_message_id", models.CharField(blank=True, db_index=True, max_length=255)),
                        ("delivery_status", models.CharField(blank=True, max_length=30)),
                        ("delivery_detail", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("booking", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="outbox", to="bookings.booking")),
                    ],
                    options={
                        "db_table": "sync_outboxmessage",
                        "ordering": ["created_at", "id"],
                        "indexes": [models.Index(fields=["state", "not_before"], name="sync_outbox_state_8127b8_idx")],
                    },
                ),
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("actor", models.CharField(choices=[("customer", "Customer"), ("admin", "Admin"), ("notion", "Admin in Notion"), ("calendar", "Calendar"), ("system", "System")], max_length=20)),
                        ("action", models.CharField(max_length=50)),
                        ("detail", models.JSONField(blank=True, default=dict)),
                        ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ("booking", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="audit", to="bookings.booking")),
                    ],
                    options={
                        "db_table": "sync_auditentry",
                        "verbose_name_plural": "audit entries",
                        "ordering": ["-at", "-id"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel_content_types, relabel_back),
    ]
