"""The booking service: book, reschedule, cancel, and what each owes in the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booksync.bookings import services, tokens
from booksync.bookings.errors import BookingError, ChangesClosed, SlotUnavailable
from booksync.bookings.models import Block, Booking, BookingStatus, Service
from booksync.outbox.models import AuditEntry, OutboxMessage
from tests.conftest import london


def _request(start, service_slug="portrait", email="ann@example.com", name="Ann"):
    return services.BookingRequest(start=start, name=name, email=email, service=Service.objects.get(slug=service_slug))


def test_book_records_booking_email_and_audit(studio, monday):
    result = services.book(_request(london(monday, 10)))
    booking = result.booking
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.end - booking.start == timedelta(minutes=60)
    assert tokens.find(result.token) == booking
    emails = OutboxMessage.objects.filter(topic="email", booking=booking)
    assert [(m.action, m.state) for m in emails] == [("confirmation", "pending")]
    assert AuditEntry.objects.filter(booking=booking, action="created", actor="customer").exists()


def test_overlapping_booking_is_refused_and_writes_nothing(studio, monday):
    services.book(_request(london(monday, 10)))
    with pytest.raises(SlotUnavailable):
        services.book(_request(london(monday, 10, 30), email="bob@example.com"))
    assert Booking.objects.count() == 1
    assert OutboxMessage.objects.count() == 1


def test_buffers_keep_bookings_apart(studio, monday):
    studio.buffer_after_minutes = 30
    studio.save()
    services.book(_request(london(monday, 10)))
    with pytest.raises(BookingError):  # 11:00 is inside the 30-minute buffer after 10:00–11:00
        services.book(_request(london(monday, 11), email="bob@example.com"))
    assert services.book(_request(london(monday, 11, 30), email="bob@example.com")).created


def test_block_makes_time_unavailable(studio, monday):
    Block.objects.create(start=london(monday, 9), end=london(monday, 12), reason="Maintenance")
    with pytest.raises(SlotUnavailable):
        services.book(_request(london(monday, 10)))


@pytest.mark.parametrize(
    ("hour", "minute", "code"),
    [(20, 0, "outside_hours"), (10, 10, "not_on_slot")],
)
def test_invalid_starts_name_the_reason(studio, monday, hour, minute, code):
    with pytest.raises(BookingError) as err:
        services.book(_request(london(monday, hour, minute)))
    assert err.value.code == code
    assert Booking.objects.count() == 0


def test_reschedule_raises_sequence_and_owes_update_email(studio, monday):
    booking = services.book(_request(london(monday, 10))).booking
    moved = services.reschedule(booking, london(monday, 14))
    assert moved.start == london(monday, 14)
    assert moved.sequence == booking.sequence + 1
    assert OutboxMessage.objects.filter(booking=booking, action="update").count() == 1
    # the old time is free again
    assert services.book(_request(london(monday, 10), email="bob@example.com")).created


def test_reschedule_onto_taken_slot_changes_nothing(studio, monday):
    first = services.book(_request(london(monday, 10))).booking
    services.book(_request(london(monday, 14), email="bob@example.com"))
    with pytest.raises(SlotUnavailable):
        services.reschedule(first, london(monday, 14))
    first.refresh_from_db()
    assert first.start == london(monday, 10)
    assert not OutboxMessage.objects.filter(booking=first, action="update").exists()


def test_cancel_frees_the_slot_and_owes_cancellation(studio, monday):
    booking = services.book(_request(london(monday, 10))).booking
    services.cancel(booking, reason="ill")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert OutboxMessage.objects.filter(booking=booking, action="cancellation").count() == 1
    assert services.book(_request(london(monday, 10), email="bob@example.com")).created


def test_customer_changes_close_inside_notice_window(studio, monday):
    booking = services.book(_request(london(monday, 10))).booking
    just_before = booking.start - timedelta(hours=studio.change_notice_hours - 1)
    with pytest.raises(ChangesClosed) as err:
        services.cancel(booking, now=just_before)
    assert "24 hours" in err.value.message
    with pytest.raises(ChangesClosed):
        services.reschedule(booking, london(monday, 14), now=just_before)
    # the studio itself may still cancel
    services.cancel(booking, actor="admin", now=just_before)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_idempotency_key_replays_the_same_booking(studio, monday):
    first = services.book(_request(london(monday, 10)), idempotency_key="abc")
    again = services.book(_request(london(monday, 10)), idempotency_key="abc")
    assert again.booking.pk == first.booking.pk and not again.created
    assert Booking.objects.count() == 1
    with pytest.raises(BookingError) as err:
        services.book(_request(london(monday, 11)), idempotency_key="abc")
    assert err.value.code == "idempotency_key_reused"


def test_manage_tokens_are_hashed_and_long(studio, monday):
    result = services.book(_request(london(monday, 10)))
    booking = Booking.objects.get(pk=result.booking.pk)
    assert result.token not in (booking.manage_token_hash, booking.manage_salt)
    assert len(bytes.fromhex(booking.manage_salt)) * 8 >= 128
    assert tokens.find(result.token[:-1] + ("A" if result.token[-1] != "A" else "B")) is None
    assert tokens.find("") is None
