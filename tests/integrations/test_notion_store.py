"""The Notion store against the emulator over real HTTP: website bookings reach Notion through the outbox.

A booking becomes exactly one page (Booking ID, Source = Website); a
reschedule sends only the Date, a cancel only the Status (the page is never
trashed); what we write reads back to the same fingerprint; a retried create
after a lost answer finds the page instead of making a second one.
"""

from __future__ import annotations

import pytest

from booksync.bookings.booking_view import booking_view, notion_ref
from booksync.bookings.models import BookingSource, Service
from booksync.bookings.services import BookingRequest, book, cancel, reschedule
from booksync.integrations.notion import notion_bookings
from booksync.integrations.ports import NOTION_FIELDS
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage
from booksync.sync.models import BookingLink
from booksync.sync.plan import NOTION
from booksync.sync.snapshot import fingerprint
from tests.conftest import london

pytestmark = pytest.mark.usefixtures("notion_settings")


def make_booking(day, hour=10, *, name="Ann Example", email="ann@example.com", notes="Bring the dog",
                 source=BookingSource.WEBSITE):
    request = BookingRequest(start=london(day, hour), name=name, email=email, phone="+44 7700 900123",
                             notes=notes, service=Service.objects.get(slug="portrait"), source=source)
    return book(request).booking


def deliver_notion() -> dict:
    return deliver_due(force=True, topics=["notion"])


def page_of(booking) -> str:
    return BookingLink.objects.get(booking=booking).notion_page_id


def bot_edits(emu, page_id):
    return [e for e in emu.edits_by("bot", page_id) if e.kind != "created"]


def test_website_booking_becomes_one_page_with_booking_id_and_source(studio, monday, emu, notion_db):
    booking = make_booking(monday)
    assert OutboxMessage.objects.filter(topic="notion", booking=booking).count() == 1
    assert deliver_notion() == {"delivered": 1, "failed": 0}

    page_id = page_of(booking)
    row = emu.plain(page_id)
    assert row["Name"] == "Ann Example"
    assert row["Email"] == "ann@example.com"
    assert row["Phone"] == "+44 7700 900123"
    assert row["Service"] == "Portrait session"
    assert row["Status"] == "Confirmed"
    assert row["Source"] == "Website"
    assert row["Booking ID"] == str(booking.pk)
    assert row["Notes"] == "Bring the dog"
    assert row["Date"]["start"].startswith(london(monday, 10).isoformat()[:16])
    assert row["Date"]["end"].startswith(london(monday, 11).isoformat()[:16])
    assert emu.page_ids(notion_db.data_source_id) == [page_id]


def test_reschedule_sends_only_the_date_and_cancel_only_the_status(studio, monday, emu, notion_db):
    booking = make_booking(monday)
    deliver_notion()
    page_id = page_of(booking)

    booking = reschedule(booking, london(monday, 14), actor="admin")
    assert deliver_notion()["delivered"] == 1
    assert [e.properties for e in bot_edits(emu, page_id)] == [["Date"]]
    assert emu.plain(page_id)["Date"]["start"].startswith(london(monday, 14).isoformat()[:16])

    cancel(booking, actor="admin")
    assert deliver_notion()["delivered"] == 1
    assert [e.properties for e in bot_edits(emu, page_id)] == [["Date"], ["Status"]]
    assert emu.plain(page_id)["Status"] == "Cancelled"
    assert emu.page(page_id)["in_trash"] is False  # cancelled, never trashed
    assert emu.page_ids(notion_db.data_source_id) == [page_id]


def test_an_unchanged_booking_is_not_written_again(studio, monday, emu):
    booking = make_booking(monday)
    deliver_notion()
    link = BookingLink.objects.get(booking=booking)
    patches = len(emu.calls("PATCH"))
    notion_bookings().upsert(booking_view(booking), notion_ref(link))
    assert len(emu.calls("PATCH")) == patches


