"""Joins the two 0007 migrations of issues 22 (payments) and 23 (questions); neither touches the other's fields."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("bookings", "0007_payments"), ("bookings", "0007_questions")]
    operations = []
