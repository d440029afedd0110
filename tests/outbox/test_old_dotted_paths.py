"""Work queued before an upgrade still runs after it: outbox messages whose handlers were named by
the old dotted paths, and django-q2 schedules saved with them (ADR 0015, ``topics.RENAMED``)."""

from __future__ import annotations

import pydoc

import pytest
from django.core import mail
from django.utils.module_loading import import_string
from django_q.models import Schedule
from django_q.tasks import async_task, fetch

from booksync.bookings import services
from booksync.bookings.messages.studio_contact import notify_address
from booksync.bookings.models import Service
from booksync.outbox import topics
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage, OutboxState
from booksync.sync.schedules import ensure_schedules, wanted
from tests.conftest import london

pytestmark = pytest.mark.django_db

# The handler table as the release before issue 20 shipped it.
HANDLERS_BEFORE = {
    topics.EMAIL: "booksync.bookings.emails.deliver",
    topics.NOTION: "booksync.sync.push.push_to_notion",
    topics.CALENDAR: "booksync.sync.push.push_to_calendar",
    topics.CALENDAR_CHECK: "booksync.bookings.calendar_outage.recheck",
    topics.STUDIO: "booksync.bookings.studio_mail.deliver",
}


def test_every_old_path_names_a_function_that_exists_today():
    for old, new in topics.RENAMED.items():
        assert pydoc.locate(old) is None, f"{old} still imports: drop it from RENAMED"
        assert callable(import_string(topics.current_path(old))), new


def test_queued_messages_named_by_the_old_handler_paths_are_delivered(studio, monday, settings,
                                                                      studio_emails, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for topic, path in HANDLERS_BEFORE.items():
        monkeypatch.setitem(topics.HANDLERS, topic, path)
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Ann",
                                                    email="ann@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    queued = OutboxMessage.objects.filter(booking=booking, topic__in=[topics.EMAIL, topics.STUDIO])
    assert sorted(queued.values_list("topic", flat=True)) == ["email", "studio"]
    # The studio notice as the release before queued it: subject, text and link, no "what".
    notice = queued.get(topic=topics.STUDIO)
    notice.payload = {k: v for k, v in notice.payload.items() if k != "what"}
    notice.save()
    mail.outbox.clear()

    deliver_due()

    assert set(queued.values_list("state", flat=True)) == {OutboxState.DONE}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["Ann <ann@example.com>", notify_address()])
    [studio_notice] = [m for m in mail.outbox if m.to == [notify_address()]]
    assert studio_notice.body.startswith("New booking: Ann")  # studio/booking_made.txt, found by its key


def test_schedules_saved_with_old_paths_run_after_the_upgrade(studio, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # What the release before issue 20 left in the database: its own schedules, plus ones a
    # studio added by hand in the admin naming functions that have since moved.
    for name, (func, minutes) in wanted().items():
        Schedule.objects.update_or_create(name=name, defaults={"func": func, "schedule_type": "I",
                                                               "minutes": minutes, "repeats": -1})
    by_hand = {"hand: reminders": "booksync.bookings.reminders.send_due_reminders",
               "hand: deliver": "booksync.sync.tasks.deliver_outbox"}
    for name, func in by_hand.items():
        Schedule.objects.create(name=name, func=func, schedule_type="I", minutes=5, repeats=-1)

    ensure_schedules(Schedule)  # `booksync setup`, which `booksync run` starts with

    assert Schedule.objects.count() == len(wanted()) + len(by_hand)
    for schedule in Schedule.objects.all():
        # django-q2's worker turns the stored name into a function with pydoc.locate.
        assert callable(pydoc.locate(schedule.func)), schedule.func
        task = fetch(async_task(schedule.func, sync=True))
        assert task is not None and task.success, (schedule.func, task and task.result)
    assert Schedule.objects.get(name="hand: reminders").func == topics.RENAMED[by_hand["hand: reminders"]]