def test_remove_marks_cancelled_and_tolerates_a_missing_page(studio, monday, emu):
    booking = make_booking(monday)
    deliver_notion()
    link = BookingLink.objects.get(booking=booking)
    store = notion_bookings()
    store.remove(booking_view(booking), notion_ref(link))
    assert emu.plain(link.notion_page_id)["Status"] == "Cancelled"
    patches = len(emu.calls("PATCH"))
    store.remove(booking_view(booking), notion_ref(link))  # already cancelled: nothing to send
    assert len(emu.calls("PATCH")) == patches
    emu.human_trash(link.notion_page_id)
    store.remove(booking_view(booking), notion_ref(link))  # in the trash counts as gone
    other = make_booking(monday, 15)
    store.remove(booking_view(other), notion_ref(BookingLink(booking=other)))  # never written: nothing to do
    assert len(emu.calls("PATCH")) == patches


def test_what_we_write_reads_back_to_the_same_fingerprint(studio, monday):
    booking = make_booking(monday, notes="A long note. " * 300)  # > 2000 characters: sent in chunks
    deliver_notion()
    store = notion_bookings()
    record = store.fetch(page_of(booking))
    assert record.fingerprint(NOTION_FIELDS) == fingerprint(NOTION, booking)
    assert record.booking_id == str(booking.pk) and record.source == "website"
    assert not record.problem

    booking = cancel(reschedule(booking, london(monday, 15), actor="admin"), actor="admin")
    deliver_notion()
    record = store.fetch(page_of(booking))
    assert record.fingerprint(NOTION_FIELDS) == fingerprint(NOTION, booking)


def test_a_create_whose_answer_was_lost_is_found_again_not_repeated(studio, monday, emu, notion_db):
    booking = make_booking(monday)
    # The page got created but the worker died before the ledger recorded it.
    page_id = notion_bookings().upsert(booking_view(booking), notion_ref(BookingLink(booking=booking))).external_id
    assert deliver_notion()["delivered"] == 1
    assert page_of(booking) == page_id
    assert emu.page_ids(notion_db.data_source_id) == [page_id]


def test_a_page_lost_from_the_ledger_is_found_by_booking_id(studio, monday, emu, notion_db):
    booking = make_booking(monday)
    deliver_notion()
    page_id = page_of(booking)
    BookingLink.objects.filter(booking=booking).update(notion_page_id="0" * 32, notion_written_hash="")
    booking = reschedule(booking, london(monday, 13), actor="admin")
    deliver_notion()
    assert page_of(booking) == page_id
    assert emu.page_ids(notion_db.data_source_id) == [page_id]


def test_a_page_trashed_before_a_push_lets_the_trash_stand_and_a_restore_takes_it_out(studio, monday, emu):
    """A page moved to the trash since booksync last read it is a cancellation (ADR 0016): the push
    writes nothing and cancels the booking at its new time. Once that is read, a booking confirmed
    again in booksync (the dashboard's restore) is the newer status: the page comes out of the trash."""
    from booksync.bookings.models import BookingStatus
    from booksync.bookings.services import apply_change

    booking = make_booking(monday)
    deliver_notion()
    emu.human_trash(page_of(booking))
    booking = reschedule(booking, london(monday, 13), actor="admin")
    writes = len(emu.calls("PATCH"))
    assert deliver_notion() == {"delivered": 1, "failed": 0}
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.start == london(monday, 13)
    assert len(emu.calls("PATCH")) == writes  # the trashed page was not written
    apply_change(booking.pk, {"status": BookingStatus.CONFIRMED}, actor="admin")
    assert deliver_notion() == {"delivered": 1, "failed": 0}
    page = emu.page(page_of(booking))
    assert page["in_trash"] is False
    assert emu.plain(page_of(booking))["Status"] == "Confirmed"
    assert emu.plain(page_of(booking))["Date"]["start"].startswith(london(monday, 13).isoformat()[:16])


def test_the_calendar_event_id_of_the_link_goes_to_the_page(studio, monday, emu):
    booking = make_booking(monday)
    deliver_notion()
    link = BookingLink.objects.get(booking=booking)
    link.calendar_event_id = "evt0123456789"
    notion_bookings().upsert(booking_view(booking, calendar_event_id=link.calendar_event_id), notion_ref(link))
    assert emu.plain(link.notion_page_id)["Calendar Event ID"] == "evt0123456789"
    assert [e.properties for e in bot_edits(emu, link.notion_page_id)] == [["Calendar Event ID"]]
