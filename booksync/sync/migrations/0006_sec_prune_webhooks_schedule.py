from django.db import migrations


def create(apps, schema_editor):
    from booksync.sync.schedules import ensure_schedules

    ensure_schedules(apps.get_model("django_q", "Schedule"))


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="booksync: prune webhook records").delete()


class Migration(migrations.Migration):
    """Adds the daily pruning of webhook records (WebhookDelivery) to the worker's schedules."""

    dependencies = [
        ("sync", "0005_cache_table"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
