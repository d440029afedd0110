"""One booking's effects under any number of workers: order, re-checks, and what a sync delivers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from booksync.outbox import delivery as outbox
from booksync.outbox.effects import ensure_push
from booksync.outbox.models import OutboxMessage, OutboxState
from booksync.sync.models import BookingLink
from tests.sync.test_scenarios import book_on_website, sync

pytestmark = pytest.mark.django_db


def pushes(booking, topic):
    return OutboxMessage.objects.filter(booking=booking, topic=topic)


def test_notion_waits_for_a_due_or_running_calendar_push_but_not_for_one_in_backoff(both, monday):
    booking = book_on_website(monday, 10)
    [notion] = pushes(booking, "notion")
    now = timezone.now()
    assert outbox.try_claim(notion.pk, now) == outbox.BUSY  # the calendar push is due
    pushes(booking, "calendar").update(not_before=now + timedelta(minutes=5))  # failing: in its backoff
    assert outbox.try_claim(notion.pk, now) == outbox.CLAIMED


def test_a_pass_delivers_calendar_then_notion_and_the_page_shows_the_event(both, emu, monday):
    booking = book_on_website(monday, 10)
    notion = pushes(booking, "notion").get()
    outcomes = outbox.deliver([notion.pk, *pushes(booking, "calendar").values_list("pk", flat=True)])
    assert set(outcomes.values()) == {"delivered"}
    link = BookingLink.objects.get(booking=booking)
    assert emu.plain(link.notion_page_id)["Calendar Event ID"] == link.calendar_event_id != ""


def test_ensure_push_reuses_only_a_push_that_has_not_read_yet(both, monday):
    booking = book_on_website(monday, 10)
    [waiting] = pushes(booking, "notion")
    assert ensure_push("notion", booking) == waiting  # still pending: it will read the new state
    pushes(booking, "notion").update(state=OutboxState.IN_FLIGHT, claimed_at=timezone.now())
    newer = ensure_push("notion", booking)  # the one in flight may have read before the change
    assert newer != waiting and newer.state == OutboxState.PENDING


def test_a_sync_leaves_older_messages_their_backoff(both, monday):
    booking = book_on_website(monday, 10)
    later = timezone.now() + timedelta(minutes=20)
    pushes(booking, "calendar").update(not_before=later, attempts=2, last_error="Google was down")
    email = OutboxMessage.objects.get(booking=booking, topic="email")
    OutboxMessage.objects.filter(pk=email.pk).update(not_before=later, attempts=1)
    result = sync(full=False)
    kept = OutboxMessage.objects.get(pk=email.pk)
    assert (kept.state, kept.not_before, kept.attempts) == (OutboxState.PENDING, later, 1)
    calendar = pushes(booking, "calendar").get()
    assert (calendar.state, calendar.not_before, calendar.attempts) == (OutboxState.PENDING, later, 2)
    assert result["errors"] == 0
