# BookingLink fields nothing ever read or wrote (issue 12, ADR 0013 (f)).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0007_sec_ratelimit_cache_table"),
    ]

    operations = [
        migrations.RemoveField(model_name="bookinglink", name="notion_read_hash"),
        migrations.RemoveField(model_name="bookinglink", name="notion_last_edited"),
        migrations.RemoveField(model_name="bookinglink", name="calendar_read_hash"),
    ]
