"""Changes read from Notion or the calendar go through the booking service's door.

The same guarantees as a website change, minus the customer-facing rules: the overlap
check inside the transaction, the blocked range (with the studio's buffers), sequence and
version, the audit entry, the customer's email, and pushes to the other side only.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from booksync.bookings.errors import SlotUnavailable
from booksync.bookings.external import apply_changes, import_record
from booksync.bookings.models import DETAIL_LENGTHS, Booking
from booksync.integrations.ports import SideRecord
from booksync.outbox.models import AuditEntry, OutboxMessage
from tests.conftest import london
from tests.messages.conftest import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def buffered(studio, settings):
    settings.OUTBOX_WAKE_WORKER = False
    studio.buffer_before_minutes = studio.buffer_after_minutes = 15
    studio.save()
    return studio


def test_a_notion_move_gets_blocked_range_sequence_audit_and_email(buffered, monday):
    booking = book(london(monday, 10))
    moved = apply_changes(str(booking.pk), {"start": london(monday, 19), "end": london(monday, 20)}, "notion")
    assert (moved.start, moved.end) == (london(monday, 19), london(monday, 20))  # outside opening hours: the studio may
    assert (moved.blocked_start, moved.blocked_end) == (london(monday, 19) - timedelta(minutes=15),
                                                         london(monday, 20) + timedelta(minutes=15))
    assert (moved.sequence, moved.version) == (booking.sequence + 1, booking.version + 1)
    audit = AuditEntry.objects.filter(booking=booking, action="rescheduled").get()
    assert audit.actor == "notion" and audit.detail["to"] == london(monday, 19).isoformat()
    assert OutboxMessage.objects.filter(key=f"email:{booking.pk}:update:{moved.sequence}").exists()


def test_a_calendar_move_onto_a_taken_slot_is_refused_and_nothing_is_saved(buffered, monday):
    booking = book(london(monday, 10))
    book(london(monday, 14), email="bob@example.com")
    owed = OutboxMessage.objects.count()
    with pytest.raises(SlotUnavailable):
        # 13:00–13:50 ends inside 14:00's buffer: the blocked range clashes, not the session
        apply_changes(str(booking.pk), {"start": london(monday, 13), "end": london(monday, 13, 50)}, "calendar")
    fresh = Booking.objects.get(pk=booking.pk)
    assert (fresh.start, fresh.sequence, fresh.version) == (booking.start, booking.sequence, booking.version)
    assert OutboxMessage.objects.count() == owed


def test_details_only_edit_owes_no_email_but_keeps_the_version(buffered, monday):
    booking = book(london(monday, 10))
    edited = apply_changes(str(booking.pk), {"notes": "Bring the dog"}, "notion")
    assert (edited.notes, edited.sequence, edited.version) == ("Bring the dog", booking.sequence, booking.version + 1)
    assert AuditEntry.objects.filter(booking=booking, action="edited", actor="notion").exists()
    assert not OutboxMessage.objects.filter(topic="email", key__contains=":update:").exists()


def test_moving_a_cancelled_booking_in_notion_emails_nobody(buffered, monday):
    """A cancelled booking's time edited in Notion is a record edit, not a reschedule: the customer
    already had the cancellation, and must not get "your booking moved" (the same rule as the admin's)."""
    from booksync.bookings.models import BookingStatus

    booking = book(london(monday, 10))
    apply_changes(str(booking.pk), {"status": BookingStatus.CANCELLED}, "notion")
    cancelled = Booking.objects.get(pk=booking.pk)
    owed_emails = OutboxMessage.objects.filter(key__startswith="email:").count()
    moved = apply_changes(str(booking.pk), {"start": london(monday, 15), "end": london(monday, 16)}, "notion")
    assert moved.start == london(monday, 15) and moved.sequence == cancelled.sequence
    assert AuditEntry.objects.filter(booking=booking, actor="notion").latest("pk").action == "edited"
    assert OutboxMessage.objects.filter(key__startswith="email:").count() == owed_emails


def test_every_door_keeps_details_to_the_columns_one_list_of_lengths(buffered, monday):
    """One list of field lengths (models.DETAIL_LENGTHS, the columns' sizes): a record a person made
    in Notion and an edit read from it are both clipped by it, the phone to its 50 characters too."""
    assert {f: Booking._meta.get_field(f).max_length for f in DETAIL_LENGTHS} == DETAIL_LENGTHS
    record = SideRecord("page-1", start=london(monday, 10), end=london(monday, 11), name="N" * 300,
                        phone="0" * 120, notes="x" * 2500, email="ann@example.com")
    imported = import_record(record, "notion")
    fresh = Booking.objects.get(pk=imported.pk)
    assert (len(fresh.name), len(fresh.phone), len(fresh.notes)) == (200, 50, 2000)
    edited = apply_changes(str(imported.pk), {"phone": "1" * 80, "name": "M" * 250}, "notion")
    assert (len(edited.phone), len(edited.name)) == (50, 200)
