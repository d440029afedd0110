"""Joins issue 22's 0007_payments with main's migrations (questions and resources, merged in 0008);
none touches the others' fields."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("bookings", "0007_payments"), ("bookings", "0008_merge_0007_questions_0007_resources")]
    operations = []
