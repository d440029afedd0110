"""Reminder emails a configurable time before each session (a worker schedule).

``send_due_reminders`` only owes outbox messages; the outbox sends them. An
email's key names the booking, its kind and the booking's sequence, so running it
every few minutes records each reminder once, and a reschedule (which raises the
sequence) earns a new one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from booksync.bookings.models import Booking
from booksync.outbox import delivery, effects

REMINDER = "reminder"


def send_due_reminders(now: datetime | None = None) -> int:
    """Owe a reminder for every active booking starting within ``REMINDER_HOURS_BEFORE``.

    A booking whose customer already heard from us inside that window (booked
    or moved there at short notice) gets no reminder: the confirmation or update
    just sent serves. Returns how many reminders were newly recorded.
    """
    hours = settings.REMINDER_HOURS_BEFORE
    if hours <= 0:
        return 0
    now = now or timezone.now()
    window = timedelta(hours=hours)
    due = Booking.objects.active().filter(start__gt=now, start__lte=now + window).exclude(email="")
    recorded = 0
    for booking in due.prefetch_related("outbox"):
        emails = [m for m in booking.outbox.all() if m.topic == "email"]
        reminder = effects.email(booking, REMINDER)
        if any(m.key == reminder.key for m in emails):
            continue
        if any(m.created_at > booking.start - window for m in emails):
            continue
        with transaction.atomic():
            effects.owe(booking, reminder, wake=False)
        recorded += 1
    if recorded:
        delivery.wake_worker()
    return recorded
