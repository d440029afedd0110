"""Reminder emails a configurable time before the session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booksync.bookings import services
from booksync.bookings.messages.reminders import send_due_reminders
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage
from tests.conftest import london

from .conftest import book
from .invites import parse_invite

pytestmark = pytest.mark.filterwarnings("ignore:django-anymail has dropped official support for SendGrid")


def reminders(booking) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(booking=booking, action="reminder"))


def test_a_reminder_is_recorded_once_inside_the_window_and_sent(studio, monday, sendgrid, settings):
    settings.REMINDER_HOURS_BEFORE = 24
    booking = book(london(monday, 10))
    deliver_due(force=True, topics=["email"])

    assert send_due_reminders(now=booking.start - timedelta(hours=25)) == 0  # not yet
    assert send_due_reminders(now=booking.start - timedelta(hours=23)) == 1
    assert send_due_reminders(now=booking.start - timedelta(hours=22)) == 0  # idempotent
    deliver_due(force=True, topics=["email"])

    confirmation, reminder = sendgrid.messages_to("ann@example.com")
    assert reminder.subject.startswith("Reminder: Portrait session")
    assert "See you soon" in reminder.html
    calendar, event = parse_invite(reminder.attachment("invite.ics").content)
    assert str(calendar["METHOD"]) == "REQUEST" and event["SEQUENCE"] == booking.sequence


def test_a_reschedule_earns_a_new_reminder_and_a_cancellation_none(studio, monday, sendgrid, settings):
    settings.REMINDER_HOURS_BEFORE = 24
    booking = book(london(monday, 10))
    assert send_due_reminders(now=booking.start - timedelta(hours=20)) == 1
    booking = services.reschedule(booking, london(monday, 15), actor="admin")
    # the update email was recorded now, days before the new window opens
    assert send_due_reminders(now=booking.start - timedelta(hours=20)) == 1
    assert [m.key.rsplit(":", 1)[1] for m in reminders(booking)] == ["0", "1"]

    services.cancel(booking, actor="admin")
    assert send_due_reminders(now=booking.start - timedelta(hours=20)) == 0
    deliver_due(force=True, topics=["email"])
    subjects = [m.subject.split(":")[0] for m in sendgrid.messages_to("ann@example.com")]
    assert "Reminder" not in subjects  # reminders owed before the cancellation are not sent
    assert subjects.count("Your booking is cancelled") == 1


def test_no_reminder_right_after_a_short_notice_booking(studio, monday, settings):
    settings.REMINDER_HOURS_BEFORE = 24 * 7  # the booking is made inside the window
    booking = book(london(monday, 10))
    assert send_due_reminders(now=booking.start - timedelta(hours=24)) == 0


def test_zero_hours_disables_reminders(studio, monday, settings):
    settings.REMINDER_HOURS_BEFORE = 0
    booking = book(london(monday, 10))
    assert send_due_reminders(now=booking.start - timedelta(hours=1)) == 0
    assert reminders(booking) == []
