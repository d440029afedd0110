"""A claim left by a worker that died is handed back after OUTBOX_STUCK_AFTER_SECONDS, not before.

A live worker refreshes its claim every OUTBOX_HEARTBEAT_SECONDS (tests/faults/test_claim_heartbeat.py),
so the default only has to outlast a few missed beats: 30 s, not the ten minutes it was before.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from booksync.outbox import delivery as outbox
from booksync.outbox.models import OutboxMessage, OutboxState

pytestmark = pytest.mark.django_db


def _claimed(seconds_ago: float) -> OutboxMessage:
    message = outbox.record("email", "confirmation", f"email:test:{seconds_ago}")
    now = timezone.now()
    assert outbox.claim(message.pk, now - timedelta(seconds=seconds_ago), force=True)
    return message


def test_default_waits_thirty_seconds():
    fresh, old = _claimed(10), _claimed(45)
    assert outbox.release_stuck() == 1
    assert OutboxMessage.objects.get(pk=fresh.pk).state == OutboxState.IN_FLIGHT
    assert OutboxMessage.objects.get(pk=old.pk).state == OutboxState.PENDING


def test_the_setting_shortens_it(settings):
    settings.OUTBOX_STUCK_AFTER_SECONDS = 2
    fresh, old = _claimed(0), _claimed(5)
    assert outbox.release_stuck() == 1
    assert OutboxMessage.objects.get(pk=fresh.pk).state == OutboxState.IN_FLIGHT
    released = OutboxMessage.objects.get(pk=old.pk)
    assert released.state == OutboxState.PENDING and released.claimed_at is None


def test_two_pushes_of_one_booking_are_never_in_flight_together(world, monday):
    from tests.sync.test_scenarios import book_on_website

    booking = book_on_website(monday, 10)
    outbox.deliver_due(topics=["calendar"])  # a booking's Notion pushes wait for its calendar push
    first = outbox.record("notion", "push", "notion:test:a", booking=booking)
    second = outbox.record("notion", "push", "notion:test:b", booking=booking)
    now = timezone.now()
    assert outbox.claim(first.pk, now, force=True)
    assert not outbox.claim(second.pk, now, force=True)  # another worker would create a second page
    calendar = outbox.record("calendar", "push", "calendar:test:a", booking=booking)
    assert outbox.claim(calendar.pk, now, force=True)  # other topics go on
    outbox.deliver_one(OutboxMessage.objects.get(pk=first.pk))
    assert not outbox.claim(second.pk, now, force=True)  # Notion waits for the calendar push in flight
    outbox.deliver_one(OutboxMessage.objects.get(pk=calendar.pk))
    assert outbox.claim(second.pk, now, force=True)


def test_doctor_wants_the_stale_time_to_span_three_heartbeats(studio, settings):
    from booksync.doctor import run_doctor

    settings.ADMIN_API_TOKEN = "a-long-enough-admin-token"
    settings.OUTBOX_HEARTBEAT_SECONDS, settings.OUTBOX_STUCK_AFTER_SECONDS = 10, 15
    lines: list[str] = []
    assert run_doctor(lines.append) == 1
    assert any("OUTBOX_STUCK_AFTER_SECONDS" in line for line in lines if line.startswith("PROBLEM"))
    settings.OUTBOX_STUCK_AFTER_SECONDS = 30
    assert run_doctor([].append) == 0
